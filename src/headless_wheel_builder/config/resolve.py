"""Resolve hwb's options through one cascade, lowest precedence first:

built-in defaults < the user's configuration (``hwb/config.toml``) < cibuildwheel's
(``[tool.cibuildwheel]`` and ``CIBW_*``, translated by ``config/cibuildwheel.py``) <
``pyproject.toml [tool.hwb]`` < ``hwb.toml`` (or ``--config FILE``) < platform tables (``[tool.hwb.linux]``…)
and ``[[tool.hwb.overrides]]`` matching the build identifier < ``HWB_*`` environment variables
< command-line flags.

Every value remembers where it came from.  All problems are collected and reported together;
nothing runs with an invalid configuration.  A user-only option set by the project's own files is
ignored with a warning (an error with ``--strict``): ``config/trust.py``.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from headless_wheel_builder._log import logger
from headless_wheel_builder.config import trust
from headless_wheel_builder.config.files import ConfigFile, discover, load_explicit, load_user, section
from headless_wheel_builder.config.options import Options
from headless_wheel_builder.config.registry import (
    BY_NAME,
    FILE_OPTIONS,
    OPTIONS,
    OVERRIDE_KEYS,
    PLATFORMS,
    SECTIONS,
)
from headless_wheel_builder.config.validate import coerce as _coerce
from headless_wheel_builder.config.validate import parse_env, parse_settings
from headless_wheel_builder.errors import ConfigError

__all__ = ["Settings", "Source", "Value", "current_platform", "parse_env", "parse_settings", "resolve"]

Source = Literal[
    "default", "user", "cibuildwheel", "pyproject", "hwb.toml", "config", "override", "env", "cli"
]


@dataclass(frozen=True)
class Value:
    value: Any
    source: Source
    origin: str | None = None
    """``pyproject.toml:12``, ``HWB_OUTDIR``, ``--outdir`` …"""


@dataclass(frozen=True)
class Settings:
    """The effective value of every option, with its source; :attr:`options` is the typed view."""

    values: Mapping[str, Value]
    files: tuple[Path, ...] = ()
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @cached_property
    def options(self) -> Options:
        """Every option's value, typed (read ``settings.options.outdir``)."""
        return Options.from_values({name: v.value for name, v in self.values.items()})

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
    """This machine's platform table name (``linux``, ``macos``, ``windows``)."""
    from headless_wheel_builder.platforms import host_platform

    return host_platform()


class _Errors:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.violations: list[trust.Violation] = []
        #: What cibuildwheel's layer could not map (one warning, unless the layer is turned off).
        self.cibuildwheel_unsupported: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.lines.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        if not self.lines:
            return
        count = len(self.lines)
        raise ConfigError(
            f"invalid configuration ({count} problem{'s' if count != 1 else ''})",
            details="\n".join(f"  {line}" for line in self.lines),
            hint="fix the keys named above; `hwb config show` prints the effective configuration "
            "and docs/CONFIGURATION.md lists every option",
        )


def _suggest(key: str, known: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _structural(key: str, *, top: bool) -> bool:
    """A key that is a table of its own, not an option (handled elsewhere)."""
    if top:
        return key in SECTIONS or key in PLATFORMS or key == "overrides"
    return key in OVERRIDE_KEYS


def _unknown(key: str, dotted: str, *, top: bool) -> str | None:
    """Why ``key`` may not be set here, or None."""
    option = BY_NAME.get(key)
    if option is not None and option.config and (top or option.overridable):
        return None
    known = [o.name for o in FILE_OPTIONS if top or o.overridable]
    extra = [*SECTIONS, *PLATFORMS, "overrides"] if top else list(OVERRIDE_KEYS)
    why = "is not allowed in an override table" if option and option.config else "is not an hwb option"
    return f"{dotted} {why}{_suggest(key, known + extra)}"


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
    for key, raw in table.items():
        if _structural(key, top=top):
            continue
        dotted = f"{prefix}{key}"
        line = file.line_of(key)
        where = f"{file.path}:{line}" if line else str(file.path)
        problem = _unknown(key, dotted, top=top)
        if problem:
            errors.add(where, problem)
            continue
        option = BY_NAME[key]
        if not option.project and trust.is_project(file):
            errors.violations.append(trust.Violation(dotted, where))
            continue
        value, problem = _coerce(option, raw, base)
        if problem:
            errors.add(where, f"{dotted}: {problem}")
        else:
            values[option.name] = Value(value, source, where)


def _select_patterns(entry: Mapping[str, Any]) -> list[str] | None:
    select = entry.get("select")
    patterns = [select] if isinstance(select, str) else select
    if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) for p in patterns):
        return None
    return patterns


