# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The finding registry (registry.py) against everything that repeats a finding id.

``problems(findings, root)`` lists each disagreement between a registry and a checkout: the
checks, docs/findings.md, the remediate role (fix files, includes, vars, defaults,
argument_specs), molecule's FIXABLE and the fixes table of docs/guides/remediate.md.  The real
registry has none; copies with one piece missing prove that each piece is checked.
"""

import ast
import copy
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import checks, checks_auth, checks_users, gather, hostio, latent, registry

ROOT = Path(__file__).resolve().parents[5]
MODULES = {"checks": checks, "checks_auth": checks_auth, "checks_users": checks_users, "latent": latent}
ROLE_VARS = {"config": "__remediate_config_fixes", "starts": "__remediate_start_fixes",
             "activates": "__remediate_activating_fixes", "reload": "__remediate_reload_fixes",
             "env": "__remediate_env_fixes", "blocks_start": "__remediate_start_blockers"}
FIXABLE_FILE = Path("extensions", "molecule", "faults", "tests", "test_fixed.py")
# Ids the molecule verifier's FIXABLE may differ in, and why (strict: an entry goes once the file
# agrees, or the test fails).
FIXABLE_DRIFT = {}
# what problems() reads: copied whole into a temporary checkout by the mutation tests
READS = [Path("docs", "findings.md"), Path("docs", "guides", "remediate.md"), Path("roles", "remediate"), FIXABLE_FILE]


def _yaml(path):
    return yaml.safe_load(path.read_text())


def _fixable_set(path):
    """The FIXABLE literal of the molecule verifier (read, not imported: it needs testinfra)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "FIXABLE" for t in node.targets):
            return set(ast.literal_eval(node.value))
    return None


def _docs_problems(findings, root):
    out = []
    text = (root / "docs" / "findings.md").read_text()
    sections = set(re.findall(r"^## ([a-z0-9_]+)$", text, re.M))
    rows = {fid: (sev, fixed) for fid, sev, fixed in
            re.findall(r"^\| \[([a-z0-9_]+)\]\(#\1\) \| ([^|]+) \| ([^|]+) \|", text, re.M)}
    for fid, entry in findings.items():
        if fid not in sections:
            out.append("%s: no '## %s' section in docs/findings.md" % (fid, fid))
        if fid not in rows:
            out.append("%s: no Contents row in docs/findings.md" % fid)
            continue
        severities = {s.strip() for s in rows[fid][0].split("/")}
        if severities != set(entry["severities"]):
            out.append("%s: docs/findings.md says severity %s, the registry %s" % (fid, rows[fid][0].strip(), "/".join(entry["severities"])))
        if rows[fid][1].strip().startswith("yes") != (entry["fix_order"] is not None):
            out.append("%s: docs/findings.md says auto-fixed '%s'" % (fid, rows[fid][1].strip()))
    guide = (root / "docs" / "guides" / "remediate.md").read_text().split("## The fixes", 1)[-1].split("\n## ", 1)[0]
    in_guide = {fid for cell in re.findall(r"^\| (`[a-z0-9_]+`(?:, `[a-z0-9_]+`)*) \|", guide, re.M)
                for fid in re.findall(r"`([a-z0-9_]+)`", cell)}
    if in_guide != set(registry.fixable(findings)):
        out.append("docs/guides/remediate.md fixes table: %s" % sorted(in_guide ^ set(registry.fixable(findings))))
    return out


def _check_problems(findings):
    out = []
    for fid, entry in findings.items():
        if entry["module"] not in MODULES or not callable(getattr(MODULES[entry["module"]], entry["check"], None)):
            out.append("%s: no %s in %s.py" % (fid, entry["check"], entry["module"]))
    for name, module in MODULES.items():
        for attr in dir(module):
            fid = attr[len("check_"):]
            if attr.startswith("check_") and callable(getattr(module, attr)) and findings.get(fid, {}).get("module") != name:
                out.append("%s.%s is not registered" % (name, attr))
    return out


