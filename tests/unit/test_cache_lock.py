"""The cache's file lock (``store.locked``): an ``flock`` on POSIX that excludes filelock's
lock of the same file, in another process and in another thread, and times out."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from filelock import FileLock

from headless_wheel_builder.cache import store

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the flock path")


def test_a_held_lock_times_out_and_is_free_after(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    with store.locked(path, timeout=1), pytest.raises(TimeoutError), store.locked(path, timeout=0):
        pass
    with store.locked(path, timeout=0):  # released
        pass


def test_filelock_and_store_locked_exclude_each_other(tmp_path: Path) -> None:
    path = tmp_path / "y.lock"
    held = FileLock(str(path), thread_local=False, is_singleton=False)
    with held, pytest.raises(TimeoutError), store.locked(path, timeout=0.2):
        pass
    with store.locked(path), pytest.raises(TimeoutError):
        FileLock(str(path), timeout=0.2, thread_local=False, is_singleton=False).acquire()


def test_threads_take_turns(tmp_path: Path) -> None:
    path = tmp_path / "z.lock"
    inside: list[int] = []
    overlaps: list[int] = []

    def work() -> None:
        for _ in range(5):
            with store.locked(path, timeout=30):
                inside.append(1)
                if len(inside) > 1:
                    overlaps.append(1)
                time.sleep(0.002)
                inside.pop()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []
