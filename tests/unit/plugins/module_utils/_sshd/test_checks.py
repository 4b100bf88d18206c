# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks: the pure helpers.  Real host states are tested in test_recordings.py."""

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import checks

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
    assert checks.user_access(eff, user, groups)[0] is allowed


@pytest.mark.parametrize(("mode", "group", "too_open"), [
    ("0600", "root", False), ("0644", "root", True), ("0640", "ssh_keys", False), ("0660", "ssh_keys", True),
    (None, None, False),
])
def test_key_mode(mode, group, too_open):
    assert checks.key_mode_too_open({"mode": mode, "group": group}) is too_open
