# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sockets: /proc/net/tcp and tcp6 captured on the lab's bookworm host."""

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import sockets


def test_proc_net_tcp_real_output(fixture_text):
    v4 = sockets.parse_proc_net_tcp(fixture_text("raw", "bookworm-proc-net-tcp.txt"), 4)
    v6 = sockets.parse_proc_net_tcp(fixture_text("raw", "bookworm-proc-net-tcp6.txt"), 6)
    assert {"address": "0.0.0.0", "port": 22} in [{k: s[k] for k in ("address", "port")} for s in v4]
    assert {"address": "::", "port": 22} in [{k: s[k] for k in ("address", "port")} for s in v6]
    assert all(s["inode"] > 0 for s in v4 + v6)
    assert sockets.parse_proc_net_tcp("header\ngarbage line\n") == []
