# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab layouts beyond Debian's own: images built with podman on top of a Debian lab image.

``rhel``
    OpenSSH 9.2p1 built from Debian's bookworm source package with RHEL's configure paths
    (privsep ``/var/empty/sshd``, helpers in ``/usr/libexec/openssh``, ``/etc/ssh``,
    pid file in ``/run``), the Debian-only behaviour patches left out (StrictModes'
    private-group relaxation, the Debian banner, socket activation, the Debian default
    config), installed over a bookworm lab image whose openssh packages were purged.  RHEL's
    units and files: ``sshd.service`` (``EnvironmentFile=-/etc/sysconfig/sshd``,
    ``ExecStart=/usr/sbin/sshd -D $OPTIONS``), ``sshd-keygen@.service`` generating
    ``root:ssh_keys 0640`` host keys at boot, ``/var/empty/sshd`` root 0711, ``sshd_config``
    0600 with ``Include /etc/ssh/sshd_config.d/*.conf`` at the top and a ``50-redhat.conf``.
``trixie-socket``
    trixie with ``ssh.service`` disabled and Debian's ``ssh.socket`` (``ListenStream=22``,
    ``Accept=no``, the Ubuntu style) enabled: sshd starts at the first connection.

Each image is cached like the Debian ones: its label ``sshd-doctor.recipe`` is a hash of the
Containerfile, the files copied in and the base image's recipe, so it is rebuilt only when one
of them changes.  ``lab.py`` accepts a layout name wherever it accepts a release (``build``,
``up NAME rhel:1``, ``client``, inventories) and adapts its fault scripts to the layout
(``adapt_script``): the service name, the privilege separation directory and the socket.
"""

import hashlib
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

IMAGE = "localhost/sshd-doctor-lab"
FILES = Path(__file__).resolve().parent / "files"

# Debian patches of the source package that make Debian's OpenSSH behave unlike RHEL's (or
# only package it); every other patch of debian/patches/series (the security fixes, GSSAPI
# key exchange as RHEL has it, systemd readiness for Type=notify) is applied in order.
RHEL_SKIP_PATCHES = (
    "user-group-modes", "debian-banner", "package-versioning", "debian-config", "restore-tcp-wrappers",
    "systemd-socket-activation", "restore-authorized_keys2", "revert-ipqos-defaults", "selinux-role",
    "ssh-vulnkey-compat", "syslog-level-silent", "keepalive-extensions", "shell-path", "ssh-argv0",
    "gnome-ssh-askpass2-icon", "authorized-keys-man-symlink", "openbsd-docs", "doc-hash-tab-completion",
    "mention-ssh-keygen-on-keychange", "ssh-agent-setgid", "dnssec-sshfp",
)

# configure as RHEL's openssh.spec does, for what this lab needs (no SELinux, audit, libedit,
# FIDO or libwrap: RHEL 8 and 9 have no libwrap either).
RHEL_CONFIGURE = (
    "--prefix=/usr --sysconfdir=/etc/ssh --libexecdir=/usr/libexec/openssh --datadir=/usr/share/openssh "
    "--with-privsep-path=/var/empty/sshd --with-privsep-user=sshd --with-pid-dir=/run "
    "--with-default-path=/usr/local/bin:/usr/bin:/usr/local/sbin:/usr/sbin "
    "--with-superuser-path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin "
    "--with-pam --with-systemd --with-kerberos5=/usr --with-ipaddr-display --with-libs=-lcrypt "
    "--disable-strip --with-mantype=doc --without-zlib-version-check"
)

RHEL_CONTAINERFILE = r"""
FROM {base} AS build
RUN set -eu; sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > /etc/apt/sources.list.d/src.list; \
    apt-get update -qq; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends build-essential dpkg-dev \
      pkg-config autoconf automake libssl-dev zlib1g-dev libpam0g-dev libsystemd-dev libkrb5-dev >/dev/null; \
    mkdir /src; cd /src; apt-get source --download-only -qq openssh; \
    dpkg-source -x --skip-patches openssh_*.dsc openssh >/dev/null
COPY rhel-keyperm.patch /src/
RUN set -eu; cd /src/openssh; skip=" {skip} "; \
    for p in $(grep -v '^#' debian/patches/series); do \
      case "$skip" in *" ${{p%.patch}} "*) continue;; esac; \
      patch -p1 -s --no-backup-if-mismatch < debian/patches/$p; \
    done; \
    patch -p1 -s --no-backup-if-mismatch < /src/rhel-keyperm.patch; \
    autoreconf -fi >/dev/null 2>&1; ./configure -q {configure}; \
    make -s -j2 >/dev/null 2>&1; make -s install-nokeys DESTDIR=/dest >/dev/null

FROM {base}
RUN set -eu; dpkg --purge openssh-server openssh-sftp-server openssh-client >/dev/null 2>&1; \
    if id sshd >/dev/null 2>&1; then userdel sshd; fi; rm -rf /etc/ssh /run/sshd /usr/lib/openssh /etc/default/ssh
COPY --from=build /dest/ /
COPY rootfs/ /
RUN /bin/sh /usr/local/lib/sshd-doctor-layout.sh && rm /usr/local/lib/sshd-doctor-layout.sh
"""

RHEL_CUSTOMIZE = r"""
set -eu
groupadd -g 74 sshd
useradd -u 74 -g 74 -M -d /var/empty/sshd -s /sbin/nologin -c 'Privilege-separated SSH' sshd
groupadd -r ssh_keys
install -d -m 0711 -o root -g root /var/empty/sshd
install -d -m 0700 -o root -g root /etc/ssh/sshd_config.d
# RHEL's sshd_config: upstream's, Include at the top, sftp-server from /usr/libexec/openssh
sed -i '/^#Port 22$/e cat /usr/local/lib/sshd-doctor-rhel-head' /etc/ssh/sshd_config
rm /usr/local/lib/sshd-doctor-rhel-head
grep -q '^Subsystem[[:space:]]*sftp[[:space:]]*/usr/libexec/openssh/sftp-server$' /etc/ssh/sshd_config
chmod 0600 /etc/ssh/sshd_config /etc/ssh/sshd_config.d/50-redhat.conf
chmod 0755 /usr/libexec/openssh/sshd-keygen
# ssh-keysign as RHEL installs it: setgid ssh_keys (upstream's make install: setuid root 4711)
chgrp ssh_keys /usr/libexec/openssh/ssh-keysign
chmod 2555 /usr/libexec/openssh/ssh-keysign
chmod 0644 /usr/lib/systemd/system/sshd.service /usr/lib/systemd/system/sshd-keygen@.service \
  /usr/lib/systemd/system/sshd-keygen.target /etc/sysconfig/sshd /etc/pam.d/sshd \
  /etc/crypto-policies/back-ends/opensshserver.config
