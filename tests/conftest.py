"""Fixtures shared by unit and integration tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]

# Every hypothesis test: no example database (nothing written into the tree) and, in CI,
# derandomized so that a run is reproducible.  The fuzz properties set more (tests/unit/_fuzz.py).
settings.register_profile("hwb", database=None, derandomize=os.environ.get("CI") == "true")
settings.load_profile("hwb")
PACKAGES = Path(__file__).resolve().parent / "packages"


@dataclass
class HwbResult:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture(autouse=True)
def _fresh_hwb_logger() -> Iterator[None]:
    """The CLI's configure_logging (run in-process by some tests) detaches hwb's logger from
    the root logger; give every test the library default so caplog sees hwb's records."""
    import logging

    log = logging.getLogger("headless_wheel_builder")
    saved = (log.handlers[:], log.level, log.propagate)
    log.handlers[:] = []
    log.setLevel(logging.NOTSET)
    log.propagate = True
    yield
    log.handlers[:], log.level, log.propagate = saved[0], saved[1], saved[2]


@pytest.fixture
def packages() -> Path:
    return PACKAGES


@pytest.fixture
def project_copy(tmp_path: Path) -> Iterator[Any]:
    """Copy a project from tests/packages into tmp_path (builds may write into a source tree)."""

    def _copy(name: str) -> Path:
        dest = tmp_path / "src" / name
        shutil.copytree(PACKAGES / name, dest)
        return dest

    return _copy


@pytest.fixture
def hwb(tmp_path: Path) -> Any:
    """Run the real CLI in a subprocess: ``hwb("build", path, "--json")``."""
    log_dir = tmp_path / "hwb-logs"

    def _run(*args: str | os.PathLike[str], env: Mapping[str, str | None] | None = None,
             cwd: Path | None = None, timeout: float = 900) -> HwbResult:
        full_env = dict(os.environ)
        full_env.setdefault("HWB_LOG_DIR", str(log_dir))
        full_env.setdefault("HWB_CACHE", "false")  # build caches: only where a test turns them on
        full_env.setdefault("HWB_USER_CONFIG", "")  # never the machine's ~/.config/hwb/config.toml
        full_env.pop("FORCE_COLOR", None)
        for key, value in (env or {}).items():
            if value is None:
                full_env.pop(key, None)
            else:
                full_env[key] = value
        proc = subprocess.run(
            [sys.executable, "-m", "headless_wheel_builder", *map(os.fspath, args)],
            capture_output=True, text=True, env=full_env, cwd=cwd, timeout=timeout, check=False,
        )
        return HwbResult(proc.returncode, proc.stdout, proc.stderr)

    return _run


def git_env(home: Path) -> dict[str, str]:
    """An environment in which git ignores the machine's config and has an identity."""
    return {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "hwb tests",
        "GIT_AUTHOR_EMAIL": "tests@hwb.invalid",
        "GIT_COMMITTER_NAME": "hwb tests",
        "GIT_COMMITTER_EMAIL": "tests@hwb.invalid",
        "HOME": str(home),
    }


def git(repo: Path, *args: str, home: Path) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=git_env(home), check=True,
                          capture_output=True, text=True).stdout.strip()


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    """A real git repository holding tiny-backend at its root, one commit, tag v0.3.0."""
    repo = tmp_path / "repo"
    shutil.copytree(PACKAGES / "tiny-backend", repo)
    home = tmp_path / "git-home"
    home.mkdir()
    git(repo, "init", "-q", "-b", "main", home=home)
    git(repo, "add", "-A", home=home)
    git(repo, "commit", "-q", "-m", "initial", home=home)
    git(repo, "tag", "v0.3.0", home=home)
    return repo
