# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the accounts named in the ``users`` option: shell, lock, Allow/Deny rules, root login, StrictModes.

Pure functions ``check_<id>(state)`` like those of checks.py (the finding registry, registry.py,
names this module for their ids).
"""

import re

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import platform
from ansible_collections.sshd.doctor.plugins.module_utils._sshd.finding import config_known, finding
from ansible_collections.sshd.doctor.plugins.module_utils._sshd.finding import log_lines as _log
from ansible_collections.sshd.doctor.plugins.module_utils._sshd.finding import where as _where
from ansible_collections.sshd.doctor.plugins.module_utils._sshd.registry import ERROR, INFO, WARNING


def _user_findings(state, fn, trusted_config=False):
    """``fn(state, name, user)`` over the users of the ``users`` option; none when ``trusted_config``
    and the effective values cannot be trusted (finding.config_known)."""
    if trusted_config and not config_known(state):
        return []
    out = []
    for name, user in sorted((state.get("users") or {}).items()):
        out.extend(fn(state, name, user))
    return out


def _effective(state):
    return (state.get("config") or {}).get("effective") or {}


def _value(eff, keyword, default):
    return str((eff.get(keyword) or {}).get("value", default)).lower()


def check_login_shell_invalid(state):
    def one(_state, name, user):
        if not user.get("exists") or user.get("shell_valid"):
            return []
        return [finding("login_shell_invalid", WARNING, "%s cannot log in: shell %s does not exist or is not executable" % (
            name, user.get("shell")), ["/etc/passwd: %s shell %s" % (name, user.get("shell"))],
            "Give the account a valid shell if it should log in (policy: not changed automatically).")]
    return _user_findings(state, one)


def check_account_locked(state):
    eff = _effective(state)
    use_pam = _value(eff, "usepam", "no") == "yes"

    def one(_state, name, user):
        if user.get("password_field") != "locked" or use_pam:
            return []
        return [finding("account_locked", WARNING, "%s is locked (`!` in /etc/shadow) and UsePAM is no: sshd refuses it" % name,
                        ["/etc/shadow: password field of %s starts with !" % name, "UsePAM no"],
                        "Unlock the account if it should log in (policy: not changed automatically).")]
    return _user_findings(state, one, trusted_config=True)


def _pattern_match(pattern, value):
    rx = "^" + re.escape(pattern).replace("\\*", ".*").replace("\\?", ".") + "$"
    return re.match(rx, value or "") is not None


def user_access(eff, name, groups):
    """sshd's allowed_user(): DenyUsers, AllowUsers, DenyGroups, AllowGroups in that order."""
    def vals(key):
        v = (eff.get(key) or {}).get("value")
        if not v:
            return []
        return v.split() if isinstance(v, str) else [x for item in v for x in str(item).split()]

    for key, allow in (("denyusers", False), ("allowusers", True)):
        pats = [p.split("@", 1)[0] for p in vals(key)]
        if pats:
            hit = any(_pattern_match(p, name) for p in pats)
            if allow and not hit:
                return False, "not listed in AllowUsers (%s)" % " ".join(vals(key))
            if not allow and hit:
                return False, "listed in DenyUsers (%s)" % " ".join(vals(key))
    for key, allow in (("denygroups", False), ("allowgroups", True)):
        pats = vals(key)
        if pats:
            hit = any(_pattern_match(p, g) for p in pats for g in groups)
            if allow and not hit:
                return False, "none of the user's groups is listed in AllowGroups (%s)" % " ".join(pats)
            if not allow and hit:
                return False, "a group of the user is listed in DenyGroups (%s)" % " ".join(pats)
    return True, None


def check_user_not_allowed(state):
    eff = _effective(state)

    def one(_state, name, user):
        if not user.get("exists"):
            return []
        ok, why = user_access(eff, name, user.get("groups") or [])
        if ok:
            return []
        src = [_where(eff.get(k)) for k in ("allowusers", "denyusers", "allowgroups", "denygroups") if eff.get(k)]
        return [finding("user_not_allowed", ERROR, "%s is refused by sshd: %s" % (name, why),
                        ["%s (%s)" % (why, ", ".join(s for s in src if s) or "sshd -T")],
                        "Policy decision: change AllowUsers/DenyUsers/AllowGroups/DenyGroups if this user should log in. "
                        "Never loosened automatically.")]
    return _user_findings(state, one, trusted_config=True)


