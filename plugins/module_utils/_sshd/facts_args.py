# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument spec of sshd_facts, shared by the module and its action plugin (which runs the
module, or the raw sh collector where the target has no usable Python)."""

ARGUMENT_SPEC = {
    "clients": {"type": "list", "elements": "str", "default": []},
    "users": {"type": "list", "elements": "str", "default": []},
    "match_context": {"type": "dict", "options": {
        k: {"type": "str"} for k in ("user", "host", "addr", "laddr", "lport", "rdomain")}},
    "config_path": {"type": "path"},
    "sshd_path": {"type": "path"},
    "log_lines": {"type": "int", "default": 8},
    "remediation_dir": {"type": "path"},
    "client_profiles": {"type": "list", "elements": "str", "default": []},
    "user_auth": {"type": "bool", "default": True},
    "record": {"type": "bool", "default": False},
    "collector": {"type": "str", "choices": ["auto", "module", "raw"], "default": "auto"},
    # read by the action plugin on the controller only (the module never receives it)
    "report": {"type": "dict", "options": {
        "dest": {"type": "path"},
        "probe": {"type": "raw"},
        "probe_with": {"type": "dict"},
        "release": {"type": "str", "default": ""},
        "threshold": {"type": "str", "choices": ["error", "warning", "info"]},
        "formats": {"type": "list", "elements": "str", "choices": ["json", "markdown", "html", "junit"],
                    "default": ["json", "markdown", "html", "junit"]},
    }},
}
