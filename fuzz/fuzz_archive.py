"""atheris target: extract_archive on arbitrary bytes saved as a .tar.gz, .tar or .zip.

The first input byte picks the format, the rest is the archive.  Extraction must succeed or
raise ArchiveError, and nothing may appear outside the destination folder.  Run it with
atheris installed (a binary wheel exists for CPython 3.11 on x86-64 Linux; other Pythons
need clang to build it)::

    python fuzz/fuzz_archive.py -runs=20000 -max_len=4096 [corpus-dir]

tests/unit/test_fuzz_archive.py is the hypothesis property for the same contract (it runs
everywhere); tests/integration/test_fuzz_atheris.py runs this target for a bounded time.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import atheris  # type: ignore[import-untyped]

with atheris.instrument_imports():
    from headless_wheel_builder.errors import ArchiveError
    from headless_wheel_builder.source.archive import extract_archive

_SUFFIXES = (".tar.gz", ".tar", ".zip", ".tgz", ".tar.xz", ".tar.bz2")


def _inside(path: Path, root: Path) -> bool:
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))


def test_one_input(data: bytes) -> None:
    if not data:
        return
    suffix = _SUFFIXES[data[0] % len(_SUFFIXES)]
    root = Path(tempfile.mkdtemp(prefix="hwb-fuzz-"))
    try:
        archive = root / f"demo-1.0{suffix}"
        archive.write_bytes(data[1:])
        dest = root / "dest"
        try:
            project = extract_archive(archive, dest, max_total_size=1 << 20, max_members=200)
        except ArchiveError:
            pass
        else:
            assert _inside(project, dest)
            for path in dest.rglob("*"):
                assert _inside(path, dest), f"{path} leads outside {dest}"
        extra = {p.name for p in root.iterdir()} - {archive.name, "dest"}
        assert not extra, f"written outside the destination: {extra}"
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
