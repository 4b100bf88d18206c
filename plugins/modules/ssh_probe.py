#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sshd.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ssh_probe
short_description: Probe an SSH server with the real OpenSSH client of this host and name the failing stage
version_added: "0.1.0"
description:
  - "Runs on a client host (the controller with C(delegate_to: localhost), or any inventory host) against a target
    host, port and user, with the OpenSSH client installed there (C(ssh), C(sftp), C(scp))."
  - Each operation reports the last phase it reached (C(connect), C(banner), C(kex), C(host_key), C(auth),
    C(session), C(exec), C(subsystem), C(transfer)), read from the client's own C(-v) debug lines.
  - "A failed operation carries the client's own message (for example C(subsystem request failed on channel 0),
    C(kex_exchange_identification: read: Connection reset by peer), C(Connection timed out during banner exchange)
    or C(Permission denied) for public keys), a classification, and the server-side finding ids of
    M(sshd.doctor.sshd_facts) that can explain it, most likely first."
  - Records the client version, which decides the protocol of a plain C(scp) (SFTP from OpenSSH 9.0 on).
  - The clients run with C(BatchMode=yes) (they never prompt), a bounded C(ConnectTimeout), and are killed after
    twice O(timeout) when coreutils C(timeout) is available, so the probe never hangs.
  - Reads only. It copies O(remote_file) from the server into a temporary directory of its own (scp and sftp
    C(get)), keeps its known_hosts file there, and removes the directory before it returns.
  - When an operation fails before a session could open (connection, banner, key exchange, host key or
    authentication), the transfer operations after it are reported as skipped unless O(keep_going=true).
author:
  - sshd.doctor contributors (@sshd-doctor)
options:
  host:
    description:
      - The SSH server to probe, as a host name or address seen from the client host.
    type: str
    required: true
  port:
    description: The SSH port of the server.
    type: int
    default: 22
  user:
    description:
      - The remote account. When not set, the client's default (the local user) is used.
    type: str
  identity_file:
    description:
      - Private key to authenticate with (C(-i), with C(IdentitiesOnly=yes)). When not set, the client's default
        keys and agent are used.
    type: path
  timeout:
    description:
      - Seconds for the TCP connect and the banner exchange of each operation (C(ConnectTimeout), and the timeout of
        the TCP probe). An operation is killed after twice this value.
    type: int
    default: 10
  operations:
    description:
      - The operations to run, always in this order.
      - V(tcp) connects with a plain socket and reads the server's identification line (it sends nothing).
      - V(ssh) runs C(true) on the server (transport, authentication, a session, a command).
      - V(sftp) runs C(ls -l) and C(get) of O(remote_file) through the sftp subsystem.
      - V(scp) copies O(remote_file) with a plain C(scp), in the client's default protocol (SFTP for OpenSSH >= 9.0,
        the legacy protocol before).
      - V(scp_legacy) copies it with C(scp -O) (legacy protocol, remote C(scp -f)); skipped when the client's plain
        C(scp) is legacy already or the client has no C(-O).
    type: list
    elements: str
    choices: [tcp, ssh, sftp, scp, scp_legacy]
    default: [tcp, ssh, sftp, scp, scp_legacy]
  remote_file:
    description:
      - The remote file that sftp and scp fetch. Any small file the user can read; an absolute path of letters,
        digits and C(._/+-) only.
    type: str
    default: /etc/hostname
  ssh_options:
    description:
      - Extra client options, each passed as C(-o) to ssh, sftp and scp, for example V(KexAlgorithms=+diffie-hellman-group14-sha1).
      - The probe's own C(BatchMode), C(ConnectTimeout) and port come first and win.
    type: list
    elements: str
    default: []
  known_hosts_file:
    description:
      - A known_hosts file whose keys the probe trusts. It is copied into the temporary directory and never modified.
      - When not set, the probe starts from an empty known_hosts file (and ignores the global one).
    type: path
  strict_host_key_checking:
    description:
      - C(StrictHostKeyChecking) for the clients. V(accept-new) trusts a key seen for the first time and still
        fails on a changed key. Clients older than OpenSSH 7.6 do not know V(accept-new) and get V(no) instead.
    type: str
    choices: [accept-new, 'yes', 'no']
    default: accept-new
  use_ssh_config:
    description:
      - Read the client host's ssh configuration (C(~/.ssh/config), C(/etc/ssh/ssh_config)). By default the clients
        run with C(-F /dev/null), so only the options of this module apply.
    type: bool
    default: false
  keep_going:
    description:
      - Run the transfer operations even when an earlier operation failed before a session could open.
    type: bool
    default: false
  return_output:
    description:
      - Return each client's full output (stdout and the C(-v) stderr) and the raw TCP observation in the stages.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: The probe only reads; it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing to diff.
