"""Structural validation of wheels and sdists (the checks behind ``output.validate``).

Every finding is a :class:`Problem` with a stable code:

==================  ===========================================================================
``MISSING``         the path does not exist
``UNKNOWN-TYPE``    neither ``*.whl`` nor ``*.tar.gz`` / ``*.zip``
``W-FILENAME``      wheel filename does not parse, or its name / version is not normalised
``W-ZIP``           unreadable zip, duplicate or unsafe member (absolute path, ``..``)
``W-DIST-INFO``     not exactly one ``*.dist-info/``, wrong name, or METADATA/WHEEL/RECORD missing
``W-WHEEL``         WHEEL unreadable, bad ``Wheel-Version`` / ``Root-Is-Purelib`` / ``Build``
``W-TAGS``          WHEEL ``Tag:`` lines differ from the filename's expanded tags
``W-RECORD``        RECORD unreadable, malformed row, duplicate row, RECORD's own row wrong
``W-RECORD-HASH``   missing, forbidden (md5/sha1), badly encoded or wrong hash
``W-RECORD-SIZE``   missing, malformed or wrong size
``W-RECORD-MISSING``  RECORD lists a file the wheel does not hold
``W-RECORD-UNLISTED`` the wheel holds a file RECORD does not list
``W-METADATA``      METADATA invalid (``packaging.metadata``) or Name/Version differ from filename
``S-FILENAME``      sdist filename does not parse (error) or is not PEP 625 (warning)
``S-TAR``           unreadable archive, unsafe member (absolute, ``..``, link outside, device)
``S-LAYOUT``        not a single top-level ``{name}-{version}/`` directory
``S-PKG-INFO``      ``{name}-{version}/PKG-INFO`` missing or unreadable
``S-METADATA``      PKG-INFO invalid or its Name/Version differ from the filename
==================  ===========================================================================

Findings of one code beyond :data:`MAX_PER_CODE` are summarised in one extra problem.
"""

from __future__ import annotations

import base64
import csv
import email.parser
import hashlib
import io
import posixpath
import re
import stat
import tarfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

from packaging.metadata import ExceptionGroup, Metadata, parse_email
from packaging.tags import parse_tag
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from headless_wheel_builder.errors import ValidationError

__all__ = [
    "MAX_PER_CODE",
    "ArtifactKind",
    "Problem",
    "artifact_kind",
    "metadata_member",
    "parse_metadata",
    "validate_sdist",
    "validate_wheel",
]

ArtifactKind = Literal["wheel", "sdist"]
Severity = Literal["error", "warning"]

#: At most this many problems of one code are reported per file; the rest are counted.
MAX_PER_CODE = 20
#: Metadata files larger than this are refused (a real one is a few kB).
_MAX_METADATA_BYTES = 16 * 1024 * 1024
_CHUNK = 1024 * 1024
#: RECORD hash algorithms accepted (the wheel spec: sha256 "or better"; md5/sha1 forbidden).
_GOOD_HASHES = frozenset({"sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512"})
_RECORD_EXEMPT = ("RECORD", "RECORD.jws", "RECORD.p7s")


@dataclass(frozen=True, kw_only=True)
class Problem:
    path: Path
    code: str
    """Stable short code, e.g. ``W-RECORD-HASH``, ``S-PKG-INFO``, ``README``, ``W001``."""
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.path.name}: {self.code}: {self.message}"


def artifact_kind(path: Path) -> ArtifactKind | None:
    """``"wheel"`` for ``*.whl``, ``"sdist"`` for ``*.tar.gz`` / ``*.zip``, else ``None``."""
    name = path.name
    if name.endswith(".whl"):
        return "wheel"
    if name.endswith((".tar.gz", ".zip")):
        return "sdist"
    return None


