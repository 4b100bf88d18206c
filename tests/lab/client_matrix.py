# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client matrix: real SSH clients against real sshd of three releases and six crypto configs.

    client_matrix.py setup                 client venvs (paramiko, AsyncSSH), npm ssh2, client images, keys
    client_matrix.py capture [CLIENT...]   each client's real KEXINIT offer (tests/lab/client_offers.json)
    client_matrix.py supported             each release's `ssh -Q` lists (tests/lab/openssh_supported.json)
    client_matrix.py rsa-keys FLEET        JSch 0.1.55 with an RSA key against each stock release (rsa_key_cells)
    client_matrix.py docs                  docs/clients.md from the recorded matrix and the profiles
    client_matrix.py run FLEET [--subset] [--out FILE]
                                           every client x config x release: the real outcome, the server's
                                           journal line, and the verdict plugins/module_utils/_sshd/crypto.py
                                           computes from the server's `sshd -T` and host keys

FLEET is a lab fleet with one host per release (`lab.py up NAME bullseye:1,bookworm:1,trixie:1`).
Only 127.0.0.1 published ports are contacted.  The matrix is recorded in tests/lab/client_matrix.json;
tests/unit/.../test_client_matrix.py replays it against crypto.py.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / ".build" / "collections"))
LAB = ROOT / ".lab"
BUILD = ROOT / ".build" / "clients"
KEYS = LAB / "client-keys"
HERE = Path(__file__).resolve().parent
RELEASES = ("bullseye", "bookworm", "trixie")
LAB_IMAGE = "localhost/sshd-doctor-lab:%s"
CLIENT_IMAGE = "localhost/sshd-doctor-clients:%s"
EXTRA_IMAGE = "localhost/sshd-doctor-clients-extra:bookworm"
PYPI = {"paramiko_2.12": "paramiko==2.12.0", "paramiko_3.5": "paramiko==3.5.1", "paramiko_current": "paramiko",
        "asyncssh_2.14": "asyncssh==2.14.2", "asyncssh_current": "asyncssh"}
NPM = "ssh2"

# The six server crypto configurations; {pq} is the newest post-quantum kex of the release.
PQ_KEX = {"bullseye": "sntrup4591761x25519-sha512@tinyssh.org", "bookworm": "sntrup761x25519-sha512@openssh.com",
          "trixie": "mlkem768x25519-sha256"}
CONFIGS = {
    "stock": "",
    "hardened-modern": "KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org\n"
                       "Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com\n"
                       "MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com\n"
                       "HostKeyAlgorithms ssh-ed25519,rsa-sha2-512,rsa-sha2-256\n",
    "fips-like": "KexAlgorithms ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
                 "diffie-hellman-group14-sha256,diffie-hellman-group16-sha512\n"
                 "Ciphers aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes128-ctr\n"
                 "MACs hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512\n"
                 "HostKeyAlgorithms ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,rsa-sha2-512,rsa-sha2-256\n",
    "legacy-rsa-only": "HostKey /etc/ssh/ssh_host_rsa_key\nHostKeyAlgorithms ssh-rsa\n",
    "restricted-macs": "Ciphers aes128-ctr,aes192-ctr,aes256-ctr\n"
                       "MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com\n",
    "restricted-kex": "KexAlgorithms {pq}\n",
}
SUBSET = {"configs": ("stock", "legacy-rsa-only", "restricted-kex"), "releases": ("trixie",),
          "clients": ("openssh_8.4", "openssh_10.0", "putty_0.74", "dropbear_2020.81", "paramiko_2.12",
                      "asyncssh_current", "ssh2_current")}

_NEGOTIATE_RE = re.compile(r"Unable to negotiate with \S+ port \d+: no matching (key exchange method|host key type|"
                           r"cipher|MAC) found")
_LIST_OF = {"key exchange method": "kex", "host key type": "hostkey", "cipher": "ciphers", "MAC": "macs"}
SSH_OPTS = ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=20"]


