"""The fingerprint index of a source folder: unchanged files are not read again.

As git's index does, it remembers for each file of one source root its ``(size, mtime_ns,
inode, ctime_ns)`` and the sha256 of its bytes.  When a file's stat is the same as recorded,
its recorded hash is used; otherwise (or when the entry is "racy", below) the file is read and
hashed again.  Content hashes still decide the wheel key: a file that is touched but identical
hashes the same, so the build is still a hit.

The racy rule (git's ``racy-git.txt``): a file written in the same timestamp tick as it was
hashed may change again without its stat changing (a filesystem with coarse timestamps).  So an
entry is trusted only when the file's ``mtime_ns`` is older, by :data:`RACY_NS`, than the moment
it was hashed (``hashed_at``); a younger one is hashed again each time until it is old enough.

One index per source root, ``<cache>/index/<sha256(root)[:24]>.json``, written atomically
(``store.write_json_atomic``), and only when an entry was added, changed or dropped.  It also
keeps results computed from the tree alone (:meth:`FingerprintIndex.remember`: the project's
analysis), valid while the tree's digest is the same.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

#: A file's mtime must be older than the moment it was hashed by this much for its entry to be
#: trusted (the coarsest common timestamp granularity, FAT's 2 s, plus clock skew to a file
#: server).
RACY_NS = 3_000_000_000
VERSION = 1


def _stat_key(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]


class FingerprintIndex:
    """``relative path -> (stat, sha256)`` of the files under one source root.

    :meth:`sha256` answers from the index when it may and reads the file otherwise;
    ``reads`` counts the files read, and ``on_read`` (if set) is called with each one's
    relative path: what a test or ``--timings`` uses to see the index at work."""

    def __init__(
        self,
        path: Path | None,
        entries: dict[str, list[object]] | None = None,
        memos: dict[str, dict[str, object]] | None = None,
    ) -> None:
        self.path = path
        self._entries: dict[str, list[object]] = entries or {}
        self._memos: dict[str, dict[str, object]] = memos or {}
        self._seen: set[str] = set()
        self._dirty = False
        self.reads = 0
        self.on_read: Callable[[str], None] | None = None

    @classmethod
    def for_root(cls, cache_root: Path, source_root: Path) -> FingerprintIndex:
        """The index of ``source_root`` kept under ``cache_root`` (empty when there is none or
        it cannot be read)."""
        name = hashlib.sha256(str(source_root.resolve()).encode()).hexdigest()[:24]
        path = cache_root / "index" / f"{name}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if (
            not isinstance(data, dict)
            or data.get("version") != VERSION
            or not isinstance(data.get("files"), dict)
        ):
            return cls(path)
        memos = data.get("memos")
        return cls(path, data["files"], memos if isinstance(memos, dict) else None)

    def recall(self, name: str, inputs: dict[str, object]) -> dict[str, object] | None:
        """What :meth:`remember` kept under ``name`` for exactly these ``inputs`` (JSON data:
        the tree's digest among them), else None."""
        memo = self._memos.get(name)
        data = memo.get("data") if isinstance(memo, dict) and memo.get("inputs") == inputs else None
        return data if isinstance(data, dict) else None

    def remember(self, name: str, inputs: dict[str, object], data: dict[str, object]) -> None:
        """Keep ``data``, a result computed from ``inputs`` alone, until the next :meth:`save`
        writes it (one memo per name: the latest)."""
        self._memos[name] = {"inputs": inputs, "data": data}
        self._dirty = True

    def sha256(self, rel: str, path: Path, st: os.stat_result) -> str:
        """The sha256 of the file ``path`` (``rel`` under the root, ``st`` its ``lstat``)."""
        self._seen.add(rel)
        key = _stat_key(st)
        entry = self._entries.get(rel)
        if entry is not None and len(entry) == 3 and entry[0] == key and isinstance(entry[2], str):
            hashed_at = entry[1]
            if isinstance(hashed_at, int) and st.st_mtime_ns + RACY_NS < hashed_at:
                return entry[2]
        hashed_at = time.time_ns()
        digest = file_sha256(path)
        self.reads += 1
        if self.on_read is not None:
            self.on_read(rel)
        if entry != [key, hashed_at, digest]:
            self._entries[rel] = [key, hashed_at, digest]
            self._dirty = True
        return digest

    def save(self) -> None:
        """Write the index (only when it changed), without the files no longer seen; a cache
        that cannot be written is no error (the next run reads the files again)."""
        if self._seen and set(self._entries) - self._seen:
            self._entries = {k: v for k, v in self._entries.items() if k in self._seen}
            self._dirty = True
        if self.path is None or not self._dirty:
            return
        from headless_wheel_builder.cache.store import write_json_atomic

        try:
            data = {"version": VERSION, "files": self._entries, "memos": self._memos}
            write_json_atomic(self.path, data, durable=False)  # unreadable after a crash: rebuilt
        except OSError:
            return
        self._dirty = False


def file_sha256(path: Path) -> str:
    """The sha256 hex digest of a file's bytes."""
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()
