# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks for client compatibility, negotiation refusals and per-user public key problems.

Pure functions ``check_<id>(state)`` like those of checks.py; ``CHECKS`` lists them.  They
read ``config.effective`` (the ``sshd -T`` dump), ``host_keys``, ``service.log``,
``client_profiles`` (the profiles the fleet must serve) and ``user_auth`` (userauth.py).
"""

import os
import re

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import client_profiles, crypto
from ansible_collections.sshd.doctor.plugins.module_utils._sshd import config as sshd_config
from ansible_collections.sshd.doctor.plugins.module_utils._sshd.finding import finding

ERROR, WARNING = "error", "warning"

# sshd's own words (kex.c kex_choose_conf / auth2-pubkey.c), as journald keeps them
NEGOTIATE_RE = re.compile(
    r"Unable to negotiate with (?P<addr>\S+) port (?P<port>\d+): no matching "
    r"(?P<what>key exchange method|host key type|cipher|MAC) found\. Their offer: (?P<offer>\S+)")
PUBKEY_TYPE_RE = re.compile(
    r"userauth_pubkey: (?:key type|signature algorithm) (?P<alg>\S+) not in "
    r"(?P<option>PubkeyAcceptedAlgorithms|PubkeyAcceptedKeyTypes)")
_LIST_OF = {"key exchange method": "kex", "host key type": "hostkey", "cipher": "ciphers", "MAC": "macs"}
_RSA_SIGS = ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa")


def _eff(state):
    return (state.get("config") or {}).get("effective") or {}


def _where(offer, name):
    entry = offer.get(name) or {}
    if entry.get("file"):
        return "%s:%s" % (entry["file"], entry.get("line"))
    return "sshd -T"


def _short(algs, limit=8):
    # certificates, security keys and KEXINIT markers only crowd the evidence
    algs = [a for a in algs or [] if "-cert-v01@" not in a and not a.startswith("sk-") and a not in crypto.PSEUDO_KEX]
    return ",".join(algs[:limit]) + (",..." if len(algs) > limit else "") if algs else "(none)"


# ---------------------------------------------------------------- client compatibility


def check_client_algorithms_incompatible(state):
    eff = _eff(state)
    profiles = state.get("client_profiles") or client_profiles.DEFAULT_REQUIRED
    if not eff or "kexalgorithms" not in eff:
        return []  # no sshd -T dump: the compiled defaults are unknown, nothing can be computed
    rows = crypto.compatibility(eff, state.get("host_keys") or [], profiles, state.get("version_tuple"))
    offer = crypto.server_offer(eff, state.get("host_keys") or [], state.get("version_tuple"))
    failing = [r for r in rows if r.get("ok") is False]
    noted = [r for r in rows if r.get("ok") and r.get("note")]
    if not failing and not noted:
        return []
    if not failing:
        return [finding("client_algorithms_incompatible", WARNING,
                        "%s can connect, but not with RSA keys" % ", ".join(r["label"] for r in noted),
                        ["%s: %s" % (r["label"], r["note"]) for r in noted],
                        "Give those clients' users ECDSA or ed25519 keys, or upgrade the client; adding ssh-rsa to "
                        "PubkeyAcceptedAlgorithms re-enables SHA-1 signatures (policy; never applied).")]
    evidence, fixes = [], []
    for row in failing:
        name = row["failed"]
        evidence.append("%s: no matching %s; it offers %s; this server has %s (%s %s)" % (
            row["label"], crypto.WHAT[name], _short(row["their_offer"]), _short(row["server_list"]),
            offer[name]["keyword"], _where(offer, name)))
        fix = row.get("fix") or {}
        if fix.get("line"):
            text = "%s: `%s` (%s)" % (row["label"], fix["line"], fix["where"])
            if fix.get("note"):
                text += "; " + fix["note"]
            fixes.append(text)
    evidence += ["%s: %s" % (r["label"], r["note"]) for r in noted]
    unknown = [r["profile"] for r in rows if r.get("error")]
    if unknown:
        evidence.append("unknown client profiles ignored: %s" % ", ".join(unknown))
    summary = "%s cannot connect: no common %s" % (
        ", ".join(r["label"] for r in failing), " / ".join(sorted({crypto.WHAT[r["failed"]] for r in failing})))
    return [finding("client_algorithms_incompatible", ERROR, summary, evidence,
                    "Report only, never applied (it weakens crypto policy): the one line that would admit each "
                    "client is " + "; ".join(fixes) + ". Or upgrade the client.")]


def refusals(log_lines):
    """"Unable to negotiate" log lines -> [{addr, port, list, offer, line}] (latest per address and list)."""
    out = {}
    for line in log_lines or []:
        m = NEGOTIATE_RE.search(line)
        if m:
            name = _LIST_OF[m.group("what")]
            out[(m.group("addr"), name)] = {"addr": m.group("addr"), "port": m.group("port"), "list": name,
                                            "offer": m.group("offer").split(","), "line": line.strip()}
    return list(out.values())


def check_clients_refused_negotiation(state):
    seen = refusals((state.get("service") or {}).get("log"))
    if not seen:
        return []
    eff = _eff(state)
    offer = crypto.server_offer(eff, state.get("host_keys") or [], state.get("version_tuple"))
    evidence, fixes = [], []
    for r in seen:
        server = (offer.get(r["list"]) or {}).get("algorithms")
        evidence.append("%s offered %s: %s; this server accepts %s" % (
            r["addr"], crypto.WHAT[r["list"]], _short(r["offer"]), _short(server) if server is not None else "(unknown)"))
        evidence.append(r["line"])
        if server is not None:
            fix = crypto.admitting_line(r["list"], {r["list"]: r["offer"]}, offer, state.get("version_tuple"))
            if fix.get("line"):
                fixes.append("%s: `%s` (%s)" % (r["addr"], fix["line"], fix["where"]))
    addrs = sorted({r["addr"] for r in seen})
    return [finding("clients_refused_negotiation", WARNING,
                    "sshd turned away %d client address(es) during algorithm negotiation: %s" % (len(addrs), ", ".join(addrs)),
                    evidence,
                    "Report only: upgrade those clients, or admit them with " + ("; ".join(fixes) or "a matching algorithm")
                    + " (weakens crypto policy; never applied automatically).")]


# ---------------------------------------------------------------- per-user public keys


def _users(state):
    return sorted(((state.get("user_auth") or {}).get("users") or {}).items())


def _readable(info, uid, gids, bit):
    """Can (uid, gids) read (bit 4) or search (bit 1) ``info``? Owner, group, other and POSIX ACL
    (``getfacl -n``: numeric ids; the owning group's entry under "")."""
    if not info.get("exists"):
        return False
    if uid == 0:
        return True
    mode = int(info["mode"], 8)
    letter = {4: "r", 1: "x"}[bit]
    if info["uid"] == uid:
        return bool(mode & (bit << 6))
    acl = info.get("acl")
    if acl:
        mask = acl.get("mask")

        def ok(perms):
            return letter in perms and (mask is None or letter in mask)
        named = acl["user"].get(str(uid))
        if named is not None:
            return ok(named)
        perms = [p for g, p in acl["group"].items() if (g == "" and info["gid"] in gids) or (g.isdigit() and int(g) in gids)]
        if perms:
            return any(ok(p) for p in perms)
    elif info["gid"] in gids:
        return bool(mode & (bit << 3))
    return bool(mode & bit)


def _under(path, home):
    home = (home or "").rstrip("/")
    return bool(home) and path.startswith(home + "/")


def _repair(name, user, path, info, blocked):
    """What the remediate role does for one unreadable file (its fix_authorized_keys_unreadable.yml),
    or None when no safe owner or mode change makes the file readable by the user: a symbolic link
    (never followed), a file root cannot read (NFS root squash), a directory above ~/.ssh that the
    user cannot enter, an ACL entry, or a file of the user's own (not an owner problem)."""
    if info.get("islink") or info.get("dir_islink") or info.get("read_by_root") is False:
        return None
    if info.get("uid") == user["uid"]:
        return None
    if _under(path, user.get("home")):
        ssh_dir = user["home"].rstrip("/") + "/.ssh"
        own_dir = next((d for d in info.get("chain") or [] if d.get("path") == ssh_dir and d.get("exists")), None)
        if blocked and blocked != [ssh_dir]:
            return None  # the home or a directory above ~/.ssh: not this fix's to change
        out = [{"path": path, "owner": user["uid"], "group": user["gid"], "mode": "0600", "kind": "file"}]
        if own_dir is not None and os.path.dirname(path) == ssh_dir:
            out.insert(0, {"path": ssh_dir, "owner": user["uid"], "group": user["gid"], "mode": "0700", "kind": "directory"})
        elif blocked:
            return None
        return out
    # outside the home (AuthorizedKeysFile /etc/ssh/authorized_keys/%u): root's 0600 file becomes 0644
    if info.get("uid") == 0 and info.get("mode") == "0600" and not info.get("acl") and not blocked:
        return [{"path": path, "owner": 0, "group": info.get("gid"), "mode": "0644", "kind": "file"}]
    return None


def check_authorized_keys_unreadable(state):
    out = []
    strict = str((_eff(state).get("strictmodes") or {}).get("value", "yes")).lower() != "no"
    for name, user in _users(state):
        if not user.get("exists"):
            continue
        problems, repair, fixable = [], [], True
        for path, info in sorted((user.get("authorized_keys") or {}).items()):
            if not info.get("exists") or (strict and info.get("uid") not in (0, user["uid"])):
                continue  # missing, or StrictModes refuses it first: home_or_keys_insecure
            blocked = [d["path"] for d in info.get("chain") or []
                       if d.get("exists") and not _readable(d, user["uid"], user["gids"], 1)]
            if blocked:
                problems.append("%s: %s cannot enter %s (mode %s)" % (path, name, blocked[0], next(
                    d["mode"] for d in info["chain"] if d["path"] == blocked[0])))
            elif not _readable(info, user["uid"], user["gids"], 4):
                problems.append("%s is owner uid %s, group gid %s, mode %s%s: %s (uid %s) cannot read it" % (
                    path, info["uid"], info["gid"], info["mode"], ", with an ACL" if info.get("acl") else "", name,
                    user["uid"]))
            elif info.get("read_by_root") is False:
                problems.append("%s cannot be read even by root (network file system with root squash?)" % path)
            else:
                continue
            steps = _repair(name, user, path, info, blocked)
            if steps is None:
                fixable = False
                why = ("a symbolic link" if info.get("islink") or info.get("dir_islink") else
                       "root cannot read it" if info.get("read_by_root") is False else
                       "it is %s's own file" % name if info.get("uid") == user["uid"] else
                       "the blocking directory is not ~/.ssh" if blocked else
                       "not a root-owned 0600 file without ACL outside the home")
                problems.append("%s: not repaired automatically (%s)" % (path, why))
            else:
                repair += [s for s in steps if s not in repair]
        if problems:
            log = [line for line in (state.get("service") or {}).get("log") or []
                   if "Could not open user '%s' authorized keys" % name in line][-2:]
            f = finding("authorized_keys_unreadable", ERROR,
                        "sshd cannot read %s's authorized keys: it reads them as the user" % name,
                        problems + log,
                        ("The remediate role repairs it: %s." % "; ".join(
                            "%s %s:%s %s" % (s["path"], s["owner"], s["group"], s["mode"]) for s in repair))
                        if fixable and repair else
                        "Report only (no safe owner or mode change repairs it here): make each file readable by %s "
                        "(owned by %s, mode 0600, ~/.ssh 0700) without following symbolic links." % (name, name),
                        remediable=fixable and bool(repair))
            if f["remediable"]:
                # what the remediate role changes, machine-readable (fix_authorized_keys_unreadable.yml)
                f["repair"] = {"user": name, "steps": repair}
            out.append(f)
    return out


def _accepted(user, state):
    """The PubkeyAcceptedAlgorithms list that applies to the user (first client context)."""
    for ctx in (user.get("per_client") or {}).values():
        eff = ctx.get("effective") or {}
        for key in ("pubkeyacceptedalgorithms", "pubkeyacceptedkeytypes"):
            if key in eff:
                algs = crypto.split_list(eff[key].get("value"))
                if algs and algs[0][:1] not in "+-^":
                    return algs, eff[key]
    eff = _eff(state)
    for key in ("pubkeyacceptedalgorithms", "pubkeyacceptedkeytypes"):
        if key in eff:
            algs = crypto.split_list(eff[key].get("value") if isinstance(eff[key], dict) else eff[key])
            if algs and algs[0][:1] not in "+-^":
                return algs, eff[key]
    return None, None


def key_rejection(keytype, accepted, version_tuple):
    """Why sshd would refuse a key of ``keytype``, or None.  An RSA key is fine while any of
    rsa-sha2-512, rsa-sha2-256, ssh-rsa is accepted (clients then sign with one of them)."""
    vt = tuple(version_tuple or ())
    base = keytype.replace("-cert-v01@openssh.com", "")
    if base == "ssh-dss" and vt >= (10, 0):
        return "DSA keys are no longer supported by OpenSSH 10.0"
    if base == "ssh-rsa":
        if any(a in accepted for a in _RSA_SIGS):
            return None
        return "none of rsa-sha2-512, rsa-sha2-256, ssh-rsa is in PubkeyAcceptedAlgorithms"
    if keytype in accepted or base in accepted:
        return None
    return "%s is not in PubkeyAcceptedAlgorithms" % base


def check_user_key_type_rejected(state):
    out = []
    vt = state.get("version_tuple")
    for name, user in _users(state):
        if not user.get("exists"):
            continue
        accepted, src = _accepted(user, state)
        if accepted is None:
            continue
        bad, keys = [], 0
        for path, info in sorted((user.get("authorized_keys") or {}).items()):
            for key in info.get("keys") or []:
                if key.get("cert_authority"):
                    continue
                keys += 1
                why = key_rejection(key["type"], accepted, vt)
                if why:
                    bad.append("%s:%s %s key (%s): %s" % (path, key["line"], key["type"], key["comment"] or "no comment", why))
            for m in info.get("malformed") or []:
                bad.append("%s:%s malformed line: %s" % (path, m["line"], m["problem"]))
        if not bad:
            continue
        where = "%s:%s" % (src.get("file"), src.get("line")) if isinstance(src, dict) and src.get("file") else "sshd -T"
        severity = ERROR if keys and len([b for b in bad if "malformed" not in b]) == keys else WARNING
        rejected = len([b for b in bad if "malformed" not in b])
        summary = ("%s has keys this server rejects (%d of %d)" % (name, rejected, keys) if rejected or keys else
                   "%s's authorized keys file holds no key, only %d malformed line(s)" % (name, len(bad)))
        out.append(finding("user_key_type_rejected", severity, summary,
                           bad[:10] + ["PubkeyAcceptedAlgorithms (%s): %s" % (where, _short(accepted))],
                           "Give %s a key the server accepts (ssh-keygen -t ed25519); widening "
                           "PubkeyAcceptedAlgorithms is a policy decision, never applied automatically." % name))
    logged = [line for line in (state.get("service") or {}).get("log") or [] if PUBKEY_TYPE_RE.search(line)]
    if logged and not out:
        algs = sorted({PUBKEY_TYPE_RE.search(line).group("alg") for line in logged})
        out.append(finding("user_key_type_rejected", WARNING,
                           "Clients tried public key signatures this server rejects: %s" % ", ".join(algs),
                           logged[-3:],
                           "Clients signing with %s need a newer client or another key type (ed25519); "
                           "adding it to PubkeyAcceptedAlgorithms is a policy decision." % ", ".join(algs)))
    return out


def from_allows(patterns, addr):
    """sshd's match_host_and_ip() with UseDNS no: the client address against a from= list."""
    mhost = sshd_config.match_pattern_list(addr.lower(), patterns, True)
    mip = sshd_config.addr_match_list(addr, patterns)
    if mhost == -1 or mip == -1:
        return False
    return mhost == 1 or mip == 1


def check_user_key_from_excludes_client(state):
    out = []
    clients = [c for c in state.get("clients") or (state.get("user_auth") or {}).get("clients") or [] if c]
    if not clients:
        return out
    for name, user in _users(state):
        if not user.get("exists"):
            continue
        keys = [(path, k) for path, info in sorted((user.get("authorized_keys") or {}).items())
                for k in info.get("keys") or []]
        for addr in clients:
            excluded = [(p, k) for p, k in keys if k.get("from") and not from_allows(k["from"], addr)]
            usable = [(p, k) for p, k in keys if not k.get("from") or from_allows(k["from"], addr)]
            if excluded and not usable:
                out.append(finding("user_key_from_excludes_client", ERROR,
                                   "Every key of %s has a from= option that excludes %s" % (name, addr),
                                   ["%s:%s from=\"%s\"" % (p, k["line"], k["from"]) for p, k in excluded[:5]],
                                   "Policy decision: add %s to the from= list if that client should log in." % addr))
    return out


def check_account_expired(state):
    out = []
    today = (state.get("user_auth") or {}).get("today")
    if today is None:
        return out
    for name, user in _users(state):
        sh = user.get("shadow") if user.get("exists") else None
        if not sh:
            continue
        problems, severity = [], WARNING
        if sh.get("expire") is not None and 0 <= sh["expire"] <= today:
            problems.append("/etc/shadow: account of %s expired %d day(s) ago (expire field %d)" % (
                name, today - sh["expire"], sh["expire"]))
            severity = ERROR
        if sh.get("lastchg") == 0:
            problems.append("/etc/shadow: %s must change the password at next login (last change 0)" % name)
        elif sh.get("lastchg") and sh.get("max") not in (None, 99999, -1) and sh["lastchg"] + sh["max"] < today:
            ended = sh["lastchg"] + sh["max"]
            if sh.get("inactive") not in (None, -1) and ended + sh["inactive"] < today:
                problems.append("/etc/shadow: the password of %s expired and the inactive period ended %d day(s) ago: "
                                "the account is disabled" % (name, today - ended - sh["inactive"]))
                severity = ERROR
            else:
                problems.append("/etc/shadow: the password of %s expired %d day(s) ago" % (name, today - ended))
        if problems:
            log = [line for line in (state.get("service") or {}).get("log") or []
                   if re.search(r"%s.*(account has expired|expired)" % re.escape(name), line)][-2:]
            out.append(finding("account_expired", severity, "%s cannot log in: account or password expired (shadow dates)" % name,
                               problems + log,
                               "Policy decision: chage -E -1 / chage -d on the host if the account should log in "
                               "(with UsePAM, a password change prompt breaks scp, sftp and automation)."))
    return out


def check_chroot_dir_insecure(state):
    out = []
    for name, user in _users(state):
        if not user.get("exists"):
            continue
        for addr, ctx in sorted((user.get("per_client") or {}).items()):
            if not ctx.get("chroot"):
                continue
            problems = []
            for comp in ctx.get("chroot_chain") or []:
                if not comp.get("exists"):
                    problems.append("%s does not exist" % comp["path"])
                    break
                mode = int(comp["mode"], 8)
                if comp.get("uid") != 0:
                    problems.append("%s is owned by uid %s, not root" % (comp["path"], comp.get("uid")))
                if mode & 0o022:
                    problems.append("%s has mode %s (group or world writable)" % (comp["path"], comp["mode"]))
                if not comp.get("isdir"):
                    problems.append("%s is not a directory" % comp["path"])
            if problems:
                src = (ctx.get("effective") or {}).get("chrootdirectory") or {}
                out.append(finding("chroot_dir_insecure", ERROR,
                                   "ChrootDirectory %s for %s is refused by sshd: every component must be root-owned "
                                   "and not group or world writable" % (ctx["chroot"], name),
                                   problems + ["ChrootDirectory %s (%s:%s)%s" % (
                                       src.get("value"), src.get("file"), src.get("line"),
                                       " for client %s" % addr if addr else "")]
                                   + [line for line in (state.get("service") or {}).get("log") or []
                                      if "bad ownership or modes for chroot directory" in line][-2:],
                                   "chown root:root and chmod go-w each component listed; give the user a writable "
                                   "directory below the chroot instead."))
                break
    return out


def check_shell_output_breaks_sftp(state):
    out = []
    for name, user in _users(state):
        res = user.get("shell_output") if user.get("exists") else None
        if not res or not res.get("ran") or not res.get("stdout_bytes"):
            continue
        out.append(finding("shell_output_breaks_sftp", ERROR,
                           "%s's shell prints %s byte(s) when sshd starts it non-interactively: sftp and scp break" % (
                               name, "%d+" % res["stdout_bytes"] if res.get("truncated") else res["stdout_bytes"]),
                           ["%s printed: %r" % (res["command"], res["stdout"][:120])],
                           "Make %s's shell startup files (~/.bashrc, /etc/bash.bashrc, ~/.profile) print nothing "
                           "unless interactive ([ -t 1 ] or case $- in *i*), or use internal-sftp." % name))
    return out


CHECKS = [
    ("client_algorithms_incompatible", check_client_algorithms_incompatible),
    ("clients_refused_negotiation", check_clients_refused_negotiation),
    ("authorized_keys_unreadable", check_authorized_keys_unreadable),
    ("user_key_type_rejected", check_user_key_type_rejected),
    ("user_key_from_excludes_client", check_user_key_from_excludes_client),
    ("account_expired", check_account_expired),
    ("chroot_dir_insecure", check_chroot_dir_insecure),
    ("shell_output_breaks_sftp", check_shell_output_breaks_sftp),
]
