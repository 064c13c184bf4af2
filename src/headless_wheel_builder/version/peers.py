"""The versioning settings a project already has for commitizen or python-semantic-release.

A project that comes with ``[tool.commitizen]`` or ``[tool.semantic_release]`` in its
pyproject.toml keeps its tags, version files and scheme under hwb: :func:`read_peer_settings`
translates the settings hwb has a twin for into ``[tool.hwb.version]`` keys (``[tool.hwb.version]``
itself wins where both set one), and names those it read and those it did not, so the caller
can say so.  docs/VERSIONING.md ("Coming from commitizen or python-semantic-release") maps
every key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from headless_wheel_builder.errors import ConfigError

#: Keys with an hwb twin that hwb does not translate: the key to set instead.
_NOT_READ = {
    "commitizen": {
        "bump_message": "commit-message",
        "bump_map": "bump-map",
        "prerelease_offset": "(none: hwb numbers pre-releases from 1)",
    },
    "semantic_release": {
        "commit_message": "commit-message",
        "branches": "prerelease-token (and --pre)",
    },
}
_CZ_SCHEMES = {"pep440": "pep440", "semver": "semver", "semver2": "semver"}
_PSR_PARSERS = ("conventional", "angular")


@dataclass(frozen=True, kw_only=True)
class PeerSettings:
    table: dict[str, Any] = field(default_factory=dict)
    """``[tool.hwb.version]`` keys, translated."""
    read: tuple[str, ...] = ()
    """``[tool.X] key → hwb key`` for every setting read."""
    not_read: tuple[str, ...] = ()
    """``[tool.X] key: why, and the hwb key to set`` for the settings hwb cannot take over."""
    source: Path | None = None


class _Reader:
    def __init__(self, tool: str) -> None:
        self.tool = tool
        self.table: dict[str, Any] = {}
        self.read: list[str] = []
        self.not_read: list[str] = []

    def take(self, key: str, hwb_key: str, value: Any) -> None:
        self.table[hwb_key] = value
        self.read.append(f"[tool.{self.tool}] {key} → {hwb_key}")

    def skip(self, key: str, why: str) -> None:
        self.not_read.append(f"[tool.{self.tool}] {key}: {why}")


def read_peer_settings(project_dir: Path) -> PeerSettings:
    """The commitizen and semantic-release settings of ``project_dir``'s pyproject.toml, as
    hwb keys; where both tools set a key, semantic-release's wins."""
    path = project_dir / "pyproject.toml"
    if not path.is_file():
        return PeerSettings()
    from headless_wheel_builder.config.files import parse_toml

    try:
        data = parse_toml(path)[0]
    except ConfigError:
        return PeerSettings()  # the build or `hwb config check` reports a broken pyproject.toml
    tool = data.get("tool")
    if not isinstance(tool, Mapping):
        return PeerSettings()
    readers: list[_Reader] = []
    for name, translate in _TRANSLATORS.items():
        settings = tool.get(name)
        if isinstance(settings, Mapping):
            reader = _Reader(name)
            translate(settings, reader)
            for key, hwb_key in _NOT_READ[name].items():
                if key in settings:
                    reader.skip(key, f"not read; set {hwb_key} in [tool.hwb.version]")
            readers.append(reader)
    if not readers:
        return PeerSettings()
    table: dict[str, Any] = {}
    for reader in readers:
        table.update(reader.table)
    return PeerSettings(
        table=table,
        read=tuple(r for reader in readers for r in reader.read),
        not_read=tuple(n for reader in readers for n in reader.not_read),
        source=path,
    )


def _cz_tag_format(value: str) -> str | None:
    """commitizen's ``$version`` / ``${version}`` → ``{version}``; None when it uses other
    variables (``$major`` …) hwb has no twin for."""
    text = value.replace("${version}", "{version}").replace("$version", "{version}")
    return None if "$" in text or text.count("{version}") != 1 else text


