# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make bench`: what a diagnosis of a fleet costs, against what Ansible itself costs.

Starts a lab fleet (tests/lab/lab.py, real Debian hosts with systemd and OpenSSH, mixed
releases), then times on it, in the same run and round-robin so that the drift of a busy
machine hits every command alike:

  ping       ansible all -m ansible.builtin.ping       the floor: one module per host
  setup      ansible all -m ansible.builtin.setup
  facts      ansible all -m sshd.doctor.sshd_facts     the module alone
  hand       ansible-playbook bench/handwritten.yml    the same questions, one task each
  diagnose   ansible-playbook sshd.doctor.diagnose     the role, with its report files
  remediate  ansible-playbook sshd.doctor.remediate    a second (idempotent) run

All with the same inventory, forks, pipelining and SSH multiplexing (ControlMaster and
ControlPersist), after one warm-up round (which is also remediate's first run: a quarter of
the hosts get an injected sftp_subsystem_missing before it). It records the wall time, the
controller's CPU time and peak memory of each run, the module's own run time on the
targets (``ansible_facts.sshd.elapsed_ms`` and its per-command timings), and in a final
profile pass (one run each, with a callback that times every task) where the time of the
playbooks goes. It prints a summary and writes docs/benchmarks.md.

  python3 bench/run.py                          N=20 hosts, 3 rounds (make bench)
  python3 bench/run.py --scaling 5,10,20,40     the sweep and docs/images/bench-scaling.png
  python3 bench/run.py --hosts 5 --repeats 2 --no-docs     a quick check of the harness
  python3 bench/run.py --report-only            only the report path at 10,000 hosts (bench/report10k.py)
  python3 bench/run.py --reuse --keep --no-docs --candidate /tmp/proto
                                                a change (a copy of the collection) against this checkout

Results are kept as JSON under bench/results/ (main.json, scaling.json); the document is
rendered from both, so either run refreshes its part and keeps the other. The section
between the analysis markers of docs/benchmarks.md is written by hand and kept.
"""

import argparse
import datetime
import glob
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "lab"))
import lab  # noqa: E402  pylint: disable=wrong-import-position

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
LAB = ROOT / "tests" / "lab" / "lab.py"
LAB_DIR = Path(os.environ.get("SSHD_DOCTOR_LAB_DIR", ROOT / ".lab"))
WORK = ROOT / ".build" / "bench"
RESULTS = BENCH / "results"
DOC = ROOT / "docs" / "benchmarks.md"
PNG = ROOT / "docs" / "images" / "bench-scaling.png"
VENV = ROOT / ".venv"
COLLECTIONS = ROOT / ".build" / "collections"
RELEASES = ("bullseye", "bookworm", "trixie")
MAX_HOSTS = 50

COMMANDS = ("ping", "setup", "facts", "hand", "diagnose", "remediate")
# With --candidate PATH these also run, right after their own, from the sshd.doctor under PATH.
CANDIDATE = ("facts", "diagnose", "remediate")
ORDER = ("ping", "setup", "facts", "facts*", "hand", "diagnose", "diagnose*", "remediate", "remediate*")
LABELS = {
    "ping": "`ansible -m ping`",
    "setup": "`ansible -m setup`",
    "facts": "`ansible -m sshd.doctor.sshd_facts`",
    "hand": "hand-written playbook (bench/handwritten.yml)",
    "diagnose": "`sshd.doctor.diagnose`",
    "remediate": "`sshd.doctor.remediate`, second run",
}
# (numerator, denominator, target or None): wall time of the medians
RATIOS = (
    ("diagnose", "ping", 1.3),
    ("diagnose", "hand", 0.25),
    ("remediate", "ping", 1.5),
    ("diagnose*", "ping", 1.3),
    ("diagnose*", "hand", 0.25),
    ("remediate*", "ping", 1.5),
    ("facts", "ping", None),
    ("facts*", "ping", None),
    ("setup", "ping", None),
    ("hand", "ping", None),
)
# the same, of the controller CPU time (user + system of the process tree)
CPU_RATIOS = (
    ("diagnose", "ping", 1.3),
    ("diagnose*", "ping", 1.3),
    ("facts", "ping", None),
    ("remediate", "ping", None),
)
ANALYSIS_START = "<!-- bench:analysis:start (written by hand; bench/run.py keeps this section) -->"
ANALYSIS_END = "<!-- bench:analysis:end -->"


def relative(text):
    """Paths under the checkout written relative to it (results are committed)."""
    return str(text).replace(str(ROOT) + "/", "")


def log(msg):
    print(f"[bench] {msg}", flush=True)


# ---------------------------------------------------------------- environment


def ensure_venv():
    """Run under the dev venv (.venv: ansible, PyYAML, matplotlib) when started outside it."""
    venv_python = VENV / "bin" / "python"
    inside = Path(sys.prefix).resolve() == VENV.resolve()
    if not inside and venv_python.exists() and not os.environ.get("SSHD_DOCTOR_BENCH_NO_REEXEC"):
        os.environ["SSHD_DOCTOR_BENCH_NO_REEXEC"] = "1"
        os.execv(str(venv_python), [str(venv_python), str(Path(__file__).resolve()), *sys.argv[1:]])


def tool(name):
    path = VENV / "bin" / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"[bench] {name} not found: run `make venv` first")
    return found


def ensure_collection():
    """The checkout is the collection (what `make collection` does), when the link is missing."""
    link = COLLECTIONS / "ansible_collections" / "sshd" / "doctor"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(ROOT)


def ansible_env(forks, control_dir, collections):
    env = dict(os.environ)
    env.update({
        "PATH": f"{VENV / 'bin'}:{env.get('PATH', '')}",
        "ANSIBLE_COLLECTIONS_PATH": str(collections),
        "ANSIBLE_PIPELINING": "True",
        "ANSIBLE_SSH_ARGS": "-o ControlMaster=auto -o ControlPersist=900s",
        "ANSIBLE_CONTROL_PATH_DIR": str(control_dir),
        "ANSIBLE_FORKS": str(forks),
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_DEPRECATION_WARNINGS": "False",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_LOCAL_TEMP": str(WORK / "tmp"),
        "ANSIBLE_CALLBACK_PLUGINS": str(BENCH / "callback_plugins"),
    })
    for key in ("ANSIBLE_CONFIG", "ANSIBLE_CALLBACKS_ENABLED", "ANSIBLE_STDOUT_CALLBACK", "ANSIBLE_STRATEGY",
                "ANSIBLE_KEEP_REMOTE_FILES", "ANSIBLE_DEBUG", "ANSIBLE_VERBOSITY"):
        env.pop(key, None)
    return env


def machine_info():
    info = {"cpus": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()}
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            info["mem_gib"] = round(int(f.readline().split()[1]) / (1 << 20), 1)
    except (OSError, ValueError, IndexError):
        pass
    res = subprocess.run([tool("ansible"), "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"core ([\d.]+)", res.stdout)
    info["ansible_core"] = match.group(1) if match else None
    res = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                         check=False)
    info["commit"] = res.stdout.strip() or None
    res = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "plugins", "roles", "playbooks"],
                         capture_output=True, text=True, check=False)
    info["dirty"] = bool(res.stdout.strip())
    return info


def loadavg():
    return [round(x, 2) for x in os.getloadavg()]


# ---------------------------------------------------------------- the fleet


def fleet_spec(n):
    """n hosts spread over the releases as evenly as possible, oldest first."""
    base, extra = divmod(n, len(RELEASES))
    return ",".join(f"{rel}:{base + (1 if i < extra else 0)}" for i, rel in enumerate(RELEASES)
                    if base + (1 if i < extra else 0))


def pending_banners(hosts, timeout):
    """Wait up to `timeout` seconds for the SSH banner of every host; return the hosts without one."""
    pending = list(hosts)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        pending = [h for h in pending if not lab.wait_banner(h["port"], 1)]
        if pending:
            time.sleep(1)
    return pending


def fleet_up(name, n, timeout):
    """Start the fleet, wait for all banners at once, restart containers whose boot stalled."""
    # lab.py up raises fs.inotify.max_user_instances itself (its setup step)
    spec = fleet_spec(n)
    log(f"starting fleet {name}: {n} hosts ({spec})")
    # lab.py waits for the banners one host after the other; it only needs to write the
    # fleet file and the inventory here, the waiting is done below, for all hosts at once.
    res = subprocess.run([sys.executable, str(LAB), "up", name, spec, "--timeout", "1"], check=False)
    fleet_path = LAB_DIR / name / "fleet.json"
    if not fleet_path.exists():
        raise SystemExit(f"[bench] lab.py up {name} failed (rc {res.returncode})")
    hosts = json.loads(fleet_path.read_text())["hosts"]
    if len(hosts) != n:
        raise SystemExit(f"[bench] fleet {name} has {len(hosts)} hosts, wanted {n}")
    if res.returncode != 0:
        log(f"(lab.py's own wait was cut short on purpose; waiting up to {timeout} s for all hosts at once)")
    stuck = pending_banners(hosts, timeout)
    for attempt in range(1, 4):
        if not stuck:
            break
        log(f"no SSH banner after {timeout} s from {', '.join(h['name'] for h in stuck)}:"
            f" restarting their containers (attempt {attempt})")
        for h in stuck:
            subprocess.run(["podman", "restart", "-t", "0", h["container"]], check=False, stdout=subprocess.DEVNULL)
        stuck = pending_banners(stuck, timeout)
    if stuck:
        raise SystemExit(f"[bench] no SSH banner from {', '.join(h['name'] for h in stuck)}")
    log(f"fleet {name}: {n} hosts answer")
    return hosts


def fleet_down(name):
    subprocess.run([sys.executable, str(LAB), "down", name], check=False)


def interleaved(hosts):
    """Hosts in the order bullseye-1, bookworm-1, trixie-1, bullseye-2, ...: every prefix is mixed."""
    by_rel = {rel: [h for h in hosts if h["release"] == rel] for rel in RELEASES}
    out = []
    for i in range(max((len(v) for v in by_rel.values()), default=0)):
        out.extend(by_rel[rel][i] for rel in RELEASES if i < len(by_rel[rel]))
    return out


def write_inventory(fleet, hosts, path):
    """An inventory of some hosts of the fleet, with the lab inventory's connection variables."""
    import yaml  # from the venv (ansible-core needs it)

    lab_inv = yaml.safe_load((LAB_DIR / fleet / "inventory.yml").read_text())
    children = {}
    for h in hosts:
        children.setdefault(h["release"], {"hosts": {}})["hosts"][h["name"]] = {
            "ansible_host": "127.0.0.1", "ansible_port": h["port"], "lab_container": h["container"],
            "lab_release": h["release"]}
    inv = {"all": {"vars": lab_inv["all"]["vars"], "children": children}}
    path.write_text("---\n# Written by bench/run.py (a JSON document is YAML).\n" + json.dumps(inv, indent=1) + "\n")


