# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Staging a candidate configuration for ``sshd -t`` and keeping backups out of sight: pure functions.

Which files need a temporary copy (the edited ones, every file whose Include reaches them, the
main file), their texts with those Include lines pointing at the copies, sshd's message with the
real names back, the Include that would read a backup, and a diff window for big files.
edit.py plans the change; option_backend.py writes the copies and runs sshd -t.
"""

import fnmatch

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import edit


def files_to_stage(parsed, edited):
    """Files that need a temporary copy so that ``sshd -t`` reads the candidate: the edited files, every
    file whose Include reaches one of them, and the main file; in the parser's reading order."""
    staged = set(edited)
    staged.add(parsed["path"])
    grew = True
    while grew:
        grew = False
        for rec in parsed.get("includes") or []:
            if rec["file"] not in staged and staged.intersection(rec.get("paths") or []):
                staged.add(rec["file"])
                grew = True
    order = [f for f in parsed.get("files") or [] if f in staged]
    return order + sorted(f for f in staged if f not in order)


def include_argument(path):
    """One Include argument that names exactly ``path``: glob(3) metacharacters and argv_split quoting escaped."""
    if any(c in path for c in "\t\n\r\0"):
        raise edit.EditError(f"cannot stage an Include of {path!r} (control characters in the name)")
    globbed = "".join("\\" + c if c in "*?[]\\" else c for c in path)
    return "".join("\\" + c if c in "\\\"' " else c for c in globbed)


def staged_texts(parsed, texts, temp_paths, new_texts=None):
    """``{file: text}`` to write to ``temp_paths[file]`` for every staged file.

    Each staged file holds its candidate text (``new_texts`` over ``texts``); an Include line of
    it that reaches a staged file is replaced by ``Include`` and the explicit list of what it
    expanded to (staged copies in place of the live files), so line numbers and the order sshd
    reads the files in stay.  Include lines are found in a parse of the candidate.
    """
    new_texts = new_texts or {}
    if new_texts:
        parsed = edit.reparse(parsed, texts, new_texts)
    by_line = {}
    for rec in parsed.get("includes") or []:
        by_line.setdefault((rec["file"], rec["line"]), []).extend(rec.get("paths") or [])
    out = {}
    for file in temp_paths:
        text = new_texts.get(file, texts.get(file) or "")
        lines = edit.split_lines(text)
        for (inc_file, number), paths in by_line.items():
            if inc_file != file or not any(p in temp_paths for p in paths):
                continue
            index = number - 1
            line = lines[index]
            indent = line[:len(line) - len(line.lstrip(" \t"))]
            lines[index] = (indent + "Include " + " ".join(include_argument(temp_paths.get(p, p)) for p in paths)
                            + (edit.line_end(line) or "\n"))
        out[file] = "".join(lines)
    return out


def unstage_message(text, temp_paths):
    """sshd's message with the temporary names replaced by the real ones."""
    out = text or ""
    for real, temp in sorted(temp_paths.items(), key=lambda item: -len(item[1])):
        out = out.replace(temp, real)
    return out


def _glob_component(name, pattern):
    if name.startswith(".") and not pattern.startswith("."):
        return False  # glob(3) without GLOB_PERIOD: a leading dot is matched only explicitly
    return fnmatch.fnmatchcase(name, pattern)


def included_by(parsed, path):
    """The Include line (``{"file", "line", "pattern"}``) whose glob would also read ``path``, else None.

    Backups and temporary files must not land where an Include picks them up (a second
    ``Subsystem sftp`` read from a backup is fatal before 9.5).
    """
    parts = path.split("/")
    for rec in parsed.get("includes") or []:
        pattern = (rec.get("glob") or "").split("/")
        if len(pattern) == len(parts) and all(_glob_component(n, p) for n, p in zip(parts, pattern)):
            return {"file": rec["file"], "line": rec["line"], "pattern": rec.get("pattern")}
    return None


def diff_window(before, after, context=3):
    """``(before, after, header)``: only the lines that differ and ``context`` lines around them.

    For diffs of big files (a 50 MB configuration must not return a 100 MB diff); linear time.
    """
    old, new = edit.split_lines(before), edit.split_lines(after)
    head = 0
    while head < len(old) and head < len(new) and old[head] == new[head]:
        head += 1
    if head == len(old) == len(new):
        return "", "", "no change"
    tail = 0
    while tail < len(old) - head and tail < len(new) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    start = max(head - context, 0)
    old_end, new_end = len(old) - max(tail - context, 0), len(new) - max(tail - context, 0)
    header = f"lines {start + 1}-{old_end} of {len(old)}, only the changed part shown"
    return "".join(old[start:old_end]), "".join(new[start:new_end]), header
