"""The wheel-contents rules of ``hwb check`` (codes W001-W202), as check-wheel-contents
defines them: the same codes, the same notion of the library (the wheel's root plus
``*.data/purelib`` and ``*.data/platlib``), the same list of common top-level names.

Two deliberate differences, both documented in docs/CHECKS.md:

* the folders that repair tools graft into a wheel (auditwheel's and delvewheel's
  ``<name>.libs/``, auditwheel's ``<name>.scripts/``) are not a second top-level entry (W009),
  a folder without modules (W010), an undeclared entry (W202) nor files outside the package
  tree (W102): hwb's own repaired wheels pass ``--strict``;
* a PEP 561 stub-only package (``<name>-stubs/``) is not an unimportable path (W004) — as in
  check-wheel-contents, ``.pyi`` files are not modules for W003/W004/W010.

W101/W102 compare the library with a source tree (``--package`` / ``--src-dir``), W201/W202
with the declared top-level names (``--toplevel``); without those options they do not apply.
"""

from __future__ import annotations

import fnmatch
import hashlib
import keyword
import re
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from headless_wheel_builder.errors import UsageError

__all__ = [
    "ContentsOptions",
    "WheelFiles",
    "contents_findings",
    "is_empty_wheel",
    "read_wheel_files",
    "source_has_code",
]

#: Contents that may occur in several files (check-wheel-contents' list, and CRLF's).
_ALLOWED_DUPLICATES = frozenset(
    hashlib.sha256(content).hexdigest()
    for content in (
        b"",
        b"\n",
        b"\r\n",
        b"# -*- coding: utf-8 -*-",
        b"# -*- coding: utf-8 -*-\n",
        b"# -*- coding: utf-8 -*-\r\n",
        b"# -*- coding: utf-8 -*-\n\r",
    )
)
#: Names that do not belong at the top of a library (check-wheel-contents' W005 list).
COMMON_NAMES = frozenset(
    {
        ".eggs", ".nox", ".tox", ".venv", "app", "build", "cli", "data", "dist", "doc", "docs",
        "example", "examples", "lib", "scripts", "src", "test", "tests", "venv",
    }
)  # fmt: skip
# A module: name.py, name.so, name.pyd, name.<abi tag>.so / .pyd (not .pyi, as the peer).
_MODULE_RE = re.compile(r"(?<=.)\.(?:py|pyd|so|[-A-Za-z0-9_]+\.(?:pyd|so))\Z")
#: What a source tree walk for --package / --src-dir leaves out (the peer's defaults).
_TREE_EXCLUDED = (".*", "CVS", "RCS", "*.pyc", "*.pyo", "*.egg-info")
_LISTED = 5  # paths named in one message before "and N more"


@dataclass(frozen=True, kw_only=True)
class ContentsOptions:
    """What the project says its wheel should hold (check-wheel-contents' options)."""

    toplevel: tuple[str, ...] | None = None
    """``--toplevel``: the library's top-level entries (``pkg``, ``module.py``); W201/W202."""
    package: tuple[Path, ...] = ()
    """``--package``: folders (or files) that make up the library, each by its own name."""
    src_dir: tuple[Path, ...] = ()
    """``--src-dir``: folders whose contents make up the library."""

    @property
    def has_tree(self) -> bool:
        return bool(self.package or self.src_dir)


@dataclass(frozen=True)
class WheelFiles:
    """Every file of a wheel (archive path -> sha256) and which of them form the library."""

    digests: dict[str, str]
    lib: dict[str, tuple[str, tuple[str, ...]]]
    """Archive path -> (which tree: ``root``/``purelib``/``platlib``, path parts within it)."""

    def tops(self) -> dict[tuple[str, str], bool]:
        """Top-level library entries: (tree, name) -> whether it is a folder."""
        found: dict[tuple[str, str], bool] = {}
        for tree, parts in self.lib.values():
            found[(tree, parts[0])] = found.get((tree, parts[0]), False) or len(parts) > 1
        return found


def read_wheel_files(path: Path) -> WheelFiles | None:
    """The files of the wheel at ``path``; None when it cannot be read (``validate`` says why)."""
    try:
        with zipfile.ZipFile(path) as zf:
            digests = {info.filename: _digest(zf, info) for info in zf.infolist() if not info.is_dir()}
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        return None
    dist_infos = {
        n.split("/", 1)[0] for n in digests if "/" in n and n.split("/", 1)[0].endswith(".dist-info")
    }
    lib: dict[str, tuple[str, tuple[str, ...]]] = {}
    for name in digests:
        parts = tuple(name.split("/"))
        if len(parts) > 1 and parts[0] in dist_infos:
            continue
        if len(parts) > 1 and parts[0].endswith(".data"):
            if len(parts) > 2 and parts[1] in ("purelib", "platlib"):
                lib[name] = (parts[1], parts[2:])
            continue
        lib[name] = ("root", parts)
    return WheelFiles(digests=digests, lib=lib)


def is_empty_wheel(path: Path) -> bool:
    """W008 from the file names alone (no contents read): nothing outside ``.dist-info``."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [info.filename for info in zf.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        return False  # unreadable: validate() says why
    return _only_dist_info(names)


def _only_dist_info(names: list[str]) -> bool:
    """The W008 rule: no file outside the (one) ``.dist-info`` folder."""
    tops = {name.split("/", 1)[0] for name in names}
    return len(tops) <= 1 and all(top.endswith(".dist-info") for top in tops)


def _digest(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    digest = hashlib.sha256()
    with zf.open(info) as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def contents_findings(files: WheelFiles, options: ContentsOptions) -> list[tuple[str, str]]:
    """(code, message) for every rule of check-wheel-contents that ``files`` break."""
    found = [*_file_findings(files), *_top_findings(files, options), *_declared_findings(files, options)]
    return sorted(found, key=lambda item: item[0])


# --- W001, W002, W004, W007, W008: files ------------------------------------------------


def _file_findings(files: WheelFiles) -> Iterator[tuple[str, str]]:
    names = sorted(files.digests)
    bytecode = [n for n in names if n.endswith((".pyc", ".pyo"))]
    if bytecode:
        yield "W001", f"the wheel contains bytecode files: {_some(bytecode)}"
    groups: defaultdict[str, list[str]] = defaultdict(list)
    for name in names:
        if files.digests[name] not in _ALLOWED_DUPLICATES and not _is_record(name):
            groups[files.digests[name]].append(name)
    for group in groups.values():
        if len(group) > 1:
            yield "W002", f"files with identical contents: {_some(group)}"
    unimportable = [name for name, (_, parts) in sorted(files.lib.items()) if not _importable(parts)]
    if unimportable:
        yield "W004", f"modules at paths that cannot be imported: {_some(unimportable)}"
    if not files.lib:
        yield "W007", "the wheel's library is empty (no files outside .dist-info and .data/scripts…)"
    if _only_dist_info(names):
        yield "W008", "the wheel is empty: it holds no files outside its .dist-info"


def _importable(parts: tuple[str, ...]) -> bool:
    """False only for a module file whose path cannot be imported."""
    match = _MODULE_RE.search(parts[-1])
    if match is None:
        return True
    return all(
        p.isidentifier() and not keyword.iskeyword(p) for p in (*parts[:-1], parts[-1][: match.start()])
    )


# --- W003, W005, W006, W009, W010: the top of the library --------------------------------


def _top_findings(files: WheelFiles, options: ContentsOptions) -> Iterator[tuple[str, str]]:
    tops = files.tops()
    top_files = sorted(
        _entry(files, tree, name, False) for (tree, name), is_dir in tops.items() if not is_dir
    )
    non_modules = [f for f in top_files if not _MODULE_RE.search(f) and not f.endswith(".pth")]
    if non_modules:
        yield "W003", f"non-module files at the top of the library: {_some(non_modules)}"
    allowed = set(options.toplevel or ())
    common = sorted(_entry(files, t, n, d) for (t, n), d in tops.items() if n in COMMON_NAMES - allowed)
    if common:
        yield "W005", f"common top-level names in the library: {_some(common)}"
    inits = [f for f in top_files if f.rsplit("/", 1)[-1] == "__init__.py"]
    if inits:
        yield "W006", f"__init__.py at the top of the library: {_some(inits)}"
    if options.toplevel is None and not options.has_tree:
        several = sorted(
            _entry(files, t, n, d)
            for (t, n), d in tops.items()
            if not n.startswith("_") and not (not d and n.endswith(".pth")) and not _grafted(n, d)
        )
        if len(several) > 1:
            yield "W009", f"several top-level entries in the library: {_some(several)}"
    empty = sorted(
        _entry(files, t, n, True)
        for (t, n), d in tops.items()
        if d and not _grafted(n, d) and not _is_stubs(n) and not _holds_modules(files, t, n)
    )
    if empty:
        yield "W010", f"top-level folders without Python modules: {_some(empty)}"


def _entry(files: WheelFiles, tree: str, name: str, is_dir: bool) -> str:
    """The archive path of a top-level library entry (folders end with ``/``)."""
    prefix = "" if tree == "root" else f"{_data_dir(files)}/{tree}/"
    return f"{prefix}{name}{'/' if is_dir else ''}"


def _data_dir(files: WheelFiles) -> str:
    return next((n.split("/", 1)[0] for n in files.digests if n.split("/", 1)[0].endswith(".data")), "")


def _grafted(name: str, is_dir: bool) -> bool:
    """A folder a repair tool adds: ``<name>.libs/`` (auditwheel, delvewheel), ``<name>.scripts/``."""
    return is_dir and name.endswith((".libs", ".scripts"))


def _is_stubs(name: str) -> bool:
    base = name.removesuffix("-stubs")
    return name.endswith("-stubs") and base.isidentifier() and not keyword.iskeyword(base)


def _holds_modules(files: WheelFiles, tree: str, name: str) -> bool:
    return any(
        t == tree and parts[0] == name and _MODULE_RE.search(parts[-1]) for t, parts in files.lib.values()
    )


# --- W101, W102, W201, W202: what the project declared ------------------------------------


def _declared_findings(files: WheelFiles, options: ContentsOptions) -> Iterator[tuple[str, str]]:
    lib_paths = {
        "/".join(parts): name
        for name, (_, parts) in files.lib.items()
        if not _grafted(parts[0], len(parts) > 1)
    }
    if options.has_tree:
        expected = _source_tree(options)
        missing = sorted(expected - set(lib_paths))
        if missing:
            yield "W101", f"files of the package tree missing from the library: {_some(missing)}"
        extra = sorted(lib_paths[p] for p in set(lib_paths) - expected)
        if extra:
            yield "W102", f"library files not in the package tree: {_some(extra)}"
    if options.toplevel is not None:
        names = {name for _, name in files.tops()}
        missing_tops = [n for n in options.toplevel if n.rstrip("/") not in names]
        if missing_tops:
            yield "W201", f"declared top-level entries missing from the library: {_some(missing_tops)}"
        declared = {n.rstrip("/") for n in options.toplevel}
        undeclared = sorted(
            _entry(files, t, n, d)
            for (t, n), d in files.tops().items()
            if n not in declared and (d or not n.endswith(".pth")) and not _grafted(n, d)
        )
        if undeclared:
            yield "W202", f"undeclared top-level entries in the library: {_some(undeclared)}"


def _source_tree(options: ContentsOptions) -> set[str]:
    """Library paths the project's --package / --src-dir folders hold."""
    paths: set[str] = set()
    roots = [(p, True) for p in options.package] + [(p, False) for p in options.src_dir]
    for given, include_root in roots:
        if not given.exists() or (not include_root and not given.is_dir()):
            flag = "--package" if include_root else "--src-dir"
            raise UsageError(f"{flag} {given}: no such folder", hint="give a folder of the project's sources")
        root = given.resolve()
        if root.is_file():
            paths.add(root.name)
            continue
        base = root.parent if include_root else root
        for path in _walk(root):
            paths.add(path.relative_to(base).as_posix())
    return paths


