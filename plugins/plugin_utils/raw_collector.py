# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The raw collector: read a host with POSIX sh over the connection, analyse on the controller.

For hosts without a usable Python (none at all, Python 2.7, RHEL 8's platform-python 3.6 under
ansible-core >= 2.17).  The same ``gather.collect`` that the module runs on the target runs here,
over a ``RawHost``: a replay host whose answers come from sh scripts.  The checks then run in
sshd_facts' action, for this state as for the module's (``analyse``).

Rounds: round 1 asks for a broad sweep (what gather reads on a Debian or RHEL host); gather is
then replayed over the answers with misses collected instead of raised; each further round asks
the host, in one sh script (one round trip), for exactly the calls that were missed; it stops
when nothing is missed, or after ``MAX_ROUNDS`` (what stayed unanswered becomes warnings).

Every snippet is POSIX sh (dash, busybox ash): paths and arguments are single-quoted literals
(they come from config files: hostile input), outputs are bounded and encoded (base64 when the
host has it, else od hex), one ``SSHDDOC <call> <field> <value>`` line per answer part.
Controller-side only: never imported by target code.
"""

import base64
import binascii
import json
import shlex
import stat as statmod

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import gather, hostio, service

MAX_ROUNDS = 6
RUN_LIMIT = 4 << 20
BINARY_LIMIT = 16 << 20
MARK = "SSHDDOC"

PRELUDE = r"""
umask 077
LC_ALL=C; export LC_ALL
PATH=${PATH:-/usr/bin:/bin}:/usr/sbin:/sbin:/usr/local/sbin; export PATH
T=$(mktemp -d 2>/dev/null) || { T=/tmp/sshd-doctor.$$; mkdir "$T" || exit 97; }
trap 'rm -rf "$T"' EXIT
if command -v base64 >/dev/null 2>&1; then E=b; else E=x; fi
enc() { if [ "$E" = b ]; then base64 | tr -d '\n\r'; else od -An -v -tx1 | tr -d ' \n\t'; fi; }
say() { printf '%s %s %s %s\n' SSHDDOC "$1" "$2" "$3"; }
put() { printf 'SSHDDOC %s %s %s:' "$1" "$2" "$E"; enc; printf '\n'; }
# head -c is not POSIX but GNU, busybox and the BSDs have it; dd is the fallback
cut_at() { if head -c 1 </dev/null >/dev/null 2>&1; then head -c "$1"; else dd bs=1024 count=$(( ($1 + 1023) / 1024 )) 2>/dev/null; fi; }
say meta euid "$(id -u 2>/dev/null)"
printf '%s' "${SSH_CONNECTION:-}" | put meta ssh_connection
say meta enc "$E"
"""


def q(value):
    """One single-quoted sh word; a relative path is anchored so it never reads as an option."""
    return shlex.quote(str(value))


def _path(value):
    text = str(value)
    return q(text if text.startswith("/") else "./" + text)


def snippet(index, method, args):
    """The sh lines answering one Host call, or None when the collector has no sh for it."""
    i = "c%d" % index
    if method == "run":
        argv = " ".join(q(a) for a in args[0])
        return ("( %s ) >\"$T/o\" 2>\"$T/e\" </dev/null; say %s rc $?\n"
                "cut_at %d <\"$T/o\" | put %s out\ncut_at %d <\"$T/e\" | put %s err"
                % (argv, i, RUN_LIMIT, i, RUN_LIMIT, i))
    if method in ("read_text", "binary"):
        limit = BINARY_LIMIT if method == "binary" else int(args[1])
        return ("p=%s\nif [ ! -e \"$p\" ]; then say %s none 0\n"
                "elif [ -d \"$p\" ] || ! ( cut_at %d <\"$p\" >\"$T/d\" ) 2>/dev/null; then say %s unreadable 0\n"
                "else put %s data <\"$T/d\"; fi" % (_path(args[0]), i, limit, i, i))
    if method == "stat":
        flag = "-L " if args[1] else ""
        lsflag = "L" if args[1] else ""
        return ("p=%s\nif ! [ -e \"$p\" ] && ! [ -L \"$p\" ]; then say %s none 0\n"
                "elif s=$(stat %s-c '%%f:%%u:%%g:%%Y:%%s' -- \"$p\" 2>/dev/null); then say %s stat \"$s\"\n"
                "else ls -ldn%s -- \"$p\" 2>/dev/null | put %s ls; fi"
                % (_path(args[0]), i, flag, i, lsflag, i))
    if method == "glob":
        # unquoted $p in a subshell with IFS empty: pathname expansion only, never command substitution
        return ("p=%s\n( IFS=''; for f in $p; do\n"
                "  if [ -e \"$f\" ] || [ -L \"$f\" ]; then printf '%%s' \"$f\" | put %s item; fi\ndone )\n"
                "say %s end 0" % (q(args[0]), i, i))
    if method == "listdir":
        return ("p=%s\nif [ -d \"$p\" ] && [ -r \"$p\" ]; then\n"
                "  for f in \"$p\"/* \"$p\"/.[!.]* \"$p\"/..?*; do\n"
                "    if [ -e \"$f\" ] || [ -L \"$f\" ]; then printf '%%s' \"${f##*/}\" | put %s item; fi\n"
                "  done\nfi\nsay %s end 0" % (_path(args[0]), i, i))
    if method == "readlink":
        return ("p=%s\nif [ -L \"$p\" ]; then\n"
                "  if command -v readlink >/dev/null 2>&1; then readlink -- \"$p\" | put %s data\n"
                "  else ls -ld -- \"$p\" | put %s ls; fi\nelse say %s none 0; fi" % (_path(args[0]), i, i, i))
    if method == "exists":
        return "if [ -e %s ]; then say %s bool 1; else say %s bool 0; fi" % (_path(args[0]), i, i)
    if method in ("user_name", "group_name"):
        db, num = ("passwd", int(args[0])) if method == "user_name" else ("group", int(args[0]))
        return ("n=$( (getent %s %d || awk -F: '$3 == %d {print; exit}' /etc/%s) 2>/dev/null | head -n 1 | cut -d: -f1)\n"
                "if [ -n \"$n\" ]; then printf '%%s' \"$n\" | put %s data; else say %s none 0; fi"
                % (db, num, num, db, i, i))
    return None


def proc_fd_snippet():
    """Every process's fd links in one ``ls -l`` (listdir and readlink answers of /proc/N/fd)."""
    return "ls -l /proc/[0-9]*/fd/ 2>/dev/null | cut_at %d | put proc ls" % RUN_LIMIT


