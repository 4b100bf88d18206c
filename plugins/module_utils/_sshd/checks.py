# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks: the gathered sshd state in, findings out.  One small pure function per finding id.

A check never runs a command.  Each returns a list of findings
``{id, severity, summary, evidence, fix}`` (usually zero or one).  docs/findings.md has a
section per id.
"""

import re

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import config as sshd_config
from ansible_collections.sshd.doctor.plugins.module_utils._sshd import latent

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITY_RANK = {INFO: 0, WARNING: 1, ERROR: 2}


def finding(fid, severity, summary, evidence, fix, remediable=False):
    return {"id": fid, "severity": severity, "summary": summary, "evidence": [e for e in evidence if e],
            "fix": fix, "remediable": remediable}


def _log(state, pattern):
    rx = re.compile(pattern, re.IGNORECASE)
    return [line for line in state.get("service", {}).get("log", []) if rx.search(line)]


def _where(entry):
    if entry and entry.get("file"):
        return "%s:%s" % (entry["file"], entry.get("line"))
    return None


def _test_output(state, pattern=None):
    out = ((state.get("config") or {}).get("test") or {}).get("output") or []
    if pattern is None:
        return out
    rx = re.compile(pattern, re.IGNORECASE)
    return [line for line in out if rx.search(line)]


def _service_down(state):
    return state.get("service", {}).get("active_state") in ("failed", "inactive")


def _ver(state):
    return tuple(state.get("version_tuple") or ())


# ---------------------------------------------------------------- installation


def check_sshd_not_installed(state):
    if state.get("installed"):
        return []
    return [finding("sshd_not_installed", ERROR, "No sshd binary found on this host",
                    ["searched /usr/sbin, /usr/local/sbin, /sbin, /usr/bin"],
                    "Install the OpenSSH server package (openssh-server).")]


def check_sshd_helper_missing(state):
    out = []
    for key, since in (("sshd_session", (9, 8)), ("sshd_auth", (10, 0))):
        b = (state.get("binaries") or {}).get(key)
        if b and _ver(state) >= since and not b.get("executable"):
            out.append(finding("sshd_helper_missing", ERROR,
                               "%s is missing or not executable: sshd %s cannot serve connections" % (b["path"], state.get("version")),
                               ["%s: %s" % (b["path"], "not executable" if b.get("exists") else "does not exist")]
                               + _log(state, "does not exist or is not executable"),
                               "Reinstall the OpenSSH server package so sshd and its helpers match (partial upgrade)."))
    return out


# ---------------------------------------------------------------- service


def check_service_failed(state):
    svc = state.get("service") or {}
    if svc.get("active_state") != "failed":
        return []
    status = svc.get("exec_main_status")
    how = "result %s" % svc.get("result") + (", exit status %s" % status if status else ", before sshd itself ran")
    log = []
    for line in svc.get("log", [])[-6:]:
        text = line.split(": ", 1)[-1]
        if text not in [x.split(": ", 1)[-1] for x in log]:
            log.append(line)
    return [finding("service_failed", ERROR,
                    "%s has failed (%s): new connections are refused" % (svc.get("unit"), how),
                    ["systemctl: ActiveState=failed SubState=%s Result=%s ExecMainStatus=%s" % (
                        svc.get("sub_state"), svc.get("result"), status)] + log,
                    "Fix the cause named by the other findings, check `sshd -t`, then start the service.",
                    remediable=True)]


def check_service_inactive(state):
    svc = state.get("service") or {}
    if svc.get("active_state") != "inactive" or (svc.get("socket") or {}).get("active_state") == "active":
        return []
    return [finding("service_inactive", ERROR, "%s is not running: clients get `Connection refused`" % svc.get("unit"),
                    ["systemctl: ActiveState=inactive SubState=%s" % svc.get("sub_state")],
                    "Start the service after `sshd -t` passes.", remediable=True)]


def check_service_not_enabled(state):
    svc = state.get("service") or {}
    sock = svc.get("socket") or {}
    if svc.get("init") != "systemd" or svc.get("enabled") in (None, "enabled", "static", "alias", "enabled-runtime"):
        return []
    if sock.get("enabled") == "enabled":
        return []
    return [finding("service_not_enabled", WARNING, "%s is %s: sshd will not start at boot" % (svc.get("unit"), svc.get("enabled")),
                    ["systemctl: UnitFileState=%s" % svc.get("enabled")],
                    "Enable the service (systemctl enable).", remediable=True)]


def check_socket_activation_mismatch(state):
    svc = state.get("service") or {}
    sock = svc.get("socket") or {}
    if sock.get("active_state") != "active":
        return []
    ports = _ports(state)
    listen = sock.get("listen") or []
    socket_ports = {item.rsplit(":", 1)[-1] for item in listen}
    if not ports or socket_ports == set(ports):
        return []
    return [finding("socket_activation_mismatch", WARNING,
                    "%s is active and listens on %s, but sshd_config says Port %s" % (
                        sock.get("unit"), ", ".join(listen), " ".join(ports)),
                    ["%s ListenStream: %s" % (sock.get("unit"), ", ".join(listen)),
                     "Port %s (%s)" % (" ".join(ports), _where((state.get("config") or {}).get("effective", {}).get("port")) or "default")],
                    "With socket activation the socket unit decides the port: change ListenStream in a drop-in "
                    "(systemctl edit ssh.socket) or disable the socket and enable the service.")]


# ---------------------------------------------------------------- privilege separation


def check_privsep_dir_missing(state):
    ps = state.get("privsep") or {}
    if not state.get("installed") or ps.get("exists"):
        return []
    svc = state.get("service") or {}
    if _service_down(state) and ps.get("persistent_by") == "RuntimeDirectory":
        # systemd removes its RuntimeDirectory when the unit stops and recreates it at start
        return []
    evidence = ["%s does not exist (compiled into %s)" % (ps.get("dir"), "sshd" if ps.get("dir_source") == "binary" else "default")]
    if svc.get("active_state") == "active":
        evidence.append("%s is still active (pid %s): the listener runs, every new connection dies" % (svc.get("unit"), svc.get("main_pid")))
    evidence += _test_output(state, "privilege separation|chroot")[:2]
    evidence += _log(state, "Missing privilege separation|chroot\\(")[-3:]
    if not ps.get("persistent"):
        evidence.append("nothing recreates it at boot: the unit has no RuntimeDirectory=%s and no tmpfiles.d line" % (
            ps.get("dir", "").rsplit("/", 1)[-1]))
    return [finding("privsep_dir_missing", ERROR, "Privilege separation directory %s is missing" % ps.get("dir"), evidence,
                    "install -d -m 0755 -o root -g root %s%s, then %s the service." % (
                        ps.get("dir"),
                        "" if ps.get("persistent") else "; make it persistent with tmpfiles.d (d %s 0755 root root -)" % ps.get("dir"),
                        "start" if _service_down(state) else "restart"),
                    remediable=True)]


def check_privsep_dir_insecure(state):
    ps = state.get("privsep") or {}
    if not ps.get("exists"):
        return []
    mode = int(ps.get("mode") or "0", 8)
    problems = []
    if ps.get("owner") != "root":
        problems.append("owned by %s" % ps.get("owner"))
    if mode & 0o022:
        problems.append("mode %s is group or world writable" % ps.get("mode"))
    if not problems:
        return []
    return [finding("privsep_dir_insecure", ERROR, "%s is %s: sshd refuses to use it" % (ps.get("dir"), " and ".join(problems)),
                    ["%s: owner %s group %s mode %s" % (ps.get("dir"), ps.get("owner"), ps.get("group"), ps.get("mode"))]
                    + _log(state, "must be owned by root")[-2:],
                    "chown root:root %s; chmod 0755 %s" % (ps.get("dir"), ps.get("dir")), remediable=True)]


def check_privsep_user_missing(state):
    ps = state.get("privsep") or {}
    if not state.get("installed") or ps.get("user_exists", True):
        return []
    return [finding("privsep_user_missing", ERROR, "Privilege separation user %s does not exist" % ps.get("user"),
                    ["no %s entry in /etc/passwd" % ps.get("user")] + _test_output(state, "Privilege separation user")[:1]
                    + _log(state, "Privilege separation user")[-2:],
                    "Create the system user %s (no login shell, home %s)." % (ps.get("user"), ps.get("dir")),
                    remediable=True)]


# ---------------------------------------------------------------- configuration


_CONFIG_MESSAGE = re.compile(r"Bad configuration option|not allowed within a Match|Unsupported option|missing argument|"
                             r"already defined|Directive|Bad yes/no|invalid|Bad .* argument|unknown", re.IGNORECASE)


def config_errors(state):
    """sshd -t/-T errors that are about the configuration text: those that name a file:line, or
    that read like a config error; never privsep, host-key or warning-banner lines."""
    test = (state.get("config") or {}).get("test") or {}
    if not test or test.get("rc") == 0:
        return []
    out = []
    for e in test.get("errors", []):
        msg = e.get("message", "")
        if sshd_config.is_environment_error(msg) or msg.startswith("terminating"):
            continue
        if e.get("line") is not None or _CONFIG_MESSAGE.search(msg):
            out.append(e)
    return out


def check_config_invalid(state):
    cfg = state.get("config") or {}
    errs = config_errors(state)
    source = "sshd -t"
    if not errs and cfg.get("valid") is None and cfg.get("parser_errors"):
        # sshd -t could not judge the text (privsep dir gone, no host keys): the own validator did
        errs, source = cfg["parser_errors"], "own parser; sshd -t could not run"
    if not errs:
        return []
    evidence = []
    for e in errs[:10]:
        where = "%s:%s: " % (e["file"], e["line"]) if e.get("file") else ""
        evidence.append(where + e.get("message", ""))
    svc = state.get("service") or {}
    impact = "sshd will not start" if svc.get("active_state") != "active" else "reload is refused and a restart would fail"
    return [finding("config_invalid", ERROR, "The configuration is invalid (%s): %s" % (source, impact), evidence,
                    "Correct the named line(s); never install an unvalidated config. Not fixed automatically.")]


def check_config_deprecated_option(state):
    lines = _test_output(state, "Deprecated option")
    if not lines:
        return []
    return [finding("config_deprecated_option", INFO, "The configuration uses options this OpenSSH ignores", lines[:5],
                    "Remove the deprecated lines.")]


def check_effective_value_shadowed(state):
    cfg = state.get("config") or {}
    first = {}
    out = []
    for e in cfg.get("entries", []):
        kw = e["keyword"]
        if e.get("match") is not None or kw in _MULTI or kw in ("include", "match"):
            continue
        if kw not in first:
            first[kw] = e
        elif e["args"] != first[kw]["args"]:
            win = first[kw]
            out.append(finding("effective_value_shadowed", INFO,
                               "%s %s at %s:%s has no effect: %s:%s set it first" % (
                                   kw, " ".join(e["args"]), e["file"], e["line"], win["file"], win["line"]),
                               ["winning value: %s %s (%s:%s)" % (kw, " ".join(win["args"]), win["file"], win["line"]),
                                "ignored value: %s %s (%s:%s)" % (kw, " ".join(e["args"]), e["file"], e["line"])],
                               "sshd uses the first value it reads: edit the winning line, or remove the ignored one."))
    return out


_MULTI = frozenset({"port", "listenaddress", "hostkey", "acceptenv", "allowusers", "denyusers", "allowgroups",
                    "denygroups", "subsystem", "hostcertificate", "setenv", "permitopen", "permitlisten", "channeltimeout",
                    "authorizedkeysfile", "authenticationmethods", "logverbose"})


def _ports(state):
    port = ((state.get("config") or {}).get("effective") or {}).get("port") or {}
    value = port.get("value") or ["22"]
    return value.split() if isinstance(value, str) else [str(v) for v in value]


# ---------------------------------------------------------------- sftp and scp


def check_sftp_subsystem_missing(state):
    if not state.get("installed"):
        return []
    if (state.get("subsystems") or {}).get("sftp"):
        return []
    cfg = state.get("config") or {}
    evidence = ["no `Subsystem sftp` in the effective configuration (%s; files read: %s)" % (
        cfg.get("source"), ", ".join(cfg.get("files", [])))]
    for e in cfg.get("sftp_in_match", []):
        evidence.append("%s:%s: `%s` is inside a Match block and does not apply to everyone" % (e["file"], e["line"], e["text"]))
    evidence += _log(state, "subsystem request for sftp")[-2:]
    return [finding("sftp_subsystem_missing", ERROR,
                    "No sftp subsystem: sftp and scp from OpenSSH >= 9.0 clients fail "
                    "(`subsystem request failed on channel 0`); ssh and `scp -O` still work",
                    evidence,
                    "Add one `Subsystem sftp internal-sftp` (or the distro's sftp-server) to the global section, "
                    "before any Match, validated with `sshd -t`.", remediable=True)]


def check_sftp_server_missing(state):
    sftp = (state.get("subsystems") or {}).get("sftp")
    if not sftp or sftp.get("internal") or sftp.get("exists"):
        return []
    distro = (state.get("binaries") or {}).get("sftp_server") or {}
    alt = distro.get("path") if distro.get("executable") else "internal-sftp"
    return [finding("sftp_server_missing", ERROR,
                    "Subsystem sftp runs %s, which does not exist: sftp and OpenSSH >= 9.0 scp fail" % sftp["command"],
                    ["%s:%s: Subsystem sftp %s" % (sftp.get("file"), sftp.get("line"), " ".join([sftp["command"]] + sftp.get("args", []))),
                     "%s: no such executable" % sftp["command"]] + _log(state, "subsystem|sftp-server")[-2:],
                    "Point the Subsystem line at %s." % alt, remediable=True)]


def check_scp_legacy_unavailable(state):
    scp = (state.get("binaries") or {}).get("scp") or {}
    if not state.get("installed") or scp.get("executable"):
        return []
    return [finding("scp_legacy_unavailable", WARNING,
                    "No scp binary on the server: legacy scp (`scp -O`, OpenSSH < 9.0 clients) fails with `scp: command not found`",
                    ["%s: not found" % (scp.get("path") or "scp in /usr/bin, /usr/local/bin, /bin")],
                    "Install the OpenSSH client package on the server (it ships scp), or use SFTP-mode scp / sftp.")]


# ---------------------------------------------------------------- tcp_wrappers


def check_tcp_wrappers_denied(state):
    tw = state.get("tcp_wrappers") or {}
    if not tw.get("linked"):
        return []
    denied = {addr: v for addr, v in (tw.get("clients") or {}).items() if v.get("verdict") == "deny"}
    if not denied:
        # refusals in the log alone are history: the current rules allow those addresses
        return []
    evidence = ["%s links %s: hosts.allow/hosts.deny apply" % (tw.get("binary"), tw.get("library"))]
    for addr, v in denied.items():
        seen = " (refused in the log)" if v.get("source") == "log" else ""
        evidence.append("client %s%s: denied by %s:%s `%s`" % (addr, seen, v.get("file"), v.get("line"), v.get("rule")))
    evidence += _log(state, "refused connect from")[-3:]
    return [finding("tcp_wrappers_denied", ERROR,
                    "tcp_wrappers refuses %s: the connection closes before the SSH banner" % ", ".join(sorted(denied)),
                    evidence,
                    "Allow the named clients for sshd in /etc/hosts.allow (`sshd: ADDR`), never `ALL: ALL`; "
                    "addresses only seen refused in the log are not allowed automatically.",
                    remediable=any(v.get("source") != "log" for v in denied.values()))]


# ---------------------------------------------------------------- host keys


def check_host_keys_missing(state):
    keys = state.get("host_keys") or []
    if not state.get("installed") or not keys:
        return []
    missing = [k for k in keys if not k.get("exists")]
    loadable = [k for k in keys if k.get("loadable")]
    if not missing:
        return []
    if loadable:
        if not any(k.get("configured") for k in missing):
            return []
        return [finding("host_keys_missing", WARNING, "Configured host keys are missing; sshd runs with the others",
                        ["%s does not exist" % k["path"] for k in missing],
                        "`ssh-keygen -A` creates the missing default keys (existing keys are never replaced).",
                        remediable=True)]
    return [finding("host_keys_missing", ERROR, "No host key can be loaded: sshd exits (`no hostkeys available`)",
                    ["%s does not exist" % k["path"] for k in missing] + _test_output(state, "hostkeys|host key")[:3],
                    "`ssh-keygen -A` creates the missing keys (existing keys are never replaced), then start sshd.",
                    remediable=True)]


def check_host_key_insecure_mode(state):
    bad = [k for k in state.get("host_keys") or [] if k.get("exists") and key_mode_too_open(k)]
    if not bad:
        return []
    usable = [k for k in state.get("host_keys") or [] if k.get("loadable")]
    return [finding("host_key_insecure_mode", ERROR if not usable else WARNING,
                    "Host keys readable by others are skipped by sshd%s" % ("" if usable else ": none is left, sshd exits"),
                    ["%s: mode %s owner %s:%s (`Permissions %s ... are too open`)" % (k["path"], k["mode"], k["owner"], k["group"], k["mode"])
                     for k in bad],
                    "chmod 0600 the private keys (0640 root:ssh_keys where that group is used).", remediable=True)]


def key_mode_too_open(key):
    """sshd refuses a private key its owner can share (sshkey_perm_ok); 0640 root:ssh_keys is RHEL's way."""
    if not key.get("mode"):
        return False
    mode = int(key["mode"], 8)
    if key.get("group") == "ssh_keys" and mode & 0o037 == 0:
        return False
    return bool(mode & 0o077)


