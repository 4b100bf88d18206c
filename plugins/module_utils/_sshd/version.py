# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenSSH version strings: from `sshd -V`, `ssh -V`, usage text or the binary itself."""

import re

_VERSION_RE = re.compile(r"OpenSSH_(\d+)\.(\d+)(p\d+)?")
_BYTES_RE = re.compile(rb"OpenSSH_(\d+)\.(\d+)(p\d+)?")


def parse_version(text):
    """Return ``(version string, (major, minor))`` from any text naming OpenSSH, or ``(None, None)``.

    `sshd -V` exists from 9.x on; 8.x rejects the flag but still prints the version in its
    usage text, so the same parser serves both.
    """
    m = _VERSION_RE.search(text or "")
    if not m:
        return None, None
    return f"{m.group(1)}.{m.group(2)}{m.group(3) or ''}", (int(m.group(1)), int(m.group(2)))


def version_from_binary(data):
    """The version compiled into an sshd binary (its SSH_RELEASE string)."""
    found = list(_BYTES_RE.finditer(data or b""))
    # the banner (SSH_RELEASE) carries the portable suffix; `OpenSSH_9.2` alone is SSH_VERSION,
    # and compat patterns such as `OpenSSH_7.0*` come later in the binary
    best = next((m for m in found if m.group(3)), found[0] if found else None)
    if best is None:
        return None, None
    return parse_version(best.group(0).decode("ascii"))


def at_least(version_tuple, major, minor=0):
    """True when the version is known and at least major.minor."""
    return version_tuple is not None and tuple(version_tuple) >= (major, minor)


def paths_in_binary(data, name):
    """Absolute paths ending in ``/name`` compiled into a binary (e.g. the sshd-session path)."""
    pat = re.compile(rb"\x00(/[A-Za-z0-9_./+-]*/" + re.escape(name.encode()) + rb")\x00")
    out = []
    for m in pat.finditer(data or b""):
        val = m.group(1).decode("ascii")
        if val not in out:
            out.append(val)
    return out


def has_string(data, text):
    """True when the NUL-terminated string ``text`` is compiled into the binary."""
    return (b"\x00" + text.encode() + b"\x00") in (data or b"")
