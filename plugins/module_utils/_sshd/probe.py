# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client-side probe: classify what the OpenSSH clients said (and what a bare TCP connection saw).

Everything here is pure (no Ansible, no processes) except :func:`observe_tcp`, which takes
its socket factory and clock as arguments.  client_probe.py builds the client command lines
and runs them (the ``ssh_probe`` module's back end) and hands the outputs to :func:`classify`.

An *operation* (``tcp``, ``ssh``, ``sftp``, ``scp``, ``scp_legacy``) goes through *phases*
(``connect``, ``banner``, ``kex``, ``host_key``, ``auth``, ``session``, then ``exec``,
``subsystem`` and ``transfer``).  The ``ssh -v`` debug lines say which phases completed; the
client's own error line says why the next one failed; the classification maps that to the
server-side finding ids of FAULTS.md that can explain it, most likely first.
"""

import contextlib
import errno
import re
import socket
import time

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import crypto
from ansible_collections.sshd.doctor.plugins.module_utils._sshd.version import parse_version

OPERATIONS = ("tcp", "ssh", "sftp", "scp", "scp_legacy")
_TRANSPORT = ("connect", "banner", "kex", "host_key", "auth", "session")
OP_PHASES = {
    "tcp": ("connect", "banner"),
    "ssh": _TRANSPORT + ("exec",),
    "sftp": _TRANSPORT + ("subsystem", "transfer"),
    "scp:sftp": _TRANSPORT + ("subsystem", "transfer"),
    "scp:scp": _TRANSPORT + ("exec", "transfer"),
}
# A pre-banner close that takes longer than this was waiting for something: libwrap's name
# lookups do, a dying sshd (privsep directory, user or helper missing) does not.
SLOW_CLOSE_MS = 1500
_TIMEOUT_RCS = (124, 137)

# ---------------------------------------------------------------- finding candidates
# Ordered by likelihood.  Each list names the server-side states that produce the symptom.
REFUSED = ["service_failed", "service_inactive", "config_invalid", "host_keys_missing", "host_key_insecure_mode",
           "privsep_dir_missing", "port_conflict", "socket_activation_mismatch"]
PRE_BANNER_FAST = ["privsep_dir_missing", "tcp_wrappers_denied", "privsep_dir_insecure", "privsep_user_missing",
                   "sshd_helper_missing", "max_startups_throttling"]
PRE_BANNER_SLOW = ["tcp_wrappers_denied", "privsep_dir_missing", "privsep_dir_insecure", "privsep_user_missing",
                   "sshd_helper_missing", "max_startups_throttling"]
BANNER_TIMEOUT = ["tcp_wrappers_denied", "max_startups_throttling"]
DURING_KEX = ["privsep_dir_missing", "privsep_dir_insecure", "privsep_user_missing", "sshd_helper_missing"]
AUTH_DENIED = ["user_not_allowed", "home_or_keys_insecure", "authorized_keys_unreadable", "user_key_type_rejected",
               "user_key_from_excludes_client", "account_locked", "login_shell_invalid"]
AFTER_AUTH_CLOSED = ["login_shell_invalid", "chroot_dir_insecure", "account_expired"]
NEGOTIATION = ["client_algorithms_incompatible", "clients_refused_negotiation"]
SUBSYSTEM_REFUSED = ["sftp_subsystem_missing"]
SFTP_SERVER_DIED = ["sftp_server_missing", "shell_output_breaks_sftp"]
SHELL_OUTPUT = ["shell_output_breaks_sftp"]
SCP_MISSING = ["scp_legacy_unavailable"]
NOT_SSH = ["port_conflict"]
WEAK_HOST_KEY = ["weak_host_key_only", "client_algorithms_incompatible", "clients_refused_negotiation"]

# ---------------------------------------------------------------- client version and capabilities

_SCP_FLAGS_RE = re.compile(r"usage:\s*scp\s+\[-([0-9A-Za-z]+)\]")


def parse_client_version(text):
    """``ssh -V`` output -> ``{version, version_tuple, version_string}`` (values None when unknown)."""
    line = next((ln.strip() for ln in (text or "").splitlines() if "OpenSSH" in ln), None)
    found, numbers = parse_version(line)
    if found is None:
        first = next((ln.strip() for ln in (text or "").splitlines() if ln.strip()), None)
        return {"version": None, "version_tuple": None, "version_string": first}
    return {"version": found, "version_tuple": list(numbers), "version_string": line}


def scp_default_protocol(version_tuple):
    """The protocol a plain ``scp`` speaks: SFTP from OpenSSH 9.0 on, the legacy scp/rcp protocol before."""
    if version_tuple is None:
        return None
    return "sftp" if tuple(version_tuple) >= (9, 0) else "scp"


def scp_flags(usage_text):
    """The single-letter flags an ``scp`` usage message lists (``scp`` without arguments prints it)."""
    m = _SCP_FLAGS_RE.search(usage_text or "")
    return sorted(set(m.group(1))) if m else []


def scp_capabilities(usage_text, version_tuple):
    """What this scp can do: ``{flags, legacy_flag (-O), sftp_flag (-s), default_protocol}``."""
    flags = scp_flags(usage_text)
    default = scp_default_protocol(version_tuple)
    if not flags and version_tuple is not None:
        # No usage text to read: OpenSSH added -s in 8.7 and -O in 9.0 (Debian backports nothing here).
        legacy, sftp = tuple(version_tuple) >= (9, 0), tuple(version_tuple) >= (8, 7)
    else:
        legacy, sftp = "O" in flags, "s" in flags
    return {"flags": flags, "legacy_flag": legacy, "sftp_flag": sftp, "default_protocol": default}


# ---------------------------------------------------------------- TCP


def observe_tcp(host, port, timeout, create_connection=socket.create_connection, clock=None):
    """Connect and read the server's identification line, without sending anything.

    Returns ``{event, connect_ms, elapsed_ms, banner, error}``; event is one of ``banner``
    (an ``SSH-`` line), ``data`` (something else), ``eof`` (accepted then closed without a
    byte), ``reset``, ``timeout`` (accepted, nothing within timeout), ``refused``,
    ``connect_timeout``, ``unreachable``, ``resolve`` or ``error``.
    """
    clock = clock or time.monotonic
    t0 = clock()
    obs = {"event": None, "connect_ms": None, "elapsed_ms": None, "banner": None, "error": None}

    def done(event, error=None):
        obs["event"] = event
        obs["elapsed_ms"] = int((clock() - t0) * 1000)
        if error is not None:
            obs["error"] = "%s: %s" % (type(error).__name__, error)
        return obs

    try:
        sock = create_connection((host, int(port)), timeout=timeout)
    except socket.gaierror as exc:
        return done("resolve", exc)
    except ConnectionRefusedError as exc:
        return done("refused", exc)
    except (socket.timeout, TimeoutError) as exc:
        return done("connect_timeout", exc)
    except OSError as exc:
        if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            return done("unreachable", exc)
        return done("error", exc)
    obs["connect_ms"] = int((clock() - t0) * 1000)
    try:
        sock.settimeout(timeout)
        data = b""
        while not _has_ident(data) and len(data) < 8192:
            chunk = sock.recv(1024)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, TimeoutError) as exc:
        if data:
            obs["banner"] = data.decode("utf-8", "replace")
            return done("data", exc)
        return done("timeout", exc)
    except ConnectionResetError as exc:
        return done("reset", exc)
    except OSError as exc:
        return done("error", exc)
    finally:
        with contextlib.suppress(OSError):
            sock.close()
    if not data:
        return done("eof")
    obs["banner"] = data.decode("utf-8", "replace")
    # RFC 4253 lets a server send other lines before its identification string.
    for line in obs["banner"].splitlines():
        if line.startswith("SSH-"):
            return done("banner")
    return done("data")


def _has_ident(data):
    """True once a complete ``SSH-`` line arrived (RFC 4253 allows other lines before it)."""
    return any(line.startswith(b"SSH-") for line in data.split(b"\n")[:-1])


def server_software(banner):
    """``SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u6`` -> ``OpenSSH_9.2p1 Debian-2+deb12u6``."""
    for line in (banner or "").splitlines():
        if line.startswith("SSH-"):
            parts = line.strip().split("-", 2)
            return parts[2] if len(parts) == 3 else line.strip()
    return None


def classify_tcp(obs, timeout):
    """A TCP observation -> a stage dict."""
    ev = obs.get("event")
    ms = obs.get("elapsed_ms") or 0
    stage = _stage("tcp", rc=None, elapsed_ms=ms)
    stage["server_version"] = server_software(obs.get("banner")) if ev == "banner" else None
    if ev == "banner":
        ident = next(ln for ln in obs["banner"].splitlines() if ln.startswith("SSH-"))
        return _passed(stage, "banner", "banner: %s" % ident.strip())
    if ev == "resolve":
        return _failed(stage, None, "name_resolution", "cannot resolve the host name (%s)" % obs.get("error"), [])
    if ev == "refused":
        return _failed(stage, None, "connection_refused", "TCP connection refused: nothing listens on the port",
                       REFUSED)
    if ev == "connect_timeout":
        return _failed(stage, None, "connect_timeout",
                       "TCP connect timed out after %ss: a firewall drops the packets or the host is down" % timeout, [])
    if ev == "unreachable":
        return _failed(stage, None, "unreachable", "no route to the host (%s)" % obs.get("error"), [])
    if ev == "eof":
        slow = ms >= SLOW_CLOSE_MS
        return _failed(stage, "connect", "closed_before_banner",
                       "the server accepted the connection and closed it after %d ms without sending a banner" % ms,
                       PRE_BANNER_SLOW if slow else PRE_BANNER_FAST)
    if ev == "reset":
        slow = ms >= SLOW_CLOSE_MS
        return _failed(stage, "connect", "reset_before_banner",
                       "the server accepted the connection and reset it after %d ms without sending a banner" % ms,
                       PRE_BANNER_SLOW if slow else PRE_BANNER_FAST)
    if ev == "timeout":
        return _failed(stage, "connect", "banner_timeout",
                       "the server accepted the connection but sent no banner within %ss" % timeout, BANNER_TIMEOUT)
    if ev == "data":
        first = (obs.get("banner") or "").strip().splitlines()
        return _failed(stage, "connect", "not_ssh",
                       "something that is not sshd answers on the port: %r" % (first[0][:80] if first else ""), NOT_SSH)
    return _failed(stage, None, "client_error", "TCP probe failed: %s" % obs.get("error"), [])


# ---------------------------------------------------------------- ssh -v output

_MARKERS = (
    ("connect", re.compile(r"^debug1: Connection established\.")),
    ("banner", re.compile(r"^debug1: Remote protocol version ")),
    ("kex", re.compile(r"^debug1: Server host key: ")),
    ("host_key", re.compile(r"^debug1: (SSH2_MSG_NEWKEYS sent|Host '.*' is known and matches|Found key in )")),
    ("host_key", re.compile(r"^Warning: Permanently added ")),
    ("auth", re.compile(r"^(debug1: )?(Authenticated to |Authentication succeeded )")),
    ("session", re.compile(r"^debug1: (Sending command|Sending subsystem|Sending env|Requesting authentication agent)")),
)
_SERVER_VERSION = re.compile(r"^debug1: Remote protocol version [\d.]+, remote software version (.*)$")
_HOST_KEY = re.compile(r"^debug1: Server host key: (\S+) (\S+)")
_METHODS = re.compile(r"^debug1: Authentications that can continue: (\S*)")
_USED = re.compile(r"^(?:debug1: )?Authenticated to .* using \"([^\"]+)\"|^debug1: Authentication succeeded \(([^)]+)\)")
_EXIT = re.compile(r"^debug1: Exit status (-?\d+)")
_KEX_ALG = re.compile(r"^debug1: kex: algorithm: (\S+)")

# Lines of a client's stderr that are not messages: progress, banners of our own making, noise.
_NOISE = re.compile(r"^((\S*/)?scp: debug\d: |debug\d?: |OpenSSH_|Warning: Permanently added |Transferred: |Bytes per second: |Executing: |"
                    r"\*\* |Authenticated to |Sink: |Sending file modes|sftp> |Fetching |Connection to .* closed\.$|"
                    r"Pseudo-terminal will not be allocated)")
# Lines that only repeat that the session ended: a more specific line before them wins.
_TRAILER = re.compile(r"^((\S*/)?scp: Connection closed|Connection closed|lost connection|Connection (reset|closed) by "
                      r"(authenticating user \S+ )?\S+ port \d+|Connection closed by remote host)\.?$")


def analyse(text):
    """What the debug lines say: phases completed, server version, host key, auth methods, exit status."""
    out = {"reached": None, "server_version": None, "host_key": None, "kex_algorithm": None,
           "auth_offered": [], "auth_used": None, "exit_status": None, "command_sent": False,
           "subsystem_sent": False, "subsystem_failed": False, "lines": []}
    done = set()
    for raw in (text or "").replace("\r", "\n").splitlines():
        line = raw.rstrip()
        if not line:
            continue
        for phase, rx in _MARKERS:
            if rx.search(line):
                done.add(phase)
        m = _SERVER_VERSION.match(line)
        if m:
            out["server_version"] = m.group(1).strip()
        m = _HOST_KEY.match(line)
        if m:
            out["host_key"] = {"type": m.group(1), "fingerprint": m.group(2)}
        m = _KEX_ALG.match(line)
        if m:
            out["kex_algorithm"] = m.group(1)
        m = _METHODS.match(line)
        if m:
            for meth in m.group(1).split(","):
                if meth and meth not in out["auth_offered"]:
                    out["auth_offered"].append(meth)
        m = _USED.match(line)
        if m:
            out["auth_used"] = m.group(1) or m.group(2)
        m = _EXIT.match(line)
        if m:
            out["exit_status"] = int(m.group(1))
        if line.startswith("debug1: Sending command:"):
            out["command_sent"] = True
        if line.startswith("debug1: Sending subsystem:"):
            out["subsystem_sent"] = True
        if "subsystem request failed on channel" in line:
            out["subsystem_failed"] = True
        if not _NOISE.match(line):
            out["lines"].append(line)
    reached = None
    for phase in _TRANSPORT:
        if phase in done:
            reached = phase
    # A later marker implies the earlier phases (e.g. an 8.x client that prints no host-key line).
    out["reached"] = reached
    return out


def message_of(lines):
    """The client's own message: the last specific line, else the last line (a trailer)."""
    specific = [ln for ln in lines if not _TRAILER.match(ln)]
    pick = specific or lines
    return pick[-1] if pick else None


# (pattern over the client's non-debug lines, classification, phase that failed, candidates)
_RULES = (
    (re.compile(r"Could not resolve hostname|Name or service not known|nodename nor servname"),
     "name_resolution", "connect", []),
    (re.compile(r"port \d+: Connection refused"), "connection_refused", "connect", REFUSED),
    (re.compile(r"port \d+: (Connection|Operation) timed out"), "connect_timeout", "connect", []),
    (re.compile(r"port \d+: (No route to host|Network is unreachable)"), "unreachable", "connect", []),
    (re.compile(r"Connection timed out during banner exchange"), "banner_timeout", "banner", BANNER_TIMEOUT),
    (re.compile(r"(banner line contains invalid characters|Bad remote protocol version identification|"
                r"banner line too long|Protocol major versions differ|invalid format)"), "not_ssh", "banner", NOT_SSH),
    (re.compile(r"no matching host key type found"), "kex_no_host_key_type", "kex", WEAK_HOST_KEY),
    (re.compile(r"Unable to negotiate with"), "kex_no_common_algorithm", "kex", NEGOTIATION),
    (re.compile(r"REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed|"
                r"host key for .* has changed"), "host_key_changed", "host_key", []),
    (re.compile(r"No \S+ host key is known for|Host key verification failed"), "host_key_unverified", "host_key", []),
    (re.compile(r"Too many authentication failures"), "auth_too_many_keys", "auth", []),
    (re.compile(r"Permission denied \("), "auth_denied", "auth", AUTH_DENIED),
    (re.compile(r"This account is currently not available"), "login_shell_invalid", "exec", ["login_shell_invalid"]),
    (re.compile(r"Received message too long|Ensure the remote shell produces no output|"
                r"protocol error: (expected control record|unexpected <newline>|mtime\.sec not present)"),
     "shell_output", "subsystem", SHELL_OUTPUT),
    (re.compile(r"subsystem request failed on channel"), "subsystem_refused", "subsystem", SUBSYSTEM_REFUSED),
    (re.compile(r"scp: (command )?not found|scp: No such file or directory$|exec request failed on channel"),
     "scp_missing", "exec", SCP_MISSING),
    (re.compile(r"No such file or directory|not found\.?$"), "remote_file_missing", "transfer", []),
    (re.compile(r": Permission denied$|Permission denied$"), "remote_file_unreadable", "transfer", []),
)


_NEGOTIATE_RE = re.compile(r"Unable to negotiate with \S+ port \d+: no matching (key exchange method|host key type|"
                           r"cipher|MAC) found\. Their offer: (\S+)")
_NEGOTIATE_LIST = {"key exchange method": "kex", "host key type": "hostkey", "cipher": "ciphers", "MAC": "macs"}


def negotiation_failure(lines):
    """The list an OpenSSH client could not agree on and what the server offered, or None."""
    for line in lines or []:
        m = _NEGOTIATE_RE.search(line)
        if m:
            offer = [a for a in m.group(2).split(",") if a not in crypto.PSEUDO_KEX]
            return {"list": _NEGOTIATE_LIST[m.group(1)], "server_offer": offer}
    return None


def _stage(name, rc, elapsed_ms):
    return {"name": name, "ok": False, "skipped": False, "reached": None, "failed_at": None, "message": None,
            "classification": None, "finding_ids": [], "rc": rc, "elapsed_ms": elapsed_ms}


def _passed(stage, reached, message=None):
    stage.update(ok=True, reached=reached, failed_at=None, message=message, classification="ok", finding_ids=[])
    return stage


def _failed(stage, reached, classification, message, finding_ids, failed_at=None):
    stage.update(ok=False, reached=reached, classification=classification, message=message,
                 finding_ids=list(finding_ids))
    stage["failed_at"] = failed_at or _next_phase(stage["name"], reached, stage.get("protocol"))
    return stage


def _phases(name, protocol=None):
    if name in ("scp", "scp_legacy"):
        return OP_PHASES["scp:%s" % (protocol or "scp")]
    return OP_PHASES[name]


def _next_phase(name, reached, protocol=None):
    phases = _phases(name, protocol)
    if reached is None:
        return phases[0]
    if reached not in phases:
        return None
    i = phases.index(reached)
    return phases[i + 1] if i + 1 < len(phases) else None


def _pre_banner(stage, reached, text, elapsed_ms, message):
    slow = (elapsed_ms or 0) >= SLOW_CLOSE_MS
    cls = "reset_before_banner" if "reset" in text.lower() else "closed_before_banner"
    return _failed(stage, reached, cls, message, PRE_BANNER_SLOW if slow else PRE_BANNER_FAST, failed_at="banner")


def _fit_rule(cls, phase, cands, name, protocol, reached, user):
    """Whether a matched rule applies in this context: ``(failed phase, candidates)`` or None."""
    legacy = name in ("scp", "scp_legacy") and protocol != "sftp"
    if cls in ("scp_missing", "remote_file_missing", "remote_file_unreadable") and reached != "session":
        return None  # these only mean something once the session is open
    if cls == "scp_missing" and not legacy:
        return None
    if cls == "subsystem_refused" and (name == "ssh" or legacy):
        return None
    if cls == "shell_output" and (name == "ssh" or legacy):
        phase = "exec"
    if cls == "auth_denied" and user == "root":
        cands = ["root_login_refused"] + list(cands)
    return phase, cands


def classify(name, rc, stdout, stderr, elapsed_ms=None, protocol=None, user=None, timed_out=None):
    """One client run -> a stage dict ``{name, ok, reached, failed_at, message, classification, finding_ids, ...}``.

    ``name`` is the operation (ssh, sftp, scp, scp_legacy); ``protocol`` the scp protocol in use
    (``sftp`` or ``scp``); ``user`` the remote account (root changes the auth candidates);
    ``timed_out`` says the run was killed by the hard limit (defaults to rc 124/137).
    """
    info = analyse(stderr)
    stage = _stage(name, rc, elapsed_ms)
    if name in ("scp", "scp_legacy"):
        stage["protocol"] = protocol
    stage["server_version"] = info["server_version"]
    stage["host_key"] = info["host_key"]
    stage["auth"] = {"offered": info["auth_offered"], "used": info["auth_used"]}
    stage["client_lines"] = info["lines"]
    reached = info["reached"]
    phases = _phases(name, protocol)
    lines = info["lines"]
    message = message_of(lines)
    if timed_out is None:
        timed_out = rc in _TIMEOUT_RCS
    out_lines = [ln for ln in (stdout or "").splitlines() if ln.strip() and not ln.startswith("sftp> ")]

    if rc == 0 and not timed_out:
        _passed(stage, phases[-1], message)
        if name == "ssh" and out_lines:
            # `true` printed something: the login shell's rc files talk, which breaks an external
            # sftp-server and legacy scp (the classic `Received message too long`).
            stage["notes"] = ["the remote shell printed %d line(s) for a non-interactive command: %r" % (
                len(out_lines), out_lines[0][:80])]
            stage["finding_ids"] = list(SHELL_OUTPUT)
        return stage

    if timed_out:
        nxt = _next_phase(name, reached, protocol)
        cands = {"connect": [], "banner": BANNER_TIMEOUT, "kex": DURING_KEX}.get(nxt, [])
        return _failed(stage, reached, "timeout",
                       "no answer: killed by the probe's time limit while waiting for %s%s" % (
                           nxt or "the end", " (last client message: %s)" % message if message else ""), cands)

    text = "\n".join(lines)
    for rx, cls, phase, cands in _RULES:
        hit = next((ln for ln in lines if rx.search(ln)), None)
        if hit is None:
            continue
        fit = _fit_rule(cls, phase, cands, name, protocol, reached, user)
        if fit is None:
            continue
        if phase == "kex":
            # the client's line names the list and the SERVER's offer (on the client side "Their
            # offer" is the server's); sshd_facts' client_algorithms_incompatible names the line
            stage["negotiation"] = negotiation_failure(lines)
        return _failed(stage, reached, cls, hit, fit[1], failed_at=fit[0] if fit[0] in phases else None)

    # No specific line: decide from how far the debug lines got.
    if reached in (None, "connect"):
        if reached is None:
            return _failed(stage, None, "client_error", message or "the client failed before connecting (rc %s)" % rc,
                           [])
        return _pre_banner(stage, reached, text, elapsed_ms, message)
    if reached in ("banner", "kex"):
        # Identification exchanged, then the server died: since 9.8 sshd-session sends the banner
        # and the per-connection process dies at its privsep chroot.
        return _failed(stage, reached, "reset_during_kex" if "reset" in text.lower() else "closed_during_kex",
                       message, DURING_KEX)
    if reached == "host_key":
        return _failed(stage, reached, "closed_during_auth", message, AUTH_DENIED)
    if reached == "auth":
        return _failed(stage, reached, "closed_after_auth", message, AFTER_AUTH_CLOSED)
    # The session is open (command or subsystem sent).
    if name == "ssh":
        status = info["exit_status"]
        return _failed(stage, reached, "exec_failed",
                       message or "`true` exited with status %s on the server" % status, [], failed_at="exec")
    status = info["exit_status"]
    if status not in (None, 0):
        message = "%s (exit status %s on the server)" % (message or "closed", status)
    if name == "sftp" or protocol == "sftp":
        if info["subsystem_sent"] and not info["subsystem_failed"]:
            # The server accepted the subsystem request and the program it runs died: exit 127 is
            # the shell saying the configured sftp-server path does not exist.
            cands = ["sftp_server_missing"] if status == 127 else SFTP_SERVER_DIED
            return _failed(stage, reached, "sftp_server_failed", message, cands, failed_at="subsystem")
        return _failed(stage, reached, "transfer_failed", message, [])
    # legacy scp: the remote `scp -f` runs through the login shell; 127 = no scp there.
    if status == 127:
        return _failed(stage, reached, "scp_missing", message, SCP_MISSING, failed_at="exec")
    return _failed(stage, reached, "transfer_failed", message, SHELL_OUTPUT + SCP_MISSING)


# ---------------------------------------------------------------- a stage not run


def skipped(name, reason, protocol=None):
    stage = _stage(name, None, 0)
    if protocol is not None or name in ("scp", "scp_legacy"):
        stage["protocol"] = protocol
    stage.update(skipped=True, ok=True, classification="skipped", message=reason, failed_at=None)
    return stage
