"""Where the caches live, how they are written, and how often they hit.

Layout under the cache root (``HWB_CACHE_DIR``, the ``cache-dir`` option, else the user cache
folder of ``platformdirs``)::

    envs/<name>-<key>/          one build environment (``.hwb-env.json`` when complete)
    envs/<name>-<key>.lock      held while it is created
    wheels/<k2>/<key>/          one cached build: the artifacts and ``entry.json``
    wheels/<k2>/<key>.lock      held while it is written
    stats.json                  hit and miss counters (``stats.lock``)

Every JSON file is written to a temporary name and renamed, so a reader never sees half of
one; a crash leaves at most a ``.tmp-*`` file, which pruning removes.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from headless_wheel_builder._log import logger

#: Counters kept in ``stats.json``.
COUNTERS = ("wheel_hits", "wheel_misses", "wheel_corrupt", "env_hits", "env_misses")
#: Seconds to wait for another process holding a cache lock before giving up on the cache.
LOCK_TIMEOUT = 900.0
TMP_PREFIX = ".tmp-"


def cache_root(configured: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The cache folder: ``configured``, else ``HWB_CACHE_DIR``, else the user cache folder."""
    if configured is not None:
        return Path(configured).expanduser()
    environ = os.environ if environ is None else environ
    from_env = environ.get("HWB_CACHE_DIR")
    if from_env:
        return Path(from_env).expanduser()
    from platformdirs import user_cache_path

    return user_cache_path("hwb", appauthor=False)


def write_json_atomic(path: Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}-{os.getpid()}-{os.urandom(4).hex()}")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``, or None when it is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the inter-process (and inter-thread) file lock ``path`` for the block."""
    from filelock import FileLock

    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path), timeout=timeout, thread_local=False, is_singleton=False)
    with lock:
        yield


def touch(path: Path) -> None:
    """Mark ``path`` as just used (its mtime is the last use, for pruning)."""
    with contextlib.suppress(OSError):
        os.utime(path)


def count(root: Path, **increments: int) -> None:
    """Add ``increments`` to the counters in ``stats.json`` (never fails a build)."""
    try:
        with locked(root / "stats.lock", timeout=10):
            stats = read_stats(root)
            for name, step in increments.items():
                stats[name] = stats.get(name, 0) + step
            write_json_atomic(root / "stats.json", stats)
    except Exception as exc:  # noqa: BLE001 - statistics must never break a build
        logger.debug("could not update cache statistics: %s", exc)


def read_stats(root: Path) -> dict[str, int]:
    data = read_json(root / "stats.json") or {}
    return {name: int(data.get(name, 0)) for name in COUNTERS}
