# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the fleet report: host entries, the fleet dict, Markdown, HTML and JUnit."""

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ansible_collections.sshd.doctor.plugins.plugin_utils import report, report_formats

# Registered sshd_facts results captured from the lab (tests/lab/lab.py), trimmed to the keys
# the report reads plus some context; see tests/unit/plugins/filter/fixtures/README.md.
FIXTURES = Path(__file__).resolve().parents[1] / "filter" / "fixtures" / "report"


def load(name):
    return json.loads((FIXTURES / name).read_text())


CHECKS = ("sftp_subsystem_missing", "privsep_dir_missing", "scp_legacy_unavailable")


def facts(findings=(), version="9.2p1", checks=CHECKS, **extra):
    return {"changed": False, "failed": False, "ansible_facts": {"sshd": dict({
        "version": version, "checks": list(checks), "findings": [dict(f) for f in findings]}, **extra)}}


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
    for render in (report_formats.fleet_markdown, report_formats.fleet_html, report_formats.fleet_junit):
        assert render(fleet)


def test_not_a_fleet():
    with pytest.raises(report.ReportError):
        report_formats.fleet_markdown({"foo": 1})


# ---------------------------------------------------------------- verdicts


def test_host_verdict_lines():
    assert report_formats.host_verdict(report.host_report(facts(), release="bookworm")) == [
        "healthy: bookworm, OpenSSH 9.2p1, 3 checks, no findings"]
    lines = report_formats.host_verdict(report.host_report(facts([SFTP, SCP])))
    assert lines[0] == "FINDINGS: OpenSSH 9.2p1, 2 findings (1 at or above error)"
    assert lines[1] == "[error] sftp_subsystem_missing: No sftp subsystem: `scp` fails"
    assert "    evidence: no `Subsystem sftp` in the effective configuration" in lines
    assert "    fix: Add `Subsystem sftp internal-sftp`. (sshd.doctor.remediate can apply it)" in lines
    assert report_formats.host_verdict(report.host_report(facts([SCP])))[0].startswith("findings: ")
    assert report_formats.host_verdict(report.host_report(UNREACHABLE))[0].startswith("UNREACHABLE: Failed to connect")
    assert report_formats.host_verdict({}) == ["FAILED: " + report.NO_RESULT]


def test_fleet_verdict_lines():
    lines = report_formats.fleet_verdict(sample_fleet(), report_dir="/srv/r/")
    assert lines[0] == ("FAILED: 2 hosts at or above error, 3 hosts without a result "
                        "(7 hosts: 1 healthy, 3 with findings, 1 unreachable, 2 failed).")
    assert "at or above threshold (2): web-2, old-1" in lines
    assert "unreachable (1): gone-1" in lines
    assert "sftp_subsystem_missing (error): 2 hosts" in lines
    assert lines[-1] == "reports: /srv/r/index.html, fleet.md, fleet.json, junit.xml, hosts/"
    assert not any(line.startswith(("web-1:", "web-2:")) for line in lines)


def big_fleet(n):
    """``n`` hosts made from the captured cases, round robin, each under its own name."""
    cases = [report.host_report(load(c + ".json")["result"], release=load(c + ".json")["release"]) for c in CASES]
    return report.fleet_report({f"h{i:05d}": cases[i % len(cases)] for i in range(n)},
                               generated="2025-01-02T03:04:05Z")


def test_fleet_verdict_is_bounded_at_any_fleet_size():
    small, large = big_fleet(12), big_fleet(3000)
    for fleet in (small, large):
        lines = report_formats.fleet_verdict(fleet, report_dir="/srv/r", details=True, max_hosts=4)
        detailed = [line for line in lines if re.match(r"h\d{5}: ", line)]
        assert len(detailed) == 4
        assert all(len(names.split(", ")) <= 5 for names in
                   (line.split("): ", 1)[1] for line in lines if line.startswith(("at or above", "unreachable (")))), lines
    lines = report_formats.fleet_verdict(large, report_dir="/srv/r", details=True, max_hosts=4)
    broken = sum(1 for e in large["hosts"].values() if e["status"] != "healthy")
    assert f"... {broken - 4} more hosts that are not healthy: see the report" in lines
    assert any(line.endswith(" more") for line in lines if line.startswith("at or above threshold"))
    # the same bound at 12 and at 3,000 hosts: a screen, not the fleet
    assert len("\n".join(lines)) < 2 * len("\n".join(report_formats.fleet_verdict(small, "/srv/r", details=True, max_hosts=4)))
    assert len(lines) < 80


