# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report path at fleet size: N hosts (10,000 by default) built from the real captured
results of tests/unit/plugins/filter/fixtures/report/ (round robin, each host under its own name),
through what the role does on the controller:

  1. host entries (sshd.doctor.host_report) and the journal (one record per host, as the hosts
     complete), with their hosts/<host>.json (facts included);
  2. the fleet built from the journal and every fleet file rendered and written
     (fleet.json, fleet.md, index.html, junit.xml).

Prints one JSON line: the time of each step, the files' sizes and the peak RSS of the process.

  python3 bench/report10k.py [--hosts 10000] [--dest DIR]
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "unit" / "plugins" / "filter" / "fixtures" / "report"


def _import():
    here = ROOT.parents[2] if ROOT.parent.name == "sshd" else None
    if here is None or not (here / "ansible_collections").exists():
        sys.path.insert(0, str(ROOT / ".build" / "collections"))
    else:
        sys.path.insert(0, str(here))
    from ansible_collections.sshd.doctor.plugins.plugin_utils import report, report_formats, report_store  # noqa: E402
    return report, report_formats, report_store


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("--hosts", type=int, default=10000)
    ap.add_argument("--dest")
    args = ap.parse_args(argv)
    report, report_formats, report_store = _import()
    cases = []
    for path in sorted(FIXTURES.glob("*.json")):
        data = json.loads(path.read_text())
        cases.append((data["result"], data["release"], data.get("probe")))
    dest = args.dest or tempfile.mkdtemp(prefix="sshd-report10k-")
    os.makedirs(dest, exist_ok=True)
    store = report_store.Store(report_store.default_state_dir(dest, "bench"), f"bench-{os.getpid()}")
    from ansible_collections.sshd.doctor.plugins.action.sshd_report import write_files  # noqa: E402

    c0 = time.process_time()
    t0 = time.perf_counter()
    names = [f"host-{i:05d}.example.org" for i in range(args.hosts)]
    for i, name in enumerate(names):
        result, release, probe = cases[i % len(cases)]
        entry = report.host_report(result, "error", release, probe)
        entry["file"] = report.host_file(name)
        sshd = (result.get("ansible_facts") or {}).get("sshd") if entry["status"] in ("healthy", "findings") else None
        write_files(dest, {report.host_file(name): report_formats.host_document(name, entry, sshd, report_formats.now_iso(), "error")},
                    0o644, False)
        with store.locked():
            store.record(name, entry)
    t1, c1 = time.perf_counter(), time.process_time()
    with store.locked():
        entries = store.entries()
    fleet = report.fleet_report({n: entries[n] for n in names}, "error", None, {"check_mode": False})
    t2 = time.perf_counter()
    files = report_formats.report_files(fleet, formats=list(report_formats.REPORT_FORMATS), host_files=False)
    t3 = time.perf_counter()
    write_files(dest, files, 0o644, False)
    verdict = report_formats.fleet_verdict(fleet, dest, details=True)
    t4, c4 = time.perf_counter(), time.process_time()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "hosts": args.hosts,
        "hosts_s": round(t1 - t0, 2),          # entries, hosts/*.json and journal, host by host
        "fleet_s": round(t2 - t1, 2),          # journal read, fleet dict and summary
        "render_s": round(t3 - t2, 2),         # fleet.json, fleet.md, index.html, junit.xml
        "write_s": round(t4 - t3, 2),
        "fleet_path_s": round(t4 - t1, 2),     # what the fleet task costs at the end of the play
        "total_s": round(t4 - t0, 2),
        "hosts_cpu_s": round(c1 - c0, 2),       # CPU: wall times above grow with the machine's load
        "fleet_path_cpu_s": round(c4 - c1, 2),
        "load": round(os.getloadavg()[0], 1),
        "peak_rss_mb": round(rss, 1),
        "sizes_kb": {rel: len(text.encode()) // 1024 for rel, text in files.items()},
        "verdict_lines": len(verdict),
        "dest": dest,
    }))


if __name__ == "__main__":
    main()
