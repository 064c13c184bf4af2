"""One exception tree for all of hwb, each class with a stable exit code.

Every error says *what* failed, *why*, and *what to do next* (the ``hint``).  Foreign
exceptions are wrapped at the stage boundary and chained with ``raise … from``.  The CLI
has a single top-level handler that renders :meth:`HwbError.render` and exits with
:attr:`HwbError.exit_code`; the table in ``docs/ERRORS.md`` lists every code and a test
keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

__all__ = [
    "ArchiveError",
    "AuthenticationError",
    "BackendError",
    "BackendUnavailableError",
    "BuildError",
    "CacheDamagedError",
    "CheckError",
    "CiError",
    "CommandTimeout",
    "CommitLintError",
    "ConfigError",
    "ContainerEngineNotFoundError",
    "ContainerEngineUnavailableError",
    "ContainerError",
    "ContainerImageError",
    "ContainerKilledError",
    "DependencyError",
    "DirtyTreeError",
    "EnvironmentCreationError",
    "FileConflictError",
    "FolderError",
    "GitError",
    "HookMissingError",
    "HwbError",
    "InterpreterNotFoundError",
    "InterruptedBuild",
    "IsolationError",
    "MatrixError",
    "NotAProjectError",
    "NothingToRelease",
    "OutputError",
    "ProjectError",
    "PublishError",
    "PyprojectError",
    "RepairError",
    "SourceError",
    "SourceNotFoundError",
    "StorageError",
    "TrustedPublishingError",
    "UploadError",
    "UsageError",
    "ValidationError",
    "VersionError",
    "WheelTestError",
]


class HwbError(Exception):
    """Base class of every error hwb raises on purpose.

    ``what`` is a short statement of what failed; ``why`` the cause; ``hint`` the next
    step for the user; ``details`` optional extra lines (for example the tail of a
    backend's output) shown before the message; ``log_path`` a file holding the full log.
    """

    exit_code: ClassVar[int] = 1
    #: A short, stable, machine-readable name (used in ``--json`` error reports).
    kind: ClassVar[str] = "error"

    def __init__(
        self,
        what: str,
        *,
        why: str | None = None,
        hint: str | None = None,
        details: str | None = None,
        log_path: Path | None = None,
    ) -> None:
        super().__init__(what)
        self.what = what
        self.why = why
        self.hint = hint
        self.details = details
        self.log_path = log_path

    def __str__(self) -> str:
        return f"{self.what}: {self.why}" if self.why else self.what

    def render(self) -> str:
        """The text the CLI prints: details, then ``error: what: why`` and ``hint: …``."""
        from headless_wheel_builder._log import redact

        lines: list[str] = []
        if self.details:
            lines.append(self.details.rstrip("\n"))
        lines.append(f"error: {self}")
        if self.log_path is not None:
            lines.append(f"log: {self.log_path}")
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return redact("\n".join(lines))

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready description (used by ``--json``); secrets redacted."""
        from headless_wheel_builder._log import redact

        return {
            "error": self.kind,
            "exit_code": self.exit_code,
            "message": redact(self.what),
            "why": redact(self.why) if self.why else None,
            "hint": redact(self.hint) if self.hint else None,
            "log": str(self.log_path) if self.log_path else None,
        }


class UsageError(HwbError):
    """The command line itself is wrong (unknown flag, bad value)."""

    exit_code = 2
    kind = "usage"


class ConfigError(HwbError):
    """Configuration (files, environment variables) is invalid."""

    exit_code = 3
    kind = "config"


class FolderError(ConfigError):
    """A runtime folder (the cache, the logs) cannot be created or written: the variable or option
    that chose it is named in the hint (see ``_dirs``)."""

    exit_code = 4
    kind = "folder"


# --- sources -------------------------------------------------------------------------


class SourceError(HwbError):
    """The source could not be obtained."""

    exit_code = 10
    kind = "source"


class SourceNotFoundError(SourceError):
    """A path that does not exist."""

    exit_code = 11
    kind = "source-not-found"


class NotAProjectError(SourceError):
    """The source exists but holds no Python project (no pyproject.toml / setup.py)."""

    exit_code = 12
    kind = "not-a-project"


class ArchiveError(SourceError):
    """An archive is unreadable, unsafe (path traversal, links, devices) or too large."""

    exit_code = 13
    kind = "archive"


class GitError(SourceError):
    """git is missing, a URL or ref is invalid or unknown, or the host is unreachable."""

    exit_code = 14
    kind = "git"


# --- project analysis ----------------------------------------------------------------


class ProjectError(HwbError):
    """The project's own files are invalid."""

    exit_code = 20
    kind = "project"


class PyprojectError(ProjectError):
    """pyproject.toml is malformed (reported with file, line and column)."""

    exit_code = 21
    kind = "pyproject"


# --- isolation -----------------------------------------------------------------------


class IsolationError(HwbError):
    """A build environment could not be made."""

    exit_code = 30
    kind = "isolation"


class EnvironmentCreationError(IsolationError):
    """Creating the virtual environment failed."""

    exit_code = 31
    kind = "environment"


class DependencyError(IsolationError):
    """Build requirements could not be resolved or installed."""

    exit_code = 32
    kind = "build-dependencies"


class InterpreterNotFoundError(IsolationError):
    """The requested Python interpreter was not found."""

    exit_code = 33
    kind = "interpreter-not-found"


class ContainerError(IsolationError):
    """A container build environment (Docker, Podman) failed."""

    exit_code = 34
    kind = "container"


class ContainerEngineNotFoundError(ContainerError):
    """No container engine (docker, podman) is installed."""

    exit_code = 35
    kind = "container-engine-not-found"


class ContainerEngineUnavailableError(ContainerError):
    """The engine is installed but does not work: daemon not running, socket permission denied."""

    exit_code = 36
    kind = "container-engine-unavailable"


class ContainerImageError(ContainerError):
    """The image is not present and cannot be pulled (offline), or a Dockerfile did not build."""

    exit_code = 37
    kind = "container-image"


class CacheDamagedError(IsolationError):
    """``hwb cache verify`` found damaged entries: a cached wheel that differs from its
    sha256, or a build-environment file that differs from its distribution's RECORD."""

    exit_code = 39
    kind = "cache-damaged"


class ContainerKilledError(ContainerError):
    """The build in the container was killed (exit 137: out of memory, or stopped from outside)."""

    exit_code = 38
    kind = "container-killed"


# --- build ---------------------------------------------------------------------------


class BuildError(HwbError):
    """The build did not produce a distribution."""

    exit_code = 40
    kind = "build"


class BackendUnavailableError(BuildError):
    """The build backend named in pyproject.toml cannot be imported."""

    exit_code = 41
    kind = "backend-unavailable"


class BackendError(BuildError):
    """The build backend raised an error or exited non-zero."""

    exit_code = 42
    kind = "backend-failed"


class HookMissingError(BuildError):
    """The backend lacks an optional hook that was asked for (e.g. build_editable)."""

    exit_code = 43
    kind = "hook-missing"


class MatrixError(BuildError):
    """A build matrix finished with failed identifiers, or had nothing to build."""

    exit_code = 44
    kind = "matrix-failed"


class RepairError(BuildError):
    """A wheel could not be repaired (auditwheel, delocate, delvewheel) to a publishable tag."""

    exit_code = 45
    kind = "repair"


class WheelTestError(BuildError):
    """The test command failed for a built wheel, installed in a fresh environment."""

    exit_code = 46
    kind = "test-failed"


# --- outputs -------------------------------------------------------------------------


class ValidationError(HwbError):
    """A built artifact is invalid (filename, WHEEL, RECORD, metadata)."""

    exit_code = 50
    kind = "invalid-artifact"


class CheckError(HwbError):
    """``hwb check`` found problems in the files it was given."""

    exit_code = 51
    kind = "check-failed"


class OutputError(HwbError):
    """The output folder cannot be written."""

    exit_code = 52
    kind = "output"


# --- publishing ----------------------------------------------------------------------


class PublishError(HwbError):
    """Publishing failed."""

    exit_code = 60
    kind = "publish"


class AuthenticationError(PublishError):
    """No usable credential, or the repository refused the one given (401/403)."""

    exit_code = 61
    kind = "authentication"


class UploadError(PublishError):
    """The repository rejected an upload, or it failed after every retry."""

    exit_code = 62
    kind = "upload"


class FileConflictError(PublishError):
    """A file of the same name but different content already exists in the repository."""

    exit_code = 63
    kind = "file-conflict"


class TrustedPublishingError(PublishError):
    """The OIDC token could not be obtained or exchanged for an upload token."""

    exit_code = 64
    kind = "trusted-publishing"


class StorageError(PublishError):
    """Object storage (S3) or its static index could not be read or written."""

    exit_code = 65
    kind = "storage"


# --- versions and changelogs -------------------------------------------------------


class VersionError(HwbError):
    """A version could not be read, computed or written."""

    exit_code = 70
    kind = "version"


class CommitLintError(VersionError):
    """Commit messages do not follow Conventional Commits."""

    exit_code = 71
    kind = "commit-lint"


class NothingToRelease(VersionError):
    """No commit since the last release warrants a new version; nothing was written."""

    exit_code = 72
    kind = "nothing-to-release"


class DirtyTreeError(VersionError):
    """``hwb release`` found uncommitted changes or untracked files; nothing was written."""

    exit_code = 73
    kind = "dirty-tree"


# --- CI pipelines ------------------------------------------------------------------


class CiError(HwbError):
    """A CI pipeline could not be generated or written (a different file is never replaced
    without --force), or the values for a Trusted Publisher could not be derived."""

    exit_code = 80
    kind = "ci"


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, then its causes and contexts, each once."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        yield current
        seen.add(id(current))
        current = current.__cause__ or current.__context__


def timed_out_after(exc: BaseException) -> float | None:
    """The ``--timeout`` (seconds) whose deadline raised the interrupt in ``exc``'s chain, if any
    (the deadline's ``KeyboardInterrupt`` carries ``timed_out``; see ``_proc.deadline``)."""
    for current in exception_chain(exc):
        seconds = getattr(current, "timed_out", None)
        if isinstance(current, KeyboardInterrupt) and isinstance(seconds, (int, float)):
            return float(seconds)
    return None


class CommandTimeout(HwbError):
    """The whole command ran longer than ``--timeout``; everything it started was stopped and
    nothing was placed (124, as ``timeout(1)`` reports it)."""

    exit_code = 124
    kind = "timeout"


def interrupt_exit_code(exc: BaseException) -> int:
    """130 for Ctrl-C; 128 + the signal for a ``KeyboardInterrupt`` raised by a SIGTERM/SIGHUP
    handler (which sets its ``signum``: the CLI's and the container stage's) anywhere in
    ``exc``'s chain — as a shell reports a process ended by that signal (143, 129)."""
    for current in exception_chain(exc):
        signum = getattr(current, "signum", None)
        if isinstance(current, KeyboardInterrupt) and isinstance(signum, int):
            return 128 + signum
    return 130


class InterruptedBuild(HwbError):
    """The user interrupted the run (Ctrl-C); nothing was left in the output folder."""

    exit_code = 130
    kind = "interrupted"


def all_error_classes() -> list[type[HwbError]]:
    """Every error class, base first (used to generate and test the docs table)."""
    seen: list[type[HwbError]] = []
    stack: list[type[HwbError]] = [HwbError]
    while stack:
        cls = stack.pop(0)
        seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen
