"""Read the versioned symbols an ELF shared object needs (``memcpy@GLIBC_2.14``), and the
machine an ELF file is for (``e_machine``: 62 x86-64, 183 AArch64).

Only what the glibc check needs: the dynamic symbol table, its version indexes
(``.gnu.version``) and the version requirements (``.gnu.version_r``).  No third-party
dependency, so the check runs before auditwheel is even installed, and names the symbols.
"""

from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

_SHT_DYNSYM = 11
_SHT_GNU_VERNEED = 0x6FFFFFFE
_SHT_GNU_VERSYM = 0x6FFFFFFF
_SHN_UNDEF = 0


@dataclass(frozen=True, kw_only=True, order=True)
class VersionedSymbol:
    """An undefined symbol bound to a version of a library: ``memcpy@GLIBC_2.14``."""

    library: str
    version: str
    symbol: str

    def __str__(self) -> str:
        return f"{self.symbol}@{self.version}"


class ElfError(ValueError):
    """Not an ELF file, or a malformed one."""


@dataclass(frozen=True)
class _Section:
    type: int
    offset: int
    size: int
    link: int
    entsize: int


def versioned_symbols(data: bytes) -> list[VersionedSymbol]:
    """The undefined dynamic symbols of ``data`` (an ELF file) with their required versions;
    version requirements without a symbol (rare) appear with ``symbol=""``."""
    if data[:4] != b"\x7fELF":
        raise ElfError("not an ELF file")
    if len(data) < 6 or data[4] not in (1, 2) or data[5] not in (1, 2):
        raise ElfError("unknown ELF class or byte order")
    is64 = data[4] == 2
    end = "<" if data[5] == 1 else ">"
    try:
        sections = _sections(data, is64, end)
        needs = _version_needs(data, sections, end)
        found, used = _undefined_symbols(data, sections, needs, is64, end)
        for other, (library, version) in needs.items():
            if other not in used:
                found.add(VersionedSymbol(library=library, version=version, symbol=""))
    except (struct.error, IndexError, OverflowError) as exc:  # the last: an offset past 2**63
        raise ElfError(f"malformed ELF file: {exc}") from exc
    return sorted(found)


def _undefined_symbols(
    data: bytes, sections: list[_Section], needs: dict[int, tuple[str, str]], is64: bool, end: str
) -> tuple[set[VersionedSymbol], set[int]]:
    """The undefined dynamic symbols bound to a required version, and the version indexes used."""
    found: set[VersionedSymbol] = set()
    used: set[int] = set()
    dynsym = next((s for s in sections if s.type == _SHT_DYNSYM), None)
    versym = next((s for s in sections if s.type == _SHT_GNU_VERSYM), None)
    if dynsym is None or versym is None:
        return found, used
    strtab = sections[dynsym.link]
    entsize = dynsym.entsize or (24 if is64 else 16)
    if entsize < (24 if is64 else 16):  # records overlapping each other
        raise ElfError(f"malformed ELF file: dynamic symbols of {entsize} bytes")
    for index in range(dynsym.size // entsize):
        offset = dynsym.offset + index * entsize
        if is64:
            name_off, _, _, shndx = struct.unpack_from(end + "IBBH", data, offset)
        else:
            name_off, _, _, _, _, shndx = struct.unpack_from(end + "IIIBBH", data, offset)
        (ver,) = struct.unpack_from(end + "H", data, versym.offset + 2 * index)
        need = needs.get(ver & 0x7FFF)
        if shndx != _SHN_UNDEF or need is None:
            continue
        used.add(ver & 0x7FFF)
        name = _string(data, strtab.offset + name_off)
        found.add(VersionedSymbol(library=need[0], version=need[1], symbol=name))
    return found, used


def _sections(data: bytes, is64: bool, end: str) -> list[_Section]:
    if is64:
        shoff = struct.unpack_from(end + "Q", data, 0x28)[0]
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x3A)
        fmt = end + "IIQQQQIIQQ"
    else:
        shoff = struct.unpack_from(end + "I", data, 0x20)[0]
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x2E)
        fmt = end + "IIIIIIIIII"
    result = []
    for index in range(shnum):
        fields = struct.unpack_from(fmt, data, shoff + index * shentsize)
        _, kind, _, _, offset, size, link, _, _, entsize = fields
        result.append(_Section(type=kind, offset=offset, size=size, link=link, entsize=entsize))
    return result


