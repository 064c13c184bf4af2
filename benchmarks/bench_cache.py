#!/usr/bin/env python3
"""hwb's caches against every peer and against the in-process floor, in one run.

Run with the dev venv: ``.venv/bin/python benchmarks/bench_cache.py [--repeat N]
[--projects hatch-pure setuptools-c] [--markdown FILE]``.  See benchmarks/README.md.

Every tool builds a wheel (``--wheel``) of the same fresh copy of a generated project, with the
same interpreter.  Runs are *paired*: each round runs every column once, in the same order, so
a slow moment of the machine hits all of them; each cell is the median over the rounds, and
its ratio is to the floor of the same project.  A first, untimed round warms every cache
(pip's, uv's, hatch's environment, bytecode).  It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_build import find_uv, generate, hwb_command

BACKENDS = {
    "hatch-pure": ("hatchling", "hatchling.build"),
    "setuptools-c": ("setuptools>=64", "setuptools.build_meta"),
}
#: Column -> what it means (the table's legend).
COLUMNS = {
    "floor": "the backend's build_wheel in one fresh process, requirements preinstalled",
    "hwb no-change": "hwb, same source and options again: a wheel-cache hit",
    "hwb warm": "hwb, environment cached, source changed",
    "hwb cold": "hwb, empty hwb and uv caches",
    "build": "python -m build --wheel (pip)",
    "build --installer uv": "python -m build --wheel --installer uv",
    "uv build": "uv build --wheel (uv cache warm)",
    "uv build cold": "uv build --wheel, empty uv cache",
    "hatch build": "hatch build -t wheel (hatch's persistent build environment)",
}


@dataclass
class Cell:
    times: list[float] = field(default_factory=list)
    #: Peak resident memory of each run's process tree, in MB (``ru_maxrss`` of its children).
    peaks: list[float] = field(default_factory=list)
    failed: str | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times and not self.failed else None

    @property
    def peak(self) -> float | None:
        return max(self.peaks) if self.peaks and not self.failed else None


#: Runs one command in a process of its own and reports its wall time and the peak resident
#: memory of its process tree (``RUSAGE_CHILDREN``: the largest of the waited-for descendants):
#: a fresh process per run, so one case's peak is not another's.
MEASURE = """
import json, resource, subprocess, sys, time
args = json.loads(sys.argv[1])
start = time.perf_counter()
proc = subprocess.run(args["cmd"], cwd=args["cwd"], capture_output=True, text=True, check=False)
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
peak_mb = peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024
print(json.dumps({"rc": proc.returncode, "seconds": elapsed, "peak_mb": peak_mb,
                  "stderr": proc.stderr[-2000:]}))
