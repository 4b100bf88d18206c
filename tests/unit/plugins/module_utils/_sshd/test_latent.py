# -*- coding: utf-8 -*-
"""Latent changes: real /proc and journal outputs of a trixie lab host (fixtures/latent/capture.sh)."""

from pathlib import Path

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import checks, latent

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "latent"


def _read(name):
    return (FIXTURES / name).read_text()


def test_fib_trie_local_addresses():
    found = latent.fib_trie_addresses(_read("trixie.fib_trie"))
    assert "127.0.0.1" in found
    assert any(a.startswith("10.88.") for a in found)
    # network and broadcast leaves are not addresses of the host
    assert "10.88.0.0" not in found and "10.88.255.255" not in found


def test_if_inet6_addresses():
    found = latent.if_inet6_addresses(_read("trixie.if_inet6"))
    assert "::1" in found
    assert any(a.startswith("fe80::") for a in found)


def test_process_start_and_last_listening():
    started = latent.process_start(_read("trixie.sshd_stat"), _read("trixie.proc_stat"), 100)
    loaded = latent.last_listening(_read("trixie.journal"))
    assert started is not None and loaded is not None
    # the capture reloaded sshd after it started: the journal's last `Server listening` is later
    assert loaded >= started


@pytest.mark.parametrize("value, ports, want", [
    ("192.0.2.1", ["22"], ("192.0.2.1", ["22"])),
    ("0.0.0.0:2222", ["22"], ("0.0.0.0", ["2222"])),
    ("[::1]:22", ["22"], ("::1", ["22"])),
    ("fe80::1", ["22", "2222"], ("fe80::1", ["22", "2222"])),
    ("host.example rdomain", ["22"], ("host.example", ["22"])),
])
def test_split_listen(value, ports, want):
    assert latent.split_listen(value, ports) == want


def test_unavailable_names_only_foreign_literals():
    v4 = latent.fib_trie_addresses(_read("trixie.fib_trie"))
    v6 = latent.if_inet6_addresses(_read("trixie.if_inet6"))
    values = ["0.0.0.0:22", "[::]:22", "127.0.0.1:22", v4[-1] + ":22", "192.0.2.77:22", "sshhost.example"]
    assert latent.unavailable(values, ["22"], v4, v6) == ["192.0.2.77:22"]
    # net.ipv4.ip_nonlocal_bind=1: the kernel lets sshd bind it
    assert latent.unavailable(values, ["22"], v4, v6, nonlocal_v4=True) == []


def test_listeners_mismatch():
    listeners = [{"address": "0.0.0.0", "port": 22, "process": "sshd"},
                 {"address": "::", "port": 22, "process": "sshd"}]
    assert latent.listeners_mismatch(["[::]:22", "0.0.0.0:22"], ["22"], listeners) == []
    assert latent.listeners_mismatch(["0.0.0.0:2222"], ["2222"], listeners) == [
        "configured but not listening: 0.0.0.0:2222", "listening but not configured: 0.0.0.0:22",
        "listening but not configured: [::]:22"]
    # a listener of another program is not sshd's
    other = [{"address": "0.0.0.0", "port": 22, "process": "nginx"}]
    assert latent.listeners_mismatch(["0.0.0.0:22"], ["22"], other) == ["configured but not listening: 0.0.0.0:22"]


class RecordedHost:
    """The host object of gather.py, answering from the captured files (no live reads)."""

    def __init__(self, mtimes):
        self.mtimes = mtimes

    def stat(self, path, follow=True):
        return {"mtime": self.mtimes[path]} if path in self.mtimes else None

    def read_text(self, path, limit=1 << 20):
        names = {"/proc/net/fib_trie": "trixie.fib_trie", "/proc/net/if_inet6": "trixie.if_inet6",
                 "/proc/stat": "trixie.proc_stat"}
        if path.startswith("/proc/") and path.endswith("/stat") and path != "/proc/stat":
            return _read("trixie.sshd_stat")
        return _read(names[path]) if path in names else None

    journal = True

    def run(self, args):
        if args[0] == "getconf":
            return 0, "100\n", ""
        if not self.journal:
            return 1, "", "No journal files were opened due to insufficient permissions."
        return 0, _read("trixie.journal"), ""


def _state(listen, mtime_offset):
    loaded = latent.last_listening(_read("trixie.journal"))
    state = {"service": {"init": "systemd", "unit": "ssh.service", "active_state": "active", "main_pid": 617},
             "config": {"files": ["/etc/ssh/sshd_config"],
                        "effective": {"port": {"value": ["22"]}, "listenaddress": {"value": listen}}},
             "listeners": [{"address": "0.0.0.0", "port": 22, "process": "sshd"},
                           {"address": "::", "port": 22, "process": "sshd"}]}
    return state, RecordedHost({"/etc/ssh/sshd_config": loaded + mtime_offset})


def test_gather_and_checks_healthy():
    state, host = _state(["[::]:22", "0.0.0.0:22"], -60)
    out = latent.gather_latent(host, state)
    assert out["pending"] is False and out["reasons"] == []
    assert latent.check_config_latent_change(state) == []
    assert latent.check_listen_address_unavailable(state) == []


def test_gather_and_checks_lockout_case():
    """The issue's lockout: a ListenAddress on no interface written after the last reload."""
    state, host = _state(["192.0.2.77:22"], 5)
    out = latent.gather_latent(host, state)
    assert out["pending"] is True
    assert [f["path"] for f in out["files_newer"]] == ["/etc/ssh/sshd_config"]
    assert out["listen_unavailable"] == ["192.0.2.77:22"]
    (change,) = latent.check_config_latent_change(state)
    (bind,) = latent.check_listen_address_unavailable(state)
    assert change["id"] == "config_latent_change" and change["severity"] == "warning"
    assert bind["id"] == "listen_address_unavailable" and bind["severity"] == "error"
    assert "192.0.2.77:22" in bind["summary"]


def test_checks_are_registered():
    ids = [cid for cid, _fn in checks.CHECKS]
    assert "config_latent_change" in ids and "listen_address_unavailable" in ids


def test_no_journal_no_false_alarm():
    """Not root (no journal): a reload keeps the pid, so a file newer than the process start proves nothing."""
    state, host = _state(["[::]:22", "0.0.0.0:22"], 5)
    host.journal = False
    for s in state["listeners"]:
        s["process"] = None
    out = latent.gather_latent(host, state)
    assert out["daemon_loaded"] is None and out["files_newer"] == [] and out["listeners_mismatch"] == []
    assert out["pending"] is False
