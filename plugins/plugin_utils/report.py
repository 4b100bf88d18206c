# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet reports: per-host results of ``sshd_facts`` in, a fleet dict and its renderings out.

Pure functions, no Ansible imports; the filter plugins in ``plugins/filter/report.py`` are
thin wrappers.  The shape of the fleet dict is documented in docs/report.md:

    host_report(result, probe)   registered sshd_facts (and ssh_probe) result -> host entry
    probe_report(result)         registered ssh_probe result -> the ``probe`` of a host entry
    fleet_report({host: entry})  -> {"generated", "threshold", "hosts", "summary", ...}
    host_verdict(entry)          -> lines for the play output
    fleet_verdict(fleet)         -> lines for the play output
    fleet_markdown(fleet)        -> Markdown summary
    fleet_html(fleet)            -> self-contained HTML (inline CSS and JS, no network)
    fleet_junit(fleet)           -> JUnit XML, one testcase per host and check (and ``ssh_probe``)
    report_files(fleet, facts)   -> {relative path: text} of every report file
"""

import datetime
import html
import json
import re
import xml.etree.ElementTree as ET

SCHEMA = 1
SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
STATUSES = ("healthy", "findings", "unreachable", "failed")
DEFAULT_THRESHOLD = "error"
NO_RESULT = "no result: the host left the play before sshd_facts reported (see the play output)"
# The client probe (sshd.doctor.ssh_probe from the controller) of a host: passed, failed (a stage
# failed), skipped (not run, with the reason) or error (the probe itself could not run).
PROBE_STATUSES = ("passed", "failed", "skipped", "error")
PROBE_BAD = ("failed", "error")
_PROBE_STAGE_KEYS = ("name", "ok", "skipped", "reached", "failed_at", "classification", "message", "finding_ids",
                     "rc", "elapsed_ms", "protocol", "client_lines", "notes")

_VERSION_RE = re.compile(r"(\d+)\.(\d+)(?:p(\d+))?")
_UNSAFE_NAME_RE = re.compile(r"[^A-Za-z0-9._-]")
# Characters XML 1.0 cannot carry (log lines may contain them).
_XML_BAD_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CODE_RE = re.compile(r"`([^`]+)`")


class ReportError(ValueError):
    """Bad input to a report function (the filter plugins turn it into AnsibleFilterError)."""


# ---------------------------------------------------------------- small helpers


def check_threshold(threshold):
    threshold = (threshold or DEFAULT_THRESHOLD).lower()
    if threshold not in SEVERITY_RANK:
        raise ReportError("threshold must be one of {}, not {!r}".format(", ".join(SEVERITIES), threshold))
    return threshold


def severity_rank(severity):
    """Rank of a severity; an unknown severity counts as an error (never hide what we cannot rank)."""
    return SEVERITY_RANK.get(str(severity or "").lower(), SEVERITY_RANK["error"])


def at_or_above(severity, threshold):
    return severity_rank(severity) >= SEVERITY_RANK[check_threshold(threshold)]


def version_key(version):
    """Sortable key of an OpenSSH version string ("9.2p1" -> (9, 2, 1)); unknown sorts last."""
    m = _VERSION_RE.search(str(version or ""))
    if not m:
        return (999, 0, 0)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0))


def safe_name(name):
    """A file name for a host (inventory names may carry characters a path cannot)."""
    out = _UNSAFE_NAME_RE.sub("_", str(name)).lstrip(".")
    return out or "_"


def host_file(name):
    return f"hosts/{safe_name(name)}.json"


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _text(value):
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _strip_task_failed(msg):
    msg = _text(msg).strip()
    for prefix in ("Task failed: ", "Module failed: "):
        while msg.startswith(prefix):
            msg = msg[len(prefix):]
    return msg


def normalize_finding(finding):
    """A finding as the reports use it: {id, severity, summary, evidence: [str], fix, remediable}."""
    if not isinstance(finding, dict):
        finding = {"summary": _text(finding)}
    evidence = finding.get("evidence")
    if evidence is None:
        evidence = []
    elif isinstance(evidence, (list, tuple)):
        seen, lines = set(), []
        for item in evidence:  # log lines repeat; a repeated line proves nothing more
            line = _text(item)
            if line and line not in seen:
                seen.add(line)
                lines.append(line)
        evidence = lines
    else:
        evidence = [_text(evidence)]
    severity = _text(finding.get("severity")).lower() or "error"
    return {
        "id": _text(finding.get("id")) or "unknown",
        "severity": severity if severity in SEVERITY_RANK else "error",
        "summary": _text(finding.get("summary")),
        "evidence": evidence,
        "fix": _text(finding.get("fix")),
        "remediable": bool(finding.get("remediable", False)),
    }


# ---------------------------------------------------------------- host entries


def _classify(result):
    """(status, message, sshd facts or None) of a registered sshd_facts result, of the facts
    themselves, or of a host entry; ``None`` or ``{}`` means the host has no result."""
    if not result:
        return "failed", NO_RESULT, None
    if not isinstance(result, dict):
        raise ReportError("expected a dict (registered sshd_facts result, ansible_facts.sshd or a host entry), "
                          f"got {type(result).__name__}")
    if result.get("unreachable"):
        return "unreachable", _strip_task_failed(result.get("msg")) or "unreachable", None
    if result.get("skipped"):
        reason = _text(result.get("skip_reason") or result.get("msg") or "no reason given")
        return "failed", f"sshd_facts was skipped: {reason}", None
    if result.get("failed"):
        return "failed", _strip_task_failed(result.get("msg")) or "sshd_facts failed", None
    if "ansible_facts" in result:
        sshd = (result.get("ansible_facts") or {}).get("sshd")
        if not isinstance(sshd, dict):
            return "failed", "sshd_facts returned no ansible_facts.sshd", None
        return None, "", sshd
    if "findings" in result or "checks" in result or "version" in result:
        return None, "", result
    return "failed", "unrecognised result (keys: {})".format(", ".join(sorted(map(str, result)))), None


def host_report(result, threshold=DEFAULT_THRESHOLD, release=None, probe=None):
    """One host's entry of the fleet report.

    ``result`` is the registered result of ``sshd.doctor.sshd_facts`` (also when it failed or the
    host was unreachable), or ``ansible_facts.sshd`` itself.  ``release`` labels the host in the
    by-release views (inventory ``diagnose_release`` or ``lab_release``); without it the host is
    labelled by its OpenSSH version.  ``probe`` is the registered result of
    ``sshd.doctor.ssh_probe`` run from the controller against the host (see ``probe_report``);
    ``None`` when the host was not probed.
    """
    threshold = check_threshold(threshold)
    if isinstance(result, dict) and "status" in result and result.get("status") in STATUSES:
        if probe is not None:
            result = dict(result, probe=probe)
        return normalize_entry(result, threshold)  # already an entry
    status, message, sshd = _classify(result)
    sshd = sshd or {}
    entry = {
        "status": status,
        "release": _text(release) or None,
        "version": sshd.get("version"),
        "findings": [normalize_finding(f) for f in (sshd.get("findings") or [])],
        "checks": [_text(c) for c in (sshd.get("checks") or [])],
        "message": message,
        "probe": probe,
        "collector": sshd.get("collector"),
    }
    return normalize_entry(entry, threshold)


def normalize_entry(entry, threshold=DEFAULT_THRESHOLD):
    """Fill in the derived keys of a host entry (status, failing, counts, worst, release label)."""
    threshold = check_threshold(threshold)
    if not entry:
        entry = {"status": "failed", "message": NO_RESULT}
    findings = [normalize_finding(f) for f in (entry.get("findings") or [])]
    findings.sort(key=lambda f: -severity_rank(f["severity"]))
    status = entry.get("status")
    if status not in ("unreachable", "failed"):
        status = "findings" if findings else "healthy"
    version = entry.get("version")
    release = entry.get("release") or ((f"OpenSSH {version}") if version else "unknown")
    counts = {s: 0 for s in SEVERITIES}
    for f in findings:
        counts[f["severity"]] += 1
    worst = max((f["severity"] for f in findings), key=severity_rank, default=None)
    return {
        "status": status,
        "failing": any(at_or_above(f["severity"], threshold) for f in findings),
        "release": _text(release),
        "version": version,
        "worst": worst,
        "counts": counts,
        "findings": findings,
        "checks": [_text(c) for c in (entry.get("checks") or [])],
        "message": _text(entry.get("message")),
        "probe": probe_report(entry.get("probe")),
        "collector": _text(entry.get("collector")) or None,  # raw: diagnosed without Python on the host
    }


# ---------------------------------------------------------------- the client probe


def _probe_stage(stage):
    if not isinstance(stage, dict):
        raise ReportError(f"a probe stage must be a dict, got {type(stage).__name__}")
    out = {k: stage.get(k) for k in _PROBE_STAGE_KEYS}
    out["name"] = _text(out["name"]) or "?"
    out["skipped"] = bool(out["skipped"])
    out["ok"] = bool(out["ok"]) or out["skipped"]
    out["message"] = _text(out["message"])
    out["finding_ids"] = [_text(i) for i in (out["finding_ids"] or [])]
    for key in ("client_lines", "notes"):
        out[key] = [_text(x) for x in (out[key] or [])]
    return out


def probe_stage_line(stage, ids=None):
    """One line for a stage: ``sftp failed at subsystem (subsystem_refused): ...; likely: ...``
    (at most ``ids`` finding ids, all when ``None``)."""
    if stage["skipped"]:
        return "{} skipped: {}".format(stage["name"], stage["message"] or "not run")
    if stage["ok"]:
        return "{} passed".format(stage["name"])
    line = "{} failed at {} ({}): {}".format(
        stage["name"], stage["failed_at"] or "?", stage["classification"] or "?", stage["message"] or "no message")
    found = stage["finding_ids"]
    if found:
        shown = found if ids is None else found[:ids]
        line += "; likely: " + ", ".join(shown) + (", ..." if len(shown) < len(found) else "")
    return line


def probe_report(result):
    """The ``probe`` of a host entry: a registered ``sshd.doctor.ssh_probe`` result (also a failed or
    skipped one), ``{"skipped": true, "msg": why}``, or a ``probe`` of an entry; ``None`` (or
    ``{}``) when the host was not probed.

    ``status`` is ``passed`` (every stage passed or was skipped), ``failed`` (a stage failed: the
    client's message, classification and candidate finding ids are in ``stages``), ``skipped`` (not
    run; ``message`` says why) or ``error`` (the probe module itself failed; ``message``).
    """
    if result is None or result == {}:
        return None
    if not isinstance(result, dict):
        raise ReportError(f"expected the registered result of sshd.doctor.ssh_probe, got {type(result).__name__}")
    status = result.get("status") if result.get("status") in PROBE_STATUSES else None
    message = _text(result.get("message")) if status else ""
    stages = result.get("stages")
    if status is None:
        if result.get("skipped"):
            status = "skipped"
            message = _text(result.get("msg") or result.get("skip_reason") or "not run")
        elif result.get("unreachable") or result.get("failed") or not isinstance(stages, list):
            status = "error"
            message = "ssh_probe failed: " + (_strip_task_failed(result.get("msg")) or "it returned no stages")
    stages = [_probe_stage(s) for s in (stages or [])] if isinstance(stages, list) else []
    if status in (None, "passed", "failed"):
        status = "passed" if all(s["ok"] for s in stages) else "failed"
    failed = [s for s in stages if not s["ok"]]
    ids = []
    for s in failed:
        ids.extend(i for i in s["finding_ids"] if i not in ids)
    target = result.get("target") if isinstance(result.get("target"), dict) else None
    if target is not None:
        target = {"host": target.get("host"), "port": target.get("port"), "user": target.get("user")}
    if status == "passed":
        summary = "all passed: " + (", ".join(s["name"] for s in stages if not s["skipped"]) or "nothing ran")
    elif status == "failed":
        summary = probe_stage_line(failed[0], ids=3)
    else:
        summary = message
    return {
        "status": status,
        "target": target,
        "client_version": result.get("client_version"),
        "server_version": result.get("server_version"),
        "summary": summary,
        "first_failure": failed[0]["name"] if failed else None,
        "finding_ids": ids,
        "stages": stages,
        "message": message,
    }


def probe_target(probe):
    """``user@host:port`` of a probe, or ``""``."""
    t = (probe or {}).get("target") or {}
    if not t.get("host"):
        return ""
    host = _text(t["host"])
    if ":" in host:
        host = f"[{host}]"
    user = f"{t['user']}@" if t.get("user") else ""
    return "{}{}:{}".format(user, host, t.get("port") or 22)


def probe_where(probe):
    """``OpenSSH 9.2p1 client to root@192.0.2.10:22`` (what is known of it)."""
    where = []
    if probe.get("client_version"):
        where.append("OpenSSH {} client".format(probe["client_version"]))
    if probe_target(probe):
        where.append("to " + probe_target(probe))
    return " ".join(where)


def probe_headline(probe):
    """``client probe (OpenSSH 9.2p1 client to root@h:22): <summary>`` for humans."""
    where = probe_where(probe)
    return "client probe{}: {}".format(f" ({where})" if where else "", probe["summary"])


# ---------------------------------------------------------------- the fleet


def fleet_report(hosts, threshold=DEFAULT_THRESHOLD, generated=None, extra=None, not_run=None):
    """The fleet dict: ``hosts`` maps inventory names to host entries (or registered results);
    ``{}``/``None`` for a host that has no result (it left the play early).

    ``not_run`` maps the names of hosts that this run could not see (outside ``--limit``, in another
    AWX job slice, in a later ``serial`` batch) to the reason: they are listed, never counted as failed.
    """
    threshold = check_threshold(threshold)
    if isinstance(hosts, (list, tuple)):
        hosts = {h: None for h in hosts}
    if not isinstance(hosts, dict):
        raise ReportError(f"hosts must be a dict of inventory name -> host entry, got {type(hosts).__name__}")
    entries = {}
    for name, value in hosts.items():
        entry = host_report(value, threshold) if value else normalize_entry(None, threshold)
        entry["file"] = host_file(name)
        entries[_text(name)] = entry
    fleet = {
        "schema": SCHEMA,
        "tool": "sshd.doctor",
        "generated": generated or _now(),
        "threshold": threshold,
        "hosts": entries,
        "summary": summarize(entries, threshold),
    }
    if extra:
        fleet["run"] = dict(extra)
    fleet["not_run"] = {_text(name): _text(why) for name, why in (not_run or {}).items() if _text(name) not in entries}
    fleet["summary"]["not_run"] = len(fleet["not_run"])
    return fleet


def merge_fleets(fleets, threshold=None, generated=None):
    """One fleet dict from several (runs, AWX job slices, controllers): ``(fleet, origin)`` where
    ``origin`` maps each host to the index of the fleet its entry came from.

    A host diagnosed by several fleets keeps the entry of the newest (``generated``; on a tie the
    later in the list); a host that one fleet did not run and another diagnosed is diagnosed; a host
    that none diagnosed stays in ``not_run``. ``threshold`` defaults to the strictest of the fleets.
    """
    if isinstance(fleets, dict) or not isinstance(fleets, (list, tuple)) or not fleets:
        raise ReportError("merge needs a non-empty list of fleet dicts (fleet.json of each run)")
    fleets = [_fleet(f) for f in fleets]
    if threshold is None:
        threshold = min((check_threshold(f.get("threshold") or DEFAULT_THRESHOLD) for f in fleets), key=severity_rank)
    threshold = check_threshold(threshold)
    hosts, origin, stamp = {}, {}, {}
    for index, fleet in enumerate(fleets):
        when = _text(fleet.get("generated"))
        for name, entry in fleet["hosts"].items():
            if name not in hosts or when >= stamp[name]:
                hosts[name], origin[name], stamp[name] = entry, index, when
    not_run = {}
    for fleet in fleets:
        for name, why in (fleet.get("not_run") or {}).items():
            if name not in hosts:
                not_run.setdefault(name, why)
    runs = []
    for index, fleet in enumerate(fleets):
        run = dict(fleet.get("run") or {})
        run.pop("merged", None)
        run.update(generated=fleet.get("generated"), hosts=len(fleet["hosts"]),
                   used=sum(1 for i in origin.values() if i == index))
        runs.extend((fleet.get("run") or {}).get("merged") or [run])
    merged = fleet_report(hosts, threshold, generated, {"merged": runs}, not_run)
    return merged, origin


def summarize(entries, threshold=DEFAULT_THRESHOLD):
    threshold = check_threshold(threshold)
    summary = {
        "hosts": len(entries),
        "healthy": 0, "findings": 0, "unreachable": 0, "failed": 0,
        "failing": 0,
        "passed": True,
        "failing_hosts": [], "unreachable_hosts": [], "failed_hosts": [],
        "severities": {s: 0 for s in SEVERITIES},
        "probe": {st: 0 for st in PROBE_STATUSES},
        "probe_failed_hosts": [],
        "by_id": {},
        "by_release": {},
    }
    by_id, by_release = {}, {}
    for name, e in entries.items():
        summary[e["status"]] += 1
        probe = e.get("probe")
        if probe:
            summary["probe"][probe["status"]] += 1
            if probe["status"] in PROBE_BAD:
                summary["probe_failed_hosts"].append(name)
        if e["failing"]:
            summary["failing"] += 1
            summary["failing_hosts"].append(name)
        if e["status"] in ("unreachable", "failed"):
            summary["{}_hosts".format(e["status"])].append(name)
        rel = by_release.setdefault(e["release"], {
            "hosts": 0, "versions": [], "healthy": 0, "findings": 0, "unreachable": 0, "failed": 0,
            "failing": 0, "by_id": {}})
        rel["hosts"] += 1
        rel[e["status"]] += 1
        rel["failing"] += int(e["failing"])
        if e["version"] and e["version"] not in rel["versions"]:
            rel["versions"].append(e["version"])
        for fid in sorted({f["id"] for f in e["findings"]}):
            rel["by_id"][fid] = rel["by_id"].get(fid, 0) + 1
        for f in e["findings"]:
            summary["severities"][f["severity"]] += 1
            item = by_id.setdefault(f["id"], {"severity": f["severity"], "count": 0, "failing": False,
                                              "hosts": [], "summary": f["summary"], "fix": f["fix"]})
            if severity_rank(f["severity"]) > severity_rank(item["severity"]):
                item["severity"] = f["severity"]
            item["failing"] = item["failing"] or at_or_above(f["severity"], threshold)
            if item["hosts"][-1:] != [name]:  # entries come host by host: a repeated id is the same host
                item["hosts"].append(name)
                item["count"] += 1
    summary["passed"] = not (summary["failing"] or summary["unreachable"] or summary["failed"]
                             or summary["probe_failed_hosts"])
    summary["by_id"] = dict(sorted(
        by_id.items(), key=lambda kv: (-severity_rank(kv[1]["severity"]), -kv[1]["count"], kv[0])))
    for rel in by_release.values():
        rel["versions"].sort(key=version_key)
        rel["by_id"] = dict(sorted(rel["by_id"].items()))
    summary["by_release"] = dict(sorted(
        by_release.items(),
        key=lambda kv: (version_key(kv[1]["versions"][0] if kv[1]["versions"] else None), kv[0] == "unknown", kv[0])))
    return summary


def _fleet(fleet):
    if not isinstance(fleet, dict) or not isinstance(fleet.get("hosts"), dict):
        raise ReportError("expected the fleet dict of sshd.doctor.fleet_report (with 'hosts' and 'summary')")
    for name, entry in fleet["hosts"].items():
        if not isinstance(entry, dict):
            raise ReportError(f"the entry of host {name} in the fleet dict is a {type(entry).__name__}, not a dict")
    if "summary" not in fleet:
        fleet = dict(fleet)
        fleet["summary"] = summarize(fleet["hosts"], fleet.get("threshold"))
    return fleet


def _plural(n, word, plural=None):
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def headline(fleet):
    """One sentence: the state of the fleet."""
    fleet = _fleet(fleet)
    s, t = fleet["summary"], fleet.get("threshold", DEFAULT_THRESHOLD)
    parts = [f"{s['healthy']} healthy", f"{s['findings']} with findings"]
    if s["unreachable"]:
        parts.append(f"{s['unreachable']} unreachable")
    if s["failed"]:
        parts.append(f"{s['failed']} failed")
    if not s["hosts"]:
        return "No hosts."
    if s["passed"]:
        verdict = f"PASSED: no host has a finding at or above {t}"
    else:
        bad = []
        if s["failing"]:
            bad.append("{} at or above {}".format(_plural(s["failing"], "host"), t))
        if s["unreachable"] or s["failed"]:
            bad.append("{} without a result".format(_plural(s["unreachable"] + s["failed"], "host")))
        if s.get("probe_failed_hosts"):
            bad.append("{} failing the client probe".format(_plural(len(s["probe_failed_hosts"]), "host")))
        verdict = "FAILED: " + ", ".join(bad)
    return "{} ({}: {}).".format(verdict, _plural(s["hosts"], "host"), ", ".join(parts))


# ---------------------------------------------------------------- play output


def host_verdict(entry, threshold=None):
    """Lines for the play output: ``healthy ...`` or each finding with evidence and fix."""
    if threshold is None:
        threshold = DEFAULT_THRESHOLD
    e = normalize_entry(entry, threshold)
    who = "OpenSSH {}".format(e["version"]) if e["version"] else "OpenSSH version unknown"
    if e["release"] and not e["release"].startswith("OpenSSH"):
        who = "{}, {}".format(e["release"], who)
    probe = _probe_verdict(e["probe"])
    if e["status"] == "unreachable":
        return ["UNREACHABLE: {}".format(e["message"])] + probe + [
            "hint: when sshd itself is what is broken, diagnose over another connection "
            "(podman, nsenter, chroot) with the sshd.doctor.rescue playbook"]
    if e["status"] == "failed":
        return ["FAILED: {}".format(e["message"])] + probe
    if e["status"] == "healthy":
        return ["healthy: {}, {}, no findings".format(who, _plural(len(e["checks"]), "check"))] + probe
    above = sum(1 for f in e["findings"] if at_or_above(f["severity"], threshold))
    head = "{}: {}, {} ({} at or above {})".format(
        "FINDINGS" if e["failing"] else "findings", who, _plural(len(e["findings"]), "finding"), above, threshold)
    lines = [head]
    for f in e["findings"]:
        lines.append("[{}] {}: {}".format(f["severity"], f["id"], f["summary"]))
        lines.extend(f"    evidence: {ev}" for ev in f["evidence"])
        if f["fix"]:
            hint = " (sshd.doctor.remediate can apply it)" if f["remediable"] else ""
            lines.append(f"    fix: {f['fix']}{hint}")
    return lines + probe


def _probe_verdict(probe):
    """Lines of the client probe for the play output (none when the host was not probed)."""
    if not probe:
        return []
    if probe["status"] == "failed":
        where = probe_where(probe)
        return ["CLIENT PROBE FAILED{}:".format(f" ({where})" if where else "")] + [
            "    " + probe_stage_line(st) for st in probe["stages"] if not st["ok"]]
    if probe["status"] == "error":
        return ["CLIENT PROBE ERROR" + probe_headline(probe)[len("client probe"):]]
    return [probe_headline(probe)]


VERDICT_HOSTS = 10     # hosts named and detailed in the play output
VERDICT_FINDINGS = 10  # finding ids listed in the play output
VERDICT_EVIDENCE = 3   # evidence lines per finding in the play output


def _names(names, limit):
    names = list(names)
    more = len(names) - limit
    return ", ".join(names[:limit]) + (f" and {more} more" if more > 0 else "")


def fleet_verdict(fleet, report_dir=None, details=False, max_hosts=VERDICT_HOSTS, max_findings=VERDICT_FINDINGS):
    """Lines for the play output at the end of a run, sized for a person at any fleet size: the
    counts, the ``max_findings`` most frequent finding ids, and with ``details`` the verdict of the
    first ``max_hosts`` hosts that are not healthy or whose client probe failed (findings with
    evidence and fix); the rest is in the report files."""
    fleet = _fleet(fleet)
    s = fleet["summary"]
    max_hosts, max_findings = max(0, int(max_hosts)), max(0, int(max_findings))
    lines = [headline(fleet)]
    for key, label in (("failing_hosts", "at or above threshold"), ("unreachable_hosts", "unreachable"),
                       ("failed_hosts", "failed"), ("probe_failed_hosts", "client probe failed")):
        if s.get(key):
            lines.append("{} ({}): {}".format(label, len(s[key]), _names(s[key], max_hosts)))
    not_run = fleet.get("not_run") or {}
    if not_run:
        reasons = {}
        for why in not_run.values():
            reasons[why] = reasons.get(why, 0) + 1
        lines.append("not in this run ({}): {} ({})".format(
            len(not_run), _names(not_run, max_hosts), "; ".join(f"{n}: {why}" for why, n in reasons.items())))
    by_id = list(s["by_id"].items())
    for fid, item in by_id[:max_findings]:
        lines.append("{} ({}): {}".format(fid, item["severity"], _plural(item["count"], "host")))
    if len(by_id) > max_findings:
        lines.append("... {} more finding ids in the report".format(len(by_id) - max_findings))
    if details:
        threshold = fleet.get("threshold") or DEFAULT_THRESHOLD
        shown = broken = 0
        for name, entry in fleet["hosts"].items():
            if entry.get("status") == "healthy" and not _probe_bad(entry):
                continue
            broken += 1
            if shown >= max_hosts:
                continue
            shown += 1
            first, *rest = _bounded(host_verdict(entry, threshold))
            lines.append(f"{name}: {first}")
            lines.extend("    " + line for line in rest)
        if broken > shown:
            lines.append(f"... {broken - shown} more hosts that are not healthy: see the report")
    if report_dir:
        where = str(report_dir).rstrip("/")
        lines.append(f"reports: {where}/index.html, fleet.md, fleet.json, junit.xml, hosts/")
    return lines


def _bounded(lines):
    """The verdict of one host with at most VERDICT_EVIDENCE evidence lines per finding."""
    out, run = [], 0
    for line in lines:
        if line.startswith("    evidence: "):
            run += 1
            if run == VERDICT_EVIDENCE + 1:
                out.append("    evidence: ... more in the report")
            if run > VERDICT_EVIDENCE:
                continue
        else:
            run = 0
        out.append(line)
    return out


# ---------------------------------------------------------------- Markdown


def _md_cell(value):
    return _text(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out.extend("| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows)
    return out


def _fence(lines):
    fence = "~~~" if any("```" in ln for ln in lines) else "```"
    return [fence + "text"] + [ln.replace("\n", " ") for ln in lines] + [fence]


def _status_label(e):
    if e["status"] == "findings" and e["failing"]:
        return "failing"
    return e["status"]


def fleet_markdown(fleet):
    """The fleet summary as GitHub-flavoured Markdown."""
    fleet = _fleet(fleet)
    s, t, hosts = fleet["summary"], fleet.get("threshold", DEFAULT_THRESHOLD), fleet["hosts"]
    out = ["# sshd.doctor fleet report", "",
           "Generated {}, threshold **{}**.".format(fleet.get("generated", ""), t), "",
           f"**{headline(fleet)}**", ""]
    out += _md_table(["hosts", "healthy", "with findings", f"at or above {t}", "unreachable", "failed"],
                     [[s["hosts"], s["healthy"], s["findings"], s["failing"], s["unreachable"], s["failed"]]])
    out.append("")
    if s["by_id"]:
        out += ["## Findings by id", ""]
        out += _md_table(["finding", "severity", "hosts", "which"],
                         [[f"`{fid}`", i["severity"], i["count"], ", ".join(i["hosts"])]
                          for fid, i in s["by_id"].items()])
        out.append("")
    if s["by_release"]:
        out += ["## By release", ""]
        out += _md_table(
            ["release", "OpenSSH", "hosts", "healthy", "with findings", "unreachable", "failed", "findings"],
            [[rel, ", ".join(r["versions"]) or "?", r["hosts"], r["healthy"], r["findings"], r["unreachable"],
              r["failed"], ", ".join(f"`{fid}` {n}" for fid, n in r["by_id"].items()) or "-"]
             for rel, r in s["by_release"].items()])
        out.append("")
    probed = [n for n in hosts if hosts[n].get("probe")]
    if probed:
        out += ["## Client probe", "",
                "`sshd.doctor.ssh_probe` from the controller's OpenSSH client: the stage that failed and the "
                "client's own message.", ""]
        out += _md_table(["host", "probe", "stages", "client's message", "likely"],
                         [_md_probe_row(n, hosts[n]["probe"]) for n in probed])
        out.append("")
    out += ["## Hosts", ""]
    order = sorted(hosts, key=lambda n: (_STATUS_ORDER[_status_label(hosts[n])], n))
    healthy = [n for n in order if hosts[n]["status"] == "healthy" and not _probe_bad(hosts[n])]
    for name in order:
        e = hosts[name]
        if name in healthy:
            continue
        ver = ("OpenSSH {}".format(e["version"])) if e["version"] else "OpenSSH ?"
        label = _status_label(e) + (", client probe {}".format(e["probe"]["status"]) if _probe_bad(e) else "")
        out += [f"### {name}: {label}", "",
                "{}, {}. Details: `{}`.".format(e["release"], ver, e.get("file") or host_file(name)), ""]
        if e.get("probe"):
            out += [_md_probe_line(e["probe"]), ""]
        if e["status"] in ("unreachable", "failed"):
            out += _fence([e["message"]]) + [""]
            continue
        for f in e["findings"]:
            out += ["- **{}** `{}`: {}".format(f["severity"], f["id"], f["summary"].replace("\n", " "))]
            if f["evidence"]:
                out += ["", "  Evidence:", ""] + ["  " + ln for ln in _fence(f["evidence"])]
            if f["fix"]:
                hint = " *(sshd.doctor.remediate can apply it)*" if f["remediable"] else ""
                out += ["", "  Fix: " + f["fix"].replace("\n", " ") + hint]
            out.append("")
    if healthy:
        out += ["### Healthy", "", ", ".join(healthy), ""]
    return "\n".join(out).rstrip("\n") + "\n"


_STATUS_ORDER = {"failing": 0, "failed": 1, "unreachable": 2, "findings": 3, "healthy": 4}


def _probe_bad(e):
    return bool(e.get("probe")) and e["probe"]["status"] in PROBE_BAD


def _stage_mark(st):
    if st["skipped"]:
        return "{} skipped".format(st["name"])
    if st["ok"]:
        return "{} ok".format(st["name"])
    return "{} **FAIL** at {}".format(st["name"], st["failed_at"] or "?")


def _md_probe_row(name, probe):
    failed = [st for st in probe["stages"] if not st["ok"]]
    if failed:  # the client's own words, verbatim
        message = failed[0]["message"]
        message = f"`{message}`" if message and "`" not in message else (message or "-")
    else:  # why a probe was skipped or could not run
        message = probe["message"] or "-"
    return [name, f"**{probe['status']}**" if probe["status"] in PROBE_BAD else probe["status"],
            ", ".join(_stage_mark(st) for st in probe["stages"]) or "-", message,
            ", ".join(f"`{i}`" for i in probe["finding_ids"]) or "-"]


def _md_probe_line(probe):
    where = probe_where(probe)
    return "Client probe{}: **{}**: {}".format(
        f" ({where})" if where else "", probe["status"], _text(probe["summary"]).replace("\n", " "))


# ---------------------------------------------------------------- JUnit XML


def _xml_text(value):
    return _XML_BAD_RE.sub("\ufffd", _text(value))


def _finding_text(f):
    lines = ["[{}] {}: {}".format(f["severity"], f["id"], f["summary"])]
    lines += [f"evidence: {ev}" for ev in f["evidence"]]
    if f["fix"]:
        lines.append("fix: {}".format(f["fix"]))
    return "\n".join(lines)


def fleet_junit(fleet):
    """JUnit XML as CI servers show it: one testsuite per release, one testcase per host. A host
    with findings at or above the threshold, or whose client probe failed, is a failure whose text
    holds each finding (evidence, fix) and the failed probe stages; an unreachable or failed host is
    an error; findings below the threshold are in the testcase's system-out."""
    fleet = _fleet(fleet)
    t = fleet.get("threshold", DEFAULT_THRESHOLD)
    stamp = _xml_text(fleet.get("generated", "")).replace("Z", "")
    root = ET.Element("testsuites", {"name": "sshd.doctor"})
    suites, totals = {}, {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for name, e in fleet["hosts"].items():
        release = e.get("release") or "unknown"
        if release not in suites:
            suite = ET.SubElement(root, "testsuite", {"name": _xml_text(f"sshd.doctor.{release}"), "timestamp": stamp})
            props = ET.SubElement(suite, "properties")
            ET.SubElement(props, "property", {"name": "threshold", "value": t})
            for key, value in sorted((fleet.get("run") or {}).items()):
                if isinstance(value, (str, int, float, bool)) or value is None:
                    ET.SubElement(props, "property", {"name": _xml_text(key), "value": _xml_text(value)})
            suites[release] = (suite, {"tests": 0, "failures": 0, "errors": 0, "skipped": 0})
        suite, counts = suites[release]
        case = ET.SubElement(suite, "testcase", {"classname": _xml_text(f"sshd.doctor.{release}"),
                                                 "name": _xml_text(name), "time": "0"})
        counts["tests"] += 1
        probe = e.get("probe")
        probe_text = ""
        if probe:
            probe_text = "\n".join([probe_headline(probe)] + [probe_stage_line(st) for st in probe["stages"]])
        if e["status"] in ("unreachable", "failed"):
            err = ET.SubElement(case, "error", {"type": e["status"], "message": _xml_text(e["message"])[:1000]})
            err.text = _xml_text("\n\n".join(x for x in (e["message"], probe_text) if x))
            counts["errors"] += 1
            continue
        above = [f for f in e["findings"] if at_or_above(f["severity"], t)]
        below = [f for f in e["findings"] if not at_or_above(f["severity"], t)]
        probe_bad = bool(probe) and probe["status"] in PROBE_BAD
        if above or probe_bad:
            parts = [_finding_text(f) for f in above] + ([probe_text] if probe_bad else [])
            message = ", ".join(f["id"] for f in above) or "client probe " + probe["status"]
            if above and probe_bad:
                message += "; client probe " + probe["status"]
            fail = ET.SubElement(case, "failure", {"type": (above[0]["severity"] if above else "probe"),
                                                   "message": _xml_text(message)[:1000]})
            fail.text = _xml_text("\n\n".join(parts))
            counts["failures"] += 1
        out = []
        if below:
            out.append(f"below the threshold ({t}):\n" + "\n\n".join(_finding_text(f) for f in below))
        if probe and not probe_bad:
            out.append(probe_text)
        if e.get("collector") == "raw":
            out.append("diagnosed without Python on the host (raw collector)")
        if out:
            ET.SubElement(case, "system-out").text = _xml_text("\n\n".join(out))
    for suite, counts in suites.values():
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", "0")
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", "0")
    _indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _indent(elem, level=0):
    """ElementTree.indent exists from Python 3.9 on; this keeps text nodes untouched."""
    pad = "\n" + "  " * level
    if len(elem):
        if not (elem.text and elem.text.strip()):
            elem.text = pad + "  "
        for child in elem:
            _indent(child, level + 1)
        if not (child.tail and child.tail.strip()):  # pylint: disable=undefined-loop-variable
            child.tail = pad  # pylint: disable=undefined-loop-variable
    if level and not (elem.tail and elem.tail.strip()):
        elem.tail = pad


# ---------------------------------------------------------------- HTML


def _h(value):
    return html.escape(_text(value), quote=True)


def _h_code(value):
    """Escaped text in which `backticked` spans become <code>."""
    return _CODE_RE.sub(lambda m: f"<code>{m.group(1)}</code>", _h(value))


def _pct(n, total):
    return 0 if not total else round(100.0 * n / total, 2)


def _badge(kind, text=None):
    return f'<span class="badge b-{_h(kind)}">{_h(text or kind)}</span>'


def _status_badge(e):
    label = _status_label(e)
    return _badge(label, {"failing": "failing", "findings": "findings"}.get(label, label))


def _html_cards(s, t):
    cards = [
        ("hosts", s["hosts"], "hosts"),
        ("healthy", s["healthy"], "healthy"),
        ("findings", s["findings"], "with findings"),
        ("failing", s["failing"], f"at or above {t}"),
        ("unreachable", s["unreachable"], "unreachable"),
        ("failed", s["failed"], "failed to diagnose"),
    ]
    out = ['<section class="cards">']
    for kind, n, label in cards:
        flt = "" if kind == "hosts" else kind
        dim = " zero" if not n and kind != "hosts" else ""
        out.append(f'<button type="button" class="card c-{kind}{dim}" data-status="{flt}"><span class="n">{n}</span>'
                   f'<span class="l">{_h(label)}</span></button>')
    out.append("</section>")
    return "\n".join(out)


def _html_by_id(s):
    total = s["hosts"] or 1
    if not s["by_id"]:
        return '<p class="empty">No findings on any host.</p>'
    out = ['<div class="bars">']
    for fid, i in s["by_id"].items():
        out.append(
            '<button type="button" class="bar-row" data-finding="{}" title="{}">'
            '<span class="bar-label"><code>{}</code> {}</span>'
            '<span class="bar-track"><span class="bar sev-{}" style="width:{}%"></span></span>'
            '<span class="bar-n">{}</span></button>'.format(
                _h(fid), _h(i["summary"]), _h(fid), _badge(i["severity"]), _h(i["severity"]),
                max(_pct(i["count"], total), 1.5), _h(f"{i['count']} of {s['hosts']} hosts")))
    out.append("</div>")
    return "\n".join(out)


def _html_by_release(s):
    if not s["by_release"]:
        return '<p class="empty">No hosts.</p>'
    out = ['<div class="bars">']
    for rel, r in s["by_release"].items():
        segs = []
        ok_findings = r["findings"] - r["failing"]
        for kind, n in (("healthy", r["healthy"]), ("findings", ok_findings), ("failing", r["failing"]),
                        ("unreachable", r["unreachable"]), ("failed", r["failed"])):
            if n:
                width = _pct(n, r["hosts"])
                segs.append(f'<span class="seg s-{kind}" style="width:{width}%" title="{kind}: {n}"></span>')
        vers = ", ".join(r["versions"])
        label = _h(rel) if rel.startswith("OpenSSH") or not vers else f"{_h(rel)} <small>OpenSSH {_h(vers)}</small>"
        bad = r["failing"] + r["unreachable"] + r["failed"]
        out.append(
            '<button type="button" class="bar-row" data-release="{}"><span class="bar-label">{}</span>'
            '<span class="bar-track stack">{}</span><span class="bar-n">{}{}</span></button>'.format(
                _h(rel), label, "".join(segs), _h(_plural(r["hosts"], "host")),
                f", {bad} fail" if bad else ", all pass"))
    out.append("</div>")
    out.append('<div class="legend">{}</div>'.format(" ".join(
        f'<span><i class="seg s-{k}"></i>{lbl}</span>' for k, lbl in (
            ("healthy", "healthy"), ("findings", "findings below threshold"), ("failing", "at or above threshold"),
            ("unreachable", "unreachable"), ("failed", "failed")))))
    return "\n".join(out)


_SEV_RGB = {"error": "207,34,46", "warning": "191,135,0", "info": "9,105,218"}


def _html_by_severity(s, threshold):
    total = sum(s["severities"].values())
    if not total:
        return '<p class="empty">No findings.</p>'
    out = ['<div class="bars">']
    for sev in SEVERITIES:
        n = s["severities"][sev]
        ids = [fid for fid, i in s["by_id"].items() if i["severity"] == sev]
        out.append(
            '<div class="bar-row static"><span class="bar-label">{} <small class="dim">{}</small></span>'
            '<span class="bar-track"><span class="bar sev-{}" style="width:{}%"></span></span>'
            '<span class="bar-n">{}</span></div>'.format(
                _badge(sev), "fails the run" if at_or_above(sev, threshold) else "reported only", sev,
                _pct(n, total) if n else 0, _h("{} in {}".format(_plural(n, "finding"), _plural(len(ids), "id")))))
    out.append("</div>")
    return "\n".join(out)


def _html_matrix(s):
    if not s["by_id"]:
        return ""
    rels = list(s["by_release"])
    out = ['<table class="matrix"><thead><tr><th>finding</th>']
    for rel in rels:
        r = s["by_release"][rel]
        sub = ""
        if r["versions"] and not rel.startswith("OpenSSH"):
            sub = "<br><small>{}</small>".format(_h(", ".join(r["versions"])))
        out.append("<th>{}{}<br><small>{}</small></th>".format(_h(rel), sub, _h(_plural(r["hosts"], "host"))))
    out.append("<th>all</th></tr></thead><tbody>")
    for fid, i in s["by_id"].items():
        out.append(f'<tr><th><button type="button" class="link" data-finding="{_h(fid)}">'
                   f'<code>{_h(fid)}</code></button> {_badge(i["severity"])}</th>')
        for rel in rels:
            r = s["by_release"][rel]
            n = r["by_id"].get(fid, 0)
            heat = _pct(n, r["hosts"]) / 100.0
            rgb = _SEV_RGB.get(i["severity"], _SEV_RGB["error"])
            style = f' style="background:rgba({rgb},{0.08 + 0.42 * heat:.2f})"' if n else ""
            out.append('<td class="num"{}>{}</td>'.format(style, n or '<span class="dim">0</span>'))
        out.append(f'<td class="num"><b>{i["count"]}</b></td></tr>')
    out.append("</tbody></table>")
    return "\n".join(out)


def _html_finding(f, threshold):
    above = at_or_above(f["severity"], threshold)
    ev = ""
    if f["evidence"]:
        ev = '<div class="k">evidence</div><pre>{}</pre>'.format("\n".join(_h(e) for e in f["evidence"]))
    fix = ""
    if f["fix"]:
        fix = '<div class="k">fix</div><p class="fix">{}{}</p>'.format(
            _h_code(f["fix"]), ' <span class="tag">sshd.doctor.remediate applies it</span>' if f["remediable"] else "")
    return ('<div class="finding sev-{}{}"><div class="fhead">{} <code class="fid">{}</code> {}</div>{}{}</div>'
            .format(_h(f["severity"]), "" if above else " below", _badge(f["severity"]), _h(f["id"]),
                    _h_code(f["summary"]), ev, fix))


def _html_probe(probe):
    """The client probe of a host: each stage with ok/fail, where it failed, the client's message and
    the finding ids that can explain it."""
    where = probe_where(probe)
    out = ['<div class="probe pr-{}"><div class="fhead">Client probe {}{}</div>'.format(
        _h(probe["status"]), _badge("probe-" + probe["status"], probe["status"]),
        f' <span class="dim">{_h(where)} (sshd.doctor.ssh_probe)</span>' if where else "")]
    if probe["status"] in ("skipped", "error") or not probe["stages"]:
        out.append("<pre>{}</pre></div>".format(_h(probe["message"] or probe["summary"])))
        return "\n".join(out)
    out.append('<table class="stages"><thead><tr><th>stage</th><th>result</th><th>reached</th><th>failed at</th>'
               "<th>classification</th><th>client's message</th><th>likely finding</th>"
               '<th class="num">ms</th></tr></thead><tbody>')
    for st in probe["stages"]:
        if st["skipped"]:
            result = _badge("probe-skipped", "skipped")
        elif st["ok"]:
            result = _badge("probe-passed", "ok")
        else:
            result = _badge("probe-failed", "fail")
        name = _h(st["name"]) + (f' <small class="dim">{_h(st["protocol"])}</small>' if st.get("protocol") else "")
        msg = _h(st["message"]) if st["message"] else '<span class="dim">-</span>'
        if not st["ok"] and st["message"]:
            msg = f"<pre>{msg}</pre>"
        out.append('<tr class="st-{}"><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
                   '<td>{}</td><td>{}</td><td class="num">{}</td></tr>'.format(
                       "skip" if st["skipped"] else ("ok" if st["ok"] else "fail"), name, result,
                       _h(st["reached"] or "-"), _h(st["failed_at"] or "-"),
                       _h(st["classification"] or "-") if not st["ok"]
                       else '<span class="dim">{}</span>'.format("skipped" if st["skipped"] else "ok"),
                       msg, " ".join(f"<code>{_h(i)}</code>" for i in st["finding_ids"]) or "-",
                       _h(st["elapsed_ms"] if st["elapsed_ms"] is not None else "")))
    out.append("</tbody></table></div>")
    return "\n".join(out)


def _html_hosts(fleet):
    hosts, t = fleet["hosts"], fleet.get("threshold", DEFAULT_THRESHOLD)
    ids = list(fleet["summary"]["by_id"])
    rels = list(fleet["summary"]["by_release"])
    out = ['<div class="toolbar">',
           '<input type="search" id="q" placeholder="Filter: host, release, version, finding id" aria-label="filter">',
           '<select id="fstatus" aria-label="status"><option value="">any status</option>']
    for st in ("failing", "findings", "healthy", "unreachable", "failed"):
        out.append('<option value="{}">{}</option>'.format(st, "at or above threshold" if st == "failing" else st))
    out.append('</select><select id="ffinding" aria-label="finding"><option value="">any finding</option>')
    out.extend(f'<option value="{_h(i)}">{_h(i)}</option>' for i in ids)
    out.append('</select><select id="frelease" aria-label="release"><option value="">any release</option>')
    out.extend(f'<option value="{_h(r)}">{_h(r)}</option>' for r in rels)
    out.append('</select><button type="button" id="reset">reset</button>'
               '<button type="button" id="expand">expand all</button>'
               '<button type="button" id="collapse">collapse all</button>'
               '<span id="shown" class="dim"></span></div>')
    out.append('<table class="hosts" id="hosts"><thead><tr>'
               '<th data-sort="host" class="sortable">host</th><th data-sort="release" class="sortable">release</th>'
               '<th data-sort="version" class="sortable">OpenSSH</th>'
               '<th data-sort="status" class="sortable asc">status</th>'
               '<th data-sort="nfind" class="sortable num">findings</th><th>ids</th></tr></thead>')
    for name in sorted(hosts, key=lambda n: (_STATUS_ORDER[_status_label(hosts[n])], n)):
        e = hosts[name]
        label = _status_label(e)
        probe = e.get("probe")
        fids = []
        for f in e["findings"]:
            if f["id"] not in fids:
                fids.append(f["id"])
        vkey = "{:03d}{:03d}{:03d}".format(*version_key(e["version"]))
        attrs = {
            "data-host": name, "data-release": e["release"], "data-version": vkey, "data-status": label,
            "data-status-rank": _STATUS_ORDER[label], "data-nfind": len(e["findings"]),
            "data-ids": " ".join(fids),
            "data-probe": probe["status"] if probe else "",
            "data-text": " ".join([name, e["release"], e["version"] or "", label, *fids,
                                   *(["probe-" + probe["status"], *probe["finding_ids"]] if probe else [])]).lower(),
        }
        out.append("<tbody class=\"h\" {}>".format(" ".join(f'{k}="{_h(v)}"' for k, v in attrs.items())))
        idcells = " ".join('<code class="sev-t-{}">{}</code>'.format(
            _h(next(f["severity"] for f in e["findings"] if f["id"] == i)), _h(i)) for i in fids)
        if e["status"] in ("unreachable", "failed"):
            idcells = '<span class="dim">{}</span>'.format(_h(_shorten(e["message"], 90)))
        out.append('<tr class="row" tabindex="0"><td class="hn"><span class="tw"></span>{}</td><td>{}</td><td>{}</td>'
                   '<td>{}</td><td class="num">{}</td><td>{}</td></tr>'.format(
                       _h(name), _h(e["release"]), _h(e["version"] or "?"),
                       _status_badge(e) + (" " + _badge("probe-" + probe["status"], "probe " + probe["status"])
                                           if probe else ""),
                       len(e["findings"]) if e["status"] not in ("unreachable", "failed") else "-", idcells))
        out.append('<tr class="detail"><td colspan="6">')
        if e["status"] in ("unreachable", "failed"):
            out.append('<div class="finding sev-{}"><div class="fhead">{}</div><pre>{}</pre></div>'.format(
                "unreachable" if e["status"] == "unreachable" else "error",
                "Host unreachable: no diagnosis" if e["status"] == "unreachable" else "sshd_facts failed: no diagnosis",
                _h(e["message"])))
        else:
            out.extend(_html_finding(f, t) for f in e["findings"])
            passed = [c for c in e["checks"] if c not in fids]
            out.append('<details class="checks"><summary>{} of {} passed</summary>{}</details>'.format(
                len(passed), _h(_plural(len(e["checks"]), "check")),
                " ".join(f"<code>{_h(c)}</code>" for c in passed) or "-"))
        if probe:
            out.append(_html_probe(probe))
        out.append('<p class="file">per-host JSON: <a href="{}">{}</a></p>'.format(
            _h(e.get("file") or host_file(name)), _h(e.get("file") or host_file(name))))
        out.append("</td></tr></tbody>")
    out.append("</table>")
    return "\n".join(out)


def _shorten(text, n):
    text = " ".join(_text(text).split())
    return text if len(text) <= n else text[: n - 1] + "\u2026"


_CSS = """
:root{--fg:#1f2328;--mut:#59636e;--bg:#f6f8fa;--card:#fff;--line:#d1d9e0;--err:#cf222e;--warn:#bf8700;
--info:#0969da;--ok:#1a7f37;--unr:#6e7781;--fail:#8250df}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",
Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1360px;margin:0 auto;padding:20px 24px 40px}
header h1{font-size:22px;margin:0 0 2px}header .meta{color:var(--mut)}
code,pre{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
code{background:#eff2f5;border-radius:4px;padding:0 4px}
.verdict{margin:14px 0;padding:10px 14px;border-radius:8px;font-weight:600;border:1px solid}
.verdict.pass{background:#dafbe1;border-color:#4ac26b;color:#116329}.verdict.fail{background:#ffebe9;border-color:#ff8182;color:#a40e26}
.cards{display:grid;grid-template-columns:repeat(6,1fr);gap:10px;margin:10px 0 16px}
.card{background:var(--card);border:1px solid var(--line);border-left:5px solid var(--mut);border-radius:8px;
padding:8px 12px;text-align:left;cursor:pointer;font:inherit;color:inherit}
.card:hover{box-shadow:0 1px 4px rgba(0,0,0,.12)}.card .n{display:block;font-size:26px;font-weight:700}
.card .l{color:var(--mut)}.card.zero{opacity:.55}
.c-healthy{border-left-color:var(--ok)}.c-findings{border-left-color:var(--warn)}.c-failing{border-left-color:var(--err)}
.c-unreachable{border-left-color:var(--unr)}.c-failed{border-left-color:var(--fail)}.c-hosts{border-left-color:var(--info)}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:14px}
.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px;margin-bottom:14px}
.panel h2{font-size:15px;margin:0 0 10px}.panel h2.sub{margin-top:18px}
.bar-row.static{cursor:default}.bar-row.static:hover{background:none}
.bars{display:flex;flex-direction:column;gap:4px}
.bar-row{display:grid;grid-template-columns:minmax(170px,42%) 1fr 118px;gap:8px;align-items:center;background:none;
border:0;padding:3px 4px;border-radius:6px;font:inherit;color:inherit;text-align:left;cursor:pointer}
.bar-row:hover,.bar-row.on{background:#eef4ff}
.bar-label{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.bar-track{height:14px;background:#eef0f3;border-radius:7px;overflow:hidden;display:flex}
.bar{display:block;height:100%;border-radius:7px}.bar-n{color:var(--mut);font-size:12.5px;white-space:nowrap}
.sev-error.bar,.s-failing{background:var(--err)}.sev-warning.bar,.s-findings{background:var(--warn)}
.sev-info.bar{background:var(--info)}.s-healthy{background:var(--ok)}.s-unreachable{background:var(--unr)}.s-failed{background:var(--fail)}
.seg{display:block;height:100%}
.legend{margin-top:8px;color:var(--mut);font-size:12px;display:flex;flex-wrap:wrap;gap:12px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:11.5px;font-weight:600;line-height:18px;
border:1px solid transparent;white-space:nowrap}
.b-error,.b-failing{background:#ffebe9;color:#a40e26;border-color:#ffcecb}
.b-warning,.b-findings{background:#fff8c5;color:#7d4e00;border-color:#f5e0a0}
.b-info{background:#ddf4ff;color:#0550ae;border-color:#b6e3ff}.b-healthy{background:#dafbe1;color:#116329;border-color:#aceebb}
.b-unreachable{background:#eaeef2;color:#424a53;border-color:#d0d7de}.b-failed{background:#fbefff;color:#6e40c9;border-color:#e6ccff}
table{border-collapse:collapse;width:100%}
th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-size:12.5px;color:var(--mut);font-weight:600;background:#f6f8fa}
.num{text-align:right}.dim{color:#8c959f}
.matrix td,.matrix th{border:1px solid var(--line)}.matrix td{min-width:84px}
button.link{background:none;border:0;padding:0;cursor:pointer;font:inherit}
.toolbar{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin-bottom:10px}
.toolbar input{flex:1 1 260px;padding:6px 10px;border:1px solid var(--line);border-radius:6px;font:inherit}
.toolbar select,.toolbar button{padding:5px 8px;border:1px solid var(--line);border-radius:6px;background:#fff;
font:inherit;cursor:pointer}
th.sortable{cursor:pointer;user-select:none}th.sortable::after{content:" \\2195";color:#afb8c1}
th.asc::after{content:" \\2191";color:var(--fg)}th.desc::after{content:" \\2193";color:var(--fg)}
.hosts tr.row{cursor:pointer}.hosts tr.row:hover td{background:#f6f8fa}
.hosts td.hn{font-weight:600;white-space:nowrap}
.tw::before{content:"\\25B8";display:inline-block;width:14px;color:#8c959f}
tbody.open .tw::before{content:"\\25BE"}
.js tbody.h:not(.open) tr.detail{display:none}
tr.detail>td{background:#fbfcfd;padding:8px 12px 12px 30px}
.finding{border:1px solid var(--line);border-left:4px solid var(--err);border-radius:6px;background:#fff;
padding:8px 10px;margin:6px 0}
.finding.sev-warning{border-left-color:var(--warn)}.finding.sev-info{border-left-color:var(--info)}
.finding.sev-unreachable{border-left-color:var(--unr)}.finding.below{opacity:.85}
.fhead{font-weight:600}.fid{font-weight:600}
.k{color:var(--mut);font-size:11.5px;text-transform:uppercase;letter-spacing:.04em;margin-top:6px}
pre{margin:2px 0 0;padding:6px 8px;background:#f6f8fa;border-radius:6px;white-space:pre-wrap;word-break:break-word}
.fix{margin:2px 0 0}.tag{font-size:11.5px;color:#116329;background:#dafbe1;border-radius:4px;padding:0 5px}
.checks{margin:8px 0 0;color:var(--mut);font-size:12.5px}.checks summary{cursor:pointer}
.checks code{font-size:11.5px;margin-right:2px;line-height:1.9}
.file{margin:4px 0 0;font-size:12px;color:var(--mut)}
.b-probe-passed{background:#dafbe1;color:#116329;border-color:#aceebb}.b-probe-failed{background:#ffebe9;color:#a40e26;border-color:#ffcecb}
.b-probe-error{background:#fbefff;color:#6e40c9;border-color:#e6ccff}.b-probe-skipped{background:#eaeef2;color:#424a53;border-color:#d0d7de}
.probe{border:1px solid var(--line);border-left:4px solid var(--ok);border-radius:6px;background:#fff;padding:8px 10px;margin:6px 0}
.probe.pr-failed{border-left-color:var(--err)}.probe.pr-error{border-left-color:var(--fail)}.probe.pr-skipped{border-left-color:var(--unr)}
table.stages{margin-top:6px;font-size:12.5px}table.stages td,table.stages th{padding:3px 6px}
table.stages tr.st-fail td{background:#fff5f5}table.stages pre{margin:0;padding:2px 6px}
.sev-t-error{color:#a40e26}.sev-t-warning{color:#7d4e00}.sev-t-info{color:#0550ae}
.empty{color:var(--mut)}footer{color:var(--mut);font-size:12px;margin-top:18px}
@media (max-width:900px){.grid{grid-template-columns:1fr}.cards{grid-template-columns:repeat(3,1fr)}}
@media print{.toolbar{display:none}.js tbody.h:not(.open) tr.detail{display:table-row}}
"""

_JS = """
(function(){
  document.documentElement.classList.add('js');
  var tbl=document.getElementById('hosts'); if(!tbl) return;
  var groups=Array.prototype.slice.call(tbl.tBodies);
  var q=document.getElementById('q'), fs=document.getElementById('fstatus'),
      ff=document.getElementById('ffinding'), fr=document.getElementById('frelease'),
      shown=document.getElementById('shown');
  var bad=groups.filter(function(g){return g.dataset.status!=='healthy'||g.dataset.probe==='failed'||
    g.dataset.probe==='error';});
  if(bad.length<=25){bad.forEach(function(g){g.classList.add('open');});}
  function apply(){
    var t=q.value.trim().toLowerCase(), st=fs.value, fi=ff.value, re=fr.value, n=0;
    groups.forEach(function(g){
      var ok=(!t||g.dataset.text.indexOf(t)>=0)&&(!st||g.dataset.status===st||
        (st==='findings'&&g.dataset.status==='failing'))&&(!fi||(' '+g.dataset.ids+' ').indexOf(' '+fi+' ')>=0)&&
        (!re||g.dataset.release===re);
      g.style.display=ok?'':'none'; if(ok) n++;
    });
    shown.textContent='showing '+n+' of '+groups.length+' hosts';
    document.querySelectorAll('[data-finding]').forEach(function(b){b.classList.toggle('on',!!fi&&b.dataset.finding===fi);});
    document.querySelectorAll('.bar-row[data-release]').forEach(function(b){b.classList.toggle('on',!!re&&b.dataset.release===re);});
  }
  [q,fs,ff,fr].forEach(function(el){el.addEventListener('input',apply);el.addEventListener('change',apply);});
  function go(){document.getElementById('hostsec').scrollIntoView({behavior:'smooth'});}
  document.querySelectorAll('[data-finding]').forEach(function(b){b.addEventListener('click',function(){
    ff.value=(ff.value===b.dataset.finding)?'':b.dataset.finding; apply(); if(ff.value) go();});});
  document.querySelectorAll('.bar-row[data-release]').forEach(function(b){b.addEventListener('click',function(){
    fr.value=(fr.value===b.dataset.release)?'':b.dataset.release; apply(); if(fr.value) go();});});
  document.querySelectorAll('.card').forEach(function(b){b.addEventListener('click',function(){
    fs.value=b.dataset.status; apply(); go();});});
  document.getElementById('reset').addEventListener('click',function(){q.value='';fs.value='';ff.value='';fr.value='';apply();});
  document.getElementById('expand').addEventListener('click',function(){groups.forEach(function(g){g.classList.add('open');});});
  document.getElementById('collapse').addEventListener('click',function(){groups.forEach(function(g){g.classList.remove('open');});});
  groups.forEach(function(g){var r=g.rows[0];
    r.addEventListener('click',function(){g.classList.toggle('open');});
    r.addEventListener('keydown',function(e){
      if(e.key==='Enter'||e.key===' '){e.preventDefault();g.classList.toggle('open');}});});
  var keys={host:function(g){return g.dataset.host.toLowerCase();},
    release:function(g){return g.dataset.release.toLowerCase();},
    version:function(g){return g.dataset.version;},status:function(g){return +g.dataset.statusRank;},
    nfind:function(g){return +g.dataset.nfind;}};
  tbl.querySelectorAll('th[data-sort]').forEach(function(th){th.addEventListener('click',function(){
    var k=keys[th.dataset.sort], asc=!th.classList.contains('asc');
    tbl.querySelectorAll('th').forEach(function(x){x.classList.remove('asc','desc');});
    th.classList.add(asc?'asc':'desc');
    groups.sort(function(a,b){var x=k(a),y=k(b);var c=x<y?-1:x>y?1:0;
      if(!c){c=a.dataset.host<b.dataset.host?-1:1;} return asc?c:-c;});
    groups.forEach(function(g){tbl.appendChild(g);});
  });});
  apply();
})();
"""


def fleet_html(fleet):
    """A self-contained HTML report (inline CSS and JS; it loads nothing from the network)."""
    fleet = _fleet(fleet)
    s, t = fleet["summary"], fleet.get("threshold", DEFAULT_THRESHOLD)
    data = json.dumps({"generated": fleet.get("generated"), "threshold": t, "summary": {
        k: v for k, v in s.items() if k not in ("by_id", "by_release")}}, sort_keys=True)
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; img-src data:\">",
        f"<title>sshd.doctor fleet report: {_h(headline(fleet))}</title>",
        f"<style>{_CSS}</style></head><body><main>",
        '<header><h1>sshd.doctor fleet report</h1><div class="meta">generated {} &middot; threshold <b>{}</b> '
        "&middot; {}</div></header>".format(_h(fleet.get("generated", "")), _h(t), _h(_plural(s["hosts"], "host"))),
        '<div class="verdict {}">{}</div>'.format("pass" if s["passed"] else "fail", _h(headline(fleet))),
        _html_cards(s, t),
        '<div class="grid"><section class="panel">'
        '<h2>Findings by id <small class="dim">(hosts affected; click to filter)</small></h2>',
        _html_by_id(s),
        '</section><section class="panel">'
        '<h2>Hosts by release <small class="dim">(status mix; click to filter)</small></h2>',
        _html_by_release(s),
        '<h2 class="sub">Findings by severity</h2>',
        _html_by_severity(s, t),
        "</section></div>",
    ]
    matrix = _html_matrix(s)
    if matrix:
        parts += ['<section class="panel"><h2>Findings by release <small class="dim">(hosts per release)</small></h2>',
                  matrix, "</section>"]
    parts += ['<section class="panel" id="hostsec"><h2>Hosts <small class="dim">(click a row for evidence and fix; '
              "click a column to sort)</small></h2>", _html_hosts(fleet), "</section>",
              '<footer>sshd.doctor &middot; fleet.json, fleet.md, junit.xml and hosts/*.json sit next to this file. '
              "Findings are documented in docs/findings.md of the collection.</footer>",
              f'</main><script type="application/json" id="fleet-summary">{data}</script>',
              f"<script>{_JS}</script></body></html>"]
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------- the files of a report