def check_weak_host_key_only(state):
    usable = [k for k in state.get("host_keys") or [] if k.get("loadable")]
    if not usable:
        return []
    if all((k.get("type") or "") in ("ssh-rsa", "ssh-dss", "rsa", "dsa") for k in usable):
        return [finding("weak_host_key_only", WARNING, "Only RSA/DSA host keys: OpenSSH >= 8.8 clients refuse ssh-rsa (SHA-1) signatures",
                        ["%s (%s)" % (k["path"], k.get("type")) for k in usable],
                        "Add an ed25519 host key (ssh-keygen -A creates missing default keys).")]
    return []


# ---------------------------------------------------------------- network


def check_port_conflict(state):
    listeners = state.get("listeners") or []
    svc = state.get("service") or {}
    ours = {svc.get("main_pid")}
    others = [s for s in listeners if s.get("process") and s.get("process") not in ("sshd", "systemd")
              and s.get("pid") not in ours]
    bind_errors = _log(state, "Bind to port|Cannot bind any address|Address already in use")
    if not others and not (bind_errors and _service_down(state)):
        return []
    evidence = ["%s:%s is held by %s (pid %s)" % (s["address"], s["port"], s["process"], s["pid"]) for s in others]
    evidence += bind_errors[-3:]
    return [finding("port_conflict", ERROR, "Another program holds sshd's port %s" % ", ".join(_ports(state)), evidence,
                    "Stop or move the other listener (named above), or give sshd another Port; then start sshd.")]


