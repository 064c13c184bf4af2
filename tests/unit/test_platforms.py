"""The one vocabulary (platforms.py): identifiers, architectures, Python versions, libc policies
and pinned images parse and format in one place; every form round-trips."""

from __future__ import annotations

import pytest

from headless_wheel_builder.errors import UsageError
from headless_wheel_builder.platforms import (
    ARCHS,
    DEFAULT_POLICY,
    LIBCS,
    PLATFORMS,
    POLICY_ALIASES,
    Identifier,
    Policy,
    default_image,
    normalize_arch,
    oldest_policy,
    parse_identifier,
    parse_linux_tag,
    parse_policy,
    parse_version_spec,
    pinned_images,
)


def _every_identifier() -> list[Identifier]:
    found = []
    for platform in PLATFORMS:
        for arch in ARCHS[platform]:
            for libc in LIBCS if platform == "linux" else ("manylinux",):
                found += [Identifier(platform=platform, arch=arch, minor=m, libc=libc) for m in (8, 10, 13)]
                found += [Identifier(platform=platform, arch=arch, minor=m, libc=libc, free_threaded=True)
                          for m in (13, 14)]  # fmt: skip
                found.append(Identifier(platform=platform, arch=arch, minor=10, libc=libc,
                                        implementation="pypy"))  # fmt: skip
    return found


@pytest.mark.parametrize("identifier", _every_identifier(), ids=str)
def test_every_identifier_round_trips(identifier: Identifier) -> None:
    assert parse_identifier(str(identifier)) == identifier
    assert str(parse_identifier(str(identifier))) == str(identifier)


@pytest.mark.parametrize(
    ("text", "platform", "arch"),
    [
        ("cp312-manylinux_x86_64", "linux", "x86_64"),
        ("cp39-musllinux_aarch64", "linux", "aarch64"),
        ("cp313-macosx_universal2", "macos", "universal2"),
        ("cp311-win_amd64", "windows", "AMD64"),
        ("cp311-win32", "windows", "x86"),
        ("cp311-win_arm64", "windows", "ARM64"),
        ("pp310-manylinux_x86_64", "linux", "x86_64"),
        ("pp39-win_amd64", "windows", "AMD64"),
        ("cp313t-macosx_arm64", "macos", "arm64"),
        ("cp314t-musllinux_aarch64", "linux", "aarch64"),
    ],
)
def test_identifiers_in_cibuildwheel_spelling(text: str, platform: str, arch: str) -> None:
    parsed = parse_identifier(text)
    assert (parsed.platform, parsed.arch) == (platform, arch)


@pytest.mark.parametrize(
    "text",
    ["cp312", "pp310t-manylinux_x86_64", "cp312tt-win_amd64", "gp310-manylinux_x86_64",
     "cp312-linux_x86_64", "cp312-manylinux_universal2",
     "cp312-win_x86", "cp312-macosx_", "cp312-freebsd_amd64", "cp2-manylinux_x86_64"],
)  # fmt: skip
def test_malformed_identifiers_are_usage_errors_with_a_hint(text: str) -> None:
    with pytest.raises(UsageError, match="not a build identifier") as info:
        parse_identifier(text)
    assert "cp312-manylinux_x86_64" in (info.value.hint or "")


@pytest.mark.parametrize(
    ("platform", "spellings", "name"),
    [
        ("linux", ["x86_64", "AMD64", "amd64", "x64"], "x86_64"),
        ("linux", ["aarch64", "arm64", "ARM64"], "aarch64"),
        ("linux", ["i686", "i386", "x86"], "i686"),
        ("macos", ["arm64", "aarch64", "ARM64"], "arm64"),
        ("macos", ["x86_64", "amd64"], "x86_64"),
        ("macos", ["universal2"], "universal2"),
        ("windows", ["AMD64", "amd64", "x86_64", "x64"], "AMD64"),
        ("windows", ["ARM64", "arm64", "aarch64"], "ARM64"),
        ("windows", ["x86", "win32", "i686"], "x86"),
    ],
)
def test_one_arch_table_for_every_spelling(platform, spellings: list[str], name: str) -> None:
    assert {normalize_arch(platform, s) for s in spellings} == {name}
    assert normalize_arch(platform, name) == name  # the canonical name is a fixed point


def test_an_arch_of_another_platform_is_none() -> None:
    assert normalize_arch("linux", "universal2") is None
    assert normalize_arch("windows", "ppc64le") is None
    assert normalize_arch("macos", "sparc") is None


