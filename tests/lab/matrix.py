# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prove that every injectable lab fault is real, with real OpenSSH clients.

For every fault of ``lab.FAULTS`` and every lab release, a fresh host is started, the fault
is injected, and real clients connect to it through its 127.0.0.1 port:

* a trixie client (OpenSSH 10.0, scp speaks SFTP by default): ``ssh HOST true``, ``scp``,
  ``scp -O`` (legacy protocol) and ``sftp -b -``;
* a bullseye client (OpenSSH 8.4, legacy scp only): ``scp``.

Healthy hosts of each release are probed the same way first (as root and as alice): on them
everything must succeed.  The script exits non-zero when the healthy baseline fails anything,
when a fault leaves every client operation working, or when a fleet could not be set up.

    python3 tests/lab/matrix.py                       # the whole matrix, report on stdout
    python3 tests/lab/matrix.py --write docs/lab.md   # also write docs/lab.md + tests/lab/matrix.json
    python3 tests/lab/matrix.py --faults privsep_dir_missing --releases trixie
    python3 tests/lab/matrix.py --from-json tests/lab/matrix.json --write docs/lab.md   # re-render only

Fleets are named ``mxNN`` (containers ``sshd-doctor-mxNN-*``), one per fault with one host per
release, and are taken down as soon as their probes are done.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lab  # noqa: I001  pylint: disable=wrong-import-position,import-error

