"""The sdist rules of :mod:`.validate` (codes ``S-*``): filename (PEP 625), archive
members, the single ``{name}-{version}/`` layout, and PKG-INFO.
"""

from __future__ import annotations

import posixpath
import stat
import tarfile
import zipfile
import zlib
from pathlib import Path
from typing import Literal, NamedTuple

from packaging.utils import InvalidSdistFilename, parse_sdist_filename
from packaging.version import Version

from headless_wheel_builder.artifacts._validate_common import (
    MAX_METADATA_BYTES,
    Collector,
    Problem,
    identity_problems,
    license_files_missing,
    metadata_problems,
    normal_name,
    read_member,
    unsafe_reason,
)
from headless_wheel_builder.errors import ValidationError

__all__ = ["sdist_members", "validate_sdist"]


class _Member(NamedTuple):
    name: str
    kind: Literal["file", "dir", "symlink", "hardlink", "other"]
    link: str


class _SdistName(NamedTuple):
    name: str
    version: Version
    stem: str


def _check_sdist_filename(out: Collector, filename: str) -> _SdistName | None:
    try:
        name, version = parse_sdist_filename(filename)
    except InvalidSdistFilename as exc:
        out.add("S-FILENAME", f"{exc} (expected '{{name}}-{{version}}.tar.gz')")
        return None
    stem = filename[: -len(".zip")] if filename.endswith(".zip") else filename[: -len(".tar.gz")]
    name_part = stem.rpartition("-")[0]
    if filename.endswith(".zip"):
        out.add(
            "S-FILENAME", "a .zip sdist: PEP 625 requires .tar.gz (PyPI rejects new .zip sdists)", "warning"
        )
    expected = f"{normal_name(name_part)}-{version}"
    if stem != expected:
        out.add(
            "S-FILENAME",
            f"{stem!r} is not a PEP 625 name (expected {expected!r}); PyPI requires PEP 625 names",
            "warning",
        )
    return _SdistName(name=name, version=version, stem=stem)


def sdist_members(path: Path) -> tuple[list[_Member], dict[str, bytes]]:
    """Members of a ``.tar.gz`` or ``.zip`` sdist, and the bytes of every ``*/PKG-INFO``."""
    if path.name.endswith(".zip"):
        return _zip_members(path)
    return _tar_members(path)


def _is_pkg_info(name: str) -> bool:
    return name.count("/") == 1 and name.endswith("/PKG-INFO")


def _zip_members(path: Path) -> tuple[list[_Member], dict[str, bytes]]:
    members: list[_Member] = []
    pkg_infos: dict[str, bytes] = {}
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            name = info.filename.rstrip("/")
            if info.is_dir():
                members.append(_Member(name, "dir", ""))
            elif stat.S_ISLNK(info.external_attr >> 16):
                link = zf.read(info)[:4096].decode("utf-8", "replace")
                members.append(_Member(name, "symlink", link))
            else:
                members.append(_Member(name, "file", ""))
                if _is_pkg_info(name):
                    pkg_infos[name] = read_member(zf, info.filename)
    return members, pkg_infos


def _tar_kind(ti: tarfile.TarInfo) -> Literal["file", "dir", "symlink", "hardlink", "other"]:
    if ti.isfile():
        return "file"
    if ti.isdir():
        return "dir"
    if ti.issym():
        return "symlink"
    if ti.islnk():
        return "hardlink"
    return "other"


def _tar_members(path: Path) -> tuple[list[_Member], dict[str, bytes]]:
    members: list[_Member] = []
    pkg_infos: dict[str, bytes] = {}
    with tarfile.open(path, "r:gz") as tf:
        for ti in tf:
            kind = _tar_kind(ti)
            members.append(_Member(ti.name, kind, ti.linkname))
            if kind == "file" and _is_pkg_info(ti.name):
                if ti.size > MAX_METADATA_BYTES:
                    raise ValidationError(f"{ti.name} is larger than {MAX_METADATA_BYTES} bytes")
                fh = tf.extractfile(ti)
                pkg_infos[ti.name] = fh.read() if fh else b""
    return members, pkg_infos


