# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The remediate role's plan and its verdict after the changes as filters (documentation:
remediation_plan.yml and remediation_verify.yml next to this file; logic:
plugins/plugin_utils/remediation_plan.py and remediation_verify.py, unit tested)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.sshd.doctor.plugins.plugin_utils import remediation_plan as plan
from ansible_collections.sshd.doctor.plugins.plugin_utils import remediation_verify as verify


def remediation_plan(sshd, fixes, allow_latent=False):
    try:
        return plan.remediation_plan(sshd, fixes, allow_latent=allow_latent)
    except plan.PlanError as exc:
        raise AnsibleFilterError(f"sshd.doctor.remediation_plan: {exc}") from exc


def remediation_verify(sshd, applied, unrepaired=None, probe=None):
    try:
        return verify.remediation_verify(sshd, applied, unrepaired=unrepaired, probe=probe)
    except verify.VerifyError as exc:
        raise AnsibleFilterError(f"sshd.doctor.remediation_verify: {exc}") from exc


class FilterModule:
    """sshd.doctor remediation plan and verify filters."""

    def filters(self):
        return {"remediation_plan": remediation_plan, "remediation_verify": remediation_verify}