notes:
  - Needs the OpenSSH client (C(ssh); C(sftp) and C(scp) for those operations) on the host the module runs on.
  - Client hosts need Python 3.9 or later.
  - The finding ids are candidates; M(sshd.doctor.sshd_facts) on the server names the one that holds.
seealso:
  - module: sshd.doctor.sshd_facts
"""

EXAMPLES = r"""
- name: Probe every host from the controller's own OpenSSH client
  sshd.doctor.ssh_probe:
    host: "{{ ansible_host | default(inventory_hostname) }}"
    port: "{{ ansible_port | default(22) }}"
    user: "{{ ansible_user | default(omit) }}"
  delegate_to: localhost
  register: probe

- name: Say which stage failed and why
  ansible.builtin.debug:
    msg: "{{ probe.summary }}"
  when: not probe.ok

- name: Only the transport and sftp, with a short timeout and a key of its own
  sshd.doctor.ssh_probe:
    host: 192.0.2.10
    user: deploy
    identity_file: ~/.ssh/deploy_ed25519
    operations: [tcp, ssh, sftp]
    timeout: 5
"""

RETURN = r"""
target:
  description: The probed server and account.
  returned: always
  type: dict
  sample: {host: 192.0.2.10, port: 22, user: deploy}
client_version:
  description: The OpenSSH version of the client (from C(ssh -V)), or null when it cannot be read.
  returned: always
  type: str
  sample: 9.2p1
client_version_string:
  description: The first line of C(ssh -V).
  returned: always
  type: str
  sample: OpenSSH_9.2p1 Debian-2+deb12u6, OpenSSL 3.0.19 27 Jan 2026
scp_default_protocol:
  description: The protocol of a plain C(scp) of this client, V(sftp) (OpenSSH >= 9.0) or V(scp) (legacy).
  returned: always
  type: str
  sample: sftp
scp_capabilities:
  description: What the client's scp offers, read from its usage text.
  returned: always
  type: dict
  sample: {flags: ["3", "4", "6", "A", "B", "C", "O", "R", "T", "p", "q", "r", "s", "v"], legacy_flag: true,
           sftp_flag: true, default_protocol: sftp}
server_version:
  description: The server's software version from its identification line, when one was received.
  returned: always
  type: str
  sample: OpenSSH_9.2p1 Debian-2+deb12u10
host_key:
  description: The server host key the client saw (type and fingerprint), when the key exchange got that far.
  returned: always
  type: dict
  sample: {type: ssh-ed25519, fingerprint: "SHA256:bxoTM0J7i34loXJvCUsyJ8vn6nLbEUfitIIM8ChEcQY"}
auth:
  description: Authentication methods the server offered and the one that succeeded (from the ssh operation).
  returned: always
  type: dict
  sample: {offered: [publickey, password], used: publickey}
