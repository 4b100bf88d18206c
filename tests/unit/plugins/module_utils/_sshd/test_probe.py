# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the client-side probe (module_utils/_sshd/probe.py and client_probe.py).

The fixtures under tests/unit/fixtures/probe/<client-release>/<fault>/<server-release>/ are what
real OpenSSH clients printed (8.4p1 bullseye, 9.2p1 bookworm, 10.0p2 trixie) against lab hosts
of each release in each fault state, with the command lines that ssh_probe builds; tcp.txt is
what the module's socket probe observed.  They were written by
tests/unit/fixtures/probe/capture.py.  Every fixture goes through the classifier and must give
the verdict the fault calls for; synthetic inputs cover what the lab cannot produce.
"""

import glob
import json
import os
import socket
import sys
from pathlib import Path

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import client_probe, probe

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "fixtures", "probe"))
from probe_fixture import RELEASES, SFTP_SCP, load  # noqa: E402  pylint: disable=wrong-import-position,import-error
from probe_fixture import classified as run_fixture  # noqa: E402  pylint: disable=wrong-import-position,import-error

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures", "probe")
PRE_BANNER = {"closed_before_banner", "reset_before_banner"}
THREE = ("sftp_subsystem_missing", "privsep_dir_missing", "tcp_wrappers_denied")


def fixture_paths():
    out = []
    for path in sorted(glob.glob(os.path.join(FIXTURES, "*", "*", "*", "*.txt"))):
        rel = os.path.relpath(path, FIXTURES)
        client, fault, server, name = rel.split(os.sep)
        out.append(pytest.param(path, client, fault, server, name[:-4], id=rel[:-4]))
    return out


ALL = fixture_paths()


def expected(client, fault, server, op):
    """(ok, classifications, first finding id, failed_at) that the fault calls for."""
    legacy_protocol = op == "scp_legacy" or (op == "scp" and client not in SFTP_SCP)
    ok = (True, {"ok"}, None, None)
    if fault == "healthy":
        return ok
    if fault == "sftp_subsystem_missing":
        if op == "sftp" or (op == "scp" and not legacy_protocol):
            return False, {"subsystem_refused"}, "sftp_subsystem_missing", "subsystem"
        return ok
    if fault == "sftp_server_missing":
        if op == "sftp" or (op == "scp" and not legacy_protocol):
            return False, {"sftp_server_failed"}, "sftp_server_missing", "subsystem"
        return ok
    if fault == "scp_legacy_unavailable":
        if op in ("scp", "scp_legacy") and legacy_protocol:
            return False, {"scp_missing"}, "scp_legacy_unavailable", "exec"
        return ok
    if fault in ("service_inactive", "privsep_dir_missing_failed"):
        return False, {"connection_refused"}, "service_failed", "connect"
    if fault == "user_not_allowed":
        if op == "tcp":
            return ok
        return False, {"auth_denied"}, "user_not_allowed", "auth"
    if fault == "privsep_dir_missing":
        if server == "trixie":
            # OpenSSH >= 9.8: sshd-session sends the banner, then dies at the privsep chroot.
            if op == "tcp":
                return ok
            return False, {"reset_during_kex"}, "privsep_dir_missing", "kex"
        return False, PRE_BANNER, "privsep_dir_missing", "banner"
    if fault == "tcp_wrappers_denied_timeout3":
        # The same hosts probed with timeout=3: the clients give up before libwrap does.
        return False, {"banner_timeout"}, "tcp_wrappers_denied", "banner"
    if fault == "tcp_wrappers_denied":
        # In the lab libwrap waits ~5 s for a name lookup before it refuses: the slow close ranks it first.
        return False, PRE_BANNER, "tcp_wrappers_denied", "banner"
    raise AssertionError("no expectation for fault %s" % fault)


# ---------------------------------------------------------------- the captured matrix


def test_the_matrix_is_complete():
    """Every client release x server release x the three faults (and healthy) has every operation it can run."""
    have = {p.values[0] for p in ALL}
    for client in RELEASES:
        for fault in ("healthy",) + THREE:
            for server in RELEASES:
                ops = ["tcp", "ssh", "sftp", "scp"] + (["scp_legacy"] if client in SFTP_SCP else [])
                for op in ops:
                    path = os.path.join(FIXTURES, client, fault, server, op + ".txt")
                    assert os.path.normpath(path) in {os.path.normpath(h) for h in have}, path


@pytest.mark.parametrize("path, client, fault, server, op", ALL)
def test_fixture_verdict(path, client, fault, server, op):
    stage = run_fixture(path)
    ok, classes, first_id, failed_at = expected(client, fault, server, op)
    assert stage["ok"] is ok, (stage["classification"], stage["message"])
    assert stage["classification"] in classes, stage
    assert stage["failed_at"] == failed_at, stage
    if first_id is None:
        assert stage["finding_ids"] == []
    else:
        assert stage["finding_ids"][0] == first_id, stage["finding_ids"]
    if not ok:
        assert stage["message"], stage


@pytest.mark.parametrize("path, client, fault, server, op", [p for p in ALL if p.values[2] in THREE])
def test_three_faults_name_both_pre_banner_candidates(path, client, fault, server, op):
    """Before the banner the client cannot tell libwrap from a dying sshd: both ids are named."""
    stage = run_fixture(path)
    if stage["classification"] in PRE_BANNER:
        assert stage["finding_ids"][:2] in (["privsep_dir_missing", "tcp_wrappers_denied"],
                                            ["tcp_wrappers_denied", "privsep_dir_missing"])


@pytest.mark.parametrize("path, client, fault, server, op", [p for p in ALL if p.values[4] != "tcp"])
def test_reached_and_server_details(path, client, fault, server, op):
    stage = run_fixture(path)
    if stage["ok"]:
        assert stage["reached"] == probe._phases(op, stage.get("protocol"))[-1]
    if stage["reached"] not in (None, "connect"):
        assert stage["server_version"].startswith("OpenSSH_%s " % RELEASES[server])
    if stage["reached"] in ("host_key", "auth", "session"):
        assert stage["host_key"]["fingerprint"].startswith("SHA256:")
        assert "publickey" in stage["auth"]["offered"]
    if stage["reached"] == "session" or stage["ok"]:
        assert stage["auth"]["used"] == "publickey"
    # The client's message is one of its own lines, never a debug line.
    if stage["message"]:
        assert not stage["message"].startswith("debug")


@pytest.mark.parametrize("client", sorted(RELEASES))
@pytest.mark.parametrize("fault", ("healthy",) + THREE)
@pytest.mark.parametrize("server", sorted(RELEASES))
def test_whole_probe_first_failure(client, fault, server):
    """All operations of one run together: the first failure and the leading finding id."""
    ops = ["tcp", "ssh", "sftp", "scp", "scp_legacy"]
    stages = []
    for op in ops:
        path = os.path.join(FIXTURES, client, fault, server, op + ".txt")
        if os.path.exists(path):
            stages.append(run_fixture(path))
        else:
            stages.append(probe.skipped(op, "plain scp is legacy already", "scp"))
    res = client_probe.summarize(stages)
    if fault == "healthy":
        assert res["ok"] and res["first_failure"] is None and res["finding_ids"] == []
        assert res["summary"].startswith("all passed")
        return
    assert not res["ok"]
    first = res["first_failure"]
    if fault == "sftp_subsystem_missing":
        assert (first["name"], first["failed_at"]) == ("sftp", "subsystem")
        assert first["message"] == "subsystem request failed on channel 0"
        assert res["finding_ids"] == ["sftp_subsystem_missing"]
        scp = stages[3]
        assert scp["ok"] is (client not in SFTP_SCP)
    elif fault == "privsep_dir_missing" and server == "trixie":
        assert (first["name"], first["failed_at"], first["classification"]) == ("ssh", "kex", "reset_during_kex")
        assert res["finding_ids"][0] == "privsep_dir_missing"
    else:
        assert (first["name"], first["failed_at"]) == ("tcp", "banner")
        assert res["finding_ids"][0] == fault
        ssh = stages[1]
        assert ssh["message"] in ("kex_exchange_identification: read: Connection reset by peer",
                                  "kex_exchange_identification: Connection closed by remote host")
    assert fault in res["summary"]


# ---------------------------------------------------------------- client version and scp


@pytest.mark.parametrize("client", sorted(RELEASES))
def test_client_version_and_scp_capabilities(client):
    with open(os.path.join(FIXTURES, client, "client", "ssh_V.txt")) as f:
        ver = probe.parse_client_version(f.read())
    with open(os.path.join(FIXTURES, client, "client", "scp_usage.txt")) as f:
        caps = probe.scp_capabilities(f.read(), ver["version_tuple"])
    assert ver["version"] == RELEASES[client]
    assert ver["version_string"].startswith("OpenSSH_%s Debian" % RELEASES[client])
    if client == "bullseye":
        assert caps == {"flags": sorted("346ABCpqrTv"), "legacy_flag": False, "sftp_flag": False,
                        "default_protocol": "scp"}
    else:
        assert caps["legacy_flag"] and caps["sftp_flag"] and caps["default_protocol"] == "sftp"


def test_scp_default_protocol_and_version_fallbacks():
    assert probe.scp_default_protocol([8, 9]) == "scp"
    assert probe.scp_default_protocol([9, 0]) == "sftp"
    assert probe.scp_default_protocol(None) is None
    # No usage text: decide from the version.
    assert probe.scp_capabilities("", [8, 7])["sftp_flag"] and not probe.scp_capabilities("", [8, 7])["legacy_flag"]
    assert probe.scp_capabilities("", [9, 6])["legacy_flag"]
    assert probe.parse_client_version("ssh: not found")["version"] is None
    v = probe.parse_client_version("OpenSSH_7.4p1, OpenSSL 1.0.2k-fips  26 Jan 2017\n")
    assert v["version"] == "7.4p1" and v["version_tuple"] == [7, 4]


# ---------------------------------------------------------------- command lines


def params(**kw):
    base = {"host": "192.0.2.10", "port": 2222, "user": "deploy", "identity_file": "/keys/id", "timeout": 7,
            "operations": list(probe.OPERATIONS), "remote_file": "/etc/hostname", "ssh_options": [],
            "known_hosts_file": None, "strict_host_key_checking": "accept-new", "use_ssh_config": False,
            "keep_going": False, "return_output": False}
    base.update(kw)
    return base


def opt_values(argv):
    return [argv[i + 1] for i, a in enumerate(argv) if a == "-o"]


def test_ssh_command_is_batch_bounded_and_isolated():
    argv = client_probe.ssh_command("/usr/bin/ssh", params(), "/tmp/x/known_hosts")
    assert argv[:4] == ["/usr/bin/ssh", "-v", "-n", "-T"]
    assert argv[-3:] == ["--", "192.0.2.10", "true"]
    opts = opt_values(argv)
    for want in ("BatchMode=yes", "ConnectTimeout=7", "Port=2222", "User=deploy", "IdentitiesOnly=yes",
                 "StrictHostKeyChecking=accept-new", "UserKnownHostsFile=/tmp/x/known_hosts",
                 "GlobalKnownHostsFile=/dev/null", "ServerAliveCountMax=2"):
        assert want in opts
    assert argv[argv.index("-F") + 1] == "/dev/null"
    assert argv[argv.index("-i") + 1] == "/keys/id"
    # BatchMode and ConnectTimeout come before the caller's options (first value wins in ssh).
    argv = client_probe.ssh_command("ssh", params(ssh_options=["BatchMode=no", "KexAlgorithms=+diffie-hellman-group14-sha1"]),
                                    "/tmp/kh")
    opts = opt_values(argv)
    assert opts.index("BatchMode=yes") < opts.index("BatchMode=no")
    assert opts[-1] == "KexAlgorithms=+diffie-hellman-group14-sha1"


def test_options_follow_the_parameters():
    argv = client_probe.ssh_command("ssh", params(user=None, identity_file=None, use_ssh_config=True,
                                                  known_hosts_file="/home/me/kh", strict_host_key_checking="yes"),
                                    "/tmp/t/known_hosts")
    opts = opt_values(argv)
    assert "-F" not in argv and "-i" not in argv
    assert not any(o.startswith(("User=", "GlobalKnownHostsFile=", "IdentitiesOnly")) for o in opts)
    assert "StrictHostKeyChecking=yes" in opts and "UserKnownHostsFile=/tmp/t/known_hosts" in opts


def test_scp_and_sftp_commands():
    p = params()
    scp = client_probe.scp_command("/usr/bin/scp", p, "/tmp/t/kh", "/tmp/t/scp.out")
    assert scp[:2] == ["/usr/bin/scp", "-v"] and "-O" not in scp
    assert scp[-3:] == ["--", "192.0.2.10:/etc/hostname", "/tmp/t/scp.out"]
    legacy = client_probe.scp_command("/usr/bin/scp", p, "/tmp/t/kh", "/tmp/t/scp.out", legacy=True)
    assert legacy[:3] == ["/usr/bin/scp", "-v", "-O"]
    sftp = client_probe.sftp_command("/usr/bin/sftp", params(host="2001:db8::1"), "/tmp/t/kh", "/tmp/t/batch")
    assert sftp[:4] == ["/usr/bin/sftp", "-v", "-b", "/tmp/t/batch"] and sftp[-2:] == ["--", "[2001:db8::1]"]
    v6 = client_probe.scp_command("scp", params(host="::1"), None, "/tmp/o")
    assert v6[-2] == "[::1]:/etc/hostname"
    assert "UserKnownHostsFile" not in " ".join(v6)
    assert client_probe.sftp_batch("/etc/hostname", "/tmp/t/out") == "ls -l /etc/hostname\nget /etc/hostname /tmp/t/out\n"


def test_host_key_policy_for_old_clients():
    assert client_probe.host_key_policy("accept-new", [7, 4]) == "no"
    assert client_probe.host_key_policy("accept-new", [7, 6]) == "accept-new"
    assert client_probe.host_key_policy("accept-new", None) == "accept-new"
    assert client_probe.host_key_policy("yes", [7, 4]) == "yes"


def test_timeout_wrapper():
    assert client_probe.with_timeout("/usr/bin/timeout", 20, ["ssh", "x"]) == ["/usr/bin/timeout", "-k", "2", "20", "ssh", "x"]
    assert client_probe.with_timeout(None, 20, ["ssh", "x"]) == ["ssh", "x"]
    assert client_probe.hard_limit(10) == 20


@pytest.mark.parametrize("bad, fragment", [
    ({"host": "-oProxyCommand=touch /tmp/x"}, "host"),
    ({"host": "a b"}, "host"),
    ({"host": "root@example.org"}, "host"),
    ({"user": "-x"}, "user"),
    ({"user": "a:b"}, "user"),
    ({"port": 0}, "port"),
    ({"port": 70000}, "port"),
    ({"timeout": 0}, "timeout"),
    ({"remote_file": "etc/hostname"}, "remote_file"),
    ({"remote_file": "/etc/$(reboot)"}, "remote_file"),
    ({"remote_file": "/tmp/a b"}, "remote_file"),
    ({"ssh_options": ["-oProxyCommand=x"]}, "ssh_options"),
    ({"ssh_options": ["BatchMode"]}, "ssh_options"),
])
def test_validate_refuses_injection(bad, fragment):
    errors = client_probe.validate(params(**bad))
    assert errors and fragment in errors[0]


def test_validate_accepts_plain_values():
    assert client_probe.validate(params()) == []
    assert client_probe.validate(params(host="::1", user=None, ssh_options=["Ciphers +aes128-cbc"])) == []


# ---------------------------------------------------------------- the TCP probe (fake sockets)


class FakeSock:
    """Answers recv() with the chunks, then raises ``error`` (if any), then reads EOF."""

    def __init__(self, chunks, error=None):
        self.chunks = list(chunks)
        self.error = error
        self.closed = False

    def settimeout(self, _value):
        return None

    def recv(self, _size):
        if self.chunks:
            return self.chunks.pop(0)
        if self.error is not None:
            raise self.error
        return b""

    def close(self):
        self.closed = True


def clock(step=0.01):
    t = [0.0]

    def now():
        t[0] += step
        return t[0]
    return now


def connect_with(result):
    def create_connection(_addr, timeout=None):
        assert timeout == 5
        if isinstance(result, BaseException):
            raise result
        return result
    return create_connection


@pytest.mark.parametrize("result, event, cls", [
    (FakeSock([b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"]), "banner", "ok"),
    (FakeSock([b"SSH-2.0-Open", b"SSH_8.4p1\r\n"]), "banner", "ok"),
    (FakeSock([b"Welcome\r\n", b"SSH-2.0-OpenSSH_8.4p1\r\n"]), "banner", "ok"),
    (FakeSock([b""]), "eof", "closed_before_banner"),
    (FakeSock([], ConnectionResetError(104, "Connection reset by peer")), "reset", "reset_before_banner"),
    (FakeSock([], socket.timeout("timed out")), "timeout", "banner_timeout"),
    (FakeSock([b"SSH-2.0-Open"], socket.timeout("timed out")), "data", "not_ssh"),
    (FakeSock([b"HTTP/1.0 400 Bad request\r\n"]), "data", "not_ssh"),
    (ConnectionRefusedError(111, "Connection refused"), "refused", "connection_refused"),
    (socket.timeout("timed out"), "connect_timeout", "connect_timeout"),
    (OSError(113, "No route to host"), "unreachable", "unreachable"),
    (socket.gaierror(-2, "Name or service not known"), "resolve", "name_resolution"),
])
def test_observe_and_classify_tcp(result, event, cls):
    obs = probe.observe_tcp("127.0.0.1", 22, 5, create_connection=connect_with(result), clock=clock())
    assert obs["event"] == event
    stage = probe.classify_tcp(obs, 5)
    assert stage["classification"] == cls
    assert stage["ok"] is (cls == "ok")
    if isinstance(result, FakeSock):
        assert result.closed
    if cls == "ok":
        assert stage["reached"] == "banner" and stage["server_version"].startswith("OpenSSH_")
    if cls == "connection_refused":
        assert stage["failed_at"] == "connect" and "service_inactive" in stage["finding_ids"]
    if cls == "banner_timeout":
        assert stage["finding_ids"][0] == "tcp_wrappers_denied"
    if cls == "not_ssh":
        assert stage["finding_ids"] == ["port_conflict"]


def test_pre_banner_order_follows_the_delay():
    fast = probe.classify_tcp({"event": "eof", "elapsed_ms": 40}, 10)
    slow = probe.classify_tcp({"event": "eof", "elapsed_ms": 5200}, 10)
    assert fast["finding_ids"][:2] == ["privsep_dir_missing", "tcp_wrappers_denied"]
    assert slow["finding_ids"][:2] == ["tcp_wrappers_denied", "privsep_dir_missing"]


# ---------------------------------------------------------------- synthetic client outputs


def fixture_stderr(client, fault, server, op):
    return load(os.path.join(FIXTURES, client, fault, server, op + ".txt"))["stderr"]


def cut_after(text, marker):
    """The output of a client killed right after the line containing marker."""
    lines = text.splitlines(True)
    i = next(i for i, ln in enumerate(lines) if marker in ln)
    return "".join(lines[:i + 1])


def test_killed_by_the_time_limit_before_the_banner():
    err = cut_after(fixture_stderr("trixie", "tcp_wrappers_denied", "bookworm", "ssh"), "Local version string")
    stage = probe.classify("ssh", 124, "", err, elapsed_ms=20000)
    assert stage["classification"] == "timeout" and stage["failed_at"] == "banner"
    assert stage["finding_ids"][0] == "tcp_wrappers_denied"
    assert not stage["ok"]


def test_killed_by_the_time_limit_after_auth():
    err = cut_after(fixture_stderr("bookworm", "healthy", "bookworm", "sftp"), "Sending subsystem")
    stage = probe.classify("sftp", 137, "", err, elapsed_ms=20000)
    assert stage["classification"] == "timeout" and stage["reached"] == "session"
    assert stage["failed_at"] == "subsystem" and stage["finding_ids"] == []


@pytest.mark.parametrize("client", sorted(RELEASES))
def test_client_banner_timeout_message(client):
    """timeout=3 against the libwrap host: each client's own banner-exchange timeout message."""
    path = os.path.join(FIXTURES, client, "tcp_wrappers_denied_timeout3", "bookworm", "ssh.txt")
    stage = run_fixture(path)
    assert stage["message"] == "Connection timed out during banner exchange"
    assert (stage["classification"], stage["failed_at"], stage["reached"]) == ("banner_timeout", "banner", "connect")
    assert stage["finding_ids"][0] == "tcp_wrappers_denied"


