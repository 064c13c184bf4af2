"""One option of the registry (``config/registry.py``): its declaration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

OptionType = Literal[
    "str", "path", "bool", "int", "float", "list", "paths", "settings", "table", "choice", "choices"
]
"""``settings``: a table of strings or lists of strings; ``table``: a table of strings."""
ArgKind = Literal["value", "append", "split", "shlex", "pairs", "const", "choice-flags"]
"""How a flag takes its value: ``value`` one value; ``append`` repeatable; ``split`` repeatable,
comma lists; ``shlex`` repeatable, split like a shell; ``pairs`` repeatable ``KEY=VALUE``;
``const`` no value, sets :attr:`Option.const`; ``choice-flags`` one flag per choice."""


@dataclass(frozen=True, kw_only=True)
class Option:
    """One option: its TOML key, type, default, help, flags, environment variable and commands."""

    name: str
    """The key in ``[tool.hwb]`` / ``hwb.toml`` (kebab-case)."""
    type: OptionType
    default: object
    help: str
    commands: tuple[str, ...] = ("build",)
    """The commands whose parser takes :attr:`flags` (``hwb config show`` takes build's)."""
    choices: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    """Command-line flags, short ones first (``-o``, ``--outdir``); none: files and env only."""
    arg: ArgKind = "value"
    const: object = None
    """The value a ``const`` flag sets (``--no-cache`` sets ``cache`` to False)."""
    metavar: str | None = None
    cli_help: str | None = None
    """The shorter text of ``--help`` (default: :attr:`help`)."""
    choice_help: tuple[str, ...] = ()
    """For ``choice-flags``: the help of each choice's flag."""
    group: str | None = None
    """A key of :data:`GROUPS`; None: the command's own arguments."""
    overridable: bool = True
    """May be set in platform tables and ``[[tool.hwb.overrides]]``."""
    project: bool = True
    """May a project's own ``pyproject.toml [tool.hwb]`` or a discovered ``hwb.toml`` set it?
    False for what reaches the host or its secrets: only flags, ``HWB_*``, the user's config and
    ``--config FILE`` may (docs/SECURITY.md)."""
    config: bool = True
    """Has a key in configuration files (False: flags and environment only)."""

    @property
    def env(self) -> str:
        """``HWB_`` + the name in upper case, ``-`` as ``_``."""
        return "HWB_" + self.name.upper().replace("-", "_")

    @property
    def attr(self) -> str:
        """The Python attribute name (snake_case): the field of ``Options`` and the argparse dest."""
        return self.name.replace("-", "_")

    @property
    def long_flag(self) -> str | None:
        return next((f for f in self.flags if f.startswith("--")), None)

    @property
    def flag(self) -> str | None:
        """The flags as the docs show them (``-o/--outdir``)."""
        if not self.flags:
            return None
        shown = "/".join(self.flags) if self.arg != "choice-flags" else "/".join(self.flags[1::2])
        return f"{shown} {self.metavar}" if self.arg == "pairs" and self.metavar else shown
