# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the dynamic section of an ELF file from its bytes (no ldd, no subprocess).

Answers "which shared libraries does this binary ask for" (DT_NEEDED, plus
DT_SONAME, DT_RPATH and DT_RUNPATH), which is how the collection decides
whether libwrap (tcp_wrappers) is in play for the sshd binaries that really
serve connections: on Debian bullseye and bookworm /usr/sbin/sshd links
libwrap.so.0; on trixie (OpenSSH 10.0) /usr/sbin/sshd does not, but
/usr/lib/openssh/sshd-session does (sshd-auth does not).

The dynamic entries are found through the PT_DYNAMIC program header and the
string table through DT_STRTAB, a virtual address mapped to a file offset
through the PT_LOAD segments; when that fails (no program headers, stripped
or odd layouts) the SHT_DYNAMIC section and its sh_link string table are used
instead.  32/64-bit, little/big endian.  Never raises: problems are reported
in ``ok``/``error``.
"""

import struct

PT_LOAD = 1
PT_DYNAMIC = 2
SHT_DYNAMIC = 6
DT_NULL = 0
DT_NEEDED = 1
DT_STRTAB = 5
DT_STRSZ = 10
DT_SONAME = 14
DT_RPATH = 15
DT_RUNPATH = 29

_MAGIC = b"\x7fELF"
_MAX_STRING = 4096
_NO_PT_DYNAMIC = "no PT_DYNAMIC program header"


class _Error(Exception):
    """Internal: malformed input (never escapes this module)."""


class _Reader:
    def __init__(self, data, is64, little):
        self.data = data
        self.is64 = is64
        self.prefix = "<" if little else ">"

    def unpack(self, fmt, offset):
        fmt = self.prefix + fmt
        size = struct.calcsize(fmt)
        if offset < 0 or offset + size > len(self.data):
            raise _Error(f"truncated at offset {offset} (need {size} bytes)")
        return struct.unpack_from(fmt, self.data, offset)

    def string(self, offset, limit):
        """NUL-terminated string at offset, not reading past limit."""
        end_limit = min(len(self.data), limit, offset + _MAX_STRING)
        if offset < 0 or offset >= end_limit:
            raise _Error(f"string offset {offset} outside the string table")
        end = self.data.find(b"\0", offset, end_limit)
        if end == -1:
            raise _Error(f"unterminated string at offset {offset}")
        return self.data[offset:end].decode("utf-8", "replace")


def _header(reader):
    fields = reader.unpack("HHIQQQIHHHHHH" if reader.is64 else "HHIIIIIHHHHHH", 16)
    machine, phoff, shoff = fields[1], fields[4], fields[5]
    phentsize, phnum, shentsize, shnum, shstrndx = fields[8:13]
    return {"machine": machine, "phoff": phoff, "shoff": shoff, "phentsize": phentsize, "phnum": phnum,
            "shentsize": shentsize, "shnum": shnum, "shstrndx": shstrndx}


def _entry_offsets(header, kind, minimum):
    """Offsets of the entries of the program (``ph``) or section (``sh``) header table; [] when absent."""
    count, entsize, start = header[kind + "num"], header[kind + "entsize"], header[kind + "off"]
    if count == 0 or start == 0:
        return []
    if entsize < minimum:
        what = "program" if kind == "ph" else "section"
        raise _Error(f"{what} header entries are {entsize} bytes, expected at least {minimum}")
    return [start + index * entsize for index in range(count)]


def _program_headers(reader, header):
    out = []
    for offset in _entry_offsets(header, "ph", 56 if reader.is64 else 32):
        if reader.is64:
            p_type, _flags, p_offset, p_vaddr, _paddr, p_filesz, p_memsz, _align = reader.unpack("IIQQQQQQ", offset)
        else:
            p_type, p_offset, p_vaddr, _paddr, p_filesz, p_memsz, _flags, _align = reader.unpack("IIIIIIII", offset)
        out.append({"type": p_type, "offset": p_offset, "vaddr": p_vaddr, "filesz": p_filesz, "memsz": p_memsz})
    return out


def _section_headers(reader, header):
    out = []
    for offset in _entry_offsets(header, "sh", 64 if reader.is64 else 40):
        if reader.is64:
            _name, sh_type, _flags, sh_addr, sh_offset, sh_size, sh_link, _info, _align, sh_entsize = reader.unpack(
                "IIQQQQIIQQ", offset)
        else:
            _name, sh_type, _flags, sh_addr, sh_offset, sh_size, sh_link, _info, _align, sh_entsize = reader.unpack(
                "IIIIIIIIII", offset)
        out.append({"type": sh_type, "addr": sh_addr, "offset": sh_offset, "size": sh_size, "link": sh_link,
                    "entsize": sh_entsize})
    return out


def _dynamic_entries(reader, offset, size):
    """(tag, value) pairs from offset, at most size bytes, up to DT_NULL."""
    entsize = 16 if reader.is64 else 8
    fmt = "qQ" if reader.is64 else "iI"
    end = min(offset + size, len(reader.data))
    entries = []
    position = offset
    while position + entsize <= end:
        tag, value = reader.unpack(fmt, position)
        if tag == DT_NULL:
            break
        entries.append((tag, value))
        position += entsize
    if not entries and offset + entsize > len(reader.data):
        raise _Error(f"dynamic section at offset {offset} lies outside the file")
    return entries


def _vaddr_to_offset(loads, vaddr):
    for segment in loads:
        if segment["vaddr"] <= vaddr < segment["vaddr"] + segment["filesz"]:
            return segment["offset"] + (vaddr - segment["vaddr"])
    return None


def _strings(reader, entries, strtab_offset, strtab_size):
    limit = strtab_offset + strtab_size if strtab_size else len(reader.data)
    result = {"needed": [], "soname": None, "rpath": None, "runpath": None}
    for tag, value in entries:
        if tag not in (DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH):
            continue
        text = reader.string(strtab_offset + value, limit)
        if tag == DT_NEEDED:
            result["needed"].append(text)
        elif tag == DT_SONAME:
            result["soname"] = text
        elif tag == DT_RPATH:
            result["rpath"] = text
        else:
            result["runpath"] = text
    return result


def _strtab_from_entries(entries):
    strtab = strsz = None
    for tag, value in entries:
        if tag == DT_STRTAB and strtab is None:
            strtab = value
        elif tag == DT_STRSZ and strsz is None:
            strsz = value
    return strtab, strsz


def _via_program_headers(reader, header):
    phdrs = _program_headers(reader, header)
    dynamic = [ph for ph in phdrs if ph["type"] == PT_DYNAMIC]
    if not dynamic:
        return None, _NO_PT_DYNAMIC if phdrs else "no program headers"
    entries = _dynamic_entries(reader, dynamic[0]["offset"], dynamic[0]["filesz"])
    strtab, strsz = _strtab_from_entries(entries)
    if strtab is None:
        if any(tag in (DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH) for tag, _value in entries):
            return None, "dynamic section has no DT_STRTAB"
        return {"needed": [], "soname": None, "rpath": None, "runpath": None, "source": "PT_DYNAMIC"}, None
    loads = [ph for ph in phdrs if ph["type"] == PT_LOAD]
    offset = _vaddr_to_offset(loads, strtab)
    if offset is None:
        return None, f"DT_STRTAB address 0x{strtab:x} is not inside a PT_LOAD segment"
    result = _strings(reader, entries, offset, strsz or 0)
    result["source"] = "PT_DYNAMIC"
    return result, None


def _via_sections(reader, header):
    sections = _section_headers(reader, header)
    dynamic = [sh for sh in sections if sh["type"] == SHT_DYNAMIC]
    if not dynamic:
        return None, "no SHT_DYNAMIC section" if sections else "no section headers"
    section = dynamic[0]
    entries = _dynamic_entries(reader, section["offset"], section["size"])
    if not 0 <= section["link"] < len(sections):
        return None, f"SHT_DYNAMIC links to missing section {section['link']}"
    strtab = sections[section["link"]]
    result = _strings(reader, entries, strtab["offset"], strtab["size"])
    result["source"] = "sections"
    return result, None


def dynamic_info(data):
    """Dynamic linking facts of an ELF image given as bytes.

    Returns ``{"ok", "error", "needed", "soname", "rpath", "runpath", "class",
    "endian", "machine", "source", "static"}``; ``needed`` is empty and
    ``error`` says why when the image cannot be read; a valid executable
    without a dynamic segment is ``ok`` with ``static: True``.  Never raises.
    """
    result = {"ok": False, "error": None, "needed": [], "soname": None, "rpath": None, "runpath": None,
              "class": None, "endian": None, "machine": None, "source": None, "static": False}
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        result["error"] = f"expected bytes, got {type(data).__name__}"
        return result
    if len(data) < 16 or data[:4] != _MAGIC:
        result["error"] = "not an ELF file"
        return result
    ei_class, ei_data = data[4], data[5]
    if ei_class not in (1, 2):
        result["error"] = f"unknown ELF class {ei_class}"
        return result
    if ei_data not in (1, 2):
        result["error"] = f"unknown ELF data encoding {ei_data}"
        return result
    result["class"] = 64 if ei_class == 2 else 32
    result["endian"] = "little" if ei_data == 1 else "big"
    reader = _Reader(data, ei_class == 2, ei_data == 1)
    try:
        header = _header(reader)
    except (_Error, struct.error) as exc:
        result["error"] = f"truncated ELF header: {exc}"
        return result
    result["machine"] = header["machine"]
    errors = []
    for method in (_via_program_headers, _via_sections):
        try:
            found, problem = method(reader, header)
        except (_Error, struct.error, OverflowError, ValueError) as exc:
            found, problem = None, str(exc)
        if found is not None:
            result.update(found)
            result["ok"] = True
            result["error"] = None
            return result
        errors.append(problem)
    if errors[0] == _NO_PT_DYNAMIC:
        # program headers but no dynamic segment: a statically linked executable
        result.update({"ok": True, "static": True, "source": "program headers"})
        return result
    result["error"] = "; ".join(error for error in errors if error) or "no dynamic section"
    return result


def needed(data):
    """DT_NEEDED entries in order ([] when unreadable)."""
    return list(dynamic_info(data)["needed"])
