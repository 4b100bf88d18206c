# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks: the gathered sshd state in, findings out.  One small pure function per finding id.

A check never runs a command.  Each returns a list of findings
``{id, severity, summary, evidence, fix}`` (usually zero or one).  docs/findings.md has a
section per id; registry.py lists every id once (severity, check, fix, docs) and CHECKS
follows it.
"""

import re

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import checks_auth, checks_users, latent, platform, registry
from ansible_collections.sshd.doctor.plugins.module_utils._sshd import config as sshd_config
from ansible_collections.sshd.doctor.plugins.module_utils._sshd.finding import config_known, finding
from ansible_collections.sshd.doctor.plugins.module_utils._sshd.finding import log_lines as _log
from ansible_collections.sshd.doctor.plugins.module_utils._sshd.finding import test_output as _test_output
from ansible_collections.sshd.doctor.plugins.module_utils._sshd.finding import where as _where
from ansible_collections.sshd.doctor.plugins.module_utils._sshd.registry import ERROR, INFO, WARNING

SEVERITY_RANK = {INFO: 0, WARNING: 1, ERROR: 2}


def _restarting(svc):
    """systemd restarts the crashed sshd (Restart=on-failure, RHEL's RestartSec=42s): it is down
    between the attempts although the unit is never `failed`."""
    return svc.get("active_state") == "activating" and svc.get("sub_state") == "auto-restart"


def _service_down(state):
    svc = state.get("service") or {}
    return svc.get("active_state") in ("failed", "inactive") or _restarting(svc)


def _ver(state):
    return tuple(state.get("version_tuple") or ())


# ---------------------------------------------------------------- installation


def check_sshd_not_installed(state):
    if state.get("installed"):
        return []
    wanted = ((state.get("binaries") or {}).get("sshd") or {}).get("path")
    return [finding("sshd_not_installed", ERROR, "No sshd binary found on this host",
                    ["%s does not exist or is not executable" % wanted if wanted
                     else "searched /usr/sbin, /usr/local/sbin, /sbin, /usr/bin"],
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
    if svc.get("active_state") != "failed" and not _restarting(svc):
        return []
    status = svc.get("exec_main_status")
    how = "result %s" % svc.get("result") + (", exit status %s" % status if status else ", before sshd itself ran")
    log = []
    for line in svc.get("log", [])[-6:]:
        text = line.split(": ", 1)[-1]
        if text not in [x.split(": ", 1)[-1] for x in log]:
            log.append(line)
    state_text = "keeps failing and systemd restarts it" if _restarting(svc) else "has failed"
    return [finding("service_failed", ERROR,
                    "%s %s (%s): new connections are refused" % (svc.get("unit"), state_text, how),
                    ["systemctl: ActiveState=%s SubState=%s Result=%s ExecMainStatus=%s NRestarts=%s" % (
                        svc.get("active_state"), svc.get("sub_state"), svc.get("result"), status,
                        svc.get("restarts"))] + log,
                    "Fix the cause named by the other findings, check `sshd -t`, then start the service.",
                    remediable=True)]


def check_service_inactive(state):
    svc = state.get("service") or {}
    if svc.get("active_state") != "inactive" or (svc.get("socket") or {}).get("active_state") == "active":
        return []
    sock = svc.get("socket") or {}
    evidence = ["systemctl: ActiveState=inactive SubState=%s" % svc.get("sub_state")]
    if sock:
        evidence.append("%s is %s (%s): it is what accepts connections here" % (
            sock.get("unit"), sock.get("active_state"), sock.get("enabled")))
    return [finding("service_inactive", ERROR, "%s is not running: clients get `Connection refused`" % (
        sock.get("unit") if sock.get("enabled") == "enabled" else svc.get("unit")), evidence,
        "Start %s after `sshd -t` passes." % (sock.get("unit") if sock.get("enabled") == "enabled" else "the service"),
        remediable=True)]


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


def _stream_listen(item):
    """("addr", "port") of a ListenStream= value: `0.0.0.0:22`, `[::]:22` or `22` (a port alone: every address)."""
    addr, ports = latent.split_listen(":" + item if item.isdigit() else item, ())
    return addr, ports[0] if ports else ""


_WILDCARD = ("", "0.0.0.0", "::")


def socket_mismatches(listen, listen_addresses, ports, family):
    """What the socket unit's ListenStream does differently from sshd_config: ports, addresses and
    the address family.  Pure: lists of strings in, a list of sentences out."""
    sock = [_stream_listen(x) for x in listen]
    sock_ports = {p for _a, p in sock}
    wanted = []
    for value in listen_addresses:
        addr, vports = latent.split_listen(value, ports)
        wanted.extend((addr, port) for port in vports)
    wanted = wanted or [("", p) for p in ports]
    wanted_ports = {p for _a, p in wanted} or set(ports)
    out = []
    if sock_ports != wanted_ports:
        out.append("ports: the socket listens on %s, sshd_config says %s" % (
            " ".join(sorted(sock_ports)), " ".join(sorted(wanted_ports))))
    specific = sorted({a for a, _p in wanted if a not in _WILDCARD})
    sock_specific = sorted({a for a, _p in sock if a not in _WILDCARD})
    if specific and specific != sock_specific:
        out.append("addresses: sshd_config says ListenAddress %s, the socket accepts on %s" % (
            " ".join(specific), " ".join(sorted({a or "*" for a, _p in sock}))))
    v6_wild = any(a in ("", "::") for a, _p in sock)
    v4_only = all(a and ":" not in a for a, _p in sock)
    if family == "inet" and v6_wild:
        out.append("address family: AddressFamily inet, but the socket accepts IPv6 clients too")
    if family == "inet6" and v4_only and sock:
        out.append("address family: AddressFamily inet6, but the socket accepts IPv4 only")
    return out


def check_socket_activation_mismatch(state):
    svc = state.get("service") or {}
    sock = svc.get("socket") or {}
    if sock.get("active_state") != "active":
        return []
    eff = (state.get("config") or {}).get("effective") or {}
    la = (eff.get("listenaddress") or {}).get("value") or []
    la = la.split() if isinstance(la, str) else la
    family = str((eff.get("addressfamily") or {}).get("value") or "any").lower()
    listen = sock.get("listen") or []
    problems = socket_mismatches(listen, [x for x in la if (eff.get("listenaddress") or {}).get("file")], _ports(state), family)
    if not problems:
        return []
    if svc.get("socket_generator"):
        fix = ("This host generates the socket's ListenStream from sshd_config (sshd-socket-generator): "
               "run `systemctl daemon-reload` and `systemctl restart %s` to apply the configuration." % sock.get("unit"))
    else:
        fix = ("With socket activation the socket unit decides where sshd listens: set ListenStream in a drop-in "
               "(systemctl edit %s), or disable the socket and enable the service." % sock.get("unit"))
    return [finding("socket_activation_mismatch", WARNING,
                    "%s is active and accepts connections on %s, not where sshd_config says" % (
                        sock.get("unit"), ", ".join(listen)),
                    ["%s ListenStream: %s" % (sock.get("unit"), ", ".join(listen))] + problems
                    + ["Port %s (%s)" % (" ".join(_ports(state)), _where(eff.get("port")) or "default")],
                    fix)]


# ---------------------------------------------------------------- privilege separation


def _not_a_dir(ps):
    return bool(ps.get("exists")) and ps.get("isdir") is False


def _unique_messages(lines):
    """Log and sshd -t lines, each message once (the journal repeats what sshd -t prints)."""
    seen, out = set(), []
    for line in lines:
        text = re.sub(r"^.*?(sshd(-session)?(\[\d+\])?: )", "", line)
        if text not in seen:
            seen.add(text)
            out.append(line)
    return out


def privsep_mode(path):
    """The mode the distribution gives its privsep directory: RHEL's /var/empty/sshd and
    /usr/share/empty.sshd are 0711, /run/sshd and /var/empty 0755."""
    return "0711" if path.rstrip("/") in ("/var/empty/sshd", "/usr/share/empty.sshd") else "0755"


def check_privsep_dir_missing(state):
    ps = state.get("privsep") or {}
    if not state.get("installed") or (ps.get("exists") and not _not_a_dir(ps)):
        return []
    svc = state.get("service") or {}
    socket_waiting = (svc.get("socket") or {}).get("active_state") == "active" and svc.get("active_state") != "active"
    if not ps.get("exists") and ((_service_down(state) and ps.get("persistent_by") == "RuntimeDirectory")
                                 or socket_waiting):
        # systemd removes its RuntimeDirectory when the unit stops and recreates it at start; with
        # socket activation (Accept=no) it appears with the first connection
        return []
    if _not_a_dir(ps):
        evidence = ["%s exists but is not a directory: sshd cannot chroot into it" % ps.get("dir")]
    else:
        evidence = ["%s does not exist (compiled into %s)" % (ps.get("dir"), "sshd" if ps.get("dir_source") == "binary" else "default")]
    if svc.get("active_state") == "active":
        evidence.append("%s is still active (pid %s): the listener runs, every new connection dies" % (svc.get("unit"), svc.get("main_pid")))
    evidence += _unique_messages(_test_output(state, "privilege separation|chroot")[:2]
                                 + _log(state, "Missing privilege separation|chroot\\(")[-3:])
    if not ps.get("persistent"):
        evidence.append("nothing recreates it at boot: the unit has no RuntimeDirectory=%s and no tmpfiles.d line" % (
            ps.get("dir", "").rsplit("/", 1)[-1]))
    summary = "Privilege separation directory %s %s" % (ps.get("dir"), "is not a directory" if _not_a_dir(ps) else "is missing")
    fix = "%sinstall -d -m %s -o root -g root %s%s, then %s the service." % (
        "Move the file %s aside (it is not sshd's), then " % ps.get("dir") if _not_a_dir(ps) else "",
        privsep_mode(ps.get("dir") or ""), ps.get("dir"),
        "" if ps.get("persistent") else "; make it persistent with tmpfiles.d (d %s 0755 root root -)" % ps.get("dir"),
        "start" if _service_down(state) else "restart")
    return [finding("privsep_dir_missing", ERROR, summary, evidence, fix, remediable=not _not_a_dir(ps))]


def check_privsep_dir_insecure(state):
    ps = state.get("privsep") or {}
    if not ps.get("exists") or _not_a_dir(ps):
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


def config_errors(state):
    """sshd -t/-T errors that are about the configuration text (never privsep, host-key, permission
    or warning-banner lines)."""
    test = (state.get("config") or {}).get("test") or {}
    if not test or test.get("rc") == 0:
        return []
    return sshd_config.text_errors(test.get("errors"))


def check_config_invalid(state):
    cfg = state.get("config") or {}
    if cfg.get("readable") is False:
        return []
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
    if not config_known(state):
        # the text could not be read (not root), or sshd stops before its end (include loop):
        # nothing is known of the Subsystem lines
        return []
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
    named = [addr for addr, v in (tw.get("clients") or {}).items() if v.get("source") == "option"]
    blanket = tw.get("any_client")
    evidence = ["%s links %s: hosts.allow/hosts.deny apply" % (tw.get("binary"), tw.get("library"))]
    if not denied:
        # refusals in the log alone are history: the current rules allow those addresses.  With no
        # client named, rules that refuse every client the rules do not name are the finding.
        if named or not blanket:
            return []
        evidence.append("%s:%s `%s` refuses %s client that hosts.allow does not name" % (
            blanket.get("file"), blanket.get("line"), blanket.get("rule"), "every" if blanket.get("all") else "almost every"))
        evidence += _log(state, "refused connect from")[-3:]
        return [finding("tcp_wrappers_denied", ERROR,
                        "tcp_wrappers refuses every client not named in hosts.allow: their connections close before the SSH banner",
                        evidence,
                        "Name the clients that must reach sshd (the `clients` option / diagnose_clients) to get a verdict "
                        "per client; allow them in /etc/hosts.allow (`sshd: ADDR`), never `ALL: ALL`.")]
    uncertain = all(v.get("uncertain") for v in denied.values())
    for addr, v in denied.items():
        seen = " (refused in the log)" if v.get("source") == "log" else ""
        name = " (name %s)" % v["client_name"] if v.get("client_name") else ""
        evidence.append("client %s%s%s: denied by %s:%s `%s`%s" % (addr, name, seen, v.get("file"), v.get("line"), v.get("rule"),
                                                                   "; uncertain: %s" % v.get("reason") if v.get("uncertain") else ""))
    evidence += _log(state, "refused connect from")[-3:]
    return [finding("tcp_wrappers_denied", WARNING if uncertain else ERROR,
                    "tcp_wrappers refuses %s: the connection closes before the SSH banner" % ", ".join(sorted(denied)),
                    evidence,
                    "Allow the named clients for sshd in /etc/hosts.allow (`sshd: ADDR`), never `ALL: ALL`; "
                    "addresses only seen refused in the log are not allowed automatically.",
                    remediable=not uncertain and any(v.get("source") != "log" for v in denied.values()))]


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
    ssh_keys = (state.get("platform") or {}).get("ssh_keys_group")
    bad = [k for k in state.get("host_keys") or [] if k.get("exists") and platform.key_mode_too_open(k, ssh_keys)]
    if not bad:
        return []
    usable = [k for k in state.get("host_keys") or [] if k.get("loadable")]
    return [finding("host_key_insecure_mode", ERROR if not usable else WARNING,
                    "Host keys readable by others are skipped by sshd%s" % ("" if usable else ": none is left, sshd exits"),
                    ["%s: mode %s owner %s:%s (`Permissions %s ... are too open`)" % (k["path"], k["mode"], k["owner"], k["group"], k["mode"])
                     for k in bad],
                    "chmod 0600 the private keys (0640 root:ssh_keys where that group is used).", remediable=True)]


def check_weak_host_key_only(state):
    """Only host keys that current clients will not verify: DSA (clients >= 7.0 refuse ssh-dss), or
    RSA where the server cannot sign with rsa-sha2 (before 7.2, or HostKeyAlgorithms without
    rsa-sha2-*): OpenSSH >= 8.8 refuses SHA-1 `ssh-rsa` signatures.  An RSA key alone is fine for
    a server that offers rsa-sha2-256/512."""
    usable = [k for k in state.get("host_keys") or [] if k.get("loadable")]
    if not usable:
        return []
    types = [(k.get("type") or "") for k in usable]
    dsa_only = all(t in ("ssh-dss", "dsa") for t in types)
    rsa_only = all(t in ("ssh-rsa", "rsa", "ssh-dss", "dsa") for t in types)
    algs = ((state.get("config") or {}).get("effective") or {}).get("hostkeyalgorithms") or {}
    offered = algs.get("value")
    offered = ",".join(offered) if isinstance(offered, list) else (offered or "")
    sha2 = _ver(state) >= (7, 2) and (not offered or "rsa-sha2-" in offered)
    if not (dsa_only or (rsa_only and not sha2)):
        return []
    why = "DSA host keys only: clients since OpenSSH 7.0 refuse ssh-dss" if dsa_only else (
        "RSA host keys signed with SHA-1 only (HostKeyAlgorithms %s): OpenSSH >= 8.8 clients refuse ssh-rsa" % (
            offered or "of OpenSSH < 7.2"))
    evidence = ["%s (%s)" % (k["path"], k.get("type")) for k in usable]
    if offered:
        evidence.append("HostKeyAlgorithms %s (%s)" % (offered, _where(algs) or "sshd -T"))
    out = finding("weak_host_key_only", WARNING, why, evidence,
                  "Add an ECDSA host key (FIPS mode: ed25519 keys do not load)."
                  if (state.get("platform") or {}).get("fips") else
                  "Add an ed25519 host key (ssh-keygen -A creates missing default keys) and allow rsa-sha2-512 "
                  "and rsa-sha2-256 in HostKeyAlgorithms.")
    out["remediable"], repair = _ed25519_repair(state, offered, usable)
    if repair:
        out["repair"] = repair  # what the remediate role does (fix_weak_host_key_only.yml)
    elif offered and "ssh-ed25519" not in offered.split(","):
        out["fix"] += " Report only: HostKeyAlgorithms %s (%s) excludes ssh-ed25519; a new key would not be used." % (
            offered, _where(algs) or "sshd -T")
    return [out]


ED25519_HOST_KEY = "/etc/ssh/ssh_host_ed25519_key"


def _ed25519_repair(state, offered, usable):
    """(remediable, repair) for weak_host_key_only: the remediate role creates the default ed25519
    host key (never replacing a file) and, when the configuration names its HostKey lines, adds one
    for it.  Not under FIPS, not before OpenSSH 6.5, not when HostKeyAlgorithms leaves ssh-ed25519
    out (the key would not be offered; loosening the list is policy)."""
    if (state.get("platform") or {}).get("fips") or _ver(state) < (6, 5):
        return False, None
    if offered and "ssh-ed25519" not in offered.split(","):
        return False, None
    if any((k.get("type") or "") in ("ssh-ed25519", "ed25519") for k in usable):
        return False, None
    known = next((k for k in state.get("host_keys") or [] if k.get("path") == ED25519_HOST_KEY), None)
    if known and known.get("exists"):
        return False, None  # a file that sshd does not load: host_key_insecure_mode, never replaced
    hostkey = ((state.get("config") or {}).get("effective") or {}).get("hostkey") or {}
    paths = hostkey.get("value") if isinstance(hostkey.get("value"), list) else [hostkey.get("value")]
    explicit = hostkey.get("origin") == "config" or bool(hostkey.get("file"))
    return True, {"keygen": ED25519_HOST_KEY, "hostkey_line": explicit and ED25519_HOST_KEY not in paths}


# ---------------------------------------------------------------- network


def check_port_conflict(state):
    listeners = state.get("listeners") or []
    svc = state.get("service") or {}
    ours = {svc.get("main_pid")}
    others = [s for s in listeners if s.get("process") and s.get("process") not in ("sshd", "systemd")
              and s.get("pid") not in ours]
    bind_errors = [line for line in _log(state, "Bind to port|Cannot bind any address|Address already in use")
                   if "Permission denied" not in line]
    if not others and not (bind_errors and _service_down(state)):
        return []
    evidence = ["%s:%s is held by %s (pid %s)" % (s["address"], s["port"], s["process"], s["pid"]) for s in others]
    evidence += bind_errors[-3:]
    return [finding("port_conflict", ERROR, "Another program holds sshd's port %s" % ", ".join(_ports(state)), evidence,
                    "Stop or move the other listener (named above), or give sshd another Port; then start sshd.")]


_BIND_DENIED = re.compile(r"Bind to port (\d+) on (\S+) failed: Permission denied")


def check_selinux_port_not_labeled(state):
    """sshd may bind only ports labelled ssh_port_t; another port fails with Permission denied."""
    if (state.get("platform") or {}).get("selinux") != "enforcing":
        return []
    lines = [line for line in (state.get("service") or {}).get("log", []) if _BIND_DENIED.search(line)]
    if not lines:
        return []
    ports = sorted({_BIND_DENIED.search(line).group(1) for line in lines})
    return [finding("selinux_port_not_labeled", ERROR,
                    "SELinux keeps sshd from binding port %s (not labelled ssh_port_t)" % ", ".join(ports),
                    ["SELinux is enforcing"] + lines[-3:],
                    "Label the port: `semanage port -a -t ssh_port_t -p tcp %s` (policy decision; not applied "
                    "automatically)." % ports[0])]


def check_selinux_denial(state):
    avc = (state.get("selinux") or {}).get("avc") or []
    if not avc:
        return []
    labels = sorted(set(re.findall(r"tcontext=\S+:(\w+_t)", " ".join(avc))))
    return [finding("selinux_denial", WARNING,
                    "SELinux denied sshd access (%s)" % ", ".join(labels or ["see the audit lines"]),
                    avc[-4:],
                    "Restore the labels of the named paths (`restorecon -Rv PATH`, e.g. ~/.ssh after a copy or move); "
                    "use `ausearch -m avc -c sshd` for the whole story.")]


def check_max_startups_throttling(state):
    # <= 9.x: "beginning MaxStartups throttling"; 10.0: "drop connection #N from [ADDR]:P on [ADDR]:22 Maxstartups"
    lines = _log(state, "MaxStartups throttling|drop connection #\\d+ .*MaxStartups")
    if not lines:
        return []
    return [finding("max_startups_throttling", WARNING, "sshd throttled unauthenticated connections (MaxStartups)", lines[-3:],
                    "Find the source of the pre-auth connection flood; raise MaxStartups only if the load is legitimate.")]


# Every check, in the order of the finding registry (registry.py): the row names the module
# that holds check_<id>.
def _check_function(entry):
    module = {"checks_auth": checks_auth, "checks_users": checks_users, "latent": latent}.get(entry["module"])
    return getattr(module, entry["check"]) if module is not None else globals()[entry["check"]]


CHECKS = [(fid, _check_function(entry)) for fid, entry in registry.FINDINGS.items()]


def run_checks(state):
    """All checks over the state: (findings, ids of the checks that ran)."""
    findings, ran = [], []
    for cid, fn in CHECKS:
        ran.append(cid)
        findings.extend(fn(state))
    findings.sort(key=lambda f: -SEVERITY_RANK.get(f["severity"], 0))
    return findings, ran
