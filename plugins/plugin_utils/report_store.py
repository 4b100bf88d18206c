# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a run keeps the results of its hosts until the fleet report is built (controller only).

Each host's entry is appended to the run's journal (``<state>/runs/<run>.jsonl``) as the host
completes, under an exclusive lock; the fleet report is built from the journal, so it holds every
host of the run whatever the strategy (``linear``, ``free``), ``serial`` batches or the order in
which hosts finish. A small state file (``<run>.state.json``: entries written, entries of the last
build) lets every host of a ``free`` play ask "am I the last one?" in constant time.

    store = Store(state_dir, run_id)
    with store.locked():
        store.record(host, entry)            # a host completes
        store.entries()                      # {host: entry} of the run
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
import time

STATE_DIR = ".sshd-doctor"   # inside the report directory
_RUN_RE = re.compile(r"[^A-Za-z0-9._-]")


def run_id(play_uuid, pid=None):
    """An id that every worker of one ``ansible-playbook`` run shares for one play, and no other
    run does: the play's uuid (unique per process) and the pid of the controller process."""
    pid = os.getppid() if pid is None else pid
    return _RUN_RE.sub("_", f"{pid}-{play_uuid}")


def collection_version():
    """The version of this collection: MANIFEST.json when installed, galaxy.yml in a checkout."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        with open(os.path.join(root, "MANIFEST.json"), encoding="utf-8") as f:
            return str(json.load(f)["collection_info"]["version"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        with open(os.path.join(root, "galaxy.yml"), encoding="utf-8") as f:
            for line in f:
                if line.startswith("version:"):
                    return line.split(":", 1)[1].strip().strip("'\"")
    except OSError:
        pass
    return None


def default_state_dir(dest, run):
    """The state directory: inside the report directory, or a private temporary one when no report
    files are written."""
    if dest:
        return os.path.join(dest, STATE_DIR)
    return os.path.join(tempfile.gettempdir(), f"sshd-doctor-{os.getuid()}", run)


class Store:
    def __init__(self, state_dir, run):
        self.dir = os.path.join(state_dir, "runs")
        self.run = _RUN_RE.sub("_", run)
        self.journal = os.path.join(self.dir, self.run + ".jsonl")
        self.state_file = os.path.join(self.dir, self.run + ".state.json")
        self._lock = os.path.join(state_dir, "lock")

    @contextlib.contextmanager
    def locked(self):
        os.makedirs(self.dir, mode=0o755, exist_ok=True)
        fd = os.open(self._lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield self
        finally:
            os.close(fd)  # releases the lock

    def state(self):
        try:
            with open(self.state_file, encoding="utf-8") as f:
                state = json.load(f)
        except (OSError, ValueError):
            state = {}
        return {"written": int(state.get("written", 0)), "built": int(state.get("built", -1))}

    def _save(self, state):
        """Rewrite the state in place (callers hold the lock; a rename per host costs more than the write)."""
        fd = os.open(self.state_file, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            data = json.dumps(state).encode()
            os.write(fd, data)
            os.ftruncate(fd, len(data))
        finally:
            os.close(fd)

    def record(self, host, entry):
        """Append the host's entry (call under ``locked``); returns the number of entries written."""
        line = json.dumps({"host": host, "entry": entry}, ensure_ascii=False, separators=(",", ":"), default=str)
        with open(self.journal, "a", encoding="utf-8") as f:
            f.write(line + "\n")
        state = self.state()
        state["written"] += 1
        self._save(state)
        return state["written"]

    def mark_built(self):
        state = self.state()
        state["built"] = state["written"]
        self._save(state)

    def prune(self, max_age=86400, now=None):
        """Remove the journals of other runs older than ``max_age`` seconds (call under ``locked``)."""
        now = time.time() if now is None else now
        removed = []
        for name in os.listdir(self.dir):
            path = os.path.join(self.dir, name)
            if name.split(".", 1)[0] == self.run:
                continue
            try:
                if now - os.path.getmtime(path) > max_age:
                    os.unlink(path)
                    removed.append(name)
            except OSError:
                pass  # another controller pruned it first
        return removed

    def entries(self):
        """``{host: entry}`` of the run, the last entry of a host winning (call under ``locked``)."""
        out = {}
        try:
            with open(self.journal, encoding="utf-8") as f:
                for line in f:
                    try:
                        item = json.loads(line)
                    except ValueError:
                        continue  # a line cut by a crash; the host is then reported without a result
                    if isinstance(item, dict) and isinstance(item.get("entry"), dict):
                        out[str(item.get("host"))] = item["entry"]
        except FileNotFoundError:
            pass
        return out


def classify_missing(hosts_all, active, batch, entries):
    """The hosts of the play without an entry of this run: ``(left, not_run)``.

    ``left``: hosts that left the play before they reported (not in ``active``), or that are in the
    current batch without a result: failed.
    ``not_run``: host -> reason, for hosts this run has not diagnosed and that did not fail: in a
    ``serial`` batch that has not run yet.
    """
    active, batch = set(active), set(batch)
    left, not_run = [], {}
    for name in hosts_all:
        if name in entries:
            continue
        if name not in active or name in batch:
            left.append(name)
        else:
            not_run[name] = "not in this run yet: in a serial batch still to run"
    return left, not_run
