# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""remediation_verify against the facts of real lab hosts (the recordings, replayed through gather and
the checks) and real client probe results (the ssh_probe results the filter tests keep, and the
stages classified from the raw client captures of tests/unit/fixtures/probe), with variants of the
applied fixes, the unrepaired users and the remediable flag, compared with what the role computed in
Jinja before it used the filter (fixtures/verify_jinja.yml, rendered with ansible-core's templar)."""

import copy
import json
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.sshd.doctor.plugins.filter import plan as plan_filter
from ansible_collections.sshd.doctor.plugins.module_utils._sshd import registry
from ansible_collections.sshd.doctor.plugins.plugin_utils import remediation_verify as rv

ROOT = Path(__file__).resolve().parents[4]
RAW_PROBES = ROOT / "tests" / "unit" / "fixtures" / "probe"
PROBE_RESULTS = ROOT / "tests" / "unit" / "plugins" / "filter" / "fixtures" / "probe"
JINJA = Path(__file__).parent / "fixtures" / "verify_jinja.yml"
sys.path.insert(0, str(RAW_PROBES))
from probe_fixture import classified  # noqa: E402  pylint: disable=wrong-import-position,import-error

# the recorded facts the plan's test replays (this directory is on sys.path as pytest imports the tests)
from test_remediation_plan import STATES as FACTS  # noqa: E402  pylint: disable=wrong-import-position,import-error


def _probes():
    out = {"not run": None, "skipped": {"changed": False, "skipped": True, "skip_reason": "Conditional result was False"}}
    for path in sorted(PROBE_RESULTS.glob("*.json")):
        out["result/" + path.stem] = json.loads(path.read_text())["result"]
    for run in sorted({p.parent for p in RAW_PROBES.glob("*/*/*/*.txt")}):
        stages = [classified(run / (name + ".txt")) for name in ("tcp", "ssh", "sftp", "scp") if (run / (name + ".txt")).exists()]
        out["raw/" + str(run.relative_to(RAW_PROBES))] = {"stages": stages}
    return out


PROBES = _probes()
ALL = registry.fixable()


def _applied_sets(sshd):
    """What the run may have applied: nothing, every fix of a finding the host has, every fix, each sftp fix
    alone, and (the probes' own findings) each id a failed stage names."""
    found = [f["id"] for f in sshd["findings"]]
    yield "none", []
    yield "found", [f for f in ALL if f in found]
    yield "all", list(ALL)
    yield "sftp_subsystem_missing", ["sftp_subsystem_missing"]
    yield "sftp_server_missing", ["sftp_server_missing", "privsep_dir_missing"]
    yield "privsep_dir_missing", ["privsep_dir_missing"]
    yield "tcp_wrappers_denied", ["tcp_wrappers_denied"]


def _variants(sshd):
    """The recorded facts; the same with each finding marked not remediable; with repair users (one
    of them unrepaired) on the user findings."""
    yield "as recorded", sshd, []
    s = copy.deepcopy(sshd)
    for f in s["findings"]:
        f["remediable"] = False
    yield "remediable false", s, []
    s = copy.deepcopy(sshd)
    for i, f in enumerate(s["findings"]):
        f["repair"] = {"user": "alice" if i % 2 else "bob", "steps": []}
    s["findings"].append({"id": "home_or_keys_insecure", "severity": "error", "remediable": True, "summary": "s",
                          "evidence": ["e"], "repair": None})
    yield "repair users, alice unrepaired", s, ["alice"]
    yield "repair users, none unrepaired", s, []


CASES = [(name, variant, applied) for name in FACTS for variant, _s, _u in _variants(FACTS[name])
         for applied, _a in _applied_sets(FACTS[name])]
PROBE_NAMES = sorted(PROBES)


def _jinja(sshd, applied, unrepaired, probe_result, reference=JINJA):
    """What verify.yml computed in Jinja (fixtures/verify_jinja.yml)."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template

    jinja = yaml.safe_load(reference.read_text())["vars"]
    variables = {k: trust_as_template(v) for k, v in jinja.items()}
    variables.update(ansible_facts={"sshd": sshd}, __remediate_applied=applied, __remediate_unrepaired=unrepaired,
                     __remediate_notes=[])
    if probe_result is not None:
        variables["__remediate_probe"] = probe_result
    templar = Templar(loader=DataLoader(), variables=variables)

    def get(name):
        return templar.template(trust_as_template("{{ %s }}" % name))

    out = {"left": get("__remediate_left"), "stages": get("__remediate_verify_stages")}
    if probe_result is not None and "stages" in probe_result:
        out.update(probe_failed=get("__remediate_probe_bad"), probe_other=get("__remediate_probe_other"),
                   notes=get("__remediate_notes_after"))
    return out


def _compare(ours, ref):
    assert ours["left"] == ref["left"]
    assert ours["stages"] == ref["stages"]
    if "probe_failed" not in ref:
        # the role ran none of the probe's tasks: nothing failed, nothing noted
        assert ours["probe_failed"] == ours["probe_other"] == ours["notes"] == []
        return
    assert ours["probe_failed"] == ref["probe_failed"]
    if not ref["probe_failed"]:
        # the role reads probe_other (success message) and the notes only when no required stage failed
        assert ours["probe_other"] == ref["probe_other"]
        assert ours["notes"] == ref["notes"]
    else:
        failed = [s["name"] for s in ref["probe_failed"]]
        assert ours["probe_other"] == [n for n in ref["probe_other"] if n not in failed]
        assert set(ours["notes"]) <= set(ref["notes"])


# every 29th case, each with a probe in turn (29 is prime to the 28 variant x applied-set combinations of a
# recording): every variant, applied set and probe is met
@pytest.mark.parametrize("i", range(0, len(CASES), 29))
def test_verify_is_the_roles_verify(i):
    name, variant, applied = CASES[i]
    sshd, unrepaired = next((s, u) for v, s, u in _variants(FACTS[name]) if v == variant)
    ids = dict(_applied_sets(FACTS[name]))[applied]
    probe_result = PROBES[PROBE_NAMES[(i // 29) % len(PROBE_NAMES)]]
    ours = rv.remediation_verify(sshd, ids, unrepaired=unrepaired, probe=probe_result)
    _compare(ours, _jinja(sshd, ids, unrepaired, probe_result))


@pytest.mark.parametrize("probe_name", PROBE_NAMES)
@pytest.mark.parametrize("applied", ["none", "sftp_subsystem_missing", "sftp_server_missing", "privsep_dir_missing",
                                     "tcp_wrappers_denied"])
def test_every_probe_with_every_applied_set(probe_name, applied):
    sshd = FACTS["bookworm/sftp_subsystem_missing"] if "bookworm/sftp_subsystem_missing" in FACTS else next(iter(FACTS.values()))
    ids = dict(_applied_sets(sshd))[applied]
    ours = rv.remediation_verify(sshd, ids, unrepaired=[], probe=PROBES[probe_name])
    _compare(ours, _jinja(sshd, ids, [], PROBES[probe_name]))


def test_the_branches_are_reached():
    """Over the inputs above: findings left and not, sftp stages and not, stages failed for a fixed
    finding, for a required stage, and for other findings (noted)."""
    seen = set()
    for name, variant, applied in CASES:
        sshd, unrepaired = next((s, u) for v, s, u in _variants(FACTS[name]) if v == variant)
        ids = dict(_applied_sets(FACTS[name]))[applied]
        for probe_name in PROBE_NAMES:
            out = rv.remediation_verify(sshd, ids, unrepaired=unrepaired, probe=PROBES[probe_name])
            seen.add("left" if out["left"] else "none left")
            seen.add("sftp stages" if "sftp" in out["stages"] else "base stages")
            seen |= {"failed required" for s in out["probe_failed"] if s["name"] in out["stages"]}
            seen |= {"failed for a fix" for s in out["probe_failed"] if s["name"] not in out["stages"]}
            seen |= {"noted" for _n in out["notes"]}
            if variant == "repair users, alice unrepaired":
                assert not [f for f in out["left"] if (f.get("repair") or {}).get("user") == "alice"]
            if variant == "remediable false":
                assert out["left"] == []
    assert seen == {"left", "none left", "sftp stages", "base stages", "failed required", "failed for a fix", "noted"}


def test_the_comparison_can_fail(tmp_path):
    """A reference with one rule broken (remediable false counted as left) differs from the filter."""
    broken = tmp_path / "verify_jinja.yml"
    broken.write_text(JINJA.read_text().replace("and f.remediable is not sameas false", ""))
    assert broken.read_text() != JINJA.read_text()
    sshd = next(s for v, s, u in _variants(FACTS["bookworm/sftp_subsystem_missing"]) if v == "remediable false")
    ours = rv.remediation_verify(sshd, ["sftp_subsystem_missing"], probe=None)
    with pytest.raises(AssertionError):
        _compare(ours, _jinja(sshd, ["sftp_subsystem_missing"], [], None, reference=broken))
    _compare(ours, _jinja(sshd, ["sftp_subsystem_missing"], [], None))


def test_filter_refuses_what_is_not_facts():
    from ansible.errors import AnsibleFilterError

    f = plan_filter.FilterModule().filters()["remediation_verify"]
    with pytest.raises(AnsibleFilterError, match="expects ansible_facts"):
        f("not facts", [])
    with pytest.raises(AnsibleFilterError, match="applied must be a list"):
        f({"findings": []}, "sftp_subsystem_missing")
    with pytest.raises(AnsibleFilterError, match="unrepaired must be a list"):
        f({"findings": []}, [], unrepaired="alice")
    with pytest.raises(AnsibleFilterError, match="probe must be"):
        f({"findings": []}, [], probe=["tcp"])
    assert f({"findings": []}, []) == {"left": [], "stages": ["tcp", "ssh"], "probe_failed": [], "probe_other": [], "notes": []}


def test_a_finding_without_the_flag_counts():
    """Facts without ``remediable`` (the flag is newer than some findings): the filter counts the finding
    as left, where the role's old Jinja stopped with an undefined attribute."""
    from ansible.errors import AnsibleUndefinedVariable

    sshd = copy.deepcopy(FACTS["bookworm/sftp_subsystem_missing"])
    for f in sshd["findings"]:
        f.pop("remediable", None)
    applied = [f for f in ALL if f in [g["id"] for g in sshd["findings"]]]
    assert applied
    ours = rv.remediation_verify(sshd, applied)
    assert ours["left"] == [f for f in sshd["findings"] if f["id"] in applied]
    with pytest.raises(AnsibleUndefinedVariable, match="remediable"):
        _jinja(sshd, applied, [], None)