def test_fleet_verdict_details():
    fleet = sample_fleet()
    plain = report_formats.fleet_verdict(fleet, report_dir="/srv/r/")
    lines = report_formats.fleet_verdict(fleet, report_dir="/srv/r/", details=True)
    assert lines[:len(plain) - 1] == plain[:-1] and lines[-1] == plain[-1]
    extra = lines[len(plain) - 1:-1]
    heads = [line.split(":", 1)[0] for line in extra if not line.startswith(" ")]
    # every host that is not healthy, in the fleet's order; healthy ones only count in the headline
    assert heads == [h for h, e in fleet["hosts"].items() if e["status"] != "healthy"]
    for name in heads:
        verdict = report_formats.host_verdict(fleet["hosts"][name], fleet["threshold"])
        i = extra.index(f"{name}: {verdict[0]}")
        assert extra[i + 1:i + len(verdict)] == ["    " + line for line in verdict[1:]]


# ---------------------------------------------------------------- Markdown


def test_markdown():
    md = report_formats.fleet_markdown(sample_fleet())
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
    md = report_formats.fleet_markdown(fleet_of(h=report.host_report(facts([odd]))))
    assert "`a\\|b`" in md
    assert "  ~~~text" in md


# ---------------------------------------------------------------- JUnit


def junit_cases(text):
    root = ET.fromstring(text)
    return root, {c.get("name"): c for c in root.iter("testcase")}


def test_junit_structure():
    fleet = sample_fleet()
    root, cases = junit_cases(report_formats.fleet_junit(fleet))
    assert root.tag == "testsuites"
    # a testcase per host, in the fleet's order, grouped in a testsuite per release
    assert [c.get("name") for c in root.iter("testcase")] == list(fleet["hosts"])
    for suite in root.findall("testsuite"):
        assert {c.get("classname") for c in suite.findall("testcase")} == {suite.get("name")}
        assert suite.get("tests") == str(len(suite.findall("testcase")))
    assert cases["web-1"].find("failure") is None and cases["web-1"].find("error") is None
    failure = cases["web-2"].find("failure")
    assert failure.get("type") == "error" and failure.get("message") == "sftp_subsystem_missing"
    assert failure.text.startswith("[error] sftp_subsystem_missing: " + SFTP["summary"])
    assert "evidence: no `Subsystem sftp`" in failure.text and "fix: Add" in failure.text
    # below the threshold: not a failure, but in the output
    assert "scp_legacy_unavailable" not in failure.text
    assert "scp_legacy_unavailable" in cases["web-2"].find("system-out").text
    # hosts without a diagnosis are errors
    assert cases["gone-1"].find("error").get("type") == "unreachable"
    assert cases["broken-1"].find("error").get("type") == "failed"
    assert cases["left-1"].find("error").get("message") == report.NO_RESULT
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("7", "2", "3")


def test_junit_threshold_warning():
    root = ET.fromstring(report_formats.fleet_junit(sample_fleet("warning")))
    assert root.get("failures") == "3"


def test_junit_finding_without_check_and_control_characters():
    odd = dict(SFTP, id="not_in_checks", summary="bad \x1b[31m byte", evidence=["nul \x00 here"])
    text = report_formats.fleet_junit(fleet_of(h=report.host_report(facts([odd]))))
    root, cases = junit_cases(text)
    assert "not_in_checks" in cases["h"].find("failure").get("message")
    assert "\x1b" not in text and "\x00" not in text


def test_junit_healthy_host_without_checks():
    root, cases = junit_cases(report_formats.fleet_junit(fleet_of(h=report.host_report(facts(checks=())))))
    assert list(cases) == ["h"] and len(cases["h"]) == 0


def test_junit_is_one_testcase_per_host_at_fleet_size():
    fleet = big_fleet(2000)
    root, cases = junit_cases(report_formats.fleet_junit(fleet))
    assert len(cases) == 2000 and root.get("tests") == "2000"
    assert int(root.get("failures")) == fleet["summary"]["failing"]
    assert int(root.get("errors")) == fleet["summary"]["unreachable"] + fleet["summary"]["failed"]


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


def html_data(doc):
    """The hosts the page draws its table from (the JSON embedded in index.html), strings resolved."""
    raw = re.search(r'<script type="application/json" id="fleet-data">(.*?)</script>', doc, re.S).group(1)
    data = json.loads(raw)
    strings = data["strings"]
    hosts = {}
    for raw_host in data["hosts"]:
        h = dict(raw_host, r=strings[raw_host["r"]], c=[strings[i] for i in raw_host["c"]],
                 f=[dict(zip(("id", "severity", "summary", "evidence", "fix", "remediable", "above"), f))
                    for f in raw_host["f"]])
        for f in h["f"]:
            f["summary"], f["fix"] = strings[f["summary"]], strings[f["fix"]]
        hosts[h["n"]] = h
    return data, hosts


