"""version/files.py: where a project's version is written, read and rewritten (pure file work)."""

from __future__ import annotations

from pathlib import Path

import pytest

from headless_wheel_builder.errors import VersionError
from headless_wheel_builder.version.files import (
    FileChange,
    VersionSource,
    extra_sources,
    primary_source,
    read_version,
    restore,
    rewrite,
    write_changes,
)


def _project(root: Path, pyproject: str, files: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(pyproject)
    for name, text in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


SETUPTOOLS = '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
HATCH = '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'


def test_poetry_version_key(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        '[build-system]\nrequires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n'
        '[tool.poetry]\nname = "demo"\nversion = "1.2.3"\n',
    )
    source, _ = primary_source(root)
    assert (source.kind, source.detail) == ("toml-key", "tool.poetry.version")
    assert read_version(source) == "1.2.3"
    assert source.describe(root) == "pyproject.toml (tool.poetry.version)"


def test_setup_cfg_version_is_a_pattern(tmp_path: Path) -> None:
    root = _project(tmp_path, SETUPTOOLS, {"setup.cfg": "[metadata]\nname = demo\nversion = 0.4.0\n"})
    source, _ = primary_source(root)
    assert (source.kind, source.path) == ("pattern", root / "setup.cfg")
    change = rewrite(source, ["0.4.0"], "0.5.0")
    assert change is not None
    assert "version = 0.5.0" in change.after
    with pytest.raises(VersionError, match="not found"):
        rewrite(source, ["9.9.9"], "1.0")
    with pytest.raises(VersionError, match="unknown"):
        rewrite(source, [""], "1.0")


def test_vcs_versions_are_tag_only(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        HATCH + '[project]\nname = "demo"\ndynamic = ["version"]\n[tool.hatch.version]\nsource = "vcs"\n',
    )
    source, _ = primary_source(root)
    assert source.kind == "tag-only"
    assert source.describe(root) == "git tags (hatch-vcs)"
    assert read_version(source) is None
    assert rewrite(source, ["1"], "2") is None


def test_hatch_regex_source_is_a_variable(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        HATCH + '[project]\nname = "demo"\ndynamic = ["version"]\n'
        '[tool.hatch.version]\npath = "src/demo/__about__.py"\n',
        {"src/demo/__about__.py": '__version__ = "2.0"\n'},
    )
    source, _ = primary_source(root)
    assert (source.kind, source.path) == ("variable", root / "src/demo/__about__.py")
    assert read_version(source) == "2.0"
    change = rewrite(source, [], "2.1")
    assert change is not None
    assert change.after == '__version__ = "2.1"\n'
    (root / "src/demo/__about__.py").write_text("nothing here\n")
    assert read_version(source) is None
    with pytest.raises(VersionError, match="assignment"):
        rewrite(source, [], "2.2")


def test_setuptools_attr_and_file_sources(tmp_path: Path) -> None:
    attr = _project(
        tmp_path / "attr",
        SETUPTOOLS + '[project]\nname = "demo"\ndynamic = ["version"]\n'
        '[tool.setuptools.dynamic]\nversion = {attr = "demo.VERSION"}\n',
        {"src/demo/__init__.py": 'VERSION = "3.1"\n'},
    )
    source, _ = primary_source(attr)
    assert (source.kind, source.detail, source.path) == ("variable", "VERSION", attr / "src/demo/__init__.py")
    (attr / "src/demo/__init__.py").unlink()
    with pytest.raises(VersionError, match="cannot find the module"):
        primary_source(attr)

    whole = _project(
        tmp_path / "file",
        SETUPTOOLS + '[project]\nname = "demo"\ndynamic = ["version"]\n'
        '[tool.setuptools.dynamic]\nversion = {file = "VERSION"}\n',
        {"VERSION": "4.0\n"},
    )
    source, _ = primary_source(whole)
    assert source.kind == "whole-file"
    assert read_version(source) == "4.0"
    change = rewrite(source, [], "4.1")
    assert change is not None
    assert change.after == "4.1\n"
    (whole / "VERSION").write_text("")
    change = rewrite(source, [], "4.2")
    assert change is not None
    assert change.after == "4.2\n"


def test_flit_module_version(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        '[build-system]\nrequires = ["flit_core>=3.4"]\nbuild-backend = "flit_core.buildapi"\n'
        '[project]\nname = "demo-pkg"\ndynamic = ["version"]\n',
        {"demo_pkg.py": '"""Demo."""\n__version__ = "0.9"\n'},
    )
    source, _ = primary_source(root)
    assert (source.kind, source.path, source.detail) == ("variable", root / "demo_pkg.py", "__version__")


def test_unknown_sources_and_unreadable_projects_are_version_errors(tmp_path: Path) -> None:
    root = _project(tmp_path / "unknown", SETUPTOOLS + '[project]\nname = "demo"\ndynamic = ["version"]\n')
    with pytest.raises(VersionError, match="where the version of demo is written"):
        primary_source(root)
    with pytest.raises(VersionError, match="cannot read the project"):
        primary_source(tmp_path / "missing")


def test_extra_sources_expand_globs_and_refuse_missing_files(tmp_path: Path) -> None:
    from headless_wheel_builder.version.config import FileSpec

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.toml").write_text('[x]\nversion = "1.0"\n')
    (tmp_path / "docs" / "b.txt").write_text("release 1.0\n")
    found = extra_sources(
        tmp_path,
        [FileSpec(path="docs/*.toml", key="x.version"), FileSpec(path="docs/b.txt", pattern="release")],
    )
    assert [(s.kind, s.path.name if s.path else None) for s in found] == [
        ("toml-key", "a.toml"),
        ("pattern", "b.txt"),
    ]
    assert read_version(found[0]) == "1.0"
    assert read_version(found[1]) is None
    with pytest.raises(VersionError, match="not found"):
        extra_sources(tmp_path, [FileSpec(path="docs/*.cfg")])
    missing_key = VersionSource(kind="toml-key", path=tmp_path / "docs" / "a.toml", detail="x.nope")
    with pytest.raises(VersionError, match=r"cannot set x\.nope"):
        rewrite(missing_key, [], "2.0")
    with pytest.raises(VersionError, match="cannot read"):
        read_version(VersionSource(kind="whole-file", path=tmp_path / "absent"))


def test_write_changes_restores_what_it_wrote_on_failure(tmp_path: Path) -> None:
    first = tmp_path / "first.txt"
    first.write_text("old\n")
    created = tmp_path / "new" / "created.txt"
    blocked = tmp_path / "blocker" / "x.txt"
    (tmp_path / "blocker").write_text("a file where a folder is needed")
    changes = [
        FileChange(path=first, before="old\n", after="new\n"),
        FileChange(path=created, before="", after="made\n", created=True),
        FileChange(path=blocked, before="", after="never\n"),
    ]
    with pytest.raises(VersionError, match="cannot write"):
        write_changes(changes)
    assert first.read_text() == "old\n"
    assert not created.exists()
    write_changes(changes[:2])
    assert created.read_text() == "made\n"
    restore(changes[:2])
    assert (first.read_text(), created.exists()) == ("old\n", False)
