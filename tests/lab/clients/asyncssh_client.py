# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real AsyncSSH client for the lab's client matrix: HOST PORT USER KEYFILE; runs `true`."""
import asyncio
import sys

import asyncssh


async def run(host, port, user, key):
    async with asyncssh.connect(host, int(port), username=user, client_keys=[key], known_hosts=None,
                                agent_path=None, login_timeout=20) as conn:
        result = await conn.run("true")
        return result.exit_status


def main(host, port, user, key):
    try:
        rc = asyncio.run(run(host, port, user, key))
    except Exception as exc:  # noqa: BLE001 - the client's own error is the observation
        sys.stderr.write("asyncssh %s: %s: %s\n" % (asyncssh.__version__, type(exc).__name__, exc))
        return 1
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
