"""hwb's public API: cache functions (see headless_wheel_builder.api)."""

from __future__ import annotations

import os
from pathlib import Path

from headless_wheel_builder.cache.manage import CacheInfo, PruneReport
from headless_wheel_builder.cache.verify import VerifyReport


def cache_info(cache_dir: str | os.PathLike[str] | None = None) -> CacheInfo:
    """Entries, sizes and hit/miss counts of the cache (default folder: ``HWB_CACHE_DIR``,
    else the user cache folder)."""
    from headless_wheel_builder.cache import manage, store

    return manage.info(store.cache_root(Path(cache_dir) if cache_dir else None))


def cache_prune(
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    max_size: int | str | None = None,
    older_than_days: float | None = None,
) -> PruneReport:
    """Remove cache entries unused for ``older_than_days``, then the least recently used until
    at most ``max_size`` (bytes, or ``"500M"``, ``"2G"``) remain."""
    from headless_wheel_builder.cache import manage, store

    size = manage.parse_size(max_size) if isinstance(max_size, str) else max_size
    root = store.cache_root(Path(cache_dir) if cache_dir else None)
    return manage.prune(root, max_size=size, older_than_days=older_than_days)


def cache_clear(cache_dir: str | os.PathLike[str] | None = None) -> PruneReport:
    """Remove every cached build environment and wheel, and the hit/miss counters."""
    from headless_wheel_builder.cache import manage, store

    return manage.clear(store.cache_root(Path(cache_dir) if cache_dir else None))


def cache_verify(cache_dir: str | os.PathLike[str] | None = None, *, remove: bool = False) -> VerifyReport:
    """Check every cached wheel against its sha256 and every cached build environment's files
    against their distributions' ``RECORD`` hashes; with ``remove``, remove the damaged entries
    (the next build makes them again)."""
    from headless_wheel_builder.cache import store, verify

    return verify.verify(store.cache_root(Path(cache_dir) if cache_dir else None), remove=remove)


def cache_remove(name: str, cache_dir: str | os.PathLike[str] | None = None) -> PruneReport:
    """Remove the cached builds (wheel entries) of project ``name``, compared canonicalized
    (``My_Pkg`` is ``my-pkg``), each atomically."""
    from headless_wheel_builder.cache import manage, store

    return manage.remove_project(store.cache_root(Path(cache_dir) if cache_dir else None), name)
