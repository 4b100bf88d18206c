# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capture, from real lab hosts of the non-Debian layouts, the facts their platform rules need.

For each layout of ``tests/lab/layouts.py`` and each case (healthy, then the faults that apply),
a fresh one-host fleet is started, the fault injected with ``lab.py inject``, and:

* fixed probes run in the host over ``podman exec`` (``systemctl show``, ``sshd -T`` with the
  unit's options, paths compiled into sshd, what ``sshd -t`` says when the privilege
  separation directory or the host keys are wrong; each probe restores what it changed);
* real clients connect through the 127.0.0.1 port (``matrix.run_clients``: ssh, scp, scp -O,
  sftp from a trixie client, scp from a bullseye client), and the server's journal is read;
* the collection's ``sshd.doctor.sshd_facts`` runs on the host (podman connection).

Every output is written as it came to ``tests/unit/fixtures/raw/<layout>/<case>/``: one
``<probe>.txt`` per probe (command, rc, stdout, stderr), ``clients.json`` and ``sshd_facts.json``.

    python3 tests/lab/layout_evidence.py                       # every layout and case
    python3 tests/lab/layout_evidence.py --layouts rhel --cases healthy
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lab  # noqa: E402  pylint: disable=wrong-import-position,import-error
import matrix  # noqa: E402  pylint: disable=wrong-import-position,import-error

OUT = lab.ROOT / "tests" / "unit" / "fixtures" / "raw"

# Probes that only read.
READ_PROBES = {
    "rhel": {
        "systemctl-show-sshd": "systemctl show sshd.service",
        "systemctl-show-sshd-selected": "systemctl show -p Id -p Names -p FragmentPath -p Type -p ExecStart "
                                        "-p ExecReload -p EnvironmentFiles -p RuntimeDirectory -p ActiveState "
                                        "-p SubState -p Result -p UnitFileState -p Restart -p RestartUSec sshd.service",
        "systemctl-show-ssh": "systemctl show -p Id -p LoadState -p FragmentPath ssh.service",
        "unit-files": "systemctl list-unit-files 'ssh*' --no-pager",
        "sysconfig-sshd": "cat /etc/sysconfig/sshd",
        "sshd-T-options": "set -a; . /etc/sysconfig/sshd; set +a; /usr/sbin/sshd -T $OPTIONS",
        "sshd-T-options-set": "OPTIONS='-o PermitRootLogin=no -p 2200'; /usr/sbin/sshd -T $OPTIONS "
                              "| grep -E '^(port|permitrootlogin|subsystem) '",
        "sshd-t": "/usr/sbin/sshd -t",
        "sshd-V": "/usr/sbin/sshd -V",
        "ssh-V": "ssh -V",
        "sshd-compiled-paths": "grep -a -o -E '/(var/empty|usr/share/empty|usr/libexec/openssh|etc/ssh|run)"
                               "[A-Za-z0-9_./*-]*' /usr/sbin/sshd | sort -u",
        "sshd-linked": "ldd /usr/sbin/sshd | awk '{print $1}' | sort",
        "libexec": "ls -l /usr/libexec/openssh /usr/lib/openssh 2>&1",
        "sshd-config-files": "stat -c '%n %U:%G %a %F' /etc/ssh/sshd_config /etc/ssh/sshd_config.d "
                             "/etc/ssh/sshd_config.d/* /etc/crypto-policies/back-ends/opensshserver.config",
        "sshd-config": "cat /etc/ssh/sshd_config",
        "sshd-config-drop-in": "cat /etc/ssh/sshd_config.d/50-redhat.conf",
        "host-keys": "stat -c '%n %U:%G %a' /etc/ssh/ssh_host_*",
        "privsep": "stat -c '%n %U:%G %a %F' /var/empty/sshd; getent passwd sshd; getent group sshd ssh_keys",
        "run-sshd": "ls -ld /run/sshd 2>&1",
        "listeners": "ss -ltnpH",
        "journal-keygen": "journalctl -q --no-pager -o cat -u 'sshd-keygen@*' -u sshd.service",
    },
    "trixie-socket": {
        "systemctl-show-ssh-socket": "systemctl show ssh.socket",
        "systemctl-show-ssh": "systemctl show -p Id -p Names -p FragmentPath -p Type -p ExecStart -p TriggeredBy "
                              "-p EnvironmentFiles -p RuntimeDirectory -p ActiveState -p SubState -p UnitFileState "
                              "ssh.service",
        "unit-files": "systemctl list-unit-files 'ssh*' --no-pager",
        "listeners": "ss -ltnpH",
        "sshd-T-port": "/usr/sbin/sshd -T | grep -E '^(port|listenaddress|addressfamily) '",
        "run-sshd": "ls -ld /run/sshd 2>&1; grep -rH sshd /usr/lib/tmpfiles.d/",
        "journal": "journalctl -q --no-pager -o cat -u ssh.socket -u ssh.service",
    },
}