def test_remote_file_problems_are_not_server_findings():
    """Real lines of a 9.2 client with remote_file=/etc/nonexistent, and /etc/shadow as alice."""
    base = cut_after(fixture_stderr("bookworm", "healthy", "bookworm", "sftp"), "Sending subsystem")
    for op, line, cls in (
            ("sftp", "Can't ls: \"/etc/nonexistent\" not found", "remote_file_missing"),
            ("scp", "/usr/bin/scp: /etc/nonexistent: No such file or directory", "remote_file_missing"),
            ("sftp", "remote open \"/etc/shadow\": Permission denied", "remote_file_unreadable")):
        stage = probe.classify(op, 1, "", base + line + "\n", protocol="sftp" if op == "scp" else None)
        assert (stage["classification"], stage["message"], stage["finding_ids"]) == (cls, line, [])
        assert stage["failed_at"] == "transfer"
    legacy = cut_after(fixture_stderr("bookworm", "healthy", "bookworm", "scp_legacy"), "Sending command")
    stage = probe.classify("scp_legacy", 1, "", legacy + "scp: /etc/nonexistent: No such file or directory\n",
                           protocol="scp")
    assert stage["classification"] == "remote_file_missing"


def test_root_denied_puts_permit_root_login_first():
    err = fixture_stderr("trixie", "user_not_allowed", "trixie", "ssh").replace("alice", "root")
    stage = probe.classify("ssh", 255, "", err, user="root")
    assert stage["classification"] == "auth_denied"
    assert stage["finding_ids"][:2] == ["root_login_refused", "user_not_allowed"]
    assert stage["message"] == "root@127.0.0.1: Permission denied (publickey,password)."
    assert stage["auth"] == {"offered": ["publickey", "password"], "used": None}