def inject_faults(hosts, fault, every):
    for h in hosts[every - 1::every]:
        subprocess.run([sys.executable, str(LAB), "inject", h["name"], fault], check=False)


def close_masters(control_dir):
    """End the SSH control masters of this run (by their sockets), then drop the directory."""
    for sock in glob.glob(os.path.join(str(control_dir), "*")):
        subprocess.run(["ssh", "-o", f"ControlPath={sock}", "-O", "exit", "bench"], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(control_dir, ignore_errors=True)


# ---------------------------------------------------------------- measuring


class TreeSampler(threading.Thread):
    """Peak memory of a process tree: the sum of PSS (proportional set size) of every process
    under the root, sampled every `interval` seconds. Forked Ansible workers share most of their
    pages with the parent; PSS counts each shared page once, RSS would count it per process."""

    def __init__(self, root_pid, interval=0.2):
        super().__init__(daemon=True)
        self.root = root_pid
        self.interval = interval
        self.done = threading.Event()
        self.peak_pss_kb = 0
        self.peak_rss_kb = 0
        self.peak_procs = 0

    @staticmethod
    def _field(path, name):
        try:
            with open(path, encoding="ascii", errors="replace") as f:
                for line in f:
                    if line.startswith(name):
                        return int(line.split()[1])
        except (OSError, ValueError, IndexError):
            return 0
        return 0

    def sample(self):
        kids = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            kids.setdefault(ppid, []).append(int(entry))
        tree, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(kids.get(pid, []))
        pss = sum(self._field(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in tree)
        rss = sum(self._field(f"/proc/{pid}/status", "VmRSS:") for pid in tree)
        self.peak_pss_kb = max(self.peak_pss_kb, pss)
        self.peak_rss_kb = max(self.peak_rss_kb, rss)
        self.peak_procs = max(self.peak_procs, len(tree))

    def run(self):
        while not self.done.is_set():
            self.sample()
            self.done.wait(self.interval)


def run_measured(argv, env, log_path, sample_tree=False):
    """Run one command; wall time, the CPU time of its whole process tree and the largest
    resident set of any process in it (wait4's rusage covers the reaped descendants)."""
    with open(log_path, "w", encoding="utf-8") as out:
        out.write("$ " + " ".join(argv) + "\n")
        out.flush()
        launched = time.time()
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, cwd=str(ROOT), env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = None
        if sample_tree:
            sampler = TreeSampler(proc.pid)
            sampler.start()
        try:
            pid_status = os.wait4(proc.pid, 0)
        except KeyboardInterrupt:
            proc.send_signal(signal.SIGINT)
            proc.wait()
            raise
        wall = time.monotonic() - t0
        status, usage = pid_status[1], pid_status[2]
        proc.returncode = os.waitstatus_to_exitcode(status)
        if sampler:
            sampler.done.set()
            sampler.join()
    res = {"wall": round(wall, 3), "rc": proc.returncode, "launched": launched,
           "cpu": round(usage.ru_utime + usage.ru_stime, 3), "maxrss_kb": usage.ru_maxrss}
    if sampler:
        res.update({"tree_pss_kb": sampler.peak_pss_kb, "tree_rss_kb": sampler.peak_rss_kb,
                    "tree_procs": sampler.peak_procs})
    res.update(parse_output(Path(log_path).read_text(encoding="utf-8", errors="replace")))
    return res


RECAP_RE = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
ADHOC_RE = re.compile(r"^(\S+) \| (SUCCESS|CHANGED|FAILED!|UNREACHABLE!)", re.M)


def parse_output(text):
    recap = RECAP_RE.findall(text)
    if recap:
        return {"hosts_ok": sum(1 for r in recap if r[3] == "0" and r[4] == "0"),
                "changed": sum(int(r[2]) for r in recap),
                "hosts_bad": [r[0] for r in recap if r[3] != "0" or r[4] != "0"]}
    adhoc = ADHOC_RE.findall(text)
    return {"hosts_ok": sum(1 for r in adhoc if r[1] in ("SUCCESS", "CHANGED")),
            "changed": sum(1 for r in adhoc if r[1] == "CHANGED"),
            "hosts_bad": [r[0] for r in adhoc if r[1] not in ("SUCCESS", "CHANGED")]}


def module_times(paths, key):
    """elapsed_ms and per-command timings of sshd_facts from JSON files (ad-hoc tree or report)."""
    out = []
    for path in paths:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        sshd = data.get("ansible_facts", {}).get("sshd") if key == "tree" else data.get("sshd")
        if not isinstance(sshd, dict) or "elapsed_ms" not in sshd:
            continue
        out.append({"host": Path(path).stem, "release": data.get("release") or "",
                    "elapsed_ms": sshd["elapsed_ms"], "timings": sshd.get("timings", [])})
    return out


CANDIDATE_LABEL = {"text": "candidate"}


def label(name):
    return LABELS[name] if name in LABELS else LABELS[name.rstrip("*")] + f", **{CANDIDATE_LABEL['text']}**"


def command_argv(name, inventory, work):
    name = name.rstrip("*")
    ansible, playbook = tool("ansible"), tool("ansible-playbook")
    inv = str(inventory)
    if name == "ping":
        return [ansible, "all", "-i", inv, "-m", "ansible.builtin.ping"]
    if name == "setup":
        return [ansible, "all", "-i", inv, "-m", "ansible.builtin.setup"]
    if name == "facts":
        return [ansible, "all", "-i", inv, "-m", "sshd.doctor.sshd_facts", "-t", str(work / "tree")]
    if name == "hand":
        return [playbook, "-i", inv, str(BENCH / "handwritten.yml")]
    if name == "diagnose":
        return [playbook, "-i", inv, "sshd.doctor.diagnose", "-e", f"diagnose_report_dir={work / 'report'}"]
    if name == "remediate":
        return [playbook, "-i", inv, "sshd.doctor.remediate"]
    raise ValueError(name)


def run_command(name, argv, env, work, log_path, sample_tree=False):
    name = name.rstrip("*")
    if name == "facts":
        shutil.rmtree(work / "tree", ignore_errors=True)
    if name == "diagnose":
        shutil.rmtree(work / "report", ignore_errors=True)
    res = run_measured(argv, env, log_path, sample_tree)
    if name == "facts":
        res["module"] = module_times(sorted(glob.glob(str(work / "tree" / "*"))), "tree")
    elif name == "diagnose":
        res["module"] = module_times(sorted(glob.glob(str(work / "report" / "hosts" / "*.json"))), "report")
    return res


# ---------------------------------------------------------------- profile pass

PROFILE_RUNS = (
    # (key, command, extra args, what it shows)
    ("ping", "ping", [], "ad-hoc ping"),
    ("setup", "setup", [], "ad-hoc setup"),
    ("facts", "facts", [], "ad-hoc sshd_facts"),
    ("hand", "hand", [], "hand-written playbook"),
    ("diagnose", "diagnose", [], "diagnose as shipped"),
    ("diagnose_no_report", "diagnose", ["-e", "diagnose_report=false"], "diagnose without the report files"),
    ("remediate", "remediate", [], "remediate rerun as shipped (plan play, then an empty rollout)"),
    ("diagnose*", "diagnose*", [], "candidate diagnose"),
    ("remediate*", "remediate*", [], "candidate remediate rerun"),
)


def summarize_events(events, launched, ended):
    """Task times from the callback's events: a task lasts until the next event."""
    if not events:
        return None
    marks = [*events, ["end", "", ended]]
    tasks = {}
    first_task = None
    for i, (kind, name, when) in enumerate(events):
        if kind not in ("task", "handler"):
            continue
        first_task = when if first_task is None else first_task
        entry = tasks.setdefault(name, {"name": name, "seconds": 0.0, "count": 0})
        entry["seconds"] += marks[i + 1][2] - when
        entry["count"] += 1
    stats = next((e[2] for e in events if e[0] == "stats"), ended)
    return {"startup": round((first_task or stats) - launched, 3), "teardown": round(ended - stats, 3),
            "tasks": sorted(({**t, "seconds": round(t["seconds"], 3)} for t in tasks.values()),
                            key=lambda t: -t["seconds"])}


def profile_pass(inventory, envs, work, commands):
    out = {}
    for key, name, extra, what in PROFILE_RUNS:
        if name not in commands:
            continue
        env = envs[name.endswith("*")]
        events_path = work / f"profile-{key}.json"
        events_path.unlink(missing_ok=True)
        penv = dict(env, SSHD_DOCTOR_BENCH_PROFILE=str(events_path), ANSIBLE_CALLBACKS_ENABLED="bench_profile")
        argv = command_argv(name, inventory, work) + extra
        res = run_command(name, argv, penv, work, work / "logs" / f"profile-{key}.log", sample_tree=True)
        ended = res["launched"] + res["wall"]
        events = json.loads(events_path.read_text()) if events_path.exists() else []
        res["profile"] = summarize_events(events, res["launched"], ended)
        res["what"] = what
        res["argv"] = " ".join([Path(argv[0]).name] + [relative(a) for a in argv[1:]])
        out[key] = res
        log(f"profile {key:20} {res['wall']:6.1f} s  tree peak PSS {res['tree_pss_kb'] / 1024:5.0f} MiB"
            f" ({res['tree_procs']} processes)")
    return out


# ---------------------------------------------------------------- one fleet size


def bench_size(fleet, hosts, n, args, control_dir):
    """Warm-up round, then `repeats` timed rounds of every command, round-robin."""
    work = WORK / f"n{n}"
    shutil.rmtree(work, ignore_errors=True)
    (work / "logs").mkdir(parents=True)
    (WORK / "tmp").mkdir(parents=True, exist_ok=True)
    subset = interleaved(hosts)[:n]
    inventory = work / "inventory.yml"
    write_inventory(fleet, subset, inventory)
    envs = {False: ansible_env(args.forks, control_dir, args.collections)}
    commands = list(args.commands)
    if args.candidate:
        envs[True] = ansible_env(args.forks, control_dir, args.candidate)
        commands += [c + "*" for c in CANDIDATE if c in args.commands]
        commands.sort(key=ORDER.index)
    runs = []
    mix = ", ".join(f"{rel} {sum(1 for h in subset if h['release'] == rel)}" for rel in RELEASES)
    log(f"N={n}: {mix}; forks {args.forks}; warm-up round, then {args.repeats} timed rounds of {', '.join(commands)}")
    load_before = loadavg()
    for rnd in range(args.repeats + 1):
        for name in commands:
            argv = command_argv(name, inventory, work)
            res = run_command(name, argv, envs[name.endswith("*")], work,
                              work / "logs" / f"{name.replace('*', '-candidate')}-{rnd}.log")
            res.update({"command": name, "round": rnd, "load": loadavg()[0]})
            runs.append(res)
            bad = f"  FAILED/UNREACHABLE: {', '.join(res['hosts_bad'])}" if res["hosts_bad"] else ""
            log(f"N={n} {'warm-up' if rnd == 0 else f'round {rnd}/{args.repeats}'} {name:10} {res['wall']:6.1f} s"
                f"  rc {res['rc']}  cpu {res['cpu']:5.1f} s  maxrss {res['maxrss_kb'] / 1024:4.0f} MiB"
                f"  ok {res['hosts_ok']}/{n}  changed {res['changed']}{bad}")
    result = {"n": n, "forks": args.forks, "repeats": args.repeats, "hosts": [h["name"] for h in subset],
              "runs": runs, "load_before": load_before, "load_after": loadavg()}
    if args.profile and n == min(args.sizes):
        result["profile"] = profile_pass(inventory, envs, work, commands)
    return result


# ---------------------------------------------------------------- statistics


def median(values):
    return statistics.median(values) if values else None


def percentile(values, pct):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100.0 * (len(ordered) - 1))))]


