# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sshd_report action, run the way users run it: a task of a real ansible-playbook on the
controller, fed with a fleet made from registered sshd_facts results captured in the lab."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.sshd.doctor.plugins.plugin_utils import report, report_formats

FIXTURES = Path(__file__).resolve().parents[1] / "filter" / "fixtures" / "report"
COLLECTIONS = Path(report.__file__).absolute().parents[5]  # the ansible_collections/ tree it was imported from


def fleet_and_facts():
    hosts, facts = {}, {}
    for path in sorted(FIXTURES.glob("*.json")):
        data = json.loads(path.read_text())
        hosts[path.stem] = report.host_report(data["result"], release=data["release"])
        facts[path.stem] = (data["result"].get("ansible_facts") or {}).get("sshd")
    return report.fleet_report(hosts, generated="2025-01-02T03:04:05Z"), facts


def playbook(tmp, task_args, *extra):
    """Run one sshd_report task on localhost; returns (rc, the task's result, output)."""
    fleet, facts = fleet_and_facts()
    (tmp / "vars.json").write_text(json.dumps({"fleet": fleet, "facts": facts}))
    (tmp / "play.yml").write_text(yaml.safe_dump([{
        "name": "Report", "hosts": "localhost", "gather_facts": False, "vars_files": [str(tmp / "vars.json")],
        "tasks": [
            {"name": "Write", "sshd.doctor.sshd_report": task_args, "register": "out", "ignore_errors": True},
            {"name": "Result", "ansible.builtin.copy": {"content": "{{ out | to_json }}", "dest": str(tmp / "result.json")},
             "check_mode": False},
        ]}]))
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    env.pop("ANSIBLE_CONFIG", None)
    exe = Path(sys.executable).parent / "ansible-playbook"
    res = subprocess.run([str(exe) if exe.exists() else shutil.which("ansible-playbook"), str(tmp / "play.yml"),
                          "-c", "local", *extra], cwd=tmp, env=env, capture_output=True, text=True, timeout=300, check=False)
    return res.returncode, json.loads((tmp / "result.json").read_text()), res.stdout + res.stderr


def snapshot(root):
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_mode & 0o777)
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_writes_every_file_then_nothing(tmp_path):
    dest = tmp_path / "report" / "new"
    rc, out, log = playbook(tmp_path, {"dest": str(dest), "fleet": "{{ fleet }}", "facts": "{{ facts }}"})
    assert rc == 0 and out["changed"] is True and not out.get("failed"), log
    fleet, facts = fleet_and_facts()
    expected = report_formats.report_files(fleet, facts)
    files = snapshot(dest)
    assert sorted(files) == sorted(expected)
    for rel, text in expected.items():
        assert files[rel][0].decode() == text and files[rel][2] == 0o644
    assert sorted(out["written"]) == sorted(out["files"]) == sorted(str(dest / rel) for rel in expected)
    # a second run with the same fleet rewrites nothing
    rc, out, log = playbook(tmp_path, {"dest": str(dest), "fleet": "{{ fleet }}", "facts": "{{ facts }}"})
    assert rc == 0 and out["changed"] is False and out["written"] == [], log
    assert snapshot(dest) == files


def test_check_mode_writes_nothing(tmp_path):
    dest = tmp_path / "report"
    rc, out, log = playbook(tmp_path, {"dest": str(dest), "fleet": "{{ fleet }}", "formats": ["markdown", "junit"]}, "--check")
    assert rc == 0 and out["changed"] is True and out["written"] == [], log
    assert sorted(out["would_write"]) == [str(dest / "fleet.md"), str(dest / "junit.xml")]
    assert not dest.exists()


def test_other_files_are_left_alone(tmp_path):
    dest = tmp_path / "report"
    (dest / "hosts").mkdir(parents=True)
    (dest / "hosts" / "retired-host.json").write_text("{}\n")
    (dest / "fleet.md").write_text("old\n")
    rc, out, log = playbook(tmp_path, {"dest": str(dest), "fleet": "{{ fleet }}", "formats": ["markdown"], "mode": "0600"})
    assert rc == 0 and out["written"] == [str(dest / "fleet.md")], log
    assert (dest / "hosts" / "retired-host.json").read_text() == "{}\n"
    assert (dest / "fleet.md").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in dest.iterdir()) == ["fleet.md", "hosts"]


@pytest.mark.parametrize("args, message", [
    ({"fleet": "{{ fleet }}", "formats": ["pdf"]}, "value of formats must be one or more of: json, markdown, html, junit"),
    ({"fleet": {"hosts": "web-1"}, "formats": ["json"]}, "sshd.doctor.sshd_report: expected the fleet dict"),
    ({"fleet": {"hosts": {"web-1": "healthy"}}, "formats": ["json"]}, "sshd.doctor.sshd_report: the entry of host web-1"),
    ({"fleet": "{{ fleet }}", "mode": "rw-r--r--"}, "mode must be octal"),
    ({"fleet": "{{ fleet }}", "dest": "/proc/sshd-doctor-report"}, "cannot write the report file /proc/sshd-doctor-report"),
    ({"fleet": "{{ fleet }}", "facts": ["web-1"]}, "facts"),
])
def test_bad_input_is_a_clear_failure(tmp_path, args, message):
    args = dict({"dest": str(tmp_path / "report")}, **args)
    rc, out, log = playbook(tmp_path, args)
    assert rc == 0, log  # ignore_errors: the play goes on to record the result
    assert out["failed"] is True and message in out["msg"], out
    # (ansible-core 2.19 puts an `exception` key in every failed result; what matters is that
    # the failure is one the plugin raised on purpose, with a message, not a crash)
    assert "Traceback" not in log and "Task failed:" not in out["msg"], log