class _Collector:
    """Problems of one file, capped at :data:`MAX_PER_CODE` per code."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self._counts: Counter[str] = Counter()

    def add(self, code: str, message: str, severity: Severity = "error") -> None:
        self._counts[code] += 1
        if self._counts[code] <= MAX_PER_CODE:
            self.problems.append(Problem(path=self.path, code=code, message=message, severity=severity))

    def result(self) -> list[Problem]:
        extra = [
            Problem(
                path=self.path,
                code=code,
                message=f"… and {count - MAX_PER_CODE} more {code} problems",
                severity=next(p.severity for p in self.problems if p.code == code),
            )
            for code, count in self._counts.items()
            if count > MAX_PER_CODE
        ]
        return self.problems + extra


def _normal_name(name: str) -> str:
    """The filename form of a project name: lowercase, runs of ``-_.`` as one ``_``."""
    return canonicalize_name(name).replace("-", "_")


def _unsafe_reason(name: str) -> str | None:
    """Why an archive member name is unsafe to extract, or ``None``."""
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        return "absolute path"
    if ".." in re.split(r"[/\\]", name):
        return "'..' path component"
    return None


def _unpadded_b64(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def parse_metadata(data: bytes) -> tuple[Metadata | None, list[tuple[Severity, str]]]:
    """Parse and validate core metadata as ``twine check`` does.

    Returns the metadata (``None`` when invalid) and the findings, one per bad field.
    Like twine, a ``License-File`` under a Metadata-Version older than 2.4 (as setuptools
    wrote for years) is dropped with a warning instead of failing.
    """
    findings: list[tuple[Severity, str]] = []
    try:
        raw, unparsed = parse_email(data)
    except (ValueError, TypeError, UnicodeError) as exc:
        return None, [("error", f"cannot parse core metadata: {exc}")]
    findings.extend(("error", f"unrecognized or malformed field {key!r}") for key in unparsed)
    declared = raw.get("metadata_version", "0")
    try:
        pre_2_4 = Version(declared) < Version("2.4")
    except InvalidVersion:
        pre_2_4 = False  # reported as an invalid Metadata-Version below
    if pre_2_4 and "license_files" in raw:
        del raw["license_files"]
        findings.append(
            (
                "warning",
                f"License-File needs Metadata-Version 2.4, not {declared}; twine and PyPI drop it "
                "(a newer build backend writes 2.4)",
            )
        )
    try:
        metadata = Metadata.from_raw(raw, validate=True)
    except ExceptionGroup as group:
        for error in _flatten(group):
            if getattr(error, "field", None) in set(unparsed):
                continue  # a required field already reported as malformed
            cause = f" ({error.__cause__})" if error.__cause__ else ""
            findings.append(("error", " ".join(f"{error}{cause}".split())))
        return None, findings
    return (None if unparsed else metadata), findings


def _metadata_problems(out: _Collector, code: str, member: str, data: bytes) -> None:
    """One problem per invalid field of the core metadata in ``member``."""
    for severity, message in parse_metadata(data)[1]:
        out.add(code, f"{member}: {message}", severity)


def _flatten(group: BaseException) -> Iterator[BaseException]:
    if isinstance(group, ExceptionGroup):
        for exc in group.exceptions:
            yield from _flatten(exc)
    else:
        yield group


def _identity_problems(
    out: _Collector, code: str, member: str, data: bytes, name: str, version: Version
) -> None:
    """Name and Version in metadata must equal the filename's (both normalised)."""
    raw, _ = parse_email(data)
    meta_name, meta_version = raw.get("name"), raw.get("version")
    if meta_name is not None and canonicalize_name(meta_name) != name:
        out.add(code, f"{member}: Name is {meta_name!r} but the filename says {name!r}")
    if meta_version is not None:
        try:
            same = Version(meta_version) == version
        except InvalidVersion:
            same = True  # reported by the validating parse already
        if not same:
            out.add(code, f"{member}: Version is {meta_version!r} but the filename says {version}")


# --- wheels ----------------------------------------------------------------------------


