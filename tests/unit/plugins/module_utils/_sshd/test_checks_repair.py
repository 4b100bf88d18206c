# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The `remediable` flag and the `repair` steps of the two findings the remediate role repairs
(authorized_keys_unreadable, weak_host_key_only), over states replayed from real lab hosts
(tests/lab/capture.py --faults ...; the cases are in tests/lab/lab.py FAULTS).  Variants that the
lab cannot make (FIPS, NFS root squash, an ACL) are the same real state with one field changed."""

import copy
import json
from pathlib import Path

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import checks, checks_auth, gather, hostio

RECORDINGS = Path(__file__).resolve().parents[5] / "tests" / "unit" / "fixtures" / "recordings"
KEYS = "/home/alice/.ssh/authorized_keys"


def state_of(release, case):
    rec = json.loads((RECORDINGS / release / f"{case}.json").read_text())
    return gather.collect(hostio.ReplayHost(rec), rec["meta"]["options"])


def one(findings, fid):
    found = [f for f in findings if f["id"] == fid]
    assert len(found) == 1, findings
    return found[0]


def unreadable(state):
    return checks_auth.check_authorized_keys_unreadable(state)


@pytest.mark.parametrize("release", ["bullseye", "bookworm", "trixie"])
def test_root_owned_keys_in_ssh_dir_are_repaired_as_the_user(release):
    state = state_of(release, "authorized_keys_root_owned")
    f = one(unreadable(state), "authorized_keys_unreadable")
    uid = state["user_auth"]["users"]["alice"]["uid"]
    assert f["remediable"] is True
    assert f["repair"] == {"user": "alice", "steps": [
        {"path": "/home/alice/.ssh", "owner": uid, "group": uid, "mode": "0700", "kind": "directory"},
        {"path": KEYS, "owner": uid, "group": uid, "mode": "0600", "kind": "file"}]}
    assert "remediate role repairs it" in f["fix"]


@pytest.mark.parametrize("release", ["bullseye", "bookworm", "trixie"])
def test_a_symlinked_authorized_keys_is_reported_never_repaired(release):
    state = state_of(release, "authorized_keys_symlink")
    info = state["user_auth"]["users"]["alice"]["authorized_keys"][KEYS]
    assert info["islink"] is True and info["uid"] == 0  # the link's target: /etc/shadow
    f = one(unreadable(state), "authorized_keys_unreadable")
    assert f["remediable"] is False and "repair" not in f
    assert any("not repaired automatically (a symbolic link)" in e for e in f["evidence"])
    # root read /etc/shadow through the link: no line of it reaches the facts
    text = json.dumps(state["user_auth"]) + json.dumps(checks.run_checks(state)[0])
    assert "root::" not in text and "daemon:*" not in text


def test_nfs_root_squash_acl_home_and_own_file_are_not_remediable():
    base = state_of("trixie", "authorized_keys_root_owned")
    cases = {
        "root cannot read it": lambda info, user: info.update(read_by_root=False),
        "it is alice's own file": lambda info, user: info.update(uid=user["uid"], mode="0000"),
        "the blocking directory is not ~/.ssh": lambda info, user: next(
            d for d in info["chain"] if d["path"] == "/home/alice").update(mode="0700", uid=0),
    }
    for why, change in cases.items():
        state = copy.deepcopy(base)
        user = state["user_auth"]["users"]["alice"]
        change(user["authorized_keys"][KEYS], user)
        f = one(unreadable(state), "authorized_keys_unreadable")
        assert f["remediable"] is False and "repair" not in f, why
        assert any(why in e for e in f["evidence"]), (why, f["evidence"])


def test_root_owned_file_outside_the_home_becomes_0644_owner_kept():
    state = state_of("bookworm", "authorized_keys_root_owned")
    user = state["user_auth"]["users"]["alice"]
    info = user["authorized_keys"].pop(KEYS)
    info["chain"] = [d for d in info["chain"] if not d["path"].startswith("/home")]
    user["authorized_keys"]["/etc/ssh/authorized_keys/alice"] = info
    f = one(unreadable(state), "authorized_keys_unreadable")
    assert f["repair"]["steps"] == [{"path": "/etc/ssh/authorized_keys/alice", "owner": 0, "group": info["gid"],
                                     "mode": "0644", "kind": "file"}]
    # with an ACL entry the mode alone may not admit alice: report only
    info["acl"] = {"user": {"": "rw-", str(user["uid"]): "---"}, "group": {"": "---"}, "mask": "---"}
    assert one(unreadable(state), "authorized_keys_unreadable")["remediable"] is False


def test_a_user_that_does_not_exist_gives_no_finding():
    state = state_of("trixie", "authorized_keys_root_owned")
    state["user_auth"]["users"]["nosuchuser"] = {"exists": False}
    assert [f["repair"]["user"] for f in unreadable(state)] == ["alice"]


def weak(state):
    return one(checks.check_weak_host_key_only(state), "weak_host_key_only")


@pytest.mark.parametrize("release", ["bullseye", "bookworm"])
def test_dsa_only_host_key_gets_an_ed25519_key_and_its_hostkey_line(release):
    f = weak(state_of(release, "host_key_dsa_only"))
    assert f["remediable"] is True
    assert f["repair"] == {"keygen": "/etc/ssh/ssh_host_ed25519_key", "hostkey_line": True}


@pytest.mark.parametrize("release", ["bullseye", "bookworm", "trixie"])
def test_hostkeyalgorithms_without_ed25519_stays_report_only_with_its_line(release):
    f = weak(state_of(release, "weak_host_key_only"))
    assert f["remediable"] is False and "repair" not in f
    assert "Report only: HostKeyAlgorithms ssh-rsa (/etc/ssh/sshd_config.d/40-hostkeyalgs.conf:1) excludes ssh-ed25519" in f["fix"]


def test_fips_old_openssh_and_an_existing_key_file_are_not_remediable():
    base = state_of("bookworm", "host_key_dsa_only")
    fips = copy.deepcopy(base)
    fips["platform"]["fips"] = True
    old = copy.deepcopy(base)
    old["version_tuple"], old["version"] = [6, 4], "6.4p1"
    present = copy.deepcopy(base)
    present["host_keys"].append({"path": "/etc/ssh/ssh_host_ed25519_key", "exists": True, "loadable": False,
                                 "type": "ed25519", "mode": "0644", "owner": "root", "group": "root"})
    for state in (fips, old, present):
        assert weak(state)["remediable"] is False
    assert weak(base)["remediable"] is True


def test_default_hostkeys_need_no_hostkey_line():
    state = state_of("bookworm", "host_key_dsa_only")
    state["config"]["effective"]["hostkey"].update(file=None, line=None, origin="compiled default")
    assert weak(state)["repair"] == {"keygen": "/etc/ssh/ssh_host_ed25519_key", "hostkey_line": False}


# ---------------------------------------------------------------- home_or_keys_insecure: one rule
# The repair steps come from the check's own rule (checks_users._home_repair): exactly the paths
# the check refuses change, and nothing it accepted.

def home_finding(state):
    return one(checks.run_checks(state)[0], "home_or_keys_insecure")


@pytest.mark.parametrize("release", ["bullseye", "bookworm", "trixie", "rhel"])
def test_world_writable_home_loses_only_world_write(release):
    state = state_of(release, "home_or_keys_insecure")
    f = home_finding(state)
    assert f["remediable"] is True
    assert f["repair"] == {"user": "alice", "steps": [
        {"user": "alice", "path": "/home/alice", "owner": None, "mode": "0755", "kind": "directory"}]}


def test_a_refused_directory_above_the_home_is_report_only():
    state = state_of("bookworm", "home_or_keys_insecure")
    chain = state["users"]["alice"]["home_chain"]
    chain[-1]["mode"] = "0755"
    next(d for d in chain if d["path"] == "/home")["mode"] = "0777"
    f = home_finding(state)
    assert f["remediable"] is False and "repair" not in f
    assert "/home has mode 0777" in " ".join(f["evidence"]) and "never changes it" in f["fix"]


def test_keys_of_another_account_go_to_the_user_and_accepted_paths_stay():
    state = state_of("bookworm", "home_or_keys_insecure")
    alice = state["users"]["alice"]
    alice["home_chain"][-1]["mode"] = "0750"
    alice["authorized_keys"][0].update(owner="bob", mode="0644")
    f = home_finding(state)
    assert f["repair"]["steps"] == [
        {"user": "alice", "path": KEYS, "owner": "alice", "mode": "0600", "kind": "file"}]


@pytest.mark.parametrize("release, refused", [("bookworm", False), ("rhel", True)])
def test_group_write_follows_the_private_group_rule(release, refused):
    """Debian's sshd accepts a group-writable home of the user's private group; upstream's does not."""
    state = state_of(release, "home_or_keys_insecure")
    state["users"]["alice"]["home_chain"][-1]["mode"] = "0775"
    found = [f for f in checks.run_checks(state)[0] if f["id"] == "home_or_keys_insecure"]
    if not refused:
        assert found == []
        return
    assert found[0]["repair"]["steps"] == [
        {"user": "alice", "path": "/home/alice", "owner": None, "mode": "0755", "kind": "directory"}]


def test_world_and_group_write_both_go_when_both_are_refused():
    state = state_of("rhel", "home_or_keys_insecure")
    state["users"]["alice"]["ssh_dir"]["mode"] = "0777"
    state["users"]["alice"]["home_chain"][-1]["mode"] = "0755"
    f = home_finding(state)
    assert f["repair"]["steps"] == [
        {"user": "alice", "path": "/home/alice/.ssh", "owner": None, "mode": "0755", "kind": "directory"}]
