# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-user auth faults on real lab hosts, the real clients that hit them, and fixtures.

    auth_faults.py capture FLEET     on every host of FLEET: add the users below, each with one
                                     fault (and alice healthy), try a real OpenSSH client as each
                                     user, then run the real sshd.doctor.sshd_facts module with
                                     users=[...] and save the state and sshd's journal lines to
                                     tests/unit/fixtures/auth/<release>/

Users (created with useradd; keys are the lab key, so a real client can try them):
  bob    authorized_keys root-owned 0600            -> authorized_keys_unreadable
  carol  only an ssh-rsa key, Match User carol restricts PubkeyAcceptedKeyTypes (alias in 8.5+) to ssh-ed25519,
         plus an ssh-dss line                       -> user_key_type_rejected
  dave   key with from="192.0.2.1"                  -> user_key_from_excludes_client
  erin   shadow expire date in the past             -> account_expired
  frank  Match User frank ChrootDirectory /srv/jail/frank, /srv/jail group-writable -> chroot_dir_insecure
  grace  ~/.bashrc prints before its interactivity test, sftp-server subsystem -> shell_output_breaks_sftp
  hank   ~/.bashrc runs `yes` (endless output: the module keeps 4096 bytes)  -> shell_output_breaks_sftp
  ivy    ~/.bashrc sleeps (the module's run is killed after 5 s; no finding)
  alice  healthy (non-raising case for every id)
"""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab  # noqa: E402  pylint: disable=wrong-import-position

OUT = lab.ROOT / "tests" / "unit" / "fixtures" / "auth"
USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "hank", "ivy"]
CLIENT = "10.88.0.1"  # the address podman's port publishing gives the lab's clients

# a real DSA public key (ssh-keygen -t dsa on bullseye; 10.0 cannot make one any more)
DSA_BLOB = (
    "AAAAB3NzaC1kc3MAAACBAIzuP7lhK4oq0Wn20LTSTdqNL/Ze/wjtjIlsAG/mMV0Gk3chIZE609QRdSHcpxubwf6h74Z/sg5kpgQd"
    "uBk3IdEaSfaTmTSiqrt7+WP5Jqzcm5Er6+FmcAL6w+gwpyKxv/rsWy5YuVyeqGndBlMo6dRiTZ9FC3JBQMDG51Iyw+E7AAAAFQCa"
    "2nlQoU2ES6DCq6gHo/TBLnpFKQAAAIASFdvIicy5A51AdIc9U7UXFYScRn7FU2oh5IwpL68NNOMQJ1fOWr3XcuLSWqU00tNVZNfE"
    "+JhRfUrnjFqREmyTvtbiLX4AF1IDfr0CS9GC30or/bSaaQdJ3hPnmfGJb3sl/H4OHTroEZuOkf9p6Soe+b5jPQl4wMHuVXXudQyG"
    "xwAAAIAy8bZ6R6FtJLJoAnVXfR3WuXxsss+WP1ugalWgBUK1vEYYqEDg/4VYgRylgWldM9qJ05XH8fImCYYZQ8AXv8F57jvZ3k/O"
    "UQS3CJmrMD20ILNmoCNBndxE99foAnxYAwU7Ysys+NuMFIfvtKPxa+Ly2jFmMzKVhk+6Uw7moIgF0g=="
)

SETUP = r"""
set -e
pub="$(cat /root/.ssh/authorized_keys)"
for u in bob carol dave erin frank grace hank ivy; do
  id "$u" >/dev/null 2>&1 || useradd -m -s /bin/bash "$u"
  install -d -m 700 -o "$u" -g "$u" /home/$u/.ssh
  printf '%s\n' "$pub" > /home/$u/.ssh/authorized_keys
  chown "$u:$u" /home/$u/.ssh/authorized_keys; chmod 600 /home/$u/.ssh/authorized_keys
done
# bob: root-owned 0600
chown root:root /home/bob/.ssh/authorized_keys
# carol: an RSA key and a DSA line only, and a Match block that accepts ed25519 signatures only
rm -f /tmp/carol_rsa /tmp/carol_rsa.pub; ssh-keygen -q -t rsa -b 2048 -N '' -f /tmp/carol_rsa
{ cat /tmp/carol_rsa.pub
  echo 'ssh-dss @DSA@ carol-dsa'
} > /home/carol/.ssh/authorized_keys
sed -i '/^Match User carol/,$d' /etc/ssh/sshd_config
printf '\nMatch User carol\n    PubkeyAcceptedKeyTypes ssh-ed25519\n' >> /etc/ssh/sshd_config
printf 'Match User frank\n    ChrootDirectory /srv/jail/%%u\n' >> /etc/ssh/sshd_config
# dave: from= that excludes the lab client
printf 'from="192.0.2.1,!10.88.*" %s\n' "$pub" > /home/dave/.ssh/authorized_keys
# erin: the account expired on 1970-01-03
chage -E 2 erin
# frank: the jail's parent is group-writable
mkdir -p /srv/jail/frank; chmod 0775 /srv/jail; chown root:root /srv/jail /srv/jail/frank
# grace: a .bashrc that talks before it tests for an interactive shell
grep -q Welcome /home/grace/.bashrc || sed -i '1i echo "Welcome, grace"' /home/grace/.bashrc
# hostile: hank's .bashrc floods (output must stay bounded), ivy's hangs (the run must time out)
grep -q '^yes' /home/hank/.bashrc || sed -i '1i yes flood' /home/hank/.bashrc
grep -q '^sleep' /home/ivy/.bashrc || sed -i '1i sleep 600' /home/ivy/.bashrc
systemctl restart ssh
"""


def pexec(container, script, check=True):
    res = subprocess.run(["podman", "exec", container, "/bin/sh", "-c", script], capture_output=True, text=True,
                         check=False)
    if check and res.returncode:
        raise SystemExit("%s: %s" % (container, res.stderr.strip()[-500:]))
    return res


def try_client(release, port, user, key="/lab/id_ed25519", extra=()):
    cmd = ["podman", "run", "--rm", "--network", "host", "--runtime", "runc", "-v", "%s:/lab:ro" % lab.LAB_DIR,
           lab.image_ref(release), "ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o",
           "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=15", "-i", key, *extra, "-p", str(port),
           "%s@127.0.0.1" % user, "true"]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return res.returncode, res.stderr.strip().splitlines()[-1:] if res.stderr.strip() else []


def try_sftp(release, port, user):
    cmd = ["podman", "run", "--rm", "-i", "--network", "host", "--runtime", "runc", "-v", "%s:/lab:ro" % lab.LAB_DIR,
           lab.image_ref(release), "sftp", "-b", "-", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o",
           "UserKnownHostsFile=/dev/null", "-i", "/lab/id_ed25519", "-P", str(port), "%s@127.0.0.1" % user]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False, input="pwd\n")
    return res.returncode, res.stderr.strip().splitlines()[-1:] if res.stderr.strip() else []


def run_facts(inventory):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(lab.ROOT / ".build" / "collections"),
               ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
               ANSIBLE_HOST_KEY_CHECKING="false")
    args = json.dumps({"clients": [CLIENT], "users": USERS, "log_lines": 40})
    res = subprocess.run([str(lab.ROOT / ".venv" / "bin" / "ansible"), "all", "-i", str(inventory), "-m",
                          "sshd.doctor.sshd_facts", "-a", args], capture_output=True, text=True, env=env, check=False)
    data = json.loads(res.stdout)
    return {host: result for play in data["plays"] for task in play["tasks"] for host, result in task["hosts"].items()}


def cmd_capture(fleet):
    hosts = json.loads(lab.fleet_file(fleet).read_text())["hosts"]
    for h in hosts:
        pexec(h["container"], SETUP.replace("@DSA@", DSA_BLOB))
        # the lab key in PEM form is not needed: carol's real client signs with her RSA key
        pexec(h["container"], "cp /tmp/carol_rsa /root/carol_rsa")
        lab.wait_banner(h["port"], 30)
        tried = {}
        # OpenSSH 9.8+ penalises a source address after failed authentications (PerSourcePenalties):
        # a pause between attempts keeps each client's outcome its own
        pause = 0 if h["release"] == "bullseye" else 16
        for user in USERS[:7]:
            tried[user] = try_client(h["release"], h["port"], user)
            time.sleep(pause if tried[user][0] else 0)
        # grace's login works; her sftp does not (the shell's greeting corrupts the protocol)
        tried["grace-sftp"] = try_sftp(h["release"], h["port"], "grace")
        time.sleep(pause)
        # carol with her RSA key, signing ssh-rsa (SHA-1) as old clients do
        key = subprocess.run(["podman", "exec", h["container"], "cat", "/tmp/carol_rsa"], capture_output=True,
                             text=True, check=True).stdout
        kpath = lab.LAB_DIR / fleet / "carol_rsa"
        kpath.write_text(key)
        kpath.chmod(0o600)
        tried["carol-ssh-rsa"] = try_client(h["release"], h["port"], "carol", "/lab/%s/carol_rsa" % fleet,
                                            ("-o", "PubkeyAcceptedKeyTypes=ssh-rsa" if h["release"] == "bullseye"
                                             else "PubkeyAcceptedAlgorithms=ssh-rsa"))
        time.sleep(1)
        journal = pexec(h["container"], "journalctl -u ssh -o short-iso --no-pager -q | tail -n 200").stdout
        OUT.joinpath(h["release"]).mkdir(parents=True, exist_ok=True)
        OUT.joinpath(h["release"], "journal.txt").write_text(journal)
        OUT.joinpath(h["release"], "clients.json").write_text(json.dumps(tried, indent=1, sort_keys=True) + "\n")
        print(h["release"], json.dumps(tried))
    results = run_facts(lab.LAB_DIR / fleet / "inventory-podman.yml")
    for h in hosts:
        res = results.get(h["name"]) or {}
        state = (res.get("ansible_facts") or {}).get("sshd")
        if not state:
            print("no facts from", h["name"], json.dumps(res)[:500])
            continue
        found = sorted({f["id"] for f in state.get("findings", [])})
        print(h["release"], "findings:", found)
        for key in ("findings", "checks", "elapsed_ms", "timings"):
            state.pop(key, None)
        OUT.joinpath(h["release"], "state.json").write_text(json.dumps(state, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "capture":
        sys.exit(__doc__)
    cmd_capture(sys.argv[2])
