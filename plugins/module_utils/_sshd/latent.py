# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Latent changes: configuration on disk that the running sshd has not loaded yet.

A reload or restart activates everything on disk at once, so a change somebody made by hand
(a ListenAddress on no interface, which ``sshd -t`` accepts) takes effect with the next fix
and can kill sshd.  :func:`gather_latent` reads, through the ``host`` object only, when the
running daemon last loaded its configuration, the mtime of every configuration file, the
host's own addresses and the listeners; the pure checks turn that into findings:

* ``config_latent_change`` (warning): a configuration file is newer than the daemon's last
  (re)load, or the daemon listens elsewhere than Port/ListenAddress say;
* ``listen_address_unavailable`` (error): a ListenAddress is on no interface of the host, so
  sshd fails with ``Cannot assign requested address`` (and ``Cannot bind any address`` when it
  was the only one) at its next reload or start.

When the daemon last loaded its configuration: sshd re-executes itself on SIGHUP with the
same pid, so the process start time alone is too old after a reload; every (re)load logs
``Server listening on ...``, so the last such journal line wins when there is one.
"""

import ipaddress
import re

_LISTENING_RE = re.compile(r"^(\d+(?:\.\d+)?)\s.*\bServer listening on\b")
_WILDCARDS = ("0.0.0.0", "::")


def _finding(fid, severity, summary, evidence, fix):
    """The finding shape of checks.finding (not imported: checks.CHECKS lists the checks of this module)."""
    return {"id": fid, "severity": severity, "summary": summary, "evidence": [e for e in evidence if e],
            "fix": fix, "remediable": False}


def process_start(stat_text, proc_stat_text, ticks=100):
    """Epoch seconds at which the process of ``/proc/PID/stat`` started (None when unreadable)."""
    if not stat_text or not proc_stat_text:
        return None
    fields = stat_text.rsplit(")", 1)[-1].split()
    btime = next((line.split()[1] for line in proc_stat_text.splitlines() if line.startswith("btime ")), None)
    # fields[0] is the state (field 3), so the start time (field 22) is fields[19]
    if btime is None or len(fields) < 20 or not fields[19].isdigit():
        return None
    return int(btime) + int(fields[19]) / float(ticks or 100)


def last_listening(journal_text):
    """Epoch of the last ``Server listening on`` line of ``journalctl -o short-unix`` output."""
    found = None
    for line in (journal_text or "").splitlines():
        match = _LISTENING_RE.match(line.strip())
        if match:
            found = float(match.group(1))
    return found


def fib_trie_addresses(text):
    """The IPv4 addresses that are local to the host (``/32 host LOCAL`` leaves of /proc/net/fib_trie)."""
    out, last = [], None
    for line in (text or "").splitlines():
        stripped = line.strip()
        if stripped.startswith(("|--", "+--")):
            last = stripped[3:].strip().split()[0] if stripped[3:].strip() else None
        elif "/32 host LOCAL" in stripped and last and last not in out:
            out.append(last)
    return out


def if_inet6_addresses(text):
    """The IPv6 addresses of /proc/net/if_inet6 (first column, 32 hex digits)."""
    out = []
    for line in (text or "").splitlines():
        parts = line.split()
        if parts and len(parts[0]) == 32:
            try:
                addr = str(ipaddress.IPv6Address(int(parts[0], 16)))
            except ValueError:
                continue
            if addr not in out:
                out.append(addr)
    return out


def split_listen(value, default_ports):
    """``(address, [ports])`` of one ListenAddress value (``addr``, ``addr:port``, ``[v6]:port``, ``v6``)."""
    text = str(value).split()[0] if str(value).split() else ""
    if text.startswith("["):
        addr, _sep, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        addr, port = text.split(":")
    else:
        addr, port = text, ""
    return addr, ([port] if port.isdigit() else [str(p) for p in default_ports])


def _ip(text):
    try:
        return ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return None


def _norm(addr):
    ip = _ip(addr)
    return str(ip) if ip is not None else addr


def _show(addr, port):
    return "[%s]:%d" % (addr, port) if ":" in addr else "%s:%d" % (addr, port)


def unavailable(listen_values, ports, v4, v6, nonlocal_v4=False, nonlocal_v6=False):
    """The ListenAddress values whose address is an IP literal on no interface of the host."""
    local = {str(_ip(a)) for a in list(v4) + list(v6) if _ip(a)}
    out = []
    for value in listen_values:
        addr, _ports = split_listen(value, ports)
        ip = _ip(addr)
        if ip is None or str(ip) in _WILDCARDS or ip.is_loopback:
            continue
        if (ip.version == 4 and nonlocal_v4) or (ip.version == 6 and nonlocal_v6):
            continue
        if str(ip) not in local:
            out.append(str(value))
    return out


def listeners_mismatch(listen_values, ports, listeners, v6_available=True, skip=()):
    """``addr:port`` sshd should listen on (config) but does not, and the other way round."""
    want = set()
    for value in listen_values or ["0.0.0.0", "::"]:
        if value in skip:
            continue
        addr, vports = split_listen(value, ports)
        ip = _ip(addr)
        if ip is not None and ip.version == 6 and not v6_available:
            continue
        for port in vports:
            want.add((_norm(addr), int(port)))
    have = {(_norm(s["address"]), int(s["port"])) for s in listeners if s.get("process") in ("sshd", "systemd")}
    out = ["configured but not listening: " + _show(a, p) for a, p in sorted(want - have)]
    out += ["listening but not configured: " + _show(a, p) for a, p in sorted(have - want)]
    return out


def _values(rec):
    value = (rec or {}).get("value")
    if value is None:
        return []
    return value if isinstance(value, list) else str(value).split()


CLK_TCK = ["getconf", "CLK_TCK"]


def journal_command(unit):
    """The journal read that finds the last ``Server listening on`` of the unit."""
    return ["journalctl", "-u", unit, "-o", "short-unix", "-n", "500", "--no-pager", "-q"]


def commands_ahead(svc):
    """The commands gather_latent will run for this service state (gather starts them early)."""
    if not (svc.get("active_state") == "active" and svc.get("main_pid")):
        return []
    out = [CLK_TCK]
    if svc.get("init") == "systemd" and svc.get("unit"):
        out.append(journal_command(svc["unit"]))
    return out


def gather_latent(host, state):
    """Set ``state["latent"]``; reads through ``host`` only (``stat``, ``read_text``, ``run``)."""
    svc = state.get("service") or {}
    cfg = state.get("config") or {}
    eff = cfg.get("effective") or {}
    ports = _values(eff.get("port")) or ["22"]
    listen = _values(eff.get("listenaddress"))
    out = {"pending": False, "reasons": [], "daemon_started": None, "daemon_loaded": None, "files_newer": [],
           "listen_unavailable": [], "listeners_mismatch": []}
    pid = svc.get("main_pid")
    running = svc.get("active_state") == "active" and bool(pid)
    if running:
        rc, ticks, _err = host.run(CLK_TCK)
        ticks = int(ticks.strip()) if rc == 0 and ticks.strip().isdigit() else 100
        started = process_start(host.read_text("/proc/%s/stat" % pid), host.read_text("/proc/stat"), ticks)
        loaded = None
        if svc.get("init") == "systemd" and svc.get("unit"):
            rc, text, _err = host.run(journal_command(svc["unit"]))
            loaded = last_listening(text) if rc == 0 else None
        out["daemon_started"] = started
        # A reload keeps the pid, so the process start is only a lower bound of the last load:
        # files are compared with the journal's last `Server listening` only (none readable,
        # e.g. not root or no journal: no files_newer rather than a false alarm).
        out["daemon_loaded"] = loaded if loaded and (started is None or loaded >= started - 1) else None
        if out["daemon_loaded"] is not None:
            started = out["daemon_loaded"]
            for path in cfg.get("files") or []:
                st = host.stat(path)
                if st and st.get("mtime") is not None and st["mtime"] > started:
                    out["files_newer"].append({"path": path, "mtime": st["mtime"]})
    v4 = fib_trie_addresses(host.read_text("/proc/net/fib_trie", limit=4 << 20))
    v6_text = host.read_text("/proc/net/if_inet6")
    v6 = if_inet6_addresses(v6_text)
    nonlocal_v4 = (host.read_text("/proc/sys/net/ipv4/ip_nonlocal_bind") or "0").strip() == "1"
    nonlocal_v6 = (host.read_text("/proc/sys/net/ipv6/ip_nonlocal_bind") or "0").strip() == "1"
    if v4 or v6:
        out["listen_unavailable"] = unavailable(listen, ports, v4, v6, nonlocal_v4, nonlocal_v6)
    listeners = state.get("listeners") or []
    # not root: the owners of the sockets are unknown, so nothing can be said about sshd's own;
    # socket activation: systemd holds the listening sockets and decides where sshd listens
    # (socket_activation_mismatch compares them with the configuration)
    socket_active = (svc.get("socket") or {}).get("active_state") == "active"
    if running and not socket_active and all(s.get("process") for s in listeners):
        out["listeners_mismatch"] = listeners_mismatch(listen, ports, listeners,
                                                       bool(v6), skip=out["listen_unavailable"])
    if out["files_newer"]:
        out["reasons"].append("changed after sshd last loaded its configuration: "
                              + ", ".join(f["path"] for f in out["files_newer"]))
    if out["listeners_mismatch"]:
        out["reasons"].append("listeners differ from Port/ListenAddress: " + "; ".join(out["listeners_mismatch"]))
    if out["listen_unavailable"]:
        out["reasons"].append("ListenAddress on no interface of this host: " + ", ".join(out["listen_unavailable"]))
    out["pending"] = running and bool(out["reasons"])
    state["latent"] = out
    return out


def check_config_latent_change(state):
    latent = state.get("latent") or {}
    if not latent.get("pending") or not (latent.get("files_newer") or latent.get("listeners_mismatch")):
        return []
    evidence = ["%s changed after sshd last loaded its configuration" % f["path"] for f in latent["files_newer"]]
    evidence += latent["listeners_mismatch"]
    return [_finding(
        "config_latent_change", "warning",
        "The configuration on disk is not the one the running sshd loaded: the next reload or restart activates it",
        evidence,
        "Review the changes (diff against your configuration management), then reload sshd yourself; "
        "sshd.doctor.remediate does not reload this host unless remediate_allow_latent is true.")]


def check_listen_address_unavailable(state):
    latent = state.get("latent") or {}
    bad = latent.get("listen_unavailable") or []
    if not bad:
        return []
    return [_finding(
        "listen_address_unavailable", "error",
        "ListenAddress %s is on no interface of this host: sshd cannot bind it (Cannot assign requested address)"
        % ", ".join(bad),
        ["ListenAddress %s: no interface has this address" % v for v in bad],
        "Remove or correct that ListenAddress (or add the address to an interface) before sshd is reloaded or "
        "started: with no other address sshd exits with 'Cannot bind any address'.")]
