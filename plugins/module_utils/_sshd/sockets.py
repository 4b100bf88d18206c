# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Listening TCP sockets from /proc/net/tcp and /proc/net/tcp6 (no `ss` or `netstat` needed)."""

import socket
import struct

_LISTEN = "0A"


def _addr_v4(hexaddr):
    return socket.inet_ntop(socket.AF_INET, struct.pack("<I", int(hexaddr, 16)))


def _addr_v6(hexaddr):
    words = [int(hexaddr[i:i + 8], 16) for i in range(0, 32, 8)]
    return socket.inet_ntop(socket.AF_INET6, struct.pack("<4I", *words))


def parse_proc_net_tcp(text, family=4):
    """Listening sockets of one /proc/net/tcp{,6} table: [{address, port, inode, family}]."""
    out = []
    for line in (text or "").splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10 or fields[3] != _LISTEN:
            continue
        addr, _sep, port = fields[1].partition(":")
        try:
            address = _addr_v4(addr) if family == 4 else _addr_v6(addr)
            out.append({"address": address, "port": int(port, 16), "inode": int(fields[9]), "family": family})
        except (ValueError, OSError, struct.error):
            continue
    return out