def ratio_rows(cmds, timed, specs, run_key, median_key):
    """Ratios of the medians (``median_key`` of cmds) and, per round, of ``run_key`` of the runs."""
    out = []
    for num, den, target in specs:
        if num not in cmds or den not in cmds or not cmds[den][median_key]:
            continue
        by_round = {}
        for r in timed:
            if r["command"] in (num, den):
                by_round.setdefault(r["round"], {})[r["command"]] = r[run_key]
        per_round = [v[num] / v[den] for v in by_round.values() if num in v and den in v and v[den] > 0]
        value = cmds[num][median_key] / cmds[den][median_key]
        out.append({"num": num, "den": den, "target": target, "value": value,
                    "min": min(per_round) if per_round else None, "max": max(per_round) if per_round else None,
                    "met": None if target is None else value <= target})
    return out


def summarize(size):
    """Per command: median, min and max of the timed rounds; ratios; the module's times."""
    timed = [r for r in size["runs"] if r["round"] >= 1]
    cmds = {}
    for name in ORDER:
        rows = [r for r in timed if r["command"] == name]
        if not rows:
            continue
        walls = [r["wall"] for r in rows]
        cmds[name] = {
            "median": median(walls), "min": min(walls), "max": max(walls), "n": len(walls),
            "cpu": median([r["cpu"] for r in rows]), "maxrss_kb": max(r["maxrss_kb"] for r in rows),
            "ok": all(r["rc"] == 0 and not r["hosts_bad"] and r["hosts_ok"] == size["n"] for r in rows),
            "rcs": sorted({r["rc"] for r in rows}), "changed": [r["changed"] for r in rows],
            "per_host_ms": median(walls) * 1000.0 / size["n"],
        }
    ratios = ratio_rows(cmds, timed, RATIOS, "wall", "median")
    cpu_ratios = ratio_rows(cmds, timed, CPU_RATIOS, "cpu", "cpu")
    module = {}
    for source in ("facts", "facts*", "diagnose", "diagnose*"):
        samples = [m for r in timed if r["command"] == source for m in r.get("module", [])]
        if samples:
            module[source] = module_summary(samples, size)
    warm = [r for r in size["runs"] if r["round"] == 0 and r["command"] == "remediate"]
    return {"commands": cmds, "ratios": ratios, "cpu_ratios": cpu_ratios, "module": module,
            "remediate_first_changed": warm[0]["changed"] if warm else None}


