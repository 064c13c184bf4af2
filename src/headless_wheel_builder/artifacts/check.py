"""``hwb check``: everything ``validate`` checks, plus README rendering (as ``twine check``)
and wheel contents (as check-wheel-contents).

Codes added to those of :mod:`.validate`:

=======================  ==========================================================  =======
``NO-DISTS``             a folder given holds no ``*.whl`` / ``*.tar.gz`` / ``*.zip``  error
``README``               the long description does not render (reST / Markdown)      error
``README-CONTENT-TYPE``  no Description-Content-Type (``text/x-rst`` is assumed)     warning
``README-MISSING``       no long description                                         warning
``W001``                 ``.pyc`` / ``.pyo`` files                                    error
``W002``                 files with identical, non-trivial contents                  error
``W003``                 a non-module file at the top of the library                 warning
``W004``                 a module at a path that cannot be imported                  warning
``W005``                 a common top-level directory (``src``, ``tests``, ``docs``…)  error
``W006``                 ``__init__.py`` at the top of the library                   error
``W007``                 the library is empty (nothing outside ``.dist-info``/``.data``) warning
=======================  ==========================================================  =======
"""

from __future__ import annotations

import email.parser
import hashlib
import io
import keyword
import re
import warnings
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from headless_wheel_builder._log import logger
from headless_wheel_builder.artifacts.output import (
    ArtifactInfo,
    Problem,
    describe,
    read_metadata,
    validate,
)
from headless_wheel_builder.artifacts.validate import artifact_kind
from headless_wheel_builder.errors import ValidationError

__all__ = ["CheckReport", "FileReport", "check_files"]

_DIST_SUFFIXES = (".whl", ".tar.gz", ".zip")
#: Contents that may legitimately occur in several files (check-wheel-contents' list).
_ALLOWED_DUPLICATES = frozenset(
    hashlib.sha256(content).hexdigest()
    for content in (
        b"",
        b"\n",
        b"\r\n",
        b"# -*- coding: utf-8 -*-",
        b"# -*- coding: utf-8 -*-\n",
        b"# -*- coding: utf-8 -*-\r\n",
    )
)
_COMMON_DIRS = frozenset(
    {"benchmark", "benchmarks", "doc", "docs", "example", "examples", "src", "test", "tests"}
)
# A module file: name.py, name.pyi, name.so, name.pyd, or name.<abi tag>.so / .pyd.
_MODULE_RE = re.compile(r"(?<=.)(?:\.(?:py|pyi|so|pyd)|\.[-A-Za-z0-9_]+\.(?:pyd|so))\Z")
_LISTED = 5  # paths named in one message before "and N more"


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


def check_files(paths: Sequence[Path], *, strict: bool = False) -> CheckReport:
    """Check every wheel and sdist in ``paths`` (folders are searched for dists)."""
    reports: list[FileReport] = []
    seen: set[Path] = set()
    for path in _expand(paths, reports):
        key = path.resolve()
        if key in seen:
            continue
        seen.add(key)
        reports.append(_check_one(path))
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


def _check_one(path: Path) -> FileReport:
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
        problems.extend(readme_problems(path, metadata.description, metadata.description_content_type))
    if kind == "wheel":
        problems.extend(wheel_contents_problems(path))
    return FileReport(path=path, artifact=artifact, problems=tuple(problems))


# --- README ----------------------------------------------------------------------------


def readme_problems(path: Path, description: str | None, content_type: str | None) -> list[Problem]:
    """What ``twine check`` says about a long description."""
    problems: list[Problem] = []
    if not content_type:
        problems.append(
            Problem(
                path=path,
                code="README-CONTENT-TYPE",
                message="no Description-Content-Type, so PyPI assumes text/x-rst (in pyproject.toml: "
                'readme = {file = "README.md", content-type = "text/markdown"})',
                severity="warning",
            )
        )
        content_type = "text/x-rst"
    if not description or description.rstrip() == "UNKNOWN":
        problems.append(
            Problem(
                path=path,
                code="README-MISSING",
                message="no long description (set 'readme' in pyproject.toml)",
                severity="warning",
            )
        )
        return problems
    header = email.parser.HeaderParser().parsestr(f"Content-Type: {content_type}\n\n")
    mime, params = header.get_content_type(), dict(header.get_params() or [])
    error = _render_error(mime, description, params)
    if error is not None:
        problems.append(
            Problem(
                path=path,
                code="README",
                message=f"the long description ({mime}) has markup errors and would not be "
                f"rendered on PyPI: {error}",
            )
        )
    return problems