def sh(cmd, check=False, timeout=120, input_text=None):
    return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=timeout, input=input_text)


def podman_client(image, argv):
    return ["podman", "run", "--rm", "--network", "host", "--runtime", "runc", "-v", "%s:/k:ro" % KEYS, image] + argv


def clients():
    """client name -> (profile name in client_profiles, argv template with {port} {fp})."""
    out = {}
    for rel, ver in (("bullseye", "8.4"), ("bookworm", "9.2"), ("trixie", "10.0")):
        argv = ["ssh", *SSH_OPTS, "-i", "/k/id_ed25519", "-p", "{port}", "root@127.0.0.1", "true"]
        out["openssh_" + ver] = podman_client(LAB_IMAGE % rel, argv)
    for rel, ver in (("bullseye", "0.74"), ("bookworm", "0.78"), ("trixie", "0.83")):
        out["putty_" + ver] = podman_client(CLIENT_IMAGE % rel, ["plink", "-batch", "-ssh", "-P", "{port}", "-i",
                                                                 "/k/id.ppk", "{hostkeys}", "root@127.0.0.1", "true"])
    for rel, ver in (("bullseye", "2020.81"), ("bookworm", "2022.83"), ("trixie", "2025.89")):
        out["dropbear_" + ver] = podman_client(CLIENT_IMAGE % rel, ["dbclient", "-y", "-y", "-i", "/k/id_dropbear",
                                                                    "-p", "{port}", "root@127.0.0.1", "true"])
    for name in ("paramiko_2.12", "paramiko_3.5", "paramiko_current"):
        out[name] = [str(BUILD / name / "bin" / "python"), str(HERE / "clients" / "paramiko_client.py"),
                     "127.0.0.1", "{port}", "root", str(KEYS / "id_ed25519")]
    for name in ("asyncssh_2.14", "asyncssh_current"):
        out[name] = [str(BUILD / name / "bin" / "python"), str(HERE / "clients" / "asyncssh_client.py"),
                     "127.0.0.1", "{port}", "root", str(KEYS / "id_ed25519")]
    jsch = ["java", "-cp", "/usr/share/java/jsch.jar:/opt/clients", "JschClient", "127.0.0.1", "{port}", "root",
            "/k/id_ecdsa_pem"]
    out["jsch_0.1.55"] = podman_client(EXTRA_IMAGE, jsch)
    out["go_xcrypto_0.4"] = podman_client(EXTRA_IMAGE, ["/opt/clients/goclient", "127.0.0.1", "{port}", "root", "/k/id_ed25519"])
    out["ssh2_current"] = ["env", "NODE_PATH=%s" % (BUILD / "node" / "node_modules"), "node",
                           str(HERE / "clients" / "ssh2_client.js"), "127.0.0.1", "{port}", "root",
                           str(KEYS / "id_ed25519")]
    return out


