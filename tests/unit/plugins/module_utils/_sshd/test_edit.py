# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the sshd_config editor (edit.py) and of staging.py (the sshd_option module: tests/unit/plugins/modules).

Configurations go through a dict-backed reader and globber (the parser's own tests use the
same fake file system).  The release cases start from the real default sshd_config of Debian's
8.4p1, 9.2p1 and 10.0p2 and the real drop-in cases captured for the parser tests
(tests/unit/fixtures/config/<release>/), whose `sshd -t` outputs say what the edit must avoid.
"""

import difflib
import fnmatch
import os
import posixpath

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import config, edit, staging

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures")
RELEASES = {"bullseye": "8.4p1", "bookworm": "9.2p1", "trixie": "10.0p2"}
MAIN = "/etc/ssh/sshd_config"
DROPIN = "/etc/ssh/sshd_config.d/50-cloud.conf"


def fixture(*parts):
    with open(os.path.join(FIXTURES, *parts), encoding="utf-8") as handle:
        return handle.read()


def fake_fs(files):
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
        return sorted(out)

    return reader, globber


def parse(files, main=MAIN):
    reader, globber = fake_fs(files)
    return config.parse_config(main, reader=reader, globber=globber)


def plan(files, keyword, value=None, state="present", version="10.0p2", main=MAIN):
    return edit.plan_option(parse(files, main), files, keyword, value, state, version)


def applied(files, result):
    out = dict(files)
    out.update(result["texts"])
    return out


def run(files, keyword, value=None, state="present", version="10.0p2"):
    """Plan, apply, and check that a second run changes nothing (idempotence)."""
    result = plan(files, keyword, value, state, version)
    after = applied(files, result)
    again = plan(after, keyword, value, state, version)
    assert not again["changed"], again["changes"]
    assert again["texts"] == {}
    return result, after


def effective(files, version="10.0p2", context=None):
    return {k: v["value"] for k, v in config.effective(parse(files), context, version).items()}


def diff_lines(before, after):
    """Lines removed and added, in order."""
    return [line for line in difflib.ndiff(before.split("\n"), after.split("\n")) if line[:1] in "+-"]


# ---------------------------------------------------------------------------
# Lines
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "value", "expected"), [
    ("PermitRootLogin yes\n", "no", "PermitRootLogin no\n"),
    ("  permitrootlogin   yes   # was no\n", "no", "  permitrootlogin   no   # was no\n"),
    ("PermitRootLogin=yes\n", "no", "PermitRootLogin=no\n"),
    ("PermitRootLogin = yes\r\n", "no", "PermitRootLogin = no\r\n"),
    ("\tX11Forwarding\tyes\t#c\n", "no", "\tX11Forwarding\tno\t#c\n"),
    ("Subsystem\tsftp\t/usr/lib/openssh/sftp-server\n", "sftp internal-sftp", "Subsystem\tsftp\tinternal-sftp\n"),
    ("Subsystem sftp /usr/lib/openssh/sftp-server -l INFO\n", "sftp internal-sftp",
     "Subsystem sftp internal-sftp\n"),
    ('Banner "/etc/old banner" # x\n', '"/etc/new banner"', 'Banner "/etc/new banner" # x\n'),
    ("PermitRootLogin yes", "no", "PermitRootLogin no"),
    ("Banner a\\ b # c\n", "x", "Banner x # c\n"),
])
def test_rewrite_line_keeps_layout(line, value, expected):
    assert edit.rewrite_line(line, "PermitRootLogin", value) == expected


def test_rewrite_raw_value_keeps_the_rest_verbatim():
    # sshd keeps the whole rest of a ForceCommand line: a "# comment" there is part of the command
    line = "    ForceCommand /usr/bin/old --x  \n"
    assert edit.rewrite_line(line, "ForceCommand", 'echo "a # b"', raw_value=True) == '    ForceCommand echo "a # b"  \n'


def test_rewrite_falls_back_when_the_layout_would_change_the_value():
    # a value ending in a backslash would escape the space before the comment: write it plainly
    line = "Banner /x # c\n"
    out = edit.rewrite_line(line, "Banner", "/y\\")
    assert config.tokenize(out) == ["Banner", "/y\\"]


@pytest.mark.parametrize(("line", "layout"), [
    ("PermitRootLogin no # c", ("PermitRootLogin ", "no", " # c")),
    ("  Key=a b", ("  Key=", "a b", "")),
    ("Key = 'a # b'  #c", ("Key = ", "'a # b'", "  #c")),
    ("# comment", None),
    ("", None),
])
def test_line_layout(line, layout):
    assert edit.line_layout(line) == layout


def test_split_lines_only_at_newline():
    text = "a\r\nb\x0cc\nd"
    assert edit.split_lines(text) == ["a\r\n", "b\x0cc\n", "d"]
    assert "".join(edit.split_lines(text)) == text
    assert edit.split_lines("") == []


# ---------------------------------------------------------------------------
# Where the value goes
# ---------------------------------------------------------------------------

MATCH_AT_END = """\
# test host
PermitRootLogin prohibit-password
X11Forwarding yes

