"""Yanking and un-yanking a release in an S3 index (PEP 592).

A yanked file stays downloadable; installers skip it unless a requirement pins exactly its
version (``==``/``===``).  The mark lives in the project's JSON state and is rendered as
``data-yanked`` in the HTML page and ``"yanked"`` in the JSON page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from packaging.utils import canonicalize_name

from headless_wheel_builder._log import NullProgress, Progress
from headless_wheel_builder.errors import PublishError
from headless_wheel_builder.publish.index import IndexFile, ProjectPage
from headless_wheel_builder.publish.s3_state import S3Index

__all__ = ["YankReport", "release_files", "yank_release"]


@dataclass(frozen=True, kw_only=True)
class YankReport:
    """What ``hwb yank`` changed."""

    target: str
    project: str
    version: str
    yanked: bool
    reason: str | None
    files: tuple[str, ...]
    changed: bool
    """False when every file already had the requested state."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "target": self.target,
            "project": self.project,
            "version": self.version,
            "yanked": self.yanked,
            "reason": self.reason,
            "files": list(self.files),
            "changed": self.changed,
        }


def yank_release(
    index: S3Index,
    name: str,
    version: str,
    *,
    reason: str | None = None,
    unyank: bool = False,
    progress: Progress | None = None,
) -> YankReport:
    """Mark every file of ``name`` ``version`` yanked (with ``reason``), or not (``unyank``)."""
    progress = progress or NullProgress()
    project = canonicalize_name(name)
    index.store.identity()
    mark: bool | str = False if unyank else (reason or True)
    matched: list[str] = []
    before: list[ProjectPage] = []

    def mutate(page: ProjectPage) -> ProjectPage:
        release_files(index, page, project, version)  # raises when there is no such release
        updated, files = page.with_yanked(version, mark)
        matched[:] = files
        before[:] = [page]
        return updated

    progress.step(f"{'un-yanking' if unyank else 'yanking'} {project} {version}")
    after = index.update_project(project, mutate)
    changed = bool(before) and before[0] != after
    verb = "un-yanked" if unyank else "yanked"
    progress.done(f"{verb} {project} {version} ({len(matched)} file{'s' if len(matched) != 1 else ''})")
    return YankReport(
        target=str(index.location),
        project=project,
        version=version,
        yanked=not unyank,
        reason=None if unyank else reason,
        files=tuple(matched),
        changed=changed,
    )


def release_files(index: S3Index, page: ProjectPage, project: str, version: str) -> list[IndexFile]:
    """The files of ``project`` ``version`` on ``page`` (yank and delete act on them); a
    PublishError listing what is there when the project or the release is not in the index."""
    if not page.files:
        raise PublishError(
            f"{project} is not in the index at {index.location}",
            hint=f"check the name; the index lists the projects at {index.location}/simple/",
        )
    files = page.files_of(version)
    if not files:
        raise PublishError(
            f"{project} has no release {version} in the index at {index.location}",
            why=f"its versions are: {', '.join(page.versions)}",
            hint="name one of those versions",
        )
    return files
