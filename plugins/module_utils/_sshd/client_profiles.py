# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client profiles: what each SSH client family and version offers by default.  Data only.

One row per client: the key exchange methods, host key algorithms, ciphers and MACs it
offers in its KEXINIT, in its order of preference, and the signature algorithms it can make
with a user key (``pubkey``).  ``verified`` says where a row comes from: ``captured`` rows
are the KEXINIT packets of the real clients the lab runs (tests/lab/client_matrix.py
capture, recorded in tests/lab/client_offers.json and checked against this file by a unit
test); ``source`` rows are read from the client's source or release notes named in
``source`` (clients the lab does not run).  OPENSSH_SUPPORTED is what each captured sshd
build can enable at all (``ssh -Q``), used to pick a config line sshd will accept.
Longer than 600 lines because it is data: one row per client, the algorithm lists as captured.
"""

DEFAULT_REQUIRED = ["openssh", "putty", "paramiko"]

# family name -> the profile it means (the newest of that family)
ALIASES = {
    "openssh": "openssh_10.0",
    "putty": "putty_0.83",
    "paramiko": "paramiko_current",
    "asyncssh": "asyncssh_current",
    "dropbear": "dropbear_2025.89",
    "ssh2": "ssh2_current",
    "jsch": "jsch_current",
    "go": "go_xcrypto",
    "libssh": "libssh_0.10",
}


def _with(base, prepend=(), insert=None, drop=(), append=()):
    """A copy of the ordered list ``base`` told as a delta: less ``drop``, each ``insert[anchor]``
    list placed just before ``anchor``, ``prepend`` first and ``append`` last.

    For rows that differ from another row (an older release, a sibling build) by a few
    algorithms; the order of ``base`` is kept, since client offers are ordered.
    """
    insert = insert or {}
    missing = [name for name in list(drop) + list(insert) if name not in base]
    if missing:
        raise ValueError("_with: not in the base list: %s" % ", ".join(missing))
    out = list(prepend)
    for name in base:
        out.extend(insert.get(name, ()))
        if name not in drop:
            out.append(name)
    out.extend(append)
    return out


# lists several clients share, named after the first profile that has them; a list that is
# another's with a few changes is written as that delta (_with)
_ASYNCSSH_2_14_KEX = [
    "curve25519-sha256", "curve25519-sha256@libssh.org", "curve448-sha512", "ecdh-sha2-nistp521",
    "ecdh-sha2-nistp384", "ecdh-sha2-nistp256", "ecdh-sha2-1.3.132.0.10",
    "diffie-hellman-group-exchange-sha256", "diffie-hellman-group14-sha256", "diffie-hellman-group15-sha512",
    "diffie-hellman-group16-sha512", "diffie-hellman-group17-sha512", "diffie-hellman-group18-sha512",
    "diffie-hellman-group14-sha256@ssh.com", "diffie-hellman-group14-sha1", "rsa2048-sha256", "ext-info-c",
    "kex-strict-c-v00@openssh.com",
]
_ASYNCSSH_2_14_HOSTKEY = [
    "rsa-sha2-256-cert-v01@openssh.com", "rsa-sha2-512-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com",
    "sk-ssh-ed25519-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ssh-ed25519-cert-v01@openssh.com", "ssh-ed448-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-1.3.132.0.10-cert-v01@openssh.com",
    "rsa-sha2-256", "rsa-sha2-512", "ssh-rsa-sha224@ssh.com", "ssh-rsa-sha256@ssh.com",
    "ssh-rsa-sha384@ssh.com", "ssh-rsa-sha512@ssh.com", "ssh-rsa", "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com", "ssh-ed25519", "ssh-ed448", "ecdsa-sha2-nistp521",
    "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp256", "ecdsa-sha2-1.3.132.0.10",
]
_ASYNCSSH_2_14_CIPHERS = [
    "chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com", "aes128-gcm@openssh.com", "aes256-ctr", "aes192-ctr",
    "aes128-ctr",
]
_ASYNCSSH_2_14_PUBKEY = [
    "ssh-ed25519", "ssh-ed448", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512",
    "rsa-sha2-256", "ssh-rsa",
]
_DROPBEAR_2020_81_KEX = [
    "curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp521", "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp256", "diffie-hellman-group14-sha256", "diffie-hellman-group14-sha1", "diffie-hellman-group1-sha1",
    "kexguess2@matt.ucc.asn.au", "ext-info-c", "kex-strict-c-v00@openssh.com",
]
_DROPBEAR_2020_81_HOSTKEY = [
    "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-256", "ssh-rsa",
    "ssh-dss",
]
_DROPBEAR_2022_83_HOSTKEY = _with(_DROPBEAR_2020_81_HOSTKEY, insert={
    "ecdsa-sha2-nistp256": ["sk-ssh-ed25519@openssh.com"], "rsa-sha2-256": ["sk-ecdsa-sha2-nistp256@openssh.com"],
})
_DROPBEAR_2020_81_CIPHERS = [
    "chacha20-poly1305@openssh.com", "aes128-ctr", "aes256-ctr",
]
_DROPBEAR_2020_81_MACS = [
    "hmac-sha1", "hmac-sha2-256",
]
_DROPBEAR_2020_81_PUBKEY = [
    "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-256", "ssh-rsa",
]
_GO_XCRYPTO_0_4_KEX = [
    "curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521", "diffie-hellman-group14-sha256", "diffie-hellman-group14-sha1", "ext-info-c",
]
_GO_XCRYPTO_PUBKEY = [
    "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512",
    "rsa-sha2-256", "ssh-rsa",
]
_JSCH_0_1_55_HOSTKEY = [
    "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
]
_JSCH_CURRENT_KEX = [
    "curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521", "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512", "diffie-hellman-group14-sha256", "ext-info-c", "kex-strict-c-v00@openssh.com",
]
_JSCH_CURRENT_HOSTKEY = _with(_GO_XCRYPTO_PUBKEY, drop=["ssh-rsa"])
_JSCH_CURRENT_MACS = [
    "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha1-etm@openssh.com", "hmac-sha2-256",
    "hmac-sha2-512", "hmac-sha1",
]
_LIBSSH_0_10_HOSTKEY = [
    "ssh-ed25519", "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp256", "rsa-sha2-512",
    "rsa-sha2-256",
]
_OPENSSH_9_2_KEX = [
    "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com", "curve25519-sha256",
    "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
    "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512",
    "diffie-hellman-group14-sha256", "ext-info-c", "kex-strict-c-v00@openssh.com",
]
_OPENSSH_10_0_HOSTKEY = [
    "ssh-ed25519-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp521-cert-v01@openssh.com",
    "sk-ssh-ed25519-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com", "ssh-ed25519", "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    "rsa-sha2-512", "rsa-sha2-256",
]
_OPENSSH_10_0_MACS = [
    "umac-64-etm@openssh.com", "umac-128-etm@openssh.com", "hmac-sha2-256-etm@openssh.com",
    "hmac-sha2-512-etm@openssh.com", "hmac-sha1-etm@openssh.com", "umac-64@openssh.com", "umac-128@openssh.com",
    "hmac-sha2-256", "hmac-sha2-512", "hmac-sha1",
]
_ASYNCSSH_2_14_MACS = _with(_OPENSSH_10_0_MACS, append=[
    "hmac-sha256-2@ssh.com", "hmac-sha224@ssh.com", "hmac-sha256@ssh.com", "hmac-sha384@ssh.com",
    "hmac-sha512@ssh.com",
])
_OPENSSH_8_4_PUBKEY = [
    "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-ed25519", "rsa-sha2-512",
    "rsa-sha2-256", "ssh-rsa",
]
_OPENSSH_7_4_CIPHERS = [
    "chacha20-poly1305@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr", "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
]
_PARAMIKO_2_12_KEX = [
    "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
    "diffie-hellman-group16-sha512", "diffie-hellman-group-exchange-sha256", "diffie-hellman-group14-sha256",
    "diffie-hellman-group-exchange-sha1", "diffie-hellman-group14-sha1", "diffie-hellman-group1-sha1", "ext-info-c",
]
_PARAMIKO_2_12_HOSTKEY = [
    "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512",
    "rsa-sha2-256", "ssh-rsa", "ssh-dss", "ssh-ed25519-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com", "rsa-sha2-512-cert-v01@openssh.com",
    "rsa-sha2-256-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com", "ssh-dss-cert-v01@openssh.com",
]
_PARAMIKO_2_12_MACS = [
    "hmac-sha2-256", "hmac-sha2-512", "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha1",
    "hmac-md5", "hmac-sha1-96", "hmac-md5-96",
]
_PARAMIKO_3_5_CIPHERS = [
    "aes128-ctr", "aes192-ctr", "aes256-ctr", "aes128-cbc", "aes192-cbc", "aes256-cbc", "3des-cbc",
    "aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
]
_PUTTY_0_74_MACS = [
    "hmac-sha2-256", "hmac-sha1", "hmac-sha1-96", "hmac-md5", "hmac-sha2-256-etm@openssh.com",
    "hmac-sha1-etm@openssh.com", "hmac-sha1-96-etm@openssh.com", "hmac-md5-etm@openssh.com",
]
_PUTTY_0_74_PUBKEY = [
    "ssh-ed25519", "ssh-ed448", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512",
    "rsa-sha2-256", "ssh-rsa", "ssh-dss",
]
_PUTTY_0_78_KEX = [
    "sntrup761x25519-sha512@openssh.com", "curve448-sha512", "curve25519-sha256", "curve25519-sha256@libssh.org",
    "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521", "diffie-hellman-group-exchange-sha256",
    "diffie-hellman-group-exchange-sha1", "diffie-hellman-group18-sha512", "diffie-hellman-group17-sha512",
    "diffie-hellman-group16-sha512", "diffie-hellman-group15-sha512", "diffie-hellman-group14-sha256",
    "diffie-hellman-group14-sha1", "rsa2048-sha256", "rsa1024-sha1", "diffie-hellman-group1-sha1", "ext-info-c",
    "kex-strict-c-v00@openssh.com",
]
_PUTTY_0_78_HOSTKEY = [
    "ssh-ed448", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512",
    "rsa-sha2-256", "ssh-rsa", "ssh-dss",
]
_PUTTY_0_78_CIPHERS = [
    "aes256-ctr", "aes256-cbc", "rijndael-cbc@lysator.liu.se", "aes192-ctr", "aes192-cbc", "aes128-ctr",
    "aes128-cbc", "chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "3des-ctr",
    "3des-cbc", "blowfish-ctr", "blowfish-cbc", "arcfour256", "arcfour128",
]
_SSHD_8_4_KEX = [
    "diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1", "diffie-hellman-group14-sha256",
    "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512", "diffie-hellman-group-exchange-sha1",
    "diffie-hellman-group-exchange-sha256", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
    "curve25519-sha256", "curve25519-sha256@libssh.org", "sntrup4591761x25519-sha512@tinyssh.org",
]
_SSHD_8_4_HOSTKEY = [
    "ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com", "sk-ssh-ed25519@openssh.com",
    "sk-ssh-ed25519-cert-v01@openssh.com", "ssh-rsa", "rsa-sha2-256", "rsa-sha2-512", "ssh-dss",
    "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ecdsa-sha2-nistp256@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256@openssh.com", "ssh-rsa-cert-v01@openssh.com",
    "rsa-sha2-256-cert-v01@openssh.com", "rsa-sha2-512-cert-v01@openssh.com", "ssh-dss-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
]
_SSHD_8_4_CIPHERS = [
    "3des-cbc", "aes128-cbc", "aes192-cbc", "aes256-cbc", "rijndael-cbc@lysator.liu.se", "aes128-ctr", "aes192-ctr",
    "aes256-ctr", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com",
]
_SSHD_8_4_MACS = [
    "hmac-sha1", "hmac-sha1-96", "hmac-sha2-256", "hmac-sha2-512", "hmac-md5", "hmac-md5-96", "umac-64@openssh.com",
    "umac-128@openssh.com", "hmac-sha1-etm@openssh.com", "hmac-sha1-96-etm@openssh.com",
    "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-md5-etm@openssh.com",
    "hmac-md5-96-etm@openssh.com", "umac-64-etm@openssh.com", "umac-128-etm@openssh.com",
]
_SSHD_9_2_KEX = _with(_SSHD_8_4_KEX, drop=["sntrup4591761x25519-sha512@tinyssh.org"],
                      append=["sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com"])
_SSHD_9_2_HOSTKEY = [
    "ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com", "sk-ssh-ed25519@openssh.com",
    "sk-ssh-ed25519-cert-v01@openssh.com", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp521",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", "webauthn-sk-ecdsa-sha2-nistp256@openssh.com", "ssh-dss",
    "ssh-dss-cert-v01@openssh.com", "ssh-rsa", "ssh-rsa-cert-v01@openssh.com", "rsa-sha2-256",
    "rsa-sha2-256-cert-v01@openssh.com", "rsa-sha2-512", "rsa-sha2-512-cert-v01@openssh.com",
]
_SSHD_9_2_CIPHERS = _with(_SSHD_8_4_CIPHERS, drop=["rijndael-cbc@lysator.liu.se"])
_SSHD_10_0_KEX = _with(_SSHD_9_2_KEX, append=["mlkem768x25519-sha256"])
_SSHD_10_0_HOSTKEY = _with(_SSHD_9_2_HOSTKEY, drop=["ssh-dss", "ssh-dss-cert-v01@openssh.com"])

PROFILES = {
    "asyncssh_2.14": {
        "name": "asyncssh_2.14",
        "family": "asyncssh",
        "version": "2.14",
        "label": "AsyncSSH 2.14.2",
        "verified": "captured",
        "source": ("captured: KEXINIT of PyPI asyncssh 2.14.2 in the lab (tests/lab/client_matrix.py capture);"
                   " pubkey: asyncssh public_key.py default signature algorithms"),
        "kex": _ASYNCSSH_2_14_KEX,
        "hostkey": _ASYNCSSH_2_14_HOSTKEY,
        "ciphers": _ASYNCSSH_2_14_CIPHERS,
        "macs": _ASYNCSSH_2_14_MACS,
        "pubkey": _ASYNCSSH_2_14_PUBKEY,
    },
    "asyncssh_current": {
        "name": "asyncssh_current",
        "family": "asyncssh",
        "version": "current",
        "label": "AsyncSSH 2.24.1",
        "verified": "captured",
        "source": ("captured: KEXINIT of PyPI asyncssh 2.24.1 in the lab (tests/lab/client_matrix.py capture);"
                   " pubkey: asyncssh public_key.py default signature algorithms"),
        "kex": _with(_ASYNCSSH_2_14_KEX,
                     prepend=["mlkem768x25519-sha256", "mlkem768nistp256-sha256", "mlkem1024nistp384-sha384"]),
        "hostkey": _with(_ASYNCSSH_2_14_HOSTKEY,
                         insert={"ssh-ed25519": ["webauthn-sk-ecdsa-sha2-nistp256@openssh.com"]}),
        "ciphers": _ASYNCSSH_2_14_CIPHERS,
        "macs": _ASYNCSSH_2_14_MACS,
        "pubkey": _ASYNCSSH_2_14_PUBKEY,
    },
    "dropbear_2020.81": {
        "name": "dropbear_2020.81",
        "family": "dropbear",
        "version": "2020.81",
        "label": "Dropbear dbclient 2020.81",
        "verified": "captured",
        "source": ("captured: KEXINIT of Debian 11 dropbear-bin 2020.81 (dbclient) in the lab "
                   "(tests/lab/client_matrix.py capture); pubkey: Dropbear signkey.c: rsa-sha2-256 since "
                   "2020.79, ssh-rsa before"),
        "kex": _DROPBEAR_2020_81_KEX,
        "hostkey": _DROPBEAR_2020_81_HOSTKEY,
        "ciphers": _DROPBEAR_2020_81_CIPHERS,
        "macs": _DROPBEAR_2020_81_MACS,
        "pubkey": _DROPBEAR_2020_81_PUBKEY,
    },
    "dropbear_2022.83": {
        "name": "dropbear_2022.83",
        "family": "dropbear",
        "version": "2022.83",
        "label": "Dropbear dbclient 2022.83",
        "verified": "captured",
        "source": ("captured: KEXINIT of Debian 12 dropbear-bin 2022.83 (dbclient) in the lab "
                   "(tests/lab/client_matrix.py capture); pubkey: Dropbear signkey.c: rsa-sha2-256 since "
                   "2020.79, ssh-rsa before"),
        "kex": _with(_DROPBEAR_2020_81_KEX, drop=["diffie-hellman-group1-sha1"]),
        "hostkey": _DROPBEAR_2022_83_HOSTKEY,
        "ciphers": _DROPBEAR_2020_81_CIPHERS,
        "macs": _DROPBEAR_2020_81_MACS,
        "pubkey": _DROPBEAR_2020_81_PUBKEY,
    },
    "dropbear_2025.89": {
        "name": "dropbear_2025.89",
        "family": "dropbear",
        "version": "2025.89",
        "label": "Dropbear dbclient 2025.89",
        "verified": "captured",
        "source": ("captured: KEXINIT of Debian 13 dropbear-bin 2025.89 (dbclient) in the lab "
                   "(tests/lab/client_matrix.py capture); pubkey: Dropbear signkey.c: rsa-sha2-256 since "
                   "2020.79, ssh-rsa before"),
        "kex": _with(_DROPBEAR_2020_81_KEX,
                     prepend=["sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com", "mlkem768x25519-sha256"],
                     drop=["diffie-hellman-group14-sha1", "diffie-hellman-group1-sha1"]),
        "hostkey": _with(_DROPBEAR_2022_83_HOSTKEY, drop=["ssh-rsa", "ssh-dss"]),
        "ciphers": [
            "chacha20-poly1305@openssh.com", "aes256-ctr", "aes128-ctr",
        ],
        "macs": [
            "hmac-sha2-256",
        ],
        "pubkey": _DROPBEAR_2020_81_PUBKEY,
    },
    "go_xcrypto": {
        "name": "go_xcrypto",
        "family": "go",
        "version": "0.3x",
        "label": "Go golang.org/x/crypto/ssh",
        "verified": "source",
        "source": ("source: golang.org/x/crypto ssh/common.go defaultKexAlgos, defaultCiphers, defaultMACs and"
                   " supportedHostKeyAlgos (v0.31+: mlkem768x25519-sha256)"),
        "kex": _with(_GO_XCRYPTO_0_4_KEX, prepend=["mlkem768x25519-sha256"],
                     append=["kex-strict-c-v00@openssh.com"]),
        "hostkey": [
            "rsa-sha2-256-cert-v01@openssh.com", "rsa-sha2-512-cert-v01@openssh.com",
            "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
            "ecdsa-sha2-nistp521-cert-v01@openssh.com", "ssh-ed25519-cert-v01@openssh.com", "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-256", "rsa-sha2-512", "ssh-rsa", "ssh-ed25519",
        ],
        "ciphers": [
            "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes128-ctr",
            "aes192-ctr", "aes256-ctr",
        ],
        "macs": [
            "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512",
            "hmac-sha1", "hmac-sha1-96",
        ],
        "pubkey": _GO_XCRYPTO_PUBKEY,
    },
    "go_xcrypto_0.4": {
        "name": "go_xcrypto_0.4",
        "family": "go",
        "version": "xcrypto_0.4",
        "label": "Go x/crypto 0.4.0 (Debian 12)",
        "verified": "captured",
        "source": ("captured: KEXINIT of Debian 12 golang-golang-x-crypto-dev 0.4.0 built with Go 1.19 in the "
                   "lab (tests/lab/client_matrix.py capture); pubkey: x/crypto ssh/client_auth.go (rsa-sha2 "
                   "via server-sig-algs since 0.0.0-2022)"),
        "kex": _GO_XCRYPTO_0_4_KEX,
        "hostkey": [
            "rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com",
            "ssh-dss-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com",
            "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp521-cert-v01@openssh.com",
            "ssh-ed25519-cert-v01@openssh.com", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
            "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", "ssh-dss", "ssh-ed25519",
        ],
        "ciphers": [
            "aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr",
        ],
        "macs": [
            "hmac-sha2-256-etm@openssh.com", "hmac-sha2-256", "hmac-sha1", "hmac-sha1-96",
        ],
        "pubkey": _GO_XCRYPTO_PUBKEY,
    },
    "jsch_0.1.55": {
        "name": "jsch_0.1.55",
        "family": "jsch",
        "version": "0.1.55",
        "label": "JSch 0.1.55",
        "verified": "captured",
        "source": ("captured: KEXINIT of Debian 12 libjsch-java 0.1.55 on OpenJDK 17 (it announces itself as "
                   "JSCH-0.1.54) in the lab (tests/lab/client_matrix.py capture); pubkey: JSch 0.1.55 "
                   "KeyPair*.java: RSA signs ssh-rsa (SHA-1) only; no ed25519; keys in PEM only"),
        "kex": [
            "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521", "diffie-hellman-group14-sha1",
            "diffie-hellman-group-exchange-sha256", "diffie-hellman-group-exchange-sha1",
            "diffie-hellman-group1-sha1",
        ],
        "hostkey": _JSCH_0_1_55_HOSTKEY,
        "ciphers": [
            "aes128-ctr", "aes128-cbc", "3des-ctr", "3des-cbc", "blowfish-cbc", "aes192-ctr", "aes192-cbc",
            "aes256-ctr", "aes256-cbc",
        ],
        "macs": [
            "hmac-md5", "hmac-sha1", "hmac-sha2-256", "hmac-sha1-96", "hmac-md5-96",
        ],
        "pubkey": _JSCH_0_1_55_HOSTKEY,
    },
    "jsch_current": {
        "name": "jsch_current",
        "family": "jsch",
        "version": "2.27",
        "label": "JSch 2.27 (com.github.mwiede fork)",
        "verified": "source",
        "source": ("source: github mwiede/jsch src/main/java/com/jcraft/jsch/JSch.java defaults (0.2.x/2.x: "
                   "ssh-rsa and SHA-1 kex off by default since 0.2.0; chacha20 and ed448 need Bouncy Castle, "
                   "left out)"),
        "kex": _JSCH_CURRENT_KEX,
        "hostkey": _JSCH_CURRENT_HOSTKEY,
        "ciphers": [
            "aes128-ctr", "aes192-ctr", "aes256-ctr", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
        ],
        "macs": _JSCH_CURRENT_MACS,
        "pubkey": _JSCH_CURRENT_HOSTKEY,
    },
    "libssh_0.10": {
        "name": "libssh_0.10",
        "family": "libssh",
        "version": "0.10",
        "label": "libssh 0.10",
        "verified": "source",
        "source": ("source: libssh 0.10 src/kex.c DEFAULT_KEY_EXCHANGE, DEFAULT_HOSTKEYS, CHACHA20/AES "
                   "defaults, DEFAULT_MAC (ssh-rsa and SHA-1 kex dropped from defaults in 0.10)"),
        "kex": [
            "curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384",
            "ecdh-sha2-nistp521", "diffie-hellman-group18-sha512", "diffie-hellman-group16-sha512",
            "diffie-hellman-group-exchange-sha256", "diffie-hellman-group14-sha256", "ext-info-c",
        ],
        "hostkey": _LIBSSH_0_10_HOSTKEY,
        "ciphers": _ASYNCSSH_2_14_CIPHERS,
        "macs": _JSCH_CURRENT_MACS,
        "pubkey": _LIBSSH_0_10_HOSTKEY,
    },
    "openssh_10.0": {
        "name": "openssh_10.0",
        "family": "openssh",
        "version": "10.0",
        "label": "OpenSSH 10.0",
        "verified": "captured",
        "source": ("captured: KEXINIT of Debian 13 openssh-client 1:10.0p2-7+deb13u4 in the lab "
                   "(tests/lab/client_matrix.py capture); pubkey: `ssh -G` PubkeyAcceptedAlgorithms of the "
                   "same client"),
        "kex": _with(_OPENSSH_9_2_KEX, prepend=["mlkem768x25519-sha256"]),
        "hostkey": _OPENSSH_10_0_HOSTKEY,
        "ciphers": [
            "chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr",
            "aes192-ctr", "aes256-ctr",
        ],
        "macs": _OPENSSH_10_0_MACS,
        "pubkey": _JSCH_CURRENT_HOSTKEY,
    },
    "openssh_7.4": {
        "name": "openssh_7.4",
        "family": "openssh",
        "version": "7.4",
        "label": "OpenSSH 7.4",
        "verified": "source",
        "source": ("source: openssh-portable V_7_4_P1 myproposal.h (KEX_CLIENT_KEX, KEX_DEFAULT_PK_ALG, "
                   "KEX_CLIENT_ENCRYPT, KEX_CLIENT_MAC); release-7.0 disabled ssh-dss by default for user keys"
                   " (DSA still signs when explicitly configured)"),
        "kex": [
            "curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384",
            "ecdh-sha2-nistp521", "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512",
            "diffie-hellman-group18-sha512", "diffie-hellman-group-exchange-sha1", "diffie-hellman-group14-sha256",
            "diffie-hellman-group14-sha1", "ext-info-c",
        ],
        "hostkey": [
            "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
            "ecdsa-sha2-nistp521-cert-v01@openssh.com", "ssh-ed25519-cert-v01@openssh.com",
            "ssh-rsa-cert-v01@openssh.com", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
            "ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa",
        ],
        "ciphers": _OPENSSH_7_4_CIPHERS,
        "macs": _OPENSSH_10_0_MACS,
        "pubkey": _with(_OPENSSH_8_4_PUBKEY, append=["ssh-dss"]),
    },
    "openssh_8.4": {
        "name": "openssh_8.4",
        "family": "openssh",
        "version": "8.4",
        "label": "OpenSSH 8.4",
        "verified": "captured",
        "source": ("captured: KEXINIT of Debian 11 openssh-client 1:8.4p1-5+deb11u3 in the lab "
                   "(tests/lab/client_matrix.py capture); pubkey: `ssh -G` PubkeyAcceptedAlgorithms of the "
                   "same client"),
        "kex": _JSCH_CURRENT_KEX,
        "hostkey": [
            "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
            "ecdsa-sha2-nistp521-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
            "ssh-ed25519-cert-v01@openssh.com", "sk-ssh-ed25519-cert-v01@openssh.com",
            "rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com",
            "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
            "sk-ecdsa-sha2-nistp256@openssh.com", "ssh-ed25519", "sk-ssh-ed25519@openssh.com", "rsa-sha2-512",
            "rsa-sha2-256", "ssh-rsa",
        ],
        "ciphers": _OPENSSH_7_4_CIPHERS,
        "macs": _OPENSSH_10_0_MACS,
        "pubkey": _OPENSSH_8_4_PUBKEY,
    },
    "openssh_8.8": {
        "name": "openssh_8.8",
        "family": "openssh",
        "version": "8.8",
        "label": "OpenSSH 8.8",
        "verified": "source",
        "source": ("source: openssh-portable V_8_8_P1 myproposal.h; release-8.8: ssh-rsa (RSA/SHA-1) removed "
                   "from the default HostKeyAlgorithms and PubkeyAcceptedAlgorithms; KEX as 8.4 (sntrup761 "
                   "became default in 9.0)"),
        "kex": _JSCH_CURRENT_KEX,
        "hostkey": _OPENSSH_10_0_HOSTKEY,
        "ciphers": _OPENSSH_7_4_CIPHERS,
        "macs": _OPENSSH_10_0_MACS,
        "pubkey": _JSCH_CURRENT_HOSTKEY,
    },
    "openssh_9.2": {
        "name": "openssh_9.2",
        "family": "openssh",
        "version": "9.2",
        "label": "OpenSSH 9.2",
        "verified": "captured",
        "source": ("captured: KEXINIT of Debian 12 openssh-client 1:9.2p1-2+deb12u10 in the lab "
                   "(tests/lab/client_matrix.py capture); pubkey: `ssh -G` PubkeyAcceptedAlgorithms of the "
                   "same client"),
        "kex": _OPENSSH_9_2_KEX,
        "hostkey": _OPENSSH_10_0_HOSTKEY,
        "ciphers": _OPENSSH_7_4_CIPHERS,
        "macs": _OPENSSH_10_0_MACS,
        "pubkey": _JSCH_CURRENT_HOSTKEY,
    },
    "openssh_9.6": {
        "name": "openssh_9.6",
        "family": "openssh",
        "version": "9.6",
        "label": "OpenSSH 9.6",
        "verified": "source",
        "source": ("source: openssh-portable V_9_6_P1 myproposal.h (KEX_CLIENT_KEX = KEX_SERVER_KEX: "
                   "sntrup761x25519-sha512@openssh.com first); release-9.6 added kex-strict-c-v00@openssh.com "
                   "(Terrapin)"),
        "kex": [
            "sntrup761x25519-sha512@openssh.com", "curve25519-sha256", "curve25519-sha256@libssh.org",
            "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521", "diffie-hellman-group-exchange-sha256",
            "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512", "diffie-hellman-group14-sha256",
            "ext-info-c", "ext-info-c", "kex-strict-c-v00@openssh.com",
        ],
        "hostkey": _OPENSSH_10_0_HOSTKEY,
        "ciphers": _OPENSSH_7_4_CIPHERS,
        "macs": _OPENSSH_10_0_MACS,
        "pubkey": _JSCH_CURRENT_HOSTKEY,
    },
    "paramiko_2.12": {
        "name": "paramiko_2.12",
        "family": "paramiko",
        "version": "2.12",
        "label": "paramiko 2.12.0",
        "verified": "captured",
        "source": ("captured: KEXINIT of PyPI paramiko 2.12.0 in the lab (tests/lab/client_matrix.py capture);"
                   " pubkey: paramiko transport.py _preferred_pubkeys (rsa-sha2 since 2.9.0)"),
        "kex": _PARAMIKO_2_12_KEX,
        "hostkey": _PARAMIKO_2_12_HOSTKEY,
        "ciphers": _with(_PARAMIKO_3_5_CIPHERS, drop=["aes128-gcm@openssh.com", "aes256-gcm@openssh.com"]),
        "macs": _PARAMIKO_2_12_MACS,
        "pubkey": _GO_XCRYPTO_PUBKEY,
    },
    "paramiko_3.5": {
        "name": "paramiko_3.5",
        "family": "paramiko",
        "version": "3.5",
        "label": "paramiko 3.5.1",
        "verified": "captured",
        "source": ("captured: KEXINIT of PyPI paramiko 3.5.1 in the lab (tests/lab/client_matrix.py capture); "
                   "pubkey: paramiko transport.py _preferred_pubkeys (rsa-sha2 since 2.9.0)"),
        "kex": _with(_PARAMIKO_2_12_KEX, append=["kex-strict-c-v00@openssh.com"]),
        "hostkey": _PARAMIKO_2_12_HOSTKEY,
        "ciphers": _PARAMIKO_3_5_CIPHERS,
        "macs": _PARAMIKO_2_12_MACS,
        "pubkey": _GO_XCRYPTO_PUBKEY,
    },
    "paramiko_current": {
        "name": "paramiko_current",
        "family": "paramiko",
        "version": "current",
        "label": "paramiko 5.1.0",
        "verified": "captured",
        "source": ("captured: KEXINIT of PyPI paramiko 5.1.0 in the lab (tests/lab/client_matrix.py capture); "
                   "pubkey: paramiko transport.py _preferred_pubkeys (rsa-sha2 since 2.9.0)"),
        "kex": [
            "mlkem768x25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384",
            "ecdh-sha2-nistp521", "diffie-hellman-group16-sha512", "diffie-hellman-group-exchange-sha256",
            "diffie-hellman-group14-sha256", "ext-info-c", "kex-strict-c-v00@openssh.com",
        ],
        "hostkey": _with(_PARAMIKO_2_12_HOSTKEY, drop=["ssh-rsa", "ssh-dss", "ssh-rsa-cert-v01@openssh.com",
                                                       "ssh-dss-cert-v01@openssh.com"]),
        "ciphers": _PARAMIKO_3_5_CIPHERS,
        "macs": _PARAMIKO_2_12_MACS,
        "pubkey": _GO_XCRYPTO_PUBKEY,
    },
    "putty_0.74": {
        "name": "putty_0.74",
        "family": "putty",
        "version": "0.74",
        "label": "PuTTY 0.74",
        "verified": "captured",
        "source": ("captured: KEXINIT of Debian 11 putty-tools 0.74 (plink) in the lab "
                   "(tests/lab/client_matrix.py capture); pubkey: PuTTY sshpubk.c/ssh2userauth.c: RSA signs "
                   "rsa-sha2-* when the server's server-sig-algs lists them (0.75 and later), else ssh-rsa"),
        "kex": [
            "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
            "diffie-hellman-group-exchange-sha256", "diffie-hellman-group-exchange-sha1",
            "diffie-hellman-group14-sha256", "diffie-hellman-group14-sha1", "rsa2048-sha256", "rsa1024-sha1",
            "diffie-hellman-group1-sha1", "kex-strict-c-v00@openssh.com",
        ],
        "hostkey": [
            "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa", "ssh-dss",
        ],
        "ciphers": _with(_PUTTY_0_78_CIPHERS, drop=["aes128-gcm@openssh.com", "aes256-gcm@openssh.com"]),
        "macs": _PUTTY_0_74_MACS,
        "pubkey": _PUTTY_0_74_PUBKEY,
    },
    "putty_0.78": {
        "name": "putty_0.78",
        "family": "putty",
        "version": "0.78",
        "label": "PuTTY 0.78",
        "verified": "captured",
        "source": ("captured: KEXINIT of Debian 12 putty-tools 0.78 (plink) in the lab "
                   "(tests/lab/client_matrix.py capture); pubkey: PuTTY sshpubk.c/ssh2userauth.c: RSA signs "
                   "rsa-sha2-* when the server's server-sig-algs lists them (0.75 and later), else ssh-rsa"),
        "kex": _PUTTY_0_78_KEX,
        "hostkey": _PUTTY_0_78_HOSTKEY,
        "ciphers": _PUTTY_0_78_CIPHERS,
        "macs": _PUTTY_0_74_MACS,
        "pubkey": _PUTTY_0_74_PUBKEY,
    },
    "putty_0.83": {
        "name": "putty_0.83",
        "family": "putty",
        "version": "0.83",
        "label": "PuTTY 0.83",
        "verified": "captured",
        "source": ("captured: KEXINIT of Debian 13 putty-tools 0.83 (plink) in the lab "
                   "(tests/lab/client_matrix.py capture); pubkey: PuTTY sshpubk.c/ssh2userauth.c: RSA signs "
                   "rsa-sha2-* when the server's server-sig-algs lists them (0.75 and later), else ssh-rsa"),
        "kex": _with(_PUTTY_0_78_KEX, prepend=["sntrup761x25519-sha512"], insert={
            "curve448-sha512": ["mlkem768x25519-sha256", "mlkem1024nistp384-sha384", "mlkem768nistp256-sha256"],
        }),
        "hostkey": _PUTTY_0_78_HOSTKEY,
        "ciphers": _PUTTY_0_78_CIPHERS,
        "macs": _with(_PUTTY_0_74_MACS, insert={
            "hmac-sha1": ["hmac-sha2-512"], "hmac-sha1-etm@openssh.com": ["hmac-sha2-512-etm@openssh.com"],
        }),
        "pubkey": _PUTTY_0_74_PUBKEY,
    },
    "ssh2_current": {
        "name": "ssh2_current",
        "family": "ssh2",
        "version": "current",
        "label": "Node ssh2 1.17.0",
        "verified": "captured",
        "source": ("captured: KEXINIT of npm ssh2 1.17.0 on Node 20 in the lab (tests/lab/client_matrix.py "
                   "capture); pubkey: ssh2 lib/client.js publickey auth (rsa-sha2 via server-sig-algs)"),
        "kex": [
            "curve25519-sha256@libssh.org", "curve25519-sha256", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384",
            "ecdh-sha2-nistp521", "diffie-hellman-group-exchange-sha256", "diffie-hellman-group14-sha256",
            "diffie-hellman-group15-sha512", "diffie-hellman-group16-sha512", "diffie-hellman-group17-sha512",
            "diffie-hellman-group18-sha512", "ext-info-c", "kex-strict-c-v00@openssh.com",
        ],
        "hostkey": _GO_XCRYPTO_PUBKEY,
        "ciphers": [
            "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr", "aes192-ctr",
            "chacha20-poly1305@openssh.com", "aes256-ctr",
        ],
        "macs": _JSCH_CURRENT_MACS,
        "pubkey": _GO_XCRYPTO_PUBKEY,
    },
}

OPENSSH_SUPPORTED = {
    "8.4": {
        "kex": _SSHD_8_4_KEX,
        "hostkey": _SSHD_8_4_HOSTKEY,
        "ciphers": _SSHD_8_4_CIPHERS,
        "macs": _SSHD_8_4_MACS,
        "pubkey": _SSHD_8_4_HOSTKEY,
    },
    "9.2": {
        "kex": _SSHD_9_2_KEX,
        "hostkey": _SSHD_9_2_HOSTKEY,
        "ciphers": _SSHD_9_2_CIPHERS,
        "macs": _SSHD_8_4_MACS,
        "pubkey": _SSHD_9_2_HOSTKEY,
    },
    "10.0": {
        "kex": _SSHD_10_0_KEX,
        "hostkey": _SSHD_10_0_HOSTKEY,
        "ciphers": _SSHD_9_2_CIPHERS,
        "macs": _SSHD_8_4_MACS,
        "pubkey": _SSHD_10_0_HOSTKEY,
    },
}
