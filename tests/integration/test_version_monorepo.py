"""A monorepo with two packages: own versions, tag prefixes and changelogs; commits attributed
by the paths they touch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration._gitrepo import Repo, make_repo

ROOT = """\
[tool.hwb.version.packages.pkg-a]
path = "packages/a"

[tool.hwb.version.packages.pkg-b]
path = "packages/b"
"""
MEMBER = '[project]\nname = "{name}"\nversion = "{version}"\n'


@pytest.fixture
def mono(tmp_path: Path) -> Repo:
    repo = make_repo(tmp_path, tag=None, pyproject=ROOT)
    repo.write("packages/a/pyproject.toml", MEMBER.format(name="pkg-a", version="1.0.0"))
    repo.write("packages/b/pyproject.toml", MEMBER.format(name="pkg-b", version="0.2.0"))
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: two packages")
    repo.tag("pkg-a-v1.0.0")
    repo.tag("pkg-b-v0.2.0")
    repo.commit("feat(a): a thing", path="packages/a/code.py")
    repo.commit("fix(b): b thing", path="packages/b/code.py")
    repo.commit("feat!: root-only change touches no package", path="README.md")
    return repo


def run(hwb: Any, repo: Repo, *args: str, cwd: Path | None = None) -> Any:
    return hwb(*args, env=repo.env, cwd=cwd or repo.path)


def test_each_package_gets_its_own_bump(hwb: Any, mono: Repo) -> None:
    result = run(hwb, mono, "version", "next", "--json")
    assert result.code == 0, result.stderr
    found = {
        p["package"]: (p["current"], p["next"], p["tag"], [c["header"] for c in p["commits"]])
        for p in result.json["packages"]
    }
    assert found == {
        "pkg-a": ("1.0.0", "1.1.0", "pkg-a-v1.1.0", ["feat(a): a thing"]),
        "pkg-b": ("0.2.0", "0.2.1", "pkg-b-v0.2.1", ["fix(b): b thing"]),
    }


def test_selection_by_name_and_by_folder(hwb: Any, mono: Repo) -> None:
    by_name = run(hwb, mono, "version", "next", "--package", "pkg-b", "--json").json
    assert (by_name["package"], by_name["next"]) == ("pkg-b", "0.2.1")
    inside = run(hwb, mono, "version", "next", "--json", cwd=mono.path / "packages" / "a").json
    assert (inside["package"], inside["next"]) == ("pkg-a", "1.1.0")
    wrong = run(hwb, mono, "version", "next", "--package", "pkg-c")
    assert wrong.code == 70
    assert "did you mean" in wrong.stderr


def test_bump_all_one_commit_two_tags_two_changelogs(hwb: Any, mono: Repo) -> None:
    result = run(hwb, mono, "version", "bump", "--commit", "--tag", "--changelog")
    assert result.code == 0, result.stderr
    assert sorted(mono.tags()) == ["pkg-a-v1.0.0", "pkg-a-v1.1.0", "pkg-b-v0.2.0", "pkg-b-v0.2.1"]
    assert mono.head_message() == "chore(release): pkg-a 1.1.0, pkg-b 0.2.1"
    assert 'version = "1.1.0"' in (mono.path / "packages/a/pyproject.toml").read_text()
    assert 'version = "0.2.1"' in (mono.path / "packages/b/pyproject.toml").read_text()
    log_a = (mono.path / "packages/a/CHANGELOG.md").read_text()
    log_b = (mono.path / "packages/b/CHANGELOG.md").read_text()
    assert "a thing" in log_a
    assert "b thing" not in log_a
    assert "root-only" not in log_a
    assert "b thing" in log_b
    assert "a thing" not in log_b
    assert mono.git("status", "--porcelain") == ""
    # pkg-b alone moves on
    mono.commit("fix(b): later", path="packages/b/code.py")
    nxt = run(hwb, mono, "version", "next", "--json")
    assert nxt.code == 0
    states = {p["package"]: p["next"] for p in nxt.json["packages"]}
    assert states == {"pkg-a": None, "pkg-b": "0.2.2"}
