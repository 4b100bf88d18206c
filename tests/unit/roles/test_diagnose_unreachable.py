# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The diagnose and compliance playbooks when no host can be reached: real ansible-playbook runs
against inventory hosts on 127.0.0.1 ports where nothing listens (the lab's hosts are tested by
molecule; this is the path a dead host takes)."""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.sshd.doctor.plugins.plugin_utils import report

COLLECTIONS = Path(report.__file__).absolute().parents[5]


@pytest.fixture(scope="module")
def closed_ports():
    """Two ports that refuse connections: bound, never listening, held for the whole module."""
    socks = [socket.socket(), socket.socket()]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    yield [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()


def run(tmp, playbook, ports, *extra):
    (tmp / "inventory.yml").write_text(json.dumps({"all": {"hosts": {
        "gone-1": {"ansible_host": "127.0.0.1", "ansible_port": ports[0], "diagnose_release": "rhel9"},
        "gone-2": {"ansible_host": "127.0.0.1", "ansible_port": ports[1], "lab_release": "bookworm"},
    }, "vars": {"ansible_user": "nobody", "ansible_ssh_args": "-o ConnectTimeout=5"}}}))
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
               ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_RETRY_FILES_ENABLED="False",
               ANSIBLE_SHOW_CUSTOM_STATS="True")
    env.pop("ANSIBLE_CONFIG", None)
    exe = Path(sys.executable).parent / "ansible-playbook"
    res = subprocess.run([str(exe) if exe.exists() else shutil.which("ansible-playbook"), playbook,
                          "-i", str(tmp / "inventory.yml"), "-e", f"diagnose_report_dir={tmp / 'report'}", *extra],
                         cwd=tmp, env=env, capture_output=True, text=True, timeout=300, check=False)
    return res.returncode, res.stdout + res.stderr


def test_diagnose_reports_unreachable_hosts(tmp_path, closed_ports):
    rc, out = run(tmp_path, "sshd.doctor.diagnose", closed_ports, "-e", "diagnose_probe=true")
    assert rc == 0, out  # diagnose reports; the compliance playbook is the gate
    fleet = json.loads((tmp_path / "report" / "fleet.json").read_text())
    assert fleet["summary"]["unreachable_hosts"] == ["gone-1", "gone-2"]
    assert {h: e["release"] for h, e in fleet["hosts"].items()} == {"gone-1": "rhel9", "gone-2": "bookworm"}
    for name, port in zip(("gone-1", "gone-2"), closed_ports):
        host = json.loads((tmp_path / "report" / "hosts" / f"{name}.json").read_text())
        assert host["status"] == "unreachable" and host["sshd"] is None
        assert "Connection refused" in host["message"]
        # the controller's own client saw the same from outside: refused at connect
        assert host["probe"]["status"] == "failed" and host["probe"]["target"]["port"] == port
        assert host["probe"]["stages"][0]["failed_at"] == "connect"
    for name in ("fleet.md", "index.html", "junit.xml"):
        assert "gone-2" in (tmp_path / "report" / name).read_text()
    # the verdict names each host and why, once, at the end
    assert out.count("gone-1: UNREACHABLE: ") == 1 and "rescue playbook" in out, out


def test_compliance_fails_on_unreachable_hosts(tmp_path, closed_ports):
    rc, out = run(tmp_path, "sshd.doctor.compliance", closed_ports)
    assert rc == 2, out
    assert (tmp_path / "report" / "junit.xml").exists()
    # the summary for AWX/AAP comes from the fleet report (diagnose_fleet, read from the controller)
    stats = json.loads(out.split("RUN: ", 1)[1].splitlines()[0])["sshd_doctor_compliance"]
    assert stats["hosts"] == 2 and stats["unreachable_hosts"] == ["gone-1", "gone-2"] and stats["passed"] is False
    # each host fails on its own entry
    assert "gone-1 does not comply: unreachable: " in out and "gone-2 does not comply: unreachable: " in out


def test_bad_options_stop_the_play_once_with_every_reason(tmp_path, closed_ports):
    # checked once for the play (run_once validate_argument_spec), not once per host
    rc, out = run(tmp_path, "sshd.doctor.diagnose", closed_ports,
                  "-e", "diagnose_severity_threshold=bogus", "-e", "diagnose_probe=maybe")
    assert rc != 0, out
    assert out.count("fatal: [") == 1 and "Validation of arguments failed" in out, out
    assert "diagnose_severity_threshold must be one of: error, warning, info, got: bogus" in out
    assert "'diagnose_probe' is of type str and we were unable to convert to bool" in out
    assert not (tmp_path / "report" / "hosts").exists()  # no host was read or recorded
    assert "Traceback" not in out


def test_a_bad_value_set_for_one_host_is_that_hosts_probe_error(tmp_path, closed_ports):
    # a host variable is checked by the module that takes it: here ssh_probe's port, for gone-2 only
    (tmp_path / "host_vars").mkdir()
    (tmp_path / "host_vars" / "gone-2.yml").write_text("diagnose_probe_port: not-a-port\n")
    rc, out = run(tmp_path, "sshd.doctor.diagnose", closed_ports, "-e", "diagnose_probe=true")
    assert rc == 0, out
    one = json.loads((tmp_path / "report" / "hosts" / "gone-1.json").read_text())["probe"]
    two = json.loads((tmp_path / "report" / "hosts" / "gone-2.json").read_text())["probe"]
    assert one["status"] == "failed" and one["target"]["port"] == closed_ports[0]
    assert two["status"] == "error" and "not-a-port" in two["message"] and "int" in two["message"], two
    assert "Traceback" not in out
