#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sshd.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: sshd_option
short_description: Set or remove one sshd_config keyword where sshd will honour it, validated with sshd -t
version_added: "0.1.0"
description:
  - Reads the main sshd configuration and every file it includes with the collection's own parser (Include in
    sshd's order, Match blocks, first obtained value wins, file and line of every entry) and changes one keyword
    where the value takes effect.
  - When a line already gives the keyword its value (the first one sshd reads, whether in the main file or in a
    drop-in that an C(Include) pulls in earlier), that line is rewritten in place; its indentation, keyword
    spelling, separators and trailing comment stay. Later lines that never take effect are left alone and
    returned as RV(shadowed).
  - When no line sets the keyword, one line is added to the global section of the main file, after the
    commented-out default (for example C(#PermitRootLogin prohibit-password)) when there is one before the first
    C(Match), otherwise just before the first C(Match) block (and the comment lines right above it), otherwise at
    the end of the file. A line is never added inside or after a C(Match) block.
  - C(Subsystem) is handled per subsystem name (O(value) is C(NAME COMMAND [ARGS])); a definition that exists is
    rewritten, a second one is never added. Lines inside C(Match) blocks are never touched, only reported
    (RV(in_match)).
  - Keywords that accumulate (C(Port), C(ListenAddress), C(HostKey), C(AcceptEnv), C(AllowUsers) and the other
    access lists) get O(value) as one more line next to the existing ones, unless a line with exactly that value
    exists already.
  - With O(state=absent), every line that applies at start-up is removed (only those with exactly O(value) when
    it is given; for C(Subsystem), O(value) names the subsystem).
  - The candidate is checked with C(sshd -t -f) before it replaces the live file. A temporary copy of every
    changed file is written next to it (a hidden name, so no C(Include) glob picks it up); when a drop-in changes,
    the main file and every file whose C(Include) leads to it are staged as temporary copies too, with those
    C(Include) lines replaced by the explicit list of files they expand to (same order, staged copies in place of
    the live ones), so C(sshd -t) reads exactly the configuration that the change would produce. The temporary
    files are removed before the module returns. A rejected candidate leaves every file byte-identical.
  - Files are read and written as bytes, so bytes that are not UTF-8 survive; a CRLF line stays CRLF.
    The live file is replaced atomically, keeping its mode, owner and SELinux context.
author:
  - sshd.doctor contributors (@sshd-doctor)
options:
  keyword:
    description:
      - The sshd_config keyword, in any case (C(PermitRootLogin), C(Subsystem), C(Port)).
      - C(Match) and C(Include) are structure, not options, and are refused.
    type: str
    required: true
  value:
    description:
      - The arguments, written after the keyword as given (quote them as sshd_config expects).
      - For C(Subsystem), C(NAME COMMAND [ARGS]), for example C(sftp internal-sftp).
      - Required with O(state=present). With O(state=absent) it narrows the removal to lines with exactly this
        value; for C(Subsystem) the first word names the subsystem to remove.
    type: str
  state:
    description: Whether the keyword should have O(value) (V(present)) or no start-up line at all (V(absent)).
    type: str
    choices: [present, absent]
    default: present
  path:
    description:
      - The main sshd configuration file. Relative C(Include) patterns are resolved under C(/etc/ssh), as sshd does.
    type: path
    default: /etc/ssh/sshd_config
  backup:
    description:
      - Keep a copy of every file before it is changed (C(FILE.PID.DATE~), as M(ansible.builtin.lineinfile) does).
      - When an C(Include) glob of the configuration would read that name, the copy gets a hidden name
        (C(.FILE.PID.DATE~)) instead, so sshd never reads the backup.
    type: bool
    default: true
  validate:
    description:
      - Check the candidate with C(sshd -t -f) before it replaces the live file.
      - Only turn this off where no sshd binary exists; the parser's own checks then run, and a candidate in which
        they find a new error (an unknown keyword, for example) is refused, nothing is written.
    type: bool
    default: true
  sshd_path:
    description: The sshd binary used for C(sshd -t) and the version; found in the usual sbin directories when not given.
    type: path
attributes:
  check_mode:
    support: full
    description: Computes the change and runs C(sshd -t) on a temporary candidate (removed again); writes nothing.
  diff_mode:
    support: full
    description: Returns the before and after text of every file that changes.
notes:
  - Needs root to read the configuration and to run C(sshd -t), which also loads the host keys.
  - The module does not reload sshd; notify a handler that does (C(systemctl reload ssh)).
  - When O(state=absent) changes more than one file, the files are replaced one after the other after the whole
    candidate passed C(sshd -t).
  - Targets need Python 3.9 or later.
  - A file that cannot be replaced (immutable or append-only, a read-only or full file system, not root) fails with
    one sentence naming the cause, before anything is written, in check mode too. Temporary files that a killed run
    left next to a configuration file (their process is gone) are removed by the next run.
  - Above 256 KiB the diff shows only the changed lines and 3 lines around them (the header says which lines).
seealso:
  - module: sshd.doctor.sshd_facts
  - module: ansible.builtin.lineinfile
"""

EXAMPLES = r"""
- name: Give sshd an sftp subsystem (rewrites an existing one, never adds a second)
  sshd.doctor.sshd_option:
    keyword: Subsystem
    value: sftp internal-sftp
  notify: Reload sshd

- name: Turn off X11 forwarding where the effective value comes from
  sshd.doctor.sshd_option:
    keyword: X11Forwarding
    value: "no"

- name: Remove every start-up PermitUserEnvironment line
  sshd.doctor.sshd_option:
    keyword: PermitUserEnvironment
    state: absent

- name: Preview a change without writing
  sshd.doctor.sshd_option:
    keyword: LogLevel
    value: VERBOSE
  check_mode: true
  diff: true
"""

RETURN = r"""
file:
  description: The file that holds the line (the changed one, or the one that already had the value).
  returned: when a line holds the value or a line was removed
  type: str
  sample: /etc/ssh/sshd_config
line:
  description: The line number of that line (in the new file; for a removal, in the old one).
  returned: when a line holds the value or a line was removed
  type: int
  sample: 117
action:
  description: What was done to the first changed line.
  returned: always
  type: str
  choices: [insert, replace, remove, none]
  sample: replace
before:
  description: The line before the change (none for an insert).
  returned: always
  type: str
  sample: "Subsystem\tsftp\t/usr/lib/openssh/sftp-server"
after:
  description: The line after the change (none for a removal).
  returned: always
  type: str
  sample: "Subsystem\tsftp\tinternal-sftp"
changes:
  description: Every line changed, with the reason for its place.
  returned: always
  type: list
  elements: dict
  sample:
    - {file: /etc/ssh/sshd_config, line: 117, action: replace, before: "Subsystem sftp /usr/lib/openssh/sftp-server",
       after: "Subsystem sftp internal-sftp", reason: "the line that wins (first obtained value)"}
files:
  description: The files that changed (or would change in check mode).
  returned: always
  type: list
  elements: str
  sample: [/etc/ssh/sshd_config]
backup_file:
  description: The backup of the first changed file.
  returned: when a file changed and O(backup=true)
  type: str
  sample: /etc/ssh/sshd_config.4711.2025-01-31@12:00:00~
backup_files:
  description: The backup of every changed file, by file.
  returned: when a file changed and O(backup=true)
  type: dict
  sample: {/etc/ssh/sshd_config: /etc/ssh/sshd_config.4711.2025-01-31@12:00:00~}
shadowed:
  description: Other start-up lines of the keyword (or subsystem) that sshd ignores because an earlier one wins.
  returned: always
  type: list
  elements: dict
  sample: [{file: /etc/ssh/sshd_config, line: 40, text: "PasswordAuthentication yes"}]
in_match:
  description: Lines of the keyword inside Match blocks that do not apply at start-up; never changed.
  returned: always
  type: list
  elements: dict
  sample: [{file: /etc/ssh/sshd_config, line: 130, text: "  X11Forwarding yes", match_file: /etc/ssh/sshd_config,
            match_line: 128}]
effective:
  description: The value sshd uses at start-up after the change (the parser's view), none when unset.
  returned: always
  type: raw
  sample: sftp internal-sftp
validated:
  description: Whether C(sshd -t -f) accepted the candidate (false when nothing changed or O(validate=false)).
  returned: always
  type: bool
  sample: true
version:
  description: The OpenSSH version the edit was planned for (aliases, Match rules), none when unknown.
  returned: always
  type: str
  sample: 10.0p2
validation_deferred:
  description:
    - The sshd -t message that fails every configuration on this host right now (privilege separation
      directory or user, host keys), when the candidate could therefore be checked by the parser only.
    - sshd -t must pass before sshd is started or reloaded with the new file.
  returned: when sshd -t failed for a reason outside the configuration text, the live file alike
  type: str
validation:
  description: The rejected C(sshd -t) run, with the temporary file names replaced by the real ones.
  returned: when sshd -t rejects the candidate (the module fails)
  type: dict
  contains:
    rc:
      description: The exit code of C(sshd -t).
      type: int
    message:
      description: What sshd printed.
      type: str
    errors:
      description: The messages as C({file, line, message}).
      type: list
      elements: dict
    live_config_valid:
      description: Whether the live configuration, unchanged, passes C(sshd -t).
      type: bool
diff:
  description: Before and after text of the changed file (a list of them when several files change).
  returned: in diff mode, when a file changes
  type: raw
msg:
  description: What happened, in one line.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sshd.doctor.plugins.module_utils._sshd.option_backend import OptionBackend

ARGUMENT_SPEC = {
    "keyword": {"type": "str", "required": True, "no_log": False},
    "value": {"type": "str"},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "path": {"type": "path", "default": "/etc/ssh/sshd_config"},
    "backup": {"type": "bool", "default": True},
    "validate": {"type": "bool", "default": True},
    "sshd_path": {"type": "path"},
}


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, required_if=[("state", "present", ("value",))],
                           supports_check_mode=True)
    module.exit_json(**OptionBackend(module).run())


if __name__ == "__main__":
    main()
