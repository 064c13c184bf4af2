"""Where a project's version lives (sources) and how it is rewritten (sinks).

The primary source is what the build backend reads: ``[project].version`` (rewritten with
tomlkit, so comments and layout survive), ``[tool.poetry].version``, a ``__version__`` line
in a module (hatch/pdm/flit/setuptools ``attr:``), or a version file.  Projects whose version
comes from git (setuptools-scm, hatch-vcs, pdm scm, poetry-dynamic-versioning) get only the
tag.  ``files`` in the configuration adds more files.  Nothing here writes to disk:
:func:`plan_changes` returns the new texts and :func:`write_changes` writes them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from packaging.version import Version

from headless_wheel_builder.analyze.analyzer import ProjectInfo, analyze
from headless_wheel_builder.errors import HwbError, VersionError
from headless_wheel_builder.version.config import FileSpec

SourceKind = Literal["toml-key", "variable", "keyword", "whole-file", "pattern", "tag-only"]
_VCS_SOURCES = ("setuptools-scm", "hatch-vcs", "pdm: scm", "poetry-dynamic-versioning")
_ASSIGN = r"^(?P<lead>[ \t]*(?:{names})[ \t]*(?::[^=\n]*)?=[ \t]*)(?P<q>['\"])(?P<value>[^'\"\n]*)(?P=q)"
#: ``setup(version="1.2.3", …)``: a keyword argument, anywhere on its line.
_KEYWORD = r"(?P<lead>\b(?:{names})[ \t]*=[ \t]*)(?P<q>['\"])(?P<value>[^'\"\n]*)(?P=q)"
#: A pattern source's line: the first quoted value after ``=`` or ``:`` is the version.
_PATTERN_VALUE = re.compile(r"[:=][ \t]*(?P<q>['\"])(?P<value>[^'\"\n]+)(?P=q)")


@dataclass(frozen=True, kw_only=True)
class VersionSource:
    """One place the version is read from or written to."""

    kind: SourceKind
    path: Path | None
    detail: str = ""
    """The TOML key, variable name or regex."""

    def describe(self, root: Path) -> str:
        if self.kind == "tag-only":
            return f"git tags ({self.detail})"
        rel = _rel(self.path, root)
        return f"{rel} ({self.detail})" if self.detail else rel


@dataclass(frozen=True, kw_only=True)
class FileChange:
    path: Path
    before: str
    after: str
    created: bool = False
    """The file does not exist yet (restoring it means removing it)."""


def _rel(path: Path | None, root: Path) -> str:
    if path is None:
        return ""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def primary_source(project_dir: Path, files: Sequence[FileSpec] = ()) -> tuple[VersionSource, ProjectInfo]:
    """Where the build backend takes ``project_dir``'s version from; when hwb cannot tell
    (a ``setup.py`` that computes it, say), the first of ``files`` that holds a version."""
    try:
        info = analyze(project_dir)
    except HwbError as exc:
        raise VersionError(f"cannot read the project in {project_dir}", why=str(exc), hint=exc.hint) from exc
    source = info.version_source
    found = (
        _static_source(project_dir, info) if source is None else _dynamic_source(project_dir, info, source)
    )
    if found is None and files:
        found = _listed_source(project_dir, files)
    if found is not None:
        return found, info
    listed = f"none of {', '.join(f.path for f in files)} holds a version; " if files else ""
    raise VersionError(
        f"cannot tell where the version of {info.name or project_dir} is written",
        why=f"{listed}its version source is {source or 'unknown'}",
        hint="set [project].version in pyproject.toml, or list the file that holds it in "
        '[tool.hwb.version] files (e.g. files = ["setup.py"], a module with __version__, a VERSION file)',
    )


def _listed_source(project_dir: Path, files: Sequence[FileSpec]) -> VersionSource | None:
    """The first listed file hwb can read a version from."""
    for listed in extra_sources(project_dir, files):
        source = readable_source(listed)
        if read_version(source):
            return source
    return None


def readable_source(source: VersionSource) -> VersionSource:
    """``source`` as a kind whose version can be read: a listed file without a pattern is read
    as ``setup(version=…)`` (setup.py), ``__version__ = …`` (other .py files) or, for any
    other file of one line, the whole file (``VERSION``)."""
    if source.kind != "pattern" or source.detail or source.path is None:
        return source
    if source.path.name == "setup.py":
        return VersionSource(kind="keyword", path=source.path, detail="version")
    if source.path.suffix == ".py":
        return VersionSource(kind="variable", path=source.path, detail="__version__")
    if len(_read(source.path).strip().splitlines()) == 1:
        return VersionSource(kind="whole-file", path=source.path)
    return source


def _static_source(project_dir: Path, info: ProjectInfo) -> VersionSource | None:
    """A static version: a key of pyproject.toml, or setup.cfg's ``version =``."""
    if info.version is None:
        return None
    pyproject = project_dir / "pyproject.toml"
    if info.has_pyproject:
        data = _toml(pyproject)
        for key in ("project.version", "tool.poetry.version"):
            if isinstance(_dig(data, key), str):
                return VersionSource(kind="toml-key", path=pyproject, detail=key)
    if (project_dir / "setup.cfg").is_file():
        return VersionSource(kind="pattern", path=project_dir / "setup.cfg", detail=r"^version\s*=")
    return None


