"""hwb's bump decision agrees with commitizen's and python-semantic-release's documented rules
under the equivalent settings (docs/VERSIONING.md has the mapping; PROTOCOLS.md section 6).

Each row: the tool whose documented rule it encodes, that tool's settings translated to
[tool.hwb.version], the current version, the commits, the pre-release token, and the version
the tool documents.  The deliberate differences are in their own test below.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from packaging.version import Version

from headless_wheel_builder.version.commits import max_level, parse_message
from headless_wheel_builder.version.config import VersionConfig, parse_config
from headless_wheel_builder.version.manager import decide

# commitizen defaults: BUMP_MAP feat->MINOR, fix|refactor|perf->PATCH, breaking->MAJOR;
# major_version_zero = false.  In hwb: bump-map with refactor, major-on-zero = true.
CZ: dict[str, Any] = {"bump-map": {"feat": "minor", "fix": "patch", "refactor": "patch", "perf": "patch"}}
CZ_MVZ = {**CZ, "major-on-zero": False}  # commitizen major_version_zero = true
# python-semantic-release 10 defaults: minor_tags feat, patch_tags fix+perf, major_on_zero true,
# allow_zero_version false.  hwb's bump-map default is the same; allow-zero-version is not.
PSR: dict[str, Any] = {"allow-zero-version": False}
PSR_ZERO = {"allow-zero-version": True}
PSR_ZERO_NO_MAJOR = {"allow-zero-version": True, "major-on-zero": False}

ROWS = [
    # tool, settings, current, commits, pre, expected (None: no release)
    ("cz", CZ, "1.2.3", ["feat: a"], None, "1.3.0"),
    ("cz", CZ, "1.2.3", ["fix: a"], None, "1.2.4"),
    ("cz", CZ, "1.2.3", ["refactor: a"], None, "1.2.4"),
    ("cz", CZ, "1.2.3", ["perf: a"], None, "1.2.4"),
    ("cz", CZ, "1.2.3", ["docs: a", "style: b", "test: c", "ci: d", "build: e"], None, None),
    ("cz", CZ, "1.2.3", ["feat!: a"], None, "2.0.0"),
    ("cz", CZ, "1.2.3", ["fix(x)!: a"], None, "2.0.0"),
    ("cz", CZ, "1.2.3", ["fix: a\n\nBREAKING CHANGE: b"], None, "2.0.0"),
    ("cz", CZ, "1.2.3", ["fix: a\n\nBREAKING-CHANGE: b"], None, "2.0.0"),
    ("cz", CZ, "1.2.3", ["fix: a", "feat: b", "docs: c"], None, "1.3.0"),
    ("cz", CZ, "0.3.0", ["feat!: a"], None, "1.0.0"),
    ("cz", CZ_MVZ, "0.3.0", ["feat!: a"], None, "0.4.0"),
    ("cz", CZ_MVZ, "0.3.0", ["feat: a"], None, "0.4.0"),
    ("cz", CZ_MVZ, "0.3.0", ["fix: a"], None, "0.3.1"),
    ("cz", CZ, "1.3.0rc0", ["fix: a"], "rc", "1.3.0rc1"),
    ("cz", CZ, "1.3.0rc1", ["feat: a"], None, "1.3.0"),
    ("cz", CZ, "1.3.0b1", ["fix: a"], "a", "1.3.0b2"),  # no down-bumping of the phase
    ("psr", PSR, "1.2.3", ["feat: a"], None, "1.3.0"),
    ("psr", PSR, "1.2.3", ["fix: a"], None, "1.2.4"),
    ("psr", PSR, "1.2.3", ["perf: a"], None, "1.2.4"),
    ("psr", PSR, "1.2.3", ["refactor: a", "docs: b", "chore: c"], None, None),
    ("psr", PSR, "1.2.3", ["feat!: a"], None, "2.0.0"),
    ("psr", PSR, "1.2.3", ["fix: a\n\nBREAKING CHANGE: b"], None, "2.0.0"),
    ("psr", PSR, "0.3.0", ["fix: a"], None, "1.0.0"),  # allow_zero_version = false
    ("psr", PSR, None, ["feat: a"], None, "1.0.0"),  # first release
    ("psr", PSR_ZERO, None, ["feat: a"], None, "0.1.0"),
    ("psr", PSR_ZERO, None, ["fix: a"], None, "0.0.1"),
    ("psr", PSR_ZERO, "0.3.0", ["fix: a"], None, "0.3.1"),
    ("psr", PSR_ZERO, "0.3.0", ["feat!: a"], None, "1.0.0"),  # major_on_zero = true
    ("psr", PSR_ZERO_NO_MAJOR, "0.3.0", ["feat!: a"], None, "0.4.0"),
    ("psr", PSR, "1.2.3", ["feat: a"], "rc", "1.3.0rc1"),  # 1.3.0-rc.1
    ("psr", PSR, "1.3.0rc1", ["fix: a"], "rc", "1.3.0rc2"),
    ("psr", PSR, "1.3.0rc1", ["feat: a"], "rc", "1.3.0rc2"),
    ("psr", PSR, "1.3.0rc2", ["feat!: a"], "rc", "2.0.0rc1"),
    ("psr", PSR, "1.2.3", ["feat: a"], None, "1.3.0"),
]


def _next(settings: dict[str, Any], current: str | None, commits: list[str], pre: str | None) -> str | None:
    config = parse_config(settings)
    level = max_level(parse_message(m).level(config.bump_map) for m in commits)
    _, nxt, _ = decide(Version(current) if current else None, level, config, pre=pre)
    return str(nxt) if nxt is not None else None


@pytest.mark.parametrize(("tool", "settings", "current", "commits", "pre", "expected"), ROWS)
def test_agrees_with_documented_rules(
    tool: str,
    settings: dict[str, Any],
    current: str | None,
    commits: list[str],
    pre: str | None,
    expected: str | None,
) -> None:
    assert _next(settings, current, commits, pre) == expected, tool


def test_deliberate_differences() -> None:
    # commitizen starts pre-releases at 0 (1.3.0rc0, its prerelease_offset); hwb, like PSR, at 1.
    assert _next(CZ, "1.2.3", ["feat: a"], "rc") == "1.3.0rc1"
    # PSR 10 defaults to allow_zero_version = false; hwb keeps 0.x (allow-zero-version = true).
    assert _next({}, "0.3.0", ["feat: a"], None) == "0.4.0"
    # commitizen's default rule is case-sensitive; Conventional Commits types are not.
    assert _next(CZ, "1.2.3", ["Feat: a"], None) == "1.3.0"
    # commitizen matches 'fix:' at the start of any line of a message; hwb reads the header only.
    assert _next(CZ, "1.2.3", ["docs: a\n\nfix: mentioned in the body"], None) is None


def test_defaults_are_documented_ones() -> None:
    config = VersionConfig()
    assert dict(config.bump_map) == {"feat": "minor", "fix": "patch", "perf": "patch"}
    assert (config.tag_format, config.prerelease_token, config.scheme) == ("v{version}", "rc", "pep440")
    assert config.major_on_zero
    assert config.allow_zero_version
    assert dataclasses.replace(config, scheme="semver").scheme == "semver"
