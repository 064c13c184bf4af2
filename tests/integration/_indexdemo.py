"""Helpers for the index tests: demo projects built with hwb, fresh venvs, pip and uv runs
that see only the index under test (this machine's pip.conf adds extra indexes)."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from headless_wheel_builder import api

PACKAGES = Path(__file__).resolve().parents[1] / "packages"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_demo(
    workdir: Path,
    name: str,
    version: str,
    *,
    requires: Sequence[str] = (),
    requires_python: str = ">=3.8",
    outdir: Path | None = None,
) -> list[Path]:
    """Build the sdist and wheel of a demo project ``name`` ``version`` with hwb."""
    src = workdir / "src" / f"{name}-{version}"
    shutil.copytree(PACKAGES / "index-demo", src)
    config = {
        "name": name,
        "version": version,
        "requires_python": requires_python,
        "requires": list(requires),
    }
    (src / "demo.json").write_text(json.dumps(config), encoding="utf-8")
    pyproject = (src / "pyproject.toml").read_text(encoding="utf-8")
    pyproject = re.sub(r'(?m)^name = ".*"$', f'name = "{name}"', pyproject)
    pyproject = re.sub(r'(?m)^version = ".*"$', f'version = "{version}"', pyproject)
    pyproject = re.sub(r'(?m)^requires-python = ".*"$', f'requires-python = "{requires_python}"', pyproject)
    (src / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    out = outdir or workdir / "dist"
    report = api.build(src, api.BuildOptions(outdir=out, isolation=False))
    return [a.info.path for a in report.artifacts]


def installer_env(tmp: Path) -> dict[str, str]:
    """The environment for pip/uv: no config files, no extra indexes, private caches."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_INPUT="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_CACHE_DIR="1",
        UV_NO_CONFIG="1",
        UV_CACHE_DIR=str(tmp / "uv-cache"),
        UV_PYTHON_DOWNLOADS="never",
    )
    env.pop("VIRTUAL_ENV", None)
    return env


def fresh_venv(path: Path) -> Path:
    """A new, empty virtual environment made with uv; returns its python."""
    import uv

    subprocess.run(
        [uv.find_uv_bin(), "venv", "--quiet", "--python", sys.executable, str(path)],
        check=True,
        env=installer_env(path.parent),
        capture_output=True,
    )
    return path / "bin" / "python"


def pip(python: Path, *args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    """The dev environment's pip, run against ``python`` (a venv without pip of its own)."""
    return subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), *args],
        capture_output=True,
        text=True,
        env=installer_env(tmp),
        cwd=tmp,
        timeout=300,
        check=False,
    )


def uv_pip(python: Path, *args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    import uv

    return subprocess.run(
        [uv.find_uv_bin(), "pip", *args, "--python", str(python)],
        capture_output=True,
        text=True,
        env=installer_env(tmp),
        cwd=tmp,
        timeout=300,
        check=False,
    )


def installed_version(python: Path, module: str) -> str:
    return subprocess.run(
        [str(python), "-c", f"import {module}; print({module}.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
