"""Built artifacts: their description, validation, and atomic placement in the output folder.

:func:`validate` checks structure only (filename, archive, WHEEL, RECORD, core metadata);
the validators and the table of problem codes live in :mod:`.validate`.
:func:`place_artifacts` moves files into the output folder so that no partial file is ever
visible under a final ``*.whl`` / ``*.tar.gz`` name.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)

from headless_wheel_builder import _proc
from headless_wheel_builder._log import logger
from headless_wheel_builder.artifacts._kind import ArtifactKind, artifact_kind
from headless_wheel_builder.errors import OutputError, ValidationError

if TYPE_CHECKING:  # the validators (and packaging.metadata) load when something is validated
    from packaging.metadata import Metadata

    from headless_wheel_builder.artifacts.validate import Problem

__all__ = [
    "TEMP_PREFIX",
    "ArtifactInfo",
    "ArtifactKind",
    "Problem",
    "describe",
    "place_artifacts",
    "read_metadata",
    "validate",
]


def __getattr__(name: str) -> object:
    """``Problem``, re-exported from ``artifacts.validate`` on first use."""
    if name != "Problem":
        raise AttributeError(name)
    from headless_wheel_builder.artifacts.validate import Problem

    return Problem


#: Name prefix of the temporary files :func:`place_artifacts` writes in the output folder.
TEMP_PREFIX = ".hwb-tmp-"
#: Temporary files older than this (seconds) are left-overs of a killed run and removed; those
#: named after their owner (``.hwb-tmp-<pid>-<start>-…``) as soon as it is gone.
STALE_TEMP_AGE = 3600.0
_UNOWNED = re.compile(re.escape(TEMP_PREFIX) + r"(?!\d+-\d+-)")


@dataclass(frozen=True, kw_only=True)
class ArtifactInfo:
    path: Path
    filename: str
    kind: ArtifactKind
    size: int
    sha256: str
    name: str
    version: str
    tags: tuple[str, ...]
    """Expanded wheel tags (``cp312-cp312-manylinux_2_17_x86_64``…); empty for an sdist."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "filename": self.filename,
            "kind": self.kind,
            "size": self.size,
            "sha256": self.sha256,
            "name": self.name,
            "version": self.version,
            "tags": list(self.tags),
        }


def describe(path: Path) -> ArtifactInfo:
    """Size, sha256, name, version and tags of a wheel or sdist.

    ``name`` is the normalised project name (``my-project``) and ``version`` the normalised
    version, both taken from the filename.  Raises :class:`ValidationError` when the
    filename cannot be parsed or the file cannot be read.
    """
    kind = artifact_kind(path)
    tags: tuple[str, ...] = ()
    try:
        if kind == "wheel":
            name, version, _, tag_set = parse_wheel_filename(path.name)
            tags = tuple(sorted(str(tag) for tag in tag_set))
        elif kind == "sdist":
            name, version = parse_sdist_filename(path.name)
        else:
            raise ValidationError(
                f"cannot describe {path}",
                why="it is neither a wheel (.whl) nor an sdist (.tar.gz, .zip)",
            )
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        raise ValidationError(
            f"cannot describe {path}",
            why=str(exc),
            hint="name it '{name}-{version}-{py}-{abi}-{plat}.whl' or '{name}-{version}.tar.gz'",
        ) from exc
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1024 * 1024):
                digest.update(chunk)
        size = path.stat().st_size
    except OSError as exc:
        raise ValidationError(f"cannot read {path}", why=exc.strerror or str(exc)) from exc
    return ArtifactInfo(
        path=path,
        filename=path.name,
        kind=kind,
        size=size,
        sha256=digest.hexdigest(),
        name=name,
        version=str(version),
        tags=tags,
    )


def read_metadata(path: Path, *, validate: bool = True) -> Metadata:
    """The core metadata of a wheel (``*.dist-info/METADATA``) or sdist (``*/PKG-INFO``).

    With ``validate`` every field is checked (as ``twine check`` does) and an invalid one
    raises :class:`ValidationError`; without, fields are validated lazily on access.
    """
    from packaging.metadata import Metadata

    from headless_wheel_builder.artifacts.validate import metadata_member, parse_metadata

    member, data = metadata_member(path)
    if not validate:
        return Metadata.from_email(data, validate=False)
    metadata, findings = parse_metadata(data)
    if metadata is None:
        raise ValidationError(
            f"invalid core metadata in {path.name} ({member})",
            why="; ".join(message for severity, message in findings if severity == "error"),
            hint=f"run 'hwb check {path}' for every problem of this file",
        )
    return metadata


def validate(path: Path) -> list[Problem]:
    """Structural validity of a wheel or sdist: an empty list means valid."""
    from headless_wheel_builder.artifacts.validate import Problem, validate_sdist, validate_wheel

    if not path.exists():
        return [Problem(path=path, code="MISSING", message=f"{path} does not exist")]
    match artifact_kind(path):
        case "wheel":
            return validate_wheel(path)
        case "sdist":
            return validate_sdist(path)
        case None:
            return [
                Problem(
                    path=path,
                    code="UNKNOWN-TYPE",
                    message="not a wheel (.whl) or sdist (.tar.gz, .zip)",
                )
            ]


