# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""gather imports hosts_access and userauth only when a host needs them (AnsiballZ compiles every
module_utils the module imports, on every run): the shortcut must give exactly what the parser
gives, on hostile tables and on every table recorded on the lab hosts."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import gather_wrappers, hosts_access

ROOT = Path(__file__).resolve().parents[5]
RECORDINGS = ROOT / "tests" / "unit" / "fixtures" / "recordings"

HOSTILE = [
    "", "\n", "\n\n\n", "# comment\n", "# a\n\n  \n\t\n#b\n", "# cr\r\n",
    "# no final newline",                 # libwrap: fatal, the rule is reported
    "# continued \\\nsshd: ALL\n",       # a comment whose continuation carries a rule
    "#\\\n",                             # continuation into nothing
    " # not a comment for libwrap\n",   # '#' must be the first byte
    "#x\0y\n",                           # NUL: libwrap's counter differs
    "#" + "x" * 2100 + "\n",             # longer than libwrap's buffer
    "#" + "x" * 2045 + "\n",             # at the buffer's edge
    "sshd: ALL\n", "ALL: 192.0.2.\n# trailing comment\n", "sshd : ALL : deny\n",
]


def recorded_tables():
    out = []
    for path in sorted(RECORDINGS.glob("*/*.json")):
        for call in json.loads(path.read_text(encoding="utf-8")).get("calls", []):
            if (call["m"] == "read_text" and call["a"][0] in ("/etc/hosts.allow", "/etc/hosts.deny")
                    and isinstance(call["r"], str) and call["r"] not in out):
                out.append(call["r"])
    return out


@pytest.mark.parametrize("text", HOSTILE + recorded_tables())
def test_parse_table_is_the_parser(text):
    assert gather_wrappers.parse_table(text, "/etc/hosts.allow") == hosts_access.parse_rules(text, "/etc/hosts.allow")


def test_recordings_have_tables_of_both_kinds():
    tables = recorded_tables()
    assert any(gather_wrappers.parse_table(t, "x") for t in tables), "no recorded table with rules"
    assert any(not gather_wrappers.parse_table(t, "x") for t in tables), "no recorded table without rules"


ADDRESSES = ["10.88.0.1", "192.0.2.10", "::1", "2001:db8::40", "0:0::1", "::ffff:10.1.1.1", "fe80::1%eth0",
             "10.01.1.1", " 10.0.0.1", "999.1.1.1", "host.example", "", "unknown", "PARANOID", "a b", "LOCAL", None]


@pytest.mark.parametrize("addr", ADDRESSES)
def test_no_rules_verdict_is_the_evaluator(addr):
    known = gather_wrappers.no_rules_verdict(addr)
    if known is not None:
        assert known == hosts_access.evaluate([], [], addr, daemon="sshd")


def test_any_client_without_rules_is_none():
    assert gather_wrappers.any_client_verdict({"allow": [], "deny": []}) is None
    assert hosts_access.evaluate([], [], gather_wrappers.ANY_CLIENT[0], daemon="sshd")["verdict"] == "allow"


def test_absent_table_is_empty():
    assert gather_wrappers.parse_table(None, "/etc/hosts.deny") == []


def test_healthy_trixie_replay_imports_no_hosts_access():
    """A fresh interpreter replays the healthy trixie recording (Debian's comment-only tables, a
    client address asked about): hosts_access and userauth stay unimported."""
    code = (
        "import json, sys\n"
        "from ansible_collections.sshd.doctor.plugins.module_utils._sshd import checks, gather, hostio\n"
        "rec = json.load(open(sys.argv[1]))\n"
        "opts = dict(rec['meta']['options'], user_auth=True, users=[])\n"
        "state = gather.collect(hostio.ReplayHost(rec), opts)\n"
        "checks.run_checks(state)\n"
        "mods = [m.rsplit('.', 1)[-1] for m in sys.modules if m.startswith('ansible_collections.sshd')]\n"
        "print(json.dumps({'linked': state['tcp_wrappers']['linked'], 'mods': sorted(mods)}))\n"
    )
    rec = RECORDINGS / "trixie" / "healthy.json"
    res = subprocess.run([sys.executable, "-c", code, str(rec)], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": ":".join(sys.path)})
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["linked"] is True  # Debian's sshd links libwrap; its tables ship comments only
    assert "gather" in out["mods"]
    assert "hosts_access" not in out["mods"]
    assert "userauth" not in out["mods"]
