"""Built artifacts reused when nothing that could change them has changed.

An entry is ``<cache>/wheels/<k2>/<key>/``: the artifacts and ``entry.json`` (each file's
name, size and sha256).  It is written in a temporary folder and renamed into place under
``<key>.lock``, so a reader sees a whole entry or none.  Serving copies the files out and
checks the copies' sha256 against ``entry.json``: a corrupted entry is removed (and counted),
never served, and the caller builds again.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from headless_wheel_builder._log import logger
from headless_wheel_builder.cache import keys, store

ENTRY = "entry.json"


class WheelCache:
    """Cached build results under ``root/wheels``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = root / "wheels"
        store.sweep_once(root)

    def entry_dir(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def entries(self) -> Iterator[tuple[str, dict[str, object]]]:
        """``(key, entry.json)`` of every complete entry (any order)."""
        with contextlib.suppress(OSError):
            for shard in self.folder.iterdir():
                if len(shard.name) != 2 or not shard.is_dir():
                    continue
                for entry in shard.iterdir():
                    meta = None if entry.name.startswith(store.TMP_PREFIX) else store.read_json(entry / ENTRY)
                    if meta is not None:
                        yield entry.name, meta

    def fetch(self, key: str, dest: Path) -> list[Path] | None:
        """Copy the artifacts of ``key`` into ``dest`` and return them, in build order; None
        (a miss) when there is no entry or it is damaged (then it is removed)."""
        entry = self.entry_dir(key)
        meta = store.read_json(entry / ENTRY)
        if meta is None:
            return None
        files = meta.get("files")
        if not isinstance(files, list) or not files:
            self._discard(key, "its entry.json lists no files")
            return None
        dest.mkdir(parents=True, exist_ok=True)
        served: list[Path] = []
        for item in files:
            name, sha256 = str(item.get("name", "")), str(item.get("sha256", ""))
            target = dest / name
            try:
                if not name or os.sep in name or "/" in name:
                    raise ValueError(f"bad file name {name!r}")
                how = store.serve_file(entry / name, target)
                actual = keys.file_sha256(target)
                logger.debug("served %s from the cache (%s)", name, how)
            except (OSError, ValueError) as exc:
                actual = f"unreadable ({exc})"
            if actual != sha256:
                for path in (*served, target):
                    path.unlink(missing_ok=True)
                self._discard(key, f"{name}: sha256 {actual}, expected {sha256}")
                return None
            served.append(target)
        store.touch(entry / ENTRY)
        return served

    def put(self, key: str, files: Sequence[Path], *, summary: Mapping[str, object]) -> None:
        """Store copies of ``files`` under ``key`` (replacing an entry of that key)."""
        entry = self.entry_dir(key)
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = entry.parent / store.tmp_name(key[:16])
        try:
            tmp.mkdir()
            listed = []
            for path in files:
                shutil.copyfile(path, tmp / path.name)
                store.make_read_only(tmp / path.name)
                listed.append(
                    {
                        "name": path.name,
                        "sha256": keys.file_sha256(tmp / path.name),
                        "size": path.stat().st_size,
                    }
                )
            store.write_json_atomic(tmp / ENTRY, {"files": listed, "created": time.time(), **summary})
            with store.locked(entry.with_name(key + ".lock"), timeout=60):
                if entry.exists():
                    store.discard(entry)
                tmp.replace(entry)
        except (OSError, TimeoutError) as exc:
            logger.warning("could not store the build in the cache (%s); it was built anyway", exc)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _discard(self, key: str, why: str) -> None:
        logger.warning("discarding a corrupted cache entry %s: %s; building again", key[:16], why)
        store.count(self.root, wheel_corrupt=1)
        entry = self.entry_dir(key)
        with (
            contextlib.suppress(OSError, TimeoutError),
            store.locked(entry.with_name(key + ".lock"), timeout=60),
        ):
            shutil.rmtree(entry, ignore_errors=True)
