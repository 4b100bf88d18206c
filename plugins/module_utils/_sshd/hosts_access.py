# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse and evaluate /etc/hosts.allow and /etc/hosts.deny like Debian's libwrap0.

Longer than 600 lines on purpose: one evaluator that mirrors tcp_wrappers' hosts_access.c,
options.c and the Debian patches line for line (rule syntax, patterns, name and address
matching, the verdict); the rules below are what each part implements, checked against the
real libwrap of three releases.

Pure functions, standard library only; nothing here touches the file system
or the network: file lists (``/path`` patterns) are read through an injected
``reader(path) -> str | None`` callable and NIS netgroups through an injected
``netgroup(group, hostname) -> bool`` callable.

The behaviour follows Debian's tcp_wrappers 7.6.q (libwrap0, built with
PROCESS_OPTIONS, IPv6, NETGROUP and the Debian patches) and was checked case by
case against the real library (bullseye 7.6.q-31, bookworm 7.6.q-32, trixie
7.6.q-36, through ``tcpdmatch``).  The points that surprise people:

* hosts.allow is searched first, then hosts.deny; the first matching rule of a
  table decides; no match at all means access is granted.
* A line is a rule only if it ends with a newline.  The last line of a file
  without a final newline, or a logical line longer than 2047 bytes, is an
  error and libwrap ignores the rest of that table ("all the subsequent rules
  will be ignored").  In hosts.allow that only skips the rest of the file; in
  hosts.deny it DENIES every client that hosts.allow did not grant.
* ``#`` starts a comment only as the first character of a logical line; a
  backslash-newline joins lines, so a comment ending in a backslash swallows
  the next line.  A trailing ``# ...`` after a rule is not a comment: its
  words are patterns.
* Options (``daemons : clients : option : option``) run only when the rule
  matches: ``allow``/``deny`` (which must be last) override the table's
  verdict; any option error (unknown option, missing or extra value, bad
  severity ...) denies the connection.  A trailing ``:`` is an empty option
  and therefore an error, i.e. a deny.
* ``n.n.n.n/m.m.m.m`` needs a dotted quad mask (``255.255.255.255`` is not
  valid), ``n.n.n.n/len`` takes ``atoi(len)`` in 1..32; the net must have no
  host bits set (``10.0.0.1/8`` never matches).  ``[v6net]/len`` takes
  ``atoi(len)`` in 0..128 and ignores host bits.  IPv6 addresses must be in
  brackets, otherwise the colons split the rule into fields.
* ``*`` and ``?`` wildcards (case-insensitive) cannot be combined with
  ``/mask``; ``KNOWN``, ``UNKNOWN``, ``PARANOID`` and ``LOCAL`` depend on the
  client's host name, which libwrap gets from reverse DNS (``unknown`` when
  that fails, ``paranoid`` when forward and reverse lookups disagree).
* The daemon name libwrap uses for OpenSSH on Debian is ``sshd`` on every
  release, including trixie where the check runs in sshd-session.
* ``@netgroup`` asks innetgr() with the client's host name.  bullseye's and
  bookworm's libwrap0 have NETGROUP; trixie's (7.6.q-36) is built without it
  and never matches a netgroup: pass ``netgroup=False`` to say so.

Decisions that go beyond libwrap itself (libwrap cannot tell us what the
client will experience):

* ``twist`` replaces sshd by a shell command talking to the client: the SSH
  connection cannot succeed, so the verdict is ``deny`` (``decided_by`` is
  ``twist``).
* ``aclexec`` lets a command's exit status decide at run time: the verdict is
  what the rest of the rule says, with ``uncertain`` set.
* ``user``/``group`` options make libwrap switch sshd's identity (or deny
  when the account does not exist); they are reported in ``notes``.
* Without a client name the reverse lookup is assumed to have failed
  (name ``unknown``): ``UNKNOWN`` matches and ``KNOWN``/``LOCAL``/domain
  patterns do not; ``uncertain`` is set when such a pattern was consulted.
  Pass ``client_name="paranoid"`` to model a forward/reverse mismatch.
* Without an identd answer the client user is ``unknown``: ``ALL@host`` and
  ``UNKNOWN@host`` still match, named users and ``KNOWN@host`` do not (and
  libwrap would make an ident query, up to 10 s, for such patterns).
