# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The allowed import graph of the collection's Python code (DESIGN.md, "Data flows one way").

Host reads -> parsers -> checks -> facts: a parser never imports a host read or a check, a
check never imports a host read (it never runs a command) and a host read never imports a
check (it never decides).  The sshd_facts module only reads the host: its checks run in its action
on the controller, so their code is not shipped to (and compiled on) every target.  The client probe and the config editor stand beside them on the
parsers.  Target-side code (module_utils, modules) never imports controller code
(plugin_utils, filter and action plugins: report and remediation plan), which is not shipped
to targets.  Every module_utils file must be placed in a layer here, so a new file is placed
deliberately.
"""

import ast
from pathlib import Path

import pytest

PLUGINS = Path(__file__).resolve().parents[3] / "plugins"
PREFIX = "ansible_collections.sshd.doctor.plugins."

# module_utils/_sshd/<name>.py -> layer
LAYERS = {
    "hostio": "host_reads", "gather": "host_reads", "gather_wrappers": "host_reads",
    "config": "parsers", "hosts_access": "parsers", "latent": "parsers", "service": "parsers",
    "sockets": "parsers", "userauth": "parsers", "platform": "parsers", "crypto": "parsers",
    "elf": "parsers", "version": "parsers", "client_profiles": "parsers",
    "registry": "registry",
    "checks": "checks", "checks_auth": "checks", "checks_users": "checks", "finding": "checks",
    "probe": "client_probe", "client_probe": "client_probe",
    "edit": "config_edit", "staging": "config_edit", "option_backend": "config_edit",
    "facts_args": "arguments",
}
# layer -> the layers it may import (its own included where listed)
ALLOWED = {
    "parsers": {"parsers"},
    "registry": set(),
    "arguments": set(),
    "checks": {"checks", "parsers", "registry"},
    "host_reads": {"host_reads", "parsers"},
    "client_probe": {"client_probe", "parsers"},
    "config_edit": {"config_edit", "parsers"},
}
TARGET_SIDE = ("module_utils", "modules")
CONTROLLER = ("plugin_utils", "filter", "action")


def _imports(path):
    """The collection modules ``path`` imports, as ``kind.name`` (``module_utils.config``, ``plugin_utils.report``)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PREFIX):
            base = node.module[len(PREFIX):]
            names = [base + "." + alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name[len(PREFIX):] for alias in node.names if alias.name.startswith(PREFIX)]
        for name in names:
            parts = [p for p in name.split(".") if p != "_sshd"]
            # `from ..._sshd import config` names a module; `from ..._sshd.version import parse_version` a function
            if parts[0] == "module_utils" and len(parts) > 2 and parts[1] in LAYERS:
                parts = parts[:2]
            out.add(".".join(parts[:2]))
    return out


def graph():
    """``{"kind.name": {imported "kind.name"}}`` of every Python file under plugins/."""
    out = {}
    for path in sorted(PLUGINS.rglob("*.py")):
        rel = path.relative_to(PLUGINS)
        if path.name == "__init__.py":
            continue
        out[rel.parts[0] + "." + path.stem] = _imports(path)
    return out


def violations(edges):
    """Every import that breaks the rules, as ``"importer -> imported: why"``."""
    out = []
    for importer, imported in sorted(edges.items()):
        kind, name = importer.split(".", 1)
        for target in sorted(imported):
            tkind, tname = target.split(".", 1)
            if kind in TARGET_SIDE and tkind in CONTROLLER:
                out.append("%s -> %s: target-side code imports controller code" % (importer, target))
            elif importer == "modules.sshd_facts" and tkind == "module_utils" and LAYERS.get(tname) in ("checks", "registry"):
                out.append("%s -> %s: the module reads the host, its action runs the checks" % (importer, target))
            elif kind == "module_utils" and tkind == "modules":
                out.append("%s -> %s: module_utils imports a module" % (importer, target))
            elif kind == "module_utils" and tkind == "module_utils":
                layer, tlayer = LAYERS.get(name), LAYERS.get(tname)
                if layer is None or tlayer is None:
                    out.append("%s -> %s: a module_utils file in no layer (add it to LAYERS)" % (importer, target))
                elif tlayer not in ALLOWED[layer]:
                    out.append("%s -> %s: %s may not import %s" % (importer, target, layer, tlayer))
    return out


def test_every_module_utils_file_has_a_layer():
    files = {p.stem for p in (PLUGINS / "module_utils" / "_sshd").glob("*.py") if p.name != "__init__.py"}
    assert sorted(files - set(LAYERS)) == []
    assert sorted(set(LAYERS) - files) == []


def test_the_import_graph_follows_the_data_flow():
    edges = graph()
    assert len(edges) >= 30 and "module_utils.gather" in edges["modules.sshd_facts"]
    assert "module_utils.checks" in edges["action.sshd_facts"]
    assert violations(edges) == []


@pytest.mark.parametrize("importer, target, why", [
    ("module_utils.checks", "module_utils.gather", "checks may not import host_reads"),
    ("module_utils.gather", "module_utils.checks", "host_reads may not import checks"),
    ("module_utils.config", "module_utils.checks", "parsers may not import checks"),
    ("module_utils.probe", "module_utils.hostio", "client_probe may not import host_reads"),
    ("module_utils.checks", "plugin_utils.report", "target-side code imports controller code"),
    ("modules.sshd_facts", "plugin_utils.raw_collector", "target-side code imports controller code"),
    ("modules.ssh_probe", "filter.report", "target-side code imports controller code"),
    ("modules.sshd_facts", "module_utils.checks", "the module reads the host, its action runs the checks"),
    ("modules.sshd_facts", "module_utils.registry", "the module reads the host, its action runs the checks"),
    ("module_utils.config", "module_utils.brand_new", "in no layer"),
])
def test_a_forbidden_edge_is_named(importer, target, why):
    edges = graph()
    edges[importer] = set(edges[importer]) | {target}
    assert any(v.startswith("%s -> %s: " % (importer, target)) and why in v for v in violations(edges)), violations(edges)


def test_imports_are_read_from_the_source(tmp_path):
    path = tmp_path / "x.py"
    path.write_text("from ansible_collections.sshd.doctor.plugins.module_utils._sshd import config as c, edit\n"
                    "from ansible_collections.sshd.doctor.plugins.module_utils._sshd.version import parse_version\n"
                    "from ansible_collections.sshd.doctor.plugins.plugin_utils import report\n"
                    "import ansible_collections.sshd.doctor.plugins.filter.report\n")
    assert _imports(path) == {"module_utils.config", "module_utils.edit", "module_utils.version", "plugin_utils.report",
                              "filter.report"}