def check_max_startups_throttling(state):
    lines = _log(state, "MaxStartups throttling")
    if not lines:
        return []
    return [finding("max_startups_throttling", WARNING, "sshd throttled unauthenticated connections (MaxStartups)", lines[-3:],
                    "Find the source of the pre-auth connection flood; raise MaxStartups only if the load is legitimate.")]


# ---------------------------------------------------------------- users


def _user_findings(state, fn):
    out = []
    for name, user in sorted((state.get("users") or {}).items()):
        out.extend(fn(state, name, user))
    return out


def check_login_shell_invalid(state):
    def one(_state, name, user):
        if not user.get("exists") or user.get("shell_valid"):
            return []
        return [finding("login_shell_invalid", WARNING, "%s cannot log in: shell %s does not exist or is not executable" % (
            name, user.get("shell")), ["/etc/passwd: %s shell %s" % (name, user.get("shell"))],
            "Give the account a valid shell if it should log in (policy: not changed automatically).")]
    return _user_findings(state, one)


def check_account_locked(state):
    eff = (state.get("config") or {}).get("effective") or {}
    use_pam = str((eff.get("usepam") or {}).get("value", "no")).lower() == "yes"

    def one(_state, name, user):
        if user.get("password_field") != "locked" or use_pam:
            return []
        return [finding("account_locked", WARNING, "%s is locked (`!` in /etc/shadow) and UsePAM is no: sshd refuses it" % name,
                        ["/etc/shadow: password field of %s starts with !" % name, "UsePAM no"],
                        "Unlock the account if it should log in (policy: not changed automatically).")]
    return _user_findings(state, one)


