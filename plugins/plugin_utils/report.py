# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet reports: per-host results of ``sshd_facts`` in, the fleet dict out.

Pure functions, no Ansible imports; the filter plugins in ``plugins/filter/report.py`` are
thin wrappers.  The shape of the fleet dict is documented in docs/report.md:

    host_report(result, probe)   registered sshd_facts (and ssh_probe) result -> host entry
    probe_report(result)         registered ssh_probe result -> the ``probe`` of a host entry
    fleet_report({host: entry})  -> {"generated", "threshold", "hosts", "summary", ...}
    merge_fleets([fleet, ...])   -> one fleet dict of several runs or slices

Its renderings (play output, Markdown, HTML, JUnit, the report files) are in report_formats.py.
"""

import datetime
import re

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
