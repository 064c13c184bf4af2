"""Editor integration for ``hwb init --editor vscode|pycharm``.

VS Code gets ``.vscode/tasks.json`` with the tasks ``hwb: build``, ``hwb: check`` and
``hwb: publish`` and problem matchers for the lines hwb prints about a file (a configuration
problem ``  FILE:LINE: message`` and ``error: …: FILE:LINE:COL: message``); PyCharm gets one run
configuration per command under ``.run/`` (``hwb build.run.xml`` …) that runs the
``headless_wheel_builder`` module with the project's interpreter.

Existing files are merged, never overwritten: tasks.json may be JSONC (comments, trailing
commas), so hwb inserts its tasks into the text and keeps everything else byte for byte; a task
or run configuration of the same name that differs from hwb's is kept and reported as a
conflict.  Writes are atomic (a temporary file renamed over the target).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from headless_wheel_builder.errors import OutputError, ProjectError, UsageError
from headless_wheel_builder.migrate._toml import write_atomically

Editor = Literal["vscode", "pycharm"]
EDITORS: tuple[Editor, ...] = ("vscode", "pycharm")
FileStatus = Literal["created", "updated", "unchanged"]

#: The commands the editors get: (name, arguments of ``hwb``).
COMMANDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("build", ("build",)),
    ("check", ("check", "dist/")),
    ("publish", ("publish", "dist/")),
)

#: A configuration problem as hwb lists it before ``error: invalid configuration``:
#: ``  /path/pyproject.toml:5: tool.hwb.outdri is not an hwb option``.
CONFIG_PROBLEM_RE = r"^\s+(\S.*?\.toml):(\d+): (.*)$"
#: An error with a location: ``error: pyproject.toml is not valid TOML: /path/pyproject.toml:3:11: …``.
LOCATED_ERROR_RE = r"^error: (?:.*?: )?(\S+?):(\d+):(\d+): (.*)$"


def problem_matchers() -> list[dict[str, Any]]:
    """VS Code problem matchers for hwb's output (the regexes are JavaScript-compatible)."""
    common = {"owner": "hwb", "source": "hwb", "fileLocation": ["autoDetect", "${workspaceFolder}"]}
    return [
        {
            **common,
            "severity": "error",
            "pattern": {"regexp": CONFIG_PROBLEM_RE, "file": 1, "line": 2, "message": 3},
        },
        {
            **common,
            "severity": "error",
            "pattern": {"regexp": LOCATED_ERROR_RE, "file": 1, "line": 2, "column": 3, "message": 4},
        },
    ]


def vscode_tasks(*, default_build: bool = True) -> list[dict[str, Any]]:
    """hwb's tasks (``default_build``: ``hwb: build`` is the default build task)."""
    tasks: list[dict[str, Any]] = []
    for name, args in COMMANDS:
        task: dict[str, Any] = {
            "label": f"hwb: {name}",
            "type": "shell",
            "command": "hwb",
            "args": list(args),
        }
        if name == "build":
            task["group"] = {"kind": "build", "isDefault": True} if default_build else "build"
        elif name == "check":
            task["group"] = "test"
        task["problemMatcher"] = problem_matchers()
        tasks.append(task)
    return tasks


@dataclass(frozen=True, kw_only=True)
class EditorFile:
    path: Path
    status: FileStatus
    text: str
    added: tuple[str, ...] = ()
    """The tasks / configurations hwb added to it."""

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "status": self.status, "added": list(self.added)}


@dataclass(frozen=True, kw_only=True)
class EditorReport:
    """What ``hwb init --editor`` wrote (or, with ``dry_run``, would write)."""

    files: tuple[EditorFile, ...] = ()
    conflicts: tuple[str, ...] = ()
    """Names hwb would have added that exist with other content: kept as they are."""
    dry_run: bool = False
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": [f.to_dict() for f in self.files],
            "conflicts": list(self.conflicts),
            "dry_run": self.dry_run,
            "notes": list(self.notes),
        }


