"""What ``hwb init`` is asked to do (:class:`InitOptions`) and what it did (:class:`InitReport`):
shared by the scaffolding in :mod:`.init` and the ``--from-setup`` migration in :mod:`.from_setup`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = ["BACKENDS", "Backend", "InitOptions", "InitReport"]

Backend = Literal["hatchling", "setuptools", "flit", "pdm"]
BACKENDS: tuple[Backend, ...] = ("hatchling", "setuptools", "flit", "pdm")


@dataclass(frozen=True, kw_only=True)
class InitOptions:
    """What ``hwb init`` does; the defaults scaffold a hatchling project."""

    from_setup: bool = False
    """Migrate ``setup.py`` / ``setup.cfg`` to PEP 621 instead of scaffolding."""
    backend: Backend = "hatchling"
    """Build backend for a new project (``--from-setup`` always keeps setuptools)."""
    name: str | None = None
    version: str | None = None
    """A static version (default: ``__version__`` read at build time, else ``0.1.0``)."""
    requires_python: str | None = None
    """Default: ``>=3.X``, the oldest CPython still supported today, capped at the running one."""
    force: bool = False
    """Replace an existing ``[project]`` table (other tables are always kept)."""
    dry_run: bool = False
    """Compute and report, write nothing."""
    keep_setup: bool = False
    """``--from-setup``: keep ``setup.py`` even when everything in it was translated."""


@dataclass(frozen=True, kw_only=True)
class InitReport:
    """What ``hwb init`` wrote (or, with ``dry_run``, would write)."""

    pyproject: Path
    written: bool
    text: str
    """The whole new ``pyproject.toml``."""
    mode: Literal["scaffold", "migrate"]
    backend: str
    name: str
    version: str | None
    """The static version, or None when it is read at build time (see ``version_source``)."""
    version_source: str
    layout: str | None = None
    translated: tuple[str, ...] = ()
    """``setup()`` keywords now expressed in pyproject.toml."""
    kept: tuple[str, ...] = ()
    """What pyproject.toml cannot express: left in setup.py (or setup.cfg)."""
    duplicated: tuple[str, ...] = ()
    """Keywords a kept setup.py still passes that pyproject.toml now sets, which hwb could not
    cut from its ``setup()`` call (they come through ``**kwargs``): delete them there."""
    dropped: tuple[str, ...] = ()
    """What was deliberately not carried over, with the reason."""
    changed_files: tuple[str, ...] = ()
    """Files written or deleted (with ``dry_run``: that would be)."""
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "pyproject": str(self.pyproject),
            "written": self.written,
            "mode": self.mode,
            "backend": self.backend,
            "name": self.name,
            "version": self.version,
            "version_source": self.version_source,
            "layout": self.layout,
            "translated": list(self.translated),
            "kept": list(self.kept),
            "duplicated": list(self.duplicated),
            "dropped": list(self.dropped),
            "changed_files": list(self.changed_files),
            "notes": list(self.notes),
            "pyproject_text": self.text,
        }