def _pattern_match(pattern, value):
    rx = "^" + re.escape(pattern).replace("\\*", ".*").replace("\\?", ".") + "$"
    return re.match(rx, value or "") is not None


def user_access(eff, name, groups):
    """sshd's allowed_user(): DenyUsers, AllowUsers, DenyGroups, AllowGroups in that order."""
    def vals(key):
        v = (eff.get(key) or {}).get("value")
        if not v:
            return []
        return v.split() if isinstance(v, str) else [x for item in v for x in str(item).split()]

    for key, allow in (("denyusers", False), ("allowusers", True)):
        pats = [p.split("@", 1)[0] for p in vals(key)]
        if pats:
            hit = any(_pattern_match(p, name) for p in pats)
            if allow and not hit:
                return False, "not listed in AllowUsers (%s)" % " ".join(vals(key))
            if not allow and hit:
                return False, "listed in DenyUsers (%s)" % " ".join(vals(key))
    for key, allow in (("denygroups", False), ("allowgroups", True)):
        pats = vals(key)
        if pats:
            hit = any(_pattern_match(p, g) for p in pats for g in groups)
            if allow and not hit:
                return False, "none of the user's groups is listed in AllowGroups (%s)" % " ".join(pats)
            if not allow and hit:
                return False, "a group of the user is listed in DenyGroups (%s)" % " ".join(pats)
    return True, None


