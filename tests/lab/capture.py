# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record raw host I/O from real lab hosts as unit-test fixtures (``make record``).

For every injectable fault of ``lab.FAULTS`` (and a healthy host), on every release where the
fault can be reproduced: start a fresh lab host, inject the fault, run the real
``sshd.doctor.sshd_facts`` module with ``record: true`` through the podman connection, and save
the raw recording (every command with rc/stdout/stderr, every file read, stat, glob, readlink
and binary summary; no derived state) to
``tests/unit/fixtures/recordings/<release>/<case>.json``, and the same host state read by the
raw sh collector (``collector: raw``, for hosts without a usable Python) to ``<case>.raw.json``.  The unit tests replay them through
``gather.collect`` and ``checks.run_checks`` at test time, so a fixture cannot go stale: when
gather asks for something a recording lacks, the replay fails with "re-record with make record".

It also writes ``<release>/_binaries.json``: for sshd and its helpers, the summary
``Host.binary()`` returns and the answers the byte-based readers (version.py, elf.py) give on
the full binary, so the unit tests prove the summaries answer the same.

One fleet (one host per release) is recycled per case: the hosts of a case start while the
previous case is recorded.

    python3 tests/lab/capture.py [--faults a,b] [--releases x,y] [--jobs N]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab  # noqa: E402  pylint: disable=wrong-import-position

OUT = lab.ROOT / "tests" / "unit" / "fixtures" / "recordings"
PREFIX = os.environ.get("SSHD_DOCTOR_CAPTURE_PREFIX", "record-cap")
USERS = ["root", "alice"]
CLIENTS = ["10.88.0.1"]
BINARIES = ("/usr/sbin/sshd", "/usr/lib/openssh/sshd-session", "/usr/lib/openssh/sshd-auth")
HELPER_NAMES = ("sshd-session", "sshd-auth", "sftp-server")


def collection_path():
    sys.path.insert(0, str(lab.ROOT / ".build" / "collections"))


def ansible_env():
    return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(lab.ROOT / ".build" / "collections"),
                ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
                ANSIBLE_HOST_KEY_CHECKING="false", ANSIBLE_FORKS="10")


def run_facts(inventory, variants, become_user=None):
    """Run sshd_facts (record: true) once per variant of extra arguments, as the tasks of one
    ansible-playbook run over every host of an inventory (as ``become_user`` when given):
    [{host: result}] per variant."""
    base = {"clients": CLIENTS, "users": USERS, "record": True}
    become = {"become": True, "become_user": become_user} if become_user else {}
    tasks = [{"name": f"variant {i}", "sshd.doctor.sshd_facts": {**base, **extra}, "ignore_errors": True, **become}
             for i, extra in enumerate(variants)]
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "record.yml"
        book.write_text(json.dumps([{"hosts": "all", "gather_facts": False, "tasks": tasks}]))
        res = subprocess.run([str(lab.ROOT / ".venv" / "bin" / "ansible-playbook"), "-i", str(inventory), str(book)],
                             capture_output=True, text=True, env=ansible_env(), check=False)
    try:
        data = json.loads(res.stdout)
    except ValueError as exc:
        raise SystemExit(f"[capture] ansible printed no JSON ({exc}): {res.stderr[-2000:]}") from exc
    return [task["hosts"] for play in data["plays"] for task in play["tasks"]]


def start_hosts(case, releases, port):
    """A fleet of one fresh host per release for one case (returns its fleet dict)."""
    name = f"{PREFIX}-{case.replace('_', '-')}"[:60]
    lab.cmd_up(argparse.Namespace(name=name, spec=",".join(f"{r}:1" for r in releases), port=port, timeout=90))
    return json.loads(lab.fleet_file(name).read_text())


def record_case(case, fleet):
    """Inject the case's fault, run sshd_facts with record, write the recordings; [(release, error)]."""
    problems = []
    if case != "healthy":
        for h in fleet["hosts"]:
            lab.inject(h["name"], case)
    inventory = lab.LAB_DIR / fleet["name"] / "inventory-podman.yml"
    # the module, then the raw sh collector on the same host state (the unit tests compare them)
    opts = lab.CASE_OPTIONS.get(case, {})
    extra, become_user = opts.get("args", {}), opts.get("become_user")
    module, raw = run_facts(inventory, [extra, {**extra, "collector": "raw"}], become_user)
    for suffix, results in (("", module), (".raw", raw)):
        problems += save(case, fleet, suffix, results)
    lab.cmd_down(argparse.Namespace(name=fleet["name"]))
    return problems


