"""What a SIGKILLed run leaves in the temporary folder is removed by the next run (issue 24,
family 2): every workspace is named after its owner (pid and, on Linux, its start time)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from headless_wheel_builder.build.workspace import owner_token, sweep_abandoned


def _hwb(*args: str | os.PathLike[str], tmp: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "TMPDIR": str(tmp), "HWB_LOG_DIR": str(tmp.parent / "logs"), "HWB_USER_CONFIG": ""}
    cmd = [sys.executable, "-m", "headless_wheel_builder", *map(os.fspath, args)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # fmt: skip


@pytest.mark.slow
def test_a_killed_runs_workspace_is_removed_by_the_next_run(project_copy, tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    src = project_copy("tiny-backend")
    # mode=slow: the backend sleeps 2 s in each hook, so the build is mid-way when it is killed.
    victim = _hwb("build", src, "-o", tmp_path / "out1", "--no-cache", "-C", "mode=slow", tmp=tmp)
    deadline = time.monotonic() + 60
    while not list(tmp.glob(f"hwb-build-{victim.pid}-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = list(tmp.glob(f"hwb-build-{victim.pid}-*"))
    assert left, "the build never made its workspace"
    time.sleep(0.5)
    os.killpg(victim.pid, signal.SIGKILL)  # no handler runs: the workspace stays
    victim.communicate(timeout=60)
    assert all(path.is_dir() for path in left)

    after = _hwb("build", src, "-o", tmp_path / "out2", "--no-cache", tmp=tmp)
    _, stderr = after.communicate(timeout=300)
    assert after.returncode == 0, stderr
    assert not any(path.exists() for path in left), "the killed run's workspace is still there"
    assert not list(tmp.glob("hwb-*")), list(tmp.iterdir())  # and the new run cleaned up after itself


def test_only_folders_whose_owner_is_gone_are_swept(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    mine = tmp_path / f"hwb-build-{owner_token()}-abc"  # this process: alive
    parent = tmp_path / f"hwb-build-{os.getppid()}-0-abc"  # alive, start time unknown
    dead = tmp_path / f"hwb-build-{gone.pid}-0-abc"
    reused = tmp_path / f"hwb-matrix-{os.getppid()}-1-abc"  # a live pid with another start time
    other = tmp_path / "hwb-build-notours"
    for folder in (mine, parent, dead, reused, other):
        folder.mkdir()
    removed = set(sweep_abandoned(tmp_path))
    assert dead in removed
    if Path("/proc").is_dir():
        assert reused in removed  # the pid was reused by another process: the owner is gone
    assert mine.is_dir()
    assert parent.is_dir()
    assert other.is_dir()
