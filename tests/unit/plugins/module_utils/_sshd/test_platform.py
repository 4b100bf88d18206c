# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Platform rules: distribution patches of sshd, FIPS, init scripts."""

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import platform, service


@pytest.mark.parametrize("text, fam", [
    ('PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nID=debian\nVERSION_ID="13"\n', "debian"),
    ('NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n', "debian"),
    ('ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n', "rhel"),
    ('ID="almalinux"\nID_LIKE="rhel centos fedora"\n', "rhel"),
    ('ID="opensuse-leap"\nID_LIKE="suse opensuse"\n', "suse"),
    ("ID=alpine\nVERSION_ID=3.20.0\n", "alpine"),
    ("", None),
])
def test_family(text, fam):
    assert platform.family(platform.parse_os_release(text)) == fam


@pytest.mark.parametrize("strings, vendor", [
    (["OpenSSH_8.4p1 Debian-5+deb11u3"], "Debian"),        # bullseye's sshd (lab)
    (["OpenSSH_10.0p2 Debian-7+deb13u4"], "Debian"),       # trixie's sshd-session (lab)
    (["OpenSSH_9.6p1 Ubuntu-3ubuntu13.5"], "Ubuntu"),
    (["OpenSSH_8.7p1"], None),                              # RHEL and upstream carry no suffix
    ([], None),
])
def test_openssh_vendor(strings, vendor):
    assert platform.openssh_vendor(strings) == vendor


@pytest.mark.parametrize("info, relax, allowed", [
    ({"owner": "alice", "group": "alice", "group_members": ["alice"]}, True, True),
    ({"owner": "alice", "group": "alice", "group_members": ["alice"]}, False, False),   # upstream: never
    ({"owner": "alice", "group": "staff", "group_members": ["alice", "bob"]}, True, False),
    ({"owner": "alice", "group": "alice", "group_members": []}, True, False),            # no member at all
    ({"owner": "alice", "group": "alice"}, True, True),                                  # no list: by name
])
def test_group_write_allowed(info, relax, allowed):
    assert platform.group_write_allowed(info, "alice", relax) is allowed


@pytest.mark.parametrize("key_type, fips, loadable", [
    ("ssh-ed25519", True, False), ("ssh-ed25519", False, True), ("ecdsa-sha2-nistp256", True, True),
])
def test_fips_ed25519(key_type, fips, loadable):
    assert platform.fips_loadable(key_type, fips) is loadable


@pytest.mark.parametrize("rc, text, state", [
    (0, " * status: started\n", "active"),
    (3, " * status: stopped\n", "inactive"),
    (32, " * status: crashed\n", "failed"),          # OpenRC: died without a stop
    (3, "sshd is not running ... failed!\n", "inactive"),
])
def test_init_script_state(rc, text, state):
    assert service.init_script_state(rc, text) == state