def check_user_not_allowed(state):
    eff = (state.get("config") or {}).get("effective") or {}

    def one(_state, name, user):
        if not user.get("exists"):
            return []
        ok, why = user_access(eff, name, user.get("groups") or [])
        if ok:
            return []
        src = [_where(eff.get(k)) for k in ("allowusers", "denyusers", "allowgroups", "denygroups") if eff.get(k)]
        return [finding("user_not_allowed", ERROR, "%s is refused by sshd: %s" % (name, why),
                        ["%s (%s)" % (why, ", ".join(s for s in src if s) or "sshd -T")],
                        "Policy decision: change AllowUsers/DenyUsers/AllowGroups/DenyGroups if this user should log in. "
                        "Never loosened automatically.")]
    return _user_findings(state, one)


def check_root_login_refused(state):
    eff = (state.get("config") or {}).get("effective") or {}
    value = str((eff.get("permitrootlogin") or {}).get("value", "prohibit-password")).lower()

    def one(_state, name, user):
        if name != "root" and user.get("uid") != 0:
            return []
        if value != "no":
            return []
        return [finding("root_login_refused", INFO, "PermitRootLogin no: root cannot log in over SSH",
                        ["PermitRootLogin %s (%s)" % (value, _where(eff.get("permitrootlogin")) or "sshd -T")],
                        "Policy decision: log in as another user. Never loosened automatically.")]
    return _user_findings(state, one)