def write_editor_files(project: Path, editors: tuple[str, ...], *, dry_run: bool = False) -> EditorReport:
    """Write (or merge into) the files of each editor in ``editors`` for the project in ``project``."""
    unknown = [e for e in editors if e not in EDITORS]
    if unknown or not editors:
        what = f"unknown editor {unknown[0]!r}" if unknown else "no editor given"
        raise UsageError(what, hint="use --editor vscode or --editor pycharm")
    if not project.is_dir():
        raise UsageError(f"{project} is not a folder", hint="give the project's folder")
    files: list[EditorFile] = []
    conflicts: list[str] = []
    for editor in dict.fromkeys(editors):
        made, clashes = _vscode(project) if editor == "vscode" else _pycharm(project)
        files.extend(made)
        conflicts.extend(clashes)
    if not dry_run:
        for item in files:
            if item.status != "unchanged":
                _mkdir(item.path.parent)
                write_atomically(item.path, item.text)
    return EditorReport(files=tuple(files), conflicts=tuple(conflicts), dry_run=dry_run)


# -- VS Code --------------------------------------------------------------------------------


def _vscode(project: Path) -> tuple[list[EditorFile], list[str]]:
    path = project / ".vscode" / "tasks.json"
    if not path.exists():
        text = json.dumps({"version": "2.0.0", "tasks": vscode_tasks()}, indent=2) + "\n"
        return [EditorFile(path=path, status="created", text=text, added=_labels(vscode_tasks()))], []
    original = _read(path)
    data = _parse_jsonc(original, path)
    existing = {t.get("label"): t for t in data.get("tasks", []) if isinstance(t, dict)}
    has_default = any(_is_default_build(t) for t in existing.values())
    new, conflicts = [], []
    for task in vscode_tasks(default_build=not has_default):
        theirs = existing.get(task["label"])
        if theirs is None:
            new.append(task)
        elif theirs not in _same_task(task):
            conflicts.append(f"{path}: task {task['label']!r} exists and differs from hwb's: kept yours")
    if not new:
        return [EditorFile(path=path, status="unchanged", text=original)], conflicts
    text = _insert_tasks(original, data, new, path)
    return [EditorFile(path=path, status="updated", text=text, added=_labels(new))], conflicts


def _same_task(task: dict[str, Any]) -> list[dict[str, Any]]:
    """hwb's task as an earlier run may have written it (the build task default or not)."""
    if "group" not in task or task["label"] != "hwb: build":
        return [task]
    return [{**task, "group": group} for group in ("build", {"kind": "build", "isDefault": True})]


