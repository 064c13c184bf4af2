"""What kind of artifact a file is, by its name (no archive read, nothing heavy imported: a
wheel-cache hit describes its files with this alone)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

ArtifactKind = Literal["wheel", "sdist"]


def artifact_kind(path: Path) -> ArtifactKind | None:
    """``"wheel"`` for ``*.whl``, ``"sdist"`` for ``*.tar.gz`` / ``*.zip``, else ``None``."""
    name = path.name
    if name.endswith(".whl"):
        return "wheel"
    if name.endswith((".tar.gz", ".zip")):
        return "sdist"
    return None
