"""The wheel cache's entries, corruption detection, counters, pruning and clearing."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from headless_wheel_builder.cache import manage, store
from headless_wheel_builder.cache.wheels import WheelCache
from headless_wheel_builder.errors import UsageError

KEY = "ab" + "0" * 62


def _artifacts(folder: Path, *contents: bytes) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, content in enumerate(contents):
        path = folder / f"pkg-{index}.0-py3-none-any.whl"
        path.write_bytes(content)
        paths.append(path)
    return paths


def test_put_then_fetch_serves_identical_bytes_in_order(tmp_path: Path) -> None:
    cache = WheelCache(tmp_path / "c")
    built = _artifacts(tmp_path / "built", b"sdist bytes", b"wheel bytes")
    cache.put(KEY, built, summary={"project": "pkg"})
    served = cache.fetch(KEY, tmp_path / "out")
    assert served is not None
    assert [p.name for p in served] == [p.name for p in built]
    assert [p.read_bytes() for p in served] == [b"sdist bytes", b"wheel bytes"]
    assert cache.fetch("cd" + "0" * 62, tmp_path / "out2") is None


def test_a_corrupted_entry_is_discarded_never_served(tmp_path: Path) -> None:
    root = tmp_path / "c"
    cache = WheelCache(root)
    cache.put(KEY, _artifacts(tmp_path / "built", b"good wheel"), summary={})
    stored = cache.entry_dir(KEY) / "pkg-0.0-py3-none-any.whl"
    stored.write_bytes(b"flipped bits")
    assert cache.fetch(KEY, tmp_path / "out") is None
    assert not (tmp_path / "out" / stored.name).exists()
    assert not cache.entry_dir(KEY).exists()
    assert store.read_stats(root)["wheel_corrupt"] == 1


def test_a_missing_file_or_bad_entry_json_is_a_miss(tmp_path: Path) -> None:
    cache = WheelCache(tmp_path / "c")
    cache.put(KEY, _artifacts(tmp_path / "built", b"w"), summary={})
    (cache.entry_dir(KEY) / "pkg-0.0-py3-none-any.whl").unlink()
    assert cache.fetch(KEY, tmp_path / "out") is None
    cache.put(KEY, _artifacts(tmp_path / "built", b"w"), summary={})
    (cache.entry_dir(KEY) / "entry.json").write_text('{"files": [{"name": "../escape", "sha256": "x"}]}')
    assert cache.fetch(KEY, tmp_path / "out") is None


def test_put_replaces_an_entry_and_leaves_no_temporary_folder(tmp_path: Path) -> None:
    cache = WheelCache(tmp_path / "c")
    cache.put(KEY, _artifacts(tmp_path / "a", b"first"), summary={})
    cache.put(KEY, _artifacts(tmp_path / "b", b"second"), summary={})
    served = cache.fetch(KEY, tmp_path / "out")
    assert served is not None
    assert served[0].read_bytes() == b"second"
    assert [p.name for p in cache.entry_dir(KEY).parent.iterdir() if p.name.startswith(".tmp-")] == []


def test_counters_add_up(tmp_path: Path) -> None:
    store.count(tmp_path, wheel_hits=1)
    store.count(tmp_path, wheel_hits=2, env_misses=1)
    stats = store.read_stats(tmp_path)
    assert stats["wheel_hits"] == 3
    assert stats["env_misses"] == 1
    assert stats["wheel_misses"] == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [("100", 100), ("2K", 2000), ("1.5M", 1_500_000), ("2GiB", 2 * 1024**3), ("3 gb", 3 * 10**9)],
)
def test_parse_size(text: str, expected: int) -> None:
    assert manage.parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "lots", "5X", "-1"])
def test_parse_size_rejects_nonsense(text: str) -> None:
    with pytest.raises(UsageError):
        manage.parse_size(text)


def _aged_entries(root: Path, tmp_path: Path) -> list[str]:
    """Three wheel entries of 1000 bytes, used 30, 20 and 1 days ago."""
    cache = WheelCache(root)
    keys = []
    for age, letter in ((30, "a"), (20, "b"), (1, "c")):
        key = letter * 64
        cache.put(key, _artifacts(tmp_path / letter, b"x" * 1000), summary={})
        used = time.time() - age * 86400
        os.utime(cache.entry_dir(key) / "entry.json", (used, used))
        keys.append(key)
    return keys


def test_prune_older_than_removes_only_unused_entries(tmp_path: Path) -> None:
    root = tmp_path / "c"
    old, middle, recent = _aged_entries(root, tmp_path)
    report = manage.prune(root, older_than_days=25)
    assert [e.path.name for e in report.removed] == [old]
    assert {e.path.name for e in manage.info(root).entries} == {middle, recent}


def test_prune_max_size_removes_least_recently_used_first(tmp_path: Path) -> None:
    root = tmp_path / "c"
    old, middle, recent = _aged_entries(root, tmp_path)
    size = manage.info(root).size("wheel")
    report = manage.prune(root, max_size=size // 3 + 10)
    assert [e.path.name for e in report.removed] == [old, middle]
    assert report.remaining <= size // 3 + 10
    assert [e.path.name for e in manage.info(root).entries] == [recent]


def test_prune_skips_an_entry_whose_lock_is_held(tmp_path: Path) -> None:
    root = tmp_path / "c"
    old, _, _ = _aged_entries(root, tmp_path)
    entry = WheelCache(root).entry_dir(old)
    with store.locked(entry.with_name(old + ".lock")):
        report = manage.prune(root, older_than_days=25)
    assert report.removed == ()
    assert entry.exists()


def test_clear_removes_entries_and_counters(tmp_path: Path) -> None:
    root = tmp_path / "c"
    _aged_entries(root, tmp_path)
    store.count(root, wheel_hits=5)
    (root / "envs" / "cp312-0123").mkdir(parents=True)
    report = manage.clear(root)
    assert len(report.removed) == 4
    info = manage.info(root)
    assert info.entries == ()
    assert info.stats["wheel_hits"] == 0
    data = info.to_dict()
    assert data["wheels"] == {"count": 0, "size": 0}


def test_cache_root_prefers_the_option_then_the_variable(tmp_path: Path) -> None:
    assert store.cache_root(tmp_path / "opt", {"HWB_CACHE_DIR": "/elsewhere"}) == tmp_path / "opt"
    assert store.cache_root(None, {"HWB_CACHE_DIR": str(tmp_path / "env")}) == tmp_path / "env"
    assert store.cache_root(None, {}).name == "hwb"
