# -*- coding: utf-8 -*-
# Copyright: sshd.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the fleet report files on the controller, in-process (documentation: plugins/modules/sshd_report.py).

Four operations:

- ``host``: one host's result, as the host completes: its ``hosts/<host>.json`` and an entry in the
  run's journal (plugin_utils/report_store.py). Runs for every host, under any strategy.
- ``fleet``: the fleet report built from the journal: every host of the play that reported, the
  hosts that left the play (failed) and those this run could not see (``not_run``). Under a
  ``free``-like strategy it runs on every host and only the last host to finish builds.
- ``merge``: one fleet report from the report directories of several runs (AWX job slices,
  controllers, ``--limit`` runs).
- ``write`` (the default): the files of a fleet dict made by the filters.
"""

from __future__ import annotations

import glob
import json
import os
import tempfile

from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.action import ActionBase

from ansible_collections.sshd.doctor.plugins.plugin_utils import report, report_formats, report_store

FREE_STRATEGIES = ("free", "host_pinned", "ansible.builtin.free", "ansible.builtin.host_pinned")

ARGUMENT_SPEC = {
    "operation": {"type": "str", "default": "write", "choices": ["write", "host", "fleet", "merge"]},
    "dest": {"type": "path"},
    "fleet": {"type": "dict"},
    "facts": {"type": "dict", "default": {}},
    "result": {"type": "raw"},
    "probe": {"type": "raw"},
    "release": {"type": "str", "default": ""},
    "threshold": {"type": "str", "choices": list(report.SEVERITIES)},
    "run": {"type": "dict", "default": {}},
    "sources": {"type": "list", "elements": "path", "default": []},
    "verdict_hosts": {"type": "int", "default": report_formats.VERDICT_HOSTS},
    "formats": {"type": "list", "elements": "str", "default": list(report_formats.REPORT_FORMATS),
                "choices": list(report_formats.REPORT_FORMATS)},
    "html_template": {"type": "path"},
    "docs_url": {"type": "str"},
    "mode": {"type": "str", "default": "0644"},
}
REQUIRED = {"write": ("dest", "fleet"), "host": (), "fleet": (), "merge": ("dest", "sources")}


def _current(path):
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        return None


def _write(path, text, mode):
    """Replace ``path`` atomically (a reader never sees half a file)."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".sshd-report-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_files(dest, files, mode, check_mode):
    """Write ``{relative path: text}`` under ``dest`` where the content differs: (changed, written)."""
    changed, written = [], []
    for rel in sorted(files):
        path = os.path.join(dest, rel)
        if _current(path) == files[rel]:
            continue
        changed.append(path)
        if not check_mode:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            _write(path, files[rel], mode)
            written.append(path)
    return changed, written


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        op = args["operation"]
        missing = [name for name in REQUIRED[op] if not args[name]]
        if missing:
            return dict(result, failed=True, msg=f"operation={op} needs {', '.join(missing)}")
        try:
            args["mode"] = int(args["mode"], 8)
        except ValueError:
            return dict(result, failed=True, msg=f"mode must be octal, like 0644; got {args['mode']!r}")
        if args["dest"]:
            args["dest"] = os.path.abspath(args["dest"])
        try:
            return dict(result, **getattr(self, "_" + op)(args, task_vars))
        except report.ReportError as exc:
            return dict(result, failed=True, msg=f"sshd.doctor.sshd_report: {exc}")
        except OSError as exc:
            where = to_native(exc.filename or args["dest"] or "the state directory")
            return dict(result, failed=True, dest=args["dest"],
                        msg=f"cannot write the report file {where}: {to_native(exc.strerror or exc)}")

    # ------------------------------------------------------------ helpers

    def _store(self, args):
        play = self._task.get_play()
        run = report_store.run_id(getattr(play, "_uuid", "play"))
        return report_store.Store(report_store.default_state_dir(args["dest"], run), run)

    def _free(self):
        play = self._task.get_play()
        return str(getattr(play, "strategy", "") or "") in FREE_STRATEGIES

    def _outside_limit(self, hosts_all):
        """Hosts the play's pattern names that ``--limit`` leaves out of this run (``[]`` when that
        cannot be known)."""
        try:
            # pylint: disable-next=protected-access
            inventory = self._task._variable_manager._inventory
            pattern = self._task.get_play().hosts
            if self._templar.is_template(pattern):
                pattern = self._templar.template(pattern)
            seen = set(hosts_all)
            return [h.name for h in inventory.get_hosts(pattern, ignore_limits=True, ignore_restrictions=True)
                    if h.name not in seen]
        except Exception:  # pylint: disable=broad-except  # only a better report; never fail it
            return []

    def _threshold(self, args):
        return args["threshold"] or report.DEFAULT_THRESHOLD

    def _files_result(self, dest, files, args):
        changed, written = write_files(dest, files, args["mode"], self._task.check_mode)
        return {"changed": bool(changed), "dest": dest, "files": [os.path.join(dest, rel) for rel in sorted(files)],
                "written": written, "would_write": changed if self._task.check_mode else []}

    # ------------------------------------------------------------ operations

    def _write(self, args, task_vars):
        files = report_formats.report_files(args["fleet"], args["facts"], args["formats"],
                                            html_template=args["html_template"], docs_url=args["docs_url"])
        return self._files_result(args["dest"], files, args)

    def _host(self, args, task_vars):
        name = task_vars.get("inventory_hostname") or "localhost"
        entry = report.host_report(args["result"] or {}, self._threshold(args), args["release"], args["probe"])
        entry["file"] = report.host_file(name)
        store = self._store(args)
        out = {"changed": False, "entry": entry, "run": store.run, "free": self._free(),
               "fleet_json": os.path.join(os.path.dirname(store.dir), "fleet.json")}
        if args["dest"] and "json" in args["formats"]:
            sshd = None
            if entry["status"] in ("healthy", "findings") and isinstance(args["result"], dict):
                sshd = (args["result"].get("ansible_facts") or {}).get("sshd")
            text = report_formats.host_document(name, entry, sshd, report_formats.now_iso(), self._threshold(args))
            out.update(self._files_result(args["dest"], {report.host_file(name): text}, args))
        with store.locked():
            store.record(name, entry)
        return out

    def _fleet(self, args, task_vars):
        store = self._store(args)
        hosts_all = list(task_vars.get("ansible_play_hosts_all") or [])
        batch = list(task_vars.get("ansible_play_batch") or [])
        with store.locked():
            state = store.state()
            if self._free() and (state["written"] < len(batch) or state["built"] == state["written"]):
                # another host of this free play is still running, or built the report already
                return {"changed": False, "built": False, "run": store.run,
                        "msg": f"{state['written']} of {len(batch)} hosts reported; the last one builds the report"}
            entries = store.entries()
            store.mark_built()
            store.prune()  # the journals of earlier runs (a day old) go
        left, not_run = report_store.classify_missing(
            hosts_all, task_vars.get("ansible_play_hosts") or hosts_all, batch, entries)
        hosts = {name: entries.get(name) for name in hosts_all if name in entries or name in left}
        hosts.update((name, entry) for name, entry in entries.items() if name not in hosts)  # added during the play
        not_run.update((name, "not in this run: outside --limit") for name in self._outside_limit(hosts_all))
        run = dict(args["run"], run_id=store.run, collection_version=report_store.collection_version())
        fleet = report.fleet_report(hosts, self._threshold(args), None, run, not_run)
        out = {"changed": False, "built": True, "run": store.run}
        if args["dest"]:
            files = report_formats.report_files(fleet, formats=args["formats"], host_files=False,
                                                html_template=args["html_template"], docs_url=args["docs_url"])
            if "json" in args["formats"]:  # the hosts that left the play never wrote theirs
                files.update((report.host_file(name), report_formats.host_document(
                    name, fleet["hosts"][name], None, fleet["generated"], fleet["threshold"])) for name in left)
            out.update(self._files_result(args["dest"], files, args))
        out.update(self._digest(fleet, args))
        # diagnose_fleet reads it (the role's vars): the fleet dict never goes through the play output
        state_fleet = os.path.join(os.path.dirname(store.dir), "fleet.json")
        _write(state_fleet, report_formats.to_json(fleet), 0o644)
        out["fleet_json"] = state_fleet
        return out

    def _merge(self, args, task_vars):
        fleets, dirs, sources = [], [], []
        for src in args["sources"]:
            if glob.has_magic(src):  # a pattern: the report directories it matches, in order
                found = sorted(d for d in glob.glob(src) if os.path.isfile(os.path.join(d, report_formats.REPORT_FORMATS["json"])))
                if not found:
                    raise report.ReportError(f"no report directory (with a fleet.json) matches {src}")
                sources.extend(found)
            else:
                sources.append(src)
        for src in sources:
            path = os.path.join(src, report_formats.REPORT_FORMATS["json"])
            try:
                with open(path, encoding="utf-8") as f:
                    fleets.append(json.load(f))
            except (OSError, ValueError) as exc:
                raise report.ReportError(f"cannot read the fleet report {path}: {exc}") from exc
            dirs.append(os.path.abspath(src))
        fleet, origin = report.merge_fleets(fleets, args["threshold"])
        files = report_formats.report_files(fleet, formats=args["formats"], host_files=False,
                                            html_template=args["html_template"], docs_url=args["docs_url"])
        if "json" in args["formats"]:
            for name, index in origin.items():
                text = _current(os.path.join(dirs[index], report.host_file(name)))
                if text is not None:
                    files[report.host_file(name)] = text
        out = self._files_result(args["dest"], files, args)
        out.update(self._digest(fleet, args))
        return out

    def _digest(self, fleet, args):
        """What the play output shows: bounded at any fleet size (never the fleet dict itself)."""
        s = fleet["summary"]
        keys = ("hosts", "healthy", "findings", "unreachable", "failed", "failing", "not_run", "passed")
        return {
            "summary": {k: s[k] for k in keys},
            "verdict": report_formats.fleet_verdict(fleet, args["dest"], details=True, max_hosts=args["verdict_hosts"]),
        }
