"""Read an existing ``pyproject.toml``, lay out a new one with tomlkit (readable: one
table per concern, long arrays one item per line, small mappings inline), and write files
atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import Array, InlineTable, Table
from tomlkit.toml_document import TOMLDocument

from headless_wheel_builder.errors import OutputError, ProjectError, PyprojectError

__all__ = ["compose", "load_document", "write_atomically"]

#: [project] keys written as tables of their own rather than inline.
_PROJECT_TABLES = ("urls", "scripts", "gui-scripts", "optional-dependencies", "entry-points")


def load_document(path: Path, *, force: bool) -> TOMLDocument | None:
    """The parsed file, or None when there is none.  A ``[project]`` table is refused unless
    ``force``; invalid TOML is a :class:`PyprojectError`."""
    if not path.is_file():
        return None
    try:
        doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    except (TOMLKitError, UnicodeDecodeError, RecursionError) as exc:
        raise PyprojectError(f"{path} is not valid TOML", why=str(exc),
                             hint="fix the file (or move it away) and rerun hwb init") from exc  # fmt: skip
    if "project" in doc and not force:
        raise ProjectError(
            f"{path} already has a [project] table",
            why="hwb init does not overwrite an existing project definition",
            hint="rerun with --force to replace [project] and [build-system] (other tables are kept); "
            "add --dry-run to see the result first",
        )
    return doc


def _array(values: list[Any]) -> Array:
    arr = tomlkit.array()
    for value in values:
        arr.append(_inline(value) if isinstance(value, Mapping) else value)
    if len(values) > 1 and sum(len(str(v)) + 4 for v in values) > 60:
        arr.multiline(True)
    return arr


def _inline(mapping: Mapping[str, Any]) -> InlineTable:
    table = tomlkit.inline_table()
    for key, value in mapping.items():
        table[key] = _inline(value) if isinstance(value, Mapping) else _value(value)
    return table


def _value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return _inline(value)
    if isinstance(value, (list, tuple)):
        return _array(list(value))
    if isinstance(value, str) and "\n" in value:
        return tomlkit.string(value, multiline=True)
    return value


def _table(mapping: Mapping[str, Any]) -> Table:
    table = tomlkit.table()
    for key, value in mapping.items():
        table.add(key, _value(value))
    return table


def _project(project: Mapping[str, Any]) -> Table:
    table = tomlkit.table()
    for key, value in project.items():
        if key not in _PROJECT_TABLES:
            table.add(key, _value(value))
    for key in _PROJECT_TABLES:
        value = project.get(key)
        if not value:
            continue
        if key == "entry-points":
            groups = tomlkit.table(is_super_table=True)
            for group, entries in value.items():
                groups.add(group, _table(entries))
            table.add(key, groups)
        else:
            table.add(key, _table(value))
    return table


def _set_dotted(root: Table | TOMLDocument, dotted: str, mapping: Mapping[str, Any]) -> None:
    node: Any = root
    parts = dotted.split(".")
    for part in parts[:-1]:
        if part not in node:
            node.add(part, tomlkit.table(is_super_table=True))
        node = node[part]
    if parts[-1] in node:
        node.remove(parts[-1])
    node.add(parts[-1], _table(mapping))


def compose(
    existing: TOMLDocument | None,
    build_system: Mapping[str, Any],
    project: Mapping[str, Any],
    tool: Mapping[str, Mapping[str, Any]],
) -> str:
    """The new file: ``[build-system]`` and ``[project]`` first, then every other table of
    ``existing`` as it was, with the ``tool`` tables (dotted names under ``[tool]``) set."""
    doc = tomlkit.document()
    doc.add("build-system", _table(build_system))
    doc.add(tomlkit.nl())
    doc.add("project", _project(project))
    if existing is not None:
        for key, item in existing.body:
            if key is None:
                doc.add(item)  # comments and blank lines
            elif key.key not in {"build-system", "project"}:
                doc.add(key, item)
    if tool:
        if "tool" not in doc:
            doc.add("tool", tomlkit.table(is_super_table=True))
        tool_table: Any = doc["tool"]
        # Nest "setuptools" before "setuptools.dynamic" so the parent table exists first.
        for dotted in sorted(tool, key=lambda k: k.count(".")):
            parent = dotted.rpartition(".")[0]
            if parent and parent in tool:
                continue  # written with its parent below
            _set_dotted(tool_table, dotted, tool[dotted])
            for child in sorted(k for k in tool if k.startswith(dotted + ".")):
                _set_dotted(tool_table, child, tool[child])
    return tomlkit.dumps(doc)


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step (a temporary sibling, then ``os.replace``)."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".hwb-tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            Path(tmp).chmod(mode)
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"cannot write {path}", why=exc.strerror or str(exc),
                          hint="check that the folder is writable") from exc  # fmt: skip