def _bad_owner_or_mode(info, name):
    if not info or not info.get("exists"):
        return None
    mode = int(info.get("mode") or "0", 8)
    if info.get("owner") not in ("root", name):
        return "%s is owned by %s" % (info["path"], info.get("owner"))
    if mode & 0o002:
        return "%s has mode %s (world writable)" % (info["path"], info.get("mode"))
    # Debian's sshd accepts group write when the group is the user's own private group; upstream
    # does not. Only a group shared with others is reported, so Debian hosts get no false alarm.
    if mode & 0o020 and info.get("group") != name:
        return "%s has mode %s (writable by group %s)" % (info["path"], info.get("mode"), info.get("group"))
    return None


def check_home_or_keys_insecure(state):
    eff = (state.get("config") or {}).get("effective") or {}
    if str((eff.get("strictmodes") or {}).get("value", "yes")).lower() == "no":
        return []

    def one(_state, name, user):
        if not user.get("exists"):
            return []
        problems = [p for p in (_bad_owner_or_mode(i, name) for i in (user.get("home_chain") or [])[1:]) if p]
        problems += [p for p in (_bad_owner_or_mode(user.get("ssh_dir"), name),) if p]
        problems += [p for p in (_bad_owner_or_mode(k, name) for k in user.get("authorized_keys") or []) if p]
        if not problems:
            return []
        return [finding("home_or_keys_insecure", ERROR, "StrictModes refuses %s's keys: bad ownership or modes" % name,
                        problems + _log(state, "bad ownership or modes")[-2:],
                        "chmod go-w the home directory, 0700 ~/.ssh, 0600 authorized_keys, owned by %s." % name,
                        remediable=True)]
    return _user_findings(state, one)


