# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ssh_probe module: main() over the real client outputs of tests/unit/fixtures/probe/, run_command mocked."""

import json
import os
import sys

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import probe

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "probe")
sys.path.insert(0, FIXTURES)
from probe_fixture import RELEASES, SFTP_SCP, load  # noqa: E402  pylint: disable=wrong-import-position,import-error


class Client:
    """Plays one client release from the fixtures: ``run_command`` answers with what that client printed."""

    def __init__(self, client, fault, server):
        self.dir = os.path.join(FIXTURES, client, fault, server)
        self.client = client
        self.calls = []

    def run_command(self, args, **_kw):
        self.calls.append(list(args))
        argv = args[4:] if os.path.basename(args[0]) == "timeout" else args
        prog = os.path.basename(argv[0])
        with open(os.path.join(FIXTURES, self.client, "client", "ssh_V.txt")) as f:
            version = f.read()
        if argv[1:] == ["-V"]:
            return 0, "", version
        if prog == "scp" and len(argv) == 1:
            with open(os.path.join(FIXTURES, self.client, "client", "scp_usage.txt")) as f:
                return 1, "", f.read()
        op = {"ssh": "ssh", "sftp": "sftp"}.get(prog) or ("scp_legacy" if "-O" in argv else "scp")
        fx = load(os.path.join(self.dir, op + ".txt"))
        if prog == "sftp":
            batch = argv[argv.index("-b") + 1]
            assert os.path.isfile(batch)
        return int(fx["meta"]["rc"]), fx["stdout"], fx["stderr"]


def run_module(monkeypatch, capsys, client, fault, server, **args):
    from ansible.module_utils import basic
    from ansible.module_utils.testing import patch_module_args

    from ansible_collections.sshd.doctor.plugins.module_utils._sshd import client_probe
    from ansible_collections.sshd.doctor.plugins.modules import ssh_probe

    fake = Client(client, fault, server)
    tcp = load(os.path.join(fake.dir, "tcp.txt"))
    obs = {"event": tcp["meta"]["event"], "connect_ms": 0, "elapsed_ms": int(tcp["meta"]["elapsed_ms"]),
           "banner": tcp["banner"] or None, "error": None}
    temp_dirs = []
    real_mkdtemp = client_probe.tempfile.mkdtemp

    def mkdtemp(**kw):
        path = real_mkdtemp(**kw)
        temp_dirs.append(path)
        return path

    monkeypatch.setattr(basic.AnsibleModule, "run_command", lambda self, a, **kw: fake.run_command(a, **kw))
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path",
                        lambda self, name, *a, **kw: "/usr/bin/" + name)
    monkeypatch.setattr(probe, "observe_tcp", lambda *a, **kw: dict(obs))
    monkeypatch.setattr(client_probe.tempfile, "mkdtemp", mkdtemp)
    module_args = {"host": "127.0.0.1", "port": 22, "user": "root", "identity_file": "/lab/id_ed25519"}
    module_args.update(args)
    with patch_module_args(module_args), pytest.raises(SystemExit):
        ssh_probe.main()
    result = json.loads(capsys.readouterr().out)
    for path in temp_dirs:
        assert not os.path.exists(path), "temp dir left behind"
    return result, fake


@pytest.mark.parametrize("client", sorted(RELEASES))
def test_module_sftp_subsystem_missing(monkeypatch, capsys, client):
    result, fake = run_module(monkeypatch, capsys, client, "sftp_subsystem_missing", "bookworm")
    assert result["changed"] is False and result["ok"] is False
    assert result["client_version"] == RELEASES[client]
    assert result["scp_default_protocol"] == ("sftp" if client in SFTP_SCP else "scp")
    stages = {s["name"]: s for s in result["stages"]}
    assert list(stages) == ["tcp", "ssh", "sftp", "scp", "scp_legacy"]
    assert stages["sftp"]["classification"] == "subsystem_refused"
    assert stages["scp"]["ok"] is (client == "bullseye")
    if client == "bullseye":
        assert stages["scp_legacy"]["skipped"] and "legacy protocol" in stages["scp_legacy"]["message"]
    else:
        assert stages["scp_legacy"]["ok"] and not stages["scp_legacy"]["skipped"]
    assert result["first_failure"]["name"] == "sftp"
    assert result["finding_ids"] == ["sftp_subsystem_missing"]
    assert result["auth"] == {"offered": ["publickey", "password"], "used": "publickey"}
    assert result["server_version"].startswith("OpenSSH_9.2p1")
    assert all(c[0] == "/usr/bin/timeout" for c in fake.calls if len(c) > 2)
    assert "output" not in stages["ssh"]


