"""Find and read hwb's configuration files.

Two files of the project may hold hwb settings: ``pyproject.toml`` under ``[tool.hwb]`` and
``hwb.toml`` (the same keys, without the ``tool.hwb`` prefix; it wins over pyproject.toml).
Discovery starts at the project folder and walks up to the repository root (the first folder with
a ``.git``), never past it; the nearest file of each kind is used.  ``--config FILE`` names a
file explicitly instead.  Below both, with the lowest precedence of the files, the user's own
configuration: ``hwb/config.toml`` in the user config folder (``~/.config/hwb/config.toml`` on
Linux; ``HWB_USER_CONFIG`` names another file, empty: none), with hwb.toml's keys.  The user's
file and ``--config FILE`` are trusted; the project's files may not set user-only options
(``config/trust.py``).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from headless_wheel_builder.errors import ConfigError, HwbError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

ConfigSourceKind = str  # "user" | "pyproject" | "hwb.toml" | "config"


@dataclass(frozen=True, kw_only=True)
class ConfigFile:
    """One configuration file's ``hwb`` table."""

    path: Path
    kind: ConfigSourceKind
    """``user`` (the user's configuration), ``pyproject`` ([tool.hwb] in pyproject.toml),
    ``hwb.toml``, or ``config`` (--config)."""
    table: Mapping[str, Any]
    text: str = field(repr=False, default="")

    def line_of(self, dotted_key: str) -> int | None:
        """Best-effort line number of ``dotted_key``'s last part in the file (for messages)."""
        last = dotted_key.rsplit(".", 1)[-1]
        pattern = re.compile(rf'^[ \t]*"?{re.escape(last)}"?[ \t]*=', re.M)
        match = pattern.search(self.text)
        return self.text.count("\n", 0, match.start()) + 1 if match else None

    def line_of_table(self, dotted: str) -> int | None:
        """Line of the ``[dotted]`` header (or ``[tool.hwb.dotted]``) in the file."""
        name = dotted.removeprefix("tool.hwb.")
        quoted = r"\.".join(rf'[ \t]*"?{re.escape(part)}"?[ \t]*' for part in name.split("."))
        pattern = re.compile(rf"^[ \t]*\[([ \t]*tool[ \t]*\.[ \t]*hwb[ \t]*\.)?{quoted}\]", re.M)
        match = pattern.search(self.text)
        return self.text.count("\n", 0, match.start()) + 1 if match else None


def parse_toml(path: Path) -> tuple[dict[str, Any], str]:
    """Parse ``path``; a syntax error becomes a ConfigError naming file, line and column."""
    return read_toml(path, ConfigError)


def read_toml(path: Path, error: type[HwbError]) -> tuple[dict[str, Any], str]:
    """The table and text of the TOML file ``path`` — every TOML file hwb reads, its own and a
    stranger's.  Unreadable, not UTF-8, nested too deeply or not TOML: an ``error`` naming file,
    line and column, never a foreign exception."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise error(
            f"cannot read {path.name}",
            why=f"{path}: {exc.strerror or exc}",
            hint="check that the file exists and is readable",
        ) from exc
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise error(
            f"{path.name} is not valid UTF-8",
            why=f"{path}:{line}: byte {exc.start}: {exc.reason}",
            hint="TOML files must be UTF-8; re-save the file with that encoding",
        ) from exc
    try:
        return tomllib.loads(text), text
    except RecursionError:
        raise error(
            f"{path.name} is nested too deeply",
            why=f"{path}: its arrays or inline tables are nested deeper than Python can read",
            hint="no real TOML file nests like this; check where the file came from",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        line, col, reason = toml_error_position(exc, text)
        raise error(
            f"{path.name} is not valid TOML",
            why=f"{path}:{line}:{col}: {reason}",
            hint=f"fix the TOML syntax at line {line}, column {col} (quotes, brackets, commas, "
            "duplicate keys); see https://toml.io",
        ) from exc


_TOML_POSITION_RE = re.compile(r"^(?P<reason>.*?) \(at line (?P<line>\d+), column (?P<col>\d+)\)$")
_TOML_END_RE = re.compile(r"^(?P<reason>.*?) \(at end of document\)$")


def toml_error_position(exc: Exception, text: str) -> tuple[int, int, str]:
    """(line, column, reason) of a TOMLDecodeError, on every tomllib / tomli version."""
    message = str(exc)
    reason = getattr(exc, "msg", None)
    line, col = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    if isinstance(line, int) and isinstance(col, int) and isinstance(reason, str):
        return line, col, reason
    if match := _TOML_POSITION_RE.match(message):
        return int(match["line"]), int(match["col"]), match["reason"]
    # "(at end of document)": point just past the last character, as tomllib would.
    line = text.count("\n") + 1
    col = len(text) - text.rfind("\n")
    match = _TOML_END_RE.match(message)
    return line, col, (match["reason"] + " at end of file") if match else message


def repository_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that holds ``.git``."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def user_config_path(environ: Mapping[str, str] | None = None) -> Path | None:
    """The user's configuration file: ``HWB_USER_CONFIG`` (empty: none), else
    ``hwb/config.toml`` in the user config folder.  It need not exist."""
    environ = os.environ if environ is None else environ
    named = environ.get("HWB_USER_CONFIG")
    if named is not None:
        return Path(named).expanduser() if named else None
    import platformdirs

    return platformdirs.user_config_path("hwb") / "config.toml"


def load_user(environ: Mapping[str, str] | None = None) -> list[ConfigFile]:
    """The user's configuration file, when it exists (a list of zero or one)."""
    path = user_config_path(environ)
    if path is None or not path.is_file():
        return []
    data, text = parse_toml(path)
    return [ConfigFile(path=path, kind="user", table=data, text=text)]