LAB_PY = os.path.join(HERE, "lab.py")
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_JSON = os.path.join(ROOT, "tests", "lab", "matrix.json")
FLEET_PREFIX = "mx"
BASELINE = "healthy"
CLIENT_TIMEOUT = 20
INOTIFY_PER_HOST = 5  # systemd 4 + dbus 1, measured on a running lab host
SSH_OPTS = ["-i", "/lab/id_ed25519", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=8"]
# Faults that concern one account: the probes log in as alice, everything else as root.
USER_FAULTS = {"home_or_keys_insecure": "alice", "user_not_allowed": "alice"}
# (id, client release, label, kind).  The kinds are turned into argv by op_argv().
OPS = [
    ("ssh", "trixie", "ssh true (10.0)", "ssh"),
    ("scp", "trixie", "scp (10.0, SFTP)", "scp"),
    ("scp_o", "trixie", "scp -O (10.0, legacy)", "scp_o"),
    ("sftp", "trixie", "sftp -b - (10.0)", "sftp"),
    ("scp_84", "bullseye", "scp (8.4, legacy)", "scp"),
]
OP_IDS = [op[0] for op in OPS]
OP_LABEL = {op[0]: op[2] for op in OPS}
# Lines of a client's stderr that say nothing about the failure.
NOISE_PREFIXES = ("Warning: Permanently added", "** ", "sftp> ")
# Closing lines that only repeat that the session ended: a more specific line before wins, and
# "Connection reset by HOST port N" beats a bare "scp: Connection closed".
TRAILERS = re.compile(r"^(scp: Connection closed|Connection closed|lost connection)$")
PEER_CLOSED = re.compile(r"^Connection (reset|closed) by \S+ port \d+$")

# Runs inside a throwaway client container (its python3, stdlib only, 3.9 on bullseye):
# every probe in parallel, each wrapped in `timeout`, the results as one JSON line.
CLIENT_RUNNER = r"""
import json, subprocess, sys, threading
spec = json.loads(sys.argv[1])
out = {}
def probe(job):
    res = subprocess.run(["timeout", str(spec["timeout"])] + job["argv"], input=job.get("stdin", ""),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    out[job["id"]] = {"argv": job["argv"], "rc": res.returncode, "stderr": res.stderr, "stdout": res.stdout}
threads = [threading.Thread(target=probe, args=(job,)) for job in spec["jobs"]]
for t in threads:
    t.start()
for t in threads:
    t.join()
ver = subprocess.run(["ssh", "-V"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                     check=False)
print("MATRIX-RESULT " + json.dumps({"version": ver.stdout.strip(), "results": out}))
"""

PRINT_LOCK = threading.Lock()


def say(msg):
    with PRINT_LOCK:
        print(f"[matrix] {msg}", flush=True)


def lab_cli(*argv, retries=1):
    """Run ``lab.py ARGV`` (its own process, so its SystemExit stays there); retry once."""
    for attempt in range(retries + 1):
        res = subprocess.run([sys.executable, LAB_PY, *argv], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, check=False)
        if res.returncode == 0:
            return res.stdout
        if attempt == retries:
            out = res.stdout.strip().splitlines()
            raise RuntimeError(f"lab.py {' '.join(argv)} failed ({res.returncode}): {out[-1] if out else ''}"
                               + inotify_note() + "\n" + "\n".join(out))
        time.sleep(1)
    return ""


def inotify_usage():
    """(inotify instances held by processes of this user, fs.inotify.max_user_instances).

    systemd (PID 1 of every lab host) and dbus need inotify instances; when the per-user limit
    is reached, a new host hangs in boot ("Failed to create inotify object: Too many open
    files") and never opens its SSH port.
    """
    uid = os.geteuid()
    used = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        fd_dir = os.path.join("/proc", pid, "fd")
        try:
            if os.stat(os.path.join("/proc", pid)).st_uid != uid:
                continue
            used += sum(1 for fd in os.listdir(fd_dir) if os.readlink(os.path.join(fd_dir, fd)) == "anon_inode:inotify")
        except OSError:
            continue
    try:
        with open("/proc/sys/fs/inotify/max_user_instances", encoding="utf-8") as f:
            limit = int(f.read().strip())
    except (OSError, ValueError):
        limit = 0
    return used, limit


def inotify_note():
    used, limit = inotify_usage()
    if limit and used + INOTIFY_PER_HOST > limit:
        return (f" [inotify instances exhausted: {used} in use, fs.inotify.max_user_instances={limit}: "
                "new systemd hosts hang in boot; raise the limit or take fleets down]")
    return ""


def op_argv(kind, user, port, tag):
    target = f"{user}@127.0.0.1"
    if kind == "ssh":
        return ["ssh", *SSH_OPTS, "-p", str(port), target, "true"], ""
    if kind == "sftp":
        return ["sftp", *SSH_OPTS, "-P", str(port), "-b", "-", target], f"get /etc/hostname /tmp/{tag}\n"
    legacy = ["-O"] if kind == "scp_o" else []
    return ["scp", *legacy, *SSH_OPTS, "-P", str(port), f"{target}:/etc/hostname", f"/tmp/{tag}"], ""


def mask_ports(text):
    """Published and client source ports change from run to run: mask them (sshd's own port 22 stays)."""
    return re.sub(r"\bport (\d+)", lambda m: m.group(0) if m.group(1) == "22" else "port PORT", text)


def message(stderr, rc):
    """The last meaningful stderr line of a client (a specific line beats a generic trailer)."""
    lines = [ln.strip() for ln in stderr.replace("\r", "\n").splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith(NOISE_PREFIXES)]
    specific = [ln for ln in lines if not TRAILERS.match(ln) and not PEER_CLOSED.match(ln)]
    peer = [ln for ln in lines if PEER_CLOSED.match(ln)]
    best = specific or peer or lines
    if best:
        # The port changes from run to run: keep the report stable.
        return mask_ports(best[-1])
    if rc == 124:
        return f"timeout: no answer within {CLIENT_TIMEOUT}s"
    return "" if rc == 0 else f"exit {rc}, no message"


def run_clients(hosts, users):
    """Probe every host as every user from both client releases; return {(host, user, op): result}."""
    jobs = {}
    for h in hosts:
        for user in users:
            for op_id, client, _label, kind in OPS:
                tag = f"{h['release']}-{user}-{op_id}"
                argv, stdin = op_argv(kind, user, h["port"], tag)
                jobs.setdefault(client, []).append({"id": f"{h['name']}|{user}|{op_id}", "argv": argv, "stdin": stdin})
    outputs = {}
    versions = {}

    def one(client):
        spec = json.dumps({"timeout": CLIENT_TIMEOUT, "jobs": jobs[client]})
        res = subprocess.run([sys.executable, LAB_PY, "client", client, "--", "python3", "-c", CLIENT_RUNNER, spec],
                             capture_output=True, text=True, check=False)
        line = next((ln for ln in res.stdout.splitlines() if ln.startswith("MATRIX-RESULT ")), None)
        if line is None:
            raise RuntimeError(f"{client} client produced no result (exit {res.returncode}): {res.stderr.strip()}")
        data = json.loads(line.split(" ", 1)[1])
        versions[client] = data["version"]
        outputs.update(data["results"])

    threads = [threading.Thread(target=one, args=(client,)) for client in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    missing = [jid for client_jobs in jobs.values() for jid in (j["id"] for j in client_jobs) if jid not in outputs]
    if missing:
        raise RuntimeError(f"no client result for {', '.join(missing)}")
    results = {}
    for jid, out in outputs.items():
        host, user, op_id = jid.split("|")
        rc = out["rc"]
        results[(host, user, op_id)] = {
            "ok": rc == 0, "rc": rc, "message": message(out["stderr"], rc),
            "stderr": [ln for ln in out["stderr"].splitlines() if ln.strip()],
            "command": " ".join(out["argv"]),
        }
    return results, versions


# Journal lines that every session (or the lab's banner check) writes: they say nothing about a fault.
LOG_NOISE = re.compile(r"pam_(unix|env)\(|Received disconnect|Disconnected from|Accepted publickey|"
                       r"^Connection (closed|reset) by|^(Started|Starting|Finished|Stopped|Stopping) |Reloading|"
                       r"Reloaded|^Server listening|^Received SIGHUP|^Session \d+|session-\d+\.scope|"
                       r"kex_exchange_identification: Connection closed by remote host|^Reached target|"
                       r"^Startup finished|unmet condition|systemd-update-utmp|^Listening on|System is tainted|^Mounted |"
                       r"^Created slice|^Condition check")
SPLIT = "=====matrix-split====="
SERVER_SCRIPT = """
systemctl is-active ssh.service
echo {split}
/usr/sbin/sshd -t 2>&1
echo "rc=$?"
echo {split}
journalctl -q --no-pager -o cat --since @{since} -t sshd -t sshd-session -t sshd-auth
echo {split}
journalctl -q --no-pager -o cat --since @{since} -t systemd | grep -i ssh
"""


def distinct(lines, limit):
    """The last LIMIT distinct meaningful lines (ports masked), in order of their last occurrence."""
    keep = []
    for raw in lines:
        ln = mask_ports(raw.strip())
        if ln and not LOG_NOISE.search(ln):
            if ln in keep:
                keep.remove(ln)
            keep.append(ln)
    return keep[-limit:]


def server_state(container, since):
    """The unit state, `sshd -t`, and the last distinct sshd and systemd journal lines since SINCE."""
    res = subprocess.run(["podman", "exec", container, "sh", "-c", SERVER_SCRIPT.format(since=int(since), split=SPLIT)],
                         capture_output=True, text=True, check=False)
    parts = [part.strip() for part in (res.stdout + f"\n{SPLIT}" * 3).split(SPLIT)]
    state = parts[0] or "unknown"
    # The "@@@ WARNING: UNPROTECTED PRIVATE KEY FILE! @@@" frame says less than the lines after it.
    test_lines = [ln.strip() for ln in parts[1].splitlines() if ln.strip() and not ln.startswith("@")]
    test_rc = int(test_lines.pop()[3:]) if test_lines and re.match(r"rc=\d+$", test_lines[-1]) else -1
    return {"ssh_service": state, "sshd_t": {"rc": test_rc, "output": test_lines[:3]},
            "log": distinct(parts[2].splitlines(), 4), "systemd": distinct(parts[3].splitlines(), 3)}


def run_fleet(fleet, fault, releases, args, up_lock):
    """Start FLEET (one host per release), inject FAULT (None: healthy), probe, take it down."""
    spec = ",".join(releases)
    users = ["root", "alice"] if fault is None else [USER_FAULTS.get(fault, "root")]
    clock = {}
    try:
        with up_lock:  # one fleet boots at a time: ~3 hosts starting at once on 2 cores
            t0 = time.monotonic()
            lab_cli("up", fleet, spec, "--port", str(args.port))
            clock["up"] = time.monotonic() - t0
        with open(os.path.join(lab.LAB_DIR, fleet, "fleet.json"), encoding="utf-8") as f:
            hosts = json.load(f)["hosts"]
        t1 = time.monotonic()
        since = time.time()
        if fault is not None:
            for h in hosts:
                lab_cli("inject", h["name"], fault)
        time.sleep(args.settle)  # let a reload (sshd re-exec) or a failing restart finish
        clock["inject"] = time.monotonic() - t1
        t1 = time.monotonic()
        results, versions = run_clients(hosts, users)
        clock["probe"] = time.monotonic() - t1
        logs = {h["release"]: server_state(h["container"], since) for h in hosts}
    finally:
        if not args.keep:
            lab_cli("down", fleet)
    by_rel = {}
    for h in hosts:
        for user in users:
            by_rel.setdefault(h["release"], {})[user] = {op_id: results[(h["name"], user, op_id)] for op_id in OP_IDS}
    failed = sorted({f"{rel}:{op}" for rel, per_user in by_rel.items() for ops in per_user.values()
                     for op, r in ops.items() if not r["ok"]})
    clock["total"] = time.monotonic() - t0
    say(f"{fault or BASELINE:27} " + " ".join(f"{k} {v:4.1f}s" for k, v in clock.items())
        + f"  failing: {', '.join(failed) or 'nothing'}")
    return {"fleet": fleet, "users": users, "results": by_rel, "server": logs, "client_versions": versions,
            "seconds": {k: round(v, 1) for k, v in clock.items()}}


# ---------------------------------------------------------------- report


def md_code(text):
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


def cell(res):
    if res["ok"]:
        return "ok"
    return f"**FAIL** ({res['rc']}): {md_code(res['message'])}" if res["message"] else f"**FAIL** ({res['rc']})"


def table(per_rel, releases, user):
    head = "| client operation | " + " | ".join(f"{rel} ({lab.RELEASES[rel]})" for rel in releases) + " |"
    lines = [head, "|---" * (len(releases) + 1) + "|"]
    for op_id in OP_IDS:
        row = [cell(per_rel[rel][user][op_id]) if rel in per_rel else "n/a" for rel in releases]
        lines.append(f"| {OP_LABEL[op_id]} | " + " | ".join(row) + " |")
    return lines


def effect(entry, rel):
    """What the fault does on REL: 'clients' (some operation fails), 'latent' (only `sshd -t`), 'none'."""
    per_user = entry["results"].get(rel, {})
    if any(not r["ok"] for ops in per_user.values() for r in ops.values()):
        return "clients"
    return "latent" if entry["server"].get(rel, {}).get("sshd_t", {}).get("rc", 0) != 0 else "none"


def summary_marks(entry, rel, user):
    ops = entry["results"].get(rel, {}).get(user)
    if ops is None:
        return "n/a"
    failing = [op_id for op_id in OP_IDS if not ops[op_id]["ok"]]
    if not failing:
        how = effect(entry, rel)
        return f"latent: `sshd -t` exit {entry['server'][rel]['sshd_t']['rc']}" if how == "latent" \
            else "**nothing fails**"
    if len(failing) == len(OPS):
        return "all"
    return ", ".join(OP_LABEL[o].split(" (")[0] + (" (8.4)" if o == "scp_84" else "") for o in failing)


def server_lines(entry, rels):
    out = ["Server side after the probes: `systemctl is-active ssh`, `sshd -t`, and the last distinct "
           "sshd and systemd journal lines since the injection:", ""]
    for rel in rels:
        srv = entry["server"].get(rel, {})
        test = srv.get("sshd_t", {})
        test_txt = f"`sshd -t` exit {test.get('rc', '?')}"
        if test.get("output"):
            test_txt += " " + md_code(test["output"][0])
        sshd_log = [ln for ln in srv.get("log", []) if ln not in test.get("output", [])]
        logs = "; ".join(md_code(ln) for ln in sshd_log[-2:] + srv.get("systemd", [])[-1:])
        logs = logs or "no new journal lines"
        out.append(f"- {rel}: {srv.get('ssh_service', '?')}; {test_txt}; {logs}")
    return out + [""]


def markdown(report):
    rels = report["releases"]
    vers = report["client_versions"]
    out = [
        "# The lab: every injectable fault, seen by real clients",
        "",
        "`tests/lab/lab.py` runs real Debian hosts in podman (systemd as PID 1, the distro's OpenSSH): "
        + ", ".join(f"{r} (OpenSSH {v})" for r, v in lab.RELEASES.items())
        + ". Each host is reachable only through a port published on 127.0.0.1; root and alice accept "
        "the lab key. `lab.py inject HOST FAULT` puts a host into one of the fault states below "
        "(`lab.py faults` lists them).",
        "",
        "This page is generated by `tests/lab/matrix.py`. For every fault and release it starts a fresh "
        "host, injects the fault and runs real clients against it through 127.0.0.1, each wrapped in "
        f"`timeout {CLIENT_TIMEOUT}`: from a trixie client ({vers.get('trixie', 'OpenSSH 10.0')}; its scp "
        "speaks SFTP by default) `ssh HOST true`, `scp`, `scp -O` and `sftp -b -`; from a bullseye client "
        f"({vers.get('bullseye', 'OpenSSH 8.4')}; legacy scp only) `scp`. The scp and sftp probes download "
        "/etc/hostname. The probes of one host run at the same time. Options: `" + " ".join(SSH_OPTS) + "`. "
        f"Faults about one account ({', '.join(sorted(USER_FAULTS))}) log in as alice, the others as root. "
        "A cell shows `ok`, or `FAIL`, the exit code and the client's last meaningful stderr line "
        "(known-hosts warnings dropped; a specific line is preferred to closing lines such as "
        "`scp: Connection closed`; port numbers shown as PORT). The full stderr of every probe is in "
        "`tests/lab/matrix.json`.",
        "",
        "Reproduce (podman as root; a few minutes):",
        "",
        "```sh",
        "python3 tests/lab/matrix.py                      # report on stdout; exit 1 if a fault is not real",
        "python3 tests/lab/matrix.py --write docs/lab.md  # regenerate this page and tests/lab/matrix.json",
        "python3 tests/lab/matrix.py --faults sftp_subsystem_missing,tcp_wrappers_denied --releases trixie",
        "```",
        "",
        f"Last run: {report['generated']}, {report['runtime_seconds']:.0f} s for "
        f"{len(report['faults'])} faults x {len(rels)} releases plus the healthy baseline.",
    ]
    if report["problems"]:
        out += ["", "**Problems found by this run** (the script exits 1):", ""]
        out += [f"- {p}" for p in report["problems"]]
    if report["warnings"]:
        out += ["", "Warnings:", ""] + [f"- {w}" for w in report["warnings"]]
    out += ["", "## Summary: which client operations fail", "",
            "\"all\": all five operations fail. \"latent\": every client still works, but `sshd -t` fails, so "
            "the next (re)start of ssh.service fails.", "",
            "| fault | user | " + " | ".join(f"{r} ({lab.RELEASES[r]})" for r in rels) + " |",
            "|---|---|" + "---|" * len(rels)]
    for fault, entry in report["faults"].items():
        if "error" in entry:
            out.append(f"| [{fault}](#{fault}) | | " + " | ".join(["error"] * len(rels)) + " |")
            continue
        user = entry["users"][0]
        out.append(f"| [{fault}](#{fault}) | {user} | "
                   + " | ".join(summary_marks(entry, r, user) for r in rels) + " |")
    base = report["baseline"]
    out += ["", f"## {BASELINE}", "", "Fresh hosts, nothing injected: every operation must succeed.", ""]
    if "error" in base:
        out += [f"Error: {base['error']}", ""]
    else:
        for user in base["users"]:
            out += [f"As {user}:", ""] + table(base["results"], rels, user) + [""]
        out += server_lines(base, rels)
    for fault, entry in report["faults"].items():
        out += [f"## {fault}", "", entry.get("description", lab.FAULTS.get(fault, ("",))[0]) + ".", ""]
        if "error" in entry:
            out += [f"Error: {entry['error']}", ""]
            continue
        user = entry["users"][0]
        out += [f"As {user}:", ""] + table(entry["results"], rels, user) + [""]
        out += server_lines(entry, rels)
    return "\n".join(out).rstrip() + "\n"


def text_report(report):
    rels = report["releases"]
    width = max([len(f) for f in report["faults"]] + [len(BASELINE)])
    lines = [f"{'fault':{width}}  " + "  ".join(f"{r:>30}" for r in rels)]
    entries = [(BASELINE, report["baseline"])] + list(report["faults"].items())
    for name, entry in entries:
        if "error" in entry:
            lines.append(f"{name:{width}}  error: {entry['error'].splitlines()[0]}")
            continue
        for user in entry["users"]:
            marks = [summary_marks(entry, r, user).replace("**", "").replace("`", "") for r in rels]
            label = name if user == entry["users"][0] else ""
            lines.append(f"{label:{width}}  " + "  ".join(f"{m[:30]:>30}" for m in marks) + f"  [{user}]")
    return "\n".join(lines)


def check(report, latent_ok=False):
    """The verdict: problems (the run fails) and warnings (it does not)."""
    problems, warnings = [], []
    base = report["baseline"]
    if "error" in base:
        problems.append(f"healthy baseline could not run: {base['error'].splitlines()[0]}")
    else:
        for rel, per_user in base["results"].items():
            for user, ops in per_user.items():
                for op_id, r in ops.items():
                    if not r["ok"]:
                        problems.append(f"lab bug: on a healthy {rel} host, {OP_LABEL[op_id]} as {user} fails: "
                                        f"{r['message']}")
            srv = base["server"].get(rel, {})
            if srv.get("ssh_service") != "active" or srv.get("sshd_t", {}).get("rc") != 0:
                problems.append(f"lab bug: healthy {rel} host: ssh.service {srv.get('ssh_service')}, "
                                f"`sshd -t` exit {srv.get('sshd_t', {}).get('rc')}")
    for fault, entry in report["faults"].items():
        if "error" in entry:
            problems.append(f"{fault}: {entry['error'].splitlines()[0]}")
            continue
        effects = {rel: effect(entry, rel) for rel in entry["results"]}
        if "clients" not in effects.values():
            latent = [rel for rel, how in effects.items() if how == "latent"]
            why = f" (latent: `sshd -t` fails on {', '.join(latent)}, the next restart would fail)" if latent else ""
            msg = f"{fault}: every client operation works on every release{why}"
            if latent and latent_ok:
                warnings.append(msg)
            else:
                problems.append(msg + ": not a fault")
        for rel, how in effects.items():
            if how != "clients" and "clients" in effects.values():
                warnings.append(f"{fault}: no client operation fails on {rel}"
                                + (" (latent: `sshd -t` fails)" if how == "latent" else ""))
    return problems, warnings


# ---------------------------------------------------------------- main


def pick(value, known, what):
    if not value:
        return list(known)
    chosen = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in known]
    if unknown:
        raise SystemExit(f"[matrix] unknown {what}: {', '.join(unknown)} (known: {', '.join(known)})")
    return [v for v in known if v in chosen]


def run_matrix(args):
    """Run every planned fleet and return the report (without the verdict)."""
    faults = pick(args.faults, list(lab.FAULTS), "faults")
    releases = pick(args.releases, list(lab.RELEASES), "releases")
    t0 = time.monotonic()
    plan = [(f"{FLEET_PREFIX}00", None)] + [(f"{FLEET_PREFIX}{i:02d}", fault) for i, fault in enumerate(faults, 1)]
    used, limit = inotify_usage()
    per_fleet = INOTIFY_PER_HOST * len(releases)
    if limit and args.jobs > 1 and used + per_fleet * args.jobs > limit >= used + per_fleet:
        say(f"{used} of {limit} inotify instances in use: one fleet in flight instead of {args.jobs}")
        args.jobs = 1
    if limit and used + per_fleet > limit:
        say(f"WARNING: {used} inotify instances in use of fs.inotify.max_user_instances={limit}; a fleet needs "
            f"about {per_fleet} more. New hosts will hang in boot (systemd: 'Failed to create inotify object: Too "
            "many open files'). Raise the limit (sysctl fs.inotify.max_user_instances=1024) or take fleets down.")
    say(f"{len(faults)} faults x {len(releases)} releases ({', '.join(releases)}) + the healthy baseline, "
        f"{len(plan)} fleets, {args.jobs} in flight")
    up_lock = threading.Lock()
    outcome = {}
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {fault: pool.submit(run_fleet, fleet, fault, releases, args, up_lock) for fleet, fault in plan}
        try:
            for fault, fut in futures.items():
                try:
                    outcome[fault] = fut.result()
                except (RuntimeError, OSError, ValueError, KeyError) as exc:
                    say(f"{fault or BASELINE}: {exc}")
                    outcome[fault] = {"error": str(exc)}
        except KeyboardInterrupt:
            say("interrupted: no new fleets; the running ones finish and go down")
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    versions = {}
    for entry in outcome.values():
        versions.update(entry.get("client_versions", {}))
    return {
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "runtime_seconds": round(time.monotonic() - t0, 1),
        "releases": releases,
        "server_versions": {r: lab.RELEASES[r] for r in releases},
        "client_versions": versions,
        "operations": {op[0]: {"client": op[1], "label": op[2]} for op in OPS},
        "ssh_options": SSH_OPTS,
        "timeout": CLIENT_TIMEOUT,
        "baseline": outcome[None],
        "faults": {f: dict(outcome[f], description=lab.FAULTS[f][0]) for f in faults},
    }


def main(argv=None):
    p = argparse.ArgumentParser(prog="matrix.py", description=__doc__.split("\n\n", maxsplit=1)[0])
    p.add_argument("--faults", help="comma-separated faults (default: all of lab.FAULTS)")
    p.add_argument("--releases", help="comma-separated releases (default: all)")
    p.add_argument("--write", metavar="MD", help="write the markdown report (and the JSON copy) here")
    p.add_argument("--json", metavar="FILE", help=f"write the JSON report here (default with --write: {DEFAULT_JSON})")
    p.add_argument("--from-json", metavar="FILE", help="start no host: report on the results of an earlier run")
    p.add_argument("--jobs", type=int, default=2, help="fleets in flight at once; only one boots at a time (2)")
    p.add_argument("--port", type=int, default=22600, help="first 127.0.0.1 port to try for the hosts (22600)")
    p.add_argument("--settle", type=float, default=1.5, help="seconds between injection and the probes (1.5)")
    p.add_argument("--keep", action="store_true", help="leave the fleets up (debugging)")
    p.add_argument("--latent-ok", action="store_true",
                   help="accept a fault whose only effect is a failing `sshd -t` (clients all work)")
    args = p.parse_args(argv)
    if args.from_json:
        with open(args.from_json, encoding="utf-8") as f:
            report = json.load(f)
    else:
        report = run_matrix(args)
    problems, warnings = check(report, args.latent_ok)
    report["problems"] = problems
    report["warnings"] = warnings
    print(text_report(report))
    for w in warnings:
        say(f"warning: {w}")
    for prob in problems:
        say(f"PROBLEM: {prob}")
    say(f"runtime {report['runtime_seconds']:.0f}s")
    json_path = args.json or (DEFAULT_JSON if args.write and not args.from_json else None)
    if json_path:
        with open(json_path, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1, sort_keys=False)
            f.write("\n")
        say(f"wrote {json_path}")
    if args.write:
        kept = lab.layouts.doc_tail(args.write)  # the hand-written layout sections stay
        with open(args.write, "w", encoding="utf-8") as f:
            f.write(markdown(report) + kept)
        say(f"wrote {args.write}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