def test_html_is_self_contained():
    doc = report_formats.fleet_html(sample_fleet(), docs_url="https://docs.example/findings.md")
    c = parse_html(doc)
    assert doc.startswith("<!DOCTYPE html>")
    # nothing is loaded: no external script/style/img/link; the only links are to the findings' docs
    assert "link" not in c.tags and "img" not in c.tags and "iframe" not in c.tags
    assert all(tag == "a" and name == "href" and value.startswith("https://docs.example/findings.md")
               for tag, name, value in c.urls), c.urls
    assert not re.search(r"src\s*=", doc, re.IGNORECASE)
    assert not re.search(r"url\(|@import", doc, re.IGNORECASE)
    assert not re.search(r"https?://", "".join(c.scripts[:-1]).replace("https://docs.example/findings.md", ""))
    assert "default-src 'none'" in doc


def test_html_content():
    fleet = sample_fleet()
    doc = report_formats.fleet_html(fleet)
    data, hosts = html_data(doc)
    # every host, worst first, with what the table and its details show
    assert sorted(hosts) == sorted(fleet["hosts"])
    assert [h["n"] for h in data["hosts"]][:2] == ["old-1", "web-2"] or data["hosts"][0]["s"] == "failing"
    web2 = hosts["web-2"]
    assert web2["s"] == "failing" and web2["r"] == fleet["hosts"]["web-2"]["release"]
    sftp = next(f for f in web2["f"] if f["id"] == "sftp_subsystem_missing")
    assert sftp["fix"].startswith("Add `Subsystem sftp internal-sftp`") and sftp["above"] == 1
    assert "no `Subsystem sftp` in the effective configuration" in sftp["evidence"][0]  # evidence verbatim
    assert "Connection refused" in hosts["gone-1"]["m"]  # why a host has no diagnosis
    assert hosts["web-1"]["c"] == fleet["hosts"]["web-1"]["checks"]
    assert data["page"] == report_formats.HTML_PAGE
    assert doc.count('class="bar-row" data-finding=') == 2  # chart by id
    assert doc.count('class="bar-row" data-release=') == 4  # chart by release
    assert 'data-sort="host"' in doc and 'id="q"' in doc  # sortable, filterable


def test_html_template_is_overridable(tmp_path):
    fleet = sample_fleet()
    own = tmp_path / "mine.html.j2"
    own.write_text("<p>{{ headline }}: {% for i in by_id %}{{ i.id }} {% endfor %}{{ fleet.not_run | length }}</p>\n")
    assert report_formats.fleet_html(fleet, str(own)) == (
        f"<p>{report.headline(fleet)}: sftp_subsystem_missing scp_legacy_unavailable 0</p>\n")
    own.write_text("{% for %}")
    with pytest.raises(report.ReportError, match="mine.html.j2 failed"):
        report_formats.fleet_html(fleet, str(own))
    with pytest.raises(report.ReportError, match="cannot read the HTML template"):
        report_formats.fleet_html(fleet, str(tmp_path / "missing.j2"))


def test_html_shows_raw_collector_and_run_metadata():
    raw = report.host_report(facts([SFTP], collector="raw"))
    fleet = report.fleet_report({"r": raw}, extra={"check_mode": True, "clients": ["192.0.2.7"],
                                                   "collection_version": "1.2.3"})
    doc = report_formats.fleet_html(fleet)
    assert html_data(doc)[1]["r"]["col"] == "raw" and "raw collector" in doc
    meta = re.search(r'<dl id="runmeta">(.*?)</dl>', doc, re.S).group(1)
    assert "192.0.2.7" in meta and "<dd>yes</dd>" in meta and "sshd.doctor 1.2.3" in meta


def test_html_escapes_everything():
    evil = dict(SFTP, id="x<script>alert(1)</script>", summary="<img src=http://evil/x>",
                evidence=["</script><script src=https://evil/x.js></script>"], fix="`<b>`")
    doc = report_formats.fleet_html(fleet_of(**{"h<1>": report.host_report(facts([evil]), release="<r>")}))
    c = parse_html(doc)
    assert "img" not in c.tags and c.tags.count("script") == 2
    assert not any(url[2] and "evil" in url[2] for url in c.urls)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc  # the charts, rendered by the template
    assert "</script><script" not in doc and "<img" not in doc
    data, hosts = html_data(doc)  # the table's data: JSON that cannot close its script element
    assert hosts["h<1>"]["f"][0]["evidence"] == evil["evidence"] and hosts["h<1>"]["r"] == "<r>"


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
    verdict = report_formats.host_verdict(entry)
    if entry["status"] == "healthy":
        n = len(entry["checks"])
        assert verdict == [f"healthy: {data['release']}, OpenSSH {entry['version']}, {n} checks, no findings"]
    else:
        for fid in data["expect"]["ids"]:
            assert any(line.startswith("[") and f"] {fid}: " in line for line in verdict)
    if entry["status"] in ("healthy", "findings"):
        assert len(entry["checks"]) > 10 and entry["version"]


