"""Resolve hwb's options through one cascade, lowest precedence first:

built-in defaults < ``pyproject.toml [tool.hwb]`` < ``hwb.toml`` (or ``--config FILE``) <
platform tables (``[tool.hwb.linux]``…) and ``[[tool.hwb.overrides]]`` matching the build
identifier < ``HWB_*`` environment variables < command-line flags.

Every value remembers where it came from.  All problems are collected and reported together;
nothing runs with an invalid configuration.
"""

from __future__ import annotations

import contextlib
import difflib
import fnmatch
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from headless_wheel_builder._log import logger
from headless_wheel_builder.config.files import ConfigFile, discover, load_explicit
from headless_wheel_builder.config.registry import (
    BY_NAME,
    OPTIONS,
    OVERRIDE_KEYS,
    PLATFORMS,
    SECTIONS,
    Option,
)
from headless_wheel_builder.errors import ConfigError

Source = Literal["default", "pyproject", "hwb.toml", "config", "override", "env", "cli"]
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Value:
    value: Any
    source: Source
    origin: str | None = None
    """``pyproject.toml:12``, ``HWB_OUTDIR``, ``--outdir`` …"""


@dataclass(frozen=True)
class Settings:
    """The effective value of every option, with its source."""

    values: Mapping[str, Value]
    files: tuple[Path, ...] = ()
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.values[name].value

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": [str(p) for p in self.files],
            "options": {
                name: {"value": _jsonable(v.value), "source": v.source, "origin": v.origin}
                for name, v in self.values.items()
            },
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def current_platform() -> str:
    return {"darwin": "macos", "win32": "windows"}.get(sys.platform, "linux")


class _Errors:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.lines.append(f"{where}: {message}")


_EXPECTED = {
    "str": "a string",
    "path": "a path (string)",
    "bool": "true or false",
    "int": "an integer",
    "float": "a number",
    "list": "a list of strings",
    "paths": "a list of paths",
    "settings": "a table of strings (or lists of strings)",
    "choice": "one of",
    "choices": "a list of",
}


def _coerce(option: Option, raw: Any, base: Path | None) -> tuple[Any, str | None]:
    """Convert a TOML (or parsed env) value; return (value, error message)."""
    kind = option.type
    expected = _EXPECTED[kind]
    if kind in ("choice", "choices"):
        expected = f"{expected} {', '.join(repr(c) for c in option.choices)}"
    bad = (None, f"expected {expected}, got {raw!r}")
    if kind == "str":
        return (raw, None) if isinstance(raw, str) else bad
    if kind == "path":
        return (_path(raw, base), None) if isinstance(raw, str) and raw else bad
    if kind == "bool":
        return (raw, None) if isinstance(raw, bool) else bad
    if kind == "int":
        return (raw, None) if isinstance(raw, int) and not isinstance(raw, bool) else bad
    if kind == "float":
        ok = isinstance(raw, (int, float)) and not isinstance(raw, bool) and raw > 0
        return (float(raw), None) if ok else bad
    if kind in ("list", "paths", "choices"):
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            return bad
        if kind == "choices" and any(v not in option.choices for v in raw):
            return bad
        return ([_path(v, base) for v in raw] if kind == "paths" else list(raw)), None
    if kind == "choice":
        return (raw, None) if isinstance(raw, str) and raw in option.choices else bad
    if kind == "settings":
        if not isinstance(raw, dict):
            return bad
        for value in raw.values():
            if not (
                isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
            ):
                return bad
        return dict(raw), None
    raise AssertionError(kind)  # pragma: no cover


def _path(value: str, base: Path | None) -> Path:
    path = Path(value)
    with contextlib.suppress(RuntimeError):  # "~nobody": keep the text as written
        path = path.expanduser()
    return path if base is None or path.is_absolute() else base / path


def parse_env(option: Option, text: str) -> tuple[Any, str | None]:
    """Parse an ``HWB_*`` value: lists are comma-separated, settings are space-separated
    ``KEY=VALUE`` pairs, booleans are true/false/1/0/yes/no/on/off."""
    kind = option.type
    if kind == "bool":
        low = text.strip().lower()
        if low in _TRUE or low in _FALSE:
            return low in _TRUE, None
        return None, f"expected true or false, got {text!r}"
    if kind in ("int", "float"):
        try:
            number: Any = int(text) if kind == "int" else float(text)
        except ValueError:
            return None, f"expected {_EXPECTED[kind]}, got {text!r}"
        return _coerce(option, number, None)
    if kind in ("list", "paths", "choices"):
        return _coerce(option, [p.strip() for p in text.split(",") if p.strip()], None)
    if kind == "settings":
        return parse_settings(text.split())
    return _coerce(option, text, None)


def parse_settings(items: list[str]) -> tuple[dict[str, str | list[str]], str | None]:
    """``KEY=VALUE`` items to config settings; a repeated KEY gives a list (as pypa/build)."""
    result: dict[str, str | list[str]] = {}
    for item in items:
        key, _, value = item.partition("=")
        if not key:
            return {}, f"expected KEY=VALUE, got {item!r}"
        previous = result.get(key)
        if previous is None:
            result[key] = value
        else:
            result[key] = [*(previous if isinstance(previous, list) else [previous]), value]
    return result, None