def discover(
    project_dir: Path, *, user: bool = True, environ: Mapping[str, str] | None = None
) -> list[ConfigFile]:
    """The configuration files for ``project_dir``, lowest precedence first: the user's own
    (unless ``user`` is False), then the project's pyproject.toml and hwb.toml."""
    found = load_user(environ) if user else []
    return found + _discover_project(project_dir)


def _discover_project(project_dir: Path) -> list[ConfigFile]:
    start = project_dir.resolve()
    stop = repository_root(start)
    folders = [start]
    if stop is not None and stop != start:
        for parent in start.parents:
            folders.append(parent)
            if parent == stop:
                break
    found: list[ConfigFile] = []
    pyproject = next((f / "pyproject.toml" for f in folders if _has_hwb_table(f / "pyproject.toml")), None)
    if pyproject is not None:
        data, text = parse_toml(pyproject)
        table = data.get("tool", {}).get("hwb", {})
        if not isinstance(table, dict):
            raise ConfigError(
                f"[tool.hwb] in {pyproject} is not a table", hint="write it as a [tool.hwb] section"
            )
        found.append(ConfigFile(path=pyproject, kind="pyproject", table=table, text=text))
    hwb_toml = next((f / "hwb.toml" for f in folders if (f / "hwb.toml").is_file()), None)
    if hwb_toml is not None:
        data, text = parse_toml(hwb_toml)
        found.append(ConfigFile(path=hwb_toml, kind="hwb.toml", table=data, text=text))
    return found


def load_explicit(path: Path) -> ConfigFile:
    """``--config FILE``: a pyproject.toml (its [tool.hwb]) or an hwb.toml-style file."""
    if not path.is_file():
        raise ConfigError(f"config file {path} not found", hint="check the --config path")
    data, text = parse_toml(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("hwb", {})
    return ConfigFile(path=path, kind="config", table=data, text=text)


def _has_hwb_table(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        # A quick look only: a file that is not UTF-8 is reported by whoever reads it in full.
        head = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "tool.hwb" in head


def section(
    files: list[ConfigFile], name: str, *, strict: bool = False
) -> tuple[dict[str, Any], dict[str, ConfigFile]]:
    """The merged ``[name]`` table of ``files`` (later files win, key by key) and, for each
    key, the file it came from.  Used by stages that own a section (``publish``, ``version``).

    Keys a project's own file may not set (``[publish] repositories``) are dropped from the
    project's files with a warning, or raise ConfigError when ``strict`` (``config/trust.py``)."""
    from headless_wheel_builder.config import trust

    merged: dict[str, Any] = {}
    origin: dict[str, ConfigFile] = {}
    violations: list[trust.Violation] = []
    for file in files:
        table, found = trust.filter_section(file, name, _table_of(file, name))
        violations += found
        for key, value in table.items():
            merged[key] = value
            origin[key] = file
    trust.report(violations, strict=strict)
    return merged, origin


def _table_of(file: ConfigFile, name: str) -> Mapping[str, Any]:
    table = file.table.get(name, {})
    if not isinstance(table, dict):
        line = file.line_of(name)
        raise ConfigError(
            f"[{name}] in {file.path} is not a table",
            why=f"{file.path}:{line}" if line else None,
            hint=f"write it as a [{'tool.hwb.' if file.kind == 'pyproject' else ''}{name}] section",
        )
    return table
