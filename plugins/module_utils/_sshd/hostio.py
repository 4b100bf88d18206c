# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host I/O seam: every read of the host goes through a ``Host``.

``Host`` is the real host (files and commands).  ``RecordingHost`` wraps any host and writes
down every call and its answer as plain JSON; ``ReplayHost`` answers the same calls from such
a recording (unit tests replay recordings made on real lab hosts; the raw collector builds
one from a POSIX sh script on hosts without a usable Python).

A recording::

    {"format": 1, "meta": {...},
     "calls": [{"m": "run", "a": [["sshd", "-T"]], "r": [0, "port 22\\n", ""]},
               {"m": "read_text", "a": ["/etc/ssh/sshd_config", 1048576], "r": "..."},
               {"m": "binary", "a": ["/usr/sbin/sshd"], "r": {"exists": true, ...}}]}

Arguments are normalised through the signature of the ``Host`` method (defaults filled in),
so ``read_text(p)`` and ``read_text(p, 1048576)`` are the same call.  Bytes never appear:
executables are summarised by ``binary()`` (strings that matter and the ELF dynamic facts).
"""

import contextlib
import glob
import grp
import inspect
import json
import os
import pwd
import re
import stat
import threading

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import elf, version

FORMAT = 1
BINARY_LIMIT = 32 << 20
MAX_STRINGS = 4000
MAX_STRING_LEN = 512
ELF_KEYS = ("ok", "error", "needed", "static", "class", "machine")
RERECORD = "re-record with make record"
# the sshd_facts options gather.collect reads: a recording keeps them in meta.options
RECORDED_OPTIONS = ("clients", "users", "match_context", "config_path", "sshd_path", "log_lines", "client_profiles",
                    "user_auth", "remediation_dir")

# NUL-terminated printable strings: absolute paths (NUL on both sides, as version.paths_in_binary
# and version.has_string want them) and anything naming OpenSSH_ (version.version_from_binary)
# (the regexes start with a literal, which re searches for quickly: a 1 MB binary takes milliseconds)
_PATH_RE = re.compile(rb"\x00(/[\x20-\x7e]{0,%d})(?=\x00)" % (MAX_STRING_LEN - 1))
_OPENSSH = re.compile(rb"OpenSSH_")
_PRINTABLE_BEFORE = re.compile(rb"[\x20-\x7e]{0,%d}\Z" % (MAX_STRING_LEN // 2))
_PRINTABLE_AFTER = re.compile(rb"[\x20-\x7e]{0,%d}" % (MAX_STRING_LEN // 2))
# Words whose presence tells a distribution's patch apart (RHEL's keyperm patch accepts 0640
# host keys of the group it names): kept when they stand NUL-terminated in the binary.
MARKERS = (b"ssh_keys",)


def _db_name(lookup, number, field):
    """The name the passwd or group database gives ``number`` (``field`` of ``lookup(number)``),
    else the number as a string, as ``ls -l`` shows an unknown owner."""
    try:
        return getattr(lookup(number), field)
    except KeyError:
        return str(number)


class Host:
    """The real host: files and commands.  ``run(args)`` returns (rc, stdout, stderr).

    ``prefetch(commands)`` starts commands that ``run`` will be asked for later, concurrently (a
    thread each), so ``systemctl show``, ``sshd -T`` and the journal reads overlap each other and
    the Python work instead of running one after the other; ``run`` then waits for the one it
    asks for.  Only with ``can_run`` (name or path -> whether the command can be started), and
    only a hint: what the host answers and what a recording holds are the ``run`` calls, in the
    order gather makes them (``RecordingHost`` and ``ReplayHost`` do not record or replay hints).
    """

    def __init__(self, run, can_run=None):
        self._run = run
        self._can_run = can_run
        self._ahead = {}

    def run(self, args):
        job = self._ahead.pop(tuple(args), None)
        if job is not None:
            job["thread"].join()
            if "result" in job:
                return job["result"]
        return self._run(args)

    def prefetch(self, commands):
        if self._can_run is None:
            return
        for args in commands:
            key = tuple(args or ())
            if not key or key in self._ahead or not self._can_run(args[0]):
                continue
            job = {}
            job["thread"] = threading.Thread(target=self._ahead_run, args=(job, list(args)), name="prefetch",
                                             daemon=True)
            self._ahead[key] = job
            job["thread"].start()

    def _ahead_run(self, job, args):
        # an error stays here: run() asks again, in the caller's thread, and gets it there
        with contextlib.suppress(Exception):
            job["result"] = self._run(args)

    @staticmethod
    def read_text(path, limit=1 << 20):
        try:
            with open(path, "rb") as f:
                return f.read(limit).decode("utf-8", "replace")
        except OSError:
            return None

    @staticmethod
    def stat(path, follow=True):
        try:
            st = os.stat(path) if follow else os.lstat(path)
        except OSError:
            return None
        return {"mode": stat.S_IMODE(st.st_mode), "uid": st.st_uid, "gid": st.st_gid,
                "isdir": stat.S_ISDIR(st.st_mode), "isreg": stat.S_ISREG(st.st_mode),
                "islnk": stat.S_ISLNK(st.st_mode),
                "executable": stat.S_ISREG(st.st_mode) and bool(st.st_mode & 0o111),
                "mtime": int(st.st_mtime), "size": st.st_size}

    @staticmethod
    def glob(pattern):
        return sorted(glob.glob(pattern))

    @staticmethod
    def listdir(path):
        try:
            return os.listdir(path)
        except OSError:
            return []

    @staticmethod
    def readlink(path):
        try:
            return os.readlink(path)
        except OSError:
            return None

    @staticmethod
    def exists(path):
        return os.path.exists(path)

    @staticmethod
    def user_name(uid):
        return _db_name(pwd.getpwuid, uid, "pw_name")

    @staticmethod
    def group_name(gid):
        return _db_name(grp.getgrgid, gid, "gr_name")

    @staticmethod
    def binary(path):
        """A compact summary of an executable (see ``binary_summary``), never its bytes."""
        try:
            st = os.stat(path)
        except OSError:
            return {"exists": False, "size": None, "strings": [], "elf": None}
        try:
            with open(path, "rb") as f:
                data = f.read(BINARY_LIMIT)
        except OSError as exc:
            return {"exists": True, "size": st.st_size, "strings": [], "elf": None,
                    "error": exc.strerror or str(exc)}
        out = binary_summary(data)
        out["size"] = st.st_size
        return out


# ---------------------------------------------------------------- binary summaries


def binary_summary(data):
    """The parts of an executable the checks use, from its bytes (pure; the raw collector runs
    it on the controller): ``{"exists", "size", "strings", "elf"}``.

    ``strings``: the NUL-terminated printable strings that are absolute paths or name
    ``OpenSSH_``, and the MARKERS words found, deduplicated, in file order, at most MAX_STRINGS.  ``elf``: the dynamic
    linking facts of ``elf.dynamic_info`` (needed libraries, static, class, machine).
    """
    data = bytes(data or b"")
    found = {}
    for m in _PATH_RE.finditer(data):
        found.setdefault(m.group(1).decode("ascii"), m.start(1))
    for word in MARKERS:
        at = data.find(b"\x00" + word + b"\x00")
        if at >= 0:
            found.setdefault(word.decode("ascii"), at + 1)
    for m in _OPENSSH.finditer(data):
        # the printable run around the name, at most MAX_STRING_LEN // 2 on each side
        start = _PRINTABLE_BEFORE.search(data, max(0, m.start() - MAX_STRING_LEN // 2), m.start()).start()
        end = _PRINTABLE_AFTER.match(data, m.end()).end()
        text = data[start:end].decode("ascii")
        if text not in found or start < found[text]:
            found[text] = start
    strings = [s for s, _pos in sorted(found.items(), key=lambda kv: (kv[1], kv[0]))][:MAX_STRINGS]
    info = elf.dynamic_info(data)
    return {"exists": True, "size": len(data), "strings": strings, "elf": {k: info.get(k) for k in ELF_KEYS}}


def summary_version(summary):
    """``version.version_from_binary`` over a summary: (version string, (major, minor)) or (None, None)."""
    return version.version_from_strings((summary or {}).get("strings"))


def summary_paths(summary, name):
    """``version.paths_in_binary`` over a summary: absolute paths ending in ``/name``."""
    pat = re.compile(r"/[A-Za-z0-9_./+-]*/" + re.escape(name) + r"\Z")
    return [s for s in (summary or {}).get("strings") or [] if pat.match(s)]


def summary_has(summary, text):
    """``version.has_string`` over a summary: the NUL-terminated string ``text`` is in the binary."""
    return text in ((summary or {}).get("strings") or [])


def summary_needed(summary):
    """DT_NEEDED libraries of a summarised binary ([] when unknown)."""
    return list(((summary or {}).get("elf") or {}).get("needed") or [])


# ---------------------------------------------------------------- recording and replay


class ReplayMiss(LookupError):
    """A call the recording does not hold."""


def _plain(value):
    """JSON-ready form: tuples become lists (bytes are refused: binaries go through binary())."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (bytes, bytearray)):
        raise TypeError("bytes cannot be recorded; read executables through Host.binary()")
    return value


