"""What the wheel and sdist rules of :mod:`.validate` share: :class:`Problem` and the
collector that caps findings per code, member-name safety, bounded member reads, and the
core-metadata checks (:func:`parse_metadata`, identity against the filename).
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from packaging.metadata import ExceptionGroup, Metadata, parse_email
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from headless_wheel_builder.errors import ValidationError

__all__ = [
    "MAX_METADATA_BYTES",
    "MAX_PER_CODE",
    "Collector",
    "Problem",
    "Severity",
    "identity_problems",
    "license_files_missing",
    "metadata_problems",
    "normal_name",
    "parse_metadata",
    "read_member",
    "unsafe_reason",
]

Severity = Literal["error", "warning"]

#: At most this many problems of one code are reported per file; the rest are counted.
MAX_PER_CODE = 20
#: Metadata files larger than this are refused (a real one is a few kB).
MAX_METADATA_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class Problem:
    path: Path
    code: str
    """Stable short code, e.g. ``W-RECORD-HASH``, ``S-PKG-INFO``, ``README``, ``W001``."""
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.path.name}: {self.code}: {self.message}"


class Collector:
    """Problems of one file, capped at :data:`MAX_PER_CODE` per code."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self._counts: Counter[str] = Counter()

    def add(self, code: str, message: str, severity: Severity | None = None) -> None:
        """Record a finding; its severity is the code's (:mod:`.codes`) unless given."""
        from headless_wheel_builder.artifacts.codes import severity_of

        severity = severity or severity_of(code)
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


def normal_name(name: str) -> str:
    """The filename form of a project name: lowercase, runs of ``-_.`` as one ``_``."""
    return canonicalize_name(name).replace("-", "_")


def unsafe_reason(name: str) -> str | None:
    """Why an archive member name is unsafe to extract, or ``None``."""
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        return "absolute path"
    if ".." in re.split(r"[/\\]", name):
        return "'..' path component"
    return None


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


def license_files_missing(data: bytes, exists: Callable[[str], bool]) -> list[str]:
    """The ``License-File`` paths of core metadata ``data`` (Metadata-Version 2.4 or later,
    where PEP 639 makes them a promise PyPI checks) for which ``exists`` is false."""
    try:
        raw, _ = parse_email(data)
        if Version(raw.get("metadata_version", "0")) < Version("2.4"):
            return []
    except (ValueError, TypeError, UnicodeError, InvalidVersion):
        return []  # unreadable metadata is reported by the metadata rules
    return [path for path in raw.get("license_files", []) if not exists(path)]


def metadata_problems(out: Collector, code: str, member: str, data: bytes) -> None:
    """One problem per invalid field of the core metadata in ``member``."""
    for severity, message in parse_metadata(data)[1]:
        out.add(code, f"{member}: {message}", severity)


def _flatten(group: BaseException) -> Iterator[BaseException]:
    if isinstance(group, ExceptionGroup):
        for exc in group.exceptions:
            yield from _flatten(exc)
    else:
        yield group


def identity_problems(
    out: Collector, code: str, member: str, data: bytes, name: str, version: Version
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


def read_member(zf: zipfile.ZipFile, member: str) -> bytes:
    with zf.open(member) as fh:
        data = fh.read(MAX_METADATA_BYTES + 1)
    if len(data) > MAX_METADATA_BYTES:
        raise ValidationError(f"{member} is larger than {MAX_METADATA_BYTES} bytes")
    return data
