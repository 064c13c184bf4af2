"""Cache keys: what changes them and what does not."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from headless_wheel_builder.cache import keys
from headless_wheel_builder.cache.envs import env_key
from headless_wheel_builder.isolation.python import Interpreter, current
from tests.conftest import git_env


def _tree(root: Path) -> Path:
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'pkg'\n")
    (root / "src" / "pkg" / "__init__.py").write_text("x = 1\n")
    return root


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, env=git_env(root.parent), check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = _tree(tmp_path / "repo")
    (root / ".gitignore").write_text("ignored.txt\n")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "one")
    return root


def test_walk_digest_changes_with_content_and_names(tmp_path: Path) -> None:
    root = _tree(tmp_path / "p")
    before = keys.tree_digest(root)
    assert keys.tree_digest(root) == before
    (root / "src" / "pkg" / "__init__.py").write_text("x = 2\n")
    changed = keys.tree_digest(root)
    assert changed != before
    (root / "src" / "pkg" / "__init__.py").rename(root / "src" / "pkg" / "other.py")
    assert keys.tree_digest(root) not in (before, changed)


def test_walk_skips_vcs_venvs_build_output_and_caches(tmp_path: Path) -> None:
    root = _tree(tmp_path / "p")
    before = keys.tree_digest(root)
    for folder in (".git", "build", "dist", "__pycache__", "pkg.egg-info", ".tox"):
        (root / folder).mkdir()
        (root / folder / "junk").write_text("changes every build")
    (root / "myenv").mkdir()
    (root / "myenv" / "pyvenv.cfg").write_text("home = /usr\n")
    (root / "src" / "pkg" / "mod.pyc").write_bytes(b"\0")
    assert keys.tree_digest(root) == before


def test_executable_bit_is_part_of_the_digest(tmp_path: Path) -> None:
    root = _tree(tmp_path / "p")
    script = root / "run.sh"
    script.write_text("echo hi\n")
    before = keys.tree_digest(root)
    script.chmod(0o755)
    assert keys.tree_digest(root) != before


def test_git_digest_follows_git_ls_files(repo: Path) -> None:
    before = keys.tree_digest(repo)
    (repo / "ignored.txt").write_text("gitignored: not source")
    (repo / "dist").mkdir()
    (repo / "dist" / "pkg-1.0-py3-none-any.whl").write_bytes(b"built")
    (repo / "src" / "pkg.egg-info").mkdir()
    (repo / "src" / "pkg.egg-info" / "PKG-INFO").write_text("written by the backend")
    assert keys.tree_digest(repo) == before
    (repo / "new_module.py").write_text("untracked but not ignored: part of the source\n")
    assert keys.tree_digest(repo) != before


def test_git_digest_sees_uncommitted_edits_and_the_outdir_is_excluded(repo: Path) -> None:
    before = keys.tree_digest(repo)
    (repo / "src" / "pkg" / "__init__.py").write_text("x = 3\n")
    edited = keys.tree_digest(repo)
    assert edited != before
    out = repo / "wheelhouse"
    out.mkdir()
    (out / "a.whl").write_bytes(b"x")
    assert keys.tree_digest(repo, exclude=[out]) == edited


def test_scm_state_changes_with_a_commit_and_a_tag(repo: Path) -> None:
    first = keys.scm_state(repo)
    assert first
    _git(repo, "commit", "-q", "--allow-empty", "-m", "two")
    second = keys.scm_state(repo)
    assert second != first
    _git(repo, "tag", "v1.0")
    assert keys.scm_state(repo) not in (first, second)
    (repo / "pyproject.toml").write_text("[project]\nname = 'changed'\n")
    assert "-dirty@" in (keys.scm_state(repo) or "")


def test_scm_state_outside_git_is_none(tmp_path: Path) -> None:
    assert keys.scm_state(_tree(tmp_path / "p")) is None


@pytest.mark.parametrize(
    ("source", "requires", "expected"),
    [
        ("setuptools-scm", (), True),
        ("hatch-vcs", (), True),
        ("pdm: scm", (), True),
        (None, ("setuptools>=64", "setuptools_scm[toml]>=8"), True),
        (None, ("hatchling", "hatch-vcs"), True),
        ("hatch: regex src/pkg/__about__.py", ("hatchling",), False),
        (None, ("setuptools>=64",), False),
    ],
)
def test_uses_scm_version(source: str | None, requires: tuple[str, ...], expected: bool) -> None:
    assert keys.uses_scm_version(source, requires) is expected


def test_a_dynamic_version_from_an_unknown_source_counts_as_scm() -> None:
    assert keys.uses_scm_version(None, ("tinybackend",), ("version",)) is True
    assert keys.uses_scm_version("setuptools: attr pkg.__version__", (), ("version",)) is False


def test_env_values_are_hashed_and_include_the_defaults() -> None:
    environ = {"CFLAGS": "-O3", "MY_FLAG": "secret-value", "UNRELATED": "x",
               "SETUPTOOLS_SCM_PRETEND_VERSION_FOR_PKG": "1.0"}  # fmt: skip
    values = keys.env_values(["MY_FLAG"], environ)
    assert set(values) == {"CFLAGS", "MY_FLAG", "SETUPTOOLS_SCM_PRETEND_VERSION_FOR_PKG"}
    assert "secret-value" not in repr(values)
    assert keys.env_values(["MY_FLAG"], {**environ, "MY_FLAG": "other"}) != values
    assert keys.env_values([], environ) != values


def test_env_key_changes_with_requirements_interpreter_installer_and_constraints(tmp_path: Path) -> None:
    interp = current()
    base = env_key(interp, ["hatchling"], None, [])
    assert env_key(interp, ["hatchling"], None, []) == base
    assert env_key(interp, ["hatchling==1.27"], None, []) != base
    assert env_key(interp, ["hatchling"], "pip", []) != base
    other = Interpreter(
        executable=tmp_path / "python", version=interp.version, implementation=interp.implementation
    )
    assert env_key(other, ["hatchling"], None, []) != base
    pins = tmp_path / "pins.txt"
    pins.write_text("hatchling==1.27.0\n")
    pinned = env_key(interp, ["hatchling"], None, [pins])
    assert pinned != base
    pins.write_text("hatchling==1.26.0\n")
    assert env_key(interp, ["hatchling"], None, [pins]) != pinned


def test_interpreter_identity_names_the_real_executable() -> None:
    interp = current()
    ident = keys.interpreter_identity(interp.executable, interp.full_version, interp.implementation)
    assert ident["executable"] == str(interp.executable)
    assert ident["version"] == interp.full_version
    assert ident["stat"] == [os.stat(interp.executable).st_size, int(os.stat(interp.executable).st_mtime)]
    assert "soabi" in ident


def test_requires_key_follows_build_files_and_settings_and_skips_other_backends(tmp_path: Path) -> None:
    root = _tree(tmp_path / "p")
    key = keys.requires_key("wheel", "hatchling.build", None, {}, root)
    assert key is not None
    assert keys.requires_key("wheel", "hatchling.build", None, {}, root) == key
    assert keys.requires_key("sdist", "hatchling.build", None, {}, root) != key
    assert keys.requires_key("wheel", "hatchling.build", None, {"k": "v"}, root) != key
    (root / "src" / "pkg" / "__init__.py").write_text("x = 99\n")  # not a build file
    assert keys.requires_key("wheel", "hatchling.build", None, {}, root) == key
    (root / "setup.py").write_text("from setuptools import setup; setup()\n")
    assert keys.requires_key("wheel", "hatchling.build", None, {}, root) != key
    assert keys.requires_key("wheel", "scikit_build_core.build", None, {}, root) is None
    assert keys.requires_key("wheel", "hatchling.build", ["_backend"], {}, root) is None
