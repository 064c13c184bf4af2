#!/usr/bin/env python3
"""Time ``hwb build`` against ``python -m build`` (pip and uv installers) and ``uv build``.

Run with the dev venv: ``.venv/bin/python benchmarks/bench_build.py [--projects ...]
[--repeat N] [--markdown FILE]``.  See benchmarks/README.md.  It asserts nothing: it prints a
Markdown table of median wall-clock seconds and each tool's ratio to hwb.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

GENERATED = ("hatch-pure", "setuptools-c")
DEFAULT_PROJECTS = (*GENERATED, "idna", "attrs", "markupsafe")
MODES = ("default", "wheel")

HATCH_PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "bench-pure"
version = "1.0"
description = "A tiny pure project for the hwb benchmark"
readme = "README.md"
requires-python = ">=3.8"
"""

SETUPTOOLS_PYPROJECT = """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "bench-cext"
version = "1.0"
description = "A tiny C-extension project for the hwb benchmark"
requires-python = ">=3.8"
"""

SETUP_PY = """\
from setuptools import Extension, setup

setup(ext_modules=[Extension("bench_cext._speed", ["src/bench_cext/_speed.c"])])
"""

SPEED_C = """\
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *add(PyObject *self, PyObject *args) {
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b)) return NULL;
    return PyLong_FromLong(a + b);
}

static PyMethodDef methods[] = {{"add", add, METH_VARARGS, "Add two integers."}, {NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_speed", NULL, -1, methods};

PyMODINIT_FUNC PyInit__speed(void) { return PyModule_Create(&module); }
"""