# alice gets no forwarding
Match User alice
    X11Forwarding no
"""


def test_insert_before_a_match_at_the_end_and_its_comment():
    result, after = run({MAIN: MATCH_AT_END}, "LogLevel", "VERBOSE")
    assert after[MAIN] == MATCH_AT_END.replace("\n# alice", "\nLogLevel VERBOSE\n# alice")
    assert result["changes"] == [{"file": MAIN, "line": 5, "action": "insert", "before": None,
                                  "after": "LogLevel VERBOSE",
                                  "reason": "in the global section, before the first Match (line 6)"}]
    assert effective(after)["loglevel"] == "VERBOSE"
    assert effective(after, context={"user": "alice"})["loglevel"] == "VERBOSE"


def test_keyword_set_only_in_match_gets_a_global_line():
    result, after = run({MAIN: MATCH_AT_END}, "PasswordAuthentication", "no")
    assert result["changes"][0]["action"] == "insert"
    assert after[MAIN].index("PasswordAuthentication no") < after[MAIN].index("Match User alice")


def test_rewrite_in_place_keeps_the_match_block_alone():
    result, after = run({MAIN: MATCH_AT_END}, "X11Forwarding", "no")
    assert diff_lines(MATCH_AT_END, after[MAIN]) == ["- X11Forwarding yes", "+ X11Forwarding no"]
    assert result["in_match"] == [{"file": MAIN, "line": 7, "text": "    X11Forwarding no", "match_file": MAIN,
                                   "match_line": 6}]
    assert result["result"] == {"file": MAIN, "line": 3, "text": "X11Forwarding no"}


def test_never_appends_after_a_match_even_without_a_blank_line():
    text = "Port 22\nMatch Address 10.0.0.0/8\n  PermitRootLogin yes"
    result, after = run({MAIN: text}, "PermitRootLogin", "no")
    assert after[MAIN] == "Port 22\nPermitRootLogin no\nMatch Address 10.0.0.0/8\n  PermitRootLogin yes"
    assert result["in_match"][0]["line"] == 3


def test_append_at_the_end_without_match_adds_the_missing_newline():
    result, after = run({MAIN: "Port 22"}, "UseDNS", "no")
    assert after[MAIN] == "Port 22\nUseDNS no\n"
    assert result["changes"][0]["reason"] == "at the end of the main file (it has no Match block)"


def test_after_the_commented_out_default_not_in_the_commented_example():
    text = ("#Port 22\n#PermitRootLogin prohibit-password\n#StrictModes yes\n\n"
            "#Match User anoncvs\n#\tX11Forwarding no\n#\tPermitTTY no\n")
    result, after = run({MAIN: text}, "PermitRootLogin", "no")
    assert after[MAIN].startswith("#Port 22\n#PermitRootLogin prohibit-password\nPermitRootLogin no\n#StrictModes")
    assert result["changes"][0]["reason"] == "after the commented-out default at line 2"
    # PermitTTY is only commented inside the example Match block: the new line goes to the end
    result, after = run({MAIN: text}, "PermitTTY", "no")
    assert after[MAIN].endswith("#\tPermitTTY no\nPermitTTY no\n")


def test_commented_default_after_the_first_match_is_ignored():
    text = "Match User bob\n  X11Forwarding no\n#LogLevel INFO\n"
    result, after = run({MAIN: text}, "LogLevel", "ERROR")
    assert after[MAIN].startswith("LogLevel ERROR\nMatch User bob")
    assert result["changes"][0]["line"] == 1


def test_prose_comments_are_not_anchors():
    text = "# Port forwarding is off here\nAllowTcpForwarding no\n"
    _result, after = run({MAIN: text}, "Port", "2222")
    assert after[MAIN].endswith("AllowTcpForwarding no\nPort 2222\n")


# ---------------------------------------------------------------------------
# Include: the value goes where it wins
# ---------------------------------------------------------------------------

def include_layout():
    return {
        MAIN: ("Include /etc/ssh/sshd_config.d/*.conf\n"
               "PasswordAuthentication yes\n"
               "Subsystem sftp /usr/lib/openssh/sftp-server\n"
               "Match User alice\n"
               "  PasswordAuthentication yes\n"),
        DROPIN: "# cloud-init\nPasswordAuthentication no\n",
        "/etc/ssh/sshd_config.d/60-other.conf": "ClientAliveInterval 30\n",
    }


def test_the_winning_drop_in_line_is_rewritten_and_the_main_one_reported():
    files = include_layout()
    result, after = run(files, "PasswordAuthentication", "yes")
    assert result["texts"].keys() == {DROPIN}
    assert after[DROPIN] == "# cloud-init\nPasswordAuthentication yes\n"
    assert result["shadowed"] == [{"file": MAIN, "line": 2, "text": "PasswordAuthentication yes"}]
    assert result["in_match"][0]["line"] == 5
    assert effective(after)["passwordauthentication"] == "yes"


def test_a_drop_in_later_in_the_include_order_is_not_the_winner():
    files = include_layout()
    files["/etc/ssh/sshd_config.d/70-late.conf"] = "PasswordAuthentication maybe\n"
    result = plan(files, "PasswordAuthentication", "yes")
    assert [c["file"] for c in result["changes"]] == [DROPIN]
    # processing order: the Include at the top of the main file reads 70-late.conf before main line 2
    assert [s["file"] for s in result["shadowed"]] == ["/etc/ssh/sshd_config.d/70-late.conf", MAIN]


def test_include_after_the_main_line_the_main_line_wins():
    files = {MAIN: "LogLevel INFO\nInclude sshd_config.d/*.conf\n", DROPIN: "LogLevel DEBUG\n"}
    result, after = run(files, "LogLevel", "VERBOSE")
    assert after[MAIN] == "LogLevel VERBOSE\nInclude sshd_config.d/*.conf\n"
    assert result["shadowed"] == [{"file": DROPIN, "line": 1, "text": "LogLevel DEBUG"}]


def test_new_keyword_goes_to_the_main_file_not_the_drop_in():
    files = include_layout()
    result, _after = run(files, "MaxAuthTries", "3")
    assert result["changes"][0]["file"] == MAIN
    assert result["changes"][0]["line"] == 4  # before "Match User alice"


def test_match_that_starts_in_a_drop_in_ends_with_it():
    # the drop-in ends inside a Match block; the main file's end is global again
    files = {MAIN: "Port 22\nInclude /etc/ssh/sshd_config.d/*.conf\n", DROPIN: "Match User bob\n  X11Forwarding no\n"}
    result, after = run(files, "X11Forwarding", "yes")
    assert after[MAIN] == "Port 22\nInclude /etc/ssh/sshd_config.d/*.conf\nX11Forwarding yes\n"
    assert result["effective"] == "yes"
    assert result["warnings"] == []


def test_include_inside_match_is_not_global():
    files = {MAIN: "Port 22\nMatch User bob\n  Include /etc/ssh/sshd_config.d/*.conf\n", DROPIN: "Banner /etc/b\n"}
    result, after = run(files, "Banner", "/etc/issue.net")
    assert result["in_match"] == [{"file": DROPIN, "line": 1, "text": "Banner /etc/b", "match_file": MAIN,
                                   "match_line": 2}]
    assert after[MAIN].startswith("Port 22\nBanner /etc/issue.net\nMatch User bob")
    assert after[DROPIN] == files[DROPIN]


def test_match_all_lines_count_as_start_up_lines():
    files = {MAIN: "PermitRootLogin no\nMatch all\nPermitRootLogin yes\n"}
    result, after = run(files, "PermitRootLogin", "prohibit-password")
    # sshd applies `Match all` while loading and its value overrides the global one
    assert after[MAIN] == "PermitRootLogin no\nMatch all\nPermitRootLogin prohibit-password\n"
    assert result["shadowed"] == [{"file": MAIN, "line": 1, "text": "PermitRootLogin no"}]
    assert result["in_match"] == []


# ---------------------------------------------------------------------------
# Subsystem
# ---------------------------------------------------------------------------

def test_subsystem_in_a_drop_in_is_rewritten_never_duplicated():
    files = {MAIN: "Include /etc/ssh/sshd_config.d/*.conf\nSubsystem sftp /usr/lib/openssh/sftp-server\n",
             DROPIN: "Subsystem\tsftp\t/usr/libexec/openssh/sftp-server\n"}
    result, after = run(files, "Subsystem", "sftp internal-sftp")
    assert after[DROPIN] == "Subsystem\tsftp\tinternal-sftp\n"
    assert after[MAIN] == files[MAIN]
    assert result["shadowed"] == [{"file": MAIN, "line": 2, "text": "Subsystem sftp /usr/lib/openssh/sftp-server"}]
    parsed = parse(after)
    assert [e["args"][0] for e in parsed["entries"] if e["keyword"] == "subsystem"] == ["sftp", "sftp"]


def test_subsystem_is_keyed_by_name():
    files = {MAIN: "Subsystem backup /usr/local/bin/bk\nMatch User x\n  X11Forwarding no\n"}
    result, after = run(files, "subsystem", "sftp internal-sftp")
    assert after[MAIN] == "Subsystem backup /usr/local/bin/bk\nsubsystem sftp internal-sftp\nMatch User x\n  X11Forwarding no\n"
    assert result["effective"] == "sftp internal-sftp"
    assert effective(after)["subsystem"] == {"backup": "/usr/local/bin/bk", "sftp": "internal-sftp"}


@pytest.mark.parametrize("release", RELEASES)
def test_subsystem_only_in_match(release):
    files = {MAIN: "X11Forwarding yes\nMatch User alice\n    Subsystem sftp internal-sftp\n"}
    result, after = run(files, "Subsystem", "sftp /usr/lib/openssh/sftp-server", version=RELEASES[release])
    assert after[MAIN].startswith("X11Forwarding yes\nSubsystem sftp /usr/lib/openssh/sftp-server\nMatch User alice\n")
    assert [m["line"] for m in result["in_match"]] == [3]
    pre_95 = config.version_tuple(RELEASES[release]) < (9, 5)
    assert bool(result["warnings"]) == pre_95
    if pre_95:
        assert "not allowed within a Match block" in result["warnings"][0]


def test_subsystem_value_must_name_a_command():
    with pytest.raises(edit.EditError, match="NAME COMMAND"):
        plan({MAIN: ""}, "Subsystem", "sftp")


def test_subsystem_absent_removes_every_start_up_definition_of_that_name_only():
    files = {MAIN: "Include /etc/ssh/sshd_config.d/*.conf\nSubsystem sftp /a\nSubsystem bk /b\nMatch User x\n"
                   "  Subsystem sftp /c\n",
             DROPIN: "Subsystem sftp internal-sftp\n"}
    result, after = run(files, "Subsystem", "sftp", state="absent")
    assert after[DROPIN] == ""
    assert after[MAIN] == "Include /etc/ssh/sshd_config.d/*.conf\nSubsystem bk /b\nMatch User x\n  Subsystem sftp /c\n"
    assert {c["file"] for c in result["changes"]} == {MAIN, DROPIN}
    assert result["in_match"][0]["line"] == 5


# ---------------------------------------------------------------------------
# state=absent and lists
# ---------------------------------------------------------------------------

def test_absent_removes_all_global_occurrences_and_leaves_match_lines():
    files = include_layout()
    result, after = run(files, "PasswordAuthentication", state="absent")
    assert "PasswordAuthentication" not in after[DROPIN]
    assert after[MAIN].count("PasswordAuthentication") == 1  # the Match line
    assert sorted((c["file"], c["line"]) for c in result["changes"]) == [(MAIN, 2), (DROPIN, 2)]
    assert "passwordauthentication" not in effective(after)


def test_absent_with_a_value_removes_only_those_lines():
    files = {MAIN: "PermitRootLogin yes\nPermitRootLogin no\n"}
    result, after = run(files, "PermitRootLogin", "yes", state="absent")
    assert after[MAIN] == "PermitRootLogin no\n"
    assert result["effective"] == "no"


def test_absent_when_nothing_is_set():
    result = plan({MAIN: "Port 22\n"}, "Banner", state="absent")
    assert not result["changed"]
    assert result["changes"] == []


def test_accumulating_keywords_add_a_line_next_to_the_others():
    files = {MAIN: "Port 22\nListenAddress 0.0.0.0\nMatch User x\n  X11Forwarding no\n"}
    result, after = run(files, "Port", "2222")
    assert after[MAIN] == "Port 22\nPort 2222\nListenAddress 0.0.0.0\nMatch User x\n  X11Forwarding no\n"
    assert result["effective"] == ["22", "2222"]
    assert result["warnings"] == []
    assert not plan(after, "Port", "22")["changed"]


def test_setting_a_list_with_a_built_in_default_warns():
    result = plan({MAIN: "#Port 22\n"}, "Port", "2222")
    assert "built-in default" in result["warnings"][0]


def test_accept_env_and_absent_of_one_value():
    files = {MAIN: "AcceptEnv LANG LC_*\nAcceptEnv TZ\n"}
    _result, after = run(files, "AcceptEnv", "COLORTERM")
    assert after[MAIN] == "AcceptEnv LANG LC_*\nAcceptEnv TZ\nAcceptEnv COLORTERM\n"
    _result, after = run(after, "AcceptEnv", "TZ", state="absent")
    assert after[MAIN] == "AcceptEnv LANG LC_*\nAcceptEnv COLORTERM\n"


def test_first_list_keyword_is_rewritten():
    files = {MAIN: "AuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2\n"}
    result, after = run(files, "AuthorizedKeysFile", ".ssh/authorized_keys")
    assert after[MAIN] == "AuthorizedKeysFile .ssh/authorized_keys\n"
    assert result["effective"] == [".ssh/authorized_keys"]


# ---------------------------------------------------------------------------
# Values, aliases, refusals
# ---------------------------------------------------------------------------

def test_value_with_spaces_and_quotes():
    files = {MAIN: 'Banner "/etc/ssh/old banner"\n'}
    result, after = run(files, "Banner", '"/etc/ssh/my banner"')
    assert after[MAIN] == 'Banner "/etc/ssh/my banner"\n'
    assert result["effective"] == "/etc/ssh/my banner"
    # the same value written differently is the same value
    assert not plan(after, "Banner", "'/etc/ssh/my banner'")["changed"]


def test_force_command_is_compared_verbatim():
    files = {MAIN: "Port 22\nMatch all\nForceCommand internal-sftp -d /x\n"}
    assert not plan(files, "ForceCommand", "internal-sftp -d /x")["changed"]
    result, after = run(files, "ForceCommand", 'echo "a  b"')
    assert after[MAIN].endswith('ForceCommand echo "a  b"\n')
    assert result["effective"] == 'echo "a  b"'


def test_alias_rewrites_the_line_as_written():
    files = {MAIN: "KbdInteractiveAuthentication yes\n"}
    _result, after = run(files, "ChallengeResponseAuthentication", "no", version="9.2p1")
    assert after[MAIN] == "KbdInteractiveAuthentication no\n"


def test_keyword_case_does_not_matter():
    files = {MAIN: "permitrootlogin yes\n"}
    _result, after = run(files, "PERMITROOTLOGIN", "no")
    assert after[MAIN] == "permitrootlogin no\n"


def test_deprecated_keyword_is_still_found():
    files = {MAIN: "UsePrivilegeSeparation sandbox\n"}
    result, after = run(files, "UsePrivilegeSeparation", "yes")
    assert after[MAIN] == "UsePrivilegeSeparation yes\n"
    assert result["changes"][0]["action"] == "replace"


@pytest.mark.parametrize(("keyword", "value", "state", "message"), [
    ("Match", "all", "present", "structure"),
    ("include", "/x", "present", "structure"),
    ("PermitRootLogin", None, "present", "needs a value"),
    ("PermitRootLogin", "  ", "present", "needs a value"),
    ("PermitRootLogin", "no\nPort 1", "present", "one line"),
    ("Permit RootLogin", "no", "present", "not an sshd_config keyword"),
    ("", "no", "present", "not an sshd_config keyword"),
    ("Banner", '"/x', "present", "invalid quotes"),
    ("Banner", "# nothing", "present", "needs a value"),
    ("Banner", "/x", "maybe", "state"),
])
def test_refusals(keyword, value, state, message):
    with pytest.raises(edit.EditError, match=message):
        plan({MAIN: "Port 22\n"}, keyword, value, state)


def test_nul_lines_are_not_touched():
    files = {MAIN: "PermitRootLogin yes\0junk\nPort 22\n"}
    with pytest.raises(edit.EditError, match="NUL"):
        plan(files, "PermitRootLogin", "no")
    with pytest.raises(edit.EditError, match="NUL"):
        plan({MAIN: "Port 22\0x\n"}, "UseDNS", "no")


def test_unknown_keyword_is_planned_and_left_to_sshd():
    result = plan({MAIN: "Port 22\n"}, "NoSuchOption", "yes")
    assert result["changed"]
    assert result["warnings"] == []


# ---------------------------------------------------------------------------
# Bytes and line ends
# ---------------------------------------------------------------------------

def test_crlf_lines_stay_crlf():
    text = "Port 22\r\nX11Forwarding yes  # keep\r\nMatch User a\r\n  X11Forwarding no\r\n"
    files = {MAIN: text}
    _result, after = run(files, "X11Forwarding", "no")
    assert after[MAIN] == text.replace("X11Forwarding yes  # keep", "X11Forwarding no  # keep")
    _result, after = run(files, "LogLevel", "VERBOSE")
    assert after[MAIN] == "Port 22\r\nX11Forwarding yes  # keep\r\nLogLevel VERBOSE\r\nMatch User a\r\n  X11Forwarding no\r\n"


def test_mixed_line_ends_new_line_takes_its_neighbours():
    files = {MAIN: "Port 22\nUsePAM yes\r\n"}
    _result, after = run(files, "UseDNS", "no")
    assert after[MAIN] == "Port 22\nUsePAM yes\r\nUseDNS no\r\n"


def test_crlf_file_without_final_newline():
    files = {MAIN: "Port 22\r\nUsePAM yes"}
    _result, after = run(files, "UseDNS", "no")
    assert after[MAIN] == "Port 22\r\nUsePAM yes\r\nUseDNS no\r\n"


def test_odd_bytes_survive():
    raw = b"# caf\xe9 \xff\xfe\nBanner /etc/issue # \xe9t\xe9\nPort 22\n"
    text = raw.decode("utf-8", "surrogateescape")
    files = {MAIN: text}
    result, after = run(files, "Banner", "/etc/issue.net")
    assert after[MAIN].encode("utf-8", "surrogateescape") == raw.replace(b"/etc/issue #", b"/etc/issue.net #")
    assert result["changes"][0]["line"] == 2


def test_comments_and_blank_lines_are_kept():
    text = "# head\n\n#PermitRootLogin prohibit-password\n\n\tPermitRootLogin yes   # local policy\n\n# tail\n"
    _result, after = run({MAIN: text}, "PermitRootLogin", "no")
    assert after[MAIN] == text.replace("yes   #", "no   #")


# ---------------------------------------------------------------------------
# The real default configurations of the three releases
# ---------------------------------------------------------------------------

def sftp_commented_out(text):
    """What the lab's sftp_subsystem_missing fault does to the default file."""
    return "".join("#" + line if line.lower().startswith("subsystem") else line for line in edit.split_lines(text))