def place_artifacts(files: Sequence[Path], outdir: Path) -> list[Path]:
    """Move validated ``files`` into ``outdir`` atomically (no partial file ever visible).

    All or nothing: every file is first renamed (across filesystems: copied) to a hidden
    ``.hwb-tmp-*`` name in ``outdir`` and flushed to disk; only then is each renamed to its
    final name, replacing a file of that name (as ``python -m build`` does).  The sources
    are gone afterwards.  If anything fails, including an interrupt, every step is undone
    (sources moved back, temporary files removed, replaced files restored) and the exception
    is raised again, an ``OSError`` as :class:`OutputError`.  Only a hard kill can leave
    ``.hwb-tmp-<pid>-<start>-*`` files; the next call removes those whose owner is gone.

    Returns the final paths in the order of ``files``.
    """
    _prepare_outdir(outdir)
    names = [src.name for src in files]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise OutputError(
            f"cannot place the artifacts in {outdir}",
            why=f"several files are named {', '.join(twice)}",
            hint="build the variants into different output folders",
        )
    undo: list[Callable[[], object]] = []
    finish: list[Callable[[], object]] = []
    finals = [outdir / name for name in names]
    try:
        staged = [
            None if src.resolve() == final.resolve() else _stage(src, outdir, undo, finish)
            for src, final in zip(files, finals, strict=True)
        ]
        for tmp, final in zip(staged, finals, strict=True):
            if tmp is not None:
                _commit(tmp, final, undo, finish)
        _fsync_dir(outdir)
    except OSError as exc:
        _run_all(reversed(undo))
        raise OutputError(
            f"cannot place the artifacts in {outdir}",
            why=f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""),
            hint="check that the output folder is writable and its disk is not full",
        ) from exc
    except BaseException:
        _run_all(reversed(undo))
        raise
    _run_all(finish)
    return finals


def check_outdir(outdir: Path) -> None:
    """Fail before any work when ``outdir`` can never receive the artifacts: it is a file, or
    it (or the folder it would be created in) is not writable.  Creates nothing."""
    if outdir.exists() and not outdir.is_dir():
        raise OutputError(
            f"cannot use {outdir} as the output folder",
            why="it is a file, not a folder",
            hint="choose another output folder (--outdir) or remove the file",
        )
    existing = next((p for p in (outdir, *outdir.absolute().parents) if p.exists()), None)
    if existing is None:
        return
    if not existing.is_dir():
        raise OutputError(
            f"cannot create the output folder {outdir}",
            why=f"{existing} is a file, not a folder",
            hint="choose an output folder (--outdir) under a writable location",
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(
            f"cannot write to the output folder {outdir}",
            why="permission denied",
            hint=f"choose another output folder (--outdir) or fix the permissions of {existing}",
        )


def _prepare_outdir(outdir: Path) -> None:
    """Create ``outdir``, make sure it is writable, and remove stale temporary files."""
    check_outdir(outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create the output folder {outdir}",
            why=exc.strerror or str(exc),
            hint="choose an output folder (--outdir) under a writable location",
        ) from exc
    if not os.access(outdir, os.W_OK | os.X_OK):
        raise OutputError(
            f"cannot write to the output folder {outdir}",
            why="permission denied",
            hint="choose another output folder (--outdir) or fix its permissions",
        )
    cutoff = time.time() - STALE_TEMP_AGE
    for stale in _proc.remove_abandoned(outdir, re.escape(TEMP_PREFIX)):
        logger.debug("removed the temporary file %s of a killed run", stale)
    for stale in outdir.glob(f"{TEMP_PREFIX}*"):
        with contextlib.suppress(OSError):
            if _UNOWNED.match(stale.name) and stale.is_file() and stale.stat().st_mtime < cutoff:
                stale.unlink()
                logger.debug("removed stale temporary file %s", stale)


def _stage(
    src: Path, outdir: Path, undo: list[Callable[[], object]], finish: list[Callable[[], object]]
) -> Path:
    """Put ``src`` at a temporary name in ``outdir`` (rename, else copy), flushed to disk."""
    tmp = outdir / f"{TEMP_PREFIX}{_proc.owner_token()}-{secrets.token_hex(8)}-{src.name}.part"
    try:
        src.replace(tmp)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        undo.append(lambda: tmp.unlink(missing_ok=True))
        with src.open("rb") as fsrc, tmp.open("xb") as fdst:
            shutil.copyfileobj(fsrc, fdst, 1024 * 1024)
            fdst.flush()
            os.fsync(fdst.fileno())
        shutil.copystat(src, tmp)
        finish.append(lambda: src.unlink(missing_ok=True))
        return tmp
    undo.append(lambda: tmp.replace(src))
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return tmp


def _commit(
    tmp: Path, final: Path, undo: list[Callable[[], object]], finish: list[Callable[[], object]]
) -> None:
    """Rename ``tmp`` to ``final``, keeping what ``final`` held until the whole call succeeds."""
    backup: Path | None = None
    if final.is_file():
        backup = tmp.with_name(f"{tmp.name}.old")
        undo.append(lambda: backup.unlink(missing_ok=True))
        try:
            os.link(final, backup)
        except OSError:  # a filesystem without hard links
            shutil.copy2(final, backup)
        finish.append(lambda: backup.unlink(missing_ok=True))
    tmp.replace(final)

    def put_back() -> None:
        final.replace(tmp)
        if backup is not None:
            backup.replace(final)

    undo.append(put_back)


def _run_all(steps: Iterable[Callable[[], object]]) -> None:
    """Run clean-up steps; a failing one is logged and the rest still run."""
    for step in steps:
        try:
            step()
        except OSError as exc:
            logger.warning("could not clean up the output folder: %s", exc)


def _fsync_dir(directory: Path) -> None:
    """Make the renames in ``directory`` durable (best effort: not every OS supports it)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