class _WheelName(NamedTuple):
    name: str
    version: Version
    build: str | None
    tags: frozenset[str]


def _check_wheel_filename(out: _Collector, filename: str) -> _WheelName | None:
    try:
        name, version, build, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename as exc:
        out.add("W-FILENAME", f"{exc} (expected '{{name}}-{{version}}-{{py}}-{{abi}}-{{plat}}.whl')")
        return None
    parts = filename[: -len(".whl")].split("-")
    name_part, version_part = parts[0], parts[1]
    if name_part != _normal_name(name_part):
        out.add(
            "W-FILENAME",
            f"project name {name_part!r} is not normalised: expected {_normal_name(name_part)!r}",
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
    out = _Collector(path)
    parsed = _check_wheel_filename(out, path.name)
    try:
        with zipfile.ZipFile(path) as zf:
            _check_wheel_archive(out, zf, parsed)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, zlib.error) as exc:
        out.add("W-ZIP", f"cannot read the wheel as a zip file: {exc}")
    except ValidationError as exc:  # an oversized metadata file
        out.add("W-DIST-INFO", str(exc))
    return out.result()


def _check_wheel_archive(out: _Collector, zf: zipfile.ZipFile, parsed: _WheelName | None) -> None:
    infos = zf.infolist()
    counts = Counter(info.filename for info in infos)
    for name, count in sorted(counts.items()):
        if count > 1:
            out.add("W-ZIP", f"member {name!r} occurs {count} times")
        reason = _unsafe_reason(name)
        if reason:
            out.add("W-ZIP", f"unsafe member {name!r}: {reason}")
    files = {info.filename: info for info in infos if not info.is_dir()}

    dist_infos = sorted(
        {n.split("/", 1)[0] for n in counts if n.split("/", 1)[0].endswith(".dist-info") and "/" in n}
    )
    if not dist_infos:
        out.add("W-DIST-INFO", "no '*.dist-info/' directory at the top of the wheel")
        return
    if len(dist_infos) > 1:
        out.add("W-DIST-INFO", f"several .dist-info directories: {', '.join(dist_infos)}")
        return
    dist_info = dist_infos[0]
    if parsed is not None:
        d_name, _, d_version = dist_info[: -len(".dist-info")].rpartition("-")
        try:
            matches = canonicalize_name(d_name) == parsed.name and Version(d_version) == parsed.version
        except InvalidVersion:
            matches = False
        if not matches:
            out.add(
                "W-DIST-INFO",
                f"directory {dist_info!r} does not match the filename: expected "
                f"'{_normal_name(parsed.name)}-{parsed.version}.dist-info'",
            )
    missing = [f for f in ("METADATA", "WHEEL", "RECORD") if f"{dist_info}/{f}" not in files]
    for name in missing:
        out.add("W-DIST-INFO", f"'{dist_info}/{name}' is missing")

    if "WHEEL" not in missing:
        _check_wheel_file(out, _read(zf, f"{dist_info}/WHEEL"), f"{dist_info}/WHEEL", parsed)
    if "RECORD" not in missing:
        _check_record(out, zf, files, dist_info)
    if "METADATA" not in missing:
        member = f"{dist_info}/METADATA"
        data = _read(zf, member)
        _metadata_problems(out, "W-METADATA", member, data)
        if parsed is not None:
            _identity_problems(out, "W-METADATA", member, data, parsed.name, parsed.version)


def _read(zf: zipfile.ZipFile, member: str) -> bytes:
    with zf.open(member) as fh:
        data = fh.read(_MAX_METADATA_BYTES + 1)
    if len(data) > _MAX_METADATA_BYTES:
        raise ValidationError(f"{member} is larger than {_MAX_METADATA_BYTES} bytes")
    return data


