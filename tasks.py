#!/usr/bin/env python3
"""The project's one task runner: ``python3 tasks.py test`` runs the whole suite.

It needs only Python >= 3.10 and git.  It makes ``.venv`` (once; again when pyproject.toml
changes), installs hwb there in editable mode with its test extra, then runs ruff, mypy
(strict), the import-layer contract and pytest.  Extra arguments go to pytest:
``python3 tasks.py test -k git -x``.  ``python3 tasks.py lint`` runs only the static checks.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import types
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".hwb-deps-stamp"


def sh(*args: str | os.PathLike[str]) -> None:
    cmd = [os.fspath(a) for a in args]
    print(f"+ {' '.join(cmd)}", flush=True)
    rc = subprocess.call(cmd, cwd=ROOT)
    if rc != 0:
        sys.exit(rc)


def ensure_venv() -> None:
    if sys.version_info < (3, 10):  # noqa: UP036 - tasks.py may be started by an older python3
        sys.exit("hwb needs Python >= 3.10 to develop and test")
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PY.exists() and STAMP.exists() and STAMP.read_text() == digest:
        return
    if not PY.exists():
        print(f"+ creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    sh(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    sh(PY, "-m", "pip", "install", "--quiet", "-e", ".[test]")
    STAMP.write_text(digest)


def lint() -> None:
    sh(PY, "-m", "ruff", "check", "src", "tests", "benchmarks", "fuzz", "tasks.py", ".ci")
    sh(PY, "-m", "mypy")
    sh(BIN / "lint-imports")


def test(pytest_args: list[str]) -> None:
    lint()
    engines = container_engines()
    state = engines.start()
    try:
        # pytest exits 5 when nothing was collected: that is a failure for us as well.
        # Two workers (this machine kind has 2 cores); the slowest tests are listed at the end.
        parallel = [] if any(a == "-n" or a.startswith("-n") for a in pytest_args) else ["-n", "auto"]
        # Branch coverage, gated by [tool.coverage.report] fail_under; CLI subprocesses are measured
        # too (coverage's patch = ["subprocess"]) and write their data next to pyproject.toml.
        os.environ["COVERAGE_FILE"] = str(ROOT / ".coverage")
        cov = ["--cov=headless_wheel_builder", "--cov-branch", "--cov-report=term"]
        if pytest_args:  # a selection of tests is measured but not held to the whole suite's gate
            cov.append("--cov-fail-under=0")
        sh(PY, "-m", "pytest", *parallel, *cov, "--durations=25", *pytest_args)
    finally:
        engines.stop(state)


def container_engines() -> types.ModuleType:
    """.ci/engines.py: as root with apt-get, installs Docker (and Podman), starts dockerd if it
    is not running, builds the local test image; ``stop`` stops only a daemon it started."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("hwb_ci_engines", ROOT / ".ci" / "engines.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> None:
    task = argv[0] if argv else "test"
    ensure_venv()
    if task == "test":
        test(argv[1:])
    elif task == "lint":
        lint()
    elif task == "pytest":
        sh(PY, "-m", "pytest", *argv[1:])
    elif task == "setup":
        pass
    else:
        sys.exit(f"unknown task {task!r}; use: test [pytest args] | lint | pytest [args] | setup")


if __name__ == "__main__":
    main(sys.argv[1:])