def build_script(calls, sweep_proc=False):
    parts = [PRELUDE]
    unanswerable = []
    for index, (method, args) in enumerate(calls):
        text = snippet(index, method, args)
        if text is None:
            unanswerable.append((method, args))
        else:
            parts.append(text)
    if sweep_proc:
        parts.append(proc_fd_snippet())
    parts.append("say done end 0")
    return "\n".join(parts) + "\n", unanswerable


def decode(value):
    kind, _sep, data = value.partition(":")
    if kind == "b":
        return base64.b64decode(data)
    if kind == "x":
        return binascii.unhexlify(data)
    raise ValueError("unknown encoding %r" % kind)


def parse_output(stdout):
    """{call id: [(field, value)]} from the SSHDDOC lines of a script's output."""
    out = {}
    for line in (stdout or "").splitlines():
        if not line.startswith(MARK + " "):
            continue
        parts = line.split(" ", 3)
        if len(parts) < 4:
            parts += [""] * (4 - len(parts))
        out.setdefault(parts[1], []).append((parts[2], parts[3]))
    return out


_LS_TYPES = {"d": statmod.S_IFDIR, "-": statmod.S_IFREG, "l": statmod.S_IFLNK, "c": statmod.S_IFCHR,
             "b": statmod.S_IFBLK, "p": statmod.S_IFIFO, "s": statmod.S_IFSOCK}


def _ls_mode(perms):
    mode = _LS_TYPES.get(perms[:1], 0)
    bits = perms[1:10]
    for pos, (char, bit) in enumerate(zip(bits, (0o400, 0o200, 0o100, 0o40, 0o20, 0o10, 4, 2, 1))):
        if char not in "-STL":
            mode |= bit
        if pos in (2, 5, 8) and char.lower() in ("s", "t"):
            mode |= {2: statmod.S_ISUID, 5: statmod.S_ISGID, 8: statmod.S_ISVTX}[pos]
            if char in "ST":
                mode &= ~bit
    return mode


def stat_dict(mode, uid, gid, mtime, size):
    return {"mode": statmod.S_IMODE(mode), "uid": uid, "gid": gid, "isdir": statmod.S_ISDIR(mode),
            "isreg": statmod.S_ISREG(mode), "islnk": statmod.S_ISLNK(mode),
            "executable": statmod.S_ISREG(mode) and bool(mode & 0o111), "mtime": mtime, "size": size}


