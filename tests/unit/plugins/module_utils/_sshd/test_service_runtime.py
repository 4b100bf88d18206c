# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How sshd is really started: ExecStart, EnvironmentFiles and sshd's own command line."""

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import gather, service

# `systemctl show -p ExecStart,EnvironmentFiles,Environment,Id ssh.service` on the lab's trixie host
TRIXIE_SHOW = (
    "ExecStart={ path=/usr/sbin/sshd ; argv[]=/usr/sbin/sshd -D $SSHD_OPTS ; ignore_errors=no ; "
    "start_time=[Mon 2026-11-30 19:11:30 UTC] ; stop_time=[n/a] ; pid=52 ; code=(null) ; status=0/0 }\n"
    "Environment=\nEnvironmentFiles=/etc/default/ssh (ignore_errors=yes)\nId=ssh.service\nLoadState=loaded\n"
)
# RHEL 9's unit: two environment files, the second one the crypto policy back end
RHEL_SHOW = (
    "ExecStart={ path=/usr/sbin/sshd ; argv[]=/usr/sbin/sshd -D $OPTIONS $CRYPTO_POLICY ; ignore_errors=no ; "
    "start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }\n"
    "EnvironmentFiles=/etc/crypto-policies/back-ends/opensshserver.config (ignore_errors=yes)\n"
    "EnvironmentFiles=/etc/sysconfig/sshd (ignore_errors=yes)\nId=sshd.service\nLoadState=loaded\n"
)


def test_unit_runtime_from_systemctl_show():
    svc, _sock = service.pick_units(service.parse_systemctl_show(TRIXIE_SHOW))
    assert svc["exec_start"] == ["/usr/sbin/sshd", "-D", "$SSHD_OPTS"]
    assert svc["environment_files"] == [{"path": "/etc/default/ssh", "optional": True}]
    assert svc["environment"] == {}


def test_repeated_environment_files_are_all_kept_in_order():
    svc, _sock = service.pick_units(service.parse_systemctl_show(RHEL_SHOW))
    assert [f["path"] for f in svc["environment_files"]] == [
        "/etc/crypto-policies/back-ends/opensshserver.config", "/etc/sysconfig/sshd"]
    assert svc["unit"] == "sshd.service"


def test_rhel_crypto_policy_expands_into_options():
    env = service.parse_environment_file(
        "# comment\nCRYPTO_POLICY='-oCiphers=aes256-gcm@openssh.com,aes128-ctr -oMACs=hmac-sha2-256'\n")
    env.update(service.parse_environment_file('OPTIONS="-u0"\n'))
    argv = service.expand_argv(["/usr/sbin/sshd", "-D", "$OPTIONS", "$CRYPTO_POLICY"], env)
    opts = service.sshd_options(argv)
    assert opts["options"] == ["Ciphers=aes256-gcm@openssh.com,aes128-ctr", "MACs=hmac-sha2-256"]
    assert opts["config_file"] is None
    assert "-D" in opts["flags"]


@pytest.mark.parametrize("argv, config_file, options", [
    (["sshd", "-D", "-f", "/etc/ssh/alt_config"], "/etc/ssh/alt_config", []),
    (["sshd", "-D", "-f/etc/ssh/alt_config", "-oPort=2222"], "/etc/ssh/alt_config", ["Port=2222"]),
    (["sshd", "-Dp", "2200", "-46"], None, ["Port=2200", "AddressFamily=inet", "AddressFamily=inet6"]),
    (["sshd", "-h", "/k/key", "-o", "LogLevel VERBOSE"], None, ["HostKey=/k/key", "LogLevel VERBOSE"]),
    (["sshd", "-f"], None, []),  # a dangling -f: sshd refuses to start; no crash here
])
def test_sshd_options(argv, config_file, options):
    got = service.sshd_options(argv)
    assert got["config_file"] == config_file
    assert got["options"] == options


@pytest.mark.parametrize("word, env, expected", [
    ("$EMPTY", {}, []),
    ("$A", {"A": "-o  X=1 -p 22"}, ["-o", "X=1", "-p", "22"]),
    ("${A}", {"A": "-o X=1"}, ["-o X=1"]),
    ("-f${CONF}", {"CONF": "/etc/x"}, ["-f/etc/x"]),
    ("-f$CONF", {"CONF": "/etc/x"}, ["-f/etc/x"]),
])
def test_systemd_expansion(word, env, expected):
    assert service.expand_argv(["sshd", word], env)[1:] == expected


def test_environment_file_syntax():
    text = ('export A="one two"\n; semicolon comment\nB=\'x y\'\nC=plain\\\n continued\n  D = spaced\n'
            'bad line\n1X=no\n')
    env = service.parse_environment_file(text)
    assert env["A"] == "one two"
    assert env["B"] == "x y"
    assert env["C"] == "plain continued"
    assert "1X" not in env


class _Files:
    """Only the two reads gather_runtime makes besides the unit: files that exist, and their text."""

    def __init__(self, files):
        self.files = files

    def exists(self, path):
        return path in self.files

    def read_text(self, path, limit=1 << 20):
        return self.files.get(path)


SUSE_SSHD = {"strings": ["/etc/ssh/sshd_config", "/usr/etc/ssh/sshd_config"]}
DEBIAN_SSHD = {"strings": ["/etc/ssh/sshd_config"]}


@pytest.mark.parametrize("binary, files, option, expected", [
    (DEBIAN_SSHD, {"/etc/ssh/sshd_config": ""}, None, ("/etc/ssh/sshd_config", "binary")),
    (DEBIAN_SSHD, {"/etc/ssh/sshd_config": ""}, "/x", ("/x", "option")),
    # SUSE's sshd reads its vendor file while the admin has none in /etc
    (SUSE_SSHD, {"/usr/etc/ssh/sshd_config": ""}, None, ("/usr/etc/ssh/sshd_config", "vendor")),
    (SUSE_SSHD, {"/usr/etc/ssh/sshd_config": "", "/etc/ssh/sshd_config": ""}, None, ("/etc/ssh/sshd_config", "binary")),
    # an sshd without the vendor path never reads /usr/etc (it would fail to start)
    (DEBIAN_SSHD, {"/usr/etc/ssh/sshd_config": ""}, None, ("/etc/ssh/sshd_config", "binary")),
    ({"strings": []}, {}, None, ("/etc/ssh/sshd_config", "default")),
])
def test_config_path_resolution(binary, files, option, expected):
    got = gather.gather_runtime(_Files(files), {"init": "unknown"}, "/usr/sbin/sshd", binary, option)
    assert (got["config_path"], got["config_path_source"]) == expected


def test_unit_dash_f_wins_over_the_compiled_path():
    host = _Files({"/etc/default/ssh": 'SSHD_OPTS="-f /etc/ssh/alt_config -o LogLevel=VERBOSE"\n'})
    svc = {"init": "systemd", "unit": "ssh.service", "exec_start": ["/usr/sbin/sshd", "-D", "$SSHD_OPTS"],
           "environment_files": [{"path": "/etc/default/ssh", "optional": True}], "environment": {}}
    got = gather.gather_runtime(host, svc, "/usr/sbin/sshd", DEBIAN_SSHD)
    assert (got["config_path"], got["config_path_source"]) == ("/etc/ssh/alt_config", "ssh.service ExecStart -f")
    assert got["options"] == ["LogLevel=VERBOSE"]
