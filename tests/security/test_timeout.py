"""``--timeout`` covers the whole command (issue 16, family 3): not only the backend's hooks but
fetching a git source from a server that never answers.  When it fires, everything hwb started
is stopped, nothing is placed, and the exit code is 124.  Real processes, a real stalled server."""

from __future__ import annotations

import os
import shutil
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGES = Path(__file__).resolve().parents[1] / "packages"


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def stalled_server() -> Iterator[int]:
    """Accepts connections and never answers (a git server, a registry, a proxy gone quiet)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def _accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=_accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc; SIGALRM")
def test_the_deadline_stops_a_hanging_backend_and_its_children(hwb, tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(PACKAGES / "tiny-backend", src)
    pidfile, tmp = tmp_path / "pids", tmp_path / "tmp"
    tmp.mkdir()
    start = time.monotonic()
    args = ("build", src, "-o", tmp_path / "out", "--no-cache", "-C", "mode=spawn-hang", "--timeout", "10")
    result = hwb(*args, env={"TINY_PIDFILE": str(pidfile), "TMPDIR": str(tmp)}, timeout=180)
    elapsed = time.monotonic() - start
    assert result.code == 124, result.stderr
    assert "timed out after 10 seconds" in result.stderr
    assert elapsed < 120
    hook, grandchild = map(int, pidfile.read_text().split())
    deadline = time.monotonic() + 10
    while (_alive(hook) or _alive(grandchild)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(hook)
    assert not _alive(grandchild)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    assert not list(tmp.iterdir())


def test_the_deadline_covers_fetching_a_git_source(hwb, stalled_server: int, tmp_path: Path) -> None:
    start = time.monotonic()
    url = f"git+http://127.0.0.1:{stalled_server}/repo.git"
    result = hwb("build", url, "-o", tmp_path / "out", "--timeout", "3", timeout=120,
                 env={"HOME": str(tmp_path)})  # fmt: skip
    elapsed = time.monotonic() - start
    assert result.code == 124, result.stderr
    assert "timed out after 3 seconds" in result.stderr
    assert elapsed < 60, elapsed  # git alone would wait for its own 30-minute network timeout
    assert "internal error" not in result.stderr


def test_without_timeout_the_same_fetch_is_still_waiting(stalled_server: int, tmp_path: Path) -> None:
    """Control: the stalled server really stalls git (hwb's deadline, not git, ended the run above)."""
    import subprocess

    proc = subprocess.Popen(
        [sys.executable, "-m", "headless_wheel_builder", "build", f"git+http://127.0.0.1:{stalled_server}/r.git",
         "-o", str(tmp_path / "out")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "HOME": str(tmp_path)},
    )  # fmt: skip
    try:
        time.sleep(8)
        assert proc.poll() is None, "the fetch ended on its own: the control proves nothing"
    finally:
        proc.terminate()
        proc.wait(timeout=60)