def _labels(tasks: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(str(t["label"]) for t in tasks)


def _is_default_build(task: dict[str, Any]) -> bool:
    group = task.get("group")
    return isinstance(group, dict) and group.get("kind") == "build" and group.get("isDefault") is True


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError(f"cannot read {path}", why=str(exc), hint="check the file") from exc


def _strip_jsonc(text: str) -> str:
    """``text`` with comments and trailing commas blanked out, every offset unchanged."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i = _string_end(text, i)
            continue
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end == -1 else end
            out[i:end] = " " * (end - i)
            i = end
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end == -1 else end + 2
            out[i:end] = [ch if ch == "\n" else " " for ch in text[i:end]]
            i = end
            continue
        i += 1
    stripped = "".join(out)
    return re.sub(r",(\s*[}\]])", lambda m: " " + m[1], stripped)


def _string_end(text: str, start: int) -> int:
    """The index after the JSON string that opens at ``start``."""
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i + 1
        i += 1
    return len(text)


def _parse_jsonc(text: str, path: Path) -> dict[str, Any]:
    try:
        data = json.loads(_strip_jsonc(text))
    except json.JSONDecodeError as exc:
        raise ProjectError(
            f"cannot merge hwb's tasks into {path}",
            why=f"it is not valid JSON with comments (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            hint="fix the file (VS Code shows the error), or move it away and rerun to get a new one",
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("tasks", []), list):
        raise ProjectError(
            f"cannot merge hwb's tasks into {path}",
            why='it is not an object with a "tasks" list, as VS Code\'s tasks.json is',
            hint="fix the file, or move it away and rerun to get a new one",
        )
    return data


def _insert_tasks(original: str, data: dict[str, Any], tasks: list[dict[str, Any]], path: Path) -> str:
    """``original`` with ``tasks`` added at the start of its ``"tasks"`` array (or a new
    ``"tasks"`` member): comments, order and formatting of the rest stay as they were."""
    stripped = _strip_jsonc(original)
    indent = _indent(original)
    body = ",\n".join(_indented(json.dumps(t, indent=len(indent)), indent * 2) for t in tasks)
    at = _tasks_array(stripped)
    if at is not None:
        tail = "," if data.get("tasks") else ""
        text = f"{original[: at + 1]}\n{body}{tail}{original[at + 1 :]}"
    else:
        brace = stripped.index("{")
        tail = "," if data else ""
        text = f'{original[: brace + 1]}\n{indent}"tasks": [\n{body}\n{indent}]{tail}{original[brace + 1 :]}'
    merged = _parse_jsonc(text, path)  # what VS Code will read: hwb's tasks, then the others
    labels = [t.get("label") for t in merged.get("tasks", []) if isinstance(t, dict)]
    if labels[: len(tasks)] != [t["label"] for t in tasks]:
        raise ProjectError(
            f"cannot merge hwb's tasks into {path}",
            why="inserting them into its text would not give a tasks list that starts with them",
            hint="add the tasks by hand (`hwb init --editor vscode --dry-run` in an empty folder shows them)",
        )
    return text


def _indent(text: str) -> str:
    match = re.search(r"^([ \t]+)\S", text, flags=re.M)
    return match[1] if match else "  "


def _indented(block: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in block.splitlines())


def _tasks_array(stripped: str) -> int | None:
    """The offset of the ``[`` of the top-level ``"tasks"`` member, or None."""
    depth, i, n = 0, 0, len(stripped)
    while i < n:
        c = stripped[i]
        if c == '"':
            end = _string_end(stripped, i)
            if depth == 1 and json.loads(stripped[i:end]) == "tasks":
                match = re.compile(r"\s*:\s*\[").match(stripped, end)
                if match:
                    return match.end() - 1
            i = end
            continue
        depth += 1 if c in "{[" else -1 if c in "}]" else 0
        i += 1
    return None


# -- PyCharm --------------------------------------------------------------------------------

_RUN_XML = """<component name="ProjectRunConfigurationManager">
  <configuration default="false" name="{name}" type="PythonConfigurationType" factoryName="Python">
    <module name="{module}" />
    <option name="ENV_FILES" value="" />
    <option name="INTERPRETER_OPTIONS" value="" />
    <option name="PARENT_ENVS" value="true" />
    <envs>
      <env name="PYTHONUNBUFFERED" value="1" />
    </envs>
    <option name="SDK_HOME" value="" />
    <option name="WORKING_DIRECTORY" value="$PROJECT_DIR$" />
    <option name="IS_MODULE_SDK" value="true" />
    <option name="ADD_CONTENT_ROOTS" value="true" />
    <option name="ADD_SOURCE_ROOTS" value="true" />
    <option name="SCRIPT_NAME" value="headless_wheel_builder" />
    <option name="PARAMETERS" value="{parameters}" />
    <option name="SHOW_COMMAND_LINE" value="false" />
    <option name="EMULATE_TERMINAL" value="true" />
    <option name="MODULE_MODE" value="true" />
    <option name="REDIRECT_INPUT" value="false" />
    <option name="INPUT_FILE" value="" />
    <method v="2" />
  </configuration>
</component>
"""
_NAME_RE = re.compile(r"<configuration\b[^>]*?\bname=\"([^\"]*)\"")


def pycharm_configuration(name: str, args: tuple[str, ...], module: str) -> str:
    """A PyCharm run configuration (``.run/NAME.run.xml``) running ``python -m
    headless_wheel_builder ARGS`` with the interpreter of the IDE module ``module``."""
    return _RUN_XML.format(
        name=html.escape(name), module=html.escape(module), parameters=html.escape(" ".join(args))
    )


def _pycharm(project: Path) -> tuple[list[EditorFile], list[str]]:
    folder = project / ".run"
    taken: dict[str, Path] = {}
    for existing in sorted(folder.glob("*.xml")) if folder.is_dir() else []:
        for found in _NAME_RE.findall(_read(existing)):
            taken.setdefault(html.unescape(found), existing)
    module = project.resolve().name
    files: list[EditorFile] = []
    conflicts: list[str] = []
    for command, args in COMMANDS:
        name = f"hwb {command}"
        path = folder / f"{name}.run.xml"
        text = pycharm_configuration(name, args, module)
        where = taken.get(name)
        if where is None:
            files.append(EditorFile(path=path, status="created", text=text, added=(name,)))
        elif where == path and _read(path) == text:
            files.append(EditorFile(path=path, status="unchanged", text=text))
        else:
            conflicts.append(f"{where}: run configuration {name!r} exists and differs from hwb's: kept yours")
    return files, conflicts


def _mkdir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {folder}", why=exc.strerror or str(exc),
                          hint="check that the folder is writable") from exc  # fmt: skip
