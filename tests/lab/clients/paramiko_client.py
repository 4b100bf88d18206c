# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real paramiko client for the lab's client matrix: HOST PORT USER KEYFILE; runs `true`.

Exit 0 when the command ran, 1 with the library's error on stderr otherwise.  Defaults
untouched: what the installed paramiko offers is what the server sees.
"""
import sys

import paramiko


def main(host, port, user, key):
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    try:
        client.connect(host, int(port), username=user, key_filename=key, look_for_keys=False,
                       allow_agent=False, timeout=20, banner_timeout=20, auth_timeout=20)
        _in, out, _err = client.exec_command("true")
        rc = out.channel.recv_exit_status()
    except Exception as exc:  # noqa: BLE001 - the client's own error is the observation
        sys.stderr.write("paramiko %s: %s: %s\n" % (paramiko.__version__, type(exc).__name__, exc))
        return 1
    finally:
        client.close()
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
