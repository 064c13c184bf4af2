"""What ``hwb cache`` shows and does: sizes, entries, hit and miss counts; pruning by age or
total size (least recently used first); clearing.

An entry being created holds its lock; pruning skips it.  Each entry's last use is the mtime
of its metadata file (``.hwb-env.json``, ``entry.json``), touched on every hit.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from headless_wheel_builder.cache import store
from headless_wheel_builder.cache.envs import META as ENV_META
from headless_wheel_builder.cache.wheels import ENTRY as WHEEL_META
from headless_wheel_builder.errors import UsageError

EntryKind = Literal["env", "wheel"]
_UNITS = {"": 1, "B": 1}
for _power, _letter in enumerate("KMGT", start=1):
    _UNITS.update({_letter: 1000**_power, f"{_letter}B": 1000**_power, f"{_letter}IB": 1024**_power})
#: Left-over temporary files without an owner in their name older than this (seconds) belong
#: to killed runs (those named after their owner go as soon as it is gone).
STALE_TMP = store.STALE_TMP


@dataclass(frozen=True, kw_only=True)
class CacheEntry:
    kind: EntryKind
    path: Path
    size: int
    last_used: float
    label: str
    """The project (wheels) or the requirements (environments)."""
    created: float | None = None
    """When it was made: an environment's requirements were resolved then (``env-max-age``)."""
    resolved: tuple[str, ...] = ()
    """An environment's ``name==version`` of every distribution installed."""
    differs: tuple[str, ...] = ()
    """A wheel entry: what differed from the closest earlier entry when it was built (the
    cache miss it filled: key parts, ``$NAME`` for variables)."""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": str(self.path), "size": self.size,
                "last_used": round(self.last_used, 3), "label": self.label,
                "created": self.created, "resolved": list(self.resolved),
                "differs": list(self.differs)}  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class CacheInfo:
    root: Path
    entries: tuple[CacheEntry, ...]
    other_size: int
    """Bytes in the cache folder that are not environments or wheels (tools, logs)."""
    stats: dict[str, int]

    def size(self, kind: EntryKind | None = None) -> int:
        return sum(e.size for e in self.entries if kind is None or e.kind == kind)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "root": str(self.root),
            "envs": {"count": sum(e.kind == "env" for e in self.entries), "size": self.size("env")},
            "wheels": {"count": sum(e.kind == "wheel" for e in self.entries), "size": self.size("wheel")},
            "other_size": self.other_size,
            "total_size": self.size() + self.other_size,
            "stats": dict(self.stats),
            "entries": [e.to_dict() for e in self.entries],
        }


@dataclass(frozen=True, kw_only=True)
class PruneReport:
    root: Path
    removed: tuple[CacheEntry, ...]
    remaining: int
    """Bytes of environments and wheels left."""

    @property
    def freed(self) -> int:
        return sum(e.size for e in self.removed)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": True, "root": str(self.root), "removed": [e.to_dict() for e in self.removed],
                "freed": self.freed, "remaining": self.remaining}  # fmt: skip