def module_summary(samples, size):
    release_of = {}
    for name in size["hosts"]:
        for rel in RELEASES:
            if f"-{rel}-" in name:
                release_of[name] = rel
    elapsed = [s["elapsed_ms"] for s in samples]
    per_release = {}
    for s in samples:
        per_release.setdefault(release_of.get(s["host"], "?"), []).append(s["elapsed_ms"])
    per_cmd = {}
    for s in samples:
        for t in s["timings"]:
            key = re.sub(r"^/\S*/", "", t["command"])
            per_cmd.setdefault(key, []).append(t["ms"])
    own = [s["elapsed_ms"] - sum(t["ms"] for t in s["timings"]) for s in samples]
    return {"samples": len(samples), "median": median(elapsed), "p90": percentile(elapsed, 90), "max": max(elapsed),
            "min": min(elapsed), "per_release": {k: median(v) for k, v in sorted(per_release.items())},
            "commands": {k: {"median": median(v), "max": max(v), "calls": len(v) / len(samples)}
                         for k, v in per_cmd.items()},
            "python_ms": median(own)}


# ---------------------------------------------------------------- output


def fmt_s(value):
    return "-" if value is None else f"{value:.1f}"


def fmt_ratio(r):
    spread = f" ({r['min']:.2f}-{r['max']:.2f})" if r["min"] is not None else ""
    return f"{r['value']:.2f}{spread}"