@pytest.mark.parametrize("release", RELEASES)
def test_release_default_sftp_subsystem_missing(release):
    default = fixture("config", release, "default.sshd_config.txt")
    files = {MAIN: sftp_commented_out(default)}
    result, after = run(files, "Subsystem", "sftp internal-sftp", version=RELEASES[release])
    change = result["changes"][0]
    assert change["action"] == "insert"
    assert change["reason"].startswith("after the commented-out default")
    lines = after[MAIN].split("\n")
    assert lines[change["line"] - 2].startswith("#Subsystem")
    assert lines[change["line"] - 1] == "Subsystem sftp internal-sftp"
    assert effective(after, RELEASES[release])["subsystem"] == {"sftp": "internal-sftp"}
    assert config.validate(parse(after), RELEASES[release]) == []


@pytest.mark.parametrize("release", RELEASES)
def test_release_default_rewrite_keeps_the_tabs(release):
    default = fixture("config", release, "default.sshd_config.txt")
    result, after = run({MAIN: default}, "Subsystem", "sftp internal-sftp", version=RELEASES[release])
    assert diff_lines(default, after[MAIN]) == ["- Subsystem\tsftp\t/usr/lib/openssh/sftp-server",
                                                "+ Subsystem\tsftp\tinternal-sftp"]
    assert result["changes"][0]["action"] == "replace"


