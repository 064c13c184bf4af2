"""Runs the atheris target fuzz/fuzz_archive.py for a bounded number of inputs.

atheris is in the test extra where a binary wheel exists (CPython 3.11, x86-64 Linux);
elsewhere this test is skipped and tests/unit/test_fuzz_archive.py (hypothesis) is the
archive fuzz test.  The corpus is seeded with a valid sdist, a zip and hostile archives, so
libFuzzer starts from real tar and zip structures.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("atheris", reason="atheris has a binary wheel only for CPython 3.11 on x86-64 Linux")

TARGET = Path(__file__).resolve().parents[2] / "fuzz" / "fuzz_archive.py"
# The first byte of an input picks the suffix (see the target): 0 .tar.gz, 1 .tar, 2 .zip.
_TAR_GZ, _TAR, _ZIP = b"\x00", b"\x01", b"\x02"


def _tar(members: list[tarfile.TarInfo], *, gz: bool) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz" if gz else "w") as tf:
        for info in members:
            tf.addfile(info, io.BytesIO(b"x" * info.size) if info.isreg() else None)
    return buf.getvalue()


def _info(name: str, kind: bytes = tarfile.REGTYPE, link: str = "", size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size = kind, link, size
    return info


def _seeds(corpus: Path) -> None:
    sdist = [_info("demo-1.0", tarfile.DIRTYPE), _info("demo-1.0/pyproject.toml", size=10)]
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as zf:
        zf.writestr("demo-1.0/pyproject.toml", "[project]\n")
        zf.writestr("../evil", "x")
    seeds = {
        "sdist": _TAR_GZ + _tar(sdist, gz=True),
        "plain": _TAR + _tar(sdist, gz=False),
        "symlink-out": _TAR + _tar([_info("demo-1.0/a", tarfile.SYMTYPE, "../../outside")], gz=False),
        "dotdot": _TAR + _tar([_info("demo-1.0/../../evil", size=1)], gz=False),
        "hardlink": _TAR
        + _tar([*sdist, _info("demo-1.0/h", tarfile.LNKTYPE, "demo-1.0/pyproject.toml")], gz=False),
        "zip": _ZIP + zbuf.getvalue(),
    }
    for name, data in seeds.items():
        (corpus / name).write_bytes(data)


@pytest.mark.slow
def test_atheris_archive_target_runs_clean(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _seeds(corpus)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}  # atheris instruments itself
    result = subprocess.run(
        [
            sys.executable,
            str(TARGET),
            "-seed=1",
            "-runs=3000",
            "-max_len=4096",
            "-max_total_time=60",
            "-timeout=20",
            str(corpus),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=180,
        check=False,
    )
    tail = (result.stdout + result.stderr)[-3000:]
    assert result.returncode == 0, tail
    assert "Done" in tail, tail
    assert not list(tmp_path.glob("crash-*")), tail