def print_summary(size, summary):
    n = size["n"]
    print()
    print(f"N={n} hosts, forks {size['forks']}, {size['repeats']} timed rounds (median, min-max):")
    for name, c in summary["commands"].items():
        print(f"  {name:10} {c['median']:6.1f} s  ({c['min']:.1f}-{c['max']:.1f})  {c['per_host_ms']:6.0f} ms/host"
              f"  cpu {c['cpu']:5.1f} s  peak rss {c['maxrss_kb'] / 1024:4.0f} MiB{'' if c['ok'] else '  NOT OK'}")
    for r in summary["ratios"]:
        target = "" if r["target"] is None else f"  target <= {r['target']}: {'met' if r['met'] else 'MISSED'}"
        print(f"  {r['num']}/{r['den']:9} {fmt_ratio(r)}{target}")
    for r in summary.get("cpu_ratios", []):
        target = "" if r["target"] is None else f"  target <= {r['target']}: {'met' if r['met'] else 'MISSED'}"
        print(f"  controller CPU {r['num']}/{r['den']:9} {fmt_ratio(r)}{target}")
    print(f"  load average {size['load_before'][0]} before, {size['load_after'][0]} after"
          f" (median during the rounds {median([r['load'] for r in size['runs'] if r['round'] >= 1]):.1f})")
    for source, m in summary["module"].items():
        print(f"  sshd_facts on target ({source}): median {m['median']:.0f} ms, p90 {m['p90']:.0f} ms,"
              f" max {m['max']:.0f} ms over {m['samples']} runs")
    print()


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if i else "---" for i in range(len(header))) + "|"]
    out.extend("| " + " | ".join(str(c) for c in row) + " |" for row in rows)
    return out


def render_mains(main):
    """The main run: one section per fleet size (``make bench``: N=20 and N=40 in the same run)."""
    out = []
    for size in main.get("sizes") or [main["size"]]:
        out += render_main(dict(main, size=size)) + [""]
    return out[:-1]


def render_main(main):
    size, meta = main["size"], main["meta"]
    summary = summarize(size)
    n = size["n"]
    lines = [f"## Results: {n} hosts", ""]
    lines.append(
        f"Run of {meta['date']} on {meta['machine']['cpus']} CPUs, {meta['machine'].get('mem_gib', '?')} GiB"
        f" (load average {size['load_before'][0]} before, {size['load_after'][0]} after),"
        f" ansible-core {meta['machine']['ansible_core']}, commit {meta['machine']['commit']}"
        f"{' with local changes' if meta['machine']['dirty'] else ''}."
        f" Fleet: {fleet_line(size)}; forks {size['forks']}; {size['repeats']} timed rounds after one warm-up round.")
    if meta.get("candidate"):
        CANDIDATE_LABEL["text"] = meta.get("candidate_label") or "candidate"
        lines += ["", f"Rows marked **{CANDIDATE_LABEL['text']}** ran the sshd.doctor under `{meta['candidate']}`"
                      " (`--candidate`), not this checkout, in the same rounds (marked * in the ratios)."]
    lines.append("")
    rows = []
    ping = summary["commands"].get("ping", {}).get("median")
    for name, c in summary["commands"].items():
        rows.append([label(name), f"{c['median']:.1f}", f"{c['min']:.1f} - {c['max']:.1f}", f"{c['per_host_ms']:.0f}",
                     f"{c['median'] / ping:.2f}" if ping else "-", f"{c['cpu']:.1f}", f"{c['maxrss_kb'] / 1024:.0f}",
                     "yes" if c["ok"] else f"**no** (rc {','.join(map(str, c['rcs']))})"])
    lines += md_table(["command", "median s", "min - max s", "ms per host", "x ping", "controller CPU s",
                       "peak RSS MiB", "all hosts ok"], rows)
    lines += ["", "Ratios (of the medians; in brackets the lowest and highest ratio within one round):", ""]
    rows = []
    for r in summary["ratios"]:
        verdict = "-" if r["target"] is None else ("met" if r["met"] else "**missed**")
        rows.append([f"{r['num']} / {r['den']}", fmt_ratio(r), "-" if r["target"] is None else f"<= {r['target']}",
                     verdict])
    lines += md_table(["ratio", "value", "target", ""], rows)
    if summary.get("cpu_ratios"):
        lines += ["", "Controller CPU ratios (user + system of the whole process tree; medians, in brackets the"
                      " lowest and highest within one round):", ""]
        rows = [[f"{r['num']} / {r['den']}", fmt_ratio(r), "-" if r["target"] is None else f"<= {r['target']}",
                 "-" if r["target"] is None else ("met" if r["met"] else "**missed**")]
                for r in summary["cpu_ratios"]]
        lines += md_table(["CPU ratio", "value", "target", ""], rows)
    loads = [r["load"] for r in size["runs"] if r["round"] >= 1]
    if loads:
        lines += ["", f"Load average (1 min) during the timed rounds: median {median(loads):.1f},"
                      f" {min(loads):.1f} - {max(loads):.1f} (2 CPUs shared by the lab hosts, the controller"
                      " and whatever else runs on the machine)."]
    first = summary["remediate_first_changed"]
    rem = summary["commands"].get("remediate")
    if rem:
        lines += ["", f"remediate: the warm-up run (the first one) changed {first} tasks; the timed reruns changed"
                      f" {', '.join(map(str, rem['changed']))} (idempotent: {'yes' if not any(rem['changed']) else 'NO'})."]
    lines += render_module(summary["module"])
    lines += render_profile(size.get("profile"), n)
    return lines


def fleet_line(size):
    counts = {rel: sum(1 for h in size["hosts"] if f"-{rel}-" in h) for rel in RELEASES}
    return ", ".join(f"{counts[rel]} {rel}" for rel in RELEASES if counts[rel])


