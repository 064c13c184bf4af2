"""``hwb check``: everything ``validate`` checks, plus README rendering (as ``twine check``)
and wheel contents (as check-wheel-contents, :mod:`._contents_rules`).

Every code, its meaning, severity and peer: :mod:`.codes` (and docs/CHECKS.md).  Errors are
what PyPI refuses or what makes a file unreadable or untrue; the rest are warnings, failures
only with ``strict``.  ``ignore`` drops codes (per run ``--ignore``, per project
``check-ignore``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from headless_wheel_builder.artifacts._contents_rules import (
    ContentsOptions,
    contents_findings,
    is_empty_wheel,
    read_wheel_files,
    source_has_code,
)
from headless_wheel_builder.artifacts._readme_rules import metadata_home, readme_problems
from headless_wheel_builder.artifacts._validate_common import Collector
from headless_wheel_builder.artifacts.codes import unknown_codes
from headless_wheel_builder.artifacts.output import (
    ArtifactInfo,
    Problem,
    describe,
    read_metadata,
    validate,
)
from headless_wheel_builder.artifacts.validate import artifact_kind
from headless_wheel_builder.errors import UsageError, ValidationError

__all__ = [
    "CheckReport",
    "ContentsOptions",
    "FileReport",
    "check_files",
    "check_ignore",
    "empty_wheel_problem",
]

_DIST_SUFFIXES = (".whl", ".tar.gz", ".zip")


@dataclass(frozen=True, kw_only=True)
class FileReport:
    path: Path
    artifact: ArtifactInfo | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def passes(self, *, strict: bool) -> bool:
        """No errors, and with ``strict`` no warnings either."""
        return not self.problems if strict else self.ok


@dataclass(frozen=True, kw_only=True)
class CheckReport:
    files: tuple[FileReport, ...]
    strict: bool

    @property
    def ok(self) -> bool:
        """No errors (and, with ``strict``, no warnings either)."""
        return all(f.passes(strict=self.strict) for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "strict": self.strict,
            "files": [
                {
                    "path": str(f.path),
                    "ok": f.passes(strict=self.strict),
                    "artifact": f.artifact.to_dict() if f.artifact else None,
                    "problems": [
                        {"code": p.code, "severity": p.severity, "message": p.message} for p in f.problems
                    ],
                }
                for f in self.files
            ],
        }


def check_ignore(codes: Sequence[str]) -> frozenset[str]:
    """``codes`` as a set; UsageError naming any code hwb does not have."""
    found = frozenset(c.strip() for c in codes if c.strip())
    unknown = unknown_codes(found)
    if unknown:
        raise UsageError(
            f"unknown check code{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}",
            hint="docs/CHECKS.md lists every code (W001, W002, S-LAYOUT, README …)",
        )
    return found


def check_files(
    paths: Sequence[Path],
    *,
    strict: bool = False,
    ignore: Sequence[str] = (),
    contents: ContentsOptions | None = None,
) -> CheckReport:
    """Check every wheel and sdist in ``paths`` (folders are searched for dists).

    ``ignore``: codes left out of the report; ``contents``: what the project declares its
    wheel holds (W101-W202).  UsageError for an unknown code."""
    ignored = check_ignore(ignore)
    reports: list[FileReport] = []
    seen: set[Path] = set()
    for path in _expand(paths, reports):
        key = path.resolve()
        if key in seen:
            continue
        seen.add(key)
        report = _check_one(path, contents or ContentsOptions())
        kept = tuple(p for p in report.problems if p.code not in ignored)
        reports.append(FileReport(path=report.path, artifact=report.artifact, problems=kept))
    return CheckReport(files=tuple(reports), strict=strict)


def _expand(paths: Sequence[Path], reports: list[FileReport]) -> Iterator[Path]:
    """The files to check; a folder yields its dists (non-recursive).  Folders without
    any dist are reported in ``reports`` directly."""
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.name.endswith(_DIST_SUFFIXES))
            if not found:
                message = "the folder holds no wheel (.whl) or sdist (.tar.gz, .zip)"
                reports.append(_report(path, "NO-DISTS", message))
            yield from found
        else:
            yield path


def _report(path: Path, code: str, message: str) -> FileReport:
    return FileReport(path=path, artifact=None, problems=(Problem(path=path, code=code, message=message),))


def _check_one(path: Path, contents: ContentsOptions) -> FileReport:
    if not path.exists():
        return _report(path, "MISSING", f"{path} does not exist")
    kind = artifact_kind(path)
    if kind is None:
        return _report(path, "UNKNOWN-TYPE", "not a wheel (.whl) or sdist (.tar.gz, .zip)")
    problems = validate(path)
    try:
        artifact: ArtifactInfo | None = describe(path)
    except ValidationError:
        artifact = None  # the filename problem is already reported
    try:
        metadata = read_metadata(path)
    except ValidationError:
        pass  # invalid or unreadable metadata is already reported
    else:
        home = metadata_home(path) if kind == "sdist" else None
        problems.extend(readme_problems(path, metadata.description, metadata.description_content_type, home))
    if kind == "wheel":
        problems.extend(wheel_contents_problems(path, contents))
    return FileReport(path=path, artifact=artifact, problems=tuple(problems))


# --- wheel contents --------------------------------------------------------------------


def wheel_contents_problems(path: Path, options: ContentsOptions | None = None) -> list[Problem]:
    """check-wheel-contents' checks W001-W202 (:mod:`._contents_rules`), at most
    ``MAX_PER_CODE`` of one code (a wheel of zone data has hundreds of W002 groups)."""
    files = read_wheel_files(path)
    if files is None:
        return []  # reported by validate()
    out = Collector(path)
    for code, message in contents_findings(files, options or ContentsOptions()):
        out.add(code, message)
    return out.result()


def empty_wheel_problem(wheel: Path, source: Path) -> Problem | None:
    """The build stage's W008: a wheel with nothing outside ``.dist-info``, built from a project
    that has Python or extension sources, is an error (a broken build, never a cached copy).
    A meta-package (no sources) may ship an empty wheel: ``hwb check`` only warns about it."""
    if not wheel.name.endswith(".whl") or not is_empty_wheel(wheel):
        return None
    if not source_has_code(source):
        return None
    return Problem(
        path=wheel,
        code="W008",
        message=f"the wheel holds no files outside its .dist-info, yet {source} has Python sources: "
        "the backend found no packages to include (check its packages / include settings)",
    )
