"""Where the caches live, how they are written, and how often they hit.

Layout under the cache root (``HWB_CACHE_DIR``, the ``cache-dir`` option, else the user cache
folder of ``platformdirs``)::

    envs/<name>-<key>/          one build environment (``.hwb-env.json`` when complete)
    envs/<name>-<key>.lock      held while it is created
    wheels/<k2>/<key>/          one cached build: the artifacts and ``entry.json``
    wheels/<k2>/<key>.lock      held while it is written
    stats.json                  hit and miss counters (``stats.lock``)

Every JSON file is written to a temporary name and renamed, so a reader never sees half of
one.  Temporary names are ``.tmp-<pid>-<start>-…``, after their owner (see ``_proc.owner_token``):
what a killed run leaves — those, and an environment it was creating (no ``.hwb-env.json``, its
lock free) — is removed by the next run that opens the cache and by ``hwb cache prune``, at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from headless_wheel_builder._log import logger
from headless_wheel_builder._proc import abandoned, owner_token

#: Counters kept in ``stats.json``.
COUNTERS = ("wheel_hits", "wheel_misses", "wheel_corrupt", "env_hits", "env_misses")
#: Seconds to wait for another process holding a cache lock before giving up on the cache.
LOCK_TIMEOUT = 900.0
TMP_PREFIX = ".tmp-"
#: Written last into a build environment: it is complete.
ENV_MARKER = ".hwb-env.json"
#: Temporary files without an owner in their name (older hwb) are removed after this (seconds).
STALE_TMP = 3600.0
_swept: set[Path] = set()


def cache_root(configured: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The cache folder: ``configured``, else ``HWB_CACHE_DIR``, else XDG, the home, a temporary
    folder (the one rule of :mod:`headless_wheel_builder._dirs`)."""
    from headless_wheel_builder._dirs import cache_dir

    return cache_dir(configured, environ)


