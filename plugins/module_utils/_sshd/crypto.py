# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which SSH clients can negotiate with this sshd: pure functions over the effective config.

The server side is what ``sshd -T`` prints (``kexalgorithms``, ``hostkeyalgorithms``,
``ciphers``, ``macs``, ``pubkeyacceptedalgorithms``; 8.4 prints ``pubkeyacceptedkeytypes``)
plus the host keys that really load.  The client side is a profile of
:mod:`client_profiles`.  Negotiation follows RFC 4253 7.1 as OpenSSH's kex.c does it: for
each list the first client algorithm the server also has wins; the MAC is negotiated only
when the chosen cipher is not an AEAD cipher (chacha20-poly1305, AES-GCM); the server offers
only host key algorithms it holds a loaded key for.  Nothing here touches a host.
"""

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import client_profiles

# Markers in KEXINIT that are not key exchange methods.
PSEUDO_KEX = frozenset(("ext-info-c", "ext-info-s", "kex-strict-c-v00@openssh.com", "kex-strict-s-v00@openssh.com"))
AEAD_CIPHERS = frozenset(("chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com"))

# sshd_config keyword and `sshd -T` key per list; pubkey changed its name in 8.5.
LISTS = (
    ("kex", "KexAlgorithms", "kexalgorithms"),
    ("hostkey", "HostKeyAlgorithms", "hostkeyalgorithms"),
    ("ciphers", "Ciphers", "ciphers"),
    ("macs", "MACs", "macs"),
    ("pubkey", "PubkeyAcceptedAlgorithms", "pubkeyacceptedalgorithms"),
)
WHAT = {"kex": "key exchange method", "hostkey": "host key type", "ciphers": "cipher", "macs": "MAC",
        "pubkey": "public key signature algorithm"}

# host key algorithm -> the key type (first field of the .pub file) it needs
_KEY_FOR_ALG = {
    "ssh-ed25519": "ssh-ed25519", "ssh-rsa": "ssh-rsa", "rsa-sha2-256": "ssh-rsa", "rsa-sha2-512": "ssh-rsa",
    "ssh-dss": "ssh-dss", "ecdsa-sha2-nistp256": "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384": "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521": "ecdsa-sha2-nistp521", "ssh-ed448": "ssh-ed448",
}
# file-name hints when the .pub file is missing (gather falls back to these words)
_KEY_WORDS = {"ed25519": "ssh-ed25519", "rsa": "ssh-rsa", "dsa": "ssh-dss", "ecdsa": "ecdsa-sha2-nistp256"}
_KEY_FILE = {"ssh-ed25519": "ed25519", "ssh-rsa": "rsa", "ssh-dss": "dsa", "ecdsa-sha2-nistp256": "ecdsa",
             "ecdsa-sha2-nistp384": "ecdsa", "ecdsa-sha2-nistp521": "ecdsa"}


def version_key(text):
    """"9.2" -> (9, 2), for ordering profile and release versions."""
    out = []
    for part in str(text).split("."):
        digits = "".join(c for c in part if c.isdigit())
        out.append(int(digits) if digits else 0)
    return tuple(out)


def profile(name):
    """The client profile named ``name`` (or a family alias such as ``openssh``), or None."""
    key = client_profiles.ALIASES.get(name, name)
    return client_profiles.PROFILES.get(key)


def split_list(value):
    """A comma list as `sshd -T` prints it (a string, or a list of strings) -> list of names."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    return [x for x in str(value).replace(" ", ",").split(",") if x]


def _eff_value(eff, key):
    entry = eff.get(key)
    if isinstance(entry, dict):
        return entry.get("value"), entry.get("file"), entry.get("line")
    return entry, None, None


def key_type(entry):
    t = (entry or {}).get("type")
    return _KEY_WORDS.get(t, t)


def server_offer(eff, host_keys, version_tuple=None):
    """The server's lists: ``{list: {"algorithms": [...] or None, "configured": [...], "keyword",
    "file", "line"}}``.  ``algorithms`` None means the effective value is unknown (only an
    unresolved ``+``/``-``/``^`` edit of the compiled default, or nothing at all)."""
    out = {}
    loaded = {key_type(k) for k in host_keys or [] if k.get("loadable")}
    for name, list_keyword, tkey in LISTS:
        keyword = list_keyword
        keys = (tkey, "pubkeyacceptedkeytypes") if name == "pubkey" else (tkey,)
        value = src_file = src_line = None
        for k in keys:
            if k in eff:
                value, src_file, src_line = _eff_value(eff, k)
                break
        algs = split_list(value)
        if algs and algs[0][:1] in "+-^":
            algs = None  # an edit of the default, not a resolved list
        if name == "pubkey" and version_tuple and tuple(version_tuple) < (8, 5):
            keyword = "PubkeyAcceptedKeyTypes"
        entry = {"configured": algs, "keyword": keyword, "file": src_file, "line": src_line}
        if name == "hostkey" and algs is not None:
            entry["algorithms"] = [a for a in algs if _KEY_FOR_ALG.get(a) in loaded]
        elif name == "kex" and algs is not None:
            entry["algorithms"] = [a for a in algs if a not in PSEUDO_KEX]
        else:
            entry["algorithms"] = algs
        out[name] = entry
    out["loaded_key_types"] = sorted(t for t in loaded if t)
    return out


