"""A SIGKILLed hwb takes its build processes with it, and the next run removes what it left
(issue 24, family 2).  Real runs of the CLI, killed with SIGKILL like an out-of-memory kill:
the backend's grandchildren (one of them in a session of its own) die within seconds, and the
next run leaves nothing in the temporary folder, the cache or the output folder."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds processes by their environment in /proc"),
]


def _hwb(*args: str | os.PathLike[str], base: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "TMPDIR": str(base / "tmp"), "HWB_CACHE_DIR": str(base / "cache"),
           "HWB_LOG_DIR": str(base / "logs"), "HWB_USER_CONFIG": ""}  # fmt: skip
    cmd = [sys.executable, "-m", "headless_wheel_builder", *map(os.fspath, args)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _owned_by(pid: int) -> list[int]:
    """Processes whose environment says hwb process ``pid`` started them (HWB_OWNER)."""
    marker = f"HWB_OWNER={pid}-".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(item.startswith(marker) for item in environ):
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _kill_and_wait_for_the_tree(victim: subprocess.Popen[str], extra: Sequence[int] = ()) -> None:
    victim.send_signal(signal.SIGKILL)  # hwb only, as the OOM killer does
    victim.communicate(timeout=60)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        left = [p for p in (*_owned_by(victim.pid), *extra) if _alive(p)]
        if not left:
            return
        time.sleep(0.1)
    raise AssertionError(f"processes of the killed hwb {victim.pid} still run: {left}")


def _assert_nothing_left(base: Path, *outdirs: Path) -> None:
    assert sorted(p.name for p in (base / "tmp").iterdir()) == []
    cache = base / "cache"
    assert list(cache.rglob(".tmp-*")) == []
    envs = [p for p in (cache / "envs").iterdir() if p.is_dir()] if (cache / "envs").is_dir() else []
    assert [p for p in envs if not (p / ".hwb-env.json").is_file()] == []
    for out in outdirs:
        assert list(out.glob(".hwb-*")) == []


def test_the_backends_grandchildren_die_with_a_killed_hwb(project_copy, tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir()
    src = project_copy("tiny-backend")
    pidfile = tmp_path / "pids"
    victim = _hwb("build", src, "-o", tmp_path / "out", "--wheel", "-C", "mode=spawn",
                  "-C", f"pidfile={pidfile}", base=tmp_path)  # fmt: skip
    deadline = time.monotonic() + 120
    while (not pidfile.is_file() or len(pidfile.read_text().split()) < 3) and time.monotonic() < deadline:
        assert victim.poll() is None, victim.communicate()
        time.sleep(0.05)
    pids = [int(p) for p in pidfile.read_text().split()]  # the backend and its two sleepers
    assert len(pids) == 3
    assert all(_alive(p) for p in pids)
    _kill_and_wait_for_the_tree(victim, pids)

    left = sorted(p.name for p in (tmp_path / "tmp").iterdir())
    assert any(name.startswith("hwb-build-") for name in left), left  # the killed run could not clean up
    after = _hwb("build", project_copy("pure-hatch"), "-o", tmp_path / "out2", base=tmp_path)
    _, stderr = after.communicate(timeout=300)
    assert after.returncode == 0, stderr
    _assert_nothing_left(tmp_path, tmp_path / "out", tmp_path / "out2")


def test_a_run_killed_while_creating_its_environment(project_copy, tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir()
    envs = tmp_path / "cache" / "envs"
    victim = _hwb("build", project_copy("pure-hatch"), "-o", tmp_path / "out", base=tmp_path)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(
        p.is_dir() and not (p / ".hwb-env.json").exists() for p in (envs.iterdir() if envs.is_dir() else ())
    ):
        time.sleep(0.01)
    assert victim.poll() is None, "the build ended before its environment was being made"
    _kill_and_wait_for_the_tree(victim)
    half_made = [p for p in envs.iterdir() if p.is_dir() and not (p / ".hwb-env.json").exists()]
    assert half_made

    # The next run needs another environment (no requirements): it still removes the half-made one.
    after = _hwb("build", project_copy("tiny-backend"), "-o", tmp_path / "out2", base=tmp_path)
    _, stderr = after.communicate(timeout=300)
    assert after.returncode == 0, stderr
    assert not any(p.exists() for p in half_made)
    _assert_nothing_left(tmp_path, tmp_path / "out", tmp_path / "out2")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_at_random_points_leaves_nothing_after_the_next_run(
    project_copy, tmp_path: Path, seed: int
) -> None:
    """Killed at random moments of a --refresh build (environment creation, the backend, the
    cache store, placing the output): no process survives, and one complete run later nothing
    is left in the temporary folder, the cache or the output folder."""
    rng = random.Random(seed)
    (tmp_path / "tmp").mkdir()
    src = project_copy("pure-hatch")
    out = tmp_path / "out"
    for _ in range(3):
        victim = _hwb("build", src, "-o", out, "--refresh", base=tmp_path)
        time.sleep(rng.uniform(0.3, 2.5))
        _kill_and_wait_for_the_tree(victim)
    after = _hwb("build", src, "-o", out, base=tmp_path)
    _, stderr = after.communicate(timeout=300)
    assert after.returncode == 0, stderr
    _assert_nothing_left(tmp_path, out)
    wheel, sdist = "pure_hatch-2.1.0-py3-none-any.whl", "pure_hatch-2.1.0.tar.gz"
    assert sorted(p.name for p in out.iterdir()) == [wheel, sdist]


@pytest.mark.network
def test_a_killed_container_build_leaves_no_container(project_copy, tmp_path: Path) -> None:
    """The container outlives every process hwb started: the watchdog removes it."""
    from tests.integration.test_container import IMAGE, _engine_problem, containers_of

    problem = _engine_problem("docker")
    if problem is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    (tmp_path / "tmp").mkdir()
    victim = _hwb("build", project_copy("tiny-backend"), "--isolation", "docker", "--image", IMAGE, "--wheel",
                  "-o", tmp_path / "out", "--before-all", "sleep 120", base=tmp_path)  # fmt: skip
    deadline = time.monotonic() + 120
    while not containers_of("docker", victim.pid):
        assert victim.poll() is None, victim.communicate()
        assert time.monotonic() < deadline, "no container was started"
        time.sleep(0.2)
    time.sleep(1.0)
    _kill_and_wait_for_the_tree(victim)
    deadline = time.monotonic() + 60
    while containers_of("docker", victim.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert containers_of("docker", victim.pid) == []
