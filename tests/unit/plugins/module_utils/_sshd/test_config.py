# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the sshd_config parser.

Synthetic configurations go through a dict-backed reader and globber.  The fixtures under
tests/unit/fixtures/config/<release>/ are real outputs of Debian's sshd 8.4p1 (bullseye),
9.2p1 (bookworm) and 10.0p2 (trixie): default configurations with their `sshd -T`, broken
configurations with their `sshd -t`, and semantics.txt, where each case holds the files
sshd read and what `sshd -t` / `sshd -T [-C ...]` answered.  sshd writes its messages to
stderr with "\r\n" line ends; the fixtures carry "\n" (ansible-test sanity: line-endings).
"""

import fnmatch
import os
import posixpath
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import config

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures", "config")
RELEASES = {"bullseye": "8.4p1", "bookworm": "9.2p1", "trixie": "10.0p2"}
MAIN = "/etc/ssh/sshd_config"


def fake_fs(files):
    """reader and globber over a dict {path: text}; the globber mimics glob(3) (no dot files, no '/' in '*')."""

    def reader(path):
        return files.get(path)

    def globber(pattern):
        out = []
        for path in files:
            if path.count("/") != pattern.count("/"):
                continue
            if posixpath.basename(path).startswith(".") and not posixpath.basename(pattern).startswith("."):
                continue
            if fnmatch.fnmatchcase(path, pattern):
                out.append(path)
        return list(reversed(out))  # the parser must sort, whatever order it gets

    return reader, globber


def parse(files, main=MAIN, **kwargs):
    reader, globber = fake_fs(files)
    return config.parse_config(main, reader=reader, globber=globber, **kwargs)


def values(eff):
    return {k: v["value"] for k, v in eff.items()}


def messages(parsed):
    return [(e["file"], e["line"], e["message"]) for e in parsed["errors"]]


def fixture(release, name):
    with open(os.path.join(FIXTURES, release, name), encoding="utf-8") as handle:
        return handle.read()


# ---------------------------------------------------------------------------
# tokenize
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("line, tokens", [
    ("Port 22", ["Port", "22"]),
    ("Port=22", ["Port", "22"]),
    ("Port = 22", ["Port", "22"]),
    ("Port =22", ["Port", "22"]),
    ("Port= 22", ["Port", "22"]),
    ("Port==22", ["Port", "=22"]),
    ("=Port 22", ["Port", "22"]),
    ("\t  Port\t22  \t", ["Port", "22"]),
    ("Port 22\r", ["Port", "22"]),
    ("Port 22\f", ["Port", "22"]),
    ("AllowUsers=a b", ["AllowUsers", "a", "b"]),
    ('AllowUsers "a b" c', ["AllowUsers", "a b", "c"]),
    ("Banner '/etc/issue net'", ["Banner", "/etc/issue net"]),
    ('AllowUsers a"b c"d', ["AllowUsers", "ab cd"]),
    ('AllowUsers ""', ["AllowUsers", ""]),
    ("AllowUsers a\\ b", ["AllowUsers", "a b"]),
    ('AllowUsers c\\"d', ["AllowUsers", 'c"d']),
    ("AllowUsers a\\\\b", ["AllowUsers", "a\\b"]),
    ("AllowUsers a\\xb", ["AllowUsers", "a\\xb"]),
    ('AllowUsers "a\\ b"', ["AllowUsers", "a\\ b"]),
    ("Port 22 # comment", ["Port", "22"]),
    ("Port 22 #comment", ["Port", "22"]),
    ("AllowUsers a#b c", ["AllowUsers", "a#b", "c"]),
    ('AllowUsers "#a" b', ["AllowUsers", "#a", "b"]),
    ("# Port 22", []),
    ("#Port 22", []),
    ("   # indented comment", []),
    ("", []),
    ("   \t ", []),
    ('"Port" 22', ["Port", "22"]),
    ('"Port 22', []),
    ("pOrT 22", ["pOrT", "22"]),
    ("ForceCommand echo \"x  y\"  'z'", ["ForceCommand", "echo", "x  y", "z"]),
    ("Subsystem\tsftp\t/usr/lib/openssh/sftp-server", ["Subsystem", "sftp", "/usr/lib/openssh/sftp-server"]),
])
def test_tokenize(line, tokens):
    assert config.tokenize(line) == tokens


@pytest.mark.parametrize("line, tokens, error", [
    ("Port", ["Port"], 'no argument after keyword "Port"'),
    ("Port   ", ["Port"], 'no argument after keyword "Port"'),
    ("Port=", ["Port"], 'no argument after keyword "Port"'),
    ('Banner "/etc/issue', ["Banner", "/etc/issue"], "invalid quotes"),
    ("Banner 'x y", ["Banner", "x y"], "invalid quotes"),
    ("MaxAuthTries\f3", ["MaxAuthTries\f3"], 'no argument after keyword "MaxAuthTries\f3"'),
    ("Port 22", ["Port", "22"], None),
])
def test_split_line_errors(line, tokens, error):
    assert config.split_line(line) == (tokens, error)


def test_tokenize_long_and_odd_lines():
    long_arg = "x" * 200000
    assert config.tokenize(f"AllowUsers {long_arg}") == ["AllowUsers", long_arg]
    assert config.tokenize("AllowUsers \x01\x7f\u00e9 \udcff") == ["AllowUsers", "\x01\x7f\u00e9", "\udcff"]


@pytest.mark.parametrize("text, expected", [
    ("a\nb\n", [(1, "a", "a", False), (2, "b", "b", False)]),
    ("a\r\nb", [(1, "a", "a\r", False), (2, "b", "b", False)]),
    ("  a\n\n", [(1, "  a", "a", False), (2, "", "", False)]),
    # a NUL drops the rest of the line and its newline: sshd glues the next line on
    ("Port 2222\0junk\n  MaxAuthTries 3\nX 1\n", [
        (1, "Port 2222\0junk", "Port 2222MaxAuthTries 3", True), (3, "X 1", "X 1", False)]),
    ("a\0", [(1, "a\0", "a", True)]),
    ("", []),
])
def test_logical_lines(text, expected):
    assert config.logical_lines(text) == expected


# ---------------------------------------------------------------------------
# parse_config: entries, provenance, errors
# ---------------------------------------------------------------------------

def test_parse_entries_and_provenance():
    parsed = parse({MAIN: "# comment\nPort 22\n\n  PermitRootLogin No\r\nallowusers Alice bob\n"})
    assert parsed["files"] == [MAIN]
    assert parsed["errors"] == []
    assert [(e["keyword"], e["args"], e["line"], e["match"], e["depth"]) for e in parsed["entries"]] == [
        ("port", ["22"], 2, None, 0),
        ("permitrootlogin", ["No"], 4, None, 0),
        ("allowusers", ["Alice", "bob"], 5, None, 0),
    ]
    assert parsed["entries"][1]["text"] == "  PermitRootLogin No"
    assert parsed["entries"][1]["file"] == MAIN


def test_parse_unreadable_main_file():
    parsed = parse({})
    assert parsed["files"] == []
    assert parsed["entries"] == []
    assert messages(parsed) == [(MAIN, None, f"cannot read {MAIN}")]


@pytest.mark.parametrize("text, line, message", [
    ("Port\n", 1, 'no argument after keyword "Port"'),
    ('Banner "/etc/issue\n', 1, "invalid quotes"),
    ("Port 22\nMatch\n", 2, 'no argument after keyword "Match"'),
    ("Match Foo bar\n", 1, "Bad Match condition: Unsupported Match attribute Foo"),
    ("Match !User bob\n", 1, "Bad Match condition: Unsupported Match attribute !User"),
    ("Match User\n", 1, "Bad Match condition: Missing Match criteria for User"),
    ("Match User bob Host\n", 1, "Bad Match condition: Missing Match criteria for Host"),
    ("Match all User bob\n", 1, "Bad Match condition: 'all' cannot be combined with other Match attributes"),
    ("Match User bob all\n", 1, "Bad Match condition: 'all' cannot be combined with other Match attributes"),
    ("Match Address 10.0.0.1/8\n", 1, "Bad Match condition: Invalid Match address argument '10.0.0.1/8'"),
    ("Match Address 10.0.0.0/33\n", 1, "Bad Match condition: Invalid Match address argument '10.0.0.0/33'"),
    ("Match LocalAddress 10.0.0.0/8,,\n", 1, "Bad Match condition: Invalid Match address argument '10.0.0.0/8,,'"),
    ("Match LocalPort 22,23\n", 1, "Bad Match condition: Invalid LocalPort '22,23' on Match line"),
    ("Match LocalPort 65536\n", 1, "Bad Match condition: Invalid LocalPort '65536' on Match line"),
    ("Match User = bob\n", 1, "Bad Match condition: Missing Match criteria for bob"),
    ("Include\n", 1, 'no argument after keyword "Include"'),
    ('Include ""\n', 1, "Include: empty argument"),
    ("Port 2222\0x\nMaxAuthTries 3\n", 1,
     "NUL byte: sshd drops the rest of the line and joins the next line to it"),
])
def test_parse_errors(text, line, message):
    parsed = parse({MAIN: text})
    assert (MAIN, line, message) in messages(parsed)


def test_bad_match_still_opens_a_block():
    parsed = parse({MAIN: "Match Foo bar\nX11Forwarding no\n"})
    assert parsed["matches"][0]["valid"] is False
    assert parsed["entries"][0]["match"] == 0
    assert "x11forwarding" not in config.effective(parsed, {"user": "bob"})


@pytest.mark.parametrize("line, criteria", [
    ("Match all", [["all", None]]),
    ("match ALL # comment", [["all", None]]),
    ("Match User bob,carol Address 10.0.0.0/8", [["user", "bob,carol"], ["address", "10.0.0.0/8"]]),
    ("Match uSeR Bob", [["user", "Bob"]]),
    ("Match User=bob Host=*.example", [["user", "bob"], ["host", "*.example"]]),
    ('Match User "bob,carol"', [["user", "bob,carol"]]),
    ("Match invalid-user", [["invalid-user", None]]),
    ("Match Invalid-User User root", [["invalid-user", None], ["user", "root"]]),
    ("Match Version OpenSSH_10*", [["version", "OpenSSH_10*"]]),
    ("Match Group wheel LocalAddress 192.0.2.1 LocalPort 2222 RDomain rd1",
     [["group", "wheel"], ["localaddress", "192.0.2.1"], ["localport", "2222"], ["rdomain", "rd1"]]),
])
def test_match_criteria(line, criteria):
    parsed = parse({MAIN: line + "\n"})
    assert parsed["errors"] == []
    assert parsed["matches"][0]["criteria"] == criteria
    assert parsed["matches"][0]["text"] == line


def test_match_blocks_run_to_next_match_or_end_of_file():
    parsed = parse({MAIN: "A 1\nMatch User a\nB 2\nMatch User b\nC 3\nMatch all\nD 4\n"})
    assert [(e["keyword"], e["match"]) for e in parsed["entries"]] == [("a", None), ("b", 0), ("c", 1), ("d", 2)]
    assert [m["line"] for m in parsed["matches"]] == [2, 4, 6]
    assert [m["index"] for m in parsed["matches"]] == [0, 1, 2]


# ---------------------------------------------------------------------------
# Include
# ---------------------------------------------------------------------------

def test_include_glob_order_relative_paths_and_no_match():
    files = {
        MAIN: "Include sshd_config.d/*.conf /etc/ssh/none/*.conf other.conf\nPasswordAuthentication yes\n",
        "/etc/ssh/sshd_config.d/20-b.conf": "PasswordAuthentication no\n",
        "/etc/ssh/sshd_config.d/10-a.conf": "X11Forwarding no\n",
        "/etc/ssh/sshd_config.d/B.conf": "X11Forwarding yes\n",
        "/etc/ssh/sshd_config.d/.hidden.conf": "MaxAuthTries 1\n",
        "/etc/ssh/sshd_config.d/README": "Bad keyword\n",
        "/etc/ssh/other.conf": "MaxAuthTries 3\n",
    }
    parsed = parse(files)
    assert parsed["errors"] == []
    assert parsed["files"] == [MAIN, "/etc/ssh/sshd_config.d/10-a.conf", "/etc/ssh/sshd_config.d/20-b.conf",
                               "/etc/ssh/sshd_config.d/B.conf", "/etc/ssh/other.conf"]
    eff = config.effective(parsed)
    assert values(eff) == {"x11forwarding": "no", "passwordauthentication": "no", "maxauthtries": "3"}
    assert (eff["passwordauthentication"]["file"], eff["passwordauthentication"]["line"]) == (
        "/etc/ssh/sshd_config.d/20-b.conf", 1)
    assert [(i["pattern"], i["glob"], len(i["paths"])) for i in parsed["includes"]] == [
        ("sshd_config.d/*.conf", "/etc/ssh/sshd_config.d/*.conf", 3),
        ("/etc/ssh/none/*.conf", "/etc/ssh/none/*.conf", 0),
        ("other.conf", "/etc/ssh/other.conf", 1),
    ]
    assert {e["depth"] for e in parsed["entries"] if e["file"] != MAIN} == {1}


def test_include_base_dir_and_tilde():
    files = {"/srv/ssh/main": "Include a.conf ~/b.conf\n", "/srv/ssh/a.conf": "Port 1\n", "~/b.conf": "Port 2\n"}
    parsed = parse(files, main="/srv/ssh/main", base_dir="/srv/ssh/")
    assert values(config.effective(parsed)) == {"port": ["1", "2"]}


def test_include_at_top_makes_drop_ins_win_and_at_bottom_lose():
    top = {MAIN: "Include /d/*.conf\nPermitRootLogin yes\n", "/d/a.conf": "PermitRootLogin no\n"}
    bottom = {MAIN: "PermitRootLogin yes\nInclude /d/*.conf\n", "/d/a.conf": "PermitRootLogin no\n"}
    assert values(config.effective(parse(top)))["permitrootlogin"] == "no"
    assert values(config.effective(parse(bottom)))["permitrootlogin"] == "yes"


def test_include_inside_match_belongs_to_the_match():
    files = {MAIN: "Match User bob\nInclude /d/b.conf\nPasswordAuthentication no\n", "/d/b.conf": "X11Forwarding yes\n"}
    parsed = parse(files)
    assert [(e["keyword"], e["match"], e["file"]) for e in parsed["entries"]] == [
        ("include", 0, MAIN), ("x11forwarding", 0, "/d/b.conf"), ("passwordauthentication", 0, MAIN)]
    assert parsed["includes"][0]["match"] == 0
    assert "x11forwarding" not in config.effective(parsed)
    assert values(config.effective(parsed, {"user": "bob"}))["x11forwarding"] == "yes"


def test_match_in_included_file_ends_with_that_file():
    files = {MAIN: "Include /d/a.conf\nPort 2222\n", "/d/a.conf": "MaxAuthTries 2\nMatch User bob\nX11Forwarding yes\n"}
    parsed = parse(files)
    assert [(e["keyword"], e["match"]) for e in parsed["entries"]] == [
        ("include", None), ("maxauthtries", None), ("x11forwarding", 0), ("port", None)]
    assert parsed["matches"][0]["parent"] is None
    assert config.main_section_end(parsed, MAIN) is None
    assert config.main_section_end(parsed, "/d/a.conf") == 2


def test_match_in_file_included_from_a_match_has_a_parent():
    files = {MAIN: "Match User bob\nInclude /d/b.conf\n",
             "/d/b.conf": "X11Forwarding yes\nMatch Address 10.0.0.0/8\nMaxAuthTries 3\n"}
    parsed = parse(files)
    assert parsed["matches"][1]["parent"] == 0
    assert [(e["keyword"], e["match"]) for e in parsed["entries"]] == [
        ("include", 0), ("x11forwarding", 0), ("maxauthtries", 1)]
    bob_10 = values(config.effective(parsed, {"user": "bob", "addr": "10.1.2.3"}))
    bob_192 = values(config.effective(parsed, {"user": "bob", "addr": "192.168.0.1"}))
    carol_10 = values(config.effective(parsed, {"user": "carol", "addr": "10.0.0.1"}))
    assert bob_10 == {"x11forwarding": "yes", "maxauthtries": "3"}
    assert bob_192 == {"x11forwarding": "yes"}
    assert carol_10 == {}


def test_include_same_file_twice_is_processed_twice():
    parsed = parse({MAIN: "Include /d/a.conf\nInclude /d/a.conf\n", "/d/a.conf": "AllowUsers x\n"})
    assert parsed["errors"] == []
    assert parsed["files"] == [MAIN, "/d/a.conf"]
    assert values(config.effective(parsed)) == {"allowusers": ["x", "x"]}


def test_include_reads_each_file_once():
    calls = []
    files = {MAIN: "Include /d/a.conf /d/a.conf\n", "/d/a.conf": "Port 1\n"}

    def reader(path):
        calls.append(path)
        return files.get(path)

    config.parse_config(MAIN, reader=reader, globber=lambda p: [p] if p in files else [])
    assert calls == [MAIN, "/d/a.conf"]


@pytest.mark.parametrize("files", [
    {MAIN: "Include /etc/ssh/sshd_config\n"},
    {MAIN: "Include /d/a.conf\n", "/d/a.conf": "Include /d/b.conf\n", "/d/b.conf": "Include /d/*.conf\n"},
])
def test_include_loop_is_an_error(files):
    parsed = parse(files)
    assert any("Include loop" in e["message"] and "Too many recursive" in e["message"] for e in parsed["errors"])


@pytest.mark.parametrize("depth, ok", [(16, True), (17, False)])
def test_include_depth(depth, ok):
    files = {MAIN: "Include /d/1.conf\n"}
    for i in range(1, depth):
        files[f"/d/{i}.conf"] = f"Include /d/{i + 1}.conf\n"
    files[f"/d/{depth}.conf"] = "MaxAuthTries 3\n"
    parsed = parse(files)
    assert (parsed["errors"] == []) is ok
    assert ("maxauthtries" in config.effective(parsed)) is ok
    if not ok:
        assert "exceeds depth 16" in parsed["errors"][0]["message"]


def test_deep_include_chain_never_hits_the_recursion_limit():
    files = {MAIN: "Include /d/1.conf\n"}
    for i in range(1, 3000):
        files[f"/d/{i}.conf"] = f"Include /d/{i + 1}.conf\n"
    files["/d/3000.conf"] = "MaxAuthTries 3\n"
    parsed = config.parse_config(MAIN, reader=files.get, globber=lambda p: [p] if p in files else [], max_depth=5000)
    assert parsed["errors"] == []
    assert values(config.effective(parsed)) == {"maxauthtries": "3"}


def test_unreadable_included_file_is_an_error():
    files = {MAIN: "Include /d/*.conf\n", "/d/a.conf": None}
    parsed = config.parse_config(MAIN, reader=files.get, globber=lambda p: ["/d/a.conf"])
    assert messages(parsed) == [(MAIN, 1, "/d/a.conf: cannot read included file (sshd exits)")]


def test_reader_and_globber_failures_do_not_raise():
    def reader(path):
        if path == MAIN:
            return b"Include /x\nPort 1\n"
        raise OSError("boom")

    def globber(pattern):
        raise ValueError(pattern)

    parsed = config.parse_config(MAIN, reader=reader, globber=globber)
    assert values(config.effective(parsed)) == {"port": ["1"]}


def test_default_reader_and_globber(tmp_path):
    (tmp_path / "b.conf").write_bytes(b"Port 2\n")
    (tmp_path / "a.conf").write_bytes(b"Port 1\nBanner /x\xff\n")
    (tmp_path / ".hidden.conf").write_bytes(b"Port 3\n")
    (tmp_path / "dir.conf").mkdir()
    (tmp_path / "main").write_text(f"Include {tmp_path}/*.conf\n")
    parsed = config.parse_config(str(tmp_path / "main"))
    assert parsed["errors"] == []
    assert values(config.effective(parsed)) == {"port": ["1", "2"], "banner": "/x\ufffd"}
    assert config.read_text(str(tmp_path / "missing")) is None
    assert config.read_text(str(tmp_path / "dir.conf")) == ""
    assert config.glob_sorted(str(tmp_path / "*.conf")) == sorted(
        str(tmp_path / n) for n in ("a.conf", "b.conf", "dir.conf"))


def test_main_section_end():
    parsed = parse({MAIN: "Port 22\n# x\nMatch User a\nX 1\nMatch all\n"})
    assert config.main_section_end(parsed, MAIN) == 3
    assert config.main_section_end(parsed, "/other") is None
    assert config.main_section_end(parse({MAIN: "Port 22\n"}), MAIN) is None


# ---------------------------------------------------------------------------
# Patterns and Match criteria
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("string, pattern, result", [
    ("alice", "alice", True), ("alice", "ALICE", False), ("alice", "a*", True), ("alice", "*e", True),
    ("alice", "a?ice", True), ("alice", "a??ce", True), ("alice", "a?ce", False), ("", "*", True),
    ("", "", True), ("a", "", False), ("abcbd", "a*b*d", True), ("abcbe", "a*b*d", False),
    ("a.b", "a[.]b", False), ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "*a*a*a*a*a*a*a*a*c", False),
])
def test_match_pattern(string, pattern, result):
    assert config.match_pattern(string, pattern) is result


@pytest.mark.parametrize("string, patterns, dolower, result", [
    ("bob", "alice,bob", False, 1),
    ("bob", "alice,carol", False, 0),
    ("bob", "*,!bob", False, -1),
    ("alice", "*,!bob", False, 1),
    ("alice", "!root", False, 0),  # a negation alone never matches
    ("root", "!root", False, -1),
    ("bob", "BOB", False, 0),
    ("bob", "BOB", True, 1),
    ("bob", "", False, 0),
    ("", "a,", False, 0),  # the empty entry after a trailing comma is never tried
    ("", ",a", False, 1),
    ("bob", "!", False, 0),
    ("bob", "b" * 1023, False, 0),
    ("x", "x" * 1023 + ",x", False, 0),  # an over-long entry ends the list: no match
])
def test_match_pattern_list(string, patterns, dolower, result):
    assert config.match_pattern_list(string, patterns, dolower) == result


@pytest.mark.parametrize("addr, patterns, result", [
    ("10.1.2.3", "10.0.0.0/8", 1),
    ("10.1.2.3", "10.1.2.3", 1),
    ("10.1.2.3", "10.1.2.3/32", 1),
    ("10.1.2.3", "192.168.0.0/16", 0),
    ("10.1.2.3", "10.0.0.0/8,!10.1.0.0/16", -1),
    ("10.2.2.3", "10.0.0.0/8,!10.1.0.0/16", 1),
    ("10.1.2.3", "10.1.*", 1),
    ("10.1.2.4", "10.1.*,!10.1.2.4", -1),
    ("10.1.2.3", "10.1.2.?", 1),
    ("2001:db8::1", "2001:db8::/32", 1),
    ("2001:db9::1", "2001:db8::/32", 0),
    ("10.1.2.3", "2001:db8::/32", 0),
    ("10.1.2.3", "10.0.0.1/8", -2),
    ("10.1.2.3", "10.0.0.0/33", -2),
    ("10.1.2.3", "10.0.0.0/8,", -2),
    ("10.1.2.3", "!", -2),
    ("10.1.2.3", "10.0.0.0/x", 0),
    ("not-an-address", "*", 0),
    (None, "10.0.0.0/8,host*,!192.0.2.0/24", 0),
    (None, "10.0.0.1/8", -2),
])
def test_addr_match_list(addr, patterns, result):
    assert config.addr_match_list(addr, patterns) == result


BOB = {"user": "bob", "host": "h.example", "addr": "10.1.2.3", "laddr": "10.9.9.9", "lport": 22,
       "rdomain": "rd1", "groups": ["bob", "wheel"], "version": "OpenSSH_10.0p2 Debian-7"}


@pytest.mark.parametrize("criteria, context, result", [
    ([["all", None]], None, True),
    ([["all", None]], {}, True),
    ([["user", "bob"]], None, False),
    ([["user", "bob"]], {}, False),
    ([["user", "bob"]], BOB, True),
    ([["user", "BOB"]], BOB, False),
    ([["user", "*,!bob"]], BOB, False),
    ([["user", "!root"]], BOB, False),
    ([["user", "b*"], ["address", "10.0.0.0/8"]], BOB, True),
    ([["user", "b*"], ["address", "192.168.0.0/16"]], BOB, False),
    ([["group", "wheel"]], BOB, True),
    ([["group", "wheel,!bob"]], BOB, False),
    ([["group", "!root"]], BOB, False),
    ([["group", "wheel"]], {"user": "bob"}, False),
    ([["group", "wheel"]], {"groups": ["wheel"]}, False),
    ([["host", "*.EXAMPLE"]], BOB, True),
    ([["host", "h.example"]], dict(BOB, host="H.Example"), True),
    ([["host", "10.1.*"]], {"addr": "10.1.2.3"}, True),
    ([["address", "10.1.2.3"]], BOB, True),
    ([["address", "10.0.0.1/8"]], BOB, False),
    ([["localaddress", "10.9.0.0/16"]], BOB, True),
    ([["localaddress", "10.9.0.0/16"]], {"addr": "10.9.9.9"}, False),
    ([["localport", "22"]], BOB, True),
    ([["localport", "22"]], dict(BOB, lport="22"), True),
    ([["localport", "2222"]], BOB, False),
    ([["localport", "22"]], {}, False),
    ([["rdomain", "rd*"]], BOB, True),
    ([["rdomain", "rd1"]], {"user": "bob"}, False),
    ([["invalid-user", None]], BOB, False),
    ([["invalid-user", None]], dict(BOB, invalid_user=True), True),
    ([["version", "OpenSSH_1*"]], BOB, True),
    ([["version", "OpenSSH_10.0p2"]], BOB, False),
    ([["version", "OpenSSH_9*"]], BOB, False),
    ([["version", "*"]], {}, False),
    ([["foo", "bar"]], BOB, False),
    ([["user", None]], BOB, False),
    ([], BOB, False),
    ([["user"]], BOB, False),
])
def test_match_applies(criteria, context, result):
    assert config.match_applies(criteria, context) is result


# ---------------------------------------------------------------------------
# effective
# ---------------------------------------------------------------------------

def test_effective_first_value_wins_and_lists():
    text = (
        "PermitRootLogin no\nPermitRootLogin yes\npermitrootlogin prohibit-password\n"
        "Port 22\nPort 2222\nAcceptEnv A B\nAcceptEnv C\nAuthorizedKeysFile a b\nAuthorizedKeysFile c\n"
        "SetEnv A=1 B=2\nSetEnv C=3\nSubsystem sftp /usr/lib/openssh/sftp-server -l INFO\n"
        "Subsystem sftp internal-sftp\nSubsystem other /bin/other\nUseDNS no\nUsePrivilegeSeparation sandbox\n"
        "ForceCommand echo \"x  y\"  'z'\nInclude /nothing\n"
    )
    eff = config.effective(parse({MAIN: text}))
    assert values(eff) == {
        "permitrootlogin": "no",
        "port": ["22", "2222"],
        "acceptenv": ["A", "B", "C"],
        "authorizedkeysfile": ["a", "b"],
        "setenv": ["A=1", "B=2"],
        "subsystem": {"sftp": "/usr/lib/openssh/sftp-server -l INFO", "other": "/bin/other"},
        "usedns": "no",
        "forcecommand": "echo \"x  y\"  'z'",
    }
    assert (eff["permitrootlogin"]["file"], eff["permitrootlogin"]["line"], eff["permitrootlogin"]["match"]) == (
        MAIN, 1, None)
    assert eff["port"]["sources"] == [[MAIN, 4], [MAIN, 5]]
    assert (eff["port"]["file"], eff["port"]["line"]) == (MAIN, 4)
    assert eff["acceptenv"]["sources"] == [[MAIN, 6], [MAIN, 6], [MAIN, 7]]
    assert eff["authorizedkeysfile"]["sources"] == [[MAIN, 8], [MAIN, 8]]
    assert eff["subsystem"]["sources"] == {"sftp": [MAIN, 12], "other": [MAIN, 14]}
    assert (eff["subsystem"]["file"], eff["subsystem"]["line"]) == (MAIN, 12)


def test_effective_keywords_case_insensitive_arguments_case_sensitive():
    eff = config.effective(parse({MAIN: "ALLOWUSERS Alice\nallowusers bob\nSubsystem SFTP /x\nSubsystem sftp /y\n"}))
    assert values(eff) == {"allowusers": ["Alice", "bob"], "subsystem": {"SFTP": "/x", "sftp": "/y"}}


def test_effective_match_overrides_global():
    parsed = parse({MAIN: "PasswordAuthentication yes\nMatch User bob\n  PasswordAuthentication no\n"})
    assert values(config.effective(parsed))["passwordauthentication"] == "yes"
    assert values(config.effective(parsed, {"user": "alice"}))["passwordauthentication"] == "yes"
    bob = config.effective(parsed, {"user": "bob"})
    assert bob["passwordauthentication"] == {"value": "no", "file": MAIN, "line": 3, "match": 0}


def test_effective_first_satisfied_match_wins():
    parsed = parse({MAIN: "Match User bob\n X11Forwarding yes\nMatch Address 10.0.0.0/8\n X11Forwarding no\n"
                          " MaxAuthTries 3\n"})
    assert values(config.effective(parsed, {"user": "bob", "addr": "10.1.2.3"})) == {
        "x11forwarding": "yes", "maxauthtries": "3"}
    assert values(config.effective(parsed, {"user": "alice", "addr": "10.1.2.3"})) == {
        "x11forwarding": "no", "maxauthtries": "3"}


def test_effective_match_all_is_global_and_overrides():
    parsed = parse({MAIN: "PermitRootLogin no\nUsePAM yes\nMatch all\nPort 2222\nPermitRootLogin yes\nUsePAM no\n"})
    for context in (None, {}, {"user": "bob"}):
        assert values(config.effective(parsed, context)) == {
            "permitrootlogin": "yes", "usepam": "yes", "port": ["2222"]}


def test_effective_match_lists_replace_global_lists():
    parsed = parse({MAIN: "AllowUsers a c\nAllowUsers d\nAcceptEnv A\nMatch User bob\nAllowUsers b\n"
                          "Match Address 10.0.0.0/8\nAllowUsers e\nAcceptEnv C\n"})
    assert values(config.effective(parsed, {"user": "bob", "addr": "10.1.2.3"})) == {
        "allowusers": ["b", "e"], "acceptenv": ["C"]}
    assert values(config.effective(parsed, {"user": "alice", "addr": "192.168.1.5"})) == {
        "allowusers": ["a", "c", "d"], "acceptenv": ["A"]}


@pytest.mark.parametrize("version, bob, alice", [
    ("10.0p2", {"foo": "/bin/foo", "sftp": "internal-sftp", "bar": "/bin/bar"}, {"bar": "/bin/bar"}),
    ((9, 5), {"foo": "/bin/foo", "sftp": "internal-sftp", "bar": "/bin/bar"}, {"bar": "/bin/bar"}),
    (None, {"foo": "/bin/foo", "sftp": "internal-sftp", "bar": "/bin/bar"}, {"bar": "/bin/bar"}),
    # before 9.5 Subsystem is global only (sshd refuses it in a Match; Match all is global anyway)
    ("9.2p1", {"sftp": "/usr/lib/openssh/sftp-server", "bar": "/bin/bar"},
     {"sftp": "/usr/lib/openssh/sftp-server", "bar": "/bin/bar"}),
])
def test_effective_subsystem_in_match_replaces_the_whole_table(version, bob, alice):
    parsed = parse({MAIN: "Subsystem sftp /usr/lib/openssh/sftp-server\nMatch User bob\nSubsystem foo /bin/foo\n"
                          "Subsystem sftp internal-sftp\nMatch all\nSubsystem bar /bin/bar\n"})
    assert config.effective(parsed, {"user": "bob"}, version)["subsystem"]["value"] == bob
    assert config.effective(parsed, {"user": "alice"}, version)["subsystem"]["value"] == alice
    assert config.effective(parsed, None, version)["subsystem"]["value"] == alice


def test_effective_include_in_unsatisfied_match_never_matches():
    files = {MAIN: "Match User bob\nInclude /d/b.conf\n", "/d/b.conf": "Match all\nMaxAuthTries 3\n"}
    parsed = parse(files)
    assert values(config.effective(parsed, {"user": "bob"})) == {"maxauthtries": "3"}
    assert values(config.effective(parsed, {"user": "alice"})) == {}
    assert values(config.effective(parsed)) == {}


def test_effective_include_top_match_all_counts_as_global():
    files = {MAIN: "Include /d/b.conf\nPort 2222\n", "/d/b.conf": "Match all\nMaxAuthTries 3\nPort 2200\n"}
    assert values(config.effective(parse(files))) == {"maxauthtries": "3", "port": ["2200", "2222"]}


def test_effective_global_keyword_inside_match_is_ignored():
    parsed = parse({MAIN: "Match User bob\nPort 2222\nUsePAM no\n"})
    assert values(config.effective(parsed, {"user": "bob"})) == {}


@pytest.mark.parametrize("version, expected", [
    ("8.4p1", {"challengeresponseauthentication": "no", "kbdinteractiveauthentication": "yes",
               "tcpkeepalive": "no", "pubkeyacceptedkeytypes": "ssh-ed25519",
               "hostbasedacceptedkeytypes": "ssh-ed25519", "pubkeyauthentication": "no", "hostkey": ["/k"]}),
    ("9.2p1", {"kbdinteractiveauthentication": "no", "tcpkeepalive": "no",
               "pubkeyacceptedalgorithms": "ssh-ed25519", "hostbasedacceptedalgorithms": "ssh-ed25519",
               "pubkeyauthentication": "no", "hostkey": ["/k"]}),
    (None, {"kbdinteractiveauthentication": "no", "tcpkeepalive": "no",
            "pubkeyacceptedalgorithms": "ssh-ed25519", "hostbasedacceptedalgorithms": "ssh-ed25519",
            "pubkeyauthentication": "no", "hostkey": ["/k"]}),
])
def test_effective_aliases_follow_the_version(version, expected):
    parsed = parse({MAIN: "ChallengeResponseAuthentication no\nKbdInteractiveAuthentication yes\nKeepAlive no\n"
                          "PubkeyAcceptedKeyTypes ssh-ed25519\nHostbasedAcceptedKeyTypes ssh-ed25519\n"
                          "DSAAuthentication no\nHostDSAKey /k\n"})
    assert values(config.effective(parsed, None, version)) == expected


def test_effective_before_8_2_ignores_includes():
    files = {MAIN: "Include /d/a.conf\nPort 22\n", "/d/a.conf": "Port 2222\n"}
    assert values(config.effective(parse(files), None, "7.4p1")) == {"port": ["22"]}
    assert values(config.effective(parse(files), None, "8.2p1")) == {"port": ["2222", "22"]}


def test_effective_match_version_is_known_without_a_connection():
    parsed = parse({MAIN: "Match Version OpenSSH_1*\nPort 2222\nMaxAuthTries 3\n"})
    assert values(config.effective(parsed, None, "10.0p2")) == {"port": ["2222"], "maxauthtries": "3"}
    assert values(config.effective(parsed, {"user": "bob"}, "10.0p2")) == {"port": ["2222"], "maxauthtries": "3"}
    assert values(config.effective(parsed, None, "OpenSSH_9.9p1")) == {}
    assert values(config.effective(parsed)) == {}
    assert config.validate(parsed, "10.0p2") == []


@pytest.mark.parametrize("version, expected", [
    (None, None), ("10.0p2", "OpenSSH_10.0p2"), ("OpenSSH_10.0p2 Debian-7", "OpenSSH_10.0p2 Debian-7"),
    ("sshd OpenSSH_9.2p1, OpenSSL", "OpenSSH_9.2p1, OpenSSL"), ((9, 2), "OpenSSH_9.2"), ("junk", None),
])
def test_release_string(version, expected):
    assert config.release_string(version) == expected


@pytest.mark.parametrize("version, expected", [
    (None, None), ("9.2p1", (9, 2)), ("OpenSSH_10.0p2 Debian-7", (10, 0)), ((8, 4), (8, 4)), ([9], (9, 0)),
    ("garbage", None), (("x", 1), None),
])
def test_version_tuple(version, expected):
    assert config.version_tuple(version) == expected


def test_keyword_tables():
    assert "subsystem" in config.match_allowed("10.0p2")
    assert "subsystem" in config.match_allowed((9, 5))
    assert "subsystem" not in config.match_allowed("9.4p1")
    assert "port" not in config.match_allowed()
    assert "refuseconnection" in config.known_keywords("10.0")
    assert "refuseconnection" not in config.known_keywords("9.2")
    assert "channeltimeout" in config.known_keywords("9.2")
    assert "channeltimeout" not in config.known_keywords("8.4")
    assert "include" not in config.known_keywords("7.4")
    assert config.MATCH_ALLOWED.isdisjoint(config.GLOBAL_ONLY)
    assert {"port", "listenaddress", "hostkey", "acceptenv", "allowusers", "denyusers", "allowgroups",
            "denygroups", "hostcertificate", "setenv", "subsystem", "include",
            "authorizedkeysfile"} <= config.MULTI_VALUED
    assert "permitrootlogin" not in config.MULTI_VALUED


# ---------------------------------------------------------------------------
# validate
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, version, expected", [
    ("Match User bob\nSubsystem sftp internal-sftp\n", "9.2p1",
     [(MAIN, 2, "Directive 'Subsystem' is not allowed within a Match block")]),
    ("Match User bob\nSubsystem sftp internal-sftp\n", "10.0p2", []),
    ("Match User bob\n  X11Forwarding no\nPort 2222\n", "10.0p2",
     [(MAIN, 3, "Directive 'Port' is not allowed within a Match block")]),
    ("Match all\nPort 2222\n", "8.4p1", []),
    ("Subsystem sftp /a\nSubsystem sftp /b\n", "9.2p1", [(MAIN, 2, "Subsystem 'sftp' already defined.")]),
    ("Subsystem sftp /a\nSubsystem sftp /b\n", "10.0p2", []),
    ("Subsystem sftp /a\nMatch all\nSubsystem sftp /b\n", "8.4p1", [(MAIN, 3, "Subsystem 'sftp' already defined.")]),
    ("PermitRootLogn no\n", None, [(MAIN, 1, "Bad configuration option: PermitRootLogn")]),
    ("ChannelTimeout session=1m\n", "8.4p1", [(MAIN, 1, "Bad configuration option: ChannelTimeout")]),
    ("ChannelTimeout session=1m\n", "8.6p1", []),
    ("Match User bob\nFoo bar\n", None, [(MAIN, 2, "Bad configuration option: Foo"),
                                         (MAIN, 2, "Directive 'Foo' is not allowed within a Match block")]),
    ("Match invalid-user\nX11Forwarding no\n", "9.2p1",
     [(MAIN, 1, "Bad Match condition: Unsupported Match attribute invalid-user")]),
    ("Match invalid-user\nX11Forwarding no\n", "10.0p2", []),
    ("Match invalid-user\nPort 2222\n", "10.0p2", [(MAIN, 2, "Directive 'Port' is not allowed within a Match block")]),
    ("Port\n", None, [(MAIN, 1, 'no argument after keyword "Port"')]),
])
def test_validate(text, version, expected):
    found = [(e["file"], e["line"], e["message"]) for e in config.validate(parse({MAIN: text}), version)]
    assert found == expected


# ---------------------------------------------------------------------------
# sshd -T and sshd -t output
# ---------------------------------------------------------------------------

def test_parse_sshd_T_synthetic():
    text = ("port 22\nport 2222\r\nPermitRootLogin without-password\nacceptenv LANG\nacceptenv LC_*\n"
            "authorizedkeysfile .ssh/authorized_keys .ssh/authorized_keys2\nsubsystem sftp /usr/lib/sftp -l INFO\n"
            "subsystem foo /bin/foo\nbanner none\nipqos af21 cs1\n\n")
    assert config.parse_sshd_T(text) == {
        "port": ["22", "2222"], "permitrootlogin": "without-password", "acceptenv": ["LANG", "LC_*"],
        "authorizedkeysfile": [".ssh/authorized_keys", ".ssh/authorized_keys2"],
        "subsystem": {"sftp": "/usr/lib/sftp -l INFO", "foo": "/bin/foo"}, "banner": "none", "ipqos": "af21 cs1"}


@pytest.mark.parametrize("text, expected", [
    ("/etc/ssh/sshd_config: line 124: Bad configuration option: PermitRootLogn\n",
     [{"file": "/etc/ssh/sshd_config", "line": 124, "message": "Bad configuration option: PermitRootLogn"}]),
    ("/etc/ssh/sshd_config line 126: Directive 'Port' is not allowed within a Match block\r\n",
     [{"file": "/etc/ssh/sshd_config", "line": 126,
       "message": "Directive 'Port' is not allowed within a Match block"}]),
    ("/etc/ssh/with space.conf line 2: Subsystem 'sftp' already defined.",
     [{"file": "/etc/ssh/with space.conf", "line": 2, "message": "Subsystem 'sftp' already defined."}]),
    ("/etc/ssh/sshd_config: terminating, 1 bad configuration options\n",
     [{"file": "/etc/ssh/sshd_config", "line": None, "message": "terminating, 1 bad configuration options"}]),
    ("/etc/ssh/sshd_config.d/x.conf: No such file or directory\n",
     [{"file": "/etc/ssh/sshd_config.d/x.conf", "line": None, "message": "No such file or directory"}]),
    ("Missing privilege separation directory: /run/sshd\n",
     [{"file": None, "line": None, "message": "Missing privilege separation directory: /run/sshd"}]),
    ("Invalid Match address argument '10.0.0.1/8' at line 3\nsshd: no hostkeys available -- exiting.\n",
     [{"file": None, "line": None, "message": "Invalid Match address argument '10.0.0.1/8' at line 3"},
      {"file": None, "line": None, "message": "sshd: no hostkeys available -- exiting."}]),
    ("reprocess config line 5: Bad Match condition",
     [{"file": "reprocess config", "line": 5, "message": "Bad Match condition"}]),
    ("", []),
    (None, []),
])
def test_parse_sshd_t_errors(text, expected):
    assert config.parse_sshd_t_errors(text) == expected


# ---------------------------------------------------------------------------
# Real OpenSSH: default configurations and broken ones
# ---------------------------------------------------------------------------

def real_parse(release, case, dropin=True):
    files = {MAIN: fixture(release, f"{case}.sshd_config.txt")}
    path = os.path.join(FIXTURES, release, f"{case}.dropin.txt")
    if dropin and os.path.exists(path):
        files["/etc/ssh/sshd_config.d/50-doctor-test.conf"] = fixture(release, f"{case}.dropin.txt")
    return parse(files)


def normalise(key, value):
    if isinstance(value, str):
        value = value.lower()
        if key == "permitrootlogin" and value == "prohibit-password":
            value = "without-password"
    return value


def assert_agrees_with_sshd_T(eff, dump, skip=()):
    compared = 0
    for key, rec in eff.items():
        if key in skip:
            continue
        assert key in dump, key
        assert normalise(key, rec["value"]) == normalise(key, dump[key]), key
        compared += 1
    assert compared


ALICE = {"user": "alice", "host": "client.example", "addr": "192.0.2.10", "laddr": "192.0.2.1", "lport": 22,
         "groups": ["alice"]}


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_real_default_config(release):
    parsed = real_parse(release, "default")
    assert parsed["errors"] == []
    assert config.validate(parsed, RELEASES[release]) == []
    assert parsed["includes"][0]["glob"] == "/etc/ssh/sshd_config.d/*.conf"
    assert config.main_section_end(parsed, MAIN) is None
    eff = config.effective(parsed, None, RELEASES[release])
    assert eff["subsystem"]["value"] == {"sftp": "/usr/lib/openssh/sftp-server"}
    assert eff["usepam"]["value"] == "yes"
    dump = config.parse_sshd_T(fixture(release, "default.sshd_T.txt"))
    assert dump["subsystem"] == {"sftp": "/usr/lib/openssh/sftp-server"}
    assert dump["port"] == ["22"]
    assert dump["permitrootlogin"] == "without-password"
    assert_agrees_with_sshd_T(eff, dump)
    alice = config.parse_sshd_T(fixture(release, "default_match_alice.sshd_T.txt"))
    assert_agrees_with_sshd_T(config.effective(parsed, ALICE, RELEASES[release]), alice)


@pytest.mark.parametrize("release", sorted(RELEASES))
@pytest.mark.parametrize("case, context", [
    ("dropin_match", None), ("dropin_match", ALICE), ("dropin_subsystem", None),
    ("subsystem_in_match", ALICE), ("duplicate_subsystem", None),
])
def test_real_effective_agrees_with_sshd_T(release, case, context):
    suffix = "_alice" if context and case == "dropin_match" else ""
    rc = int(fixture(release, f"{case}{suffix}.sshd_T_rc.txt"))
    if rc != 0:
        pytest.skip(f"sshd -T refused this configuration on {release}")
    parsed = real_parse(release, case)
    dump = config.parse_sshd_T(fixture(release, f"{case}{suffix}.sshd_T.txt"))
    assert_agrees_with_sshd_T(config.effective(parsed, context, RELEASES[release]), dump)


def test_real_subsystem_in_match_drops_global_sftp_on_10_0():
    parsed = real_parse("trixie", "subsystem_in_match")
    dump = config.parse_sshd_T(fixture("trixie", "subsystem_in_match.sshd_T.txt"))
    assert dump["subsystem"] == {"sftp": "internal-sftp"}
    assert config.effective(parsed, ALICE, "10.0p2")["subsystem"]["value"] == {"sftp": "internal-sftp"}
    assert config.effective(parsed, None, "10.0p2")["subsystem"]["value"] == {"sftp": "/usr/lib/openssh/sftp-server"}


def test_real_dropin_wins_over_main_file():
    parsed = real_parse("trixie", "dropin_subsystem")
    eff = config.effective(parsed, None, "10.0p2")
    assert eff["subsystem"]["sources"]["sftp"] == ["/etc/ssh/sshd_config.d/50-doctor-test.conf", 2]
    assert eff["passwordauthentication"]["file"] == "/etc/ssh/sshd_config.d/50-doctor-test.conf"


BROKEN = ["appended_into_match", "bad_keyword", "bad_match_cidr", "bad_match_criteria", "duplicate_subsystem",
          "dropin_subsystem", "subsystem_in_match", "unterminated_quote", "include_loop"]


@pytest.mark.parametrize("release", sorted(RELEASES))
@pytest.mark.parametrize("case", BROKEN)
def test_real_sshd_t_errors_are_predicted(release, case):
    """What sshd -t reports at FILE:LINE, the parser and validate() report at the same place."""
    rc = int(fixture(release, f"{case}.sshd_t_rc.txt"))
    reported = config.parse_sshd_t_errors(fixture(release, f"{case}.sshd_t.txt"))
    ours = config.validate(real_parse(release, case), RELEASES[release])
    if rc == 0:
        assert reported == []
        assert ours == []
        return
    assert reported and ours
    places = {(e["file"], e["line"]) for e in ours}
    for err in reported:
        if err["line"] is not None:
            assert (err["file"], err["line"]) in places, err


@pytest.mark.parametrize("release", sorted(RELEASES))
@pytest.mark.parametrize("case, expected", [
    ("privsep_missing", [{"file": None, "line": None, "message": "Missing privilege separation directory: /run/sshd"}]),
    ("no_host_keys", [{"file": None, "line": None, "message": "sshd: no hostkeys available -- exiting."}]),
    ("bad_keyword", None),
])
def test_real_sshd_t_messages(release, case, expected):
    text = fixture(release, f"{case}.sshd_t.txt")
    reported = config.parse_sshd_t_errors(text)
    # sshd ends its stderr lines with "\r\n"; the fixtures are stored with "\n" (sanity: line-endings)
    assert config.parse_sshd_t_errors(text.replace("\n", "\r\n")) == reported
    if expected is None:
        parsed = real_parse(release, case)
        last = parsed["entries"][-1]
        assert last["text"] == "PermitRootLogn no"
        expected = [{"file": MAIN, "line": last["line"], "message": "Bad configuration option: PermitRootLogn"},
                    {"file": MAIN, "line": None, "message": "terminating, 1 bad configuration options"}]
    assert reported == expected


def test_real_appended_line_lands_in_match_block():
    for release in RELEASES:
        parsed = real_parse(release, "appended_into_match")
        port = [e for e in parsed["entries"] if e["keyword"] == "port"][-1]
        assert port["match"] == 0
        assert config.main_section_end(parsed, MAIN) == port["line"] - 2


# ---------------------------------------------------------------------------
# Real OpenSSH: semantics.txt, many small configurations against sshd -t / sshd -T -C
# ---------------------------------------------------------------------------

LAB_GROUPS = {"alice": ["alice"], "root": ["root"]}
DEFAULTS = {
    "passwordauthentication": "yes", "x11forwarding": "no", "maxauthtries": "6", "permitrootlogin": "without-password",
    "port": ["22"], "usepam": "no", "subsystem": None, "allowusers": None, "acceptenv": None, "denyusers": None,
    "allowgroups": None, "setenv": None, "permitopen": ["any"], "authenticationmethods": ["any"],
    "authorizedkeysfile": [".ssh/authorized_keys", ".ssh/authorized_keys2"], "loglevel": "info",
    "banner": "none", "forcecommand": "none", "tcpkeepalive": "yes", "pubkeyauthentication": "yes",
    "kbdinteractiveauthentication": "no",
}
# Where 8.4 splits lines differently: servconf.c before 8.7 reads arguments with strdelim()
# ('#' inside an argument starts a comment, a quote only opens at the start of an argument, no
# backslash escapes); the parser reads them as 8.7 and later do (argv_split).  Each pair is
# asserted to differ, so a parser that learns 8.4's rules shows up here.
KNOWN_DIFFERENCES = {("bullseye", "trailing_comment", "denyusers")} | {
    ("bullseye", case, "allowusers") for case in (
        "escapes_outside_quotes", "escapes_inside_quotes", "quotes_glued_to_text", "comment_after_escape")} | {
    ("bullseye", "comment_after_escape", "denyusers"), ("bullseye", "equals_and_quotes", "acceptenv")}


def load_semantics(release, name="semantics.txt"):
    cases = []
    for block in fixture(release, name).split("@@@ case ")[1:]:
        name, _newline, body = block.partition("\n")
        files, runs, current = {}, [], None
        for line in body.split("\n"):
            if line.startswith("--- file "):
                current = line[len("--- file "):]
                files[current] = ""
            elif line.startswith("--- sshd "):
                current = None
                runs.append({"header": line[len("--- sshd "):], "lines": []})
            elif current is not None:
                files[current] += line + "\n"
            elif line:
                runs[-1]["lines"].append(line)
        cases.append((name, files, runs))
    return cases


def run_info(run):
    words = run["header"].split()
    keys = next((w[len("keys="):].split(",") for w in words if w.startswith("keys=")), None)
    spec = words[words.index("-C") + 1] if "-C" in words else None
    rc = int(run["lines"][0][len("rc="):])
    out = [line for line in run["lines"][1:] if keys and line.split(" ", 1)[0] in keys]
    err = [line for line in run["lines"][1:] if line not in out]
    context = None
    if spec:
        context = dict(item.split("=", 1) for item in spec.split(","))
        context["groups"] = LAB_GROUPS.get(context.get("user"), [])
    return words[0], keys, context, rc, out, err


# tokenizer.txt (tests/lab/tokenizer_capture.py): quotes and escapes, the one argument tokenizer
# (config.split_args) against each release's sshd -T
SEMANTICS = [(release, name, files, runs) for release in sorted(RELEASES)
             for fixture_name in ("semantics.txt", "tokenizer.txt")
             for name, files, runs in load_semantics(release, fixture_name)]


@pytest.mark.parametrize("release, name, files, runs", SEMANTICS, ids=[f"{r}-{n}" for r, n, _f, _r in SEMANTICS])
def test_real_semantics(release, name, files, runs):
    version = RELEASES[release]
    parsed = parse(files, main="/etc/ssh/t/main.conf")
    checked = 0
    for run in runs:
        mode, keys, context, rc, out, err = run_info(run)
        if mode == "-t":
            ours = config.validate(parsed, version)
            if rc == 0:
                assert ours == [], (run["header"], ours)
            else:
                assert ours, (run["header"], err)
                places = {(e["file"], e["line"]) for e in ours}
                for reported in config.parse_sshd_t_errors("\n".join(err)):
                    if reported["line"] is not None:
                        assert (reported["file"], reported["line"]) in places, reported
            checked += 1
            continue
        if rc != 0:
            continue
        dump = config.parse_sshd_T("\n".join(out))
        eff = config.effective(parsed, context, version)
        for key in keys:
            expected = normalise(key, dump.get(key))
            # not set in the files: sshd shows its default, or nothing (a key of another version)
            got = eff[key]["value"] if key in eff else DEFAULTS[key] if key in dump else None
            if (release, name, key) in KNOWN_DIFFERENCES:
                assert normalise(key, got) != expected, (run["header"], key)
                continue
            assert normalise(key, got) == expected, (run["header"], key)
            checked += 1
    assert checked or all(run_info(run)[3] != 0 for run in runs)


def test_semantics_fixture_covers_each_release():
    assert {case[0] for case in SEMANTICS} == set(RELEASES)
    assert len(SEMANTICS) >= 3 * 60


# ---------------------------------------------------------------------------
# Never raise
# ---------------------------------------------------------------------------

FRAGMENTS = list(" \t\r\n\f\0\"'\\#=,!*?/") + [
    "Match ", "Include ", "Port ", "Subsystem ", "all", "User ", "Address ", "10.0.0.0/8", "LocalPort ", "\udcff"]
TEXT = st.lists(st.one_of(st.text(max_size=8), st.sampled_from(FRAGMENTS)), max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_tokenize_never_raises(line):
    tokens = config.tokenize(line)
    assert isinstance(tokens, list)
    assert all(isinstance(t, str) for t in tokens)


@settings(max_examples=300, deadline=None)
@given(TEXT, TEXT, st.booleans())
def test_parse_config_never_raises(main, other, with_context):
    files = {MAIN: main, "/etc/ssh/x.conf": other}
    parsed = config.parse_config(MAIN, reader=files.get, globber=lambda p: [MAIN, "/etc/ssh/x.conf", "/missing"])
    assert set(parsed) == {"path", "files", "entries", "matches", "includes", "errors", "complete"}
    context = {"user": "bob", "addr": "10.0.0.1", "host": "h", "lport": "22", "groups": ["g"]} if with_context else None
    for version in (None, "8.4p1", "9.2p1", "10.0p2"):
        config.effective(parsed, context, version)
        config.validate(parsed, version)
    config.main_section_end(parsed, MAIN)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_parse_sshd_T_never_raises(text):
    assert isinstance(config.parse_sshd_T(text), dict)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_parse_sshd_t_errors_never_raises(text):
    for err in config.parse_sshd_t_errors(text):
        assert set(err) == {"file", "line", "message"}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), TEXT), max_size=3), max_size=4), TEXT, TEXT, TEXT)
def test_match_applies_never_raises(criteria, user, addr, value):
    assert config.match_applies(criteria, {"user": user, "addr": addr, "laddr": addr, "host": value, "lport": value,
                                           "groups": [value], "rdomain": value, "version": value}) in (True, False)


@pytest.mark.parametrize("count", [6, 9, 40])
def test_include_fan_out_stops_at_the_first_loop_like_sshd(count):
    """Drop-ins that include their own directory: sshd stops at its recursion limit at once;
    the parser used to walk every ordering of the files (9 files: 84 s and 4.9 GB)."""
    files = {MAIN: "Include /d/*.conf\nPort 22\n"}
    for i in range(count):
        files[f"/d/{i:02d}.conf"] = "Include /d/*.conf\nMaxAuthTries 3\n"

    def globber(pattern):
        return sorted(p for p in files if p.startswith("/d/")) if pattern == "/d/*.conf" else []

    started = time.monotonic()
    parsed = config.parse_config(MAIN, reader=files.get, globber=globber)
    assert time.monotonic() - started < 2
    assert any("Too many recursive" in e["message"] for e in parsed["errors"])
    assert len(parsed["entries"]) <= count + 2


def test_line_budget_bounds_a_huge_expansion():
    files = {MAIN: "Include /d/*.conf\n"}
    for i in range(12):
        files[f"/d/{i:02d}.conf"] = "Include /e/*.conf\n"
    for i in range(12):
        files[f"/e/{i:02d}.conf"] = "MaxAuthTries 3\n" * 2000

    def globber(pattern):
        prefix = pattern[:3]
        return sorted(p for p in files if p.startswith(prefix))

    parsed = config.parse_config(MAIN, reader=files.get, globber=globber)
    assert any("configuration lines" in e["message"] for e in parsed["errors"])
    assert len(parsed["entries"]) <= config.MAX_LINES + 1
