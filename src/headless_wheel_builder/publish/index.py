"""The simple repository API as static files: PEP 503 HTML, PEP 691 JSON, PEP 658 sidecars.

Everything here is pure and deterministic: the same files give the same bytes (projects
sorted by name, files by version then filename, no timestamps beyond each file's recorded
``upload-time``).  Both the S3 publisher and ``hwb index`` render through these functions.

Layout of an index (relative to its root)::

    simple/index.html                 root page, one link per project
    simple/index.json                 the same, PEP 691 JSON
    simple/<name>/index.html          one page per normalized project name
    simple/<name>/index.json          the same, PEP 691 JSON (api-version 1.1)
    simple/<name>/<file>              the distribution (unless links point elsewhere)
    simple/<name>/<file>.metadata     a wheel's METADATA bytes (PEP 658)

The project JSON document is also the *state* of a project: the S3 publisher reads it,
merges new files into it and renders the HTML from it (:meth:`ProjectPage.from_json`).
"""

from __future__ import annotations

import email.parser
import hashlib
import html
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from headless_wheel_builder.errors import StorageError

__all__ = [
    "API_VERSION",
    "HTML_CONTENT_TYPE",
    "JSON_CONTENT_TYPE",
    "IndexFile",
    "NormalizedName",
    "ProjectPage",
    "RootPage",
    "dist_entry",
    "format_upload_time",
    "render_project_html",
    "render_project_json",
    "render_root_html",
    "render_root_json",
]

#: The simple API version the pages declare (1.1 adds ``size``, ``upload-time``, ``versions``).
API_VERSION = "1.1"
HTML_CONTENT_TYPE = "text/html"
JSON_CONTENT_TYPE = "application/vnd.pypi.simple.v1+json"
METADATA_CONTENT_TYPE = "text/plain; charset=utf-8"