def _dynamic_source(project_dir: Path, info: ProjectInfo, source: str) -> VersionSource | None:
    """The file a backend's dynamic version is read from (tag-only for VCS versions)."""
    if source in _VCS_SOURCES:
        return VersionSource(kind="tag-only", path=None, detail=source)
    kind, _, target = source.partition(" ")
    if kind in ("hatch:", "pdm:") and target.split(" ")[0] in ("regex", "file", "code"):
        return VersionSource(
            kind="variable", path=project_dir / target.split(" ", 1)[1], detail="__version__|VERSION"
        )
    if source.startswith("setuptools: attr "):
        return _attr_source(project_dir, target.split(" ", 1)[1])
    if source.startswith("setuptools: file "):
        return VersionSource(kind="whole-file", path=project_dir / target.split(" ")[1])
    if source.startswith("flit:") and info.name:
        module = _module_file(project_dir, info.name.replace("-", "_").replace(".", "_"))
        if module is not None:
            return VersionSource(kind="variable", path=module, detail="__version__")
    return None


def _toml(path: Path) -> dict[str, object]:
    from headless_wheel_builder.config.files import parse_toml

    return parse_toml(path)[0]


def _module_file(root: Path, dotted: str) -> Path | None:
    parts = dotted.split(".")
    for base in (root / "src", root):
        for candidate in (base.joinpath(*parts).with_suffix(".py"), base.joinpath(*parts, "__init__.py")):
            if candidate.is_file():
                return candidate
    return None


def _attr_source(root: Path, attr: str) -> VersionSource:
    module, _, name = attr.rpartition(".")
    path = _module_file(root, module) if module else None
    if path is None:
        raise VersionError(
            f"cannot find the module of setuptools attr: {attr}",
            hint="list the file in [tool.hwb.version] files",
        )
    return VersionSource(kind="variable", path=path, detail=name)


def extra_sources(project_dir: Path, specs: Sequence[FileSpec]) -> list[VersionSource]:
    """The ``files`` of the configuration, globs expanded (relative to ``project_dir``)."""
    found: list[VersionSource] = []
    for spec in specs:
        paths = (
            sorted(project_dir.glob(spec.path))
            if any(c in spec.path for c in "*?[")
            else [project_dir / spec.path]
        )
        paths = [p for p in paths if p.is_file()]
        if not paths:
            raise VersionError(
                f"version file {spec.path!r} not found in {project_dir}", hint="fix [tool.hwb.version] files"
            )
        for path in paths:
            if spec.key:
                found.append(VersionSource(kind="toml-key", path=path, detail=spec.key))
            else:
                found.append(VersionSource(kind="pattern", path=path, detail=spec.pattern or ""))
    return found


def read_version(source: VersionSource) -> str | None:
    """The version written at ``source`` (None for tag-only sources)."""
    if source.kind == "tag-only" or source.path is None:
        return None
    text = _read(source.path)
    if source.kind == "toml-key":
        value = _dig(_toml(source.path), source.detail)
        return value if isinstance(value, str) else None
    if source.kind in ("variable", "keyword"):
        match = _assignment(source).search(text)
        return match["value"] if match else None
    if source.kind == "whole-file":
        return text.strip()
    if source.detail:  # a pattern: the quoted value on the first line that matches it
        line_re = re.compile(source.detail)
        for line in text.splitlines():
            value = _PATTERN_VALUE.search(line) if line_re.search(line) else None
            if value:
                return value["value"]
    return None


