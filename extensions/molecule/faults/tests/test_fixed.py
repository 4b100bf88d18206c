# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""After remediate: the faults are gone (sshd_facts) and real clients of three releases work."""

import os
import sys

import pytest
import testinfra.utils.ansible_runner

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared"))
from clients import Clients  # noqa: E402  pylint: disable=wrong-import-position,import-error

RUNNER = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"])
# podman exec straight into the platforms: over the inventory's podman connection testinfra
# would run every command as an ad-hoc ansible run (seconds each, 17 minutes for this file).
testinfra_hosts = [f"podman://{name}" for name in RUNNER.get_hosts("all")]
FIXABLE = {"sftp_subsystem_missing", "sftp_server_missing", "privsep_dir_missing", "privsep_dir_insecure",
           "privsep_user_missing", "host_keys_missing", "host_key_insecure_mode", "service_inactive",
           "service_failed", "tcp_wrappers_denied", "home_or_keys_insecure"}


@pytest.fixture(scope="module")
def clients():
    c = Clients("mol-" + os.environ.get("MOLECULE_SCENARIO_NAME", "faults")).start()
    yield c
    c.stop()


def hostvars(host):
    return RUNNER.get_variables(host.backend.name)


def layout(host):
    """What the platform's layout names differently from Debian (molecule.yml group_vars of a layout)."""
    hv = hostvars(host)
    return {"unit": hv.get("molecule_unit", "ssh.service"), "privsep": hv.get("molecule_privsep_dir", "/run/sshd"),
            "privsep_modes": hv.get("molecule_privsep_modes", ["755"]),
            # RHEL: sshd-keygen writes root:ssh_keys 0640 host keys and its sshd accepts them
            "key_group": hv.get("molecule_key_group")}


def test_findings_gone(host):
    res = RUNNER.run_module(host.backend.name, "sshd.doctor.sshd_facts", "clients=10.88.0.1 users=root,alice", check=False)
    findings = res["ansible_facts"]["sshd"]["findings"]
    left = {f["id"] for f in findings if f["severity"] in ("error", "warning")}
    assert not left & FIXABLE, findings
    assert res["ansible_facts"]["sshd"]["service"]["active_state"] == "active"


def test_service_and_privsep_state(host):
    lay = layout(host)
    assert host.check_output("systemctl is-active %s || true", lay["unit"]) == "active"
    keys = [f"/etc/ssh/ssh_host_{key}_key" for key in ("rsa", "ecdsa", "ed25519")]
    out = host.check_output("stat -c '%%n|%%F|%%U|%%a|%%G' %s" + " %s" * len(keys), lay["privsep"], *keys)
    st = {n: rest for n, *rest in (line.split("|") for line in out.splitlines())}
    assert st[lay["privsep"]][:2] == ["directory", "root"] and st[lay["privsep"]][2] in lay["privsep_modes"], st
    for key in keys:
        other = int(st[key][2], 8) & 0o077
        assert st[key][0] == "regular file" and (other == 0 or (other == 0o040 and st[key][3] == lay["key_group"])), (
            key, st[key])
    assert host.run("getent passwd sshd").rc == 0


@pytest.mark.parametrize("release", ["bullseye", "bookworm", "trixie"])
def test_ssh_and_scp_from_every_client_release(host, clients, release):
    port = hostvars(host)["molecule_ssh_port"]
    rc, out = clients.ssh(release, port)
    assert rc == 0, out
    # default scp: legacy protocol on 8.4, SFTP on 9.2 and 10.0
    rc, out = clients.scp(release, port)
    assert rc == 0 and out.endswith(host.check_output("hostname")), out
    rc, out = clients.sftp(release, port)
    assert rc == 0, out


@pytest.mark.parametrize("release", ["bookworm", "trixie"])
def test_legacy_scp_forced(host, clients, release):
    port = hostvars(host)["molecule_ssh_port"]
    rc, out = clients.scp(release, port, legacy=True)
    assert rc == 0, out


def test_alice_logs_in_with_her_key(host, clients):
    port = hostvars(host)["molecule_ssh_port"]
    rc, out = clients.ssh("trixie", port, user="alice", command="id -un")
    assert rc == 0 and out.endswith("alice"), out