def format_upload_time(moment: datetime) -> str:
    """``yyyy-mm-ddThh:mm:ss.ffffffZ`` in UTC, as PEP 700 asks."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _version_of(filename: str) -> str:
    """The normalized version in a wheel or sdist filename."""
    try:
        if filename.endswith(".whl"):
            return str(parse_wheel_filename(filename)[1])
        return str(parse_sdist_filename(filename)[1])
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        raise StorageError(
            f"{filename!r} is not a wheel or sdist filename",
            why=str(exc),
            hint="only wheels and sdists (.tar.gz, .zip) can be listed in the index",
        ) from exc


def _version_key(version: str) -> tuple[int, Version | str]:
    try:
        return (0, Version(version))
    except InvalidVersion:  # pragma: no cover - filenames are validated before they get here
        return (1, version)


@dataclass(frozen=True, kw_only=True)
class IndexFile:
    """One distribution file as the index lists it."""

    filename: str
    sha256: str
    size: int
    url: str = ""
    """The link, relative to the project page or absolute; empty means ``filename`` itself."""
    requires_python: str | None = None
    core_metadata_sha256: str | None = None
    """The sha256 of the PEP 658 ``<url>.metadata`` sidecar, when one is published."""
    yanked: bool | str = False
    """``False``, ``True`` (yanked without reason) or the reason (PEP 592)."""
    upload_time: str | None = None

    @property
    def href(self) -> str:
        return self.url or quote(self.filename)

    @property
    def version(self) -> str:
        return _version_of(self.filename)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "filename": self.filename,
            "url": self.href,
            "hashes": {"sha256": self.sha256},
        }
        if self.requires_python is not None:
            data["requires-python"] = self.requires_python
        if self.core_metadata_sha256 is not None:
            data["core-metadata"] = {"sha256": self.core_metadata_sha256}
            data["dist-info-metadata"] = {"sha256": self.core_metadata_sha256}  # PEP 714 legacy key
        data["size"] = self.size
        if self.upload_time is not None:
            data["upload-time"] = self.upload_time
        data["yanked"] = self.yanked
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IndexFile:
        """Read a file entry of a PEP 691 page (unknown keys are ignored)."""
        core = data.get("core-metadata", data.get("dist-info-metadata"))
        yanked = data.get("yanked", False)
        filename = data["filename"]
        url = data.get("url", "")
        return cls(
            filename=str(filename),
            sha256=str(data["hashes"]["sha256"]),
            size=int(data["size"]),
            url="" if url == quote(filename) else str(url),
            requires_python=data.get("requires-python"),
            core_metadata_sha256=core.get("sha256") if isinstance(core, dict) else None,
            yanked=yanked if isinstance(yanked, (bool, str)) else bool(yanked),
            upload_time=data.get("upload-time"),
        )


@dataclass(frozen=True, kw_only=True)
class ProjectPage:
    """One project's page: its normalized name and its files."""

    name: NormalizedName
    files: tuple[IndexFile, ...] = field(default=())

    def sorted_files(self) -> list[IndexFile]:
        return sorted(self.files, key=lambda f: (_version_key(f.version), f.filename))

    @property
    def versions(self) -> list[str]:
        return [str(v) for v in sorted({f.version for f in self.files}, key=_version_key)]

    def file(self, filename: str) -> IndexFile | None:
        return next((f for f in self.files if f.filename == filename), None)

    def with_files(self, files: Iterable[IndexFile]) -> ProjectPage:
        """This page with ``files`` added, replacing entries of the same filename."""
        by_name = {f.filename: f for f in self.files}
        for new in files:
            by_name[new.filename] = new
        return replace(self, files=tuple(by_name.values()))

    def files_of(self, version: str) -> list[IndexFile]:
        """The files of ``version`` (any spelling of it: ``1.0`` matches ``1.0.0``), by name."""
        wanted = _version_key(_normalize_version(version))
        return sorted((f for f in self.files if _version_key(f.version) == wanted), key=lambda f: f.filename)

    def without(self, filenames: Iterable[str]) -> ProjectPage:
        """This page without the entries of ``filenames``."""
        gone = set(filenames)
        return replace(self, files=tuple(f for f in self.files if f.filename not in gone))

    def with_yanked(self, version: str, yanked: bool | str) -> tuple[ProjectPage, list[str]]:
        """Mark every file of ``version`` yanked (a reason, ``True``) or not (``False``).

        Returns the new page and the filenames that matched the version.
        """
        wanted = _version_key(_normalize_version(version))
        matched: list[str] = []
        files: list[IndexFile] = []
        for f in self.files:
            if _version_key(f.version) == wanted:
                matched.append(f.filename)
                files.append(replace(f, yanked=yanked))
            else:
                files.append(f)
        return replace(self, files=tuple(files)), sorted(matched)

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, where: str = "the project page") -> ProjectPage:
        try:
            return cls(
                name=canonicalize_name(str(data["name"])),
                files=tuple(IndexFile.from_json(f) for f in data.get("files", [])),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StorageError(
                f"cannot read {where}",
                why=f"it is not a PEP 691 project page ({type(exc).__name__}: {exc})",
                hint="restore it from a backup, or delete it and publish the files again",
            ) from exc


@dataclass(frozen=True, kw_only=True)
class RootPage:
    """The root page: every project's normalized name."""

    projects: frozenset[NormalizedName] = field(default=frozenset())

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, where: str = "the root page") -> RootPage:
        try:
            names = (str(p["name"]) for p in data.get("projects", []))
            return cls(projects=frozenset(canonicalize_name(name) for name in names))
        except (KeyError, TypeError, AttributeError) as exc:
            raise StorageError(
                f"cannot read {where}",
                why=f"it is not a PEP 691 root page ({type(exc).__name__}: {exc})",
                hint="restore it from a backup, or delete it and publish again",
            ) from exc


def _normalize_version(version: str) -> str:
    try:
        return str(Version(version))
    except InvalidVersion:
        return version


