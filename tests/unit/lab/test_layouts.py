# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's layouts (tests/lab/layouts.py): fault scripts in each layout's terms, recipes, inventories."""

import re
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "lab"))
import lab  # noqa: E402  pylint: disable=wrong-import-position,import-error
import layouts  # noqa: E402  pylint: disable=wrong-import-position,import-error

DEBIAN_SERVICE = re.compile(r"systemctl (?:reload|restart|start|stop) ssh(?:$|[ \n])", re.M)


@pytest.mark.parametrize("fault", sorted(lab.FAULTS))
def test_debian_scripts_are_unchanged(fault):
    assert layouts.fault_script(fault, None, lab.FAULTS) == lab.FAULTS[fault][1]


@pytest.mark.parametrize("fault", sorted(f for f in lab.FAULTS if "rhel" not in layouts.NOT_ON.get(f, ())))
def test_rhel_scripts_name_rhel_paths(fault):
    script = layouts.fault_script(fault, "rhel", lab.FAULTS)
    assert not DEBIAN_SERVICE.search(script), script
    assert "/run/sshd" not in script and "ssh.service.d" not in script, script
    # what the Debian script did to the service, the RHEL script does to sshd.service
    for verb in ("reload", "restart", "start", "stop"):
        assert lab.FAULTS[fault][1].count(f"systemctl {verb} ssh") == script.count(f"systemctl {verb} sshd"), script


def test_rhel_script_examples():
    assert layouts.fault_script("privsep_dir_missing", "rhel", lab.FAULTS) == "rm -rf /var/empty/sshd"
    assert layouts.fault_script("sftp_subsystem_missing", "rhel", lab.FAULTS).endswith("\nsystemctl reload sshd")
    failed = layouts.fault_script("privsep_dir_missing_failed", "rhel", lab.FAULTS)
    assert "/etc/systemd/system/sshd.service.d/50-no-runtime-dir.conf" in failed
    assert "systemctl stop sshd\nrm -rf /var/empty/sshd\nsystemctl start sshd || true" in failed
    # /usr/libexec/openssh/sftp-server is the real one on RHEL: the fault points at Debian's path
    server = layouts.fault_script("sftp_server_missing", "rhel", lab.FAULTS)
    assert "Subsystem sftp /usr/lib/openssh/sftp-server|I'" in server


def test_socket_script_examples():
    assert layouts.fault_script("service_inactive", "trixie-socket", lab.FAULTS) == "systemctl stop ssh.socket ssh.service"
    assert layouts.fault_script("sftp_subsystem_missing", "trixie-socket", lab.FAULTS).endswith(
        "\nsystemctl try-restart ssh.service")
    conflict = layouts.fault_script("port_conflict", "trixie-socket", lab.FAULTS)
    assert conflict.startswith("systemctl stop ssh.socket ssh.service\n")
    assert conflict.endswith("\nsystemctl start ssh.socket || true")
    # a restart of the service is the same under a socket
    assert layouts.fault_script("host_keys_missing", "trixie-socket", lab.FAULTS) == lab.FAULTS["host_keys_missing"][1]


@pytest.mark.parametrize("layout", [None, "rhel"])
def test_layout_only_fault_is_refused_elsewhere(layout):
    with pytest.raises(SystemExit, match="applies to the trixie-socket layout only"):
        layouts.fault_script("socket_port_mismatch", layout, lab.FAULTS)


def test_fault_without_its_unit_is_refused_on_rhel():
    with pytest.raises(SystemExit, match="cannot be injected on the rhel layout"):
        layouts.fault_script("socket_activation_mismatch", "rhel", lab.FAULTS)


def test_unknown_fault_is_refused():
    with pytest.raises(SystemExit, match="unknown fault 'nope'"):
        layouts.fault_script("nope", "rhel", lab.FAULTS)


def test_recipe_follows_base_and_files(monkeypatch):
    first = layouts.recipe_hash("rhel", "aaa")
    assert first == layouts.recipe_hash("rhel", "aaa")
    assert first != layouts.recipe_hash("rhel", "bbb")
    files = dict(layouts.LAYOUTS["rhel"]["files"])
    files["rootfs/etc/sysconfig/sshd"] += "OPTIONS=-p2222\n"
    monkeypatch.setitem(layouts.LAYOUTS["rhel"], "files", files)
    assert layouts.recipe_hash("rhel", "aaa") != first


def test_rhel_containerfile_has_rhel_configure_paths():
    text = layouts.containerfile("rhel")
    assert "FROM localhost/sshd-doctor-lab:bookworm AS build" in text
    for flag in ("--with-privsep-path=/var/empty/sshd", "--libexecdir=/usr/libexec/openssh", "--sysconfdir=/etc/ssh",
                 "--with-pid-dir=/run", "--with-privsep-user=sshd", "--with-pam"):
        assert flag in text
    assert '*" ${p%.patch} "*' in text and " user-group-modes " in text
    assert "tcp-wrappers" not in layouts.RHEL_CONFIGURE


def test_every_spec_name_is_accepted():
    assert lab.parse_spec("rhel:2,trixie-socket,bookworm:1") == [("rhel", 2), ("trixie-socket", 1), ("bookworm", 1)]
    assert lab.version("rhel") == "9.2p1" and lab.version("trixie") == "10.0p2"
    with pytest.raises(SystemExit, match="unknown release 'centos'"):
        lab.parse_spec("centos:1")


def test_inventory_groups_are_valid_names(tmp_path, monkeypatch):
    monkeypatch.setattr(lab, "LAB_DIR", tmp_path)
    (tmp_path / "f").mkdir()
    hosts = [{"name": "f-trixie-socket-1", "release": "trixie-socket", "port": 1, "container": "c1"},
             {"name": "f-rhel-1", "release": "rhel", "port": 2, "container": "c2"}]
    lab.write_inventory("f", hosts)
    for name in ("inventory.yml", "inventory-podman.yml"):
        inv = yaml.safe_load((tmp_path / "f" / name).read_text())
        children = inv["all"]["children"]
        assert sorted(children) == ["rhel", "trixie_socket"]
        assert children["trixie_socket"]["hosts"]["f-trixie-socket-1"]["lab_release"] == "trixie-socket"


def test_matrix_rewrite_keeps_the_layout_sections(tmp_path):
    page = tmp_path / "lab.md"
    assert layouts.doc_tail(page) == ""
    page.write_text("# generated\n\nold table\n")
    assert layouts.doc_tail(page) == ""
    page.write_text(f"# generated\n\nold table\n\n{layouts.DOC_MARK}\n\n## Layout rhel\n\nkept\n")
    assert layouts.doc_tail(page) == f"\n{layouts.DOC_MARK}\n\n## Layout rhel\n\nkept\n"
