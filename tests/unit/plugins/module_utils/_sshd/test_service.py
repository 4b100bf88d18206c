# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""service: how sshd is really started (ExecStart, EnvironmentFiles, sshd's own command line), the
unit state from `systemctl show` captured on the lab, the journal filter and tmpfiles.d."""

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import service

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


def test_systemctl_show_real_output(fixture_text):
    units = service.parse_systemctl_show(fixture_text("raw", "bookworm-systemctl-show-active.txt"))
    svc, sock = service.pick_units(units)
    assert svc["unit"] == "ssh.service"
    assert svc["active_state"] == "active" and svc["sub_state"] == "running"
    assert svc["enabled"] == "enabled" and svc["main_pid"] > 0
    assert svc["runtime_directory"] == ["sshd"]
    assert sock["unit"] == "ssh.socket" and sock["active_state"] == "inactive"
    assert sock["listen"] == ["[::]:22"]


def test_log_filter_and_tmpfiles():
    log = "\n".join([
        "2026-11-22T01:45:53 h sshd-session[91]: Accepted publickey for root from 10.88.0.1",
        "2026-11-22T01:46:28 h sshd-session[115]: fatal: chroot(\"/run/sshd\"): No such file or directory [preauth]",
        "2026-11-22T01:47:00 h sshd[60]: refused connect from 10.88.0.1 (10.88.0.1)",
    ])
    lines = service.interesting_log_lines(log)
    assert len(lines) == 2 and "fatal" in lines[0] and "refused connect" in lines[1]
    assert service.interesting_log_lines(log, limit=1) == lines[-1:]
    assert service.tmpfiles_creates("# c\nd /run/sshd 0755 root root -\n", "/run/sshd") == 2
    assert service.tmpfiles_creates("d! /run/sshd/ 0755 root root -\n", "/run/sshd") == 1
    assert service.tmpfiles_creates("f /run/sshd 0755 root root -\n", "/run/sshd") is None
