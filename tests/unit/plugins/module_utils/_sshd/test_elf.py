# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the ELF dynamic section reader.

Synthetic images are built here byte by byte (32/64-bit, little/big endian).  The real
Debian binaries are represented by tests/unit/fixtures/elf: debian_sshd_needed.json holds
``readelf -d`` facts of sshd, sshd-session and sshd-auth from the lab images (bullseye 8.4,
bookworm 9.2, trixie 10.0) and the *.sparse.json files keep only the bytes of each binary
that the reader needs (ELF header, program headers, dynamic segment, referenced strings);
everything else is zero.
"""

import base64
import json
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.sshd.doctor.plugins.module_utils._sshd import elf

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "elf"
FACTS = json.loads((FIXTURES / "debian_sshd_needed.json").read_text())

EM_X86_64 = 62
EM_386 = 3
EM_PPC = 20
EM_S390 = 22


def build_elf(bits=64, endian="little", *, needed=("libwrap.so.0", "libc.so.6"), soname=None, rpath=None,
              runpath=None, machine=EM_X86_64, with_phdrs=True, with_sections=True, with_dynamic=True,
              strtab_mapped=True, split_loads=False, base=0x400000):
    """A minimal but well-formed ELF image with a dynamic section."""
    e = "<" if endian == "little" else ">"
    is64 = bits == 64
    ehsize, phentsize, shentsize = (64, 56, 64) if is64 else (52, 32, 40)
    dyn_fmt = e + ("qQ" if is64 else "iI")
    dyn_size = struct.calcsize(dyn_fmt)

    strings = b"\0"
    offsets = {}
    for name in list(needed) + [soname, rpath, runpath]:
        if name is not None and name not in offsets:
            offsets[name] = len(strings)
            strings += name.encode() + b"\0"
    shstr = b"\0.dynstr\0.dynamic\0.shstrtab\0"

    phnum = (3 if split_loads else 2) if with_dynamic else 1
    phnum = phnum if with_phdrs else 0
    dynstr_off = ehsize + phentsize * phnum
    dynstr_off += (-dynstr_off) % 8
    tags = [(1, offsets[name]) for name in needed]
    for tag, value in ((14, soname), (15, rpath), (29, runpath)):
        if value is not None:
            tags.append((tag, offsets[value]))
    dynamic_off = dynstr_off + len(strings)
    dynamic_off += (-dynamic_off) % 8
    # the second PT_LOAD (split_loads) maps the dynamic segment at a different vaddr delta
    second_delta = 0x1000 if split_loads else 0
    strtab_vaddr = base + dynstr_off if strtab_mapped else 0x7FFF0000
    tags += [(5, strtab_vaddr), (10, len(strings)), (0, 0)]
    dynamic = b"".join(struct.pack(dyn_fmt, tag, value) for tag, value in tags) if with_dynamic else b""
    shstr_off = dynamic_off + len(dynamic)
    shoff = shstr_off + len(shstr)
    shoff += (-shoff) % 8
    shnum = 4 if with_sections else 0
    total = shoff + shentsize * shnum

    if is64:
        def phdr(p_type, off, vaddr, size):
            return struct.pack(e + "IIQQQQQQ", p_type, 4, off, vaddr, vaddr, size, size, 8)

        def shdr(name, sh_type, off, size, *, link=0, entsize=0, addr=0):
            return struct.pack(e + "IIQQQQIIQQ", name, sh_type, 0, addr, off, size, link, 0, 8, entsize)
    else:
        def phdr(p_type, off, vaddr, size):
            return struct.pack(e + "IIIIIIII", p_type, off, vaddr, vaddr, size, size, 4, 4)

        def shdr(name, sh_type, off, size, *, link=0, entsize=0, addr=0):
            return struct.pack(e + "IIIIIIIIII", name, sh_type, 0, addr, off, size, link, 0, 4, entsize)

    phdrs = b""
    if with_phdrs:
        if split_loads and with_dynamic:
            phdrs += phdr(1, 0, base, dynamic_off)
            phdrs += phdr(1, dynamic_off, base + dynamic_off + second_delta, total - dynamic_off)
        else:
            phdrs += phdr(1, 0, base, total)
        if with_dynamic:
            phdrs += phdr(2, dynamic_off, base + dynamic_off + second_delta, len(dynamic))
    ident = b"\x7fELF" + bytes([2 if is64 else 1, 1 if endian == "little" else 2, 1, 0]) + bytes(8)
    header_fmt = e + ("HHIQQQIHHHHHH" if is64 else "HHIIIIIHHHHHH")
    header = ident + struct.pack(header_fmt, 3, machine, 1, 0, ehsize if with_phdrs else 0,
                                 shoff if with_sections else 0, 0, ehsize, phentsize, phnum, shentsize, shnum,
                                 3 if with_sections else 0)
    sections = b""
    if with_sections:
        sections = (shdr(0, 0, 0, 0)
                    + shdr(1, 3, dynstr_off, len(strings), addr=base + dynstr_off)
                    + shdr(9, 6 if with_dynamic else 1, dynamic_off, len(dynamic), link=1, entsize=dyn_size)
                    + shdr(18, 3, shstr_off, len(shstr)))
    image = bytearray(total)
    image[0:len(header)] = header
    image[ehsize:ehsize + len(phdrs)] = phdrs
    image[dynstr_off:dynstr_off + len(strings)] = strings
    image[dynamic_off:dynamic_off + len(dynamic)] = dynamic
    image[shstr_off:shstr_off + len(shstr)] = shstr
    image[shoff:shoff + len(sections)] = sections
    return bytes(image)


def load_sparse(name):
    doc = json.loads((FIXTURES / name).read_text())
    image = bytearray(doc["size"])
    for offset, chunk in doc["chunks"]:
        raw = base64.b64decode(chunk)
        image[offset:offset + len(raw)] = raw
    return bytes(image), doc


# ---------------------------------------------------------------------------
# synthetic images


@pytest.mark.parametrize("bits, endian, machine", [(64, "little", EM_X86_64), (32, "little", EM_386),
                                                   (64, "big", EM_S390), (32, "big", EM_PPC)])
def test_all_classes_and_byte_orders(bits, endian, machine):
    data = build_elf(bits, endian, needed=("libwrap.so.0", "libpam.so.0", "libc.so.6"), soname="libfoo.so.1",
                     rpath="/opt/a", runpath="$ORIGIN/../lib", machine=machine)
    info = elf.dynamic_info(data)
    assert info == {"ok": True, "error": None, "needed": ["libwrap.so.0", "libpam.so.0", "libc.so.6"],
                    "soname": "libfoo.so.1", "rpath": "/opt/a", "runpath": "$ORIGIN/../lib", "class": bits,
                    "endian": endian, "machine": machine, "source": "PT_DYNAMIC", "static": False}
    assert elf.needed(data) == ["libwrap.so.0", "libpam.so.0", "libc.so.6"]


def test_strtab_mapped_through_the_right_load_segment():
    data = build_elf(split_loads=True)
    info = elf.dynamic_info(data)
    assert info["source"] == "PT_DYNAMIC"
    assert info["needed"] == ["libwrap.so.0", "libc.so.6"]


def test_falls_back_to_sections_without_program_headers():
    info = elf.dynamic_info(build_elf(with_phdrs=False))
    assert info["ok"] and info["source"] == "sections"
    assert info["needed"] == ["libwrap.so.0", "libc.so.6"]


def test_falls_back_to_sections_when_strtab_is_not_mapped():
    info = elf.dynamic_info(build_elf(strtab_mapped=False))
    assert info["ok"] and info["source"] == "sections"
    assert info["needed"] == ["libwrap.so.0", "libc.so.6"]


def test_unmapped_strtab_without_sections_is_an_error():
    info = elf.dynamic_info(build_elf(strtab_mapped=False, with_sections=False))
    assert not info["ok"]
    assert "PT_LOAD" in info["error"]
    assert info["needed"] == []


def test_no_needed_entries():
    info = elf.dynamic_info(build_elf(needed=()))
    assert info["ok"] and info["needed"] == [] and elf.needed(build_elf(needed=())) == []


def test_static_executable():
    info = elf.dynamic_info(build_elf(with_dynamic=False, with_sections=False))
    assert info["ok"] and info["static"] and info["needed"] == []


@pytest.mark.parametrize("data, word", [
    (b"", "not an ELF"), (b"\x7fELF", "not an ELF"), (b"#!/bin/sh\necho hi\n" * 4, "not an ELF"),
    (b"\x7fELF\x03\x01" + bytes(58), "class"), (b"\x7fELF\x02\x03" + bytes(58), "encoding"),
    (b"\x7fELF\x02\x01" + bytes(20), "truncated"), (b"\x7fELF\x02\x01" + bytes(58), "no program headers"),
])
def test_malformed(data, word):
    info = elf.dynamic_info(data)
    assert not info["ok"]
    assert word in info["error"]
    assert elf.needed(data) == []


@pytest.mark.parametrize("value", [None, "ELF", 42, ["x"]])
def test_not_bytes(value):
    info = elf.dynamic_info(value)
    assert not info["ok"] and "expected bytes" in info["error"]


def test_bytearray_and_memoryview():
    data = build_elf()
    assert elf.needed(bytearray(data)) == ["libwrap.so.0", "libc.so.6"]
    assert elf.needed(memoryview(data)) == ["libwrap.so.0", "libc.so.6"]


@pytest.mark.parametrize("bits, endian", [(64, "little"), (32, "big")])
def test_every_truncation_is_handled(bits, endian):
    data = build_elf(bits, endian)
    for size in range(len(data)):
        info = elf.dynamic_info(data[:size])
        assert info["needed"] in ([], ["libwrap.so.0"], ["libwrap.so.0", "libc.so.6"])
        if not info["ok"]:
            assert info["error"]


def test_bad_entry_sizes_and_links():
    data = bytearray(build_elf())
    struct.pack_into("<H", data, 54, 8)  # e_phentsize too small
    info = elf.dynamic_info(bytes(data))
    assert info["ok"] and info["source"] == "sections"
    struct.pack_into("<H", data, 58, 8)  # e_shentsize too small as well
    info = elf.dynamic_info(bytes(data))
    assert not info["ok"] and "entries" in info["error"]


def test_string_outside_table_is_an_error():
    data = bytearray(build_elf(with_sections=False))
    ehsize, phentsize = 64, 56
    dyn_off = struct.unpack_from("<Q", data, ehsize + phentsize + 8)[0]
    struct.pack_into("<qQ", data, dyn_off, 1, 10 ** 6)  # DT_NEEDED far past DT_STRSZ
    info = elf.dynamic_info(bytes(data))
    assert not info["ok"] and "string" in info["error"]


# ---------------------------------------------------------------------------
# real Debian binaries (facts from readelf -d on the lab images)

REAL = [(release, path, facts)
        for release, entry in FACTS["releases"].items()
        for path, facts in entry["binaries"].items()]


@pytest.mark.parametrize("release, path, facts", REAL, ids=[f"{r}:{p}" for r, p, _f in REAL])
def test_real_binaries_agree_with_readelf(release, path, facts):
    data, doc = load_sparse(facts["sparse_fixture"])
    assert doc["release"] == release and doc["path"] == path and doc["size"] == facts["size"]
    info = elf.dynamic_info(data)
    assert info["ok"], info["error"]
    assert (info["class"], info["endian"], info["machine"]) == (64, "little", EM_X86_64)
    assert info["needed"] == facts["needed"]
    assert info["soname"] == facts["soname"]
    assert any(name.startswith("libwrap.so") for name in info["needed"]) is facts["links_libwrap"]


def test_which_debian_binaries_link_libwrap():
    linked = {release: sorted(path for path, facts in entry["binaries"].items() if facts["links_libwrap"])
              for release, entry in FACTS["releases"].items()}
    assert linked == {"bullseye": ["/usr/sbin/sshd"], "bookworm": ["/usr/sbin/sshd"],
                      "trixie": ["/usr/lib/openssh/sshd-session"]}
    trixie = FACTS["releases"]["trixie"]["binaries"]
    assert set(trixie) == {"/usr/sbin/sshd", "/usr/lib/openssh/sshd-session", "/usr/lib/openssh/sshd-auth"}
    assert "libwrap.so.0" not in trixie["/usr/lib/openssh/sshd-auth"]["needed"]
    assert FACTS["releases"]["bullseye"]["openssh-server"].startswith("1:8.4p1")
    assert FACTS["releases"]["bookworm"]["openssh-server"].startswith("1:9.2p1")
    assert FACTS["releases"]["trixie"]["openssh-server"].startswith("1:10.0p1")


# ---------------------------------------------------------------------------
# never raise


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_random_bytes_never_raise(data):
    info = elf.dynamic_info(data)
    assert isinstance(info["ok"], bool)
    assert isinstance(info["needed"], list)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([(64, "little"), (32, "little"), (64, "big"), (32, "big")]),
       st.lists(st.tuples(st.integers(min_value=0, max_value=4095), st.integers(min_value=0, max_value=255)),
                max_size=12),
       st.integers(min_value=0, max_value=5000))
def test_corrupted_images_never_raise(layout, flips, cut):
    data = bytearray(build_elf(*layout))
    for position, value in flips:
        if position < len(data):
            data[position] = value
    info = elf.dynamic_info(bytes(data[:cut]))
    assert isinstance(info["ok"], bool)
    assert all(isinstance(name, str) for name in info["needed"])
    assert info["ok"] or info["error"]


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=2 ** 64 - 1), st.sampled_from([24, 32, 40, 60, 64, 0x20, 0x28, 0x36, 0x3C]))
def test_huge_header_values_never_raise(value, offset):
    data = bytearray(build_elf())
    size = 8 if offset in (24, 32, 40) else 2
    data[offset:offset + size] = (value % (1 << (8 * size))).to_bytes(size, "little")
    info = elf.dynamic_info(bytes(data))
    assert isinstance(info["ok"], bool)