def answer(method, args, fields):
    """The Host answer of one call from its fields, or raises KeyError when the host said nothing."""
    if not fields:
        raise KeyError(method)
    first_kind = fields[0][0]
    if method == "run":
        got = dict(fields)
        return [int(got["rc"]), decode(got["out"]).decode("utf-8", "replace"),
                decode(got["err"]).decode("utf-8", "replace")]
    if method in ("read_text", "binary"):
        if first_kind != "data":
            if method == "binary":
                return {"exists": first_kind != "none", "size": None, "strings": [], "elf": None}
            return None
        data = decode(fields[0][1])
        if method == "read_text":
            return data.decode("utf-8", "replace")
        return hostio.binary_summary(data)
    if method == "stat":
        if first_kind == "none":
            return None
        if first_kind == "stat":
            mode, uid, gid, mtime, size = fields[0][1].split(":")
            return stat_dict(int(mode, 16), int(uid), int(gid), int(mtime), int(size))
        words = decode(fields[0][1]).decode("utf-8", "replace").split()
        if len(words) < 5:
            return None
        return stat_dict(_ls_mode(words[0]), int(words[2]), int(words[3]), 0, int(words[4]) if words[4].isdigit() else 0)
    if method in ("glob", "listdir"):
        items = [decode(v).decode("utf-8", "surrogateescape") for k, v in fields if k == "item"]
        return sorted(items) if method == "glob" else items
    if method == "readlink":
        if first_kind == "none":
            return None
        text = decode(fields[0][1]).decode("utf-8", "surrogateescape")
        if first_kind == "ls":
            return text.split(" -> ", 1)[1].rstrip("\n") if " -> " in text else None
        return text.rstrip("\n")
    if method == "exists":
        return fields[0][1] == "1"
    if method in ("user_name", "group_name"):
        return decode(fields[0][1]).decode("utf-8", "replace") if first_kind == "data" else str(args[0])
    raise KeyError(method)


def fields_data(fields):
    """The decoded bytes of a call's data field, if it has one."""
    for kind, value in fields:
        if kind == "data":
            return decode(value)
    return None


def _proc_answers(parsed):
    """listdir(/proc/N/fd) and readlink(/proc/N/fd/M) answers from the ``ls -l`` of every fd directory."""
    blob = dict(parsed.get("proc", [])).get("ls")
    if blob is None:
        return []
    calls = []
    pid = None
    fds = []
    for line in decode(blob).decode("utf-8", "surrogateescape").splitlines() + ["/proc/end/fd:"]:
        if line.startswith("/proc/") and line.endswith(("/fd:", "/fd/:")):
            if pid is not None:
                calls.append(("listdir", ["/proc/%s/fd" % pid], fds))
            pid, fds = line.split("/")[2], []
            continue
        if pid is None or " -> " not in line:
            continue
        left, target = line.split(" -> ", 1)
        fd = left.rsplit(None, 1)[-1]
        if fd.isdigit():
            fds.append(fd)
            calls.append(("readlink", ["/proc/%s/fd/%s" % (pid, fd)], target))
    return calls


def sweep_calls(options):
    """Round 1: what gather reads on a Debian or RHEL host, asked for before gather asks."""
    calls = []
    for d in gather.SBIN_DIRS:
        calls.append(("stat", [d + "/sshd", True]))
    for path in ("/usr/sbin/sshd", "/usr/lib/openssh/sshd-session", "/usr/libexec/openssh/sshd-session",
                 "/usr/lib/openssh/sshd-auth", "/usr/libexec/openssh/sshd-auth"):
        calls.append(("stat", [path, True]))
        calls.append(("binary", [path]))
    for path in gather.SFTP_SERVER_PATHS + ("/usr/bin/scp", "/usr/local/bin/scp", "/bin/scp", "/usr/bin/ssh"):
        calls.append(("stat", [path, True]))
    for path in ("/run/systemd/system", "/sbin/openrc", "/run/openrc", "/etc/init.d/ssh", "/etc/init.d/sshd",
                 "/etc/hosts.allow", "/etc/hosts.deny"):
        calls.append(("exists", [path]))
    calls.append(("run", [["systemctl", "show", "-p", ",".join(service.SHOW_PROPERTIES),
                           "ssh.service", "sshd.service", "ssh.socket", "sshd.socket"]]))
    for unit in ("ssh.service", "sshd.service"):
        calls.append(("run", [["journalctl", "-u", unit, "-n", "200", "-o", "short-iso", "--no-pager", "-q"]]))
    config = options.get("config_path") or "/etc/ssh/sshd_config"
    for path in (config, "/etc/passwd", "/etc/group", "/etc/shadow", "/etc/hosts.allow", "/etc/hosts.deny",
                 "/proc/net/tcp", "/proc/net/tcp6"):
        calls.append(("read_text", [path, 1 << 20]))
    calls.append(("glob", ["/etc/ssh/sshd_config.d/*.conf"]))
    calls.append(("listdir", ["/proc"]))
    calls += [("user_name", [0]), ("group_name", [0])]
    for d in gather.TMPFILES_DIRS:
        calls.append(("glob", [d + "/*.conf"]))
    for path in gather.PRIVSEP_DIRS + tuple(gather.DEFAULT_HOST_KEYS):
        calls.append(("stat", [path, True]))
    for path in gather.DEFAULT_HOST_KEYS:
        calls.append(("read_text", [path + ".pub", 16384]))
    return calls


