"""Fuzz property and edge cases: [tool.hwb.version] tables (version/config.parse_config).

Any table gives a VersionConfig or one ConfigError naming the bad keys, never another error.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headless_wheel_builder.errors import ConfigError
from headless_wheel_builder.version.config import VersionConfig, parse_config

from ._fuzz import FUZZ, explains

_TOP = [
    "scheme",
    "calver-format",
    "tag-format",
    "bump-map",
    "types",
    "files",
    "changelog",
    "release",
    "prerelease-token",
    "commit-message",
    "tag-message",
    "packages",
    "unknown-key",
]
_leaf = st.one_of(
    st.text(max_size=12),
    st.integers(-3, 3),
    st.booleans(),
    st.sampled_from(
        [
            "semver",
            "pep440",
            "calver",
            "v{version}",
            "{version}",
            "YYYY.MM.MICRO",
            "rc",
            "minor",
            "CHANGELOG.md",
            "markdown",
            "x.py:^__version__",
            "[",
            "origin",
        ]
    ),
)
_inner = st.one_of(
    _leaf,
    st.lists(_leaf, max_size=3),
    st.dictionaries(
        st.sampled_from(
            [
                "path",
                "pattern",
                "key",
                "format",
                "sections",
                "repository-url",
                "push",
                "remote",
                "repository",
                "outdir",
                "feat",
                "fix",
                "other",
            ]
        ),
        _leaf,
        max_size=3,
    ),
)
_value = st.one_of(
    _inner, st.lists(_inner, max_size=3), st.dictionaries(st.text(max_size=6), _inner, max_size=3)
)


@FUZZ(max_examples=300)
@given(table=st.dictionaries(st.sampled_from(_TOP), _value, max_size=6))
def test_any_version_table_gives_a_config_or_a_config_error(table: dict[str, Any]) -> None:
    try:
        config = parse_config(table)
    except ConfigError as exc:
        explains(exc, ConfigError)
    else:
        assert isinstance(config, VersionConfig)


@pytest.mark.parametrize(
    ("table", "needle"),
    [
        ({"packages": "core"}, "packages"),
        ({"packages": {"core": "libs/core"}}, "packages.core"),
        ({"scheme": "roman"}, "scheme"),
        ({"tag-format": "v{version}-{version}"}, "exactly one {version}"),
        ({"calver-format": "NOPE"}, "calver-format"),
        ({"prerelease-token": 3}, "prerelease-token"),
        ({"prerelease-token": "gamma"}, "prerelease-token"),
        ({"bump-map": ["feat"]}, "bump-map"),
        ({"bump-map": {"feat": "huge"}}, "bump-map.feat"),
        ({"types": "feat"}, "types"),
        ({"files": "VERSION"}, "files"),
        ({"files": [{"path": "a", "color": "red"}]}, "unknown key(s) color"),
        ({"files": [3]}, "files[0]"),
        ({"files": ["a.py:("]}, "not a valid regular expression"),
        ({"changelog": 3}, "changelog"),
        ({"changelog": {"format": "pdf"}}, "changelog.format"),
        ({"changelog": {"sections": {"feat": 1}}}, "changelog.sections"),
        ({"changelog": {"path": 1}}, "changelog.path"),
        ({"changelog": {"colour": "x"}}, "colour"),
        ({"release": "yes"}, "release"),
        ({"release": {"push": "yes"}}, "release.push"),
        ({"release": {"remote": 1}}, "release.remote"),
        ({"release": {"colour": "x"}}, "colour"),
    ],
)
def test_bad_values_name_their_key(table: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(table)
    assert needle in str(info.value) + str(info.value.why or "")


def test_good_values_are_read() -> None:
    config = parse_config(
        {
            "files": ["a.py:^__version__", {"path": "b.toml", "key": "x.version"}],
            "changelog": "HISTORY.md",
            "release": {"push": False, "remote": "upstream"},
            "bump-map": {"Feat": "minor"},
            "types": ["FEAT", "fix"],
        }
    )
    assert [(f.path, f.pattern, f.key) for f in config.files] == [
        ("a.py", "^__version__", None),
        ("b.toml", None, "x.version"),
    ]
    assert config.changelog.path == "HISTORY.md"
    assert config.types == ("feat", "fix")
