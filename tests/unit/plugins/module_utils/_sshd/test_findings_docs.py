# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/findings.md documents every check, and only ids that exist."""

import re
from pathlib import Path

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import checks

DOC = Path(__file__).resolve().parents[5] / "docs" / "findings.md"


def _doc():
    text = DOC.read_text()
    sections = re.findall(r"^## ([a-z0-9_]+)$", text, re.M)
    rows = re.findall(r"^\| \[([a-z0-9_]+)\]\(#\1\) \|", text, re.M)
    return text, sections, rows


def test_every_check_has_a_section_and_a_contents_row():
    _text, sections, rows = _doc()
    ids = [cid for cid, _fn in checks.CHECKS]
    assert [i for i in ids if i not in sections] == []
    assert [i for i in ids if i not in rows] == []


def test_every_documented_id_is_a_check_or_says_it_is_not_detected():
    text, sections, rows = _doc()
    ids = {cid for cid, _fn in checks.CHECKS}
    not_detected = set(re.findall(r"^\| \[([a-z0-9_]+)\]\(#\1\) \| - \| no \| not detected yet \|$", text, re.M))
    assert sorted(set(sections) - ids - not_detected) == []
    assert sorted(set(rows) - ids - not_detected) == []
    assert len(sections) == len(set(sections))
