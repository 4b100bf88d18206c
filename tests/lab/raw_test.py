# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab test of the raw sh collector (``make raw-test``): hosts without a usable Python.

On one lab host per release asked for (default all three), reached over SSH with
``ansible_python_interpreter=/usr/bin/python3``:

1. inject a fault (default sftp_subsystem_missing);
2. run sshd_facts with the module (Python present) and with ``collector: raw``: the same
   finding ids, and the same version, config validity, sftp, tcp_wrappers and listener facts;
3. on bullseye, a real Python 2.7 (Debian's python2.7, CentOS 7's version) as the interpreter:
   the module fails with a SyntaxError, sshd_facts falls back by itself, same finding ids;
   then make python3 unusable (every /usr/bin/python3* moved away);
4. sshd_facts (collector auto, and in check mode) falls back to raw by itself, says so in a
   warning and in ``collector``, and names the same finding ids as the module did;
   as alice the raw collector says it is not root; as alice with sudo (become) it reads as root;
5. ``ansible-playbook sshd.doctor.diagnose`` diagnoses the fault through the raw path: the
   fault is in the JSON report and the run says the raw collector answered;
6. ``ansible-playbook sshd.doctor.remediate`` refuses such a host in one sentence (it needs
   Python for its fixes; before, a command module failed first with "interpreter not found"),
   and the fault is still there: nothing was changed.

Exit 0 when every assertion holds; the fleet is taken down in every case.

    python3 tests/lab/raw_test.py [--releases bullseye,trixie] [--fault sftp_subsystem_missing] [--keep]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import capture  # noqa: E402  pylint: disable=wrong-import-position
import lab  # noqa: E402  pylint: disable=wrong-import-position

FLEET = os.environ.get("SSHD_DOCTOR_RAW_FLEET", "record-rawtest")
ANSIBLE = str(lab.ROOT / ".venv" / "bin" / "ansible")
PLAYBOOK = str(lab.ROOT / ".venv" / "bin" / "ansible-playbook")
BREAK_PYTHON = "for f in /usr/bin/python3*; do [ -e \"$f\" ] && mv \"$f\" \"$f.off\"; done; ! command -v python3"
PY27_IMAGE = "localhost/record-py27:bullseye"
MEND_PYTHON = "for f in /usr/bin/python3*.off; do [ -e \"$f\" ] && mv \"$f\" \"${f%.off}\"; done; command -v python3"
COMPARED = (("version",), ("installed",), ("config", "valid"), ("subsystems", "sftp"), ("tcp_wrappers", "linked"),
            ("tcp_wrappers", "clients"), ("privsep", "dir"), ("privsep", "exists"), ("service", "active_state"),
            ("scp",), ("users",))


class Failed(AssertionError):
    pass


def check(cond, msg):
    if not cond:
        raise Failed(msg)
    lab.log(f"ok: {msg}")


def facts(inventory, extra=None, check_mode=False, limit="all", extra_vars=None):
    args = {"clients": capture.CLIENTS, "users": capture.USERS, **(extra or {})}
    cmd = [ANSIBLE, limit, "-i", str(inventory), "-m", "sshd.doctor.sshd_facts", "-a", json.dumps(args)]
    if extra_vars:
        cmd += ["-e", json.dumps(extra_vars)]
    if check_mode:
        cmd.append("--check")
    res = subprocess.run(cmd, capture_output=True, text=True, env=capture.ansible_env(), check=False)
    data = json.loads(res.stdout)
    out = {}
    for play in data["plays"]:
        for task in play["tasks"]:
            out.update(task["hosts"])
    return out


def ids(result):
    return sorted({f["id"] for f in result["ansible_facts"]["sshd"]["findings"]})


def dig(state, path):
    for key in path:
        state = (state or {}).get(key)
    return state


def compare(module_state, raw_state, name):
    for path in COMPARED:
        check(dig(module_state, path) == dig(raw_state, path),
              f"{name}: {'.'.join(path)} is the same from the module and from raw ({dig(raw_state, path)!r:.80})")
    ports = sorted((x["port"], x["process"]) for x in module_state["listeners"])
    check(ports == sorted((x["port"], x["process"]) for x in raw_state["listeners"]), f"{name}: same listeners {ports}")


