#!/usr/bin/env python3
"""Time a build matrix: ``hwb build --python A,B,C -j N`` against ``-j 1`` and against
``uv build --python X`` run once per interpreter in a loop.

Run with the dev venv: ``.venv/bin/python benchmarks/bench_matrix.py [--projects spam-ext markupsafe]
[--pythons 3.9,3.10,3.11,3.12,3.13] [--jobs 2] [--repeat 1]``.  See benchmarks/README.md.
It asserts nothing: it prints a Markdown table of median wall-clock seconds and ratios.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _uv() -> str | None:
    here = Path(sys.executable).with_name("uv")
    if here.exists():
        return str(here)
    return shutil.which("uv")


def _pythons() -> list[str]:
    from headless_wheel_builder.isolation.python import available

    return [i.short_version for i in available() if (3, 9) <= i.version[:2] <= (3, 13)]


def _executables(pythons: list[str]) -> list[str]:
    from headless_wheel_builder.isolation.python import find_python

    return [str(find_python(p).executable) for p in pythons]


def _project(name: str, work: Path) -> Path:
    if name == "spam-ext":
        dest = work / "spam-ext"
        shutil.copytree(ROOT / "examples" / "spam-ext", dest)
        return dest
    cache = (
        Path(os.environ.get("HWB_TEST_CACHE") or Path.home() / ".cache" / "hwb-tests" / "corpus") / "sdists"
    )
    found = sorted(cache.glob(f"{name}-*.tar.gz"))
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", name, name,
                        "-d", str(work)], check=True)  # fmt: skip
        found = sorted(work.glob(f"{name}-*.tar.gz"))
    with tarfile.open(found[-1]) as archive:
        archive.extractall(work / "src", filter="data")
    return next((work / "src").iterdir())


def _timed(cmd: list[str], env: dict[str, str]) -> float | None:
    if Path(cmd[0]).name == "uv":
        # The same index and certificate settings hwb gives uv (PIP_* translated).
        from headless_wheel_builder.isolation.venv import uv_environ

        env = uv_environ(env)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        sys.stderr.write(f"failed: {' '.join(cmd)}\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}\n")
        return None
    return time.perf_counter() - start


def run(
    project: str,
    pythons: list[str],
    jobs: int,
    repeat: int,
    container: str | None = None,
    image: str | None = None,
    one_python: str | None = None,
) -> dict[str, float | None]:
    env = {**os.environ, "HWB_LOG_DIR": tempfile.mkdtemp(prefix="bench-logs-")}
    hwb = [sys.executable, "-m", "headless_wheel_builder", "build", "-q"]
    uv = _uv()
    matrix = [*hwb, "--python", ",".join(pythons)]
    cases: dict[str, list[list[str]]] = {
        f"hwb -j {jobs}": [[*matrix, "-j", str(jobs), "--repair", "never", "-o", "OUT", "SRC"]],
        "hwb -j 1": [[*matrix, "-j", "1", "--repair", "never", "-o", "OUT", "SRC"]],
        f"hwb -j {jobs} + auditwheel": [[*matrix, "-j", str(jobs), "-o", "OUT", "SRC"]],
    }
    if container:
        # One Python, the wheel only, no caches: the same build in a venv and in a container
        # whose image is present (pulled by an untimed first run).
        one = [*hwb, "--python", one_python or pythons[-1], "--wheel", "--no-cache", "--repair", "never"]
        one += ["-o", "OUT", "SRC"]
        cases["venv, one Python"] = [one]
        cases[f"{container}, one Python"] = [
            [*one, "--isolation", container, *(["--image", image] if image else [])]
        ]
    if uv:
        cases["uv build loop"] = [
            [uv, "build", "-q", "--no-python-downloads", "--python", exe, "--out-dir", "OUT", "SRC"]
            for exe in _executables(pythons)
        ]
    medians: dict[str, float | None] = {}
    for label, commands in cases.items():
        times: list[float] = []
        warm_up = container is not None and label.startswith(container)  # pulls the image
        for round_ in range(repeat + warm_up):
            with tempfile.TemporaryDirectory(prefix="bench-matrix-") as tmp:
                # Every round builds: hwb's caches start empty (uv's download cache stays warm),
                # else the second round of a matrix would be served from the wheel cache.
                env["HWB_CACHE_DIR"] = str(Path(tmp) / "hwb-cache")
                src = _project(project, Path(tmp))
                total = 0.0
                out = str(Path(tmp) / "out")
                for template in commands:
                    cmd = [str(src) if a == "SRC" else out if a == "OUT" else a for a in template]
                    seconds = _timed(cmd, env)
                    if seconds is None:
                        total = float("nan")
                        break
                    total += seconds
                if round_ or not warm_up:
                    times.append(total)
        ok = [t for t in times if not math.isnan(t)]
        medians[label] = statistics.median(ok) if ok else None
        sys.stderr.write(f"{project}: {label}: {medians[label]}\n")
    return medians


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", nargs="+", default=["spam-ext", "markupsafe"])
    parser.add_argument("--pythons", default=",".join(_pythons()))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--container", choices=["docker", "podman"],
                        help="also build one Python in a venv and in this engine's container")  # fmt: skip
    parser.add_argument("--image", help="the container's image (default: hwb's manylinux image)")
    parser.add_argument("--one-python", help="the Python of the venv/container case (default: the newest)")
    args = parser.parse_args()
    pythons = [p for p in args.pythons.split(",") if p]
    lines = [
        f"Matrix of {len(pythons)} Pythons ({', '.join(pythons)}), {os.cpu_count()} cores, "
        f"median of {args.repeat}",
        "",
        f"| project | case | seconds | ratio to hwb -j {args.jobs} |",
        "|---|---|---:|---:|",
    ]
    goals: list[str] = []
    for project in args.projects:
        medians = run(project, pythons, args.jobs, args.repeat, args.container, args.image, args.one_python)
        base = medians.get(f"hwb -j {args.jobs}")
        goals += _goals(project, medians, args.jobs, args.container)
        for label, value in medians.items():
            ratio = f"x{value / base:.2f}" if value and base else "—"
            lines.append(
                f"| {project} | {label} | {value:.1f} | {ratio} |"
                if value
                else f"| {project} | {label} | failed | — |"
            )
    sys.stdout.write("\n".join([*lines, "", *goals]) + "\n")
    return 0


def _goals(project: str, medians: dict[str, float | None], jobs: int, container: str | None) -> list[str]:
    """Issue 19's ratios: the parallel matrix against the sequential one (≤ 0.5 on two cores)
    and a container build against the same build in a venv (≤ 1.5)."""
    pairs = [(f"hwb -j {jobs}", "hwb -j 1", 0.5)]
    if container:
        pairs.append((f"{container}, one Python", "venv, one Python", 1.5))
    out = []
    for case, base, limit in pairs:
        a, b = medians.get(case), medians.get(base)
        if a and b:
            verdict = "met" if a / b <= limit else "NOT met"
            out.append(f"- {project}, `{case}` / `{base}` ≤ {limit:g}: x{a / b:.2f}, {verdict}")
    return out


if __name__ == "__main__":
    sys.exit(main())
