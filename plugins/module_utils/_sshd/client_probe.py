# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ssh_probe module's back end: one run of the local OpenSSH client against one server.

probe.py holds the pure parts (command lines, classification of what the client printed);
``ClientProbe`` runs them in order, one small step a method, the way community.crypto's
keypair module runs over its backend.  The module (plugins/modules/ssh_probe.py) only builds
it with ``module.run_command`` and ``module.get_bin_path`` and reports the result.  Nothing
here changes the target: the probe only reads, so check mode runs it as it is.
"""

import os
import shutil
import tempfile
import time

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import probe

CLIENT_PROGRAMS = ("ssh", "sftp", "scp", "timeout")


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
        self.params["strict_host_key_checking"] = probe.host_key_policy(self.params["strict_host_key_checking"],
                                                                        self.client["version_tuple"])
        self.limit = probe.hard_limit(self.params["timeout"])

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
        argv = probe.with_timeout(self.bins["timeout"], self.limit, argv)
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
            handle.write(probe.sftp_batch(self.params["remote_file"], os.path.join(self.tmp, "sftp.out")))
        return self.client_stage("sftp", probe.sftp_command(self.bins["sftp"], self.params, self.known_hosts, batch))

    def scp_stage(self, op, protocol):
        if not self.bins["scp"]:
            return probe.skipped(op, "no scp client on this host", protocol)
        if op == "scp":
            argv = probe.scp_command(self.bins["scp"], self.params, self.known_hosts, os.path.join(self.tmp, "scp.out"))
            return self.client_stage(op, argv, protocol)
        if self.caps["default_protocol"] != "sftp":
            return probe.skipped(op, "this client's plain scp (OpenSSH %s) already uses the legacy protocol: "
                                     "see operation scp" % self.client["version"], protocol)
        if not self.caps["legacy_flag"]:
            return probe.skipped(op, "this client's scp has no -O (legacy protocol)", protocol)
        argv = probe.scp_command(self.bins["scp"], self.params, self.known_hosts,
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
            return self.client_stage(op, probe.ssh_command(self.bins["ssh"], self.params, self.known_hosts))
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
                    if probe.transport_failure(stage):
                        blocked = "%s failed at %s (%s)" % (op, stage["failed_at"], stage["classification"])
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return out

    def result(self, stages, started):
        result = probe.summarize(stages)
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
        errors = probe.validate(self.params)
        if errors:
            raise ProbeError("; ".join(errors))
        started = time.monotonic()
        self.check_client()
        return self.result(self.stages(), started)
