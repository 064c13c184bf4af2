"""Reproducible builds: SOURCE_DATE_EPOCH comes from the last commit of a git source (unless
the user set it), so building the same commit twice gives the same bytes."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import time
import zipfile
from pathlib import Path

from tests.conftest import PACKAGES, git, git_env

COMMIT_DATE = "2001-09-09T01:46:40+00:00"  # epoch 1000000000
COMMIT_EPOCH = 1_000_000_000


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(PACKAGES / "pure-hatch", repo)
    home = tmp_path / "git-home"
    home.mkdir()
    git(repo, "init", "-q", "-b", "main", home=home)
    git(repo, "add", "-A", home=home)
    dated = {**git_env(home), "GIT_COMMITTER_DATE": COMMIT_DATE, "GIT_AUTHOR_DATE": COMMIT_DATE}
    subprocess.run(["git", "commit", "-q", "-m", "one"], cwd=repo, env=dated, check=True)
    return repo


def _build(hwb, source: str | Path, out: Path, env: dict[str, str | None]) -> tuple[Path, Path]:
    result = hwb("build", source, "--outdir", out, "--no-cache", "--json", env=env)
    assert result.code == 0, result.stderr
    return next(out.glob("*.whl")), next(out.glob("*.tar.gz"))


def _zip_times(wheel: Path) -> set[tuple[int, ...]]:
    with zipfile.ZipFile(wheel) as zf:
        return {i.date_time for i in zf.infolist()}


def _tar_times(sdist: Path) -> set[int]:
    with tarfile.open(sdist) as tf:
        return {int(m.mtime) for m in tf.getmembers()}


def test_same_commit_twice_gives_the_same_bytes(hwb, tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    home = tmp_path / "git-home"
    env: dict[str, str | None] = {
        "SOURCE_DATE_EPOCH": None,
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(home),
    }
    assert git(repo, "log", "-1", "--format=%ct", home=home) == str(COMMIT_EPOCH)
    url = f"git+file://{repo}"
    wheel1, sdist1 = _build(hwb, url, tmp_path / "out1", env)
    time.sleep(1.1)  # a build that used the clock would now differ
    wheel2, sdist2 = _build(hwb, url, tmp_path / "out2", env)
    assert wheel1.read_bytes() == wheel2.read_bytes()
    assert sdist1.read_bytes() == sdist2.read_bytes()
    # The timestamps are the commit's (not hatchling's own fixed default, not the clock).
    assert _zip_times(wheel1) == {time.gmtime(COMMIT_EPOCH)[:6]}
    assert _tar_times(sdist1) == {COMMIT_EPOCH}

    # A folder in a git checkout gets the same; a value the user set is left alone.
    wheel3, _ = _build(hwb, repo, tmp_path / "out3", env)
    assert wheel3.read_bytes() == wheel1.read_bytes()
    user_epoch = 1_234_567_890
    wheel4, sdist4 = _build(hwb, repo, tmp_path / "out4", {**env, "SOURCE_DATE_EPOCH": str(user_epoch)})
    assert _zip_times(wheel4) == {time.gmtime(user_epoch)[:6]}
    assert _tar_times(sdist4) == {user_epoch}


def test_the_epoch_is_computed_per_source_and_respects_the_user(tmp_path: Path, monkeypatch) -> None:
    import os

    from headless_wheel_builder.build._reproducible import (
        commit_epoch,
        effective_epoch,
        epoch_environ,
        source_epoch,
    )

    repo = _repo(tmp_path)
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    assert commit_epoch(plain) is None
    assert commit_epoch(repo / "src") == str(COMMIT_EPOCH)

    assert source_epoch("directory", plain) is None
    assert source_epoch("sdist", repo) is None  # an archive: its own dates, none from git
    assert source_epoch("git", repo) == str(COMMIT_EPOCH)
    assert epoch_environ(str(COMMIT_EPOCH)) == {"SOURCE_DATE_EPOCH": str(COMMIT_EPOCH)}
    assert epoch_environ(None) == {}
    assert "SOURCE_DATE_EPOCH" not in os.environ  # hwb's own environment is never changed

    # A commit that leaves the folder alone changes nothing; one that changes it does.
    later = {**git_env(tmp_path / "git-home"), "GIT_COMMITTER_DATE": "2011-01-01T00:00:00+00:00"}
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "empty"], cwd=repo, env=later, check=True)
    assert commit_epoch(repo) == str(COMMIT_EPOCH)
    (repo / "README.md").write_text("changed\n")
    subprocess.run(["git", "commit", "-q", "-am", "docs"], cwd=repo, env=later, check=True)
    assert commit_epoch(repo) == "1293840000"
    assert commit_epoch(repo / "src") == str(COMMIT_EPOCH)  # a subfolder the commit did not touch

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "42")
    assert source_epoch("git", repo) is None  # the user's own value is kept, not replaced
    assert effective_epoch(None) == "42"
