"""Reproducible builds: ``SOURCE_DATE_EPOCH`` from the last commit of a git source that
changed the project folder.

Backends that honour ``SOURCE_DATE_EPOCH`` (hatchling, flit, setuptools' sdists, maturin…)
then write the same bytes for the same commit.  A value the user set is never changed.
The variable is set in this process's environment for the duration of one build (so the
hooks inherit it and the wheel cache key records it, see cache/keys.py) and restored after.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from headless_wheel_builder import _git, _proc
from headless_wheel_builder._log import logger

__all__ = ["commit_epoch", "pin_source_date_epoch"]

_VAR = "SOURCE_DATE_EPOCH"


def commit_epoch(folder: Path) -> str | None:
    """The committer time (seconds since the epoch) of the last commit that changed ``folder``
    in the git checkout holding it, or None when it is not in one (or git is missing).

    Commits that leave the folder alone (another package of a monorepo, an empty commit) do
    not change it, so they neither change the artifacts nor miss the wheel cache."""
    if not _git.available():
        return None
    try:
        result = _git.run(["log", "-1", "--format=%ct", "HEAD", "--", "."], cwd=folder, check=False)
    except _proc.ProcessFailed:
        return None
    value = result.output.strip()
    if result.returncode != 0 and _git.is_dubious_ownership(result.output):
        logger.warning("not pinning %s: git refuses %s, another user's (safe.directory)", _VAR, folder)
    return value if result.returncode == 0 and value.isdigit() else None


def pin_source_date_epoch(kind: str, project_dir: Path) -> Callable[[], None]:
    """Set ``SOURCE_DATE_EPOCH`` for a git URL or a folder in a git checkout, unless the user
    set it; return the function that restores the environment."""
    if os.environ.get(_VAR) or kind not in ("git", "directory"):
        return _nothing
    epoch = commit_epoch(project_dir)
    if epoch is None:
        return _nothing
    logger.debug("%s=%s (the last commit's time)", _VAR, epoch)
    os.environ[_VAR] = epoch

    def _restore() -> None:
        if os.environ.get(_VAR) == epoch:
            del os.environ[_VAR]

    return _restore


def _nothing() -> None:
    return None