def parse_size(text: str) -> int:
    """``500M``, ``2G``, ``1.5GiB``, ``100000`` -> bytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", text)
    unit = match[2].upper() if match else ""
    if match is None or unit not in _UNITS:
        raise UsageError(
            f"invalid size {text!r}", hint="write a number with an optional unit: 500M, 2G, 1.5GiB, 100000"
        )
    return int(float(match[1]) * _UNITS[unit])


def info(root: Path) -> CacheInfo:
    entries = tuple(sorted(_entries(root), key=lambda e: e.last_used, reverse=True))
    known = {e.path for e in entries}
    other = 0
    if root.is_dir():
        for child in root.iterdir():
            if child.name in ("envs", "wheels"):
                continue
            other += _size(child)
        # Locks and left-overs: what is beside the entries (a wheel entry is wheels/<k2>/<key>).
        shards = _children(root / "wheels")
        beside = [*_children(root / "envs"), *(p for shard in shards for p in _children(shard))]
        other += sum(_size(p) for p in beside if p not in known)
    return CacheInfo(root=root, entries=entries, other_size=other, stats=store.read_stats(root))


def prune(root: Path, *, max_size: int | None = None, older_than_days: float | None = None) -> PruneReport:
    """Remove entries unused for ``older_than_days``, then the least recently used until the
    environments and wheels take at most ``max_size`` bytes; and stale temporary files."""
    _remove_stale_tmp(root)
    entries = sorted(_entries(root), key=lambda e: e.last_used)
    removed: list[CacheEntry] = []
    if older_than_days is not None:
        cutoff = time.time() - older_than_days * 86400
        for entry in [e for e in entries if e.last_used < cutoff]:
            if _remove(root, entry):
                removed.append(entry)
                entries.remove(entry)
    if max_size is not None:
        total = sum(e.size for e in entries)
        for entry in list(entries):
            if total <= max_size:
                break
            if _remove(root, entry):
                removed.append(entry)
                entries.remove(entry)
                total -= entry.size
    return PruneReport(root=root, removed=tuple(removed), remaining=sum(e.size for e in entries))


def clear(root: Path) -> PruneReport:
    """Remove every environment and wheel, the counters and the source folders' fingerprint
    indexes (each a JSON file replaced atomically: a reader sees one whole or none)."""
    entries = list(_entries(root))
    removed = tuple(e for e in entries if _remove(root, e))
    with contextlib.suppress(FileNotFoundError):
        (root / "stats.json").unlink()
    for index in _children(root / "index"):
        with contextlib.suppress(OSError):
            index.unlink()
    _remove_stale_tmp(root, age=0.0)
    return PruneReport(root=root, removed=removed, remaining=sum(e.size for e in entries if e not in removed))


def remove_project(root: Path, name: str) -> PruneReport:
    """Remove every wheel entry of project ``name`` (canonicalized), each atomically."""
    from headless_wheel_builder.cache.verify import project_entries

    if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?", name):
        raise UsageError(
            f"{name!r} is not a project name", hint="give the name as in [project] name, e.g. my-pkg"
        )
    theirs = set(project_entries(root, name))
    entries = [e for e in _entries(root) if e.path in theirs]
    removed = tuple(e for e in entries if _remove(root, e))
    left = sum(e.size for e in _entries(root))
    return PruneReport(root=root, removed=removed, remaining=left)


# --- helpers ---------------------------------------------------------------------------


def _entries(root: Path) -> Iterator[CacheEntry]:
    for path in _children(root / "envs"):
        if path.is_dir() and not path.name.startswith(store.TMP_PREFIX):
            meta = store.read_json(path / ENV_META) or {}
            label = ", ".join(str(r) for r in meta.get("requirements", [])) or "(incomplete)"
            yield CacheEntry(
                kind="env",
                path=path,
                size=_size(path),
                last_used=_mtime(path, ENV_META),
                label=label,
                **_recorded(meta),
            )
    for shard in _children(root / "wheels"):
        for path in _children(shard):
            if path.is_dir() and not path.name.startswith(store.TMP_PREFIX):
                meta = store.read_json(path / WHEEL_META) or {}
                files = ", ".join(str(f.get("name")) for f in meta.get("files", []) if isinstance(f, dict))
                used = _mtime(path, WHEEL_META)
                label = files or "(incomplete)"
                yield CacheEntry(kind="wheel", path=path, size=_size(path), last_used=used, label=label,
                                 **_recorded(meta))  # fmt: skip


def _recorded(meta: dict[str, Any]) -> dict[str, Any]:
    """The creation time, resolved distributions (environments) and miss reason (wheels) an
    entry's metadata records."""
    created, installed, miss = meta.get("created"), meta.get("installed"), meta.get("miss")
    differs = miss.get("differs") if isinstance(miss, dict) else None
    return {
        "created": float(created) if isinstance(created, (int, float)) else None,
        "resolved": tuple(str(r) for r in installed) if isinstance(installed, list) else (),
        "differs": tuple(str(d) for d in differs) if isinstance(differs, list) else (),
    }


def _remove(root: Path, entry: CacheEntry) -> bool:
    """Remove ``entry`` unless another process holds its lock (it is being made)."""
    return store.remove_entry(entry.path)


def _remove_stale_tmp(root: Path, age: float = STALE_TMP) -> None:
    store.sweep_abandoned(root, stale_age=age)


def _children(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError:
        return []


def _mtime(path: Path, meta: str | None = None) -> float:
    for candidate in ((path / meta) if meta else path, path):
        with contextlib.suppress(OSError):
            return candidate.stat().st_mtime
    return 0.0


def _size(path: Path) -> int:
    """Bytes used by ``path`` (files and links, not followed)."""
    try:
        st = path.lstat()
    except OSError:
        return 0
    if not path.is_dir() or path.is_symlink():
        return st.st_size
    total = 0
    for dirpath, dirnames, filenames in os.walk(path):
        links = [d for d in dirnames if (Path(dirpath) / d).is_symlink()]  # lib64 -> lib
        for name in (*filenames, *links):
            with contextlib.suppress(OSError):
                total += (Path(dirpath) / name).lstat().st_size
    return total