def validate_sdist(path: Path) -> list[Problem]:
    """Every structural problem of the sdist at ``path``."""
    out = Collector(path)
    parsed = _check_sdist_filename(out, path.name)
    try:
        members, pkg_infos = sdist_members(path)
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError, zlib.error, ValidationError) as exc:
        out.add("S-TAR", f"cannot read the sdist archive: {exc}")
        return out.result()
    for member in members:
        if reason := _unsafe_member(member):
            out.add("S-TAR", f"unsafe member {member.name!r}: {reason}")
    top = _check_layout(out, members, parsed.stem if parsed else None)
    if top is None:
        return out.result()
    member_name = f"{top}/PKG-INFO"
    if member_name not in pkg_infos:
        out.add("S-PKG-INFO", _pkg_info_absence(members, member_name))
        return out.result()
    data = pkg_infos[member_name]
    metadata_problems(out, "S-METADATA", member_name, data)
    if parsed is not None:
        identity_problems(out, "S-METADATA", member_name, data, parsed.name, parsed.version)
    held = {m.name for m in members if m.kind in ("file", "symlink", "hardlink")}
    for missing in license_files_missing(data, lambda path: f"{top}/{path}" in held):
        out.add("S-LICENSE-FILE", f"{member_name}: License-File {missing!r} is not in the sdist "
                f"(expected '{top}/{missing}'); PyPI refuses the upload")  # fmt: skip
    return out.result()


def _pkg_info_absence(members: list[_Member], member_name: str) -> str:
    """Why ``member_name`` could not be read: missing, or there but not a regular file."""
    found = next((m for m in members if m.name.rstrip("/") == member_name), None)
    if found is None:
        return f"'{member_name}' is missing"
    what = {"dir": "a directory", "symlink": f"a symbolic link to {found.link!r}",
            "hardlink": f"a hard link to {found.link!r}"}.get(found.kind, "a special file")  # fmt: skip
    return (
        f"'{member_name}' is not a regular file (it is {what}); the build backend must write the file itself"
    )


def _unsafe_member(member: _Member) -> str | None:
    """Why ``member`` must not be unpacked, or None."""
    reason = unsafe_reason(member.name)
    if reason is not None:
        return reason
    if member.kind == "symlink":
        # '..' is fine while the link stays inside (as tarfile's data filter and twine judge).
        target = posixpath.normpath(posixpath.join(posixpath.dirname(member.name), member.link))
        absolute = unsafe_reason(member.link) == "absolute path"
        if (
            absolute
            or target.split("/")[0] in ("..", "")
            or target.split("/")[0] != member.name.split("/")[0]
        ):
            return f"symlink to {member.link!r} points outside the sdist's directory"
    elif member.kind == "hardlink" and unsafe_reason(member.link):
        return f"hard link to {member.link!r} points outside the archive"
    elif member.kind == "other":
        return "device, fifo or other special file"
    return None


def _check_layout(out: Collector, members: list[_Member], expected: str | None) -> str | None:
    """Report a layout other than one ``{name}-{version}/`` folder; the top folder to read."""
    tops = sorted({m.name.split("/", 1)[0] for m in members})
    top_is_dir = len(tops) == 1 and any(
        m.name.startswith(f"{tops[0]}/") or (m.name == tops[0] and m.kind == "dir") for m in members
    )
    if len(tops) != 1 or not top_is_dir:
        want = f"{expected}/" if expected else "'{name}-{version}/'"
        out.add(
            "S-LAYOUT", f"expected a single top-level directory {want}, found: {', '.join(tops) or 'nothing'}"
        )
    elif expected is not None and tops[0] != expected:
        out.add(
            "S-LAYOUT", f"top-level directory is '{tops[0]}/', expected '{expected}/' (from the filename)"
        )
    return expected if expected in tops else (tops[0] if len(tops) == 1 else None)