def cmd_setup(args):
    """Client venvs, npm's ssh2, client images and keys; with --subset only what the subset's
    clients need (no JDK/Go image, the bullseye client image for PuTTY 0.74 and Dropbear 2020.81)."""
    subset = getattr(args, "subset", False)
    BUILD.mkdir(parents=True, exist_ok=True)
    for name, spec in PYPI.items():
        if subset and name not in SUBSET["clients"]:
            continue
        venv = BUILD / name
        if not (venv / ".done").exists():
            sh([sys.executable, "-m", "venv", str(venv)], check=True)
            sh([str(venv / "bin" / "pip"), "install", "-q", spec], check=True, timeout=600)
            (venv / ".done").write_text(spec + "\n")
    node = BUILD / "node"
    if not (node / "node_modules" / "ssh2").exists():
        node.mkdir(parents=True, exist_ok=True)
        sh(["npm", "install", "--prefix", str(node), "--no-audit", "--no-fund", NPM], check=True, timeout=600)
    for rel in ("bullseye",) if subset else RELEASES:
        if sh(["podman", "image", "exists", CLIENT_IMAGE % rel]).returncode != 0:
            sh(["podman", "build", "-q", "--runtime", "runc", "--build-arg", "RELEASE=%s" % rel, "-t", CLIENT_IMAGE % rel,
                "-f", str(HERE / "clients" / "Containerfile"), str(HERE / "clients")], check=True, timeout=900)
    KEYS.mkdir(parents=True, exist_ok=True)
    src = LAB / "id_ed25519"
    if not (KEYS / "id_ed25519").exists():
        (KEYS / "id_ed25519").write_bytes(src.read_bytes())
        (KEYS / "id_ed25519").chmod(0o600)
        (KEYS / "id_ed25519.pub").write_bytes((LAB / "id_ed25519.pub").read_bytes())
    if not subset and sh(["podman", "image", "exists", EXTRA_IMAGE]).returncode != 0:
        sh(["podman", "build", "-q", "--runtime", "runc", "-t", EXTRA_IMAGE, "-f",
            str(HERE / "clients" / "extra" / "Containerfile"), str(HERE / "clients" / "extra")], check=True, timeout=1800)
    if not (KEYS / "id_ecdsa_pem").exists():
        # JSch 0.1.55 reads neither ed25519 keys nor the OpenSSH key format: an ECDSA key in PEM
        sh(["ssh-keygen", "-q", "-t", "ecdsa", "-m", "PEM", "-N", "", "-C", "sshd-doctor-jsch",
            "-f", str(KEYS / "id_ecdsa_pem")], check=True)
    if not (KEYS / "id.ppk").exists():
        # the oldest puttygen writes PPK v2, which every PuTTY of the matrix reads
        res = sh(podman_client(CLIENT_IMAGE % "bullseye", ["sh", "-c", "puttygen /k/id_ed25519 -O private -o /tmp/id.ppk"
                                                           " && cat /tmp/id.ppk"]), check=True)
        (KEYS / "id.ppk").write_text(res.stdout)
    if not (KEYS / "id_dropbear").exists():
        res = sh(podman_client(CLIENT_IMAGE % "bullseye", ["sh", "-c", "dropbearconvert openssh dropbear /k/id_ed25519 "
                                                           "/tmp/k >/dev/null 2>&1 && base64 /tmp/k"]), check=True)
        import base64
        (KEYS / "id_dropbear").write_bytes(base64.b64decode(res.stdout))
    for f in KEYS.iterdir():
        f.chmod(0o644 if f.name.endswith(".pub") else 0o600)
    print("setup done")


def cmd_capture(args):
    sys.path.insert(0, str(HERE))
    import kexinit_capture  # noqa: E402 pylint: disable=import-outside-toplevel
    out_path = HERE / "client_offers.json"
    offers = json.loads(out_path.read_text()) if out_path.exists() else {}
    port = int(os.environ.get("SSHD_DOCTOR_LAB_PORT", "23600")) + 50
    for name, argv in clients().items():
        if args.clients and name not in args.clients:
            continue
        res = kexinit_capture.capture(port, [a.replace("{hostkeys}", "-noagent") for a in argv])
        print(name, res.get("banner"), res.get("error", ""))
        if "kex" in res:
            offers[name] = res
    out_path.write_text(json.dumps(offers, indent=1, sort_keys=True) + "\n")


