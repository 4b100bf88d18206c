#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sshd.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: sshd_facts
short_description: Gather the whole sshd state of a host and name why SSH, scp or sftp fails
version_added: "0.1.0"
description:
  - Reads the OpenSSH server of the target in one module run and returns it as C(ansible_facts.sshd).
  - Version and binaries (sshd, sshd-session, sshd-auth, sftp-server, scp), the service (systemd, sysvinit, openrc),
    the privilege separation directory and user, the configuration (own parser with Include and Match and
    file:line provenance, C(sshd -t), C(sshd -T) when it works), the sftp subsystem, tcp_wrappers (libwrap
    linkage read from the ELF of the binary that serves connections, hosts.allow and hosts.deny verdicts),
    scp modes, host keys, listeners and, for named users, shell, lock, access lists and StrictModes.
  - Ends with C(findings), each with a stable id (see docs/findings.md), severity, summary, evidence and fix.
  - The host is read on the target and the checks run on the controller, in the module's action, over what
    the host answered; the target runs only the reads and their parsers, which keeps each host's run short.
  - Never changes the host. Works when C(sshd -T) cannot (privilege separation directory gone, invalid
    configuration) and says which source each value came from.
author:
  - sshd.doctor contributors (@sshd-doctor)
options:
  clients:
    description:
      - Client addresses for which the tcp_wrappers verdict is computed.
      - When empty, the address of the SSH connection this module runs under (C(SSH_CONNECTION)) is used, if any.
    type: list
    elements: str
    default: []
  users:
    description:
      - Accounts to check for login problems (shell, lock, AllowUsers and friends, PermitRootLogin, StrictModes).
    type: list
    elements: str
    default: []
  match_context:
    description:
      - Connection parameters with which C(Match) blocks are evaluated (passed to C(sshd -T -C) too).
    type: dict
    suboptions:
      user:
        description: User name.
        type: str
      host:
        description: Client host name.
        type: str
      addr:
        description: Client address.
        type: str
      laddr:
        description: Local address.
        type: str
      lport:
        description: Local port.
        type: str
      rdomain:
        description: Routing domain.
        type: str
  config_path:
    description:
      - The main sshd configuration file.
      - When not given, the file the daemon really reads is used, the first of
        the C(-f) option of the service's ExecStart (expanded with its EnvironmentFiles, such as
        C(/etc/default/ssh) SSHD_OPTS or C(/etc/sysconfig/sshd) OPTIONS), the path compiled into
        sshd, SUSE's vendor file C(/usr/etc/ssh/sshd_config) while C(/etc/ssh/sshd_config) does not
        exist, and C(/etc/ssh/sshd_config). C(config.path_source) says which.
    type: path
  sshd_path:
    description: The sshd binary; found in the usual sbin directories when not given.
    type: path
  log_lines:
    description: How many recent error lines of sshd and its helpers to return (0 disables log reading).
    type: int
    default: 8
  remediation_dir:
    description:
      - The backup directory of M(sshd.doctor.remediate) (its C(remediate_backup_dir)). Its runs that their
        commit-confirmed timer undid (C(DIR/<run>/undone)) are returned in C(remediation.undone), newest first
        (at most 20), so that the remediate role's plan needs no command of its own to find them.
      - Not set, the directory is not read and C(remediation) is not returned.
    type: path
  client_profiles:
    description:
      - Client families or profiles (see docs/clients.md, for example C(openssh), C(putty), C(paramiko),
        C(jsch-0.1.55), C(openssh-8.4)) that every host must serve; C(client_algorithms_incompatible)
        names those the effective KexAlgorithms, HostKeyAlgorithms (with the host keys that load),
        Ciphers, MACs and PubkeyAcceptedAlgorithms turn away.
      - Empty means current OpenSSH, PuTTY and paramiko.
    type: list
    elements: str
    default: []
  user_auth:
    description:
      - For the accounts of O(users), read the authorized_keys files (owner, mode, ACL, key types,
        C(from=) options), shadow dates, ChrootDirectory components, and run the account's shell as
        sshd would start it for an external sftp-server (C(SHELL -c true) as that user, 5 s limit,
        output capped) to find C(authorized_keys_unreadable), C(user_key_type_rejected),
        C(user_key_from_excludes_client), C(account_expired), C(chroot_dir_insecure) and
        C(shell_output_breaks_sftp).
      - Running the shell opens a PAM session for the account (one log line); set false to skip
        these reads.
    type: bool
    default: true
  record:
    description:
      - Also return every read of the host (commands with their exit code and output, file reads, stats,
        globs, binary summaries) as C(ansible_facts.sshd.recording), the raw recording that unit tests
        replay (C(make record)).
    type: bool
    default: false
  collector:
    description:
      - How the host is read.
      - C(module) runs this module on the target (needs Python 3.9 or later there).
      - C(raw) reads the host with POSIX sh commands over the connection (C(ansible.builtin.raw) semantics)
        and analyses the output on the controller with the same code; for hosts without a usable Python.
      - C(auto) runs the module and falls back to C(raw) when the target has no usable Python.
      - C(ansible_facts.sshd.collector) says which one answered.
    type: str
    choices: [auto, module, raw]
    default: auto
  report:
    description:
      - Also record the host's result on the controller as soon as it is known, in the same task, as
        M(sshd.doctor.sshd_report) with O(sshd.doctor.sshd_report#module:operation=host) does (the host's entry in the
        run's journal and its C(hosts/<host>.json)), also when the module fails or the host cannot be reached
        (set C(ignore_unreachable) on the task). The result then has the keys of that operation too
        (C(entry), C(run), C(free), C(fleet_json), C(written)).
      - Read by the action plugin on the controller; the module on the target never receives it.
      - The role M(sshd.doctor.diagnose) uses it; a task of its own per host would cost the controller
        one more worker process per host.
    type: dict
    suboptions:
      dest:
        description: The report directory (C(hosts/<host>.json) is written there); none writes no file.
        type: path
      probe:
        description: The registered result of M(sshd.doctor.ssh_probe) against the host, if it was probed.
        type: raw
      probe_with:
        description:
          - Probe the host in this same task and record the result as O(report.probe) would, so that a probe costs
            the controller no task of its own per host.
          - The options of M(sshd.doctor.ssh_probe) (O(sshd.doctor.ssh_probe#module:host),
            O(sshd.doctor.ssh_probe#module:port), O(sshd.doctor.ssh_probe#module:user) and the others), checked
            against that module's; empty values are left out.
          - The probe runs on the controller, with the controller's own OpenSSH client (C(ssh), C(sftp), C(scp)) and
            as the user running C(ansible-playbook), before the host is read, and also when the host cannot be
            reached. A probe that cannot run (no client, a bad option) is recorded as a probe error, and the task
            does not fail for it.
          - An empty O(sshd.doctor.ssh_probe#module:host) records the host as not probed, with the reason.
        type: dict
      release:
        description: Label of the host in the by-release views of the report.
        type: str
        default: ""
      threshold:
        description: Findings of this severity or worse make the host fail.
        type: str
        choices: [error, warning, info]
      formats:
        description: The report formats (as in C(sshd.doctor.sshd_report)); the host file is written when V(json) is one of them.
        default: [json, markdown, html, junit]
        choices: [json, markdown, html, junit]
        type: list
        elements: str
attributes:
  check_mode:
    support: full
    description: The module only reads.
  diff_mode:
    support: none
    description: Nothing to diff.
  facts:
    support: full
    description: Returns C(ansible_facts.sshd).
notes:
  - Needs root to read host keys, C(/etc/shadow) and to run C(sshd -T); without root it says what it could not read.
  - Targets need Python 3.9 or later.
seealso:
  - module: sshd.doctor.sshd_option
"""

EXAMPLES = r"""
- name: Gather sshd facts and the findings
  sshd.doctor.sshd_facts:
    clients: [192.0.2.10]
    users: [deploy]

- name: Show what is wrong
  ansible.builtin.debug:
    msg: "{{ item.id }}: {{ item.summary }}"
  loop: "{{ ansible_facts['sshd']['findings'] }}"
"""

RETURN = r"""
ansible_facts:
  description: Facts about the OpenSSH server.
  returned: always
  type: dict
  contains:
    sshd:
      description: The sshd state and findings; the full structure is documented in docs/facts.md.
      returned: always
      type: dict
      sample:
        version: 9.2p1
        installed: true
        service: {unit: ssh.service, active_state: active}
        subsystems: {sftp: null}
        findings:
          - id: sftp_subsystem_missing
            severity: error
            summary: "No sftp subsystem: sftp and scp from OpenSSH >= 9.0 clients fail"
            evidence: ["no `Subsystem sftp` in the effective configuration"]
            fix: Add one `Subsystem sftp internal-sftp` to the global section.
            remediable: true
        checks: [sftp_subsystem_missing, privsep_dir_missing]
entry:
  description: The host's entry of the fleet report (docs/report.md), as recorded on the controller.
  returned: when O(report) is given
  type: dict
free:
  description: Whether the play runs under a C(free)-like strategy (the fleet step then runs on every host).
  returned: when O(report) is given
  type: bool
fleet_json:
  description: Where the run's fleet dict is written on the controller.
  returned: when O(report) is given
  type: str
run:
  description: The id of the run's journal on the controller.
  returned: when O(report) is given
  type: str
written:
  description: The report files written for this host (its C(hosts/<host>.json)).
  returned: when O(report) is given
  type: list
  elements: str
warnings:
  description: What could not be read (for example when not running as root).
  returned: when there are any
  type: list
  elements: str
"""

import os
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import facts_args, gather, hostio


def main():
    module = AnsibleModule(
        argument_spec=facts_args.ARGUMENT_SPEC,
        supports_check_mode=True,
    )
    started = time.monotonic()
    params = dict(module.params)
    if not params["clients"]:
        client = gather.ssh_connection_client(os.environ)
        params["clients"] = [client] if client else []
    if params["match_context"]:
        params["match_context"] = {k: v for k, v in params["match_context"].items() if v}

    timings = []

    def run(args):
        t0 = time.monotonic()
        rc, out, err = module.run_command(args, check_rc=False, environ_update={"LC_ALL": "C"})
        timings.append({"command": " ".join(args[:3]), "ms": round((time.monotonic() - t0) * 1000, 1)})
        return rc, out, err

    def can_run(name):
        # only commands that can start are run ahead (hostio.Host.prefetch), in threads
        return os.access(name, os.X_OK) if "/" in name else module.get_bin_path(name) is not None

    host = hostio.Host(run, can_run=can_run)
    if params["record"]:
        host = hostio.RecordingHost(host, meta={"options": {k: params[k] for k in sorted(hostio.RECORDED_OPTIONS)},
                                                "euid": os.geteuid()})
    state = gather.collect(host, params)
    state["collector"] = "module"
    state["euid"] = os.geteuid()
    state["clients"] = params["clients"]
    state["elapsed_ms"] = int((time.monotonic() - started) * 1000)
    state["timings"] = timings
    if params["record"]:
        state["recording"] = host.recording()
    warnings = []
    if os.geteuid() != 0:
        warnings.append("not running as root: host keys, /etc/shadow and `sshd -T` may be unreadable; "
                        "use become: true for a complete diagnosis")
    if state["config"].get("readable") is False:
        warnings.append("%s cannot be read: the configuration checks were skipped; run as root (become: true)"
                        % state["config"]["path"])
    for w in warnings:
        module.warn(w)
    module.exit_json(changed=False, ansible_facts={"sshd": state})


if __name__ == "__main__":
    main()