def _signature(name):
    attr = inspect.getattr_static(Host, name, None)
    func = getattr(attr, "__func__", attr)
    if callable(func):
        sig = inspect.signature(func)
        if isinstance(attr, staticmethod):
            return sig
        params = list(sig.parameters.values())[1:]  # drop self
        return sig.replace(parameters=params)
    if name == "run":
        return inspect.Signature([inspect.Parameter("args", inspect.Parameter.POSITIONAL_OR_KEYWORD)])
    return None


def normal_args(name, args, kwargs):
    """The call's arguments as a JSON list, defaults filled in from the Host signature (a method
    Host does not have is recorded as called: positional arguments, then a dict of keywords)."""
    sig = _signature(name)
    if sig is None:
        return _plain(list(args) + ([dict(sorted(kwargs.items()))] if kwargs else []))
    bound = sig.bind(*args, **kwargs)
    bound.apply_defaults()
    return _plain(list(bound.arguments.values()))


def call_key(name, args):
    return name + " " + json.dumps(args, sort_keys=True, separators=(",", ":"))


def describe(name, args):
    return "%s(%s)" % (name, ", ".join(json.dumps(a) for a in args))


class RecordingHost:
    """Wraps a host and records every method call and its answer (by method name, generically)."""

    def __init__(self, inner, meta=None):
        self._inner = inner
        self._calls = []
        self._seen = set()
        self.meta = dict(meta or {})

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if name.startswith("_") or not callable(attr):
            return attr

        def call(*args, **kwargs):
            result = attr(*args, **kwargs)
            norm = normal_args(name, args, kwargs)
            key = call_key(name, norm)
            if key not in self._seen:
                self._seen.add(key)
                self._calls.append({"m": name, "a": norm, "r": _plain(result)})
            return result

        return call

    def prefetch(self, commands):
        """A hint, not a read: passed on, not recorded (the ``run`` calls that follow are)."""
        return self._inner.prefetch(commands)

    def recording(self):
        return {"format": FORMAT, "meta": _plain(self.meta), "calls": list(self._calls)}


