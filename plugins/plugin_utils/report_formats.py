# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet report renderings: the fleet dict of report.py in, text out.  Pure functions, no Ansible imports.

    host_verdict(entry)          -> lines for the play output
    fleet_verdict(fleet)         -> lines for the play output
    fleet_markdown(fleet)        -> Markdown summary
    fleet_html(fleet)            -> self-contained HTML (the diagnose role's Jinja2 template)
    fleet_junit(fleet)           -> JUnit XML, one testcase per host (and its ``ssh_probe``)
    report_files(fleet, facts)   -> {relative path: text} of every report file
"""

import json
import os
import re
import xml.etree.ElementTree as ET

from ansible_collections.sshd.doctor.plugins.plugin_utils.report import (
    DEFAULT_THRESHOLD,
    PROBE_BAD,
    SEVERITIES,
    ReportError,
    _fleet,
    _now,
    _plural,
    _text,
    at_or_above,
    headline,
    host_file,
    negotiation_line,
    normalize_entry,
    probe_headline,
    probe_stage_line,
    probe_where,
    version_key,
)

# Characters XML 1.0 cannot carry (log lines may contain them).
_XML_BAD_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

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
