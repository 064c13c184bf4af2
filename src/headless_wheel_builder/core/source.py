"""Obtain a project from wherever it lives: a folder, an sdist / zip, or a git URL.

STUB: the interface below is fixed; the implementation is being written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

SourceKind = Literal["directory", "sdist", "zip", "git"]


@dataclass(frozen=True, kw_only=True)
class GitSpec:
    """A parsed git source: ``git+https://host/repo.git@v1.2#subdirectory=pkg``."""

    url: str
    """The URL handed to git (without ``git+``, ``@ref`` or fragment)."""
    ref: str | None = None
    subdirectory: str | None = None


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


def parse_git_url(spec: str) -> GitSpec | None:
    """Return the git spec when ``spec`` is a git URL, else None; raise GitError when it
    is a git URL that is unsafe or malformed."""
    raise NotImplementedError


def resolve_source(
    spec: str | os.PathLike[str], *, subdirectory: str | None = None, workdir: Path
) -> ResolvedSource:
    """Make ``spec`` local under ``workdir`` (a temporary folder the caller owns)."""
    raise NotImplementedError


def extract_archive(archive: Path, dest: Path) -> Path:
    """Safely extract a .tar.gz / .zip into ``dest``; return the project folder inside."""
    raise NotImplementedError
