"""Hostile-input timings (issue 16): how long hwb's own checks take on crafted input.

Run: ``.venv/bin/python benchmarks/bench_hostile.py [--repeat N] [--markdown FILE]``.
Each case is a crafted input that made an earlier hwb take minutes or gigabytes; the goal is well
under a second of hwb's own time for each.  Reported, never asserted (the tests in
``tests/security/`` check the behaviour with loose bounds).  In-process: the timings are hwb's
own code, without interpreter start-up.
"""

from __future__ import annotations

import argparse
import gzip
import io
import statistics
import sys
import tarfile
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from headless_wheel_builder._log import printable, redact
from headless_wheel_builder.errors import HwbError
from headless_wheel_builder.source.archive import extract_archive


def _tar(path: Path, members: list[tuple[str, bytes | None, str | None]]) -> Path:
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT, compresslevel=1) as tf:
        for name, data, link in members:
            info = tarfile.TarInfo(name)
            if link is not None:
                info.type, info.linkname = tarfile.SYMTYPE, link
                tf.addfile(info)
            else:
                info.size = len(data or b"")
                tf.addfile(info, io.BytesIO(data or b""))
    return path


def _huge_header(path: Path, size: int) -> Path:
    header = bytearray(512)
    header[0:13] = b"././@LongLink"
    header[100:108], header[108:116], header[116:124] = b"0000644\0", b"0000000\0", b"0000000\0"
    header[124:136], header[136:148] = b"%011o\0" % size, b"00000000000\0"
    header[148:156], header[156:157], header[257:265] = b" " * 8, b"L", b"ustar  \0"
    header[148:156] = b"%06o\0 " % sum(header)
    with gzip.open(path, "wb", compresslevel=1) as gz:
        gz.write(bytes(header))
        for _ in range(size // (1 << 20)):
            gz.write(b"a" * (1 << 20))
    return path


def _extract(archive: Path) -> Callable[[], object]:
    def run() -> object:
        with tempfile.TemporaryDirectory() as out:
            try:
                return extract_archive(archive, Path(out))
            except HwbError as exc:
                return exc

    return run


def _check_only(archive: Path) -> Callable[[], object]:
    """hwb's own member checks, without tarfile writing the entries to disk."""
    from headless_wheel_builder.source import archive as checks

    def run() -> object:
        with tarfile.open(archive, "r:*", tarinfo=checks._BoundedTarInfo) as tf:
            limits = checks._Limits(archive, checks.MAX_TOTAL_SIZE, checks.MAX_MEMBERS)
            return checks._check_tar_members(archive, tf, limits)

    return run


def cases(tmp: Path) -> dict[str, Callable[[], object]]:
    Member = tuple[str, bytes | None, str | None]
    pyproject: Member = ("p/pyproject.toml", b"[project]\nname='x'\nversion='1'\n", None)
    many: list[Member] = [pyproject] + [(f"p/f{i}", b"", None) for i in range(20_000)]
    many += [(f"p/l{i}", None, f"f{i}") for i in range(20_000)]
    return {
        "redact: 200 KB of URL-scheme characters": lambda: redact("a" * 200_000),
        "redact: 200 KB of repeated JWT prefixes": lambda: redact("eyJ" * 70_000),
        "redact: 200 KB https URL without @": lambda: redact("https://" + "a" * 200_000),
        "printable: 1 MB of control characters": lambda: printable("\x1b[2J" * 250_000),
        "archive: 20,000 files beside 20,000 links, checks only": _check_only(
            _tar(tmp / "many.tar.gz", many)
        ),
        "archive: the same, extracted (tarfile writes 40,000 entries)": _extract(tmp / "many.tar.gz"),
        "archive: link target of 800 a/.. segments": _extract(
            _tar(tmp / "dotdot.tar.gz", [pyproject, ("p/l", None, "a/../" * 800 + "pyproject.toml")])
        ),
        "archive: 64 MB GNU long-name header (refused)": _extract(_huge_header(tmp / "h.tar.gz", 64 << 20)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    rows = ["| case | median seconds | peak MiB (Python) |", "|---|---:|---:|"]
    with tempfile.TemporaryDirectory() as tmp:
        for name, run in cases(Path(tmp)).items():
            samples, peak = [], 0
            for _ in range(args.repeat):
                tracemalloc.start()
                start = time.perf_counter()
                run()
                samples.append(time.perf_counter() - start)
                peak = max(peak, tracemalloc.get_traced_memory()[1])
                tracemalloc.stop()
            rows.append(f"| {name} | {statistics.median(samples):.3f} | {peak / 2**20:.1f} |")
            print(rows[-1], flush=True)
    if args.markdown:
        args.markdown.write_text("\n".join(rows) + "\n")
    else:
        print("\n".join(rows[:2]), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