@pytest.mark.parametrize("text", ["3.12", "cp312", "python3.12", "312", "py312", "cpython-3.12"])
def test_python_versions(text: str) -> None:
    assert parse_version_spec(text) == (3, 12)
    assert parse_version_spec("three") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2_28", "manylinux_2_28"),
        ("2.28", "manylinux_2_28"),
        ("manylinux_2_17", "manylinux_2_17"),
        ("manylinux2014", "manylinux_2_17"),
        ("manylinux2010", "manylinux_2_12"),
        ("manylinux1", "manylinux_2_5"),
        ("MANYLINUX_2_34", "manylinux_2_34"),
        ("musllinux_1_2", "musllinux_1_2"),
        (None, DEFAULT_POLICY),
    ],
)
def test_policies_and_their_aliases(text: str | None, expected: str) -> None:
    policy = parse_policy(text)
    assert str(policy) == expected
    assert parse_policy(str(policy)) == policy  # round trip
    assert policy.tag("amd64") == f"{expected}_x86_64"


def test_a_bare_version_takes_the_libc_asked_for() -> None:
    assert parse_policy("1_2", libc="musllinux") == Policy(libc="musllinux", version=(1, 2))
    assert parse_policy("manylinux_2_28", libc="musllinux").libc == "manylinux"


@pytest.mark.parametrize("text", ["centos7", "windows", "manylinux", "2", "musllinux-1-2"])
def test_unknown_policies_are_usage_errors_with_a_hint(text: str) -> None:
    with pytest.raises(UsageError, match="unknown manylinux policy") as info:
        parse_policy(text)
    assert "--manylinux" in (info.value.hint or "")


@pytest.mark.parametrize(
    ("tag", "policy", "arch"),
    [
        ("manylinux_2_17_x86_64", "manylinux_2_17", "x86_64"),
        ("musllinux_1_2_aarch64", "musllinux_1_2", "aarch64"),
        ("manylinux2014_i686", "manylinux_2_17", "i686"),
        ("manylinux1_x86_64", "manylinux_2_5", "x86_64"),
    ],
)
def test_linux_wheel_tags(tag: str, policy: str, arch: str) -> None:
    parsed = parse_linux_tag(tag)
    assert parsed is not None
    assert (str(parsed[0]), parsed[1]) == (policy, arch)
    if tag.startswith(("manylinux_", "musllinux_")):
        assert parsed[0].tag(parsed[1]) == tag  # round trip


def test_other_wheel_tags_are_not_linux_policies() -> None:
    assert parse_linux_tag("linux_x86_64") is None
    assert parse_linux_tag("macosx_11_0_arm64") is None


def test_aliases_name_the_policies_they_stand_for() -> None:
    for alias, version in POLICY_ALIASES.items():
        assert parse_policy(alias) == Policy(libc="manylinux", version=version)
    assert oldest_policy("musllinux", "aarch64") == Policy(libc="musllinux", version=(1, 1))
    assert oldest_policy("manylinux", "aarch64") == Policy(libc="manylinux", version=(2, 17))


def test_every_pinned_image_is_named_by_its_policy() -> None:
    for name, table in pinned_images().items():
        policy = parse_policy(name)
        for arch in ARCHS["linux"]:
            if arch in table:
                image, pinned = default_image(policy, arch)
                assert (image, pinned) == (table[arch], name)
                assert image.startswith(f"quay.io/pypa/{name}_{arch}:")
    # any spelling of the arch finds the same image
    assert default_image(parse_policy("2_28"), "amd64") == default_image(parse_policy("2_28"), "x86_64")


def test_no_other_module_keeps_an_arch_or_policy_table() -> None:
    """The vocabulary has one home: no other module asks for the machine's architecture,
    parses a policy name, or spells out an arch alias table."""
    import re
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src" / "headless_wheel_builder"
    patterns = [
        re.compile(r"\.machine\(\)"),
        re.compile(r"many\|musl\)linux"),
        re.compile(r"manylinux2014\"?\s*:"),
        re.compile(r"[\"']amd64[\"']\s*:\s*[\"']"),
        re.compile(r"[\"']arm64[\"']\s*:\s*[\"']aarch64|[\"']aarch64[\"']\s*:\s*[\"']arm64"),
    ]
    found = [
        f"{path.relative_to(src)}: {line.strip()}"
        for path in sorted(src.rglob("*.py"))
        if path.name != "platforms.py"
        for line in path.read_text(encoding="utf-8").splitlines()
        if any(p.search(line) for p in patterns)
    ]
    assert found == []
    own = (src / "platforms.py").read_text(encoding="utf-8")
    assert all(p.search(own) for p in patterns[:2])  # the patterns do find the one home
