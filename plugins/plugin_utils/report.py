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
import json
import os
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
        "probe": probe_negotiation(probe_report(entry.get("probe")), findings),
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
    neg = stage.get("negotiation")
    if isinstance(neg, dict) and neg.get("list"):
        out["negotiation"] = {"list": _text(neg["list"]),
                              "server_offer": [_text(a) for a in (neg.get("server_offer") or [])]}
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


# the probe's `negotiation.list` -> the sshd_config keyword of that list and its words
_NEGOTIATION_LISTS = {"kex": ("KexAlgorithms", "key exchange method"), "hostkey": ("HostKeyAlgorithms", "host key type"),
                      "ciphers": ("Ciphers", "cipher"), "macs": ("MACs", "MAC")}
NEGOTIATION_IDS = ("client_algorithms_incompatible", "clients_refused_negotiation", "weak_host_key_only")


def probe_negotiation(probe, findings):
    """Add ``negotiation`` to a normalized probe: for each stage the client ended at algorithm
    negotiation, the client, the list that failed, what the server offered, the host findings that
    name it, the configuration line that sets that list (from their evidence: ``KEYWORD FILE:LINE``)
    and the line that would admit this client, when the host's finding names one."""
    if not probe:
        return probe
    out = []
    for st in probe["stages"]:
        neg = st.get("negotiation")
        if st["ok"] or not neg:
            continue
        keyword, what = _NEGOTIATION_LISTS.get(neg["list"], (neg["list"], neg["list"]))
        named = [f for f in findings if f["id"] in NEGOTIATION_IDS]
        where = re.compile(r"\(%s ([^()]+)\)\s*$" % re.escape(keyword))
        found = next((m.group(1) for f in named for ev in f["evidence"] for m in [where.search(ev)] if m), None)
        set_by = f"{keyword} {found}" if found else None
        admit, admit_for = _admitting_line(named, what, _text(probe.get("client_version")))
        out.append({"stage": st["name"], "client": probe_where(probe) or "the controller's client",
                    "list": neg["list"], "keyword": keyword, "what": what, "server_offer": neg["server_offer"],
                    "set_by": set_by, "admit": admit, "admit_for": admit_for, "finding_ids": [f["id"] for f in named]})
    return dict(probe, negotiation=out)


_ADMIT_RE = re.compile(r"(?:is |; )([A-Za-z][\w.+-]*(?: [\w.+-]+)*): (`[^`]+`(?: \([^)]*\))?)")


def _admitting_line(findings, what, client_version):
    """From client_algorithms_incompatible's fix text (``LABEL: `LINE` (where)`` per client profile):
    ``(line, None)`` for this OpenSSH client's version, else ``(line, label)`` of the first profile
    that fails on the same list; ``(None, None)`` when no finding names one."""
    version = re.match(r"(\d+\.\d+)", client_version or "")
    candidates = []
    for f in findings:
        failing = {ev.split(":", 1)[0] for ev in f["evidence"] if "no matching %s" % what in ev}
        candidates += [(label, line) for label, line in _ADMIT_RE.findall(f["fix"]) if label in failing]
    for label, line in candidates:
        if version and re.fullmatch(r"OpenSSH %s\S*" % re.escape(version.group(1)), label):
            return line, None
    return (candidates[0][1], candidates[0][0]) if candidates else (None, None)