def copy_python27(hosts):
    """Put Debian bullseye's python2.7 (built once into the image PY27_IMAGE) into lab hosts."""
    if lab.run(["podman", "image", "exists", PY27_IMAGE], check=False, quiet=True).returncode != 0:
        lab.log(f"building {PY27_IMAGE} (bullseye + python2.7-minimal from the Debian archive)")
        lab.run(["podman", "rm", "-f", "record-py27-build"], check=False, capture=True, quiet=True)
        lab.run(["podman", "run", "--name", "record-py27-build", "--runtime", "runc", lab.image_ref("bullseye"),
                 "sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
                 "python2.7-minimal >/dev/null && apt-get clean"], capture=True)
        lab.run(["podman", "commit", "--change", 'CMD ["/sbin/init"]', "record-py27-build", PY27_IMAGE],
                capture=True, quiet=True)
        lab.run(["podman", "rm", "record-py27-build"], capture=True, quiet=True)
    for h in hosts:
        tar = subprocess.Popen(["podman", "run", "--rm", "--runtime", "runc", PY27_IMAGE, "tar", "-C", "/", "-c",
                                "usr/bin/python2.7", "usr/lib/python2.7"], stdout=subprocess.PIPE)
        subprocess.run(["podman", "exec", "-i", h["container"], "tar", "-C", "/", "-x"], stdin=tar.stdout, check=True)
        tar.wait()
        lab.podman_exec(h["container"], "/usr/bin/python2.7 -V")