def _first_common(client, server):
    server_set = set(server)
    return next((a for a in client if a in server_set), None)


def negotiate(profile, offer):
    """Simulate one client against the server offer.

    Returns ``{"ok": True/False/None, "chosen": {...}, "failed": list name or None, "their_offer": [...]}``;
    ``ok`` None when a list the client needs is unknown on the server side.
    """
    chosen = {}
    for name in ("kex", "hostkey", "ciphers", "macs", "pubkey"):
        server = (offer.get(name) or {}).get("algorithms")
        client = [a for a in profile.get(name) or [] if a not in PSEUDO_KEX]
        if name == "macs" and chosen.get("ciphers") in AEAD_CIPHERS and not profile.get("mac_with_aead"):
            chosen[name] = None  # implicit in the AEAD cipher
            continue
        if name == "pubkey" and not client:
            continue  # the profile does not say which signatures it makes
        if server is None:
            return {"ok": None, "chosen": chosen, "failed": None, "unknown": name, "their_offer": client}
        pick = _first_common(client, server)
        if pick is None:
            return {"ok": False, "chosen": chosen, "failed": name, "their_offer": client}
        chosen[name] = pick
    return {"ok": True, "chosen": chosen, "failed": None, "their_offer": None}


def _supported(version_tuple, name):
    """Algorithms of list ``name`` this sshd build can enable (`ssh -Q` of the nearest captured release)."""
    table = client_profiles.OPENSSH_SUPPORTED
    best = None
    for ver in sorted(table, key=version_key):
        if version_tuple is None or version_key(ver) <= tuple(version_tuple)[:2]:
            best = ver
    if best is None:
        best = sorted(table, key=version_key)[0]
    return table[best].get(name) or []


def admitting_line(name, profile, offer, version_tuple=None):
    """The ONE sshd_config line that would admit the client on list ``name``, and where it goes.

    Returns ``{"line", "where", "note"}``.  When the list is set explicitly the line replaces
    that line (first value wins, so a second line would change nothing); otherwise a ``+``
    line adds to the compiled default.
    """
    entry = offer.get(name) or {}
    keyword = entry.get("keyword")
    client = [a for a in profile.get(name) or [] if a not in PSEUDO_KEX]
    supported = set(_supported(version_tuple, name))
    candidates = [a for a in client if a in supported] or client
    note = None
    if name == "hostkey":
        loaded = set(offer.get("loaded_key_types") or [])
        configured = set(entry.get("configured") or [])
        with_key = [a for a in candidates if _KEY_FOR_ALG.get(a) in loaded]
        if with_key:
            alg = with_key[0]
        else:
            alg = next((a for a in candidates if a in configured), candidates[0] if candidates else None)
            if alg and alg in configured:
                ktype = _KEY_FILE.get(_KEY_FOR_ALG.get(alg), "ed25519")
                return {"line": "HostKey /etc/ssh/ssh_host_%s_key" % ktype, "where": "main section",
                        "note": "no loaded host key of type %s: create it (ssh-keygen -t %s) and load it" % (
                            _KEY_FOR_ALG.get(alg), ktype)}
            if alg:
                note = "also needs a loaded %s host key" % _KEY_FOR_ALG.get(alg, "matching")
    else:
        alg = candidates[0] if candidates else None
    if alg is None:
        return {"line": None, "where": None, "note": "the client offers nothing for this list"}
    if entry.get("file") and entry.get("configured") is not None:
        line = "%s %s" % (keyword, ",".join(entry["configured"] + [alg]))
        where = "replace %s:%s" % (entry["file"], entry.get("line"))
    else:
        line = "%s +%s" % (keyword, alg)
        where = "main section, before any other %s line" % keyword
    return {"line": line, "where": where, "note": note}


RSA_SIGS = ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa")


def rsa_key_note(prof, offer):
    """The client negotiates, but its RSA user keys cannot log in: it signs only with RSA signature
    algorithms the server's PubkeyAcceptedAlgorithms lacks (SHA-1 ``ssh-rsa`` from 8.8 on)."""
    server = (offer.get("pubkey") or {}).get("algorithms")
    sigs = [a for a in prof.get("pubkey") or [] if a in RSA_SIGS]
    if server is None or not sigs or any(a in server for a in sigs):
        return None
    return "its RSA keys cannot log in: it signs with %s, which PubkeyAcceptedAlgorithms lacks (use another key type)" % (
        ",".join(sigs))


def compatibility(eff, host_keys, profiles, version_tuple=None):
    """For each profile name: verdict, failing list, their offer, the server's list and the fix line."""
    offer = server_offer(eff, host_keys, version_tuple)
    out = []
    for pname in profiles:
        prof = profile(pname)
        if prof is None:
            out.append({"profile": pname, "ok": None, "error": "unknown client profile %s" % pname})
            continue
        res = negotiate(prof, offer)
        row = {"profile": prof["name"], "label": prof["label"], "ok": res["ok"], "failed": res["failed"],
               "chosen": res["chosen"]}
        if res.get("unknown"):
            row["unknown"] = res["unknown"]
        note = rsa_key_note(prof, offer)
        if note:
            row["note"] = note
        if res["ok"] is False:
            name = res["failed"]
            row["their_offer"] = res["their_offer"]
            row["server_list"] = (offer.get(name) or {}).get("algorithms")
            row["fix"] = admitting_line(name, prof, offer, version_tuple)
        out.append(row)
    return out
