# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The finding registry: every finding id once, with all that hangs on it.

One row per id, in the order the checks run (checks.CHECKS is built from this table).  From a
row a reader reaches, in one step:

- the check: ``check_<id>`` in ``plugins/module_utils/_sshd/<module>.py``;
- the fix: ``roles/remediate/tasks/fix_<id>.yml`` when the row has a fix order, else none;
- the docs: the section ``## <id>`` of docs/findings.md (anchor ``#<id>``);
- the tests: the module's unit tests under tests/unit/plugins/module_utils/_sshd/ (test_checks.py
  holds those of checks.py and checks_users.py), test_recordings.py (the lab cases that inject
  the fault, replayed) and test_registry.py (that all of the above agree).

Columns:

- ``severities``: what the check may report (the first is the usual one; a check reports a
  lower severity when part of the host still works, see the docs section).
- ``module``: the module_utils file that holds ``check_<id>``.
- ``fix``: the position of the fix among the remediate role's fixes (``__remediate_order`` in
  roles/remediate/vars/main.yml), None when the role never changes anything for this id.
- ``flags``: how the fix, or the finding, bears on the role's internal lists (vars/main.yml):
  ``config``: the fix edits the configuration or needs ``sshd -t`` to pass (skipped while
  config_invalid holds: ``__remediate_config_fixes``); ``starts``: the fix starts sshd
  (``__remediate_start_fixes``); ``activates``: sshd is reloaded or started after the fix
  (refused while latent changes are pending: ``__remediate_activating_fixes``); ``reload``:
  the fix is activated by a reload the handler validates (``__remediate_reload_fixes``);
  ``env``: the finding makes ``sshd -t`` fail whatever the configuration says
  (``__remediate_env_fixes``); ``blocks_start``: a finding the role does not fix that makes
  any start fail (``__remediate_start_blockers``).

Adding a finding id (docs/findings.md, "Adding a finding", says the same):

1. one row here;
2. ``check_<id>(state)`` in the row's module, returning ``checks.finding(...)`` dicts with a
   severity of the row;
3. a ``## <id>`` section and a Contents row in docs/findings.md;
4. if the role fixes it: ``roles/remediate/tasks/fix_<id>.yml``, the id in vars/main.yml
   (``__remediate_order`` at the row's position and the lists of its flags), in defaults/main.yml
   ``remediate_fixes``, in meta/argument_specs.yml (choices and default), in
   extensions/molecule/faults/tests/test_fixed.py ``FIXABLE`` and in the fixes table of
   docs/guides/remediate.md.

tests/unit/plugins/module_utils/_sshd/test_registry.py fails, naming what is missing, until
all of them agree.  Target-side code: standard library only, no Ansible imports.
"""

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)
FLAGS = ("config", "starts", "activates", "reload", "env", "blocks_start")

_E, _W, _I = (ERROR,), (WARNING,), (INFO,)
_EW = (ERROR, WARNING)

# id, severities, module, fix order (None: not fixed), flags
_ROWS = (
    ("sshd_not_installed", _E, "checks", None, ("blocks_start",)),
    ("sshd_helper_missing", _E, "checks", None, ("blocks_start",)),
    ("service_failed", _E, "checks", 14, ("config", "starts", "activates")),
    ("service_inactive", _E, "checks", 13, ("config", "starts", "activates")),
    ("service_not_enabled", _W, "checks", 12, ("config", "activates")),
    ("socket_activation_mismatch", _W, "checks", None, ()),
    ("privsep_dir_missing", _E, "checks", 2, ("activates", "env")),
    ("privsep_dir_insecure", _E, "checks", 3, ("env",)),
    ("privsep_user_missing", _E, "checks", 1, ("env",)),
    ("config_invalid", _E, "checks", None, ("blocks_start",)),
    ("config_deprecated_option", _I, "checks", None, ()),
    ("effective_value_shadowed", _I, "checks", None, ()),
    ("sftp_subsystem_missing", _E, "checks", 7, ("config", "activates", "reload")),
    ("sftp_server_missing", _E, "checks", 8, ("config", "activates", "reload")),
    ("scp_legacy_unavailable", _W, "checks", None, ()),
    ("tcp_wrappers_denied", _EW, "checks", 9, ()),
    ("host_keys_missing", _EW, "checks", 4, ("activates", "env")),
    ("host_key_insecure_mode", _EW, "checks", 5, ("activates", "env")),
    ("weak_host_key_only", _W, "checks", 6, ("config", "activates", "reload")),
    ("port_conflict", _E, "checks", None, ("blocks_start",)),
    ("selinux_port_not_labeled", _E, "checks", None, ()),
    ("selinux_denial", _W, "checks", None, ()),
    ("max_startups_throttling", _W, "checks", None, ()),
    ("login_shell_invalid", _W, "checks_users", None, ()),
    ("account_locked", _W, "checks_users", None, ()),
    ("user_not_allowed", _E, "checks_users", None, ()),
    ("root_login_refused", _I, "checks_users", None, ()),
    ("home_or_keys_insecure", _E, "checks_users", 10, ()),
    ("config_latent_change", _W, "latent", None, ()),
    ("listen_address_unavailable", _E, "latent", None, ("blocks_start",)),
    ("client_algorithms_incompatible", _EW, "checks_auth", None, ()),
    ("clients_refused_negotiation", _W, "checks_auth", None, ()),
    ("authorized_keys_unreadable", _E, "checks_auth", 11, ()),
    ("user_key_type_rejected", _EW, "checks_auth", None, ()),
    ("user_key_from_excludes_client", _E, "checks_auth", None, ()),
    ("account_expired", _EW, "checks_auth", None, ()),
    ("chroot_dir_insecure", _E, "checks_auth", None, ()),
    ("shell_output_breaks_sftp", _E, "checks_auth", None, ()),
)


def _entry(row):
    fid, severities, module, order, flags = row
    return {
        "id": fid,
        "severities": severities,
        "severity": severities[0],
        "module": module,
        "check": "check_%s" % fid,
        "fix_order": order,
        "fix_file": "fix_%s.yml" % fid if order is not None else None,
        "flags": frozenset(flags),
        "docs": "docs/findings.md#%s" % fid,
    }


FINDINGS = dict((row[0], _entry(row)) for row in _ROWS)
IDS = tuple(row[0] for row in _ROWS)


def fixable(findings=None):
    """Ids the remediate role fixes, in the order the fixes run."""
    findings = FINDINGS if findings is None else findings
    return [f["id"] for f in sorted((f for f in findings.values() if f["fix_order"] is not None),
                                    key=lambda f: f["fix_order"])]


def with_flag(flag, findings=None):
    """Ids carrying ``flag``, in fix order for fixes and in check order for the others."""
    findings = FINDINGS if findings is None else findings
    fixes = [fid for fid in fixable(findings) if flag in findings[fid]["flags"]]
    return fixes + [fid for fid, f in findings.items() if f["fix_order"] is None and flag in f["flags"]]


def severity(fid):
    """The usual severity of ``fid`` (None for an id the registry does not know)."""
    entry = FINDINGS.get(fid)
    return entry["severity"] if entry else None
