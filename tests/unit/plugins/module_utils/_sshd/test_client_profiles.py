# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""client_profiles._with: rows told as a delta of another row keep the base's order.

The rows themselves are checked against the real captured offers in test_crypto.py
(test_captured_profiles_equal_the_real_offers, test_openssh_supported_equals_...).
"""

import pytest

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import client_profiles
from ansible_collections.sshd.doctor.plugins.module_utils._sshd.client_profiles import _with

BASE = ["a", "b", "c", "d"]


def test_delta_keeps_the_base_order():
    assert _with(BASE, prepend=["p"], insert={"c": ["x", "y"]}, drop=["b"], append=["z"]) == \
        ["p", "a", "x", "y", "c", "d", "z"]


def test_delta_is_a_copy_never_the_base():
    out = _with(BASE)
    assert out == BASE and out is not BASE
    out.append("e")
    assert BASE == ["a", "b", "c", "d"]


def test_an_insert_before_a_dropped_name_still_lands_there():
    assert _with(BASE, insert={"b": ["x"]}, drop=["b"]) == ["a", "x", "c", "d"]


@pytest.mark.parametrize("kwargs", [{"drop": ["nope"]}, {"insert": {"nope": ["x"]}}])
def test_a_name_not_in_the_base_is_refused(kwargs):
    # a typo in a delta would silently leave a row wrong; it fails at import instead
    with pytest.raises(ValueError, match="nope"):
        _with(BASE, **kwargs)


def test_no_row_lists_an_algorithm_twice_but_the_source_row_that_does():
    # openssh_9.6 is read from source with ext-info-c twice, kept as written
    twice = {(name, field) for name, row in client_profiles.PROFILES.items()
             for field in ("kex", "hostkey", "ciphers", "macs", "pubkey")
             if len(set(row[field])) != len(row[field])}
    assert twice == {("openssh_9.6", "kex")}
