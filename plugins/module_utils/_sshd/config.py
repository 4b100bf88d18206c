# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A pure-Python reader of sshd_config(5) that follows OpenSSH's own servconf.c rules.

Longer than 600 lines on purpose: it is one reader, like servconf.c, whose keyword tables, line
splitter, Include/Match walk, effective values and validator share the parse's records; split,
one set of OpenSSH rules would be spread over files that must always change together.  The
version parser (version.py), the editor (edit.py) and staging (staging.py) live apart.

Everything here is a pure function of text: the file system is reached only through the
``reader`` and ``globber`` callables handed to :func:`parse_config`, so the module runs on
any target Python from 3.9 on and is tested without real files.

The rules were checked against real sshd binaries (Debian OpenSSH 8.4p1, 9.2p1 and 10.0p2
with ``sshd -t`` and ``sshd -T -C``), not only read from the manual:

* a line is split like ``process_server_config_line_depth()`` does it: the keyword ends at
  white space or at one ``=``; the arguments are split like ``argv_split()`` (double and
  single quotes, backslash escapes, ``#`` at the start of an argument ends the line);
* a NUL byte makes sshd drop the rest of the physical line *and its newline*, so the next
  line is glued onto it; this is reproduced and reported;
* ``Include`` globs expand in byte order, relative patterns live under ``/etc/ssh``, a
  pattern that matches nothing is fine, an unreadable match is fatal for sshd, included
  lines belong to the Match block the Include stands in, and a Match that starts in an
  included file ends with that file;
* first obtained value wins, per keyword; list keywords accumulate or take their first
  line (see :data:`ACCUMULATING` and :data:`FIRST_LIST`);
* a satisfied Match block *overrides* the global value (sshd parses Match blocks into a
  fresh option set and copies what they set over the global options), and for list
  keywords the Match value replaces the global list as a whole, including the whole
  Subsystem table on 9.5+;
* ``Match all`` (and, on 10.0, a ``Match Version`` that fits sshd's own version) is
  satisfied even while sshd reads the configuration at start-up, so its lines count as
  global lines too (any keyword may follow it), and it is the only kind of Match that
  ``sshd -T`` without ``-C`` applies.
"""

import glob
import ipaddress
import os.path
import re

from ansible_collections.sshd.doctor.plugins.module_utils._sshd.version import is_bare_version, version_tuple

SSHDIR = "/etc/ssh"
SERVCONF_MAX_DEPTH = 16
MAX_LINES = 200000  # logical lines read in one parse, every Include expanded

# Keywords that may appear after a Match line: OpenSSH 10.0p2, each one tried with
# `sshd -t` ("Directive 'X' is not allowed within a Match block" or not).  The manual page
# lists fewer (it omits the aliases and the deprecated SSHCFG_ALL keywords).
MATCH_ALLOWED = frozenset((
    "acceptenv", "allowagentforwarding", "allowgroups", "allowstreamlocalforwarding", "allowtcpforwarding",
    "allowusers", "authenticationmethods", "authorizedkeyscommand", "authorizedkeyscommanduser",
    "authorizedkeysfile", "authorizedkeysfile2", "authorizedprincipalscommand",
    "authorizedprincipalscommanduser", "authorizedprincipalsfile", "banner", "casignaturealgorithms",
    "challengeresponseauthentication", "channeltimeout", "chrootdirectory", "clientalivecountmax",
    "clientaliveinterval", "denygroups", "denyusers", "disableforwarding", "exposeauthinfo", "forcecommand",
    "gatewayports", "gssapiauthentication", "hostbasedacceptedalgorithms", "hostbasedacceptedkeytypes",
    "hostbasedauthentication", "hostbasedusesnamefrompacketonly", "ignorerhosts", "include", "ipqos",
    "kbdinteractiveauthentication", "kerberosauthentication", "loglevel", "logverbose", "maxauthtries",
    "maxsessions", "pamservicename", "passwordauthentication", "permitemptypasswords", "permitlisten",
    "permitopen", "permitrootlogin", "permittty", "permittunnel", "permituserrc", "pubkeyacceptedalgorithms",
    "pubkeyacceptedkeytypes", "pubkeyauthentication", "pubkeyauthoptions", "rdomain", "refuseconnection",
    "rekeylimit", "requiredrsasize", "revokedkeys", "rhostsrsaauthentication", "rsaauthentication", "setenv",
    "skeyauthentication", "streamlocalbindmask", "streamlocalbindunlink", "subsystem", "trustedusercakeys",
    "unusedconnectiontimeout", "x11displayoffset", "x11forwarding", "x11uselocalhost",
))

# Keywords of OpenSSH 10.0p2 (Debian build) that are global only.
GLOBAL_ONLY = frozenset((
    "addressfamily", "afstokenpassing", "checkmail", "ciphers", "compression", "debianbanner",
    "dsaauthentication", "fingerprinthash", "gssapicleanupcredentials", "gssapikexalgorithms",
    "gssapikeyexchange", "gssapistorecredentialsonrekey", "gssapistrictacceptorcheck", "hostcertificate",
    "hostdsakey", "hostkey", "hostkeyagent", "hostkeyalgorithms", "ignoreuserknownhosts", "keepalive",
    "kerberosgetafstoken", "kerberosorlocalpasswd", "kerberostgtpassing", "kerberosticketcleanup",
    "kexalgorithms", "keyregenerationinterval", "listenaddress", "logingracetime", "macs", "maxstartups",
    "modulifile", "pamauthenticationviakbdint", "permitblacklistedkeys", "permituserenvironment",
    "persourcemaxstartups", "persourcenetblocksize", "persourcepenalties", "persourcepenaltyexemptlist",
    "pidfile", "port", "printlastlog", "printmotd", "protocol", "reversemappingcheck", "rhostsauthentication",
    "securitykeyprovider", "serverkeybits", "sshdauthpath", "sshdsessionpath", "strictmodes",
    "syslogfacility", "tcpkeepalive", "usedns", "uselogin", "usepam", "useprivilegeseparation",
    "verifyreversemapping", "versionaddendum", "xauthlocation",
))

KEYWORDS = MATCH_ALLOWED | GLOBAL_ONLY | frozenset(("match",))

# What older releases lack, relative to 10.0 (measured on 9.2p1 and 8.4p1).
_UNKNOWN_BEFORE = (
    ((8, 1), frozenset(("include",))),  # Include came to sshd_config in 8.2
    ((9, 2), frozenset(("pamservicename", "persourcepenalties", "persourcepenaltyexemptlist", "refuseconnection",
                        "sshdauthpath", "sshdsessionpath"))),
    ((8, 4), frozenset(("channeltimeout", "hostbasedacceptedalgorithms", "logverbose", "modulifile",
                        "persourcemaxstartups", "persourcenetblocksize", "pubkeyacceptedalgorithms",
                        "requiredrsasize", "unusedconnectiontimeout"))),
)
_GLOBAL_BEFORE = (
    ((9, 2), frozenset(("pamservicename", "refuseconnection", "subsystem"))),
    ((8, 4), frozenset(("challengeresponseauthentication", "skeyauthentication"))),
)

# Accepted but without effect (sDeprecated, sUnsupported, sIgnore): never effective values.
NO_EFFECT = frozenset((
    "afstokenpassing", "authorizedkeysfile2", "checkmail", "kerberosgetafstoken", "kerberostgtpassing",
    "keyregenerationinterval", "pamauthenticationviakbdint", "permitblacklistedkeys", "protocol",
    "reversemappingcheck", "rhostsauthentication", "rhostsrsaauthentication", "rsaauthentication",
    "serverkeybits", "uselogin", "useprivilegeseparation", "verifyreversemapping",
))

# Every line adds to the list: one value per argument ...
_ACCUMULATE_ARGS = frozenset(("acceptenv", "allowusers", "denyusers", "allowgroups", "denygroups", "include"))
# ... or one value per line (sshd reads a single argument there).
_ACCUMULATE_LINES = frozenset(("port", "listenaddress", "hostkey", "hostcertificate"))
ACCUMULATING = _ACCUMULATE_ARGS | _ACCUMULATE_LINES
# The first line's arguments are the list; later lines are ignored.
FIRST_LIST = frozenset((
    "authorizedkeysfile", "authenticationmethods", "permitopen", "permitlisten", "channeltimeout", "logverbose",
    "setenv",
))
# Values are lists (Subsystem is a dict keyed by subsystem name, first definition wins).
MULTI_VALUED = ACCUMULATING | FIRST_LIST | frozenset(("subsystem",))
# `sshd -T` prints these lists on one line; the other lists one value per line.
# sshd keeps the rest of the line verbatim (quotes and all) for these.
RAW_VALUE = frozenset(("forcecommand", "authorizedkeyscommand", "authorizedprincipalscommand"))
_T_ONE_LINE = frozenset((
    "authorizedkeysfile", "authenticationmethods", "permitopen", "permitlisten", "channeltimeout", "logverbose",
))

# Match criteria of 10.0; "invalid-user" and "version" are new in 10.0.
MATCH_CRITERIA = frozenset((
    "all", "user", "group", "host", "address", "localaddress", "localport", "rdomain", "invalid-user", "version",
))
_CRITERIA_SINCE = {"invalid-user": (10, 0), "version": (10, 0)}
_NO_ARGUMENT_CRITERIA = frozenset(("all", "invalid-user"))

_WHITESPACE = " \t\r\n"
_T_ERROR_RE = re.compile(r"^(?P<file>.+?):? line (?P<line>\d+): (?P<message>.*)$")
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_MAX_SUBPATTERN = 1023


# ---------------------------------------------------------------------------
# Versions and keyword names
# ---------------------------------------------------------------------------

def release_string(version):
    """sshd's version string as ``Match Version`` sees it (``OpenSSH_10.0p2 Debian-7``), None if unknown."""
    if isinstance(version, str):
        text = version.strip()
        at = text.find("OpenSSH_")
        if at >= 0:
            return text[at:]
        return f"OpenSSH_{text}" if is_bare_version(text) else None
    vt = version_tuple(version)
    return f"OpenSSH_{vt[0]}.{vt[1]}" if vt else None


def _contexts(context, version):
    """(start-up context, connection context): sshd knows its own version even without -C."""
    release = release_string(version)
    blank = {"version": release} if release else {}
    if not isinstance(context, dict):
        return blank, blank
    ctx = dict(context)
    if not ctx.get("version") and release:
        ctx["version"] = release
    return blank, ctx


def canonical_keyword(keyword, version=None):
    """The name `sshd -T` prints for a (lowercase) keyword on that version (aliases folded)."""
    vt = version_tuple(version)
    kw = keyword.lower()
    if kw == "hostdsakey":
        return "hostkey"
    if kw == "dsaauthentication":
        return "pubkeyauthentication"
    if kw == "keepalive":
        return "tcpkeepalive"
    if kw in ("pubkeyacceptedkeytypes", "hostbasedacceptedkeytypes") and (vt is None or vt >= (8, 5)):
        return kw.replace("keytypes", "algorithms")
    if kw in ("challengeresponseauthentication", "skeyauthentication") and (vt is None or vt >= (8, 7)):
        return "kbdinteractiveauthentication"
    return kw


def known_keywords(version=None):
    """Keywords that version accepts (conservative: from the nearest measured release at or above it)."""
    vt = version_tuple(version)
    out = KEYWORDS
    for since, missing in _UNKNOWN_BEFORE:
        if vt is not None and vt <= since:
            out = out - missing
    return out


def match_allowed(version=None):
    """Keywords allowed inside a Match block on that version (Subsystem only from 9.5 on)."""
    vt = version_tuple(version)
    out = MATCH_ALLOWED
    if vt is not None and vt < (9, 5):
        out = out - {"subsystem"}
    for since, glob_only in _GLOBAL_BEFORE:
        if vt is not None and vt <= since:
            out = out - glob_only
    return out & known_keywords(vt)


# ---------------------------------------------------------------------------
# Lines
# ---------------------------------------------------------------------------

def _strdelim(s):
    """servconf's strdelim(): one token ending at white space, a quote or one ``=``.

    Returns ``(token, rest)``; ``rest`` is None at the end of the line; ``token`` is None
    when a quote is not closed (sshd then ignores the line).
    """
    m = None
    for i, c in enumerate(s):
        if c in _WHITESPACE or c in "\"=":
            m = i
            break
    if m is None:
        return s, None
    if s[m] == '"':
        s = s[:m] + s[m + 1:]
        close = s.find('"', m)
        if close < 0:
            return None, None
        return s[:close], s[close + 1:].lstrip(_WHITESPACE)
    token, rest = s[:m], s[m + 1:].lstrip(_WHITESPACE)
    if s[m] != "=" and rest.startswith("="):
        rest = rest[1:].lstrip(_WHITESPACE)
    return token, rest


def split_args(s, i=0):
    """misc.c argv_split(s, terminate_on_comment=1) on ``s[i:]``: ``(arguments, quotes_closed)``.

    Each argument is ``(start, end, text)``: where it stands in ``s`` (quotes and escapes
    included) and what sshd reads (quotes removed, ``\\'``, ``\\"``, ``\\\\`` and, outside
    quotes, ``\\ `` unescaped).  The one tokenizer of arguments: the parser reads ``text``,
    the editor (edit.py) keeps the layout around ``start:end``.
    """
    args = []
    n = len(s)
    while i < n:
        if s[i] in " \t":
            i += 1
            continue
        if s[i] == "#":
            break
        start, quote, buf = i, None, []
        while i < n:
            c = s[i]
            nxt = s[i + 1] if i + 1 < n else ""
            if c == "\\" and (nxt in ("'", '"', "\\") or (quote is None and nxt == " ")):
                buf.append(nxt)
                i += 2
                continue
            if quote is None and c in " \t":
                break
            if quote is None and c in "\"'":
                quote = c
            elif quote is not None and c == quote:
                quote = None
            else:
                buf.append(c)
            i += 1
        args.append((start, i, "".join(buf)))
        if quote is not None:
            # only the end of the text stops a quoted argument: the quote is unterminated
            return args, False
    return args, True


def _strip_line(line):
    """load_server_config() strips leading `` \\t\\r``; the line parser strips trailing white space and \\f."""
    s = line.lstrip(" \t\r")
    end = len(s)
    while end > 1 and s[end - 1] in _WHITESPACE + "\f":
        end -= 1
    return s[:end]


def _split(line):
    """``(tokens, error, rest)``: rest is the argument text after the keyword, as sshd sees it."""
    s = _strip_line(line)
    if not s:
        return [], None, ""
    keyword, rest = _strdelim(s)
    if keyword == "" and rest is not None:
        keyword, rest = _strdelim(rest)
    if not keyword or keyword.startswith("#"):
        return [], None, ""
    if not rest:
        return [keyword], f'no argument after keyword "{keyword}"', ""
    spans, closed = split_args(rest)
    args = [text for _start, _end, text in spans]
    if not closed:
        return [keyword] + args, "invalid quotes", rest
    return [keyword] + args, None, rest


def split_line(line):
    """``(tokens, error)`` for one line: tokens are ``[Keyword, arg, ...]`` or ``[]``; error is text or None."""
    tokens, error, _rest = _split(line)
    return tokens, error


def split_with_rest(line):
    """``(tokens, error, rest)``: as split_line, plus the argument text after the keyword."""
    return _split(line)


def tokenize(line):
    """``[Keyword, arg, ...]`` of one configuration line, ``[]`` for blank and comment lines.

    Quotes group arguments, ``Keyword=value`` works, an unterminated quote yields what was
    read.  Never raises.
    """
    return split_line(line)[0]


def logical_lines(text):
    """``[(line_number, original_text, content, had_nul)]`` the way sshd reads a file.

    A NUL byte truncates the physical line and sshd loses its newline too, so the next
    physical line is appended; the logical line keeps the number of its first physical line.
    """
    phys = text.split("\n")
    if phys and phys[-1] == "":
        phys.pop()
    out = []
    pending = None
    for number, raw in enumerate(phys, 1):
        cp = raw.lstrip(" \t\r")
        nul = cp.find("\0")
        if pending is None:
            pending = [number, raw[:-1] if raw.endswith("\r") else raw, "", False]
        if nul >= 0:
            pending[2] += cp[:nul]
            pending[3] = True
            continue
        pending[2] += cp
        out.append(tuple(pending))
        pending = None
    if pending is not None:
        out.append(tuple(pending))
    return out


# ---------------------------------------------------------------------------
# Patterns (match.c, addrmatch.c)
# ---------------------------------------------------------------------------

def match_pattern(string, pattern):
    """match.c match_pattern(): ``*`` and ``?`` wildcards, case-sensitive, whole string."""
    si = pi = 0
    star, mark = -1, 0
    ns, np_ = len(string), len(pattern)
    while si < ns:
        if pi < np_ and pattern[pi] == "*":
            star, mark = pi, si
            pi += 1
        elif pi < np_ and pattern[pi] in ("?", string[si]):
            si += 1
            pi += 1
        elif star >= 0:
            pi = star + 1
            mark += 1
            si = mark
        else:
            return False
    while pi < np_ and pattern[pi] == "*":
        pi += 1
    return pi == np_


def match_pattern_list(string, pattern, dolower=False):
    """match.c match_pattern_list(): 1 on a match, -1 when a ``!`` entry matches, else 0."""
    got_positive = 0
    i, n = 0, len(pattern)
    while i < n:
        negated = pattern[i] == "!"
        if negated:
            i += 1
        end = pattern.find(",", i)
        if end < 0:
            end = n
        sub = pattern[i:end]
        i = end + 1 if end < n else end
        if len(sub) >= _MAX_SUBPATTERN:
            return 0
        if dolower:
            sub = sub.translate(_ASCII_LOWER)
        if match_pattern(string, sub):
            if negated:
                return -1
            got_positive = 1
    return got_positive


def _parse_ip(text):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _parse_cidr(entry):
    """addr_pton_cidr(): ``(network, 0)``, ``(None, -1)`` when not an address, ``(None, -2)`` when inconsistent."""
    addr, _slash, mask = entry.partition("/")
    if "/" in entry and (not mask.isdigit() or not mask.isascii() or int(mask) > 128):
        return None, -1
    ip = _parse_ip(addr)
    if ip is None:
        return None, -1
    bits = int(mask) if "/" in entry else ip.max_prefixlen
    if bits > ip.max_prefixlen:
        return None, -2
    network = ipaddress.IPv4Network if ip.version == 4 else ipaddress.IPv6Network
    try:
        return network((int(ip), bits), strict=True), 0
    except ValueError:
        return None, -2


def _addr_entry_matches(addr, try_addr, entry, net):
    """CIDR entries compare as networks; anything else is a wildcard pattern on the address text."""
    if net is not None:
        return try_addr is not None and try_addr.version == net.version and try_addr in net
    return addr is not None and match_pattern(addr, entry)


def addr_match_list(addr, patterns):
    """addrmatch.c addr_match_list(): 1 match, 0 none, -1 negated match, -2 bad list.

    ``addr`` None checks only the syntax of the list (as sshd does at start-up).
    """
    try_addr = None
    if addr is not None:
        try_addr = _parse_ip(addr)
        if try_addr is None:
            return 0
    ret = 0
    for raw in patterns.split(","):
        neg = raw.startswith("!")
        entry = raw[1:] if neg else raw
        if entry == "":
            return -2
        net, status = _parse_cidr(entry)
        if status == -2:
            return -2
        if _addr_entry_matches(addr, try_addr, entry, net):
            if neg:
                return -1
            ret = 1
    return ret


# ---------------------------------------------------------------------------
# Match lines
# ---------------------------------------------------------------------------

def parse_match_criteria(args):
    """``(criteria, error)``: ``[[name_lower, value or None], ...]`` of a Match line (10.0 rules)."""
    criteria = []
    i, n = 0, len(args)
    while i < n:
        attrib = args[i]
        i += 1
        name, eq, value = attrib.partition("=")
        lname = name.lower()
        if lname == "all":
            if criteria or i < n or eq:
                return criteria, "'all' cannot be combined with other Match attributes"
            criteria.append(["all", None])
            continue
        if lname == "invalid-user" and not eq:
            criteria.append(["invalid-user", None])
            continue
        if not eq:
            if i >= n or args[i] == "":
                return criteria, f"Missing Match criteria for {attrib}"
            value = args[i]
            i += 1
        if lname not in MATCH_CRITERIA:
            return criteria, f"Unsupported Match attribute {name}"
        error = _criterion_syntax(lname, value)
        if error:
            return criteria, error
        criteria.append([lname, value])
    if not criteria:
        return criteria, "One or more attributes required for Match"
    return criteria, None


def _criterion_syntax(name, value):
    if name == "localport" and _port(value) is None:
        return f"Invalid LocalPort '{value}' on Match line"
    if name in ("address", "localaddress") and addr_match_list(None, value) == -2:
        return f"Invalid Match address argument '{value}'"
    return None


def _port(text):
    if not text.isascii() or not text.isdigit() or len(text) > 5:
        return None
    value = int(text)
    return value if value <= 65535 else None


def _ctx_text(context, key):
    value = context.get(key)
    if value is None or value == "":
        return None
    return str(value)


def _criterion_applies(name, value, context):
    if name == "all":
        return True
    if name == "invalid-user":
        return bool(context.get("invalid_user"))
    if name == "group":
        groups = context.get("groups")
        if _ctx_text(context, "user") is None or not isinstance(groups, (list, tuple)):
            return False
        results = [match_pattern_list(str(g), value) for g in groups]
        return -1 not in results and 1 in results
    if name == "localport":
        lport = _ctx_text(context, "lport")
        return lport is not None and _port(lport) is not None and _port(lport) == _port(value)
    if name in ("address", "localaddress"):
        addr = _ctx_text(context, "addr" if name == "address" else "laddr")
        return addr is not None and addr_match_list(addr, value) == 1
    if name == "host":
        host = _ctx_text(context, "host") or _ctx_text(context, "addr")
        return host is not None and match_pattern_list(host.translate(_ASCII_LOWER), value, True) == 1
    key = {"user": "user", "rdomain": "rdomain", "version": "version"}.get(name)
    subject = _ctx_text(context, key) if key else None
    return subject is not None and match_pattern_list(subject, value) == 1


def match_applies(criteria, context):
    """True when every criterion of a Match line holds for the connection ``context``.

    ``context`` is a dict with any of ``user``, ``host``, ``addr``, ``laddr``, ``lport``,
    ``rdomain``, ``groups`` (the user's group names), ``invalid_user`` (bool), ``version``
    (sshd's version string, e.g. ``OpenSSH_10.0p2 Debian-7``).  A criterion whose key is
    missing does not match (as with ``sshd -T -C``); ``host`` falls back to ``addr`` as
    sshd does with ``UseDNS no``.  ``None`` is the empty context: only ``Match all`` holds.
    """
    if not criteria:
        return False
    ctx = context if isinstance(context, dict) else {}
    for item in criteria:
        try:
            name, value = item[0], item[1]
        except (TypeError, IndexError, KeyError):
            return False
        if name not in MATCH_CRITERIA or (name not in _NO_ARGUMENT_CRITERIA and not isinstance(value, str)):
            return False
        if not _criterion_applies(name, value, ctx):
            return False
    return True


# ---------------------------------------------------------------------------
# Files and Include
# ---------------------------------------------------------------------------

def read_text(path):
    """Default reader: the file's text (invalid UTF-8 replaced), "" for a directory, None when unreadable."""
    try:
        if os.path.isdir(path):
            return ""  # sshd reads a directory as an empty file
        with open(path, "rb") as handle:
            data = handle.read()
    except (OSError, ValueError, TypeError):
        return None
    return data.decode("utf-8", errors="replace")


def glob_sorted(pattern):
    """Default globber: glob(3) without flags, results in byte order like sshd."""
    try:
        return sorted(glob.glob(pattern))
    except (OSError, ValueError, TypeError, re.error):
        return []


def _include_pattern(arg, base_dir):
    if arg.startswith(("/", "~")):
        return arg
    return f"{base_dir.rstrip('/')}/{arg}"


def _safe_call(func, arg, default):
    try:
        return func(arg)
    except (OSError, ValueError, TypeError, UnicodeError):
        return default


class _Parse:
    """State of one parse_config() run (an explicit stack: no recursion, whatever the nesting)."""

    def __init__(self, path, reader, globber, base_dir, max_depth):
        self.reader = reader
        self.globber = globber
        self.base_dir = base_dir
        self.max_depth = max_depth
        self.cache = {}
        self.lines_left = MAX_LINES
        # sshd exits at the first include loop or over-deep include ("Too many recursive
        # configuration includes"): the walk stops there too, so a drop-in directory that
        # includes itself costs milliseconds instead of every ordering of its files.
        self.aborted = False
        self.result = {"path": path, "files": [], "entries": [], "matches": [], "includes": [], "errors": []}

    def error(self, file, line, message):
        self.result["errors"].append({"file": file, "line": line, "message": message})

    def load(self, path):
        if path not in self.cache:
            text = _safe_call(self.reader, path, None)
            if isinstance(text, bytes):
                text = text.decode("utf-8", errors="replace")
            self.cache[path] = text if isinstance(text, str) else None
        return self.cache[path]

    def run(self, path):
        stack = [{"file": path, "lines": None, "pos": 0, "depth": 0, "match": None, "base": None,
                  "chain": (path,), "from": None}]
        while stack and not self.aborted:
            frame = stack[-1]
            if frame["lines"] is None and not self.open_frame(frame):
                stack.pop()
                continue
            if frame["pos"] >= len(frame["lines"]):
                stack.pop()
                continue
            number, original, content, had_nul = frame["lines"][frame["pos"]]
            frame["pos"] += 1
            self.lines_left -= 1
            if self.lines_left < 0:
                self.error(frame["file"], number, f"more than {MAX_LINES} configuration lines with every Include "
                                                  "expanded: the rest is not read")
                self.aborted = True
                break
            children = self.line(frame, number, original, content, had_nul)
            stack.extend(reversed(children))
        self.result["complete"] = not self.aborted
        return self.result

    def open_frame(self, frame):
        text = self.load(frame["file"])
        if text is None:
            if frame["from"] is None:
                self.error(frame["file"], None, f"cannot read {frame['file']}")
            else:
                self.error(frame["from"][0], frame["from"][1],
                           f"{frame['file']}: cannot read included file (sshd exits)")
            return False
        frame["lines"] = logical_lines(text)
        if frame["file"] not in self.result["files"]:
            self.result["files"].append(frame["file"])
        return True

    def line(self, frame, number, original, content, had_nul):
        file = frame["file"]
        if had_nul:
            self.error(file, number, "NUL byte: sshd drops the rest of the line and joins the next line to it")
        tokens, err, rest = _split(content)
        if err:
            self.error(file, number, err)
            return []
        if not tokens:
            return []
        keyword, args = tokens[0].lower(), tokens[1:]
        if keyword == "match":
            self.match(frame, number, original, args)
            return []
        entry = {"keyword": keyword, "args": args, "text": original, "file": file, "line": number,
                 "match": frame["match"], "depth": frame["depth"], "raw": rest}
        self.result["entries"].append(entry)
        if keyword == "include":
            return self.include(frame, number, args)
        return []

    def match(self, frame, number, original, args):
        criteria, err = parse_match_criteria(args)
        index = len(self.result["matches"])
        self.result["matches"].append({"index": index, "file": frame["file"], "line": number,
                                       "criteria": criteria, "text": original, "parent": frame["base"],
                                       "depth": frame["depth"], "valid": err is None})
        if err:
            self.error(frame["file"], number, f"Bad Match condition: {err}")
        frame["match"] = index

    def include(self, frame, number, args):
        file = frame["file"]
        children = []
        for arg in args:
            if arg == "":
                self.error(file, number, "Include: empty argument")
                continue
            pattern = _include_pattern(arg, self.base_dir)
            found = _safe_call(self.globber, pattern, None)
            paths = sorted(p for p in found if isinstance(p, str)) if isinstance(found, (list, tuple)) else []
            self.result["includes"].append({"file": file, "line": number, "pattern": arg, "glob": pattern,
                                            "paths": paths, "match": frame["match"], "depth": frame["depth"]})
            for path in paths:
                child = self.child(frame, number, path)
                if child is None:
                    self.aborted = True
                    return []
                children.append(child)
        return children

    def child(self, frame, number, path):
        file = frame["file"]
        if path in frame["chain"]:
            self.error(file, number, f"Include loop: {path} includes itself "
                                     "(sshd: Too many recursive configuration includes)")
            return None
        depth = frame["depth"] + 1
        if depth > self.max_depth:
            self.error(file, number, f"Include of {path} exceeds depth {self.max_depth} "
                                     "(sshd: Too many recursive configuration includes)")
            return None
        return {"file": path, "lines": None, "pos": 0, "depth": depth, "match": frame["match"],
                "base": frame["match"], "chain": frame["chain"] + (path,), "from": (file, number)}


def parse_config(path, reader=None, globber=None, base_dir=SSHDIR, max_depth=SERVCONF_MAX_DEPTH):
    """Parse ``path`` and everything it includes, in sshd's processing order.

    ``reader(path)`` returns the text or None (missing or unreadable); ``globber(pattern)``
    returns matching paths.  The result::

        {"path", "files": [files read, in order],
         "entries": [{"keyword" (lowercase), "args", "text", "file", "line", "match", "depth", "raw"}],
         "matches": [{"index", "file", "line", "criteria", "text", "parent", "depth", "valid"}],
         "includes": [{"file", "line", "pattern", "glob", "paths", "match", "depth"}],
         "errors": [{"file", "line", "message"}], "complete": bool}

    ``complete`` is False when the walk stopped early, as sshd does, at an include loop, an
    include deeper than sshd allows, or the line budget: the entries are then a prefix.
    ``match`` of an entry is the index of the Match block it belongs to (None: global);
    ``raw`` is its argument text before splitting (sshd keeps it verbatim for ForceCommand).
    ``parent`` of a Match started in an included file is the Match the Include stood in:
    the block applies only when its parent does.
    """
    state = _Parse(path, reader or read_text, globber or glob_sorted, base_dir, max_depth)
    return state.run(path)


def main_section_end(parsed, file):
    """Line of the first Match in ``file`` (global-section inserts go before it), None without one."""
    lines = [m["line"] for m in parsed.get("matches", []) if m.get("file") == file]
    return min(lines) if lines else None


# ---------------------------------------------------------------------------
# Effective values
# ---------------------------------------------------------------------------

def chain_applies(matches, index, context, memo):
    """A Match applies when it is valid, its criteria hold and the Match around its Include applies."""
    if index in memo:
        return memo[index]
    seen = []
    current = index
    result = True
    while current is not None:
        if current in memo:
            result = memo[current]
            break
        if not isinstance(current, int) or not 0 <= current < len(matches) or current in seen:
            result = False
            break
        seen.append(current)
        block = matches[current]
        if not block.get("valid", True) or not match_applies(block.get("criteria"), context):
            result = False
            break
        current = block.get("parent")
    for item in seen:
        memo[item] = result
    return memo.get(index, result)


def _record(entry, value, sources=None):
    rec = {"value": value, "file": entry["file"], "line": entry["line"], "match": entry.get("match")}
    if sources is not None:
        rec["sources"] = sources
    return rec


def _collect(pairs):
    """First obtained value wins; lists accumulate or keep their first line, as servconf.c does."""
    out = {}
    for kw, entry in pairs:
        args = list(entry.get("args") or [])
        src = [entry["file"], entry["line"]]
        if not args:
            continue
        if kw == "subsystem":
            rec = out.setdefault(kw, _record(entry, {}, {}))
            if args[0] not in rec["value"]:
                rec["value"][args[0]] = " ".join(args[1:])
                rec["sources"][args[0]] = src
        elif kw in ACCUMULATING:
            values = args if kw in _ACCUMULATE_ARGS else [" ".join(args)]
            rec = out.setdefault(kw, _record(entry, [], []))
            rec["value"].extend(values)
            rec["sources"].extend([list(src) for _value in values])
        elif kw in FIRST_LIST:
            if kw not in out:
                out[kw] = _record(entry, args, [list(src) for _arg in args])
        elif kw not in out:
            raw = entry.get("raw")
            out[kw] = _record(entry, raw if kw in RAW_VALUE and raw else " ".join(args))
    return out


def effective(parsed, context=None, version=None):
    """Effective values: ``{keyword: {"value", "file", "line", "match"[, "sources"]}}``.

    Mirrors sshd: global lines (and lines of ``Match all`` blocks, which sshd applies while
    loading, as it does ``Match Version`` blocks that fit its version) give the global
    values, first one wins; then the Match blocks satisfied by ``context`` give values of
    their own (first satisfied block wins) that *replace* the global ones, lists as a whole.
    ``context`` None is the empty connection of ``sshd -T`` without ``-C``; its ``version``
    defaults to :func:`release_string` of ``version``.  Keys are the names ``sshd -T``
    prints for that ``version`` (aliases folded); Include and deprecated keywords are left
    out.  List values carry ``sources``, one ``[file, line]`` per value; Subsystem's value
    is ``{name: "command args"}`` and its ``sources`` ``{name: [file, line]}``.
    """
    vt = version_tuple(version)
    allowed = match_allowed(vt)
    matches = parsed.get("matches") or []
    blank, ctx = _contexts(context, version)
    memo_global, memo_ctx = {}, {}
    first_pass, match_pass = [], []
    for entry in parsed.get("entries") or []:
        written = entry.get("keyword", "")
        kw = canonical_keyword(written, vt)
        if kw in ("include", "match") or written in NO_EFFECT:
            continue
        index = entry.get("match")
        if vt is not None and vt < (8, 2) and entry.get("depth"):
            continue  # no Include before 8.2
        if index is None or chain_applies(matches, index, blank, memo_global):
            first_pass.append((kw, entry))
        if index is not None and written in allowed and chain_applies(matches, index, ctx, memo_ctx):
            match_pass.append((kw, entry))
    values = _collect(first_pass)
    values.update(_collect(match_pass))
    return values


def validate(parsed, version=None):
    """sshd-like errors the parser can see without sshd: parse errors plus version rules.

    Adds "Directive 'X' is not allowed within a Match block", duplicate Subsystem before 9.5,
    keywords the version does not know, and Match criteria new in 10.0.  Conservative: it
    never reports a keyword as unknown unless the nearest measured release lacked it.
    """
    vt = version_tuple(version)
    out = list(parsed.get("errors") or [])
    allowed = match_allowed(vt)
    known = known_keywords(vt)
    matches = parsed.get("matches") or []
    blank = _contexts(None, version)[0]
    memo = {}
    subsystems = set()
    for entry in parsed.get("entries") or []:
        kw = entry.get("keyword", "")
        written = (tokenize(entry.get("text") or "") or [kw])[0]
        where = {"file": entry.get("file"), "line": entry.get("line")}
        if kw not in known:
            out.append(dict(where, message=f"Bad configuration option: {written}"))
        index = entry.get("match")
        active = index is None or chain_applies(matches, index, blank, memo)
        if not active and kw not in allowed:
            out.append(dict(where, message=f"Directive '{written}' is not allowed within a Match block"))
        if kw == "subsystem" and active and entry.get("args") and vt is not None and vt < (9, 5):
            name = entry["args"][0]
            if name in subsystems:
                out.append(dict(where, message=f"Subsystem '{name}' already defined."))
            subsystems.add(name)
    for block in matches:
        for name, _value in block.get("criteria") or []:
            since = _CRITERIA_SINCE.get(name)
            if since and vt is not None and vt < since:
                out.append({"file": block.get("file"), "line": block.get("line"),
                            "message": f"Bad Match condition: Unsupported Match attribute {name}"})
    return out


# ---------------------------------------------------------------------------
# sshd -T and sshd -t output
# ---------------------------------------------------------------------------

# sshd -t failures that come from the host, not from the configuration text: they fail every
# candidate alike, so they say nothing about an edit.
_ENVIRONMENT_ERRORS = re.compile(
    r"privilege separation|must be owned by root|no hostkeys available|Unable to load host key|"
    r"does not exist or is not executable|UNPROTECTED PRIVATE KEY|are too open|private key will be ignored|"
    r"private key files are NOT accessible|Permission denied|^@+$", re.IGNORECASE)


def is_environment_error(message):
    """True when an sshd -t message is about the host (privsep dir or user, host keys), not the text."""
    return bool(_ENVIRONMENT_ERRORS.search((message or "").strip()))


def text_errors(errors):
    """The sshd -t/-T errors that are about the configuration text: every message but the host's
    (privsep dir or user, host keys, permissions) and the closing "terminating, N bad ..." line."""
    return [e for e in errors or [] if not is_environment_error(e.get("message"))
            and not (e.get("message") or "").startswith("terminating")]


def parse_sshd_T(text):
    """``sshd -T`` output as a dict: lowercase keys; list keywords give lists; subsystem a dict."""
    out = {}
    for raw in (text or "").split("\n"):
        line = raw.strip(" \t\r\0")
        if not line:
            continue
        key, _space, value = line.partition(" ")
        key = key.lower()
        value = value.strip()
        if key == "subsystem":
            name, _space, command = value.partition(" ")
            out.setdefault(key, {}).setdefault(name, command.strip())
        elif key in _T_ONE_LINE:
            out.setdefault(key, []).extend(value.split())
        elif key in MULTI_VALUED:
            out.setdefault(key, []).append(value)
        else:
            out.setdefault(key, value)
    return out


def parse_sshd_t_errors(text):
    """Messages of ``sshd -t`` (stderr) as ``[{"file", "line", "message"}]``.

    ``FILE line N: msg`` and ``FILE: line N: msg`` give file and line; ``/path: msg`` (an
    unreadable include, "terminating, N bad configuration options") gives the file only;
    anything else has file and line None.
    """
    out = []
    for raw in (text or "").split("\n"):
        line = raw.strip(" \t\r\0")
        if not line:
            continue
        m = _T_ERROR_RE.match(line)
        if m:
            out.append({"file": m.group("file"), "line": int(m.group("line")), "message": m.group("message")})
        elif line.startswith("/") and ": " in line:
            file, _colon, message = line.partition(": ")
            out.append({"file": file, "line": None, "message": message})
        else:
            out.append({"file": None, "line": None, "message": line})
    return out
