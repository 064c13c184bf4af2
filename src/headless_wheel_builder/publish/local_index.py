"""``hwb index``: the static simple index of a local folder of wheels and sdists.

The output is the same tree the S3 publisher keeps in a bucket (see :mod:`.index`), ready for
any static host (GitHub Pages, nginx, ``python -m http.server``).  It is regenerated whole and
deterministically: the same distributions give byte-identical files, and a file removed from
the folder disappears from the index.  ``upload-time`` is left out (a local file has no
upload time, and a modification time would make the output differ between checkouts).

Without ``base_url`` each distribution is placed beside its page (a hard link when possible,
else a copy) with its PEP 658 ``.metadata`` sidecar, so the tree is self-contained.  With
``base_url`` the links point to ``<base_url>/<file>`` instead (for files hosted elsewhere,
e.g. release assets) and nothing is copied; no sidecars are advertised then, since they
would have to live beside the files.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from headless_wheel_builder import _proc
from headless_wheel_builder.errors import OutputError, SourceNotFoundError, UsageError, ValidationError
from headless_wheel_builder.publish.index import (
    DistEntry,
    NormalizedName,
    ProjectPage,
    RootPage,
    dist_entry,
    render_project_html,
    render_project_json,
    render_root_html,
    render_root_json,
)

__all__ = ["LocalIndexReport", "build_local_index"]

#: Marks a ``simple/`` folder as made by hwb, so regenerating may replace it.
MARKER = ".hwb-index"
_DIST_SUFFIXES = (".whl", ".tar.gz", ".zip")


@dataclass(frozen=True, kw_only=True)
class LocalIndexReport:
    """What ``hwb index`` wrote."""

    root: Path
    """The ``simple/`` folder."""
    projects: dict[str, tuple[str, ...]]
    """Normalized project name -> the files listed for it."""
    base_url: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "root": str(self.root),
            "base_url": self.base_url,
            "projects": {name: list(files) for name, files in self.projects.items()},
        }


def build_local_index(
    dist_dir: Path, *, out: Path | None = None, base_url: str | None = None
) -> LocalIndexReport:
    """Write ``<out>/simple/`` (``out`` defaults to ``dist_dir``) for the dists in ``dist_dir``."""
    from headless_wheel_builder.artifacts.output import validate

    if not dist_dir.is_dir():
        raise SourceNotFoundError(
            f"{dist_dir} is not a folder", hint="name the folder that holds the wheels and sdists"
        )
    if base_url is not None and urlsplit(base_url).scheme not in ("http", "https", "file"):
        raise UsageError(
            f"--base-url {base_url!r} is not an http(s) URL", hint="write --base-url https://host/path"
        )
    out = out or dist_dir
    paths = sorted(p for p in dist_dir.iterdir() if p.is_file() and p.name.endswith(_DIST_SUFFIXES))
    problems = [problem for path in paths for problem in validate(path)]
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ValidationError(
            f"{len(errors)} problem(s) in the distributions of {dist_dir}",
            why="; ".join(str(p) for p in errors[:5]),
            hint=f"run 'hwb check {dist_dir}', then fix or remove those files",
        )
    prefix = base_url.rstrip("/") + "/" if base_url else ""
    dists = [
        dist_entry(p, url=prefix + quote(p.name) if prefix else "", sidecar=base_url is None) for p in paths
    ]
    pages: dict[NormalizedName, ProjectPage] = {}
    for dist in dists:
        page = pages.get(dist.project) or ProjectPage(name=dist.project)
        pages[dist.project] = page.with_files([dist.entry])
    by_path = dict(zip(paths, dists, strict=True))

    target = out / "simple"
    _check_replaceable(target)
    out.mkdir(parents=True, exist_ok=True)
    _proc.remove_abandoned(out, r"\.hwb-index-")  # what a killed run left
    staging = Path(tempfile.mkdtemp(prefix=f".hwb-index-{_proc.owner_token()}-", dir=out))
    try:
        tree = staging / "simple"
        tree.mkdir()
        _write(tree / MARKER, b"made by hwb index; regenerated whole on every run\n")
        _write(tree / "index.html", render_root_html(RootPage(projects=frozenset(pages))))
        _write(tree / "index.json", render_root_json(RootPage(projects=frozenset(pages))))
        for name, page in pages.items():
            folder = tree / name
            folder.mkdir()
            _write(folder / "index.html", render_project_html(page))
            _write(folder / "index.json", render_project_json(page))
        if base_url is None:
            for path, dist in by_path.items():
                _place(path, tree / dist.project / dist.entry.filename, dist)
        _swap(tree, target, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return LocalIndexReport(
        root=target,
        projects={
            name: tuple(f.filename for f in page.sorted_files()) for name, page in sorted(pages.items())
        },
        base_url=base_url,
    )


def _check_replaceable(target: Path) -> None:
    if target.exists() and not (target / MARKER).exists() and any(target.iterdir()):
        raise OutputError(
            f"{target} exists and was not made by hwb index",
            why=f"hwb replaces the whole folder and would delete what is in it (no {MARKER} marker)",
            hint="choose another --out, or move that folder away",
        )


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)


def _place(source: Path, dest: Path, dist: DistEntry) -> None:
    try:
        os.link(source, dest)
    except OSError:
        shutil.copyfile(source, dest)
    if dist.metadata is not None:
        _write(dest.with_name(dest.name + ".metadata"), dist.metadata)


def _swap(new: Path, target: Path, staging: Path) -> None:
    """Put ``new`` in place of ``target``.  Where the kernel can exchange two paths in one step
    (Linux ``renameat2(RENAME_EXCHANGE)``) the index is never missing, even if hwb is killed
    in between; elsewhere two renames leave a moment without it.  The old tree ends up in
    ``staging`` and is deleted with it."""
    try:
        if target.exists():
            if _exchange(new, target):
                return  # ``new`` now names the old tree, inside staging
            target.rename(staging / "old")
        new.rename(target)
    except OSError as exc:
        raise OutputError(
            f"cannot write {target}", why=exc.strerror or str(exc), hint="check the folder's permissions"
        ) from exc


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False when this system cannot (then nothing was changed)."""
    if sys.platform != "linux":
        return False
    import ctypes
    import errno

    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:  # a libc older than glibc 2.28
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):  # kernel or filesystem says no
        return False
    raise OSError(code, os.strerror(code), str(b))