def _role_problems(findings, root):
    out = []
    role = root / "roles" / "remediate"
    fixes = registry.fixable(findings)
    variables = _yaml(role / "vars" / "main.yml")
    if variables["__remediate_order"] != fixes:
        out.append("vars/main.yml __remediate_order %s, the registry %s" % (variables["__remediate_order"], fixes))
    for flag, name in ROLE_VARS.items():
        if set(variables[name]) != set(registry.with_flag(flag, findings)):
            out.append("vars/main.yml %s differs from the registry's '%s' flag: %s" % (
                name, flag, sorted(set(variables[name]) ^ set(registry.with_flag(flag, findings)))))
    block = next(t for t in _yaml(role / "tasks" / "main.yml") if t.get("name") == "Remediate")["block"]
    includes = [t["ansible.builtin.include_tasks"] for t in block if str(t.get("ansible.builtin.include_tasks", "")).startswith("fix_")]
    if includes != [findings[fid]["fix_file"] for fid in fixes]:
        out.append("tasks/main.yml includes %s" % includes)
    on_disk = sorted(p.name for p in (role / "tasks").glob("fix_*.yml"))
    if on_disk != sorted(findings[fid]["fix_file"] for fid in fixes):
        out.append("tasks/fix_*.yml %s" % sorted(set(on_disk) ^ {findings[fid]["fix_file"] for fid in fixes}))
    if set(_yaml(role / "defaults" / "main.yml")["remediate_fixes"]) != set(fixes):
        out.append("defaults/main.yml remediate_fixes differs")
    option = _yaml(role / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]["remediate_fixes"]
    if option["choices"] != fixes or set(option["default"]) != set(fixes):
        out.append("meta/argument_specs.yml remediate_fixes choices/default differ")
    drift = (_fixable_set(root / FIXABLE_FILE) or set()) ^ set(fixes)
    if drift != set(FIXABLE_DRIFT):
        out.append("%s FIXABLE: %s" % (FIXABLE_FILE, sorted(drift)))
    return out


def problems(findings, root=ROOT):
    """Every disagreement between ``findings`` (shaped like registry.FINDINGS) and the checkout at ``root``."""
    return _check_problems(findings) + _docs_problems(findings, root) + _role_problems(findings, root)


def test_the_registry_agrees_with_checks_docs_role_and_molecule():
    assert problems(registry.FINDINGS) == []


def test_checks_run_in_registry_order():
    assert [fid for fid, _fn in checks.CHECKS] == list(registry.IDS)
    assert all(fn.__name__ == "check_" + fid for fid, fn in checks.CHECKS)
    assert {fid for fid, _fn in checks_auth.CHECKS} <= set(registry.IDS)


def test_registry_rows_are_well_formed():
    orders = [e["fix_order"] for e in registry.FINDINGS.values() if e["fix_order"] is not None]
    assert sorted(orders) == list(range(1, len(orders) + 1))
    for entry in registry.FINDINGS.values():
        assert entry["severities"] and set(entry["severities"]) <= set(registry.SEVERITIES), entry
        assert entry["flags"] <= set(registry.FLAGS), entry
        # fix flags on an id without a fix, or a start blocker that the role fixes, mean nothing
        if entry["fix_order"] is None:
            assert entry["flags"] <= {"blocks_start"}, entry
        else:
            assert "blocks_start" not in entry["flags"], entry
    assert len(registry.IDS) == len(registry.FINDINGS)
    assert registry.severity("config_invalid") == "error" and registry.severity("nope") is None


# ---------------------------------------------------------------- each piece is checked


@pytest.fixture()
def checkout(tmp_path):
    for rel in READS:
        src, dst = ROOT / rel, tmp_path / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dst)
    assert problems(registry.FINDINGS, tmp_path) == []
    return tmp_path


def _edit(path, old, new):
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def test_a_missing_registry_entry_is_named():
    fewer = dict(registry.FINDINGS)
    del fewer["sftp_subsystem_missing"]
    found = problems(fewer)
    assert "checks.check_sftp_subsystem_missing is not registered" in found
    assert any(p.startswith("vars/main.yml __remediate_order") for p in found)
    assert any(p.startswith("tasks/fix_*.yml") for p in found)
    assert any("FIXABLE" in p for p in found)


def test_a_new_id_without_check_docs_or_fix_is_named():
    more = dict(registry.FINDINGS)
    more["brand_new"] = registry._entry(("brand_new", ("error",), "checks", 13, ()))
    found = problems(more)
    for piece in ("no check_brand_new in checks.py", "no '## brand_new' section", "no Contents row",
                  "__remediate_order", "tasks/main.yml includes", "tasks/fix_*.yml", "remediate_fixes differs",
                  "argument_specs", "FIXABLE", "docs/guides/remediate.md"):
        assert any(piece in p for p in found), (piece, found)


def test_a_wrong_severity_or_flag_is_named():
    changed = copy.deepcopy(registry.FINDINGS)
    changed["weak_host_key_only"]["severities"] = ("error",)
    changed["sftp_server_missing"]["flags"] = frozenset(("config", "activates"))
    found = problems(changed)
    assert any(p.startswith("weak_host_key_only: docs/findings.md says severity warning") for p in found)
    assert any("__remediate_reload_fixes" in p for p in found)