# Probes that change the host (run on the healthy host, after the read probes); each puts the
# host back, or leaves it in a state the next connection repairs.
SSHD_T = "/usr/sbin/sshd -t; rc=$?"
KEYS = "/etc/ssh/ssh_host_*_key"
CHANGE_PROBES = {
    "rhel": {
        "sshd-t-privsep-missing": f"mv /var/empty/sshd /var/empty/sshd.saved; {SSHD_T}; "
                                  "mv /var/empty/sshd.saved /var/empty/sshd; exit $rc",
        "sshd-t-privsep-not-dir": f"mv /var/empty/sshd /var/empty/sshd.saved; touch /var/empty/sshd; {SSHD_T}; "
                                  "rm /var/empty/sshd; mv /var/empty/sshd.saved /var/empty/sshd; exit $rc",
        "sshd-t-privsep-0777": f"chmod 0777 /var/empty/sshd; {SSHD_T}; chmod 0711 /var/empty/sshd; exit $rc",
        "sshd-t-privsep-0755": f"chmod 0755 /var/empty/sshd; {SSHD_T}; chmod 0711 /var/empty/sshd; exit $rc",
        "sshd-t-keys-0640-group-root": f"chgrp root {KEYS}; {SSHD_T}; chgrp ssh_keys {KEYS}; exit $rc",
        "sshd-t-keys-0640-one-group-root": f"chgrp root /etc/ssh/ssh_host_rsa_key; {SSHD_T}; "
                                           "chgrp ssh_keys /etc/ssh/ssh_host_rsa_key; exit $rc",
        "sshd-t-keys-0644-ssh_keys": f"chmod 0644 {KEYS}; {SSHD_T}; chmod 0640 {KEYS}; exit $rc",
        "sshd-t-keys-0660-ssh_keys": f"chmod 0660 {KEYS}; {SSHD_T}; chmod 0640 {KEYS}; exit $rc",
        "sshd-t-keys-0600-root": f"chmod 0600 {KEYS}; chgrp root {KEYS}; {SSHD_T}; chgrp ssh_keys {KEYS}; "
                                 f"chmod 0640 {KEYS}; exit $rc",
        "sshd-t-no-privsep-user": "cp -p /etc/passwd /etc/passwd.saved; sed -i '/^sshd:/d' /etc/passwd; "
                                  f"{SSHD_T}; cp -p /etc/passwd.saved /etc/passwd; rm /etc/passwd.saved; exit $rc",
        "keygen-after-keys-removed": "rm -f /etc/ssh/ssh_host_*; systemctl restart sshd.service; rc=$?; "
                                     "systemctl is-active sshd.service; stat -c '%n %U:%G %a' /etc/ssh/ssh_host_*; "
                                     "exit $rc",
    },
    "trixie-socket": {
        # a reload (SIGHUP) of the socket-activated sshd: the re-executed sshd has lost the socket
        "reload-ssh-service": "systemctl reload ssh.service; rc=$?; sleep 1; systemctl is-active ssh.service; "
                              "journalctl -q --no-pager -o cat -u ssh.service | tail -6; ls -ld /run/sshd; exit $rc",
    },
}

