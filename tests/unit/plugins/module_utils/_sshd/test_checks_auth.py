# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Auth checks over states and journals captured from real lab hosts (tests/lab/auth_faults.py).

On each release the lab added six users, each with one fault, and alice healthy; real
OpenSSH clients tried each user (their outcome is in clients.json) and the real sshd_facts
module gathered the state.  Each check must name exactly the users with its fault.  The
negotiation log lines are sshd's own, from the client matrix (tests/lab/client_matrix.json).
"""

import copy
import json
from pathlib import Path

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import checks, checks_auth, service
from ansible_collections.sshd.doctor.plugins.module_utils._sshd import config as sshd_config

ROOT = Path(__file__).resolve().parents[5]
FIX = ROOT / "tests" / "unit" / "fixtures" / "auth"
RELEASES = sorted(p.name for p in FIX.iterdir() if (p / "state.json").exists())
MATRIX = json.loads((ROOT / "tests" / "lab" / "client_matrix.json").read_text())

EXPECTED = {
    "authorized_keys_unreadable": {"bob"},
    "user_key_type_rejected": {"carol"},
    "user_key_from_excludes_client": {"dave"},
    "account_expired": {"erin"},
    "chroot_dir_insecure": {"frank"},
    "shell_output_breaks_sftp": {"grace", "hank"},
}
USERS = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "hank", "ivy")


def load(release):
    return json.loads((FIX / release / "state.json").read_text())


def named(findings):
    return {u for f in findings for u in USERS if f["summary"].startswith(u + " ") or f["summary"].startswith(u + "'")
            or " %s " % u in f["summary"] or " %s's" % u in f["summary"] or f["summary"].endswith(" " + u)}


def test_three_releases_captured():
    assert RELEASES == ["bookworm", "bullseye", "trixie"]


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize("fid", sorted(EXPECTED))
def test_each_check_names_exactly_the_faulty_user(release, fid):
    state = load(release)
    fn = dict(checks_auth.CHECKS)[fid]
    found = fn(state)
    assert named(found) == EXPECTED[fid], [f["summary"] for f in found]
    for f in found:
        assert f["id"] == fid and f["evidence"] and f["fix"]


@pytest.mark.parametrize("release", RELEASES)
def test_the_real_clients_failed_where_the_checks_say(release):
    tried = json.loads((FIX / release / "clients.json").read_text())
    assert tried["alice"][0] == 0
    for user in ("bob", "carol", "dave", "erin", "frank"):
        assert tried[user][0] != 0, user
    assert tried["grace-sftp"][0] != 0  # login works, sftp breaks on the shell's greeting


@pytest.mark.parametrize("release", RELEASES)
def test_healthy_user_alone_raises_nothing(release):
    state = load(release)
    state["user_auth"]["users"] = {"alice": state["user_auth"]["users"]["alice"]}
    state["service"]["log"] = []
    for fid, fn in checks_auth.CHECKS:
        if fid not in ("client_algorithms_incompatible",):
            assert fn(state) == [], fid


@pytest.mark.parametrize("release", RELEASES)
def test_run_checks_includes_the_auth_checks(release):
    ids = {f["id"] for f in checks.run_checks(load(release))[0]}
    assert set(EXPECTED) <= ids


@pytest.mark.parametrize("release", RELEASES)
def test_hostile_shells_are_bounded(release):
    users = load(release)["user_auth"]["users"]
    assert users["hank"]["shell_output"]["truncated"] and users["hank"]["shell_output"]["stdout_bytes"] == 4096
    assert users["ivy"]["shell_output"]["timed_out"] and users["ivy"]["shell_output"]["stdout_bytes"] == 0


def test_acl_grant_makes_a_root_owned_file_readable():
    state = load("trixie")
    bob = state["user_auth"]["users"]["bob"]
    info = next(iter(bob["authorized_keys"].values()))
    info["acl"] = {"user": {"": "rw-", str(bob["uid"]): "r--"}, "group": {"": "---"}, "mask": "r--"}
    assert checks_auth.check_authorized_keys_unreadable(state) == []
    info["acl"]["mask"] = "---"  # the mask takes the grant away again
    assert checks_auth.check_authorized_keys_unreadable(state)


def test_rsa_key_is_fine_while_any_rsa_signature_is_accepted():
    assert checks_auth.key_rejection("ssh-rsa", ["ssh-ed25519", "rsa-sha2-256"], (10, 0)) is None
    assert checks_auth.key_rejection("ssh-rsa", ["ssh-ed25519"], (10, 0))
    assert checks_auth.key_rejection("ssh-dss", ["ssh-dss"], (10, 0)).startswith("DSA keys are no longer")
    assert checks_auth.key_rejection("ssh-dss", ["ssh-ed25519", "rsa-sha2-512"], (9, 2))
    assert checks_auth.key_rejection("ssh-dss", ["ssh-dss"], (9, 2)) is None


def test_from_option_semantics():
    assert checks_auth.from_allows("10.88.0.0/16", "10.88.0.1")
    assert not checks_auth.from_allows("192.0.2.1,!10.88.*", "10.88.0.1")
    assert not checks_auth.from_allows("*,!10.88.0.1", "10.88.0.1")
    assert checks_auth.from_allows("10.88.0.?", "10.88.0.1")


# ---------------------------------------------------------------- sshd's real log lines


def _negotiation_lines():
    return [(c["release"], c["server_log"][0]) for c in MATRIX["cells"] if c.get("server_log")]


def test_matrix_recorded_negotiation_lines_of_every_release():
    assert {rel for rel, _line in _negotiation_lines()} == {"bullseye", "bookworm", "trixie"}


@pytest.mark.parametrize("release,line", _negotiation_lines()[:60])
def test_refusal_lines_survive_the_log_filter_and_raise(release, line):
    assert service.interesting_log_lines(line) == [line]
    server = next(s for s in MATRIX["servers"] if s["release"] == release)
    state = {"service": {"log": [line]}, "config": {"effective": sshd_config.parse_sshd_T(server["sshd_T"])},
             "host_keys": server["host_keys"], "version_tuple": None}
    found = checks_auth.check_clients_refused_negotiation(state)
    assert len(found) == 1
    refusal = checks_auth.refusals([line])[0]
    assert refusal["addr"] in found[0]["summary"]
    assert any(",".join(refusal["offer"][:3]) in e for e in found[0]["evidence"])
    assert any("this server accepts" in e for e in found[0]["evidence"])


def test_pubkey_type_lines_from_the_real_journals():
    lines = [line for rel in RELEASES for line in (FIX / rel / "journal.txt").read_text().splitlines()
             if checks_auth.PUBKEY_TYPE_RE.search(line)]
    lines += [line for c in MATRIX.get("rsa_key_cells", []) for line in c["server_log"]]
    assert len(lines) >= 3
    assert lines, "no userauth_pubkey line was captured"
    for line in lines:
        assert service.interesting_log_lines(line) == [line]
    found = checks_auth.check_user_key_type_rejected({"service": {"log": lines}})
    assert found and "ssh-rsa" in found[0]["summary"]


def test_no_state_no_crash():
    for _fid, fn in checks_auth.CHECKS:
        assert fn({}) == []
        assert fn({"user_auth": {"users": {"x": {"exists": False}}}, "service": {"log": ["garbage"]}}) == []


def test_hostile_log_lines_do_not_crash():
    lines = ["Unable to negotiate with 10.0.0.1 port 1: no matching cipher found. Their offer: " + "a," * 5000,
             "Unable to negotiate with ::1 port 22: no matching MAC found. Their offer: x [preauth]"]
    state = {"service": {"log": lines}, "config": {"effective": {}}, "host_keys": []}
    found = checks_auth.check_clients_refused_negotiation(copy.deepcopy(state))
    assert "(unknown)" in " ".join(found[0]["evidence"])


# ---------------------------------------------------------------- compatibility over the matrix's real servers


def _server_state(release, config, profiles=None):
    server = SERVERS[(release, config)]
    eff = {k: {"value": v, "file": None, "line": None} for k, v in sshd_config.parse_sshd_T(server["sshd_T"]).items()}
    return {"config": {"effective": eff}, "host_keys": server["host_keys"],
            "version_tuple": list(sshd_config.version_tuple({"bullseye": "8.4p1", "bookworm": "9.2p1",
                                                             "trixie": "10.0p2"}[release])),
            "client_profiles": profiles}


SERVERS = {(s["release"], s["config"]): s for s in MATRIX["servers"]}


@pytest.mark.parametrize("release", ["bullseye", "bookworm", "trixie"])
def test_stock_servers_serve_the_default_profiles(release):
    assert checks_auth.check_client_algorithms_incompatible(_server_state(release, "stock")) == []


@pytest.mark.parametrize("release", ["bullseye", "bookworm", "trixie"])
def test_legacy_rsa_only_turns_away_current_openssh_with_the_admitting_line(release):
    found = checks_auth.check_client_algorithms_incompatible(_server_state(release, "legacy-rsa-only"))
    assert len(found) == 1 and "OpenSSH 10.0" in found[0]["summary"] and "host key type" in found[0]["summary"]
    assert "HostKeyAlgorithms +rsa-sha2-512" in found[0]["fix"]


def test_profiles_option_selects_the_clients():
    state = _server_state("trixie", "restricted-kex", ["openssh_8.4", "jsch_0.1.55", "openssh_10.0"])
    found = checks_auth.check_client_algorithms_incompatible(state)
    assert "OpenSSH 8.4" in found[0]["summary"] and "JSch 0.1.55" in found[0]["summary"]
    assert "OpenSSH 10.0" not in found[0]["summary"]
    assert "KexAlgorithms +curve25519-sha256" in found[0]["fix"]


def test_no_dump_no_verdict():
    assert checks_auth.check_client_algorithms_incompatible({"config": {"effective": {}}}) == []


@pytest.mark.parametrize("release,raised", [("bullseye", False), ("bookworm", True), ("trixie", True)])
def test_jsch_0155_rsa_keys_fail_from_88_on(release, raised):
    # JSch 0.1.55 negotiates with stock servers (the matrix shows it, with an ECDSA key), but its
    # RSA keys sign ssh-rsa (SHA-1), which 8.8 and later no longer accept by default
    found = checks_auth.check_client_algorithms_incompatible(_server_state(release, "stock", ["jsch_0.1.55"]))
    assert bool(found) == raised
    if raised:
        assert found[0]["severity"] == "warning" and "not with RSA keys" in found[0]["summary"]
        assert "ssh-rsa" in found[0]["evidence"][0]
