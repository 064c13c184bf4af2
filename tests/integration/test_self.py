"""hwb builds itself, and the wheel it makes installs and works on the oldest and newest
supported Pythons found here."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from headless_wheel_builder.errors import InterpreterNotFoundError
from headless_wheel_builder.isolation.python import find_python, uv_binary
from tests.conftest import PACKAGES, ROOT


@pytest.fixture(scope="module")
def hwb_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("self") / "hwb-src"
    noise = shutil.ignore_patterns(".venv*", ".git", "dist", "__pycache__", "*.egg-info", ".mypy_cache",
                                   ".ruff_cache", ".pytest_cache")

    def ignore(folder: str, names: list[str]) -> set[str]:
        # Only the checkout's own build/ output: src/headless_wheel_builder/build/ is a package.
        top = {"build"} & set(names) if Path(folder) == ROOT else set()
        return set(noise(folder, names)) | top

    shutil.copytree(ROOT, src, ignore=ignore)
    out = src.parent / "dist"
    proc = subprocess.run(
        [sys.executable, "-m", "headless_wheel_builder", "build", str(src), "-o", str(out), "--json"],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    names = sorted(a["filename"] for a in report["artifacts"])
    from headless_wheel_builder.__about__ import __version__

    assert names == [f"headless_wheel_builder-{__version__}-py3-none-any.whl",
                     f"headless_wheel_builder-{__version__}.tar.gz"]
    return next(Path(a["path"]) for a in report["artifacts"] if a["kind"] == "wheel")


@pytest.mark.network
@pytest.mark.parametrize("version", ["3.10", "3.13"])
def test_wheel_installs_and_builds_on(version, hwb_wheel, tmp_path):
    try:
        interp = find_python(version)
    except InterpreterNotFoundError:
        pytest.skip(f"Python {version} is not installed here")
    uv = uv_binary()
    assert uv is not None
    venv = tmp_path / "venv"
    subprocess.run([uv, "venv", "-q", "--python", str(interp.executable), str(venv)], check=True)
    subprocess.run([uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), str(hwb_wheel)],
                   check=True)
    project = tmp_path / "tiny"
    shutil.copytree(PACKAGES / "tiny-backend", project)
    proc = subprocess.run([str(venv / "bin" / "hwb"), "build", str(project), "-o", str(tmp_path / "out"),
                           "--json"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["interpreter"]["version"].startswith(version)
    assert [a["kind"] for a in report["artifacts"]] == ["sdist", "wheel"]
