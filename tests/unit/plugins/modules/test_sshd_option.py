# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sshd_option module: main() on a temporary directory, sshd -t mocked at run_command."""

import json
import os

import pytest


class FakeSshd:
    """Stands in for run_command: `sshd -V` and `sshd -t -f FILE` (rejects a line with `maybe`)."""

    def __init__(self, reject=None):
        self.calls = []
        self.reject = reject

    def __call__(self, module, args, **_kwargs):
        self.calls.append(list(args))
        if args[1:2] == ["-V"]:
            return 0, "", "OpenSSH_10.0p2 Debian-7, OpenSSL 3.5.1 1 Jul 2025\n"
        target = args[-1]
        self.seen = {}
        with open(target, encoding="utf-8", errors="surrogateescape") as handle:
            text = handle.read()
        self.seen[target] = text
        for number, line in enumerate(text.split("\n"), 1):
            if self.reject and self.reject in line:
                return 255, "", f"{target} line {number}: Bad yes/no argument: maybe\r\n"
        return 0, "", ""


def run_module(monkeypatch, capsys, args, fake, check_mode=False, diff=False):
    from ansible.module_utils import basic
    from ansible.module_utils.testing import patch_module_args

    from ansible_collections.sshd.doctor.plugins.modules import sshd_option

    def run_command(self, cmd, **kwargs):
        return fake(self, cmd, **kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda self, name, *a, **k: f"/usr/sbin/{name}")
    params = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    with patch_module_args(params), pytest.raises(SystemExit) as exc:
        sshd_option.main()
    out = json.loads(capsys.readouterr().out)
    out["rc_exit"] = exc.value.code
    return out


def test_module_writes_validates_backs_up_and_is_idempotent(tmp_path, monkeypatch, capsys):
    main = tmp_path / "sshd_config"
    raw = b"Port 22\r\n# caf\xe9\r\nMatch User alice\r\n  X11Forwarding no\r\n"
    main.write_bytes(raw)
    main.chmod(0o640)
    fake = FakeSshd()
    args = {"keyword": "Subsystem", "value": "sftp internal-sftp", "path": str(main)}

    out = run_module(monkeypatch, capsys, args, fake, check_mode=True, diff=True)
    assert out["changed"] and out["validated"]
    assert main.read_bytes() == raw
    # the comment right above the Match block stays with it
    assert out["diff"]["after"] == "Port 22\r\nSubsystem sftp internal-sftp\r\n# caf\ufffd\r\nMatch User alice\r\n  X11Forwarding no\r\n"
    assert sorted(os.listdir(tmp_path)) == ["sshd_config"]

    out = run_module(monkeypatch, capsys, args, fake)
    assert out["changed"] and out["validated"]
    assert main.read_bytes() == b"Port 22\r\nSubsystem sftp internal-sftp\r\n# caf\xe9\r\nMatch User alice\r\n  X11Forwarding no\r\n"
    assert oct(main.stat().st_mode & 0o777) == "0o640"
    with open(out["backup_file"], "rb") as handle:
        assert handle.read() == raw
    assert sorted(os.listdir(tmp_path)) == sorted(["sshd_config", os.path.basename(out["backup_file"])])
    assert out["file"] == str(main) and out["line"] == 2 and out["action"] == "insert"
    # sshd -t ran on a hidden temporary copy next to the file
    test_call = [c for c in fake.calls if "-t" in c][-1]
    assert os.path.dirname(test_call[-1]) == str(tmp_path)
    assert os.path.basename(test_call[-1]).startswith(".sshd_config.")

    out = run_module(monkeypatch, capsys, args, fake)
    assert not out["changed"]
    assert out["msg"].endswith(f"already set at {main}:2")


def test_module_validation_failure_leaves_the_host_byte_identical(tmp_path, monkeypatch, capsys):
    main = tmp_path / "sshd_config"
    raw = b"Include /nonexistent/*.conf\nPermitRootLogin no\n"
    main.write_bytes(raw)
    before = sorted(os.listdir(tmp_path))
    out = run_module(monkeypatch, capsys, {"keyword": "PermitRootLogin", "value": "maybe", "path": str(main)},
                     FakeSshd(reject="maybe"))
    assert out["failed"] and not out["changed"]
    assert out["validation"]["errors"] == [{"file": str(main), "line": 2, "message": "Bad yes/no argument: maybe"}]
    assert out["validation"]["live_config_valid"] is True
    assert "rejected" in out["msg"]
    assert main.read_bytes() == raw
    assert sorted(os.listdir(tmp_path)) == before