# --- rendering ---------------------------------------------------------------------------

_HEAD = (
    "<!DOCTYPE html>\n<html>\n  <head>\n"
    '    <meta charset="utf-8">\n'
    f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
)


def _attr(name: str, value: str) -> str:
    return f' {name}="{html.escape(value, quote=True)}"'


def render_project_html(page: ProjectPage) -> bytes:
    """The PEP 503 page of one project (with PEP 592/658/714 attributes)."""
    title = f"Links for {html.escape(page.name)}"
    lines = [_HEAD + f"    <title>{title}</title>\n  </head>\n  <body>\n    <h1>{title}</h1>\n"]
    for f in page.sorted_files():
        attrs = _attr("href", f"{f.href}#sha256={f.sha256}")
        if f.requires_python:
            attrs += _attr("data-requires-python", f.requires_python)
        if f.core_metadata_sha256:
            value = f"sha256={f.core_metadata_sha256}"
            attrs += _attr("data-core-metadata", value) + _attr("data-dist-info-metadata", value)
        if f.yanked is not False:
            attrs += _attr("data-yanked", "" if f.yanked is True else str(f.yanked))
        lines.append(f"    <a{attrs}>{html.escape(f.filename)}</a><br>\n")
    lines.append("  </body>\n</html>\n")
    return "".join(lines).encode("utf-8")


def render_project_json(page: ProjectPage) -> bytes:
    """The PEP 691 page of one project (api-version 1.1)."""
    doc = {
        "meta": {"api-version": API_VERSION},
        "name": page.name,
        "versions": page.versions,
        "files": [f.to_json() for f in page.sorted_files()],
    }
    return (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def render_root_html(root: RootPage) -> bytes:
    """The PEP 503 root page: one link per project, to ``<name>/``."""
    lines = [_HEAD + "    <title>Simple index</title>\n  </head>\n  <body>\n"]
    for name in sorted(root.projects):
        lines.append(f"    <a{_attr('href', quote(name) + '/')}>{html.escape(name)}</a><br>\n")
    lines.append("  </body>\n</html>\n")
    return "".join(lines).encode("utf-8")


def render_root_json(root: RootPage) -> bytes:
    doc = {
        "meta": {"api-version": API_VERSION},
        "projects": [{"name": name} for name in sorted(root.projects)],
    }
    return (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


# --- reading distributions -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DistEntry:
    """A local distribution ready to be listed: its entry, project and sidecar bytes."""

    project: NormalizedName
    entry: IndexFile
    metadata: bytes | None
    """A wheel's ``*.dist-info/METADATA`` bytes (the PEP 658 sidecar); ``None`` for sdists."""


def dist_entry(
    path: Path, *, url: str = "", upload_time: str | None = None, sidecar: bool = True
) -> DistEntry:
    """Describe the wheel or sdist at ``path`` for the index.

    ``Requires-Python`` comes from the core metadata; a wheel's METADATA becomes the PEP 658
    sidecar unless ``sidecar`` is false.  Raises ValidationError for unreadable files.
    """
    from headless_wheel_builder.artifacts.output import describe
    from headless_wheel_builder.artifacts.validate import metadata_member

    info = describe(path)
    _, metadata = metadata_member(path)
    headers = email.parser.BytesHeaderParser().parsebytes(metadata)
    requires_python = headers.get("Requires-Python")
    is_wheel = info.kind == "wheel"
    return DistEntry(
        project=canonicalize_name(info.name),
        entry=IndexFile(
            filename=info.filename,
            sha256=info.sha256,
            size=info.size,
            url=url,
            requires_python=str(requires_python).strip() if requires_python else None,
            core_metadata_sha256=hashlib.sha256(metadata).hexdigest() if is_wheel and sidecar else None,
            upload_time=upload_time,
        ),
        metadata=metadata if is_wheel and sidecar else None,
    )
