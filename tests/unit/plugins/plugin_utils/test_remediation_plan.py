# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""remediation_plan against the facts of real lab hosts (the recordings, replayed through gather and
the checks, and variants of them), compared with the plan the role computed in Jinja before it used
the filter (fixtures/plan_jinja.yml, rendered with ansible-core's templar)."""

import copy
import json
from pathlib import Path

import pytest
import yaml

from ansible_collections.sshd.doctor.plugins.filter import plan as plan_filter
from ansible_collections.sshd.doctor.plugins.module_utils._sshd import checks, gather, hostio, registry
from ansible_collections.sshd.doctor.plugins.plugin_utils import remediation_plan as rp

ROOT = Path(__file__).resolve().parents[4]
RECORDINGS = ROOT / "tests" / "unit" / "fixtures" / "recordings"
ALL = registry.fixable()
JINJA = Path(__file__).parent / "fixtures" / "plan_jinja.yml"
ROLE_VARS = {"config": "__remediate_config_fixes", "starts": "__remediate_start_fixes",
             "activates": "__remediate_activating_fixes", "reload": "__remediate_reload_fixes",
             "env": "__remediate_env_fixes", "blocks_start": "__remediate_start_blockers"}


def _states():
    out = {}
    for path in sorted(RECORDINGS.glob("*/*.json")):
        if path.stem.startswith("_") or path.stem.endswith(".raw"):
            continue
        rec = json.loads(path.read_text())
        state = gather.collect(hostio.ReplayHost(rec), rec["meta"]["options"])
        state["findings"], state["checks"] = checks.run_checks(state)
        out["%s/%s" % (path.parent.name, path.stem)] = state
    return out


STATES = _states()


def _variants(state):
    """The recorded state, and the same with what the lab cannot combine: latent changes, a port held
    by another program, sshd -t failing for a privsep directory the run does not fix, a stopped sshd."""
    yield "as recorded", state
    s = copy.deepcopy(state)
    s["findings"].append({"id": "config_latent_change", "severity": "warning", "remediable": False})
    s["latent"] = {"reasons": ["sshd_config changed after sshd started"]}
    yield "latent", s
    s = copy.deepcopy(state)
    s["findings"].append({"id": "port_conflict", "severity": "error", "remediable": False})
    s["listeners"] = [{"port": 22, "process": "nginx"}]
    yield "port taken", s
    s = copy.deepcopy(s)
    s["listeners"] = [{"port": 22, "process": "sshd"}]
    yield "port_conflict from old log lines", s
    s = copy.deepcopy(state)
    s["findings"] += [{"id": "privsep_dir_missing", "severity": "error", "remediable": True},
                      {"id": "sftp_subsystem_missing", "severity": "error", "remediable": True}]
    s.setdefault("service", {})["active_state"] = "active"
    yield "sshd -t fails, running", s
    s = copy.deepcopy(state)
    s["findings"] += [{"id": "config_invalid", "severity": "error", "remediable": False},
                      {"id": "service_inactive", "severity": "error", "remediable": True}]
    yield "config invalid", s


FIX_SETS = {"all": ALL, "no privsep fixes": [f for f in ALL if not f.startswith("privsep")], "none": []}
CASES = [(name, variant, fixes) for name in STATES for variant, _s in _variants(STATES[name]) for fixes in FIX_SETS]


def _jinja_plan(sshd, fixes, allow_latent):
    """The plan as the role's Jinja computed it (fixtures/plan_jinja.yml), the role's lists from the registry."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template

    jinja = yaml.safe_load(JINJA.read_text())["vars"]
    variables = {name: registry.with_flag(flag) for flag, name in ROLE_VARS.items()}
    variables["__remediate_order"] = ALL
    variables.update({k: trust_as_template(v) for k, v in jinja.items() if k != "__remediate_run_id"})
    variables.update(ansible_facts={"sshd": sshd}, remediate_fixes=fixes, remediate_allow_latent=allow_latent)
    templar = Templar(loader=DataLoader(), variables=variables)

    def get(name):
        return templar.template(trust_as_template("{{ %s }}" % name))

    skipped = get("__remediate_skip")
    enabled = get("__remediate_enabled")
    return {"found": get("__remediate_plan_found"), "todo": [f for f in enabled if f not in skipped], "skipped": dict(skipped),
            "disabled": get("__remediate_order | select('in', __remediate_plan_found) | reject('in', remediate_fixes) | list"),
            "report_only": get("__remediate_plan_found | reject('in', __remediate_order) | list"),
            "config_ok": get("__remediate_valid") in (True, "True"),
            "start_ok": get("__remediate_valid and not __remediate_start_blocker") in (True, "True"),
            "start_blocker": get("__remediate_start_blocker")}


# every 37th case: 37 is prime to the 18 variant x fix-set combinations of a recording, so all of them are met
@pytest.mark.parametrize("name, variant, fixes", CASES[::37])
@pytest.mark.parametrize("allow_latent", [False, True])
def test_plan_is_the_roles_plan(name, variant, fixes, allow_latent):
    sshd = dict(_variants(STATES[name]))[variant]
    ours = rp.remediation_plan(sshd, FIX_SETS[fixes], allow_latent=allow_latent)
    assert ours == _jinja_plan(sshd, FIX_SETS[fixes], allow_latent)


def test_the_branches_are_reached():
    """Each reason a fix is skipped, and each blocker, shows up in the cases above."""
    reasons, blockers = set(), set()
    for name, variant, fixes in CASES:
        sshd = dict(_variants(STATES[name]))[variant]
        for allow in (False, True):
            p = rp.remediation_plan(sshd, FIX_SETS[fixes], allow_latent=allow)
            reasons |= {why.split(":")[0].split(" (")[0] for why in p["skipped"].values()}
            blockers.add(p["start_blocker"])
            assert p["todo"] == [f for f in ALL if f in p["todo"]]
            assert not set(p["todo"]) & set(p["skipped"]) and set(p["todo"]) <= set(FIX_SETS[fixes])
            assert p["config_ok"] is ("config_invalid" not in p["found"])
    assert {"the facts name nothing this fix can act on", "config_invalid", "port_conflict", "would fail"} <= reasons
    assert {"", "port_conflict"} <= blockers


def test_filter_refuses_what_is_not_facts():
    from ansible.errors import AnsibleFilterError

    with pytest.raises(AnsibleFilterError, match="expects ansible_facts"):
        plan_filter.remediation_plan("not facts", ALL)
    with pytest.raises(AnsibleFilterError, match="fixes must be a list"):
        plan_filter.remediation_plan({"findings": []}, "sftp_subsystem_missing")
    assert plan_filter.FilterModule().filters()["remediation_plan"]({"findings": []}, ALL)["todo"] == []