@pytest.mark.parametrize("rel, old, new, piece", [
    ("docs/findings.md", "\n## privsep_dir_insecure\n", "\n## privsep_dir_insecure_gone\n", "no '## privsep_dir_insecure' section"),
    ("docs/findings.md", "| [root_login_refused](#root_login_refused) | info |", "| [root_login_refused](#root_login_refused) | warning |",
     "root_login_refused: docs/findings.md says severity"),
    ("docs/findings.md", "| [service_not_enabled](#service_not_enabled) | warning | yes |",
     "| [service_not_enabled](#service_not_enabled) | warning | no |", "service_not_enabled: docs/findings.md says auto-fixed"),
    ("docs/guides/remediate.md", "| `service_not_enabled` |", "| `service_enabled` |", "fixes table"),
    ("roles/remediate/vars/main.yml", "  - privsep_dir_missing\n  - privsep_dir_insecure\n",
     "  - privsep_dir_insecure\n  - privsep_dir_missing\n", "__remediate_order"),
    ("roles/remediate/vars/main.yml", "__remediate_reload_fixes:\n", "__remediate_reload_fixes:\n  - service_failed\n",
     "__remediate_reload_fixes"),
    ("roles/remediate/defaults/main.yml", "  - tcp_wrappers_denied\n", "", "remediate_fixes differs"),
    ("roles/remediate/meta/argument_specs.yml", "          - home_or_keys_insecure\n", "", "argument_specs"),
    ("roles/remediate/tasks/main.yml", "include_tasks: fix_service_failed.yml", "include_tasks: fix_service_inactive.yml",
     "tasks/main.yml includes"),
    (str(FIXABLE_FILE), '"tcp_wrappers_denied", ', "", "FIXABLE"),
    # an id the role does not fix, claimed fixed by the verifier
    (str(FIXABLE_FILE), '"tcp_wrappers_denied", ', '"tcp_wrappers_denied", "config_invalid", ', "FIXABLE: ['config_invalid']"),
])
def test_each_piece_is_checked(checkout, rel, old, new, piece):
    _edit(checkout / rel, old, new)
    found = problems(registry.FINDINGS, checkout)
    assert any(piece in p for p in found), found


def test_a_missing_fix_file_is_named(checkout):
    (checkout / "roles" / "remediate" / "tasks" / "fix_privsep_dir_insecure.yml").unlink()
    assert any(p.startswith("tasks/fix_*.yml") and "fix_privsep_dir_insecure.yml" in p for p in problems(registry.FINDINGS, checkout))


# ---------------------------------------------------------------- checks report what the registry says


def _finding_calls():
    """(module, id, severity names, remediable expression) of each literal finding(...) call of the check modules."""
    out = []
    for name, module in MODULES.items():
        for node in ast.walk(ast.parse(Path(module.__file__).read_text())):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "").lstrip("_") == "finding"):
                continue
            if not node.args or not isinstance(node.args[0], ast.Constant):
                continue
            sev = node.args[1] if len(node.args) > 1 else None
            names = {n.id.lower() for n in ast.walk(sev) if isinstance(n, ast.Name) and n.id in ("ERROR", "WARNING", "INFO")}
            names |= {n.value for n in ast.walk(sev) if isinstance(n, ast.Constant) and n.value in registry.SEVERITIES}
            remediable = next((k.value for k in node.keywords if k.arg == "remediable"), None)
            out.append((name, node.args[0].value, names, remediable))
    return out


def test_every_literal_finding_call_uses_a_registered_severity():
    calls = _finding_calls()
    assert len(calls) >= 40
    for module, fid, severities, remediable in calls:
        entry = registry.FINDINGS[fid]
        assert entry["module"] == module, fid
        assert severities <= set(entry["severities"]), (fid, severities)
        # remediable=<anything but False> only where the role has a fix
        if remediable is not None and not (isinstance(remediable, ast.Constant) and remediable.value is False):
            assert entry["fix_order"] is not None, fid


RECORDINGS = ROOT / "tests" / "unit" / "fixtures" / "recordings"


def test_recorded_findings_carry_registered_severities():
    seen = set()
    for path in sorted(RECORDINGS.glob("*/*.json")):
        if path.stem.startswith("_") or path.stem.endswith(".raw"):
            continue
        rec = json.loads(path.read_text())
        findings, _ran = checks.run_checks(gather.collect(hostio.ReplayHost(rec), rec["meta"]["options"]))
        for f in findings:
            entry = registry.FINDINGS[f["id"]]
            assert f["severity"] in entry["severities"], (path.name, f["id"], f["severity"])
            assert not f["remediable"] or entry["fix_order"] is not None, (path.name, f["id"])
            seen.add(f["id"])
    assert len(seen) >= 20, sorted(seen)