@pytest.mark.parametrize("release", RELEASES)
def test_release_drop_in_subsystem_never_duplicated(release):
    # the captured case: main and drop-in both define sftp; `sshd -t` said "Subsystem 'sftp' already defined."
    # before 9.5, so the module must rewrite, never add
    main = fixture("config", release, "dropin_subsystem.sshd_config.txt")
    dropin = fixture("config", release, "dropin_subsystem.dropin.txt")
    files = {MAIN: main, DROPIN: dropin}
    before = [e for e in parse(files)["entries"] if e["keyword"] == "subsystem"]
    result, after = run(files, "Subsystem", "sftp /usr/lib/openssh/sftp-server", version=RELEASES[release])
    assert result["texts"].keys() == {DROPIN}
    assert [e["args"][0] for e in parse(after)["entries"] if e["keyword"] == "subsystem"] == [
        e["args"][0] for e in before]


@pytest.mark.parametrize("release", RELEASES)
def test_release_drop_in_with_match_is_edited_in_its_global_part(release):
    main = fixture("config", release, "dropin_match.sshd_config.txt")
    dropin = fixture("config", release, "dropin_match.dropin.txt")
    files = {MAIN: main, DROPIN: dropin}
    result, after = run(files, "PasswordAuthentication", "yes", version=RELEASES[release])
    assert result["texts"].keys() == {DROPIN}
    assert result["changes"][0]["line"] == 1
    assert result["in_match"][0]["file"] == DROPIN
    # a new keyword goes to the main file, not to the end of the drop-in (which is inside its Match)
    result, after = run(files, "MaxAuthTries", "3", version=RELEASES[release])
    assert result["texts"].keys() == {MAIN}
    assert effective(after, RELEASES[release])["maxauthtries"] == "3"