def _render_error(mime: str, text: str, params: dict[str, str]) -> str | None:
    """The renderer's complaint about ``text``, or ``None`` when it renders."""
    stream = io.StringIO()
    with warnings.catch_warnings():
        # readme_renderer warns on import when no Markdown renderer is installed, and
        # docutils emits deprecation warnings: neither is the user's concern.
        warnings.simplefilter("ignore")
        if mime == "text/plain":
            return None
        if mime == "text/markdown":
            import readme_renderer.markdown

            if not getattr(readme_renderer.markdown, "variants", None):
                logger.debug("no Markdown renderer installed; %s not rendered", mime)
                return None
            variant = params.get("variant", "GFM")
            rendered = readme_renderer.markdown.render(text, variant=variant)
        else:
            import readme_renderer.rst

            rendered = readme_renderer.rst.render(text, stream=stream)
    if rendered is None:
        return stream.getvalue().strip() or "no content rendered"
    return None


# --- wheel contents --------------------------------------------------------------------


_Finding = tuple[str, Literal["error", "warning"], str]


def wheel_contents_problems(path: Path) -> list[Problem]:
    """check-wheel-contents' checks W001-W007 (W008 onwards are not applied)."""
    try:
        with zipfile.ZipFile(path) as zf:
            contents = _read_contents(zf)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        return []  # reported by validate()
    findings = [*_content_findings(contents), *_library_findings(sorted(contents))]
    return [
        Problem(path=path, code=code, message=message, severity=severity)
        for code, severity, message in findings
    ]


def _content_findings(contents: dict[str, str]) -> list[_Finding]:
    """W001 (bytecode) and W002 (duplicate files)."""
    found: list[_Finding] = []
    names = sorted(contents)
    bytecode = [n for n in names if n.endswith((".pyc", ".pyo"))]
    if bytecode:
        found.append(("W001", "error", f"the wheel contains bytecode files: {_some(bytecode)}"))
    by_digest: defaultdict[str, list[str]] = defaultdict(list)
    for name in names:
        if contents[name] not in _ALLOWED_DUPLICATES and not _is_record(name):
            by_digest[contents[name]].append(name)
    found.extend(
        ("W002", "error", f"files with identical contents: {_some(group)}")
        for group in by_digest.values()
        if len(group) > 1
    )
    return found


def _library_findings(names: list[str]) -> list[_Finding]:
    """W003-W007: what sits at the top of the library, and whether it can be imported."""
    lib = _library_files(names)
    tops = {parts[0] for parts in lib.values() if len(parts) > 1}
    top_files = sorted(full for full, parts in lib.items() if len(parts) == 1)
    non_modules = [f for f in top_files if not _MODULE_RE.search(f) and not f.endswith(".pth")]
    unimportable = [
        full
        for full, parts in sorted(lib.items())
        if (base := _module_base(parts[-1])) is not None
        and not all(p.isidentifier() and not keyword.iskeyword(p) for p in (*parts[:-1], base))
    ]
    common = sorted(tops & _COMMON_DIRS)
    inits = [f for f in top_files if f.rsplit("/", 1)[-1] == "__init__.py"]
    checks: list[tuple[object, _Finding]] = [
        (
            non_modules,
            ("W003", "warning", f"non-module files at the top of the library: {_some(non_modules)}"),
        ),
        (
            unimportable,
            ("W004", "warning", f"modules at paths that cannot be imported: {_some(unimportable)}"),
        ),
        (common, ("W005", "error", f"common top-level directories in the library: {', '.join(common)}")),
        (inits, ("W006", "error", f"__init__.py at the top of the library: {_some(inits)}")),
        (not lib, ("W007", "warning", "the wheel's library is empty (no files outside .dist-info/.data)")),
    ]
    return [finding for condition, finding in checks if condition]


def _read_contents(zf: zipfile.ZipFile) -> dict[str, str]:
    """sha256 of every file in the wheel."""
    contents: dict[str, str] = {}
    for info in zf.infolist():
        if info.is_dir():
            continue
        digest = hashlib.sha256()
        with zf.open(info) as fh:
            while chunk := fh.read(1024 * 1024):
                digest.update(chunk)
        contents[info.filename] = digest.hexdigest()
    return contents


def _library_files(names: list[str]) -> dict[str, tuple[str, ...]]:
    """Files installed to purelib/platlib: full member name -> path parts in the library.

    The wheel's root is one of the two (``Root-Is-Purelib``); ``*.data/purelib`` and
    ``*.data/platlib`` hold the rest.  Either way, together they are the library.
    """
    lib: dict[str, tuple[str, ...]] = {}
    for name in names:
        parts = tuple(name.split("/"))
        if parts[0].endswith(".dist-info") and len(parts) > 1:
            continue
        if parts[0].endswith(".data") and len(parts) > 1:
            if len(parts) > 2 and parts[1] in ("purelib", "platlib"):
                lib[name] = parts[2:]
            continue
        lib[name] = parts
    return lib


def _module_base(filename: str) -> str | None:
    match = _MODULE_RE.search(filename)
    return filename[: match.start()] if match else None


def _is_record(name: str) -> bool:
    return bool(re.fullmatch(r"[^/]+\.dist-info/RECORD(\.jws|\.p7s)?", name))


def _some(items: list[str]) -> str:
    shown = ", ".join(items[:_LISTED])
    return f"{shown} and {len(items) - _LISTED} more" if len(items) > _LISTED else shown