def captured_fleet_and_facts():
    hosts, facts_by_host = {}, {}
    for case in CASES:
        data = load(f"{case}.json")
        hosts[case] = report.host_report(data["result"], release=data["release"])
        facts_by_host[case] = (data["result"].get("ansible_facts") or {}).get("sshd")
    return report.fleet_report(hosts, generated="2025-01-02T03:04:05Z"), facts_by_host


def test_captured_fleet():
    fleet = captured_fleet_and_facts()[0]
    root, cases = junit_cases(report_formats.fleet_junit(fleet))
    assert list(cases) == list(fleet["hosts"])
    for name, entry in fleet["hosts"].items():
        if entry["status"] in ("healthy", "findings"):
            failure = cases[name].find("failure")
            ids = sorted({f["id"] for f in entry["findings"] if f["severity"] == "error"})
            assert sorted(failure.get("message").split(", ") if failure is not None else []) == ids
        else:
            assert cases[name].find("error") is not None
    s = fleet["summary"]
    assert list(s["by_release"]) == ["bullseye", "bookworm", "trixie"]
    assert s["unreachable_hosts"] == ["bookworm_unreachable"] and s["failed_hosts"] == ["bullseye_module_failed"]
    doc = report_formats.fleet_html(fleet, docs_url="docs/findings.md")
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", doc)
    assert all(url[2].startswith("docs/findings.md#") or url[2] == "docs/findings.md" for url in parse_html(doc).urls)
    assert sorted(html_data(doc)[1]) == sorted(fleet["hosts"])
    md = report_formats.fleet_markdown(fleet)
    assert "### bullseye_tcp_wrappers_denied: failing" in md


def test_report_files():
    fleet, facts_by_host = captured_fleet_and_facts()
    files = report_formats.report_files(fleet, facts_by_host)
    assert sorted(p for p in files if not p.startswith("hosts/")) == ["fleet.json", "fleet.md", "index.html", "junit.xml"]
    assert sorted(p for p in files if p.startswith("hosts/")) == sorted(f"hosts/{c}.json" for c in CASES)
    assert json.loads(files["fleet.json"]) == json.loads(json.dumps(fleet))
    assert files["fleet.md"] == report_formats.fleet_markdown(fleet) and files["junit.xml"] == report_formats.fleet_junit(fleet)
    for case in CASES:
        doc = json.loads(files[f"hosts/{case}.json"])
        assert doc["host"] == case and doc["generated"] == "2025-01-02T03:04:05Z" and doc["threshold"] == "error"
        assert doc["status"] == fleet["hosts"][case]["status"] and doc["file"] == f"hosts/{case}.json"
        diagnosed = doc["status"] in ("healthy", "findings")
        assert (doc["sshd"] == facts_by_host[case]) if diagnosed else doc["sshd"] is None
        assert list(doc)[:3] == ["host", "generated", "threshold"] and list(doc)[-1] == "sshd"
    assert all(text.endswith("\n") for name, text in files.items() if name.endswith(".json"))


def test_report_files_formats_and_names():
    fleet = report.fleet_report({"../etc/passwd": None, "web 1": None}, generated="2025-01-02T03:04:05Z")
    assert sorted(report_formats.report_files(fleet, formats=["json"])) == ["fleet.json", "hosts/_etc_passwd.json", "hosts/web_1.json"]
    assert list(report_formats.report_files(fleet, formats="junit")) == ["junit.xml"]
    assert report_formats.report_files(fleet, formats=[]) == {}
    with pytest.raises(report.ReportError, match="unknown report format.*pdf"):
        report_formats.report_files(fleet, formats=["json", "pdf"])
    with pytest.raises(report.ReportError, match="facts must be a dict"):
        report_formats.report_files(fleet, ["x"])
    with pytest.raises(report.ReportError, match="expected the fleet dict"):
        report_formats.report_files({"summary": {}})


# ---------------------------------------------------------------- the client probe

# Registered results of sshd.doctor.ssh_probe run from the controller (OpenSSH 9.2p1) against lab
# hosts with a fault injected; see tests/unit/plugins/filter/fixtures/README.md.
PROBES = Path(__file__).resolve().parents[1] / "filter" / "fixtures" / "probe"
PROBE_CASES = sorted(p.stem for p in PROBES.glob("*.json"))


def probe_case(name):
    return json.loads((PROBES / f"{name}.json").read_text())


def stage(name, ok=True, **kw):
    out = {"name": name, "ok": ok, "skipped": False, "reached": "exec" if ok else "session",
           "failed_at": None if ok else "subsystem", "classification": "ok" if ok else "subsystem_refused",
           "message": None if ok else "subsystem request failed on channel 0",
           "finding_ids": [] if ok else ["sftp_subsystem_missing"], "rc": 0 if ok else 255, "elapsed_ms": 10,
           "command": ["/usr/bin/sftp", "-b", "/tmp/x"]}
    out.update(kw)
    return out