def _main_and_drop_in(tmp_path, include, main_rest, dropin_text):
    """sshd_config including conf.d/<include>, and conf.d/50-cloud.conf: (conf_d, main, dropin)."""
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    main = tmp_path / "sshd_config"
    dropin = conf_d / "50-cloud.conf"
    main.write_text(f"Include {conf_d}/{include}\n{main_rest}")
    dropin.write_text(dropin_text)
    return conf_d, main, dropin


def test_module_drop_in_edit_is_validated_through_the_main_file(tmp_path, monkeypatch, capsys):
    conf_d, main, dropin = _main_and_drop_in(tmp_path, "*.conf", "PasswordAuthentication yes\n", "PasswordAuthentication no\n")
    fake = FakeSshd()
    out = run_module(monkeypatch, capsys, {"keyword": "PasswordAuthentication", "value": "yes", "path": str(main),
                                           "backup": False}, fake)
    assert out["changed"] and out["files"] == [str(dropin)]
    assert dropin.read_text() == "PasswordAuthentication yes\n"
    assert main.read_text() == f"Include {conf_d}/*.conf\nPasswordAuthentication yes\n"
    staged_main = list(fake.seen.values())[0]
    include = staged_main.split("\n")[0]
    assert include.startswith(f"Include {conf_d}/.50-cloud.conf.") and include.endswith(".sshd-doctor")
    assert sorted(os.listdir(conf_d)) == ["50-cloud.conf"]
    assert out["shadowed"] == [{"file": str(main), "line": 2, "text": "PasswordAuthentication yes"}]


def test_module_backup_of_a_drop_in_is_hidden_from_a_catch_all_include(tmp_path, monkeypatch, capsys):
    conf_d, main, dropin = _main_and_drop_in(tmp_path, "*", "", "Subsystem sftp /usr/libexec/sftp-server\n")
    out = run_module(monkeypatch, capsys, {"keyword": "Subsystem", "value": "sftp internal-sftp", "path": str(main)},
                     FakeSshd())
    assert os.path.basename(out["backup_file"]).startswith(".50-cloud.conf.")
    assert dropin.read_text() == "Subsystem sftp internal-sftp\n"


def test_module_refuses_a_match_keyword(tmp_path, monkeypatch, capsys):
    main = tmp_path / "sshd_config"
    main.write_text("Port 22\n")
    out = run_module(monkeypatch, capsys, {"keyword": "Match", "value": "all", "path": str(main)}, FakeSshd())
    assert out["failed"] and "structure" in out["msg"]


def test_module_validate_false_still_refuses_what_the_parser_rejects(tmp_path, monkeypatch, capsys):
    """validate=false skips sshd -t, never the parser: a warning only was wrong (issue 14)."""
    main = tmp_path / "sshd_config"
    raw = b"PermitRootLogin no\n"
    main.write_bytes(raw)
    out = run_module(monkeypatch, capsys, {"keyword": "NoSuchOption", "value": "yes", "path": str(main),
                                           "validate": False}, FakeSshd())
    assert out["failed"] and not out["changed"]
    assert "the parser rejects the candidate" in out["msg"] and "Bad configuration option: NoSuchOption" in out["msg"]
    assert main.read_bytes() == raw
    assert sorted(os.listdir(tmp_path)) == ["sshd_config"]


def test_module_immutable_or_unwritable_is_one_sentence(tmp_path, monkeypatch, capsys):
    """An OSError when the file cannot be replaced is a one-sentence failure (check mode too), not a traceback."""
    import errno as _errno

    main = tmp_path / "sshd_config"
    raw = b"PermitRootLogin no\n"
    main.write_bytes(raw)
    real_open = os.open

    def refusing_open(path, flags, *args):
        if str(path) == str(main) and flags & os.O_WRONLY:
            raise OSError(_errno.EPERM, "Operation not permitted", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refusing_open)
    for check in (True, False):
        out = run_module(monkeypatch, capsys, {"keyword": "PermitRootLogin", "value": "yes", "path": str(main)},
                         FakeSshd(), check_mode=check)
        assert out["failed"] and "immutable or append-only" in out["msg"] and "nothing was changed" in out["msg"]
        assert "exception" not in out or "Traceback" not in out.get("exception", "")
    assert main.read_bytes() == raw
    assert sorted(os.listdir(tmp_path)) == ["sshd_config"]
