"""The sshd.doctor lab: real Debian hosts with real OpenSSH and systemd, in podman.

Sub-commands (``python3 tests/lab/lab.py --help``):

  setup                 install podman, runc and debootstrap when missing; configure podman
  build [RELEASE ...]   build the host images once (cached by recipe hash)
  up    NAME SPEC       start a fleet, e.g. ``up demo bullseye:2,bookworm:2,trixie:2``
  down  NAME            remove a fleet's containers
  inject HOST FAULT     put a lab host into a fault state of docs/findings.md
  faults                list the faults that can be injected
  demo-faults NAME      inject the three classic faults across a fleet, healthy hosts between
  client RELEASE -- CMD run a command in a throwaway client container of RELEASE
                        with host networking (it reaches the 127.0.0.1 ports)

Every host is reached only through a port published on 127.0.0.1.  The state of a
fleet (its inventory, the lab key pair) lives under ``.lab/`` of the checkout.
"""

import argparse
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import layouts  # noqa: E402  pylint: disable=wrong-import-position,import-error

ROOT = Path(__file__).resolve().parents[2]
LAB_DIR = Path(os.environ.get("SSHD_DOCTOR_LAB_DIR", ROOT / ".lab"))
IMAGE = "localhost/sshd-doctor-lab"
RELEASES = {"bullseye": "8.4p1", "bookworm": "9.2p1", "trixie": "10.0p2"}
PACKAGES = [
    "systemd", "systemd-sysv", "dbus", "openssh-server", "openssh-client", "openssh-sftp-server",
    "python3", "procps", "iproute2", "passwd", "sudo",
]
BASE_PORT = int(os.environ.get("SSHD_DOCTOR_LAB_PORT", "22200"))
CONTAINERS_CONF = Path("/etc/containers/containers.conf")
CONTAINERS_CONF_TEXT = """\
# Written by the sshd.doctor lab: crun refuses the hybrid cgroup layout of these
# machines, and podman's default ulimits exceed the hard limits here.
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
runtime = "runc"
"""

# Commands run inside the image root after debootstrap (chroot).
CUSTOMIZE = r"""
set -eu
useradd --create-home --shell /bin/bash alice
install -d -m 0700 -o root -g root /root/.ssh
install -d -m 0700 -o alice -g alice /home/alice/.ssh
passwd -d root >/dev/null
# Containers have no consoles, udev or hardware clocks: keep PID 1's job list short.
for u in getty@tty1.service console-getty.service systemd-udevd.service systemd-timesyncd.service \
         apt-daily.timer apt-daily-upgrade.timer e2scrub_reap.service; do
  ln -sf /dev/null "/etc/systemd/system/$u"
done
systemctl enable ssh.service >/dev/null 2>&1 || true
: > /etc/machine-id
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
"""


def log(msg):
    print(f"[lab] {msg}", flush=True)


def run(cmd, check=True, capture=False, input_text=None, quiet=False):
    if not quiet:
        log("$ " + " ".join(str(c) for c in cmd))
    res = subprocess.run(
        [str(c) for c in cmd], check=False, text=True, input=input_text,
        stdout=subprocess.PIPE if capture else None, stderr=subprocess.PIPE if capture else None,
    )
    if check and res.returncode != 0:
        err = (res.stderr or "").strip() if capture else ""
        raise SystemExit(f"[lab] command failed ({res.returncode}): {' '.join(map(str, cmd))}\n{err}")
    return res


def recipe_hash():
    h = hashlib.sha256()
    h.update(" ".join(PACKAGES).encode())
    h.update(CUSTOMIZE.encode())
    return h.hexdigest()[:12]


# ---------------------------------------------------------------- setup / build


def cmd_setup(_args=None):
    missing = [p for p, b in (("podman", "podman"), ("runc", "runc"), ("debootstrap", "debootstrap"))
               if shutil.which(b) is None]
    if missing:
        if os.geteuid() != 0:
            raise SystemExit(f"[lab] missing {' '.join(missing)}; install them as root")
        log(f"installing {' '.join(missing)} with apt")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "podman", "runc", "debootstrap", "uidmap"],
                       check=True, env=env)
    # Every systemd container takes inotify instances; the default 128 per user runs out after
    # a few dozen hosts and new ones hang at boot ("Failed to create inotify object").
    inotify = Path("/proc/sys/fs/inotify/max_user_instances")
    if inotify.exists() and int(inotify.read_text()) < 1024:
        if os.geteuid() == 0:
            log("raising fs.inotify.max_user_instances to 1024 (systemd in every lab host needs some)")
            inotify.write_text("1024\n")
        else:
            log("warning: fs.inotify.max_user_instances is below 1024; hosts may stall at boot"
                " (sysctl -w fs.inotify.max_user_instances=1024)")
    if not CONTAINERS_CONF.exists():
        log(f"writing {CONTAINERS_CONF} (runtime runc, ulimits within the hard limits)")
        CONTAINERS_CONF.parent.mkdir(parents=True, exist_ok=True)
        CONTAINERS_CONF.write_text(CONTAINERS_CONF_TEXT)
    elif "runc" not in CONTAINERS_CONF.read_text():
        log(f"note: {CONTAINERS_CONF} exists and does not name runc; the lab passes --runtime runc itself")
    LAB_DIR.mkdir(parents=True, exist_ok=True)
    key = LAB_DIR / "id_ed25519"
    if not key.exists():
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "sshd-doctor-lab", "-f", key])
    return 0


