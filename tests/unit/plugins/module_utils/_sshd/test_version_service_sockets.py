# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""version, service and sockets parsers over outputs captured from the lab releases."""

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import service, sockets, version


@pytest.mark.parametrize(("release", "tool", "expected"), [
    # 8.4 rejects -V but prints the version in its usage text
    ("bullseye", "sshd", ("8.4p1", (8, 4))),
    # 9.2's sshd -V drops the portable suffix; the binary fills it in (see gather_version)
    ("bookworm", "sshd", ("9.2", (9, 2))),
    ("trixie", "sshd", ("10.0p2", (10, 0))),
    ("bullseye", "ssh", ("8.4p1", (8, 4))),
    ("bookworm", "ssh", ("9.2p1", (9, 2))),
    ("trixie", "ssh", ("10.0p2", (10, 0))),
])
def test_parse_version_real_outputs(fixture_text, release, tool, expected):
    assert version.parse_version(fixture_text("raw", f"{release}-{tool}-V.txt")) == expected


def test_version_helpers():
    assert version.parse_version("no version here") == (None, None)
    assert version.version_from_binary(b"\x00junk\x00OpenSSH_9.2p1 Debian-2\x00") == ("9.2p1", (9, 2))
    # bookworm's sshd holds SSH_VERSION before the banner, and compat patterns after it
    data = b"OpenSSH_9.2\x00OpenSSH_9.2p1 Debian-2+deb12u10\x00OpenSSH_7.0*,OpenSSH_7.1*\x00"
    assert version.version_from_binary(data) == ("9.2p1", (9, 2))
    # the same choice over strings already cut out of the binary (hostio's summary)
    assert version.version_from_strings(data.decode().split("\x00")) == ("9.2p1", (9, 2))
    assert version.version_from_strings(["OpenSSH_9.2"]) == ("9.2", (9, 2))
    assert version.version_from_strings([]) == version.version_from_binary(b"") == (None, None)
    assert version.version_tuple("10.0p2") == (10, 0) and version.is_bare_version("10.0p2")
    assert not version.is_bare_version("OpenSSH_10.0p2")
    assert version.at_least((9, 8), 9, 8) and not version.at_least((9, 2), 9, 8) and not version.at_least(None, 1)
    data = b"\x00/usr/lib/openssh/sshd-session\x00/run/sshd\x00"
    assert version.paths_in_binary(data, "sshd-session") == ["/usr/lib/openssh/sshd-session"]
    assert version.has_string(data, "/run/sshd") and not version.has_string(data, "/run/ssh")


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


def test_proc_net_tcp_real_output(fixture_text):
    v4 = sockets.parse_proc_net_tcp(fixture_text("raw", "bookworm-proc-net-tcp.txt"), 4)
    v6 = sockets.parse_proc_net_tcp(fixture_text("raw", "bookworm-proc-net-tcp6.txt"), 6)
    assert {"address": "0.0.0.0", "port": 22} in [{k: s[k] for k in ("address", "port")} for s in v4]
    assert {"address": "::", "port": 22} in [{k: s[k] for k in ("address", "port")} for s in v6]
    assert all(s["inode"] > 0 for s in v4 + v6)
    assert sockets.parse_proc_net_tcp("header\ngarbage line\n") == []