def save(case, fleet, suffix, results):
    collection_path()
    from ansible_collections.sshd.doctor.plugins.module_utils._sshd import hostio  # pylint: disable=import-outside-toplevel
    problems = []
    for h in fleet["hosts"]:
        res = results.get(h["name"], {})
        state = res.get("ansible_facts", {}).get("sshd") or {}
        recording = state.get("recording")
        if recording is None:
            msg = (res.get("msg") or "") + (res.get("module_stderr") or "")[-600:]
            problems.append((h["release"] + suffix, f"no recording: {msg.strip()}"))
            continue
        recording["meta"].update({"case": case, "release": h["release"], "openssh": lab.version(h["release"]),
                                  "image_recipe": lab.image_recipe(h["release"]), "name": f"{h['release']}/{case}{suffix}"})
        dest = OUT / h["release"] / f"{case}{suffix}.json"
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(hostio.dumps(recording))
        lab.log(f"recorded {dest.relative_to(lab.ROOT)} ({len(recording['calls'])} calls)")
    return problems


def binaries_fixture(release):
    """Summaries of the release's sshd binaries next to what the byte readers say of the full files."""
    collection_path()
    from ansible_collections.sshd.doctor.plugins.module_utils._sshd import elf, gather, hostio, version  # pylint: disable=import-outside-toplevel
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in BINARIES:
            dest = Path(tmp) / path.replace("/", "_")
            res = subprocess.run(["podman", "run", "--rm", "--runtime", "runc", "--entrypoint", "/bin/cat",
                                  lab.image_ref(release), path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 check=False)
            if res.returncode != 0:
                continue
            dest.write_bytes(res.stdout)
            data = res.stdout
            ver, vtuple = version.version_from_binary(data)
            out[path] = {
                "summary": hostio.Host.binary(str(dest)),
                "bytes": {"version": [ver, list(vtuple) if vtuple else None],
                          "paths": {n: version.paths_in_binary(data, n) for n in HELPER_NAMES},
                          "has": {d: version.has_string(data, d) for d in gather.PRIVSEP_DIRS},
                          "needed": elf.needed(data), "size": len(data)},
            }
    dest = OUT / release / "_binaries.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps({"release": release, "image_recipe": lab.recipe_hash(), "binaries": out},
                               indent=1, sort_keys=True) + "\n")
    lab.log(f"recorded {dest.relative_to(lab.ROOT)}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    p.add_argument("--faults", help="comma-separated subset of the cases (default: healthy and every fault)")
    p.add_argument("--releases", help="comma-separated subset of the releases")
    p.add_argument("--jobs", type=int, default=2, help="cases whose hosts run at the same time (default 2)")
    args = p.parse_args(argv)
    cases = args.faults.split(",") if args.faults else ["healthy", *lab.FAULTS]
    unknown = [c for c in cases if c != "healthy" and c not in lab.FAULTS]
    if unknown:
        raise SystemExit(f"[capture] unknown cases: {', '.join(unknown)}")
    releases = args.releases.split(",") if args.releases else [*lab.RELEASES, *lab.LAYOUT_CASES]
    lab.cmd_setup()
    started = time.monotonic()
    for rel in releases:
        binaries_fixture(rel)
    base = lab.BASE_PORT

    def one(index_case):
        index, case = index_case
        rels = [r for r in releases if r in lab.case_releases(case)]
        if not rels:
            return case, []
        t0 = time.monotonic()
        fleet = start_hosts(case, rels, base + 10 * (index % max(args.jobs, 1)))
        problems = record_case(case, fleet)
        lab.log(f"case {case}: {time.monotonic() - t0:.0f}s")
        return case, problems

    with ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        results = list(pool.map(one, enumerate(cases)))
    failed = [(case, rel, err) for case, problems in results for rel, err in problems]
    for case, rel, err in failed:
        lab.log(f"NOT RECORDED {rel}/{case}: {err}")
    lab.log(f"recorded {len(cases)} cases x {len(releases)} releases in {time.monotonic() - started:.0f}s"
            f" ({len(failed)} not recorded)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
