# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""After remediate: the faults are gone (sshd_facts) and real clients of three releases work."""

import os
import sys

import pytest
import testinfra.utils.ansible_runner

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared"))
from clients import SSH_OPTS, Clients  # noqa: E402  pylint: disable=wrong-import-position,import-error

RUNNER = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"])
# podman exec straight into the platforms: over the inventory's podman connection testinfra
# would run every command as an ad-hoc ansible run (seconds each, 17 minutes for this file).
testinfra_hosts = [f"podman://{name}" for name in RUNNER.get_hosts("all")]
FIXABLE = {"sftp_subsystem_missing", "sftp_server_missing", "privsep_dir_missing", "privsep_dir_insecure",
           "privsep_user_missing", "host_keys_missing", "host_key_insecure_mode", "service_inactive",
           "service_failed", "service_not_enabled", "tcp_wrappers_denied", "home_or_keys_insecure",
           "authorized_keys_unreadable", "weak_host_key_only"}


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
    # report-only close cases (set_report) keep their findings, marked not remediable
    expected = set(hostvars(host).get("molecule_left", []))
    assert left & FIXABLE == expected, findings
    assert all(f["remediable"] is False for f in findings if f["id"] in expected), findings
    assert res["ansible_facts"]["sshd"]["service"]["active_state"] == "active"


def test_service_and_privsep_state(host):
    lay = layout(host)
    assert host.check_output("systemctl is-active %s || true", lay["unit"]) == "active"
    keys = [f"/etc/ssh/ssh_host_{key}_key" for key in hostvars(host).get("molecule_host_keys", ("rsa", "ecdsa", "ed25519"))]
    out = host.check_output("stat -c '%%n|%%F|%%U|%%a|%%G' %s" + " %s" * len(keys), lay["privsep"], *keys)
    st = {n: rest for n, *rest in (line.split("|") for line in out.splitlines())}
    assert st[lay["privsep"]][:2] == ["directory", "root"] and st[lay["privsep"]][2] in lay["privsep_modes"], st
    for key in keys:
        other = int(st[key][2], 8) & 0o077
        assert st[key][0] == "regular file" and (other == 0 or (other == 0o040 and st[key][3] == lay["key_group"])), (
            key, st[key])
    assert host.run("getent passwd sshd").rc == 0


def refused(host, release):
    """A report-only host (set_report: HostKeyAlgorithms ssh-rsa, left as it is) keeps turning
    OpenSSH >= 8.8 clients away: that is asserted, not skipped."""
    return release in hostvars(host).get("molecule_refused_clients", [])


def assert_refused_at_negotiation(clients, release, port):
    """The client's own words (LogLevel INFO: the shared options silence them at ERROR)."""
    opts = [x for flag, value in zip(SSH_OPTS[::2], SSH_OPTS[1::2]) if value != "LogLevel=ERROR" for x in (flag, value)]
    rc, out = clients.run(release, ["ssh", *opts, "-o", "LogLevel=INFO", "-p", str(port), "root@127.0.0.1", "true"])
    assert rc == 255 and "no matching host key type found. Their offer: ssh-rsa" in out, out


@pytest.mark.parametrize("release", ["bullseye", "bookworm", "trixie"])
def test_ssh_and_scp_from_every_client_release(host, clients, release):
    port = hostvars(host)["molecule_ssh_port"]
    rc, out = clients.ssh(release, port)
    if refused(host, release):
        assert rc == 255, out
        assert_refused_at_negotiation(clients, release, port)
        return
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
    if refused(host, release):
        assert rc != 0, out
        assert_refused_at_negotiation(clients, release, port)
        return
    assert rc == 0, out


def test_alice_logs_in_with_her_key(host, clients):
    port = hostvars(host)["molecule_ssh_port"]
    if hostvars(host).get("molecule_alice_denied"):
        # her authorized_keys is a link to /etc/shadow, never followed or changed: still refused
        rc, out = clients.ssh("bullseye", port, user="alice", command="id -un")
        assert rc == 255 and "Permission denied (publickey" in out, out
        return
    rc, out = clients.ssh("trixie", port, user="alice", command="id -un")
    assert rc == 0 and out.endswith("alice"), out


def faults(host):
    return hostvars(host)["molecule_faults"]


def test_alice_keys_belong_to_her(host):
    """authorized_keys_root_owned: the file alice:alice 0600, ~/.ssh alice:alice 0700, nothing else."""
    if "authorized_keys_root_owned" not in faults(host):
        pytest.skip("authorized_keys_root_owned is not injected on this platform")
    keys, ssh_dir = host.file("/home/alice/.ssh/authorized_keys"), host.file("/home/alice/.ssh")
    assert (keys.user, keys.group, keys.mode, keys.is_symlink) == ("alice", "alice", 0o600, False)
    assert (ssh_dir.user, ssh_dir.group, ssh_dir.mode) == ("alice", "alice", 0o700)
    # the home stays as useradd made it: 0700 on trixie (HOME_MODE), 0755 before
    home_mode = 0o700 if hostvars(host)["molecule_release"] == "trixie" else 0o755
    assert (host.file("/home/alice").user, host.file("/home/alice").mode) == ("alice", home_mode)


def test_report_only_cases_are_left_untouched(host):
    """set_report: the link to /etc/shadow and HostKeyAlgorithms ssh-rsa stay exactly as injected."""
    if "authorized_keys_symlink" not in faults(host):
        pytest.skip("authorized_keys_symlink is not injected on this platform")
    link = host.file("/home/alice/.ssh/authorized_keys")
    assert link.is_symlink and link.linked_to == "/etc/shadow"
    shadow = host.file("/etc/shadow")
    assert (shadow.user, shadow.group, shadow.mode) == ("root", "shadow", 0o640)
    assert host.file("/etc/ssh/sshd_config.d/40-hostkeyalgs.conf").content_string == "HostKeyAlgorithms ssh-rsa\n"
    assert not host.file("/etc/ssh/ssh_host_ed25519_key").exists
    assert host.run("ls /var/backups/sshd-doctor 2>/dev/null").stdout.strip() == ""


@pytest.mark.parametrize("release", ["bullseye", "bookworm", "trixie"])
def test_new_ed25519_host_key_is_what_clients_verify(host, clients, release):
    """host_key_dsa_only: a real client of each release verifies the new ed25519 key against its
    public half on the host (StrictHostKeyChecking yes, only ssh-ed25519 accepted)."""
    if "host_key_dsa_only" not in faults(host):
        pytest.skip("host_key_dsa_only is not injected on this platform")
    port = hostvars(host)["molecule_ssh_port"]
    pub = " ".join(host.file("/etc/ssh/ssh_host_ed25519_key.pub").content_string.split()[:2])
    assert host.file("/etc/ssh/ssh_host_dsa_key").exists  # never replaced or removed
    assert "HostKey /etc/ssh/ssh_host_ed25519_key" in host.file("/etc/ssh/sshd_config.d/40-hostkey.conf").content_string
    rc, out = clients.run(release, [
        "sh", "-c", 'printf "%s\\n" "$1" > /tmp/kh && shift && exec ssh "$@"', "ssh", f"[127.0.0.1]:{port} {pub}",
        "-i", "/lab/id_ed25519", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=/tmp/kh",
        "-o", "HostKeyAlgorithms=ssh-ed25519", "-o", "ConnectTimeout=10", "-p", str(port), "root@127.0.0.1", "echo verified"])
    assert rc == 0 and out.endswith("verified"), out