def negotiation_line(n):
    """``OpenSSH 9.2p1 client to root@h:22 found no common host key type (HostKeyAlgorithms): ...``"""
    line = "{} found no common {} ({}): the server offers {}".format(
        n["client"], n["what"], n["keyword"], ",".join(n["server_offer"]) or "nothing")
    line += "; set by {}".format(n["set_by"]) if n["set_by"] else "; the line that sets it: not named by the host's findings"
    if n["admit"] and n.get("admit_for"):
        line += "; the line the host's finding gives for {} (same list): {}".format(n["admit_for"], n["admit"])
    elif n["admit"]:
        line += "; the line that would admit this client: {}".format(n["admit"])
    if n["finding_ids"]:
        line += " (host findings: {})".format(", ".join(n["finding_ids"]))
    return line


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
            "    " + probe_stage_line(st) for st in probe["stages"] if not st["ok"]] + [
            "    negotiation: " + negotiation_line(n) for n in probe.get("negotiation") or []]
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
            lines.append(f"{label} ({len(s[key])}): {_names(s[key], max_hosts)}")
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
        lines.append(f"... {len(by_id) - max_findings} more finding ids in the report")
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

# The template of index.html: the diagnose role's, overridable (diagnose_report_html_template).
HTML_TEMPLATE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                             "roles", "diagnose", "templates", "fleet.html.j2")
DOCS_PATH = "docs/findings.md"  # finding ids link to <docs_url>#<id>; docs_url defaults to the collection's repository


def default_docs_url():
    """docs/findings.md in the collection's repository (galaxy.yml or MANIFEST.json), else the relative path."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    repo = None
    try:
        with open(os.path.join(root, "MANIFEST.json"), encoding="utf-8") as f:
            repo = json.load(f)["collection_info"].get("repository")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        try:
            with open(os.path.join(root, "galaxy.yml"), encoding="utf-8") as f:
                for line in f:
                    if line.startswith("repository:"):
                        repo = line.split(":", 1)[1].strip().strip("'\"")
        except OSError:
            pass
    return f"{repo.rstrip('/')}/blob/main/{DOCS_PATH}" if repo else DOCS_PATH


HTML_PAGE = 100  # host rows per page of the table


def _pct(n, total):
    return round(100.0 * n / total, 1) if total else 0


def _js_json(value):
    """JSON that is safe inside <script> (no ``</script>``, no ``<!--``)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") \
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _html_hosts_data(fleet, docs_url):
    """The hosts of the table, compact: repeated texts (summaries, fixes, check ids, releases) once."""
    strings, index = [], {}

    def intern(text):
        text = _text(text)
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return index[text]

    t = fleet.get("threshold", DEFAULT_THRESHOLD)
    rows = []
    for name, e in fleet["hosts"].items():
        label = _status_label(e)
        probe = e.get("probe")
        rows.append((_STATUS_ORDER[label], name, {
            "n": name, "r": intern(e["release"]), "v": e["version"], "s": label,
            "vk": "{:03d}{:03d}{:03d}".format(*version_key(e["version"])),
            "f": [[f["id"], f["severity"], intern(f["summary"]), f["evidence"], intern(f["fix"]), int(f["remediable"]),
                   int(at_or_above(f["severity"], t))] for f in e["findings"]],
            "c": [intern(c) for c in e["checks"]],
            "m": e["message"], "col": e.get("collector"), "file": e.get("file") or host_file(name),
            "p": None if not probe else {
                "status": probe["status"], "where": probe_where(probe), "summary": probe["summary"],
                "message": probe["message"], "ids": probe["finding_ids"],
                "neg": [dict(n, text=negotiation_line(n)) for n in probe.get("negotiation") or []],
                "stages": [{k: st.get(k) for k in ("name", "ok", "skipped", "reached", "failed_at", "classification",
                                                   "message", "finding_ids", "elapsed_ms")} for st in probe["stages"]]},
        }))
    rows.sort(key=lambda r: (r[0], r[1]))
    return _js_json({"strings": strings, "hosts": [r[2] for r in rows], "docs": docs_url, "page": HTML_PAGE})


