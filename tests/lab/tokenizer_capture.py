"""Record how real sshd splits quoted and escaped arguments (the one tokenizer, config.split_args).

For each lab release, each case's configuration is written to a file and read by the
release's own ``sshd -T -f FILE`` in a throwaway container of the lab image
(``localhost/sshd-doctor-lab:RELEASE``; no network, nothing published).  The answer goes to
``tests/unit/fixtures/config/RELEASE/tokenizer.txt`` in the format of semantics.txt, which
tests/unit/plugins/module_utils/_sshd/test_config.py replays against the parser (and
test_edit.py against the editor).  About ten seconds:

    python3 tests/lab/tokenizer_capture.py [RELEASE ...]
"""

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "localhost/sshd-doctor-lab"
RELEASES = ("bullseye", "bookworm", "trixie")
MAIN = "/etc/ssh/t/main.conf"
KEYS = "allowusers,denyusers,allowgroups,acceptenv"

# name -> configuration text (backslashes and quotes as sshd reads them from the file)
CASES = {
    "escapes_outside_quotes": 'AllowUsers a\\\\b c\\ d e\\"f g\\\'h\n',
    "escapes_inside_quotes": 'AllowUsers "a\\"b" \'c\\\'d\' "e\\\\f" "g\\ h"\n',
    "quotes_glued_to_text": 'AllowUsers x"y z"w \'p q\'r "s"\'t\'\n',
    "other_backslashes_kept": 'AllowUsers a\\b \\x "c\\d"\n',
    "tabs_between_arguments": "AllowUsers\ta\t\tb \t c\n",
    "empty_quotes": 'AllowUsers a "" b\nDenyUsers \'\' z\n',
    "comment_after_escape": 'AllowUsers a\\ #b c\nDenyUsers "x #y" z # gone\n',
    "equals_and_quotes": 'AllowGroups="g 1" g2\nAcceptEnv = "LC_*" \'LANG\'\n',
    "trailing_backslash": "AllowUsers a b\\\n",
}


def capture(release, workdir):
    script = []
    for name in CASES:
        script.append(
            f"echo '@@@ case {name}'; echo '--- file {MAIN}'; cat /cases/{name}.conf; "
            f"echo '--- sshd -T keys={KEYS}'; cp /cases/{name}.conf {MAIN}; /usr/sbin/sshd -T -f {MAIN} > /tmp/out 2>&1; "
            f"echo rc=$?; grep -E '^({KEYS.replace(',', '|')}) |line [0-9]' /tmp/out || true")
    cmd = ["podman", "run", "--rm", "--network", "none", "-v", f"{workdir}:/cases:ro",
           f"{IMAGE}:{release}", "sh", "-c", "mkdir -p /run/sshd /etc/ssh/t; " + "; ".join(script)]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def main(argv):
    releases = argv or RELEASES
    with tempfile.TemporaryDirectory() as workdir:
        for name, text in CASES.items():
            Path(workdir, f"{name}.conf").write_text(text)
        for release in releases:
            out = ROOT / "tests" / "unit" / "fixtures" / "config" / release / "tokenizer.txt"
            out.write_text(capture(release, workdir).replace("\r\n", "\n"))
            print(f"{release}: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
