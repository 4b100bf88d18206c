# -*- coding: utf-8 -*-
# Copyright: sshd.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the fleet report files on the controller, in-process (documentation: plugins/modules/sshd_report.py).

One task writes every file: a delegated ``copy`` per host and file costs a module run on the
controller each, which was most of the time of a diagnosis of a fleet (docs/benchmarks.md).
"""

from __future__ import annotations

import os
import tempfile

from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.action import ActionBase

from ansible_collections.sshd.doctor.plugins.plugin_utils import report

ARGUMENT_SPEC = {
    "dest": {"type": "path", "required": True},
    "fleet": {"type": "dict", "required": True},
    "facts": {"type": "dict", "default": {}},
    "formats": {"type": "list", "elements": "str", "default": list(report.REPORT_FORMATS),
                "choices": list(report.REPORT_FORMATS)},
    "mode": {"type": "str", "default": "0644"},
}


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


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        try:
            mode = int(args["mode"], 8)
        except ValueError:
            return dict(result, failed=True, msg=f"mode must be octal, like 0644; got {args['mode']!r}")
        try:
            files = report.report_files(args["fleet"], args["facts"], args["formats"])
        except report.ReportError as exc:
            return dict(result, failed=True, msg=f"sshd.doctor.sshd_report: {exc}")

        dest = os.path.abspath(args["dest"])
        changed, written = [], []
        path = dest
        try:
            for rel in sorted(files):
                path = os.path.join(dest, rel)
                if _current(path) == files[rel]:
                    continue
                changed.append(path)
                if not self._task.check_mode:
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    _write(path, files[rel], mode)
                    written.append(path)
        except OSError as exc:
            return dict(result, failed=True, dest=dest, written=written,
                        msg=f"cannot write the report file {path}: {to_native(exc.strerror or exc)}")
        result.update(changed=bool(changed), dest=dest, files=[os.path.join(dest, rel) for rel in sorted(files)],
                      written=written, would_write=changed if self._task.check_mode else [])
        return result