# Cases per layout: None is the healthy host; other names are faults of lab.py inject.
CASES = {
    "rhel": ["healthy", "sftp_subsystem_missing", "privsep_dir_missing", "sftp_server_missing",
             "privsep_dir_missing_failed", "host_key_insecure_mode", "host_keys_missing", "tcp_wrappers_denied",
             "privsep_dir_insecure", "privsep_user_missing", "config_invalid", "config_invalid_failed",
             "service_inactive", "port_conflict", "scp_legacy_unavailable", "home_or_keys_insecure",
             "user_not_allowed"],
    "trixie-socket": ["healthy", "socket_port_mismatch", "privsep_dir_missing", "service_inactive",
                      "sftp_subsystem_missing"],
}


def say(msg):
    print(f"[evidence] {msg}", flush=True)


def probe(container, script):
    res = subprocess.run(["podman", "exec", container, "/bin/sh", "-c", script], capture_output=True, text=True,
                         check=False)
    return f"$ {script}\nrc: {res.returncode}\n--- stdout\n{res.stdout}--- stderr\n{res.stderr}"


def server_journal(container, since):
    return probe(container, f"journalctl -q --no-pager -o short-iso --since @{int(since)} | grep -v -E "
                            "'session-[0-9]+.scope|pam_unix|Accepted publickey|Received disconnect|Disconnected from'")


def sshd_facts(fleet):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(lab.ROOT / ".build" / "collections"),
               ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
               ANSIBLE_HOST_KEY_CHECKING="false")
    res = subprocess.run([str(lab.ROOT / ".venv" / "bin" / "ansible"), "all", "-i",
                          str(lab.LAB_DIR / fleet / "inventory-podman.yml"), "-m", "sshd.doctor.sshd_facts", "-a",
                          json.dumps({"clients": ["10.88.0.1"], "users": ["root", "alice"]})],
                         capture_output=True, text=True, env=env, check=False)
    try:
        data = json.loads(res.stdout)
    except ValueError:
        return {"error": f"ansible exit {res.returncode}", "stdout": res.stdout[-2000:], "stderr": res.stderr[-2000:]}
    for play in data["plays"]:
        for task in play["tasks"]:
            for result in task["hosts"].values():
                result.pop("_ansible_no_log", None)
                return result
    return {"error": "no result"}


def capture(layout, case, fleet):
    out = OUT / layout / case
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    matrix.lab_cli("up", fleet, f"{layout}:1")
    try:
        host = json.loads((lab.LAB_DIR / fleet / "fleet.json").read_text())["hosts"][0]
        container = host["container"]
        since = time.time()
        if case == "healthy":
            for name, script in {**READ_PROBES[layout], **CHANGE_PROBES[layout]}.items():
                (out / f"{name}.txt").write_text(probe(container, script))
        else:
            matrix.lab_cli("inject", host["name"], case)
            time.sleep(1)
            for name in ("sshd-t", "systemctl-show-sshd-selected", "systemctl-show-ssh", "run-sshd", "listeners",
                         "sshd-T-port"):
                if name in READ_PROBES[layout]:
                    (out / f"{name}.txt").write_text(probe(container, READ_PROBES[layout][name]))
        results, versions = matrix.run_clients([host], [matrix.USER_FAULTS.get(case, "root")])
        clients = {op: res for (_h, _u, op), res in sorted(results.items())}
        (out / "clients.json").write_text(json.dumps({"versions": versions, "results": clients}, indent=1,
                                                     sort_keys=True) + "\n")
        (out / "journal.txt").write_text(server_journal(container, since))
        (out / "sshd_facts.json").write_text(json.dumps(sshd_facts(fleet), indent=1, sort_keys=True) + "\n")
        failed = sorted(op for op, res in clients.items() if res["rc"] != 0)
        say(f"{layout}/{case}: clients failing: {', '.join(failed) or 'none'}")
    finally:
        matrix.lab_cli("down", fleet)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    p.add_argument("--layouts", default=",".join(CASES))
    p.add_argument("--cases", help="comma-separated cases (default: every case of the layout)")
    p.add_argument("--fleet", default="evidence", help="fleet name (containers sshd-doctor-FLEET-*)")
    args = p.parse_args(argv)
    for layout in args.layouts.split(","):
        if layout not in CASES:
            raise SystemExit(f"unknown layout {layout!r}; choose from {', '.join(CASES)}")
        for case in CASES[layout]:
            if args.cases and case not in args.cases.split(","):
                continue
            capture(layout, case, args.fleet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