PROBE_OK = {"changed": False, "failed": False, "ok": True, "client_version": "9.2p1",
            "target": {"host": "192.0.2.10", "port": 22, "user": "deploy"},
            "stages": [stage("tcp", reached="banner"), stage("ssh"), stage("sftp"), stage("scp", protocol="sftp")]}
PROBE_SFTP = dict(PROBE_OK, ok=False, stages=[stage("tcp"), stage("ssh"), stage("sftp", False),
                                              stage("scp", False, protocol="sftp")])
PROBE_SKIPPED = {"skipped": True, "msg": "not probed: the host is not managed over SSH"}
PROBE_ERROR = {"changed": False, "failed": False, "failed_when_result": False,
               "msg": "no OpenSSH client (ssh) on this host's PATH"}


def test_probe_report_statuses():
    assert report.probe_report(None) is None and report.probe_report({}) is None
    ok = report.probe_report(PROBE_OK)
    assert ok["status"] == "passed" and ok["first_failure"] is None and ok["finding_ids"] == []
    assert ok["summary"] == "all passed: tcp, ssh, sftp, scp"
    assert ok["target"] == {"host": "192.0.2.10", "port": 22, "user": "deploy"}
    assert "command" not in ok["stages"][0]  # temporary paths, gone when the report is read
    bad = report.probe_report(PROBE_SFTP)
    assert bad["status"] == "failed" and bad["first_failure"] == "sftp"
    assert bad["finding_ids"] == ["sftp_subsystem_missing"]
    assert bad["summary"] == ("sftp failed at subsystem (subsystem_refused): subsystem request failed on channel 0; "
                              "likely: sftp_subsystem_missing")
    skipped = report.probe_report(PROBE_SKIPPED)
    assert skipped["status"] == "skipped" and skipped["stages"] == []
    assert skipped["message"] == skipped["summary"] == "not probed: the host is not managed over SSH"
    assert report.probe_report({"skipped": True, "skip_reason": "Conditional result was False"})["message"] == (
        "Conditional result was False")
    error = report.probe_report(PROBE_ERROR)
    assert error["status"] == "error" and error["message"] == "ssh_probe failed: no OpenSSH client (ssh) on this host's PATH"
    assert report.probe_report({"failed": True, "msg": "Task failed: Module failed: boom"})["message"] == (
        "ssh_probe failed: boom")
    # a normalised probe stays as it is
    for p in (ok, bad, skipped, error):
        assert report.probe_report(p) == p
    with pytest.raises(report.ReportError):
        report.probe_report(["not", "a", "dict"])


def test_probe_skipped_stages_count_as_passed():
    legacy = stage("scp_legacy", ok=True, skipped=True, message="plain scp is legacy")
    p = report.probe_report(dict(PROBE_OK, stages=[stage("tcp"), legacy]))
    assert p["status"] == "passed" and p["summary"] == "all passed: tcp"


def test_probe_summary_shortens_the_likely_ids():
    many = stage("tcp", False, failed_at="banner", classification="closed_before_banner", message="closed",
                 finding_ids=["a", "b", "c", "d"])
    p = report.probe_report(dict(PROBE_OK, stages=[many]))
    assert p["summary"] == "tcp failed at banner (closed_before_banner): closed; likely: a, b, c, ..."
    assert report.probe_stage_line(p["stages"][0]).endswith("likely: a, b, c, d")


def test_host_entry_carries_the_probe():
    assert report.host_report(facts())["probe"] is None
    entry = report.host_report(facts([SFTP]), probe=PROBE_SFTP)
    assert entry["probe"]["status"] == "failed" and entry["status"] == "findings"
    # an unreachable host keeps its status; the probe says what a client sees
    gone = report.host_report(UNREACHABLE, probe=PROBE_SFTP)
    assert gone["status"] == "unreachable" and gone["probe"]["first_failure"] == "sftp"
    # re-evaluating an entry keeps its probe; a probe given with an entry replaces it
    assert report.host_report(entry, threshold="warning")["probe"] == entry["probe"]
    assert report.host_report(entry, probe=PROBE_OK)["probe"]["status"] == "passed"
    json.dumps(entry)


def probe_fleet():
    return fleet_of(**{
        "ok-1": report.host_report(facts(), release="bookworm", probe=PROBE_OK),
        "sftp-1": report.host_report(facts([SFTP]), release="bookworm", probe=PROBE_SFTP),
        "quiet-1": report.host_report(facts(), release="trixie", probe=PROBE_SFTP),
        "gone-1": report.host_report(UNREACHABLE, release="bullseye", probe=PROBE_SFTP),
        "podman-1": report.host_report(facts(), release="trixie", probe=PROBE_SKIPPED),
        "noclient-1": report.host_report(facts(), release="trixie", probe=PROBE_ERROR),
        "plain-1": report.host_report(facts(), release="trixie"),
    })


