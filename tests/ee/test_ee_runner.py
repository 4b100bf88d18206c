# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment as AWX/AAP runs it: ansible-runner starts the image built by
`make ee` (podman, host network) with a private data directory mounted at /runner, and the
diagnose playbook inside it reaches lab hosts on 127.0.0.1 over SSH and probes them with the
image's own OpenSSH clients (ssh, sftp, scp).

    make ee-test      # builds the image (make ee) and runs this; the result goes to ee/last-test.txt

Environment: EE_IMAGE (default localhost/sshd-doctor-ee:latest), EE_FLEET (lab fleet name,
default "ee"), SSHD_DOCTOR_LAB_PORT (the lab's first port).
"""

import datetime
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "tests" / "lab" / "lab.py"
IMAGE = os.environ.get("EE_IMAGE", "localhost/sshd-doctor-ee:latest")
FLEET = os.environ.get("EE_FLEET", "ee")
RESULT = ROOT / "ee" / "last-test.txt"


def runner():
    exe = Path(sys.executable).parent / "ansible-runner"
    return str(exe) if exe.exists() else shutil.which("ansible-runner")


@pytest.fixture(scope="module")
def fleet():
    if not runner():
        pytest.fail("ansible-runner is not installed (requirements-dev.txt)")
    if subprocess.run(["podman", "image", "exists", IMAGE], check=False).returncode:
        pytest.fail(f"no image {IMAGE}: run `make ee` first")
    subprocess.run([sys.executable, str(LAB), "up", FLEET, "bookworm:1,trixie:1"], check=True, timeout=600)
    subprocess.run([sys.executable, str(LAB), "inject", f"{FLEET}-trixie-1", "sftp_subsystem_missing"],
                   check=True, timeout=120)
    lab_dir = Path(os.environ.get("SSHD_DOCTOR_LAB_DIR", ROOT / ".lab"))
    yield yaml.safe_load((lab_dir / FLEET / "inventory.yml").read_text()), lab_dir
    subprocess.run([sys.executable, str(LAB), "down", FLEET], check=False, timeout=300)


def test_diagnose_inside_the_execution_environment(tmp_path, fleet):
    inventory, lab_dir = fleet
    pdd = tmp_path / "runner"
    for sub in ("inventory", "project", "env", "keys"):
        (pdd / sub).mkdir(parents=True)
    # the key goes in with the private data directory, as an AWX machine credential would
    key = pdd / "keys" / "lab_key"
    shutil.copy(inventory["all"]["vars"]["ansible_ssh_private_key_file"], key)
    key.chmod(0o600)
    inventory["all"]["vars"]["ansible_ssh_private_key_file"] = "/runner/keys/lab_key"
    inventory["all"]["vars"]["lab_key"] = "/runner/keys/lab_key"
    (pdd / "inventory" / "hosts.yml").write_text(yaml.safe_dump(inventory))
    (pdd / "project" / "diagnose.yml").write_text("---\n- name: Diagnose\n  ansible.builtin.import_playbook: sshd.doctor.diagnose\n")
    (pdd / "env" / "extravars").write_text(yaml.safe_dump({"diagnose_report_dir": "/runner/report", "diagnose_probe": True}))
    (pdd / "env" / "envvars").write_text(yaml.safe_dump({"ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_NOCOLOR": "1"}))
    # ansible-runner creates the artifacts on the host as the user running it (here root, with rootful
    # podman) with private modes, so the container runs as that user too; under rootless podman
    # ansible-runner maps the user itself (--userns=keep-id), as AWX does
    user = ["--container-option=--user=0"] if os.getuid() == 0 else []
    started = time.monotonic()
    res = subprocess.run([runner(), "run", str(pdd), "-p", "diagnose.yml", "--ident", "diagnose", "--process-isolation",
                          "--process-isolation-executable", "podman", "--container-image", IMAGE,
                          "--container-option=--network=host", *user],
                         capture_output=True, text=True, timeout=900, check=False)
    elapsed = time.monotonic() - started
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    fleet_json = json.loads((pdd / "report" / "fleet.json").read_text())
    hosts = fleet_json["hosts"]
    assert sorted(hosts) == sorted([f"{FLEET}-bookworm-1", f"{FLEET}-trixie-1"]), out
    assert hosts[f"{FLEET}-bookworm-1"]["status"] == "healthy", hosts
    trixie = hosts[f"{FLEET}-trixie-1"]
    assert [f["id"] for f in trixie["findings"]] == ["sftp_subsystem_missing"]
    # the image's own ssh, sftp and scp: passed on the healthy host, sftp refused on the broken one
    assert hosts[f"{FLEET}-bookworm-1"]["probe"]["status"] == "passed", hosts
    assert trixie["probe"]["status"] == "failed" and trixie["probe"]["first_failure"] == "sftp"
    assert "OpenSSH" in hosts[f"{FLEET}-bookworm-1"]["probe"]["client_version"] or \
        hosts[f"{FLEET}-bookworm-1"]["probe"]["client_version"]
    assert fleet_json["run"]["collection_version"]
    image_id = subprocess.run(["podman", "image", "inspect", "--format", "{{.Id}}", IMAGE],
                              capture_output=True, text=True, check=False).stdout.strip()[:12]
    RESULT.write_text(
        f"make ee-test: passed {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC\n"
        f"image {IMAGE} ({image_id}), ansible-runner --process-isolation (podman, --network=host"
        f"{', --user=0: rootful podman' if user else ''}), "
        f"ansible-core {fleet_json['run'].get('ansible_version')}, sshd.doctor {fleet_json['run']['collection_version']}\n"
        f"diagnose with the client probe against 2 lab hosts in {elapsed:.0f} s: {fleet_json['summary']['healthy']} healthy, "
        f"{fleet_json['summary']['failing']} failing ({', '.join(f['id'] for f in trixie['findings'])}), "
        f"probe client OpenSSH {hosts[f'{FLEET}-bookworm-1']['probe']['client_version']}\n")
