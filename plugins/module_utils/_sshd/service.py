# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service state: `systemctl show` output, tmpfiles.d lines, and sshd's recent log lines."""

import re

SHOW_PROPERTIES = (
    "Id", "Names", "LoadState", "ActiveState", "SubState", "UnitFileState", "MainPID", "Result",
    "ExecMainStatus", "ExecMainCode", "RuntimeDirectory", "FragmentPath", "DropInPaths", "Listen",
    "NRestarts",
)

# What sshd, its helpers and libwrap say when something is wrong; other log lines are noise here.
_LOG_PATTERNS = re.compile(
    r"fatal|error|refused connect|Bind to port|Cannot bind|Unable to load host key|no hostkeys|"
    r"not allowed because|Authentication refused|bad ownership or modes|Could not open|"
    r"Missing privilege separation|Privilege separation user|must be owned by root|"
    r"does not exist or is not executable|subsystem request for|MaxStartups throttling|"
    r"ROOT LOGIN REFUSED|Permissions 0\d+ for|too open|Deprecated option|Failed to start|"
    r"Main process exited|Failed with result|Control process exited|Unable to negotiate|"
    r"not in PubkeyAccepted|not from a permitted host|has expired",
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
        if sep:
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
    }


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


def tmpfiles_creates(text, path):
    """Line number of a tmpfiles.d line that creates directory ``path`` (d/D types), or None."""
    for num, line in enumerate((text or "").splitlines(), 1):
        fields = line.split()
        if len(fields) >= 2 and fields[0].rstrip("!+-=~^") in ("d", "D") and fields[1].rstrip("/") == path.rstrip("/"):
            return num
    return None