def test_fleet_summary_counts_probes():
    s = probe_fleet()["summary"]
    assert s["probe"] == {"passed": 1, "failed": 3, "skipped": 1, "error": 1}
    assert s["probe_failed_hosts"] == ["sftp-1", "quiet-1", "gone-1", "noclient-1"]
    assert s["passed"] is False
    # healthy hosts whose probe failed fail the run on their own
    fleet = fleet_of(a=report.host_report(facts(), probe=PROBE_SFTP))
    assert fleet["summary"]["passed"] is False and fleet["summary"]["failing"] == 0
    assert report.headline(fleet) == ("FAILED: 1 host failing the client probe "
                                      "(1 host: 1 healthy, 0 with findings).")
    # passed and skipped probes do not
    assert fleet_of(a=report.host_report(facts(), probe=PROBE_OK),
                    b=report.host_report(facts(), probe=PROBE_SKIPPED))["summary"]["passed"] is True
    # fleets of entries without a probe (older fleet.json) still render
    old = fleet_of(a=report.host_report(facts()))
    for e in old["hosts"].values():
        del e["probe"]
    assert report_formats.fleet_markdown(old) and report_formats.fleet_html(old) and report_formats.fleet_junit(old)


def test_probe_verdict_lines():
    lines = report_formats.host_verdict(report.host_report(facts(), probe=PROBE_OK))
    assert lines == ["healthy: OpenSSH 9.2p1, 3 checks, no findings",
                     "client probe (OpenSSH 9.2p1 client to deploy@192.0.2.10:22): all passed: tcp, ssh, sftp, scp"]
    lines = report_formats.host_verdict(report.host_report(UNREACHABLE, probe=PROBE_SFTP))
    assert lines[0].startswith("UNREACHABLE: ")
    assert lines[1] == "CLIENT PROBE FAILED (OpenSSH 9.2p1 client to deploy@192.0.2.10:22):"
    assert lines[2] == ("    sftp failed at subsystem (subsystem_refused): subsystem request failed on channel 0; "
                        "likely: sftp_subsystem_missing")
    assert lines[3].startswith("    scp failed at subsystem") and lines[-1].startswith("hint: ")
    assert report_formats.host_verdict(report.host_report(facts([SFTP]), probe=PROBE_SFTP))[-1].startswith("    scp failed")
    assert report_formats.host_verdict(report.host_report(facts(), probe=PROBE_SKIPPED))[-1] == (
        "client probe: not probed: the host is not managed over SSH")
    assert report_formats.host_verdict(report.host_report(FAILED, probe=PROBE_ERROR)) == [
        "FAILED: /usr/bin/python3: not found",
        "CLIENT PROBE ERROR: ssh_probe failed: no OpenSSH client (ssh) on this host's PATH"]
    assert "client probe failed (4): sftp-1, quiet-1, gone-1, noclient-1" in report_formats.fleet_verdict(probe_fleet())
    v6 = report.probe_report(dict(PROBE_OK, target={"host": "2001:db8::1", "port": 2222, "user": None}))
    assert report.probe_target(v6) == "[2001:db8::1]:2222"


def test_probe_markdown():
    md = report_formats.fleet_markdown(probe_fleet())
    assert "## Client probe" in md
    assert ("| sftp-1 | **failed** | tcp ok, ssh ok, sftp **FAIL** at subsystem, scp **FAIL** at subsystem | "
            "`subsystem request failed on channel 0` | `sftp_subsystem_missing` |") in md
    assert "| ok-1 | passed | tcp ok, ssh ok, sftp ok, scp ok | - | - |" in md
    assert "| podman-1 | skipped | - | not probed: the host is not managed over SSH | - |" in md
    assert "plain-1" not in md.split("## Client probe")[1].split("## Hosts")[0]  # not probed: no row
    # a healthy host that fails its probe gets a section; one that passes stays in the healthy list
    assert "### quiet-1: healthy, client probe failed" in md
    assert "### noclient-1: healthy, client probe error" in md
    assert "### Healthy\n\nok-1, plain-1, podman-1\n" in md
    assert ("Client probe (OpenSSH 9.2p1 client to deploy@192.0.2.10:22): **failed**: sftp failed at subsystem "
            "(subsystem_refused): subsystem request failed on channel 0; likely: sftp_subsystem_missing") in md
    gone = md.split("### gone-1: unreachable, client probe failed")[1].split("###")[0]
    assert "Client probe (" in gone and "Connection refused" in gone


