# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``remediation`` of the facts (sshd_facts remediation_dir): the runs of the remediate role that
their timer undid, read from real lab hosts where the role's own guard script armed a backup over
sshd_config and fired (tests/lab/lab.py case remediation_undone, recorded by
``tests/lab/capture.py --faults remediation_undone``).  Variants are that real recording with the
answers of one more run directory added."""

import copy
import json
from pathlib import Path

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import gather, hostio

RECORDINGS = Path(__file__).resolve().parents[5] / "tests" / "unit" / "fixtures" / "recordings"
DIR = "/var/backups/sshd-doctor"
RUN = "20261201T000000Z-424242"


def recording(release):
    return json.loads((RECORDINGS / release / "remediation_undone.json").read_text())


def remediation(rec):
    return gather.collect(hostio.ReplayHost(rec), rec["meta"]["options"])["remediation"]


def answer(rec, method, args, result):
    """Set (or add) the recorded answer of one host read."""
    for call in rec["calls"]:
        if call["m"] == method and call["a"] == args:
            call["r"] = result
            return
    rec["calls"].append({"m": method, "a": args, "r": result})


def find(rec, method, args):
    return next(c["r"] for c in rec["calls"] if c["m"] == method and c["a"] == args)


@pytest.mark.parametrize("release", ["bullseye", "bookworm", "trixie"])
def test_the_run_the_real_guard_undid_is_in_the_facts(release):
    got = remediation(recording(release))
    assert got["dir"] == DIR
    assert [u["run"] for u in got["undone"]] == [RUN]
    undone = got["undone"][0]
    assert undone["by"] == "timer"
    assert undone["why"] == "not confirmed within the timeout (no new SSH login from the controller)"
    assert undone["at"].startswith("20") and undone["at"].endswith("Z") and undone["mtime"] > 0
    assert "\t" not in undone["output"]


def test_newest_first_and_links_and_directories_are_not_markers():
    rec = recording("bookworm")
    marker = find(rec, "stat", [f"{DIR}/{RUN}/undone", False])  # the real marker's stat
    text = find(rec, "read_text", [f"{DIR}/{RUN}/undone", 8192])
    newer, link, odd = "20261202T000000Z-1", "20261203T000000Z-2", "20261204T000000Z-3"
    answer(rec, "listdir", [DIR], [RUN, newer, link, odd, "lost+found"])
    answer(rec, "stat", [f"{DIR}/{newer}/undone", False], dict(marker, mtime=marker["mtime"] + 86400))
    answer(rec, "read_text", [f"{DIR}/{newer}/undone", 8192], "2026-12-02T00:00:00Z\tcontroller\tverify failed\n")
    answer(rec, "stat", [f"{DIR}/{link}/undone", False], dict(marker, isreg=False, islnk=True))
    answer(rec, "stat", [f"{DIR}/{odd}/undone", False], dict(marker, isreg=False, isdir=True))
    answer(rec, "stat", [f"{DIR}/lost+found/undone", False], None)
    got = remediation(rec)
    assert [u["run"] for u in got["undone"]] == [newer, RUN]
    assert got["undone"][0] == {"run": newer, "mtime": marker["mtime"] + 86400, "at": "2026-12-02T00:00:00Z",
                                "by": "controller", "why": "verify failed", "output": ""}
    assert got["undone"][1]["run"] == RUN and text.startswith(got["undone"][1]["at"])


def test_at_most_twenty_runs_are_read():
    rec = recording("trixie")
    marker = find(rec, "stat", [f"{DIR}/{RUN}/undone", False])
    runs = ["20270101T0000%02dZ-1" % i for i in range(30)]
    answer(rec, "listdir", [DIR], runs)
    for run in runs:
        answer(rec, "stat", [f"{DIR}/{run}/undone", False], marker)
        answer(rec, "read_text", [f"{DIR}/{run}/undone", 8192], "t\ttimer\twhy\tout\n")
    got = remediation(rec)
    assert [u["run"] for u in got["undone"]] == sorted(runs, reverse=True)[:gather.UNDONE_KEPT]


def test_without_the_option_the_directory_is_not_read():
    rec = copy.deepcopy(recording("bullseye"))
    options = dict(rec["meta"]["options"], remediation_dir=None)
    state = gather.collect(hostio.ReplayHost(rec), options)
    assert "remediation" not in state
