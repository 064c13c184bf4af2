"""Deleting a release, or one file of it, from an S3 index (``hwb delete``).

The entries leave the project's JSON state first, through the same conditional
read-modify-write as publishing (:meth:`S3Index.update_project`): a publisher adding another
file at the same moment loses nothing, and no page ever lists a file that is already gone.
Then the objects go: the file, its ``.metadata`` sidecar and, last, its ``.sha256`` name
claim (after which the name may be published again).  A project left without files leaves
the root page; because a publisher may add a file to it meanwhile, the project page is read
again after that write and the project put back when it has files (the publisher's own root
update, which comes after its project update, adds it too when it runs later).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from packaging.utils import canonicalize_name

from headless_wheel_builder._log import NullProgress, Progress
from headless_wheel_builder.errors import HwbError, PublishError
from headless_wheel_builder.publish.index import IndexFile, NormalizedName, ProjectPage, RootPage
from headless_wheel_builder.publish.s3_state import CLAIM_SUFFIX, METADATA_SUFFIX, S3Index
from headless_wheel_builder.publish.yank import release_files

__all__ = ["YANK_INSTEAD", "DeleteReport", "delete_release"]

#: Why yanking is usually the better choice; ``hwb delete`` prints it before it asks.
YANK_INSTEAD = (
    "Deleting breaks every lock file and hash-pinned requirement that names these files "
    "(uv.lock, poetry.lock, pip's --require-hashes files): installing from them fails. "
    "Yanking (hwb yank NAME VERSION --reason TEXT) keeps exact pins working while resolvers skip "
    "the release; delete only what must not be served at all (a leaked secret, a licence problem)."
)


@dataclass(frozen=True, kw_only=True)
class DeleteReport:
    """What ``hwb delete`` removed (or, with ``dry_run``, would remove)."""

    target: str
    project: str
    version: str
    files: tuple[str, ...]
    """The distributions, by filename."""
    keys: tuple[str, ...]
    """Every object key removed: the files, their ``.metadata`` sidecars and ``.sha256`` claims."""
    project_emptied: bool
    """The project has no files left and left the root page."""
    dry_run: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "target": self.target,
            "project": self.project,
            "version": self.version,
            "files": list(self.files),
            "keys": list(self.keys),
            "project_emptied": self.project_emptied,
            "dry_run": self.dry_run,
        }


def delete_release(
    index: S3Index,
    name: str,
    version: str,
    *,
    filename: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> DeleteReport:
    """Remove every file of ``name`` ``version`` (or only ``filename`` of it) from ``index``.

    Raises PublishError when the project, the version or the file is not in the index.
    ``dry_run``: read only, and report what would go.
    """
    progress = progress or NullProgress()
    project = canonicalize_name(name)
    index.store.identity()
    chosen: list[IndexFile] = []
    left: list[IndexFile] = []

    def mutate(page: ProjectPage) -> ProjectPage:
        chosen[:] = _select(index, page, version, filename)
        after = page.without(f.filename for f in chosen)
        left[:] = after.files
        return after

    if dry_run:
        index.store.check_bucket()
        mutate(index.read_project(project) or ProjectPage(name=project))
    else:
        progress.step(f"removing {project} {version} from the index")
        index.update_project(project, mutate)
    keys = [k for f in chosen for k in object_keys(index, project, f.filename)]
    if not dry_run:
        _delete_objects(index, keys, progress)
        if not left:
            _leave_root(index, project)
        count = f"{len(chosen)} file{'s' if len(chosen) != 1 else ''}"
        progress.done(f"deleted {project} {version} ({count}) from {index.location}/simple/")
    return DeleteReport(
        target=str(index.location),
        project=project,
        version=version,
        files=tuple(f.filename for f in chosen),
        keys=tuple(keys),
        project_emptied=not left,
        dry_run=dry_run,
    )


def object_keys(index: S3Index, project: NormalizedName, filename: str) -> tuple[str, ...]:
    """The objects of one distribution, in the order they are deleted (the claim last)."""
    key = index.file_key(project, filename)
    return (key, key + METADATA_SUFFIX, key + CLAIM_SUFFIX)


def _delete_objects(index: S3Index, keys: list[str], progress: Progress) -> None:
    """Delete ``keys`` in order; a failure names what is left (no page lists it any more)."""
    for done, key in enumerate(keys):
        progress.step(f"deleting s3://{index.store.bucket}/{key}")
        try:
            index.store.delete(key)
        except HwbError as exc:
            left = " ".join(f"s3://{index.store.bucket}/{k}" for k in keys[done:])
            exc.hint = (
                f"{exc.hint + '; ' if exc.hint else ''}the pages no longer list these files, but "
                f"{len(keys) - done} object(s) are still stored: once the credentials may "
                f"s3:DeleteObject, remove them with 'aws s3 rm' ({left})"
            )
            raise


def _select(index: S3Index, page: ProjectPage, version: str, filename: str | None) -> list[IndexFile]:
    files = release_files(index, page, page.name, version)
    if filename is None:
        return files
    match = [f for f in files if f.filename == filename]
    if not match:
        raise PublishError(
            f"{page.name} {version} has no file {filename!r} in the index at {index.location}",
            why=f"its files are: {', '.join(f.filename for f in files)}",
            hint="name one of those files, or leave FILENAME out to delete the whole release",
        )
    return match


def _leave_root(index: S3Index, project: NormalizedName) -> None:
    """Drop ``project`` from the root page, unless a publisher gave it files meanwhile."""

    def drop(root: RootPage) -> RootPage:
        page = index.read_project(project)
        if page is not None and page.files:
            return root
        return RootPage(projects=root.projects - {project})

    index.update_root(drop)
    page = index.read_project(project)
    if page is not None and page.files:
        index.update_root(lambda root: RootPage(projects=root.projects | {project}))
