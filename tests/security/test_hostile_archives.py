"""Hostile archives are checked in linear time and bounded memory (issue 16, family 3).

Each archive is crafted here, byte for byte where tarfile would not write it.  The properties:
a refusal comes with hwb's "unsafe member" error (never a hang or a MemoryError), and a large but
legitimate archive is still accepted.  Before the checks were made linear, the files-beside-links
case took minutes and the long-name header was read whole into memory.
"""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import time
import tracemalloc
from pathlib import Path

import pytest

from headless_wheel_builder.errors import ArchiveError
from headless_wheel_builder.source.archive import (
    MAX_DEPTH,
    MAX_EXTENDED_HEADER,
    MAX_NAME_LENGTH,
    extract_archive,
)

PYPROJECT = b'[build-system]\nrequires = ["flit_core"]\nbuild-backend = "flit_core.buildapi"\n'


def _member(name: str, data: bytes = b"", *, link: str | None = None) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    if link is None:
        info.size = len(data)
    else:
        info.type = tarfile.SYMTYPE
        info.linkname = link
    return info, data


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT, compresslevel=1) as tf:
        for info, data in members:
            tf.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


def _raw_header(name: bytes, typeflag: bytes, size: int) -> bytes:
    """One 512-byte GNU tar header, written by hand (tarfile will not write a lying one)."""
    h = bytearray(512)
    h[0 : len(name)] = name
    h[100:108] = b"0000644\0"
    h[108:116] = h[116:124] = b"0000000\0"
    h[124:136] = b"%011o\0" % size
    h[136:148] = b"00000000000\0"
    h[148:156] = b" " * 8
    h[156:157] = typeflag
    h[257:265] = b"ustar  \0"
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


def _huge_header_archive(path: Path, typeflag: bytes, size: int) -> Path:
    """A few-KB .tar.gz whose first header declares ``size`` bytes of long name / pax data."""
    with gzip.open(path, "wb", compresslevel=1) as gz:
        gz.write(_raw_header(b"././@LongLink", typeflag, size))
        chunk = b"a" * (1024 * 1024)
        for _ in range(size // len(chunk)):
            gz.write(chunk)
        gz.write(b"\0" * (-size % 512) + b"\0" * 1024)
    return path


def _refused(archive: Path, dest: Path) -> tuple[ArchiveError, float, int]:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ArchiveError) as info:
            extract_archive(archive, dest)
    finally:
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert "unsafe member" in info.value.what
    assert not any(dest.rglob("*")) if dest.exists() else True  # nothing written
    return info.value, elapsed, peak


@pytest.mark.parametrize("typeflag", [tarfile.GNUTYPE_LONGNAME, tarfile.XHDTYPE], ids=["gnu-longname", "pax"])
def test_a_huge_extended_header_is_refused_before_it_is_read(tmp_path: Path, typeflag: bytes) -> None:
    declared = 64 * 1024 * 1024
    archive = _huge_header_archive(tmp_path / "demo-1.0.tar.gz", typeflag, declared)
    assert archive.stat().st_size < 1024 * 1024  # small on disk, huge once read
    error, _, peak = _refused(archive, tmp_path / "out")
    assert f"{declared:,}-byte long-name or pax header" in error.why
    assert peak < 8 * MAX_EXTENDED_HEADER  # the declared 64 MB were never read into memory


def test_a_long_name_or_deep_path_is_refused(tmp_path: Path) -> None:
    long_name = _tar(tmp_path / "long.tar.gz", [_member("demo-1.0/" + "n" * (MAX_NAME_LENGTH + 1))])
    error, _, _ = _refused(long_name, tmp_path / "o1")
    assert f"longer than {MAX_NAME_LENGTH:,} characters" in error.why
    deep = _tar(tmp_path / "deep.tar.gz", [_member("demo-1.0/" + "d/" * MAX_DEPTH + "f")])
    error, _, _ = _refused(deep, tmp_path / "o2")
    assert f"more than {MAX_DEPTH} folders deep" in error.why


def test_a_long_dotdot_chain_in_a_link_target_is_checked_in_linear_time(tmp_path: Path) -> None:
    # Stays inside the archive (each a/.. cancels out): accepted, and quickly.
    inside = "a/../" * (MAX_NAME_LENGTH // 5 - 10) + "pyproject.toml"
    members = [_member("demo-1.0/pyproject.toml", PYPROJECT), _member("demo-1.0/link", link=inside)]
    start = time.perf_counter()
    root = extract_archive(_tar(tmp_path / "ok.tar.gz", members), tmp_path / "ok")
    assert time.perf_counter() - start < 5
    assert os.readlink(root / "link") == inside
    # Longer than any real path: refused.
    too_long = "a/.." * 50_000
    members = [_member("demo-1.0/pyproject.toml", PYPROJECT), _member("demo-1.0/link", link=too_long)]
    error, elapsed, _ = _refused(_tar(tmp_path / "bad.tar.gz", members), tmp_path / "bad")
    assert "link target is longer" in error.why
    assert elapsed < 5


def test_many_files_beside_many_links_are_checked_in_linear_time(tmp_path: Path) -> None:
    count = 20_000
    members = [_member("demo-1.0/pyproject.toml", PYPROJECT)]
    members += [_member(f"demo-1.0/pkg/f{i}.py", b"") for i in range(count)]
    members += [_member(f"demo-1.0/links/l{i}", link=f"../pkg/f{i}.py") for i in range(count)]
    archive = _tar(tmp_path / "demo-1.0.tar.gz", members)
    start = time.perf_counter()
    root = extract_archive(archive, tmp_path / "out")
    elapsed = time.perf_counter() - start
    assert (root / "links" / f"l{count - 1}").is_symlink()
    # Linear: a few seconds at most on a slow machine (most of it writing 40,000 entries);
    # the quadratic check compared every link with every file (4e8 comparisons, minutes).
    assert elapsed < 60, f"{2 * count} members took {elapsed:.0f}s"
