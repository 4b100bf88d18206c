# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks: the pure helpers.  Real host states are tested in test_recordings.py."""

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import checks, checks_users, platform

# The checks over real host states (every lab fault on every release) are in test_recordings.py:
# raw recordings of real lab hosts replayed through gather and checks.


def test_config_errors_ignore_environment_failures():
    state = {"config": {"test": {"rc": 255, "errors": [
        {"file": None, "line": None, "message": "Missing privilege separation directory: /run/sshd"}],
        "output": ["Missing privilege separation directory: /run/sshd"]}}}
    assert checks.config_errors(state) == []
    state["config"]["test"]["errors"].append({"file": "/etc/ssh/sshd_config", "line": 1, "message": "Bad configuration option: x"})
    assert [e["line"] for e in checks.config_errors(state)] == [1]


@pytest.mark.parametrize(("eff", "user", "groups", "allowed"), [
    ({}, "alice", [], True),
    ({"allowusers": {"value": ["root"]}}, "alice", [], False),
    ({"allowusers": {"value": ["root", "al*"]}}, "alice", [], True),
    ({"allowusers": {"value": ["alice@10.0.0.1"]}}, "alice", [], True),
    ({"denyusers": {"value": ["alice"]}, "allowusers": {"value": ["alice"]}}, "alice", [], False),
    ({"allowgroups": {"value": ["admins"]}}, "alice", ["alice"], False),
    ({"allowgroups": {"value": ["adm?ns"]}}, "alice", ["admins"], True),
    ({"denygroups": {"value": ["alice"]}}, "alice", ["alice"], False),
])
def test_user_access(eff, user, groups, allowed):
    assert checks_users.user_access(eff, user, groups)[0] is allowed


@pytest.mark.parametrize(("mode", "group", "patched", "too_open"), [
    ("0600", "root", False, False), ("0644", "root", True, True), ("0640", "ssh_keys", True, False),
    ("0660", "ssh_keys", True, True), (None, None, False, False),
    # an sshd without RHEL's keyperm patch refuses 0640 root:ssh_keys like any shared key
    ("0640", "ssh_keys", False, True),
])
def test_key_mode(mode, group, patched, too_open):
    assert platform.key_mode_too_open({"mode": mode, "group": group}, patched) is too_open


@pytest.mark.parametrize("listen, addresses, ports, family, expect", [
    (["[::]:22"], [], ["22"], "any", []),
    (["[::]:22"], [], ["2222"], "any", ["ports"]),
    (["[::]:22"], ["10.0.0.5:22"], ["22"], "any", ["addresses"]),
    (["[::]:22"], [], ["22"], "inet", ["address family"]),
    (["0.0.0.0:22"], [], ["22"], "inet6", ["address family"]),
    (["10.0.0.5:22"], ["10.0.0.5:22"], ["22"], "any", []),
    (["22"], [], ["22"], "any", []),
    # ListenAddress values as the parser reads them when sshd -T cannot run: no port (the Port
    # values apply), IPv6 without brackets; one parser with latent.py (latent.split_listen)
    (["10.0.0.5:22"], ["10.0.0.5"], ["22"], "any", []),
    (["10.0.0.5:22"], ["10.0.0.5"], ["22", "2222"], "any", ["ports"]),
    (["[fe80::1]:22"], ["fe80::1"], ["22"], "any", []),
    (["[::]:22"], ["fe80::1"], ["22"], "any", ["addresses"]),
])
def test_socket_mismatches(listen, addresses, ports, family, expect):
    got = checks.socket_mismatches(listen, addresses, ports, family)
    assert [g.split(":", 1)[0] for g in got] == expect


BIND_DENIED = "2026-11-30T10:00:00+00:00 rocky sshd[812]: error: Bind to port 2222 on 0.0.0.0 failed: Permission denied."
AVC = ('type=AVC msg=audit(1732960000.123:412): avc:  denied  { read } for  pid=901 comm="sshd" '
       'name="authorized_keys" dev="vda1" ino=1234 scontext=system_u:system_r:sshd_t:s0-s0:c0.c1023 '
       'tcontext=unconfined_u:object_r:user_home_t:s0 tclass=file permissive=0')


@pytest.mark.parametrize("selinux, log, ids", [
    ("enforcing", [BIND_DENIED], ["selinux_port_not_labeled"]),
    ("permissive", [BIND_DENIED], []),      # permissive mode logs but lets sshd bind
    (None, [BIND_DENIED], []),
    ("enforcing", ["sshd[1]: error: Bind to port 22 on 0.0.0.0 failed: Address already in use."], []),
])
def test_selinux_port(selinux, log, ids):
    state = {"platform": {"selinux": selinux}, "service": {"log": log, "active_state": "active"}}
    assert [f["id"] for f in checks.check_selinux_port_not_labeled(state)] == ids
    # a bind refused by SELinux is not another program on the port; "Address already in use" is
    conflict = checks.check_port_conflict(dict(state, service={"log": log, "active_state": "failed"}))
    assert bool(conflict) is ("Address already in use" in log[0])


def test_selinux_denial_names_the_labels():
    got = checks.check_selinux_denial({"selinux": {"avc": [AVC]}})
    assert got[0]["id"] == "selinux_denial"
    assert "user_home_t" in got[0]["summary"]
    assert checks.check_selinux_denial({"selinux": {"avc": []}}) == []


@pytest.mark.parametrize("ps, ids", [
    ({"dir": "/run/sshd", "exists": True, "isdir": False, "owner": "root", "mode": "0644"}, ["privsep_dir_missing"]),
    ({"dir": "/run/sshd", "exists": True, "isdir": True, "owner": "root", "mode": "0755"}, []),
    ({"dir": "/run/sshd", "exists": False, "persistent_by": "RuntimeDirectory"}, ["privsep_dir_missing"]),
])
def test_privsep_path_that_is_not_a_directory(ps, ids):
    state = {"installed": True, "privsep": ps, "service": {"active_state": "active"}}
    got = checks.check_privsep_dir_missing(state) + checks.check_privsep_dir_insecure(state)
    assert [f["id"] for f in got] == ids
    if ps.get("exists") and not ps["isdir"]:
        assert got[0]["remediable"] is False
        assert "not a directory" in got[0]["summary"]


def _user_state(source, readable=True):
    eff = {"usepam": {"value": "no"}, "permitrootlogin": {"value": "no"}, "allowusers": {"value": ["bob"]}}
    return {"config": {"source": source, "readable": readable, "effective": eff},
            "users": {"root": {"exists": True, "uid": 0, "password_field": "locked", "groups": ["root"]}}}


@pytest.mark.parametrize("fid", ["account_locked", "user_not_allowed", "root_login_refused"])
def test_user_checks_need_trusted_effective_values(fid):
    check = dict(checks.CHECKS)[fid]
    assert [f["id"] for f in check(_user_state("sshd -T"))] == [fid]
    # the parser could not read every file: its values may be wrong, so nothing is said about them
    assert check(_user_state("parser", readable=False)) == []
    assert [f["id"] for f in check(_user_state("parser"))] == [fid]