"""


@dataclass
class Context:
    workdir: Path
    python: str
    uv: str
    hatch: str | None
    env: dict[str, str]
    floor_pythons: dict[str, str] = field(default_factory=dict)
    counter: int = 0

    def kept(self, project: str, name: str) -> Path:
        """The folder of ``project`` that column ``name`` builds in every round."""
        folder = self.workdir / "kept" / project / name
        if not folder.is_dir():
            shutil.copytree(self.workdir / "pristine" / project, folder)
        return folder

    def fresh(self, name: str) -> Path:
        self.counter += 1
        return self.workdir / "runs" / f"{self.counter:04d}-{name.replace(' ', '_')}"


def _venv(ctx: Context, folder: Path, *requirements: str) -> str:
    subprocess.run([ctx.uv, "venv", "--quiet", "--python", ctx.python, str(folder)], check=True, env=ctx.env)
    python = str(folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))
    subprocess.run(
        [ctx.uv, "pip", "install", "--quiet", "--python", python, *requirements], check=True, env=ctx.env
    )
    return python


def _commands(
    ctx: Context, project: str
) -> dict[str, Callable[[Path, Path], tuple[list[str], dict[str, str]]]]:
    _requirement, backend = BACKENDS[project]
    hwb = [*hwb_command(), "build", "--wheel", "--quiet", "--python", ctx.python]
    hwb_cache = str(ctx.workdir / "hwb-cache")
    floor_code = f"import sys, {backend} as b; b.build_wheel(sys.argv[1])"

    def cold_dirs(name: str) -> dict[str, str]:
        base = ctx.fresh(name)
        return {"HWB_CACHE_DIR": str(base / "hwb"), "UV_CACHE_DIR": str(base / "uv")}

    # A rebuild is of the developer's own folder, the same one each time (its fingerprint index
    # and remembered analysis are per folder); every other column gets a fresh copy.
    same, edited = ctx.kept(project, "no-change"), ctx.kept(project, "warm")
    cached = {"HWB_CACHE_DIR": hwb_cache}
    cmds: dict[str, Callable[[Path, Path], tuple[list[str], dict[str, str]]]] = {
        "floor": lambda src, out: ([ctx.floor_pythons[project], "-c", floor_code, str(out)], {}),
        "hwb no-change": lambda src, out: ([*hwb, str(same), "-o", str(out)], cached),
        "hwb warm": lambda src, out: ([*hwb, str(_touch(edited)), "-o", str(out)], cached),
        "hwb cold": lambda src, out: ([*hwb, str(src), "-o", str(out)], cold_dirs("hwb-cold")),
        "build": lambda src, out: (
            [ctx.python, "-m", "build", "--wheel", str(src), "--outdir", str(out)],
            {},
        ),
        "build --installer uv": lambda src, out: (
            [ctx.python, "-m", "build", "--wheel", "--installer", "uv", str(src), "--outdir", str(out)],
            {},
        ),
        "uv build": lambda src, out: (
            [ctx.uv, "build", "--wheel", "--quiet", "--python", ctx.python, str(src), "--out-dir", str(out)],
            {},
        ),
        "uv build cold": lambda src, out: (
            [ctx.uv, "build", "--wheel", "--quiet", "--python", ctx.python, str(src), "--out-dir", str(out)],
            cold_dirs("uv-cold"),
        ),
    }
    if ctx.hatch and project == "hatch-pure":
        cmds["hatch build"] = lambda src, out: ([ctx.hatch, "build", "-t", "wheel", str(out)], {})
    return cmds


def _touch(src: Path) -> Path:
    """Change the source (a new line in a module) so that only the environment can be reused."""
    module = next(src.glob("src/*/__init__.py"))
    with module.open("a") as fh:
        fh.write(f"_CHANGED = {time.time_ns()}\n")
    return src


def time_one(
    ctx: Context, name: str, build: Callable[..., tuple[list[str], dict[str, str]]], pristine: Path
) -> tuple[float, float]:
    """One run of one column: (wall seconds, peak memory in MB)."""
    run = ctx.fresh(name)
    src, out = run / "src", run / "out"
    shutil.copytree(pristine, src)
    args, extra = build(src, out)
    env = {**ctx.env, **extra}
    measure = json.dumps({"cmd": args, "cwd": str(src)})
    proc = subprocess.run([sys.executable, "-c", MEASURE, measure], capture_output=True, text=True,
                          env=env, check=False)  # fmt: skip
    try:
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise RuntimeError(f"the measuring process failed: {proc.stderr[-2000:]}") from None
    wheels = sorted(out.glob("*.whl")) if out.is_dir() else []
    if result["rc"] != 0 or len(wheels) != 1:
        raise RuntimeError(f"exit {result['rc']}, wheels {wheels}: {' '.join(args)}\n{result['stderr']}")
    shutil.rmtree(run, ignore_errors=True)
    return float(result["seconds"]), float(result["peak_mb"])


def bench(ctx: Context, projects: list[str], repeat: int) -> dict[tuple[str, str], Cell]:
    results: dict[tuple[str, str], Cell] = {}
    for project in projects:
        pristine = generate(project, ctx.workdir / "pristine" / project)
        requirement, _ = BACKENDS[project]
        ctx.floor_pythons[project] = _venv(ctx, ctx.workdir / f"floor-{project}", requirement, "wheel")
        commands = _commands(ctx, project)
        for round_ in range(repeat + 1):  # round 0 warms every cache and is not counted
            for name, build in commands.items():
                cell = results.setdefault((project, name), Cell())
                if cell.failed:
                    continue
                try:
                    elapsed, peak = time_one(ctx, name, build, pristine)
                except RuntimeError as exc:
                    cell.failed = str(exc).splitlines()[0]
                    print(f"FAILED {project} {name}: {exc}", file=sys.stderr)
                    continue
                if round_:
                    cell.times.append(elapsed)
                    cell.peaks.append(peak)
                tag = f"run {round_}" if round_ else "warm-up"
                print(f"{project:<13} {name:<21} {tag:<7} {elapsed:6.3f} s {peak:6.0f} MB",
                      file=sys.stderr, flush=True)  # fmt: skip
    return results


def startup(ctx: Context, repeat: int) -> tuple[float, float]:
    def median(args: list[str]) -> float:
        times = []
        for _ in range(repeat * 3 + 1):
            start = time.perf_counter()
            subprocess.run(args, check=True, capture_output=True, env=ctx.env)
            times.append(time.perf_counter() - start)
        return statistics.median(times[1:])

    return median([*hwb_command(), "--version"]), median([sys.executable, "-c", "pass"])


def markdown(results: dict[tuple[str, str], Cell], start: tuple[float, float], repeat: int) -> str:
    names = list(dict.fromkeys(name for _, name in results))
    projects = list(dict.fromkeys(p for p, _ in results))
    lines = [
        f"Median wall-clock seconds of {repeat} paired round(s), Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs; (xN) is the cell divided by the floor of its project.",
        "",
        "| project | " + " | ".join(f"`{n}`" for n in names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for project in projects:
        floor = results[(project, "floor")].median
        cells = []
        for name in names:
            cell = results.get((project, name))
            if cell is None:
                cells.append("-")
            elif cell.median is None:
                cells.append("failed")
            elif name == "floor" or not floor:
                cells.append(f"{cell.median:.3f}")
            else:
                cells.append(f"{cell.median:.3f} (x{cell.median / floor:.2f})")
        lines.append(f"| {project} | " + " | ".join(cells) + " |")
    header = "| project | " + " | ".join(f"`{n}`" for n in names) + " |"
    lines += ["", "Peak memory (MB, the largest of the rounds; the process tree of one run):", "",
              header, "|---|" + "---:|" * len(names)]  # fmt: skip
    for project in projects:
        peaks = [results.get((project, name)) for name in names]
        cells = ["-" if c is None or c.peak is None else f"{c.peak:.0f}" for c in peaks]
        lines.append(f"| {project} | " + " | ".join(cells) + " |")
    hwb_start, bare = start
    lines += ["", f"CLI start-up: `hwb --version` {hwb_start:.3f} s, `python -c pass` {bare:.3f} s "
              f"(x{hwb_start / bare:.2f}).", "", *goals(results, start), "", "Columns:", ""]  # fmt: skip
    lines += [f"- `{name}`: {COLUMNS[name]}" for name in names]
    return "\n".join(lines) + "\n"


#: The goals of issue 19: (project, column, against, at most).
GOALS = (
    ("hatch-pure", "hwb warm", "floor", 1.5),
    ("hatch-pure", "hwb warm", "uv build", 0.35),
    ("hatch-pure", "hwb no-change", "floor", 0.5),
    ("hatch-pure", "hwb cold", "uv build cold", 1.0),
    ("setuptools-c", "hwb warm", "floor", 1.5),
    ("setuptools-c", "hwb no-change", "floor", 0.5),
    ("setuptools-c", "hwb cold", "uv build cold", 1.0),
)
#: CLI start-up: `hwb --version` against `python -c pass`, at most.
STARTUP_GOAL = 1.7


def goals(results: dict[tuple[str, str], Cell], start: tuple[float, float]) -> list[str]:
    """Every ratio of issue 19, side by side, each marked met or not, from this run's numbers."""

    def ratio(project: str, name: str, base: str) -> float | None:
        a, b = results.get((project, name)), results.get((project, base))
        return a.median / b.median if a and b and a.median and b.median else None

    out = []
    for project, name, base, limit in GOALS:
        value = ratio(project, name, base)
        if value is not None:
            verdict = "met" if value <= limit else "NOT met"
            out.append(f"- {project}, `{name}` / `{base}` ≤ {limit:g}: x{value:.2f}, {verdict}")
    value = start[0] / start[1]
    verdict = "met" if value <= STARTUP_GOAL else "NOT met"
    out.append(f"- CLI start-up ≤ {STARTUP_GOAL:g}x `python -c pass`: x{value:.2f}, {verdict}")
    return out


