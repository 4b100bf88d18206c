# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The remediate role runs one fix task file per finding id, in the order vars/main.yml names."""

from pathlib import Path

import yaml

ROLE = Path(__file__).resolve().parents[3] / "roles" / "remediate"


def test_fix_includes_follow_the_declared_order():
    order = yaml.safe_load((ROLE / "vars" / "main.yml").read_text())["__remediate_order"]
    main = yaml.safe_load((ROLE / "tasks" / "main.yml").read_text())
    block = next(t for t in main if t.get("name") == "Remediate")["block"]
    includes = [t["ansible.builtin.include_tasks"] for t in block
                if str(t.get("ansible.builtin.include_tasks", "")).startswith("fix_")]
    assert includes == [f"fix_{fid}.yml" for fid in order]
    for fid in order:
        assert (ROLE / "tasks" / f"fix_{fid}.yml").is_file(), fid


def test_default_fixes_are_known_ids():
    order = yaml.safe_load((ROLE / "vars" / "main.yml").read_text())["__remediate_order"]
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())["remediate_fixes"]
    assert set(defaults) <= set(order)
    # policy findings are never in the fix set
    assert not {"user_not_allowed", "root_login_refused", "config_invalid"} & set(defaults)
