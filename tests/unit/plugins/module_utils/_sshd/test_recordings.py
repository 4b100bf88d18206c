# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replay raw host I/O recorded on real lab hosts (``make record``, tests/lab/capture.py)
through ``gather.collect`` and ``checks.run_checks``.

Every recording is one release of the lab with one fault of ``lab.FAULTS`` injected (or
healthy).  The state is derived at test time, so a change to gather is tested against what
real hosts answered; a call the recording lacks fails with "re-record with make record".
"""

import copy
import json
import sys
from pathlib import Path

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import checks, gather, hostio

ROOT = Path(__file__).resolve().parents[5]
RECORDINGS = ROOT / "tests" / "unit" / "fixtures" / "recordings"
sys.path.insert(0, str(ROOT / "tests" / "lab"))
import lab  # noqa: E402  pylint: disable=wrong-import-position

RELEASES = sorted(lab.RELEASES)
CASES = sorted((p.parent.name, p.stem) for p in RECORDINGS.glob("*/*.json")
               if not p.stem.startswith("_") and not p.stem.endswith(".raw"))
# the same host states read by the raw sh collector (collector: raw), next to the module's
RAW_CASES = sorted((p.parent.name, p.stem[:-len(".raw")]) for p in RECORDINGS.glob("*/*.raw.json"))

# Cases make record cannot record yet, and why.  The coverage test fails when one of them gets
# recorded, so this list only ever shrinks.
NOT_RECORDABLE = {}


# Recorded cases where the checks are known to be wrong on the real host (strict: the test fails
# once the check is fixed, so the entry must then go).
KNOWN_DEFECTS = {}


def load(release, case, suffix=""):
    return json.loads((RECORDINGS / release / f"{case}{suffix}.json").read_text())


def replay(release, case, recording=None):
    rec = recording or load(release, case)
    state = gather.collect(hostio.ReplayHost(rec), rec["meta"]["options"])
    state["findings"], state["checks"] = checks.run_checks(state)
    return state


def ids(findings, levels=("error", "warning", "info")):
    return {f["id"] for f in findings if f["severity"] in levels}


def expected_cases():
    out = set()
    for case in ["healthy", *lab.FAULTS]:
        for release in lab.case_releases(case):
            out.add((release, case))
    return out


def test_every_case_is_recorded_on_every_release_it_can_be_reproduced_on():
    missing = expected_cases() - set(CASES)
    assert {case for _rel, case in missing} == set(NOT_RECORDABLE), sorted(missing)
    assert set(CASES) <= expected_cases(), "recordings of cases lab.FAULTS no longer has"


def test_every_lab_fault_has_an_expectation_that_names_a_known_check():
    known = {cid for cid, _fn in checks.CHECKS}
    for case in ["healthy", *lab.FAULTS]:
        required, extra = lab.fault_findings(case)
        assert required is None or required in known, case
        assert extra <= known, case


@pytest.mark.parametrize(("release", "case"), [
    pytest.param(r, c, marks=pytest.mark.xfail(strict=True, reason=KNOWN_DEFECTS[(r, c)])) if (r, c) in KNOWN_DEFECTS
    else (r, c) for r, c in CASES])
def test_recorded_fault_is_named(release, case):
    rec = load(release, case)
    assert rec["format"] == hostio.FORMAT and rec["meta"]["case"] == case and rec["meta"]["release"] == release
    state = replay(release, case, rec)
    required, extra = lab.fault_findings(case, release)
    if required:
        assert required in ids(state["findings"]), (release, case, state["findings"])
    # nothing else of error or warning severity than what the fault really causes
    loud = ids(state["findings"], ("error", "warning"))
    assert loud <= ({required} | extra) - {None}, (release, case, loud)
    for f in state["findings"]:
        # `repair` (optional): what the remediate role changes, on remediable findings only
        assert set(f) - {"repair"} == {"id", "severity", "summary", "evidence", "fix", "remediable"}
        assert "repair" not in f or f["remediable"] is True
        assert f["summary"] and f["fix"] and f["evidence"], f


@pytest.mark.parametrize("release", RELEASES + sorted(lab.LAYOUT_CASES))
def test_healthy_is_the_close_case_of_every_fault(release):
    """The fault ids are not raised on the same release without the fault."""
    found = ids(replay(release, "healthy")["findings"])
    raised_elsewhere = {lab.fault_findings(c, r)[0] for r, c in CASES} - {None}
    assert not found & raised_elsewhere, found


@pytest.mark.parametrize("release", RELEASES)
def test_healthy_host_facts_are_sane(release):
    state = replay(release, "healthy")
    assert state["config"]["valid"] is True
    assert state["subsystems"]["sftp"]["command"] == "/usr/lib/openssh/sftp-server"
    assert state["subsystems"]["sftp"]["file"] == "/etc/ssh/sshd_config"
    assert state["tcp_wrappers"]["linked"] is True
    assert state["tcp_wrappers"]["clients"]["10.88.0.1"]["verdict"] == "allow"
    assert state["privsep"]["dir"] == "/run/sshd" and state["privsep"]["persistent_by"] == "RuntimeDirectory"
    assert state["service"]["active_state"] == "active"
    assert state["scp"] == {"sftp_mode": True, "legacy_mode": True}
    assert any(lst["port"] == 22 and lst["process"] == "sshd" for lst in state["listeners"])
    assert state["version"] == lab.RELEASES[release]


@pytest.mark.parametrize("release", RELEASES)
def test_healthy_config_comes_from_sshd_T(release):
    state = replay(release, "healthy")
    eff = state["config"]["effective"]
    assert state["config"]["source"] == "sshd -T"
    assert state["config"]["valid"] is True
    # compiled-in defaults are there, without a file; values written in files carry file:line
    assert eff["logingracetime"]["origin"] == "compiled default" and eff["logingracetime"]["file"] is None
    assert eff["subsystem"]["origin"] == "config"
    assert eff["subsystem"]["file"] == "/etc/ssh/sshd_config" and eff["subsystem"]["line"] > 0
    assert len(eff) > 60
    assert state["config"]["path_source"] == "binary"
    assert state["runtime"]["argv"][:2] == ["/usr/sbin/sshd", "-D"]


def test_rhel_layout_facts():
    """The RHEL-layout host (OpenSSH built with RHEL's paths and units): what the platform rules say."""
    state = replay("rhel", "healthy")
    assert state["service"]["unit"] == "sshd.service"
    assert state["runtime"]["environment_files"][0]["path"] == "/etc/sysconfig/sshd"
    assert state["privsep"]["dir"] == "/var/empty/sshd" and state["privsep"]["persistent_by"] == "filesystem"
    assert state["subsystems"]["sftp"]["command"] == "/usr/libexec/openssh/sftp-server"
    assert state["config"]["source"] == "sshd -T" and state["config"]["valid"] is True
    assert state["platform"]["openssh_vendor"] is None and state["platform"]["private_group_relaxation"] is False
    assert state["platform"]["ssh_keys_group"] is True
    keys = [k for k in state["host_keys"] if k["exists"]]
    assert keys and all(k["group"] == "ssh_keys" and k["mode"] == "0640" and k["loadable"] for k in keys)
    assert state["tcp_wrappers"]["linked"] is False
    # RHEL's default: sshd_config 0600; read as a non-root user, nothing is claimed about it
    unreadable = replay("rhel", "config_unreadable_not_root")
    assert unreadable["config"]["readable"] is False
    assert ids(unreadable["findings"], ("error",)) == set()


def test_socket_activated_host_facts():
    state = replay("trixie-socket", "healthy")
    assert state["service"]["socket"]["active_state"] == "active"
    assert ids(state["findings"], ("error", "warning")) == set()


def test_privsep_missing_is_diagnosed_without_sshd_T():
    # sshd -T fails exactly here: the own parser must carry the diagnosis
    state = replay("bookworm", "privsep_dir_missing")
    assert state["config"]["source"] == "parser" and state["config"]["valid"] is None
    assert state["service"]["active_state"] == "active"
    assert ids(state["findings"], ("error", "warning")) == {"privsep_dir_missing"}


def test_sftp_only_in_match_block_is_still_missing():
    state = copy.deepcopy(replay("trixie", "sftp_subsystem_missing"))
    state["config"]["sftp_in_match"] = [{"file": "/etc/ssh/sshd_config", "line": 130, "text": "Subsystem sftp internal-sftp"}]
    found = checks.check_sftp_subsystem_missing(state)
    assert found and any("inside a Match block" in e for e in found[0]["evidence"])


def test_every_module_recording_has_a_raw_one():
    assert RAW_CASES == CASES


@pytest.mark.parametrize(("release", "case"), RAW_CASES)
def test_raw_collector_sees_what_the_module_sees(release, case):
    """Same host state, read by the module and by the sh collector: the same findings and facts."""
    raw_rec = load(release, case, ".raw")
    assert raw_rec["meta"]["collector"] == "raw" and raw_rec["meta"]["case"] == case
    raw = replay(release, case, raw_rec)
    module = replay(release, case)
    assert ids(raw["findings"]) == ids(module["findings"]), (release, case)
    # the per-user state too (the action passes the raw collector every option the module takes)
    assert raw_rec["meta"]["options"] == load(release, case)["meta"]["options"], (release, case)
    for key in ("installed", "version", "binaries", "privsep", "subsystems", "scp", "host_keys", "users", "user_auth"):
        assert raw[key] == module[key], (release, case, key)
    assert raw["config"]["valid"] == module["config"]["valid"]
    assert raw["tcp_wrappers"]["linked"] == module["tcp_wrappers"]["linked"]
    assert raw["tcp_wrappers"]["clients"] == module["tcp_wrappers"]["clients"]
    assert sorted((x["port"], x["process"]) for x in raw["listeners"]) == sorted(
        (x["port"], x["process"]) for x in module["listeners"])


def test_a_stale_recording_fails_loudly_and_says_how_to_fix_it():
    rec = load("trixie", "healthy")
    rec["calls"] = [c for c in rec["calls"] if c["m"] != "run" or "-T" not in c["a"][0]]
    with pytest.raises(hostio.ReplayMiss, match=r"trixie/healthy: the recording has no answer for run\(\[.*-T.*; "
                                                r"re-record with make record"):
        replay("trixie", "healthy", rec)


# ---------------------------------------------------------------- binary summaries


BINARY_FIXTURES = sorted(RECORDINGS.glob("*/_binaries.json"))


def binaries():
    out = []
    for path in BINARY_FIXTURES:
        doc = json.loads(path.read_text())
        out += [(doc["release"], name, entry) for name, entry in sorted(doc["binaries"].items())]
    return out


def test_binaries_of_every_release_were_summarised():
    assert sorted(p.parent.name for p in BINARY_FIXTURES) == sorted([*RELEASES, *lab.LAYOUT_CASES])
    assert {(r, n) for r, n, _e in binaries()} >= {(r, "/usr/sbin/sshd") for r in RELEASES} | {
        ("trixie", "/usr/lib/openssh/sshd-session"), ("trixie", "/usr/lib/openssh/sshd-auth")}


@pytest.mark.parametrize(("release", "name", "entry"), binaries(), ids=lambda v: v if isinstance(v, str) else "")
def test_summary_answers_like_the_bytes(release, name, entry):
    summary, real = entry["summary"], entry["bytes"]
    ver, vtuple = hostio.summary_version(summary)
    assert [ver, list(vtuple) if vtuple else None] == real["version"]
    if name == "/usr/sbin/sshd":
        assert ver == lab.version(release)
    for helper, paths in real["paths"].items():
        assert hostio.summary_paths(summary, helper) == paths, helper
    for directory, present in real["has"].items():
        assert hostio.summary_has(summary, directory) is present, directory
    assert hostio.summary_needed(summary) == real["needed"]
    assert summary["size"] == real["size"] and summary["elf"]["ok"] is True
    # a recording made small: at most a few hundred strings of a binary of 0.5 to 1.5 MB
    assert len(json.dumps(summary)) < 64 << 10
