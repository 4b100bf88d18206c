"""Hostile states for the remediate fix authorized_keys_unreadable, on one real lab host.

    authkeys_attack.py [RELEASE]     (default bookworm; port SSHD_DOCTOR_LAB_PORT, default 23040)

One container of the lab image, with CAP_LINUX_IMMUTABLE (lab hosts lack it, so chattr +i works
only here) and a port published on 127.0.0.1, gets one account per attack, each with the lab
key in a root-owned 0600 authorized_keys:

  alice    the file is immutable (chattr +i)      -> chown refused: a note, no failure, file unchanged
  bob      home owned by another user (mallory)   -> repaired (file bob's 0600, ~/.ssh bob's 0700; the home
                                                     bob's by home_or_keys_insecure)
  carol    ~/.ssh is a link to /root/.ssh         -> not remediable, /root/.ssh untouched, a note
  dave     authorized_keys is a link to /etc/shadow -> not remediable, /etc/shadow untouched, a note
  erin     Match User erin: AuthorizedKeysFile /etc/ssh/authorized_keys/%u, root's 0600 file there
                                                  -> 0644, owner kept; erin logs in
  frank    authorized_keys is a link to a file of daemon's (0644): StrictModes refuses it
           (home_or_keys_insecure)               -> the link and its target untouched, a note
  nosuch   named in remediate_users, no account   -> nothing, no error

Then sshd.doctor.remediate runs in check mode (nothing may change), for real, and again (no
change), and a real OpenSSH client logs in as bob with the lab key.  Exit status 0 when every
assertion holds; the container is removed in any case.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab  # noqa: E402  pylint: disable=wrong-import-position

NAME = "sshd-doctor-authkeys-attack"
USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "nosuch"]
SETUP = r"""
set -e
install -d -m 700 /root/.ssh; cp /tmp/lab.pub /root/.ssh/authorized_keys; chmod 600 /root/.ssh/authorized_keys
for u in bob carol dave mallory; do id "$u" >/dev/null 2>&1 || useradd -m -s /bin/bash "$u"; done
for u in alice bob carol dave; do
  install -d -m 700 -o "$u" -g "$u" /home/$u/.ssh
  rm -f /home/$u/.ssh/authorized_keys; cp /tmp/lab.pub /home/$u/.ssh/authorized_keys
  chown root:root /home/$u/.ssh/authorized_keys; chmod 600 /home/$u/.ssh/authorized_keys