def write_files(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def generate(name: str, root: Path) -> Path:
    if name == "hatch-pure":
        return write_files(root, {
            "pyproject.toml": HATCH_PYPROJECT,
            "README.md": "# bench-pure\n",
            "src/bench_pure/__init__.py": '__version__ = "1.0"\n',
        })  # fmt: skip
    return write_files(root, {
        "pyproject.toml": SETUPTOOLS_PYPROJECT,
        "setup.py": SETUP_PY,
        "src/bench_cext/__init__.py": "from ._speed import add\n",
        "src/bench_cext/_speed.c": SPEED_C,
    })  # fmt: skip


def corpus_sdist(name: str, python: str, workdir: Path) -> Path:
    """The corpus tests' cached sdist of ``name``, else the latest one from PyPI via pip."""
    env = os.environ.get("HWB_TEST_CACHE")
    cache = Path(env) if env else Path.home() / ".cache" / "hwb-tests" / "corpus"

    def norm(text: str) -> str:
        return re.sub(r"[-_.]+", "_", text).lower()

    found = [p for p in (cache / "sdists").glob("*.tar.gz") if norm(p.name.rsplit("-", 1)[0]) == norm(name)]
    if found:
        return sorted(found)[-1]
    dest = workdir / "download"
    subprocess.run([python, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary",
                    name, name, "-d", dest], check=True)  # fmt: skip
    return next(dest.glob("*.tar.gz"))


def prepare_source(name: str, python: str, workdir: Path) -> Path:
    """A pristine source folder for ``name`` (generated, or an unpacked corpus sdist)."""
    root = workdir / "pristine" / name
    if name in GENERATED:
        return generate(name, root)
    with tarfile.open(corpus_sdist(name, python, workdir)) as tf:
        if hasattr(tarfile, "data_filter"):
            tf.extractall(root, filter="data")
        else:
            tf.extractall(root)
    (top,) = list(root.iterdir())
    return top


def find_uv() -> str | None:
    beside = Path(sys.executable).with_name("uv")
    if beside.is_file():
        return str(beside)
    found = shutil.which("uv")
    if found:
        return found
    try:
        import uv

        return str(uv.find_uv_bin())
    except (ImportError, FileNotFoundError):
        return None


def hwb_command() -> list[str]:
    beside = Path(sys.executable).with_name("hwb")
    return [str(beside)] if beside.is_file() else [sys.executable, "-m", "headless_wheel_builder"]


#: ``hwb`` runs with ``--no-cache`` (a cold build, like the others); ``hwb (cache)`` with its
#: caches on, in a folder of this run: its first run fills them, later ones reuse them.
TOOLS = ("hwb", "hwb (cache)", "build", "build --installer uv", "uv build")


def command(tool: str, uv: str | None, python: str, src: Path, out: Path, mode: str) -> list[str]:
    """The command line of ``tool`` building ``src`` into ``out`` in ``mode``."""
    wheel = ["--wheel"] if mode == "wheel" else []
    if tool.startswith("hwb"):
        hwb = [*hwb_command(), "build", "--python", python, "--quiet"]
        no_cache = ["--no-cache"] if tool == "hwb" else []
        return [*hwb, str(src), "--outdir", str(out), *no_cache, *wheel]
    if tool == "build":
        return [python, "-m", "build", str(src), "--outdir", str(out), *wheel]
    if tool == "build --installer uv":
        return [python, "-m", "build", "--installer", "uv", str(src), "--outdir", str(out), *wheel]
    assert uv is not None
    return [uv, "build", "--python", python, "--quiet", str(src), "--out-dir", str(out), *wheel]


@dataclass
class Result:
    times: list[float]
    failed: str | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times and not self.failed else None


def time_one(
    cmd: Callable[[Path, Path], list[str]],
    expect: set[str],
    pristine: Path,
    workdir: Path,
    env: dict[str, str],
) -> float:
    """Time ``cmd`` on a fresh copy of the source (no build/ or egg-info left by a prior run);
    fail unless it built exactly the ``expect``-ed kinds of artifact."""
    run_dir = Path(tempfile.mkdtemp(dir=workdir, prefix="run-"))
    try:
        src, out = run_dir / "src", run_dir / "out"
        shutil.copytree(pristine, src)
        args = cmd(src, out)
        start = time.perf_counter()
        proc = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise RuntimeError(f"exit {proc.returncode}: {' '.join(args)}\n{proc.stderr[-3000:]}")
        dists = (".whl", ".tar.gz", ".zip")  # uv build also writes a .gitignore there
        built = sorted(p.name for p in out.iterdir() if p.name.endswith(dists)) if out.is_dir() else []
        kinds = {"wheel" if n.endswith(".whl") else "sdist" for n in built}  # only dists here
        if kinds != expect:  # the same work from every tool, or the timing means nothing
            raise RuntimeError(f"built {built}, expected {sorted(expect)}: {' '.join(args)}")
        return elapsed
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def bench(projects: list[str], repeat: int, python: str, modes: list[str],
          workdir: Path) -> dict[tuple[str, str, str], Result]:  # fmt: skip
    uv = find_uv()
    tools = [t for t in TOOLS if uv or "uv" not in t]
    if not uv:
        print("note: uv not found; skipping `build --installer uv` and `uv build`", file=sys.stderr)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWB_")}
    env["HWB_CACHE_DIR"] = str(workdir / "hwb-cache")  # never the user's own cache
    if uv:  # let `python -m build --installer uv` find the same uv binary
        env["PATH"] = f"{Path(uv).parent}{os.pathsep}{env.get('PATH', '')}"
    results: dict[tuple[str, str, str], Result] = {}
    for project in projects:
        pristine = prepare_source(project, python, workdir)
        for mode in modes:
            for name in tools:
                res = results[(project, mode, name)] = Result(times=[])
                cmd = partial(command, name, uv, python, mode=mode)
                expect = {"wheel"} if mode == "wheel" else {"sdist", "wheel"}
                for i in range(repeat):
                    try:
                        res.times.append(time_one(cmd, expect, pristine, workdir, env))
                    except RuntimeError as exc:
                        res.failed = str(exc).splitlines()[0]
                        print(f"FAILED {project} {mode} {name}: {exc}", file=sys.stderr)
                        break
                    print(f"{project:<14} {mode:<8} {name:<22} run {i + 1}: "
                          f"{res.times[-1]:6.2f} s", file=sys.stderr, flush=True)  # fmt: skip
    return results


def markdown(results: dict[tuple[str, str, str], Result], repeat: int, python: str) -> str:
    tools = list(dict.fromkeys(t for _, _, t in results))
    rows = list(dict.fromkeys((p, m) for p, m, _ in results))
    version = subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"],
                             capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    lines = [
        f"Median wall-clock seconds of {repeat} run(s), Python {version}, {os.cpu_count()} CPUs;"
        " (xN) is the tool's time divided by hwb's (>1: hwb is faster).",
        "",
        "| project | mode | " + " | ".join(f"`{t}`" for t in tools) + " |",
        "|---|---|" + "---:|" * len(tools),
    ]
    for project, mode in rows:
        base = results[(project, mode, "hwb")].median
        cells = []
        for tool in tools:
            res = results[(project, mode, tool)]
            if res.median is None:
                cells.append("failed")
            elif tool == "hwb" or base is None:
                cells.append(f"{res.median:.2f}")
            else:
                cells.append(f"{res.median:.2f} (x{res.median / base:.2f})")
        label = "sdist+wheel" if mode == "default" else "wheel"
        lines.append(f"| {project} | {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=textwrap.dedent(f"""\
            projects: {", ".join(GENERATED)} (generated), or any PyPI name (its sdist is
            taken from the corpus tests' cache, else downloaded with pip)"""),
    )
    parser.add_argument("--projects", nargs="+", default=list(DEFAULT_PROJECTS))
    parser.add_argument("--repeat", type=int, default=3, help="runs per cell (median taken)")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter every tool builds for (needs `build` installed)")  # fmt: skip
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    with tempfile.TemporaryDirectory(prefix="hwb-bench-") as tmp:
        results = bench(args.projects, args.repeat, args.python, args.modes, Path(tmp))
    table = markdown(results, args.repeat, args.python)
    print(table)
    if args.markdown:
        args.markdown.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
