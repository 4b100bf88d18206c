# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every check module shares: the finding shape and the few readings of the state they all use."""

import re


def finding(fid, severity, summary, evidence, fix, remediable=False):
    """One finding: ``{id, severity, summary, evidence, fix, remediable}`` (empty evidence lines dropped)."""
    return {"id": fid, "severity": severity, "summary": summary, "evidence": [e for e in evidence if e],
            "fix": fix, "remediable": remediable}


def log_lines(state, pattern):
    """The service's log lines matching ``pattern`` (case-insensitive)."""
    rx = re.compile(pattern, re.IGNORECASE)
    return [line for line in state.get("service", {}).get("log", []) if rx.search(line)]


def where(entry):
    """``file:line`` of an effective value, None when sshd -T alone gave it."""
    if entry and entry.get("file"):
        return "%s:%s" % (entry["file"], entry.get("line"))
    return None


def test_output(state, pattern=None):
    """``sshd -t`` output lines (matching ``pattern``, when given)."""
    out = ((state.get("config") or {}).get("test") or {}).get("output") or []
    if pattern is None:
        return out
    rx = re.compile(pattern, re.IGNORECASE)
    return [line for line in out if rx.search(line)]


def config_known(state):
    """The effective values can be trusted: sshd -T gave them, or the parser read every line sshd
    would (readable, and no early stop at an include loop)."""
    cfg = state.get("config") or {}
    return cfg.get("source") == "sshd -T" or (cfg.get("readable") is not False and cfg.get("complete") is not False)
