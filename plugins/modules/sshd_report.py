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
  - Writes the sshd.doctor report files on the controller, in-process, as the user running C(ansible-playbook),
    whatever the task's C(become) and C(delegate_to); it never connects to a managed host.
  - "O(operation=host): one host's result, as the host completes (the C(sshd.doctor.diagnose) role runs it for every
    host, under any strategy): its entry, its C(hosts/<host>.json) and a record in the run's journal
    (C(<dest>/.sshd-doctor/runs/), or a private temporary directory without O(dest))."
  - "O(operation=fleet): the fleet report built from the run's journal: every host of the play that reported, the
    hosts that left the play before they reported (V(failed)) and the hosts this run did not diagnose (C(not_run):
    outside C(--limit), a C(serial) batch still to run), then C(fleet.json), C(fleet.md), C(index.html) and
    C(junit.xml). Run it once per play (C(run_once)) under the linear strategy; under C(free) every host runs it and
    only the last host to finish builds (RV(built))."
  - "O(operation=merge): one fleet report from the report directories of several runs in O(sources) (AWX/AAP job
    slices, several controllers, runs with C(--limit)); a host in several keeps its newest entry."
  - O(operation=write) (the default) writes the files of a fleet dict made by P(sshd.doctor.fleet_report#filter).
  - Each file is replaced atomically, and only when its content differs. The directory is created when missing.
    Files of hosts that are not in the fleet are left as they are.
author:
  - sshd.doctor contributors (@sshd-doctor)
options:
  operation:
    description: What to write (see the description).
    type: str
    choices: [write, host, fleet, merge]
    default: write
  dest:
    description:
      - The report directory. A relative path is relative to the directory C(ansible-playbook) was started in.
      - Required by V(write) and V(merge); without it V(host) and V(fleet) keep the journal in a temporary directory
        and write no report file.
    type: path
  fleet:
    description: V(write) only. The fleet report, as returned by P(sshd.doctor.fleet_report#filter).
    type: dict
  facts:
    description:
      - V(write) only. C(ansible_facts.sshd) of each diagnosed host, by inventory name, written into its
        C(hosts/<host>.json).
    type: dict
    default: {}
  result:
    description: V(host) only. The registered result of M(sshd.doctor.sshd_facts) for this host (also when it failed).
    type: raw
  probe:
    description: V(host) only. The registered result of M(sshd.doctor.ssh_probe) for this host, if it was probed.
    type: raw
  release:
    description: V(host) only. The host's label in the by-release views.
    type: str
    default: ""
  threshold:
    description: Findings of this severity or worse fail a host. For V(merge), the strictest of the sources by default.
    type: str
    choices: [error, warning, info]
  run:
    description: V(fleet) only. Information about the run, copied to the fleet's C(run) (check mode, clients, ...).
    type: dict
    default: {}
  sources:
    description:
      - V(merge) only. Report directories, each with the C(fleet.json) of a run.
      - A glob pattern (C(/srv/sshd-report/slice-*)) stands for the report directories it matches, in name order.
    type: list
    elements: path
    default: []
  verdict_hosts:
    description: How many hosts that are not healthy RV(verdict) details.
    type: int
    default: 10
  html_template:
    description: A Jinja2 template for C(index.html) instead of the C(sshd.doctor.diagnose) role's C(fleet.html.j2).
    type: path
  docs_url:
    description: Where C(docs/findings.md) is; finding ids in C(index.html) link to C(<docs_url>#<id>).
    type: str
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
    description: In check mode no report file is written; RV(would_write) names the files that would change.
  diff_mode:
    support: none
    description: The files are reports, rewritten as a whole; no diff is shown.
  action:
    support: full
    description: Runs on the controller as an action plugin, as the user running C(ansible-playbook).
notes:
  - The host names are made file-safe for C(hosts/) (characters outside C(A-Za-z0-9._-) become C(_)).
  - The files, the statuses, the fleet dict and how a run builds its report are described in C(docs/report.md) of the
    collection; AWX job slicing with the merge step in C(docs/guides/scale.md).
seealso:
  - module: sshd.doctor.sshd_facts
"""

EXAMPLES = r"""
- name: Record this host's result as it completes
  sshd.doctor.sshd_report:
    operation: host
    dest: /srv/reports/sshd
    result: "{{ sshd_result }}"
  register: host_report

- name: Build the fleet report (once; under the free strategy the last host builds)
  sshd.doctor.sshd_report:
    operation: fleet
    dest: /srv/reports/sshd
  run_once: "{{ not host_report.free }}"

- name: One fleet report from the job slices of an AWX/AAP run
  sshd.doctor.sshd_report:
    operation: merge
    sources: [/srv/reports/sshd/slice-1, /srv/reports/sshd/slice-2]
    dest: /srv/reports/sshd/fleet
  run_once: true

- name: Only the JUnit file of a fleet dict, for CI
  sshd.doctor.sshd_report:
    dest: "{{ lookup('ansible.builtin.env', 'CI_PROJECT_DIR') }}/reports"
    fleet: "{{ diagnose_fleet }}"
    formats: [junit]
  run_once: true
"""

RETURN = r"""
dest:
  description: The report directory, absolute.
  returned: when O(dest) is set
  type: str
  sample: /srv/reports/sshd
files:
  description: Every file written or checked by this task, absolute paths.
  returned: when O(dest) is set and files were built
  type: list
  elements: str
  sample: [/srv/reports/sshd/fleet.json, /srv/reports/sshd/fleet.md, /srv/reports/sshd/hosts/web-1.json]
written:
  description: The files written by this task (their content differed or they were missing).
  returned: when O(dest) is set and files were built
  type: list
  elements: str
would_write:
  description: In check mode, the files that would be written; empty otherwise.
  returned: when O(dest) is set and files were built
  type: list
  elements: str
entry:
  description: V(host) only. The host's entry of the fleet report (docs/report.md).
  returned: success
  type: dict
run:
  description: V(host) and V(fleet). The id of the run's journal.
  returned: success
  type: str
free:
  description: V(host) only. Whether the play runs under a free-like strategy (C(free), C(host_pinned)).
  returned: success
  type: bool
fleet_json:
  description: V(host) and V(fleet). Where the last fleet dict built for the run is kept (the role's C(diagnose_fleet) reads it).
  returned: success
  type: str
built:
  description: V(fleet) only. Whether this task built the fleet report (under a free strategy only the last host does).
  returned: success
  type: bool
summary:
  description: V(fleet) and V(merge). The fleet's counts (hosts, healthy, findings, unreachable, failed, failing, not_run, passed).
  returned: when built
  type: dict
verdict:
  description: V(fleet) and V(merge). The play output of the report, bounded at any fleet size.
  returned: when built
  type: list
  elements: str
"""
