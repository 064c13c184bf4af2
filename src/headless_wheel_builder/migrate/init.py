"""``hwb init``: write a ``pyproject.toml`` for a folder of Python code.

Finds the code (``src/<pkg>/``, ``<pkg>/`` or a single ``<module>.py``), names the project
after it, and reads ``__version__`` statically (the code is never imported).  When a
``__version__`` exists the version stays single-sourced: the backend reads it at build time
(hatchling ``[tool.hatch.version] path``, setuptools ``attr:``, flit's module version,
pdm-backend ``source = "file"``).  ``--from-setup`` is :mod:`.from_setup`.

An existing ``pyproject.toml`` is kept: its other tables stay as they were; one that already
has a ``[project]`` table is replaced only with ``force``.  The file is written atomically.
"""

from __future__ import annotations

import ast
import datetime
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from headless_wheel_builder.errors import NotAProjectError, SourceNotFoundError, UsageError
from headless_wheel_builder.migrate._setup_py import literal_in_file
from headless_wheel_builder.migrate.options import BACKENDS, Backend, InitOptions, InitReport

__all__ = ["BACKENDS", "Backend", "InitOptions", "InitReport", "Layout", "detect_layout", "init_project"]


_BUILD_SYSTEMS: dict[Backend, tuple[list[str], str]] = {
    "hatchling": (["hatchling>=1.26"], "hatchling.build"),
    "setuptools": (["setuptools>=61"], "setuptools.build_meta"),
    "flit": (["flit_core>=3.4,<4"], "flit_core.buildapi"),
    "pdm": (["pdm-backend>=2.0"], "pdm.backend"),
}
#: CPython minor version -> the day its security support ends (python.org/downloads).
PYTHON_EOL: dict[int, datetime.date] = {
    9: datetime.date(2025, 10, 31),
    10: datetime.date(2026, 10, 31),
    11: datetime.date(2027, 10, 31),
    12: datetime.date(2028, 10, 31),
    13: datetime.date(2029, 10, 31),
    14: datetime.date(2030, 10, 31),
}
_NOT_CODE_DIRS = {"tests", "test", "testing", "docs", "doc", "examples", "example", "benchmarks",
                  "scripts", "tools", "build", "dist", "venv", "env", "site-packages"}  # fmt: skip
_NOT_CODE_FILES = {"setup.py", "conftest.py", "noxfile.py", "tasks.py", "fabfile.py", "manage.py",
                   "dodo.py", "__init__.py", "__main__.py"}  # fmt: skip
_VERSION_FILES = ("__init__.py", "__about__.py", "_version.py", "version.py", "__version__.py")
_NAME_RE = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.I)


@dataclass(frozen=True, kw_only=True)
class Layout:
    """Where a project's code is."""

    kind: Literal["src", "flat", "module"]
    import_name: str
    path: str
    """The package folder or module file, relative to the project, POSIX style."""


def default_requires_python(today: datetime.date | None = None, running: int | None = None) -> str:
    """``>=3.X``: the oldest CPython minor still receiving security fixes on ``today``, but
    never newer than the interpreter running hwb (the code evidently runs there)."""
    today = today or datetime.date.today()
    running = sys.version_info.minor if running is None else running
    supported = [minor for minor, eol in sorted(PYTHON_EOL.items()) if eol >= today]
    floor = supported[0] if supported else max(PYTHON_EOL) + 1
    return f">=3.{min(floor, running)}"


def _candidates(base: Path, prefix: str) -> list[Layout]:
    found: list[Layout] = []
    if not base.is_dir():
        return found
    for entry in sorted(base.iterdir()):
        name = entry.name
        if name.startswith((".", "_")) or name in _NOT_CODE_DIRS or name.endswith(".egg-info"):
            continue
        kind: Literal["src", "flat"] = "src" if prefix else "flat"
        if entry.is_dir() and (entry / "__init__.py").is_file() and name.isidentifier():
            found.append(Layout(kind=kind, import_name=name, path=f"{prefix}{name}"))
        elif (
            entry.is_file()
            and entry.suffix == ".py"
            and name not in _NOT_CODE_FILES
            and not name.startswith("test_")
            and not name.endswith("_test.py")
            and entry.stem.isidentifier()
        ):
            found.append(Layout(kind="module", import_name=entry.stem, path=f"{prefix}{name}"))
    return found


