# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The raw sh collector answers exactly what the Python Host answers, on the same files, under
dash and busybox ash (with and without stat, base64 and readlink), and hostile names never run.

The lab test (make raw-test) proves it end to end on real hosts without python3.
"""

import os
import shutil
import subprocess
import sys

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import hostio
from ansible_collections.sshd.doctor.plugins.plugin_utils import raw_collector

BUSYBOX = shutil.which("busybox")
DASH = shutil.which("dash")
HOSTILE = ["a b", "it's", "$(touch PWNED)", "`touch PWNED2`", "-rf", "new\nline", "ünï", ";touch PWNED3;"]
APPLETS = ("sh", "stat", "head", "base64", "od", "tr", "ls", "readlink", "mktemp", "rm", "mkdir", "cut", "awk",
           "id", "printf", "dd", "cat", "true", "false", "sleep")


def tree(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    for name in HOSTILE:
        (root / name).write_text("text of %r\n" % name)
    (root / "exe").write_text("#!/bin/sh\n")
    os.chmod(root / "exe", 0o4755)
    (root / "sub").mkdir()
    (root / "sub" / ".hidden").write_text("")
    (root / "sub" / "..dots").write_text("")
    os.symlink("exe", root / "link")
    os.symlink("/nonexistent/target with space", root / "broken")
    (root / "bin.dat").write_bytes(bytes(range(256)) * 3)
    (root / "big").write_text("x" * 5000)
    return root


def calls(root):
    r = str(root)
    out = []
    for name in HOSTILE + ["exe", "link", "broken", "missing", "sub", "bin.dat"]:
        p = os.path.join(r, name)
        out += [("read_text", [p, 1 << 20]), ("stat", [p, True]), ("stat", [p, False]), ("exists", [p]),
                ("readlink", [p])]
    out += [("read_text", [r + "/big", 100]), ("exists", [r + "/big"]),
            ("listdir", [r]), ("listdir", [r + "/sub"]), ("listdir", [r + "/missing"]),
            ("glob", [r + "/*"]), ("glob", [r + "/$(touch PWNED)*"]), ("glob", [r + "/`touch PWNED2`"]),
            ("glob", [r + "/sub/*"]), ("glob", [r + "/nothing*"]), ("glob", [r + "/[ae]*"]),
            ("user_name", [0]), ("group_name", [0]), ("user_name", [4242424]), ("group_name", [4242424]),
            ("run", [["printf", "%s|%s", "a b", "$(touch PWNED4)"]]), ("run", [["sh", "-c", "echo err >&2; exit 3"]]),
            ("binary", [sys.executable]), ("binary", [r + "/missing"]), ("binary", [r + "/bin.dat"])]
    return out


def python_answer(method, args):
    if method == "run":
        res = subprocess.run(args[0], capture_output=True, text=True, check=False)
        return [res.returncode, res.stdout, res.stderr]
    value = getattr(hostio.Host, method)(*args)
    return value if isinstance(value, bytes) else hostio._plain(value)  # pylint: disable=protected-access


def shells(tmp_path):
    """(label, argv prefix, env) of every sh available, busybox with fewer and fewer tools."""
    out = []
    if DASH:
        out.append(("dash", [DASH, "-c"], dict(os.environ, PATH="/usr/bin:/bin")))
    if BUSYBOX:
        # busybox sh runs its own applets first, whatever PATH says: the fallbacks (od for
        # base64, ls for stat and readlink) are tested under dash with busybox's tools minus those
        for label, drop in (("busybox", ()), ("dash+busybox-tools-no-base64-stat-readlink", ("base64", "stat", "readlink"))):
            d = tmp_path / label
            d.mkdir()
            for applet in APPLETS:
                if applet not in drop:
                    os.symlink(BUSYBOX, d / applet)
            prefix = [BUSYBOX, "sh", "-c"] if label == "busybox" else [DASH or "/bin/sh", "-c"]
            out.append((label, prefix, {"PATH": str(d)}))
    return out


def raw_answers(prefix, env, todo):
    def execute(script):
        res = subprocess.run(prefix + [script], capture_output=True, text=True, env=env, check=False,
                             cwd="/", timeout=60)
        return res.returncode, res.stdout, res.stderr
    host = raw_collector.RawHost(execute)
    host.ask(todo)
    return host


@pytest.mark.skipif(not (DASH or BUSYBOX), reason="neither dash nor busybox on this machine")
def test_raw_answers_equal_python_answers_under_every_shell(tmp_path):
    root = tree(tmp_path)
    todo = calls(root)
    expected = {hostio.call_key(m, a): python_answer(m, a) for m, a in todo}
    tested = []
    for label, prefix, env in shells(tmp_path):
        host = raw_answers(prefix, env, todo)
        assert host.unanswered == [], (label, host.unanswered)
        for m, a in todo:
            got = getattr(host, m)(*a)
            want = expected[hostio.call_key(m, a)]
            if m == "run":
                got = list(got)
            if m == "stat" and want and "no-base64-stat" in label:
                # `ls -ldn` has no seconds: the fallback says mtime 0
                want = dict(want, mtime=0)
            if m == "binary" and want.get("exists"):
                assert got == dict(want, size=want["size"]), (label, m, a)
                continue
            if isinstance(want, str) and not isinstance(got, str):
                got = got.decode() if isinstance(got, bytes) else got
            if m == "listdir":
                # os.listdir is in directory order, the shell's glob is sorted: the same names
                got, want = sorted(got), sorted(want)
            assert got == want, (label, m, a)
        tested.append(label)
    assert not any((root / n).exists() for n in ("PWNED", "PWNED2", "PWNED3", "PWNED4"))
    assert not any(p.name.startswith("PWNED") for p in tmp_path.rglob("*"))
    assert tested


def test_snippet_quotes_every_argument():
    text = raw_collector.snippet(0, "read_text", ["/x/'; touch /tmp/PWNED; '", 10])
    assert "'\"'\"'" in text and "touch /tmp/PWNED" in text.split("p=", 1)[1].split("\n", 1)[0]
    # a relative path never reads as an option
    assert raw_collector.snippet(1, "stat", ["-rf", True]).split("\n", 1)[0] == "p=./-rf"
    assert raw_collector.snippet(2, "lookup_more", ["x"]) is None


def test_unknown_methods_stay_unanswered_and_are_reported():
    def execute(script):
        res = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=False)
        return res.returncode, res.stdout, res.stderr
    host = raw_collector.RawHost(execute)
    host.ask([("exists", ["/"]), ("future_method", ["x"])])
    assert host.exists("/") is True
    assert host.unanswered == [("future_method", ["x"])]


def test_a_collector_that_did_not_complete_is_an_error():
    with pytest.raises(raw_collector.RawCollectorError, match="did not complete.*boom"):
        raw_collector.RawHost(lambda script: (1, "", "boom")).ask([("exists", ["/"])])


def test_noise_around_the_answers_is_ignored():
    out = "motd line\nSSHDDOC c0 bool 1\nBECOME-SUCCESS-x\nSSHDDOC done end 0\n"
    host = raw_collector.RawHost(lambda script: (0, out, ""))
    host.ask([("exists", ["/etc"])])
    assert host.exists("/etc") is True


def test_ls_mode_parser():
    import stat  # pylint: disable=import-outside-toplevel
    assert raw_collector._ls_mode("-rwsr-xr-x") == stat.S_IFREG | 0o4755  # pylint: disable=protected-access
    assert raw_collector._ls_mode("drwxrwxrwt") == stat.S_IFDIR | 0o1777  # pylint: disable=protected-access
    assert raw_collector._ls_mode("-rwSr--r--") == stat.S_IFREG | 0o4644  # pylint: disable=protected-access
    assert raw_collector._ls_mode("lrwxrwxrwx") == stat.S_IFLNK | 0o777  # pylint: disable=protected-access
