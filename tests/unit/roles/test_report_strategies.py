# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report is complete under any strategy, serial batches, --limit and job slicing: real
ansible-playbook runs of the diagnose role against a small fleet whose hosts finish at different
times and in different ways:

- ``gone-*``: inventory hosts on 127.0.0.1 ports that refuse connections (unreachable);
- ``here-*``: this controller over the local connection (sshd_facts really runs: a diagnosis, or a
  module failure with its message);
- ``early``: a host that fails before the role runs (it leaves the play without a result).

Each host waits ``delay`` seconds (on the controller) first, so under ``free`` they finish in an
order that differs from the inventory's, and the slowest host finishes last.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.sshd.doctor.plugins.plugin_utils import report

COLLECTIONS = Path(report.__file__).absolute().parents[5]
HEADLINE = "hosts: "  # in the first verdict line: "(8 hosts: 0 healthy, ...)"


@pytest.fixture(scope="module")
def closed_ports():
    """Ports that refuse connections: bound, never listening, held for the whole module."""
    socks = [socket.socket() for dummy in range(5)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    yield [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()


def fleet_hosts(ports):
    here = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    hosts = {f"gone-{i}": {"ansible_host": "127.0.0.1", "ansible_port": port, "delay": d}
             for i, (port, d) in enumerate(zip(ports, (3, 0, 2, 0, 1)), start=1)}
    hosts.update({"here-1": dict(here, delay=2), "here-2": dict(here, delay=0), "early": {"delay": 0}})
    return hosts


def write_inventory(path, hosts):
    path.write_text(json.dumps({"all": {"hosts": hosts, "vars": {
        "ansible_user": "nobody", "ansible_ssh_args": "-o ConnectTimeout=5"}}}))


def write_play(path, strategy="linear", serial=None):
    play = {"name": "Diagnose", "hosts": "all", "gather_facts": False, "strategy": strategy,
            "pre_tasks": [
                {"name": "Finish at different times", "ansible.builtin.wait_for": {"timeout": "{{ delay }}"},
                 "delegate_to": "localhost"},
                {"name": "Leave the play before the role", "ansible.builtin.fail": {"msg": "gone before the role"},
                 "when": "inventory_hostname == 'early'"}],
            "roles": [{"role": "sshd.doctor.diagnose"}]}
    if serial:
        play["serial"] = serial
    path.write_text(yaml.safe_dump([play]))


def playbook(cwd, play, inventory, *extra):
    """Run ansible-playbook (a path or a collection playbook); (rc, output)."""
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_FORKS="10",
               ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_RETRY_FILES_ENABLED="False",
               ANSIBLE_LOCALHOST_WARNING="0")
    env.pop("ANSIBLE_CONFIG", None)
    exe = Path(sys.executable).parent / "ansible-playbook"
    res = subprocess.run([str(exe) if exe.exists() else shutil.which("ansible-playbook"), str(play),
                          "-i", str(inventory), *extra],
                         cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    return res.returncode, res.stdout + res.stderr


def load(report_dir):
    return json.loads((report_dir / "fleet.json").read_text())


def assert_complete(fleet, names):
    """Every host of the fleet is in the report with its own result; none is missing or not run."""
    assert sorted(fleet["hosts"]) == sorted(names)
    assert fleet["not_run"] == {} and fleet["summary"]["hosts"] == len(names)
    hosts = fleet["hosts"]
    for name in names:
        if name.startswith("gone-"):
            assert hosts[name]["status"] == "unreachable" and "Connection refused" in hosts[name]["message"], name
        elif name.startswith("here-"):
            # a real diagnosis of this controller, or sshd_facts' own failure: never "no result"
            assert hosts[name]["message"] != report.NO_RESULT, name
            assert hosts[name]["status"] in ("healthy", "findings", "failed"), name
    assert hosts["early"]["status"] == "failed" and hosts["early"]["message"] == report.NO_RESULT
    for name in names:
        doc = json.loads((Path(fleet["run"]["report_dir"]) / "hosts" / f"{name}.json").read_text())
        assert doc["host"] == name and doc["status"] == hosts[name]["status"]


@pytest.mark.parametrize("strategy, serial, builds", [
    ("linear", None, 1),
    ("free", None, 1),
    ("linear", "25%", 4),  # 8 hosts: four batches of two, a report after each, the last one complete
])
def test_fleet_report_is_complete(tmp_path, closed_ports, strategy, serial, builds):
    hosts = fleet_hosts(closed_ports)
    write_inventory(tmp_path / "inventory.json", hosts)
    write_play(tmp_path / "play.yml", strategy, serial)
    rc, out = playbook(tmp_path, tmp_path / "play.yml", tmp_path / "inventory.json",
                       "-e", f"diagnose_report_dir={tmp_path / 'report'}")
    assert rc == 2, out  # early failed
    fleet = load(tmp_path / "report")
    assert_complete(fleet, list(hosts))
    # built once per play or batch, not once per host; the verdict is printed as often
    assert out.count('"FAILED: ') == builds, out
    state = next((tmp_path / "report" / ".sshd-doctor" / "runs").glob("*.state.json"))
    # one build, and it saw every host that reported (under free: the host that finished last)
    assert json.loads(state.read_text()) == {"written": 7, "built": 7}


def test_limit_lists_the_hosts_it_did_not_run(tmp_path, closed_ports):
    hosts = fleet_hosts(closed_ports)
    write_inventory(tmp_path / "inventory.json", hosts)
    write_play(tmp_path / "play.yml")
    rc, out = playbook(tmp_path, tmp_path / "play.yml", tmp_path / "inventory.json", "--limit", "gone-1,here-2",
                       "-e", f"diagnose_report_dir={tmp_path / 'report'}")
    assert rc == 0, out
    fleet = load(tmp_path / "report")
    assert sorted(fleet["hosts"]) == ["gone-1", "here-2"]
    assert sorted(fleet["not_run"]) == sorted(set(hosts) - {"gone-1", "here-2"})
    assert all("outside --limit" in why for why in fleet["not_run"].values())
    assert fleet["summary"]["failed_hosts"] == [] or fleet["summary"]["failed_hosts"] == ["here-2"]
    assert fleet["summary"]["not_run"] == 6
    assert "not in this run (6): " in out


def test_two_slices_merge_into_one_fleet(tmp_path, closed_ports):
    """As AWX job slicing runs it: each slice sees only its part of the inventory; the merge step
    makes one fleet report of both."""
    hosts = fleet_hosts(closed_ports)
    names = list(hosts)
    slices = [dict(list(hosts.items())[0::2]), dict(list(hosts.items())[1::2])]
    write_play(tmp_path / "play.yml")
    for i, part in enumerate(slices):  # the slices' directories, merged by the sshd.doctor.merge playbook
        write_inventory(tmp_path / f"slice{i}.json", part)
        rc, out = playbook(tmp_path, tmp_path / "play.yml", tmp_path / f"slice{i}.json",
                           "-e", f"diagnose_report_dir={tmp_path / f'slice{i}'}")
        assert sorted(load(tmp_path / f"slice{i}")["hosts"]) == sorted(part), out
    rc, out = playbook(tmp_path, "sshd.doctor.merge", "localhost,", "-c", "local",
                       "-e", f"merge_glob={tmp_path}/slice*", "-e", f"merge_dest={tmp_path / 'fleet'}")
    assert rc == 0, out
    fleet = load(tmp_path / "fleet")
    assert sorted(fleet["hosts"]) == sorted(names) and fleet["not_run"] == {}
    assert [r["hosts"] for r in fleet["run"]["merged"]] == [len(slices[0]), len(slices[1])]
    for name in names:
        assert json.loads((tmp_path / "fleet" / "hosts" / f"{name}.json").read_text())["host"] == name
    assert sorted(fleet["summary"]["unreachable_hosts"]) == [n for n in names if n.startswith("gone-")]
    for name in ("index.html", "fleet.md", "junit.xml"):
        assert "gone-5" in (tmp_path / "fleet" / name).read_text()
    assert "FAILED: " in out and "8 hosts" in out


def test_play_output_is_bounded_at_v(tmp_path, closed_ports):
    """At -v no task prints the fleet: the verdict names at most diagnose_verdict_hosts hosts per
    list and details as many; the fleet task's result is its summary, not the fleet dict."""
    hosts = fleet_hosts(closed_ports)
    write_inventory(tmp_path / "inventory.json", hosts)
    write_play(tmp_path / "play.yml")
    rc, out = playbook(tmp_path, tmp_path / "play.yml", tmp_path / "inventory.json", "-v",
                       "-e", f"diagnose_report_dir={tmp_path / 'report'}", "-e", "diagnose_verdict_hosts=2")
    assert rc == 2, out
    build = out.split("TASK [sshd.doctor.diagnose : Build and write the fleet report]", 1)[1].split("TASK [", 1)[0]
    assert '"by_id"' not in build and '"findings": [' not in build and len(build) < 8000, build
    verdict = out.split("TASK [sshd.doctor.diagnose : Show the verdict of the fleet]", 1)[1].split("PLAY RECAP", 1)[0]
    assert '"unreachable (5): gone-1, gone-2 and 3 more"' in verdict, verdict
    detailed = [line for line in verdict.splitlines() if line.strip().startswith(('"gone-', '"here-', '"early:'))]
    assert len(detailed) == 2, verdict
    assert "more hosts that are not healthy: see the report" in verdict
