# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one module run costs a target: the CPU time of the lab host's whole container (sshd and
its session, Python, the commands the module runs, systemd and journald answering them), read
from the container's cgroup (cpuacct) around RUNS sequential ad-hoc runs, one host at a time.

On the lab every target shares the controller's CPUs, so this CPU is wall time of a fleet run:
it is the figure to A/B module changes with on a busy machine (wall times drift with the load,
a process's CPU time much less).

    python3 bench/target_cpu.py --inventory INV --host NAME [--runs 10] [--collections PATH ...]
        [--module sshd.doctor.sshd_facts] [--module ansible.builtin.ping]

Several --collections are run interleaved (A, B, A, B, ...) and reported side by side.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"


def cgroup_cpu_ns(container):
    pid = subprocess.run(["podman", "inspect", "--format", "{{.State.Pid}}", container], capture_output=True,
                         text=True, check=True).stdout.strip()
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _num, controllers, path = line.split(":", 2)
        if "cpuacct" in controllers.split(","):
            return Path("/sys/fs/cgroup") / controllers / path.lstrip("/") / "cpuacct.usage"
        if controllers == "":
            unified = Path("/sys/fs/cgroup") / path.lstrip("/") / "cpu.stat"
            if unified.exists():
                return unified
    raise SystemExit(f"no cpu accounting cgroup for {container}")


def read_ns(path):
    text = path.read_text()
    if path.name == "cpu.stat":
        usec = next(int(line.split()[1]) for line in text.splitlines() if line.startswith("usage_usec"))
        return usec * 1000
    return int(text.strip())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    p.add_argument("--inventory", required=True)
    p.add_argument("--host", required=True, help="inventory host name (its lab_container var names the container)")
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--collections", action="append", default=[], help="collections path (repeat to A/B)")
    p.add_argument("--module", action="append", default=[], help="module (repeat); default sshd.doctor.sshd_facts")
    args = p.parse_args()
    collections = args.collections or [str(ROOT / ".build" / "collections")]
    modules = args.module or ["sshd.doctor.sshd_facts"]
    inv = Path(args.inventory).read_text()
    container = None
    try:
        data = json.loads(inv.split("\n", 2)[2]) if inv.startswith("---") else json.loads(inv)
        for group in data["all"]["children"].values():
            if args.host in group["hosts"]:
                container = group["hosts"][args.host]["lab_container"]
    except (ValueError, KeyError, IndexError):
        pass
    container = container or f"sshd-doctor-{args.host}"
    usage = cgroup_cpu_ns(container)
    ansible = str(VENV_BIN / "ansible") if (VENV_BIN / "ansible").exists() else "ansible"
    env = dict(os.environ, ANSIBLE_PIPELINING="True", ANSIBLE_HOST_KEY_CHECKING="False",
               ANSIBLE_SSH_ARGS="-o ControlMaster=auto -o ControlPersist=300s")
    combos = [(c, m) for m in modules for c in collections]
    samples = {combo: [] for combo in combos}
    walls = {combo: [] for combo in combos}
    for combo in combos:  # warm-up: the SSH master connection, the page cache
        subprocess.run([ansible, args.host, "-i", args.inventory, "-m", combo[1]], env=dict(
            env, ANSIBLE_COLLECTIONS_PATH=combo[0]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    for _run in range(args.runs):
        for combo in combos:
            before = read_ns(usage)
            t0 = time.monotonic()
            res = subprocess.run([ansible, args.host, "-i", args.inventory, "-m", combo[1]],
                                 env=dict(env, ANSIBLE_COLLECTIONS_PATH=combo[0]), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, check=False)
            walls[combo].append(time.monotonic() - t0)
            if res.returncode != 0:
                raise SystemExit(f"{combo[1]} failed on {args.host} (rc {res.returncode})")
            samples[combo].append((read_ns(usage) - before) / 1e6)
    load = os.getloadavg()[0]
    for combo in combos:
        vals = sorted(samples[combo])
        med = vals[len(vals) // 2]
        print(f"{combo[1]:28} {combo[0]:50} target CPU per run: median {med:6.1f} ms"
              f" (min {vals[0]:.1f}, max {vals[-1]:.1f}; {len(vals)} runs; load {load:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
