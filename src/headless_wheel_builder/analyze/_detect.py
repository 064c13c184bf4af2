"""Static detectors for :mod:`.analyzer`: where a dynamic version comes from, and whether a
project builds platform-specific wheels.

Everything here reads files; nothing imports or runs the project, its ``setup.py`` or its
build backend.  A detector that cannot tell says so (``None``) rather than guess.  The
files themselves are read by :mod:`._metadata_sources` (:class:`ProjectFiles`).
"""

from __future__ import annotations

import ast
import os
import re
import sys
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from headless_wheel_builder.analyze._metadata_sources import ProjectFiles, cfg_get, read_text, table

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

if TYPE_CHECKING:
    from headless_wheel_builder.analyze._family import BackendFamily

#: Stop walking the tree for compiled sources after this many files.
MAX_WALK_FILES = 20_000
#: Report at most this many source files as platform reasons.
MAX_SOURCE_REASONS = 3

SOURCE_SUFFIXES = frozenset({".pyx", ".pxd", ".c", ".cpp", ".cc", ".cxx", ".rs"})
_ROOT_BUILD_FILES = {"Cargo.toml": "Rust", "CMakeLists.txt": "CMake", "meson.build": "Meson"}
_COMPILED_FAMILIES = frozenset({"maturin", "scikit-build-core", "meson-python"})
#: Build requirements that only make sense for compiling extension modules.
_COMPILER_REQUIRES = frozenset({"cython", "setuptools-rust", "pybind11", "nanobind", "scikit-build", "cffi"})
#: Hatch build hooks known to compile code, and hooks known to leave a wheel pure.
_HATCH_COMPILING_HOOKS = frozenset({"mypyc", "cython", "scikit-build"})
_HATCH_PURE_HOOKS = frozenset({"vcs", "jupyter-builder"})
_SETUP_PY_MARKERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bext_modules\b"), "setup.py defines ext_modules"),
    (re.compile(r"\b(\w*Extension)\s*\("), "setup.py uses {0}"),
    (re.compile(r"\bcythonize\b"), "setup.py calls cythonize"),
    (re.compile(r"\bbuild_ext\b"), "setup.py customises build_ext"),
    (re.compile(r"\bhas_ext_modules\b"), "setup.py overrides has_ext_modules"),
)
# Directories never searched for sources: anywhere, and only at the project root (a
# package may well be called ``build``, as pypa/build's is).
_SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages"})
_SKIP_ROOT_DIRS = frozenset({"build", "dist", "target", "wheelhouse"})
# hatchling's default version pattern (hatchling/version/source/regex.py).
_VERSION_RE = r"(?i)^(__version__|VERSION) *= *(['\"])v?(?P<version>.+?)\2"
_SKBUILD_VERSION_RE = r"(?i)^(__version__|VERSION)(?: ?\: ?str)? *= *(['\"])v?(?P<value>.+?)\2"
_MESON_VERSION_RE = r"^project\((?:[^)]|\n)*?\bversion\s*:\s*'(?P<version>[^']+)'"


def requirement_names(requires: tuple[str, ...]) -> list[str]:
    """Canonical project names of already-validated requirement strings."""
    return [canonicalize_name(Requirement(req).name) for req in requires]


# --- version sources -----------------------------------------------------------------


def version_source(files: ProjectFiles, family: BackendFamily, requires: tuple[str, ...]) -> str | None:
    """Name where a dynamic (or undeclared) version comes from; None when unknown."""
    pyproject, names = files.pyproject, requirement_names(requires)
    for tool_source in (_hatch_version, _pdm_version, _skbuild_version, _family_version):
        if (found := tool_source(pyproject, family)) is not None:
            return found
    if table(pyproject, "tool", "setuptools_scm") or "setuptools-scm" in names:
        return "setuptools-scm"
    pdv = table(pyproject, "tool", "poetry-dynamic-versioning")
    if pdv.get("enable") is True or "poetry-dynamic-versioning" in names:
        return "poetry-dynamic-versioning"
    if (found := _setuptools_version(files)) is not None:
        return found
    return "setup.py" if files.setup_py is not None and family in ("setuptools", "other") else None


def _hatch_version(pyproject: Mapping[str, Any], family: BackendFamily) -> str | None:
    hatch = table(pyproject, "tool", "hatch", "version")
    if family not in ("hatchling", "other") or not hatch:
        return None
    source = str(hatch.get("source", "regex"))
    if source == "vcs":
        return "hatch-vcs"
    detail = hatch.get("variable" if source == "env" else "path")
    return f"hatch: {source} {detail}" if detail else f"hatch: {source}"


