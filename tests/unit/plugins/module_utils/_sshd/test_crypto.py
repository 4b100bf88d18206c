# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""crypto.py against the real client matrix, and client_profiles.py against the real offers.

tests/lab/client_matrix.json holds, for every client x server crypto config x release, what
the real client did against real sshd (tests/lab/client_matrix.py run).  Each cell is replayed
here from the server's recorded `sshd -T` and host keys: the computed verdict must equal the
real outcome, and the failing list must be the one sshd named in its journal.
"""

import json
from pathlib import Path

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import client_profiles, crypto
from ansible_collections.sshd.doctor.plugins.module_utils._sshd import config as sshd_config

LAB = Path(__file__).resolve().parents[5] / "tests" / "lab"
MATRIX = json.loads((LAB / "client_matrix.json").read_text())
OFFERS = json.loads((LAB / "client_offers.json").read_text())
SERVERS = {(s["release"], s["config"]): s for s in MATRIX["servers"]}
VERSIONS = {"bullseye": "8.4p1", "bookworm": "9.2p1", "trixie": "10.0p2"}


def _compute(cell):
    server = SERVERS[(cell["release"], cell["config"])]
    eff = sshd_config.parse_sshd_T(server["sshd_T"])
    return crypto.compatibility(eff, server["host_keys"], [cell["client"]],
                                sshd_config.version_tuple(VERSIONS[cell["release"]]))[0], eff, server


def test_matrix_is_large_enough_and_all_real():
    clients = {c["client"] for c in MATRIX["cells"]}
    families = {client_profiles.PROFILES[c]["family"] for c in clients}
    assert len(families) >= 6
    assert {c["config"] for c in MATRIX["cells"]} >= {"stock", "hardened-modern", "fips-like", "legacy-rsa-only",
                                                      "restricted-macs", "restricted-kex"}
    assert {c["release"] for c in MATRIX["cells"]} == set(VERSIONS)
    # the matrix must show both outcomes, or it proves nothing
    assert any(c["real_ok"] for c in MATRIX["cells"]) and not all(c["real_ok"] for c in MATRIX["cells"])


@pytest.mark.parametrize("cell", MATRIX["cells"], ids=lambda c: "%s-%s-%s" % (c["release"], c["config"], c["client"]))
def test_computed_verdict_equals_real_client(cell):
    row, _eff, _server = _compute(cell)
    assert row["ok"] == cell["real_ok"], cell["client_error"]
    if not cell["real_ok"] and cell["real_failed"]:
        # sshd's own "no matching X found" names the same list
        assert row["failed"] == cell["real_failed"]


@pytest.mark.parametrize("cell", [c for c in MATRIX["cells"] if not c["real_ok"]],
                         ids=lambda c: "%s-%s-%s" % (c["release"], c["config"], c["client"]))
def test_fix_line_admits_the_client_on_that_list(cell):
    row, eff, server = _compute(cell)
    fix = row["fix"]["line"]
    assert fix, row
    keyword, _sp, value = fix.partition(" ")
    name = next(n for n, kw, _t in crypto.LISTS if kw.lower() == keyword.lower())
    key = next(t for n, kw, t in crypto.LISTS if n == name)
    current = crypto.split_list(eff.get(key))
    new = current + [value[1:]] if value.startswith("+") else crypto.split_list(value)
    assert set(current) < set(new)  # the line only ever adds
    eff2 = dict(eff, **{key: ",".join(new)})
    again = crypto.compatibility(eff2, server["host_keys"], [cell["client"]],
                                 sshd_config.version_tuple(VERSIONS[cell["release"]]))[0]
    assert again["ok"] or again["failed"] != name


@pytest.mark.parametrize("name", sorted(OFFERS))
def test_captured_profiles_equal_the_real_offers(name):
    prof = client_profiles.PROFILES[name]
    assert prof["verified"] == "captured"
    offer = OFFERS[name]
    assert prof["kex"] == offer["kex"]
    assert prof["hostkey"] == offer["hostkey"]
    assert prof["ciphers"] == offer["ciphers_c2s"]
    assert prof["macs"] == offer["macs_c2s"]


def test_every_profile_has_lists_and_a_source():
    wanted = {"openssh_7.4", "openssh_8.4", "openssh_8.8", "openssh_9.2", "openssh_9.6", "openssh_10.0",
              "jsch_0.1.55", "jsch_current", "go_xcrypto", "libssh_0.10"}
    assert wanted <= set(client_profiles.PROFILES)
    for name, prof in client_profiles.PROFILES.items():
        assert prof["name"] == name
        assert prof["verified"] in ("captured", "source")
        assert prof["source"].startswith(prof["verified"] + ":")
        for key in ("kex", "hostkey", "ciphers", "macs", "pubkey"):
            assert prof[key] and all(isinstance(a, str) and a for a in prof[key]), (name, key)
    for alias in list(client_profiles.ALIASES) + client_profiles.DEFAULT_REQUIRED:
        assert crypto.profile(alias) is not None


def _eff(**lists):
    base = {"kexalgorithms": "curve25519-sha256", "hostkeyalgorithms": "ssh-ed25519,rsa-sha2-512",
            "ciphers": "chacha20-poly1305@openssh.com,aes128-ctr", "macs": "hmac-sha2-256-etm@openssh.com",
            "pubkeyacceptedalgorithms": "ssh-ed25519,rsa-sha2-512,rsa-sha2-256"}
    base.update(lists)
    return {k: {"value": v, "file": None, "line": None} for k, v in base.items()}


KEYS = [{"path": "/etc/ssh/ssh_host_ed25519_key", "type": "ssh-ed25519", "loadable": True},
        {"path": "/etc/ssh/ssh_host_rsa_key", "type": "ssh-rsa", "loadable": True}]


def test_pseudo_kex_never_counts():
    prof = {"kex": ["ext-info-c", "kex-strict-c-v00@openssh.com"], "hostkey": ["ssh-ed25519"],
            "ciphers": ["aes128-ctr"], "macs": ["hmac-sha2-256-etm@openssh.com"]}
    offer = crypto.server_offer(_eff(kexalgorithms="curve25519-sha256,ext-info-c"), KEYS)
    assert crypto.negotiate(prof, offer)["failed"] == "kex"


def test_aead_cipher_makes_mac_irrelevant_but_first_cipher_decides():
    offer = crypto.server_offer(_eff(macs="hmac-sha2-512"), KEYS)
    aead_first = {"kex": ["curve25519-sha256"], "hostkey": ["ssh-ed25519"],
                  "ciphers": ["chacha20-poly1305@openssh.com", "aes128-ctr"], "macs": ["hmac-sha1"]}
    assert crypto.negotiate(aead_first, offer)["ok"] is True
    ctr_first = dict(aead_first, ciphers=["aes128-ctr", "chacha20-poly1305@openssh.com"])
    assert crypto.negotiate(ctr_first, offer)["failed"] == "macs"


def test_host_key_algorithm_needs_a_loaded_key():
    prof = {"kex": ["curve25519-sha256"], "hostkey": ["ssh-ed25519"], "ciphers": ["aes128-ctr"],
            "macs": ["hmac-sha2-256-etm@openssh.com"]}
    unloadable = [dict(KEYS[0], loadable=False), KEYS[1]]
    offer = crypto.server_offer(_eff(), unloadable)
    res = crypto.negotiate(prof, offer)
    assert res["failed"] == "hostkey"
    fix = crypto.admitting_line("hostkey", prof, offer, (10, 0))
    assert fix["line"] == "HostKey /etc/ssh/ssh_host_ed25519_key"


def test_explicit_list_is_replaced_not_appended():
    eff = _eff()
    eff["kexalgorithms"] = {"value": "mlkem768x25519-sha256", "file": "/etc/ssh/sshd_config", "line": 12}
    offer = crypto.server_offer(eff, KEYS)
    fix = crypto.admitting_line("kex", crypto.profile("paramiko_2.12"), offer, (10, 0))
    assert fix["line"].startswith("KexAlgorithms mlkem768x25519-sha256,")
    assert fix["where"] == "replace /etc/ssh/sshd_config:12"


def test_unresolved_edit_of_the_default_is_unknown_not_a_verdict():
    offer = crypto.server_offer(_eff(kexalgorithms="+diffie-hellman-group1-sha1"), KEYS)
    assert crypto.negotiate(crypto.profile("openssh"), offer)["ok"] is None


def test_pubkey_keyword_name_follows_the_version():
    assert crypto.server_offer(_eff(), KEYS, (8, 4))["pubkey"]["keyword"] == "PubkeyAcceptedKeyTypes"
    assert crypto.server_offer(_eff(), KEYS, (9, 2))["pubkey"]["keyword"] == "PubkeyAcceptedAlgorithms"


def test_unknown_profile_is_reported_not_raised():
    rows = crypto.compatibility(_eff(), KEYS, ["no-such-client"])
    assert rows[0]["ok"] is None and "unknown" in rows[0]["error"]


def test_openssh_supported_equals_what_the_real_releases_print():
    real = json.loads((LAB / "openssh_supported.json").read_text())
    assert real == client_profiles.OPENSSH_SUPPORTED


@pytest.mark.parametrize("cell", MATRIX.get("rsa_key_cells", []), ids=lambda c: c["release"])
def test_jsch_rsa_key_note_equals_real_login(cell):
    # the real JSch 0.1.55 negotiated with every stock server; its RSA key logged in only where
    # crypto.py finds an RSA signature the server accepts
    assert cell["computed_negotiates"] is True
    assert cell["real_ok"] == (cell["computed_note"] is None), cell["client_error"]


def test_rsa_key_cells_recorded_for_three_releases():
    assert {c["release"] for c in MATRIX.get("rsa_key_cells", [])} == set(VERSIONS)
