# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host reads: the host's sshd state (commands and files) into plain data.

A host read never decides; the checks (checks.py) turn this state into findings.  Everything
that touches the host goes through the ``Host`` object so the module stays thin and the
logic here can be driven by captured outputs in tests.
"""

import os

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import config as sshd_config
from ansible_collections.sshd.doctor.plugins.module_utils._sshd import gather_wrappers as wrappers
from ansible_collections.sshd.doctor.plugins.module_utils._sshd import hostio, latent, platform, service, sockets, version

SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin")
SFTP_SERVER_PATHS = ("/usr/lib/openssh/sftp-server", "/usr/libexec/openssh/sftp-server", "/usr/lib/ssh/sftp-server",
                     "/usr/libexec/sftp-server", "/usr/local/libexec/sftp-server")
PRIVSEP_DIRS = ("/run/sshd", "/var/run/sshd", "/var/empty/sshd", "/usr/share/empty.sshd", "/var/lib/empty",
                "/var/empty")
DEFAULT_HOST_KEYS = ("/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_ecdsa_key", "/etc/ssh/ssh_host_ed25519_key")
TMPFILES_DIRS = ("/etc/tmpfiles.d", "/run/tmpfiles.d", "/usr/lib/tmpfiles.d")
PASSWD_FIELDS = ("name", "passwd", "uid", "gid", "gecos", "home", "shell")
DEFAULT_CONFIG = "/etc/ssh/sshd_config"
# Ubuntu >= 22.10 derives ssh.socket's ListenStream from sshd_config at daemon-reload
AUDIT_LOG = "/var/log/audit/audit.log"
GENERATOR_DIRS = ("/usr/lib/systemd/system-generators", "/lib/systemd/system-generators")
VENDOR_CONFIG = "/usr/etc/ssh/sshd_config"  # SUSE: used while /etc/ssh/sshd_config does not exist
# Where init scripts take sshd's options from (Debian, RHEL, Alpine), and the variable.
INIT_OPTION_FILES = (("/etc/default/ssh", "SSHD_OPTS"), ("/etc/sysconfig/sshd", "OPTIONS"),
                     ("/etc/conf.d/sshd", "SSHD_OPTS"))


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
    data = host.binary(sshd) if sshd else None
    state = {"sshd": binary_info(host, sshd), "sshd_session": None, "sshd_auth": None,
             "sftp_server": None, "scp": binary_info(host, _which(host, "scp", ("/usr/bin", "/usr/local/bin", "/bin")))}
    for key, name in (("sshd_session", "sshd-session"), ("sshd_auth", "sshd-auth")):
        compiled = hostio.summary_paths(data, name)
        path = compiled[0] if compiled else None
        if path:
            state[key] = binary_info(host, path)
    compiled = hostio.summary_paths(data, "sftp-server")
    candidates = compiled + [p for p in SFTP_SERVER_PATHS if p not in compiled]
    sftp = next((p for p in candidates if host.stat(p)), candidates[0] if compiled else None)
    state["sftp_server"] = binary_info(host, sftp) if sftp else {"path": None, "exists": False, "executable": False}
    return state, data


def gather_version(host, sshd_path, sshd_data):
    """The banner string compiled into the binary (SSH_RELEASE, with the portable suffix: the
    version sshd announces; 9.2's `sshd -V` says only `OpenSSH_9.2`), read from the bytes already
    in hand; else `sshd -V` (9.x prints it; 8.x prints it in its usage text), else `ssh -V`."""
    bver, btup = hostio.summary_version(sshd_data)
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
             "drop_ins": [], "socket": None, "socket_generator": False, "log": [], "log_source": None}
    if init == "systemd":
        out = host.run(SYSTEMCTL_SHOW)[1]
        svc, sock = service.pick_units(service.parse_systemctl_show(out))
        if svc:
            # started now, read later: the journal reads overlap each other and the Python work
            host.prefetch(([journal_command(svc["unit"])] if log_lines else [])
                          + latent.commands_ahead(dict(svc, init="systemd")))
        if svc:
            state.update({k: v for k, v in svc.items()
                          if k in state or k in ("fragment_path", "restarts", "exec_start", "environment_files",
                                                 "environment")})
        state["socket"] = sock
        state["socket_generator"] = bool(sock) and any(host.exists(d + "/sshd-socket-generator") for d in GENERATOR_DIRS)
        if log_lines and svc:
            rc, out, _err = host.run(journal_command(svc["unit"]))
            if rc == 0:
                state["log"] = service.interesting_log_lines(out, log_lines)
                state["log_source"] = "journal"
    elif init in ("sysvinit", "openrc"):
        name = "ssh" if host.exists("/etc/init.d/ssh") else "sshd"
        state["unit"] = name
        cmd = ["rc-service", name, "status"] if init == "openrc" else ["/etc/init.d/" + name, "status"]
        rc, out, err = host.run(cmd)
        state["active_state"] = service.init_script_state(rc, (out or "") + (err or ""))
    if log_lines and not state["log"]:
        for path in ("/var/log/auth.log", "/var/log/secure", "/var/log/messages"):
            text = host.read_text(path, limit=4 << 20)
            if text is not None:
                text = "\n".join(line for line in text.splitlines()[-2000:] if "sshd" in line)
                state["log"] = service.interesting_log_lines(text, log_lines)
                state["log_source"] = path
                break
    return state


SYSTEMCTL_SHOW = ["systemctl", "show", "-p", ",".join(service.SHOW_PROPERTIES),
                  "ssh.service", "sshd.service", "ssh.socket", "sshd.socket"]


def journal_command(unit):
    """The journal read of the service's recent log lines."""
    return ["journalctl", "-u", unit, "-n", "200", "-o", "short-iso", "--no-pager", "-q"]


def gather_platform(host, sshd_data):
    """The distribution and what its sshd build does differently (read from the binary), FIPS, SELinux."""
    osr = platform.parse_os_release(host.read_text("/etc/os-release") or host.read_text("/usr/lib/os-release"))
    # an sshd that cannot be read (not root on a 0700 binary) tells nothing of its patches: None
    known = bool((sshd_data or {}).get("strings"))
    vendor = platform.openssh_vendor((sshd_data or {}).get("strings"))
    enforce = (host.read_text("/sys/fs/selinux/enforce") or "").strip()
    return {"os_id": osr.get("ID"), "os_version": osr.get("VERSION_ID"), "family": platform.family(osr),
            "openssh_vendor": vendor, "private_group_relaxation": vendor in ("Debian", "Ubuntu") if known else None,
            "ssh_keys_group": hostio.summary_has(sshd_data, "ssh_keys") if known else None,
            "fips": (host.read_text("/proc/sys/crypto/fips_enabled") or "").strip() == "1",
            "selinux": {"1": "enforcing", "0": "permissive"}.get(enforce)}


def gather_selinux(host, plat):
    """SELinux denials of sshd from the audit log (only where SELinux is on)."""
    if not plat.get("selinux"):
        return {"avc": []}
    text = host.read_text(AUDIT_LOG, limit=4 << 20) or ""
    return {"avc": [line for line in text.splitlines()[-5000:]
                    if "avc:" in line and "denied" in line and ("sshd" in line or "ssh_home_t" in line)][-10:]}


def gather_privsep(host, data, svc, privsep_user="sshd"):
    compiled = [d for d in PRIVSEP_DIRS if hostio.summary_has(data, d)]
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


def gather_runtime(host, svc, sshd_path, sshd_data, config_path=None):
    """How the daemon is really started: the unit's ExecStart (or the init script's options file)
    expanded with its EnvironmentFiles, the `-f` and `-o` it passes, and the configuration path
    with where that came from (option, command line, compiled into sshd, SUSE's vendor file)."""
    env, files, argv, via = {}, [], [], None
    if svc.get("init") == "systemd" and svc.get("exec_start"):
        env.update(svc.get("environment") or {})
        for ef in svc.get("environment_files") or []:
            text = host.read_text(ef["path"])
            files.append({"path": ef["path"], "optional": ef["optional"], "read": text is not None})
            if text is not None:
                env.update(service.parse_environment_file(text))
        argv = service.expand_argv(svc["exec_start"], env)
        via = "%s ExecStart" % svc.get("unit")
    elif svc.get("init") in ("sysvinit", "openrc"):
        for path, var in INIT_OPTION_FILES:
            text = host.read_text(path)
            if text is None:
                continue
            files.append({"path": path, "optional": True, "read": True})
            opts = service.parse_environment_file(text).get(var)
            if opts:
                argv = [sshd_path or "sshd"] + service.shell_words(opts)
                via = "%s %s" % (path, var)
            break
    opts = service.sshd_options(argv) if argv else {"config_file": None, "options": [], "flags": []}
    if config_path:
        path, source = config_path, "option"
    elif opts["config_file"]:
        path, source = opts["config_file"], "%s -f" % via
    else:
        compiled = [p for p in hostio.summary_paths(sshd_data, "sshd_config") if p != VENDOR_CONFIG]
        path, source = (compiled[0], "binary") if compiled else (DEFAULT_CONFIG, "default")
        if not host.exists(path) and hostio.summary_has(sshd_data, VENDOR_CONFIG) and host.exists(VENDOR_CONFIG):
            # SUSE's sshd (it carries the vendor path) reads /usr/etc/ssh/sshd_config while the
            # admin has no /etc/ssh/sshd_config; an unpatched sshd never reads it
            path, source = VENDOR_CONFIG, "vendor"
    return {"argv": argv, "argv_source": via, "config_path": path, "config_path_source": source,
            "options": opts["options"], "environment_files": files}


def option_entries(options, where="(command line)"):
    """Parser entries for `-o Keyword=value` options: sshd reads them before the file, so they win."""
    out = []
    for number, text in enumerate(options, 1):
        tokens, _err, rest = sshd_config.split_with_rest(text)
        if tokens:
            out.append({"keyword": tokens[0].lower(), "args": tokens[1:], "text": text, "file": where,
                        "line": number, "match": None, "depth": 0, "raw": rest})
    return out


def sshd_t_command(sshd_path, runtime, match_context):
    """`sshd -T` as the daemon is started: its config file and -o options, and the Match context."""
    cmd = [sshd_path, "-T", "-f", runtime["config_path"]]
    for opt in runtime["options"]:
        cmd += ["-o", opt]
    spec = ",".join("%s=%s" % (k, v) for k, v in sorted((match_context or {}).items())
                    if k in ("user", "host", "addr", "laddr", "lport", "rdomain") and v)
    if spec:
        cmd += ["-C", spec]
    return cmd


def gather_config(host, sshd_path, runtime, match_context, ver=None):
    path = runtime["config_path"]
    parsed = sshd_config.parse_config(path, reader=host.read_text, globber=host.glob)
    parsed["entries"] = option_entries(runtime["options"]) + parsed["entries"]
    readable = not (any(e["file"] == path and e["line"] is None and e["message"].startswith("cannot read")
                        for e in parsed["errors"]) and host.exists(path))
    state = {"path": path, "path_source": runtime["config_path_source"], "command_line_options": runtime["options"],
             "files": parsed["files"], "readable": readable, "complete": parsed.get("complete", True), "parse_errors": parsed["errors"], "valid": None,
             "test": None, "source": "parser", "effective": {}, "matches": parsed["matches"], "parser_errors": []}
    eff = sshd_config.effective(parsed, match_context, ver)
    if sshd_path:
        # `sshd -T` runs every check `sshd -t` does before it prints the effective config, so one
        # run gives both: exit 0 with the dump, or the same errors `sshd -t` would print.  It gets
        # the options the daemon is started with.
        cmd = sshd_t_command(sshd_path, runtime, match_context)
        rc, out, err = host.run(cmd)
        errors = sshd_config.parse_sshd_t_errors(err)
        state["test"] = {"rc": rc, "command": " ".join(cmd), "errors": errors,
                         "output": [line for line in (err or "").splitlines() if line][:20]}
        if rc == 0:
            state["valid"] = True
            state["source"] = "sshd -T"
            eff = merge_effective(eff, sshd_config.parse_sshd_T(out))
        elif sshd_config.text_errors(errors):
            state["valid"] = False
        # else: only the host kept sshd from judging the text (privsep dir, host keys, not root)
    if state["valid"] is not True:
        # sshd could not judge the text (or is absent): the own validator says what it can
        state["parser_errors"] = sshd_config.validate(parsed, ver) if readable else []
    for entry in eff.values():
        entry.setdefault("origin", _origin(entry))
    state["effective"] = eff
    state["_parsed"] = parsed
    return state


def _origin(entry):
    if entry.get("file") == "(command line)":
        return "command line"
    return "config" if entry.get("file") else "compiled default"


def merge_effective(parsed_eff, dump):
    """sshd -T values win (compiled defaults included); the parser supplies file:line provenance."""
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


def _key_type(path, pub_text):
    if pub_text:
        first = pub_text.split(None, 1)[0] if pub_text.split() else ""
        if first:
            return first
    for name in ("ed25519", "ecdsa", "rsa", "dsa"):
        if name in os.path.basename(path):
            return name
    return None


def gather_host_keys(host, eff, plat):
    hostkey = eff.get("hostkey") or {}
    listed = hostkey.get("value")
    listed = [listed] if isinstance(listed, str) else list(listed or [])
    # sshd -T prints the compiled-in defaults too: "configured" means written in a file or -o
    configured = listed if hostkey.get("file") else None
    paths = listed or list(DEFAULT_HOST_KEYS)
    keys = []
    for path in paths:
        info = file_info(host, path)
        pub = host.read_text(path + ".pub", limit=16384)
        entry = {"path": path, "configured": bool(configured), "exists": info["exists"],
                 "type": _key_type(path, pub), "owner": info.get("owner"), "group": info.get("group"),
                 "mode": info.get("mode")}
        entry["loadable"] = bool(info["exists"] and not platform.key_mode_too_open(entry, plat.get("ssh_keys_group"))
                                 and platform.fips_loadable(entry["type"], plat.get("fips")))
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


def group_members(passwd_text, group_text, gid):
    """Accounts whose primary group is ``gid`` plus the group's listed members, sorted."""
    out = set()
    for line in (passwd_text or "").splitlines():
        fields = line.split(":")
        if len(fields) >= 4 and fields[3] == str(gid):
            out.add(fields[0])
    for line in (group_text or "").splitlines():
        fields = line.split(":")
        if len(fields) >= 4 and fields[2] == str(gid):
            out.update(m for m in fields[3].split(",") if m)
    return sorted(out)


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
        for info in chain + [ssh_dir] + key_files:
            if info.get("exists"):
                info["group_members"] = group_members(passwd, groups, info["gid"])
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
    """Gather the whole state. ``options``: config_path, clients, users, match_context, log_lines, sshd_path,
    remediation_dir."""
    if host.exists("/run/systemd/system"):
        # systemd answers while the binaries are read (the first of the commands started ahead)
        host.prefetch([SYSTEMCTL_SHOW])
    binaries, sshd_data = gather_binaries(host, options.get("sshd_path"))
    sshd_path = binaries["sshd"]["path"] if binaries["sshd"] and binaries["sshd"]["exists"] else None
    state = {"installed": sshd_path is not None}
    state.update(gather_version(host, sshd_path, sshd_data))
    state["binaries"] = binaries
    state["platform"] = gather_platform(host, sshd_data)
    state["service"] = gather_service(host, options.get("log_lines", 8))
    state["selinux"] = gather_selinux(host, state["platform"])
    state["privsep"] = gather_privsep(host, sshd_data, state["service"])
    runtime = gather_runtime(host, state["service"], sshd_path, sshd_data, options.get("config_path"))
    state["runtime"] = {k: runtime[k] for k in ("argv", "argv_source", "environment_files")}
    if sshd_path:
        host.prefetch([sshd_t_command(sshd_path, runtime, options.get("match_context"))])
    cfg = gather_config(host, sshd_path, runtime, options.get("match_context"), state["version"])
    parsed = cfg.pop("_parsed")
    state["config"] = cfg
    eff = cfg["effective"]
    sub = gather_subsystem(host, eff, parsed)
    state["subsystems"] = {"sftp": sub["sftp"]}
    state["config"]["sftp_in_match"] = sub["sftp_in_match"]
    state["config"]["entries"] = [{k: e[k] for k in ("keyword", "args", "file", "line", "match")}
                                  for e in parsed["entries"]]
    state["tcp_wrappers"] = wrappers.gather_tcp_wrappers(host, binaries, state["version_tuple"], options.get("clients"),
                                                         state["service"]["log"], {sshd_path: sshd_data})
    scp_bin = binaries.get("scp") or {}
    state["scp"] = {"sftp_mode": bool(sub["sftp"] and sub["sftp"]["exists"]),
                    "legacy_mode": bool(scp_bin.get("executable"))}
    state["host_keys"] = gather_host_keys(host, eff, state["platform"])
    ports = (eff.get("port") or {}).get("value") or ["22"]
    if isinstance(ports, str):
        ports = ports.split()
    state["listeners"] = gather_listeners(host, ports)
    state["users"] = gather_users(host, options.get("users"), eff)
    if options.get("client_profiles"):
        state["client_profiles"] = options["client_profiles"]
    if options.get("user_auth"):
        # userauth reads only for named users: without any, its answer is {} and it is not
        # imported (AnsiballZ compiles every module_utils the module imports, on every run)
        state["user_auth"] = {}
        if options.get("users"):
            from ansible_collections.sshd.doctor.plugins.module_utils._sshd import userauth  # pylint: disable=import-outside-toplevel
            state["user_auth"] = userauth.gather_user_auth(host, options.get("users"),
                                                           dict(state, clients=options.get("clients")))
    latent.gather_latent(host, state)
    if options.get("remediation_dir"):
        state["remediation"] = gather_remediation(host, options["remediation_dir"])
    return state


UNDONE_KEPT = 20


def gather_remediation(host, backup_dir):
    """The runs of sshd.doctor.remediate under ``backup_dir`` that their timer undid, newest first:
    ``DIR/<run>/undone`` as the guard (roles/remediate/files/sshd-doctor-guard.sh) writes it, one
    line of tab-separated fields: when, by what, why and the restore's output.  Run ids begin with
    their UTC time, so their order is the runs' order.  ``mtime`` lets the reader keep recent ones."""
    undone = []
    base = backup_dir.rstrip("/") or "/"
    for run in sorted(host.listdir(base), reverse=True):
        path = os.path.join(base, run, "undone")
        st = host.stat(path, follow=False)
        if not st or not st["isreg"]:
            continue
        fields = (host.read_text(path, 8192) or "").rstrip("\n").split("\t", 3)
        fields += [""] * (4 - len(fields))
        undone.append({"run": run, "mtime": st["mtime"], "at": fields[0], "by": fields[1], "why": fields[2],
                       "output": fields[3]})
        if len(undone) == UNDONE_KEPT:
            break
    return {"dir": backup_dir, "undone": undone}
