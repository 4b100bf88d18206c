# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the fleet report: host entries, the fleet dict, Markdown, HTML and JUnit."""

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import report

# Registered sshd_facts results captured from the lab (tests/lab/lab.py), trimmed to the keys
# the report reads plus some context; see tests/unit/plugins/filter/fixtures/README.md.
FIXTURES = Path(__file__).resolve().parents[2] / "filter" / "fixtures" / "report"


def load(name):
    return json.loads((FIXTURES / name).read_text())


CHECKS = ("sftp_subsystem_missing", "privsep_dir_missing", "scp_legacy_unavailable")


def facts(findings=(), version="9.2p1", checks=CHECKS):
    return {"changed": False, "failed": False, "ansible_facts": {"sshd": {
        "version": version, "checks": list(checks), "findings": [dict(f) for f in findings]}}}


SFTP = {"id": "sftp_subsystem_missing", "severity": "error", "summary": "No sftp subsystem: `scp` fails",
        "evidence": ["no `Subsystem sftp` in the effective configuration"],
        "fix": "Add `Subsystem sftp internal-sftp`.",
        "remediable": True}
SCP = {"id": "scp_legacy_unavailable", "severity": "warning", "summary": "No scp binary on the server",
       "evidence": ["/usr/bin/scp: not found"], "fix": "Install openssh-client."}
UNREACHABLE = {"changed": False, "unreachable": True,
               "msg": "Task failed: Failed to connect to the host via ssh: "
                      "ssh: connect to host 192.0.2.1 port 22: Connection refused"}
FAILED = {"changed": False, "failed": True, "msg": "Task failed: Module failed: /usr/bin/python3: not found"}


def fleet_of(threshold="error", **hosts):
    return report.fleet_report(hosts, threshold=threshold, generated="2025-01-02T03:04:05Z")


def sample_fleet(threshold="error"):
    return fleet_of(
        threshold,
        **{
            "web-1": report.host_report(facts(), release="bookworm"),
            "web-2": report.host_report(facts([SFTP, SCP]), release="bookworm"),
            "db-1": report.host_report(facts([SCP], version="10.0p2"), release="trixie"),
            "old-1": report.host_report(facts([SFTP], version="8.4p1"), release="bullseye"),
            "gone-1": report.host_report(UNREACHABLE, release="bullseye"),
            "broken-1": report.host_report(FAILED),
            "left-1": {},
        })


# ---------------------------------------------------------------- host entries


@pytest.mark.parametrize("result, status, failing, message", [
    (facts(), "healthy", False, ""),
    (facts([SCP]), "findings", False, ""),
    (facts([SFTP]), "findings", True, ""),
    (UNREACHABLE, "unreachable", False,
     "Failed to connect to the host via ssh: ssh: connect to host 192.0.2.1 port 22: Connection refused"),
    (FAILED, "failed", False, "/usr/bin/python3: not found"),
    ({"changed": False, "skipped": True, "skip_reason": "Conditional result was False"}, "failed", False,
     "sshd_facts was skipped: Conditional result was False"),
    ({}, "failed", False, report.NO_RESULT),
    (None, "failed", False, report.NO_RESULT),
    (facts()["ansible_facts"]["sshd"], "healthy", False, ""),
    ({"changed": False, "failed": False, "ansible_facts": {}}, "failed", False,
     "sshd_facts returned no ansible_facts.sshd"),
])
def test_host_report_status(result, status, failing, message):
    entry = report.host_report(result)
    assert entry["status"] == status
    assert entry["failing"] is failing
    assert entry["message"] == message


def test_host_report_threshold_and_counts():
    entry = report.host_report(facts([SCP, SFTP]), threshold="warning", release="bookworm")
    assert entry["failing"] is True
    assert entry["counts"] == {"error": 1, "warning": 1, "info": 0}
    assert entry["worst"] == "error"
    assert [f["id"] for f in entry["findings"]] == ["sftp_subsystem_missing", "scp_legacy_unavailable"]  # worst first
    assert entry["release"] == "bookworm" and entry["version"] == "9.2p1"
    assert report.host_report(facts([SCP]), threshold="error")["failing"] is False
    assert report.host_report(facts([SCP]), threshold="info")["failing"] is True


def test_host_report_release_falls_back_to_version():
    assert report.host_report(facts(version="10.0p2"))["release"] == "OpenSSH 10.0p2"
    assert report.host_report(UNREACHABLE)["release"] == "unknown"


def test_host_report_reevaluates_an_entry():
    entry = report.host_report(facts([SCP]), threshold="error")
    assert report.host_report(entry, threshold="warning")["failing"] is True


def test_finding_normalisation():
    f = report.normalize_finding({"id": "x", "severity": "CRITICAL", "evidence": "one line"})
    assert f == {"id": "x", "severity": "error", "summary": "", "evidence": ["one line"], "fix": "",
                 "remediable": False}


