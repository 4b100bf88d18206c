# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The remediate role's verdict after its changes: the fresh sshd facts, the fixes applied and (when
the client probe ran) the probe's result in; what is still wrong and what the role notes out.

Pure, controller-side (the filter sshd.doctor.remediation_verify wraps it; roles/remediate/tasks/verify.yml
calls it once after reading the state again and once more with the probe's result).
"""

# The fixes after which the client probe's sftp and scp stages must pass too.
SFTP_FIXES = ("sftp_subsystem_missing", "sftp_server_missing")
BASE_STAGES = ("tcp", "ssh")


class VerifyError(ValueError):
    """Bad input (not facts, not lists of ids): the filter fails with this message."""


def _ids(value, what):
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise VerifyError("%s must be a list of strings, got %r" % (what, value))
    return list(value)


def _user(finding):
    repair = finding.get("repair")
    return repair.get("user", "") if isinstance(repair, dict) else ""


def _note(stage):
    ids = stage.get("finding_ids") or []
    return ("client probe: %s failed at %s (%s), not for a finding this run fixed: %s%s"
            % (stage.get("name"), stage.get("failed_at"), stage.get("classification"), stage.get("message"),
               "; likely: " + ", ".join(ids) if ids else ""))


def remediation_verify(sshd, applied, unrepaired=None, probe=None):
    """``left``: the findings of ``applied`` still in the fresh facts that count (not ``remediable: false``,
    not of a user in ``unrepaired``); ``stages``: the probe stages every applied fix needs; and, from a
    registered sshd.doctor.ssh_probe result (None, or a skipped task's result, gives empty lists),
    ``probe_failed`` (failed stages that are required or name an applied finding), ``probe_other``
    (the names of the other failed stages) and ``notes`` (one line for each of those)."""
    if not isinstance(sshd, dict):
        raise VerifyError("expects ansible_facts['sshd'] (a dict), got %s" % type(sshd).__name__)
    applied = _ids(applied, "applied")
    unrepaired = _ids(unrepaired, "unrepaired")
    findings = sshd.get("findings") or []
    left = [f for f in findings if isinstance(f, dict) and f.get("id") in applied and f.get("remediable") is not False
            and _user(f) not in unrepaired]
    stages = list(BASE_STAGES) + (["sftp", "scp"] if any(f in SFTP_FIXES for f in applied) else [])
    if probe is not None and not isinstance(probe, dict):
        raise VerifyError("probe must be a registered sshd.doctor.ssh_probe result, got %s" % type(probe).__name__)
    failed = [s for s in (probe or {}).get("stages") or [] if not s.get("ok")]
    bad = [s for s in failed if s.get("name") in stages or set(s.get("finding_ids") or []) & set(applied)]
    other = [s for s in failed if s not in bad]
    return {"left": left, "stages": stages, "probe_failed": bad, "probe_other": [s.get("name") for s in other],
            "notes": [_note(s) for s in other]}