def _suggest(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _apply_table(
    table: Mapping[str, Any],
    file: ConfigFile,
    prefix: str,
    source: Source,
    values: dict[str, Value],
    errors: _Errors,
    *,
    top: bool,
) -> None:
    base = file.path.parent
    known = [o.name for o in OPTIONS if top or o.overridable]
    extra = [*SECTIONS, *PLATFORMS, "overrides"] if top else list(OVERRIDE_KEYS)
    for key, raw in table.items():
        dotted = f"{prefix}{key}"
        line = file.line_of(key)
        where = f"{file.path}:{line}" if line else str(file.path)
        if top and (key in SECTIONS or key in PLATFORMS or key == "overrides"):
            continue
        if not top and key in OVERRIDE_KEYS:
            continue
        option = BY_NAME.get(key)
        if option is None or (not top and not option.overridable):
            why = "is not allowed in an override table" if option else "is not an hwb option"
            errors.add(where, f"{dotted} {why}{_suggest(key, known + extra)}")
            continue
        value, problem = _coerce(option, raw, base)
        if problem:
            errors.add(where, f"{dotted}: {problem}")
        else:
            values[option.name] = Value(value, source, where)


def _overrides(
    file: ConfigFile, identifier: str | None, platform: str, values: dict[str, Value], errors: _Errors
) -> None:
    prefix = "tool.hwb." if file.kind == "pyproject" else ""
    plat = file.table.get(platform)
    if plat is not None:
        if isinstance(plat, dict):
            _apply_table(plat, file, f"{prefix}{platform}.", "override", values, errors, top=False)
        else:
            errors.add(str(file.path), f"{prefix}{platform} must be a table")
    for other in PLATFORMS:
        if other != platform and other in file.table and not isinstance(file.table[other], dict):
            errors.add(str(file.path), f"{prefix}{other} must be a table")
    entries = file.table.get("overrides", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        errors.add(str(file.path), f"{prefix}overrides must be an array of tables ([[{prefix}overrides]])")
        return
    for index, entry in enumerate(entries):
        select = entry.get("select")
        patterns = [select] if isinstance(select, str) else select
        if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) for p in patterns):
            errors.add(
                str(file.path),
                f"{prefix}overrides[{index}].select must be a pattern or a list of "
                'patterns such as "cp312-*"',
            )
            continue
        scratch: dict[str, Value] = {}
        _apply_table(entry, file, f"{prefix}overrides[{index}].", "override", scratch, errors, top=False)
        if identifier is not None and any(fnmatch.fnmatch(identifier, p) for p in patterns):
            values.update(scratch)


def resolve(
    project_dir: Path | None,
    *,
    cli: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
    identifier: str | None = None,
    platform: str | None = None,
) -> Settings:
    """The effective settings.  ``cli`` maps option names to values given on the command
    line (only those the user gave).  Raises ConfigError listing every problem found."""
    environ = os.environ if environ is None else environ
    platform = platform or current_platform()
    errors = _Errors()
    values: dict[str, Value] = {o.name: Value(o.default, "default") for o in OPTIONS}
    files: list[ConfigFile] = []
    if config_file is not None:
        files = [load_explicit(config_file)]
    elif project_dir is not None and project_dir.is_dir():
        files = discover(project_dir)
    for file in files:
        prefix = "tool.hwb." if file.kind == "pyproject" else ""
        _apply_table(file.table, file, prefix, file.kind, values, errors, top=True)  # type: ignore[arg-type]
    for file in files:
        _overrides(file, identifier, platform, values, errors)
    for option in OPTIONS:
        text = environ.get(option.env)
        if text is None or text == "":
            continue
        value, problem = parse_env(option, text)
        if problem:
            errors.add(option.env, problem)
        else:
            values[option.name] = Value(value, "env", option.env)
    for name, value in (cli or {}).items():
        option = BY_NAME[name]
        values[name] = Value(value, "cli", option.flag)
    known_env = {o.env for o in OPTIONS} | _OTHER_ENV
    for env_name in sorted(k for k in environ if k.startswith("HWB_") and k not in known_env):
        # A warning, not an error: other tools (and later hwb versions) may set HWB_* names.
        logger.warning(
            "ignoring %s: it is not an hwb option%s", env_name, _suggest(env_name, sorted(known_env))
        )
    if errors.lines:
        count = len(errors.lines)
        raise ConfigError(
            f"invalid configuration ({count} problem{'s' if count != 1 else ''})",
            details="\n".join(f"  {line}" for line in errors.lines),
            hint="fix the keys named above; `hwb config show` prints the effective configuration "
            "and docs/CONFIGURATION.md lists every option",
        )
    sections: dict[str, dict[str, Any]] = {}
    for name in SECTIONS:
        merged: dict[str, Any] = {}
        for file in files:
            table = file.table.get(name)
            if isinstance(table, dict):
                merged.update(table)
        sections[name] = merged
    return Settings(values=values, files=tuple(f.path for f in files), sections=sections)


#: HWB_* variables that are not options but are read elsewhere.
_OTHER_ENV = frozenset(
    {
        "HWB_LOG_DIR",
        "HWB_LOG_FORMAT",
        "HWB_PUBLISH_TOKEN",
        "HWB_PUBLISH_USERNAME",
        "HWB_PUBLISH_PASSWORD",
        "HWB_TEST_CACHE",
        "HWB_CORPUS_TSV",
        "HWB_CACHE_DIR",
        "HWB_MAX_ARCHIVE_SIZE",
        "HWB_PUBLISH_REPOSITORY",
        "HWB_PYPIRC",
        "HWB_CODEARTIFACT_ENDPOINT_URL",
        "HWB_REQUIREMENT",
        "HWB_CORPUS_PYTHON",
        "HWB_UPDATE_GOLDEN",
    }
)
