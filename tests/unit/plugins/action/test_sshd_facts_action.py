# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sshd_facts action: when does it fall back to the raw collector, and does its argument
spec stay the module's.  End to end (a host without python3): make raw-test."""

import json
from pathlib import Path

import pytest
import yaml

from ansible_collections.sshd.doctor.plugins.action import sshd_facts as action
from ansible_collections.sshd.doctor.plugins.modules import sshd_facts as module

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "raw"


def test_the_real_missing_interpreter_result_falls_back():
    # what ansible-core 2.19 returned for a lab host whose python3 was moved away
    result = json.loads((FIXTURES / "trixie-sshd_facts-module-without-python3.json").read_text())
    assert action.python_unusable(result) == "/bin/sh: 1: /usr/bin/python3: not found"


def test_the_real_python27_result_falls_back():
    # what ansible-core 2.19 returned for a lab host run with ansible_python_interpreter=/usr/bin/python2.7
    result = json.loads((FIXTURES / "bullseye-sshd_facts-module-python2.7.json").read_text())
    assert action.python_unusable(result) == "SyntaxError: invalid syntax"


@pytest.mark.parametrize("result", [
    {"failed": True, "rc": 1, "module_stderr": "  File \"<stdin>\", line 12\n    print(f\"{x=}\")\n"
                                               "SyntaxError: invalid syntax\n", "msg": "MODULE FAILURE"},
    {"failed": True, "rc": 127, "module_stdout": "/bin/sh: /usr/bin/python3: No such file or directory\n",
     "msg": "The module interpreter '/usr/bin/python3' was not found."},
    {"failed": True, "rc": 1, "module_stderr": "ImportError: No module named ansible_collections\n", "msg": "MODULE FAILURE"},
    {"failed": True, "rc": 126, "module_stdout": "sh: /usr/libexec/platform-python: Permission denied", "msg": "MODULE FAILURE"},
])
def test_unusable_python_falls_back(result):
    assert action.python_unusable(result)


@pytest.mark.parametrize("result", [
    {"changed": False, "ansible_facts": {"sshd": {"findings": []}}},
    {"failed": True, "msg": "Unsupported parameters for (sshd.doctor.sshd_facts) module: bogus"},
    {"failed": True, "rc": 1, "msg": "MODULE FAILURE", "module_stderr": "Traceback ...\nKeyError: 'port'\n"},
    {"failed": True, "unreachable": True, "msg": "Failed to connect to the host via ssh"},
])
def test_other_failures_do_not_fall_back(result):
    assert action.python_unusable(result) is None


def test_action_spec_is_the_module_spec():
    options = yaml.safe_load(module.DOCUMENTATION)["options"]
    assert set(options) == set(action.ARGUMENT_SPEC)
    for name, spec in action.ARGUMENT_SPEC.items():
        doc = options[name]
        assert doc["type"] == spec["type"], name
        assert doc.get("default") == spec.get("default"), name
        assert doc.get("choices") == spec.get("choices"), name
        assert doc.get("elements") == spec.get("elements"), name
        assert set(doc.get("suboptions") or {}) == set(spec.get("options") or {}), name


# report.probe_with: the diagnose role's probe, run in the host's own task (end to end against real
# closed ports with the controller's client: tests/unit/roles/test_diagnose_unreachable.py)

def test_probe_with_an_empty_host_is_not_probed_and_says_why():
    out = action.probe_in_process({"host": " ", "port": 22, "user": ""}, "containers.podman.podman")
    assert out["skipped"] is True
    assert "containers.podman.podman" in out["msg"] and "diagnose_probe_host" in out["msg"]


@pytest.mark.parametrize("options, words", [
    ({"host": "127.0.0.1", "port": "not-a-port"}, "port"),
    ({"host": "127.0.0.1", "operations": ["ssh", "telnet"]}, "telnet"),
    ({"host": "127.0.0.1", "bogus": 1}, "bogus"),
])
def test_probe_with_bad_options_is_a_probe_error_not_an_exception(options, words):
    out = action.probe_in_process(options)
    assert out["failed"] is True and words in out["msg"]


def test_probe_without_a_client_on_path_is_a_probe_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # a controller without OpenSSH's client
    out = action.probe_in_process({"host": "127.0.0.1", "port": 9, "timeout": 1})
    assert out == {"failed": True, "msg": "no OpenSSH client (ssh) on this host's PATH"}


def test_probe_runs_the_real_client_against_a_closed_port():
    import socket
    with socket.socket() as s:  # a port on 127.0.0.1 that nothing listens on once closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = action.probe_in_process({"host": "127.0.0.1", "port": port, "timeout": 2, "operations": ["tcp", "ssh"]})
    assert out.get("failed") is not True, out
    assert [s["name"] for s in out["stages"]] == ["tcp", "ssh"]
    assert out["stages"][0]["ok"] is False and out["target"]["port"] == port


# analyse: the module reads the host, the action runs the checks over its answer on the controller

RECORDINGS = Path(__file__).resolve().parents[2] / "fixtures" / "recordings"


def _module_result(name):
    """What the module returns for a real lab recording: gather only, as plugins/modules/sshd_facts.py runs it."""
    from ansible_collections.sshd.doctor.plugins.module_utils._sshd import gather, hostio  # pylint: disable=import-outside-toplevel
    rec = json.loads((RECORDINGS / name).read_text())
    state = gather.collect(hostio.ReplayHost(rec), rec["meta"]["options"])
    state.update(collector="module", clients=rec["meta"]["options"].get("clients") or [])
    return {"changed": False, "ansible_facts": {"sshd": state}}


@pytest.mark.parametrize("name, finding", [
    ("bookworm/sftp_subsystem_missing.json", "sftp_subsystem_missing"),
    ("trixie/privsep_dir_missing.json", "privsep_dir_missing"),
])
def test_the_action_adds_the_checks_findings(name, finding):
    result = action.analyse(_module_result(name))
    state = result["ansible_facts"]["sshd"]
    assert finding in [f["id"] for f in state["findings"]]
    assert "sftp_subsystem_missing" in state["checks"] and not result.get("failed")


def test_a_module_failure_is_left_as_it_is():
    result = {"failed": True, "msg": "Unsupported parameters for (sshd.doctor.sshd_facts) module: bogus"}
    assert action.analyse(dict(result)) == result


def test_a_check_that_breaks_on_the_state_fails_the_host_and_keeps_the_state():
    result = _module_result("bookworm/sftp_subsystem_missing.json")
    result["ansible_facts"]["sshd"]["service"] = "not a mapping"  # what no module writes: a check breaks on it
    out = action.analyse(result)
    assert out["failed"] is True and out["msg"].startswith("sshd_facts: the checks failed on this host's state (")
    assert out["ansible_facts"]["sshd"]["service"] == "not a mapping" and "findings" not in out["ansible_facts"]["sshd"]