@pytest.mark.parametrize("release", RELEASES)
def test_release_appended_into_match_case(release):
    # the captured mistake: `Port 2222` appended after `Match User alice` ("not allowed within a Match block");
    # starting from the same file without that line, the module puts Port before the Match
    text = fixture("config", release, "appended_into_match.sshd_config.txt")
    files = {MAIN: text.replace("Port 2222\n", "")}
    result, after = run(files, "Port", "2222", version=RELEASES[release])
    assert after[MAIN].index("Port 2222") < after[MAIN].index("Match User alice")
    assert config.validate(parse(after), RELEASES[release]) == []
    assert result["changes"][0]["action"] == "insert"


# ---------------------------------------------------------------------------
# Staging the candidate for sshd -t
# ---------------------------------------------------------------------------

def test_stage_the_main_file_only():
    files = include_layout()
    result = plan(files, "MaxAuthTries", "3")
    parsed = parse(files)
    stage = staging.files_to_stage(parsed, result["texts"])
    assert stage == [MAIN]
    staged = staging.staged_texts(parsed, files, {MAIN: "/etc/ssh/.sshd_config.tmp"}, result["texts"])
    assert staged == {MAIN: result["texts"][MAIN]}


def test_stage_a_drop_in_edit():
    files = include_layout()
    result = plan(files, "PasswordAuthentication", "yes")
    parsed = parse(files)
    stage = staging.files_to_stage(parsed, result["texts"])
    assert stage == [MAIN, DROPIN]
    temps = {MAIN: "/etc/ssh/.sshd_config.A", DROPIN: "/etc/ssh/sshd_config.d/.50-cloud.conf.B"}
    staged = staging.staged_texts(parsed, files, temps, result["texts"])
    assert staged[DROPIN] == result["texts"][DROPIN]
    # the Include line now names the files explicitly, the staged copy in place of the live drop-in
    assert staged[MAIN].split("\n")[0] == ("Include /etc/ssh/sshd_config.d/.50-cloud.conf.B "
                                           "/etc/ssh/sshd_config.d/60-other.conf")
    assert staged[MAIN].split("\n")[1:] == files[MAIN].split("\n")[1:]
    # what sshd reads from the staged files is the candidate
    staged_fs = {temps[MAIN]: staged[MAIN], temps[DROPIN]: staged[DROPIN],
                 "/etc/ssh/sshd_config.d/60-other.conf": files["/etc/ssh/sshd_config.d/60-other.conf"]}
    candidate = effective(applied(files, result))
    via_stage = config.effective(parse(staged_fs, main=temps[MAIN]), None, "10.0p2")
    assert {k: v["value"] for k, v in via_stage.items()} == candidate


