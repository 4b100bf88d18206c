# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Platform rules: what differs between Debian/Ubuntu, RHEL-family, SUSE and Alpine builds of
OpenSSH, as pure functions over data the host reads gave.

Where a distribution patches sshd, the patch is detected from the binary itself (its version
banner, strings it carries), never guessed from the distribution name alone.
"""

import re

_VENDOR_RE = re.compile(r"OpenSSH_\d+\.\d+p\d+ (Debian|Ubuntu)-")


def parse_os_release(text):
    """/etc/os-release as a dict (ID, ID_LIKE, VERSION_ID ...), quotes removed."""
    out = {}
    for line in (text or "").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip().isidentifier():
            out[key.strip()] = value.strip().strip("\"'")
    return out


def family(os_release):
    """debian, rhel, suse, alpine or None, from ID and ID_LIKE."""
    ids = [os_release.get("ID", "")] + os_release.get("ID_LIKE", "").split()
    for fam, names in (("debian", ("debian", "ubuntu")), ("rhel", ("rhel", "fedora", "centos")),
                       ("suse", ("suse", "opensuse", "sles")), ("alpine", ("alpine",))):
        if any(i in names or i.startswith(names) for i in ids if i):
            return fam
    return None


def openssh_vendor(strings):
    """Debian or Ubuntu when the binary's banner carries their suffix (`OpenSSH_9.2p1 Debian-2+deb12u3`)."""
    for text in strings or []:
        m = _VENDOR_RE.search(text)
        if m:
            return m.group(1)
    return None


def key_mode_too_open(key, ssh_keys_group=False):
    """sshd refuses a private host key its owner can share (sshkey_perm_ok).  RHEL's sshd (patched:
    it carries the `ssh_keys` group name) accepts 0640 root:ssh_keys; an unpatched sshd does not."""
    if not key.get("mode"):
        return False
    mode = int(key["mode"], 8)
    if ssh_keys_group and key.get("group") == "ssh_keys" and mode & 0o037 == 0:
        return False
    return bool(mode & 0o077)


def fips_loadable(key_type, fips):
    """Under FIPS, ed25519 host keys do not load (RHEL's FIPS provider has no Ed25519)."""
    return not (fips and "ed25519" in (key_type or ""))


def group_write_allowed(info, user, private_group_relaxation):
    """Debian's user-group-modes patch: StrictModes accepts a group-writable path whose group has
    exactly one member, the path's owner (a user private group).  Upstream (RHEL, SUSE, Alpine)
    never accepts group write."""
    if not private_group_relaxation:
        return False
    members = info.get("group_members")
    if members is None:
        return info.get("group") == user  # no member list: the private group has the user's name
    return members == [info.get("owner")]
