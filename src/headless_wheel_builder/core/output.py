"""Built artifacts: their description, validation, and atomic placement in the output folder.

STUB: the interface below is fixed; the implementation is being written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

ArtifactKind = Literal["wheel", "sdist"]


@dataclass(frozen=True, kw_only=True)
class Problem:
    path: Path
    code: str
    """Stable short code, e.g. ``W-RECORD-HASH``, ``S-PKG-INFO``, ``README``, ``W001``."""
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.path.name}: {self.code}: {self.message}"


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
        raise NotImplementedError


def describe(path: Path) -> ArtifactInfo:
    """Size, sha256, name, version and tags of a wheel or sdist."""
    raise NotImplementedError


def validate(path: Path) -> list[Problem]:
    """Structural validity of a wheel or sdist: an empty list means valid."""
    raise NotImplementedError


def place_artifacts(files: Sequence[Path], outdir: Path) -> list[Path]:
    """Move validated ``files`` into ``outdir`` atomically (no partial file ever visible)."""
    raise NotImplementedError