def test_shell_output_breaks_sftp():
    base = cut_after(fixture_stderr("trixie", "healthy", "trixie", "sftp"), "Sending subsystem")
    err = base + ("Received message too long 1466264675\n"
                  "Ensure the remote shell produces no output for non-interactive sessions.\n")
    stage = probe.classify("sftp", 255, "", err)
    assert stage["classification"] == "shell_output" and stage["finding_ids"] == ["shell_output_breaks_sftp"]
    assert stage["failed_at"] == "subsystem"


def test_talking_shell_on_a_passing_ssh_is_noted():
    path = os.path.join(FIXTURES, "trixie", "healthy", "trixie", "ssh.txt")
    fx = load(path)
    stage = probe.classify("ssh", 0, "Welcome to the jump host\n", fx["stderr"])
    assert stage["ok"] and stage["finding_ids"] == ["shell_output_breaks_sftp"] and stage["notes"]


def test_host_key_and_negotiation_failures():
    base = cut_after(fixture_stderr("trixie", "healthy", "trixie", "ssh"), "Server host key:")
    changed = probe.classify("ssh", 255, "", base + "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
                             "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n"
                             "Host key verification failed.\n")
    assert (changed["classification"], changed["failed_at"]) == ("host_key_changed", "host_key")
    assert changed["reached"] == "kex" and changed["finding_ids"] == []
    early = cut_after(fixture_stderr("trixie", "healthy", "trixie", "ssh"), "Remote protocol version")
    weak = probe.classify("ssh", 255, "", early + "Unable to negotiate with 127.0.0.1 port 22: no matching host key "
                          "type found. Their offer: ssh-rsa,ssh-dss\n")
    assert weak["classification"] == "kex_no_host_key_type"
    assert weak["finding_ids"] == ["weak_host_key_only", "client_algorithms_incompatible", "clients_refused_negotiation"]
    assert weak["negotiation"] == {"list": "hostkey", "server_offer": ["ssh-rsa", "ssh-dss"]}


