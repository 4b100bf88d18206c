# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host reads of TCP wrappers: whether the serving sshd is linked with libwrap, its
hosts.allow/hosts.deny rules, and libwrap's verdict for the named clients, the clients the log
says it refused, and any client the rules do not name (gather.collect calls
``gather_tcp_wrappers``).  hosts_access (the rule parser and evaluator) is imported only when a
table has rules.
"""

import ipaddress
import re

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import hostio, version

# Addresses from the documentation ranges (RFC 5737, RFC 3849): no hosts.allow names them, so
# when libwrap refuses all of them it refuses every client the rules do not name.
ANY_CLIENT = ("192.0.2.10", "198.51.100.20", "203.0.113.30", "2001:db8::40")


def _hosts_access():
    """hosts_access, imported when a table has rules or libwrap decides: AnsiballZ compiles every
    module_utils the module imports on each run, and most hosts have no rules (docs/benchmarks.md)."""
    from ansible_collections.sshd.doctor.plugins.module_utils._sshd import hosts_access  # pylint: disable=import-outside-toplevel
    return hosts_access


# What libwrap reads of a table without rules: blank lines and comments only, each a complete
# line (newline-terminated, no continuation, no NUL, shorter than its 2048-byte buffer).
_NO_RULES = re.compile(r"\A(?:(?:#[^\n\0]{0,2000}(?<!\\)|[ \t\r]{0,2000})\n)*\Z")


def parse_table(text, path):
    """hosts_access.parse_rules, without importing it for a table that has no rules (absent,
    empty, or comments only, as Debian ships them): the same answer, []."""
    if text is None or _NO_RULES.match(text):
        return []
    return _hosts_access().parse_rules(text, path)


def _plain_address(addr):
    """``addr`` is an IP address written the way libwrap's matcher sees it (no IPv4-mapped IPv6)."""
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return str(ip) == addr and not (ip.version == 6 and ip.ipv4_mapped)


def no_rules_verdict(addr, daemon="sshd"):
    """hosts_access.evaluate's answer when hosts.allow and hosts.deny have no rules, for a plain
    address (None otherwise: ask hosts_access): libwrap grants access."""
    if not isinstance(addr, str) or not _plain_address(addr):
        return None
    return {"verdict": "allow", "file": None, "line": None, "rule": None,
            "reason": "no rule in hosts.allow or hosts.deny matches %s for daemon '%s': access granted" % (addr, daemon),
            "decided_by": "no_match", "uncertain": False, "notes": [], "client": addr, "daemon": daemon}


def serving_binary(binaries, vtuple):
    """The binary that handles connections: sshd-session from 9.8 on, sshd before."""
    sess = binaries.get("sshd_session")
    if version.at_least(vtuple, 9, 8) and sess and sess.get("exists"):
        return sess["path"]
    return (binaries.get("sshd") or {}).get("path")


# libwrap logs `refused connect from NAME (ADDR)`: the address is in the parentheses
_REFUSED_RE = re.compile(r"refused connect from (\S+)(?: \(([^)\s]+)\))?")


def refused_clients(log_lines):
    """Client addresses libwrap refused, from log lines (`refused connect from ADDR (ADDR)`)."""
    out = []
    for line in log_lines or []:
        m = _REFUSED_RE.search(line)
        addr = m and (m.group(2) or m.group(1))
        if addr and addr not in out:
            out.append(addr)
    return out


def gather_tcp_wrappers(host, binaries, vtuple, clients, log_lines=None, summaries=None):
    served_by = serving_binary(binaries, vtuple)
    summary = (summaries or {}).get(served_by) or (host.binary(served_by) if served_by else None)
    linked = None
    libs = []
    if summary and (summary.get("elf") or {}).get("ok"):
        libs = hostio.summary_needed(summary)
        linked = any(lib.startswith("libwrap.so") for lib in libs)
    rules = {}
    for key, table in (("allow", "/etc/hosts.allow"), ("deny", "/etc/hosts.deny")):
        text = host.read_text(table)
        if text is None and host.exists(table):
            # libwrap denies every client hosts.allow did not grant when hosts.deny is unreadable
            rules[key] = _hosts_access().table_error(table, "exists but cannot be read")
        else:
            rules[key] = parse_table(text, table)
    verdicts = {}
    if linked is not False:
        # the clients asked about, then those libwrap refused according to the log: a refusal in
        # the log counts only while the current rules still deny that address
        for addr, source in [(a, "option") for a in clients or []] + [(a, "log") for a in refused_clients(log_lines)]:
            if addr not in verdicts:
                verdicts[addr] = client_verdict(host, rules, addr)
                verdicts[addr]["source"] = source
    return {"linked": linked, "binary": served_by,
            "library": next((x for x in libs if x.startswith("libwrap")), None),
            "rules": rules, "clients": verdicts,
            "any_client": any_client_verdict(rules) if linked else None}


def client_verdict(host, rules, addr):
    """libwrap's verdict for one client.  When the rules consult the client's host name (KNOWN,
    .domain, names, PARANOID), the name is resolved on the target as libwrap would (reverse
    lookup, then a forward lookup that must give the address back)."""
    if not rules["allow"] and not rules["deny"]:
        known = no_rules_verdict(addr)
        if known is not None:
            return known
    hosts_access = _hosts_access()
    result = hosts_access.evaluate(rules["allow"], rules["deny"], addr, daemon="sshd", reader=host.read_text)
    if not result.get("uncertain"):
        return result
    name = resolve_client_name(host, addr)
    again = hosts_access.evaluate(rules["allow"], rules["deny"], addr, daemon="sshd", reader=host.read_text,
                                  client_name=name)
    again["client_name"] = name
    return again


def resolve_client_name(host, addr):
    """The verified name of ``addr`` (getent: reverse, then forward) as libwrap sees it: the name,
    "paranoid" when the forward lookup does not give the address back, "unknown" when the reverse
    lookup finds nothing; None when the lookup could not be made (no getent)."""
    rc, out, _err = host.run(["getent", "hosts", addr])
    fields = out.split() if rc == 0 and out else []
    if len(fields) < 2:
        return "unknown" if rc in (0, 2) else None
    name = fields[1]
    rc, out, _err = host.run(["getent", "ahosts", name])
    forward = {line.split()[0] for line in (out or "").splitlines() if line.split()} if rc == 0 else set()
    return name if addr in forward else "paranoid"


def any_client_verdict(rules):
    """Whether the rules refuse every client they do not name (e.g. hosts.deny `sshd: ALL`):
    the verdict for addresses no rule names, with the deciding rule; None when they admit them."""
    if not rules["allow"] and not rules["deny"]:
        return None  # nothing is refused
    hosts_access = _hosts_access()
    results = [hosts_access.evaluate(rules["allow"], rules["deny"], addr, daemon="sshd") for addr in ANY_CLIENT]
    denied = [r for r in results if r["verdict"] == "deny"]
    if not denied:
        return None
    first = denied[0]
    return {"verdict": "deny", "all": len(denied) == len(results), "file": first.get("file"),
            "line": first.get("line"), "rule": first.get("rule"), "reason": first.get("reason")}