def _platform_tables(file: ConfigFile, platform: str, values: dict[str, Value], errors: _Errors) -> None:
    prefix = "tool.hwb." if file.kind == "pyproject" else ""
    for name in PLATFORMS:
        table = file.table.get(name)
        if table is not None and not isinstance(table, dict):
            errors.add(str(file.path), f"{prefix}{name} must be a table")
        elif name == platform and table is not None:
            _apply_table(table, file, f"{prefix}{name}.", "override", values, errors, top=False)


def _overrides(
    file: ConfigFile, identifier: str | None, platform: str, values: dict[str, Value], errors: _Errors
) -> None:
    prefix = "tool.hwb." if file.kind == "pyproject" else ""
    _platform_tables(file, platform, values, errors)
    entries = file.table.get("overrides", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        errors.add(str(file.path), f"{prefix}overrides must be an array of tables ([[{prefix}overrides]])")
        return
    for index, entry in enumerate(entries):
        patterns = _select_patterns(entry)
        if patterns is None:
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


def _files(
    project_dir: Path | None, config_file: Path | None, environ: Mapping[str, str], *, user: bool
) -> list[ConfigFile]:
    """The user's file (when ``user``), then ``--config FILE`` or the project's files."""
    files = load_user(environ) if user else []
    if config_file is not None:
        return [*files, load_explicit(config_file)]
    if project_dir is not None and project_dir.is_dir():
        return [*files, *discover(project_dir, user=False)]
    return files


def _apply_cibuildwheel(
    project_dir: Path | None,
    environ: Mapping[str, str],
    identifier: str | None,
    platform: str,
    values: dict[str, Value],
    errors: _Errors,
) -> bool:
    """cibuildwheel's layer: ``[tool.cibuildwheel]`` of the project's pyproject.toml and the
    ``CIBW_*`` variables, as hwb options (source ``cibuildwheel``).  What hwb cannot do is named
    in one warning, for the build as a whole (``identifier`` None), unless a later layer turns
    the ``cibuildwheel`` option off (then :func:`_drop_cibuildwheel` takes the layer out again).
    Returns True."""
    from headless_wheel_builder.config import cibuildwheel

    table, path = _cibuildwheel_table(project_dir)
    layer = cibuildwheel.read_layer(table, environ, platform=platform, identifier=identifier,  # type: ignore[arg-type]
                                    file=str(path))  # fmt: skip
    for where, message in layer.problems:
        errors.add(where, message)
    for name, raw, origin, from_project in layer.values:
        option = BY_NAME[name]
        if from_project and not option.project:
            errors.violations.append(trust.Violation(origin.partition(": ")[2], str(path)))
            continue
        value, problem = _coerce(option, raw, project_dir)
        if problem:
            errors.add(origin, f"{name} (from cibuildwheel's option): {problem}")
        else:
            values[name] = Value(value, "cibuildwheel", origin)
    if identifier is None and layer.unsupported:
        errors.cibuildwheel_unsupported.extend(layer.unsupported)
    return True


def _drop_cibuildwheel(values: dict[str, Value], below: dict[str, Value]) -> None:
    """``cibuildwheel = false``: every value cibuildwheel's layer set, and no later layer
    replaced, goes back to what was below it."""
    for name, value in values.items():
        if value.source == "cibuildwheel":
            values[name] = below[name]


def _cibuildwheel_table(project_dir: Path | None) -> tuple[dict[str, Any] | None, Path]:
    """``[tool.cibuildwheel]`` of ``project_dir/pyproject.toml`` (None: none), and the path."""
    from headless_wheel_builder.config.files import parse_toml

    path = (project_dir or Path.cwd()) / "pyproject.toml"
    if project_dir is None or not path.is_file():
        return None, path
    try:
        if "cibuildwheel" not in path.read_text(encoding="utf-8", errors="replace"):
            return None, path
    except OSError:
        return None, path
    table = parse_toml(path)[0].get("tool", {}).get("cibuildwheel")
    return (table if isinstance(table, dict) else None), path


def _strict(cli: Mapping[str, Any], environ: Mapping[str, str], files: list[ConfigFile]) -> bool:
    """``--strict``, else ``HWB_STRICT``, else ``strict`` in a trusted file."""
    if "strict" in cli:
        return bool(cli["strict"])
    if environ.get(BY_NAME["strict"].env):
        return trust.strict_from_env(environ)
    return any(f.table.get("strict") is True for f in files if not trust.is_project(f))


def _apply_env(environ: Mapping[str, str], values: dict[str, Value], errors: _Errors) -> None:
    for option in OPTIONS:
        text = environ.get(option.env)
        if text is None or text == "":
            continue
        value, problem = parse_env(option, text)
        if problem:
            errors.add(option.env, problem)
        else:
            values[option.name] = Value(value, "env", option.env)


def _raw(value: Any) -> Any:
    """A command-line value in its TOML form (paths as strings), for the one validator."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_raw(v) for v in value]
    return value


def _apply_cli(cli: Mapping[str, Any], values: dict[str, Value], errors: _Errors) -> None:
    for name, given in cli.items():
        option = BY_NAME[name]
        value, problem = _coerce(option, _raw(given), None)
        if problem:
            errors.add(option.flag or name, problem)
        else:
            values[name] = Value(value, "cli", option.flag)


def _warn_unknown_env(environ: Mapping[str, str]) -> None:
    known_env = {o.env for o in OPTIONS} | _OTHER_ENV
    for env_name in sorted(k for k in environ if k.startswith("HWB_") and k not in known_env):
        # A warning, not an error: other tools (and later hwb versions) may set HWB_* names.
        logger.warning(
            "ignoring %s: it is not an hwb option%s", env_name, _suggest(env_name, sorted(known_env))
        )


def resolve(
    project_dir: Path | None,
    *,
    cli: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
    identifier: str | None = None,
    platform: str | None = None,
    user_config: bool = True,
) -> Settings:
    """The effective settings.  ``cli`` maps option names to values given on the command
    line (only those the user gave).  ``user_config``: read the user's configuration file.
    Raises ConfigError listing every problem found."""
    environ = os.environ if environ is None else environ
    cli = cli or {}
    errors = _Errors()
    values: dict[str, Value] = {o.name: Value(o.default, "default") for o in OPTIONS}
    cibuildwheel_read = False
    files = _files(project_dir, config_file, environ, user=user_config)
    host = platform or current_platform()
    below_cibuildwheel = values
    for file in sorted(files, key=lambda f: f.kind != "user"):  # the user's file, then the project's
        if file.kind != "user" and not cibuildwheel_read:
            below_cibuildwheel = dict(values)
            cibuildwheel_read = _apply_cibuildwheel(project_dir, environ, identifier, host, values,
                                                    errors)  # fmt: skip
        prefix = "tool.hwb." if file.kind == "pyproject" else ""
        _apply_table(file.table, file, prefix, file.kind, values, errors, top=True)  # type: ignore[arg-type]
    if not cibuildwheel_read:
        below_cibuildwheel = dict(values)
        _apply_cibuildwheel(project_dir, environ, identifier, host, values, errors)
    for file in files:
        _overrides(file, identifier, host, values, errors)
    _apply_env(environ, values, errors)
    _apply_cli(cli, values, errors)
    if values["cibuildwheel"].value is False:
        _drop_cibuildwheel(values, below_cibuildwheel)
    elif errors.cibuildwheel_unsupported:
        logger.warning("cibuildwheel options hwb does not support, ignored: %s (docs/CIBUILDWHEEL.md)",
                       "; ".join(dict.fromkeys(errors.cibuildwheel_unsupported)))
    _warn_unknown_env(environ)
    errors.raise_if_any()
    strict = _strict(cli, environ, files)
    trust.report(errors.violations, strict=strict)
    sections = {name: section(files, name, strict=strict)[0] for name in SECTIONS}
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
        "HWB_USER_CONFIG",
        "HWB_OWNER",  # set by hwb in the processes it starts (_proc.OWNER_VAR)
    }
)