def run(args):
    t0 = time.monotonic()
    spec = ",".join(f"{r}:1" for r in args.releases.split(","))
    lab.cmd_up(argparse.Namespace(name=FLEET, spec=spec, port=None, timeout=90))
    fleet = json.loads(lab.fleet_file(FLEET).read_text())
    inventory = lab.LAB_DIR / FLEET / "inventory.yml"
    for h in fleet["hosts"]:
        lab.inject(h["name"], args.fault)

    module = facts(inventory)
    raw = facts(inventory, {"collector": "raw"})
    for h in fleet["hosts"]:
        name = h["name"]
        m, r = module[name], raw[name]
        check(not m.get("failed") and m["ansible_facts"]["sshd"]["collector"] == "module", f"{name}: module ran")
        check(args.fault in ids(m), f"{name}: module names {args.fault}")
        check(not r.get("failed") and r["ansible_facts"]["sshd"]["collector"] == "raw", f"{name}: raw collector ran")
        check(ids(r) == ids(m), f"{name}: raw and module give the same finding ids {ids(m)}")
        check(any("raw sh collector" in w for w in r.get("warnings", [])), f"{name}: raw run warns that it was raw")
        compare(m["ansible_facts"]["sshd"], r["ansible_facts"]["sshd"], name)

    # a real Python 2.7 (CentOS 7's) as the interpreter of the bullseye hosts: the module cannot run
    old = [h for h in fleet["hosts"] if h["release"] == "bullseye"]
    if old:
        copy_python27(old)
        py27 = facts(inventory, limit=",".join(h["name"] for h in old),
                     extra_vars={"ansible_python_interpreter": "/usr/bin/python2.7"})
        for h in old:
            a = py27[h["name"]]
            what = f"{h['name']} (interpreter python2.7)"
            check(not a.get("failed") and a["ansible_facts"]["sshd"]["collector"] == "raw",
                  f"{what}: fell back to the raw collector")
            check(any("SyntaxError" in w for w in a.get("warnings", [])), f"{what}: the warning names the SyntaxError")
            check(ids(a) == ids(module[h["name"]]), f"{what}: same finding ids as the module {ids(a)}")

    for h in fleet["hosts"]:
        lab.podman_exec(h["container"], BREAK_PYTHON)
    lab.log("python3 moved away on every host")
    for check_mode in (False, True):
        auto = facts(inventory, check_mode=check_mode)
        for h in fleet["hosts"]:
            name = h["name"]
            a = auto[name]
            what = f"{name} (no python3{', check mode' if check_mode else ''})"
            check(not a.get("failed"), f"{what}: sshd_facts did not fail: {a.get('msg', '')[:300]}")
            check(a["ansible_facts"]["sshd"]["collector"] == "raw", f"{what}: fell back to the raw collector")
            check(any("no usable Python" in w for w in a.get("warnings", [])), f"{what}: warns: no usable Python")
            check(ids(a) == ids(module[name]), f"{what}: same finding ids as the module with python3 {ids(a)}")
    # as alice: without become the raw collector says it is not root; with sudo it reads as root
    for h in fleet["hosts"]:
        lab.podman_exec(h["container"], "printf 'alice ALL=(ALL) NOPASSWD: ALL\\n' > /etc/sudoers.d/alice; "
                                        "chmod 0440 /etc/sudoers.d/alice")
    as_alice = facts(inventory, extra_vars={"ansible_user": "alice"})
    with_sudo = facts(inventory, extra_vars={"ansible_user": "alice", "ansible_become": True})
    for h in fleet["hosts"]:
        name = h["name"]
        a, b = as_alice[name], with_sudo[name]
        check(not a.get("failed") and any("not running as root" in w for w in a.get("warnings", [])),
              f"{name} (alice, no python3): raw says it is not root")
        check(not b.get("failed") and b["ansible_facts"]["sshd"]["collector"] == "raw"
              and not any("not running as root" in w for w in b.get("warnings", [])),
              f"{name} (alice with sudo, no python3): raw runs as root through become")
        check(ids(b) == ids(module[name]), f"{name} (alice with sudo): same finding ids as the module {ids(b)}")

    forced = facts(inventory, {"collector": "module"})
    for h in fleet["hosts"]:
        check(forced[h["name"]].get("failed") is True, f"{h['name']}: collector: module fails without python3")

    with tempfile.TemporaryDirectory() as report_dir:
        res = subprocess.run([PLAYBOOK, "sshd.doctor.diagnose", "-i", str(inventory), "-e",
                              json.dumps({"diagnose_report_dir": report_dir, "diagnose_clients": capture.CLIENTS})],
                             capture_output=True, text=True, env=dict(capture.ansible_env(),
                                                                      ANSIBLE_STDOUT_CALLBACK="default"), check=False)
        out = res.stdout + res.stderr
        check(res.returncode in (0, 2), f"diagnose ran (rc {res.returncode}): {out[-1500:] if res.returncode not in (0, 2) else ''}")
        check("raw sh collector" in out, "the diagnose run says the raw collector answered")
        with open(os.path.join(report_dir, "fleet.json"), encoding="utf-8") as f:
            report = json.load(f)
        text = json.dumps(report)
        for h in fleet["hosts"]:
            check(h["name"] in text, f"{h['name']} is in the report")
        check(args.fault in text, f"the report names {args.fault}")

    before = {h["name"]: lab.podman_exec(h["container"], "sha256sum /etc/ssh/sshd_config").stdout for h in fleet["hosts"]}
    res = subprocess.run([PLAYBOOK, "sshd.doctor.remediate", "-i", str(inventory)], capture_output=True, text=True,
                         env=dict(capture.ansible_env(), ANSIBLE_STDOUT_CALLBACK="default"), check=False)
    out = res.stdout + res.stderr
    check(res.returncode == 2 and out.count("has no usable Python (sshd_facts read it with the raw sh collector)")
          >= len(fleet["hosts"]) and "The module interpreter" not in out,
          f"remediate refuses the hosts without Python in one sentence (rc {res.returncode}): {out[-1500:]}")
    for h in fleet["hosts"]:
        after = lab.podman_exec(h["container"], "sha256sum /etc/ssh/sshd_config").stdout
        check(after == before[h["name"]], f"{h['name']}: remediate changed nothing without Python")

    for h in fleet["hosts"]:
        lab.podman_exec(h["container"], MEND_PYTHON)
    lab.log(f"raw-test passed in {time.monotonic() - t0:.0f}s")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    p.add_argument("--releases", default="bullseye,bookworm,trixie")
    p.add_argument("--fault", default="sftp_subsystem_missing")
    p.add_argument("--keep", action="store_true", help="leave the fleet up")
    args = p.parse_args(argv)
    try:
        run(args)
    except Failed as exc:
        lab.log(f"FAILED: {exc}")
        return 1
    finally:
        if not args.keep:
            lab.cmd_down(argparse.Namespace(name=FLEET))
    return 0


if __name__ == "__main__":
    sys.exit(main())
