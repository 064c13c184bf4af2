"""``hwb cache verify`` and ``hwb cache remove NAME``: finding damaged entries, removing a
project's.

A wheel entry is damaged when a file differs from the sha256 in its ``entry.json`` (a
corrupt wheel); a build environment when a file an installed distribution lists with a hash in
its ``RECORD`` is missing or differs (a file edited in place).  Damaged entries are reported;
with ``remove`` they are removed (the next build makes them again).  Every removal renames the
entry to an owner-named ``.tmp-*`` name under its lock first, so a reader never sees half an
entry and a killed removal leaves only what the next run sweeps.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from headless_wheel_builder.cache import keys, store
from headless_wheel_builder.cache.envs import META as ENV_META
from headless_wheel_builder.cache.wheels import ENTRY as WHEEL_META

EntryKind = Literal["env", "wheel"]


@dataclass(frozen=True, kw_only=True)
class Damage:
    kind: EntryKind
    path: Path
    problem: str
    """What differs, e.g. ``hatchling/build.py: sha256 …, RECORD says …``."""
    removed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": str(self.path), "problem": self.problem, "removed": self.removed}


@dataclass(frozen=True, kw_only=True)
class VerifyReport:
    root: Path
    checked: int
    """Entries checked (complete environments and wheel entries)."""
    damaged: tuple[Damage, ...]

    @property
    def ok(self) -> bool:
        return not self.damaged

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "root": str(self.root), "checked": self.checked,
                "damaged": [d.to_dict() for d in self.damaged]}  # fmt: skip


def verify(root: Path, *, remove: bool = False) -> VerifyReport:
    """Check every wheel entry and complete environment under ``root``; with ``remove``,
    remove the damaged ones."""
    damaged: list[Damage] = []
    checked = 0
    for kind, path, check in _checkable(root):
        checked += 1
        problem = check(path)
        if problem is not None:
            gone = remove and store.remove_entry(path)
            damaged.append(Damage(kind=kind, path=path, problem=problem, removed=gone))
    return VerifyReport(root=root, checked=checked, damaged=tuple(damaged))


def project_entries(root: Path, name: str) -> list[Path]:
    """The wheel entries under ``root`` whose artifacts belong to project ``name`` (compared
    canonicalized: ``My_Pkg`` is ``my-pkg``)."""
    wanted = canonicalize_name(name)
    return [path for path in _wheel_entries(root) if wanted in _projects_of(path)]


# --- helpers ---------------------------------------------------------------------------


def _checkable(root: Path) -> list[tuple[EntryKind, Path, Any]]:
    found: list[tuple[EntryKind, Path, Any]] = [("wheel", p, _wheel_problem) for p in _wheel_entries(root)]
    for env in store.children(root / "envs"):
        if env.is_dir() and (env / ENV_META).is_file():
            found.append(("env", env, _env_problem))
    return found


def _wheel_entries(root: Path) -> list[Path]:
    return [
        path
        for shard in store.children(root / "wheels")
        for path in store.children(shard)
        if path.is_dir() and not path.name.startswith(store.TMP_PREFIX)
    ]


def _projects_of(entry: Path) -> set[str]:
    meta = store.read_json(entry / WHEEL_META) or {}
    names: set[str] = {canonicalize_name(str(meta["project"]))} if meta.get("project") else set()
    for item in meta.get("files", []):
        filename = str(item.get("name", "")) if isinstance(item, dict) else ""
        try:
            if filename.endswith(".whl"):
                names.add(parse_wheel_filename(filename)[0])
            elif filename.endswith((".tar.gz", ".zip")):
                names.add(parse_sdist_filename(filename)[0])
        except (InvalidWheelFilename, InvalidSdistFilename):
            continue
    return names


def _wheel_problem(entry: Path) -> str | None:
    meta = store.read_json(entry / WHEEL_META)
    files = meta.get("files") if meta else None
    if not isinstance(files, list) or not files:
        return f"{WHEEL_META} is missing, unreadable or lists no files"
    for item in files:
        name, expected = str(item.get("name", "")), str(item.get("sha256", ""))
        try:
            actual = keys.file_sha256(entry / name)
        except OSError as exc:
            return f"{name}: unreadable ({exc.strerror or exc})"
        if actual != expected:
            return f"{name}: sha256 {actual}, {WHEEL_META} says {expected}"
    return None


def _env_problem(env: Path) -> str | None:
    for site in (*env.glob("lib/python*/site-packages"), *env.glob("lib/pypy*/site-packages"),
                 env / "Lib" / "site-packages"):  # fmt: skip
        for record in sorted(site.glob("*.dist-info/RECORD")):
            problem = _record_problem(site, record)
            if problem is not None:
                return problem
    return None


def _record_problem(site: Path, record: Path) -> str | None:
    """The first file ``record`` lists with a hash that is missing or differs, or None."""
    try:
        rows = list(csv.reader(record.read_text(encoding="utf-8").splitlines()))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return f"{record.relative_to(site)}: unreadable ({exc})"
    for row in rows:
        if len(row) < 2 or "=" not in row[1]:
            continue  # RECORD itself, .pyc files: no hash
        algorithm, _, expected = row[1].partition("=")
        if algorithm not in hashlib.algorithms_guaranteed:
            continue
        target = Path(os.path.normpath(site / row[0]))
        try:
            digest = hashlib.new(algorithm, target.read_bytes()).digest()
        except OSError:
            return f"{row[0]}: missing (listed in {record.relative_to(site)})"
        actual = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if actual != expected:
            return f"{row[0]}: modified ({algorithm} differs from {record.relative_to(site)})"
    return None
