"""Real git repositories with real histories for the versioning tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import git_env

PYPROJECT = """\
# A project hwb versions.
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "demo"
# the version line below is rewritten; this comment must survive
version = "{version}"  # managed by hwb
description = "demo"

[tool.other]
keep = [1, 2,   3]  # odd spacing stays
"""


class Repo:
    def __init__(self, path: Path, home: Path) -> None:
        self.path = path
        self.home = home
        self.env = git_env(home)
        self._n = 0

    def git(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run(
            ["git", *args], cwd=self.path, env=self.env, capture_output=True, text=True, check=False
        )
        if check and proc.returncode:
            raise AssertionError(f"git {' '.join(args)}: {proc.stderr}")
        return proc.stdout.strip()

    def write(self, rel: str, text: str) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def commit(self, message: str, path: str = "notes.txt") -> str:
        """Change ``path`` and commit it with ``message``; return the commit id."""
        self._n += 1
        target = self.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a") as fh:
            fh.write(f"change {self._n}\n")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")

    def tag(self, name: str) -> None:
        self.git("tag", "-a", "-m", name, name)

    def tags(self) -> list[str]:
        return self.git("tag", "--list").split()

    def head_message(self) -> str:
        return self.git("log", "-1", "--format=%B")


def make_repo(
    tmp_path: Path, *, version: str = "1.2.3", tag: str | None = "v1.2.3", pyproject: str | None = None
) -> Repo:
    home = tmp_path / "home"
    home.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "repo"
    path.mkdir()
    repo = Repo(path, home)
    repo.git("init", "-q", "-b", "main")
    repo.write("pyproject.toml", (pyproject or PYPROJECT).replace("{version}", version))
    repo.write("demo/__init__.py", "")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: start")
    if tag:
        repo.tag(tag)
    return repo
