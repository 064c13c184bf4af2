"""Read a project without building it: name, version, backend, and what it will produce.

STUB: the interface below is fixed; the implementation is being written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

BackendFamily = Literal[
    "setuptools",
    "hatchling",
    "flit",
    "pdm",
    "poetry",
    "maturin",
    "scikit-build-core",
    "meson-python",
    "other",
]

#: What PEP 517 says a frontend uses when ``[build-system]`` is missing.
LEGACY_BACKEND = "setuptools.build_meta:__legacy__"
LEGACY_REQUIRES = ("setuptools>=40.8.0",)


@dataclass(frozen=True, kw_only=True)
class ProjectInfo:
    path: Path
    name: str | None
    """``[project].name``, else setup.cfg / PKG-INFO / tool tables; None when unknown."""
    version: str | None
    """The static version when known (pyproject, PKG-INFO, setup.cfg); else None."""
    dynamic: tuple[str, ...]
    """``[project].dynamic`` (empty for legacy projects)."""
    version_source: str | None
    """Where a dynamic version comes from, e.g. ``setuptools-scm``, ``hatch-vcs``,
    ``attr: pkg.__version__``, ``PKG-INFO``; None for a static version."""
    requires_python: str | None
    backend: str
    backend_path: tuple[str, ...]
    backend_family: BackendFamily
    build_requires: tuple[str, ...]
    has_pyproject: bool
    legacy: bool
    """No ``[build-system]`` table: the PEP 517 legacy setuptools fallback is used."""
    pure: bool | None
    """True: a py3-none-any wheel is expected; False: platform wheels; None: unknown."""
    platform_reasons: tuple[str, ...] = ()
    """Why the project is considered platform-specific (files/keys found)."""
    isolation: Literal["venv", "container"] = "venv"
    """The isolation hwb recommends (container for platform wheels meant to be portable)."""
    repair: Literal["auditwheel", "delocate", "delvewheel"] | None = None
    tips: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError


def load_pyproject(path: Path) -> dict[str, Any]:
    """Parse a pyproject.toml; raise PyprojectError naming file, line and column."""
    raise NotImplementedError


def analyze(project_dir: Path) -> ProjectInfo:
    """Analyse the project in ``project_dir`` (raises NotAProjectError / PyprojectError)."""
    raise NotImplementedError
