"""The values hwb reads out of setup.py and setup.cfg without running them (literals, or the
markers below for what only the build can compute), and small helpers shared by the readers
and the translation."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

__all__ = [
    "Attr",
    "FileAttr",
    "FileDirective",
    "FileText",
    "FindPackages",
    "Unresolved",
    "assigned_names",
    "dotted_module",
    "literal_in_file",
    "spdx_license",
]


@dataclass(frozen=True, kw_only=True)
class FileText:
    """The text of a file in the project (``open(path).read()``); ``lines`` for ``.splitlines()``."""

    path: str
    lines: bool = False


@dataclass(frozen=True, kw_only=True)
class Attr:
    """An attribute of one of the project's modules (``six.__version__``)."""

    dotted: str


@dataclass(frozen=True, kw_only=True)
class FileAttr:
    """A name assigned at module level in a project file (``exec(open('pkg/v.py').read())``)."""

    path: str
    name: str


@dataclass(frozen=True, kw_only=True)
class FindPackages:
    """``find_packages(...)`` / ``find_namespace_packages(...)`` with literal arguments."""

    where: str = "."
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    namespaces: bool = False


@dataclass(frozen=True, kw_only=True)
class Unresolved:
    """A value hwb cannot know without running ``setup.py``; ``source`` is its code."""

    source: str


@dataclass(frozen=True, kw_only=True)
class FileDirective:
    """``file: a, b``: the concatenated text of these files."""

    paths: tuple[str, ...]


def assigned_names(path: Path) -> list[str]:
    """Names assigned at module level in a Python file (statically; [] if unreadable)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return []
    names: list[str] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            names += [t.id for t in stmt.targets if isinstance(t, ast.Name)]
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            names.append(stmt.target.id)
    return names


def literal_in_file(path: Path, name: str) -> str | None:
    """The string literal assigned to ``name`` at module level in ``path``, if there is one."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    for stmt in tree.body:
        if (
            isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)
            and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str)
        ):
            return stmt.value.value
    return None


_SPDX_ALIASES = {
    "mit license": "MIT", "the mit license": "MIT", "mit/x11": "MIT", "bsd 3-clause": "BSD-3-Clause",
    "3-clause bsd": "BSD-3-Clause", "new bsd": "BSD-3-Clause", "bsd-3": "BSD-3-Clause",
    "bsd 2-clause": "BSD-2-Clause", "simplified bsd": "BSD-2-Clause", "apache 2.0": "Apache-2.0",
    "apache 2": "Apache-2.0", "apache-2": "Apache-2.0", "apache license 2.0": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0", "apache software license 2.0": "Apache-2.0",
    "mpl 2.0": "MPL-2.0", "isc license": "ISC", "unlicense": "Unlicense", "public domain": "",
}  # fmt: skip


def spdx_license(text: str) -> str | None:
    """The SPDX expression ``text`` names (``MIT``, ``Apache 2.0`` -> ``Apache-2.0``), or None."""
    from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

    text = text.strip()
    alias = _SPDX_ALIASES.get(text.lower())
    if alias is not None:
        return alias or None
    if not text or "\n" in text or len(text) > 100:
        return None
    try:
        return str(canonicalize_license_expression(text))
    except InvalidLicenseExpression:
        return None


def dotted_module(path: str, package_dir: dict[str, str]) -> str:
    """``src/pkg/_version.py`` -> ``pkg._version`` given ``package_dir`` (``{"": "src"}``)."""
    rel = PurePosixPath(path).with_suffix("")
    parts = list(rel.parts)
    for package, folder in sorted(package_dir.items(), key=lambda kv: -len(kv[1])):
        base = PurePosixPath(folder)
        if folder not in {"", "."} and rel.is_relative_to(base):
            parts = [*([package] if package else []), *rel.relative_to(base).parts]
            break
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)