def _pdm_version(pyproject: Mapping[str, Any], family: BackendFamily) -> str | None:
    pdm = table(pyproject, "tool", "pdm", "version")
    if family not in ("pdm", "other") or not pdm:
        return None
    source = str(pdm.get("source", "file"))
    detail = {"file": pdm.get("path"), "call": pdm.get("getter")}.get(source)
    return f"pdm: {source} {detail}" if detail else f"pdm: {source}"


def _skbuild_version(pyproject: Mapping[str, Any], family: BackendFamily) -> str | None:
    skbuild = table(pyproject, "tool", "scikit-build", "metadata", "version")
    if family != "scikit-build-core" or not skbuild:
        return None
    provider = str(skbuild.get("provider", "")).rpartition(".")[2]
    if provider == "setuptools_scm":
        return "setuptools-scm"
    return f"scikit-build-core: {provider} {skbuild.get('input', '')}".rstrip()


def _family_version(pyproject: Mapping[str, Any], family: BackendFamily) -> str | None:
    """Backends whose version always comes from one place."""
    if family in ("maturin", "meson-python"):
        return f"{family}: {'Cargo.toml' if family == 'maturin' else 'meson.build'}"
    if family == "flit":
        return "flit: __version__ in module"
    return None


def _setuptools_version(files: ProjectFiles) -> str | None:
    dyn = table(files.pyproject, "tool", "setuptools", "dynamic", "version")
    for kind in ("attr", "file"):
        if kind in dyn:
            value = dyn[kind]
            target = " ".join(map(str, value)) if isinstance(value, list) else str(value)
            return f"setuptools: {kind} {target}"
    cfg_version = cfg_get(files.setup_cfg, "metadata", "version")
    if cfg_version and cfg_version.startswith(("attr:", "file:")):
        kind, _, target = cfg_version.partition(":")
        return f"setuptools: {kind} {target.strip()}"
    return None


def read_dynamic_version(files: ProjectFiles, source: str, name: str | None) -> str | None:
    """Read, without importing anything, the version that ``source`` points at: the
    ``__version__`` line of a file, a ``file:`` version, or Cargo.toml's version.  None
    when it cannot be read statically (VCS versions, computed values)."""
    kind, _, target = source.partition(" ")
    raw: str | None = None
    hatch = table(files.pyproject, "tool", "hatch", "version")
    if kind in ("hatch:", "pdm:") and target.startswith(("regex ", "file ")):
        pattern = hatch.get("pattern") if kind == "hatch:" else None
        use = pattern if isinstance(pattern, str) else _VERSION_RE
        raw = _search_file(files.root / target.split(" ", 1)[1], use)
    elif kind == "hatch:" and target.startswith("code "):
        expression = str(hatch.get("expression", "__version__"))
        raw = _module_constant(files.root / target.split(" ", 1)[1], expression)
    elif kind == "setuptools:" and target.startswith("file "):
        raw = read_text(files.root / target.split(" ")[1])
    elif kind == "setuptools:" and target.startswith("attr "):
        module, _, attr = target.split(" ", 1)[1].rpartition(".")
        module_file = _find_module(files, module)
        raw = _module_constant(module_file, attr) if module_file else None
    elif source.startswith("flit:"):
        module = str(table(files.pyproject, "tool", "flit", "module").get("name") or name or "")
        module_file = _find_module(files, module.replace("-", "_")) if module else None
        raw = _module_constant(module_file, "__version__") if module_file else None
    elif source.startswith("maturin:"):
        raw = _cargo_version(files)
    elif source.startswith("meson-python:"):
        raw = _search_file(files.root / "meson.build", _MESON_VERSION_RE)
    elif source.startswith("scikit-build-core: regex "):
        config = table(files.pyproject, "tool", "scikit-build", "metadata", "version")
        raw = _search_file(
            files.root / target.split(" ", 1)[1],
            str(config.get("regex", _SKBUILD_VERSION_RE)),
            str(config.get("result", "{value}")),
        )
    return _normalized(raw)