def write_json_atomic(path: Path, data: Mapping[str, Any], *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.  ``durable=False``
    skips the flush to disk, for what a crash may lose without harm (counters, an index that
    is rebuilt when unreadable): still atomic, a reader sees the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(tmp_name(path.name))
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
            fh.flush()
            if durable:
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
    """Hold the inter-process (and inter-thread) file lock ``path`` for the block, waiting at
    most ``timeout`` seconds (then ``TimeoutError``).  On POSIX an ``flock`` of the file, as
    filelock takes it there (so the two exclude each other), without loading filelock on a
    wheel-cache hit; elsewhere filelock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        with _flocked(path, timeout):
            yield
        return
    from filelock import FileLock

    with FileLock(str(path), timeout=timeout, thread_local=False, is_singleton=False):
        yield


@contextlib.contextmanager
def _flocked(path: Path, timeout: float) -> Iterator[None]:
    import fcntl

    deadline = time.monotonic() + timeout
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                raise TimeoutError(f"another process holds {path} (waited {timeout:g} s)") from None
            time.sleep(0.05)
            continue
        except BaseException:
            os.close(fd)
            raise
        if os.fstat(fd).st_nlink:  # not a lock file someone removed while we waited
            break
        os.close(fd)
    try:
        yield
    finally:
        os.close(fd)  # releases the lock


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
            write_json_atomic(root / "stats.json", stats, durable=False)
    except Exception as exc:  # noqa: BLE001 - statistics must never break a build
        logger.debug("could not update cache statistics: %s", exc)


def read_stats(root: Path) -> dict[str, int]:
    data = read_json(root / "stats.json") or {}
    return {name: int(data.get(name, 0)) for name in COUNTERS}


def tmp_name(what: str) -> str:
    """A temporary name for ``what``: ``.tmp-<pid>-<start>-<what>-<random>``."""
    return f"{TMP_PREFIX}{owner_token()}-{what}-{os.urandom(4).hex()}"


#: ``ioctl`` request of Linux's ``FICLONE``: a copy-on-write clone (btrfs, XFS, bcachefs).
FICLONE = 0x40049409


def make_read_only(path: Path) -> None:
    """Mark a stored artifact read-only: by convention a cache file is never written again,
    which is what lets :func:`serve_file` hand it out as a hard link (POSIX only)."""
    if os.name == "posix":
        with contextlib.suppress(OSError):
            path.chmod(0o444)


def may_link(st: os.stat_result) -> bool:
    """Whether a file with this stat may be served as a hard link: it is read-only (a cache
    file by convention) and this process is not privileged (root writes read-only files, so
    an edit of the served file would reach the cache entry)."""
    geteuid = getattr(os, "geteuid", None)
    return geteuid is not None and geteuid() != 0 and not st.st_mode & 0o222


def serve_file(src: Path, dest: Path) -> str:
    """Put a copy of the cache file ``src`` at ``dest`` (which must not exist), the cheapest
    way the filesystem allows: a hard link (:func:`may_link`), a copy-on-write clone, else a
    copy.  Returns how: ``"link"``, ``"reflink"`` or ``"copy"``."""
    if may_link(src.stat()):
        try:
            os.link(src, dest)
            return "link"
        except OSError:
            pass  # another filesystem, or one without hard links
    if _reflink(src, dest):
        return "reflink"
    shutil.copyfile(src, dest)
    return "copy"


def _reflink(src: Path, dest: Path) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    import fcntl

    try:
        with src.open("rb") as fsrc, dest.open("xb") as fdst:
            fcntl.ioctl(fdst.fileno(), FICLONE, fsrc.fileno())
    except OSError:
        dest.unlink(missing_ok=True)
        return False
    return True


@contextlib.contextmanager
def scratch(root: Path) -> Iterator[Path]:
    """A private folder in the cache at ``root``, removed afterwards (a killed run's is swept):
    on the cache's filesystem, so a served file can be a link and renamed into place."""
    path = root / tmp_name("serve")
    path.mkdir(parents=True)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def children(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError:
        return []


def sweep_abandoned(root: Path, *, stale_age: float = STALE_TMP) -> list[Path]:
    """Remove what killed runs left in the cache at ``root``: temporary files and folders
    whose owner is gone (or, without an owner in the name, older than ``stale_age``), and
    environments left incomplete whose lock nobody holds.  Returns what was removed."""
    removed: list[Path] = []
    now = time.time()
    prefix = re.escape(TMP_PREFIX)
    for section in (root, root / "envs", root / "index", root / "wheels", *children(root / "wheels")):
        for path in children(section):
            if not path.name.startswith(TMP_PREFIX):
                continue
            with contextlib.suppress(OSError):
                owned = re.match(prefix + r"\d+-\d+-", path.name) is not None
                if abandoned(path.name, prefix) or (not owned and now - path.lstat().st_mtime >= stale_age):
                    remove_path(path)
                    removed.append(path)
    for env in children(root / "envs"):
        if env.is_dir() and not env.name.startswith(TMP_PREFIX) and not (env / ENV_MARKER).exists():
            try:
                with locked(env.with_name(env.name + ".lock"), timeout=0):
                    if not (env / ENV_MARKER).exists():
                        shutil.rmtree(env, ignore_errors=True)
                        removed.append(env)
            except TimeoutError:
                continue  # being created right now
    if removed:
        logger.info("removed %d temporary file(s) left in the cache by killed hwb runs", len(removed))
    return removed


def remove_entry(path: Path) -> bool:
    """Remove the cache entry ``path`` (an environment, a wheel entry) atomically under its
    lock: renamed to an owner-named temporary name, then deleted, so a reader never sees half
    of it.  False when another process holds the lock (it is being made) or it is gone."""
    try:
        with locked(path.with_name(path.name + ".lock"), timeout=0.5):
            if not path.exists():
                return False
            discard(path)
    except (TimeoutError, OSError):
        return False
    return True


def discard(path: Path) -> None:
    """Rename ``path`` to an owner-named temporary name, then delete it: never half of it under
    its own name (a kill mid-way leaves what the next run sweeps).  The caller holds its lock."""
    doomed = path.with_name(tmp_name(path.name[:24]))
    path.rename(doomed)
    remove_path(doomed)


def sweep_once(root: Path) -> None:
    """:func:`sweep_abandoned` the first time this process opens the cache at ``root``
    (never fails a build)."""
    if root in _swept:
        return
    _swept.add(root)
    try:
        sweep_abandoned(root)
    except OSError as exc:
        logger.debug("could not sweep the cache: %s", exc)


def remove_path(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