def _check_wheel_file(out: _Collector, data: bytes, member: str, parsed: _WheelName | None) -> None:
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
    tag_lines = [t.strip() for t in msg.get_all("Tag") or []]
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
    out: _Collector, zf: zipfile.ZipFile, files: dict[str, zipfile.ZipInfo], dist_info: str
) -> None:
    record = f"{dist_info}/RECORD"
    try:
        rows = list(csv.reader(io.StringIO(_read(zf, record).decode("utf-8"), newline="")))
    except (UnicodeDecodeError, csv.Error) as exc:
        out.add("W-RECORD", f"{record} cannot be parsed: {exc}")
        return
    exempt = {f"{dist_info}/{name}" for name in _RECORD_EXEMPT}
    listed: set[str] = set()
    for lineno, row in enumerate(rows, 1):
        if not row:
            continue
        if len(row) != 3:
            out.add("W-RECORD", f"{record} line {lineno}: expected 'path,hash,size', found {row!r}")
            continue
        member, hash_field, size_field = row
        if member in listed:
            out.add("W-RECORD", f"{record} line {lineno}: {member!r} is listed twice")
            continue
        listed.add(member)
        if member == record:
            if hash_field or size_field:
                out.add("W-RECORD", f"{record} lists itself with a hash or size; expected '{record},,'")
            continue
        if member not in files:
            out.add("W-RECORD-MISSING", f"{member!r} is listed in RECORD but not in the wheel")
            continue
        if member in exempt:
            continue
        _check_record_row(out, zf, files[member], hash_field, size_field)
    if record not in listed:
        out.add("W-RECORD", f"{record} does not list itself (expected a '{record},,' row)")
    for member in sorted(set(files) - listed - exempt):
        out.add("W-RECORD-UNLISTED", f"{member!r} is in the wheel but not listed in RECORD")