def _version_needs(data: bytes, sections: list[_Section], end: str) -> dict[int, tuple[str, str]]:
    """Version index -> (library file, version name) from ``.gnu.version_r``.

    Linear in the file's size: each table is read once (a crafted file can list one table
    65,535 times), and no more 16-byte records are read than the file holds (its records can
    chain back over each other)."""
    needs: dict[int, tuple[str, str]] = {}
    budget = len(data) // 16 + 1
    tables = {s.offset: s for s in sections if s.type == _SHT_GNU_VERNEED}
    for section in tables.values():
        strtab = sections[section.link]
        offset = section.offset
        while True:
            budget -= 1
            _, count, file_off, aux, nxt = struct.unpack_from(end + "HHIII", data, offset)
            library = _string(data, strtab.offset + file_off)
            aux_offset = offset + aux
            for _ in range(count):
                budget -= 1
                if budget < 0:
                    raise ElfError("malformed ELF file: its version requirements run in a loop")
                _, _, other, name_off, aux_next = struct.unpack_from(end + "IHHII", data, aux_offset)
                needs[other] = (library, _string(data, strtab.offset + name_off))
                if not aux_next:
                    break
                aux_offset += aux_next
            if not nxt:
                break
            offset += nxt
    return needs


def _string(data: bytes, offset: int) -> str:
    stop = data.find(b"\0", offset)
    if stop < 0:  # no terminating NUL, or an offset past the end
        raise ElfError(f"malformed ELF file: no string at offset {offset}")
    return data[offset:stop].decode("utf-8", "replace")


def wheel_versioned_symbols(wheel: Path) -> dict[str, list[VersionedSymbol]]:
    """For each ELF file in ``wheel`` (by archive path), its versioned symbols.

    Every ELF file counts, as auditwheel sees them: shared objects and also executables
    (maturin ``bindings = "bin"`` puts one in ``<name>-<version>.data/scripts/``), whose
    symbols hold the wheel's policy back just as much."""
    result: dict[str, list[VersionedSymbol]] = {}
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            member = info.filename
            if info.is_dir() or member.endswith(".py"):
                continue
            with archive.open(info) as handle:
                if handle.read(4) != b"\x7fELF":
                    continue
            data = archive.read(info)
            try:
                result[member] = versioned_symbols(data)
            except ElfError:
                continue
    return result


def elf_machine(header: bytes) -> int | None:
    """``e_machine`` of an ELF file from its first 20 bytes (None: not ELF)."""
    if len(header) < 20 or header[:4] != b"\x7fELF" or header[5] not in (1, 2):
        return None
    return int(struct.unpack_from("<H" if header[5] == 1 else ">H", header, 18)[0])


def wheel_elf_machines(wheel: Path) -> dict[str, int]:
    """For each ELF file in ``wheel`` (by archive path), its ``e_machine``."""
    result: dict[str, int] = {}
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            with archive.open(info) as handle:
                machine = elf_machine(handle.read(20))
            if machine is not None:
                result[info.filename] = machine
    return result


def glibc_version(version: str) -> tuple[int, int] | None:
    """``GLIBC_2.34`` -> (2, 34); None for other version names (``GLIBCXX_3.4``…)."""
    match = re.fullmatch(r"GLIBC_(\d+)\.(\d+)(?:\.\d+)?", version)
    return (int(match[1]), int(match[2])) if match else None