def test_module_skips_transfers_after_a_transport_failure(monkeypatch, capsys):
    result, fake = run_module(monkeypatch, capsys, "trixie", "tcp_wrappers_denied", "bookworm", return_output=True)
    stages = {s["name"]: s for s in result["stages"]}
    assert stages["tcp"]["finding_ids"][0] == "tcp_wrappers_denied"
    assert stages["ssh"]["message"] == "kex_exchange_identification: read: Connection reset by peer"
    for op in ("sftp", "scp", "scp_legacy"):
        assert stages[op]["skipped"] and stages[op]["message"].startswith("not run: ssh failed at banner")
    assert not any(os.path.basename(c[4]) in ("sftp", "scp") for c in fake.calls if len(c) > 4)
    assert stages["ssh"]["output"]["stderr"].startswith("debug1: OpenSSH_10.0p2")
    assert stages["tcp"]["output"]["event"] == "eof"
    assert result["ok"] is False and result["finding_ids"][0] == "tcp_wrappers_denied"


def test_module_keep_going_and_selected_operations(monkeypatch, capsys):
    result, _fake = run_module(monkeypatch, capsys, "bookworm", "privsep_dir_missing", "trixie",
                               operations=["scp", "ssh"], keep_going=True)
    assert [s["name"] for s in result["stages"]] == ["ssh", "scp"]
    assert all(s["classification"] == "reset_during_kex" for s in result["stages"])
    assert result["finding_ids"][0] == "privsep_dir_missing"


def test_module_healthy_all_green(monkeypatch, capsys):
    result, _fake = run_module(monkeypatch, capsys, "trixie", "healthy", "bullseye")
    assert result["ok"] is True and result["first_failure"] is None and result["finding_ids"] == []
    assert [s["reached"] for s in result["stages"]] == ["banner", "exec", "transfer", "transfer", "transfer"]
    assert result["host_key"]["type"] == "ssh-ed25519"


def test_module_refuses_bad_arguments(monkeypatch, capsys):
    from ansible.module_utils.testing import patch_module_args

    from ansible_collections.sshd.doctor.plugins.modules import ssh_probe

    with patch_module_args({"host": "-oProxyCommand=id"}), pytest.raises(SystemExit):
        ssh_probe.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] and "host must be" in result["msg"]


def test_module_unreadable_known_hosts_fails_in_one_sentence_and_cleans_up(monkeypatch, capsys, tmp_path):
    result, fake = run_module(monkeypatch, capsys, "trixie", "healthy", "bullseye",
                              known_hosts_file=str(tmp_path / "missing_known_hosts"))
    assert result["failed"] and result["msg"].startswith("cannot read known_hosts_file %s: " % (tmp_path / "missing_known_hosts"))
    # the client was asked for its version, nothing was sent to the server
    assert [os.path.basename(c[0]) for c in fake.calls] == ["ssh", "scp"]


def test_module_without_an_ssh_client(monkeypatch, capsys):
    from ansible.module_utils import basic
    from ansible.module_utils.testing import patch_module_args

    from ansible_collections.sshd.doctor.plugins.modules import ssh_probe

    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda self, name, *a, **kw: None)
    with patch_module_args({"host": "127.0.0.1"}), pytest.raises(SystemExit):
        ssh_probe.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] and result["msg"] == "no OpenSSH client (ssh) on this host's PATH"
