# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the hosts.allow / hosts.deny parser and evaluator (Debian libwrap0 semantics).

tests/unit/fixtures/hosts_access/libwrap_cases.json holds verdicts of the real library
(bullseye, bookworm and trixie libwrap0, through tcpdmatch); test_real_libwrap_cases checks
that the evaluator agrees with every one of them.
"""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import hosts_access as ha

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "hosts_access"
ALLOW = "/etc/hosts.allow"
DENY = "/etc/hosts.deny"


def run(allow, deny, client, **kwargs):
    return ha.evaluate(ha.parse_rules(allow, ALLOW), ha.parse_rules(deny, DENY), client, **kwargs)


# ---------------------------------------------------------------------------
# the recorded behaviour of the real library

ORACLE = json.loads((FIXTURES / "libwrap_cases.json").read_text())
# libwrap checks the account named by these options on the host itself; the evaluator cannot
NEEDS_ACCOUNTS = {"opt_group_missing_group", "opt_user_missing_user"}


@pytest.mark.parametrize("case", ORACLE["cases"], ids=[case["id"] for case in ORACLE["cases"]])
def test_real_libwrap_cases(case):
    allow_rules = ha.parse_rules(case["allow"], "hosts.allow")
    deny_rules = ha.parse_rules(case["deny"], "hosts.deny")
    result = ha.evaluate(allow_rules, deny_rules, case["client"], client_name=case.get("client_name"),
                         reader=ORACLE["files"].get)
    if case["id"] in NEEDS_ACCOUNTS:
        assert result["verdict"] == "allow"
        assert result["uncertain"]
        assert any("does not exist" in note for note in result["notes"])
        return
    expected = {"granted": "allow", "denied": "deny", "delegated": "deny"}[case["access"]]
    assert result["verdict"] == expected, result["reason"]
    if case["access"] == "delegated":
        assert result["decided_by"] == "twist"
    if case["matched"]:
        file_name, line = case["matched"]
        assert result["file"] == file_name
        by_line = {rule["line"]: rule for rule in allow_rules + deny_rules if rule["file"] == file_name}
        assert by_line[result["line"]]["libwrap_line"] == line
    else:
        assert result["decided_by"] in ("no_match", "table_error"), result


def test_oracle_fixture_is_broad():
    assert len(ORACLE["cases"]) >= 200
    accesses = {case["access"] for case in ORACLE["cases"]}
    assert accesses == {"granted", "denied", "delegated"}


# ---------------------------------------------------------------------------
# parse_rules


def test_parse_basic_fields():
    rules = ha.parse_rules("# comment\n\nsshd, in.telnetd : 10.0.0.0/8 [2001:db8::]/32 : spawn echo %a : deny\n", ALLOW)
    assert len(rules) == 1
    rule = rules[0]
    assert rule["file"] == ALLOW
    assert rule["line"] == 3
    assert rule["end_line"] == 3
    assert rule["daemons"] == ["sshd", "in.telnetd"]
    assert rule["clients"] == ["10.0.0.0/8", "[2001:db8::]/32"]
    assert rule["options"] == ["spawn echo %a", "deny"]
    assert rule["text"] == "sshd, in.telnetd : 10.0.0.0/8 [2001:db8::]/32 : spawn echo %a : deny"
    assert "error" not in rule


def test_parse_continuation_joins_lines_and_keeps_first_line():
    rules = ha.parse_rules("\nsshd: 10.0.0.1, \\\n  10.0.0.2 \\\n  EXCEPT 10.0.0.3\nALL: ALL\n", DENY)
    assert [(r["line"], r["end_line"], r["libwrap_line"]) for r in rules] == [(2, 4, 4), (5, 5, 5)]
    assert rules[0]["clients"] == ["10.0.0.1", "10.0.0.2", "EXCEPT", "10.0.0.3"]
    assert rules[0]["text"] == "sshd: 10.0.0.1,   10.0.0.2   EXCEPT 10.0.0.3"


def test_parse_comment_continued_by_backslash_swallows_next_line():
    assert ha.parse_rules("# old rule \\\nsshd: ALL\n", DENY) == []


def test_parse_hash_only_at_line_start():
    rules = ha.parse_rules("  # indented: x\nsshd: 10.0.0.1 # not a comment\n", DENY)
    assert [r["daemons"] for r in rules] == [["#", "indented"], ["sshd"]]
    assert rules[1]["clients"] == ["10.0.0.1", "#", "not", "a", "comment"]


def test_parse_crlf_and_blank_lines():
    rules = ha.parse_rules("\r\n  \t\r\nsshd: 10.0.0.1\r\n", DENY)
    assert len(rules) == 1
    assert rules[0]["clients"] == ["10.0.0.1"]
    assert rules[0]["line"] == 3


def test_parse_crlf_breaks_continuation():
    rules = ha.parse_rules("sshd: 10.0.0.1 \\\r\n 10.0.0.2\n", DENY)
    assert rules[0]["clients"] == ["10.0.0.1", "\\"]
    assert rules[1]["error"].startswith('missing ":" separator')
    assert rules[1]["fatal"] is False


def test_parse_missing_separator_is_skipped_not_fatal():
    rules = ha.parse_rules("sshd 10.0.0.1\nsshd: 10.0.0.2\n", DENY)
    assert rules[0]["fatal"] is False and "separator" in rules[0]["error"]
    assert rules[1]["clients"] == ["10.0.0.2"]


@pytest.mark.parametrize("text, line", [
    ("sshd: 10.0.0.1", 1),
    ("sshd: 10.0.0.1\n# last line", 2),
    ("sshd: 10.0.0.1\n\n   ", 3),
    ("sshd: 10.0.0.1 \\\n", 1),
])
def test_parse_missing_final_newline_is_fatal(text, line):
    rules = ha.parse_rules(text, DENY)
    assert rules[-1]["fatal"] is True
    assert rules[-1]["line"] == line
    assert "missing newline" in rules[-1]["error"]


def test_parse_stops_after_fatal_line():
    rules = ha.parse_rules("sshd: 1.1.1.1 " + "x" * 3000 + "\nsshd: 10.0.0.1\n", DENY)
    assert len(rules) == 1
    assert rules[0]["fatal"] and "too long" in rules[0]["error"]


@pytest.mark.parametrize("length, fatal", [(2046, False), (2047, False), (2048, True), (2049, True)])
def test_parse_line_length_limit(length, fatal):
    line = "sshd: 10.0.0.1 "
    line += "x" * (length - len(line) - 1) + "\n"
    assert len(line.encode()) == length
    rules = ha.parse_rules(line, DENY)
    assert bool(rules[0].get("fatal")) is fatal


def test_parse_line_length_counts_bytes_not_characters():
    line = "sshd: 10.0.0.1 " + "é" * 1020 + "\n"
    assert len(line) < 2047 < len(line.encode())
    assert ha.parse_rules(line, DENY)[0]["fatal"] is True


def test_parse_continued_line_limit_applies_to_logical_line():
    first = "sshd: 10.0.0.1 \\\n"
    ok = ha.parse_rules(first + "y" * 2031 + "\n", DENY)  # 15 + 2032 = 2047 bytes
    too_long = ha.parse_rules(first + "y" * 2032 + "\n", DENY)
    assert "error" not in ok[0]
    assert too_long[0]["fatal"] is True


def test_parse_ipv6_brackets_protect_colons():
    rules = ha.parse_rules("sshd: [fe80::1] [2001:db8::]/32: severity auth.info\n", ALLOW)
    assert rules[0]["clients"] == ["[fe80::1]", "[2001:db8::]/32"]
    assert rules[0]["options"] == ["severity auth.info"]


def test_parse_unbracketed_ipv6_warns():
    rule = ha.parse_rules("sshd: 2001:db8::1\n", ALLOW)[0]
    assert rule["clients"] == ["2001"]
    assert rule["options"] == ["db8", "", "1"]
    assert any("brackets" in warning for warning in rule["warnings"])


def test_parse_options_escaped_colon_and_trailing_colon():
    assert ha.parse_rules("sshd: ALL: spawn echo a\\:b : deny\n", ALLOW)[0]["options"] == ["spawn echo a:b", "deny"]
    assert ha.parse_rules("sshd: ALL:\n", ALLOW)[0]["options"] == [""]
    assert ha.parse_rules("sshd: ALL\n", ALLOW)[0]["options"] == []


def test_parse_warnings_for_daemon_names_and_masks():
    rule = ha.parse_rules("sshd-session: 10.0.0.1/8 10.0.0.0/33 10.0.0.0/8\n", DENY)[0]
    text = " ".join(rule["warnings"])
    assert "daemon name 'sshd'" in text
    assert "10.0.0.1/8" in text and "host bits" in text
    assert "10.0.0.0/33" in text
    assert "'10.0.0.0/8'" not in text


def test_parse_nul_bytes_join_like_fgets():
    rules = ha.parse_rules("ss\0junk\nhd: 10.0.0.1\nsshd: 10.0.0.2\n", DENY)
    assert rules[0]["daemons"] == ["sshd"]
    assert (rules[0]["line"], rules[0]["end_line"], rules[0]["libwrap_line"]) == (1, 2, 1)
    assert (rules[1]["line"], rules[1]["libwrap_line"]) == (3, 2)


def test_parse_accepts_bytes_and_none():
    assert ha.parse_rules(b"sshd: ALL\n", DENY)[0]["clients"] == ["ALL"]
    assert ha.parse_rules(None, DENY) == []
    assert ha.parse_rules("", DENY) == []


def test_debian_default_files_have_no_rules():
    allow = (FIXTURES / "debian.hosts.allow").read_text()
    deny = (FIXTURES / "debian.hosts.deny").read_text()
    assert ha.parse_rules(allow, ALLOW) == []
    assert ha.parse_rules(deny, DENY) == []
    result = run(allow, deny, "203.0.113.9")
    assert result["verdict"] == "allow" and result["decided_by"] == "no_match"
    # the commented-out example in Debian's hosts.deny only refuses forward/reverse mismatches
    enabled = deny.replace("# ALL: PARANOID", "ALL: PARANOID")
    assert run(allow, enabled, "203.0.113.9")["verdict"] == "allow"
    assert run(allow, enabled, "203.0.113.9", client_name="paranoid")["verdict"] == "deny"


# ---------------------------------------------------------------------------
# evaluate: the decision table (allow text, deny text, client, verdict, deciding file, line)

TABLE = [
    # order of the tables, first match, default
    ("", "", "192.0.2.1", "allow", None, None),
    ("", "sshd: ALL\n", "192.0.2.1", "deny", DENY, 1),
    ("", "ALL: ALL\n", "192.0.2.1", "deny", DENY, 1),
    ("sshd: 192.0.2.1\n", "ALL: ALL\n", "192.0.2.1", "allow", ALLOW, 1),
    ("sshd: 192.0.2.2\n", "ALL: ALL\n", "192.0.2.1", "deny", DENY, 1),
    ("", "in.telnetd: ALL\nsshd: 192.0.2.0/24\n", "192.0.2.1", "deny", DENY, 2),
    ("", "sshd-session: ALL\n", "192.0.2.1", "allow", None, None),
    ("", "ALL EXCEPT sshd: ALL\n", "192.0.2.1", "allow", None, None),
    ("", "ALL EXCEPT in.fingerd: ALL\n", "192.0.2.1", "deny", DENY, 1),
    ("", "SSHD: ALL\n", "192.0.2.1", "deny", DENY, 1),
    # address forms
    ("", "sshd: 192.0.2.\n", "192.0.2.1", "deny", DENY, 1),
    ("", "sshd: 192.0.2\n", "192.0.2.1", "allow", None, None),
    ("", "sshd: 192.0.2.0/255.255.255.0\n", "192.0.2.1", "deny", DENY, 1),
    ("", "sshd: 192.0.2.0/24\n", "192.0.2.1", "deny", DENY, 1),
    ("", "sshd: 192.0.2.1/24\n", "192.0.2.1", "allow", None, None),
    ("", "sshd: 192.0.2.1/255.255.255.255\n", "192.0.2.1", "allow", None, None),
    ("", "sshd: 192.0.2.1/32\n", "192.0.2.1", "deny", DENY, 1),
    ("", "sshd: 0.0.0.0/0\n", "192.0.2.1", "allow", None, None),
    ("", "sshd: 0.0.0.0/0.0.0.0\n", "192.0.2.1", "deny", DENY, 1),
    ("", "sshd: 192.0.2.*\n", "192.0.2.1", "deny", DENY, 1),
    ("", "sshd: 192.0.2.?\n", "192.0.2.12", "allow", None, None),
    ("", "sshd: 192.0.2.*/24\n", "192.0.2.1", "allow", None, None),
    ("", "sshd: .2.1\n", "192.0.2.1", "deny", DENY, 1),
    # IPv6 and IPv4-mapped clients
    ("", "sshd: [2001:db8::1]\n", "2001:db8::1", "deny", DENY, 1),
    ("", "sshd: [2001:db8::]/32\n", "2001:db8:0:1::5", "deny", DENY, 1),
    ("", "sshd: [2001:db8::]/48\n", "2001:db8:1::5", "allow", None, None),
    ("", "sshd: 2001:db8::1\n", "2001:db8::1", "allow", None, None),
    ("", "sshd: [2001:db8::1]\n", "[2001:0DB8:0:0::1]", "deny", DENY, 1),
    ("", "sshd: 192.0.2.0/24\n", "::ffff:192.0.2.7", "deny", DENY, 1),
    ("", "sshd: [::ffff:192.0.2.7]\n", "::ffff:192.0.2.7", "allow", None, None),
    ("", "sshd: 192.0.2.0/24\n", "2001:db8::1", "allow", None, None),
    # EXCEPT, nested and right associative
    ("", "sshd: ALL EXCEPT 192.0.2.1\n", "192.0.2.1", "allow", None, None),
    ("", "sshd: ALL EXCEPT 192.0.2. EXCEPT 192.0.2.1\n", "192.0.2.1", "deny", DENY, 1),
    ("", "sshd: ALL EXCEPT 192.0.2. EXCEPT 192.0.2.1\n", "192.0.2.2", "allow", None, None),
    ("", "sshd: ALL EXCEPT 192.0.2. EXCEPT 192.0.2.1\n", "198.51.100.1", "deny", DENY, 1),
    ("", "sshd: EXCEPT 192.0.2.1\n", "192.0.2.1", "allow", None, None),
    # options (PROCESS_OPTIONS)
    ("sshd: 192.0.2.1: deny\n", "", "192.0.2.1", "deny", ALLOW, 1),
    ("", "sshd: 192.0.2.1: allow\nALL: ALL\n", "192.0.2.1", "allow", DENY, 1),
    ("sshd: 192.0.2.: allow\nsshd: ALL: deny\n", "", "198.51.100.1", "deny", ALLOW, 2),
    ("sshd: 192.0.2.1: spawn logger %a\n", "ALL: ALL\n", "192.0.2.1", "allow", ALLOW, 1),
    ("sshd: 192.0.2.1: nosuchoption\n", "", "192.0.2.1", "deny", ALLOW, 1),
    ("sshd: 192.0.2.1:\n", "", "192.0.2.1", "deny", ALLOW, 1),
    ("sshd: 192.0.2.1: deny: spawn x\n", "", "192.0.2.1", "deny", ALLOW, 1),
    ("sshd: 192.0.2.1: twist /bin/echo go away\n", "", "192.0.2.1", "deny", ALLOW, 1),
    ("sshd: 198.51.100.1: nosuchoption\n", "", "192.0.2.1", "allow", None, None),
    # broken tables
    ("sshd: 192.0.2.1", "ALL: ALL\n", "192.0.2.1", "deny", DENY, 1),
    ("sshd: 192.0.2.1", "", "198.51.100.1", "allow", None, None),
    ("", "sshd: 198.51.100.1\n# end without newline", "192.0.2.1", "deny", DENY, 2),
    ("sshd: 192.0.2.1\n", "# end without newline", "192.0.2.1", "allow", ALLOW, 1),
]


@pytest.mark.parametrize("case", TABLE)
def test_decision_table(case):
    allow, deny, client, verdict, file_name, line = case
    result = run(allow, deny, client)
    assert (result["verdict"], result["file"], result["line"]) == (verdict, file_name, line), result["reason"]


def test_result_shape():
    result = run("", "sshd: 192.0.2.0/24\n", "192.0.2.1")
    assert set(result) >= {"verdict", "file", "line", "rule", "reason", "decided_by", "uncertain", "notes"}
    assert result["rule"] == "sshd: 192.0.2.0/24"
    assert result["decided_by"] == "hosts.deny"
    assert "192.0.2.0/24" in result["reason"] and "/etc/hosts.deny line 1" in result["reason"]
    assert result["uncertain"] is False and result["notes"] == []


def test_deny_table_error_denies_everyone_not_allowed():
    result = run("sshd: 192.0.2.1\n", "sshd: 198.51.100.1\nALL: ALL", "203.0.113.5")
    assert result["verdict"] == "deny"
    assert result["decided_by"] == "table_error"
    assert "missing newline" in result["reason"]
    assert run("sshd: 192.0.2.1\n", "sshd: 198.51.100.1\nALL: ALL", "192.0.2.1")["verdict"] == "allow"


def test_allow_table_error_is_noted():
    result = run("sshd: 192.0.2.1", "", "192.0.2.1")
    assert result["verdict"] == "allow" and result["decided_by"] == "no_match"
    assert any("ignored the rest of hosts.allow" in note for note in result["notes"])


def test_unreadable_tables():
    deny = ha.table_error(DENY, "Permission denied")
    assert ha.evaluate([], deny, "192.0.2.1")["verdict"] == "deny"
    allow = ha.table_error(ALLOW, "Permission denied")
    assert ha.evaluate(allow, [], "192.0.2.1")["verdict"] == "allow"
    assert ha.evaluate(None, None, "192.0.2.1")["verdict"] == "allow"


# ---------------------------------------------------------------------------
# names, users, netgroups, files, servers: what the evaluator assumes and says


def test_unknown_name_assumed_when_not_given():
    result = run("", "sshd: UNKNOWN\n", "192.0.2.1")
    assert result["verdict"] == "deny"
    assert result["uncertain"]
    assert any("reverse DNS" in note for note in result["notes"])
    known = run("", "sshd: KNOWN\n", "192.0.2.1")
    assert known["verdict"] == "allow" and known["uncertain"]


def test_names_when_given():
    assert run("", "sshd: KNOWN\n", "192.0.2.1", client_name="ws1.example.com")["verdict"] == "deny"
    assert run("", "sshd: UNKNOWN\n", "192.0.2.1", client_name="ws1.example.com")["verdict"] == "allow"
    assert run("", "sshd: .example.com\n", "192.0.2.1", client_name="ws1.EXAMPLE.com")["verdict"] == "deny"
    assert run("", "sshd: .example.com\n", "192.0.2.1", client_name="example.com")["verdict"] == "allow"
    assert run("", "sshd: *.example.com\n", "192.0.2.1", client_name="ws1.example.com")["verdict"] == "deny"
    assert run("", "sshd: ws1.example.com\n", "192.0.2.1", client_name="ws1.example.com.")["verdict"] == "deny"
    assert run("", "sshd: LOCAL\n", "192.0.2.1", client_name="ws1")["verdict"] == "deny"
    assert run("", "sshd: LOCAL\n", "192.0.2.1", client_name="ws1.example.com")["verdict"] == "allow"
    paranoid = run("", "sshd: PARANOID\n", "192.0.2.1", client_name="paranoid")
    assert paranoid["verdict"] == "deny"
    assert run("", "sshd: KNOWN\n", "192.0.2.1", client_name="paranoid")["verdict"] == "allow"
    result = run("", "sshd: .example.com\n", "192.0.2.1", client_name="ws1.example.com")
    assert not result["uncertain"]


def test_address_patterns_are_not_uncertain_without_name():
    result = run("", "sshd: 192.0.2.0/24 10.* [2001:db8::]/32\n", "198.51.100.1")
    assert result["verdict"] == "allow"
    assert not result["uncertain"]


def test_user_at_host_without_ident():
    result = run("", "sshd: root@192.0.2.1\n", "192.0.2.1")
    assert result["verdict"] == "allow" and result["uncertain"]
    assert any("ident" in note for note in result["notes"])
    assert run("", "sshd: ALL@192.0.2.1\n", "192.0.2.1")["verdict"] == "deny"
    assert run("", "sshd: UNKNOWN@192.0.2.1\n", "192.0.2.1")["verdict"] == "deny"
    assert run("", "sshd: KNOWN@ALL\n", "192.0.2.1")["verdict"] == "allow"
    assert run("", "sshd: root@ALL\n", "192.0.2.1", client_user="root")["verdict"] == "deny"


def test_netgroup_callable():
    seen = []

    def netgroup(group, host):
        seen.append((group, host))
        return group == "admins" and host == "ws1.example.com"

    assert run("sshd: @admins\n", "ALL: ALL\n", "192.0.2.1", client_name="ws1.example.com",
               netgroup=netgroup)["verdict"] == "allow"
    assert seen == [("admins", "ws1.example.com")]
    without = run("sshd: @admins\n", "ALL: ALL\n", "192.0.2.1")
    assert without["verdict"] == "deny" and without["uncertain"]
    assert any("netgroup @admins" in note for note in without["notes"])

    def broken(group, host):
        raise OSError("no NIS")

    assert run("sshd: @admins\n", "", "192.0.2.1", netgroup=broken)["uncertain"]
    trixie = run("sshd: @admins\n", "ALL: ALL\n", "192.0.2.1", client_name="ws1.example.com", netgroup=False)
    assert trixie["verdict"] == "deny" and not trixie["uncertain"]
    assert any("without netgroup support" in note for note in trixie["notes"])


def test_file_patterns_through_reader():
    files = {"/etc/ssh/admins": "# admins\n192.0.2.0/24\n[2001:db8::]/32 /etc/ssh/more\n",
             "/etc/ssh/more": "198.51.100.7\n", "/etc/ssh/loop": "/etc/ssh/loop\n"}
    allow = "sshd: /etc/ssh/admins\n"
    deny = "ALL: ALL\n"
    assert run(allow, deny, "192.0.2.9", reader=files.get)["verdict"] == "allow"
    assert run(allow, deny, "2001:db8::9", reader=files.get)["verdict"] == "allow"
    assert run(allow, deny, "198.51.100.7", reader=files.get)["verdict"] == "allow"
    assert run(allow, deny, "203.0.113.1", reader=files.get)["verdict"] == "deny"
    missing = run("sshd: /etc/ssh/none\n", deny, "192.0.2.9", reader=files.get)
    assert missing["verdict"] == "deny" and any("missing" in note for note in missing["notes"])
    unread = run(allow, deny, "192.0.2.9")
    assert unread["verdict"] == "deny" and unread["uncertain"]
    loop = run("sshd: /etc/ssh/loop\n", deny, "192.0.2.9", reader=files.get)
    assert loop["verdict"] == "deny" and any("nest" in note for note in loop["notes"])

    def failing(path):
        raise PermissionError(path)

    assert run(allow, deny, "192.0.2.9", reader=failing)["verdict"] == "deny"
    assert run(allow, deny, "192.0.2.9", reader=lambda path: b"192.0.2.9\n")["verdict"] == "allow"


def test_daemon_at_host_uses_server_address():
    deny = "sshd@192.0.2.53: ALL\n"
    assert run("", deny, "203.0.113.1", server_addr="192.0.2.53")["verdict"] == "deny"
    assert run("", deny, "203.0.113.1", server_addr="192.0.2.54")["verdict"] == "allow"
    unknown = run("", deny, "203.0.113.1")
    assert unknown["verdict"] == "allow" and unknown["uncertain"]


def test_other_daemon_names():
    assert run("", "in.ftpd: ALL\n", "192.0.2.1", daemon="in.ftpd")["verdict"] == "deny"
    assert run("", "in.ftpd: ALL\n", "192.0.2.1")["verdict"] == "allow"


@pytest.mark.parametrize("option, uncertain, word", [
    ("aclexec /usr/local/bin/check %a", True, "aclexec"),
    ("user nobody", True, "account"),
    ("group ssh", True, "account"),
    ("rfc931 5", False, "identd"),
    ("severity auth.notice", False, None),
])
def test_option_notes(option, uncertain, word):
    result = run(f"sshd: ALL: {option}\n", "", "192.0.2.1")
    assert result["verdict"] == "allow"
    assert result["uncertain"] is uncertain
    if word:
        assert any(word in note for note in result["notes"])


@pytest.mark.parametrize("option, ok", [
    ("nice", True), ("nice 5", True), ("nice -5", True), ("nice 5x", False), ("nice 1 2", False),
    ("umask 022", True), ("umask 0777", True), ("umask 1000", False), ("umask 8", False), ("umask -1", False),
    ("linger 10", True), ("linger", False), ("rfc931", True), ("rfc931 0", False), ("rfc931 30", True),
    ("severity mail.info", True), ("severity INFO", True), ("severity local7.debug", True),
    ("severity syslog.info", False), ("severity info.mail", False), ("keepalive", True), ("keepalive=yes", False),
    ("setenv A b", True), ("setenv", False), ("banners /etc/banners", True), ("allow=", True), ("=allow", False),
    ("spawn=echo", True), ("SPAWN   =   echo", True), ("twist", False),
])
def test_option_validation(option, ok):
    result = run(f"sshd: ALL: {option}\n", "", "192.0.2.1")
    assert (result["decided_by"] != "option_error") is ok, result["reason"]


def test_wildcards_match_like_libwrap():
    cases = [("*", "", True), ("*", "a", True), ("a**", "a", False), ("a**", "ab", True), ("**", "", False),
             ("?", "", False), ("a*?", "a", False), ("*?", "ab", True), ("A*C", "abc", True),
             ("*.ex?mple.COM", "h.example.com", True), ("1*4", "1.2.3.4", True), ("*b*b*b", "abbb", True),
             ("*b*b*b", "abb", False)]
    for pattern, text, expected in cases:
        assert ha._match_wildcard(text, pattern) is expected, (pattern, text)


# ---------------------------------------------------------------------------
# verdicts()


def test_verdicts_convenience():
    clients = ["192.0.2.10", "198.51.100.1", {"addr": "203.0.113.1", "name": "x.example.com"}]
    out = ha.verdicts("sshd: 192.0.2.0/24\n", "sshd: ALL\n", clients)
    assert out["192.0.2.10"]["verdict"] == "allow"
    assert out["198.51.100.1"]["verdict"] == "deny"
    assert out["198.51.100.1"]["file"] == "/etc/hosts.deny"
    assert out["203.0.113.1"]["verdict"] == "deny"
    assert ha.verdicts("", "", "192.0.2.1")["192.0.2.1"]["verdict"] == "allow"
    assert ha.verdicts("", "", None) == {}
    custom = ha.verdicts("", "ALL: ALL\n", ["192.0.2.1"], deny_path="/srv/deny")
    assert custom["192.0.2.1"]["file"] == "/srv/deny"


# ---------------------------------------------------------------------------
# never raise


def _reference_ylo(text, pattern):
    """Straight port of Debian's recursive match_pattern_ylo() (case folded), for small inputs."""
    text, pattern = text.lower(), pattern.lower()
    if not pattern:
        return not text
    if pattern[0] == "*":
        rest = pattern[1:]
        if not rest:
            return True
        if rest[0] not in "?*":
            return any(text[i] == rest[0] and _reference_ylo(text[i + 1:], rest[1:]) for i in range(len(text)))
        return any(_reference_ylo(text[i:], rest) for i in range(len(text)))
    if not text:
        return False
    if pattern[0] != "?" and pattern[0] != text[0]:
        return False
    return _reference_ylo(text[1:], pattern[1:])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab*?.", max_size=8), st.text(alphabet="abAB.", max_size=8))
