# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real OpenSSH clients of three releases for the molecule verifiers.

One long-lived client container per lab release, with host networking, reaches the
platforms only through their ports published on 127.0.0.1.  8.4 (bullseye) runs legacy
scp by default; 9.2 (bookworm) and 10.0 (trixie) run scp over SFTP, `scp -O` forces legacy.
"""

import os
import subprocess
from pathlib import Path

REPO = Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", Path(__file__).resolve().parents[2])).resolve().parent
RELEASES = ("bullseye", "bookworm", "trixie")
SSH_OPTS = ["-i", "/lab/id_ed25519", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR"]


class Clients:
    def __init__(self, tag):
        self.names = {rel: f"sshd-doctor-{tag}-client-{rel}" for rel in RELEASES}

    def start(self):
        for rel, name in self.names.items():
            subprocess.run(["podman", "rm", "-f", "-t", "0", name], capture_output=True, check=False)
            subprocess.run(["podman", "run", "-d", "--rm", "--name", name, "--network", "host", "--runtime", "runc",
                            "-v", f"{REPO / '.lab'}:/lab:ro", f"localhost/sshd-doctor-lab:{rel}", "sleep", "1800"],
                           capture_output=True, check=True)
        return self

    def stop(self):
        for name in self.names.values():
            subprocess.run(["podman", "rm", "-f", "-t", "0", name], capture_output=True, check=False)

    def run(self, release, argv, timeout=40):
        """Run a client command in the release's client container: (rc, combined output)."""
        cmd = ["podman", "exec", self.names[release], "timeout", str(timeout - 5), *argv]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        return res.returncode, (res.stdout + res.stderr).strip()

    def ssh(self, release, port, user="root", command="true"):
        return self.run(release, ["ssh", *SSH_OPTS, "-p", str(port), f"{user}@127.0.0.1", command])

    def scp(self, release, port, user="root", legacy=False):
        """Copy the platform's /etc/hostname down; legacy=True adds -O (the client must know it)."""
        flags = ["-O"] if legacy else []
        return self.run(release, ["sh", "-c", 'd=$(mktemp -d) && scp "$@" "$d/" && cat "$d/hostname"', "scp",
                                  *flags, *SSH_OPTS, "-P", str(port), f"{user}@127.0.0.1:/etc/hostname"])

    def sftp(self, release, port, user="root"):
        return self.run(release, ["sh", "-c", 'echo "get /etc/hostname /tmp/sftp-got" | sftp -b - "$@" && cat /tmp/sftp-got',
                                  "sftp", *SSH_OPTS, "-P", str(port), f"{user}@127.0.0.1"])
