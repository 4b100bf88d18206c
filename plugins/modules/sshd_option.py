#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sshd.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: sshd_option
short_description: Set or remove one sshd_config keyword where sshd will honour it, validated with sshd -t
version_added: "0.1.0"
description:
  - Reads the main sshd configuration and every file it includes with the collection's own parser (Include in
    sshd's order, Match blocks, first obtained value wins, file and line of every entry) and changes one keyword
    where the value takes effect.
  - When a line already gives the keyword its value (the first one sshd reads, whether in the main file or in a
    drop-in that an C(Include) pulls in earlier), that line is rewritten in place; its indentation, keyword
    spelling, separators and trailing comment stay. Later lines that never take effect are left alone and
    returned as RV(shadowed).
  - When no line sets the keyword, one line is added to the global section of the main file, after the
    commented-out default (for example C(#PermitRootLogin prohibit-password)) when there is one before the first
    C(Match), otherwise just before the first C(Match) block (and the comment lines right above it), otherwise at
    the end of the file. A line is never added inside or after a C(Match) block.
  - C(Subsystem) is handled per subsystem name (O(value) is C(NAME COMMAND [ARGS])); a definition that exists is
    rewritten, a second one is never added. Lines inside C(Match) blocks are never touched, only reported
    (RV(in_match)).
  - Keywords that accumulate (C(Port), C(ListenAddress), C(HostKey), C(AcceptEnv), C(AllowUsers) and the other
    access lists) get O(value) as one more line next to the existing ones, unless a line with exactly that value
    exists already.
  - With O(state=absent), every line that applies at start-up is removed (only those with exactly O(value) when
    it is given; for C(Subsystem), O(value) names the subsystem).
  - The candidate is checked with C(sshd -t -f) before it replaces the live file. A temporary copy of every
    changed file is written next to it (a hidden name, so no C(Include) glob picks it up); when a drop-in changes,
    the main file and every file whose C(Include) leads to it are staged as temporary copies too, with those
    C(Include) lines replaced by the explicit list of files they expand to (same order, staged copies in place of
    the live ones), so C(sshd -t) reads exactly the configuration that the change would produce. The temporary
    files are removed before the module returns. A rejected candidate leaves every file byte-identical.
  - Files are read and written as bytes, so bytes that are not UTF-8 survive; a CRLF line stays CRLF.
    The live file is replaced atomically, keeping its mode, owner and SELinux context.
author:
  - sshd.doctor contributors (@sshd-doctor)
options:
  keyword:
    description:
      - The sshd_config keyword, in any case (C(PermitRootLogin), C(Subsystem), C(Port)).
      - C(Match) and C(Include) are structure, not options, and are refused.
    type: str
    required: true
  value:
    description:
      - The arguments, written after the keyword as given (quote them as sshd_config expects).
      - For C(Subsystem), C(NAME COMMAND [ARGS]), for example C(sftp internal-sftp).
      - Required with O(state=present). With O(state=absent) it narrows the removal to lines with exactly this
        value; for C(Subsystem) the first word names the subsystem to remove.
    type: str
  state:
    description: Whether the keyword should have O(value) (V(present)) or no start-up line at all (V(absent)).
    type: str
    choices: [present, absent]
    default: present
  path:
    description:
      - The main sshd configuration file. Relative C(Include) patterns are resolved under C(/etc/ssh), as sshd does.
    type: path
    default: /etc/ssh/sshd_config
  backup:
    description:
      - Keep a copy of every file before it is changed (C(FILE.PID.DATE~), as M(ansible.builtin.lineinfile) does).
      - When an C(Include) glob of the configuration would read that name, the copy gets a hidden name
        (C(.FILE.PID.DATE~)) instead, so sshd never reads the backup.
    type: bool
    default: true
  validate:
    description:
      - Check the candidate with C(sshd -t -f) before it replaces the live file.
      - Only turn this off where no sshd binary exists; the parser's own checks then run, and a candidate in which
        they find a new error (an unknown keyword, for example) is refused, nothing is written.
    type: bool
    default: true
  sshd_path:
    description: The sshd binary used for C(sshd -t) and the version; found in the usual sbin directories when not given.
    type: path
attributes:
  check_mode:
    support: full
    description: Computes the change and runs C(sshd -t) on a temporary candidate (removed again); writes nothing.
  diff_mode:
    support: full
    description: Returns the before and after text of every file that changes.
notes:
  - Needs root to read the configuration and to run C(sshd -t), which also loads the host keys.
  - The module does not reload sshd; notify a handler that does (C(systemctl reload ssh)).
  - When O(state=absent) changes more than one file, the files are replaced one after the other after the whole
    candidate passed C(sshd -t).
  - Targets need Python 3.9 or later.
  - A file that cannot be replaced (immutable or append-only, a read-only or full file system, not root) fails with
    one sentence naming the cause, before anything is written, in check mode too. Temporary files that a killed run
    left next to a configuration file (their process is gone) are removed by the next run.
  - Above 256 KiB the diff shows only the changed lines and 3 lines around them (the header says which lines).
seealso:
  - module: sshd.doctor.sshd_facts
  - module: ansible.builtin.lineinfile
"""

EXAMPLES = r"""
- name: Give sshd an sftp subsystem (rewrites an existing one, never adds a second)
  sshd.doctor.sshd_option:
    keyword: Subsystem
    value: sftp internal-sftp
  notify: Reload sshd

- name: Turn off X11 forwarding where the effective value comes from
  sshd.doctor.sshd_option:
    keyword: X11Forwarding
    value: "no"

- name: Remove every start-up PermitUserEnvironment line
  sshd.doctor.sshd_option:
    keyword: PermitUserEnvironment
    state: absent

- name: Preview a change without writing
  sshd.doctor.sshd_option:
    keyword: LogLevel
    value: VERBOSE
  check_mode: true
  diff: true
"""

RETURN = r"""
file:
  description: The file that holds the line (the changed one, or the one that already had the value).
  returned: when a line holds the value or a line was removed
  type: str
  sample: /etc/ssh/sshd_config
line:
  description: The line number of that line (in the new file; for a removal, in the old one).
  returned: when a line holds the value or a line was removed
  type: int
  sample: 117
action:
  description: What was done to the first changed line.
  returned: always
  type: str
  choices: [insert, replace, remove, none]
  sample: replace
before:
  description: The line before the change (none for an insert).
  returned: always
  type: str
  sample: "Subsystem\tsftp\t/usr/lib/openssh/sftp-server"
after:
  description: The line after the change (none for a removal).
  returned: always
  type: str
  sample: "Subsystem\tsftp\tinternal-sftp"
changes:
  description: Every line changed, with the reason for its place.
  returned: always
  type: list
  elements: dict
  sample:
    - {file: /etc/ssh/sshd_config, line: 117, action: replace, before: "Subsystem sftp /usr/lib/openssh/sftp-server",
       after: "Subsystem sftp internal-sftp", reason: "the line that wins (first obtained value)"}
files:
  description: The files that changed (or would change in check mode).
  returned: always
  type: list
  elements: str
  sample: [/etc/ssh/sshd_config]
backup_file:
  description: The backup of the first changed file.
  returned: when a file changed and O(backup=true)
  type: str
  sample: /etc/ssh/sshd_config.4711.2025-01-31@12:00:00~
backup_files:
  description: The backup of every changed file, by file.
  returned: when a file changed and O(backup=true)
  type: dict
  sample: {/etc/ssh/sshd_config: /etc/ssh/sshd_config.4711.2025-01-31@12:00:00~}
shadowed:
  description: Other start-up lines of the keyword (or subsystem) that sshd ignores because an earlier one wins.
  returned: always
  type: list
  elements: dict
  sample: [{file: /etc/ssh/sshd_config, line: 40, text: "PasswordAuthentication yes"}]
in_match:
  description: Lines of the keyword inside Match blocks that do not apply at start-up; never changed.
  returned: always
  type: list
  elements: dict
  sample: [{file: /etc/ssh/sshd_config, line: 130, text: "  X11Forwarding yes", match_file: /etc/ssh/sshd_config,
            match_line: 128}]
effective:
  description: The value sshd uses at start-up after the change (the parser's view), none when unset.
  returned: always
  type: raw
  sample: sftp internal-sftp
validated:
  description: Whether C(sshd -t -f) accepted the candidate (false when nothing changed or O(validate=false)).
  returned: always
  type: bool
  sample: true
version:
  description: The OpenSSH version the edit was planned for (aliases, Match rules), none when unknown.
  returned: always
  type: str
  sample: 10.0p2
validation_deferred:
  description:
    - The sshd -t message that fails every configuration on this host right now (privilege separation
      directory or user, host keys), when the candidate could therefore be checked by the parser only.
    - sshd -t must pass before sshd is started or reloaded with the new file.
  returned: when sshd -t failed for a reason outside the configuration text, the live file alike
  type: str
validation:
  description: The rejected C(sshd -t) run, with the temporary file names replaced by the real ones.
  returned: when sshd -t rejects the candidate (the module fails)
  type: dict
  contains:
    rc:
      description: The exit code of C(sshd -t).
      type: int
    message:
      description: What sshd printed.
      type: str
    errors:
      description: The messages as C({file, line, message}).
      type: list
      elements: dict
    live_config_valid:
      description: Whether the live configuration, unchanged, passes C(sshd -t).
      type: bool
diff:
  description: Before and after text of the changed file (a list of them when several files change).
  returned: in diff mode, when a file changes
  type: raw
msg:
  description: What happened, in one line.
  returned: always
  type: str
"""

import contextlib
import errno
import os
import re
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import config as sshd_config
from ansible_collections.sshd.doctor.plugins.module_utils._sshd import edit, version

SBIN_DIRS = ["/usr/sbin", "/usr/local/sbin", "/sbin"]
SUFFIX = ".sshd-doctor"
_TEMP_RE = re.compile(r"^\..+\.([0-9]+)\.[A-Za-z0-9_]+\.sshd-doctor$")
# Above this size the diff shows the changed lines and their context, not whole files.
DIFF_LIMIT = 256 << 10


def _shown(text):
    """Text for the result (lone surrogates from undecodable bytes shown as U+FFFD)."""
    if text is None:
        return None
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _encode(text):
    return text.encode("utf-8", "surrogateescape")


class Files:
    """Reads the configuration as exact text (bytes decoded with surrogateescape) and remembers the bytes."""

    def __init__(self):
        self.texts = {}
        self.raw = {}

    def read(self, path):
        if os.path.isdir(path):
            return ""
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        self.raw[path] = data
        self.texts[path] = data.decode("utf-8", "surrogateescape")
        return self.texts[path]


def _version(module, sshd):
    candidates = [[sshd, "-V"]] if sshd else []
    ssh = module.get_bin_path("ssh")
    if ssh:
        candidates.append([ssh, "-V"])
    for args in candidates:
        rc, out, err = module.run_command(args, environ_update={"LC_ALL": "C"})
        found = version.parse_version((err or "") + (out or ""))[0]
        if found:
            return found
    return None


def _os_error(exc, path, doing):
    """One sentence for an OSError on ``path``: the cause and what to do."""
    err = getattr(exc, "errno", None)
    parent = os.path.dirname(path.rstrip("/")) or "/"
    if err == errno.EROFS:
        hint = f"{path} is on a read-only file system: remount it read-write, or change the file where it is built"
    elif err in (errno.ENOSPC, errno.EDQUOT):
        hint = f"no space left on the file system of {path}: free some, then run again"
    elif err == errno.EPERM:
        hint = (f"{path} or {parent} is immutable or append-only (see `lsattr -d {parent} {path}`): "
                "remove the attribute with chattr -i/-a if that is intended, then run again")
    elif err == errno.EACCES:
        hint = (f"permission denied (running as uid {os.geteuid()}): run as root (become: true)"
                if os.geteuid() != 0 else f"permission denied for root: check the mount options and attributes of {parent}")
    else:
        hint = exc.strerror or str(exc)
    return f"cannot {doing} {path}: {hint}; nothing was changed"


def _temp(module, target):
    """An empty hidden temporary file next to ``target`` (cleaned up if the module fails).

    Its name carries the module's pid, so a later run removes the ones a killed run left
    (:func:`_remove_stale_temps`).
    """
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.{os.getpid()}.", suffix=SUFFIX,
                                   dir=os.path.dirname(target) or ".")
    except OSError as exc:
        module.fail_json(msg=_os_error(exc, os.path.dirname(target) or ".", "create a temporary file in"))
    os.close(fd)
    module.add_cleanup_file(tmp)
    return tmp


def _remove_stale_temps(paths):
    """Remove the temporary files of runs that were killed (their pid is gone); returns what was removed."""
    removed = []
    for directory in sorted({os.path.dirname(os.path.realpath(p)) for p in paths} | {os.path.dirname(p) for p in paths}):
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in names:
            match = _TEMP_RE.match(name)
            if not match or os.path.exists(f"/proc/{match.group(1)}"):
                continue
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(directory, name))
                removed.append(os.path.join(directory, name))
    return removed


def _remove(paths):
    for path in paths:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _validate(module, sshd, parsed, files, plan):
    """Run sshd -t on the staged candidate; returns None when accepted, else the failure details."""
    stage = edit.files_to_stage(parsed, plan["texts"])
    temps = {}
    try:
        for path in stage:
            temps[path] = _temp(module, path)
        staged = edit.staged_texts(parsed, files.texts, temps, plan["texts"])
        for path, text in staged.items():
            try:
                with open(temps[path], "wb") as handle:
                    handle.write(_encode(text))
            except OSError as exc:
                _remove(temps.values())
                module.fail_json(msg=_os_error(exc, temps[path], "write the candidate for sshd -t to"))
        rc, out, err = module.run_command([sshd, "-t", "-f", temps[parsed["path"]]], environ_update={"LC_ALL": "C"})
    finally:
        _remove(temps.values())
    if rc == 0:
        return None
    message = edit.unstage_message(((err or "") + (out or "")).replace("\r\n", "\n").strip(), temps)
    live_rc, live_out, live_err = module.run_command([sshd, "-t", "-f", parsed["path"]], environ_update={"LC_ALL": "C"})
    errors = sshd_config.parse_sshd_t_errors(_shown(message))
    live = ((live_err or "") + (live_out or "")).replace("\r\n", "\n").strip()
    # Only the host fails sshd -t (privsep dir, host keys), the live file alike: sshd cannot
    # judge any text here until that is fixed.
    environment = bool(errors) and live_rc != 0 and all(
        sshd_config.is_environment_error(e["message"]) for e in errors + sshd_config.parse_sshd_t_errors(live))
    return {"rc": rc, "message": _shown(message), "errors": errors, "live_config_valid": live_rc == 0,
            "environment_only": environment}


def _backup(module, parsed, path):
    stamp = time.strftime("%Y-%m-%d@%H:%M:%S~", time.localtime(time.time()))
    name = f"{path}.{os.getpid()}.{stamp}"
    if edit.included_by(parsed, name):
        name = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{os.getpid()}.{stamp}")
        hit = edit.included_by(parsed, name)
        if hit:
            module.fail_json(msg=f"{hit['file']}:{hit['line']}: Include {hit['pattern']} would read a backup of {path}; "
                                 "set backup=false or narrow the Include")
    module.preserved_copy(path, name)
    return name


def _preflight(module, paths):
    """Fail with one sentence, before anything is written (check mode too), when a file cannot be replaced.

    Each changed file is written through its symlinks (the target is replaced, the link kept), so
    the target and its directory must be writable: not immutable, not on a read-only file system.
    """
    for path in paths:
        dest = os.path.realpath(path)
        try:
            os.close(os.open(dest, os.O_WRONLY | os.O_APPEND))
        except OSError as exc:
            module.fail_json(msg=_os_error(exc, dest, "write"))
        _remove([_temp(module, dest)])


def _write(module, parsed, files, plan, backup):
    """Replace each changed file atomically (after a backup); refuses when a file changed since it was read."""
    for path in plan["texts"]:
        current = Files()
        if current.read(path) is None or current.raw[path] != files.raw[path]:
            module.fail_json(msg=f"{path} changed while the edit was prepared; nothing written, run again")
    backups = {}
    for path, text in plan["texts"].items():
        if backup:
            try:
                backups[path] = _backup(module, parsed, path)
            except OSError as exc:
                module.fail_json(msg=_os_error(exc, path, "back up"))
        dest = os.path.realpath(path)
        tmp = _temp(module, dest)
        try:
            with open(tmp, "wb") as handle:
                handle.write(_encode(text))
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            _remove([tmp] + list(backups.values()))
            module.fail_json(msg=_os_error(exc, dest, "write"))
        module.atomic_move(tmp, dest)
    return backups


def _message(plan, params, check_mode):
    what = params["keyword"] + (f" {plan['name']}" if plan["name"] else "")
    if not plan["changed"]:
        where = plan["result"]
        if params["state"] == "absent":
            return f"{what}: no start-up line to remove"
        return f"{what}: already set at {where['file']}:{where['line']}" if where else f"{what}: nothing to do"
    verb = "would change" if check_mode else "changed"
    parts = [f"{c['action']} {c['file']}:{c['line']} ({c['reason']})" for c in plan["changes"]]
    return f"{what}: {verb}: " + "; ".join(parts)


def main():
    module = AnsibleModule(
        argument_spec={
            "keyword": {"type": "str", "required": True, "no_log": False},
            "value": {"type": "str"},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "path": {"type": "path", "default": "/etc/ssh/sshd_config"},
            "backup": {"type": "bool", "default": True},
            "validate": {"type": "bool", "default": True},
            "sshd_path": {"type": "path"},
        },
        required_if=[("state", "present", ("value",))],
        supports_check_mode=True,
    )
    params = module.params
    path = params["path"]
    if not os.path.isfile(path):
        module.fail_json(msg=f"{path} does not exist or is not a file")
    sshd = params["sshd_path"] or module.get_bin_path("sshd", opt_dirs=SBIN_DIRS)
    if params["validate"] and not sshd:
        module.fail_json(msg="sshd not found: set sshd_path, or validate=false where no sshd exists")
    found_version = _version(module, sshd)

    files = Files()
    parsed = sshd_config.parse_config(path, reader=files.read)
    _remove_stale_temps(parsed["files"] or [path])
    unreadable = [e for e in parsed["errors"] if "cannot read" in e["message"]]
    if unreadable:
        module.fail_json(msg="cannot read the whole configuration (root needed?): "
                             + "; ".join(f"{e['file']}:{e['line'] or ''} {e['message']}" for e in unreadable))
    try:
        plan = edit.plan_option(parsed, files.texts, params["keyword"], params["value"], params["state"],
                                found_version)
    except edit.EditError as exc:
        module.fail_json(msg=str(exc), version=found_version)

    first = plan["changes"][0] if plan["changes"] else None
    where = plan["result"] or first
    result = {
        "changed": plan["changed"],
        "file": where["file"] if where else None,
        "line": where["line"] if where else None,
        "action": first["action"] if first else "none",
        "before": _shown(first["before"] if first else (plan["result"] or {}).get("text")),
        "after": _shown(first["after"] if first else (plan["result"] or {}).get("text")),
        "changes": [dict(c, before=_shown(c["before"]), after=_shown(c["after"])) for c in plan["changes"]],
        "files": list(plan["texts"]),
        "shadowed": [dict(s, text=_shown(s["text"])) for s in plan["shadowed"]],
        "in_match": [dict(s, text=_shown(s["text"])) for s in plan["in_match"]],
        "effective": plan["effective"],
        "validated": False,
        "version": found_version,
    }
    if module._diff and plan["changed"]:
        diffs = []
        for p, t in plan["texts"].items():
            before, after, header = files.texts[p], t, p
            if len(before) + len(after) > DIFF_LIMIT:
                before, after, header = edit.diff_window(before, after)
                header = f"{p} ({header})"
            diffs.append({"before": _shown(before), "after": _shown(after), "before_header": header,
                          "after_header": header})
        result["diff"] = diffs[0] if len(diffs) == 1 else diffs
    for warning in plan["warnings"]:
        module.warn(warning)

    parser_check = plan["changed"] and not params["validate"]
    if plan["changed"]:
        _preflight(module, plan["texts"])
    if plan["changed"] and params["validate"]:
        failure = _validate(module, sshd, parsed, files, plan)
        if failure and failure["environment_only"]:
            # sshd -t fails for every text on this host right now: the parser judges the
            # candidate, and sshd -t must pass before sshd is started or reloaded with it
            result["validation_deferred"] = failure["message"]
            module.warn("sshd -t cannot judge any configuration on this host until this is fixed: "
                        f"{failure['message']}; the candidate was checked by the parser only. Run sshd -t "
                        "before starting or reloading sshd (the remediate role does).")
            parser_check = True
        elif failure:
            before = "" if failure["live_config_valid"] else " (the live configuration is rejected too: fix that first)"
            result["changed"] = False
            result["validation"] = failure
            module.fail_json(msg=f"sshd -t rejected the candidate, nothing was changed{before}: {failure['message']}",
                             **result)
        else:
            result["validated"] = True
    if parser_check:
        after = edit.reparse(parsed, files.texts, plan["texts"])
        known = {(e["file"], e["line"], e["message"]) for e in sshd_config.validate(parsed, found_version)}
        new_errors = [e for e in sshd_config.validate(after, found_version)
                      if (e["file"], e["line"], e["message"]) not in known]
        if new_errors:
            # validate=false skips sshd -t, never the parser: a keyword or value it knows to be
            # invalid is refused, as sshd -t would refuse it
            result["changed"] = False
            module.fail_json(msg="the parser rejects the candidate, nothing was changed: " + "; ".join(
                f"{e['file']}:{e['line']}: {e['message']}" for e in new_errors), **result)

    if plan["changed"] and not module.check_mode:
        backups = _write(module, parsed, files, plan, params["backup"])
        if backups:
            result["backup_files"] = backups
            result["backup_file"] = next(iter(backups.values()))
    result["msg"] = _message(plan, params, module.check_mode)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
