"""Reproducible builds: ``SOURCE_DATE_EPOCH`` from the last commit of a git source that
changed the project folder.

Backends that honour ``SOURCE_DATE_EPOCH`` (hatchling, flit, setuptools' sdists, maturin…)
then write the same bytes for the same commit.  A value the user set is never changed.
The value is computed once per source (``build/pipeline.py``'s source stage) and handed to
every process of every build from it (backend hooks, the repair tool), in a venv, a matrix
job or a container alike; the wheel cache key records it (``build/wheel_cache.py``).  hwb's own
environment is never changed.
"""

from __future__ import annotations

import os
from pathlib import Path

from headless_wheel_builder import _git, _proc
from headless_wheel_builder._log import logger

__all__ = ["commit_epoch", "effective_epoch", "epoch_environ", "source_epoch"]

_VAR = "SOURCE_DATE_EPOCH"


def commit_epoch(folder: Path) -> str | None:
    """The committer time (seconds since the epoch) of the last commit that changed ``folder``
    in the git checkout holding it, or None when it is not in one (or git is missing).

    Commits that leave the folder alone (another package of a monorepo, an empty commit) do
    not change it, so they neither change the artifacts nor miss the wheel cache."""
    if not _git.may_be_in_repository(folder) or not _git.available():
        return None
    try:
        result = _git.run(["log", "-1", "--format=%ct", "HEAD", "--", "."], cwd=folder, check=False)
    except _proc.ProcessFailed:
        return None
    value = result.output.strip()
    if result.returncode != 0 and _git.is_dubious_ownership(result.output):
        logger.warning("not pinning %s: git refuses %s, another user's (safe.directory)", _VAR, folder)
    return value if result.returncode == 0 and value.isdigit() else None


def source_epoch(kind: str, project_dir: Path) -> str | None:
    """The ``SOURCE_DATE_EPOCH`` hwb pins for a source: the last commit that changed the
    project folder of a git URL or of a folder in a git checkout.  None when the user set the
    variable (theirs is kept: every process inherits it) or the source has no git history."""
    if os.environ.get(_VAR) or kind not in ("git", "directory"):
        return None
    epoch = commit_epoch(project_dir)
    if epoch is not None:
        logger.debug("%s=%s (the last commit's time)", _VAR, epoch)
    return epoch


def epoch_environ(epoch: str | None) -> dict[str, str]:
    """The variables a build gets for ``epoch`` (none: the user's own, or nothing)."""
    return {_VAR: epoch} if epoch else {}


def effective_epoch(epoch: str | None) -> str | None:
    """What the backend sees: hwb's pin, else the user's own value."""
    return epoch or os.environ.get(_VAR) or None
