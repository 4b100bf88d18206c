# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sshd_option module's back end: read the configuration, plan, validate, back up, write.

edit.py plans the change (pure: texts in, texts out); this file does the file I/O around it,
one step a function, each check-mode aware: ``OptionBackend(module).run()`` returns the module's
result, failing through ``module.fail_json`` with one sentence.  Nothing is written before
every check passed, and nothing at all in check mode.  The module
(plugins/modules/sshd_option.py) holds the documentation and the argument spec only.
"""

import contextlib
import errno
import os
import re
import tempfile
import time

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import config as sshd_config
from ansible_collections.sshd.doctor.plugins.module_utils._sshd import edit, staging, version

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
    stage = staging.files_to_stage(parsed, plan["texts"])
    temps = {}
    try:
        for path in stage:
            temps[path] = _temp(module, path)
        staged = staging.staged_texts(parsed, files.texts, temps, plan["texts"])
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
    message = staging.unstage_message(((err or "") + (out or "")).replace("\r\n", "\n").strip(), temps)
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
    if staging.included_by(parsed, name):
        name = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{os.getpid()}.{stamp}")
        hit = staging.included_by(parsed, name)
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


class OptionBackend:
    """One run of sshd_option over ``module`` (an AnsibleModule with the module's parameters)."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.sshd = None
        self.version = None
        self.files = Files()
        self.parsed = None
        self.plan = None

    def locate(self):
        """The file to edit, sshd (needed to validate) and its version."""
        path = self.params["path"]
        if not os.path.isfile(path):
            self.module.fail_json(msg=f"{path} does not exist or is not a file")
        self.sshd = self.params["sshd_path"] or self.module.get_bin_path("sshd", opt_dirs=SBIN_DIRS)
        if self.params["validate"] and not self.sshd:
            self.module.fail_json(msg="sshd not found: set sshd_path, or validate=false where no sshd exists")
        self.version = _version(self.module, self.sshd)

    def read(self):
        """The whole configuration (Include and all) as exact text; fails when part of it is unreadable."""
        path = self.params["path"]
        self.parsed = sshd_config.parse_config(path, reader=self.files.read)
        _remove_stale_temps(self.parsed["files"] or [path])
        unreadable = [e for e in self.parsed["errors"] if "cannot read" in e["message"]]
        if unreadable:
            self.module.fail_json(msg="cannot read the whole configuration (root needed?): "
                                      + "; ".join(f"{e['file']}:{e['line'] or ''} {e['message']}" for e in unreadable))

    def make_plan(self):
        try:
            self.plan = edit.plan_option(self.parsed, self.files.texts, self.params["keyword"], self.params["value"],
                                         self.params["state"], self.version)
        except edit.EditError as exc:
            self.module.fail_json(msg=str(exc), version=self.version)

    def planned_result(self):
        """The result before anything is checked or written: where the keyword is and what would change."""
        plan = self.plan
        first = plan["changes"][0] if plan["changes"] else None
        where = plan["result"] or first
        return {
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
            "version": self.version,
        }

    def diff(self):
        """Before and after of each changed file (a window around the changes in large files)."""
        diffs = []
        for path, text in self.plan["texts"].items():
            before, after, header = self.files.texts[path], text, path
            if len(before) + len(after) > DIFF_LIMIT:
                before, after, header = staging.diff_window(before, after)
                header = f"{path} ({header})"
            diffs.append({"before": _shown(before), "after": _shown(after), "before_header": header,
                          "after_header": header})
        return diffs[0] if len(diffs) == 1 else diffs

    def validate_with_sshd(self, result):
        """sshd -t on the candidate; True when the parser must judge it (sshd -t cannot judge any text here)."""
        failure = _validate(self.module, self.sshd, self.parsed, self.files, self.plan)
        if failure and failure["environment_only"]:
            # sshd -t fails for every text on this host right now: the parser judges the
            # candidate, and sshd -t must pass before sshd is started or reloaded with it
            result["validation_deferred"] = failure["message"]
            self.module.warn("sshd -t cannot judge any configuration on this host until this is fixed: "
                             f"{failure['message']}; the candidate was checked by the parser only. Run sshd -t "
                             "before starting or reloading sshd (the remediate role does).")
            return True
        if failure:
            before = "" if failure["live_config_valid"] else " (the live configuration is rejected too: fix that first)"
            result["changed"] = False
            result["validation"] = failure
            self.module.fail_json(msg=f"sshd -t rejected the candidate, nothing was changed{before}: {failure['message']}",
                                  **result)
        result["validated"] = True
        return False

    def validate_with_parser(self, result):
        """validate=false skips sshd -t, never the parser: a keyword or value it knows to be invalid is refused."""
        after = edit.reparse(self.parsed, self.files.texts, self.plan["texts"])
        known = {(e["file"], e["line"], e["message"]) for e in sshd_config.validate(self.parsed, self.version)}
        new_errors = [e for e in sshd_config.validate(after, self.version)
                      if (e["file"], e["line"], e["message"]) not in known]
        if new_errors:
            result["changed"] = False
            self.module.fail_json(msg="the parser rejects the candidate, nothing was changed: " + "; ".join(
                f"{e['file']}:{e['line']}: {e['message']}" for e in new_errors), **result)

    def check(self, result):
        """Every check of the real run (check mode too): the files can be replaced, sshd -t or the parser accepts."""
        _preflight(self.module, self.plan["texts"])
        parser_check = not self.params["validate"]
        if self.params["validate"]:
            parser_check = self.validate_with_sshd(result)
        if parser_check:
            self.validate_with_parser(result)

    def run(self):
        self.locate()
        self.read()
        self.make_plan()
        result = self.planned_result()
        if self.module._diff and self.plan["changed"]:
            result["diff"] = self.diff()
        for warning in self.plan["warnings"]:
            self.module.warn(warning)
        if self.plan["changed"]:
            self.check(result)
        if self.plan["changed"] and not self.module.check_mode:
            backups = _write(self.module, self.parsed, self.files, self.plan, self.params["backup"])
            if backups:
                result["backup_files"] = backups
                result["backup_file"] = next(iter(backups.values()))
        result["msg"] = _message(self.plan, self.params, self.module.check_mode)
        return result
