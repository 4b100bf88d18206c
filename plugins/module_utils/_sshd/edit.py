# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Set or remove one sshd_config keyword where sshd will honour it: pure functions, text in, text out.

The configuration is read with :func:`config.parse_config` (Include, Match, file:line of every
entry) and the edit is planned from that parse:

* the line that wins (first obtained value, ``Match all`` included, as :func:`config.effective`
  says) is rewritten in place: indentation, keyword spelling, separator and trailing comment
  stay, so the value lands where sshd takes it from, be it the main file or a drop-in that an
  ``Include`` pulls in earlier;
* a keyword that no start-up line sets gets a new line in the global section of the main file:
  after its commented-out default (``#PermitRootLogin prohibit-password``) when there is one
  before the first Match, otherwise just before the first ``Match`` (and the comment lines
  glued to it), otherwise at the end; never inside or after a Match block;
* ``Subsystem`` is keyed by subsystem name: an existing definition is rewritten, a second one is
  never added;
* list keywords that accumulate (Port, ListenAddress, HostKey, AcceptEnv, Allow/Deny...) get the
  value as one more line next to the others unless a line with exactly that value exists;
* ``state=absent`` removes every start-up occurrence (all of them, or those with the given value);
  lines inside Match blocks are reported, never touched.

Text stays exact: lines end at ``\\n`` only (like the parser), untouched lines are kept byte for
byte (the caller decodes with ``surrogateescape``), a CRLF line stays CRLF and an inserted line
takes the line end of its neighbour.

For ``sshd -t`` the candidate must be tested as sshd will read it, includes and all.
staging.py's ``files_to_stage`` names the files that need a temporary copy (the edited ones and every
file whose Include leads to one) and its ``staged_texts`` writes those copies, with each Include line
that reaches a staged file replaced by the explicit list of the files it expands to (same order,
the staged copies in place of the live files).  ``sshd -t -f STAGED_MAIN`` then reads exactly the
configuration that the edit would produce.
"""

import re

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import config as sshd_config
from ansible_collections.sshd.doctor.plugins.module_utils._sshd.version import version_tuple

_WS = " \t\r\n"
_KEYWORD_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
# List keywords whose built-in default disappears once any line sets them.
_DEFAULT_LISTS = {"port": "Port 22", "listenaddress": "every local address",
                  "hostkey": "the default host key files"}
_COMMENTED_MATCH_RE = re.compile(r"^#\s*match(\s|=|$)", re.IGNORECASE)


class EditError(Exception):
    """The edit cannot be made safely; the message says why."""


# ---------------------------------------------------------------------------
# Lines
# ---------------------------------------------------------------------------

def split_lines(text):
    """Physical lines, each with its own ``\\n`` (the last one may lack it); only ``\\n`` ends a line."""
    if not text:
        return []
    parts = text.split("\n")
    out = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


def line_end(line):
    """``\\r\\n``, ``\\n`` or ``""``: how this physical line ends."""
    if line.endswith("\r\n"):
        return "\r\n"
    return "\n" if line.endswith("\n") else ""


def _content(line):
    end = line_end(line)
    return line[:-len(end)] if end else line


def arg_spans(s, i=0):
    """``[(start, end)]`` of each argument of ``s[i:]`` as sshd reads them (config.split_args)."""
    return [(start, end) for start, end, _text in sshd_config.split_args(s, i)[0]]


def _scan_args(s, i):
    spans = arg_spans(s, i)
    return spans[-1][1] if spans else i


def line_layout(line, raw_value=False):
    """``(head, value, tail)`` of one configuration line (without its line end), None when odd.

    ``head`` is the indentation, the keyword as written and its separator (white space or
    ``=``); ``value`` the argument text; ``tail`` what follows it (white space, a trailing
    ``# comment``).  ``raw_value``: sshd keeps the rest of the line (ForceCommand and friends),
    so only trailing white space is tail.
    """
    s = line
    n = len(s)
    i = 0
    while i < n and s[i] in " \t\r":
        i += 1
    start = i
    while i < n and s[i] not in _WS + '"=':
        i += 1
    if i == start or s[start] == "#" or (i < n and s[i] == '"'):
        return None
    if i < n and s[i] == "=":
        i += 1
        while i < n and s[i] in _WS:
            i += 1
    else:
        while i < n and s[i] in _WS:
            i += 1
        if i < n and s[i] == "=":
            i += 1
            while i < n and s[i] in _WS:
                i += 1
    end = max(len(s.rstrip(_WS + "\f")) if raw_value else _scan_args(s, i), i)
    return s[:i], s[i:end], s[end:]


def _keep_separators(old, value, raw_value):
    """``value`` with the white space between the old arguments, when both have the same number of them."""
    if raw_value:
        return None
    old_spans, new_spans = arg_spans(old), arg_spans(value)
    if len(old_spans) != len(new_spans) or len(new_spans) < 2:
        return None
    out = []
    for index, (start, end) in enumerate(new_spans):
        if index:
            out.append(old[old_spans[index - 1][1]:old_spans[index][0]])
        out.append(value[start:end])
    return "".join(out)


def rewrite_line(line, keyword, value, raw_value=False):
    """``line`` (with its line end) with its arguments replaced by ``value``; the rest kept.

    With as many arguments as before, the white space between them stays too.  Falls back to
    ``<indentation><keyword as written> <value>`` when the layout cannot be kept (the result
    is checked with the parser's own tokenizer).
    """
    end = line_end(line)
    body = _content(line)
    want = sshd_config.tokenize(f"{keyword} {value}")[1:]
    layout = line_layout(body, raw_value)
    if layout is not None:
        head, old, tail = layout
        for middle in (_keep_separators(old, value, raw_value), value):
            if middle is None:
                continue
            candidate = head + middle + tail
            if sshd_config.tokenize(candidate)[1:] == want:
                return candidate + end
    tokens = sshd_config.tokenize(body)
    written = tokens[0] if tokens else keyword
    indent = body[:len(body) - len(body.lstrip(" \t"))]
    return f"{indent}{written} {value}{end}"


# ---------------------------------------------------------------------------
# Occurrences of a keyword
# ---------------------------------------------------------------------------

def _startup_applies(parsed, version):
    """index -> True when that Match block applies while sshd loads (``Match all``, a fitting ``Match Version``)."""
    matches = parsed.get("matches") or []
    release = sshd_config.release_string(version)
    blank = {"version": release} if release else {}
    memo = {}

    def applies(index):
        # the same chain walk sshd_config.effective uses (Include inside Match, invalid blocks)
        return sshd_config.chain_applies(matches, index, blank, memo)

    return applies


def occurrences(parsed, keyword, name=None, version=None):
    """``(startup, in_match)``: entries of ``keyword`` (canonical name) that apply at start-up, and the rest.

    ``name`` narrows Subsystem entries to one subsystem.  Entries keep the processing order.
    """
    vt = version_tuple(version)
    applies = _startup_applies(parsed, version)
    startup, in_match = [], []
    for entry in parsed.get("entries") or []:
        if sshd_config.canonical_keyword(entry.get("keyword", ""), vt) != keyword:
            continue
        if name is not None and (entry.get("args") or [None])[0] != name:
            continue
        if vt is not None and vt < (8, 2) and entry.get("depth"):
            continue
        index = entry.get("match")
        (startup if index is None or applies(index) else in_match).append(entry)
    return startup, in_match


def _winner(parsed, keyword, name, startup, version):
    """The start-up entry sshd takes the value from (None for accumulating lists and unset keywords)."""
    if keyword in sshd_config.ACCUMULATING or not startup:
        return None
    rec = sshd_config.effective(parsed, None, version).get(keyword)
    src = None
    if rec is not None and keyword == "subsystem":
        src = (rec.get("sources") or {}).get(name)
    elif rec is not None:
        src = [rec.get("file"), rec.get("line")]
    if src:
        for entry in startup:
            if [entry["file"], entry["line"]] == list(src):
                return entry
    return startup[0]


def _where(entry):
    return {"file": entry["file"], "line": entry["line"], "text": entry.get("text")}


def _same_value(entry, args, raw):
    if raw is not None and entry.get("raw"):
        return entry["raw"].strip(_WS + "\f") == raw
    return list(entry.get("args") or []) == list(args)


# ---------------------------------------------------------------------------
# Where a new line goes
# ---------------------------------------------------------------------------

def _commented_default(lines, keyword, name, version):
    """Index of the first ``#Keyword value`` line (no space after ``#``) before any commented ``#Match``."""
    vt = version_tuple(version)
    for index, line in enumerate(lines):
        body = _content(line).lstrip(" \t")
        if _COMMENTED_MATCH_RE.match(body):
            return None
        if not body.startswith("#") or body[1:2] in ("", " ", "\t", "#"):
            continue
        tokens = sshd_config.tokenize(body[1:])
        if len(tokens) < 2 or sshd_config.canonical_keyword(tokens[0].lower(), vt) != keyword:
            continue
        if name is not None and tokens[1] != name:
            continue
        return index
    return None


def insertion_point(parsed, texts, keyword, name=None, version=None):
    """``(file, index, reason)``: a new global line goes before physical line ``index`` (0-based) of the main file."""
    main = parsed["path"]
    lines = split_lines(texts.get(main) or "")
    first_match = sshd_config.main_section_end(parsed, main)
    limit = first_match - 1 if first_match else len(lines)
    anchor = _commented_default(lines[:limit], keyword, name, version)
    if anchor is not None:
        return main, anchor + 1, f"after the commented-out default at line {anchor + 1}"
    if first_match:
        index = first_match - 1
        while index > 0 and _content(lines[index - 1]).lstrip(" \t").startswith("#"):
            index -= 1
        return main, index, f"in the global section, before the first Match (line {first_match})"
    return main, len(lines), "at the end of the main file (it has no Match block)"


def _new_line(keyword, value, lines, index):
    """The new line, with the line end of its neighbour (the line before, else the one after, else ``\\n``)."""
    end = ""
    if index > 0:
        end = line_end(lines[index - 1])
    if not end and index < len(lines):
        end = line_end(lines[index])
    if not end:
        end = next((line_end(line) for line in lines if line_end(line)), "\n")
    return f"{keyword} {value}{end}"


# ---------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------

def _check_request(keyword, value, state):
    if state not in ("present", "absent"):
        raise EditError(f"state must be present or absent, not {state!r}")
    kw = (keyword or "").strip()
    if not _KEYWORD_RE.match(kw):
        raise EditError(f"{keyword!r} is not an sshd_config keyword")
    if kw.lower() in ("match", "include"):
        raise EditError(f"{kw} is structure, not an option: this module does not add or remove {kw} lines")
    text = None if value is None else str(value).strip(" \t")
    if text is not None and any(c in text for c in "\r\n\0"):
        raise EditError("value must be one line (no CR, LF or NUL)")
    args = []
    if text:
        tokens, error = sshd_config.split_line(f"{kw} {text}")
        if error:
            raise EditError(f"value {text!r}: {error}")
        args = tokens[1:]
        if args and args[0].startswith("#"):
            raise EditError(f"value {text!r} starts a comment")
    if state == "present" and not args:
        raise EditError("state=present needs a value")
    return kw, text or None, args


def _apply(lines, ops):
    """Apply ``[(index, action, new_line)]`` (replace/remove at index, insert before index), bottom up."""
    out = list(lines)
    for index, action, new in sorted(ops, key=lambda op: op[0], reverse=True):
        if action == "replace":
            out[index] = new
        elif action == "remove":
            del out[index]
        else:
            if index > 0 and not line_end(out[index - 1]):
                out[index - 1] += "\r\n" if new.endswith("\r\n") else "\n"
            out.insert(index, new)
    return "".join(out)


def _physical(texts, entry):
    lines = split_lines(texts.get(entry["file"]) or "")
    index = entry["line"] - 1
    if not 0 <= index < len(lines):
        raise EditError(f"{entry['file']}:{entry['line']} is not in the file any more (changed while reading?)")
    line = lines[index]
    if "\0" in line:
        raise EditError(f"{entry['file']}:{entry['line']} holds a NUL byte (sshd joins it with the next line): fix it by hand")
    return lines, index, line


def _check_insert(file, lines, index):
    if index > 0 and "\0" in lines[index - 1]:
        raise EditError(f"{file}:{index}: a NUL byte there makes sshd join the next line to it; fix it by hand first")


def plan_option(parsed, texts, keyword, value=None, state="present", version=None, base_dir=sshd_config.SSHDIR):
    """Plan setting (``present``) or removing (``absent``) one keyword.

    ``parsed`` is :func:`config.parse_config` of the main file, ``texts`` ``{path: text}`` of
    every file it read (the exact text: decode bytes with ``surrogateescape``).  For Subsystem,
    ``value`` is ``NAME COMMAND [ARGS]`` (with ``absent``: ``NAME`` or the full definition).
    With ``absent`` a value narrows the removal to the lines with exactly that value.

    Returns::

        {"keyword", "name", "changed", "texts": {path: new text} (changed files only),
         "changes": [{"file", "line", "action" (replace/insert/remove), "before", "after", "reason"}],
         "result": {"file", "line", "text"} (the line that holds the value now) or None,
         "shadowed": [{"file", "line", "text"}] (start-up lines that never take effect),
         "in_match": [{"file", "line", "text", "match_file", "match_line"}] (left alone),
         "effective": the value sshd will use after the edit, or None,
         "warnings": [text]}

    Raises :class:`EditError` when the edit cannot be made safely.
    """
    kw, text, args = _check_request(keyword, value, state)
    vt = version_tuple(version)
    canon = sshd_config.canonical_keyword(kw.lower(), vt)
    name = None
    if canon == "subsystem":
        if not args:
            raise EditError("Subsystem needs a value: NAME COMMAND [ARGS] (state=absent: NAME)")
        name = args[0]
        if state == "present" and len(args) < 2:
            raise EditError("Subsystem value is NAME COMMAND [ARGS], e.g. 'sftp internal-sftp'")
    raw = text if (canon in sshd_config.RAW_VALUE and text) else None
    startup, in_match = occurrences(parsed, canon, name, vt)
    matches = parsed.get("matches") or []
    plan = {"keyword": canon, "name": name, "changed": False, "texts": {}, "changes": [], "result": None,
            "shadowed": [], "in_match": [], "effective": None, "warnings": []}
    for entry in in_match:
        block = matches[entry["match"]] if isinstance(entry.get("match"), int) and entry["match"] < len(matches) else {}
        plan["in_match"].append(dict(_where(entry), match_file=block.get("file"), match_line=block.get("line")))
    ops = {}  # file -> [(index, action, new_line)]

    def add(file, index, action, new_line, before, reason):
        ops.setdefault(file, []).append((index, action, new_line))
        plan["changes"].append({"file": file, "line": index + 1, "action": action, "before": before,
                                "after": None if new_line is None else _content(new_line), "reason": reason})

    if state == "present":
        _plan_present(plan, parsed, texts, kw, canon, name, text, args, raw, startup, vt, add)
    else:
        _plan_absent(plan, texts, canon, args, raw, startup, add)

    for file, file_ops in ops.items():
        new_text = _apply(split_lines(texts.get(file) or ""), file_ops)
        if new_text != texts.get(file):
            plan["texts"][file] = new_text
    plan["changed"] = bool(plan["texts"])
    _after(plan, parsed, texts, canon, name, args, raw, state, vt, base_dir)
    if canon == "subsystem" and plan["in_match"] and vt is not None and vt < (9, 5):
        for item in plan["in_match"]:
            plan["warnings"].append(f"{item['file']}:{item['line']}: Subsystem inside a Match block is an error "
                                    f"before OpenSSH 9.5 (sshd -t: Directive 'Subsystem' is not allowed within a "
                                    f"Match block); remove it by hand")
    return plan


def _plan_present(plan, parsed, texts, kw, canon, name, text, args, raw, startup, vt, add):
    winner = _winner(parsed, canon, name, startup, vt)
    if canon in sshd_config.ACCUMULATING:
        same = [entry for entry in startup if _same_value(entry, args, raw)]
        if same:
            plan["result"] = _where(same[0])
            return
        if startup:
            last = startup[-1]
            lines, index, _line = _physical(texts, last)
            _check_insert(last["file"], lines, index + 1)
            new = _new_line(kw, text, lines, index + 1)
            add(last["file"], index + 1, "insert", new, None,
                f"next to the other {kw} lines ({last['file']}:{last['line']})")
            return
    elif winner is not None:
        plan["shadowed"] = [_where(entry) for entry in startup if entry is not winner]
        if _same_value(winner, args, raw):
            plan["result"] = _where(winner)
            return
        lines, index, line = _physical(texts, winner)
        new = rewrite_line(line, kw, text, raw_value=raw is not None)
        add(winner["file"], index, "replace", new, _content(line),
            "the line that wins (first obtained value)")
        return
    if canon in _DEFAULT_LISTS:
        plan["warnings"].append(f"no line sets {kw}, so sshd used its built-in default ({_DEFAULT_LISTS[canon]}); "
                                f"the new line replaces that default, it does not add to it")
    file, index, reason = insertion_point(parsed, texts, canon, name, vt)
    lines = split_lines(texts.get(file) or "")
    _check_insert(file, lines, index)
    add(file, index, "insert", _new_line(kw, text, lines, index), None, reason)


def _plan_absent(plan, texts, canon, args, raw, startup, add):
    if canon == "subsystem" and len(args) == 1:
        doomed = list(startup)
    elif args:
        doomed = [entry for entry in startup if _same_value(entry, args, raw)]
    else:
        doomed = list(startup)
    for entry in doomed:
        _lines, index, line = _physical(texts, entry)
        add(entry["file"], index, "remove", None, _content(line), "a start-up occurrence")


def replay_globber(parsed):
    """A globber that answers every Include pattern of ``parsed`` as it was answered then."""
    answers = {}
    for rec in parsed.get("includes") or []:
        answers.setdefault(rec["glob"], list(rec.get("paths") or []))

    def globber(pattern):
        return list(answers.get(pattern, []))

    return globber


def reparse(parsed, texts, new_texts, base_dir=sshd_config.SSHDIR):
    """parse_config of the candidate: the new texts over the old ones, Include globs answered as before."""
    merged = dict(texts)
    merged.update(new_texts or {})
    return sshd_config.parse_config(parsed["path"], reader=merged.get, globber=replay_globber(parsed),
                                    base_dir=base_dir)


def _after(plan, parsed, texts, canon, name, args, raw, state, vt, base_dir):
    """What sshd will use after the edit (the parser's view of the candidate), with a warning if it is not the aim."""
    after = reparse(parsed, texts, plan["texts"], base_dir) if plan["changed"] else parsed
    rec = sshd_config.effective(after, None, vt).get(canon)
    startup, _in_match = occurrences(after, canon, name, vt)
    if canon == "subsystem":
        value = (rec or {}).get("value", {}).get(name) if rec else None
        plan["effective"] = None if value is None else f"{name} {value}".strip()
    elif rec is not None:
        plan["effective"] = rec.get("value")
    if state == "present":
        if plan["result"] is None:
            for change in plan["changes"]:
                if change["action"] in ("insert", "replace"):
                    plan["result"] = {"file": change["file"], "line": change["line"], "text": change["after"]}
        if canon in sshd_config.NO_EFFECT or (rec is None and canon not in sshd_config.KEYWORDS):
            return
        ok = _is_effective(canon, rec, name, args, raw)
        if not ok:
            where = f" ({rec['file']}:{rec['line']})" if rec else ""
            plan["warnings"].append(f"after this edit sshd would still not use {' '.join(args)!r} for {canon}: "
                                    f"its effective value at start-up is {plan['effective']!r}{where}")
    else:
        whole = not args or (canon == "subsystem" and len(args) == 1)
        left = [entry for entry in startup if whole or _same_value(entry, args, raw)]
        if left:
            plan["warnings"].append(f"{canon}: start-up lines remain: "
                                    + ", ".join(f"{e['file']}:{e['line']}" for e in left))


def _is_effective(canon, rec, name, args, raw):
    if rec is None:
        return False
    value = rec.get("value")
    if canon == "subsystem":
        return (value or {}).get(name) == " ".join(args[1:])
    if raw is not None:
        return value == raw
    if canon in sshd_config.ACCUMULATING:
        items = [" ".join(args)] if canon in ("port", "listenaddress", "hostkey", "hostcertificate") else args
        return all(item in (value or []) for item in items)
    if canon in sshd_config.FIRST_LIST:
        return list(value or []) == list(args)
    return value == " ".join(args)