def render_module(module):
    if not module:
        return []
    lines = ["", "### The module on the targets", "",
             "`ansible_facts.sshd.elapsed_ms`: the time `sshd_facts` takes on the host from argument parsing to"
             " its result, without Python's start-up and AnsiballZ unpacking; `timings` splits it per command.", ""]
    rows = []
    for source, m in module.items():
        rel = ", ".join(f"{k} {v:.0f}" for k, v in m["per_release"].items())
        where = "ad-hoc" if source.startswith("facts") else "in diagnose"
        rows.append([f"{where}{', candidate' if source.endswith('*') else ''} ({m['samples']} runs)", f"{m['median']:.0f}",
                     f"{m['p90']:.0f}", f"{m['min']:.0f} - {m['max']:.0f}", rel, f"{m['python_ms']:.0f}"])
    lines += md_table(["sshd_facts", "median ms", "p90 ms", "min - max ms", "median per release ms",
                       "Python work (not commands) ms"], rows)
    source = next(iter(module.values()))
    lines += ["", "Commands it runs (median ms per call):", ""]
    rows = [[f"`{k}`", f"{v['median']:.0f}", f"{v['max']:.0f}", f"{v['calls']:.2f}"]
            for k, v in sorted(source["commands"].items(), key=lambda kv: -kv[1]["median"])]
    lines += md_table(["command", "median ms", "max ms", "calls per run"], rows)
    return lines


def what(res):
    """A profile run's description, its candidate named as --candidate-label says."""
    text = res["what"]
    return f"{CANDIDATE_LABEL['text']}: {text[len('candidate '):]}" if text.startswith("candidate ") else text


def render_profile(profile, n):
    if not profile:
        return []
    lines = ["", "### Where the time goes", "",
             f"One more run of each, N={n}, with a callback that marks when each task starts (bench/callback_plugins)"
             " and the controller's process tree sampled every 0.2 s (PSS: shared pages counted once). Single runs:"
             " read them as proportions, not as medians.", ""]
    rows = []
    for res in profile.values():
        prof = res.get("profile") or {}
        tasks_total = sum(t["seconds"] for t in prof.get("tasks", []))
        rows.append([what(res), f"{res['wall']:.1f}", fmt_s(prof.get("startup")) if prof else "-",
                     f"{tasks_total:.1f}" if prof else "-", f"{res['cpu']:.1f}", f"{res['tree_pss_kb'] / 1024:.0f}",
                     f"{res['maxrss_kb'] / 1024:.0f}", str(res["tree_procs"])])
    lines += md_table(["run", "wall s", "start-up s", "tasks s", "controller CPU s", "peak tree PSS MiB",
                       "largest process RSS MiB", "peak processes"], rows)
    for key in ("diagnose", "diagnose*", "remediate", "remediate*", "hand"):
        prof = (profile.get(key) or {}).get("profile")
        if not prof:
            continue
        lines += ["", f"{what(profile[key])}: {profile[key]['wall']:.1f} s, of which start-up (CLI, inventory,"
                      f" playbook and role loading) {prof['startup']:.1f} s:", ""]
        rows = [[t["name"].replace("|", "\\|"), f"{t['seconds']:.2f}", str(t["count"])] for t in prof["tasks"][:12]]
        lines += md_table(["task", "s", "times"], rows)
    return lines


def render_scaling(scaling):
    meta = scaling["meta"]
    sizes = sorted(scaling["sizes"], key=lambda s: s["n"])
    lines = ["## Scaling", "",
             f"Run of {meta['date']}: the same commands on N = {', '.join(str(s['n']) for s in sizes)} hosts of one"
             f" fleet (every N a mix of the releases), forks {sizes[0]['forks']}, {sizes[0]['repeats']} timed rounds"
             " each. Left: median wall time (bars: min - max). Right: the controller CPU time (user + system of the"
             " whole process tree) that each added host costs, the slope between neighbouring N: flat means the"
             " cost grows linearly with the fleet. The CPU slope is far steadier than the wall-time slope on a busy"
             " machine.", "",
             f"![scaling]({PNG.relative_to(DOC.parent).as_posix()})", ""]
    sums = {s["n"]: summarize(s) for s in sizes}
    names = [c for c in ORDER if any(c in sums[s["n"]]["commands"] for s in sizes)]
    rows = []
    for s in sizes:
        cmds = sums[s["n"]]["commands"]
        rows.append([str(s["n"])] + [fmt_s(cmds.get(c, {}).get("median")) for c in names]
                    + [fmt_ratio(r) for r in sums[s["n"]]["ratios"] if r["target"] is not None])
    header = ["N"] + [f"{c} s" for c in names] + [f"{r['num']}/{r['den']}" for r in sums[sizes[0]["n"]]["ratios"]
                                                  if r["target"] is not None]
    lines += md_table(header, rows)
    for key, title in (("median", "Added wall time per added host (ms):"),
                       ("cpu", "Added controller CPU per added host (ms):")):
        rows = []
        for prev, cur in zip(sizes, sizes[1:]):
            a, b = sums[prev["n"]]["commands"], sums[cur["n"]]["commands"]
            rows.append([f"{prev['n']} -> {cur['n']}"] + [
                f"{(b[c][key] - a[c][key]) * 1000 / (cur['n'] - prev['n']):.0f}" if c in a and c in b else "-"
                for c in names])
        if rows:
            lines += ["", title, ""]
            lines += md_table(["N"] + names, rows)
    return lines