def test_bad_threshold():
    with pytest.raises(report.ReportError):
        report.host_report(facts(), threshold="fatal")


@pytest.mark.parametrize("version, key", [
    ("9.2p1", (9, 2, 1)), ("10.0p2", (10, 0, 2)), ("7.4", (7, 4, 0)), ("9.2", (9, 2, 0)), (None, (999, 0, 0))])
def test_version_key(version, key):
    assert report.version_key(version) == key


def test_safe_name():
    assert report.host_file("web-1.example.com") == "hosts/web-1.example.com.json"
    assert report.host_file("../etc/passwd") == "hosts/_etc_passwd.json"
    assert report.host_file("a b/c") == "hosts/a_b_c.json"


# ---------------------------------------------------------------- the fleet


def test_fleet_summary():
    fleet = sample_fleet()
    s = fleet["summary"]
    assert fleet["generated"] == "2025-01-02T03:04:05Z" and fleet["threshold"] == "error"
    assert list(fleet["hosts"]) == ["web-1", "web-2", "db-1", "old-1", "gone-1", "broken-1", "left-1"]
    assert (s["hosts"], s["healthy"], s["findings"], s["unreachable"], s["failed"]) == (7, 1, 3, 1, 2)
    assert s["failing"] == 2 and s["failing_hosts"] == ["web-2", "old-1"]
    assert s["unreachable_hosts"] == ["gone-1"] and s["failed_hosts"] == ["broken-1", "left-1"]
    assert s["passed"] is False
    assert s["severities"] == {"error": 2, "warning": 2, "info": 0}
    assert list(s["by_id"]) == ["sftp_subsystem_missing", "scp_legacy_unavailable"]
    assert s["by_id"]["sftp_subsystem_missing"]["hosts"] == ["web-2", "old-1"]
    assert s["by_id"]["scp_legacy_unavailable"]["failing"] is False
    # releases in OpenSSH order, labels without a version last
    assert list(s["by_release"]) == ["bullseye", "bookworm", "trixie", "unknown"]
    assert s["by_release"]["bookworm"] == {"hosts": 2, "versions": ["9.2p1"], "healthy": 1, "findings": 1,
                                           "unreachable": 0, "failed": 0, "failing": 1,
                                           "by_id": {"scp_legacy_unavailable": 1, "sftp_subsystem_missing": 1}}
    assert fleet["hosts"]["left-1"]["message"] == report.NO_RESULT
    assert fleet["hosts"]["web-1"]["file"] == "hosts/web-1.json"
    json.dumps(fleet)  # plain data


def test_fleet_passes_when_all_healthy_or_below_threshold():
    fleet = fleet_of(a=report.host_report(facts()), b=report.host_report(facts([SCP])))
    assert fleet["summary"]["passed"] is True
    assert report.headline(fleet).startswith("PASSED")
    assert fleet_of("warning", a=facts(), b=facts([SCP]))["summary"]["passed"] is False


