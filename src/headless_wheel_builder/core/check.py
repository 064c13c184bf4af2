"""``hwb check``: everything ``validate`` checks, plus README rendering (as ``twine check``)
and wheel contents (as check-wheel-contents).

STUB: the interface below is fixed; the implementation is being written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from headless_wheel_builder.core.output import ArtifactInfo, Problem


@dataclass(frozen=True, kw_only=True)
class FileReport:
    path: Path
    artifact: ArtifactInfo | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


@dataclass(frozen=True, kw_only=True)
class CheckReport:
    files: tuple[FileReport, ...]
    strict: bool

    @property
    def ok(self) -> bool:
        """No errors (and, with ``strict``, no warnings either)."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError


def check_files(paths: Sequence[Path], *, strict: bool = False) -> CheckReport:
    """Check every wheel and sdist in ``paths`` (folders are searched for dists)."""
    raise NotImplementedError
