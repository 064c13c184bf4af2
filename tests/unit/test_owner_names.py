"""Temporary names carry their owner; what a gone owner left is removed at once (issue 24,
family 2).  Real processes, files and locks: a process that has exited is a gone owner."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from headless_wheel_builder import _proc
from headless_wheel_builder.artifacts.output import TEMP_PREFIX, place_artifacts
from headless_wheel_builder.cache import store


def _gone_owner() -> str:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return f"{proc.stdout.strip()}-0"


def test_abandoned_needs_the_prefix_and_a_gone_owner() -> None:
    gone = _gone_owner()
    assert _proc.abandoned(f".tmp-{gone}-x", r"\.tmp-")
    assert not _proc.abandoned(f".tmp-{_proc.owner_token()}-x", r"\.tmp-")
    assert not _proc.abandoned(f"other-{gone}-x", r"\.tmp-")
    assert not _proc.abandoned(".tmp-entry.json-1234-abcd", r"\.tmp-")  # no owner in the name


def test_the_cache_sweep_removes_what_gone_owners_left(tmp_path: Path) -> None:
    gone = _gone_owner()
    wheels = tmp_path / "wheels" / "ab"
    envs = tmp_path / "envs"
    wheels.mkdir(parents=True)
    envs.mkdir()
    dead_entry = wheels / f".tmp-{gone}-abcdef-1234"
    dead_json = tmp_path / f".tmp-{gone}-stats.json-1234"
    live_entry = wheels / store.tmp_name("abcdef")
    old_unowned = envs / ".tmp-cp312-abc-999-beef"
    new_unowned = envs / ".tmp-cp312-def-999-beef"
    for folder in (dead_entry, live_entry, old_unowned, new_unowned):
        folder.mkdir()
    dead_json.write_text("{}")
    long_ago = time.time() - 2 * store.STALE_TMP
    os.utime(old_unowned, (long_ago, long_ago))

    complete, half_made, being_made = envs / "cp312-aaa", envs / "cp312-bbb", envs / "cp312-ccc"
    for env in (complete, half_made, being_made):
        (env / "bin").mkdir(parents=True)
    (complete / store.ENV_MARKER).write_text("{}")

    held, release = threading.Event(), threading.Event()

    def creator() -> None:  # another build holds the lock of the environment it is making
        with store.locked(being_made.with_name(being_made.name + ".lock")):
            held.set()
            release.wait(30)

    thread = threading.Thread(target=creator)
    thread.start()
    try:
        assert held.wait(30)
        removed = set(store.sweep_abandoned(tmp_path))
    finally:
        release.set()
        thread.join()
    assert removed == {dead_entry, dead_json, old_unowned, half_made}
    for kept in (live_entry, new_unowned, complete, being_made):
        assert kept.exists(), kept


def test_remove_entry_renames_it_away_under_its_lock(tmp_path: Path) -> None:
    entry = tmp_path / "wheels" / "ab" / "abcdef"
    entry.mkdir(parents=True)
    (entry / "entry.json").write_text("{}")
    assert store.remove_entry(entry)
    assert sorted(p.name for p in entry.parent.iterdir()) == ["abcdef.lock"]
    assert not store.remove_entry(entry)  # already gone


def test_placing_artifacts_removes_a_gone_owners_temporary_files_at_once(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    dead = out / f"{TEMP_PREFIX}{_gone_owner()}-0123-x.whl.part"
    live = out / f"{TEMP_PREFIX}{_proc.owner_token()}-0123-y.whl.part"
    for path in (dead, live):
        path.write_bytes(b"part")  # fresh: an unowned name would be kept for an hour
    built = tmp_path / "pkg-1.0.tar.gz"
    built.write_bytes(b"not checked here")
    place_artifacts([built], out)
    assert not dead.exists()
    assert live.exists()
    assert (out / "pkg-1.0.tar.gz").is_file()


def test_prune_removes_a_gone_owners_leftovers_at_once(tmp_path: Path) -> None:
    from headless_wheel_builder.cache import manage

    shard = tmp_path / "wheels" / "ab"
    shard.mkdir(parents=True)
    dead = shard / f".tmp-{_gone_owner()}-abcdef-1234"  # fresh: no age limit applies
    dead.mkdir()
    half_made = tmp_path / "envs" / "cp312-abc"
    (half_made / "bin").mkdir(parents=True)
    manage.prune(tmp_path, older_than_days=365)
    assert not dead.exists()
    assert not half_made.exists()