def _check_record_row(
    out: _Collector, zf: zipfile.ZipFile, info: zipfile.ZipInfo, hash_field: str, size_field: str
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


# --- sdists ----------------------------------------------------------------------------


class _Member(NamedTuple):
    name: str
    kind: Literal["file", "dir", "symlink", "hardlink", "other"]
    link: str


class _SdistName(NamedTuple):
    name: str
    version: Version
    stem: str


def _check_sdist_filename(out: _Collector, filename: str) -> _SdistName | None:
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
    expected = f"{_normal_name(name_part)}-{version}"
    if stem != expected:
        out.add(
            "S-FILENAME",
            f"{stem!r} is not a PEP 625 name (expected {expected!r}); PyPI requires PEP 625 names",
            "warning",
        )
    return _SdistName(name=name, version=version, stem=stem)


def _sdist_members(path: Path) -> tuple[list[_Member], dict[str, bytes]]:
    """Members of a ``.tar.gz`` or ``.zip`` sdist, and the bytes of every ``*/PKG-INFO``."""
    members: list[_Member] = []
    pkg_infos: dict[str, bytes] = {}
    if path.name.endswith(".zip"):
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
                    if name.count("/") == 1 and name.endswith("/PKG-INFO"):
                        pkg_infos[name] = _read(zf, info.filename)
        return members, pkg_infos
    with tarfile.open(path, "r:gz") as tf:
        for ti in tf:
            kind: Literal["file", "dir", "symlink", "hardlink", "other"]
            if ti.isfile():
                kind = "file"
            elif ti.isdir():
                kind = "dir"
            elif ti.issym():
                kind = "symlink"
            elif ti.islnk():
                kind = "hardlink"
            else:
                kind = "other"
            members.append(_Member(ti.name, kind, ti.linkname))
            if kind == "file" and ti.name.count("/") == 1 and ti.name.endswith("/PKG-INFO"):
                if ti.size > _MAX_METADATA_BYTES:
                    raise ValidationError(f"{ti.name} is larger than {_MAX_METADATA_BYTES} bytes")
                fh = tf.extractfile(ti)
                pkg_infos[ti.name] = fh.read() if fh else b""
    return members, pkg_infos


def validate_sdist(path: Path) -> list[Problem]:
    """Every structural problem of the sdist at ``path``."""
    out = _Collector(path)
    parsed = _check_sdist_filename(out, path.name)
    try:
        members, pkg_infos = _sdist_members(path)
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError, zlib.error, ValidationError) as exc:
        out.add("S-TAR", f"cannot read the sdist archive: {exc}")
        return out.result()
    for member in members:
        reason = _unsafe_reason(member.name)
        if reason is None and member.kind == "symlink":
            target = posixpath.normpath(posixpath.join(posixpath.dirname(member.name), member.link))
            if _unsafe_reason(member.link) or target.split("/")[0] != member.name.split("/")[0]:
                reason = f"symlink to {member.link!r} points outside the sdist's directory"
        elif reason is None and member.kind == "hardlink" and _unsafe_reason(member.link):
            reason = f"hard link to {member.link!r} points outside the archive"
        elif reason is None and member.kind == "other":
            reason = "device, fifo or other special file"
        if reason:
            out.add("S-TAR", f"unsafe member {member.name!r}: {reason}")

    tops = sorted({m.name.split("/", 1)[0] for m in members})
    top_is_dir = len(tops) == 1 and any(
        m.name.startswith(f"{tops[0]}/") or (m.name == tops[0] and m.kind == "dir") for m in members
    )
    expected = parsed.stem if parsed else None
    if len(tops) != 1 or not top_is_dir:
        want = f"{expected}/" if expected else "'{name}-{version}/'"
        out.add(
            "S-LAYOUT", f"expected a single top-level directory {want}, found: {', '.join(tops) or 'nothing'}"
        )
    elif expected is not None and tops[0] != expected:
        out.add(
            "S-LAYOUT", f"top-level directory is '{tops[0]}/', expected '{expected}/' (from the filename)"
        )

    top = expected if expected in tops else (tops[0] if len(tops) == 1 else None)
    if top is None:
        return out.result()
    member_name = f"{top}/PKG-INFO"
    if member_name not in pkg_infos:
        out.add("S-PKG-INFO", f"'{member_name}' is missing")
        return out.result()
    data = pkg_infos[member_name]
    _metadata_problems(out, "S-METADATA", member_name, data)
    if parsed is not None:
        _identity_problems(out, "S-METADATA", member_name, data, parsed.name, parsed.version)
    return out.result()


# --- metadata access -------------------------------------------------------------------


def metadata_member(path: Path) -> tuple[str, bytes]:
    """The archive member holding the core metadata of a wheel or sdist, and its bytes.

    Raises :class:`ValidationError` when it cannot be found or read.
    """
    kind = artifact_kind(path)
    try:
        if kind == "wheel":
            with zipfile.ZipFile(path) as zf:
                names = [
                    n
                    for n in zf.namelist()
                    if n.count("/") == 1
                    and n.split("/")[0].endswith(".dist-info")
                    and n.endswith("/METADATA")
                ]
                if len(names) == 1:
                    return names[0], _read(zf, names[0])
                why = "no .dist-info/METADATA" if not names else f"several: {', '.join(names)}"
        elif kind == "sdist":
            _, pkg_infos = _sdist_members(path)
            stem = path.name.removesuffix(".zip").removesuffix(".tar.gz")
            if f"{stem}/PKG-INFO" in pkg_infos:
                return f"{stem}/PKG-INFO", pkg_infos[f"{stem}/PKG-INFO"]
            if len(pkg_infos) == 1:
                return next(iter(pkg_infos.items()))
            why = f"no {stem}/PKG-INFO"
        else:
            why = "not a wheel (.whl) or sdist (.tar.gz, .zip)"
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        why = str(exc)
    raise ValidationError(
        f"cannot read the core metadata of {path}",
        why=why,
        hint=f"run 'hwb check {path}' for every problem of this file",
    )
