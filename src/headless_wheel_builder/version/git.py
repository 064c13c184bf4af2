"""The git queries and writes versioning needs: tags, commits since a tag, commit + tag, push.

Every command runs through :mod:`headless_wheel_builder._git` (the one door to git, with its
hardening); this module only says which commands and reads their output."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from headless_wheel_builder import _git, _proc
from headless_wheel_builder.errors import GitError

_RS, _US = "\x1e", "\x1f"
_REFUSED = "git refuses the repository"


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


def git(
    repo: Path,
    *args: str,
    check: bool = True,
    timeout: float = _git.LOCAL_TIMEOUT,
    env: Mapping[str, str] | None = None,
) -> str:
    """Run ``git args…`` in ``repo`` (through :mod:`.._git`) and return its output; failures
    become GitError."""
    if not _git.available():
        raise GitError("git is not installed", hint="install git and make sure it is on PATH")
    try:
        result = _git.run(args, cwd=repo, check=check, timeout=timeout, env=env)
    except _proc.ProcessFailed as exc:
        raise _failure(repo, args, exc) from exc
    return result.output


def _failure(repo: Path, args: Sequence[str], exc: _proc.ProcessFailed) -> GitError:
    tail = exc.tail.strip()
    if _git.is_dubious_ownership(tail):
        return GitError(
            f"{_REFUSED} {repo}: another user owns it",
            why="git only works in repositories of other users that are listed in safe.directory",
            hint=f"if you trust it, run: git config --global --add safe.directory {repo}",
        )
    if exc.timed_out:
        why = "it did not finish in time"
    else:
        why = tail.splitlines()[-1] if tail else f"exit code {exc.returncode}"
    return GitError(
        f"git {args[0]} failed in {repo}",
        why=why,
        hint="run the same git command yourself to see the whole message",
        details=tail or None,
    )


def repo_root(path: Path) -> Path:
    try:
        return Path(git(path, "rev-parse", "--show-toplevel").strip())
    except GitError as exc:
        if exc.what.startswith(_REFUSED):
            raise
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
    # --end-of-options: a tag named like an option (``--output=FILE``, possible with update-ref)
    # is read as a revision, never as an option.
    args = ["log", f"--format={fmt}", "--end-of-options", rev_range or "HEAD"]
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
    return git(repo, "log", "-1", "--format=%cs", "--end-of-options", rev).strip()


def dirty(repo: Path, paths: Sequence[str] = ()) -> list[str]:
    """Uncommitted changes (porcelain lines), limited to ``paths`` when given."""
    out = git(repo, "status", "--porcelain", "--untracked-files=no", *(["--", *paths] if paths else []))
    return [line for line in out.splitlines() if line.strip()]


def uncommitted(repo: Path) -> list[str]:
    """Every path whose working-tree content differs from HEAD — modified, staged, deleted or
    untracked (ignored files are not), as ``git status --porcelain`` lines."""
    out = git(repo, "status", "--porcelain", "--untracked-files=all", "--ignore-submodules=none")
    return [line for line in out.splitlines() if line.strip()]


def head(repo: Path) -> str | None:
    """The commit HEAD points at (None in a repository without commits)."""
    return git(repo, "rev-parse", "--verify", "-q", "HEAD^{commit}", check=False).strip() or None


def git_dir(repo: Path) -> Path:
    """The repository's (this worktree's) git folder, absolute."""
    return Path(git(repo, "rev-parse", "--absolute-git-dir").strip())


def tag_commit(repo: Path, name: str) -> str | None:
    """The commit tag ``name`` points at (peeled), None when there is no such tag."""
    ref = f"refs/tags/{name}^{{commit}}"
    return git(repo, "rev-parse", "--verify", "-q", "--end-of-options", ref, check=False).strip() or None


def make_commit(repo: Path, paths: Sequence[str], message: str, scratch: Path) -> str:
    """A commit of HEAD plus the working-tree content of ``paths`` (relative to ``repo``),
    written to the object store only: no branch moves, the index and working tree are untouched.
    ``scratch`` is a private folder for the temporary index.  :func:`advance` puts it on the branch."""
    index = {"GIT_INDEX_FILE": os.fspath(scratch / "release.index")}
    parent = head(repo)
    if parent is None:
        raise GitError("the repository has no commit to release from", hint="commit the project first")
    git(repo, "read-tree", parent, env=index)
    git(repo, "add", "--", *paths, env=index)
    tree = git(repo, "write-tree", env=index).strip()
    # commit-tree ignores commit.gpgSign, which `git commit` honours: ask for it the same way
    sign = git(repo, "config", "--type=bool", "--get", "commit.gpgsign", check=False).strip() == "true"
    return git(repo, "commit-tree", tree, "-p", parent, *(["-S"] if sign else []), "-m", message).strip()


def advance(repo: Path, commit: str, expected: str, reason: str) -> None:
    """Move HEAD (its branch) from ``expected`` to ``commit``, refused when HEAD moved meanwhile."""
    git(repo, "update-ref", "-m", reason, "HEAD", commit, expected)


def stage(repo: Path, paths: Sequence[str]) -> None:
    """Stage ``paths`` as they are in the working tree (after :func:`advance`, so the index
    agrees with the new commit); a failure leaves them shown as changed, nothing worse."""
    if paths:
        git(repo, "add", "--", *paths, check=False)


def create_tag_at(repo: Path, name: str, message: str, commit: str) -> None:
    """An annotated tag at ``commit``."""
    git(repo, "tag", "--annotate", "--message", message, "--", name, commit)


def delete_tag(repo: Path, name: str) -> None:
    git(repo, "tag", "--delete", "--", name, check=False)


@contextmanager
def checkout_of(repo: Path, commit: str, tree: Path) -> Iterator[Path]:
    """A detached worktree of ``commit`` at ``tree`` (a path in a private temporary folder;
    ``.git`` is there, so setuptools-scm and hatch-vcs see the history and tags), removed on
    every way out."""
    git(repo, "worktree", "add", "--detach", "--quiet", os.fspath(tree), commit)
    try:
        yield tree
    finally:
        git(repo, "worktree", "remove", "--force", "--force", os.fspath(tree), check=False)


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
    # --receive-pack: a repository's remote.<name>.receivepack (a command git would run for a
    # local remote) cannot be overridden with -c, but this option wins over it.
    git(
        repo, "push", "--atomic", "--receive-pack=git-receive-pack", "--", remote,
        f"HEAD:refs/heads/{branch}", *(f"refs/tags/{r}" for r in refs),
        timeout=_git.NETWORK_TIMEOUT,
    )  # fmt: skip