def image_ref(release):
    return f"{IMAGE}:{release}"


def image_recipe(release):
    res = run(["podman", "image", "inspect", "--format", '{{ index .Labels "sshd-doctor.recipe" }}',
               image_ref(release)], check=False, capture=True, quiet=True)
    return res.stdout.strip() if res.returncode == 0 else None


def build_one(release, workdir):
    root = Path(workdir) / f"{release}-root"
    t0 = time.monotonic()
    log(f"{release}: debootstrap (minbase + {len(PACKAGES)} packages) ...")
    res = subprocess.run(
        ["debootstrap", "--variant=minbase", "--include=" + ",".join(PACKAGES), release, str(root)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False,
    )
    if res.returncode != 0:
        tail = "\n".join(res.stdout.splitlines()[-20:])
        raise SystemExit(f"[lab] debootstrap {release} failed:\n{tail}")
    log(f"{release}: debootstrap done in {time.monotonic() - t0:.0f}s; customizing")
    run(["chroot", root, "/bin/sh", "-c", CUSTOMIZE], quiet=True)
    log(f"{release}: importing into podman as {image_ref(release)}")
    tar = subprocess.Popen(["tar", "--numeric-owner", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
    imp = subprocess.run(
        ["podman", "import", "--change", 'CMD ["/sbin/init"]', "--change", "STOPSIGNAL SIGRTMIN+3",
         "--change", f"LABEL sshd-doctor.recipe={recipe_hash()}",
         "--change", f"LABEL sshd-doctor.release={release}", "-", image_ref(release)],
        stdin=tar.stdout, stdout=subprocess.DEVNULL, check=False,
    )
    tar.wait()
    if imp.returncode != 0 or tar.returncode != 0:
        raise SystemExit(f"[lab] podman import of {release} failed")
    shutil.rmtree(root, ignore_errors=True)
    log(f"{release}: built in {time.monotonic() - t0:.0f}s")


def version(release):
    """The OpenSSH version of a Debian release or of a layout (tests/lab/layouts.py)."""
    return RELEASES.get(release) or layouts.LAYOUTS[release]["version"]


def build_layouts(args, names):
    """Build the layout images NAMES (and what else ARGS names), their base images first when missing."""
    others = [rel for rel in args.releases if rel not in names]
    if others:
        cmd_build(argparse.Namespace(releases=others, force=args.force, serial=args.serial))
    bases = sorted({layouts.LAYOUTS[n]["base"] for n in names} - set(others))
    cmd_build(argparse.Namespace(releases=bases, force=False, serial=args.serial))
    for name in names:
        base_recipe = image_recipe(layouts.LAYOUTS[name]["base"])
        want = layouts.recipe_hash(name, base_recipe)
        if image_recipe(name) == want and not args.force:
            log(f"{name}: image {image_ref(name)} is current (recipe {want}), skipping")
        else:
            layouts.build(name, base_recipe, no_cache=args.force)
    return 0


def cmd_build(args):
    cmd_setup()
    named = [rel for rel in args.releases or [] if rel in layouts.LAYOUTS]
    if named:
        return build_layouts(args, named)
    releases = args.releases or list(RELEASES)
    todo = []
    for rel in releases:
        if rel not in RELEASES:
            raise SystemExit(f"[lab] unknown release {rel!r}; choose from {', '.join([*RELEASES, *layouts.LAYOUTS])}")
        if image_recipe(rel) == recipe_hash() and not args.force:
            log(f"{rel}: image {image_ref(rel)} is current (recipe {recipe_hash()}), skipping")
        else:
            todo.append(rel)
    if not todo:
        return 0
    work = Path(os.environ.get("SSHD_DOCTOR_LAB_BUILD", "/var/tmp/sshd-doctor-lab-build"))
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        if args.serial or len(todo) == 1:
            for rel in todo:
                build_one(rel, tmp)
        else:
            # debootstrap is download bound: build the releases side by side.
            procs = {rel: subprocess.Popen([sys.executable, __file__, "_build_one", rel, tmp]) for rel in todo}
            failed = [rel for rel, p in procs.items() if p.wait() != 0]
            if failed:
                raise SystemExit(f"[lab] build failed for {', '.join(failed)}")
    return 0


# ---------------------------------------------------------------- fleets


def fleet_file(name):
    return LAB_DIR / name / "fleet.json"


def parse_spec(spec):
    out = []
    for part in spec.split(","):
        rel, _sep, count = part.partition(":")
        rel = rel.strip()
        if rel not in RELEASES and rel not in layouts.LAYOUTS:
            raise SystemExit(f"[lab] unknown release {rel!r} in {spec!r}")
        out.append((rel, int(count or 1)))
    total = sum(c for _rel, c in out)
    if not 1 <= total <= 50:
        raise SystemExit(f"[lab] a fleet has 1 to 50 hosts, not {total}")
    return out


def used_ports():
    ports = set()
    for f in LAB_DIR.glob("*/fleet.json"):
        ports.update(h["port"] for h in json.loads(f.read_text())["hosts"])
    return ports


def free_port(start, taken):
    port = start
    while True:
        if port not in taken:
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                    return port
                except OSError:
                    pass
        port += 1


def wait_banner(port, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.settimeout(3)
                if s.recv(64).startswith(b"SSH-"):
                    return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def podman_exec(container, script, check=True, quiet=True):
    return run(["podman", "exec", container, "/bin/sh", "-c", script], check=check, capture=True, quiet=quiet)


def write_inventory(name, hosts):
    d = LAB_DIR / name
    key = LAB_DIR / "id_ed25519"
    lines = ["---", "# Written by tests/lab/lab.py: lab hosts reached through 127.0.0.1 only.", "all:",
             "  vars:", "    ansible_user: root", f"    ansible_ssh_private_key_file: {key}",
             "    ansible_ssh_common_args: >-", "      -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
             "      -o LogLevel=ERROR -o ConnectTimeout=10", "    ansible_python_interpreter: /usr/bin/python3",
             f"    lab_key: {key}", f"    lab_fleet: {name}", "  children:"]
    by_rel = {}
    for h in hosts:
        by_rel.setdefault(h["release"], []).append(h)
    for rel, members in by_rel.items():
        lines += [f"    {rel.replace('-', '_')}:", "      hosts:"]
        for h in members:
            lines += [f"        {h['name']}:", "          ansible_host: 127.0.0.1", f"          ansible_port: {h['port']}",
                      f"          lab_container: {h['container']}", f"          lab_release: {rel}"]
    (d / "inventory.yml").write_text("\n".join(lines) + "\n")
    # The same hosts over `podman exec`: the management channel that works when sshd is down.
    plines = ["---", "# Written by tests/lab/lab.py: the same hosts over podman exec.", "all:", "  vars:",
              "    ansible_connection: containers.podman.podman", "    ansible_python_interpreter: /usr/bin/python3",
              f"    lab_key: {key}", f"    lab_fleet: {name}", "  children:"]
    for rel, members in by_rel.items():
        plines += [f"    {rel.replace('-', '_')}:", "      hosts:"]
        for h in members:
            plines += [f"        {h['name']}:", f"          ansible_host: {h['container']}",
                       f"          lab_ssh_port: {h['port']}", f"          lab_container: {h['container']}",
                       f"          lab_release: {rel}"]
    (d / "inventory-podman.yml").write_text("\n".join(plines) + "\n")


def cmd_up(args):
    cmd_setup()
    spec = parse_spec(args.spec)
    missing = [rel for rel, _count in spec if image_recipe(rel) is None]
    if missing:
        cmd_build(argparse.Namespace(releases=sorted(set(missing)), force=False, serial=False))
    if fleet_file(args.name).exists():
        cmd_down(argparse.Namespace(name=args.name))
    (LAB_DIR / args.name).mkdir(parents=True, exist_ok=True)
    pub = (LAB_DIR / "id_ed25519.pub").read_text()
    taken = used_ports()
    hosts = []
    port = args.port or BASE_PORT
    for rel, count in spec:
        for i in range(1, count + 1):
            port = free_port(port, taken)
            taken.add(port)
            hname = f"{args.name}-{rel}-{i}"
            container = f"sshd-doctor-{hname}"
            for _attempt in range(20):
                run(["podman", "rm", "-f", "-t", "0", container], check=False, capture=True, quiet=True)
                res = run(["podman", "run", "-d", "--name", container, "--hostname", hname, "--systemd=always",
                           "--runtime", "runc", "--label", f"sshd-doctor.fleet={args.name}",
                           "-p", f"127.0.0.1:{port}:22", image_ref(rel), "/sbin/init"],
                          check=False, capture=True, quiet=True)
                if res.returncode == 0:
                    break
                if "address already in use" not in res.stderr:
                    raise SystemExit(f"[lab] podman run {container} failed: {res.stderr.strip()}")
                # another fleet took the port between our check and podman's bind: next one
                port = free_port(port + 1, taken)
                taken.add(port)
            else:
                raise SystemExit(f"[lab] no free port for {container}")
            hosts.append({"name": hname, "release": rel, "port": port, "container": container})
            log(f"started {hname} ({rel}, OpenSSH {version(rel)}) on 127.0.0.1:{port}")
    for h in hosts:
        podman_exec(h["container"], f"""
            set -e
            printf '%s' '{pub.strip()}' > /root/.ssh/authorized_keys; chmod 600 /root/.ssh/authorized_keys
            printf '%s' '{pub.strip()}' > /home/alice/.ssh/authorized_keys
            chown alice:alice /home/alice/.ssh/authorized_keys; chmod 600 /home/alice/.ssh/authorized_keys
        """)
    bad = [h["name"] for h in hosts if not wait_banner(h["port"], args.timeout)]
    fleet_file(args.name).write_text(json.dumps({"name": args.name, "hosts": hosts}, indent=1))
    write_inventory(args.name, hosts)
    if bad:
        raise SystemExit(f"[lab] no SSH banner within {args.timeout}s from: {', '.join(bad)}")
    log(f"fleet {args.name}: {len(hosts)} hosts up; inventory {LAB_DIR / args.name / 'inventory.yml'}")
    return 0


def cmd_down(args):
    f = fleet_file(args.name)
    names = []
    if f.exists():
        names = [h["container"] for h in json.loads(f.read_text())["hosts"]]
    res = run(["podman", "ps", "-a", "--format", "{{.Names}}", "--filter", f"label=sshd-doctor.fleet={args.name}"],
              check=False, capture=True, quiet=True)
    names += res.stdout.split()
    if names:
        run(["podman", "rm", "-f", "-t", "0", *sorted(set(names))], check=False, capture=True, quiet=True)
    if f.exists():
        shutil.rmtree(f.parent)
    log(f"fleet {args.name}: down ({len(set(names))} containers removed)")
    return 0


def find_host(host):
    for f in LAB_DIR.glob("*/fleet.json"):
        for h in json.loads(f.read_text())["hosts"]:
            if host in (h["name"], h["container"]):
                return h, f
    raise SystemExit(f"[lab] no lab host named {host!r}")


# ---------------------------------------------------------------- faults

# Each fault is a shell script run in the host (podman exec).  The comment says what a real
# client sees; docs/lab.md records it per release as observed.
FAULTS = {
    "sftp_subsystem_missing": (
        "no Subsystem sftp: scp of a >= 9.0 client fails, scp -O and ssh work",
        "sed -i -E 's/^[[:space:]]*(Subsystem[[:space:]])/#\\1/I' /etc/ssh/sshd_config\n"
        "systemctl reload ssh"),
    "sftp_server_missing": (
        "Subsystem sftp points at a path that does not exist (a RHEL path on Debian)",
        "sed -i -E 's|^[[:space:]]*Subsystem[[:space:]]+sftp[[:space:]].*$|Subsystem sftp /usr/libexec/openssh/sftp-server|I'"
        " /etc/ssh/sshd_config\nsystemctl reload ssh"),
    "privsep_dir_missing": (
        "/run/sshd removed while ssh.service stays active: every new connection dies",
        "rm -rf /run/sshd"),
    "privsep_dir_missing_failed": (
        "the unit lacks RuntimeDirectory (an admin override), /run/sshd gone, restart fails (exit 255)",
        "mkdir -p /etc/systemd/system/ssh.service.d\n"
        "printf '[Service]\\nRuntimeDirectory=\\n' > /etc/systemd/system/ssh.service.d/50-no-runtime-dir.conf\n"
        "systemctl daemon-reload\nsystemctl stop ssh\nrm -rf /run/sshd\nsystemctl start ssh || true"),
    "privsep_dir_insecure": (
        "/run/sshd world-writable: new connections die",
        "chmod 0777 /run/sshd"),
    "privsep_user_missing": (
        "the sshd privilege separation user was deleted",
        "userdel sshd"),
    "tcp_wrappers_denied": (
        "hosts.deny refuses sshd for everyone: the connection closes before the banner",
        "printf 'sshd: ALL\\n' >> /etc/hosts.deny"),
    "config_invalid": (
        "a typo in sshd_config: reload is refused, a restart would fail",
        "sed -i '1i PermitRootLogn prohibit-password' /etc/ssh/sshd_config\nsystemctl reload ssh || true"),
    "config_invalid_failed": (
        "a typo in sshd_config and a restart: ssh.service failed",
        "sed -i '1i PermitRootLogn prohibit-password' /etc/ssh/sshd_config\nsystemctl restart ssh || true"),
    "host_keys_missing": (
        "no host keys and a restart: ssh.service failed",
        "rm -f /etc/ssh/ssh_host_*\nsystemctl restart ssh || true"),
    "host_key_insecure_mode": (
        "private host keys mode 0644 and a restart: no key loads, ssh.service failed",
        "chmod 0644 /etc/ssh/ssh_host_*_key\nsystemctl restart ssh || true"),
    "service_inactive": (
        "ssh.service stopped: connection refused",
        "systemctl stop ssh"),
    "port_conflict": (
        "another program owns port 22; ssh.service cannot bind and fails",
        "systemctl stop ssh\n"
        "systemd-run --unit=port-squatter /usr/bin/python3 -m http.server --bind :: 22 >/dev/null 2>&1\n"
        "sleep 1\nsystemctl start ssh || true"),
    "scp_legacy_unavailable": (
        "no scp binary on the server: legacy scp (-O, 8.x clients) fails",
        "rm -f /usr/bin/scp"),
    "home_or_keys_insecure": (
        "alice's home is world-writable: StrictModes refuses her key (Debian accepts a group-writable "
        "home when the group is the user's own)",
        "chmod 0757 /home/alice"),
    "user_not_allowed": (
        "AllowUsers root only: alice is refused",
        "printf 'AllowUsers root\\n' > /etc/ssh/sshd_config.d/50-allow.conf\nsystemctl reload ssh"),
    "sshd_helper_missing": (
        "sshd-session not executable (a partial upgrade): OpenSSH >= 9.8 cannot serve connections",
        "chmod a-x /usr/lib/openssh/sshd-session"),
    "service_not_enabled": (
        "ssh.service disabled: it runs now, but not after the next boot",
        "systemctl disable ssh"),
    "config_deprecated_option": (
        "UsePrivilegeSeparation (removed in 7.5) at the top of sshd_config: sshd ignores it with a warning",
        "sed -i '1i UsePrivilegeSeparation yes' /etc/ssh/sshd_config\nsystemctl reload ssh"),
    "effective_value_shadowed": (
        "a drop-in says PasswordAuthentication no, sshd_config later says yes: the later line has no effect",
        "printf 'PasswordAuthentication no\\n' > /etc/ssh/sshd_config.d/40-passwords.conf\n"
        "printf 'PasswordAuthentication yes\\n' >> /etc/ssh/sshd_config\nsystemctl reload ssh"),
    "max_startups_throttling": (
        "MaxStartups 1:100:2 and four idle pre-auth connections from inside the host: sshd throttles",
        "printf 'MaxStartups 1:100:2\\n' > /etc/ssh/sshd_config.d/40-maxstartups.conf\nsystemctl reload ssh\n"
        "sleep 1\n"
        "timeout 10 python3 -c 'import socket, time\n"
        "s = [socket.create_connection((\"127.0.0.1\", 22), timeout=3) for _ in range(4)]\ntime.sleep(2)' || true\n"
        "sleep 1"),
    "login_shell_invalid": (
        "alice's login shell does not exist: her logins close at once",
        "usermod -s /bin/no-such-shell alice"),
    "account_locked": (
        "UsePAM no and alice locked (usermod -L): sshd refuses her even with a key",
        "printf 'UsePAM no\\n' > /etc/ssh/sshd_config.d/40-nopam.conf\nusermod -L alice\nsystemctl reload ssh"),
    "sshd_not_installed": (
        "the sshd binary moved away (the running daemon keeps serving until it stops)",
        "mv /usr/sbin/sshd /usr/sbin/sshd.moved-by-lab"),
    "socket_activation_mismatch": (
        "ssh.socket enabled with ListenStream 2222 while sshd_config says Port 22 (socket activation decides)",
        "mkdir -p /etc/systemd/system/ssh.socket.d\n"
        "printf '[Socket]\\nListenStream=\\nListenStream=2222\\n' > /etc/systemd/system/ssh.socket.d/50-port.conf\n"
        "systemctl daemon-reload\nsystemctl disable --now ssh.service\nsystemctl enable --now ssh.socket"),
    # Attacks on the facts themselves (issue 13): states that once gave a wrong verdict or a traceback.
    "privsep_dir_not_a_dir": (
        "a file where /run/sshd should be while ssh.service stays active: every connection dies "
        "(chroot: Not a directory)",
        "rm -rf /run/sshd\ntouch /run/sshd"),
    "include_fan_out": (
        "nine drop-ins that each include their own directory: sshd stops at its include limit",
        "for i in 1 2 3 4 5 6 7 8 9; do echo 'Include /etc/ssh/sshd_config.d/*.conf' "
        "> /etc/ssh/sshd_config.d/0$i-loop.conf; done"),
    "tcp_wrappers_denied_any_client": (
        "hosts.deny `sshd: ALL`, read with no client named (a podman or console connection)",
        "printf 'sshd: ALL\\n' >> /etc/hosts.deny"),
    "tcp_wrappers_name_allowed": (
        "hosts.deny `sshd: ALL` and hosts.allow `sshd: .containers.internal`: the lab's client 10.88.0.1 "
        "resolves to host.containers.internal, so real libwrap lets it in",
        "printf 'sshd: .containers.internal\\n' >> /etc/hosts.allow\nprintf 'sshd: ALL\\n' >> /etc/hosts.deny"),
    "config_unreadable_not_root": (
        "sshd_config mode 0600 (RHEL's default), read by a user who is not root: nothing can be judged",
        "chmod 0600 /etc/ssh/sshd_config"),
    "listen_address_unavailable": (
        "a drop-in with a ListenAddress on no interface of the host, not reloaded yet: sshd -t accepts it, "
        "the next reload kills sshd (Cannot bind any address)",
        "printf 'ListenAddress 192.0.2.77\\n' > /etc/ssh/sshd_config.d/40-listen.conf"),
    "client_algorithms_incompatible": (
        "HostKeyAlgorithms ssh-rsa: OpenSSH >= 8.8 clients find no host key type (read with "
        "client_profiles: [openssh])",
        "printf 'HostKeyAlgorithms ssh-rsa\\n' > /etc/ssh/sshd_config.d/40-hostkeyalgs.conf\nsystemctl reload ssh"),
    "weak_host_key_only": (
        "RSA host key only and HostKeyAlgorithms ssh-rsa: the server signs with SHA-1 only",
        "rm -f /etc/ssh/ssh_host_ed25519_key* /etc/ssh/ssh_host_ecdsa_key*\n"
        "printf 'HostKeyAlgorithms ssh-rsa\\n' > /etc/ssh/sshd_config.d/40-hostkeyalgs.conf\nsystemctl restart ssh"),
    "rsa_host_key_only": (
        "RSA host key only, default algorithms: the server signs with rsa-sha2, current clients connect",
        "rm -f /etc/ssh/ssh_host_ed25519_key* /etc/ssh/ssh_host_ecdsa_key*\nsystemctl restart ssh"),
    # issue 15 item 5: what the remediate role repairs, and its close cases that stay report-only
    "authorized_keys_root_owned": (
        "alice's authorized_keys owned by root, mode 0600: sshd reads it as alice and cannot open it "
        "(remediate: alice:alice 0600, ~/.ssh 0700)",
        "chown root:root /home/alice/.ssh/authorized_keys\nchmod 0600 /home/alice/.ssh/authorized_keys"),
    "authorized_keys_symlink": (
        "alice's authorized_keys is a symbolic link to /etc/shadow: sshd (as alice) cannot open it; "
        "remediate must never follow it (report only)",
        "ln -sfn /etc/shadow /home/alice/.ssh/authorized_keys"),
    "host_key_dsa_only": (
        "the only HostKey is DSA (HostKey lines in a drop-in): clients since 7.0 find no host key type "
        "(remediate: a new ed25519 key and its HostKey line)",
        "rm -f /etc/ssh/ssh_host_*\nssh-keygen -q -t dsa -N '' -f /etc/ssh/ssh_host_dsa_key\n"
        "printf 'HostKey /etc/ssh/ssh_host_dsa_key\\n' > /etc/ssh/sshd_config.d/40-hostkey.conf\n"
        "systemctl restart ssh || true"),
    "root_login_refused": (
        "PermitRootLogin no: root cannot log in (policy, reported)",
        "printf 'PermitRootLogin no\\n' > /etc/ssh/sshd_config.d/40-noroot.conf\nsystemctl reload ssh"),
    "sftp_subsystem_in_match": (
        "the only Subsystem sftp sits in a Match block: refused before 9.5, applies to alice only from 9.5",
        "sed -i -E 's/^[[:space:]]*(Subsystem[[:space:]])/#\\1/I' /etc/ssh/sshd_config\n"
        "printf 'Match User alice\\n    Subsystem sftp internal-sftp\\n' >> /etc/ssh/sshd_config\n"
        "systemctl reload ssh || true"),
    # not a fault of sshd: what the remediate role's plan reports (sshd_facts remediation_dir)
    "remediation_undone": (
        "an earlier sshd.doctor remediate run that its commit-confirmed timer undid: the real guard "
        "(roles/remediate/files/sshd-doctor-guard.sh) armed over sshd_config, then fired",
        "d=/var/backups/sshd-doctor/20261201T000000Z-424242\nmkdir -p \"$d\"\n"
        "cat > \"$d/guard.sh\" <<'GUARD_EOF'\n" + (ROOT / "roles" / "remediate" / "files" / "sshd-doctor-guard.sh").read_text()
        + "GUARD_EOF\n"
        "sh \"$d/guard.sh\" arm \"$d\" 3600 ssh.service systemd /usr/sbin/sshd /etc/ssh/sshd_config /run/sshd 22"
        " /etc/ssh/sshd_config >/dev/null\n"
        "sh \"$d/guard.sh\" fire \"$d\" >/dev/null"),
}

# How capture.py runs sshd_facts for a case, where it differs from the default (clients
# 10.88.0.1, users root and alice, as root).
CASE_OPTIONS = {
    "client_algorithms_incompatible": {"args": {"client_profiles": ["openssh"]}},
    "tcp_wrappers_denied_any_client": {"args": {"clients": []}},
    "config_unreadable_not_root": {"become_user": "alice"},
    "remediation_undone": {"args": {"remediation_dir": "/var/backups/sshd-doctor"}},
}

# Releases a fault can be reproduced on (default: all).  sshd-session exists from OpenSSH 9.8 on
# (trixie only); bullseye and bookworm have no helper binary to break.
FAULT_RELEASES = {
    "sshd_helper_missing": ("trixie",),
    # OpenSSH 10.0 can neither make nor load a DSA key (extensions/molecule/faults asserts what trixie does)
    "host_key_dsa_only": ("bullseye", "bookworm"),
}

# What each recorded case must raise (tests/unit/.../test_recordings.py): by default the fault's
# name is the finding id and nothing else of error or warning severity may appear.  Exceptions:
# case -> (required id, other ids the fault really causes too).
FAULT_FINDINGS = {
    "healthy": (None, ()),
    "remediation_undone": (None, ()),
    # the daemon cannot restart without its runtime directory
    "privsep_dir_missing_failed": ("privsep_dir_missing", ("service_failed",)),
    "config_invalid_failed": ("config_invalid", ("service_failed",)),
    "host_keys_missing": ("host_keys_missing", ("service_failed",)),
    "host_key_insecure_mode": ("host_key_insecure_mode", ("service_failed",)),
    "port_conflict": ("port_conflict", ("service_failed",)),
    "privsep_dir_not_a_dir": ("privsep_dir_missing", ()),
    # the reload was refused: the files on disk are newer than what sshd loaded
    "config_invalid": ("config_invalid", ("config_latent_change",)),
    "include_fan_out": ("config_invalid", ("config_latent_change",)),
    "tcp_wrappers_denied_any_client": ("tcp_wrappers_denied", ()),
    # close cases that must stay quiet: the verdicts real libwrap and a non-root read give
    "tcp_wrappers_name_allowed": (None, ()),
    "config_unreadable_not_root": (None, ()),
    # before 9.5 sshd also rejects Subsystem inside Match
    "sftp_subsystem_in_match": ("sftp_subsystem_missing", ("config_invalid", "config_latent_change")),
    # OpenSSH >= 8.8 clients are turned away too; a close case: RSA alone with rsa-sha2 is healthy
    "weak_host_key_only": ("weak_host_key_only", ("client_algorithms_incompatible",)),
    "rsa_host_key_only": (None, ()),
    "authorized_keys_root_owned": ("authorized_keys_unreadable", ()),
    # root reads /etc/shadow through the link: its lines are no keys (the facts never echo them)
    "authorized_keys_symlink": ("authorized_keys_unreadable", ("user_key_type_rejected",)),
    # DSA is off in the default HostKeyAlgorithms since 7.0: no client profile gets a host key type
    "host_key_dsa_only": ("weak_host_key_only", ("client_algorithms_incompatible",)),
    # the drop-in waits on disk: newer than what sshd loaded
    "listen_address_unavailable": ("listen_address_unavailable", ("config_latent_change",)),
}


# The cases recorded on the layouts beyond Debian (make record), and where a layout's sshd
# answers a fault otherwise than Debian's (tests/lab/layouts.py, docs/lab.md).
LAYOUT_CASES = {
    "rhel": ("healthy", "sftp_subsystem_missing", "sftp_server_missing", "privsep_dir_missing",
             "privsep_dir_insecure", "privsep_dir_not_a_dir", "privsep_user_missing", "home_or_keys_insecure",
             "user_not_allowed", "scp_legacy_unavailable", "config_unreadable_not_root", "service_inactive"),
    "trixie-socket": ("healthy", "sftp_subsystem_missing", "service_inactive", "config_invalid"),
}
LAYOUT_FINDINGS = {}


def case_releases(case):
    """Every release and layout a case is recorded on."""
    debian = [r for r in RELEASES if r in FAULT_RELEASES.get(case, RELEASES)]
    return debian + [name for name, cases in LAYOUT_CASES.items() if case in cases]


def fault_findings(case, release=None):
    """(required finding id or None, ids also allowed) for a recorded case."""
    required, extra = LAYOUT_FINDINGS.get((release, case)) or FAULT_FINDINGS.get(case, (case, ()))
    return required, set(extra)


def cmd_faults(_args):
    for name, (desc, _script) in FAULTS.items():
        print(f"{name:28} {desc}")
    for name, (desc, _script, where) in layouts.FAULTS.items():
        print(f"{name:28} {desc} ({', '.join(where)} only)")
    return 0


def inject(host, fault):
    """Put one lab host into a fault state and record it in the fleet file."""
    h, fleet_path = find_host(host)
    script = layouts.fault_script(fault, layouts.container_layout(h["container"]), FAULTS)
    res = podman_exec(h["container"], "set -e\n" + script, check=False)
    if res.returncode != 0:
        raise SystemExit(f"[lab] injecting {fault} on {h['name']} failed:\n{res.stderr}")
    fleet = json.loads(fleet_path.read_text())
    for entry in fleet["hosts"]:
        if entry["name"] == h["name"]:
            entry.setdefault("faults", []).append(fault)
    fleet_path.write_text(json.dumps(fleet, indent=1))
    log(f"{h['name']}: injected {fault}")


def cmd_inject(args):
    if args.container:
        # a container this lab did not start (e.g. a molecule platform): no fleet record
        script = layouts.fault_script(args.fault, layouts.container_layout(args.host), FAULTS)
        res = podman_exec(args.host, "set -e\n" + script, check=False)
        if res.returncode != 0:
            raise SystemExit(f"[lab] injecting {args.fault} in {args.host} failed:\n{res.stderr}")
        log(f"{args.host}: injected {args.fault}")
        return 0
    inject(args.host, args.fault)
    return 0


# The three faults that started the project, spread over every release, with healthy hosts
# between them: host i of each release gets PLAN[i % 4].
DEMO_PLAN = ("sftp_subsystem_missing", "privsep_dir_missing", "tcp_wrappers_denied", None)


def cmd_demo_faults(args):
    fleet = json.loads(fleet_file(args.name).read_text())
    seen = {}
    for h in fleet["hosts"]:
        i = seen[h["release"]] = seen.get(h["release"], -1) + 1
        fault = DEMO_PLAN[i % len(DEMO_PLAN)]
        if fault == "privsep_dir_missing" and h["release"] == "bookworm":
            fault = "privsep_dir_missing_failed"
        if fault:
            inject(h["name"], fault)
    return 0


def cmd_client(args):
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    full = ["podman", "run", "--rm", "--network", "host", "--runtime", "runc",
            "-v", f"{LAB_DIR}:/lab:ro", image_ref(args.release), *cmd]
    return subprocess.run(full, check=False).returncode


def main(argv=None):
    p = argparse.ArgumentParser(prog="lab.py", description=__doc__.split("\n\n", maxsplit=1)[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("setup").set_defaults(func=cmd_setup)
    b = sub.add_parser("build")
    b.add_argument("releases", nargs="*")
    b.add_argument("--force", action="store_true")
    b.add_argument("--serial", action="store_true")
    b.set_defaults(func=cmd_build)
    u = sub.add_parser("up")
    u.add_argument("name")
    u.add_argument("spec")
    u.add_argument("--port", type=int)
    u.add_argument("--timeout", type=int, default=90)
    u.set_defaults(func=cmd_up)
    d = sub.add_parser("down")
    d.add_argument("name")
    d.set_defaults(func=cmd_down)
    sub.add_parser("faults").set_defaults(func=cmd_faults)
    i = sub.add_parser("inject")
    i.add_argument("host")
    i.add_argument("fault")
    i.add_argument("--container", action="store_true", help="HOST is a container name outside any lab fleet")
    i.set_defaults(func=cmd_inject)
    df = sub.add_parser("demo-faults")
    df.add_argument("name")
    df.set_defaults(func=cmd_demo_faults)
    c = sub.add_parser("client")
    c.add_argument("release", choices=[*RELEASES, *layouts.LAYOUTS])
    c.add_argument("cmd", nargs=argparse.REMAINDER)
    c.set_defaults(func=cmd_client)
    o = sub.add_parser("_build_one")
    o.add_argument("release")
    o.add_argument("workdir")
    o.set_defaults(func=lambda a: build_one(a.release, a.workdir))
    args = p.parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
