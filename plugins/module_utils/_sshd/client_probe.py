# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ssh_probe module's back end: one run of the local OpenSSH client against one server.

The command lines (pure functions: validated parameters in, argv out) and ``ClientProbe``, which
runs them in order, one small step a method, the way community.crypto's keypair module runs
over its backend; probe.py classifies what the client printed.  The module
(plugins/modules/ssh_probe.py) only builds it with ``module.run_command`` and
``module.get_bin_path`` and reports the result.  Nothing here changes the target: the probe
only reads, so check mode runs it as it is.
"""

import os
import re
import shutil
import tempfile
import time

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import probe

CLIENT_PROGRAMS = ("ssh", "sftp", "scp", "timeout")
SAFE_REMOTE_PATH = re.compile(r"^/[A-Za-z0-9._/+-]+$")

# The options of sshd.doctor.ssh_probe: the module's, and what sshd_facts' report.probe_with is
# checked against when the diagnose role probes in the same task (plugins/action/sshd_facts.py).
ARGUMENT_SPEC = {
    "host": {"type": "str", "required": True},
    "port": {"type": "int", "default": 22},
    "user": {"type": "str"},
    "identity_file": {"type": "path"},
    "timeout": {"type": "int", "default": 10},
    "operations": {"type": "list", "elements": "str", "choices": list(probe.OPERATIONS),
                   "default": list(probe.OPERATIONS)},
    "remote_file": {"type": "str", "default": "/etc/hostname"},
    "ssh_options": {"type": "list", "elements": "str", "default": []},
    "known_hosts_file": {"type": "path"},
    "strict_host_key_checking": {"type": "str", "choices": ["accept-new", "yes", "no"],
                                 "default": "accept-new"},
    "use_ssh_config": {"type": "bool", "default": False},
    "keep_going": {"type": "bool", "default": False},
    "return_output": {"type": "bool", "default": False},
}


# ---------------------------------------------------------------- command lines


def is_ipv6_literal(host):
    return ":" in host and not host.startswith("[")


def bracket(host):
    """scp and sftp split ``host:path`` at the first colon: IPv6 literals go in brackets."""
    return "[%s]" % host if is_ipv6_literal(host) else host


def validate(params):
    """Refuse parameters that could be read as client options or remote shell syntax.  Returns error strings."""
    errors = []
    host = params.get("host") or ""
    if not host or host.startswith("-") or any(c.isspace() for c in host) or "@" in host or "/" in host:
        errors.append("host must be a plain host name or address, not %r" % host)
    user = params.get("user")
    if user is not None and (not user or user.startswith("-") or any(c.isspace() or c in "@:" for c in user)):
        errors.append("user must be a plain account name, not %r" % user)
    port = params.get("port")
    if port is None or not 0 < int(port) < 65536:
        errors.append("port must be between 1 and 65535, not %r" % port)
    if int(params.get("timeout") or 0) < 1:
        errors.append("timeout must be at least 1 second")
    remote = params.get("remote_file") or ""
    if not SAFE_REMOTE_PATH.match(remote):
        errors.append("remote_file must be an absolute path of letters, digits and ._/+- only (legacy scp hands it "
                      "to the remote shell), not %r" % remote)
    for opt in params.get("ssh_options") or []:
        if not opt or opt.startswith("-") or ("=" not in opt and " " not in opt.strip()):
            errors.append("ssh_options entries are Keyword=value pairs (passed as -o), not %r" % opt)
    return errors


def host_key_policy(value, version_tuple):
    """StrictHostKeyChecking for this client: ``accept-new`` exists from OpenSSH 7.6 on.

    Older clients get ``no``, which with the probe's own (empty) known_hosts file trusts the
    first key just the same; only a key that changes between the operations goes unnoticed.
    """
    if value == "accept-new" and version_tuple is not None and tuple(version_tuple) < (7, 6):
        return "no"
    return value


def client_options(params, known_hosts):
    """The options every client (ssh, scp, sftp) gets, as ``-o Keyword=value`` and friends.

    BatchMode (never prompt), a bounded ConnectTimeout (TCP connect and banner exchange),
    keepalives that notice a server that stops answering, the port and user, the identity,
    host key handling, then the caller's own ``ssh_options`` (first obtained value wins in
    ssh, so ours come first only where safety needs it: BatchMode and ConnectTimeout).
    """
    timeout = int(params["timeout"])
    opts = []
    if not params.get("use_ssh_config"):
        opts += ["-F", "/dev/null"]
    opts += ["-o", "BatchMode=yes", "-o", "ConnectTimeout=%d" % timeout, "-o", "ConnectionAttempts=1",
             "-o", "ServerAliveInterval=%d" % max(1, timeout // 2), "-o", "ServerAliveCountMax=2",
             "-o", "Port=%d" % int(params["port"])]
    if params.get("user"):
        opts += ["-o", "User=%s" % params["user"]]
    if params.get("identity_file"):
        opts += ["-i", params["identity_file"], "-o", "IdentitiesOnly=yes"]
    opts += ["-o", "StrictHostKeyChecking=%s" % params.get("strict_host_key_checking", "accept-new")]
    if known_hosts:
        opts += ["-o", "UserKnownHostsFile=%s" % known_hosts]
        if not params.get("known_hosts_file"):
            # A temp known_hosts of our own: the machine's global file must not interfere either.
            opts += ["-o", "GlobalKnownHostsFile=/dev/null"]
    for opt in params.get("ssh_options") or []:
        opts += ["-o", opt]
    return opts


def ssh_command(ssh_bin, params, known_hosts):
    """``ssh -v -n ... -- HOST true``: transport, authentication, a session and a command."""
    return [ssh_bin, "-v", "-n", "-T"] + client_options(params, known_hosts) + ["--", params["host"], "true"]


def sftp_batch(remote_file, local_file):
    """The sftp batch: list then fetch one remote file (reads only)."""
    return "ls -l %s\nget %s %s\n" % (remote_file, remote_file, local_file)


def sftp_command(sftp_bin, params, known_hosts, batch_file):
    return [sftp_bin, "-v", "-b", batch_file] + client_options(params, known_hosts) + ["--", bracket(params["host"])]


def scp_command(scp_bin, params, known_hosts, local_file, legacy=False):
    """``scp -v [-O] ... HOST:REMOTE LOCAL``: copy a remote file into the temp dir (reads only)."""
    argv = [scp_bin, "-v"] + (["-O"] if legacy else []) + client_options(params, known_hosts)
    return argv + ["--", "%s:%s" % (bracket(params["host"]), params["remote_file"]), local_file]


def with_timeout(timeout_bin, seconds, argv):
    """Wrap argv in coreutils ``timeout``: TERM after ``seconds``, KILL 2 s later (rc 124 / 137)."""
    if not timeout_bin:
        return list(argv)
    return [timeout_bin, "-k", "2", str(int(seconds))] + list(argv)


def hard_limit(timeout):
    """Seconds after which an operation is killed: twice the connect timeout."""
    return 2 * int(timeout)


def transport_failure(stage):
    """True when a stage failed before a session could open: later operations cannot get further."""
    if stage.get("ok") or stage.get("skipped"):
        return False
    return stage.get("failed_at") in ("connect", "banner", "kex", "host_key", "auth", "session") or (
        stage["name"] == "tcp")


def summarize(stages):
    """``{ok, first_failure, finding_ids, summary}`` over the stages (skipped stages count as passed)."""
    failed = [s for s in stages if not s.get("ok")]
    ids = []
    for s in stages:
        for fid in s.get("finding_ids") or []:
            if fid not in ids and not s.get("ok"):
                ids.append(fid)
    first = failed[0] if failed else None
    if first is None:
        ran = [s["name"] for s in stages if not s.get("skipped")]
        summary = "all passed: %s" % ", ".join(ran)
    else:
        summary = "%s failed at %s (%s): %s%s" % (
            first["name"], first.get("failed_at"), first.get("classification"), first.get("message"),
            "; likely: %s" % ", ".join(first["finding_ids"][:2]) if first.get("finding_ids") else "")
    return {"ok": first is None, "first_failure": first, "finding_ids": ids, "summary": summary}


class ProbeError(Exception):
    """A problem with the probe itself (not with the server): the module fails with this message."""


class ClientProbe:
    """``run(argv)`` -> ``(rc, stdout, stderr)``; ``bin_path(name)`` -> path or None."""

    def __init__(self, params, run, bin_path):
        self.params = dict(params)
        self._run = run
        self.bins = {name: bin_path(name) for name in CLIENT_PROGRAMS}
        self.warnings = []
        self.client = None
        self.caps = None
        self.limit = None
        self.tmp = None
        self.known_hosts = None

    # ---------------------------------------------------------------- steps

    def run(self, argv):
        started = time.monotonic()
        rc, out, err = self._run(argv)
        return rc, out, err, int((time.monotonic() - started) * 1000)

    def check_client(self):
        """The local client, its version and scp's capabilities; raises ProbeError without ssh."""
        if not self.bins["ssh"]:
            raise ProbeError("no OpenSSH client (ssh) on this host's PATH")
        if not self.bins["timeout"]:
            self.warnings.append("coreutils `timeout` not found: operations are bounded only by ConnectTimeout and keepalives")
        _rc, out, err, _ms = self.run([self.bins["ssh"], "-V"])
        self.client = probe.parse_client_version(err + out)
        usage = ""
        if self.bins["scp"]:
            _rc, out, err, _ms = self.run([self.bins["scp"]])
            usage = err + out
        self.caps = probe.scp_capabilities(usage, self.client["version_tuple"])
        self.params["strict_host_key_checking"] = host_key_policy(self.params["strict_host_key_checking"],
                                                                  self.client["version_tuple"])
        self.limit = hard_limit(self.params["timeout"])

    def prepare_known_hosts(self):
        """A private known_hosts in the run's temporary directory (a copy of known_hosts_file, if given)."""
        self.known_hosts = os.path.join(self.tmp, "known_hosts")
        source = self.params["known_hosts_file"]
        if source:
            try:
                shutil.copyfile(source, self.known_hosts)
            except OSError as exc:
                raise ProbeError("cannot read known_hosts_file %s: %s" % (source, exc)) from exc

    def client_stage(self, name, argv, protocol=None):
        argv = with_timeout(self.bins["timeout"], self.limit, argv)
        rc, out, err, ms = self.run(argv)
        stage = probe.classify(name, rc, out, err, elapsed_ms=ms, protocol=protocol, user=self.params["user"],
                               timed_out=bool(self.bins["timeout"]) and rc in (124, 137))
        stage["command"] = argv
        if self.params["return_output"]:
            stage["output"] = {"stdout": out, "stderr": err}
        return stage

    def tcp_stage(self):
        obs = probe.observe_tcp(self.params["host"], self.params["port"], self.params["timeout"])
        stage = probe.classify_tcp(obs, self.params["timeout"])
        if self.params["return_output"]:
            stage["output"] = obs
        return stage

    def sftp_stage(self):
        if not self.bins["sftp"]:
            return probe.skipped("sftp", "no sftp client on this host")
        batch = os.path.join(self.tmp, "sftp.batch")
        with open(batch, "w") as handle:
            handle.write(sftp_batch(self.params["remote_file"], os.path.join(self.tmp, "sftp.out")))
        return self.client_stage("sftp", sftp_command(self.bins["sftp"], self.params, self.known_hosts, batch))

    def scp_stage(self, op, protocol):
        if not self.bins["scp"]:
            return probe.skipped(op, "no scp client on this host", protocol)
        if op == "scp":
            argv = scp_command(self.bins["scp"], self.params, self.known_hosts, os.path.join(self.tmp, "scp.out"))
            return self.client_stage(op, argv, protocol)
        if self.caps["default_protocol"] != "sftp":
            return probe.skipped(op, "this client's plain scp (OpenSSH %s) already uses the legacy protocol: "
                                     "see operation scp" % self.client["version"], protocol)
        if not self.caps["legacy_flag"]:
            return probe.skipped(op, "this client's scp has no -O (legacy protocol)", protocol)
        argv = scp_command(self.bins["scp"], self.params, self.known_hosts,
                           os.path.join(self.tmp, "scp_legacy.out"), legacy=True)
        return self.client_stage(op, argv, protocol)

    def _protocol(self, op):
        if op == "scp":
            return self.caps["default_protocol"] or "scp"
        return "scp" if op == "scp_legacy" else None

    def stage(self, op, blocked):
        """One operation's stage; transfers after a failed transport are skipped unless keep_going."""
        protocol = self._protocol(op)
        if op == "tcp":
            return self.tcp_stage()
        if op == "ssh":
            return self.client_stage(op, ssh_command(self.bins["ssh"], self.params, self.known_hosts))
        if blocked and not self.params["keep_going"]:
            return probe.skipped(op, "not run: %s" % blocked, protocol)
        if op == "sftp":
            return self.sftp_stage()
        return self.scp_stage(op, protocol)

    def stages(self):
        """Every wanted operation in probe.OPERATIONS order, in a temporary directory removed afterwards."""
        wanted = [op for op in probe.OPERATIONS if op in self.params["operations"]]
        self.tmp = tempfile.mkdtemp(prefix="sshd-doctor-probe-")
        out = []
        try:
            self.prepare_known_hosts()
            blocked = None
            for op in wanted:
                stage = self.stage(op, blocked)
                out.append(stage)
                if op in ("tcp", "ssh"):
                    # ssh has the last word: a session that opens unblocks the transfers whatever tcp saw.
                    blocked = None
                    if transport_failure(stage):
                        blocked = "%s failed at %s (%s)" % (op, stage["failed_at"], stage["classification"])
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return out

    def result(self, stages, started):
        result = summarize(stages)
        seen = [s for s in stages if not s.get("skipped")]
        result.update(
            changed=False,
            target={"host": self.params["host"], "port": self.params["port"], "user": self.params["user"]},
            client_version=self.client["version"],
            client_version_string=self.client["version_string"],
            scp_default_protocol=self.caps["default_protocol"],
            scp_capabilities=self.caps,
            server_version=next((s.get("server_version") for s in seen if s.get("server_version")), None),
            host_key=next((s.get("host_key") for s in seen if s.get("host_key")), None),
            auth=next((s["auth"] for s in seen if s["name"] == "ssh"), {"offered": [], "used": None}),
            stages=stages,
            elapsed_ms=int((time.monotonic() - started) * 1000),
        )
        return result

    # ---------------------------------------------------------------- the whole run

    def probe(self):
        """The module's result; raises ProbeError for a probe that cannot run (bad arguments, no client)."""
        errors = validate(self.params)
        if errors:
            raise ProbeError("; ".join(errors))
        started = time.monotonic()
        self.check_client()
        return self.result(self.stages(), started)
