# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""index.html in a real headless Chromium (Debian's chromium and chromium-driver, driven by
selenium): at 12 hosts and at 10,000 hosts made from the captured lab results of
tests/unit/plugins/filter/fixtures/report/, it filters, sorts, expands and pages, logs no console
error, fits a 390 px phone, and a filter keystroke costs under 100 ms.

    make browser-deps   # apt: chromium chromium-driver (once)
    make browser        # this test
"""

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from ansible_collections.sshd.doctor.plugins.plugin_utils import report, report_formats

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "unit" / "plugins" / "filter" / "fixtures" / "report"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
KEYSTROKE_MS = 100


def fleet_of(n):
    cases = []
    for path in sorted(FIXTURES.glob("*.json")):
        data = json.loads(path.read_text())
        cases.append(report.host_report(data["result"], release=data["release"], probe=data.get("probe")))
    hosts = {f"host-{i:05d}.example.org": cases[i % len(cases)] for i in range(n)}
    return report.fleet_report(hosts, "error", "2025-01-02T03:04:05Z", {
        "check_mode": True, "clients": ["192.0.2.10"], "users": ["deploy"], "probe": False,
        "collection_version": "9.9.9", "ansible_version": "2.19.0"})


@pytest.fixture(scope="module")
def browser():
    if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
        pytest.fail("chromium and chromium-driver are not installed: run `make browser-deps`")
    opts = Options()
    opts.binary_location = CHROMIUM
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    driver.set_window_size(1280, 900)
    yield driver
    driver.quit()


def open_report(driver, tmp_path, fleet):
    path = tmp_path / "index.html"
    path.write_text(report_formats.fleet_html(fleet))
    t0 = time.perf_counter()
    driver.get(path.as_uri())
    driver.find_element(By.CSS_SELECTOR, "#rows tr.row")
    return time.perf_counter() - t0


def shown(driver):
    return driver.find_element(By.ID, "shown").text


def timed(driver, script):
    """Run ``script`` in the page; the milliseconds it took, rendering of the rows included."""
    return driver.execute_script(
        "var t0=performance.now();" + script + ";document.body.offsetHeight;return performance.now()-t0;")


def console_errors(driver):
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def expected_matches(fleet, term):
    """Hosts whose name, release, version, status or finding ids contain ``term`` (as the page filters)."""
    out = 0
    for name, e in fleet["hosts"].items():
        ids = [f["id"] for f in e["findings"]]
        label = "failing" if e["failing"] and e["status"] == "findings" else e["status"]
        text = " ".join([name, e["release"], e["version"] or "", label, *ids]).lower()
        out += term in text
    return out


@pytest.mark.parametrize("n", [12, 10000])
def test_report_in_chromium(browser, tmp_path, n):
    fleet = fleet_of(n)
    load_s = open_report(browser, tmp_path, fleet)
    assert console_errors(browser) == []
    s = fleet["summary"]
    assert shown(browser) == f"showing {n} of {n} hosts"
    rows = browser.find_elements(By.CSS_SELECTOR, "#rows tr.row")
    assert len(rows) == min(n, report_formats.HTML_PAGE)  # a page at a time
    # worst first: the first row is a failing host
    assert "at or above threshold" in rows[0].text

    # run metadata and finding links to the docs
    meta = browser.find_element(By.ID, "runmeta").text
    assert "clients evaluated" in meta and "192.0.2.10" in meta and "check mode" in meta and "9.9.9" in meta
    link = browser.find_element(By.CSS_SELECTOR, ".bar-row a.fid")
    fid = next(iter(s["by_id"]))
    assert link.get_attribute("href").endswith("findings.md#" + fid)

    # a filter keystroke: the term typed, its rows drawn
    q = browser.find_element(By.ID, "q")
    q.send_keys("sftp_subsystem")
    time.sleep(0.4)  # the filter is debounced
    want = expected_matches(fleet, "sftp_subsystem")
    assert shown(browser) == f"showing {want} of {n} hosts" and want > 0
    keystroke_ms = max(timed(browser, f"var q=document.getElementById('q');q.value='{term}';"
                                      "q.dispatchEvent(new Event('change'))")
                       for term in ("h", "ho", "host-0", "host-00", "sftp", "bookworm"))
    assert keystroke_ms < KEYSTROKE_MS, keystroke_ms
    # the keystroke itself only schedules the filter
    typing_ms = timed(browser, "var q=document.getElementById('q');q.value='x';q.dispatchEvent(new Event('input'))")
    assert typing_ms < 20
    browser.find_element(By.ID, "reset").click()
    assert shown(browser) == f"showing {n} of {n} hosts"

    # status and finding filters
    browser.execute_script("var f=document.getElementById('fstatus');f.value='unreachable';"
                           "f.dispatchEvent(new Event('change'))")
    assert shown(browser) == f"showing {s['unreachable']} of {n} hosts"
    browser.find_element(By.ID, "reset").click()
    browser.execute_script(f"var f=document.getElementById('ffinding');f.value='{fid}';"
                           "f.dispatchEvent(new Event('change'))")
    assert shown(browser) == f"showing {s['by_id'][fid]['count']} of {n} hosts"
    browser.find_element(By.ID, "reset").click()

    # sort by host, both ways
    sort_ms = timed(browser, "document.querySelector('th[data-sort=host]').click()")
    first = browser.find_element(By.CSS_SELECTOR, "#rows tr.row").get_attribute("data-host")
    assert first == min(fleet["hosts"])
    browser.find_element(By.CSS_SELECTOR, "th[data-sort=host]").click()
    assert browser.find_element(By.CSS_SELECTOR, "#rows tr.row").get_attribute("data-host") == max(fleet["hosts"])
    assert sort_ms < 500, sort_ms

    # expand a host with findings: evidence and fix, the id linked to its docs
    browser.execute_script("var f=document.getElementById('fstatus');f.value='failing';"
                           "f.dispatchEvent(new Event('change'));document.getElementById('collapse').click()")
    row = browser.find_element(By.CSS_SELECTOR, "#rows tr.row")
    host = row.get_attribute("data-host")
    row.click()
    detail = browser.find_element(By.CSS_SELECTOR, "#rows tr.detail")
    entry = fleet["hosts"][host]
    assert entry["findings"][0]["summary"].split("`")[0][:30] in detail.text
    assert "fix" in detail.text.lower()
    assert detail.find_element(By.CSS_SELECTOR, "a.fid").get_attribute("href").endswith("#" + entry["findings"][0]["id"])
    browser.find_element(By.CSS_SELECTOR, "#rows tr.row").click()  # collapse again
    assert browser.find_elements(By.CSS_SELECTOR, "#rows tr.detail") == []

    # pages
    browser.find_element(By.ID, "reset").click()
    if n > report_formats.HTML_PAGE:
        browser.find_element(By.ID, "next").click()
        assert browser.find_element(By.ID, "page").text.startswith("page 2 of ")
    assert console_errors(browser) == []

    # a 390 px phone: nothing wider than the screen
    browser.set_window_size(390, 844)
    try:
        width = browser.execute_script("return document.documentElement.clientWidth")
        wide = browser.execute_script(
            "var w=document.documentElement.clientWidth,out=[];document.querySelectorAll('main *').forEach(function(e){"
            "var r=e.getBoundingClientRect();if(r.width&&r.right>w+1&&!e.closest('.matrix-wrap,table.stages'))out.push(e.tagName+'.'+e.className);});"
            "return out.slice(0,5)")
        assert wide == [], (width, wide)
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width + 1
    finally:
        browser.set_window_size(1280, 900)
    print(f"\n{n} hosts: load {load_s:.2f} s, filter keystroke {keystroke_ms:.1f} ms, sort {sort_ms:.1f} ms",
          file=sys.stderr)


def test_probe_negotiation_block(browser, tmp_path):
    """A real probe that ended at algorithm negotiation (OpenSSH 9.2p1 client, bookworm host with
    HostKeyAlgorithms ssh-rsa; tests/lab/probe_capture.py) shows its client, list, offer and config
    line in the host's detail."""
    probe = json.loads((FIXTURES.parent / "probe" / "bookworm_client_algorithms_incompatible.json").read_text())
    facts = json.loads((FIXTURES / "bookworm_client_algorithms_incompatible.json").read_text())
    entry = report.host_report(facts["result"], release="bookworm", probe=probe["result"])
    fleet = report.fleet_report({"neg-1": entry}, "error", "2025-01-02T03:04:05Z", {"probe": True})
    open_report(browser, tmp_path, fleet)
    # a failing host opens by itself (up to 25 of them)
    text = browser.find_element(By.CSS_SELECTOR, "#rows tr.detail dl.neg").text
    assert "list that failed" in text and "HostKeyAlgorithms" in text and "ssh-rsa" in text, text
    assert "HostKeyAlgorithms /etc/ssh/sshd_config.d/40-hostkeyalgs.conf:1" in text, text
    assert "OpenSSH 9.2p1 client" in text and "client_algorithms_incompatible" in text, text
    assert console_errors(browser) == []