def plot_scaling(scaling, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib is missing (pip install -r bench/requirements.txt): no plot")
        return False
    sizes = sorted(scaling["sizes"], key=lambda s: s["n"])
    sums = {s["n"]: summarize(s)["commands"] for s in sizes}
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    for name in ORDER:
        ns = [s["n"] for s in sizes if name in sums[s["n"]]]
        if not ns:
            continue
        med = [sums[k][name]["median"] for k in ns]
        err = [[m - sums[k][name]["min"] for k, m in zip(ns, med)], [sums[k][name]["max"] - m for k, m in zip(ns, med)]]
        left.errorbar(ns, med, yerr=err, marker="o", capsize=3, label=name)
        if len(ns) > 1:
            mids = [(a + b) / 2 for a, b in zip(ns, ns[1:])]
            slope = [(sums[b][name]["cpu"] - sums[a][name]["cpu"]) * 1000 / (b - a) for a, b in zip(ns, ns[1:])]
            right.plot(mids, slope, marker="o", label=name)
    left.set(xlabel="hosts (N)", ylabel="wall time, s", title="Median wall time")
    right.set(xlabel="hosts (N, midpoint of each step)", ylabel="controller CPU ms per added host",
              title="Controller CPU of each added host (flat = linear)")
    right.axhline(0, color="grey", linewidth=0.5)
    for ax in (left, right):
        ax.grid(True, alpha=0.3)
        ax.set_xticks([s["n"] for s in sizes])
        ax.legend(fontsize=8)
    meta = scaling["meta"]
    fig.suptitle(f"sshd.doctor bench: forks {sizes[0]['forks']}, pipelining, ControlPersist;"
                 f" {meta['machine']['cpus']} CPUs; {meta['date']}", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


DOC_HEAD = """# Benchmarks

What a diagnosis of a fleet costs, measured against what Ansible itself costs on the same
hosts in the same run. Generated by `bench/run.py` (`make bench`, `make bench-scaling`);
edit the analysis section by hand, the rest is rewritten by each run.

## How to run

```
make bench            # N=20 and N=40 lab hosts (bullseye, bookworm, trixie) in one run, 3 timed rounds
                      # each, then the report path at 10,000 hosts; ~30 minutes (N=20 alone: make bench N=20)
make bench BENCH_COMMANDS=ping,facts,diagnose,remediate    # without setup and the hand-written playbook
python3 bench/target_cpu.py --inventory INV --host NAME --collections A --collections B
                      # a module run's CPU on one lab target (its container's cgroup), A/B
make bench-scaling    # N=5,10,20,40, 2 timed rounds each, and docs/images/bench-scaling.png
python3 bench/run.py --hosts 5 --repeats 2 --no-docs     # a quick check of the harness
python3 bench/run.py --reuse --keep --no-docs --candidate PATH
                      # A/B in the same rounds: the sshd.doctor under collections path PATH
                      # (a branch, a prototype) against this checkout, marked with *
python3 bench/run.py --help
```

The harness starts a lab fleet named `bench` (`--fleet NAME`, `make bench BENCH_FLEET=NAME`; tests/lab/lab.py: real Debian hosts, systemd,
OpenSSH 8.4p1 / 9.2p1 / 10.0p2, reached over SSH on 127.0.0.1), injects
`sftp_subsystem_missing` into every fourth host, and takes the fleet down at the end
(`--keep` leaves it up). Every command runs with the same inventory, the same forks,
`ANSIBLE_PIPELINING=True` and `ANSIBLE_SSH_ARGS=-o ControlMaster=auto -o ControlPersist=900s`.
One warm-up round opens the SSH connections and is remediate's first run (it fixes the
injected faults); then the timed rounds run the commands round-robin, so the drift of a
busy machine hits all of them alike, and every ratio is also computed within each round.

| command | what it is |
|---|---|
| ping | `ansible all -m ansible.builtin.ping`: the floor, one module per host |
| setup | `ansible all -m ansible.builtin.setup` |
| facts | `ansible all -m sshd.doctor.sshd_facts`: the module alone |
| hand | `ansible-playbook bench/handwritten.yml`: the same questions asked by hand, one command or stat \
per task (service state, privsep dir, Subsystem grep, libwrap linkage, hosts.allow/deny, version, \
`sshd -t`, `sshd -T`), then a summary |
| diagnose | `ansible-playbook sshd.doctor.diagnose`, report files included |
| remediate | `ansible-playbook sshd.doctor.remediate` on the fixed fleet: a second, idempotent run |

Wall time is measured around the process; controller CPU is the user+system time of the
process and all its reaped descendants (workers, ssh clients, local modules); peak RSS is
the largest resident set of any single process in that tree (`wait4`). The module's own
run time on the target comes from `ansible_facts.sshd.elapsed_ms`.

Targets (issue 16; at N = 20 and N = 40 in the same run): diagnose <= 1.3 x ping in wall time
and in controller CPU, remediate rerun <= 1.5 x ping, diagnose <= 0.25 x hand-written, and a
flat cost per added host as N grows. The load average of the machine is written next to every
run: the lab's targets share the controller's CPUs, so on a busy machine every figure drifts,
and the ratios within one round are the ones to read.
"""


def bench_report10k(hosts=10000):
    """The report path at fleet size (bench/report10k.py, its own process): times, CPU, peak RSS."""
    res = subprocess.run([sys.executable, str(BENCH / "report10k.py"), "--hosts", str(hosts)],
                         capture_output=True, text=True, check=True, timeout=900)
    out = json.loads(res.stdout.strip().splitlines()[-1])
    shutil.rmtree(out.pop("dest"), ignore_errors=True)
    log("report path at {hosts} hosts: fleet step {fleet_path_s} s ({fleet_path_cpu_s} s CPU), per-host steps "
        "{hosts_s} s ({hosts_cpu_s} s CPU), peak RSS {peak_rss_mb} MB, load {load}".format(**out))
    return out


def render_report10k(r):
    sizes = ", ".join(f"{name} {kb / 1024:.1f} MB" for name, kb in r["sizes_kb"].items())
    return [f"## The report path at {r['hosts']:,} hosts", "",
            "`bench/report10k.py`: synthetic hosts made from the captured lab results of the report fixtures, "
            "through the role's controller steps (a journal record and `hosts/<host>.json` per host as it "
            "completes, then the fleet built from the journal and every fleet file rendered and written).", "",
            "| step | wall | CPU |", "|---|---|---|",
            f"| per host, {r['hosts']:,} times (in the workers, during the play) | {r['hosts_s']} s | {r['hosts_cpu_s']} s |",
            f"| the fleet step at the end of the play | {r['fleet_path_s']} s | {r['fleet_path_cpu_s']} s |",
            "", f"Peak RSS {r['peak_rss_mb']} MB; load average {r['load']} on this machine while it ran; "
            f"files: {sizes}; the play output: {r['verdict_lines']} lines.", ""]


def extract_analysis(text):
    if ANALYSIS_START in text and ANALYSIS_END in text:
        return text.split(ANALYSIS_START, 1)[1].split(ANALYSIS_END, 1)[0].strip("\n")
    return "(No analysis written yet.)"


def render_doc(main, scaling):
    old = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    lines = [DOC_HEAD.rstrip("\n"), ""]
    if main:
        lines += render_mains(main) + [""]
    if scaling:
        lines += render_scaling(scaling) + [""]
    if main and main.get("report10k"):
        lines += render_report10k(main["report10k"])
    lines += ["## Analysis", "", ANALYSIS_START, extract_analysis(old), ANALYSIS_END, ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- main


def save_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")


def load_json(path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def parse_args(argv):
    p = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n\n", maxsplit=1)[0])
    p.add_argument("--hosts", default="20",
                   help="fleet size(s) of the main run, e.g. 20 or 20,40 (default 20, at most 50 each)")
    p.add_argument("--scaling", metavar="N,N,...", help="sweep these fleet sizes instead (e.g. 5,10,20,40)")
    p.add_argument("--repeats", type=int, help="timed rounds per size (default 3; 2 with --scaling)")
    p.add_argument("--forks", type=int, default=20, help="ansible forks for every command (default 20)")
    p.add_argument("--commands", default=",".join(COMMANDS), help=f"subset of {','.join(COMMANDS)}")
    p.add_argument("--fleet", default="bench", help="lab fleet name; must contain 'bench' (default bench)")
    p.add_argument("--reuse", action="store_true", help="use the running fleet of that name instead of a new one")
    p.add_argument("--keep", action="store_true", help="leave the fleet up at the end")
    p.add_argument("--no-faults", dest="faults", action="store_false",
                   help="do not inject sftp_subsystem_missing into every fourth host before the warm-up")
    p.add_argument("--profile", action=argparse.BooleanOptionalAction, default=None,
                   help="the profile pass after the timed rounds (default: on, off with --scaling)")
    p.add_argument("--no-docs", dest="docs", action="store_false",
                   help="print only: keep bench/results/ and docs/benchmarks.md as they are")
    p.add_argument("--collections", type=lambda v: Path(v).resolve(), metavar="PATH",
                   help="ANSIBLE_COLLECTIONS_PATH holding the sshd.doctor to measure (default: this checkout)")
    p.add_argument("--candidate", type=lambda v: Path(v).resolve(), metavar="PATH",
                   help="also time facts, diagnose and remediate from the sshd.doctor under this collections path"
                        " (a branch or a prototype), in the same rounds, marked with *")
    p.add_argument("--candidate-label", default="candidate",
                   help="what the candidate rows are called in the docs (e.g. 'main, before')")
    p.add_argument("--report-only", action="store_true",
                   help="time only the report path at 10,000 hosts (no lab) and record it in docs/benchmarks.md")
    p.add_argument("--render", action="store_true",
                   help="run nothing: rewrite docs/benchmarks.md and the plot from bench/results/*.json")
    p.add_argument("--boot-timeout", type=int, default=90, help="seconds to wait for each host's SSH banner")
    args = p.parse_args(argv)
    if "bench" not in args.fleet:
        p.error("the fleet name must contain 'bench' (e.g. bench, or NAME-bench with a prefix of your own)")
    args.commands = [c for c in args.commands.split(",") if c]
    unknown = [c for c in args.commands if c not in COMMANDS]
    if unknown:
        p.error(f"unknown commands: {', '.join(unknown)}")
    args.sizes = sorted({int(x) for x in (args.scaling or args.hosts).split(",")})
    if args.repeats is None:
        args.repeats = 2 if args.scaling else 3
    if args.profile is None:
        args.profile = not args.scaling
    if not all(1 <= n <= MAX_HOSTS for n in args.sizes):
        p.error(f"fleet sizes are 1 to {MAX_HOSTS}")
    if args.repeats < 1 or args.forks < 1:
        p.error("--repeats and --forks are at least 1")
    return args


def render_only():
    main_res, scaling = load_json(RESULTS / "main.json"), load_json(RESULTS / "scaling.json")
    if main_res is None and scaling is None:
        raise SystemExit("[bench] no results in bench/results/ to render")
    if scaling and plot_scaling(scaling, PNG):
        log(f"wrote {PNG.relative_to(ROOT)}")
    DOC.write_text(render_doc(main_res, scaling), encoding="utf-8")
    log(f"wrote {DOC.relative_to(ROOT)}")
    return 0


def main(argv=None):
    ensure_venv()
    args = parse_args(argv)
    if args.render:
        return render_only()
    CANDIDATE_LABEL["text"] = args.candidate_label
    if args.report_only:
        main_res = load_json(RESULTS / "main.json") or {}
        main_res["report10k"] = bench_report10k()
        if args.docs:
            save_json(RESULTS / "main.json", main_res)
            DOC.write_text(render_doc(main_res, load_json(RESULTS / "scaling.json")), encoding="utf-8")
        return 0
    if args.collections is None:
        ensure_collection()
        args.collections = COLLECTIONS
    WORK.mkdir(parents=True, exist_ok=True)
    n_max = max(args.sizes)
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine_info(), "argv": [relative(a) for a in sys.argv[1:]], "commands": args.commands,
            "collections": None if args.collections == COLLECTIONS else relative(args.collections),
            "candidate": relative(args.candidate) if args.candidate else None,
            "candidate_label": args.candidate_label if args.candidate else None}
    control_dir = Path(tempfile.mkdtemp(prefix="bench-cp-", dir="/tmp"))
    started = time.monotonic()
    sizes = []
    try:
        if args.reuse and (LAB_DIR / args.fleet / "fleet.json").exists():
            hosts = json.loads((LAB_DIR / args.fleet / "fleet.json").read_text())["hosts"]
            if len(hosts) < n_max:
                raise SystemExit(f"[bench] fleet {args.fleet} has {len(hosts)} hosts, {n_max} needed")
        else:
            hosts = fleet_up(args.fleet, n_max, args.boot_timeout)
        if args.faults:
            inject_faults(interleaved(hosts), "sftp_subsystem_missing", 4)
        for n in args.sizes:
            size = bench_size(args.fleet, hosts, n, args, control_dir)
            sizes.append(size)
            print_summary(size, summarize(size))
    finally:
        close_masters(control_dir)
        if not args.keep:
            fleet_down(args.fleet)
    meta["duration_s"] = round(time.monotonic() - started)
    save_json(WORK / ("scaling.json" if args.scaling else "main.json"), {"meta": meta, "sizes": sizes})
    if not args.docs:
        log(f"results in {WORK}; docs not written (--no-docs); {meta['duration_s']} s")
        return 0
    if args.scaling:
        scaling = {"meta": meta, "sizes": sizes}
        save_json(RESULTS / "scaling.json", scaling)
        main_res = load_json(RESULTS / "main.json")
        if main_res is None:
            pick = next((s for s in sizes if s["n"] == 20), sizes[-1])
            main_res = {"meta": meta, "size": pick}
        if plot_scaling(scaling, PNG):
            log(f"wrote {PNG.relative_to(ROOT)}")
    else:
        main_res = {"meta": meta, "sizes": sizes, "report10k": bench_report10k()}
        save_json(RESULTS / "main.json", main_res)
        scaling = load_json(RESULTS / "scaling.json")
    DOC.write_text(render_doc(main_res, scaling), encoding="utf-8")
    log(f"wrote {DOC.relative_to(ROOT)} and bench/results/; {meta['duration_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
