# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-user authentication state: host reads for the users named in the ``users`` option.

``gather_user_auth(host, users, state)`` reads, through the ``host`` object only, what sshd
itself reads when such a user logs in: the user's effective settings (Match-aware for user,
group and client address, through the config parser), the AuthorizedKeysFile paths with their
%-tokens resolved, each file's owner, mode, ACL and the directories above it, the keys in the
file (type, ``from=``, malformed lines), the shadow dates, the ChrootDirectory components and
what the user's shell prints when sshd starts it non-interactively.  It decides nothing:
checks_auth.py turns this into findings.
"""

import base64
import binascii
import os
import re
import time

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import config as sshd_config

KEY_TYPES = frozenset((
    "ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", "ssh-ed448",
    "ssh-ed25519-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com", "ssh-dss-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com", "sk-ssh-ed25519-cert-v01@openssh.com",
    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
))
PER_USER_KEYS = ("authorizedkeysfile", "authorizedkeyscommand", "authorizedkeyscommanduser", "pubkeyauthentication",
                 "pubkeyacceptedalgorithms", "pubkeyacceptedkeytypes", "chrootdirectory", "forcecommand", "strictmodes",
                 "usepam")
MAX_KEY_LINES = 2000
KEY_TYPE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9@._-]{0,63}$")
SHELL_OUTPUT_LIMIT = 512
OUTPUT_CAP = 4096
SHELL_TIMEOUT = "5"


def _value(entry):
    return entry.get("value") if isinstance(entry, dict) else entry


def split_options(text):
    """Split an authorized_keys line into (options, keytype, blob, comment), quotes respected."""
    text = text.strip()
    first = text.split(None, 1)[0] if text.split() else ""
    if first in KEY_TYPES:
        options = ""
        rest = text
    else:
        # the options field ends at the first whitespace outside double quotes
        quoted = False
        end = len(text)
        for i, ch in enumerate(text):
            if ch == '"' and (i == 0 or text[i - 1] != "\\"):
                quoted = not quoted
            elif ch in " \t" and not quoted:
                end = i
                break
        options, rest = text[:end], text[end:].strip()
    parts = rest.split(None, 2)
    keytype = parts[0] if parts else None
    blob = parts[1] if len(parts) > 1 else None
    comment = parts[2] if len(parts) > 2 else ""
    return options, keytype, blob, comment


def parse_options(options):
    """``from="a,b",no-pty`` -> {"from": "a,b", "no-pty": True}; quoted commas kept."""
    out = {}
    cur, quoted = "", False
    items = []
    for ch in options or "":
        if ch == '"':
            quoted = not quoted
            cur += ch
        elif ch == "," and not quoted:
            items.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        items.append(cur)
    for item in items:
        name, eq, val = item.partition("=")
        out[name.strip().lower()] = val.strip().strip('"') if eq else True
    return out


def parse_authorized_keys(text):
    """Keys and malformed lines of an authorized_keys file: ``{"keys": [...], "malformed": [...]}``."""
    keys, malformed = [], []
    for num, raw in enumerate((text or "").splitlines()[:MAX_KEY_LINES], 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        options, keytype, blob, comment = split_options(line)
        problem = None
        if keytype not in KEY_TYPES:
            # never echo the text itself: a symbolic link to /etc/shadow would put hashes in the facts
            shown = keytype if keytype and KEY_TYPE_NAME.match(keytype) else None
            problem = "unknown key type %r" % shown if shown else "no key type where one belongs"
        else:
            try:
                decoded = base64.b64decode(blob or "", validate=True)
                name_len = int.from_bytes(decoded[:4], "big")
                if not decoded or decoded[4:4 + name_len].decode("ascii", "replace") != keytype:
                    problem = "key data does not match its type %s" % keytype
            except (binascii.Error, ValueError):
                problem = "key data is not base64"
        if problem:
            malformed.append({"line": num, "problem": problem})
            continue
        opts = parse_options(options)
        keys.append({"line": num, "type": keytype, "comment": comment[:80], "from": opts.get("from"),
                     "cert_authority": bool(opts.get("cert-authority")), "restrict": bool(opts.get("restrict"))})
    return {"keys": keys, "malformed": malformed}


def expand_tokens(pattern, user, uid, home):
    """%h %u %U %% as sshd expands them in AuthorizedKeysFile and ChrootDirectory."""
    out, i = "", 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "%" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            out += {"h": home, "u": user, "U": str(uid), "%": "%"}.get(nxt, "%" + nxt)
            i += 2
            continue
        out += ch
        i += 1
    return out


def path_chain(path):
    parts = [p for p in path.split("/") if p]
    return ["/"] + ["/" + "/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _stat(host, path):
    st = host.stat(path)
    if st is None:
        return {"path": path, "exists": False}
    return {"path": path, "exists": True, "uid": st["uid"], "gid": st["gid"], "mode": "%04o" % st["mode"],
            "isdir": st["isdir"], "isreg": st.get("isreg")}


def parse_getfacl(text):
    """`getfacl -c -p -n` output -> {"user": {uid: perms}, "group": {gid: perms}, "mask": perms}; the
    owning user's and group's entries are under ""."""
    acl = {"user": {}, "group": {}, "mask": None}
    for raw in (text or "").splitlines():
        fields = raw.split("#", 1)[0].strip().split(":")
        if len(fields) < 3:
            continue
        kind, name, perms = fields[0], fields[1], fields[2]
        if kind == "mask":
            acl["mask"] = perms
        elif kind in ("user", "group"):
            acl[kind][name] = perms
    return acl


def _acl(host, path, have_getfacl):
    if not have_getfacl:
        return None
    rc, out, _err = host.run([have_getfacl, "-c", "-p", "-n", path])
    if rc != 0:
        return None
    acl = parse_getfacl(out)
    # a plain mode shows as user::, group::, other:: only: no ACL
    return acl if acl["mask"] is not None else None


def _passwd(host):
    out = {}
    for line in (host.read_text("/etc/passwd") or "").splitlines():
        f = line.split(":")
        if len(f) >= 7 and f[2].isdigit() and f[3].isdigit():
            out[f[0]] = {"uid": int(f[2]), "gid": int(f[3]), "home": f[5], "shell": f[6]}
    return out


def _gids(host, name, primary):
    gids = {primary}
    for line in (host.read_text("/etc/group") or "").splitlines():
        f = line.split(":")
        if len(f) >= 4 and f[2].isdigit() and name in f[3].split(","):
            gids.add(int(f[2]))
    return sorted(gids)


def _shadow(host, name):
    for line in (host.read_text("/etc/shadow") or "").splitlines():
        f = line.split(":")
        if f and f[0] == name:
            f += [""] * (9 - len(f))

            def num(x):
                return int(x) if x.strip().lstrip("-").isdigit() else None
            return {"lastchg": num(f[2]), "min": num(f[3]), "max": num(f[4]), "warn": num(f[5]),
                    "inactive": num(f[6]), "expire": num(f[7]), "password_locked": f[1].startswith("!")}
    return None


def user_effective(state, name, groups, addr):
    """Effective per-user values: the global effective config with the Match blocks that hold
    for (user, groups, client address) laid over it, as sshd does after authentication."""
    cfg = state.get("config") or {}
    eff = dict(cfg.get("effective") or {})
    parsed = {"entries": cfg.get("entries") or [], "matches": cfg.get("matches") or []}
    ctx = {"user": name, "groups": groups, "addr": addr, "host": addr}
    ctx = {k: v for k, v in ctx.items() if v}
    try:
        matched = sshd_config.effective(parsed, ctx, state.get("version"))
    except (KeyError, TypeError, ValueError):
        matched = {}
    for key, rec in matched.items():
        if rec.get("match") is not None:
            eff[key] = rec
    return {k: eff[k] for k in PER_USER_KEYS if k in eff}


def _list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(x) for item in value for x in str(item).split()]
    return str(value).split()


def _shell_output(host, name, pw, have):
    """Run the user's shell the way sshd runs a subsystem or command: SHELL -c CMD, non-interactive,
    as the user, with SSH_CLIENT set (bash then reads ~/.bashrc), stdin closed, a timeout."""
    shell = pw["shell"] or "/bin/sh"
    env = ["env", "-i", "HOME=" + pw["home"], "USER=" + name, "LOGNAME=" + name, "SHELL=" + shell,
           "PATH=/usr/local/bin:/usr/bin:/bin", "SSH_CLIENT=127.0.0.1 0 22", "SSH_CONNECTION=127.0.0.1 0 127.0.0.1 22"]
    if have.get("runuser"):
        cmd = [have["runuser"], "-u", name, "--"] + env + [shell, "-c", "true"]
    elif have.get("setpriv"):
        cmd = [have["setpriv"], "--reuid", str(pw["uid"]), "--regid", str(pw["gid"]), "--init-groups"] + env + [
            shell, "-c", "true"]
    else:
        return {"ran": False, "why": "neither runuser nor setpriv on this host"}
    # only stdout corrupts the sftp stream; at most OUTPUT_CAP bytes of it ever reach this process
    # ("$@" keeps the user's shell path out of any shell text)
    cmd = ["sh", "-c", '"$@" </dev/null 2>/dev/null | head -c %d' % OUTPUT_CAP, "sh"] + cmd
    if have.get("timeout"):
        cmd = [have["timeout"], "-s", "KILL", SHELL_TIMEOUT] + cmd
    rc, out, _err = host.run(cmd)
    out = out or ""
    return {"ran": True, "rc": rc, "command": "%s -c true as %s" % (shell, name), "stdout_bytes": len(out),
            "stdout": out[:SHELL_OUTPUT_LIMIT], "timed_out": rc in (124, 137, -9), "truncated": len(out) >= OUTPUT_CAP}


def _which(host, name):
    for d in ("/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        st = host.stat(os.path.join(d, name))
        if st and st.get("executable"):
            return os.path.join(d, name)
    return None


def gather_user_auth(host, users, state):
    """Per-user auth state for ``users`` (names). ``state`` is the state gathered so far."""
    if not users:
        return {}
    pw_all = _passwd(host)
    have = {n: _which(host, n) for n in ("getfacl", "runuser", "setpriv", "timeout")}
    clients = list(state.get("clients") or []) or [None]
    sftp = (state.get("subsystems") or {}).get("sftp") or {}
    out = {"today": int(time.time() // 86400), "clients": [c for c in clients if c], "users": {}}
    for name in users:
        pw = pw_all.get(name)
        if pw is None:
            out["users"][name] = {"exists": False}
            continue
        gids = _gids(host, name, pw["gid"])
        groups = list(((state.get("users") or {}).get(name) or {}).get("groups") or [])
        entry = {"exists": True, "uid": pw["uid"], "gid": pw["gid"], "gids": gids, "home": pw["home"],
                 "shell": pw["shell"], "shadow": _shadow(host, name), "per_client": {}}
        files = {}
        for addr in clients:
            eff = user_effective(state, name, groups, addr)
            akf = [p for p in _list(_value(eff.get("authorizedkeysfile")) or ".ssh/authorized_keys .ssh/authorized_keys2")
                   if p.lower() != "none"]
            paths = []
            for pattern in akf:
                path = expand_tokens(pattern, name, pw["uid"], pw["home"])
                if not path.startswith("/"):
                    path = os.path.join(pw["home"], path)
                paths.append(path)
            akc = _value(eff.get("authorizedkeyscommand"))
            akc_info = None
            if akc and str(akc).lower() != "none":
                # recorded, not run: sshd refuses a command that is not root-owned or is group/world writable
                akc_info = dict(_stat(host, str(akc).split()[0]), command=str(akc)[:200],
                                user=_value(eff.get("authorizedkeyscommanduser")))
            chroot = _value(eff.get("chrootdirectory"))
            chroot_path = expand_tokens(chroot, name, pw["uid"], pw["home"]) if chroot and chroot != "none" else None
            entry["per_client"][addr or ""] = {
                "effective": {k: {"value": _value(v), "file": v.get("file") if isinstance(v, dict) else None,
                                  "line": v.get("line") if isinstance(v, dict) else None} for k, v in eff.items()},
                "authorized_keys_files": paths, "authorized_keys_command": akc_info, "chroot": chroot_path,
                "chroot_chain": [_stat(host, p) for p in path_chain(chroot_path)] if chroot_path else [],
            }
            for path in paths:
                if path in files:
                    continue
                info = _stat(host, path)
                info["chain"] = [_stat(host, p) for p in path_chain(os.path.dirname(path))]
                if info["exists"] and info["uid"] != pw["uid"]:
                    # a file of another owner is what the remediate role may chown: say whether the
                    # path or its directory is a symbolic link (the fix never follows one)
                    info["islink"] = bool((host.stat(path, follow=False) or {}).get("islnk"))
                    info["dir_islink"] = bool((host.stat(os.path.dirname(path), follow=False) or {}).get("islnk"))
                if info["exists"]:
                    info["acl"] = _acl(host, path, have["getfacl"])
                    for link in info["chain"]:
                        if link.get("exists"):
                            link["acl"] = _acl(host, link["path"], have["getfacl"])
                    text = host.read_text(path, limit=1 << 20)
                    info["read_by_root"] = text is not None
                    info.update(parse_authorized_keys(text))
                files[path] = info
        entry["authorized_keys"] = files
        if sftp and not sftp.get("internal"):
            entry["shell_output"] = _shell_output(host, name, pw, have)
        out["users"][name] = entry
    return out
