# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report filter plugin: names, documentation files and error handling (the logic is tested
in tests/unit/plugins/plugin_utils/test_report.py)."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.sshd.doctor.plugins.filter.report import FilterModule

FILTER_DIR = Path(__file__).resolve().parents[4] / "plugins" / "filter"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "report"
NAMES = ["fleet_html", "fleet_junit", "fleet_markdown", "fleet_report", "fleet_verdict", "host_report", "host_verdict"]


@pytest.fixture(name="filters")
def _filters():
    return FilterModule().filters()


def test_filter_names(filters):
    assert sorted(filters) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_every_filter_has_a_doc_file(name):
    doc = yaml.safe_load((FILTER_DIR / (f"{name}.yml")).read_text())
    assert doc["DOCUMENTATION"]["name"] == name
    assert doc["DOCUMENTATION"]["options"]["_input"]["required"] is True
    assert f"sshd.doctor.{name}" in doc["EXAMPLES"]
    assert "_value" in doc["RETURN"]


def test_filters_end_to_end(filters):
    hosts = {}
    for path in sorted(FIXTURES.glob("*.json")):
        case = json.loads(path.read_text())
        hosts[path.stem] = filters["host_report"](case["result"], "error", case["release"])
    fleet = filters["fleet_report"](hosts, "warning", "2025-01-02T03:04:05Z", {"check_mode": False})
    assert fleet["threshold"] == "warning" and fleet["run"] == {"check_mode": False}
    assert fleet["hosts"]["bookworm_unreachable"]["status"] == "unreachable"
    failed = fleet["hosts"]["bullseye_module_failed"]
    assert failed["message"] == "The module interpreter '/usr/bin/python9' was not found."
    # host entries made with threshold error are re-evaluated against the fleet's threshold
    assert fleet["hosts"]["trixie_scp_legacy_unavailable"]["failing"] is True
    assert filters["fleet_markdown"](fleet).startswith("# sshd.doctor fleet report")
    assert "<!DOCTYPE html>" in filters["fleet_html"](fleet)
    assert ET.fromstring(filters["fleet_junit"](fleet)).tag == "testsuites"
    assert filters["fleet_verdict"](fleet)[0].startswith("FAILED")
    assert filters["host_verdict"](fleet["hosts"]["bullseye_healthy"])[0].startswith("healthy: bullseye, OpenSSH 8.4p1")


def test_host_report_takes_the_probe(filters):
    """The role's call: host_report(threshold, release, probe) with a registered ssh_probe result."""
    probes = sorted((FIXTURES.parent / "probe").glob("*.json"))
    assert probes
    hosts = {}
    for path in probes:
        case = json.loads(path.read_text())
        unreachable = {"unreachable": True, "msg": "Failed to connect to the host via ssh: "
                                                   "kex_exchange_identification: read: Connection reset by peer"}
        hosts[path.stem] = filters["host_report"](unreachable, "error", case["release"], case["result"])
        assert hosts[path.stem]["probe"]["first_failure"] == case["expect"]["first_failure"]
    hosts["podman"] = filters["host_report"](
        json.loads((FIXTURES / "bullseye_healthy.json").read_text())["result"], "error", "bullseye",
        {"skipped": True, "msg": "not probed"})
    hosts["plain"] = filters["host_report"](json.loads((FIXTURES / "bullseye_healthy.json").read_text())["result"])
    fleet = filters["fleet_report"](hosts, "error", "2025-01-02T03:04:05Z", {"probe": True})
    assert fleet["summary"]["probe"] == {"passed": 0, "failed": len(probes), "skipped": 1, "error": 0}
    assert fleet["hosts"]["plain"]["probe"] is None
    root = ET.fromstring(filters["fleet_junit"](fleet))
    bad = [c[0].text for c in root.iter("testcase") if len(c) and c[0].tag in ("failure", "error")]
    assert sum(1 for text in bad if "failed at" in text) == len(probes)
    assert "## Client probe" in filters["fleet_markdown"](fleet)
    assert filters["host_verdict"](fleet["hosts"]["podman"])[-1] == "client probe: not probed"
    assert f"client probe failed ({len(probes)}): " in "\n".join(filters["fleet_verdict"](fleet))
    assert '"p":{"status":"failed"' in filters["fleet_html"](fleet)


@pytest.mark.parametrize("name, args", [
    ("host_report", ({}, "fatal")),
    ("fleet_report", ("not a dict",)),
    ("fleet_html", ({"no": "hosts"},)),
    ("fleet_markdown", ([],)),
    ("fleet_junit", (None,)),
    ("fleet_verdict", ({},)),
    ("host_report", ({}, "error", None, ["not", "a", "probe"])),
])
def test_bad_input_is_a_filter_error(filters, name, args):
    with pytest.raises(AnsibleFilterError, match=f"sshd.doctor.{name}: "):
        filters[name](*args)