def test_probe_junit():
    root, cases = junit_cases(report_formats.fleet_junit(probe_fleet()))
    assert cases["plain-1"].find("system-out") is None
    assert cases["ok-1"].find("failure") is None and "sftp passed" in cases["ok-1"].find("system-out").text
    failure = cases["sftp-1"].find("failure")
    assert failure.get("message").endswith("client probe failed")
    assert "sftp failed at subsystem" in failure.text and "scp failed at subsystem" in failure.text
    # an unreachable host: an error that holds what the probe saw
    error = cases["gone-1"].find("error")
    assert error.get("type") == "unreachable" and "failed at" in error.text
    assert "not probed" in cases["podman-1"].find("system-out").text
    assert cases["noclient-1"].find("failure").get("message") == "client probe error"
    # sftp-1, quiet-1 and noclient-1 fail; gone-1 is an error (unreachable)
    assert (root.get("failures"), root.get("errors")) == ("3", "1")


def test_probe_html():
    doc = report_formats.fleet_html(probe_fleet())
    data, hosts = html_data(doc)
    assert hosts["sftp-1"]["p"]["status"] == "failed" and hosts["plain-1"]["p"] is None
    assert hosts["ok-1"]["p"]["status"] == "passed"
    assert "deploy@192.0.2.10:22" in hosts["sftp-1"]["p"]["where"]
    sftp = next(st for st in hosts["sftp-1"]["p"]["stages"] if st["name"] == "sftp")
    assert sftp["message"] == "subsystem request failed on channel 0" and sftp["classification"] == "subsystem_refused"
    assert sum(1 for h in hosts.values() if h["p"] and h["p"]["stages"]) == 4  # ok-1, sftp-1, quiet-1, gone-1
    assert "not probed: the host is not managed over SSH" in hosts["podman-1"]["p"]["message"]
    assert "h.p.status==='failed'" in doc  # failing probes open by themselves
    evil = dict(PROBE_SFTP, stages=[stage("sftp", False, message="<script>alert(1)</script>")])
    doc = report_formats.fleet_html(fleet_of(h=report.host_report(facts(), probe=evil)))
    assert "<script>alert" not in doc and parse_html(doc).tags.count("script") == 2


def test_there_are_captured_probes():
    assert len(PROBE_CASES) >= 3


@pytest.mark.parametrize("case", PROBE_CASES)
def test_captured_probe(case):
    """Registered ssh_probe results from the lab: the entry names the stage and the finding."""
    data = probe_case(case)
    expect = data["expect"]
    p = report.probe_report(data["result"])
    assert p["status"] == expect["status"]
    assert p["first_failure"] == expect["first_failure"]
    first = next(s for s in p["stages"] if s["name"] == expect["first_failure"])
    assert first["classification"] == expect["classification"]
    assert first["finding_ids"][0] == expect["finding_id"]
    assert expect["finding_id"] in p["finding_ids"]
    # the unreachable case: no facts, the probe still names the stage
    entry = report.host_report(UNREACHABLE, release=data["release"], probe=data["result"])
    verdict = report_formats.host_verdict(entry)
    assert verdict[1].startswith("CLIENT PROBE FAILED (OpenSSH 9.2p1 client to root@127.0.0.1:")
    assert any(line.startswith(f"    {expect['first_failure']} failed at ") and expect["finding_id"] in line
               for line in verdict)
    fleet = fleet_of(**{case: entry})
    root, cases = junit_cases(report_formats.fleet_junit(fleet))
    assert "failed at" in cases[case].find("error").text
    assert expect["finding_id"] in report_formats.fleet_markdown(fleet)


def test_merge_fleets_takes_the_newest_entry_and_resolves_not_run():
    cases = {c: report.host_report(load(c + ".json")["result"], release=load(c + ".json")["release"]) for c in CASES}
    healthy, broken = cases["bullseye_healthy"], cases["bookworm_sftp_subsystem_missing"]
    old = report.fleet_report({"a": broken, "b": healthy}, "error", "2025-01-01T00:00:00Z", {"check_mode": False},
                              not_run={"c": "not in this run: outside --limit"})
    new = report.fleet_report({"a": healthy, "c": broken}, "warning", "2025-01-02T00:00:00Z", {"check_mode": True},
                              not_run={"b": "not in this run: outside --limit", "d": "not in this run: outside --limit"})
    merged, origin = report.merge_fleets([old, new])
    assert list(merged["hosts"]) == ["a", "b", "c"] and origin == {"a": 1, "b": 0, "c": 1}
    assert merged["hosts"]["a"]["status"] == "healthy"  # the newer run's entry
    assert merged["not_run"] == {"d": "not in this run: outside --limit"}
    assert merged["threshold"] == "warning"  # the strictest of the runs
    assert [(r["generated"], r["used"], r["check_mode"]) for r in merged["run"]["merged"]] == [
        ("2025-01-01T00:00:00Z", 1, False), ("2025-01-02T00:00:00Z", 2, True)]
    # a merge of merges keeps every run
    again, dummy = report.merge_fleets([merged, report.fleet_report({"e": healthy}, generated="2025-01-03T00:00:00Z")])
    assert len(again["run"]["merged"]) == 3 and list(again["hosts"]) == ["a", "b", "c", "e"]
    for bad in ([], {}, "fleet.json", [{"hosts": "a"}]):
        with pytest.raises(report.ReportError):
            report.merge_fleets(bad)


