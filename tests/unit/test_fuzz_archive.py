"""Fuzz property: extract_archive on tar and zip archives whose members hypothesis chooses.

Names mix '..', absolute paths, backslashes, drive letters and NULs; members are files,
folders, symbolic and hard links (to anywhere) and device files.  The property: extraction
either succeeds or raises ArchiveError within a second, and nothing is ever written outside the destination
(a sentinel folder beside it stays untouched, and every link inside resolves inside).
"""

from __future__ import annotations

import io
import os
import stat
import tarfile
import tempfile
import warnings
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from headless_wheel_builder.errors import ArchiveError
from headless_wheel_builder.source.archive import extract_archive

from ._fuzz import FUZZ, explains, timed

_SAFE = st.lists(st.sampled_from(["a", "b", "pkg", "."]), min_size=1, max_size=3).map("/".join)
_PARTS = st.sampled_from(["a", "b", "pkg", "..", ".", "", "outside", "C:", "\\..", "a\\..\\..", "x\x00"])
_UNSAFE = st.one_of(
    st.lists(_PARTS, min_size=1, max_size=4).map("/".join),
    st.lists(_PARTS, min_size=1, max_size=3).map(lambda ps: "/" + "/".join(ps)),
    st.sampled_from(["../outside/evil", "/tmp/evil", "pkg/../../outside/evil", "C:/evil", "..\\evil"]),
)
# Mostly safe names, so that the links (and what is written through them) get extracted.
_NAMES = st.one_of(_SAFE, _SAFE, _SAFE, _UNSAFE)
_TARGETS = st.one_of(
    _SAFE,
    _UNSAFE,
    st.sampled_from(
        ["../outside", "..", "/", "/etc/passwd", "a/../..", "../../outside/secret", "b/../../.."]
    ),
)
_KINDS = st.sampled_from(["file", "file", "dir", "symlink", "hardlink", "fifo", "chr"])
_MEMBERS = st.lists(st.tuples(_KINDS, _NAMES, _TARGETS, st.binary(max_size=32)), max_size=8)
_FORMATS = st.sampled_from([".tar.gz", ".tar", ".zip"])


def _tar(members: list[tuple[str, str, str, bytes]], *, gz: bool) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz" if gz else "w", format=tarfile.PAX_FORMAT) as tf:
        for kind, name, target, data in members:
            info = tarfile.TarInfo(name.replace("\x00", "?"))  # tarfile cannot write a NUL
            info.mode = 0o755 if kind == "dir" else 0o644
            payload = None
            if kind == "file":
                info.size, payload = len(data), io.BytesIO(data)
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
            elif kind in ("symlink", "hardlink"):
                info.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
                info.linkname = target.replace("\x00", "?")
            else:
                info.type = tarfile.FIFOTYPE if kind == "fifo" else tarfile.CHRTYPE
            tf.addfile(info, payload)
    return buf.getvalue()


def _zip(members: list[tuple[str, str, str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for kind, name_, target, data in members:
            name = name_
            if kind == "dir":
                name = name.rstrip("/") + "/"
            info = zipfile.ZipInfo(name)
            content = data
            if kind == "dir":
                info.external_attr = (stat.S_IFDIR | 0o755) << 16
                content = b""
            elif kind in ("symlink", "hardlink"):
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                content = target.encode("utf-8", "surrogatepass")
            elif kind == "fifo":
                info.external_attr = (stat.S_IFIFO | 0o644) << 16
            elif kind == "chr":
                info.external_attr = (stat.S_IFCHR | 0o644) << 16
            else:
                info.external_attr = (stat.S_IFREG | 0o755) << 16
            with warnings.catch_warnings():  # duplicate names are part of the attack surface
                warnings.simplefilter("ignore", UserWarning)
                zf.writestr(info, content)
    return buf.getvalue()


def _snapshot(folder: Path) -> dict[str, bytes | str | None]:
    seen: dict[str, bytes | str | None] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            seen[str(path)] = os.readlink(path)
        elif path.is_file():
            seen[str(path)] = path.read_bytes()
        else:
            seen[str(path)] = None
    return seen


def _inside(path: Path, root: Path) -> bool:
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))


@FUZZ(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(members=_MEMBERS, suffix=_FORMATS)
def test_extraction_never_writes_outside_the_destination(
    members: list[tuple[str, str, str, bytes]], suffix: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        outside = root / "outside"
        outside.mkdir()
        (outside / "secret").write_bytes(b"keep")
        archive = root / f"demo-1.0{suffix}"
        archive.write_bytes(_zip(members) if suffix == ".zip" else _tar(members, gz=suffix == ".tar.gz"))
        dest = root / "dest"
        before = _snapshot(outside)
        try:
            project = timed(extract_archive, archive, dest)
        except ArchiveError as exc:
            explains(exc, ArchiveError)
        else:
            assert _inside(project, dest)
            for path in dest.rglob("*"):
                assert _inside(path, dest), f"{path} leads outside {dest}"
                mode = path.lstat().st_mode
                assert stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode), path
        assert {p.name for p in root.iterdir()} <= {"outside", archive.name, "dest"}
        assert _snapshot(outside) == before
