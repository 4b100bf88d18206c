# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capture real sshd states from the lab as unit-test fixtures.

For every injectable fault (and a healthy host), on every release: start a fresh lab host,
inject the fault, run the real ``sshd.doctor.sshd_facts`` module on it through the podman
connection, and save the gathered state (without the findings, which the unit tests
recompute from it) to ``tests/unit/fixtures/states/<release>/<fault>.json``.

    python3 tests/lab/capture.py [--faults a,b] [--releases x,y]
"""

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab  # noqa: E402  pylint: disable=wrong-import-position

OUT = lab.ROOT / "tests" / "unit" / "fixtures" / "states"
FLEET = "cap"
# What the fixtures must not carry: timings vary and findings are recomputed.
VOLATILE = ("findings", "checks", "elapsed_ms", "timings")


def run_facts(inventory, users):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(lab.ROOT / ".build" / "collections"),
               ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
               ANSIBLE_HOST_KEY_CHECKING="false")
    args = json.dumps({"clients": ["10.88.0.1"], "users": users})
    res = subprocess.run([str(lab.ROOT / ".venv" / "bin" / "ansible"), "all", "-i", str(inventory), "-m",
                          "sshd.doctor.sshd_facts", "-a", args], capture_output=True, text=True, env=env, check=False)
    data = json.loads(res.stdout)
    out = {}
    for play in data["plays"]:
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                out[host] = result
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    p.add_argument("--faults", help="comma-separated subset of the faults (default: all, and healthy)")
    p.add_argument("--releases", help="comma-separated subset of the releases")
    args = p.parse_args(argv)
    faults = args.faults.split(",") if args.faults else ["healthy", *lab.FAULTS]
    releases = args.releases.split(",") if args.releases else list(lab.RELEASES)
    spec = ",".join(f"{r}:1" for r in releases)
    started = time.monotonic()
    for fault in faults:
        lab.cmd_up(argparse.Namespace(name=FLEET, spec=spec, port=None, timeout=90))
        fleet = json.loads(lab.fleet_file(FLEET).read_text())
        if fault != "healthy":
            for h in fleet["hosts"]:
                lab.inject(h["name"], fault)
        results = run_facts(lab.LAB_DIR / FLEET / "inventory-podman.yml", ["root", "alice"])
        for h in fleet["hosts"]:
            res = results.get(h["name"], {})
            state = res.get("ansible_facts", {}).get("sshd")
            if state is None:
                raise SystemExit(f"[capture] {h['name']} ({fault}): no facts: {res.get('msg')}")
            for key in VOLATILE:
                state.pop(key, None)
            dest = OUT / h["release"] / f"{fault}.json"
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n")
            lab.log(f"captured {dest.relative_to(lab.ROOT)}")
    lab.cmd_down(argparse.Namespace(name=FLEET))
    lab.log(f"captured {len(faults)} states x {len(releases)} releases in {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
