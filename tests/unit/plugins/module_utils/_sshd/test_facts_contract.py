# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/facts.md is the contract compliance consumers code against: every key the facts carry
on a real lab host is documented there, and every documented key appears on some real host.

The facts are derived at test time from the raw recordings of real lab hosts (make record),
through the module's own gather and checks, plus the keys the module adds itself."""

import json
import re
from pathlib import Path

import pytest
import yaml

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import checks, gather, hostio

ROOT = Path(__file__).resolve().parents[5]
DOC = ROOT / "docs" / "facts.md"
RECORDINGS = sorted((ROOT / "tests" / "unit" / "fixtures" / "recordings").glob("*/*.json"))
# what sshd_facts adds around gather.collect (plugins/modules/sshd_facts.py)
MODULE_KEYS = {"collector": "module", "clients": [], "elapsed_ms": 1, "timings": [{"command": "x", "ms": 1.0}]}
# what the raw collector adds instead (plugins/plugin_utils/raw_collector.py), for *.raw.json recordings
RAW_KEYS = {"collector": "raw", "raw_rounds": [{"asked": 1, "answered": 1, "bytes": 1}]}


def schema():
    block = re.search(r"```yaml\n(.*?)```", DOC.read_text(), re.S).group(1)
    return yaml.safe_load(block)


def walk(value, spec, path, undocumented, seen):
    """Collect keys of ``value`` the schema lacks, and the schema paths ``value`` exercises."""
    if isinstance(spec, list) and spec and isinstance(value, list):
        for item in value:
            walk(item, spec[0], path + "[]", undocumented, seen)
        return
    if not isinstance(spec, dict) or not isinstance(value, dict):
        return
    wild = next((k for k in spec if k.startswith("<")), None)
    for key, sub in value.items():
        name = key if key in spec else wild
        if name is None:
            undocumented.add(f"{path}.{key}")
            continue
        seen.add(f"{path}.{name}")
        walk(sub, spec[name], f"{path}.{name}", undocumented, seen)


def documented(spec, path=""):
    if isinstance(spec, list) and spec:
        yield from documented(spec[0], path + "[]")
    elif isinstance(spec, dict):
        for key, sub in spec.items():
            yield f"{path}.{key}"
            yield from documented(sub, f"{path}.{key}")


def facts(path):
    rec = json.loads(path.read_text())
    state = gather.collect(hostio.ReplayHost(rec), rec["meta"]["options"])
    state["findings"], state["checks"] = checks.run_checks(state)
    # the module (and the raw collector) say who read the host: the recording's own meta.euid
    state.update(MODULE_KEYS, euid=rec["meta"].get("euid"), recording=rec)
    if path.name.endswith(".raw.json"):
        state.update(RAW_KEYS)
    return state


@pytest.fixture(scope="module")
def walked():
    spec = schema()
    undocumented, seen = {}, set()
    for path in [p for p in RECORDINGS if not p.name.startswith("_")]:
        missing = set()
        walk(facts(path), spec, "", missing, seen)
        for key in missing:
            undocumented.setdefault(key, path.relative_to(ROOT).as_posix())
    return spec, undocumented, seen


def test_recordings_exist():
    assert len([p for p in RECORDINGS if not p.name.startswith("_")]) >= 3


def test_every_key_of_the_facts_is_documented(walked):
    _spec, undocumented, _seen = walked
    assert undocumented == {}, "keys missing from docs/facts.md (first recording that has each)"


def test_every_documented_key_appears_on_a_real_host(walked):
    spec, _undocumented, seen = walked
    assert sorted(set(documented(spec)) - seen) == []