def html_context(fleet, docs_url=None):
    """What the template of index.html gets (see the opening comment of fleet.html.j2)."""
    fleet = _fleet(fleet)
    s, t = fleet["summary"], fleet.get("threshold", DEFAULT_THRESHOLD)
    docs_url = docs_url or default_docs_url()
    total = s["hosts"] or 1
    by_id = [{"id": fid, "severity": i["severity"], "count": i["count"], "summary": i["summary"],
              "pct": max(_pct(i["count"], total), 1.5)} for fid, i in s["by_id"].items()]
    releases = []
    for rel, r in s["by_release"].items():
        segs = [(kind, n, _pct(n, r["hosts"])) for kind, n in (
            ("healthy", r["healthy"]), ("findings", r["findings"] - r["failing"]), ("failing", r["failing"]),
            ("unreachable", r["unreachable"]), ("failed", r["failed"])) if n]
        releases.append({"name": rel, "hosts": r["hosts"], "versions": r["versions"], "segments": segs,
                         "bad": r["failing"] + r["unreachable"] + r["failed"]})
    nsev = sum(s["severities"].values())
    severities = [(sev, s["severities"][sev], _pct(s["severities"][sev], nsev),
                   sum(1 for i in s["by_id"].values() if i["severity"] == sev), at_or_above(sev, t))
                  for sev in SEVERITIES] if nsev else []
    rgb = {"error": "207,34,46", "warning": "191,135,0", "info": "9,105,218"}
    matrix = []
    for fid, i in s["by_id"].items():
        cells = []
        for r in s["by_release"].values():
            n = r["by_id"].get(fid, 0)
            heat = _pct(n, r["hosts"]) / 100.0
            cells.append((n, f"background:rgba({rgb.get(i['severity'], rgb['error'])},{0.08 + 0.42 * heat:.2f})" if n else ""))
        matrix.append({"id": fid, "severity": i["severity"], "count": i["count"], "cells": cells})
    run = fleet.get("run") or {}
    runs = run.get("merged") or [run]
    reasons = {}
    for name, why in (fleet.get("not_run") or {}).items():
        reasons.setdefault(why, []).append(name)
    cards = [("hosts", s["hosts"], "hosts"), ("healthy", s["healthy"], "healthy"),
             ("findings", s["findings"], "with findings"), ("failing", s["failing"], f"at or above {t}"),
             ("unreachable", s["unreachable"], "unreachable"), ("failed", s["failed"], "failed to diagnose")]
    return {"fleet": fleet, "s": s, "t": t, "headline": headline(fleet), "run": run, "runs": runs,
            "cards": cards, "by_id": by_id, "releases": releases, "severities": severities, "matrix": matrix,
            "not_run_reasons": list(reasons.items()), "docs_url": docs_url,
            "data": _html_hosts_data(fleet, docs_url)}


def fleet_html(fleet, template=None, docs_url=None):
    """A self-contained HTML report (inline CSS and JS; it loads nothing from the network), rendered
    from the Jinja2 ``template`` (a path; the diagnose role's fleet.html.j2 by default)."""
    import jinja2  # controller side only: ansible-core depends on it
    from markupsafe import Markup

    path = template or HTML_TEMPLATE
    try:
        with open(path, encoding="utf-8") as f:
            source = f.read()
    except OSError as exc:
        raise ReportError(f"cannot read the HTML template {path}: {exc.strerror or exc}") from exc
    env = jinja2.Environment(autoescape=True, undefined=jinja2.ChainableUndefined, keep_trailing_newline=True)
    try:
        ctx = html_context(fleet, docs_url)
        ctx["data"] = Markup(ctx["data"])
        return env.from_string(source).render(**ctx)
    except jinja2.TemplateError as exc:
        raise ReportError(f"the HTML template {path} failed: {exc}") from exc


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


def report_files(fleet, facts=None, formats=tuple(REPORT_FORMATS), host_files=True, html_template=None, docs_url=None):
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
            if fmt == "json":
                files[path] = to_json(fleet)
            elif fmt == "html":
                files[path] = fleet_html(fleet, html_template, docs_url)
            else:
                files[path] = _RENDER[fmt](fleet)
    return files
