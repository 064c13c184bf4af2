"""A project's own git repository is untrusted input: nothing its ``.git/config`` names may run.

One real repository is armed with every config key that makes git start a program (fsmonitor,
hooks, pager, external diff, filter/diff drivers, gpg, credential helper, editor, askpass), each
pointing at a script that leaves a marker.  A control test shows plain git does run them; then
``hwb build`` (the folder and a ``git+file://`` URL), ``hwb version``, ``hwb changelog``,
``hwb release --dry-run`` and a real ``hwb release`` (commit + tag) run in it, and no marker
may appear.  All git commands of hwb go through ``headless_wheel_builder._git``.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration._gitrepo import Repo
from tests.integration.test_build_git import scm_repo  # noqa: F401 (a fixture)
from tests.integration.test_release import make_project

HOOKS = (
    "pre-commit", "prepare-commit-msg", "commit-msg", "post-commit", "post-checkout", "post-merge",
    "pre-push", "reference-transaction", "post-index-change", "pre-auto-gc", "post-rewrite",
)  # fmt: skip


def _arm(repo: Repo, marks: Path) -> None:
    """Commit attributes that route files through drivers, then set every executing key."""
    marks.mkdir()
    script = marks.parent / "mark.sh"
    script.write_text(f'#!/bin/sh\ntouch "{marks}/$1"\nexec cat\n')
    script.chmod(0o755)
    hooks = marks.parent / "evil-hooks"
    hooks.mkdir()
    for name in HOOKS:
        hook = hooks / name
        hook.write_text(f'#!/bin/sh\ntouch "{marks}/hook-{name}"\n')
        hook.chmod(0o755)
    repo.write(".gitattributes", "*.toml filter=evil diff=evil\n*.py filter=evil diff=evil\n")
    repo.git("add", ".gitattributes")
    repo.git("commit", "-q", "-m", "chore: attributes")
    run = f"{script} "
    for key, value in {
        "core.fsmonitor": run + "fsmonitor",
        "core.hooksPath": str(hooks),
        "core.pager": run + "pager",
        "core.editor": run + "editor",
        "core.askPass": run + "askpass",
        "sequence.editor": run + "sequence-editor",
        "diff.external": run + "diff-external",
        "diff.evil.textconv": run + "textconv",
        "filter.evil.clean": run + "clean",
        "filter.evil.smudge": run + "smudge",
        "filter.evil.required": "true",
        "gpg.program": run + "gpg",
        "log.showSignature": "true",
        "credential.helper": f"!{run}credential",
        "pager.log": run + "pager-log",
    }.items():
        repo.git("config", key, value)
    _make_racy(repo.path)


def _make_racy(path: Path) -> None:
    """New mtimes on the tracked files: git must re-read them (through the clean filter)."""
    later = time.time() + 5
    for file in path.rglob("*"):
        if file.is_file() and ".git" not in file.parts:
            os.utime(file, (later, later))


def _marks(marks: Path) -> list[str]:
    return sorted(p.name for p in marks.iterdir())


@pytest.fixture
def armed(tmp_path: Path) -> tuple[Repo, Path]:
    repo = make_project(tmp_path)
    marks = tmp_path / "marks"
    _arm(repo, marks)
    return repo, marks


def _env(repo: Repo, tmp_path: Path) -> dict[str, str]:
    return {**repo.env, "HWB_CACHE": "true", "HWB_CACHE_DIR": str(tmp_path / "cache")}


def test_plain_git_runs_what_the_repository_names(armed: tuple[Repo, Path]) -> None:
    """The control: the armed repository does make an unhardened git run its programs."""
    repo, marks = armed
    repo.git("status", "--porcelain")
    assert {"fsmonitor", "clean"} <= set(_marks(marks))


def test_build_of_the_folder_runs_nothing(hwb: Any, armed: tuple[Repo, Path], tmp_path: Path) -> None:
    repo, marks = armed
    result = hwb("build", repo.path, "-o", tmp_path / "out", "--json", env=_env(repo, tmp_path))
    assert result.code == 0, result.stderr
    assert _marks(marks) == []
    # git did run: the cache key has the checkout's state and the build its commit time
    again = hwb("build", repo.path, "-o", tmp_path / "out2", "--json", env=_env(repo, tmp_path))
    assert again.code == 0, again.stderr
    assert _marks(marks) == []


def test_build_of_a_git_file_url_runs_nothing(hwb: Any, armed: tuple[Repo, Path], tmp_path: Path) -> None:
    repo, marks = armed
    result = hwb("build", f"git+file://{repo.path}@main", "--wheel", "-o", tmp_path / "out", "--json",
                 env=_env(repo, tmp_path))  # fmt: skip
    assert result.code == 0, result.stderr
    assert result.json["source"]["kind"] == "git"
    assert _marks(marks) == []


def test_a_backend_that_runs_git_itself_runs_nothing_either(
    hwb: Any, scm_repo: tuple[Path, dict[str, str]], tmp_path: Path  # noqa: F811
) -> None:
    """hatch-vcs (setuptools-scm) runs git describe/status in the hooks: it gets the same
    hardening through the hooks' environment."""
    path, _ = scm_repo
    repo = Repo(path, tmp_path / "home")
    marks = tmp_path / "marks"
    _arm(repo, marks)
    result = hwb("build", path / "pkg", "--wheel", "-o", tmp_path / "out", "--json", env=repo.env)
    assert result.code == 0, result.stderr
    wheel = next(a for a in result.json["artifacts"] if a["kind"] == "wheel")
    assert wheel["filename"].startswith("scm_demo-1.2.4.dev")  # the version came from git
    assert _marks(marks) == []


