# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service state: `systemctl show` output, tmpfiles.d lines, and sshd's recent log lines."""

import re

SHOW_PROPERTIES = (
    "Id", "Names", "LoadState", "ActiveState", "SubState", "UnitFileState", "MainPID", "Result",
    "ExecMainStatus", "ExecMainCode", "RuntimeDirectory", "FragmentPath", "DropInPaths", "Listen",
    "NRestarts", "ExecStart", "EnvironmentFiles", "Environment", "ExecMainStartTimestampMonotonic",
)
# Properties systemctl prints once per value.
_REPEATED = frozenset(("ExecStart", "EnvironmentFiles"))
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VAR_WORD = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")
_VAR_IN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
# sshd's getopt string: the options that take an argument
_SSHD_ARG_OPTS = frozenset("CcEfghkopu")

# What sshd, its helpers and libwrap say when something is wrong; other log lines are noise here.
_LOG_PATTERNS = re.compile(
    r"fatal|error|refused connect|Bind to port|Cannot bind|Unable to load host key|no hostkeys|"
    r"not allowed because|Authentication refused|bad ownership or modes|Could not open|"
    r"Missing privilege separation|Privilege separation user|must be owned by root|"
    r"does not exist or is not executable|subsystem request for|MaxStartups|"
    r"ROOT LOGIN REFUSED|Permissions 0\d+ for|too open|Deprecated option|Failed to start|"
    r"Main process exited|Failed with result|Control process exited",
    re.IGNORECASE,
)


def parse_systemctl_show(text):
    """Parse `systemctl show -p ... UNIT...` output: one dict per unit, in order."""
    units, cur = [], {}
    for line in (text or "").splitlines():
        if not line.strip():
            if cur:
                units.append(cur)
                cur = {}
            continue
        key, sep, value = line.partition("=")
        if sep and key in _REPEATED and cur.get(key):
            cur[key] += "\n" + value
        elif sep:
            cur[key] = value
    if cur:
        units.append(cur)
    return units


def unit_state(props):
    """The service facts of one unit from its `systemctl show` properties."""
    if not props or props.get("LoadState") in (None, "not-found"):
        return None

    def _int(key):
        try:
            return int(props.get(key, ""))
        except ValueError:
            return None

    return {
        "unit": props.get("Id"),
        "load_state": props.get("LoadState"),
        "active_state": props.get("ActiveState"),
        "sub_state": props.get("SubState"),
        "enabled": props.get("UnitFileState") or None,
        "main_pid": _int("MainPID") or None,
        "result": props.get("Result"),
        "exec_main_status": _int("ExecMainStatus"),
        "runtime_directory": props.get("RuntimeDirectory", "").split(),
        "fragment_path": props.get("FragmentPath") or None,
        "drop_ins": props.get("DropInPaths", "").split(),
        "restarts": _int("NRestarts"),
        "exec_start": exec_start_argv(props.get("ExecStart", "")),
        "environment_files": environment_files(props.get("EnvironmentFiles", "")),
        "environment": environment_assignments(props.get("Environment", "")),
    }


def exec_start_argv(value):
    """The argv of the first ExecStart command (`{ path=... ; argv[]=/usr/sbin/sshd -D $SSHD_OPTS ; ... }`),
    unexpanded, or []."""
    m = re.search(r"argv\[\]=(.*?) ;", value or "")
    return m.group(1).split() if m else []


def environment_files(value):
    """EnvironmentFiles lines (`/etc/default/ssh (ignore_errors=yes)`) as [{path, optional}], in order."""
    out = []
    for line in (value or "").splitlines():
        m = re.match(r"^(\S+)(?: \(ignore_errors=(yes|no)\))?", line.strip())
        if m:
            out.append({"path": m.group(1), "optional": m.group(2) == "yes"})
    return out


def environment_assignments(value):
    """The unit's Environment= property (`A=1 B=2`) as a dict."""
    out = {}
    for word in shell_words(value or ""):
        key, sep, val = word.partition("=")
        if sep and _ENV_NAME.match(key):
            out[key] = val
    return out


def shell_words(text):
    """Split like systemd's environment and command lines: quotes group, backslash escapes."""
    words, cur, quote, has = [], [], None, False
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == quote:
                quote = None
            elif c == "\\" and quote == '"' and i + 1 < len(text):
                i += 1
                cur.append(text[i])
            else:
                cur.append(c)
        elif c in "\"'":
            quote, has = c, True
        elif c == "\\" and i + 1 < len(text):
            i += 1
            cur.append(text[i])
            has = True
        elif c in " \t\n":
            if cur or has:
                words.append("".join(cur))
            cur, has = [], False
        else:
            cur.append(c)
            has = True
        i += 1
    if cur or has:
        words.append("".join(cur))
    return words


