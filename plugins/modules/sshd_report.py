#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sshd.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The work is done on the controller by the action plugin plugins/action/sshd_report.py; this
# file holds its documentation.

DOCUMENTATION = r"""
---
module: sshd_report
short_description: Write the sshd.doctor fleet report files on the controller
version_added: "0.1.0"
description:
  - Writes the files of a fleet report made by P(sshd.doctor.fleet_report#filter) into O(dest), on the controller,
    in one task; the role C(sshd.doctor.diagnose) calls it once per run (C(run_once)).
  - "C(fleet.json), C(fleet.md), C(index.html), C(junit.xml) and, with V(json), one C(hosts/<host>.json) per host
    of the fleet: the host's entry and its full C(ansible_facts.sshd) (C(null) for a host that was not diagnosed)."
  - Each file is replaced atomically, and only when its content differs. The directory is created when missing.
    Files of hosts that are not in O(fleet) are left as they are.
  - Runs on the controller as the user running C(ansible-playbook), whatever the task's C(become) and
    C(delegate_to); it never connects to a managed host.
author:
  - sshd.doctor contributors (@sshd-doctor)
options:
  dest:
    description:
      - The report directory. A relative path is relative to the directory C(ansible-playbook) was started in.
    type: path
    required: true
  fleet:
    description:
      - The fleet report, as returned by P(sshd.doctor.fleet_report#filter).
    type: dict
    required: true
  facts:
    description:
      - C(ansible_facts.sshd) of each diagnosed host, by inventory name, written into its C(hosts/<host>.json).
    type: dict
    default: {}
  formats:
    description:
      - The files to write. V(json) is C(fleet.json) and the C(hosts/) files, V(markdown) C(fleet.md), V(html)
        C(index.html), V(junit) C(junit.xml).
    type: list
    elements: str
    choices: [json, markdown, html, junit]
    default: [json, markdown, html, junit]
  mode:
    description:
      - The permissions of the files written, in octal.
    type: str
    default: "0644"
attributes:
  check_mode:
    support: full
    description: In check mode nothing is written; RV(would_write) names the files that would change.
  diff_mode:
    support: none
    description: The files are reports, rewritten as a whole; no diff is shown.
  action:
    support: full
    description: Runs on the controller as an action plugin, as the user running C(ansible-playbook).
notes:
  - The host names are made file-safe for C(hosts/) (characters outside C(A-Za-z0-9._-) become C(_)).
  - The files, the statuses and the fleet dict are described in C(docs/report.md) of the collection.
seealso:
  - module: sshd.doctor.sshd_facts
"""

EXAMPLES = r"""
- name: Write the report of the play's hosts
  sshd.doctor.sshd_report:
    dest: /srv/reports/sshd
    fleet: "{{ diagnose_fleet }}"
    facts: "{{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars, ['ansible_facts', 'sshd']))) }}"
  run_once: true

- name: Only the JUnit file, for CI
  sshd.doctor.sshd_report:
    dest: "{{ lookup('ansible.builtin.env', 'CI_PROJECT_DIR') }}/reports"
    fleet: "{{ diagnose_fleet }}"
    formats: [junit]
  run_once: true
"""

RETURN = r"""
dest:
  description: The report directory, absolute.
  returned: always
  type: str
  sample: /srv/reports/sshd
files:
  description: Every file of the report, absolute paths.
  returned: success
  type: list
  elements: str
  sample: [/srv/reports/sshd/fleet.json, /srv/reports/sshd/fleet.md, /srv/reports/sshd/hosts/web-1.json]
written:
  description: The files written by this run (their content differed or they were missing).
  returned: always
  type: list
  elements: str
would_write:
  description: In check mode, the files that would be written; empty otherwise.
  returned: success
  type: list
  elements: str
"""