stages:
  description: One entry per requested operation, in the order they ran.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The operation (V(tcp), V(ssh), V(sftp), V(scp), V(scp_legacy)).
      type: str
    ok:
      description: True when the operation succeeded (or was skipped).
      type: bool
    skipped:
      description: True when the operation did not run; RV(stages[].message) says why.
      type: bool
    reached:
      description: The last phase the operation completed, or null when it did not even connect.
      type: str
    failed_at:
      description: The phase that failed, or null.
      type: str
    message:
      description: The client's own message for a failure (its most specific line), or the reason for a skip.
      type: str
    classification:
      description:
        - What happened, for example V(ok), V(connection_refused), V(closed_before_banner), V(reset_before_banner),
          V(banner_timeout), V(reset_during_kex), V(kex_no_common_algorithm), V(kex_no_host_key_type),
          V(auth_denied), V(closed_after_auth), V(subsystem_refused), V(sftp_server_failed),
          V(scp_missing), V(timeout), V(skipped).
      type: str
    finding_ids:
      description: Server-side finding ids that can explain the failure, most likely first.
      type: list
      elements: str
    rc:
      description: The client's exit code (null for tcp and skipped operations).
      type: int
    elapsed_ms:
      description: Wall time of the operation in milliseconds.
      type: int
    protocol:
      description: For scp operations, the protocol used (V(sftp) or V(scp)).
      type: str
    command:
      description: The client command line that ran (its temporary paths are gone by the time you read this).
      type: list
      elements: str
    client_lines:
      description: The client's messages (its stderr without debug lines and progress noise).
      type: list
      elements: str
    server_version:
      description: The server software from its identification line, when the operation got that far.
      type: str
    host_key:
      description: The server host key (type, fingerprint) the client saw, when the operation got that far.
      type: dict
    auth:
      description: Authentication methods the server offered (V(offered)) and the one that succeeded (V(used)).
      type: dict
    negotiation:
      description:
        - For V(kex_no_common_algorithm) and V(kex_no_host_key_type), the list the client could not agree on
          (V(list) is V(kex), V(hostkey), V(ciphers) or V(macs)) and the server's offer for it (V(server_offer),
          KEXINIT markers left out). C(sshd_facts) names the cause on the server side with
          C(client_algorithms_incompatible) and C(clients_refused_negotiation).
      type: dict
    notes:
      description: Observations about an operation that passed, for example a login shell that prints output.
      type: list
      elements: str
    output:
      description: The client's full stdout and stderr, or the TCP observation; only with O(return_output=true).
      type: dict
  sample:
    - {name: tcp, ok: true, reached: banner, failed_at: null, classification: ok, finding_ids: [], rc: null,
       elapsed_ms: 3, message: "banner: SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10"}
    - {name: scp, ok: false, protocol: sftp, reached: session, failed_at: subsystem, classification: subsystem_refused,
       message: subsystem request failed on channel 0, finding_ids: [sftp_subsystem_missing], rc: 255, elapsed_ms: 180}
ok:
  description: True when every operation passed (skipped operations count as passed).
  returned: always
  type: bool
first_failure:
  description: The first failed stage (same keys as an entry of RV(stages)), or null.
  returned: always
  type: dict
finding_ids:
  description: The finding ids of all failed stages, most likely first, without duplicates.
  returned: always
  type: list
  elements: str
  sample: [sftp_subsystem_missing]
summary:
  description: One line for humans.
  returned: always
  type: str
  sample: "scp failed at subsystem (subsystem_refused): subsystem request failed on channel 0; likely: sftp_subsystem_missing"
elapsed_ms:
  description: Wall time of the whole probe in milliseconds.
  returned: always
  type: int
warnings:
  description: What limited the probe (no coreutils C(timeout), a missing client).
  returned: when there are any
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sshd.doctor.plugins.module_utils._sshd.client_probe import ARGUMENT_SPEC, ClientProbe, ProbeError


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)

    def run(args):
        return module.run_command(args, check_rc=False, environ_update={"LC_ALL": "C", "LANG": "C"})

    backend = ClientProbe(module.params, run, module.get_bin_path)
    try:
        result = backend.probe()
    except ProbeError as exc:
        module.fail_json(msg=str(exc))
    for warning in backend.warnings:
        module.warn(warning)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
