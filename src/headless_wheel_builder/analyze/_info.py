"""What the analysis found about a project (:class:`ProjectInfo`), on its own: a remembered
analysis (a wheel-cache hit, ``cache/analysis.py``) is read back without loading the analysers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from headless_wheel_builder.analyze._family import BackendFamily
from headless_wheel_builder.errors import NotAProjectError, SourceNotFoundError

__all__ = ["ProjectInfo", "check_is_project"]


@dataclass(frozen=True, kw_only=True)
class ProjectInfo:
    path: Path
    name: str | None
    """``[project].name``, else setup.cfg / PKG-INFO / tool tables; None when unknown."""
    version: str | None
    """The static version when known (pyproject, PKG-INFO, setup.cfg), or a dynamic one
    read statically from the file it lives in (``__version__``, Cargo.toml); else None."""
    dynamic: tuple[str, ...]
    """``[project].dynamic`` (empty for legacy projects)."""
    version_source: str | None
    """Where a dynamic version comes from, e.g. ``setuptools-scm``, ``hatch-vcs``,
    ``setuptools: attr pkg.__version__``, ``hatch: regex src/pkg/__about__.py``,
    ``maturin: Cargo.toml``, ``PKG-INFO``, ``setup.py``; None for a static version."""
    requires_python: str | None
    backend: str
    backend_path: tuple[str, ...]
    backend_family: BackendFamily
    build_requires: tuple[str, ...]
    has_pyproject: bool
    legacy: bool
    """No ``build-backend`` declared (no ``[build-system]`` table, or one without the key):
    the PEP 517 legacy fallback ``setuptools.build_meta:__legacy__`` is used."""
    pure: bool | None
    """True: a py3-none-any wheel is expected; False: platform wheels; None: unknown."""
    platform_reasons: tuple[str, ...] = ()
    """Why the project is considered platform-specific (files/keys found)."""
    isolation: Literal["venv", "container"] = "venv"
    """The isolation hwb recommends (container for platform wheels meant to be portable)."""
    repair: Literal["auditwheel", "delocate", "delvewheel"] | None = None
    tips: tuple[str, ...] = field(default=())
    has_pkg_info: bool = False
    """The folder has a PKG-INFO at its top: an unpacked sdist."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view: paths as strings, tuples as lists."""
        out: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            out[item.name] = list(value) if isinstance(value, tuple) else value
        out["path"] = str(self.path)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProjectInfo:
        """The inverse of :meth:`to_dict` (a remembered analysis); ``KeyError``,
        ``TypeError`` or ``ValueError`` when ``data`` is not one."""
        kwargs: dict[str, Any] = {}
        for item in fields(cls):
            if item.name not in data:
                continue
            value = data[item.name]
            kwargs[item.name] = tuple(value) if isinstance(value, list) else value
        kwargs["path"] = Path(data["path"])
        return cls(**kwargs)


def check_is_project(root: Path) -> None:
    """Raise unless ``root`` is a folder holding ``pyproject.toml`` or ``setup.py`` (the
    analysis's first check, cheap: done before a folder is read or its analysis recalled)."""
    if not root.exists():
        raise SourceNotFoundError(
            f"{root} does not exist", hint="check the path, or pass a folder, sdist or git URL"
        )
    if not root.is_dir():
        raise NotAProjectError(
            f"{root} is not a project folder",
            why="it is a file",
            hint="pass the folder that holds pyproject.toml or setup.py",
        )
    if (root / "pyproject.toml").is_file() or (root / "setup.py").is_file():
        return
    why = "found neither pyproject.toml nor setup.py"
    if (root / "setup.cfg").is_file():
        why += " (a setup.cfg alone cannot be built: setuptools needs setup.py or pyproject.toml)"
    try:
        nested = sorted(
            child.name
            for child in root.iterdir()
            if (child / "pyproject.toml").is_file() or (child / "setup.py").is_file()
        )
    except OSError:
        nested = []
    hint = "pass the folder that holds the project's pyproject.toml or setup.py"
    if nested:
        hint += f"; projects were found in: {', '.join(nested[:5])} (use --subdirectory)"
    raise NotAProjectError(f"{root} is not a Python project", why=why, hint=hint)
