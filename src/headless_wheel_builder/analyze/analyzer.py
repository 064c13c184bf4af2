"""Read a project without building it: name, version, backend, and what it will produce.

Only static reading: pyproject.toml, setup.cfg, PKG-INFO (in an unpacked sdist), Cargo.toml
and a few regular expressions over setup.py.  Neither the build backend nor setup.py is
ever run.  Reading those files and picking name, version and requires-python from them
lives in :mod:`._metadata_sources`; the detectors for version sources and
platform-specific code live in :mod:`._detect`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from headless_wheel_builder.analyze import _detect, _metadata_sources
from headless_wheel_builder.analyze._family import BackendFamily
from headless_wheel_builder.analyze._info import ProjectInfo, check_is_project
from headless_wheel_builder.analyze._metadata_sources import ProjectFiles, table
from headless_wheel_builder.config.files import read_toml
from headless_wheel_builder.errors import PyprojectError

__all__ = [
    "LEGACY_BACKEND",
    "LEGACY_REQUIRES",
    "BackendFamily",
    "ProjectInfo",
    "analyze",
    "backend_family",
    "load_pyproject",
]

#: What PEP 517 says a frontend uses when ``[build-system]`` is missing.
LEGACY_BACKEND = "setuptools.build_meta:__legacy__"
LEGACY_REQUIRES = ("setuptools>=40.8.0",)

#: Top-level module of a backend -> its family.
_BACKEND_MODULES: dict[str, BackendFamily] = {
    "setuptools": "setuptools",
    "hatchling": "hatchling",
    "flit_core": "flit",
    "flit": "flit",
    "pdm": "pdm",
    "poetry": "poetry",
    "maturin": "maturin",
    "scikit_build_core": "scikit-build-core",
    "mesonpy": "meson-python",
}
#: Build requirement (canonical name) -> the top-level module of the backend it provides.
_REQUIRE_MODULES = {
    "flit-core": "flit_core",
    "pdm-backend": "pdm",
    "pdm-pep517": "pdm",
    "poetry-core": "poetry",
    "scikit-build-core": "scikit_build_core",
    "meson-python": "mesonpy",
}
#: [tool.X] table -> the [build-system] to suggest when a pyproject.toml declares none.
_TOOL_BACKENDS = {
    "poetry": ('"poetry-core>=2"', "poetry.core.masonry.api"),
    "hatch": ('"hatchling"', "hatchling.build"),
    "flit": ('"flit_core>=3.4"', "flit_core.buildapi"),
    "pdm": ('"pdm-backend"', "pdm.backend"),
    "maturin": ('"maturin>=1,<2"', "maturin"),
    "scikit-build": ('"scikit-build-core"', "scikit_build_core.build"),
}
_VCS_VERSION_ENV = {
    "setuptools-scm": "SETUPTOOLS_SCM_PRETEND_VERSION",
    "hatch-vcs": "SETUPTOOLS_SCM_PRETEND_VERSION",
    "pdm: scm": "PDM_BUILD_SCM_VERSION",
}


# --- pyproject.toml ------------------------------------------------------------------


def load_pyproject(path: Path) -> dict[str, Any]:
    """Parse a pyproject.toml; raise PyprojectError naming file, line and column.

    Beyond TOML syntax, the standard keys hwb relies on are checked for shape:
    ``[build-system]`` (``requires`` a list of PEP 508 strings, ``build-backend`` a
    string, ``backend-path`` a list of strings) and ``[project]`` (``name``, ``version``,
    ``requires-python`` strings, ``dynamic`` a list of strings).
    """
    data, text = read_toml(path, PyprojectError)
    _metadata_sources.check_pyproject(data, path, text)
    return data


# --- analysis ------------------------------------------------------------------------


def backend_family(
    backend: str, requires: tuple[str, ...], backend_path: tuple[str, ...] = ()
) -> BackendFamily:
    """The family of a build backend.

    The backend's top-level module decides (``setuptools.build_meta[:__legacy__]`` ->
    setuptools, ``hatchling.build`` -> hatchling, ``flit_core.buildapi`` -> flit,
    ``pdm.backend``/``pdm.pep517.api`` -> pdm, ``poetry.core.masonry.api`` -> poetry,
    ``maturin``, ``scikit_build_core.build``, ``mesonpy``), also when an in-tree copy
    is loaded through ``backend-path``.  Any other backend loaded through
    ``backend-path`` is an in-tree wrapper: it takes the family of the first known
    backend in ``build-system.requires`` (frozenlist's ``pep517_backend.hooks`` requires
    setuptools, so: setuptools).  Everything else is ``other``.
    """
    module = _backend_module(backend)
    if module in _BACKEND_MODULES:
        return _BACKEND_MODULES[module]
    if backend_path:
        for name in _detect.requirement_names(requires):
            if (module := _REQUIRE_MODULES.get(name, name)) in _BACKEND_MODULES:
                return _BACKEND_MODULES[module]
    return "other"


def _backend_module(backend: str) -> str:
    """The top-level module of ``pkg.mod:obj``."""
    return backend.split(":", 1)[0].strip().split(".", 1)[0]


def analyze(project_dir: Path) -> ProjectInfo:
    """Analyse the project in ``project_dir`` (raises NotAProjectError / PyprojectError)."""
    root = Path(project_dir)
    check_is_project(root)
    pyproject_path = root / "pyproject.toml"
    has_pyproject = pyproject_path.is_file()
    pyproject = load_pyproject(pyproject_path) if has_pyproject else {}
    files = ProjectFiles.read(root, pyproject)
    tips: list[str] = []

    build_system = table(pyproject, "build-system")
    backend = build_system.get("build-backend") or LEGACY_BACKEND
    requires = tuple(build_system["requires"]) if build_system else LEGACY_REQUIRES
    backend_path = tuple(build_system.get("backend-path", ()))
    legacy = "build-backend" not in build_system
    family = backend_family(backend, requires, backend_path)
    in_tree = bool(backend_path) and _backend_module(backend) not in _BACKEND_MODULES

    project = table(pyproject, "project")
    dynamic = tuple(project.get("dynamic", ()))
    name = _metadata_sources.project_name(files)
    version, version_source = _metadata_sources.written_version(files)
    if version is None:
        version_source = _detect.version_source(files, family, requires)
        if version_source:
            version = _detect.read_dynamic_version(files, version_source, name)
    requires_python = _metadata_sources.requires_python(files)
    pure, reasons = _detect.platform_status(files, family, backend, requires, in_tree=in_tree)

    if not has_pyproject:
        tips.append(
            "no pyproject.toml: built with the PEP 517 legacy fallback "
            f"({LEGACY_BACKEND}); run `hwb init --from-setup` to add one"
        )
    elif not build_system:
        tips.append(_missing_build_system_tip(pyproject))
    elif legacy:
        tips.append(
            f"[build-system] declares no build-backend, so {LEGACY_BACKEND} is used; "
            'set build-backend = "setuptools.build_meta" in pyproject.toml'
        )
    if project and "name" not in project:
        tips.append("[project] has no name: every build backend will refuse it; add name = …")
    env_var = _VCS_VERSION_ENV.get(version_source or "")
    if env_var and version is None and not _in_git_checkout(root):
        tips.append(
            f"the version comes from git ({version_source}) but {root} is not a git checkout "
            f"and has no PKG-INFO: build from a clone, or set {env_var}=X.Y.Z"
        )
    return ProjectInfo(
        path=root,
        name=name,
        version=version,
        dynamic=dynamic,
        version_source=version_source,
        requires_python=requires_python,
        backend=backend,
        backend_path=backend_path,
        backend_family=family,
        build_requires=requires,
        has_pyproject=has_pyproject,
        legacy=legacy,
        pure=pure,
        platform_reasons=reasons,
        isolation="container" if pure is False else "venv",
        repair=_repair_tool() if pure is False else None,
        tips=tuple(tips),
        has_pkg_info=files.pkg_info is not None,
    )


def _missing_build_system_tip(pyproject: Mapping[str, Any]) -> str:
    tools = table(pyproject, "tool")
    requires, backend = ('"setuptools>=61"', "setuptools.build_meta")
    for tool, suggestion in _TOOL_BACKENDS.items():
        if tool in tools:
            requires, backend = suggestion
            break
    return (
        "pyproject.toml has no [build-system] table, so the legacy setuptools fallback is "
        f"used; declare one: [build-system] requires = [{requires}] build-backend = "
        f'"{backend}"'
    )


def _in_git_checkout(root: Path) -> bool:
    return any((folder / ".git").exists() for folder in (root.resolve(), *root.resolve().parents))


def _repair_tool() -> Literal["auditwheel", "delocate", "delvewheel"] | None:
    """The wheel repair tool of the running platform (for platform wheels)."""
    tools: dict[str, Literal["auditwheel", "delocate", "delvewheel"]] = {
        "linux": "auditwheel",
        "darwin": "delocate",
        "win32": "delvewheel",
    }
    return next((tool for prefix, tool in tools.items() if sys.platform.startswith(prefix)), None)