# answers for calls a recording lacks, when misses are collected instead of raised
MISS_DEFAULTS = {"run": (127, "", ""), "read_text": None, "stat": None, "glob": [],
                 "listdir": [], "readlink": None, "exists": False,
                 "binary": {"exists": False, "size": None, "strings": [], "elf": None}}


class ReplayHost:
    """Answers host calls from a recording.  A call that is not in it raises ``ReplayMiss``, or,
    with ``collect_misses=True``, is noted in ``misses`` and answered as if the thing were absent
    (the raw collector asks the host for the misses in its next round)."""

    def __init__(self, recording, name=None, collect_misses=False):
        if not isinstance(recording, dict) or recording.get("format") != FORMAT:
            raise ValueError("not a sshd.doctor host recording of format %d: %s" % (FORMAT, RERECORD))
        self.name = name or (recording.get("meta") or {}).get("name") or "recording"
        self.collect_misses = collect_misses
        self.misses = []
        self._answers = {}
        for call in recording.get("calls", []):
            self._answers.setdefault(call_key(call["m"], call["a"]), call["r"])

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)

        def call(*args, **kwargs):
            norm = normal_args(name, args, kwargs)
            key = call_key(name, norm)
            if key in self._answers:
                return self._answer(name, self._answers[key])
            if not self.collect_misses:
                raise ReplayMiss("%s: the recording has no answer for %s; %s"
                                 % (self.name, describe(name, norm), RERECORD))
            if not any(m == (name, norm) for m in self.misses):
                self.misses.append((name, norm))
            if name in ("user_name", "group_name"):
                return str(norm[0])
            value = MISS_DEFAULTS.get(name)
            return json.loads(json.dumps(value)) if isinstance(value, (dict, list)) else value

        return call

    @staticmethod
    def prefetch(commands):
        """A hint for the real host; a recording answers at once."""
        del commands

    @staticmethod
    def _answer(name, value):
        if name == "run" and isinstance(value, list):
            return tuple(value)
        return json.loads(json.dumps(value)) if isinstance(value, (dict, list)) else value


def dumps(recording):
    """Deterministic, diff-friendly JSON text of a recording: the meta, then one call per line."""
    head = {k: v for k, v in recording.items() if k != "calls"}
    lines = [json.dumps(c, sort_keys=True, ensure_ascii=False) for c in recording.get("calls", [])]
    text = json.dumps(head, indent=1, sort_keys=True, ensure_ascii=False)
    return text[:-2] + ',\n "calls": [\n' + ",\n".join(lines) + "\n ]\n}\n"