def test_stage_nested_includes_and_edits_in_several_files():
    nested = "/etc/ssh/sshd_config.d/10-nested.conf"
    inner = "/etc/ssh/extra/inner.conf"
    files = {MAIN: "Port 22\nInclude sshd_config.d/*.conf\nLogLevel INFO\nMatch User x\n  Include /etc/ssh/extra/*.conf\n",
             nested: "Include /etc/ssh/extra/*.conf\nLogLevel ERROR\n",
             inner: "LogLevel DEBUG\n"}
    result = plan(files, "LogLevel", state="absent")
    assert sorted(result["texts"]) == sorted([MAIN, nested, inner])
    parsed = parse(files)
    stage = staging.files_to_stage(parsed, result["texts"])
    assert stage == [MAIN, nested, inner]
    temps = {path: path + ".T" for path in stage}
    staged = staging.staged_texts(parsed, files, temps, result["texts"])
    assert staged[MAIN] == ("Port 22\nInclude /etc/ssh/sshd_config.d/10-nested.conf.T\nMatch User x\n"
                            "  Include /etc/ssh/extra/inner.conf.T\n")
    assert staged[nested] == "Include /etc/ssh/extra/inner.conf.T\n"
    assert staged[inner] == ""


def test_include_argument_escapes_glob_and_quotes():
    arg = staging.include_argument("/etc/ssh/odd dir/a*b[1]'q\".conf")
    assert config.tokenize("Include " + arg)[1] == "/etc/ssh/odd dir/a\\*b\\[1\\]'q\".conf"
    with pytest.raises(edit.EditError):
        staging.include_argument("/etc/ssh/a\tb")