def _normalized(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return str(Version(raw.strip()))
    except InvalidVersion:
        return None


def _search_file(path: Path, pattern: str, result: str = "{version}") -> str | None:
    """``result`` formatted with the named groups of ``pattern``'s first match in a file."""
    text = read_text(path)
    try:
        match = re.search(pattern, text, re.MULTILINE) if text is not None else None
        return result.format(**match.groupdict()) if match else None
    except (re.error, KeyError, IndexError, ValueError):
        return None


def _find_module(files: ProjectFiles, module: str) -> Path | None:
    """The file of ``module`` under the package roots setuptools/flit would use."""
    roots = [files.root, files.root / "src"]
    package_dir = table(files.pyproject, "tool", "setuptools", "package-dir").get("")
    cfg_dir = cfg_get(files.setup_cfg, "options", "package_dir")
    if isinstance(package_dir, str):
        roots.insert(0, files.root / package_dir)
    elif cfg_dir and cfg_dir.lstrip().startswith("="):
        roots.insert(0, files.root / cfg_dir.lstrip()[1:].strip().splitlines()[0].strip())
    rel = Path(*module.split("."))
    for root in roots:
        for candidate in (root / rel / "__init__.py", root / rel.with_suffix(".py")):
            if candidate.is_file():
                return candidate
    return None


def _module_constant(path: Path, name: str) -> str | None:
    """The string literal assigned to ``name`` at the top level of a module."""
    text = read_text(path)
    if text is None:
        return None
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # the last two: deep nesting
        return None
    for node in tree.body:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if (
            isinstance(target, ast.Name)
            and target.id == name
            and isinstance(value, ast.Constant)
            and isinstance(value.value, str)
        ):
            return value.value
    return None


def _cargo_version(files: ProjectFiles) -> str | None:
    manifest = table(files.pyproject, "tool", "maturin").get("manifest-path", "Cargo.toml")
    try:
        cargo = tomllib.loads((files.root / str(manifest)).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return None
    version = table(cargo, "package").get("version")
    if isinstance(version, Mapping) and version.get("workspace") is True:
        version = table(cargo, "workspace", "package").get("version")
    return version if isinstance(version, str) else None


# --- platform detection --------------------------------------------------------------


def platform_status(
    files: ProjectFiles,
    family: BackendFamily,
    backend: str,
    requires: tuple[str, ...],
    *,
    in_tree: bool,
) -> tuple[bool | None, tuple[str, ...]]:
    """Is the wheel pure (True), platform-specific (False) or unknown (None), and why.

    Rules, by what the backend can do:

    - flit_core only makes pure wheels: always True.
    - maturin, scikit-build-core and meson-python compile: always False.
    - hatchling, pdm-backend and poetry-core make pure wheels unless a build hook or build
      script runs: a hook known to compile (hatch ``mypyc``/``cython``, pdm
      ``is-purelib = false``) gives False; any other hook or script gives None, or False
      when compiled sources, a Cargo.toml/CMakeLists.txt/meson.build or a compiler
      build requirement (Cython, pybind11, …) are also found.
    - setuptools: extension markers in setup.py (``ext_modules``, ``Extension(``,
      ``cythonize``, ``build_ext``), ``[tool.setuptools] ext-modules``,
      ``[tool.setuptools-rust]`` or a compiler build requirement give False; with a
      setup.py (which can build anything) so do compiled sources and native build files.
      Nothing found gives True.
    - an in-tree custom backend (``backend-path``) or an unknown backend: any of the above
      gives False, nothing found gives None (the backend may do anything).
    """
    if family == "flit":
        return True, ()
    config, soft = _config_reasons(files, family if not in_tree else "other")
    if family in ("hatchling", "pdm", "poetry") and not in_tree and not soft:
        return (False, tuple(config)) if config else (True, ())
    compiled = family in _COMPILED_FAMILIES
    native: list[str] = []
    # Without a setup.py, setuptools compiles only what pyproject.toml declares.
    if in_tree or family != "setuptools" or files.setup_py is not None:
        native = [
            f"{filename} ({language} via {family})" if compiled else f"{filename} ({language})"
            for filename, language in _ROOT_BUILD_FILES.items()
            if (files.root / filename).is_file()
        ]
        native += find_compiled_sources(files.root)
    names = requirement_names(requires)
    found = [*config, *native, *(f"{n} in build-system.requires" for n in names if n in _COMPILER_REQUIRES)]
    if compiled:
        return False, tuple(found or [f"build backend {backend} compiles extensions"])
    if found:
        return False, (*found, *soft)
    if soft or in_tree or family == "other":
        return None, tuple(soft)
    return True, ()


def _config_reasons(files: ProjectFiles, family: BackendFamily) -> tuple[list[str], list[str]]:
    """(signals that the build compiles, signals that custom build code runs)."""
    hard: list[str] = []
    soft: list[str] = []
    for reasons in (_setuptools_reasons, _hatch_reasons, _pdm_reasons, _poetry_reasons):
        more_hard, more_soft = reasons(files, family)
        hard.extend(more_hard)
        soft.extend(more_soft)
    return hard, soft


def _setuptools_reasons(files: ProjectFiles, family: BackendFamily) -> tuple[list[str], list[str]]:
    hard: list[str] = []
    if files.setup_py is not None and family in ("setuptools", "other"):
        code = re.sub(r"#[^\n]*", "", files.setup_py)
        for pattern, reason in _SETUP_PY_MARKERS:
            if match := pattern.search(code):
                hard.append(reason.format(*match.groups()))
    if table(files.pyproject, "tool", "setuptools").get("ext-modules"):
        hard.append("[tool.setuptools] ext-modules")
    rust = table(files.pyproject, "tool", "setuptools-rust")
    if rust.get("ext-modules") or rust.get("bins"):
        hard.append("[tool.setuptools-rust] extensions")
    return hard, []


def _hatch_reasons(files: ProjectFiles, family: BackendFamily) -> tuple[list[str], list[str]]:
    hard: list[str] = []
    soft: list[str] = []
    hook_tables = ("tool.hatch.build.hooks", "tool.hatch.build.targets.wheel.hooks")
    for key in hook_tables if family in ("hatchling", "other") else ():
        for hook, config in table(files.pyproject, *key.split(".")).items():
            if isinstance(config, Mapping) and config.get("enable-by-default") is False:
                continue
            if hook in _HATCH_COMPILING_HOOKS:
                hard.append(f"[{key}.{hook}] compiles extensions")
            elif hook not in _HATCH_PURE_HOOKS:
                soft.append(f"[{key}.{hook}] build hook")
    return hard, soft


def _pdm_reasons(files: ProjectFiles, family: BackendFamily) -> tuple[list[str], list[str]]:
    hard: list[str] = []
    soft: list[str] = []
    pdm = table(files.pyproject, "tool", "pdm") if family in ("pdm", "other") else {}
    pdm_build = table(pdm, "build")
    purelib = pdm_build.get("is-purelib", pdm.get("is-purelib"))
    if purelib is False:
        hard.append("[tool.pdm.build] is-purelib = false")
    if pdm_build.get("run-setuptools") is True or "setup-script" in pdm_build:
        soft.append("[tool.pdm.build] runs setuptools")
    if isinstance(pdm.get("build"), str):
        soft.append(f"[tool.pdm] build = {pdm['build']!r}")
    if family == "pdm" and (files.root / "pdm_build.py").is_file():
        soft.append("pdm_build.py build hook")
    return hard, soft


def _poetry_reasons(files: ProjectFiles, family: BackendFamily) -> tuple[list[str], list[str]]:
    if family not in ("poetry", "other"):
        return [], []
    poetry_build = table(files.pyproject, "tool", "poetry").get("build")
    if isinstance(poetry_build, Mapping) and poetry_build.get("script"):
        poetry_build = poetry_build["script"]
    return [], [f"[tool.poetry.build] script {poetry_build}"] if isinstance(poetry_build, str) else []


def find_compiled_sources(root: Path, limit: int = MAX_SOURCE_REASONS) -> list[str]:
    """Up to ``limit`` compiled-language sources under ``root`` (posix, relative),
    shallowest first; hidden folders, virtual environments and build outputs skipped."""
    found: list[str] = []
    queue: deque[Path] = deque([root])
    seen_files = 0
    while queue and seen_files < MAX_WALK_FILES:
        folder = queue.popleft()
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                if not _skip_dir(Path(entry.path), at_root=folder == root):
                    queue.append(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):
                seen_files += 1
                if Path(entry.name).suffix in SOURCE_SUFFIXES:
                    found.append(Path(entry.path).relative_to(root).as_posix())
                    if len(found) >= limit:
                        return found
    return found


def _skip_dir(path: Path, *, at_root: bool) -> bool:
    name = path.name
    if name in _SKIP_DIRS or name.endswith(".egg-info") or (at_root and name in _SKIP_ROOT_DIRS):
        return True
    return (path / "pyvenv.cfg").is_file()
