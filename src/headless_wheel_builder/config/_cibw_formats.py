"""cibuildwheel's value formats (``config/cibuildwheel.py`` reads its options with them).

A value comes from TOML (a string, a list, a table) or from a ``CIBW_*`` variable (a string);
both read the same way, as cibuildwheel reads them: commands joined with ``&&``, words with
spaces, ``{a,b}`` expanded in selectors, ``environment`` as bash assignments.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

Raw = Any
"""A TOML value (string, list, table) or the text of a ``CIBW_*`` variable."""


def joined(raw: Raw, sep: str) -> str:
    """A list joined as cibuildwheel joins it (``&&`` for commands, spaces for words)."""
    if isinstance(raw, list):
        return sep.join(str(item) for item in raw)
    if isinstance(raw, str):
        return raw
    raise ValueError(f"expected a string or a list of strings, got {raw!r}")


def words(raw: Raw) -> list[str]:
    return joined(raw, " ").split()


def commands(raw: Raw) -> list[str]:
    """A command or a list of commands (each must succeed, as cibuildwheel's ``&&``)."""
    if isinstance(raw, list):
        return [str(item) for item in raw if str(item).strip()]
    return [raw] if joined(raw, " ").strip() else []


def expand_braces(pattern: str) -> list[str]:
    """``cp3{11,12}-*`` -> ``cp311-*``, ``cp312-*`` (the selector syntax of cibuildwheel)."""
    start = pattern.find("{")
    end = pattern.find("}", start)
    if start < 0 or end < 0:
        return [pattern]
    head, body, tail = pattern[:start], pattern[start + 1 : end], pattern[end + 1 :]
    return [e for part in body.split(",") for e in expand_braces(head + part + tail)]


def _double_quoted(word: str) -> str:
    """A shell word as the inside of a double-quoted string (single-quoted parts escaped)."""
    out: list[str] = []
    quote: str | None = None
    for char in word:
        if quote is None and char in "'\"":
            quote = char
        elif char == quote:
            quote = None
        elif quote == "'":
            out.append("\\" + char if char in '$`"\\' else char)
        else:
            out.append("\\" + char if char == '"' and quote is None else char)
    return "".join(out)


def _shell_words(text: str) -> list[str]:
    """Split at whitespace outside quotes and ``$(…)``, keeping the quotes (bash's words)."""
    result: list[str] = []
    current: list[str] = []
    state = _WordState()
    for char in text:
        if char.isspace() and state.outside():
            if current:
                result.append("".join(current))
            current = []
            continue
        state.feed(char, current[-1:] == ["$"])
        current.append(char)
    if not state.outside() or state.escaped:
        raise ValueError(f"unbalanced quotes or $( in {text!r}")
    return [*result, "".join(current)] if current else result


@dataclass
class _WordState:
    """Where a character of a shell word is: quoted, escaped, inside ``$(…)``."""

    quote: str | None = None
    depth: int = 0
    escaped: bool = False

    def outside(self) -> bool:
        return self.quote is None and not self.depth and not self.escaped

    def feed(self, char: str, after_dollar: bool) -> None:
        if self.escaped:
            self.escaped = False
        elif char == "\\" and self.quote != "'":
            self.escaped = True
        elif self.quote is not None:
            self.quote = None if char == self.quote else self.quote
        elif char in "'\"":
            self.quote = char
        elif char == "(" and (after_dollar or self.depth):
            self.depth += 1
        elif char == ")" and self.depth:
            self.depth -= 1


def parse_environment(raw: Raw) -> dict[str, str]:
    """cibuildwheel's ``environment``: a table, or ``KEY=value KEY2="x $KEY"`` assignments.
    Values become hwb's form: the inside of a double-quoted shell string, expanded at build
    time in the build's own shell ($VAR, ${VAR}, $(command))."""
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    result: dict[str, str] = {}
    for token in _shell_words(joined(raw, " ")):
        key, sep, value = token.partition("=")
        if not sep or not key.isidentifier():
            raise ValueError(f"expected KEY=VALUE assignments, got {token!r}")
        result[key] = _double_quoted(value)
    return result


def settings(raw: Raw) -> dict[str, object]:
    if isinstance(raw, dict):
        return {str(k): [str(i) for i in v] if isinstance(v, list) else str(v) for k, v in raw.items()}
    result: dict[str, object] = {}
    for item in shlex.split(joined(raw, " ")):
        key, _, value = item.partition("=")
        previous = result.get(key)
        before = previous if isinstance(previous, list) else [previous]
        result[key] = value if previous is None else [*before, value]
    return result
