"""Read ``setup.cfg``'s ``[metadata]`` and ``[options*]`` sections the way setuptools does,
statically (``configparser``), into the same keyword shape as ``setup()`` takes; and remove
translated options from the file afterwards, keeping its comments and every other section."""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass
from pathlib import Path

from headless_wheel_builder.migrate._legacy_values import Attr, FileDirective, FileText, FindPackages

__all__ = ["FileDirective", "SetupCfg", "read_setup_cfg", "remove_options"]


@dataclass(frozen=True, kw_only=True)
class SetupCfg:
    kwargs: dict[str, object]
    origin: dict[str, tuple[str, str | None]]
    """keyword -> (section, option); option None for a whole section (extras, entry points)."""
    other_sections: tuple[str, ...]
    """Sections hwb does not translate (``[bdist_wheel]``, ``[flake8]``…): left in place."""


_ALIASES = {"home_page": "url", "summary": "description", "classifier": "classifiers",
            "platform": "platforms", "license_file": "license_files"}  # fmt: skip
_LISTS = {"keywords", "platforms", "provides", "obsoletes", "classifiers", "license_files", "py_modules",
          "scripts", "namespace_packages", "eager_resources", "dependency_links"}  # fmt: skip
_REQUIREMENTS = {"install_requires", "setup_requires", "tests_require"}
_BOOLS = {"zip_safe", "include_package_data"}
_DICTS = {"package_dir", "project_urls"}
_SECTION_DICTS = {"options.extras_require": "extras_require", "options.entry_points": "entry_points",
                  "options.package_data": "package_data",
                  "options.exclude_package_data": "exclude_package_data",
                  "options.data_files": "data_files"}  # fmt: skip


def _parse_list(value: str, separator: str = ",") -> list[str]:
    parts = value.splitlines() if "\n" in value else value.split(separator)
    return [p.strip() for p in parts if p.strip()]


def _parse_dict(value: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in _parse_list(value):
        key, sep, val = line.partition("=")
        if sep:
            out[key.strip()] = val.strip()
    return out


def _directive(value: str) -> object | None:
    if value.startswith("file:"):
        return FileDirective(paths=tuple(_parse_list(value[5:])))
    if value.startswith("attr:"):
        return Attr(dotted=value[5:].strip())
    return None


def _requirements(value: str) -> object:
    if value.startswith("file:"):
        paths = _parse_list(value[5:])
        return FileText(path=paths[0], lines=True) if len(paths) == 1 else FileDirective(paths=tuple(paths))
    return [line for line in _parse_list(value, ";") if not line.startswith("#")]


def _option(key: str, value: str) -> object:
    value = value.strip()
    directive = _directive(value)
    if key in _REQUIREMENTS:
        return _requirements(value)
    if directive is not None and key in {
        "version",
        "long_description",
        "classifiers",
        "description",
        "entry_points",
    }:
        return directive
    if key in _LISTS:
        return _parse_list(value)
    if key in _BOOLS:
        return value.lower() in {"1", "true", "yes", "on"}
    if key in _DICTS:
        return _parse_dict(value)
    return value


def read_setup_cfg(path: Path) -> SetupCfg:
    """Translate ``setup.cfg`` into ``setup()`` keywords (setuptools' own parsing rules)."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    kwargs: dict[str, object] = {}
    origin: dict[str, tuple[str, str | None]] = {}
    others: list[str] = []
    for section in parser.sections():
        if section in {"metadata", "options"}:
            for option, raw in parser.items(section, raw=True):
                key = _ALIASES.get(option.replace("-", "_"), option.replace("-", "_"))
                kwargs[key] = _option(key, raw)
                origin[key] = (section, option)
        elif section in _SECTION_DICTS:
            key = _SECTION_DICTS[section]
            table: dict[str, object] = {}
            for option, raw in parser.items(section, raw=True):
                is_req = key == "extras_require"
                table[option] = _requirements(raw.strip()) if is_req else _parse_list(raw.strip())
            kwargs[key] = table
            origin[key] = (section, None)
        elif section != "options.packages.find":
            others.append(section)
    packages = kwargs.get("packages")
    if isinstance(packages, str) and packages.strip() not in {"find:", "find_namespace:"}:
        kwargs["packages"] = _parse_list(packages)
    elif isinstance(packages, str):
        find = (
            dict(parser.items("options.packages.find", raw=True))
            if parser.has_section("options.packages.find")
            else {}
        )
        kwargs["packages"] = FindPackages(
            where=find.get("where", ".").strip() or ".",
            include=tuple(_parse_list(find.get("include", ""))),
            exclude=tuple(_parse_list(find.get("exclude", ""))),
            namespaces=packages.strip() == "find_namespace:",
        )
        if find:
            origin["packages.find"] = ("options.packages.find", None)
    return SetupCfg(kwargs=kwargs, origin=origin, other_sections=tuple(others))


_SECTION_RE = re.compile(r"^\[(?P<name>[^\]]+)\]\s*$")
_OPTION_RE = re.compile(r"^(?P<key>[^\s=:#;][^=:]*?)\s*[=:]")


def remove_options(text: str, remove: set[tuple[str, str | None]]) -> str:
    """``text`` without the given options (``(section, None)``: the whole section); a section
    left with nothing but blank lines and comments is removed too.  Other lines are kept as
    they were (comments, order, spacing)."""
    out: list[str] = []
    section: str | None = None
    block: list[str] = []  # the current section's lines, header first
    skipping = False
    touched = {name for name, _ in remove}

    def flush() -> None:
        body = block[1:]
        meaningful = [ln for ln in body if ln.strip() and not ln.lstrip().startswith(("#", ";"))]
        if block and (section is None or meaningful or section not in touched):
            out.extend(block)

    for line in text.splitlines(keepends=True):
        header = _SECTION_RE.match(line)
        if header:
            flush()
            section = header["name"].strip()
            block = [line]
            skipping = False
            if (section, None) in remove:
                block = []
                skipping = True
            continue
        if section is not None and (section, None) in remove:
            continue
        option = _OPTION_RE.match(line)
        if option and not line[0].isspace():
            skipping = (section, option["key"].strip()) in remove
        elif line.strip() and not line[0].isspace():
            skipping = False
        if not skipping:
            block.append(line)
    flush()
    return "".join(out)
