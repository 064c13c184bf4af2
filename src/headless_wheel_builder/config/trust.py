"""The trust boundary: what a project's own configuration may not set.

A project's ``pyproject.toml [tool.hwb]`` and a discovered ``hwb.toml`` are written by whoever
wrote the project; when hwb builds someone else's sdist or git URL they are untrusted input.
Options that reach the host or its secrets (``Option.project`` is False in the registry) and the
user-only keys of stage tables (:data:`~headless_wheel_builder.config.registry.USER_ONLY_SECTION_KEYS`)
come only from the user's side: flags, ``HWB_*`` variables, the user's configuration file and a
file passed with ``--config``.  Set by a project, they are ignored with a warning naming the key
and the file; with ``--strict`` (``HWB_STRICT``) they are a :class:`ConfigError`.
docs/SECURITY.md has the table of user-only options and why.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from headless_wheel_builder._log import logger
from headless_wheel_builder.config.registry import USER_ONLY_SECTION_KEYS
from headless_wheel_builder.errors import ConfigError


class ConfigFile(Protocol):
    """What the boundary needs of a configuration file (``config.files.ConfigFile``; named
    structurally so that ``files`` may use this module without a cycle)."""

    @property
    def path(self) -> Path: ...

    @property
    def kind(self) -> str: ...

    def line_of(self, dotted_key: str) -> int | None: ...

    def line_of_table(self, dotted_key: str) -> int | None: ...

#: The kinds of configuration file that belong to the project, not to the user.
PROJECT_KINDS = frozenset({"pyproject", "hwb.toml"})
_WHERE_INSTEAD = (
    "set it with a flag, an HWB_* variable, your user configuration (hwb/config.toml in the "
    "user config folder, or HWB_USER_CONFIG) or --config FILE"
)


@dataclass(frozen=True)
class Violation:
    """A user-only key that a project's own configuration sets."""

    key: str
    """The dotted key as written (``tool.hwb.container-engine-args``)."""
    where: str
    """``path/pyproject.toml:12``."""

    def message(self) -> str:
        return (
            f"{self.where}: {self.key} is ignored: a project's own configuration may not set it "
            "(it reaches the host or its secrets); the value has no effect"
        )


def strict_from_env(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``HWB_STRICT`` asks for strict mode (true/1/yes/on)."""
    text = (os.environ if environ is None else environ).get("HWB_STRICT", "")
    return text.strip().lower() in {"1", "true", "yes", "on"}


def is_project(file: ConfigFile) -> bool:
    return file.kind in PROJECT_KINDS


def report(violations: list[Violation], *, strict: bool) -> None:
    """Warn about each violation, or raise one ConfigError listing them all when ``strict``."""
    if not violations:
        return
    if strict:
        count = len(violations)
        raise ConfigError(
            f"a project's configuration sets {count} user-only setting{'s' if count != 1 else ''} (--strict)",
            details="\n".join(f"  {v.message()}" for v in violations),
            hint=f"remove them from the project's configuration, or {_WHERE_INSTEAD} "
            "(docs/SECURITY.md)",
        )
    for violation in violations:
        logger.warning("%s; %s (docs/SECURITY.md)", violation.message(), _WHERE_INSTEAD)


def filter_section(
    file: ConfigFile, name: str, table: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Violation]]:
    """``table`` (the file's ``[name]`` table) without the keys a project may not set."""
    user_only = USER_ONLY_SECTION_KEYS.get(name, {})
    if not is_project(file) or not user_only:
        return dict(table), []
    prefix = ("tool.hwb." if file.kind == "pyproject" else "") + name
    kept: dict[str, Any] = {}
    found: list[Violation] = []
    for key, value in table.items():
        if key not in user_only:
            kept[key] = value
            continue
        entries = list(value) if isinstance(value, Mapping) and value else [None]
        for entry in entries:
            dotted = f"{prefix}.{key}" + (f".{entry}" if entry else "")
            line = file.line_of_table(dotted) or file.line_of(key)
            found.append(Violation(dotted, f"{file.path}:{line}" if line else str(file.path)))
    return kept, found