systemctl enable sshd.service >/dev/null 2>&1
# no Debian leftovers: no ssh.service, no /run/sshd, no Debian helper path
test ! -e /usr/lib/systemd/system/ssh.service
test ! -e /etc/systemd/system/sshd.service
test ! -e /usr/lib/openssh
test -L /etc/systemd/system/multi-user.target.wants/sshd.service
"""

# RHEL's openssh-6.6p1-keyperm.patch in our words: upstream refuses any private key that is not
# 0600 ("UNPROTECTED PRIVATE KEY FILE"), RHEL lets the group ssh_keys read host keys.
RHEL_KEYPERM_PATCH = (FILES / "rhel-keyperm.patch").read_text()

# The build context: rootfs/ is copied over the image, the rest is for the build stage.
RHEL_FILES = {
    "rhel-keyperm.patch": RHEL_KEYPERM_PATCH,
    "rootfs/usr/local/lib/sshd-doctor-layout.sh": RHEL_CUSTOMIZE,
    "rootfs/usr/local/lib/sshd-doctor-rhel-head": """\
# To modify the system-wide sshd configuration, create a  *.conf  file under
#  /etc/ssh/sshd_config.d/  which will be automatically included below
Include /etc/ssh/sshd_config.d/*.conf

# If you want to change the port on a SELinux system, you have to tell
# SELinux about this change.
# semanage port -a -t ssh_port_t -p tcp #PORTNUMBER
#
""",
    "rootfs/etc/ssh/sshd_config.d/50-redhat.conf": """\
# This system is following system-wide crypto policy. The changes to
# crypto properties (Ciphers, MACs, ...) will not have any effect in
# this or following included files. To override some configuration option,
# write it before this block or in a new file in /etc/ssh/sshd_config.d/
# with a lexicographically earlier name.
Include /etc/crypto-policies/back-ends/opensshserver.config

SyslogFacility AUTHPRIV

ChallengeResponseAuthentication no

GSSAPIAuthentication yes
GSSAPICleanupCredentials no

UsePAM yes

X11Forwarding yes

# It is recommended to use pam_motd in /etc/pam.d/sshd instead of PrintMotd,
# as it is more configurable and versatile than the built-in version.
PrintMotd no
""",
    # The lab does not reproduce the DEFAULT policy's algorithm lists: the file and the
    # Include that reads it are RHEL's, the values stay OpenSSH's compiled defaults.
    "rootfs/etc/crypto-policies/back-ends/opensshserver.config": """\
# sshd.doctor lab: stands in for the crypto-policies back-end of RHEL 9 (no algorithm lists)
""",
    "rootfs/etc/sysconfig/sshd": """\
# Configuration file for the sshd service.

# The server keys are automatically generated if they are missing.
# To change the automatic creation, adjust sshd.service options for
# example using  systemctl enable sshd-keygen@dsa.service  to allow creation
# of DSA key or  systemctl mask sshd-keygen@rsa.service  to disable RSA key
# creation.

# Do not change this option unless you have hardware random
# generator and you REALLY know what you are doing

SSH_USE_STRONG_RNG=0
# SSH_USE_STRONG_RNG=1

# System-wide crypto policy:
# To opt-out, uncomment the following line
# CRYPTO_POLICY=
""",
    "rootfs/usr/lib/systemd/system/sshd.service": """\
[Unit]
Description=OpenSSH server daemon
Documentation=man:sshd(8) man:sshd_config(5)
After=network.target sshd-keygen.target
Wants=sshd-keygen.target

[Service]
Type=notify
EnvironmentFile=-/etc/sysconfig/sshd
ExecStart=/usr/sbin/sshd -D $OPTIONS
ExecReload=/bin/kill -HUP $MAINPID
KillMode=process
Restart=on-failure
RestartSec=42s

[Install]
WantedBy=multi-user.target
""",
    "rootfs/usr/lib/systemd/system/sshd-keygen@.service": """\
[Unit]
Description=OpenSSH %i Server Key Generation
ConditionFileNotEmpty=|!/etc/ssh/ssh_host_%i_key

[Service]
Type=oneshot
EnvironmentFile=-/etc/sysconfig/sshd
ExecStart=/usr/libexec/openssh/sshd-keygen %i

[Install]
WantedBy=sshd-keygen.target
""",
    "rootfs/usr/lib/systemd/system/sshd-keygen.target": """\
[Unit]
Wants=sshd-keygen@rsa.service
Wants=sshd-keygen@ecdsa.service
Wants=sshd-keygen@ed25519.service
PartOf=sshd.service
""",
    # RHEL's host key generator, run by sshd-keygen@.service (the file has no #! line: ansible-test
    # sanity allows none outside modules)
    "rootfs/usr/libexec/openssh/sshd-keygen": "#!/bin/bash\n" + (FILES / "rhel-sshd-keygen").read_text(),
    # RHEL's stack (password-auth, pam_sepermit, pam_selinux) in Debian's PAM terms
    "rootfs/etc/pam.d/sshd": """\
#%PAM-1.0
@include common-auth
account    required     pam_nologin.so
@include common-account
@include common-password
session    required     pam_loginuid.so
session    optional     pam_keyinit.so force revoke
@include common-session
""",
}

SOCKET_CONTAINERFILE = r"""
FROM {base}
RUN set -eu; systemctl disable ssh.service >/dev/null 2>&1; systemctl enable ssh.socket >/dev/null 2>&1; \
    test -L /etc/systemd/system/sockets.target.wants/ssh.socket; \
    test ! -e /etc/systemd/system/multi-user.target.wants/ssh.service
"""

LAYOUTS = {
    "rhel": {
        "base": "bookworm", "version": "9.2p1", "service": "sshd", "privsep": "/var/empty/sshd",
        "socket": False, "containerfile": RHEL_CONTAINERFILE, "files": RHEL_FILES,
        "summary": "RHEL 9 layout: OpenSSH 9.2p1 from Debian's source with RHEL's paths and units",
    },
    "trixie-socket": {
        "base": "trixie", "version": "10.0p2", "service": "ssh", "privsep": "/run/sshd",
        "socket": True, "containerfile": SOCKET_CONTAINERFILE, "files": {},
        "summary": "trixie with ssh.socket (Accept=no) instead of ssh.service",
    },
}

# Faults that only exist on some layouts: name -> (description, script, layouts).  (lab.FAULTS'
# socket_activation_mismatch is the Debian way in: it enables ssh.socket on another port.)
FAULTS = {
    "socket_port_mismatch": (
        "sshd_config says Port 2222 but ssh.socket listens on 22: sshd keeps answering on 22, nothing "
        "listens on 2222",
        "sed -i -E 's/^#?Port 22$/Port 2222/' /etc/ssh/sshd_config\n"
        "grep -q '^Port 2222$' /etc/ssh/sshd_config\nsystemctl restart ssh.service",
        ("trixie-socket",)),
}


# docs/lab.md: tests/lab/matrix.py --write regenerates the page above this line and keeps the
# layout sections from it on.
DOC_MARK = "<!-- layouts: the sections below come from tests/lab/layout_evidence.py runs; matrix.py --write keeps them -->"


def doc_tail(path):
    """The part of the page at PATH from DOC_MARK on (empty when there is none), to append after a rewrite."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    at = text.find(DOC_MARK)
    return "" if at < 0 else "\n" + text[at:]


def log(msg):
    print(f"[lab] {msg}", flush=True)


def containerfile(name):
    spec = LAYOUTS[name]
    return spec["containerfile"].format(base=f"{IMAGE}:{spec['base']}", skip=" ".join(RHEL_SKIP_PATCHES),
                                        configure=RHEL_CONFIGURE)


def recipe_hash(name, base_recipe):
    """The layout's recipe: its Containerfile, its files and the recipe of the image it builds on."""
    h = hashlib.sha256()
    h.update(containerfile(name).encode())
    for path, text in sorted(LAYOUTS[name]["files"].items()):
        h.update(path.encode() + b"\0" + text.encode() + b"\0")
    h.update((base_recipe or "").encode())
    return h.hexdigest()[:12]


def build(name, base_recipe, no_cache=False):
    """Build ``IMAGE:NAME`` (its base image must exist); returns the seconds it took.

    podman's layer cache keeps the compile stage between builds of the same recipe text;
    NO_CACHE (``lab.py build rhel --force``) rebuilds from the source package again.
    """
    t0 = time.monotonic()
    recipe = recipe_hash(name, base_recipe)
    with tempfile.TemporaryDirectory(prefix=f"sshd-doctor-{name}-") as ctx:
        for path, text in LAYOUTS[name]["files"].items():
            dest = Path(ctx, path)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text)
        Path(ctx, "Containerfile").write_text(containerfile(name))
        log(f"{name}: podman build on {LAYOUTS[name]['base']} (recipe {recipe}) ...")
        res = subprocess.run(
            ["podman", "build", "--runtime", "runc", "--layers", "--force-rm", *(["--no-cache"] if no_cache else []),
             "-f", os.path.join(ctx, "Containerfile"),
             "--label", f"sshd-doctor.recipe={recipe}", "--label", f"sshd-doctor.release={name}",
             "--label", f"sshd-doctor.layout={name}", "-t", f"{IMAGE}:{name}", ctx],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    if res.returncode != 0:
        tail = "\n".join(res.stdout.splitlines()[-25:])
        raise SystemExit(f"[lab] podman build of {name} failed:\n{tail}")
    took = time.monotonic() - t0
    log(f"{name}: built in {took:.0f}s")
    return took


def container_layout(container):
    """The layout of a running container (its image label), or None for a Debian release."""
    res = subprocess.run(["podman", "inspect", "--format", '{{ index .Config.Labels "sshd-doctor.layout" }}',
                          container], capture_output=True, text=True, check=False)
    value = res.stdout.strip() if res.returncode == 0 else ""
    return value if value in LAYOUTS else None


# Faults of lab.FAULTS that cannot be injected on a layout: name -> layouts.
NOT_ON = {"socket_activation_mismatch": ("rhel",)}  # the rhel image has no ssh.socket


def fault_script(fault, layout, debian_faults):
    """The script of FAULT for LAYOUT (None: a Debian release), or SystemExit when it does not apply."""
    if layout in NOT_ON.get(fault, ()):
        raise SystemExit(f"[lab] fault {fault!r} cannot be injected on the {layout} layout")
    if fault in FAULTS:
        desc, script, where = FAULTS[fault]
        if layout not in where:
            raise SystemExit(f"[lab] fault {fault!r} applies to the {', '.join(where)} layout only ({desc})")
        return script
    if fault not in debian_faults:
        raise SystemExit(f"[lab] unknown fault {fault!r}; see `lab.py faults`")
    return adapt_script(debian_faults[fault][1], layout)


def adapt_script(script, layout):
    """Rewrite a fault script written for Debian's layout into LAYOUT's terms (unchanged for Debian)."""
    if layout is None:
        return script
    spec = LAYOUTS[layout]
    if spec["socket"]:
        # With socket activation the socket is what listens: stopping the service alone changes
        # nothing for clients (the next connection starts it again).  A reload (SIGHUP) kills a
        # socket-activated sshd on trixie ("Cannot bind any address": the re-executed sshd has
        # lost the socket), so the config change is applied with a restart, when sshd runs.
        script = re.sub(r"systemctl stop ssh$", "systemctl stop ssh.socket ssh.service", script, flags=re.M)
        script = re.sub(r"systemctl start ssh( \|\| true)?$", r"systemctl start ssh.socket\1", script, flags=re.M)
        script = re.sub(r"systemctl reload ssh$", "systemctl try-restart ssh.service", script, flags=re.M)
    if spec["service"] != "ssh":
        svc = spec["service"]
        script = re.sub(r"(systemctl (?:reload|restart|start|stop) )ssh\b(?!\.)", rf"\g<1>{svc}", script)
        script = script.replace("/etc/systemd/system/ssh.service.d", f"/etc/systemd/system/{svc}.service.d")
    if spec["privsep"] != "/run/sshd":
        script = script.replace("/run/sshd", spec["privsep"])
    if layout == "rhel":
        # the RHEL path is the real one here: point Subsystem sftp at Debian's instead
        script = script.replace("Subsystem sftp /usr/libexec/openssh/sftp-server",
                                "Subsystem sftp /usr/lib/openssh/sftp-server")
    return script
