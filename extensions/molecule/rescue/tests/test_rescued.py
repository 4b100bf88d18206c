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
# podman exec straight into the platforms: testinfra maps no podman connection of the inventory
# to its podman backend and would run every command as an ad-hoc ansible run (minutes per test).
testinfra_hosts = [f"podman://{name}" for name in RUNNER.get_hosts("all")]
KEYS = ("rsa", "ecdsa", "ed25519")


@pytest.fixture(scope="module")
def clients():
    c = Clients("mol-rescue").start()
    yield c
    c.stop()


def port(host):
    return RUNNER.get_variables(host.backend.name)["rescue_ssh_port"]


def stat(host, *paths):
    """{path: (type, owner, group, octal mode)} in one podman exec."""
    out = host.check_output("stat -c '%%n|%%F|%%U|%%G|%%a'" + " %s" * len(paths), *paths)
    return {n: rest for n, *rest in (line.split("|") for line in out.splitlines())}


def test_service_active(host):
    assert host.check_output("systemctl is-active ssh.service || true") == "active"


def test_privsep_dir(host):
    assert stat(host, "/run/sshd") == {"/run/sshd": ["directory", "root", "root", "755"]}


def test_host_keys(host):
    paths = [f"/etc/ssh/ssh_host_{k}_key{ext}" for k in KEYS for ext in ("", ".pub")]
    st = stat(host, *paths)
    for k in KEYS:
        key = f"/etc/ssh/ssh_host_{k}_key"
        assert st.get(key) == ["regular file", "root", "root", "600"], (key, st.get(key))
        assert st.get(key + ".pub", [""])[0] == "regular file", (key, st)


def test_no_error_findings(host):
    res = RUNNER.run_module(host.backend.name, "sshd.doctor.sshd_facts", "clients=10.88.0.1 users=root", check=False)
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