def test_unstage_message_names_the_real_files():
    temps = {MAIN: "/etc/ssh/.sshd_config.x1", DROPIN: "/etc/ssh/sshd_config.d/.50-cloud.conf.x2"}
    msg = "/etc/ssh/sshd_config.d/.50-cloud.conf.x2 line 2: Bad yes/no argument: maybe"
    assert staging.unstage_message(msg, temps) == f"{DROPIN} line 2: Bad yes/no argument: maybe"


def test_included_by_protects_backups():
    files = {MAIN: "Include /etc/ssh/sshd_config.d/*\n", DROPIN: "X11Forwarding no\n"}
    parsed = parse(files)
    assert staging.included_by(parsed, DROPIN + ".123.2025-01-01@00:00:00~")["line"] == 1
    assert staging.included_by(parsed, "/etc/ssh/sshd_config.d/.50-cloud.conf.123.2025-01-01@00:00:00~") is None
    files[MAIN] = "Include /etc/ssh/sshd_config.d/*.conf\n"
    assert staging.included_by(parse(files), DROPIN + ".123.2025-01-01@00:00:00~") is None


def test_reparse_replays_the_include_globs():
    files = include_layout()
    result = plan(files, "PasswordAuthentication", "no", state="present")
    again = edit.reparse(parse(files), files, result["texts"])
    assert again["files"] == parse(files)["files"]