def _walk(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.iterdir()):
        if any(fnmatch.fnmatch(path.name, pattern) for pattern in _TREE_EXCLUDED):
            continue
        if path.is_dir():
            yield from _walk(path)
        else:
            yield path


#: Files that make a library (Python, stubs, and the sources of compiled extensions).
_CODE_SUFFIXES = frozenset({".py", ".pyi", ".pyx", ".pxd", ".c", ".cc", ".cpp", ".rs", ".f90", ".go", ".zig"})
#: Top-level folders and files of a project that never end up in its library.
_NOT_LIBRARY = frozenset(
    {*COMMON_NAMES - {"lib", "src", "app", "cli"}, "benchmark", "benchmarks", "ci", "tools",
     "setup.py", "conftest.py", "noxfile.py", "tasks.py", "fabfile.py"}
)  # fmt: skip


def source_has_code(folder: Path) -> bool:
    """Whether a project folder (or an unpacked sdist) holds Python or extension sources
    outside its tests, docs, examples and build scripts: a wheel of it with nothing outside
    ``.dist-info`` (W008) comes from a broken build, not from a meta-package."""

    def walk(path: Path, top: bool) -> bool:
        try:
            entries = sorted(path.iterdir())
        except OSError:
            return False
        for entry in entries:
            if entry.name.startswith(".") or entry.name == "__pycache__" or entry.name.endswith(".egg-info"):
                continue
            if top and entry.name in _NOT_LIBRARY:
                continue
            if entry.is_dir() and not entry.is_symlink():
                if walk(entry, False):
                    return True
            elif entry.suffix in _CODE_SUFFIXES:
                return True
        return False

    return walk(folder, True)


def _is_record(name: str) -> bool:
    return bool(re.fullmatch(r"[^/]+\.dist-info/RECORD(\.jws|\.p7s)?", name))


def _some(items: list[str]) -> str:
    shown = ", ".join(items[:_LISTED])
    return f"{shown} and {len(items) - _LISTED} more" if len(items) > _LISTED else shown
