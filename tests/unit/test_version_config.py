"""[tool.hwb.version] parsing: types, "did you mean", all errors together."""

from __future__ import annotations

from pathlib import Path

import pytest

from headless_wheel_builder.errors import ConfigError
from headless_wheel_builder.version.config import FileSpec, load_config, parse_config


def test_full_table() -> None:
    config = parse_config(
        {
            "scheme": "calver",
            "calver-format": "YY.0M.MICRO",
            "tag-format": "release-{version}",
            "bump-map": {"feat": "minor", "Docs": "patch"},
            "major-on-zero": False,
            "allow-zero-version": False,
            "prerelease-token": "b",
            "files": [
                "src/x/__init__.py:__version__",
                "README.md",
                {"path": "Cargo.toml", "key": "package.version"},
            ],
            "changelog": {"path": "docs/CHANGES.md", "format": "github", "sections": {"docs": "Changed"}},
            "release": {"repository": "testpypi", "push": True, "vcs-release": "gitlab"},
            "packages": {
                "pkg-a": {"path": "packages/a"},
                "pkg-b": {"path": "packages/b", "tag-format": "b@{version}"},
            },
        }
    )
    assert config.scheme == "calver"
    assert dict(config.bump_map) == {"feat": "minor", "docs": "patch"}
    assert config.files == (
        FileSpec(path="src/x/__init__.py", pattern="__version__"),
        FileSpec(path="README.md"),
        FileSpec(path="Cargo.toml", key="package.version"),
    )
    assert config.changelog.path == "docs/CHANGES.md"
    assert config.changelog.format == "github"
    assert config.release.repository == "testpypi"
    assert config.release.push
    assert config.release.vcs_release == "gitlab"
    assert config.packages["pkg-a"].config.tag_format == "pkg-a-v{version}"
    assert config.packages["pkg-b"].config.tag_format == "b@{version}"
    assert config.packages["pkg-a"].config.scheme == "calver"  # inherited


def test_every_problem_reported_together(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.hwb.version]\nschem = 'semver'\ntag-format = 'v'\nmajor-on-zero = 'yes'\n"
        "bump-map = { feat = 'huge' }\nchangelog = { format = 'rst' }\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    why = info.value.why or ""
    assert "did you mean 'scheme'?" in why
    assert "exactly one {version}" in why
    assert "major-on-zero: expected true or false" in why
    assert "bump-map.feat" in why
    assert "changelog.format" in why
    assert f"{tmp_path / 'pyproject.toml'}:2" in why  # file and line


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ({"scheme": "romver"}, "scheme"),
        ({"calver-format": "YYYY.MM"}, "calver-format"),
        ({"prerelease-token": "gamma"}, "prerelease-token"),
        ({"files": ["ok", 3]}, "files[1]"),
        ({"files": ["x.py:("]}, "regular expression"),
        ({"release": {"repositry": "pypi"}}, "did you mean 'repository'"),
        ({"release": {"vcs-release": "bitbucket"}}, "expected one of auto, github, gitlab, none"),
        ({"packages": {"a": {}}}, "packages.a.path"),
        ({"packages": {"a": {"path": "a", "tagformat": "x"}}}, "did you mean 'tag-format'"),
    ],
)
def test_invalid(table: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(table)
    assert fragment in (info.value.why or "")


def test_a_projects_release_repository_url_is_user_only(tmp_path, monkeypatch, caplog):
    """A release upload URL in the project's own files would receive the user's credentials:
    it is ignored with a warning (an error with HWB_STRICT); names and the user's URL stay."""
    from headless_wheel_builder.errors import ConfigError
    from headless_wheel_builder.version.config import load_config

    monkeypatch.setenv("HWB_USER_CONFIG", "")
    monkeypatch.delenv("HWB_STRICT", raising=False)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "1.0"\n\n'
        '[tool.hwb.version.release]\nrepository = "https://collector.invalid/legacy/"\npush = true\n'
    )
    config = load_config(tmp_path)
    assert config.release.repository is None
    assert config.release.push is True  # the rest of the table stays
    assert "tool.hwb.version.release.repository is ignored" in caplog.text
    assert "pyproject.toml:6:" in caplog.text  # the line of the key
    monkeypatch.setenv("HWB_STRICT", "1")
    with pytest.raises(ConfigError, match="user-only"):
        load_config(tmp_path)
    monkeypatch.delenv("HWB_STRICT")
    (tmp_path / "pyproject.toml").write_text('[tool.hwb.version.release]\nrepository = "testpypi"\n')
    assert load_config(tmp_path).release.repository == "testpypi"
    user = tmp_path / "user.toml"
    user.write_text('[version.release]\nrepository = "https://mine.invalid/legacy/"\n')
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "1.0"\n')
    monkeypatch.setenv("HWB_USER_CONFIG", str(user))
    assert load_config(tmp_path).release.repository == "https://mine.invalid/legacy/"


def test_peer_settings_translated(tmp_path: Path) -> None:
    from headless_wheel_builder.version.peers import read_peer_settings

    (tmp_path / "pyproject.toml").write_text(
        '[tool.commitizen]\ntag_format = "${version}"\nversion_scheme = "semver2"\n'
        'major_version_zero = true\nversion_files = ["a.py:__version__"]\nchangelog_file = "CHANGES.md"\n'
        "[tool.semantic_release]\nallow_zero_version = false\n"
        'version_variables = ["b.py:__version__", "VERSION:*", "c.py:V:tf"]\n'
        "commit_parser_options = "
        '{ parse_squash_commits = false, minor_tags = ["feat"], patch_tags = ["fix"] }\n'
    )
    peers = read_peer_settings(tmp_path)
    config = parse_config(peers.table)
    assert config.scheme == "semver"
    assert config.tag_format == "{version}"
    assert not config.major_on_zero
    assert not config.allow_zero_version
    assert not config.parse_squash_commits
    assert dict(config.bump_map) == {"feat": "minor", "fix": "patch"}
    assert config.changelog.path == "CHANGES.md"
    # semantic-release's files win over commitizen's where both set them; tf (a tag) is not read
    assert [f.path for f in config.files] == ["b.py", "VERSION"]
    assert config.files[0].pattern is not None
    assert any("c.py:V:tf" in n for n in peers.not_read)


def test_peer_tag_format_with_other_variables_is_not_read(tmp_path: Path) -> None:
    from headless_wheel_builder.version.peers import read_peer_settings

    (tmp_path / "pyproject.toml").write_text('[tool.commitizen]\ntag_format = "v$major.$minor.$patch"\n')
    peers = read_peer_settings(tmp_path)
    assert "tag-format" not in peers.table
    assert any("set tag-format" in n for n in peers.not_read)


def test_own_settings_win_over_peer_settings(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.semantic_release]\ntag_format = "demo-v{version}"\nmajor_on_zero = false\n'
        '[tool.hwb.version]\ntag-format = "v{version}"\n'
    )
    config = load_config(tmp_path)
    assert (config.tag_format, config.major_on_zero) == ("v{version}", False)
