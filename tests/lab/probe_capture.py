"""Capture the report fixtures of one lab case: the registered results of sshd.doctor.ssh_probe
(from the controller's own OpenSSH client) and sshd.doctor.sshd_facts (over podman) against a
lab host with a fault injected, in the shapes tests/unit/plugins/filter/fixtures/README.md
describes.

    probe_capture.py CASE [RELEASE]   start a one-host fleet (SSHD_DOCTOR_LAB_PORT, name prefix
                                      SSHD_DOCTOR_CAPTURE_PREFIX), inject CASE, probe it, read its
                                      facts, write probe/RELEASE_CASE.json and report/RELEASE_CASE.json,
                                      take the fleet down
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab  # noqa: E402  pylint: disable=wrong-import-position
from capture import CLIENTS, ansible_env  # noqa: E402  pylint: disable=wrong-import-position

OUT = lab.ROOT / "tests" / "unit" / "plugins" / "filter" / "fixtures"
PREFIX = os.environ.get("SSHD_DOCTOR_CAPTURE_PREFIX", "probe-cap")
FACT_KEYS = ("version", "version_tuple", "version_source", "service", "clients", "checks", "findings")


def play(inventory, hosts, tasks):
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "capture.yml"
        book.write_text(json.dumps([{"hosts": hosts, "gather_facts": False, "tasks": tasks}]))
        res = subprocess.run([str(lab.ROOT / ".venv" / "bin" / "ansible-playbook"), "-i", str(inventory), str(book)],
                             capture_output=True, text=True, env=ansible_env(), check=False)
    data = json.loads(res.stdout)
    return [task["hosts"] for p in data["plays"] for task in p["tasks"]]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    p.add_argument("case")
    p.add_argument("release", nargs="?", default="bookworm")
    args = p.parse_args(argv)
    name = f"{PREFIX}-{args.case.replace('_', '-')}"[:60]
    lab.cmd_up(argparse.Namespace(name=name, spec=f"{args.release}:1", port=None, timeout=90))
    try:
        fleet = json.loads(lab.fleet_file(name).read_text())
        host = fleet["hosts"][0]
        lab.inject(host["name"], args.case)
        inventory = lab.LAB_DIR / name / "inventory-podman.yml"
        facts = play(inventory, "all", [{"sshd.doctor.sshd_facts": {"clients": CLIENTS, "users": ["alice"]}}])[0]
        facts = facts[host["name"]]
        probe = play(inventory, host["name"], [{
            "sshd.doctor.ssh_probe": {"host": "127.0.0.1", "port": host["port"], "user": "root",
                                      "identity_file": str(lab.ROOT / ".lab" / "id_ed25519")},
            "delegate_to": "localhost", "failed_when": False}])[0][host["name"]]
    finally:
        lab.cmd_down(argparse.Namespace(name=name))
    for st in (probe.get("stages") or []) + [probe.get("first_failure") or {}]:
        if isinstance(st, dict):
            st.pop("command", None)  # temporary paths and the controller's key path
    for key in [k for k in probe if k.startswith("_ansible")] + ["invocation", "action"]:
        probe.pop(key, None)
    probe["failed"] = False  # as the diagnose role registers it (failed_when: false)
    first = next((s for s in probe["stages"] if not s["ok"]), {})
    (OUT / "probe" / f"{args.release}_{args.case}.json").write_text(json.dumps({
        "result": probe, "release": args.release, "fault": args.case,
        "expect": {"status": "failed" if first else "passed", "first_failure": first.get("name"),
                   "classification": first.get("classification"),
                   "finding_id": (first.get("finding_ids") or [None])[0]}}, indent=1, sort_keys=True) + "\n")
    sshd = facts["ansible_facts"]["sshd"]
    result = {"ansible_facts": {"sshd": {k: sshd[k] for k in FACT_KEYS if k in sshd}}, "changed": False,
              "failed": False}
    order = {"error": 0, "warning": 1, "info": 2}
    ids = [f["id"] for f in sorted(sshd["findings"], key=lambda f: order.get(f["severity"], 3))]
    (OUT / "report" / f"{args.release}_{args.case}.json").write_text(json.dumps({
        "captured_from": f"tests/lab/probe_capture.py {args.case} {args.release}", "release": args.release,
        "result": result, "expect": {"status": "findings" if ids else "healthy", "ids": ids}},
        indent=1, sort_keys=True) + "\n")
    lab.log(f"wrote probe/ and report/{args.release}_{args.case}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
