# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""userauth.py's pure parsers: authorized_keys lines, %-tokens, getfacl output."""

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import userauth

ED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB5ZrvhA3U/5GrP1sM1BS9a0k3Yp4iKVA1PlXbq8vE0j"


def test_options_with_quoted_commas_and_spaces():
    text = 'from="10.0.0.1,192.0.2.*",command="echo a, b",no-pty %s me@x\n' % ED
    parsed = userauth.parse_authorized_keys(text)
    assert parsed["malformed"] == []
    key = parsed["keys"][0]
    assert key["type"] == "ssh-ed25519" and key["from"] == "10.0.0.1,192.0.2.*" and key["comment"] == "me@x"


def test_malformed_lines_are_reported_with_their_number():
    text = "# comment\n\nssh-ed25519 notbase64!!\nssh-foo AAAA\nssh-rsa " + ED.split()[1] + "\n" + ED + "\n"
    parsed = userauth.parse_authorized_keys(text)
    assert [m["line"] for m in parsed["malformed"]] == [3, 4, 5]
    assert "does not match its type" in parsed["malformed"][2]["problem"]
    assert [k["line"] for k in parsed["keys"]] == [6]


def test_huge_file_is_bounded():
    parsed = userauth.parse_authorized_keys((ED + "\n") * (userauth.MAX_KEY_LINES + 500))
    assert len(parsed["keys"]) == userauth.MAX_KEY_LINES


def test_tokens():
    assert userauth.expand_tokens("%h/.ssh/%u_keys", "bob", 1001, "/home/bob") == "/home/bob/.ssh/bob_keys"
    assert userauth.expand_tokens("/etc/keys/%U%%", "bob", 1001, "/home/bob") == "/etc/keys/1001%"
    assert userauth.expand_tokens("/x/%", "bob", 1, "/h") == "/x/%"


def test_getfacl_numeric():
    text = "user::rw-\nuser:1001:r--\ngroup::---\ngroup:50:r-x\nmask::r--\nother::---\n"
    acl = userauth.parse_getfacl(text)
    assert acl["user"]["1001"] == "r--" and acl["group"]["50"] == "r-x" and acl["mask"] == "r--"


def _state(text, version="10.0p2"):
    from ansible_collections.sshd.doctor.plugins.module_utils._sshd import config as sshd_config
    parsed = sshd_config.parse_config("/etc/ssh/sshd_config", reader=lambda p: text if p == "/etc/ssh/sshd_config" else None,
                                      globber=lambda p: [])
    entries = [{k: e[k] for k in ("keyword", "args", "file", "line", "match")} for e in parsed["entries"]]
    return {"version": version, "config": {"effective": {}, "entries": entries, "matches": parsed["matches"]}}


CONFIG = """PubkeyAcceptedAlgorithms ssh-ed25519,rsa-sha2-512
Match Group sftponly
    ChrootDirectory /srv/jail/%u
    AuthorizedKeysFile /etc/ssh/keys/%u
Match Address 10.1.0.0/16 User bob
    PubkeyAcceptedAlgorithms ssh-ed25519
"""


def test_match_group_sets_chroot_and_keys_file_for_members_only():
    state = _state(CONFIG)
    member = userauth.user_effective(state, "bob", ["bob", "sftponly"], "192.0.2.1")
    assert member["chrootdirectory"]["value"] == "/srv/jail/%u"
    assert userauth._list(member["authorizedkeysfile"]["value"]) == ["/etc/ssh/keys/%u"]
    other = userauth.user_effective(state, "carol", ["carol"], "192.0.2.1")
    assert "chrootdirectory" not in other


def test_match_address_and_user_both_must_hold():
    state = _state(CONFIG)
    inside = userauth.user_effective(state, "bob", ["bob"], "10.1.2.3")
    assert inside["pubkeyacceptedalgorithms"]["value"] == "ssh-ed25519"
    outside = userauth.user_effective(state, "bob", ["bob"], "10.2.0.1")
    assert "pubkeyacceptedalgorithms" not in outside or outside["pubkeyacceptedalgorithms"]["match"] is None
    not_bob = userauth.user_effective(state, "carol", ["carol"], "10.1.2.3")
    assert "pubkeyacceptedalgorithms" not in not_bob or not_bob["pubkeyacceptedalgorithms"]["match"] is None