def cmd_supported(_args):
    """What each release's OpenSSH can enable at all (`ssh -Q`), for client_profiles.OPENSSH_SUPPORTED."""
    out = {}
    for rel, ver in (("bullseye", "8.4"), ("bookworm", "9.2"), ("trixie", "10.0")):
        lists = {}
        for name, query in (("kex", "kex"), ("ciphers", "cipher"), ("macs", "mac"), ("hostkey", "key-sig"),
                            ("pubkey", "key-sig")):
            res = sh(["podman", "run", "--rm", "--runtime", "runc", LAB_IMAGE % rel, "ssh", "-Q", query], check=True)
            lists[name] = res.stdout.split()
        out[ver] = lists
    (HERE / "openssh_supported.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print("wrote tests/lab/openssh_supported.json")


def fleet_hosts(fleet):
    data = json.loads((LAB / fleet / "fleet.json").read_text())
    return {h["release"]: h for h in data["hosts"]}


def pexec(container, script, check=True):
    return sh(["podman", "exec", container, "/bin/sh", "-c", script], check=check)


def apply_config(host, name):
    text = CONFIGS[name].replace("{pq}", PQ_KEX[host["release"]])
    c = host["container"]
    pexec(c, "cat > /etc/ssh/sshd_config.d/00-matrix.conf", check=False)
    sh(["podman", "exec", "-i", c, "/bin/sh", "-c", "cat > /etc/ssh/sshd_config.d/00-matrix.conf"], check=True,
       input_text=text)
    # root's keys: the lab key (every client but JSch) and the PEM ECDSA key JSch 0.1.55 can read
    keys_text = "".join((KEYS / n).read_text().strip() + "\n" for n in ("id_ed25519.pub", "id_ecdsa_pem.pub"))
    sh(["podman", "exec", "-i", c, "/bin/sh", "-c", "cat > /root/.ssh/authorized_keys"], check=True, input_text=keys_text)
    pexec(c, "sshd -t && systemctl restart ssh")
    for _i in range(50):
        if pexec(c, "systemctl is-active ssh", check=False).stdout.strip() == "active":
            break
        time.sleep(0.2)
    time.sleep(0.5)
    dump = pexec(c, "sshd -T").stdout
    keys = []
    for line in pexec(c, "for k in $(sshd -T | awk '$1==\"hostkey\"{print $2}'); do "
                         "printf '%s %s\\n' \"$k\" \"$(cut -d' ' -f1 \"$k.pub\" 2>/dev/null)\"; done").stdout.splitlines():
        path, _sp, ktype = line.partition(" ")
        keys.append({"path": path, "type": ktype or None, "loadable": True})
    md5 = pexec(c, "for k in $(sshd -T | awk '$1==\"hostkey\"{print $2}'); do ssh-keygen -E md5 -lf \"$k.pub\"; done"
                ).stdout.split()
    fps = [w[4:] for w in md5 if w.startswith("MD5:")]
    return text, dump, keys, fps


def journal_count(container):
    return int(pexec(container, "journalctl -u ssh -o cat --no-pager -q | wc -l").stdout.strip() or 0)


def journal_since(container, start):
    out = pexec(container, "journalctl -u ssh -o cat --no-pager -q | tail -n +%d" % (start + 1)).stdout
    return [line for line in out.splitlines() if line.strip()]


def computed(dump, keys, release_version, profile):
    from ansible_collections.sshd.doctor.plugins.module_utils._sshd import config as sshd_config
    from ansible_collections.sshd.doctor.plugins.module_utils._sshd import crypto
    eff = sshd_config.parse_sshd_T(dump)
    rows = crypto.compatibility(eff, keys, [profile], sshd_config.version_tuple(release_version))
    return rows[0]


def cmd_run(args):
    hosts = fleet_hosts(args.fleet)
    all_clients = clients()
    versions = {"bullseye": "8.4p1", "bookworm": "9.2p1", "trixie": "10.0p2"}
    cells = []
    started = time.monotonic()
    configs = SUBSET["configs"] if args.subset else tuple(CONFIGS)
    releases = SUBSET["releases"] if args.subset else RELEASES
    names = SUBSET["clients"] if args.subset else tuple(all_clients)
    if args.clients:
        names = tuple(args.clients.split(","))
    for rel in releases:
        host = hosts[rel]
        for cname in configs:
            text, dump, keys, fps = apply_config(host, cname)
            for client in names:
                argv = []
                for a in all_clients[client]:
                    if a == "{hostkeys}":
                        for fp in fps:
                            argv += ["-hostkey", fp]
                    else:
                        argv.append(a.replace("{port}", str(host["port"])))
                start = journal_count(host["container"])
                t0 = time.monotonic()
                try:
                    res = sh(argv, timeout=90)
                    rc, err = res.returncode, (res.stderr or "") + (res.stdout or "")
                    err = err.replace(str(ROOT), ".")  # no path of this machine in the record
                except subprocess.TimeoutExpired:
                    rc, err = 124, "timeout"
                took = round(time.monotonic() - t0, 2)
                time.sleep(0.3)
                log = journal_since(host["container"], start)
                neg = [line for line in log if _NEGOTIATE_RE.search(line)]
                real_failed = _LIST_OF[_NEGOTIATE_RE.search(neg[0]).group(1)] if neg else None
                comp = computed(dump, keys, versions[rel], client)
                cell = {"release": rel, "server": versions[rel], "config": cname, "client": client,
                        "real_ok": rc == 0, "real_rc": rc, "real_failed": real_failed,
                        "client_error": [x for x in err.strip().splitlines() if x.strip()][-3:],
                        "server_log": neg[:1], "computed_ok": comp["ok"], "computed_failed": comp.get("failed"),
                        "fix": (comp.get("fix") or {}).get("line"), "seconds": took}
                cell["agree"] = cell["real_ok"] == cell["computed_ok"] and (
                    cell["real_ok"] or cell["real_failed"] is None or cell["real_failed"] == cell["computed_failed"])
                cells.append(cell)
                print("%-8s %-16s %-18s real=%-5s/%-8s computed=%-5s/%-8s %s" % (
                    rel, cname, client, cell["real_ok"], real_failed, comp["ok"], comp.get("failed"),
                    "" if cell["agree"] else "DISAGREE " + " | ".join(cell["client_error"])), flush=True)
            cells_cfg = {"release": rel, "config": cname, "sshd_config_d": text, "host_keys": keys,
                         "sshd_T": dump}
            args.servers.append(cells_cfg)
        apply_config(host, "stock")
    if args.merge and args.out and Path(args.out).exists():
        # keep the recorded cells of the other clients; replace those of the clients run now
        old = json.loads(Path(args.out).read_text())
        cells = [c for c in old["cells"] if c["client"] not in names] + cells
        started -= old.get("seconds", 0)
    result = {"generated_by": "tests/lab/client_matrix.py run%s" % (" --subset" if args.subset else ""),
              "seconds": round(time.monotonic() - started), "servers": args.servers, "cells": cells,
              "agree": sum(c["agree"] for c in cells), "total": len(cells)}
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    print("agree %d/%d in %ds" % (result["agree"], result["total"], result["seconds"]))
    return 0 if result["agree"] == result["total"] else 1


DOC_HEAD = """# Client compatibility

`sshd_facts` computes, from a host's effective `KexAlgorithms`, `HostKeyAlgorithms` (and the
host keys that really load), `Ciphers`, `MACs` and `PubkeyAcceptedAlgorithms`, which SSH
clients can connect, and for each that cannot, the list it fails on and the one line that
would admit it (finding `client_algorithms_incompatible`, see [findings.md](findings.md)).
The module option `client_profiles` names the clients a fleet must serve (default:
`openssh`, `putty`, `paramiko`, the newest of each family).

The client data is `plugins/module_utils/_sshd/client_profiles.py`. Rows marked *captured*
are the real KEXINIT offers of the clients the lab runs (`python3 tests/lab/client_matrix.py
capture`, kept in `tests/lab/client_offers.json`, checked against the module by a unit
test); rows marked *source* are read from the client's source or release notes named there.

## The matrix: computed against real

`make matrix` (about %(minutes)d minutes on the lab machine) runs every client below against
real sshd of Debian 11 (OpenSSH 8.4p1), 12 (9.2p1) and 13 (10.0p2) under six crypto
configurations, records what each real client did and what sshd logged, and compares it with
the verdict `crypto.py` computes from that server's `sshd -T` and host keys. Recorded in
`tests/lab/client_matrix.json`; `tests/unit/plugins/module_utils/_sshd/test_crypto.py`
replays every cell (and checks that each proposed line really admits the client on its
list). A subset runs in about a minute: `python3 tests/lab/client_matrix.py run FLEET --subset`.

Result of the recorded run: **%(agree)d of %(total)d cells agree**.

Configurations (a drop-in `/etc/ssh/sshd_config.d/00-matrix.conf`):

%(configs)s

Cells: `ok` the client logged in and ran `true`; otherwise the list sshd named in its
`Unable to negotiate ... no matching X found` line. A cell that disagreed would be marked `!`.
"""


LIMITS = """## Limits

- A verdict is about algorithm negotiation and, for the `pubkey` list, whether the client can
  sign with any algorithm the server accepts. Which key a user really holds is judged per
  user (`user_key_type_rejected`); the matrix's clients log in with an ed25519 key (JSch 0.1.55
  with an ECDSA key in PEM form: it reads neither ed25519 nor the OpenSSH key format).
- Client-side policy beyond the offer is not modelled: PuTTY's warning thresholds (in
  `-batch` mode PuTTY refuses an algorithm below its warning line), host certificates,
  GSSAPI key exchange, a client configured away from its defaults.
- *source* rows (OpenSSH 7.4, 8.8, 9.6, the maintained JSch fork, current Go x/crypto,
  libssh) are read from code and release notes, not captured; the matrix proves the
  computation, the captured rows prove the data of the clients the lab runs.
- OpenSSH 9.8 and later penalise a source address after failed logins (PerSourcePenalties):
  many failing clients from one address in a row can be dropped before negotiation. The
  matrix's clients all come from one address; a cell whose client was dropped that way would
  show as a disagreement. None did in the recorded run.
"""


def cmd_docs(_args):
    sys.path.insert(0, str(ROOT / ".build" / "collections"))
    from ansible_collections.sshd.doctor.plugins.module_utils._sshd import client_profiles
    data = json.loads((HERE / "client_matrix.json").read_text())
    configs = "\n".join("- `%s`: %s" % (name, "; ".join("`%s`" % x for x in text.strip().splitlines()) or "Debian's default")
                        for name, text in CONFIGS.items())
    out = [DOC_HEAD % {"minutes": max(1, round(data["seconds"] / 60)), "agree": data["agree"], "total": data["total"],
                       "configs": configs}]
    rels = [r for r in RELEASES if any(c["release"] == r for c in data["cells"])]
    for rel in rels:
        cells = [c for c in data["cells"] if c["release"] == rel]
        cfgs = [c for c in CONFIGS if any(x["config"] == c for x in cells)]
        out.append("\n### Server %s (%s)\n" % (cells[0]["server"], rel))
        out.append("| client | " + " | ".join(cfgs) + " |")
        out.append("|---" * (len(cfgs) + 1) + "|")
        for client in dict.fromkeys(c["client"] for c in cells):
            row = []
            for cfg in cfgs:
                cell = next((c for c in cells if c["client"] == client and c["config"] == cfg), None)
                if cell is None:
                    row.append("")
                    continue
                text = "ok" if cell["real_ok"] else (cell["real_failed"] or cell["computed_failed"] or "fail")
                row.append(text + ("" if cell["agree"] else " !"))
            out.append("| %s | %s |" % (client_profiles.PROFILES[client]["label"], " | ".join(row)))
    out.append("\n## Proposed lines seen in the matrix\n")
    seen = {}
    for c in data["cells"]:
        if c.get("fix"):
            seen.setdefault((c["release"], c["config"], c["fix"]), []).append(client_profiles.PROFILES[c["client"]]["label"])
    out.append("| server | config | line | admits |")
    out.append("|---|---|---|---|")
    for (rel, cfg, fix), who in sorted(seen.items()):
        out.append("| %s | %s | `%s` | %s |" % (rel, cfg, fix, ", ".join(who)))
    out.append("\n## Profiles\n")
    out.append("| profile | client | row from | source |")
    out.append("|---|---|---|---|")
    for name, prof in sorted(client_profiles.PROFILES.items(), key=lambda kv: (kv[1]["family"], kv[0])):
        out.append("| `%s` | %s | %s | %s |" % (name, prof["label"], prof["verified"], prof["source"].split(": ", 1)[1]))
    out.append("\nFamily aliases for `client_profiles`: " + ", ".join(
        "`%s` = `%s`" % kv for kv in client_profiles.ALIASES.items()) + ".\n")
    out.append(LIMITS)
    (ROOT / "docs" / "clients.md").write_text("\n".join(out))
    print("wrote docs/clients.md")


def cmd_rsa_keys(args):
    """JSch 0.1.55 with an RSA key (PEM) against each release's stock sshd: it negotiates, and then
    its SHA-1 `ssh-rsa` signature is refused from 8.8 on.  Recorded as ``rsa_key_cells``."""
    hosts = fleet_hosts(args.fleet)
    key = KEYS / "id_rsa_pem"
    if not key.exists():
        sh(["ssh-keygen", "-q", "-t", "rsa", "-b", "3072", "-m", "PEM", "-N", "", "-C", "sshd-doctor-jsch-rsa",
            "-f", str(key)], check=True)
        key.chmod(0o600)
    out_path = HERE / "client_matrix.json"
    data = json.loads(out_path.read_text())
    cells = []
    versions = {"bullseye": "8.4p1", "bookworm": "9.2p1", "trixie": "10.0p2"}
    for rel in RELEASES:
        host = hosts[rel]
        _text, dump, keys, _fps = apply_config(host, "stock")
        pub = key.with_suffix(".pub").read_text().strip()
        pexec(host["container"], "printf '%%s\\n' '%s' >> /root/.ssh/authorized_keys" % pub)
        start = journal_count(host["container"])
        res = sh(podman_client(EXTRA_IMAGE, ["java", "-cp", "/usr/share/java/jsch.jar:/opt/clients", "JschClient",
                                             "127.0.0.1", str(host["port"]), "root", "/k/id_rsa_pem"]), timeout=90)
        time.sleep(0.5)
        log = [line for line in journal_since(host["container"], start) if "userauth_pubkey" in line or "negotiate" in line]
        comp = computed(dump, keys, versions[rel], "jsch_0.1.55")
        cells.append({"release": rel, "server": versions[rel], "config": "stock", "client": "jsch_0.1.55", "key": "rsa",
                      "real_ok": res.returncode == 0, "client_error": res.stderr.strip().splitlines()[-1:],
                      "server_log": log[:2], "computed_negotiates": comp["ok"], "computed_note": comp.get("note")})
        print(rel, cells[-1]["real_ok"], comp.get("note"), log[:1])
    data["rsa_key_cells"] = cells
    out_path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def main(argv=None):
    p = argparse.ArgumentParser(prog="client_matrix.py", description=__doc__.split("\n\n", maxsplit=1)[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    st = sub.add_parser("setup")
    st.add_argument("--subset", action="store_true", help="only what the make test subset needs")
    st.set_defaults(func=cmd_setup)
    sub.add_parser("docs").set_defaults(func=cmd_docs)
    sub.add_parser("supported").set_defaults(func=cmd_supported)
    k = sub.add_parser("rsa-keys")
    k.add_argument("fleet")
    k.set_defaults(func=cmd_rsa_keys)
    c = sub.add_parser("capture")
    c.add_argument("clients", nargs="*")
    c.set_defaults(func=cmd_capture)
    r = sub.add_parser("run")
    r.add_argument("fleet")
    r.add_argument("--subset", action="store_true")
    r.add_argument("--out")
    r.add_argument("--clients", help="comma-separated subset of the clients")
    r.add_argument("--merge", action="store_true", help="replace only these clients' cells in --out")
    r.set_defaults(func=cmd_run, servers=[])
    args = p.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