def test_wildcard_matches_reference_port(pattern, text):
    assert ha._match_wildcard(text, pattern) == _reference_ylo(text, pattern)


TOKENS = st.sampled_from(["ALL", "EXCEPT", "LOCAL", "KNOWN", "UNKNOWN", "PARANOID", "sshd", "sshd@ALL", "10.",
                          "10.0.0.0/8", "10.0.0.0/255.0.0.0", "[2001:db8::]/32", "[::1]", ".example.com", "*.x",
                          "@grp", "/etc/list", "root@ALL", ":", ",", "\\", "#", "[", "]", "/", "@", "*", "?"])
LINES = st.lists(TOKENS, max_size=8).map(" ".join)
TABLES = st.one_of(st.text(max_size=300), st.lists(LINES, max_size=6).map("\n".join),
                   st.binary(max_size=200))
CLIENTS = st.one_of(st.text(max_size=40), st.ip_addresses().map(str), st.none(), st.integers())


@settings(max_examples=300, deadline=None)
@given(TABLES, TABLES, CLIENTS, st.one_of(st.none(), st.text(max_size=20)))
def test_never_raises(allow, deny, client, name):
    allow_rules = ha.parse_rules(allow, ALLOW)
    deny_rules = ha.parse_rules(deny, DENY)
    for rule in allow_rules + deny_rules:
        assert isinstance(rule["line"], int) and rule["line"] >= 1
        assert rule["end_line"] >= rule["line"]
    result = ha.evaluate(allow_rules, deny_rules, client, client_name=name, reader=lambda path: "10.0.0.1 /etc/list",
                         netgroup=lambda group, host: True)
    assert result["verdict"] in ("allow", "deny")
    assert isinstance(result["reason"], str)
    json.dumps(result)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.dictionaries(st.sampled_from(["daemons", "clients", "options", "error", "fatal", "file",
                                                           "line", "text"]),
                                          st.one_of(st.none(), st.text(max_size=20), st.integers(),
                                                    st.lists(st.text(max_size=10), max_size=4))),
                          st.integers(), st.none()), max_size=5),
       st.text(max_size=30))
def test_evaluate_never_raises_on_odd_rules(rules, client):
    result = ha.evaluate(rules, rules, client)
    assert result["verdict"] in ("allow", "deny")
    assert ha.evaluate("not a list", 42, client)["verdict"] == "allow"