@pytest.mark.parametrize(
    "args",
    [
        ("version", "show"),
        ("version", "next"),
        ("version", "lint"),
        ("changelog",),
        ("release", "--dry-run"),
    ],
)
def test_versioning_commands_run_nothing(hwb: Any, armed: tuple[Repo, Path], args: tuple[str, ...]) -> None:
    repo, marks = armed
    result = hwb(*args, env=repo.env, cwd=repo.path)
    assert result.code == 0, result.stderr
    assert _marks(marks) == []


def test_release_commits_and_tags_without_hooks(hwb: Any, armed: tuple[Repo, Path]) -> None:
    repo, marks = armed
    result = hwb("release", "--no-publish", env=repo.env, cwd=repo.path)
    assert result.code == 0, result.stderr
    assert repo.head_message() == "chore(release): 0.4.0"
    assert "v0.4.0" in repo.tags()
    assert _marks(marks) == []


def test_repository_programs_are_replaced_by_the_users_own(
    armed: tuple[Repo, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The repository's credential helper is dropped, the user's global one kept."""
    from headless_wheel_builder import _git, _proc

    repo, marks = armed
    user_config = tmp_path / "user.gitconfig"
    user_config.write_text("[credential]\n\thelper = store\n[gpg]\n\tprogram = /usr/bin/gpg2\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(user_config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    overrides = _git.repository_overrides.__wrapped__(str(repo.path))
    assert ("credential.helper", "") in overrides
    assert overrides.index(("credential.helper", "")) < overrides.index(("credential.helper", "store"))
    assert overrides[-1] != ("credential.helper", f"!{marks.parent / 'mark.sh'} credential")
    assert ("gpg.program", "/usr/bin/gpg2") in overrides
    assert ("filter.evil.clean", "") in overrides
    assert ("filter.evil.smudge", "") in overrides
    assert ("diff.evil.textconv", "") in overrides
    # git asks its credential helpers: the user's runs, the repository's does not
    ask = "protocol=https\nhost=example.invalid\n\n"
    cmd = _git.command(["credential", "fill"], repo.path)
    _proc.run(cmd, cwd=repo.path, env=_git.environment(), stdin_data=ask, check=False)
    assert _marks(marks) == []
    plain = {**repo.env, "GIT_CONFIG_GLOBAL": str(user_config), "GIT_TERMINAL_PROMPT": "0"}
    subprocess.run(["git", "credential", "fill"], cwd=repo.path, env=plain, input=ask, text=True,
                   capture_output=True, check=False)  # fmt: skip
    assert _marks(marks) == ["credential"]  # the control: unhardened, it would have run


def test_a_tag_named_like_an_option_stays_a_revision(armed: tuple[Repo, Path], tmp_path: Path) -> None:
    from headless_wheel_builder.version import git

    repo, _ = armed
    written = tmp_path / "written-by-git"
    tag = f"--output={written}"
    repo.git("update-ref", f"refs/tags/{tag}", "HEAD")  # git tag refuses it; update-ref does not
    assert tag in [t.name for t in git.tags(repo.path)]
    assert git.log(repo.path, f"{tag}..HEAD") == []  # the tag is on HEAD: nothing since
    assert git.commit_date(repo.path, tag) == git.commit_date(repo.path, "HEAD")
    assert not list(tmp_path.glob("written-by-git*"))


def test_ext_transport_is_refused(tmp_path: Path) -> None:
    from headless_wheel_builder import _git, _proc

    marker = tmp_path / "ext-ran"
    with pytest.raises(_proc.ProcessFailed) as info:
        _git.run(["ls-remote", "--", f"ext::sh -c touch% {marker}"], cwd=None)
    assert "not allowed" in info.value.tail
    assert not marker.exists()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown needs root")
def test_a_repository_of_another_user_is_refused_not_trusted(hwb: Any, tmp_path: Path) -> None:
    """safe.directory is never widened: the build goes on without git (a warning says why),
    the version commands stop with the command that would trust it."""
    repo = make_project(tmp_path)
    marks = tmp_path / "marks"
    _arm(repo, marks)
    for path in [repo.path, *repo.path.rglob("*")]:
        os.lchown(path, 65534, 65534)  # nobody
    env = {**repo.env, "HWB_CACHE": "false"}
    built = hwb("build", repo.path, "--wheel", "-o", tmp_path / "out", env=env)
    assert built.code == 0, built.stderr
    assert "not pinning SOURCE_DATE_EPOCH" in built.stderr
    version = hwb("version", "show", env=env, cwd=repo.path)
    assert version.code == 14, version.stderr
    assert "git config --global --add safe.directory" in version.stderr
    assert _marks(marks) == []
