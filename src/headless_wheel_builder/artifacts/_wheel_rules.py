"""The wheel rules of :mod:`.validate` (codes ``W-*``): filename, zip members,
``.dist-info`` layout, WHEEL, RECORD (rows, hashes, sizes) and METADATA.
"""

from __future__ import annotations

import base64
import csv
import email.parser
import hashlib
import io
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from packaging.tags import parse_tag
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from headless_wheel_builder.artifacts._validate_common import (
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

__all__ = ["validate_wheel"]

_CHUNK = 1024 * 1024
#: RECORD hash algorithms accepted (the wheel spec: sha256 "or better"; md5/sha1 forbidden).
_GOOD_HASHES = frozenset({"sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512"})
_RECORD_EXEMPT = ("RECORD", "RECORD.jws", "RECORD.p7s")


def _unpadded_b64(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class _WheelName(NamedTuple):
    name: str
    version: Version
    build: str | None
    tags: frozenset[str]


def _check_wheel_filename(out: Collector, filename: str) -> _WheelName | None:
    try:
        name, version, build, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename as exc:
        out.add("W-FILENAME", f"{exc} (expected '{{name}}-{{version}}-{{py}}-{{abi}}-{{plat}}.whl')")
        return None
    parts = filename[: -len(".whl")].split("-")
    name_part, version_part = parts[0], parts[1]
    if name_part != normal_name(name_part):
        out.add(
            "W-FILENAME",
            f"project name {name_part!r} is not normalised: expected {normal_name(name_part)!r}",
        )
    if version_part != str(version):
        out.add("W-FILENAME", f"version {version_part!r} is not normalised: expected '{version}'")
    return _WheelName(
        name=name,
        version=version,
        build=parts[2] if build else None,
        tags=frozenset(str(t) for t in tags),
    )


def validate_wheel(path: Path) -> list[Problem]:
    """Every structural problem of the wheel at ``path``."""
    out = Collector(path)
    parsed = _check_wheel_filename(out, path.name)
    try:
        with zipfile.ZipFile(path) as zf:
            _check_wheel_archive(out, zf, parsed)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, zlib.error) as exc:
        out.add("W-ZIP", f"cannot read the wheel as a zip file: {exc}")
    except ValidationError as exc:  # an oversized metadata file
        out.add("W-DIST-INFO", str(exc))
    return out.result()


def _check_wheel_archive(out: Collector, zf: zipfile.ZipFile, parsed: _WheelName | None) -> None:
    infos = zf.infolist()
    counts = Counter(info.filename for info in infos)
    for name, count in sorted(counts.items()):
        if count > 1:
            out.add("W-ZIP", f"member {name!r} occurs {count} times")
        reason = unsafe_reason(name)
        if reason:
            out.add("W-ZIP", f"unsafe member {name!r}: {reason}")
    files = {info.filename: info for info in infos if not info.is_dir()}
    dist_info = _dist_info(out, counts)
    if dist_info is None:
        return
    if parsed is not None:
        _check_dist_info_name(out, dist_info, parsed)
    _check_dist_info_files(out, zf, files, dist_info, parsed)


def _check_dist_info_files(
    out: Collector,
    zf: zipfile.ZipFile,
    files: dict[str, zipfile.ZipInfo],
    dist_info: str,
    parsed: _WheelName | None,
) -> None:
    missing = [f for f in ("METADATA", "WHEEL", "RECORD") if f"{dist_info}/{f}" not in files]
    for name in missing:
        out.add("W-DIST-INFO", f"'{dist_info}/{name}' is missing")
    if "WHEEL" not in missing:
        _check_wheel_file(out, read_member(zf, f"{dist_info}/WHEEL"), f"{dist_info}/WHEEL", parsed)
    if "RECORD" not in missing:
        _check_record(out, zf, files, dist_info)
    if "METADATA" not in missing:
        _check_metadata_file(out, read_member(zf, f"{dist_info}/METADATA"), files, dist_info, parsed)


def _check_metadata_file(
    out: Collector, data: bytes, files: dict[str, zipfile.ZipInfo], dist_info: str, parsed: _WheelName | None
) -> None:
    member = f"{dist_info}/METADATA"
    metadata_problems(out, "W-METADATA", member, data)
    if parsed is not None:
        identity_problems(out, "W-METADATA", member, data, parsed.name, parsed.version)
    for path in license_files_missing(data, lambda path: f"{dist_info}/licenses/{path}" in files):
        out.add("W-LICENSE-FILE", f"{member}: License-File {path!r} is not in the wheel (expected "
                f"'{dist_info}/licenses/{path}'); PyPI refuses the upload")  # fmt: skip


def _dist_info(out: Collector, names: Iterable[str]) -> str | None:
    """The wheel's one ``.dist-info`` folder (reported when there is none, or several)."""
    dist_infos = sorted(
        {n.split("/", 1)[0] for n in names if n.split("/", 1)[0].endswith(".dist-info") and "/" in n}
    )
    if not dist_infos:
        out.add("W-DIST-INFO", "no '*.dist-info/' directory at the top of the wheel")
        return None
    if len(dist_infos) > 1:
        out.add("W-DIST-INFO", f"several .dist-info directories: {', '.join(dist_infos)}")
        return None
    return dist_infos[0]


def _check_dist_info_name(out: Collector, dist_info: str, parsed: _WheelName) -> None:
    d_name, _, d_version = dist_info[: -len(".dist-info")].rpartition("-")
    try:
        matches = canonicalize_name(d_name) == parsed.name and Version(d_version) == parsed.version
    except InvalidVersion:
        matches = False
    if not matches:
        out.add(
            "W-DIST-INFO",
            f"directory {dist_info!r} does not match the filename: expected "
            f"'{normal_name(parsed.name)}-{parsed.version}.dist-info'",
        )


def _check_wheel_file(out: Collector, data: bytes, member: str, parsed: _WheelName | None) -> None:
    try:
        msg = email.parser.Parser().parsestr(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        out.add("W-WHEEL", f"{member} is not UTF-8: {exc}")
        return
    wheel_version = msg.get("Wheel-Version")
    if wheel_version is None:
        out.add("W-WHEEL", f"{member} has no Wheel-Version")
    elif not re.fullmatch(r"1(\.\d+)*", wheel_version.strip()):
        out.add("W-WHEEL", f"{member}: Wheel-Version is {wheel_version!r}, expected '1.0'")
    purelib = msg.get("Root-Is-Purelib")
    if purelib is None:
        out.add("W-WHEEL", f"{member} has no Root-Is-Purelib")
    elif purelib.strip().lower() not in ("true", "false"):
        out.add("W-WHEEL", f"{member}: Root-Is-Purelib is {purelib!r}, expected 'true' or 'false'")
    build = msg.get("Build")
    if parsed is not None and build is not None and build.strip() != (parsed.build or ""):
        out.add("W-WHEEL", f"{member}: Build is {build!r} but the filename says {parsed.build or 'none'!r}")
    _check_tags(out, [t.strip() for t in msg.get_all("Tag") or []], member, parsed)


def _check_tags(out: Collector, tag_lines: list[str], member: str, parsed: _WheelName | None) -> None:
    if not tag_lines:
        out.add("W-TAGS", f"{member} has no Tag lines")
        return
    found: set[str] = set()
    for line in tag_lines:
        try:
            found.update(str(t) for t in parse_tag(line))
        except ValueError:
            out.add("W-TAGS", f"{member}: invalid Tag {line!r}")
    if parsed is not None and found != parsed.tags:
        details = []
        if parsed.tags - found:
            details.append(f"missing from WHEEL: {', '.join(sorted(parsed.tags - found))}")
        if found - parsed.tags:
            details.append(f"not in the filename: {', '.join(sorted(found - parsed.tags))}")
        out.add("W-TAGS", f"{member} Tag lines differ from the filename's tags ({'; '.join(details)})")


def _check_record(
    out: Collector, zf: zipfile.ZipFile, files: dict[str, zipfile.ZipInfo], dist_info: str
) -> None:
    record = f"{dist_info}/RECORD"
    try:
        rows = list(csv.reader(io.StringIO(read_member(zf, record).decode("utf-8"), newline="")))
    except (UnicodeDecodeError, csv.Error) as exc:
        out.add("W-RECORD", f"{record} cannot be parsed: {exc}")
        return
    exempt = {f"{dist_info}/{name}" for name in _RECORD_EXEMPT}
    listed: set[str] = set()
    for lineno, row in enumerate(rows, 1):
        member = _record_member(out, record, lineno, row, listed)
        if member is None:
            continue
        listed.add(member)
        if member == record:
            if row[1] or row[2]:
                out.add("W-RECORD", f"{record} lists itself with a hash or size; expected '{record},,'")
        elif member not in files:
            out.add("W-RECORD-MISSING", f"{member!r} is listed in RECORD but not in the wheel")
        elif member not in exempt:
            _check_record_row(out, zf, files[member], row[1], row[2])
    if record not in listed:
        out.add("W-RECORD", f"{record} does not list itself (expected a '{record},,' row)")
    for member in sorted(set(files) - listed - exempt):
        out.add("W-RECORD-UNLISTED", f"{member!r} is in the wheel but not listed in RECORD")


def _record_member(out: Collector, record: str, lineno: int, row: list[str], listed: set[str]) -> str | None:
    """The path of one RECORD row, or None for an empty, malformed or repeated row."""
    if not row:
        return None
    if len(row) != 3:
        out.add("W-RECORD", f"{record} line {lineno}: expected 'path,hash,size', found {row!r}")
        return None
    if row[0] in listed:
        out.add("W-RECORD", f"{record} line {lineno}: {row[0]!r} is listed twice")
        return None
    return row[0]


def _check_record_row(
    out: Collector, zf: zipfile.ZipFile, info: zipfile.ZipInfo, hash_field: str, size_field: str
) -> None:
    member = info.filename
    algorithm, _, expected = hash_field.partition("=")
    digest: str | None = None
    if not hash_field:
        out.add("W-RECORD-HASH", f"{member!r} has no hash in RECORD")
    elif algorithm not in _GOOD_HASHES:
        out.add(
            "W-RECORD-HASH", f"{member!r} uses hash {algorithm!r}; use sha256 (md5 and sha1 are forbidden)"
        )
    elif not expected or expected.endswith("=") or not re.fullmatch(r"[A-Za-z0-9_-]+", expected):
        out.add("W-RECORD-HASH", f"{member!r}: hash {hash_field!r} is not urlsafe base64 without '=' padding")
    else:
        hasher = hashlib.new(algorithm)
        try:
            with zf.open(info) as fh:
                while chunk := fh.read(_CHUNK):
                    hasher.update(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            out.add("W-ZIP", f"cannot read member {member!r}: {exc}")
            return
        digest = _unpadded_b64(hasher.digest())
        if digest != expected:
            out.add(
                "W-RECORD-HASH",
                f"{member!r}: RECORD says {algorithm}={expected}, contents hash to {algorithm}={digest}",
            )
    if not re.fullmatch(r"\d+", size_field):
        out.add("W-RECORD-SIZE", f"{member!r}: size {size_field!r} in RECORD is not a number of bytes")
    elif int(size_field) != info.file_size:
        out.add("W-RECORD-SIZE", f"{member!r}: RECORD says {size_field} bytes, the file has {info.file_size}")