def _commitizen(settings: Mapping[str, Any], reader: _Reader) -> None:
    tag_format = settings.get("tag_format")
    if isinstance(tag_format, str):
        converted = _cz_tag_format(tag_format)
        if converted is None:
            reader.skip("tag_format", f"{tag_format!r} uses variables besides $version; set tag-format")
        else:
            reader.take("tag_format", "tag-format", converted)
    scheme = settings.get("version_scheme")
    if isinstance(scheme, str):
        if scheme in _CZ_SCHEMES:
            reader.take("version_scheme", "scheme", _CZ_SCHEMES[scheme])
        else:
            reader.skip("version_scheme", f"{scheme!r} has no hwb twin; set scheme (pep440, semver, calver)")
    if settings.get("major_version_zero") is True:
        reader.take("major_version_zero", "major-on-zero", False)
    files: list[Any] = [f for f in settings.get("version_files", []) if isinstance(f, str)]
    if files:
        reader.read.append("[tool.commitizen] version_files → files")
    provider = settings.get("version_provider", "commitizen")
    if isinstance(settings.get("version"), str) and provider == "commitizen":
        files.append({"path": "pyproject.toml", "key": "tool.commitizen.version"})
        reader.read.append("[tool.commitizen] version → files (kept in step)")
    if files:
        reader.table["files"] = files
    changelog = settings.get("changelog_file")
    if isinstance(changelog, str):
        reader.take("changelog_file", "changelog", changelog)


def _psr_variable(definition: str) -> str | dict[str, str] | None:
    """``PATH:VAR`` → ``PATH:REGEX`` on VAR's line; ``PATH:*`` → the whole file; None for the
    ``PATH:VAR:tf`` form (the version written as a tag)."""
    parts = definition.split(":")
    if len(parts) < 2 or not parts[0] or not parts[1]:
        return None
    if len(parts) > 2 and parts[2] != "nf":
        return None
    if parts[1] == "*":
        return parts[0]
    return f"{parts[0]}:\\b{re.escape(parts[1])}['\"]?\\s*[:=]"


def _semantic_release(settings: Mapping[str, Any], reader: _Reader) -> None:
    for key, hwb_key in (("tag_format", "tag-format"),):
        if isinstance(settings.get(key), str):
            reader.take(key, hwb_key, settings[key])
    for key in ("major_on_zero", "allow_zero_version"):
        if isinstance(settings.get(key), bool):
            reader.take(key, key.replace("_", "-"), settings[key])
    files: list[Any] = []
    for definition in settings.get("version_variables", []):
        spec = _psr_variable(str(definition))
        if spec is None:
            reader.skip("version_variables", f"{definition!r} is not PATH:VARIABLE; list it in files")
        else:
            files.append(spec)
    for definition in settings.get("version_toml", []):
        path, sep, key = str(definition).partition(":")
        if sep and path and key:
            files.append({"path": path, "key": key})
        else:
            reader.skip("version_toml", f"{definition!r} is not PATH:KEY; list it in files")
    if files:
        reader.table["files"] = files
        reader.read.append("[tool.semantic_release] version_variables/version_toml → files")
    _psr_parser(settings, reader)
    _psr_changelog(settings, reader)


def _psr_parser(settings: Mapping[str, Any], reader: _Reader) -> None:
    parser = settings.get("commit_parser", "conventional")
    if parser not in _PSR_PARSERS:
        reader.skip("commit_parser", f"{parser!r}: hwb reads Conventional Commits only")
    options = settings.get("commit_parser_options")
    if not isinstance(options, Mapping):
        return
    if isinstance(options.get("parse_squash_commits"), bool):
        reader.take(
            "commit_parser_options.parse_squash_commits",
            "parse-squash-commits",
            options["parse_squash_commits"],
        )
    levels = {"minor_tags": "minor", "patch_tags": "patch"}
    if any(isinstance(options.get(k), list) for k in levels):
        bump_map = {
            str(t): level for key, level in levels.items() for t in options.get(key, []) if isinstance(t, str)
        }
        reader.take("commit_parser_options.minor_tags/patch_tags", "bump-map", bump_map)


def _psr_changelog(settings: Mapping[str, Any], reader: _Reader) -> None:
    changelog = settings.get("changelog")
    if not isinstance(changelog, Mapping):
        return
    templates = changelog.get("default_templates")
    path = templates.get("changelog_file") if isinstance(templates, Mapping) else None
    key = "changelog.default_templates.changelog_file"
    if not isinstance(path, str):
        path, key = changelog.get("changelog_file"), "changelog.changelog_file"
    if isinstance(path, str):
        reader.take(key, "changelog", path)


_TRANSLATORS: dict[str, Callable[[Mapping[str, Any], _Reader], None]] = {
    "commitizen": _commitizen,
    "semantic_release": _semantic_release,
}