CHECKS = [
    ("sshd_not_installed", check_sshd_not_installed),
    ("sshd_helper_missing", check_sshd_helper_missing),
    ("service_failed", check_service_failed),
    ("service_inactive", check_service_inactive),
    ("service_not_enabled", check_service_not_enabled),
    ("socket_activation_mismatch", check_socket_activation_mismatch),
    ("privsep_dir_missing", check_privsep_dir_missing),
    ("privsep_dir_insecure", check_privsep_dir_insecure),
    ("privsep_user_missing", check_privsep_user_missing),
    ("config_invalid", check_config_invalid),
    ("config_deprecated_option", check_config_deprecated_option),
    ("effective_value_shadowed", check_effective_value_shadowed),
    ("sftp_subsystem_missing", check_sftp_subsystem_missing),
    ("sftp_server_missing", check_sftp_server_missing),
    ("scp_legacy_unavailable", check_scp_legacy_unavailable),
    ("tcp_wrappers_denied", check_tcp_wrappers_denied),
    ("host_keys_missing", check_host_keys_missing),
    ("host_key_insecure_mode", check_host_key_insecure_mode),
    ("weak_host_key_only", check_weak_host_key_only),
    ("port_conflict", check_port_conflict),
    ("max_startups_throttling", check_max_startups_throttling),
    ("login_shell_invalid", check_login_shell_invalid),
    ("account_locked", check_account_locked),
    ("user_not_allowed", check_user_not_allowed),
    ("root_login_refused", check_root_login_refused),
    ("home_or_keys_insecure", check_home_or_keys_insecure),
    ("config_latent_change", latent.check_config_latent_change),
    ("listen_address_unavailable", latent.check_listen_address_unavailable),
]


def run_checks(state):
    """All checks over the state: (findings, ids of the checks that ran)."""
    findings, ran = [], []
    for cid, fn in CHECKS:
        ran.append(cid)
        findings.extend(fn(state))
    findings.sort(key=lambda f: -SEVERITY_RANK.get(f["severity"], 0))
    return findings, ran
