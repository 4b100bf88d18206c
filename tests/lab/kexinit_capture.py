# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capture what a real SSH client offers: its banner and its first KEXINIT packet.

A listening socket on 127.0.0.1 plays an SSH server just long enough for the client to send
its version line and its (unencrypted) SSH_MSG_KEXINIT, then closes.  The name-lists in that
packet are the client's real default offers (kex, host key, cipher, MAC), which is what
plugins/module_utils/_sshd/client_profiles.py records for the clients the lab can run.

    kexinit_capture.py PORT -- CLIENT ARGV...   run the client against 127.0.0.1:PORT, print JSON

The client argv may contain {port}; it is replaced by PORT.
"""

import json
import socket
import struct
import subprocess
import sys
import threading

NAMES = ("kex", "hostkey", "ciphers_c2s", "ciphers_s2c", "macs_c2s", "macs_s2c",
         "compression_c2s", "compression_s2c")


def _read_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise EOFError("client closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def parse_kexinit(payload):
    """The name-lists of an SSH_MSG_KEXINIT payload (message byte 20 first)."""
    if not payload or payload[0] != 20:
        raise ValueError("not a KEXINIT packet (message %r)" % (payload[:1],))
    pos = 17
    out = {}
    for name in NAMES + ("lang_c2s", "lang_s2c"):
        (length,) = struct.unpack(">I", payload[pos:pos + 4])
        pos += 4
        out[name] = [x for x in payload[pos:pos + length].decode("ascii").split(",") if x]
        pos += length
    return {k: out[k] for k in NAMES}


def serve_once(sock):
    conn, _addr = sock.accept()
    conn.settimeout(20)
    try:
        conn.sendall(b"SSH-2.0-OpenSSH_9.9 kexinit-capture\r\n")
        banner = b""
        while True:
            line = b""
            while not line.endswith(b"\n"):
                line += _read_exact(conn, 1)
            if line.startswith(b"SSH-"):
                banner = line.strip()
                break
        (length,) = struct.unpack(">I", _read_exact(conn, 4))
        body = _read_exact(conn, length)
        pad = body[0]
        offer = parse_kexinit(body[1:length - pad])
        offer["banner"] = banner.decode("ascii", "replace")
        return offer
    finally:
        conn.close()


def capture(port, argv, timeout=60):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1)
    sock.settimeout(timeout)
    result = {}

    def server():
        try:
            result.update(serve_once(sock))
        except (OSError, EOFError, ValueError) as exc:
            result["error"] = str(exc)

    t = threading.Thread(target=server)
    t.start()
    argv = [a.replace("{port}", str(port)) for a in argv]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t.join(timeout)
    sock.close()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return result


def main(argv):
    if len(argv) < 3 or "--" not in argv:
        sys.exit(__doc__)
    split = argv.index("--")
    port = int(argv[0])
    print(json.dumps(capture(port, argv[split + 1:]), indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