done
chattr +i /home/alice/.ssh/authorized_keys
chown mallory:mallory /home/bob
rm -rf /home/carol/.ssh; ln -s /root/.ssh /home/carol/.ssh
rm -f /home/dave/.ssh/authorized_keys; ln -s /etc/shadow /home/dave/.ssh/authorized_keys
id erin >/dev/null 2>&1 || useradd -m -s /bin/bash erin
install -d -m 755 /etc/ssh/authorized_keys; cp /tmp/lab.pub /etc/ssh/authorized_keys/erin
chmod 600 /etc/ssh/authorized_keys/erin
id frank >/dev/null 2>&1 || useradd -m -s /bin/bash frank
install -d -m 700 -o frank -g frank /home/frank/.ssh
cp /tmp/lab.pub /tmp/daemon-keys; chown daemon /tmp/daemon-keys; chmod 644 /tmp/daemon-keys
ln -sfn /tmp/daemon-keys /home/frank/.ssh/authorized_keys
printf 'Match User erin\n    AuthorizedKeysFile /etc/ssh/authorized_keys/%%u\n' >> /etc/ssh/sshd_config
systemctl reload ssh
"""
STATE = ("stat -c '%n %U:%G %a %F' /home/alice/.ssh/authorized_keys /home/bob/.ssh/authorized_keys /home/bob/.ssh "
         "/root/.ssh /root/.ssh/authorized_keys /etc/shadow /home/dave/.ssh/authorized_keys /home/carol/.ssh "
         "/etc/ssh/authorized_keys/erin /tmp/daemon-keys /home/frank/.ssh/authorized_keys; "
         "lsattr -d /home/alice/.ssh/authorized_keys | cut -c1-16")


def sh(*argv, check=True):
    res = subprocess.run(argv, capture_output=True, text=True, check=False)
    if check and res.returncode != 0:
        raise SystemExit(f"[attack] {' '.join(argv)}: rc {res.returncode}: {res.stderr[-800:]}")
    return res


def remediate(inventory, *extra):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(lab.ROOT / ".build" / "collections"),
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1")
    res = subprocess.run([str(lab.ROOT / ".venv" / "bin" / "ansible-playbook"), "-i", str(inventory),
                          str(lab.ROOT / "playbooks" / "remediate.yml"), "-e", json.dumps({"remediate_users": USERS}),
                          *extra], capture_output=True, text=True, env=env, check=False)
    assert "Traceback" not in res.stdout + res.stderr, res.stdout[-3000:]
    data = json.loads(res.stdout)
    failed = [(t["task"]["name"], r.get("msg")) for p in data["plays"] for t in p["tasks"]
              for r in t["hosts"].values() if r.get("failed") and not r.get("ignore_errors")
              and "ignored" not in t["task"].get("name", "")]
    if res.returncode != 0:
        raise SystemExit(f"[attack] remediate {' '.join(extra)} failed (rc {res.returncode}): {failed}")
    summary = [r for p in data["plays"] for t in p["tasks"] if t["task"]["name"].endswith("What this run did on the host")
               for r in t["hosts"].values() if "msg" in r]
    return res.returncode, data["stats"][NAME], summary[-1]["msg"] if summary else {}


def main(argv=None):
    release = (argv or sys.argv[1:] or ["bookworm"])[0]
    port = int(os.environ.get("SSHD_DOCTOR_LAB_PORT", "23040"))
    sh("podman", "rm", "-f", "-t", "0", NAME, check=False)
    sh("podman", "run", "-d", "--name", NAME, "--runtime", "runc", "--systemd=always", "--cap-add", "LINUX_IMMUTABLE",
       "-p", f"127.0.0.1:{port}:22", lab.image_ref(release), "/sbin/init")
    try:
        sh("podman", "exec", NAME, "sh", "-c", "for i in $(seq 60); do systemctl is-active -q ssh && exit 0; sleep 1; done")
        sh("podman", "cp", str(lab.ROOT / ".lab" / "id_ed25519.pub"), f"{NAME}:/tmp/lab.pub")
        sh("podman", "exec", NAME, "sh", "-c", SETUP)
        before = sh("podman", "exec", NAME, "sh", "-c", STATE).stdout
        with tempfile.TemporaryDirectory() as tmp:
            inv = Path(tmp) / "inventory.yml"
            inv.write_text(json.dumps({"all": {"hosts": {NAME: {
                "ansible_connection": "containers.podman.podman", "ansible_python_interpreter": "/usr/bin/python3"}}}}))
            rc, stats, summary = remediate(inv, "--check", "--diff")
            # bob's home belongs to mallory: home_or_keys_insecure (StrictModes) is fixed too
            assert rc == 0 and summary["would_fix"] == ["home_or_keys_insecure", "authorized_keys_unreadable"], summary
            assert sh("podman", "exec", NAME, "sh", "-c", STATE).stdout == before, "check mode changed the host"
            rc, stats, summary = remediate(inv)
            after = sh("podman", "exec", NAME, "sh", "-c", STATE).stdout
            lab.log(f"after the run:\n{after}")
            assert rc == 0 and summary["fixed"] == ["home_or_keys_insecure", "authorized_keys_unreadable"], summary
            notes = " ".join(summary["notes"])
            assert "could not change /home/alice/.ssh/authorized_keys (chown failed" in notes, notes
            assert "carol's authorized keys" in notes and "dave's authorized keys" in notes, notes
            assert "home_or_keys_insecure: not changed (a symbolic link" in notes and "/home/frank/" in notes, notes
            for line in ("/home/alice/.ssh/authorized_keys root:root 600 regular file",
                         "/home/bob/.ssh/authorized_keys bob:bob 600 regular file", "/home/bob/.ssh bob:bob 700 directory",
                         "/root/.ssh root:root 700 directory", "/root/.ssh/authorized_keys root:root 600 regular file",
                         "/etc/shadow root:shadow 640 regular file", "/home/dave/.ssh/authorized_keys root:root 777 symbolic link",
                         "/home/carol/.ssh root:root 777 symbolic link", "/etc/ssh/authorized_keys/erin root:root 644 regular file",
                         "/tmp/daemon-keys daemon:root 644 regular file", "/home/frank/.ssh/authorized_keys root:root 777 symbolic link",
                         "----i---------e-"):
                assert line in after, (line, after)
            rc, stats, summary = remediate(inv)
            # alice's immutable file and frank's link are tried again (the facts see neither the flag
            # nor the link of a home path): reported, unchanged
            assert rc == 0 and summary["fixed"] == [], summary
            assert summary["unchanged"] == ["home_or_keys_insecure", "authorized_keys_unreadable"], summary
        for user in ("bob", "erin"):
            login = sh("podman", "run", "--rm", "--network", "host", "-v", f"{lab.ROOT / '.lab'}:/lab:ro",
                       lab.image_ref("trixie"), "ssh", "-i", "/lab/id_ed25519", "-o", "BatchMode=yes", "-o",
                       "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-p", str(port),
                       f"{user}@127.0.0.1", "id -un", check=False)
            assert login.returncode == 0 and login.stdout.strip() == user, login.stdout + login.stderr
        lab.log("authorized_keys_unreadable attacks: all assertions hold (bob and erin log in with their key)")
    finally:
        sh("podman", "rm", "-f", "-t", "0", NAME, check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
