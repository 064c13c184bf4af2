"""The interface every publishing target implements: package registries speaking the upload
API (PyPI, TestPyPI, devpi, Artifactory, …) and object storage with a static index (S3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

FileStatus = Literal["uploaded", "skipped", "failed", "would-upload", "would-skip"]


@dataclass(frozen=True, kw_only=True)
class FileResult:
    """What happened to one distribution file."""

    path: Path
    filename: str
    status: FileStatus
    sha256: str
    url: str | None = None
    attempts: int = 0
    message: str | None = None
    error: str | None = None
    """For a failed file, the ``kind`` of the error class that describes it (``file-conflict``…)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "filename": self.filename,
            "status": self.status,
            "sha256": self.sha256,
            "url": self.url,
            "attempts": self.attempts,
            "message": self.message,
            "error": self.error,
        }


@dataclass(frozen=True, kw_only=True)
class PublishReport:
    target: str
    """Where the files went (a redacted URL or ``s3://bucket/prefix``)."""
    identity: str | None
    """Which credential was used and where it came from (never the secret itself)."""
    dry_run: bool
    files: tuple[FileResult, ...] = field(default=())
    index_url: str | None = None
    """The simple index used to find files that already exist (``None``: no such check)."""

    @property
    def ok(self) -> bool:
        return all(f.status != "failed" for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "target": self.target,
            "identity": self.identity,
            "dry_run": self.dry_run,
            "index_url": self.index_url,
            "files": [f.to_dict() for f in self.files],
        }


class Publisher(Protocol):
    """Publishes distribution files to one target."""

    def publish(self, files: Sequence[Path], *, dry_run: bool = False) -> PublishReport:
        """Publish ``files`` (already validated by the caller); skip identical ones."""
        ...
