# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host I/O seam: the real Host, recording and replay, binary summaries.

Recordings of real lab hosts are replayed in test_recordings.py; here the machinery itself is
driven over real files and commands of the test machine.
"""

import grp
import json
import os
import pwd
import subprocess
import sys

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import elf, hostio, version


def real_run(args):
    res = subprocess.run(args, capture_output=True, text=True, check=False)
    return res.returncode, res.stdout, res.stderr


def test_stat_carries_mtime_size_and_islnk(tmp_path):
    f = tmp_path / "f"
    f.write_text("12345")
    os.utime(f, (1700000000, 1700000000))
    os.symlink("f", tmp_path / "l")
    st = hostio.Host.stat(str(f))
    assert st["mtime"] == 1700000000 and st["size"] == 5 and st["islnk"] is False and st["isreg"] is True
    assert hostio.Host.stat(str(tmp_path / "l"), follow=False)["islnk"] is True
    assert hostio.Host.stat(str(tmp_path / "l"))["islnk"] is False
    assert hostio.Host.stat(str(tmp_path / "missing")) is None


def test_recording_and_replay_answer_the_same(tmp_path):
    (tmp_path / "a.conf").write_text("Port 22\n")
    (tmp_path / "b.conf").write_text("Port 2222\n")
    rec = hostio.RecordingHost(hostio.Host(real_run), meta={"name": "unit"})
    first = [rec.read_text(str(tmp_path / "a.conf")), rec.read_text(str(tmp_path / "a.conf"), 1 << 20),
             rec.read_text(str(tmp_path / "a.conf"), limit=4), rec.stat(str(tmp_path), follow=False),
             rec.glob(str(tmp_path / "*.conf")), rec.exists(str(tmp_path / "nope")), rec.run(["printf", "%s", "x y"]),
             rec.listdir(str(tmp_path)), rec.readlink(str(tmp_path)), rec.user_name(0), rec.group_name(0)]
    recording = rec.recording()
    # the same call with the default spelled out or not is one call
    assert sum(1 for c in recording["calls"] if c["m"] == "read_text") == 2
    text = hostio.dumps(recording)
    assert text == hostio.dumps(json.loads(text))
    replay = hostio.ReplayHost(json.loads(text))
    second = [replay.read_text(str(tmp_path / "a.conf"), 1 << 20), replay.read_text(str(tmp_path / "a.conf")),
              replay.read_text(str(tmp_path / "a.conf"), 4), replay.stat(str(tmp_path), False),
              replay.glob(str(tmp_path / "*.conf")), replay.exists(str(tmp_path / "nope")),
              replay.run(["printf", "%s", "x y"]), replay.listdir(str(tmp_path)), replay.readlink(str(tmp_path)),
              replay.user_name(0), replay.group_name(0)]
    assert first == second
    assert replay.run(["printf", "%s", "x y"]) == (0, "x y", "")


def test_methods_added_later_are_recorded_without_changes():
    class Newer(hostio.Host):
        @staticmethod
        def selinux_context(path, follow=True):
            return "system_u:object_r:sshd_exec_t:s0" if follow else None

    rec = hostio.RecordingHost(Newer(real_run))
    assert rec.selinux_context("/usr/sbin/sshd") == "system_u:object_r:sshd_exec_t:s0"
    replay = hostio.ReplayHost(rec.recording())
    assert replay.selinux_context("/usr/sbin/sshd") == "system_u:object_r:sshd_exec_t:s0"
    with pytest.raises(hostio.ReplayMiss):
        replay.selinux_context("/usr/sbin/sshd", follow=False)


def test_a_miss_names_the_call_and_the_fix():
    replay = hostio.ReplayHost({"format": 1, "meta": {"name": "bookworm/healthy"}, "calls": []})
    with pytest.raises(hostio.ReplayMiss, match=r'^bookworm/healthy: the recording has no answer for '
                                                r'read_text\("/etc/ssh/sshd_config", 1048576\); re-record with make record$'):
        replay.read_text("/etc/ssh/sshd_config")


def test_collected_misses_answer_as_absent_and_are_listed_once():
    replay = hostio.ReplayHost({"format": 1, "calls": []}, collect_misses=True)
    assert replay.stat("/x") is None and replay.stat("/x") is None
    assert replay.run(["sshd", "-T"]) == (127, "", "")
    assert replay.glob("/etc/*") == [] and replay.user_name(7) == "7"
    assert replay.binary("/usr/sbin/sshd")["exists"] is False
    assert replay.misses == [("stat", ["/x", True]), ("run", [["sshd", "-T"]]), ("glob", ["/etc/*"]),
                             ("user_name", [7]), ("binary", ["/usr/sbin/sshd"])]


@pytest.mark.parametrize("bad", [None, {}, {"format": 2, "calls": []}, []])
def test_not_a_recording(bad):
    with pytest.raises(ValueError, match="re-record with make record"):
        hostio.ReplayHost(bad)


def test_bytes_are_never_recorded_raw():
    with pytest.raises(TypeError, match="binary"):
        hostio._plain({"x": b"\x7fELF"})  # pylint: disable=protected-access


def test_binary_of_a_real_executable_answers_like_its_bytes():
    with open(sys.executable, "rb") as f:
        data = f.read()
    summary = hostio.Host.binary(sys.executable)
    assert summary["exists"] is True and summary["size"] == os.path.getsize(sys.executable)
    assert hostio.summary_needed(summary) == elf.needed(data)
    strings = [s for s in summary["strings"] if s.startswith("/")]
    assert strings, "an ELF interpreter path at least"
    for s in strings[:50]:
        assert version.has_string(data, s) is hostio.summary_has(summary, s)
    assert hostio.summary_version(summary) == version.version_from_binary(data)


def test_binary_summary_edge_cases():
    data = (b"\x00/usr/lib/openssh/sshd-session\x00OpenSSH_9.2\x00junk OpenSSH_9.2p1 Debian\x00"
            b"\x01/not/after/nul\x00/run/sshd\x00")
    s = hostio.binary_summary(data)
    assert s["strings"] == ["/usr/lib/openssh/sshd-session", "OpenSSH_9.2", "junk OpenSSH_9.2p1 Debian", "/run/sshd"]
    assert hostio.summary_version(s) == version.version_from_binary(data) == ("9.2p1", (9, 2))
    assert hostio.summary_paths(s, "sshd-session") == version.paths_in_binary(data, "sshd-session")
    assert hostio.summary_has(s, "/run/sshd") and not hostio.summary_has(s, "/not/after/nul")
    assert version.has_string(data, "/not/after/nul") is False
    assert s["elf"]["ok"] is False and hostio.summary_needed(s) == []
    assert hostio.binary_summary(b"")["strings"] == [] and hostio.summary_version({}) == (None, None)
    # bounded: a file of nothing but paths gives at most MAX_STRINGS strings
    many = b"\x00" + b"\x00".join(b"/p/%d" % i for i in range(hostio.MAX_STRINGS + 100)) + b"\x00"
    assert len(hostio.binary_summary(many)["strings"]) == hostio.MAX_STRINGS


def test_binary_of_missing_and_unreadable(tmp_path):
    assert hostio.Host.binary(str(tmp_path / "none")) == {"exists": False, "size": None, "strings": [], "elf": None}
    d = hostio.Host.binary(str(tmp_path))
    assert d["exists"] is True and d["strings"] == [] and d.get("error")


def test_owner_names_come_from_this_machines_databases_and_unknown_ids_stay_numbers():
    host = hostio.Host(real_run)
    assert host.user_name(0) == pwd.getpwuid(0).pw_name and host.group_name(0) == grp.getgrgid(0).gr_name
    free = next(n for n in range(4000000, 4000100) if n not in {p.pw_uid for p in pwd.getpwall()}
                and n not in {g.gr_gid for g in grp.getgrall()})
    assert host.user_name(free) == str(free) and host.group_name(free) == str(free)
