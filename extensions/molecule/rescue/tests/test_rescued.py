# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""After sshd.doctor.rescue: sshd runs again and real clients of three releases get in."""

import os
import sys

import pytest
import testinfra.utils.ansible_runner

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared"))
from clients import Clients  # noqa: E402  pylint: disable=wrong-import-position,import-error

RUNNER = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"])
testinfra_hosts = RUNNER.get_hosts("all")


@pytest.fixture(scope="module")
def clients():
    c = Clients("mol-rescue").start()
    yield c
    c.stop()


def port(host):
    return host.ansible.get_variables()["rescue_ssh_port"]


def test_service_active(host):
    assert host.service("ssh").is_running
    assert host.check_output("systemctl is-active ssh.service") == "active"


def test_privsep_dir(host):
    d = host.file("/run/sshd")
    assert d.is_directory and d.user == "root" and d.group == "root" and d.mode == 0o755


@pytest.mark.parametrize("key", ["rsa", "ecdsa", "ed25519"])
def test_host_keys(host, key):
    f = host.file(f"/etc/ssh/ssh_host_{key}_key")
    assert f.is_file and f.user == "root" and f.mode == 0o600, key
    assert host.file(f"/etc/ssh/ssh_host_{key}_key.pub").is_file


def test_no_error_findings(host):
    res = host.ansible("sshd.doctor.sshd_facts", "clients=10.88.0.1 users=root", check=False)
    sshd = res["ansible_facts"]["sshd"]
    assert sshd["service"]["active_state"] == "active"
    errors = [f for f in sshd["findings"] if f["severity"] == "error"]
    assert not errors, errors


@pytest.mark.parametrize("release", ["bullseye", "bookworm", "trixie"])
def test_ssh_scp_sftp_from_every_client_release(host, clients, release):
    p = port(host)
    hostname = host.check_output("hostname")
    rc, out = clients.ssh(release, p, command="systemctl is-active ssh.service")
    assert rc == 0 and out.endswith("active"), out
    # default scp: legacy protocol on 8.4, SFTP on 9.2 and 10.0
    rc, out = clients.scp(release, p)
    assert rc == 0 and out.endswith(hostname), out
    rc, out = clients.sftp(release, p)
    assert rc == 0 and out.endswith(hostname), out


@pytest.mark.parametrize("release", ["bookworm", "trixie"])
def test_legacy_scp_forced(host, clients, release):
    rc, out = clients.scp(release, port(host), legacy=True)
    assert rc == 0 and out.endswith(host.check_output("hostname")), out
