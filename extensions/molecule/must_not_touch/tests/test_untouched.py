# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An invalid config remediate cannot fix stays byte-identical and sshd keeps serving."""

import os
import sys

import pytest
import testinfra.utils.ansible_runner

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared"))
from clients import Clients  # noqa: E402  pylint: disable=wrong-import-position,import-error

RUNNER = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"])
testinfra_hosts = RUNNER.get_hosts("all")
# What the lab's injection leaves: the typo on line 1, Subsystem commented out.
TYPO = "PermitRootLogn prohibit-password"


@pytest.fixture(scope="module")
def clients():
    c = Clients("mol-untouched").start()
    yield c
    c.stop()


def test_config_is_byte_identical(host):
    text = host.file("/etc/ssh/sshd_config").content_string
    assert text.splitlines()[0] == TYPO
    assert "\n#Subsystem" in text and "\nSubsystem" not in text
    # no backup, drop-in or hosts file written by the role
    assert host.run("ls /etc/ssh/sshd_config.d/").stdout.strip() == ""
    assert host.run("find /etc/ssh -newer /etc/ssh/sshd_config -type f").stdout.strip() == ""


def test_still_invalid_and_still_serving(host, clients):
    res = host.ansible("sshd.doctor.sshd_facts", "clients=10.88.0.1", check=False)
    sshd = res["ansible_facts"]["sshd"]
    assert "config_invalid" in {f["id"] for f in sshd["findings"]}
    assert sshd["service"]["active_state"] == "active"
    port = host.ansible.get_variables()["molecule_ssh_port"]
    rc, out = clients.ssh("trixie", port)
    assert rc == 0, out
    rc, out = clients.scp("trixie", port, legacy=True)
    assert rc == 0, out
