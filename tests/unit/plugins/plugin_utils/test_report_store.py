# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run's journal: what the fleet report is built from (the role's runs are in tests/unit/roles)."""

import json
import multiprocessing
import os

from ansible_collections.sshd.doctor.plugins.plugin_utils import report_store


def _record(args):
    state_dir, run, name = args
    store = report_store.Store(state_dir, run)
    with store.locked():
        store.record(name, {"status": "healthy", "name": name, "pad": "x" * 20000})


def test_concurrent_hosts_all_land_in_the_journal(tmp_path):
    """Forked workers record at once (as under the free strategy): every line whole, every host counted."""
    names = [f"h{i}" for i in range(60)]
    with multiprocessing.get_context("fork").Pool(8) as pool:
        pool.map(_record, [(str(tmp_path), "run-1", n) for n in names])
    store = report_store.Store(str(tmp_path), "run-1")
    with store.locked():
        entries = store.entries()
        assert sorted(entries) == sorted(names) and all(e["name"] == n for n, e in entries.items())
        assert store.state() == {"written": 60, "built": -1}
        store.mark_built()
        assert store.state() == {"written": 60, "built": 60}
    # another run of the same directory has a journal of its own
    other = report_store.Store(str(tmp_path), "run-2")
    with other.locked():
        assert other.entries() == {} and other.state()["written"] == 0


def test_a_cut_line_is_skipped_not_fatal(tmp_path):
    store = report_store.Store(str(tmp_path), "r")
    with store.locked():
        store.record("a", {"status": "healthy"})
    with open(store.journal, "a", encoding="utf-8") as f:
        f.write('{"host": "b", "entry": {"sta')
    with store.locked():
        assert list(store.entries()) == ["a"]


def test_classify_missing():
    left, not_run = report_store.classify_missing(
        hosts_all=["a", "b", "c", "d", "e"], active=["a", "c", "d", "e"], batch=["c", "d"], entries={"a": {}, "c": {}})
    assert left == ["b", "d"]  # b left the play; d is in this batch without a result
    assert not_run == {"e": "not in this run yet: in a serial batch still to run"}


def test_run_id_is_file_safe_and_per_process():
    assert report_store.run_id("0a/b c", pid=42) == "42-0a_b_c"
    assert report_store.run_id("u") != report_store.run_id("u", pid=1)
    assert json.loads(json.dumps(report_store.run_id("u")))


def test_prune_keeps_this_run_and_recent_ones(tmp_path):
    old, recent, this = (report_store.Store(str(tmp_path), r) for r in ("old-run", "recent-run", "this-run"))
    for store in (old, recent, this):
        with store.locked():
            store.record("a", {"status": "healthy"})
    past = os.path.getmtime(this.journal) - 2 * 86400
    for path in (old.journal, old.state_file, this.journal):
        os.utime(path, (past, past))
    with this.locked():
        assert sorted(this.prune()) == ["old-run.jsonl", "old-run.state.json"]
    assert sorted(os.listdir(this.dir)) == ["recent-run.jsonl", "recent-run.state.json", "this-run.jsonl",
                                            "this-run.state.json"]
