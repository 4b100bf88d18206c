# -*- coding: utf-8 -*-
"""Every inventory in docs/guides sets only variables its connection plugin reads.

The rescue guide once set ``nsenter_pid``, which community.docker.nsenter ignores (its variable
is ``ansible_nsenter_pid``, default 1): with any PID but 1 every task would have run in the
controller's own namespaces. Each YAML block of a guide that is an inventory (``all:`` at the
top) is parsed; for each host, every ``ansible_*`` variable must be one that the plugin named
by ``ansible_connection`` documents (its DOCUMENTATION options' ``vars``), or one that is not
a connection option (interpreter, become); and no variable may carry a plugin option's bare
name (``nsenter_pid``), which no plugin reads from the inventory.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

GUIDES = Path(__file__).resolve().parents[3] / "docs" / "guides"
BLOCK = re.compile(r"^```ya?ml\n(.*?)^```", re.MULTILINE | re.DOTALL)
# Read by Ansible itself or by the become and interpreter machinery, whatever the connection.
GENERAL = {"ansible_connection", "ansible_python_interpreter", "ansible_become", "ansible_become_user",
           "ansible_become_method", "ansible_become_password", "ansible_become_exe", "ansible_become_flags"}


def _inventories():
    for guide in sorted(GUIDES.glob("*.md")):
        for index, match in enumerate(BLOCK.finditer(guide.read_text())):
            data = yaml.safe_load(match.group(1))
            if isinstance(data, dict) and isinstance(data.get("all"), dict):
                yield pytest.param(data["all"], id=f"{guide.name}#{index}")


def _hosts(group, inherited=None):
    merged = dict(inherited or {}, **(group.get("vars") or {}))
    for name, host_vars in (group.get("hosts") or {}).items():
        yield name, dict(merged, **(host_vars or {}))
    for child in (group.get("children") or {}).values():
        yield from _hosts(child or {}, merged)


_OPTIONS = {}


def _options(plugin):
    """option name -> the variable names the plugin reads it from (``ansible-doc --json``).

    ansible-doc runs in a process of its own: loading plugins here would install Ansible's
    collection finder in the test process and break the other tests' imports.
    """
    if plugin not in _OPTIONS:
        exe = Path(sys.executable).with_name("ansible-doc")
        exe = str(exe) if exe.exists() else shutil.which("ansible-doc")
        assert exe, "ansible-doc not found"
        out = subprocess.run([exe, "-t", "connection", plugin, "--json"], capture_output=True, text=True,
                             check=False, timeout=120)
        assert out.returncode == 0, f"ansible-doc -t connection {plugin}: {out.stderr.strip()}"
        doc = json.loads(out.stdout)[plugin]["doc"]
        _OPTIONS[plugin] = {k: {v["name"] for v in (o.get("vars") or [])} for k, o in (doc.get("options") or {}).items()}
    return _OPTIONS[plugin]


GUIDE_INVENTORIES = list(_inventories())


def test_the_guides_have_inventories():
    names = {p.id.split("#")[0] for p in GUIDE_INVENTORIES}
    assert "rescue.md" in names


@pytest.mark.parametrize("inventory", GUIDE_INVENTORIES)
def test_inventory_variables_are_read_by_the_connection(inventory):
    for host, host_vars in _hosts(inventory):
        plugin = host_vars.get("ansible_connection", "ansible.builtin.ssh")
        plugin = {"ssh": "ansible.builtin.ssh", "local": "ansible.builtin.local"}.get(plugin, plugin)
        options = _options(plugin)
        read = set().union(*options.values()) if options else set()
        for name in host_vars:
            assert name not in options, (
                f"{host}: {name} is the name of an option of {plugin}, which reads it from "
                f"{sorted(options[name]) or 'no variable'}")
            if name.startswith("ansible_"):
                assert name in read or name in GENERAL, (
                    f"{host}: {plugin} does not read {name} (it reads {sorted(read)})")


def test_the_check_catches_the_old_nsenter_mistake():
    options = _options("community.docker.nsenter")
    assert "nsenter_pid" in options and options["nsenter_pid"] == {"ansible_nsenter_pid"}
    assert "ansible_host" not in set().union(*options.values())
