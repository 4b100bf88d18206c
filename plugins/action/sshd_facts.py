# -*- coding: utf-8 -*-
# Copyright: sshd.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sshd_facts on any host: the module where Python is usable, the raw sh collector elsewhere
(documentation: plugins/modules/sshd_facts.py, option ``collector``).

The module reads the host on the target (the host reads and their parsers) and this action runs
the checks over its answer on the controller (``analyse``): the checks' code, a third of the
module code, is compiled once per run in the controller's main process instead of being shipped
to and compiled on every target.  When the module cannot run for lack of a usable Python on the
target (no interpreter, Python 2.x, a Python too old for the module or for ansible-core), or when
``collector: raw`` is given, the host is read with POSIX sh over the connection (the semantics
of ``ansible.builtin.raw``, become included) and the same gather code, then the same checks, analyse
the answers on the controller (plugins/plugin_utils/raw_collector.py).  The facts say which
collector answered (``ansible_facts.sshd.collector``) and a warning says when it was raw.

With ``report.probe_with``, the host is first probed from the controller in the same task
(``probe_in_process``: sshd.doctor.ssh_probe's back end, run here instead of in a delegated task of
its own).  With ``report``, the host's result is also recorded on the controller as soon as it is known,
in the same task (what ``sshd.doctor.sshd_report`` ``operation: host`` does: the host's entry in
the run's journal and its ``hosts/<host>.json``), also when the module failed or the host could
not be reached.  The role ``sshd.doctor.diagnose`` uses it: one task per host instead of two
(each task costs the controller a worker process per host).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time

from ansible.errors import AnsibleConnectionFailure
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

# sshd_report is imported here, not only by the loader in ``_record``: the strategy loads this
# action's class in the controller's main process before it forks a worker per host, so the report
# code is compiled once per run instead of once per host (the collection loader caches no bytecode).
from ansible_collections.sshd.doctor.plugins.action import sshd_report as _sshd_report  # noqa: F401  pylint: disable=unused-import
from ansible_collections.sshd.doctor.plugins.module_utils._sshd import checks, client_probe, hostio
from ansible_collections.sshd.doctor.plugins.module_utils._sshd.facts_args import ARGUMENT_SPEC
from ansible_collections.sshd.doctor.plugins.plugin_utils import raw_collector

# What a target without a usable Python answers instead of the module's JSON.
_NO_PYTHON = re.compile(
    r"SyntaxError|python[\w.]*: (?:command )?not found|python[\w.]*: No such file|No such file or directory[^\n]*python"
    r"|env: [^\n]*python[^\n]*No such file|No module named|interpreter|bad interpreter"
    r"|requires Python|Python [23]\.\d+ is not supported|unsupported Python", re.I)


def python_unusable(result):
    """Why the module result means the target has no usable Python, or None."""
    if not result.get("failed"):
        return None
    text = "\n".join(str(result.get(k) or "") for k in ("msg", "module_stderr", "module_stdout", "exception"))
    if "ansible_facts" in result and (result.get("ansible_facts") or {}).get("sshd"):
        return None
    m = _NO_PYTHON.search(text)
    if m is None and result.get("rc") not in (126, 127):
        return None
    lines = [ln.strip() for k in ("module_stderr", "module_stdout", "msg")
             for ln in str(result.get(k) or "").splitlines() if ln.strip()]
    detail = next((ln for ln in lines if _NO_PYTHON.search(ln)), lines[-1] if lines else "")
    return detail[:200] or "rc %s" % result.get("rc")


def analyse(result):
    """Add the findings to a collector's ``result``, the module's or the raw collector's (the checks
    over ``ansible_facts.sshd``; a result without the host's state is left as it is).  A check that fails on the state fails the
    host with a message naming it; the state read is kept."""
    state = (result.get("ansible_facts") or {}).get("sshd")
    if result.get("failed") or not isinstance(state, dict):
        return result
    try:
        state["findings"], state["checks"] = checks.run_checks(state)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        # a host state is never a traceback: the check's bug is named, the host's read state stays
        result.update(failed=True, msg="sshd_facts: the checks failed on this host's state (%s: %s); "
                                       "please report it with the facts (-vvv)" % (type(exc).__name__, exc))
    return result


def _run_local(argv):
    """``module.run_command`` on the controller: (rc, stdout, stderr), C locale, no stdin."""
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, check=False,
                              env=dict(os.environ, LC_ALL="C", LANG="C"))
    except OSError as exc:
        return 127, "", str(exc)
    return done.returncode, to_text(done.stdout, errors="surrogate_or_replace"), to_text(done.stderr, errors="surrogate_or_replace")