def detect_layout(root: Path, name: str | None = None) -> Layout:
    """The package or module to ship: ``src/`` first, then the project folder.  With several
    candidates the one matching ``name`` (or the folder's name) wins; packages beat modules."""
    found = _candidates(root / "src", "src/") or _candidates(root, "")
    if not found:
        raise NotAProjectError(
            f"no Python package or module found in {root}",
            why="hwb looked for src/<pkg>/__init__.py, <pkg>/__init__.py and <module>.py",
            hint="create the package first, or run hwb init in the folder that holds it",
        )
    wanted = [_import_name(n) for n in (name, root.resolve().name) if n]
    for want in wanted:
        match = [c for c in found if c.import_name.lower() == want.lower()]
        if match:
            return match[0]
    packages = [c for c in found if c.kind != "module"]
    if len(packages) == 1 or (not packages and len(found) == 1):
        return packages[0] if packages else found[0]
    raise UsageError(
        f"several candidates for the project's code in {root}: {', '.join(c.path for c in found)}",
        why="hwb scaffolds one top-level package or module",
        hint="pass --name with the one to ship",
    )


def _import_name(name: str) -> str:
    return re.sub(r"[-.]+", "_", name)


def _docstring(path: Path) -> str | None:
    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError, RecursionError, MemoryError):
        return None
    first = doc.strip().splitlines()[0].strip() if doc and doc.strip() else None
    return first or None


def _readme(root: Path) -> object | None:
    for candidate in ("README.md", "README.rst", "README.txt", "README"):
        if (root / candidate).is_file():
            if candidate in {"README", "README.txt"}:
                return {"file": candidate, "content-type": "text/plain"}
            return candidate
    return None


def _version_file(root: Path, layout: Layout) -> str | None:
    if layout.kind == "module":
        return layout.path if literal_in_file(root / layout.path, "__version__") else None
    for name in _VERSION_FILES:
        rel = f"{layout.path}/{name}"
        if literal_in_file(root / rel, "__version__"):
            return rel
    return None


def _dotted(version_file: str) -> str:
    rel = version_file.removeprefix("src/").removesuffix(".py").removesuffix("/__init__")
    return rel.replace("/", ".") + ".__version__"


def scaffold(
    root: Path, options: InitOptions
) -> tuple[dict[str, Any], dict[str, Any], dict[str, dict[str, Any]], InitReport]:
    """The ``[build-system]``, ``[project]`` and ``[tool.*]`` tables for ``root``, and the
    report (without text) describing them."""
    layout = detect_layout(root, options.name)
    name = _project_name(options, layout)
    requires, backend_obj = _BUILD_SYSTEMS[options.backend]
    build_system: dict[str, Any] = {"requires": list(requires), "build-backend": backend_obj}
    project: dict[str, Any] = {"name": name}
    notes: list[str] = []
    module_file = layout.path if layout.kind == "module" else f"{layout.path}/__init__.py"
    version_file = _version(root, options, layout, module_file, project, notes)
    description = _docstring(root / module_file)
    if description:
        project["description"] = description
    readme = _readme(root)
    if readme:
        project["readme"] = readme
    project["requires-python"] = options.requires_python or default_requires_python()
    project["dependencies"] = []
    notes.append('no license set: add license = "<SPDX id>" to [project] before publishing')
    tool = _TOOL_TABLES[options.backend](layout, name, version_file)
    report = InitReport(
        pyproject=root / "pyproject.toml", written=False, text="", mode="scaffold", backend=options.backend,
        name=name, version=None if version_file else project["version"],
        version_source=version_file or "static", layout=layout.kind, notes=tuple(notes),
    )  # fmt: skip
    return build_system, project, tool, report


