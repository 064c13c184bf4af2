"""Obtain a project from wherever it lives: a folder, an sdist / zip, or a git URL.

A folder is used in place; an archive is extracted safely into the work folder (see
:mod:`.archive`); a git URL is cloned so that version tools (setuptools-scm, hatch-vcs)
see the tags and history they need (see :mod:`.git`).  Every git command runs through
``_proc``.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from headless_wheel_builder.errors import (
    GitError,
    HwbError,
    NotAProjectError,
    SourceError,
    SourceNotFoundError,
    UsageError,
)
from headless_wheel_builder.source.git import (
    GitSpec,
    clean_subdirectory,
    clone,
    head_commit,
    parse_git_url,
    shown_spec,
)

if TYPE_CHECKING:
    from headless_wheel_builder.source.archive import extract_archive


def __getattr__(name: str) -> object:
    """``extract_archive``, re-exported on first use: a folder source loads no archive code."""
    if name != "extract_archive":
        raise AttributeError(name)
    from headless_wheel_builder.source.archive import extract_archive

    return extract_archive


__all__ = [
    "GitSpec",
    "ResolvedSource",
    "SourceKind",
    "extract_archive",
    "is_remote",
    "parse_git_url",
    "resolve_source",
]

SourceKind = Literal["directory", "sdist", "zip", "git"]

#: A folder holding one of these is a Python project.
PROJECT_FILES = ("pyproject.toml", "setup.py")


@dataclass(frozen=True, kw_only=True)
class ResolvedSource:
    """A source made local: ``project_dir`` holds pyproject.toml or setup.py."""

    kind: SourceKind
    spec: str
    """What the user gave, as text (credentials in it are redacted when shown)."""
    root_dir: Path
    """The folder, the extraction root, or the git checkout."""
    project_dir: Path
    """``root_dir`` joined with the subdirectory, if any."""
    archive: Path | None = None
    """The sdist / zip file for archive sources."""
    is_sdist: bool = False
    """``project_dir`` is an unpacked sdist (it has a PKG-INFO at its top)."""
    git_ref: str | None = None
    git_commit: str | None = None


# --- resolving -------------------------------------------------------------------------


def resolve_source(
    spec: str | os.PathLike[str], *, subdirectory: str | None = None, workdir: Path
) -> ResolvedSource:
    """Make ``spec`` local under ``workdir`` (a temporary folder the caller owns)."""
    text = os.fspath(spec)
    sub = clean_subdirectory(subdirectory, UsageError, text) if subdirectory else None
    git = parse_git_url(text) if isinstance(spec, str) else None
    if git is not None:
        if git.subdirectory and sub and git.subdirectory != sub:
            raise GitError(
                f"two different subdirectories for {shown_spec(text)}",
                why=f"the URL says #subdirectory={git.subdirectory} but --subdirectory says {sub}",
                hint="give the subdirectory only once",
            )
        return _resolve_git(git, text, git.subdirectory or sub, workdir)
    return _resolve_path(text, sub, workdir)


def is_remote(spec: str) -> bool:
    """True when :func:`resolve_source` takes ``spec`` as a URL (a git URL, or one it refuses as a
    remote file), not as a path: a front end must hand it on as it is, not make it a path."""
    try:
        if parse_git_url(spec) is not None:
            return True
    except HwbError:
        return True  # a malformed git URL: resolve_source says what is wrong with it
    return "://" in spec or spec.startswith("git+")


def _resolve_path(text: str, sub: str | None, workdir: Path) -> ResolvedSource:
    path = Path(text).expanduser()
    if not path.exists():
        looks_remote = is_remote(text)
        raise SourceNotFoundError(
            f"source not found: {shown_spec(text)}",
            why="no such file or folder" + (", and it is not a git URL" if looks_remote else ""),
            hint="hwb clones git URLs (git+https://host/org/repo.git) but does not download "
            "files; download an sdist first"
            if looks_remote
            else f"check the path (relative paths start from {Path.cwd()})",
        )
    if path.is_dir():
        root = path.resolve()
        project = _project_dir(root, sub, confine=False, git=False)
        return ResolvedSource(
            kind="directory",
            spec=text,
            root_dir=root,
            project_dir=project,
            is_sdist=(project / "PKG-INFO").is_file(),
        )
    from headless_wheel_builder.source.archive import ARCHIVE_SUFFIXES, archive_kind, extract_archive

    kind = archive_kind(path)
    if kind is None:
        raise SourceError(
            f"{path} is neither a folder nor a supported archive",
            why="hwb builds from a project folder, an sdist ("
            + ", ".join(ARCHIVE_SUFFIXES)
            + ") or a git URL",
            hint="a wheel is already built; pass its sdist or source folder instead"
            if path.suffix == ".whl"
            else "pass the folder holding pyproject.toml, or the project's sdist",
        )
    workdir.mkdir(parents=True, exist_ok=True)
    root = extract_archive(path, Path(tempfile.mkdtemp(prefix="extract-", dir=workdir)))
    project = _project_dir(root, sub, confine=True, git=False)
    return ResolvedSource(
        kind=kind,
        spec=text,
        root_dir=root,
        project_dir=project,
        archive=path.resolve(),
        is_sdist=(project / "PKG-INFO").is_file(),
    )


def _project_dir(root: Path, sub: str | None, *, confine: bool, git: bool) -> Path:
    """``root / sub``, checked to exist and to hold a project."""
    project = root / sub if sub else root
    if sub:
        if confine and not project.resolve().is_relative_to(root.resolve()):
            raise SourceError(
                f"subdirectory {sub!r} leads outside {root}",
                why="a symbolic link in the source points elsewhere",
                hint="give a subdirectory that is a real folder inside the source",
            )
        if not project.is_dir():
            raise SourceNotFoundError(
                f"subdirectory {sub!r} not found in {root}",
                why="it is a file, not a folder" if project.exists() else "no such folder",
                hint=_candidates_hint(root, root, git=git)
                or "check the subdirectory against the source's layout",
            )
    if not any((project / name).is_file() for name in PROJECT_FILES):
        raise NotAProjectError(
            f"{project} holds no Python project",
            why="looked for " + " and ".join(PROJECT_FILES) + ", found neither",
            hint=_candidates_hint(root, project, git=git)
            or "point hwb at the folder that holds pyproject.toml or setup.py",
        )
    return project


def _candidates_hint(root: Path, folder: Path, *, git: bool) -> str | None:
    """Suggest child folders of ``folder`` that hold a project."""
    try:
        found = sorted(
            child.relative_to(root).as_posix()
            for child in folder.iterdir()
            if child.is_dir()
            and not child.name.startswith(".")
            and any((child / name).is_file() for name in PROJECT_FILES)
        )
    except OSError:
        return None
    if not found:
        return None
    option = f"#subdirectory={found[0]}' to the URL" if git else f"--subdirectory {found[0]}"
    also = f" (other projects: {', '.join(found[1:4])})" if len(found) > 1 else ""
    return (f"add '{option}" if git else f"use {option}") + also


# --- git -------------------------------------------------------------------------------


def _resolve_git(git: GitSpec, text: str, sub: str | None, workdir: Path) -> ResolvedSource:
    dest, ref = clone(git, text, workdir)
    project = _project_dir(dest, sub, confine=True, git=True)
    return ResolvedSource(
        kind="git",
        spec=text,
        root_dir=dest,
        project_dir=project,
        is_sdist=(project / "PKG-INFO").is_file(),
        git_ref=ref,
        git_commit=head_commit(git, text, dest),
    )