# format -> the fleet file of that format; ``json`` also writes hosts/<host>.json per host.
REPORT_FORMATS = {"json": "fleet.json", "markdown": "fleet.md", "html": "index.html", "junit": "junit.xml"}
_RENDER = {"markdown": fleet_markdown, "html": fleet_html, "junit": fleet_junit}


def to_json(value):
    """The JSON text of a report file (4-space indent, keys in their order, final newline)."""
    return json.dumps(value, indent=4, separators=(",", ": "), ensure_ascii=False, default=str) + "\n"


def now_iso():
    """The current UTC time as the reports write it."""
    return _now()


def host_document(name, entry, sshd, generated, threshold):
    """The text of ``hosts/<host>.json``: the host's entry and its ``ansible_facts.sshd`` (``null``
    when the host was not diagnosed)."""
    doc = {"host": name, "generated": generated, "threshold": threshold}
    doc.update(entry)
    doc["sshd"] = sshd if entry.get("status") in ("healthy", "findings") else None
    return to_json(doc)


def report_files(fleet, facts=None, formats=tuple(REPORT_FORMATS), host_files=True):
    """Every file of the report as ``{path relative to the report directory: text}``.

    ``facts`` maps inventory names to their ``ansible_facts.sshd``; a host file carries it only
    when the host was diagnosed (status healthy or findings), else ``"sshd": null``.
    """
    fleet = _fleet(fleet)
    facts = facts or {}
    if not isinstance(facts, dict):
        raise ReportError(f"facts must be a dict of inventory name -> ansible_facts.sshd, got {type(facts).__name__}")
    if isinstance(formats, str):
        formats = [formats]
    unknown = sorted(set(formats) - set(REPORT_FORMATS))
    if unknown:
        raise ReportError(f"unknown report format(s) {', '.join(map(str, unknown))}; choose from {', '.join(REPORT_FORMATS)}")
    files = {}
    if "json" in formats and host_files:
        for name, entry in fleet["hosts"].items():
            # the path is made from the name again, never taken from the dict (no ``../``)
            files[host_file(name)] = host_document(name, entry, facts.get(name), fleet.get("generated"),
                                                   fleet.get("threshold"))
    for fmt, path in REPORT_FORMATS.items():
        if fmt in formats:
            files[path] = to_json(fleet) if fmt == "json" else _RENDER[fmt](fleet)
    return files
