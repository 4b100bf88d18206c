# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""version: the OpenSSH version from `sshd -V`/`ssh -V` output captured on the lab releases, and from
the strings of the binary."""

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import version


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
