# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection tarball holds only what runs or documents the collection."""

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED_TOP = {"MANIFEST.json", "FILES.json", "README.md", "plugins", "roles", "playbooks", "meta", "docs",
               "changelogs"}


def test_tarball_is_lean(tmp_path):
    galaxy = shutil.which("ansible-galaxy") or str(Path(sys.executable).parent / "ansible-galaxy")
    # the diagnose role's default report directory, left by a run in the checkout, is not packaged
    report = ROOT / "sshd-doctor-report" / "fleet.json"
    created = [] if report.exists() else [report]
    for p in created:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("{}")
    try:
        res = subprocess.run([galaxy, "collection", "build", "--force", "--output-path", str(tmp_path), str(ROOT)],
                             capture_output=True, text=True, check=False)
    finally:
        for p in created:
            p.unlink()
            if not any(p.parent.iterdir()):
                p.parent.rmdir()
    assert res.returncode == 0, res.stderr
    (tarball,) = tmp_path.glob("sshd-doctor-*.tar.gz")
    with tarfile.open(tarball) as tar:
        names = [m.name for m in tar.getmembers() if m.isfile()]
    tops = {n.split("/", 1)[0] for n in names}
    assert tops <= ALLOWED_TOP, sorted(tops - ALLOWED_TOP)
    assert [n for n in names if n.startswith("docs/") and not n.endswith(".md")] == []
    assert [n for n in names if "__pycache__" in n or n.endswith(".pyc")] == []
    assert "plugins/modules/sshd_facts.py" in names
    assert tarball.stat().st_size < 400_000