def test_diff_window_big_file_shows_only_the_change():
    """A 50 MB configuration must not give a 100 MB diff: only the changed lines and context."""
    body = "".join(f"# padding line {i}\n" for i in range(200000))
    before = "Port 22\n" + body + "Match User x\n  X11Forwarding no\n"
    after = "Port 22\n" + body + "Subsystem sftp internal-sftp\nMatch User x\n  X11Forwarding no\n"
    old, new, header = staging.diff_window(before, after, context=2)
    assert new.count("\n") == old.count("\n") + 1
    assert "Subsystem sftp internal-sftp\n" in new and "Subsystem" not in old
    assert len(old) + len(new) < 300
    assert header.startswith("lines 200000-") and "of 200003" in header


def test_diff_window_identical_and_edges():
    assert staging.diff_window("a\n", "a\n")[:2] == ("", "")
    old, new, _header = staging.diff_window("a\nb\n", "x\nb\n", context=0)
    assert (old, new) == ("a\n", "x\n")


# ---------------------------------------------------------------------------
# Quotes and escapes: the editor's argument spans are the parser's tokenizer (config.split_args),
# checked against what real sshd -T of 9.2p1 and 10.0p2 read (tests/lab/tokenizer_capture.py)
# ---------------------------------------------------------------------------

def tokenizer_lines(release):
    """``(line, [arguments as sshd -T printed them])`` of each accepted case line."""
    out = []
    for block in fixture("config", release, "tokenizer.txt").split("@@@ case ")[1:]:
        body, _sep, answer = block.partition("\n--- sshd -T ")
        lines = body.split("\n")[2:]
        answer = answer.split("\n")
        if answer[1] != "rc=0":
            continue
        for line in filter(None, lines):
            keyword = config.tokenize(line)[0].lower()
            args = [a.split(" ", 1)[1] for a in answer[2:] if a.startswith(keyword + " ")]
            out.append((line, args))
    return out


TOKENIZER_LINES = [(release, line, args) for release in ("bookworm", "trixie")
                   for line, args in tokenizer_lines(release)]


@pytest.mark.parametrize("release, line, args", TOKENIZER_LINES,
                         ids=[f"{r}-{i}" for i, (r, _l, _a) in enumerate(TOKENIZER_LINES)])
def test_argument_spans_agree_with_real_sshd(release, line, args):
    assert args, release
    head, value, tail = edit.line_layout(line)
    spans = edit.arg_spans(value)
    # each span, read alone, is the argument sshd read; what lies between spans is white space
    assert [config.tokenize("K " + value[a:b])[1] for a, b in spans] == args
    assert all(not value[b:c].strip(" \t") for (_a, b), (c, _d) in zip(spans, spans[1:]))
    assert [text for _a, _b, text in config.split_args(value)[0]] == args
    keyword = config.tokenize(line)[0]
    # the same value rewritten leaves the line as it was; a longer value keeps the old text as written
    # (``b\\`` + `` extra`` is one argument ``b extra``: the editor writes what the value says)
    assert edit.rewrite_line(line + "\n", keyword, value) == line + "\n"
    grown = edit.rewrite_line(line + "\n", keyword, value + " extra")
    assert config.tokenize(grown)[1:] == config.tokenize(f"K {value} extra")[1:] and grown.startswith(head + value)
    assert config.tokenize(grown)[1:] == (args + ["extra"] if not value.endswith("\\") else args[:-1] + [args[-1][:-1] + " extra"])
