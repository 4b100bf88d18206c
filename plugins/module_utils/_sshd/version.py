# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenSSH version strings: from `sshd -V`, `ssh -V`, usage text or the binary itself."""

import re

# The one OpenSSH version pattern: ``OpenSSH_<major>.<minor>[p<portable>]`` (SSH_RELEASE and
# SSH_VERSION, banners, ``ssh -V``, usage text); _NUMBERS alone for versions given without the name
_NUMBERS = r"(\d+)\.(\d+)(p\d+)?"
_VERSION_RE = re.compile("OpenSSH_" + _NUMBERS)
_BYTES_RE = re.compile(("OpenSSH_" + _NUMBERS).encode("ascii"))
_BARE_RE = re.compile(_NUMBERS)


def _result(match):
    groups = [g.decode("ascii") if isinstance(g, bytes) else g for g in match.groups()]
    return "%s.%s%s" % (groups[0], groups[1], groups[2] or ""), (int(groups[0]), int(groups[1]))


def parse_version(text):
    """Return ``(version string, (major, minor))`` from any text naming OpenSSH, or ``(None, None)``.

    `sshd -V` exists from 9.x on; 8.x rejects the flag but still prints the version in its
    usage text, so the same parser serves both (and ``ssh -V``, banners, probe output).
    """
    m = _VERSION_RE.search(text or "")
    return _result(m) if m else (None, None)


def _release(matches):
    # the banner (SSH_RELEASE) carries the portable suffix; `OpenSSH_9.2` alone is SSH_VERSION,
    # and compat patterns such as `OpenSSH_7.0*` come later in the binary
    found = list(matches)
    best = next((m for m in found if m.group(3)), found[0] if found else None)
    return _result(best) if best is not None else (None, None)


def version_from_binary(data):
    """The version compiled into an sshd binary (its SSH_RELEASE string)."""
    return _release(_BYTES_RE.finditer(data or b""))


def version_from_strings(strings):
    """version_from_binary over the strings of a binary already read (hostio's summary)."""
    return _release(m for text in strings or () for m in _VERSION_RE.finditer(text))


def version_tuple(version):
    """``(major, minor)`` from ``None``, a tuple/list, or text such as ``9.2p1`` or ``OpenSSH_10.0p2``."""
    if version is None:
        return None
    if isinstance(version, (tuple, list)):
        try:
            return (int(version[0]), int(version[1]) if len(version) > 1 else 0)
        except (TypeError, ValueError, IndexError):
            return None
    m = _BARE_RE.search(str(version))
    return (int(m.group(1)), int(m.group(2))) if m else None


def is_bare_version(text):
    """True when ``text`` starts with a version without the name (``10.0p2``)."""
    return _BARE_RE.match(text) is not None


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
