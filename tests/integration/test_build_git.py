"""Builds from real git repositories: tag, branch, commit, subdirectory, scm versions."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.conftest import git

SCM_PYPROJECT = """\
[build-system]
requires = ["hatchling", "hatch-vcs"]
build-backend = "hatchling.build"

[project]
name = "scm-demo"
dynamic = ["version"]
description = "version from git tags"
requires-python = ">=3.8"

[tool.hatch.version]
source = "vcs"
raw-options = { root = "..", version_scheme = "guess-next-dev", local_scheme = "no-local-version" }

[tool.hatch.build.targets.wheel]
packages = ["scm_demo"]
"""


@pytest.fixture
def scm_repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A repo with the project in pkg/: tag v1.2.3, then a branch `next` one commit ahead."""
    repo = tmp_path / "scm-repo"
    home = tmp_path / "home"
    home.mkdir()
    (repo / "pkg" / "scm_demo").mkdir(parents=True)
    (repo / "pkg" / "pyproject.toml").write_text(SCM_PYPROJECT)
    (repo / "pkg" / "scm_demo" / "__init__.py").write_text("X = 1\n")
    (repo / "README.md").write_text("monorepo root\n")
    git(repo, "init", "-q", "-b", "main", home=home)
    git(repo, "add", "-A", home=home)
    git(repo, "commit", "-q", "-m", "feat: first", home=home)
    git(repo, "tag", "-a", "v1.2.3", "-m", "release 1.2.3", home=home)
    tagged = git(repo, "rev-parse", "HEAD", home=home)
    git(repo, "checkout", "-q", "-b", "next", home=home)
    (repo / "pkg" / "scm_demo" / "__init__.py").write_text("X = 2\n")
    git(repo, "commit", "-q", "-am", "fix: second", home=home)
    ahead = git(repo, "rev-parse", "HEAD", home=home)
    git(repo, "checkout", "-q", "main", home=home)
    return repo, {"tagged": tagged, "ahead": ahead}


def _wheel_version(result) -> str:
    wheel = next(a for a in result.json["artifacts"] if a["kind"] == "wheel")
    return wheel["filename"].split("-")[1]


def _module(result) -> str:
    wheel = next(a for a in result.json["artifacts"] if a["kind"] == "wheel")
    with zipfile.ZipFile(wheel["path"]) as zf:
        return zf.read("scm_demo/__init__.py").decode()


@pytest.mark.network
def test_tag_branch_and_commit_with_subdirectory(hwb, tmp_path, scm_repo):
    repo, commits = scm_repo
    url = f"git+file://{repo}"

    at_tag = hwb("build", f"{url}@v1.2.3#subdirectory=pkg", "-o", tmp_path / "tag", "--json")
    assert at_tag.code == 0, at_tag.stderr
    assert _wheel_version(at_tag) == "1.2.3"
    assert _module(at_tag) == "X = 1\n"
    assert at_tag.json["source"]["git_commit"] == commits["tagged"]
    names = sorted(p.name for p in (tmp_path / "tag").iterdir())
    assert names == ["scm_demo-1.2.3-py3-none-any.whl", "scm_demo-1.2.3.tar.gz"]

    on_branch = hwb("build", f"{url}@next", "--subdirectory", "pkg", "-o", tmp_path / "br", "--json")
    assert on_branch.code == 0, on_branch.stderr
    assert _wheel_version(on_branch) == "1.2.4.dev1"
    assert _module(on_branch) == "X = 2\n"

    at_commit = hwb("build", f"{url}@{commits['ahead']}#subdirectory=pkg", "--wheel",
                    "-o", tmp_path / "c", "--json")
    assert at_commit.code == 0, at_commit.stderr
    assert _wheel_version(at_commit) == "1.2.4.dev1"
    assert at_commit.json["source"]["git_commit"] == commits["ahead"]

    short = hwb("build", f"{url}@{commits['tagged'][:10]}#subdirectory=pkg", "--wheel",
                "-o", tmp_path / "s", "--json")
    assert short.code == 0, short.stderr
    assert _wheel_version(short) == "1.2.3"


def test_default_branch_without_ref(hwb, tmp_path, git_repo):
    result = hwb("build", f"git+file://{git_repo}", "--wheel", "-o", tmp_path / "o", "--json")
    assert result.code == 0, result.stderr
    assert result.json["source"]["kind"] == "git"
    assert [a["filename"] for a in result.json["artifacts"]] == ["tiny_pkg-0.3.0-py3-none-any.whl"]
