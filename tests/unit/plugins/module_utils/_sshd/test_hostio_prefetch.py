# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host.prefetch: commands started ahead in threads answer exactly what run() would have, and a
recording holds the run() calls only, in the order gather makes them (real commands of this
machine: sh, sleep; no mocks)."""

import os
import subprocess
import threading
import time

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import gather, hostio


def real_run(args):
    p = subprocess.run(args, capture_output=True, text=True, check=False)
    return p.returncode, p.stdout, p.stderr


def can_run(name):
    return os.access(name, os.X_OK) if "/" in name else any(
        os.access(os.path.join(d, name), os.X_OK) for d in os.environ.get("PATH", "").split(os.pathsep))


def test_prefetched_answer_is_the_command_answer():
    host = hostio.Host(real_run, can_run=can_run)
    cmd = ["sh", "-c", "echo out; echo err >&2; exit 3"]
    host.prefetch([cmd])
    assert host.run(cmd) == (3, "out\n", "err\n")
    # consumed: a second run runs the command again
    assert host.run(cmd) == (3, "out\n", "err\n")


def test_commands_run_concurrently():
    host = hostio.Host(real_run, can_run=can_run)
    cmds = [["sleep", "0.4"], ["sh", "-c", "sleep 0.4; echo b"], ["sh", "-c", "sleep 0.4; echo c"]]
    t0 = time.monotonic()
    host.prefetch(cmds)
    answers = [host.run(c) for c in cmds]
    elapsed = time.monotonic() - t0
    assert answers == [(0, "", ""), (0, "b\n", ""), (0, "c\n", "")]
    assert elapsed < 1.0, "three 0.4 s commands took %.2f s: not concurrent" % elapsed


def test_without_can_run_nothing_is_started_ahead():
    started = []

    def run(args):
        started.append(threading.current_thread().name)
        return 0, "", ""

    host = hostio.Host(run)
    host.prefetch([["true"]])
    assert not started
    host.run(["true"])
    assert started == [threading.current_thread().name]


def test_command_that_cannot_start_is_not_prefetched():
    calls = []

    def run(args):
        calls.append(list(args))
        return 127, "", ""

    host = hostio.Host(run, can_run=lambda name: False)
    host.prefetch([["/nonexistent/sshd", "-T"]])
    assert not calls


def test_error_in_the_thread_is_raised_by_run_in_the_caller():
    tries = []

    def run(args):
        tries.append(threading.current_thread().name)
        raise OSError("cannot start %s" % args[0])

    host = hostio.Host(run, can_run=lambda name: True)
    host.prefetch([["x"]])
    try:
        host.run(["x"])
    except OSError as exc:
        assert "cannot start x" in str(exc)
    else:
        raise AssertionError("run() did not raise")
    assert tries == ["prefetch", threading.current_thread().name]


def test_recording_holds_run_calls_only_in_gather_order():
    rec = hostio.RecordingHost(hostio.Host(real_run, can_run=can_run))
    a, b = ["sh", "-c", "sleep 0.2; echo a"], ["sh", "-c", "echo b"]
    rec.prefetch([a, b])
    assert rec.run(a) == (0, "a\n", "")
    assert rec.run(b) == (0, "b\n", "")
    calls = rec.recording()["calls"]
    assert [c["m"] for c in calls] == ["run", "run"]
    assert [c["a"][0] for c in calls] == [a, b]
    replay = hostio.ReplayHost(rec.recording())
    replay.prefetch([a, b])  # a hint: no ReplayMiss
    assert replay.run(b) == (0, "b\n", "")


def test_gather_commands_are_the_ones_prefetched():
    """The commands gather starts ahead are those it then runs (same argv): on a recording of a
    systemd host every prefetched command is asked for by run()."""
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[5]
    rec = json.loads((root / "tests/unit/fixtures/recordings/bookworm/healthy.json").read_text(encoding="utf-8"))

    class Spy(hostio.ReplayHost):
        def __init__(self, recording):
            super().__init__(recording)
            self.hinted, self.ran = [], []

        def prefetch(self, commands):
            self.hinted.extend(list(c) for c in commands)

        def __getattr__(self, name):
            inner = super().__getattr__(name)
            if name != "run":
                return inner

            def run(args):
                self.ran.append(list(args))
                return inner(args)
            return run

    spy = Spy(rec)
    gather.collect(spy, rec["meta"]["options"])
    assert spy.hinted, "gather started nothing ahead"
    assert all(h in spy.ran for h in spy.hinted), [h for h in spy.hinted if h not in spy.ran]
