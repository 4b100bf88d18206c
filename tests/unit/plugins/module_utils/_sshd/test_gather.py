# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""gather.gather_runtime: which sshd_config the daemon really reads (unit -f, vendor path, compiled-in)."""

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import gather


class _Files:
    """Only the two reads gather_runtime makes besides the unit: files that exist, and their text."""

    def __init__(self, files):
        self.files = files

    def exists(self, path):
        return path in self.files

    def read_text(self, path, limit=1 << 20):
        return self.files.get(path)


SUSE_SSHD = {"strings": ["/etc/ssh/sshd_config", "/usr/etc/ssh/sshd_config"]}
DEBIAN_SSHD = {"strings": ["/etc/ssh/sshd_config"]}


@pytest.mark.parametrize("binary, files, option, expected", [
    (DEBIAN_SSHD, {"/etc/ssh/sshd_config": ""}, None, ("/etc/ssh/sshd_config", "binary")),
    (DEBIAN_SSHD, {"/etc/ssh/sshd_config": ""}, "/x", ("/x", "option")),
    # SUSE's sshd reads its vendor file while the admin has none in /etc
    (SUSE_SSHD, {"/usr/etc/ssh/sshd_config": ""}, None, ("/usr/etc/ssh/sshd_config", "vendor")),
    (SUSE_SSHD, {"/usr/etc/ssh/sshd_config": "", "/etc/ssh/sshd_config": ""}, None, ("/etc/ssh/sshd_config", "binary")),
    # an sshd without the vendor path never reads /usr/etc (it would fail to start)
    (DEBIAN_SSHD, {"/usr/etc/ssh/sshd_config": ""}, None, ("/etc/ssh/sshd_config", "binary")),
    ({"strings": []}, {}, None, ("/etc/ssh/sshd_config", "default")),
])
def test_config_path_resolution(binary, files, option, expected):
    got = gather.gather_runtime(_Files(files), {"init": "unknown"}, "/usr/sbin/sshd", binary, option)
    assert (got["config_path"], got["config_path_source"]) == expected


def test_unit_dash_f_wins_over_the_compiled_path():
    host = _Files({"/etc/default/ssh": 'SSHD_OPTS="-f /etc/ssh/alt_config -o LogLevel=VERBOSE"\n'})
    svc = {"init": "systemd", "unit": "ssh.service", "exec_start": ["/usr/sbin/sshd", "-D", "$SSHD_OPTS"],
           "environment_files": [{"path": "/etc/default/ssh", "optional": True}], "environment": {}}
    got = gather.gather_runtime(host, svc, "/usr/sbin/sshd", DEBIAN_SSHD)
    assert (got["config_path"], got["config_path_source"]) == ("/etc/ssh/alt_config", "ssh.service ExecStart -f")
    assert got["options"] == ["LogLevel=VERBOSE"]
