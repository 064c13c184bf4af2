"""The one validator of option values, derived from the registry's types.

Files (TOML values), ``HWB_*`` variables (:func:`parse_env`) and command-line values all go
through :func:`coerce`; ``config/resolve.py`` calls it for every layer of the cascade.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from headless_wheel_builder.config.option import Option

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

_EXPECTED = {
    "str": "a string",
    "path": "a path (string)",
    "bool": "true or false",
    "int": "an integer",
    "float": "a number",
    "list": "a list of strings",
    "paths": "a list of paths",
    "settings": "a table of strings (or lists of strings)",
    "table": "a table of strings",
    "choice": "one of",
    "choices": "a list of",
}


def _is_strings(raw: Any) -> bool:
    return isinstance(raw, list) and all(isinstance(v, str) for v in raw)


def _is_settings(raw: Any) -> bool:
    return isinstance(raw, dict) and all(isinstance(v, str) or _is_strings(v) for v in raw.values())


def _is_number(raw: Any) -> bool:
    return isinstance(raw, (int, float)) and not isinstance(raw, bool) and raw > 0


#: One check per option type: the one validator of TOML (and parsed env) values.
_CHECKS: dict[str, Callable[[Option, Any], bool]] = {
    "str": lambda _, raw: isinstance(raw, str),
    "path": lambda _, raw: isinstance(raw, str) and bool(raw),
    "bool": lambda _, raw: isinstance(raw, bool),
    "int": lambda _, raw: isinstance(raw, int) and not isinstance(raw, bool),
    "float": lambda _, raw: _is_number(raw),
    "list": lambda _, raw: _is_strings(raw),
    "paths": lambda _, raw: _is_strings(raw),
    "choices": lambda option, raw: _is_strings(raw) and all(v in option.choices for v in raw),
    "choice": lambda option, raw: isinstance(raw, str) and raw in option.choices,
    "settings": lambda _, raw: _is_settings(raw),
    "table": lambda _, raw: isinstance(raw, dict) and all(isinstance(v, str) for v in raw.values()),
}


def _valid(option: Option, raw: Any) -> bool:
    """Whether a TOML (or parsed env) value has the option's type."""
    return _CHECKS[option.type](option, raw)


def coerce(option: Option, raw: Any, base: Path | None) -> tuple[Any, str | None]:
    """Convert a TOML (or parsed env) value; return (value, error message)."""
    if not _valid(option, raw):
        expected = _EXPECTED[option.type]
        if option.choices:
            expected = f"{expected} {', '.join(repr(c) for c in option.choices)}"
        return None, f"expected {expected}, got {raw!r}"
    match option.type:
        case "path":
            return _path(raw, base), None
        case "float":
            return float(raw), None
        case "paths":
            return [_path(v, base) for v in raw], None
        case "list" | "choices":
            return list(raw), None
        case "settings" | "table":
            return dict(raw), None
    return raw, None


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
        return coerce(option, number, None)
    if kind in ("list", "paths", "choices"):
        return coerce(option, [p.strip() for p in text.split(",") if p.strip()], None)
    if kind in ("settings", "table"):
        table, problem = parse_settings(text.split())
        return (None, problem) if problem else coerce(option, table, None)
    return coerce(option, text, None)


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