def _matrix_openssh_failures():
    matrix = json.loads((Path(__file__).resolve().parents[5] / "tests" / "lab" / "client_matrix.json").read_text())
    return [c for c in matrix["cells"] if c["client"].startswith("openssh_") and not c["real_ok"]
            and any("Unable to negotiate" in line for line in c["client_error"])]


@pytest.mark.parametrize("cell", _matrix_openssh_failures(),
                         ids=lambda c: "%s-%s-%s" % (c["release"], c["config"], c["client"]))
def test_real_openssh_refusals_name_the_list_and_the_server_side_ids(cell):
    stage = probe.classify("ssh", 255, "", "\n".join(cell["client_error"]) + "\n")
    assert stage["negotiation"]["list"] == cell["computed_failed"]
    assert "client_algorithms_incompatible" in stage["finding_ids"]


def test_connection_refused_and_unknown_host():
    refused = fixture_stderr("bullseye", "service_inactive", "bookworm", "ssh")
    stage = probe.classify("ssh", 255, "", refused)
    assert stage["message"] == "ssh: connect to host 127.0.0.1 port 22201: Connection refused"
    assert (stage["reached"], stage["failed_at"]) == (None, "connect")
    stage = probe.classify("ssh", 255, "", "OpenSSH_9.2p1\nssh: Could not resolve hostname nowhere.invalid: "
                           "Name or service not known\n")
    assert stage["classification"] == "name_resolution" and stage["finding_ids"] == []


def test_transport_failure_and_skips():
    refused = probe.classify_tcp({"event": "refused", "elapsed_ms": 0}, 10)
    assert client_probe.transport_failure(refused)
    denied = probe.classify("ssh", 255, "", fixture_stderr("trixie", "user_not_allowed", "trixie", "ssh"))
    assert client_probe.transport_failure(denied)
    sub = run_fixture(os.path.join(FIXTURES, "trixie", "sftp_subsystem_missing", "trixie", "sftp.txt"))
    assert not client_probe.transport_failure(sub)
    skip = probe.skipped("scp_legacy", "not run", "scp")
    assert skip["ok"] and skip["skipped"] and not client_probe.transport_failure(skip)
    res = client_probe.summarize([refused, skip])
    assert res["first_failure"] is refused and res["finding_ids"][0] == "service_failed"
