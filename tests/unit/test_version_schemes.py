"""Version schemes: SemVer <-> PEP 440, calver, and the bump arithmetic (pure)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from headless_wheel_builder.errors import HwbError, VersionError
from headless_wheel_builder.version.schemes import (
    CalverScheme,
    Pep440Scheme,
    SemverScheme,
    make_scheme,
    semver_to_pep440,
)

TODAY = dt.date(2024, 1, 15)


@pytest.mark.parametrize(
    ("semver", "pep440"),
    [  # PROTOCOLS.md section 6, verified with packaging
        ("1.2.0-rc.1", "1.2.0rc1"),
        ("1.2.0-alpha.1", "1.2.0a1"),
        ("1.2.0-beta.2", "1.2.0b2"),
        ("1.2.0-pre.1", "1.2.0rc1"),
        ("1.2.0-dev.3", "1.2.0.dev3"),
        ("1.0.0-alpha", "1.0.0a0"),
        ("1.0.0-1", "1.0.0.post1"),
        ("1.0.0", "1.0.0"),
    ],
)
def test_semver_to_pep440(semver: str, pep440: str) -> None:
    assert str(semver_to_pep440(semver)) == pep440


@pytest.mark.parametrize(
    "bad", ["1.0.0-x.7.z.92", "1.0.0-alpha.beta", "1.0.0+build.5", "1.0", "01.0.0", "v1.0.0"]
)
def test_semver_without_pep440_equivalent(bad: str) -> None:
    with pytest.raises(VersionError):
        semver_to_pep440(bad)


@pytest.mark.parametrize(
    ("pep440", "semver"),
    [
        ("1.2.0rc1", "1.2.0-rc.1"),
        ("1.2.0a1", "1.2.0-alpha.1"),
        ("1.2.0b2", "1.2.0-beta.2"),
        ("1.2.0.dev3", "1.2.0-dev.3"),
        ("1.2.0", "1.2.0"),
        ("1.0.0.post1", "1.0.0-1"),
    ],
)
def test_semver_render_round_trips(pep440: str, semver: str) -> None:
    scheme = SemverScheme()
    assert scheme.render(Version(pep440)) == semver
    assert scheme.parse(semver) == Version(pep440)


@pytest.mark.parametrize(
    ("current", "level", "pre", "expected"),
    [
        ("1.2.3", "patch", None, "1.2.4"),
        ("1.2.3", "minor", None, "1.3.0"),
        ("1.2.3", "major", None, "2.0.0"),
        ("0.3.1", "major", None, "1.0.0"),
        ("1.2.3", "minor", "rc", "1.3.0rc1"),
        ("1.3.0rc1", "patch", "rc", "1.3.0rc2"),  # the pre-release already covers a patch
        ("1.3.0rc1", "minor", "rc", "1.3.0rc2"),
        ("1.3.0rc1", "major", "rc", "2.0.0rc1"),  # a bigger change: new base
        ("1.3.0rc2", "minor", None, "1.3.0"),  # finalize
        ("1.3.0rc2", "major", None, "2.0.0"),
        ("1.3.1rc1", "minor", None, "1.4.0"),
        ("2.0.0b1", "minor", "rc", "2.0.0rc1"),  # a later phase starts at 1
        ("2.0.0rc1", "minor", "alpha", "2.0.0rc2"),  # the phase never goes down (commitizen)
        ("1.0.0.post2", "patch", None, "1.0.1"),
        ("1.2", "patch", None, "1.2.1"),
        ("1!1.0.0", "minor", None, "1!1.1.0"),
        ("1.2.3", "patch", "dev", "1.2.4.dev1"),
    ],
)
def test_bump(current: str, level: str, pre: str | None, expected: str) -> None:
    assert str(Pep440Scheme().bump(Version(current), level, pre=pre, today=TODAY)) == expected  # type: ignore[arg-type]


def test_unknown_pre_token() -> None:
    with pytest.raises(VersionError, match="unknown pre-release token"):
        Pep440Scheme().bump(Version("1.0.0"), "patch", pre="gamma", today=TODAY)


@pytest.mark.parametrize(
    ("fmt", "current", "expected_version", "expected_tag"),
    [
        ("YYYY.MM.MICRO", "2023.12.4", "2024.1.0", "2024.1.0"),
        ("YYYY.MM.MICRO", "2024.1.0", "2024.1.1", "2024.1.1"),
        ("YY.0M.MICRO", "24.1.3", "24.1.4", "24.01.4"),  # PEP 440 strips the padding
        ("YY.0M.0D.MICRO", "23.12.31.0", "24.1.15.0", "24.01.15.0"),
        ("YYYY.MICRO", "2024.7", "2024.8", "2024.8"),
    ],
)
def test_calver(fmt: str, current: str, expected_version: str, expected_tag: str) -> None:
    scheme = CalverScheme(format=fmt)
    nxt = scheme.bump(Version(current), "patch", pre=None, today=TODAY)
    assert str(nxt) == expected_version
    assert scheme.render(nxt) == expected_tag
    assert scheme.parse(expected_tag) == nxt


def test_calver_prerelease_then_final() -> None:
    scheme = CalverScheme(format="YYYY.MM.MICRO")
    pre = scheme.bump(Version("2023.12.0"), "minor", pre="rc", today=TODAY)
    assert str(pre) == "2024.1.0rc1"
    assert str(scheme.bump(pre, "patch", pre="rc", today=TODAY)) == "2024.1.0rc2"
    assert str(scheme.bump(pre, "patch", pre=None, today=TODAY)) == "2024.1.0"


@pytest.mark.parametrize("fmt", ["YYYY.MM", "YYYY-MM.MICRO", "MICRO.YYYY", "YYYY.QQ.MICRO"])
def test_calver_bad_format(fmt: str) -> None:
    with pytest.raises(VersionError):
        CalverScheme(format=fmt)


def test_calver_never_goes_back() -> None:
    with pytest.raises(VersionError, match="backwards"):
        CalverScheme().bump(Version("2025.1.0"), "patch", pre=None, today=TODAY)


VERSIONS = st.builds(
    lambda rel, pre, post, dev: Version(
        ".".join(map(str, rel))
        + (f"{pre[0]}{pre[1]}" if pre else "")
        + (f".post{post}" if post is not None else "")
        + (f".dev{dev}" if dev is not None else "")
    ),
    st.lists(st.integers(0, 3000), min_size=1, max_size=4),
    st.none() | st.tuples(st.sampled_from(["a", "b", "rc"]), st.integers(0, 50)),
    st.none() | st.integers(0, 5),
    st.none() | st.integers(0, 5),
)


@settings(max_examples=300, deadline=None)
@given(VERSIONS, st.sampled_from(["major", "minor", "patch"]), st.sampled_from([None, "rc", "b", "a", "dev"]))
def test_semantic_bumps_always_increase(current: Version, level: str, pre: str | None) -> None:
    for scheme in (Pep440Scheme(), SemverScheme()):
        nxt = scheme.bump(current, level, pre=pre, today=TODAY)  # type: ignore[arg-type]
        assert nxt > current
        assert Version(str(nxt)) == nxt  # valid PEP 440
        rendered = scheme.render(nxt)
        assert scheme.parse(rendered) == nxt


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), st.sampled_from(["pep440", "semver", "calver"]))
def test_parsing_raises_only_hwb_errors(text: str, name: str) -> None:
    scheme = make_scheme(name)  # type: ignore[arg-type]
    try:
        version = scheme.parse(text)
    except HwbError:
        return
    scheme.render(version)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_calver_formats_raise_only_hwb_errors(fmt: str) -> None:
    try:
        scheme = CalverScheme(format=fmt)
    except HwbError:
        return
    scheme.bump(Version("1.0.0"), "patch", pre=None, today=TODAY)