def parse_environment_file(text):
    """KEY=VALUE lines of an EnvironmentFile (/etc/default/ssh, /etc/sysconfig/sshd): comments (# ;),
    quotes and backslash-newline continuations as systemd reads them."""
    out = {}
    logical = re.sub(r"\\\n", "", text or "")
    for raw in logical.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("export "):
            line = line[7:].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not _ENV_NAME.match(key):
            continue
        words = shell_words(value.strip())
        out[key] = " ".join(words) if len(words) != 1 else words[0]
    return out


def expand_argv(argv, env):
    """systemd's ExecStart expansion: a lone `$VAR` word splits into words (none when empty);
    `${VAR}` (or `$VAR` inside a word) becomes one word."""
    out = []
    for word in argv:
        m = _VAR_WORD.match(word)
        if m:
            out.extend((env.get(m.group(1)) or "").split())
            continue
        out.append(_VAR_IN.sub(lambda x: env.get(x.group(1) or x.group(2), ""), word))
    return out


def sshd_options(argv):
    """What an sshd command line changes: ``{"config_file", "options": ["Keyword=value", ...], "flags"}``.

    ``-f FILE`` names the configuration; ``-o K=V`` (and ``-p``, ``-h``, ``-4``, ``-6``, which are
    short forms of Port, HostKey and AddressFamily) set keywords before the file is read, so
    they win over it.  argv[0] (the binary) is skipped.
    """
    result = {"config_file": None, "options": [], "flags": []}
    args = list(argv[1:])
    i = 0
    while i < len(args):
        word = args[i]
        i += 1
        if not word.startswith("-") or word == "-":
            continue
        j = 1
        while j < len(word):
            flag = word[j]
            if flag in _SSHD_ARG_OPTS:
                value = word[j + 1:]
                if not value and i < len(args):
                    value, i = args[i], i + 1
                _sshd_option(result, flag, value)
                break
            if flag in "46":
                result["options"].append("AddressFamily=" + ("inet" if flag == "4" else "inet6"))
            else:
                result["flags"].append("-" + flag)
            j += 1
    return result


def _sshd_option(result, flag, value):
    if flag == "f":
        result["config_file"] = value or None
    elif flag == "o":
        result["options"].append(value)
    elif flag == "p":
        result["options"].append("Port=" + value)
    elif flag == "h":
        result["options"].append("HostKey=" + value)


def pick_units(units, service_names=("ssh.service", "sshd.service"), socket_names=("ssh.socket", "sshd.socket")):
    """The sshd service and socket among parsed units (aliases collapse to one Id)."""
    service = socket = None
    for props in units:
        state = unit_state(props)
        if state is None:
            continue
        if service is None and state["unit"] in service_names:
            service = state
        elif socket is None and state["unit"] in socket_names:
            state["listen"] = _listen_items(props.get("Listen", ""))
            socket = state
    return service, socket


def _listen_items(value):
    # "Listen=[::]:22 (Stream)" ; several are separated by spaces between parenthesised kinds
    return [m.group(1) for m in re.finditer(r"(\S+) \(\w+\)", value or "")]


def interesting_log_lines(text, limit=8):
    """The last ``limit`` log lines that say something is wrong (fatal, refused, bind errors ...)."""
    lines = [line.rstrip() for line in (text or "").splitlines() if _LOG_PATTERNS.search(line)]
    return lines[-limit:]


def init_script_state(rc, text):
    """active, failed or inactive from an init script's `status`: OpenRC says `crashed` when the
    daemon died without being stopped (a failure, not a stop); LSB scripts exit 0 when running."""
    if rc == 0 and "crashed" not in text:
        return "active"
    return "failed" if "crashed" in text else "inactive"


def tmpfiles_creates(text, path):
    """Line number of a tmpfiles.d line that creates directory ``path`` (d/D types), or None."""
    for num, line in enumerate((text or "").splitlines(), 1):
        fields = line.split()
        if len(fields) >= 2 and fields[0].rstrip("!+-=~^") in ("d", "D") and fields[1].rstrip("/") == path.rstrip("/"):
            return num
    return None