def test_summarize_counts_a_host_once_per_id():
    dup = report.host_report({"findings": [{"id": "x", "severity": "error"}, {"id": "y", "severity": "info"},
                                           {"id": "x", "severity": "warning"}], "checks": ["x", "y"]})
    fleet = report.fleet_report({"a": dup, "b": dup})
    assert fleet["summary"]["by_id"]["x"]["hosts"] == ["a", "b"] and fleet["summary"]["by_id"]["x"]["count"] == 2


# ---------------------------------------------------------------- negotiation: probe tied to the host finding

# A real pair (tests/lab/probe_capture.py client_algorithms_incompatible bookworm): the controller's
# OpenSSH 9.2p1 client against a bookworm host with `HostKeyAlgorithms ssh-rsa` in a drop-in.
NEG_PROBE = "bookworm_client_algorithms_incompatible"


def negotiation_entry():
    facts = json.loads((FIXTURES / f"{NEG_PROBE}.json").read_text())
    return report.host_report(facts["result"], "error", facts["release"], probe_case(NEG_PROBE)["result"])


def test_probe_negotiation_names_client_list_offer_and_config_line():
    entry = negotiation_entry()
    (neg,) = entry["probe"]["negotiation"]
    assert neg["stage"] == "ssh" and neg["client"].startswith("OpenSSH 9.2p1 client to root@127.0.0.1:")
    assert (neg["list"], neg["keyword"], neg["server_offer"]) == ("hostkey", "HostKeyAlgorithms", ["ssh-rsa"])
    assert neg["set_by"] == "HostKeyAlgorithms /etc/ssh/sshd_config.d/40-hostkeyalgs.conf:1"
    assert neg["finding_ids"] == ["client_algorithms_incompatible"]
    # 9.2 is not among the host's client profiles: the line given for OpenSSH 10.0, named as such
    assert neg["admit_for"] == "OpenSSH 10.0"
    assert neg["admit"] == "`HostKeyAlgorithms ssh-rsa,ssh-ed25519` (replace /etc/ssh/sshd_config.d/40-hostkeyalgs.conf:1)"
    # a normalised entry normalises to itself (the role writes hosts/*.json, the merge reads them back)
    assert report.normalize_entry(json.loads(json.dumps(entry))) == entry


def test_probe_negotiation_in_terminal_html_and_json():
    entry = negotiation_entry()
    lines = report_formats.host_verdict(entry)
    i = lines.index(next(x for x in lines if x.startswith("CLIENT PROBE FAILED")))
    assert lines[i + 2].startswith("    negotiation: OpenSSH 9.2p1 client to root@127.0.0.1:")
    assert ("found no common host key type (HostKeyAlgorithms): the server offers ssh-rsa; set by HostKeyAlgorithms "
            "/etc/ssh/sshd_config.d/40-hostkeyalgs.conf:1") in lines[i + 2]
    fleet = report.fleet_report({"h": entry}, "error", "2025-01-02T03:04:05Z", {"probe": True})
    # index.html: the data the template's script renders (client, list, offer, config line)
    html = report_formats.fleet_html(fleet)
    assert '"neg":[{' in html and "40-hostkeyalgs.conf:1" in html and "list that failed" in html
    # fleet.json / hosts/*.json: the normalized entry carries it
    assert json.loads(json.dumps(fleet))["hosts"]["h"]["probe"]["negotiation"][0]["keyword"] == "HostKeyAlgorithms"


def test_probe_negotiation_exact_client_line_and_no_finding():
    entry = negotiation_entry()
    probe = dict(entry["probe"], client_version="10.0p2")
    exact = report.probe_negotiation(probe, entry["findings"])["negotiation"][0]
    assert exact["admit_for"] is None and exact["admit"].startswith("`HostKeyAlgorithms ssh-rsa,ssh-ed25519`")
    bare = report.probe_negotiation(entry["probe"], [])["negotiation"][0]
    assert (bare["set_by"], bare["admit"], bare["finding_ids"]) == (None, None, [])
    assert "not named by the host's findings" in report.negotiation_line(bare)
    # a probe that passed, or none: nothing to add
    assert report.probe_negotiation(None, entry["findings"]) is None
    assert report.probe_report(PROBE_OK)["stages"][0].get("negotiation") is None
