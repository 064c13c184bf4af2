"""The matrix's outputs besides the artifacts: ``hwb-manifest.json`` and ``SHA256SUMS``.

Both are written atomically (a hidden temporary file in the output folder, flushed, then
renamed over the final name).  ``SHA256SUMS`` is in the format of GNU coreutils
(``<hex>  <filename>``, text mode), so ``sha256sum -c SHA256SUMS`` checks it from inside the
output folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from headless_wheel_builder import _proc
from headless_wheel_builder.errors import OutputError

MANIFEST_NAME = "hwb-manifest.json"
SUMS_NAME = "SHA256SUMS"
MANIFEST_SCHEMA = 1
_SAFE_NAME = re.compile(r"^[^\s\\/]+$")


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never half."""
    tmp = path.with_name(f".hwb-tmp-{_proc.owner_token()}-{secrets.token_hex(6)}-{path.name}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OutputError(
            f"cannot write {path}",
            why=exc.strerror or str(exc),
            hint="check that the output folder is writable and its disk is not full",
        ) from exc
    return path


def sha256sums_text(entries: Iterable[tuple[str, str]]) -> str:
    """``(filename, sha256)`` pairs as SHA256SUMS lines, sorted by filename."""
    lines = []
    for name, digest in sorted(set(entries)):
        if not _SAFE_NAME.match(name) or not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise OutputError(f"cannot list {name!r} in {SUMS_NAME}", why="unexpected file name or digest")
        lines.append(f"{digest}  {name}\n")
    return "".join(lines)


def write_sha256sums(outdir: Path, entries: Iterable[tuple[str, str]]) -> Path:
    return write_atomic(outdir / SUMS_NAME, sha256sums_text(entries))


def write_manifest(outdir: Path, manifest: Mapping[str, Any]) -> Path:
    return write_atomic(outdir / MANIFEST_NAME, json.dumps(manifest, indent=2, default=str) + "\n")


def verify_sha256sums(outdir: Path) -> list[str]:
    """Problems found when checking ``outdir/SHA256SUMS`` (as ``sha256sum -c`` would)."""
    problems = []
    for line in (outdir / SUMS_NAME).read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        path = outdir / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"{name}: checksum differs")
    return problems