def _project_name(options: InitOptions, layout: Layout) -> str:
    name = options.name or layout.import_name.replace("_", "-")
    if not _NAME_RE.match(name):
        raise UsageError(
            f"{name!r} is not a valid project name",
            hint="letters, digits, '-', '_' and '.', starting and ending alphanumeric",
        )
    return name


def _version(
    root: Path,
    options: InitOptions,
    layout: Layout,
    module_file: str,
    project: dict[str, Any],
    notes: list[str],
) -> str | None:
    """Set ``project``'s version (static, or dynamic from a file); the version file, if any."""
    version_file = None if options.version else _version_file(root, layout)
    if options.backend == "flit" and version_file and version_file != module_file:
        notes.append(
            f"flit reads __version__ only from {module_file}; the version was copied from {version_file}"
        )
        static = literal_in_file(root / version_file, "__version__")
        version_file = None
    else:
        static = options.version
    if version_file:
        project["dynamic"] = ["version"]
    else:
        project["version"] = static or "0.1.0"
        if not static:
            notes.append("no __version__ found: version set to 0.1.0")
    return version_file


def _hatchling_tool(layout: Layout, name: str, version_file: str | None) -> dict[str, dict[str, Any]]:
    target = "only-include" if layout.kind == "module" else "packages"
    tool: dict[str, dict[str, Any]] = {"hatch.build.targets.wheel": {target: [layout.path]}}
    if version_file:
        tool["hatch.version"] = {"path": version_file}
    return tool


def _setuptools_tool(layout: Layout, name: str, version_file: str | None) -> dict[str, dict[str, Any]]:
    tool: dict[str, dict[str, Any]] = {}
    if layout.kind == "module":
        tool["setuptools"] = {"py-modules": [layout.import_name]}
        if layout.path.startswith("src/"):
            tool["setuptools"]["package-dir"] = {"": "src"}
    else:
        where = ["src"] if layout.kind == "src" else ["."]
        include = [layout.import_name, f"{layout.import_name}.*"]
        tool["setuptools.packages.find"] = {"where": where, "include": include}
    if version_file:
        tool["setuptools.dynamic"] = {"version": {"attr": _dotted(version_file)}}
    return tool


def _flit_tool(layout: Layout, name: str, version_file: str | None) -> dict[str, dict[str, Any]]:
    if _import_name(name) != layout.import_name:
        return {"flit.module": {"name": layout.import_name}}
    return {}


def _pdm_tool(layout: Layout, name: str, version_file: str | None) -> dict[str, dict[str, Any]]:
    build: dict[str, Any] = {"includes": [layout.path]}
    if layout.path.startswith("src/"):
        build["package-dir"] = "src"
    tool: dict[str, dict[str, Any]] = {"pdm.build": build}
    if version_file:
        tool["pdm.version"] = {"source": "file", "path": version_file}
    return tool


#: The [tool.*] tables each backend needs to find the code (and a version file).
_TOOL_TABLES: dict[Backend, Callable[[Layout, str, str | None], dict[str, dict[str, Any]]]] = {
    "hatchling": _hatchling_tool,
    "setuptools": _setuptools_tool,
    "flit": _flit_tool,
    "pdm": _pdm_tool,
}


def init_project(path: str | os.PathLike[str], options: InitOptions) -> InitReport:
    """Scaffold (or, with ``from_setup``, migrate) ``path``'s ``pyproject.toml``."""
    root = Path(path)
    if not root.is_dir():
        raise SourceNotFoundError(f"{root} is not a folder", hint="pass the project's folder")
    if options.from_setup:
        from headless_wheel_builder.migrate.from_setup import migrate_project

        return migrate_project(root, options)
    from headless_wheel_builder.migrate._toml import compose, load_document, write_atomically

    existing = load_document(root / "pyproject.toml", force=options.force)
    build_system, project, tool, report = scaffold(root, options)
    text = compose(existing, build_system, project, tool)
    if not options.dry_run:
        write_atomically(report.pyproject, text)
    return _replace(report, text=text, written=not options.dry_run, changed_files=("pyproject.toml",))


def _replace(report: InitReport, **changes: Any) -> InitReport:
    import dataclasses

    return dataclasses.replace(report, **changes)
