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


def test_a_package_named_build_or_dist_is_source_at_any_depth(tmp_path: Path) -> None:
    """pypa/build's own code is ``src/build/``: editing it must change the digest (issue 21)."""
    root = _tree(tmp_path / "p")
    for package in ("src/build", "src/pkg/dist", "build_tools/build"):
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text("x = 1\n")
    before = keys.tree_digest(root)
    for package in ("src/build", "src/pkg/dist", "build_tools/build"):
        (root / package / "__init__.py").write_text("x = 2\n")
        changed = keys.tree_digest(root)
        assert changed != before, package
        before = changed


def test_a_root_build_folder_that_is_a_package_is_source(tmp_path: Path) -> None:
    root = _tree(tmp_path / "p")
    (root / "build").mkdir()
    (root / "build" / "__init__.py").write_text("x = 1\n")
    before = keys.tree_digest(root)
    (root / "build" / "__init__.py").write_text("x = 2\n")
    assert keys.tree_digest(root) != before


def test_git_digest_sees_untracked_files_of_a_package_named_build(repo: Path) -> None:
    (repo / "src" / "build").mkdir()
    (repo / "src" / "build" / "__init__.py").write_text("tracked\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "build package")
    before = keys.tree_digest(repo)
    (repo / "src" / "build" / "env.py").write_text("untracked, not ignored: source\n")
    assert keys.tree_digest(repo) != before
    after = keys.tree_digest(repo)
    (repo / "build").mkdir()
    (repo / "build" / "lib").mkdir()
    (repo / "build" / "lib" / "x.py").write_text("setuptools' output at the root\n")
    assert keys.tree_digest(repo) == after


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


#: Switches real projects read (issue 21): PyYAML's, pbr's, scikit-build(-core)'s, CMake's, a
#: project's own, and the compiler variables.
SWITCHES = ("PYYAML_FORCE_LIBYAML", "PBR_VERSION", "CMAKE_ARGS", "SKBUILD_CMAKE_DEFINE",
            "SKBUILD_CONFIGURE_OPTIONS", "MYPKG_DISABLE_C_EXTENSION", "CFLAGS", "CC", "PATH", "HOME",
            "LANG", "SOURCE_DATE_EPOCH", "SETUPTOOLS_SCM_PRETEND_VERSION_FOR_PKG", "CI", "GITHUB_ACTIONS",
            "GITLAB_CI")  # fmt: skip
#: Variables that cannot change a build: the terminal, the session, hwb's own, the installers'
#: index settings, CI run ids, credentials.
IRRELEVANT = ("TERM", "COLUMNS", "LINES", "SHELL", "SHLVL", "_", "PWD", "OLDPWD", "SSH_AUTH_SOCK",
              "SSH_CONNECTION", "DISPLAY", "XDG_SESSION_ID", "TMPDIR", "HWB_LOG_DIR", "HWB_CACHE_DIR",
              "PIP_INDEX_URL", "UV_CACHE_DIR", "GITHUB_RUN_ID", "GITHUB_RUN_NUMBER", "RUNNER_NAME",
              "CI_JOB_ID", "GITHUB_SHA", "GITHUB_REF", "CI_COMMIT_SHA", "GITHUB_TOKEN",
              "ACTIONS_RUNTIME_TOKEN", "TWINE_PASSWORD",
              "AWS_SECRET_ACCESS_KEY", "HTTPS_PROXY", "PYTEST_CURRENT_TEST")  # fmt: skip


@pytest.mark.parametrize("name", SWITCHES)
def test_every_variable_that_may_matter_is_keyed_by_a_hash_of_its_value(name: str) -> None:
    base = keys.env_fingerprint({"OTHER": "x"})
    first = keys.env_fingerprint({"OTHER": "x", name: "value-one"})
    assert set(first) == {"OTHER", name}
    assert "value-one" not in repr(first)
    assert first != base
    assert keys.env_fingerprint({"OTHER": "x", name: "value-two"}) != first
    assert keys.differences({"env": first}, {"env": base}) == [f"${name}"]


@pytest.mark.parametrize("name", IRRELEVANT)
def test_variables_that_cannot_matter_are_left_out(name: str) -> None:
    assert keys.env_fingerprint({"OTHER": "x", name: "anything"}) == keys.env_fingerprint({"OTHER": "x"})
    # cache-env keeps one anyway (a version that embeds the CI run number).
    assert name in keys.env_fingerprint({name: "1"}, keep=[name])


def test_cache_env_ignore_takes_names_and_patterns() -> None:
    environ = {"MYCI_BUILD_STAMP": "1", "MYCI_HOST": "a", "FEATURE": "on"}
    assert set(keys.env_fingerprint(environ, ignore=["MYCI_*"])) == {"FEATURE"}
    assert set(keys.env_fingerprint(environ, ignore=["FEATURE"])) == {"MYCI_BUILD_STAMP", "MYCI_HOST"}


def test_differences_name_the_parts_and_the_variables() -> None:
    mine = {"tree": "a", "resolved": "r1", "env": {"A": "1", "B": "2"}}
    theirs = {"tree": "a", "resolved": "r2", "env": {"A": "9", "C": "3"}}
    assert keys.differences(mine, theirs) == ["resolved", "$A", "$B", "$C"]
    assert keys.differences(mine, mine) == []


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
