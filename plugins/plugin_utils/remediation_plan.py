# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The remediate role's plan: a host's sshd facts in, which fixes run (and why the others do not) out.

Pure, controller-side (the filter sshd.doctor.remediation_plan wraps it).  The role lists it
reads (fix order, which fixes edit the configuration, start or reload sshd, which findings
block a start) come from the finding registry (module_utils/_sshd/registry.py), which
tests/unit/plugins/module_utils/_sshd/test_registry.py keeps equal to roles/remediate/vars/main.yml.
"""

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import registry

LATENT_IDS = ("config_latent_change", "listen_address_unavailable")
# Programs that may hold sshd's port without it being a conflict.
SSHD_PROGRAMS = ("sshd", "sshd-session", "systemd")


class PlanError(ValueError):
    """Bad input (not facts, not a list of ids): the filter fails with this message."""


def _unique(items):
    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _start_blocker(found, sshd):
    """The first finding that no fix of the role removes and that makes a start of sshd fail, or ``""``.
    port_conflict counts only while another program really listens on sshd's port (the finding can
    also come from old ``Bind to port`` log lines)."""
    port_taken = any(lst.get("process") and lst["process"] not in SSHD_PROGRAMS for lst in sshd.get("listeners") or [])
    blockers = registry.with_flag("blocks_start")
    return next((f for f in found if f in blockers and (port_taken or f != "port_conflict")), "")


def _why_skipped(fid, ctx):
    """Why an enabled fix does not run on this host, or None when it runs."""
    if fid not in ctx["actionable"]:
        why = "the facts name nothing this fix can act on (remediable: false)"
        if fid == "tcp_wrappers_denied":
            why += "; no evaluated client is denied, the finding comes from the log: name the refused clients in remediate_clients"
        return why
    if not ctx["valid"] and fid in registry.with_flag("config"):
        return "config_invalid: no configuration edit and no service start on this host"
    if ctx["start_blocker"] and fid in registry.with_flag("starts"):
        return ctx["start_blocker"] + ": sshd cannot start until that is resolved by hand"
    if ctx["latent"] and fid in registry.with_flag("activates"):
        return ("would fail: " + ", ".join(ctx["latent"]) + ": the configuration on disk is not what sshd runs, and the"
                " reload or start after this fix would activate it (" + "; ".join(ctx["latent_reasons"]) + "). Review it"
                " and reload sshd yourself, or set remediate_allow_latent=true")
    if ctx["env_left"] and fid in registry.with_flag("reload") and ctx["active"]:
        return ("would fail: `sshd -t` fails on this host now (" + ", ".join(ctx["env_left"]) + ", not fixed by this run:"
                " enable its fix), so the reload after this fix would be refused and the change rolled back")
    return None


def remediation_plan(sshd, fixes, allow_latent=False):
    """The plan for one host: ``{found, todo, skipped, disabled, report_only, config_ok, start_ok, start_blocker}``.

    ``sshd`` is the host's ``ansible_facts['sshd']``; ``fixes`` the ids whose fix the run may apply
    (``remediate_fixes``); ``allow_latent`` lets fixes that reload or start sshd run while latent
    changes are pending.  ``todo`` is in fix order; ``skipped`` maps each enabled fix that does not run
    to the reason, ``disabled`` lists fixable findings whose fix is not enabled, ``report_only`` the
    findings no fix of the role touches.
    """
    if not isinstance(sshd, dict) or not isinstance(sshd.get("findings"), list):
        raise PlanError("expects ansible_facts['sshd'] (a dict with findings), got %s" % type(sshd).__name__)
    if not isinstance(fixes, (list, tuple)):
        raise PlanError("fixes must be a list of finding ids, got %s" % type(fixes).__name__)
    findings = [f for f in sshd["findings"] if isinstance(f, dict)]
    found = _unique(f.get("id") for f in findings)
    order = registry.fixable()
    enabled = [fid for fid in order if fid in found and fid in fixes]
    valid = "config_invalid" not in found
    ctx = {
        "valid": valid,
        "start_blocker": _start_blocker(found, sshd),
        "latent": [] if allow_latent else [f for f in found if f in LATENT_IDS],
        "latent_reasons": list((sshd.get("latent") or {}).get("reasons") or []),
        "env_left": [f for f in found if f in registry.with_flag("env") and f not in fixes],
        # findings marked remediable: false (e.g. tcp_wrappers_denied seen only in the log) leave the fix nothing to act on
        "actionable": _unique(f.get("id") for f in findings if f.get("remediable") is not False),
        "active": (sshd.get("service") or {}).get("active_state") == "active",
    }
    skipped = {}
    for fid in enabled:
        why = _why_skipped(fid, ctx)
        if why is not None:
            skipped[fid] = why
    return {
        "found": found,
        "todo": [fid for fid in enabled if fid not in skipped],
        "skipped": skipped,
        "disabled": [fid for fid in order if fid in found and fid not in fixes],
        "report_only": [f for f in found if f not in order],
        "config_ok": valid,
        "start_ok": valid and not ctx["start_blocker"],
        "start_blocker": ctx["start_blocker"],
    }