"""

import ipaddress
import re

BUFLEN = 2048
_SEP = ", \t\r\n"
_WS = " \t\r\n"
_WS_EQ = "= \t\r\n"
_SCANF_WS = " \t\n\v\f\r"
UNKNOWN = "unknown"
PARANOID = "paranoid"
INADDR_NONE = 0xFFFFFFFF
_MAX_FILE_DEPTH = 8

_HEX_GROUP = re.compile(r"^[0-9a-fA-F]{1,4}$")
_HEX_FIELD = re.compile(r"^[0-9a-fA-F]{0,4}(?:$|[/\s])")
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}

# name: (needs a value, accepts a value, must be the last option)
_OPTIONS = {
    "user": (True, True, False),
    "group": (True, True, False),
    "umask": (True, True, False),
    "linger": (True, True, False),
    "keepalive": (False, False, False),
    "aclexec": (True, True, False),
    "spawn": (True, True, False),
    "twist": (True, True, True),
    "rfc931": (False, True, False),
    "setenv": (True, True, False),
    "nice": (False, True, False),
    "severity": (True, True, False),
    "allow": (False, False, True),
    "deny": (False, False, True),
    "banners": (True, True, False),
}
_FACILITIES = ("kern", "user", "mail", "daemon", "auth", "lpr", "news", "uucp", "cron",
               "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7")
_SEVERITIES = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")


# ---------------------------------------------------------------------------
# small C emulations


def _lower(text):
    """ASCII-only lower case, like strcasecmp() in the C locale."""
    return text.translate(_ASCII_LOWER)


def _ieq(left, right):
    return _lower(left) == _lower(right)


def _split_at(text, delimiter):
    """misc.c split_at(): split at the first delimiter outside [brackets]."""
    bracket = 0
    for index, char in enumerate(text):
        if char == "[":
            bracket += 1
        elif char == "]":
            bracket -= 1
        elif bracket == 0 and char == delimiter:
            return text[:index], text[index + 1:]
    return text, None


def _tokens(text):
    """strtok(text, ", \\t\\r\\n")."""
    out = []
    current = []
    for char in text:
        if char in _SEP:
            if current:
                out.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        out.append("".join(current))
    return out


def _get_fields(text):
    """options.c get_field(): ':' separated fields, '\\:' is a literal colon."""
    fields = []
    current = []
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == ":":
            fields.append("".join(current))
            current = []
            index += 1
            if index >= length:
                return fields
            continue
        if char == "\\" and index + 1 < length and text[index + 1] == ":":
            index += 1
            char = ":"
        current.append(char)
        index += 1
    fields.append("".join(current))
    return fields


def _strtoul_prefix(text, base):
    """Parse like strtoul(text, &end, base) without leading blanks or sign: (value, rest)."""
    if base == 0:
        if text[:2] in ("0x", "0X") and len(text) > 2 and text[2] in "0123456789abcdefABCDEF":
            base, text = 16, text[2:]
        elif text[:1] == "0":
            base = 8
        else:
            base = 10
    digits = "0123456789abcdef"[:base]
    index = 0
    while index < len(text) and text[index].lower() in digits:
        index += 1
    if index == 0:
        return 0, text
    return int(text[:index], base), text[index:]


def _inet_addr(text):
    """glibc inet_addr(): the number or INADDR_NONE (also for 255.255.255.255)."""
    parts = []
    rest = text
    value = 0
    while True:
        if not rest or rest[0] not in "0123456789":
            return INADDR_NONE
        value, rest = _strtoul_prefix(rest, 0)
        if value > 0xFFFFFFFFFFFFFFFF:
            return INADDR_NONE
        if rest[:1] == ".":
            if len(parts) > 2 or value > 0xFF:
                return INADDR_NONE
            parts.append(value)
            rest = rest[1:]
            continue
        break
    if rest and rest[0] not in _SCANF_WS:
        return INADDR_NONE
    limits = {0: 0xFFFFFFFF, 1: 0xFFFFFF, 2: 0xFFFF, 3: 0xFF}
    if value > limits[len(parts)]:
        return INADDR_NONE
    result = value
    for position, part in enumerate(parts):
        result |= part << (24 - 8 * position)
    return result & 0xFFFFFFFF


def _dot_quad_addr(text):
    """misc.c dot_quad_addr(): four runs of non-dots, then inet_addr()."""
    runs = 0
    in_run = False
    for char in text:
        if char == ".":
            in_run = False
        elif not in_run:
            in_run = True
            runs += 1
    return _inet_addr(text) if runs == 4 else INADDR_NONE


def _atoi(text):
    """atoi(): (int) strtol(text, NULL, 10), wrapped to 32 bits like the C cast."""
    index = 0
    while index < len(text) and text[index] in _SCANF_WS:
        index += 1
    sign = 1
    if index < len(text) and text[index] in "+-":
        sign = -1 if text[index] == "-" else 1
        index += 1
    start = index
    while index < len(text) and text[index] in "0123456789":
        index += 1
    if index == start:
        return 0
    value = sign * int(text[start:index])
    value = max(-(1 << 63), min((1 << 63) - 1, value))
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def _scanf_int_only(text, octal=False):
    """sscanf(text, "%d%c") == 1 (or "%o%c"): an optionally signed number and nothing else."""
    body = text.lstrip(_SCANF_WS)
    if body[:1] in ("+", "-"):
        body = body[1:]
    digits = "01234567" if octal else "0123456789"
    return bool(body) and all(char in digits for char in body)


def _match_wildcard(string, pattern):
    """Debian's match_pattern_ylo(): '*' and '?', case-insensitive.

    Dynamic programming equivalent of the recursive C function, including its
    quirk that a '*' followed by '*' or '?' never matches at the end of the
    string ("a**" does not match "a").
    """
    text = _lower(string)
    pat = _lower(pattern)
    n_text = len(text)
    n_pat = len(pat)
    # rows for i + 1 (next_*) and i (cur_*): match, any-match-from-here, literal-search
    next_match = [False] * (n_pat + 1)
    next_any = [False] * (n_pat + 1)
    next_lit = [False] * (n_pat + 1)
    for i in range(n_text, -1, -1):
        cur_match = [False] * (n_pat + 1)
        cur_any = [False] * (n_pat + 1)
        cur_lit = [False] * (n_pat + 1)
        for j in range(n_pat, -1, -1):
            if j == n_pat:
                value = i == n_text
            elif pat[j] == "*":
                if j + 1 == n_pat:
                    value = True
                elif pat[j + 1] not in "?*":
                    value = cur_lit[j + 1]
                else:
                    value = cur_any[j + 1]
            elif i == n_text or (pat[j] != "?" and pat[j] != text[i]):
                value = False
            else:
                value = next_match[j + 1]
            cur_match[j] = value
            if i < n_text:
                cur_any[j] = value or next_any[j]
                if j < n_pat:
                    cur_lit[j] = (text[i] == pat[j] and next_match[j + 1]) or next_lit[j]
        next_match, next_any, next_lit = cur_match, cur_any, cur_lit
    return next_match[0]


def _ipv6(text):
    """getaddrinfo(text, AF_INET6, AI_NUMERICHOST): (16 bytes, scope) or None."""
    if not text or any(char in _WS for char in text):
        return None
    try:
        addr = ipaddress.IPv6Address(text)
    except ValueError:
        return None
    return addr.packed, getattr(addr, "scope_id", None)


# ---------------------------------------------------------------------------
# reading tables


def _to_bytes(text):
    if text is None:
        return b""
    if isinstance(text, (bytes, bytearray)):
        return bytes(text)
    if not isinstance(text, str):
        text = str(text)
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def _to_text(data):
    return data.decode("utf-8", "surrogateescape")


def _logical_lines(data):
    """Emulate misc.c xgets() on a 2048-byte buffer.

    Yields (first physical line, last physical line, libwrap's line counter,
    bytes); the bytes end in a newline unless the line was cut (missing final
    newline or too long).  libwrap's counter (the "line N" of its log
    messages) only differs from the physical numbering after NUL bytes.
    """
    pos = 0
    physical = 1
    counter = 0
    size = len(data)
    while pos < size:
        first = physical
        buf = bytearray()
        room = BUFLEN
        complete = False
        while pos < size and room > 1:
            newline = data.find(b"\n", pos, pos + room - 1)
            end = newline + 1 if newline != -1 else min(pos + room - 1, size)
            chunk = data[pos:end]
            pos = end
            nul = chunk.find(b"\0")
            got = chunk if nul == -1 else chunk[:nul]
            if chunk.endswith(b"\n"):
                physical += 1
            if got.endswith(b"\n"):
                counter += 1
                if got.endswith(b"\\\n"):
                    got = got[:-2]
                else:
                    buf += got
                    complete = True
                    break
            buf += got
            room -= len(got)
        if not complete and not buf:
            continue
        yield first, max(first, physical - 1 if complete else physical), counter, bytes(buf)


def parse_rules(text, path):
    """Parse one access control table.

    Returns a list of rule dicts in file order::

        {"file": path, "line": first physical line (1-based), "end_line": last physical line,
         "libwrap_line": the line number libwrap logs for it ("matched: FILE line N"),
         "daemons": [...], "clients": [...], "options": [...], "text": logical line}

    Comments and blank lines are skipped.  Lines libwrap rejects become rules
    with an ``error`` message: ``fatal: False`` for a line libwrap skips
    (missing ':' separator), ``fatal: True`` when libwrap stops reading the
    table there (no final newline, line too long); nothing after a fatal rule
    is returned.  Never raises.
    """
    if not isinstance(path, str):
        path = str(path)
    rules = []
    for first, last, counter, raw in _logical_lines(_to_bytes(text)):
        line = _to_text(raw)
        rule = {"file": path, "line": first, "end_line": last, "libwrap_line": counter, "daemons": [], "clients": [],
                "options": [], "text": line.strip(_WS)}
        if not line.endswith("\n"):
            if len(raw) >= BUFLEN - 1:
                rule["error"] = f"line too long (libwrap reads at most {BUFLEN - 1} bytes per rule)"
            else:
                rule["error"] = "missing newline at end of file"
            rule["error"] += "; libwrap ignores this line and all the subsequent rules"
            rule["fatal"] = True
            rules.append(rule)
            break
        if line.startswith("#") or not line.strip(_WS):
            continue
        daemons, rest = _split_at(line, ":")
        if rest is None:
            rule["error"] = 'missing ":" separator; libwrap skips this line'
            rule["fatal"] = False
            rules.append(rule)
            continue
        clients, options = _split_at(rest, ":")
        rule["daemons"] = _tokens(daemons)
        rule["clients"] = _tokens(clients)
        if options is not None:
            rule["options"] = [field.strip(_SCANF_WS) for field in _get_fields(options)]
        warnings = _rule_warnings(rule, options)
        if warnings:
            rule["warnings"] = warnings
        rules.append(rule)
    return rules


def table_error(path, message):
    """Rules standing for a table libwrap cannot open for another reason than ENOENT.

    libwrap then treats the table as an error: an unreadable hosts.allow is
    skipped, an unreadable hosts.deny denies every client hosts.allow did not
    grant (checked with the real library: "cannot open hosts.deny: Permission
    denied", access denied).  A missing file is just an empty table: use [].
    """
    return [{"file": str(path), "line": None, "end_line": None, "libwrap_line": 0, "daemons": [], "clients": [],
             "options": [], "text": None, "error": f"cannot open {path}: {message}", "fatal": True}]


def _rule_warnings(rule, options):
    warnings = []
    clients = rule["clients"]
    if (options is not None and clients and _HEX_GROUP.match(clients[-1]) and rule["options"]
            and _HEX_FIELD.match(rule["options"][0])):
        warnings.append("an IPv6 address without [brackets] is split at its colons: write [addr] or [net]/len")
    for token in rule["daemons"]:
        if _ieq(token, "sshd-session") or _ieq(token, "sshd-auth"):
            warnings.append(f"libwrap checks OpenSSH under the daemon name 'sshd', never '{token}'")
    for token in clients:
        net, mask = _split_at(token, "/")
        if mask is not None and not net.startswith("[") and _dot_quad_addr(net) != INADDR_NONE:
            mask_value = _ipv4_mask(mask)
            if mask_value is None:
                warnings.append(f"'{token}' is not a valid net/mask for libwrap and never matches")
            elif _dot_quad_addr(net) & ~mask_value & 0xFFFFFFFF:
                warnings.append(f"'{token}' has host bits set: libwrap compares (address & mask) with it "
                                "and never matches")
    return warnings


# ---------------------------------------------------------------------------
# matching


class _Request:
    """The (daemon, client, server) facts of one connection, plus the notes."""

    def __init__(self, daemon, client_addr, *, client_name, server_addr, server_name, client_user, reader, netgroup):
        self.notes = []
        self.assumptions = []
        self.uncertain = False
        self.daemon = daemon if isinstance(daemon, str) else str(daemon)
        self.client_addr = self._address(client_addr, "client")
        self.client_name = self._name(client_name)
        self.client_name_given = client_name is not None
        self.server_addr = self._address(server_addr, "server") if server_addr is not None else UNKNOWN
        self.server_name = self._name(server_name)
        self.server_given = server_addr is not None or server_name is not None
        self.client_user = UNKNOWN if client_user is None else str(client_user)
        self.client_user_given = client_user is not None
        self.reader = reader
        self.netgroup = netgroup

    def note(self, text, uncertain=False):
        if text not in self.notes:
            self.notes.append(text)
        if uncertain:
            self.uncertain = True
            if text not in self.assumptions:
                self.assumptions.append(text)

    def _address(self, value, role):
        if value is None:
            return UNKNOWN
        text = value if isinstance(value, str) else str(value)
        text = text.strip(_WS)
        if not text or _ieq(text, UNKNOWN):
            return UNKNOWN
        bare = text[1:-1] if text.startswith("[") and text.endswith("]") else text
        try:
            addr = ipaddress.ip_address(bare)
        except ValueError:
            self.note(f"{role} address {text!r} is not an IP address; matched as given")
            return text
        if addr.version == 6 and addr.ipv4_mapped is not None:
            self.note(f"{role} address {text} is IPv4-mapped: libwrap matches it as {addr.ipv4_mapped}")
            return str(addr.ipv4_mapped)
        return str(addr)

    @staticmethod
    def _name(value):
        if value is None:
            return UNKNOWN
        text = value if isinstance(value, str) else str(value)
        text = text.strip(_WS).rstrip(".")
        if not text or _ieq(text, UNKNOWN):
            return UNKNOWN
        if _ieq(text, PARANOID):
            return PARANOID
        return text


class _Host:
    def __init__(self, addr, name, role):
        self.addr = addr
        self.name = name
        self.role = role


def _name_known(name):
    return not _ieq(name, UNKNOWN) and not _ieq(name, PARANOID)


def _string_match(tok, string):
    """hosts_access.c string_match() with Debian's wildcard and IPv6 extensions."""
    if _lower(string[:7]) == "::ffff:" and _dot_quad_addr(string[7:]) != INADDR_NONE:
        string = string[7:]
    if not tok:
        return False
    if "*" in tok or "?" in tok:
        return _match_wildcard(string, tok)
    if tok[0] == ".":
        cut = len(string) - len(tok)
        return cut > 0 and _ieq(tok, string[cut:])
    if _ieq(tok, "ALL"):
        return True
    if _ieq(tok, "KNOWN"):
        return not _ieq(string, UNKNOWN)
    if tok[-1] == ".":
        return _ieq(tok, string[:len(tok)])
    if len(tok) >= 2 and tok[0] == "[" and tok[-1] == "]":
        pattern = _ipv6(tok[1:-1])
        addr = _ipv6(string) if pattern is not None else None
        if pattern is None or addr is None:
            return False
        if pattern[1] and addr[1] != pattern[1]:
            return False
        return pattern[0] == addr[0]
    return _ieq(tok, string)


def _ipv4_mask(mask_tok):
    mask = _dot_quad_addr(mask_tok)
    if mask != INADDR_NONE:
        return mask
    bits = _atoi(mask_tok)
    if bits < 1 or bits > 32:
        return None
    return (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF


def _masked_match(net_tok, mask_tok, string):
    """hosts_access.c masked_match(): IPv4 net/mask or net/len, then [IPv6]/len."""
    addr4 = _dot_quad_addr(string)
    if addr4 != INADDR_NONE:
        net = _dot_quad_addr(net_tok)
        mask = _ipv4_mask(mask_tok)
        if net != INADDR_NONE and mask is not None:
            return (addr4 & mask) == net
    addr6 = _ipv6(string)
    if addr6 is None:
        return False
    if not (len(net_tok) >= 2 and net_tok[0] == "[" and net_tok[-1] == "]"):
        return False
    net6 = _ipv6(net_tok[1:-1])
    if net6 is None:
        return False
    bits = _atoi(mask_tok)
    if bits < 0 or bits > 128:
        return False
    if net6[1] and addr6[1] != net6[1]:
        return False
    shift = 128 - bits
    return int.from_bytes(addr6[0], "big") >> shift == int.from_bytes(net6[0], "big") >> shift


def _not_inaddr(tok):
    return any(char not in "01234567890./" for char in tok)


def _host_match(tok, host, request, depth=0):
    """hosts_access.c host_match()."""
    if tok.startswith("@"):
        return _netgroup_match(tok[1:], host, request)
    if tok.startswith("/"):
        return _hostfile_match(tok, host, request, depth)
    if _ieq(tok, "KNOWN"):
        _name_consulted(tok, host, request)
        return not _ieq(host.addr, UNKNOWN) and _name_known(host.name)
    if _ieq(tok, "LOCAL"):
        _name_consulted(tok, host, request)
        return "." not in host.name and _name_known(host.name)
    net, mask = _split_at(tok, "/")
    if mask is not None:
        return _masked_match(net, mask, host.addr)
    if _string_match(tok, host.addr):
        return True
    if _not_inaddr(tok):
        matched = _string_match(tok, host.name)
        if any(char.isalpha() for char in tok) and not tok.startswith("["):
            _name_consulted(tok, host, request)
        return matched
    return False


def _name_consulted(tok, host, request):
    if host.role == "client" and not request.client_name_given:
        request.note(f"no client name given: '{tok}' was evaluated with the host name libwrap gets when reverse DNS "
                     "fails ('unknown'); with a resolvable name, UNKNOWN would not match and KNOWN, LOCAL or name "
                     "patterns might", uncertain=True)
    elif host.role == "server" and not request.server_given:
        request.note(f"no server address given: '{tok}' was evaluated against 'unknown'", uncertain=True)


def _netgroup_match(group, host, request):
    if request.netgroup is False:
        request.note(f"@{group}: this libwrap is built without netgroup support (Debian trixie's libwrap0 "
                     "7.6.q-36 is): it never matches")
        return False
    if request.netgroup is None:
        request.note(f"netgroup @{group} cannot be resolved here (no netgroup lookup supplied): treated as no match; "
                     "libwrap asks innetgr() with the client host name", uncertain=True)
        return False
    try:
        result = request.netgroup(group, host.name)
    except Exception as exc:  # pylint: disable=broad-except
        request.note(f"netgroup @{group} lookup failed ({exc}): treated as no match", uncertain=True)
        return False
    if host.role == "client" and not request.client_name_given:
        request.note(f"netgroup @{group} was checked with host name 'unknown' (no client name given)",
                     uncertain=True)
    return bool(result)


def _hostfile_match(path, host, request, depth):
    if depth >= _MAX_FILE_DEPTH:
        request.note(f"{path}: file lists nest deeper than {_MAX_FILE_DEPTH} levels (libwrap would recurse until "
                     "it crashes)", uncertain=True)
        return False
    if request.reader is None:
        request.note(f"{path}: pattern file not read (no reader supplied): treated as no match", uncertain=True)
        return False
    try:
        content = request.reader(path)
    except Exception as exc:  # pylint: disable=broad-except
        request.note(f"{path}: pattern file unreadable ({exc}): libwrap treats it as no match")
        return False
    if content is None:
        request.note(f"{path}: pattern file missing: libwrap treats it as no match")
        return False
    if isinstance(content, (bytes, bytearray)):
        content = _to_text(bytes(content))
    elif not isinstance(content, str):
        content = str(content)
    # fscanf("%s"): whitespace separated words; commas, '#' and EXCEPT are not special here
    return any(_host_match(word, host, request, depth + 1) for word in content.split())


def _list_match(tokens, match_fn):
    """hosts_access.c list_match(): 'a EXCEPT b EXCEPT c' == a EXCEPT (b EXCEPT c); returns (bool, token)."""
    segments = [[]]
    for tok in tokens:
        if _ieq(tok, "EXCEPT"):
            segments.append([])
        else:
            segments[-1].append(tok)
    found = []
    for segment in segments:
        hit = next((tok for tok in segment if match_fn(tok)), None)
        found.append(hit)
        if hit is None:
            break
    result = found[-1] is not None
    for _index in range(len(found) - 2, -1, -1):
        result = not result
    return result, found[0] if result else None


def _server_match(tok, request):
    daemon, host = _split_at(tok[1:], "@") if tok else (tok, None)
    if host is None:
        return _string_match(tok, request.daemon)
    daemon = tok[:1] + daemon
    if not _string_match(daemon, request.daemon):
        return False
    if not request.server_given:
        request.note(f"'{tok}' depends on the server address, which was not given (evaluated as 'unknown')",
                     uncertain=True)
    return _host_match(host, _Host(request.server_addr, request.server_name, "server"), request)


def _client_match(tok, request):
    user, host = _split_at(tok[1:], "@") if tok else (tok, None)
    client = _Host(request.client_addr, request.client_name, "client")
    if host is None:
        return _host_match(tok, client, request)
    user = tok[:1] + user
    if not _host_match(host, client, request):
        return False
    if not request.client_user_given:
        request.note(f"'{tok}' needs the client user name: libwrap makes an ident (RFC 931) query, up to 10 s, and "
                     "without an identd answer the user is 'unknown' (only ALL@ and UNKNOWN@ match)",
                     uncertain=not _ieq(user, "ALL"))
    return _string_match(user, request.client_user)


# ---------------------------------------------------------------------------
# options


def _split_option(option):
    """options.c: key, then value after blanks and at most one '='."""
    index = 0
    while index < len(option) and option[index] not in _WS_EQ:
        index += 1
    key = option[:index]
    value = option[index:]
    if value:
        if value[0] != "=":
            value = value[1:].lstrip(" \t\r\n")
        if value[:1] == "=":
            value = value[1:].lstrip(" \t\r\n")
    return key, value or None


def _umask_ok(value):
    """sscanf(value, "%o%c") == 1 and (mask & 0777) == mask, mask being unsigned."""
    if not _scanf_int_only(value, octal=True):
        return False
    body = value.lstrip(_SCANF_WS)
    negative = body.startswith("-")
    mask = int(body.lstrip("+-"), 8)
    if negative:
        mask = -mask & 0xFFFFFFFF
    return mask <= 0o777


def _severity_ok(value):
    facility, level = _split_at(value, ".")
    if level is None:
        return any(_ieq(value, name) for name in _SEVERITIES)
    return any(_ieq(facility, name) for name in _FACILITIES) and any(_ieq(level, name) for name in _SEVERITIES)


def _process_options(options, request):
    """options.c process_options(): returns (outcome, message) with outcome in
    None (no verdict change), 'allow', 'deny', 'twist', 'error'."""
    count = len(options)
    for index, raw in enumerate(options):
        option = raw if isinstance(raw, str) else str(raw)
        option = option.strip(_SCANF_WS)
        key, value = _split_option(option)
        if not key:
            return "error", "missing option name"
        spec = _OPTIONS.get(_lower(key))
        if spec is None:
            return "error", f'bad option name: "{key}"'
        needs, permits, last = spec
        name = _lower(key)
        if value is None and needs:
            return "error", f'option "{key}" requires value'
        if value is not None and not permits:
            return "error", f'option "{key}" requires no value'
        if index + 1 < count and last:
            return "error", f'option "{key}" must be at end'
        if name == "allow":
            return "allow", "option allow"
        if name == "deny":
            return "deny", "option deny"
        if name == "twist":
            return "twist", f"option twist {value}"
        if name == "severity" and not _severity_ok(value):
            return "error", f'bad syslog facility or severity: "{value}"'
        if name == "nice" and value is not None and not _scanf_int_only(value):
            return "error", f'bad nice value: "{value}"'
        if name == "linger" and not _scanf_int_only(value):
            return "error", f'bad linger value: "{value}"'
        if name == "umask" and not _umask_ok(value):
            return "error", f'bad umask value: "{value}"'
        if name == "rfc931" and value is not None and not (_scanf_int_only(value) and _atoi(value) > 0):
            return "error", f'bad rfc931 timeout: "{value}"'
        if name == "aclexec":
            request.note(f"option 'aclexec {value}' decides at connection time: a non-zero exit status denies",
                         uncertain=True)
        elif name in ("user", "group"):
            request.note(f"option '{key} {value}' makes libwrap change sshd's {name} (it denies when the account "
                         "does not exist); "
                         "sshd then runs without root privileges and logins fail",
                         uncertain=True)
        elif name == "rfc931":
            request.note("option rfc931 makes libwrap query the client's identd (delays logins up to the timeout)")
    return None, None


# ---------------------------------------------------------------------------
# evaluation


def _clean_rules(rules):
    if not isinstance(rules, (list, tuple)):
        return []
    return [rule for rule in rules if isinstance(rule, dict)]


def _token_list(rule, key):
    value = rule.get(key)
    if isinstance(value, str):
        return _tokens(value)
    if not isinstance(value, (list, tuple)):
        return []
    return [item if isinstance(item, str) else str(item) for item in value]


def _table_match(rules, request):
    """Returns ('yes', rule, daemon token, client token) | ('no', None, ...) | ('err', rule, ...)."""
    for rule in _clean_rules(rules):
        if rule.get("error"):
            if rule.get("fatal"):
                return "err", rule, None, None
            continue
        daemon_hit, daemon_tok = _list_match(_token_list(rule, "daemons"), lambda tok: _server_match(tok, request))
        if not daemon_hit:
            continue
        client_hit, client_tok = _list_match(_token_list(rule, "clients"), lambda tok: _client_match(tok, request))
        if client_hit:
            return "yes", rule, daemon_tok, client_tok
    return "no", None, None, None


def _where(rule):
    if rule.get("line") is None:
        return str(rule.get("file"))
    return f"{rule.get('file')} line {rule.get('line')}"


def _result(verdict, rule, reason, request, decided_by):
    if request.assumptions:
        reason = f"{reason}; uncertain: {'; '.join(request.assumptions)}"
    return {
        "verdict": verdict,
        "file": rule.get("file") if rule else None,
        "line": rule.get("line") if rule else None,
        "rule": rule.get("text") if rule else None,
        "reason": reason,
        "decided_by": decided_by,
        "uncertain": request.uncertain,
        "notes": list(request.notes),
        "client": request.client_addr,
        "daemon": request.daemon,
    }


def _matched_rule(table, rule, daemon_tok, client_tok, request):
    """Apply a matched rule: table is 'allow' or 'deny'."""
    where = _where(rule)
    text = rule.get("text")
    why = f"{where}: {text!r} matched (daemon pattern {daemon_tok!r}, client pattern {client_tok!r})"
    options = _token_options(rule)
    outcome, message = _process_options(options, request) if options else (None, None)
    if outcome == "error":
        return _result("deny", rule, f"{why}, but its options are invalid ({message}): libwrap denies the connection",
                       request, "option_error")
    if outcome == "allow":
        return _result("allow", rule, f"{why} with option 'allow': access granted", request, "allow_option")
    if outcome == "deny":
        return _result("deny", rule, f"{why} with option 'deny': connection refused", request, "deny_option")
    if outcome == "twist":
        return _result("deny", rule, f"{why} with {message}: libwrap replaces sshd by that command, so the SSH "
                       "connection cannot succeed", request, "twist")
    if table == "allow":
        return _result("allow", rule, f"{why} in hosts.allow: access granted", request, "hosts.allow")
    return _result("deny", rule, f"{why} in hosts.deny: connection refused before the SSH banner", request,
                   "hosts.deny")


def _token_options(rule):
    value = rule.get("options")
    if isinstance(value, str):
        return [field.strip(_SCANF_WS) for field in _get_fields(value)]
    if not isinstance(value, (list, tuple)):
        return []
    return list(value)


def evaluate(  # noqa: PLR0917
        allow_rules, deny_rules, client_addr, daemon="sshd", client_name=None, server_addr=None, reader=None,
        netgroup=None, server_name=None, client_user=None):
    """Predict libwrap's decision for one connection.

    ``allow_rules``/``deny_rules`` come from parse_rules() (``None`` or ``[]``
    for a missing file, table_error() for an unreadable one).  ``reader(path)``
    returns the text of a ``/path`` pattern file or None when it is missing;
    ``netgroup(group, hostname)`` answers innetgr() (``False``: no netgroup
    support in this libwrap); ``client_name`` is the verified reverse-DNS name
    (None: lookup failed; "paranoid": forward/reverse mismatch).  Returns::

        {"verdict": "allow" | "deny", "file", "line", "rule", "reason",
         "decided_by": "hosts.allow" | "hosts.deny" | "allow_option" | "deny_option" | "twist"
                       | "option_error" | "table_error" | "no_match",
         "uncertain": bool, "notes": [...], "client": matched address, "daemon": daemon}

    Never raises.
    """
    request = _Request(daemon, client_addr, client_name=client_name, server_addr=server_addr, server_name=server_name,
                       client_user=client_user, reader=reader, netgroup=netgroup)
    status, rule, daemon_tok, client_tok = _table_match(allow_rules, request)
    if status == "yes":
        return _matched_rule("allow", rule, daemon_tok, client_tok, request)
    allow_error = rule if status == "err" else None
    if allow_error is not None:
        request.note(f"{_where(allow_error)}: {allow_error.get('error')} (libwrap ignored the rest of hosts.allow)")
    status, rule, daemon_tok, client_tok = _table_match(deny_rules, request)
    if status == "yes":
        return _matched_rule("deny", rule, daemon_tok, client_tok, request)
    if status == "err":
        return _result("deny", rule, f"{_where(rule)}: {rule.get('error')}; libwrap treats an error in hosts.deny "
                       "as a refusal of every client that hosts.allow did not grant", request, "table_error")
    reason = (f"no rule in hosts.allow or hosts.deny matches {request.client_addr} for daemon {request.daemon!r}: "
              "access granted")
    return _result("allow", None, reason, request, "no_match")


def verdicts(  # noqa: PLR0917
        allow_text, deny_text, clients, daemon="sshd", allow_path="/etc/hosts.allow", deny_path="/etc/hosts.deny",
        reader=None):
    """Parse both tables and evaluate each client: {client: evaluate(...)}.

    ``clients`` items are addresses, or dicts with ``addr`` and optional
    ``name``/``server_addr``.  Never raises.
    """
    allow_rules = parse_rules(allow_text, allow_path)
    deny_rules = parse_rules(deny_text, deny_path)
    out = {}
    if isinstance(clients, (str, bytes, dict)):
        clients = [clients]
    try:
        items = list(clients) if clients is not None else []
    except TypeError:
        items = []
    for item in items:
        if isinstance(item, dict):
            addr = item.get("addr")
            key = str(addr)
            out[key] = evaluate(allow_rules, deny_rules, addr, daemon=daemon, client_name=item.get("name"),
                                server_addr=item.get("server_addr"), reader=reader)
        else:
            key = item if isinstance(item, str) else str(item)
            out[key] = evaluate(allow_rules, deny_rules, key, daemon=daemon, reader=reader)
    return out
