"""Command-line flags derived from the option registry, both ways.

- :func:`add_options` adds a command's option flags to its argparse parser;
- :func:`values_from_args` reads back what the user typed, keyed by option name, for
  :func:`~headless_wheel_builder.config.resolve.resolve` (only the flags given: every default
  is None, so a flag never hides a file or variable it did not set);
- :func:`to_argv` turns resolved options into the flags that give them again (the argv of a
  build inside a container).  Parsing ``to_argv(options, command)`` with the parser of
  ``command`` gives back the same values (tests/unit/test_config_registry.py).
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from headless_wheel_builder.config.registry import GLOBAL, GROUPS, Option, for_command

if TYPE_CHECKING:
    from headless_wheel_builder.config.options import Options
    from headless_wheel_builder.config.resolve import Settings

_Container = argparse.ArgumentParser | argparse._ArgumentGroup
_CONVERT: dict[str, Callable[[str], object]] = {"path": Path, "paths": Path, "int": int, "float": float}


def add_options(parser: _Container, command: str, *, suppress: bool = False) -> None:
    """Add every option flag of ``command`` to ``parser``, in argument groups (:data:`GROUPS`).

    ``suppress``: the default is ``argparse.SUPPRESS`` (the global flags repeated after a
    command name must not reset what was given before it)."""
    groups: dict[str, _Container] = {}
    for option in for_command(command):
        target: _Container = parser
        if option.group is not None and isinstance(parser, argparse.ArgumentParser):
            if option.group not in groups:
                groups[option.group] = parser.add_argument_group(GROUPS[option.group])
            target = groups[option.group]
        _add(target, option, argparse.SUPPRESS if suppress else None)


def _add(target: _Container, option: Option, default: object) -> None:
    common: dict[str, Any] = {"dest": option.attr, "default": default}
    help_text = option.cli_help or option.help
    if option.arg == "choice-flags":
        for index, choice in enumerate(option.choices):
            flags = option.flags[2 * index : 2 * index + 2]
            target.add_argument(*flags, dest=choice, action="store_true", default=default,
                                help=option.choice_help[index])  # fmt: skip
        return
    if option.arg == "const":
        target.add_argument(*option.flags, action="store_const", const=option.const, help=help_text, **common)
        return
    if option.arg != "value":
        common["action"] = "append"
    if option.type in _CONVERT:
        common["type"] = _CONVERT[option.type]
    if option.choices:
        common["choices"] = list(option.choices)
    else:
        common["metavar"] = option.metavar
    target.add_argument(*option.flags, help=help_text, **common)


def values_from_args(args: argparse.Namespace, command: str) -> dict[str, object]:
    """The options given on the command line of ``command`` (and the global ones), by name.

    ``hwb build``: one ``--python`` that is not ``all`` also sets ``python`` (a single build)."""
    given: dict[str, object] = {}
    for option in (*for_command(command), *for_command(GLOBAL)):
        value = _read(args, option)
        if value is not None:
            given[option.name] = value
    pythons = given.get("pythons")
    if isinstance(pythons, list) and len(pythons) == 1 and pythons[0].lower() != "all":
        given["python"] = pythons[0]
    return given


def _read(args: argparse.Namespace, option: Option) -> object:
    if option.arg == "choice-flags":
        chosen = [c for c in option.choices if getattr(args, c, None)]
        return chosen or None
    raw = getattr(args, option.attr, None)
    if raw is None or raw == []:
        return None
    match option.arg:
        case "split":
            return [part.strip() for value in raw for part in value.split(",") if part.strip()]
        case "shlex":
            return [part for value in raw for part in shlex.split(value)]
        case "pairs":
            return _pairs(option, raw)
        case "append":
            return list(raw)
    return raw


def _pairs(option: Option, items: list[str]) -> dict[str, str | list[str]]:
    from headless_wheel_builder.config.validate import parse_settings
    from headless_wheel_builder.errors import UsageError

    settings, problem = parse_settings(items)
    if problem:
        raise UsageError(
            f"invalid {option.long_flag} value: {problem}",
            hint=f"write {option.long_flag} KEY=VALUE (or KEY= for an empty value)",
        )
    return settings


def to_argv(
    options: Options | Settings, command: str = "build", *, exclude: Collection[str] = ()
) -> list[str]:
    """The flags of ``command`` that give every non-default option of ``options`` again.

    ``exclude``: option names to leave out (for a build inside a container: the container's
    own options).  Options without a flag for ``command`` are left out too (``hwb build`` has no
    flag for ``python`` alone: a single ``--python`` sets ``pythons`` and ``python``)."""
    from headless_wheel_builder.config.options import Options

    resolved = options if isinstance(options, Options) else options.options
    defaults = Options()
    argv: list[str] = []
    for option in for_command(command):
        value = getattr(resolved, option.attr)
        if option.name in exclude or value == getattr(defaults, option.attr):
            continue
        argv += _flags_for(option, value)
    return argv


def _flags_for(option: Option, value: object) -> list[str]:
    flag = option.long_flag
    match option.arg:
        case "choice-flags":
            return [f"--{choice}" for choice in _seq(value)]
        case "const":
            return [str(flag)] if value == option.const else []
        case "value":
            return [f"{flag}={value}"]
        case "shlex":
            return [f"{flag}={shlex.quote(str(item))}" for item in _seq(value)]
        case "pairs":
            assert isinstance(value, Mapping)
            return [f"{flag}={key}={item}" for key, items in value.items() for item in _seq(items)]
    return [f"{flag}={item}" for item in _seq(value)]


def _seq(value: object) -> list[object]:
    return list(value) if isinstance(value, (list, tuple)) else [value]