def test_fleet_accepts_a_host_list_and_registered_results():
    fleet = report.fleet_report(["a", "b"])
    assert [e["status"] for e in fleet["hosts"].values()] == ["failed", "failed"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", fleet["generated"])
    fleet = report.fleet_report({"a": facts([SFTP]), "b": UNREACHABLE}, extra={"check_mode": True})
    assert fleet["hosts"]["a"]["failing"] and fleet["hosts"]["b"]["status"] == "unreachable"
    assert fleet["run"] == {"check_mode": True}


def test_empty_fleet():
    fleet = fleet_of()
    assert fleet["summary"]["hosts"] == 0 and fleet["summary"]["passed"] is True
    assert report.headline(fleet) == "No hosts."
    for render in (report.fleet_markdown, report.fleet_html, report.fleet_junit):
        assert render(fleet)


def test_not_a_fleet():
    with pytest.raises(report.ReportError):
        report.fleet_markdown({"foo": 1})


# ---------------------------------------------------------------- verdicts


def test_host_verdict_lines():
    assert report.host_verdict(report.host_report(facts(), release="bookworm")) == [
        "healthy: bookworm, OpenSSH 9.2p1, 3 checks, no findings"]
    lines = report.host_verdict(report.host_report(facts([SFTP, SCP])))
    assert lines[0] == "FINDINGS: OpenSSH 9.2p1, 2 findings (1 at or above error)"
    assert lines[1] == "[error] sftp_subsystem_missing: No sftp subsystem: `scp` fails"
    assert "    evidence: no `Subsystem sftp` in the effective configuration" in lines
    assert "    fix: Add `Subsystem sftp internal-sftp`. (sshd.doctor.remediate can apply it)" in lines
    assert report.host_verdict(report.host_report(facts([SCP])))[0].startswith("findings: ")
    assert report.host_verdict(report.host_report(UNREACHABLE))[0].startswith("UNREACHABLE: Failed to connect")
    assert report.host_verdict({}) == ["FAILED: " + report.NO_RESULT]


def test_fleet_verdict_lines():
    lines = report.fleet_verdict(sample_fleet(), report_dir="/srv/r/")
    assert lines[0] == ("FAILED: 2 hosts at or above error, 3 hosts without a result "
                        "(7 hosts: 1 healthy, 3 with findings, 1 unreachable, 2 failed).")
    assert "at or above threshold: web-2, old-1" in lines
    assert "unreachable: gone-1" in lines
    assert "sftp_subsystem_missing (error): 2 hosts" in lines
    assert lines[-1] == "reports: /srv/r/index.html, fleet.md, fleet.json, junit.xml, hosts/"


# ---------------------------------------------------------------- Markdown


def test_markdown():
    md = report.fleet_markdown(sample_fleet())
    assert md.startswith("# sshd.doctor fleet report\n")
    assert "| 7 | 1 | 3 | 2 | 1 | 2 |" in md
    assert "| `sftp_subsystem_missing` | error | 2 | web-2, old-1 |" in md
    assert "| bookworm | 9.2p1 | 2 | 1 | 1 | 0 | 0 | `scp_legacy_unavailable` 1, `sftp_subsystem_missing` 1 |" in md
    assert "### web-2: failing" in md and "### db-1: findings" in md and "### gone-1: unreachable" in md
    assert "### Healthy\n\nweb-1\n" in md
    assert md.index("### web-2") < md.index("### db-1")  # failing hosts first
    assert "  Fix: Add `Subsystem sftp internal-sftp`. *(sshd.doctor.remediate can apply it)*" in md


def test_markdown_escapes_table_cells_and_fences():
    odd = dict(SFTP, id="a|b", evidence=["```", "x"])
    md = report.fleet_markdown(fleet_of(h=report.host_report(facts([odd]))))
    assert "`a\\|b`" in md
    assert "  ~~~text" in md


# ---------------------------------------------------------------- JUnit


def test_junit_structure():
    root = ET.fromstring(report.fleet_junit(sample_fleet()))
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["web-1", "web-2", "db-1", "old-1", "gone-1", "broken-1", "left-1"]
    # one testcase per check that ran
    assert [c.get("name") for c in suites["web-1"].findall("testcase")] == [
        "sftp_subsystem_missing", "privsep_dir_missing", "scp_legacy_unavailable"]
    assert suites["web-1"].get("failures") == "0" and suites["web-1"].find("testcase/failure") is None
    web2 = {c.get("name"): c for c in suites["web-2"].findall("testcase")}
    failure = web2["sftp_subsystem_missing"].find("failure")
    assert failure.get("type") == "error" and failure.get("message") == SFTP["summary"]
    assert "evidence: no `Subsystem sftp`" in failure.text and "fix: Add" in failure.text
    # below the threshold: not a failure, but in the output
    assert web2["scp_legacy_unavailable"].find("failure") is None
    assert "scp_legacy_unavailable" in web2["scp_legacy_unavailable"].find("system-out").text
    assert suites["web-2"].get("failures") == "1" and suites["web-2"].get("tests") == "3"
    # hosts without a diagnosis are errors
    gone = suites["gone-1"].findall("testcase")
    assert [c.get("name") for c in gone] == ["reachable"] and gone[0].find("error").get("type") == "unreachable"
    assert suites["broken-1"].find("testcase").get("name") == "sshd_facts"
    props = {p.get("name"): p.get("value") for p in suites["old-1"].iter("property")}
    assert props == {"status": "findings", "release": "bullseye", "version": "8.4p1", "threshold": "error"}
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("15", "2", "3")


def test_junit_threshold_warning():
    root = ET.fromstring(report.fleet_junit(sample_fleet("warning")))
    assert root.get("failures") == "4"


def test_junit_finding_without_check_and_control_characters():
    odd = dict(SFTP, id="not_in_checks", summary="bad \x1b[31m byte", evidence=["nul \x00 here"])
    text = report.fleet_junit(fleet_of(h=report.host_report(facts([odd]))))
    root = ET.fromstring(text)
    names = [c.get("name") for c in root.iter("testcase")]
    assert names[-1] == "not_in_checks"
    assert "\x1b" not in text and "\x00" not in text


def test_junit_healthy_host_without_checks():
    root = ET.fromstring(report.fleet_junit(fleet_of(h=report.host_report(facts(checks=())))))
    assert [c.get("name") for c in root.iter("testcase")] == ["sshd_facts"]


# ---------------------------------------------------------------- HTML


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.urls, self.scripts, self.text = [], [], [], []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "action", "data", "poster", "srcset") or "url(" in (value or ""):
                self.urls.append((tag, name, value))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.text).append(data)


