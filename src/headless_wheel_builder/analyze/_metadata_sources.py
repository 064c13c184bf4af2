"""The files a project's metadata is read from, and the cascade that picks from them.

pyproject.toml's standard keys are shape-checked here (:func:`check_pyproject`, for
:func:`.analyzer.load_pyproject`); setup.py, setup.cfg and PKG-INFO (an unpacked sdist)
are read into :class:`ProjectFiles`.  The name, a version written down as a literal, and
``requires-python`` are then taken from the first of those files that states them
(pyproject.toml ``[project]`` or ``[tool.poetry]`` / ``[tool.flit]``, setup.cfg, PKG-INFO,
a string literal in setup.py's ``setup(`` call), in the order each function gives.
Nothing is imported or run; dynamic versions are found by :mod:`._detect`.
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from headless_wheel_builder._log import logger
from headless_wheel_builder.errors import PyprojectError

__all__ = [
    "ProjectFiles",
    "cfg_get",
    "check_pyproject",
    "project_name",
    "read_text",
    "requires_python",
    "table",
    "written_version",
]

_SPEC_URL = "https://packaging.python.org/en/latest/specifications/pyproject-toml/"
_SETUP_PY_KEYWORD = r"[(,\s]{0}\s*=\s*(['\"])(?P<value>[^'\"\n]+)\1"


@dataclass(frozen=True)
class ProjectFiles:
    """The raw, already-parsed files of a project that the detectors look at."""

    root: Path
    pyproject: Mapping[str, Any]
    setup_py: str | None
    setup_cfg: configparser.ConfigParser | None
    pkg_info: Mapping[str, str] | None

    @classmethod
    def read(cls, root: Path, pyproject: Mapping[str, Any]) -> ProjectFiles:
        """Read setup.py, setup.cfg and PKG-INFO (an unpacked sdist) when present."""
        cfg_text, pkg_info = read_text(root / "setup.cfg"), read_text(root / "PKG-INFO")
        setup_cfg: configparser.ConfigParser | None = None
        if cfg_text is not None:
            setup_cfg = configparser.ConfigParser(interpolation=None, strict=False)
            try:
                setup_cfg.read_string(cfg_text, source=str(root / "setup.cfg"))
            except configparser.Error as exc:
                logger.warning("ignoring unreadable %s: %s", root / "setup.cfg", exc)
                setup_cfg = None
        return cls(
            root=root,
            pyproject=pyproject,
            setup_py=read_text(root / "setup.py"),
            setup_cfg=setup_cfg,
            pkg_info=None
            if pkg_info is None
            else {key: str(value).strip() for key, value in HeaderParser().parsestr(pkg_info).items()},
        )


def table(data: Mapping[str, Any], *keys: str) -> Mapping[str, Any]:
    """``data[k1][k2]…`` when every level is a table, else an empty mapping."""
    current: Mapping[str, Any] = data
    for key in keys:
        value = current.get(key)
        if not isinstance(value, Mapping):
            return {}
        current = value
    return current


def cfg_get(cfg: configparser.ConfigParser | None, section: str, key: str) -> str | None:
    """A stripped setup.cfg value, or None when absent or empty."""
    if cfg is None or not cfg.has_option(section, key):
        return None
    return cfg.get(section, key).strip() or None


def read_text(path: Path) -> str | None:
    """The text of a file (undecodable bytes replaced), or None when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


# --- pyproject.toml ------------------------------------------------------------------


def check_pyproject(data: Mapping[str, Any], path: Path, text: str) -> None:
    """Raise PyprojectError, naming the line, when a standard key hwb relies on has the
    wrong shape (see :func:`.analyzer.load_pyproject`); ``text`` is the file's source."""
    fail = _Failure(path, text)
    _check_build_system(data.get("build-system"), fail)
    _check_project(data.get("project"), fail)