class RawHost(hostio.ReplayHost):
    """A replay host filled by sh scripts run on the target, round by round."""

    def __init__(self, execute, name="raw"):
        super().__init__({"format": hostio.FORMAT, "calls": []}, name=name, collect_misses=True)
        self.execute = execute
        self.meta = {}
        self.rounds = []
        self.unanswered = []
        self.options = {}

    def ask(self, calls, sweep_proc=False):
        """Run one sh script answering ``calls`` [(method, args)] and store the answers."""
        seen = set(self._answers)
        todo = []
        for m, a in calls:
            key = hostio.call_key(m, a)
            if key not in seen:
                seen.add(key)
                todo.append((m, a))
        calls = todo
        script, unanswerable = build_script(calls, sweep_proc)
        self.unanswered.extend(unanswerable)
        rc, out, err = self.execute(script)
        parsed = parse_output(out)
        if not any(k == "end" for k, _v in parsed.get("done", [])):
            raise RawCollectorError("the sh collector did not complete (rc %s): %s"
                                    % (rc, (err or out or "no output").strip()[-400:]))
        for kind, value in parsed.get("meta", []):
            self.meta[kind] = decode(value).decode("utf-8", "replace") if ":" in value else value
        answered = 0
        for index, (method, args) in enumerate(calls):
            if (method, args) in unanswerable:
                continue
            try:
                value = answer(method, args, parsed.get("c%d" % index, []))
            except (KeyError, ValueError, IndexError, binascii.Error):
                self.unanswered.append((method, args))
                continue
            self._answers[hostio.call_key(method, args)] = value
            answered += 1
        if sweep_proc:
            for method, args, value in _proc_answers(parsed):
                self._answers.setdefault(hostio.call_key(method, args), value)
        self.rounds.append({"asked": len(calls), "answered": answered, "bytes": len(out or "")})

    def recording(self):
        """The answers as a recording, in RecordingHost's format."""
        calls = []
        for key, value in self._answers.items():
            method, _sep, args = key.partition(" ")
            calls.append({"m": method, "a": json.loads(args), "r": value})
        meta = {"collector": "raw", "euid": int(self.meta["euid"]) if str(self.meta.get("euid")).isdigit() else None,
                "options": {k: self.options.get(k) for k in hostio.RECORDED_OPTIONS}, "rounds": self.rounds}
        return {"format": hostio.FORMAT, "meta": meta, "calls": sorted(calls, key=lambda c: (c["m"], json.dumps(c["a"])))}


class RawCollectorError(Exception):
    """The host could not run the sh collector."""


def collect(execute, options, max_rounds=MAX_ROUNDS):
    """Gather the state over sh.  ``execute(script) -> (rc, stdout, stderr)`` runs one script on the
    host.  Returns (state, warnings, host); the state is what the module returns (the action adds the
    findings to both)."""
    host = RawHost(execute)
    host.ask(sweep_calls(options), sweep_proc=True)
    params = dict(options)
    if not params.get("clients"):
        client = gather.ssh_connection_client({"SSH_CONNECTION": host.meta.get("ssh_connection", "")})
        params["clients"] = [client] if client else []
    host.options = params
    state = None
    for _round in range(max_rounds):
        host.misses = []
        state = gather.collect(host, params)
        misses = [m for m in host.misses if m not in host.unanswered]
        if not misses:
            break
        host.ask(misses)
    else:
        host.misses = []
        state = gather.collect(host, params)
    warnings = []
    left = list(host.misses) + [m for m in host.unanswered if m not in host.misses]
    if left:
        warnings.append("the raw collector could not answer %d host read(s) after %d rounds: %s"
                        % (len(left), len(host.rounds), "; ".join(hostio.describe(m, a) for m, a in left[:8])))
    state["clients"] = params["clients"]
    state["collector"] = "raw"
    state["raw_rounds"] = host.rounds
    euid = host.meta.get("euid")
    state["euid"] = int(euid) if str(euid).isdigit() else None
    if euid not in (None, "", "0"):
        warnings.append("not running as root: host keys, /etc/shadow and `sshd -T` may be unreadable; "
                        "use become: true for a complete diagnosis")
    return state, warnings, host