def parse_html(doc):
    c = _Collector()
    c.feed(doc)
    c.close()
    return c


def test_html_is_self_contained():
    doc = report.fleet_html(sample_fleet())
    c = parse_html(doc)
    assert doc.startswith("<!DOCTYPE html>")
    # nothing is loaded: no external script/style/img/link, only relative links to the per-host JSON
    assert "link" not in c.tags and "img" not in c.tags and "iframe" not in c.tags
    assert all(tag == "a" and name == "href" and value.startswith("hosts/") for tag, name, value in c.urls), c.urls
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", doc, re.IGNORECASE)
    assert not re.search(r"url\(|@import", doc, re.IGNORECASE)
    assert not re.search(r"https?://", "".join(c.scripts))
    assert "default-src 'none'" in doc


def test_html_content():
    fleet = sample_fleet()
    doc = report.fleet_html(fleet)
    c = parse_html(doc)
    text = " ".join(c.text)
    for host in fleet["hosts"]:
        assert f'data-host="{host}"' in doc
    assert "sftp_subsystem_missing" in text and "Add <code>Subsystem sftp internal-sftp</code>." in doc
    assert "no `Subsystem sftp` in the effective configuration" in text  # evidence verbatim
    assert "Connection refused" in text  # why a host has no diagnosis
    assert doc.count('class="bar-row" data-finding=') == 2  # chart by id
    assert doc.count('class="bar-row" data-release=') == 4  # chart by release
    assert 'data-sort="host"' in doc and 'id="q"' in doc  # sortable, filterable
    summary = json.loads(re.search(r'<script type="application/json" id="fleet-summary">(.*?)</script>', doc).group(1))
    assert summary["summary"]["failing"] == 2


def test_html_escapes_everything():
    evil = dict(SFTP, id="x<script>alert(1)</script>", summary="<img src=http://evil/x>",
                evidence=["</script><script src=https://evil/x.js></script>"], fix="`<b>`")
    doc = report.fleet_html(fleet_of(**{"h<1>": report.host_report(facts([evil]), release="<r>")}))
    c = parse_html(doc)
    assert "img" not in c.tags and c.tags.count("script") == 2
    assert not any(url[2] and "evil" in url[2] for url in c.urls)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc
    assert "<code>&lt;b&gt;</code>" in doc


CASES = sorted(p.stem for p in FIXTURES.glob("*.json"))


def test_there_are_captured_cases():
    assert len(CASES) >= 8


@pytest.mark.parametrize("case", CASES)
def test_captured_host(case):
    """Registered results of real sshd_facts runs on the lab's bullseye, bookworm and trixie hosts."""
    data = load(f"{case}.json")
    entry = report.host_report(data["result"], release=data["release"])
    assert entry["status"] == data["expect"]["status"]
    assert [f["id"] for f in entry["findings"]] == data["expect"]["ids"]
    assert entry["release"] == data["release"]
    verdict = report.host_verdict(entry)
    if entry["status"] == "healthy":
        n = len(entry["checks"])
        assert verdict == [f"healthy: {data['release']}, OpenSSH {entry['version']}, {n} checks, no findings"]
    else:
        for fid in data["expect"]["ids"]:
            assert any(line.startswith("[") and f"] {fid}: " in line for line in verdict)
    if entry["status"] in ("healthy", "findings"):
        assert len(entry["checks"]) > 10 and entry["version"]


def test_captured_fleet():
    hosts = {}
    for case in CASES:
        data = load(f"{case}.json")
        hosts[case] = report.host_report(data["result"], release=data["release"])
    fleet = report.fleet_report(hosts, generated="2025-01-02T03:04:05Z")
    root = ET.fromstring(report.fleet_junit(fleet))
    for suite in root.findall("testsuite"):
        entry = fleet["hosts"][suite.get("name")]
        cases = {c.get("name"): c for c in suite.findall("testcase")}
        if entry["status"] in ("healthy", "findings"):
            assert list(cases) == entry["checks"]
            failed = sorted(name for name, c in cases.items() if c.find("failure") is not None)
            assert failed == sorted({f["id"] for f in entry["findings"] if f["severity"] == "error"})
        else:
            assert len(cases) == 1 and next(iter(cases.values())).find("error") is not None
    s = fleet["summary"]
    assert list(s["by_release"]) == ["bullseye", "bookworm", "trixie"]
    assert s["unreachable_hosts"] == ["bookworm_unreachable"] and s["failed_hosts"] == ["bullseye_module_failed"]
    doc = report.fleet_html(fleet)
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", doc)
    assert all(url[2].startswith("hosts/") for url in parse_html(doc).urls)
    md = report.fleet_markdown(fleet)
    assert "### bullseye_tcp_wrappers_denied: failing" in md
