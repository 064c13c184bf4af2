"""The values hwb reads out of setup.py and setup.cfg without running them (literals, or the
markers below for what only the build can compute), and small helpers shared by the readers
and the translation."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

__all__ = [
    "Attr",
    "FileAttr",
    "FileDirective",
    "FileText",
    "FindPackages",
    "Unresolved",
    "as_list",
    "assigned_names",
    "dotted_module",
    "entry_point_groups",
    "installed_name",
    "literal_in_file",
    "literal_value",
    "people",
    "readme_content_type",
    "spdx_license",
    "with_marker",
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
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError, RecursionError, MemoryError):
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
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError, RecursionError, MemoryError):
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


def _module_file(root: Path, dotted: str, package_dir: dict[str, str]) -> tuple[str, list[str]] | None:
    """The project file of the longest module prefix of ``dotted`` (as a folder path, or
    through ``package_dir``), and the attribute names after it."""
    parts = dotted.split(".")
    for n in range(len(parts) - 1, 0, -1):
        folders = ["/".join(parts[:n])]
        folders += [f"{base}/{folders[0]}" for key, base in package_dir.items() if not key and base]
        folders += [
            "/".join([base, *parts[1:n]]) for key, base in package_dir.items() if key == parts[0] and base
        ]
        for folder in folders:
            for candidate in (f"{folder}.py", f"{folder}/__init__.py"):
                if (root / candidate).is_file():
                    return str(PurePosixPath(candidate)), parts[n:]
    return None


def installed_name(root: Path, attr: Attr, package_dir: dict[str, str]) -> Attr:
    """``src.pkg.__version__`` (``from src.pkg import __version__``) names a module by its
    folder; setuptools' ``attr:`` looks modules up through ``package_dir``, so it must be
    ``pkg.__version__`` (else the build stops with "No module named 'src'")."""
    found = _module_file(root, attr.dotted, package_dir)
    if found is None:
        return attr
    path, rest = found
    return Attr(dotted=".".join([dotted_module(path, package_dir), *rest]))


def literal_value(root: Path, value: Attr | FileAttr, package_dir: dict[str, str]) -> str | None:
    """The string literal ``asciinema.__author__`` / ``about["__title__"]`` stands for, read
    statically from the project's file; None when it is not a literal there."""
    if isinstance(value, FileAttr):
        return literal_in_file(root / value.path, value.name)
    found = _module_file(root, value.dotted, package_dir)
    if found is None or len(found[1]) != 1:
        return None
    return literal_in_file(root / found[0], found[1][0])


# --- values as setuptools reads them ---------------------------------------------------


def as_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [
            line.strip() for line in value.splitlines() if line.strip() and not line.strip().startswith("#")
        ]
    if isinstance(value, list):
        return [str(v) for v in value]
    raise TypeError(value)


def readme_content_type(path: str) -> str | None:
    suffix = PurePosixPath(path).suffix.lower()
    return {".md": "text/markdown", ".markdown": "text/markdown", ".rst": "text/x-rst"}.get(suffix)


def people(names: object, emails: object) -> list[dict[str, str]]:
    names = re.sub(r"\s*<[^<>@\s]+@[^<>\s]+>", "", str(names or ""))  # "Team <a@b>" + email "a@b"
    name_list = [n.strip() for n in names.split(",") if n.strip()]
    email_list = [e.strip() for e in str(emails or "").split(",") if e.strip()]
    if len(name_list) == len(email_list):
        return [{"name": n, "email": e} for n, e in zip(name_list, email_list, strict=True)]
    if not email_list:
        return [{"name": str(names).strip()}]
    return [*([{"name": str(names).strip()}] if names else []), *({"email": e} for e in email_list)]


def with_marker(requirement: str, marker: str) -> str:
    req, sep, existing = requirement.partition(";")
    return f"{req.strip()}; ({existing.strip()}) and ({marker})" if sep else f"{req.strip()}; {marker}"


def entry_point_groups(value: object) -> dict[str, dict[str, str]] | None:
    """``entry_points=`` (a dict of lists or an INI string) as {group: {name: target}}; None
    when it cannot be read statically."""
    if isinstance(value, str):
        import configparser

        parser = configparser.ConfigParser(interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read_string(value)
        value = {s: [f"{k} = {v}" for k, v in parser.items(s)] for s in parser.sections()}
    if not isinstance(value, dict):
        return None
    groups: dict[str, dict[str, str]] = {}
    for group, entries in value.items():
        try:
            lines = as_list(entries)
        except TypeError:
            return None
        for line in lines:
            name, sep, target = line.partition("=")
            if not sep:
                return None
            groups.setdefault(str(group), {})[name.strip()] = target.strip()
    return groups
