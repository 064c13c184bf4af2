"""The git queries and writes versioning needs, all through ``_proc`` (argument lists only)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from headless_wheel_builder import _proc
from headless_wheel_builder.errors import GitError

_RS, _US = "\x1e", "\x1f"


@dataclass(frozen=True, kw_only=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    date: str
    """Committer date, ISO 8601 (``YYYY-MM-DD``)."""
    author: str
    message: str

    @property
    def short(self) -> str:
        return self.sha[:7]

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1


@dataclass(frozen=True, kw_only=True)
class Tag:
    name: str
    commit: str
    annotated: bool


def git(repo: Path, *args: str, check: bool = True) -> str:
    """Run ``git -C repo args…`` and return its output; failures become GitError."""
    if _proc.which("git") is None:
        raise GitError("git is not installed", hint="install git and make sure it is on PATH")
    try:
        result = _proc.capture(
            ["git", "-C", os.fspath(repo), *args],
            check=check,
            extra_env={"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except _proc.ProcessFailed as exc:
        raise GitError(
            f"git {args[0]} failed in {repo}",
            why=exc.tail.strip().splitlines()[-1] if exc.tail.strip() else f"exit code {exc.returncode}",
            hint="run the same git command yourself to see the whole message",
            details=exc.tail.strip() or None,
        ) from exc
    return result.output


def repo_root(path: Path) -> Path:
    try:
        return Path(git(path, "rev-parse", "--show-toplevel").strip())
    except GitError as exc:
        raise GitError(
            f"{path} is not inside a git repository",
            why=exc.why,
            hint="versions and changelogs come from git history: run this in a clone (or git init)",
        ) from exc


def has_commits(repo: Path) -> bool:
    return bool(git(repo, "rev-parse", "--verify", "-q", "HEAD", check=False).strip())


def tags(repo: Path, *, merged_into: str | None = "HEAD") -> list[Tag]:
    """Tags (reachable from ``merged_into`` when given), with the commit each points at."""
    args = [
        "tag",
        "--list",
        f"--format=%(refname:strip=2){_US}%(objecttype){_US}%(*objectname){_US}%(objectname)",
    ]
    if merged_into and has_commits(repo):
        args += ["--merged", merged_into]
    found: list[Tag] = []
    for line in git(repo, *args).splitlines():
        parts = line.split(_US)
        if len(parts) != 4:
            continue
        name, kind, peeled, direct = parts
        found.append(Tag(name=name, commit=peeled or direct, annotated=kind == "tag"))
    return found


def log(repo: Path, rev_range: str | None, paths: Sequence[str] = ()) -> list[Commit]:
    """Commits in ``rev_range`` (all of HEAD's history when None), newest first; with
    ``paths`` only those that touch them."""
    if not has_commits(repo):
        return []
    fmt = _US.join(["%H", "%P", "%cs", "%an", "%B"]) + _RS
    args = ["log", f"--format={fmt}", rev_range or "HEAD"]
    if paths:
        args += ["--", *paths]
    commits: list[Commit] = []
    for raw in git(repo, *args).split(_RS):
        record = raw.lstrip("\n")
        if not record:
            continue
        sha, parents, date, author, message = record.split(_US, 4)
        commits.append(
            Commit(
                sha=sha, parents=tuple(parents.split()), date=date, author=author, message=message.strip("\n")
            )
        )
    return commits


def commit_date(repo: Path, rev: str) -> str:
    return git(repo, "log", "-1", "--format=%cs", rev).strip()


def dirty(repo: Path, paths: Sequence[str] = ()) -> list[str]:
    """Uncommitted changes (porcelain lines), limited to ``paths`` when given."""
    out = git(repo, "status", "--porcelain", "--untracked-files=no", *(["--", *paths] if paths else []))
    return [line for line in out.splitlines() if line.strip()]


def remote_url(repo: Path, remote: str = "origin") -> str | None:
    try:
        return git(repo, "remote", "get-url", "--", remote).strip() or None
    except GitError:
        return None


def commit_files(repo: Path, paths: Sequence[str], message: str) -> str:
    git(repo, "add", "--", *paths)
    git(repo, "commit", "-q", "--no-verify", "-m", message, "--", *paths)
    return git(repo, "rev-parse", "HEAD").strip()


def create_tag(repo: Path, name: str, message: str) -> None:
    """An annotated tag at HEAD."""
    git(repo, "tag", "--annotate", "--message", message, "--", name)


def tag_exists(repo: Path, name: str) -> bool:
    return bool(git(repo, "tag", "--list", "--", name).strip())


def push(repo: Path, remote: str, refs: Sequence[str]) -> None:
    """Push the current branch and ``refs`` (tags) in one atomic push."""
    branch = git(repo, "symbolic-ref", "--short", "-q", "HEAD", check=False).strip()
    if not branch:
        raise GitError(
            "HEAD is detached; cannot push the release commit", hint="check out the branch to release from"
        )
    git(
        repo, "push", "--atomic", "--", remote, f"HEAD:refs/heads/{branch}", *(f"refs/tags/{r}" for r in refs)
    )
