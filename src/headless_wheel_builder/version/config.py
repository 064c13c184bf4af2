"""``[tool.hwb.version]`` (or ``[version]`` in hwb.toml), parsed into frozen dataclasses.

Every key is declared once in :data:`KEYS`; unknown keys get "did you mean …", and all
problems of a file are reported together in one ConfigError naming file, key and what was
expected.  docs/VERSIONING.md describes each key and its commitizen / semantic-release twin.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, cast

from headless_wheel_builder.config.files import ConfigFile, discover, section
from headless_wheel_builder.errors import ConfigError, VersionError
from headless_wheel_builder.version.commits import DEFAULT_TYPES, LEVELS, Level
from headless_wheel_builder.version.peers import PeerSettings
from headless_wheel_builder.version.schemes import SCHEMES, SchemeName, make_scheme, phase_of

ChangelogFormat = Literal["keepachangelog", "conventional", "github", "gitlab"]
CHANGELOG_FORMATS: tuple[ChangelogFormat, ...] = ("keepachangelog", "conventional", "github", "gitlab")
DEFAULT_BUMP_MAP: Mapping[str, Level] = {"feat": "minor", "fix": "patch", "perf": "patch"}


@dataclass(frozen=True, kw_only=True)
class FileSpec:
    """An extra file whose version is rewritten.

    ``path`` may be a glob.  ``pattern`` (commitizen's ``version_files`` ``PATH:REGEX``): the
    current version is replaced on lines matching it (every occurrence when None).
    ``key`` (semantic-release's ``version_toml``): a dotted key in a TOML file.
    """

    path: str
    pattern: str | None = None
    key: str | None = None


@dataclass(frozen=True, kw_only=True)
class ChangelogConfig:
    path: str = "CHANGELOG.md"
    format: ChangelogFormat = "keepachangelog"
    repository_url: str | None = None
    """For compare and commit links (default: from the ``origin`` remote)."""
    sections: Mapping[str, str] = field(default_factory=dict)
    """Commit type → changelog section, overriding the format's defaults ("" hides a type)."""


@dataclass(frozen=True, kw_only=True)
class ReleaseConfig:
    repository: str | None = None
    """Where ``hwb release`` publishes (None: it does not publish)."""
    outdir: str = "dist"
    push: bool = False
    remote: str = "origin"
    vcs_release: str = "auto"
    """``github``, ``gitlab``, ``none``, or ``auto`` (the CI system's or the remote's host)."""


@dataclass(frozen=True, kw_only=True)
class VersionConfig:
    scheme: SchemeName = "pep440"
    calver_format: str = "YYYY.MM.MICRO"
    tag_format: str = "v{version}"
    bump_map: Mapping[str, Level] = field(default_factory=lambda: dict(DEFAULT_BUMP_MAP))
    major_on_zero: bool = True
    allow_zero_version: bool = True
    prerelease_token: str = "rc"  # noqa: S105 - a version label, not a secret
    files: tuple[FileSpec, ...] = ()
    changelog: ChangelogConfig = field(default_factory=ChangelogConfig)
    types: tuple[str, ...] = DEFAULT_TYPES
    """Commit types ``hwb version lint`` accepts (the bump map's types are always accepted)."""
    parse_squash_commits: bool = True
    """Count each commit a squash commit lists in its body (as python-semantic-release does)."""
    commit_message: str = "chore(release): {versions}"
    tag_message: str = "Release {version}"
    release: ReleaseConfig = field(default_factory=ReleaseConfig)
    packages: Mapping[str, PackageConfig] = field(default_factory=dict)
    """Monorepo members by name (``[tool.hwb.version.packages.NAME]``)."""
    origin: Path | None = None
    """The file the settings came from (None: defaults)."""

    def for_package(self, name: str) -> VersionConfig:
        return self.packages[name].config


@dataclass(frozen=True, kw_only=True)
class PackageConfig:
    name: str
    path: str
    """The package's folder, relative to the repository root."""
    config: VersionConfig


_TOP_KEYS = {
    "scheme": "one of " + ", ".join(SCHEMES),
    "calver-format": "a calver format such as 'YYYY.MM.MICRO'",
    "tag-format": "a string containing {version}, e.g. 'v{version}'",
    "bump-map": "a table of commit type = 'major' | 'minor' | 'patch'",
    "major-on-zero": "true or false",
    "allow-zero-version": "true or false",
    "prerelease-token": "rc, b, a or dev",
    "files": "a list of 'PATH', 'PATH:REGEX' or {path = …, key = …} tables",
    "changelog": "a path, or a table with path, format, repository-url, sections",
    "types": "a list of commit types",
    "parse-squash-commits": "true or false",
    "commit-message": "a string (may contain {version} and {versions})",
    "tag-message": "a string (may contain {version}, {tag}, {package})",
    "release": "a table with repository, outdir, push, remote, vcs-release",
}
_PACKAGE_KEYS = {"path": "the package folder, relative to the repository root", **_TOP_KEYS}
_CHANGELOG_KEYS = ("path", "format", "repository-url", "sections")
_RELEASE_KEYS = ("repository", "outdir", "push", "remote", "vcs-release")
VCS_RELEASE_CHOICES = ("auto", "github", "gitlab", "none")


class _Errors:
    """Collects every problem of one file, then raises them together."""

    def __init__(self, origin: Mapping[str, ConfigFile]) -> None:
        self.origin = origin
        self.items: list[str] = []

    def add(self, key: str, message: str) -> None:
        file = self.origin.get(key.split(".", maxsplit=1)[0])
        where = ""
        if file is not None:
            line = file.line_of(key)
            where = f"{file.path}:{line}: " if line else f"{file.path}: "
        self.items.append(f"{where}{key}: {message}")

    def unknown(self, prefix: str, key: str, known: Mapping[str, str] | tuple[str, ...]) -> None:
        close = difflib.get_close_matches(key, list(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(known)}"
        self.add(f"{prefix}{key}", f"unknown key{hint}")

    def raise_if_any(self) -> None:
        if self.items:
            files = sorted({str(f.path) for f in self.origin.values()})
            raise ConfigError(
                "invalid [tool.hwb.version] settings",
                why="\n  " + "\n  ".join(self.items),
                hint=f"fix {' / '.join(files) or 'the configuration'}; docs/VERSIONING.md lists every key",
            )


def load_config(project_dir: Path) -> VersionConfig:
    """The version settings that apply to ``project_dir`` (discovered up to the repo root),
    with the commitizen / semantic-release settings of its pyproject.toml for the keys
    ``[tool.hwb.version]`` does not set (and a message saying which were read)."""
    from headless_wheel_builder.version.peers import read_peer_settings

    files = discover(project_dir)
    table, origin = section(files, "version")
    peers = read_peer_settings(project_dir)
    if peers.source is not None:
        _report_peers(peers, table)
        peer_file = ConfigFile(path=peers.source, kind="pyproject", table=peers.table)
        origin = {**dict.fromkeys(peers.table, peer_file), **origin}
        table = {**peers.table, **table}
    return parse_config(_trusted_release(table, origin), origin)


_REPORTED_PEERS: set[str] = set()


def _report_peers(peers: PeerSettings, own: Mapping[str, Any]) -> None:
    """Say once per process which commitizen / semantic-release settings were read."""
    from headless_wheel_builder._log import logger

    shadowed = sorted(set(peers.table) & set(own))
    lines = []
    if peers.read:
        lines.append(f"read from {peers.source}: {'; '.join(peers.read)}")
    if shadowed:
        lines.append(f"[tool.hwb.version] sets {', '.join(shadowed)}, which win over those")
    lines.extend(peers.not_read)
    text = "\n  ".join(lines)
    if text and text not in _REPORTED_PEERS:
        _REPORTED_PEERS.add(text)
        logger.warning("versioning settings of another tool: %s (docs/VERSIONING.md)", text)


def _trusted_release(table: Mapping[str, Any], origin: Mapping[str, ConfigFile]) -> Mapping[str, Any]:
    """``table`` without a release ``repository`` URL that the project's own files set: an
    upload URL receives the user's credentials, so it comes only from the user's side (a flag,
    the user configuration, ``--config``; docs/SECURITY.md).  A repository *name* stays: the
    names a project may use are pypi, testpypi and those the user's configuration defines."""
    from headless_wheel_builder.config import trust

    release = table.get("release")
    file = origin.get("release")
    if not isinstance(release, Mapping) or file is None or not trust.is_project(file):
        return table
    repository = release.get("repository")
    if not isinstance(repository, str) or "://" not in repository:
        return table
    key = ("tool.hwb." if file.kind == "pyproject" else "") + "version.release.repository"
    line = file.line_of("repository")
    trust.report([trust.Violation(key, f"{file.path}:{line}" if line else str(file.path))],
                 strict=trust.strict_from_env())  # fmt: skip
    return {**table, "release": {k: v for k, v in release.items() if k != "repository"}}


def parse_config(table: Mapping[str, Any], origin: Mapping[str, ConfigFile] | None = None) -> VersionConfig:
    errors = _Errors(origin or {})
    config = _parse_table(table, VersionConfig(), errors, prefix="", keys=_TOP_KEYS)
    packages: dict[str, PackageConfig] = {}
    raw_packages = table.get("packages", {})
    if not isinstance(raw_packages, Mapping):
        errors.add("packages", "expected a table of [packages.NAME] tables")
        raw_packages = {}
    for name, raw in raw_packages.items():
        if not isinstance(raw, Mapping):
            errors.add(f"packages.{name}", "expected a table with at least path = '…'")
            continue
        path = raw.get("path")
        if not isinstance(path, str) or not path:
            errors.add(
                f"packages.{name}.path", "expected the package folder, relative to the repository root"
            )
            path = "."
        base = replace(config, tag_format=f"{name}-v{{version}}", packages={})
        pkg = _parse_table(raw, base, errors, prefix=f"packages.{name}.", keys=_PACKAGE_KEYS)
        packages[str(name)] = PackageConfig(name=str(name), path=path.strip("/") or ".", config=pkg)
    errors.raise_if_any()
    first = next(iter((origin or {}).values()), None)
    return replace(config, packages=packages, origin=first.path if first else None)


def _parse_table(
    table: Mapping[str, Any], base: VersionConfig, errors: _Errors, *, prefix: str, keys: Mapping[str, str]
) -> VersionConfig:
    values: dict[str, Any] = {}
    for key, raw in table.items():
        if key == "packages" and not prefix:
            continue
        if key not in keys:
            errors.unknown(prefix, key, keys)
            continue
        if key == "path":
            continue
        full = prefix + key
        try:
            values.update(_parse_value(key, raw, base, errors, full))
        except ValueError:
            errors.add(full, f"expected {keys[key]}, got {raw!r}")
    return replace(base, **values)


def _parse_value(key: str, raw: Any, base: VersionConfig, errors: _Errors, full: str) -> dict[str, Any]:
    """``{attribute: value}`` for one key; ``{}`` when an error was recorded; ValueError when
    the value has the wrong type (the caller records that)."""
    value = _VALUE_PARSERS[key](raw, base, errors, full)
    return {} if value is _REPORTED else {key.replace("-", "_"): value}


#: Returned by a value parser that has recorded its own error.
_REPORTED: Any = object()


def _flag(raw: Any, base: VersionConfig, errors: _Errors, full: str) -> bool:
    if not isinstance(raw, bool):
        raise ValueError
    return raw


def _scheme(raw: Any, base: VersionConfig, errors: _Errors, full: str) -> SchemeName:
    if raw not in SCHEMES:
        raise ValueError
    return cast("SchemeName", raw)


def _text(raw: Any, base: VersionConfig, errors: _Errors, full: str) -> str:
    if not isinstance(raw, str) or not raw:
        raise ValueError
    return raw


def _tag_format(raw: Any, base: VersionConfig, errors: _Errors, full: str) -> str:
    text = _text(raw, base, errors, full)
    if text.count("{version}") != 1:
        errors.add(full, f"expected exactly one {{version}} in {text!r}")
        return _REPORTED  # type: ignore[no-any-return]
    return text


def _calver_format(raw: Any, base: VersionConfig, errors: _Errors, full: str) -> str:
    text = _text(raw, base, errors, full)
    try:
        make_scheme("calver", calver_format=text)
    except VersionError as exc:
        errors.add(full, str(exc))
        return _REPORTED  # type: ignore[no-any-return]
    return text


def _prerelease_token(raw: Any, base: VersionConfig, errors: _Errors, full: str) -> str:
    if not isinstance(raw, str):
        raise ValueError
    try:
        phase_of(raw)
    except VersionError:
        raise ValueError from None
    return raw


def _bump_map(raw: Any, base: VersionConfig, errors: _Errors, full: str) -> dict[str, Level]:
    if not isinstance(raw, Mapping):
        raise ValueError
    bump_map: dict[str, Level] = {}
    for ctype, level in raw.items():
        if level not in LEVELS:
            errors.add(f"{full}.{ctype}", f"expected 'major', 'minor' or 'patch', got {level!r}")
        else:
            bump_map[str(ctype).lower()] = cast("Level", level)
    return bump_map


def _types(raw: Any, base: VersionConfig, errors: _Errors, full: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
        raise ValueError
    return tuple(t.lower() for t in raw)


def _parse_files(raw: Any, errors: _Errors, full: str) -> tuple[FileSpec, ...]:
    if not isinstance(raw, list):
        raise ValueError
    specs: list[FileSpec] = []
    for index, item in enumerate(raw):
        if isinstance(item, str) and item:
            path, sep, pattern = item.partition(":")
            specs.append(FileSpec(path=path, pattern=pattern if sep and pattern else None))
        elif isinstance(item, Mapping) and isinstance(item.get("path"), str):
            extra = set(item) - {"path", "pattern", "key"}
            if extra:
                errors.add(
                    f"{full}[{index}]", f"unknown key(s) {', '.join(sorted(extra))}; use path, pattern, key"
                )
            specs.append(FileSpec(path=item["path"], pattern=item.get("pattern"), key=item.get("key")))
        else:
            errors.add(f"{full}[{index}]", f"expected 'PATH', 'PATH:REGEX' or {{path = …}}, got {item!r}")
    for spec in specs:
        if spec.pattern is not None:
            import re

            try:
                re.compile(spec.pattern)
            except re.error as exc:
                errors.add(full, f"{spec.pattern!r} is not a valid regular expression: {exc}")
    return tuple(specs)


def _parse_changelog(raw: Any, base: ChangelogConfig, errors: _Errors, full: str) -> ChangelogConfig:
    if isinstance(raw, str):
        return replace(base, path=raw)
    if not isinstance(raw, Mapping):
        raise ValueError
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in _CHANGELOG_KEYS:
            errors.unknown(f"{full}.", key, _CHANGELOG_KEYS)
        elif key == "format" and value not in CHANGELOG_FORMATS:
            errors.add(f"{full}.format", f"expected one of {', '.join(CHANGELOG_FORMATS)}, got {value!r}")
        elif key == "sections" and not (
            isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values())
        ):
            errors.add(f"{full}.sections", "expected a table of commit type = 'Section name'")
        elif key in ("path", "repository-url") and not isinstance(value, str):
            errors.add(f"{full}.{key}", f"expected a string, got {value!r}")
        else:
            values[key.replace("-", "_")] = dict(value) if key == "sections" else value
    return replace(base, **values)


def _parse_release(raw: Any, base: ReleaseConfig, errors: _Errors, full: str) -> ReleaseConfig:
    if not isinstance(raw, Mapping):
        raise ValueError
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in _RELEASE_KEYS:
            errors.unknown(f"{full}.", key, _RELEASE_KEYS)
        elif key == "push" and not isinstance(value, bool):
            errors.add(f"{full}.push", f"expected true or false, got {value!r}")
        elif key != "push" and not isinstance(value, str):
            errors.add(f"{full}.{key}", f"expected a string, got {value!r}")
        elif key == "vcs-release" and value not in VCS_RELEASE_CHOICES:
            errors.add(f"{full}.{key}", f"expected one of {', '.join(VCS_RELEASE_CHOICES)}, got {value!r}")
        else:
            values[key.replace("-", "_")] = value
    return replace(base, **values)


_VALUE_PARSERS: dict[str, Callable[[Any, VersionConfig, _Errors, str], Any]] = {
    "major-on-zero": _flag,
    "allow-zero-version": _flag,
    "parse-squash-commits": _flag,
    "scheme": _scheme,
    "tag-format": _tag_format,
    "commit-message": _text,
    "tag-message": _text,
    "calver-format": _calver_format,
    "prerelease-token": _prerelease_token,
    "bump-map": _bump_map,
    "types": _types,
    "files": lambda raw, base, errors, full: _parse_files(raw, errors, full),
    "changelog": lambda raw, base, errors, full: _parse_changelog(raw, base.changelog, errors, full),
    "release": lambda raw, base, errors, full: _parse_release(raw, base.release, errors, full),
}