def check_root_login_refused(state):
    eff = _effective(state)
    value = _value(eff, "permitrootlogin", "prohibit-password")

    def one(_state, name, user):
        if name != "root" and user.get("uid") != 0:
            return []
        if value != "no":
            return []
        return [finding("root_login_refused", INFO, "PermitRootLogin no: root cannot log in over SSH",
                        ["PermitRootLogin %s (%s)" % (value, _where(eff.get("permitrootlogin")) or "sshd -T")],
                        "Policy decision: log in as another user. Never loosened automatically.")]
    return _user_findings(state, one, trusted_config=True)


def _strict_modes_problem(info, name, relaxation=True):
    """(message, bits) for one path StrictModes refuses: the owner is neither root nor the user
    (bits None), or it is writable by others or by a group sshd does not accept (the write bits to
    clear); (None, 0) when sshd accepts it."""
    if not info or not info.get("exists"):
        return None, 0
    mode = int(info.get("mode") or "0", 8)
    if info.get("owner") not in ("root", name):
        return "%s is owned by %s" % (info["path"], info.get("owner")), None
    if mode & 0o002:
        return "%s has mode %s (world writable)" % (info["path"], info.get("mode")), 0o022 if (
            mode & 0o020 and not platform.group_write_allowed(info, name, relaxation)) else 0o002
    # Debian's sshd accepts group write when the group's only member is the owner (a private
    # group); upstream sshd (RHEL, SUSE, Alpine) never does.
    if mode & 0o020 and not platform.group_write_allowed(info, name, relaxation):
        return "%s has mode %s (writable by group %s)" % (info["path"], info.get("mode"), info.get("group")), 0o020
    return None, 0


def _home_repair(name, user, refused):
    """The remediate role's steps for home_or_keys_insecure (fix_home_or_keys_insecure.yml), from
    the paths the check refused (``[(info, bits)]``) and nothing else.  The home, ~/.ssh and the
    authorized_keys files lose the write bits sshd refuses, and go to the user when another account
    owns them (~/.ssh 0700 and authorized_keys 0600 then); a directory above the home (/home) is
    never changed: None when one of those is refused."""
    chain = user.get("home_chain") or []
    home = chain[-1] if chain and chain[-1].get("path") == user.get("home") else None
    steps = []
    for info, bits in refused:
        if info is not home and info is not user.get("ssh_dir") and info.get("isdir") is not False:
            return None  # a directory above the home: the system's, not this fix's
        kind = "directory" if info.get("isdir") else "file"
        mode = int(info.get("mode") or "0", 8)
        if bits is not None:
            step = {"owner": None, "mode": "%04o" % (mode & ~bits)}
        elif kind == "file":
            step = {"owner": name, "mode": "0600"}
        else:
            step = {"owner": name, "mode": "%04o" % (mode & ~0o022) if info is home else "0700"}
        steps.append(dict(step, user=name, path=info["path"], kind=kind))
    return {"user": name, "steps": steps}


def check_home_or_keys_insecure(state):
    if _value(_effective(state), "strictmodes", "yes") == "no":
        return []

    relax = (state.get("platform") or {}).get("private_group_relaxation")

    def one(_state, name, user):
        if not user.get("exists"):
            return []
        paths = (user.get("home_chain") or [])[1:] + [user.get("ssh_dir")] + list(user.get("authorized_keys") or [])
        refused = [(info, problem) for info, problem in ((i, _strict_modes_problem(i, name, relax)) for i in paths)
                   if problem[0]]
        if not refused:
            return []
        repair = _home_repair(name, user, [(info, problem[1]) for info, problem in refused])
        out = finding("home_or_keys_insecure", ERROR, "StrictModes refuses %s's keys: bad ownership or modes" % name,
                      [problem[0] for _info, problem in refused] + _log(state, "bad ownership or modes")[-2:],
                      "chmod go-w the home directory, 0700 ~/.ssh, 0600 authorized_keys, owned by %s." % name,
                      remediable=repair is not None)
        if repair:
            out["repair"] = repair  # exactly the paths above (fix_home_or_keys_insecure.yml)
        else:
            out["fix"] += " Report only: a directory above the home is refused; the remediate role never changes it."
        return [out]
    return _user_findings(state, one)
