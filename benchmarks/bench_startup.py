"""CLI start-up: `hwb --version` and `hwb --help` against a bare `python -c pass`.

Run: ``.venv/bin/python benchmarks/bench_startup.py [--repeat N] [--markdown FILE]``.
Prints the median wall time of each and its ratio to the bare interpreter (goal: `--version`
within 2x).  Uses the `hwb` console script next to the interpreter when present, since that is
what users run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _time(cmd: list[str], repeat: int) -> float:
    subprocess.run(cmd, capture_output=True, check=True)  # warm the file cache
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    script = Path(sys.executable).with_name("hwb")
    hwb = [str(script)] if script.exists() else [sys.executable, "-m", "headless_wheel_builder"]
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "hwb --version": [*hwb, "--version"],
        "hwb --help": [*hwb, "--help"],
        "hwb build --help": [*hwb, "build", "--help"],
    }
    base = None
    rows = ["| command | median (ms) | ratio to `python -c pass` |", "|---|---:|---:|"]
    for label, cmd in cases.items():
        seconds = _time(cmd, args.repeat)
        base = base or seconds
        rows.append(f"| `{label}` | {seconds * 1000:.1f} | {seconds / base:.2f}x |")
    table = "\n".join(rows)
    print(table)
    if args.markdown:
        args.markdown.write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
