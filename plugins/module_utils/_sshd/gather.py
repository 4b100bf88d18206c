# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Probes: read the host's sshd state (commands and files) into plain data.

A probe never decides; the checks (checks.py) turn this state into findings.  Everything
that touches the host goes through the ``Host`` object so the module stays thin and the
logic here can be driven by captured outputs in tests.
"""

import glob
import grp
import os
import pwd
import re
import stat

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import checks, elf, hosts_access, latent, service, sockets, version
from ansible_collections.sshd.doctor.plugins.module_utils._sshd import config as sshd_config

SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin")
HELPER_DIRS = ("/usr/lib/openssh", "/usr/libexec/openssh", "/usr/libexec", "/usr/lib/ssh", "/usr/local/libexec")
SFTP_SERVER_PATHS = ("/usr/lib/openssh/sftp-server", "/usr/libexec/openssh/sftp-server", "/usr/lib/ssh/sftp-server",
                     "/usr/libexec/sftp-server", "/usr/local/libexec/sftp-server")
PRIVSEP_DIRS = ("/run/sshd", "/var/run/sshd", "/var/empty/sshd", "/usr/share/empty.sshd", "/var/lib/empty",
                "/var/empty")
DEFAULT_HOST_KEYS = ("/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_ecdsa_key", "/etc/ssh/ssh_host_ed25519_key")
TMPFILES_DIRS = ("/etc/tmpfiles.d", "/run/tmpfiles.d", "/usr/lib/tmpfiles.d")
PASSWD_FIELDS = ("name", "passwd", "uid", "gid", "gecos", "home", "shell")


class Host:
    """The real host: files and commands.  ``run(args)`` returns (rc, stdout, stderr)."""

    def __init__(self, run):
        self.run = run

    @staticmethod
    def read_text(path, limit=1 << 20):
        try:
            with open(path, "rb") as f:
                return f.read(limit).decode("utf-8", "replace")
        except OSError:
            return None

    @staticmethod
    def read_bytes(path, limit=8 << 20):
        try:
            with open(path, "rb") as f:
                return f.read(limit)
        except OSError:
            return None

    @staticmethod
    def stat(path, follow=True):
        try:
            st = os.stat(path) if follow else os.lstat(path)
        except OSError:
            return None
        return {"mode": stat.S_IMODE(st.st_mode), "uid": st.st_uid, "gid": st.st_gid,
                "isdir": stat.S_ISDIR(st.st_mode), "isreg": stat.S_ISREG(st.st_mode),
                "executable": stat.S_ISREG(st.st_mode) and bool(st.st_mode & 0o111), "mtime": st.st_mtime}

    @staticmethod
    def glob(pattern):
        return sorted(glob.glob(pattern))

    @staticmethod
    def listdir(path):
        try:
            return os.listdir(path)
        except OSError:
            return []

    @staticmethod
    def readlink(path):
        try:
            return os.readlink(path)
        except OSError:
            return None

    @staticmethod
    def exists(path):
        return os.path.exists(path)

    @staticmethod
    def user_name(uid):
        try:
            return pwd.getpwuid(uid).pw_name
        except KeyError:
            return str(uid)

    @staticmethod
    def group_name(gid):
        try:
            return grp.getgrgid(gid).gr_name
        except KeyError:
            return str(gid)


def _which(host, name, dirs):
    for d in dirs:
        path = os.path.join(d, name)
        st = host.stat(path)
        if st and st["isreg"]:
            return path
    return None


def binary_info(host, path):
    if not path:
        return None
    st = host.stat(path)
    return {"path": path, "exists": st is not None, "executable": bool(st and st["executable"])}


def file_info(host, path):
    """Owner, group and octal mode of a path, or exists: false."""
    st = host.stat(path)
    if st is None:
        return {"path": path, "exists": False}
    return {"path": path, "exists": True, "owner": host.user_name(st["uid"]), "group": host.group_name(st["gid"]),
            "uid": st["uid"], "gid": st["gid"], "mode": "%04o" % st["mode"], "isdir": st["isdir"]}


def gather_binaries(host, sshd_path=None):
    sshd = sshd_path or _which(host, "sshd", SBIN_DIRS)
    data = host.read_bytes(sshd) if sshd else None
    state = {"sshd": binary_info(host, sshd), "sshd_session": None, "sshd_auth": None,
             "sftp_server": None, "scp": binary_info(host, _which(host, "scp", ("/usr/bin", "/usr/local/bin", "/bin")))}
    for key, name in (("sshd_session", "sshd-session"), ("sshd_auth", "sshd-auth")):
        compiled = version.paths_in_binary(data, name)
        path = compiled[0] if compiled else None
        if path:
            state[key] = binary_info(host, path)
    compiled = version.paths_in_binary(data, "sftp-server")
    candidates = compiled + [p for p in SFTP_SERVER_PATHS if p not in compiled]
    sftp = next((p for p in candidates if host.stat(p)), candidates[0] if compiled else None)
    state["sftp_server"] = binary_info(host, sftp) if sftp else {"path": None, "exists": False, "executable": False}
    return state, data


def gather_version(host, sshd_path, sshd_data):
    """The banner string compiled into the binary (SSH_RELEASE, with the portable suffix: the
    version sshd announces; 9.2's `sshd -V` says only `OpenSSH_9.2`), read from the bytes already
    in hand; else `sshd -V` (9.x prints it; 8.x prints it in its usage text), else `ssh -V`."""
    bver, btup = version.version_from_binary(sshd_data)
    if bver and "p" in bver:
        # no process to run: the release string is what `sshd -V` would print, suffix included
        return {"version": bver, "version_tuple": list(btup), "version_source": "binary"}
    if sshd_path:
        out, err = host.run([sshd_path, "-V"])[1:]
        ver, tup = version.parse_version((err or "") + (out or ""))
        if ver:
            return {"version": ver, "version_tuple": list(tup), "version_source": "sshd -V"}
        if bver:
            return {"version": bver, "version_tuple": list(btup), "version_source": "binary"}
    ssh = _which(host, "ssh", ("/usr/bin", "/usr/local/bin", "/bin"))
    if ssh:
        out, err = host.run([ssh, "-V"])[1:]
        ver, tup = version.parse_version((err or "") + (out or ""))
        if ver:
            return {"version": ver, "version_tuple": list(tup), "version_source": "ssh -V"}
    return {"version": None, "version_tuple": None, "version_source": None}


def gather_service(host, log_lines):
    init = "unknown"
    if host.exists("/run/systemd/system"):
        init = "systemd"
    elif host.exists("/sbin/openrc") or host.exists("/run/openrc"):
        init = "openrc"
    elif host.exists("/etc/init.d/ssh") or host.exists("/etc/init.d/sshd"):
        init = "sysvinit"
    state = {"init": init, "unit": None, "active_state": None, "sub_state": None, "enabled": None,
             "main_pid": None, "result": None, "exec_main_status": None, "runtime_directory": [],
             "drop_ins": [], "socket": None, "log": [], "log_source": None}
    if init == "systemd":
        out = host.run(["systemctl", "show", "-p", ",".join(service.SHOW_PROPERTIES),
                        "ssh.service", "sshd.service", "ssh.socket", "sshd.socket"])[1]
        svc, sock = service.pick_units(service.parse_systemctl_show(out))
        if svc:
            state.update({k: v for k, v in svc.items() if k in state or k in ("fragment_path", "restarts")})
        state["socket"] = sock
        if log_lines and svc:
            rc, out, _err = host.run(["journalctl", "-u", svc["unit"], "-n", "200", "-o", "short-iso",
                                      "--no-pager", "-q"])
            if rc == 0:
                state["log"] = service.interesting_log_lines(out, log_lines)
                state["log_source"] = "journal"
    elif init in ("sysvinit", "openrc"):
        name = "ssh" if host.exists("/etc/init.d/ssh") else "sshd"
        state["unit"] = name
        cmd = ["rc-service", name, "status"] if init == "openrc" else ["/etc/init.d/" + name, "status"]
        rc = host.run(cmd)[0]
        state["active_state"] = "active" if rc == 0 else "inactive"
    if log_lines and not state["log"]:
        for path in ("/var/log/auth.log", "/var/log/secure", "/var/log/messages"):
            text = host.read_text(path, limit=4 << 20)
            if text is not None:
                text = "\n".join(line for line in text.splitlines()[-2000:] if "sshd" in line)
                state["log"] = service.interesting_log_lines(text, log_lines)
                state["log_source"] = path
                break
    return state


def gather_privsep(host, data, svc, privsep_user="sshd"):
    compiled = [d for d in PRIVSEP_DIRS if version.has_string(data, d)]
    path = compiled[0] if compiled else "/var/empty"
    info = file_info(host, path)
    persistent_by = None
    name = path.rstrip("/").rsplit("/", 1)[-1]
    if path.startswith(("/run/", "/var/run/")):
        if name in svc.get("runtime_directory", []):
            persistent_by = "RuntimeDirectory"
        else:
            for d in TMPFILES_DIRS:
                for conf in host.glob(d + "/*.conf"):
                    if service.tmpfiles_creates(host.read_text(conf), path):
                        persistent_by = "tmpfiles.d:" + conf
                        break
                if persistent_by:
                    break
    else:
        persistent_by = "filesystem"
    passwd = host.read_text("/etc/passwd") or ""
    user_exists = any(line.split(":", 1)[0] == privsep_user for line in passwd.splitlines())
    return {"dir": path, "dir_source": "binary" if compiled else "default", "exists": info["exists"],
            "owner": info.get("owner"), "group": info.get("group"), "mode": info.get("mode"),
            "isdir": info.get("isdir"), "persistent": persistent_by is not None, "persistent_by": persistent_by,
            "user": privsep_user, "user_exists": user_exists}


def gather_config(host, sshd_path, config_path, match_context, ver=None):
    parsed = sshd_config.parse_config(config_path, reader=host.read_text, globber=host.glob)
    state = {"path": config_path, "files": parsed["files"], "parse_errors": parsed["errors"],
             "valid": None, "test": None, "source": "parser", "effective": {}, "matches": parsed["matches"],
             "parser_errors": []}
    eff = sshd_config.effective(parsed, match_context, ver)
    if sshd_path:
        # `sshd -T` runs every check `sshd -t` does before it prints the effective config, so one
        # run gives both: exit 0 with the dump, or the same errors `sshd -t` would print.
        cmd = [sshd_path, "-T", "-f", config_path]
        spec = ",".join("%s=%s" % (k, v) for k, v in sorted((match_context or {}).items())
                        if k in ("user", "host", "addr", "laddr", "lport", "rdomain") and v)
        if spec:
            cmd += ["-C", spec]
        rc, out, err = host.run(cmd)
        errors = sshd_config.parse_sshd_t_errors(err)
        state["test"] = {"rc": rc, "command": " ".join(cmd), "errors": errors,
                         "output": [line for line in (err or "").splitlines() if line][:20]}
        # A failure caused only by the environment (privsep dir, host keys) says nothing of the text.
        state["valid"] = True if rc == 0 else (False if checks.config_errors({"config": state}) else None)
    if state["valid"] is not True:
        # sshd could not judge the text (or is absent): the own validator says what it can
        state["parser_errors"] = sshd_config.validate(parsed, ver)
        if rc == 0:
            state["source"] = "sshd -T"
            eff = merge_effective(eff, sshd_config.parse_sshd_T(out))
    state["effective"] = eff
    state["_parsed"] = parsed
    return state


def merge_effective(parsed_eff, dump):
    """sshd -T values win; the parser supplies file:line provenance for them."""
    out = {}
    for key, value in dump.items():
        prov = parsed_eff.get(key, {})
        entry = {"value": value, "file": prov.get("file"), "line": prov.get("line")}
        if key == "subsystem" and "sources" in prov:
            entry["sources"] = prov["sources"]
        out[key] = entry
    return out


def gather_subsystem(host, eff, parsed):
    sub = eff.get("subsystem")
    if not sub:
        return {"sftp": None, "sftp_in_match": _sftp_in_match(parsed)}
    value = sub["value"].get("sftp") if isinstance(sub["value"], dict) else None
    if value is None:
        return {"sftp": None, "sftp_in_match": _sftp_in_match(parsed)}
    args = value.split()
    cmd = args[0] if args else ""
    internal = cmd == "internal-sftp"
    st = None if internal else host.stat(cmd)
    src = (sub.get("sources") or {}).get("sftp") or [sub.get("file"), sub.get("line")]
    return {"sftp": {"command": cmd, "args": args[1:], "internal": internal,
                     "exists": internal or bool(st and st["executable"]), "file": src[0], "line": src[1]},
            "sftp_in_match": _sftp_in_match(parsed)}


def _sftp_in_match(parsed):
    return [{"file": e["file"], "line": e["line"], "text": e["text"]} for e in parsed["entries"]
            if e["keyword"] == "subsystem" and e["match"] is not None and e["args"][:1] == ["sftp"]]


def serving_binary(binaries, vtuple):
    """The binary that handles connections: sshd-session from 9.8 on, sshd before."""
    sess = binaries.get("sshd_session")
    if version.at_least(vtuple, 9, 8) and sess and sess.get("exists"):
        return sess["path"]
    return (binaries.get("sshd") or {}).get("path")


_REFUSED_RE = re.compile(r"refused connect from (\S+)")


def refused_clients(log_lines):
    """Client addresses libwrap refused, from log lines (`refused connect from ADDR (ADDR)`)."""
    out = []
    for line in log_lines or []:
        m = _REFUSED_RE.search(line)
        if m and m.group(1) not in out:
            out.append(m.group(1))
    return out


def gather_tcp_wrappers(host, binaries, vtuple, clients, log_lines=None):
    path = serving_binary(binaries, vtuple)
    data = host.read_bytes(path) if path else None
    linked = None
    libs = []
    if data:
        info = elf.dynamic_info(data)
        if info.get("ok"):
            libs = info.get("needed", [])
            linked = any(lib.startswith("libwrap.so") for lib in libs)
    rules = {}
    for key, path in (("allow", "/etc/hosts.allow"), ("deny", "/etc/hosts.deny")):
        text = host.read_text(path)
        if text is None and host.exists(path):
            # libwrap denies every client hosts.allow did not grant when hosts.deny is unreadable
            rules[key] = hosts_access.table_error(path, "exists but cannot be read")
        else:
            rules[key] = hosts_access.parse_rules(text or "", path)
    verdicts = {}
    # the clients asked about, then those libwrap refused according to the log: a refusal in
    # the log counts only while the current rules still deny that address
    for addr, source in [(a, "option") for a in clients or []] + [(a, "log") for a in refused_clients(log_lines)]:
        if addr in verdicts:
            continue
        verdicts[addr] = hosts_access.evaluate(rules["allow"], rules["deny"], addr, daemon="sshd",
                                               reader=host.read_text)
        verdicts[addr]["source"] = source
    return {"linked": linked, "binary": path, "library": next((x for x in libs if x.startswith("libwrap")), None),
            "rules": rules, "clients": verdicts}


def _key_type(path, pub_text):
    if pub_text:
        first = pub_text.split(None, 1)[0] if pub_text.split() else ""
        if first:
            return first
    for name in ("ed25519", "ecdsa", "rsa", "dsa"):
        if name in os.path.basename(path):
            return name
    return None


def gather_host_keys(host, eff):
    configured = eff.get("hostkey", {}).get("value") if eff.get("hostkey") else None
    paths = list(configured) if configured else list(DEFAULT_HOST_KEYS)
    keys = []
    for path in paths:
        info = file_info(host, path)
        pub = host.read_text(path + ".pub", limit=16384)
        entry = {"path": path, "configured": bool(configured), "exists": info["exists"],
                 "type": _key_type(path, pub), "owner": info.get("owner"), "group": info.get("group"),
                 "mode": info.get("mode")}
        entry["loadable"] = bool(info["exists"] and not checks.key_mode_too_open(entry))
        keys.append(entry)
    return keys


def gather_listeners(host, ports):
    wanted = {int(p) for p in ports if str(p).isdigit()}
    found = []
    for fam, path in ((4, "/proc/net/tcp"), (6, "/proc/net/tcp6")):
        for sock in sockets.parse_proc_net_tcp(host.read_text(path), fam):
            if sock["port"] in wanted:
                found.append(sock)
    if found:
        owners = socket_owners(host, {s["inode"] for s in found})
        for s in found:
            pid = owners.get(s["inode"])
            s["pid"] = pid
            s["process"] = (host.read_text("/proc/%d/comm" % pid) or "").strip() if pid else None
    return found


def socket_owners(host, inodes):
    """Map socket inodes to the pid that holds them, scanning /proc/*/fd; stops when all are found."""
    want = {"socket:[%d]" % i: i for i in inodes}
    owners = {}
    for entry in host.listdir("/proc"):
        if not entry.isdigit():
            continue
        for fd in host.listdir("/proc/%s/fd" % entry):
            target = host.readlink("/proc/%s/fd/%s" % (entry, fd))
            if target in want and want[target] not in owners:
                owners[want[target]] = int(entry)
        if len(owners) == len(want):
            break
    return owners


def passwd_entry(text, name):
    for line in (text or "").splitlines():
        fields = line.split(":")
        if len(fields) >= 7 and fields[0] == name:
            return dict(zip(PASSWD_FIELDS, fields[:7]))
    return None


def user_groups(group_text, name, gid):
    out = []
    for line in (group_text or "").splitlines():
        fields = line.split(":")
        if len(fields) >= 4 and (name in fields[3].split(",") or fields[2] == str(gid)):
            out.append(fields[0])
    return out


def gather_users(host, names, eff):
    passwd = host.read_text("/etc/passwd")
    shadow = host.read_text("/etc/shadow")
    groups = host.read_text("/etc/group")
    out = {}
    akf = (eff.get("authorizedkeysfile") or {}).get("value") or [".ssh/authorized_keys", ".ssh/authorized_keys2"]
    if isinstance(akf, str):
        akf = akf.split()
    for name in names or []:
        ent = passwd_entry(passwd, name)
        if ent is None:
            out[name] = {"exists": False}
            continue
        shadow_ent = next((line.split(":") for line in (shadow or "").splitlines() if line.split(":", 1)[0] == name),
                          None)
        shell_st = host.stat(ent["shell"]) if ent["shell"] else None
        home = ent["home"]
        key_files = []
        for pattern in akf:
            if pattern.lower() == "none":
                continue
            path = pattern.replace("%h", home).replace("%u", name).replace("%%", "%")
            if not path.startswith("/"):
                path = os.path.join(home, path)
            info = file_info(host, path)
            if info["exists"]:
                key_files.append(info)
        chain = [file_info(host, p) for p in _path_chain(home)]
        ssh_dir = file_info(host, os.path.join(home, ".ssh"))
        out[name] = {
            "exists": True, "uid": int(ent["uid"]) if ent["uid"].isdigit() else None, "home": home,
            "shell": ent["shell"], "shell_valid": bool(shell_st and shell_st["executable"]),
            "password_field": None if shadow_ent is None else _password_state(shadow_ent[1] if len(shadow_ent) > 1 else ""),
            "groups": user_groups(groups, name, ent["gid"]),
            "home_chain": chain, "ssh_dir": ssh_dir, "authorized_keys": key_files,
        }
    return out


def _password_state(field):
    if field.startswith("!"):
        return "locked"
    if field in ("*", ""):
        return "none" if field == "" else "no-password"
    return "set"


def _path_chain(path):
    parts = [p for p in path.split("/") if p]
    return ["/"] + ["/" + "/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def ssh_connection_client(environ):
    """The client address of the SSH connection this module runs under, if any."""
    value = (environ or {}).get("SSH_CONNECTION", "")
    return value.split()[0] if value.split() else None


def collect(host, options):
    """Gather the whole state. ``options``: config_path, clients, users, match_context, log_lines, sshd_path."""
    binaries, sshd_data = gather_binaries(host, options.get("sshd_path"))
    sshd_path = binaries["sshd"]["path"] if binaries["sshd"] and binaries["sshd"]["exists"] else None
    state = {"installed": sshd_path is not None}
    state.update(gather_version(host, sshd_path, sshd_data))
    state["binaries"] = binaries
    state["service"] = gather_service(host, options.get("log_lines", 8))
    state["privsep"] = gather_privsep(host, sshd_data, state["service"])
    cfg = gather_config(host, sshd_path, options.get("config_path", "/etc/ssh/sshd_config"),
                        options.get("match_context"), state["version"])
    parsed = cfg.pop("_parsed")
    state["config"] = cfg
    eff = cfg["effective"]
    sub = gather_subsystem(host, eff, parsed)
    state["subsystems"] = {"sftp": sub["sftp"]}
    state["config"]["sftp_in_match"] = sub["sftp_in_match"]
    state["config"]["entries"] = [{k: e[k] for k in ("keyword", "args", "file", "line", "match")}
                                  for e in parsed["entries"]]
    state["tcp_wrappers"] = gather_tcp_wrappers(host, binaries, state["version_tuple"], options.get("clients"),
                                                state["service"]["log"])
    scp_bin = binaries.get("scp") or {}
    state["scp"] = {"sftp_mode": bool(sub["sftp"] and sub["sftp"]["exists"]),
                    "legacy_mode": bool(scp_bin.get("executable"))}
    state["host_keys"] = gather_host_keys(host, eff)
    ports = (eff.get("port") or {}).get("value") or ["22"]
    if isinstance(ports, str):
        ports = ports.split()
    state["listeners"] = gather_listeners(host, ports)
    state["users"] = gather_users(host, options.get("users"), eff)
    latent.gather_latent(host, state)
    return state
