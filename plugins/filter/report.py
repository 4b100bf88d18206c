# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that build and render the sshd.doctor fleet report.

The documentation of each filter is in the YAML file of the same name next to this file; the
logic is in plugins/plugin_utils/report.py (pure functions, unit tested).
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.sshd.doctor.plugins.plugin_utils import report, report_formats


def _wrap(fn):
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except report.ReportError as exc:
            raise AnsibleFilterError(f"sshd.doctor.{fn.__name__}: {exc}") from exc

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def host_report(result, threshold=report.DEFAULT_THRESHOLD, release=None, probe=None):
    return report.host_report(result, threshold=threshold, release=release, probe=probe)


def fleet_report(hosts, threshold=report.DEFAULT_THRESHOLD, generated=None, run=None):
    return report.fleet_report(hosts, threshold=threshold, generated=generated, extra=run)


def host_verdict(entry, threshold=report.DEFAULT_THRESHOLD):
    return report_formats.host_verdict(entry, threshold=threshold)


def fleet_verdict(fleet, report_dir=None, details=False, max_hosts=report_formats.VERDICT_HOSTS,
                  max_findings=report_formats.VERDICT_FINDINGS):
    return report_formats.fleet_verdict(fleet, report_dir=report_dir, details=details, max_hosts=max_hosts,
                                        max_findings=max_findings)


def fleet_markdown(fleet):
    return report_formats.fleet_markdown(fleet)


def fleet_html(fleet, template=None, docs_url=None):
    return report_formats.fleet_html(fleet, template=template, docs_url=docs_url)


def fleet_junit(fleet):
    return report_formats.fleet_junit(fleet)


class FilterModule:
    """sshd.doctor report filters."""

    def filters(self):
        return {fn.__name__: _wrap(fn) for fn in (
            host_report, fleet_report, host_verdict, fleet_verdict, fleet_markdown, fleet_html, fleet_junit)}
