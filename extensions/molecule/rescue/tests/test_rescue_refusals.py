# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rescue playbook refuses an SSH connection and says clearly when its connection is not there.

Runs `ansible-playbook sshd.doctor.rescue` on the controller against a small inventory of its
own: nothing of it reaches a platform of the scenario.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared"))
from clients import REPO  # noqa: E402  pylint: disable=wrong-import-position,import-error

INVENTORY = """\
all:
  vars:
    ansible_python_interpreter: /usr/bin/python3
    rescue_connect_timeout: 10
  hosts:
    ghost:
      ansible_connection: containers.podman.podman
      ansible_host: mol-rescue-no-such-container
    via-ssh:
      ansible_connection: ssh
      ansible_host: 127.0.0.1
      ansible_port: 22330
    default-connection:
      ansible_host: 127.0.0.1
      ansible_port: 22331
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rescue-refusals")
    (tmp / "inventory.yml").write_text(INVENTORY)
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_STDOUT_CALLBACK="default",
               ANSIBLE_COLLECTIONS_PATH=os.pathsep.join(
                   p for p in (str(REPO / ".build" / "collections"), os.environ.get("ANSIBLE_COLLECTIONS_PATH")) if p))
    env.pop("ANSIBLE_CONFIG", None)
    playbook = Path(sys.executable).parent / "ansible-playbook"
    res = subprocess.run([str(playbook) if playbook.exists() else shutil.which("ansible-playbook"),
                          "sshd.doctor.rescue", "-i", str(tmp / "inventory.yml"),
                          "-e", f"rescue_report_dir={tmp / 'report'}"],
                         cwd=tmp, env=env, capture_output=True, text=True, timeout=300, check=False)
    return res.returncode, res.stdout + res.stderr


def fatal_line(out, host):
    lines = [ln for ln in out.splitlines() if ln.startswith(f"fatal: [{host}]: FAILED!")]
    return lines[-1] if lines else ""


def test_the_run_fails(run):
    rc, out = run
    assert rc != 0, out
    # no host got past the preflight: nothing was diagnosed or changed
    assert "TASK [Diagnose" not in out and "TASK [Remediate" not in out, out


def test_missing_container_is_not_available(run):
    out = run[1]
    line = fatal_line(out, "ghost")
    assert "The rescue connection containers.podman.podman to ghost (mol-rescue-no-such-container) is not available" \
        in line, out
    assert "is the container running?" in line, out


@pytest.mark.parametrize("host", ["via-ssh", "default-connection"])
def test_ssh_connection_is_refused(run, host):
    out = run[1]
    line = fatal_line(out, host)
    assert f"{host} is reached over ssh, which needs the sshd this playbook is meant to rescue" in line, out
    assert "docs/guides/rescue.md" in line, out