def probe_in_process(options, connection="ssh", run=_run_local, bin_path=shutil.which):
    """What the ssh_probe module returns for ``options`` (its options; empty values left out), run
    here on the controller: a probe that cannot run is ``{"failed": True, "msg": ...}``, an empty
    host ``{"skipped": True, "msg": why}``; never raises."""
    params = {k: v for k, v in (options or {}).items() if v not in (None, "")}
    if not str(params.get("host", "")).strip():
        return {"skipped": True, "msg": "not probed: no address for the controller to reach sshd at (diagnose_probe_host is empty; "
                                        "it has a default only for hosts managed over SSH, this one uses %s): set "
                                        "diagnose_probe_host and diagnose_probe_port" % (connection or "ssh")}
    checked = ArgumentSpecValidator(client_probe.ARGUMENT_SPEC).validate(params)
    if checked.error_messages:
        return {"failed": True, "msg": "ssh_probe: %s" % "; ".join(checked.error_messages)}
    backend = client_probe.ClientProbe(checked.validated_parameters, run, bin_path)
    try:
        result = backend.probe()
    except client_probe.ProbeError as exc:
        return {"failed": True, "msg": str(exc)}
    except Exception as exc:  # pylint: disable=broad-except  # a probe error in the report, never a failed host
        return {"failed": True, "msg": "the probe could not run: %s: %s" % (type(exc).__name__, exc)}
    if backend.warnings:
        result["warnings"] = list(backend.warnings)
    return result


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        if args["report"] is None:
            return self._facts(result, args, task_vars)
        report = dict(args["report"])
        probe_with = report.pop("probe_with", None)
        if probe_with is not None:
            # first: it needs nothing from the host's management connection (and says most when that fails)
            report["probe"] = probe_in_process(probe_with, (task_vars or {}).get("ansible_connection"))
        try:
            result = self._facts(result, args, task_vars)
        except AnsibleConnectionFailure as exc:
            # recorded as unreachable, then the host is unreachable as it would be without report
            result.update(unreachable=True, msg=to_text(exc))
        result.update(self._record(result, report, task_vars))
        return result

    def _facts(self, result, args, task_vars):
        module_args = {k: v for k, v in self._task.args.items() if k != "report"}
        try:
            if args["collector"] != "raw":
                module_result = self._execute_module(module_name="sshd.doctor.sshd_facts",
                                                     module_args=module_args, task_vars=task_vars)
                reason = python_unusable(module_result)
                if args["collector"] == "module" or reason is None:
                    result.update(analyse(module_result))
                    return result
                why = "no usable Python on the target (%s)" % reason
            else:
                why = "collector: raw was asked for"
            result.update(self._raw(args, why))
            return result
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)

    def _record(self, result, report_args, task_vars):
        """The host's record on the controller (sshd.doctor.sshd_report, operation: host), in
        process: its entry, run, free, fleet_json and the files written.  Written in check mode
        too (the report is not the host)."""
        task = self._task.copy(exclude_parent=False, exclude_tasks=True)
        task.args = dict(report_args, operation="host", result=dict(result))
        task.check_mode = False
        action = self._shared_loader_obj.action_loader.get(
            "sshd.doctor.sshd_report", task=task, connection=self._connection, play_context=self._play_context,
            loader=self._loader, templar=self._templar, shared_loader_obj=self._shared_loader_obj)
        out = action.run(task_vars=task_vars)
        out.pop("changed", None)  # the host is not changed; ``written`` says which report files were
        if out.get("failed"):
            # the diagnosis stands; the host's record is missing from the report, and says why
            before = "%s; " % result["msg"] if result.get("failed") and result.get("msg") else ""
            return {"failed": True, "msg": before + str(out.get("msg")), "report_failed": True}
        out.pop("invocation", None)
        return out

    def _raw(self, args, why):
        started = time.monotonic()

        def execute(script):
            res = self._low_level_execute_command(script, sudoable=True)
            return res.get("rc"), res.get("stdout", ""), res.get("stderr", "")

        # every option that shapes the read, as the module takes them (client_profiles and user_auth were
        # left out once: no per-user authentication analysis on hosts without Python)
        options = {k: args[k] for k in hostio.RECORDED_OPTIONS if k != "match_context"}
        options["match_context"] = {k: v for k, v in (args["match_context"] or {}).items() if v} or None
        try:
            state, warnings, host = raw_collector.collect(execute, options)
        except raw_collector.RawCollectorError as exc:
            return {"failed": True, "msg": "sshd_facts: %s, and the raw sh collector failed: %s" % (why, exc)}
        state["elapsed_ms"] = int((time.monotonic() - started) * 1000)
        state["timings"] = []
        if args["record"]:
            state["recording"] = host.recording()
        warnings.insert(0, "sshd_facts: %s; the host was read with the raw sh collector (collector: raw, %d round "
                           "trips) and analysed on the controller" % (why, len(host.rounds)))
        return analyse({"changed": False, "ansible_facts": {"sshd": state}, "warnings": warnings})