class _Failure:
    """Makes the PyprojectError for a key of one file, pointing at the key's line."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text

    def __call__(self, key: str, problem: str, needle: str | None = None) -> PyprojectError:
        path = self.path
        number = self._line(key, needle)
        where = f"{path}:{number + 1}" if number is not None else str(path)
        return PyprojectError(
            f"{path.name}: `{key}` is invalid",
            why=f"{where}: {problem}",
            hint=f"fix `{key}` in {path}; see {_SPEC_URL}",
        )

    def _line(self, key: str, needle: str | None) -> int | None:
        lines = self.text.splitlines()
        # Search from the key's [section] header; the offending value, else ``key =``.
        section, _, rest = key.partition(".")
        header = re.compile(rf"^\s*\[\s*{re.escape(section)}\s*\]")
        start = next((n for n, line in enumerate(lines) if header.match(line)), 0)
        name = re.escape((rest or section).partition("[")[0])
        assign = re.compile(rf"^\s*[\"']?{name}[\"']?\s*=")
        found = (
            n
            for n, line in enumerate(lines)
            if n >= start and (needle in line if needle else assign.match(line))
        )
        return next(found, None)

    def check_strings(self, container: Mapping[str, Any], section: str, key: str) -> None:
        value = container.get(key)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(item, str) for item in value)
        ):
            raise self(f"{section}.{key}", f"must be a list of strings, not {value!r}")


def _check_build_system(build_system: object, fail: _Failure) -> None:
    if build_system is None:
        return
    if not isinstance(build_system, Mapping):
        raise fail("build-system", "must be a table ([build-system])")
    if "requires" not in build_system:
        raise fail(
            "build-system.requires",
            "[build-system] has no `requires` key, which PEP 518 makes mandatory",
            "[build-system]",
        )
    fail.check_strings(build_system, "build-system", "requires")
    for index, req in enumerate(build_system["requires"]):
        try:
            Requirement(req)
        except InvalidRequirement as exc:
            raise fail(
                f"build-system.requires[{index}]",
                f"{req!r} is not a valid PEP 508 requirement: {str(exc).splitlines()[0]}",
                req,
            ) from exc
    backend = build_system.get("build-backend")
    if backend is not None and not (isinstance(backend, str) and backend.strip()):
        raise fail("build-system.build-backend", f"must be a non-empty string, not {backend!r}")
    fail.check_strings(build_system, "build-system", "backend-path")
    _check_backend_path(build_system.get("backend-path", ()), fail)


def _check_backend_path(entries: list[str], fail: _Failure) -> None:
    """PEP 517: every ``backend-path`` entry is relative and stays inside the source tree
    (symbolic links followed: a link out of the tree does not count as inside)."""
    root = fail.path.parent.resolve()
    for index, entry in enumerate(entries):
        if not (root / entry).resolve().is_relative_to(root):
            raise fail(
                f"build-system.backend-path[{index}]",
                f"{entry!r} is outside the project folder; PEP 517 requires backend-path entries "
                "to be relative paths inside the source tree",
                entry,
            )


def _check_project(project: object, fail: _Failure) -> None:
    if project is None:
        return
    if not isinstance(project, Mapping):
        raise fail("project", "must be a table ([project])")
    for key in ("name", "version", "requires-python"):
        if key in project and not isinstance(project[key], str):
            raise fail(f"project.{key}", f"must be a string, not {project[key]!r}")
    fail.check_strings(project, "project", "dynamic")


# --- the cascade ---------------------------------------------------------------------


def project_name(files: ProjectFiles) -> str | None:
    """The name from [project], [tool.poetry], [tool.flit.metadata], setup.cfg, PKG-INFO
    or setup.py, whichever comes first."""
    candidates = (
        table(files.pyproject, "project").get("name"),
        table(files.pyproject, "tool", "poetry").get("name"),
        table(files.pyproject, "tool", "flit", "metadata").get("dist-name")
        or table(files.pyproject, "tool", "flit", "metadata").get("module"),
        cfg_get(files.setup_cfg, "metadata", "name"),
        (files.pkg_info or {}).get("Name"),
        _setup_py_keyword(files.setup_py, "name"),
    )
    return next((value for value in candidates if isinstance(value, str) and value), None)


def written_version(files: ProjectFiles) -> tuple[str | None, str | None]:
    """(version, source) of a version written down in the project's files: a literal in
    [project], [tool.poetry] or setup.cfg (source None), else PKG-INFO's (source
    ``"PKG-INFO"``); (None, None) when the version is dynamic."""
    version = _static_version(files)
    if version is None and files.pkg_info and files.pkg_info.get("Version"):
        return files.pkg_info["Version"], "PKG-INFO"
    return version, None


def _static_version(files: ProjectFiles) -> str | None:
    """A version written down as a literal: [project], [tool.poetry], setup.cfg."""
    project = table(files.pyproject, "project")
    if isinstance(project.get("version"), str) and "version" not in project.get("dynamic", ()):
        return str(project["version"])
    poetry_version = table(files.pyproject, "tool", "poetry").get("version")
    dynamic_versioning = table(files.pyproject, "tool", "poetry-dynamic-versioning")
    if isinstance(poetry_version, str) and dynamic_versioning.get("enable") is not True:
        return poetry_version
    if files.pkg_info is None:
        cfg_version = cfg_get(files.setup_cfg, "metadata", "version")
        if cfg_version and not cfg_version.startswith(("attr:", "file:")):
            return cfg_version
    return None


def requires_python(files: ProjectFiles) -> str | None:
    """``requires-python`` from [project], else PKG-INFO, setup.cfg or setup.py."""
    value: str | None = (
        table(files.pyproject, "project").get("requires-python")
        or (files.pkg_info or {}).get("Requires-Python")
        or cfg_get(files.setup_cfg, "options", "python_requires")
        or _setup_py_keyword(files.setup_py, "python_requires")
    )
    return value


def _setup_py_keyword(setup_py: str | None, keyword: str) -> str | None:
    """A string literal passed as ``keyword=`` inside the ``setup(`` call, if any."""
    if setup_py is None or (start := setup_py.find("setup(")) < 0:
        return None
    match = re.search(_SETUP_PY_KEYWORD.format(keyword), setup_py[start + 5 :])
    return match["value"] if match else None