def find_hatch(ctx: Context) -> str | None:
    found = shutil.which("hatch")
    if found:
        return found
    try:
        python = _venv(ctx, ctx.workdir / "hatch-venv", "hatch")
    except subprocess.CalledProcessError:
        return None
    return str(Path(python).with_name("hatch"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--projects", nargs="+", choices=list(BACKENDS), default=list(BACKENDS))
    parser.add_argument("--repeat", type=int, default=5, help="paired rounds (median taken)")
    parser.add_argument("--python", default=sys.executable, help="interpreter every tool builds for")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    uv = find_uv()
    if uv is None:
        parser.error("uv is needed (pip install uv)")
    # Bytecode as on any normal installation (some sandboxes turn it off for everything).
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "UV_OFFLINE")}
    env["PATH"] = f"{Path(uv).parent}{os.pathsep}{env.get('PATH', '')}"
    with tempfile.TemporaryDirectory(prefix="hwb-bench-cache-") as tmp:
        ctx = Context(workdir=Path(tmp), python=args.python, uv=uv, hatch=None, env=env)
        ctx.hatch = find_hatch(ctx)
        results = bench(ctx, args.projects, args.repeat)
        table = markdown(results, startup(ctx, args.repeat), args.repeat)
    print(table)
    if args.markdown:
        args.markdown.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
