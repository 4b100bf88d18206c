# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The diagnose role reads and records each host in one task (sshd_facts with ``report``): real
ansible-playbook runs over the local connection (sshd_facts really runs on this controller)."""

import json
import os
import stat
import sys

from test_report_strategies import playbook  # pylint: disable=import-error


def write(tmp_path):
    inv = tmp_path / "inventory.json"
    inv.write_text(json.dumps({"all": {"hosts": {"here-1": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}))
    return inv


def test_one_task_per_host_records_the_host(tmp_path):
    inv = write(tmp_path)
    rc, out = playbook(tmp_path, "sshd.doctor.diagnose", inv, "-e", f"diagnose_report_dir={tmp_path / 'r'}")
    assert "Record the result of the host" not in out, out
    assert "TASK [sshd.doctor.diagnose : Read the sshd state of the host and record its result" in out, out
    assert (tmp_path / "r" / "hosts" / "here-1.json").is_file(), out
    fleet = json.loads((tmp_path / "r" / "fleet.json").read_text())
    assert list(fleet["hosts"]) == ["here-1"]
    assert fleet["hosts"]["here-1"]["status"] != "failed" or "no result" not in fleet["hosts"]["here-1"]["message"]
    del rc  # sshd_facts may report findings on this controller; the record is what is tested


def test_report_dir_that_cannot_be_written_says_so(tmp_path):
    """A report directory the controller cannot write: the host's task says why at verbosity 0 (not
    a traceback), and the fleet step fails with the same one-sentence error."""
    inv = write(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(locked, os.W_OK):  # root ignores the mode: a path under a regular file then
            target = tmp_path / "file"
            target.write_text("")
            dest = target / "report"
        else:
            dest = locked / "report"
        rc, out = playbook(tmp_path, "sshd.doctor.diagnose", inv, "-e", f"diagnose_report_dir={dest}")
    finally:
        locked.chmod(stat.S_IRWXU)
    assert rc != 0, out
    assert "sshd_facts failed: cannot write the report file" in out, out
    assert "Traceback" not in out, out