def _assignment(source: VersionSource) -> re.Pattern[str]:
    template = _KEYWORD if source.kind == "keyword" else _ASSIGN
    return re.compile(template.format(names=source.detail), re.M)


def _dig(data: object, dotted: str) -> object:
    for part in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise VersionError(f"cannot read {path}", why=exc.strerror or str(exc)) from exc


def rewrite(
    source: VersionSource, old: Sequence[str], new: str, *, text: str | None = None
) -> FileChange | None:
    """The new text of ``source`` with the version set to ``new``; ``old`` lists the spellings
    of the current version to look for (pattern sources).  VersionError when not found.
    ``text``: the file's text so far (another source in the same file changed it already)."""
    if source.kind == "tag-only" or source.path is None:
        return None
    before = _read(source.path) if text is None else text
    if source.kind == "toml-key":
        after = _set_toml(source.path, before, source.detail, new)
    elif source.kind in ("variable", "keyword"):
        after, count = _assignment(source).subn(lambda m: f"{m['lead']}{m['q']}{new}{m['q']}", before)
        if count == 0:
            raise VersionError(
                f"no {source.detail} = '…' assignment in {source.path}",
                hint="add one, or point [tool.hwb.version] files at the right file",
            )
    elif source.kind == "whole-file":
        after = before.replace(before.strip(), new, 1) if before.strip() else new + "\n"
    else:
        after = _replace_pattern(source, before, old, new)
    return FileChange(path=source.path, before=before, after=after)


def _replace_pattern(source: VersionSource, text: str, old: Sequence[str], new: str) -> str:
    line_re = re.compile(source.detail) if source.detail else None
    spellings = sorted({o for o in old if o}, key=len, reverse=True)
    if not spellings:
        raise VersionError(f"cannot rewrite {source.path}: the current version is unknown")
    word = re.compile(r"(?<![\w.+-])(?:" + "|".join(map(re.escape, spellings)) + r")(?![\w+-]|\.\d)")
    lines = text.splitlines(keepends=True)
    count = 0
    for i, line in enumerate(lines):
        if line_re is None or line_re.search(line):
            lines[i], n = word.subn(new, line)
            count += n
    if count == 0:
        where = f" on lines matching {source.detail!r}" if source.detail else ""
        raise VersionError(
            f"version {spellings[0]} not found in {source.path}{where}",
            hint="update the file by hand to the current version, or fix [tool.hwb.version] files",
        )
    return "".join(lines)


def _set_toml(path: Path, text: str, dotted: str, new: str) -> str:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        doc = tomlkit.parse(text)
        table: Any = doc
        parts = dotted.split(".")
        for part in parts[:-1]:
            table = table[part]
        if parts[-1] not in table:
            raise KeyError(dotted)
        table[parts[-1]] = new  # tomlkit keeps the item's comment and spacing
        return tomlkit.dumps(doc)
    except (KeyError, TypeError, TOMLKitError, RecursionError) as exc:
        raise VersionError(
            f"cannot set {dotted} in {path}",
            why=str(exc) or type(exc).__name__,
            hint=f'make sure {path.name} has {dotted} = "…"',
        ) from exc


def write_changes(changes: Sequence[FileChange]) -> None:
    """Write every change; on a failure, restore the files already written."""
    done: list[FileChange] = []
    try:
        for change in changes:
            change.path.parent.mkdir(parents=True, exist_ok=True)
            change.path.write_text(change.after, encoding="utf-8")
            done.append(change)
    except OSError as exc:
        restore(done)
        raise VersionError(f"cannot write {change.path}", why=exc.strerror or str(exc)) from exc


def restore(changes: Sequence[FileChange]) -> None:
    for change in changes:
        if change.created:
            change.path.unlink(missing_ok=True)
        else:
            change.path.write_text(change.before, encoding="utf-8")


def spellings(version: Version | None, rendered: str | None, written: str | None) -> list[str]:
    """The ways the current version may be written in a file."""
    return [s for s in {str(version) if version else None, rendered, written} if s]
