"""How two wheels of the same file name differ, member by member.

The matrix uses it when two interpreters build pure wheels of the same name: a setup.py
that decides at build time (a requirement only on older Pythons, a console script named
after the interpreter) gives wheels that install differently although their names are the
same.  ``RECORD`` is left aside (it differs whenever anything else does); ``METADATA`` and
``WHEEL`` are compared field by field, ``entry_points.txt`` entry by entry, every other
member byte for byte.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from email.parser import BytesHeaderParser
from pathlib import Path

#: Members compared field by field (RFC 822 headers), by their name inside ``*.dist-info/``.
_HEADER_FILES = frozenset({"METADATA", "WHEEL"})


def wheel_differences(mine: Path, theirs: Path, *, labels: tuple[str, str] = ("mine", "theirs")) -> list[str]:
    """What differs between two wheels, one line per field, entry or member (empty: same).

    ``labels`` name the two wheels in the lines (``cp39``, ``cp313``): ``METADATA
    Requires-Dist: cp39 has 'typing-extensions>=4', cp313 has none``.
    """
    with zipfile.ZipFile(mine) as left, zipfile.ZipFile(theirs) as right:
        names_left, names_right = _members(left), _members(right)
        lines = [f"{name}: only in {labels[0]}'s wheel" for name in sorted(names_left - names_right)]
        lines += [f"{name}: only in {labels[1]}'s wheel" for name in sorted(names_right - names_left)]
        for name in sorted(names_left & names_right):
            a, b = left.read(name), right.read(name)
            if a != b:
                lines.extend(_member_differences(name, a, b, labels))
    return lines


def _members(archive: zipfile.ZipFile) -> set[str]:
    return {
        info.filename for info in archive.infolist() if not info.is_dir() and not _is_record(info.filename)
    }


def _is_record(name: str) -> bool:
    folder, _, base = name.rpartition("/")
    return folder.endswith(".dist-info") and base in ("RECORD", "RECORD.jws", "RECORD.p7s")


def _member_differences(name: str, a: bytes, b: bytes, labels: tuple[str, str]) -> list[str]:
    folder, _, base = name.rpartition("/")
    in_dist_info = folder.endswith(".dist-info") and "/" not in folder
    if in_dist_info and base in _HEADER_FILES:
        fields = _field_differences(_headers(a), _headers(b), labels)
        if fields:
            return [f"{base} {line}" for line in fields]
        return [f"{base}: the description (body) differs"]
    if in_dist_info and base == "entry_points.txt":
        entries = _field_differences(_entry_points(a), _entry_points(b), labels)
        if entries:
            return [f"entry_points.txt {line}" for line in entries]
    return [f"{name}: the contents differ"]


def _field_differences(
    a: dict[str, list[str]], b: dict[str, list[str]], labels: tuple[str, str]
) -> list[str]:
    lines = []
    for key in sorted(set(a) | set(b), key=str.lower):
        left, right = a.get(key, []), b.get(key, [])
        if sorted(left) != sorted(right):
            lines.append(f"{key}: {labels[0]} has {_values(left)}, {labels[1]} has {_values(right)}")
    return lines


def _values(values: Iterable[str]) -> str:
    items = sorted(values)
    return ", ".join(repr(v) for v in items) if items else "none"


def _headers(data: bytes) -> dict[str, list[str]]:
    message = BytesHeaderParser().parsebytes(data)
    fields: dict[str, list[str]] = {}
    for key, value in message.items():
        fields.setdefault(key, []).append(str(value).strip())
    return fields


def _entry_points(data: bytes) -> dict[str, list[str]]:
    """``[group] name = value`` lines as {group: ["name = value", …]} (the format is an INI file;
    read leniently, as importlib.metadata does)."""
    groups: dict[str, list[str]] = {}
    group = ""
    for raw in data.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip()
            groups.setdefault(f"[{group}]", [])
            continue
        name, _, value = line.partition("=")
        groups.setdefault(f"[{group}]", []).append(f"{name.strip()} = {value.strip()}")
    return groups
