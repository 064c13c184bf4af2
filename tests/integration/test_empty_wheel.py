"""An empty wheel (nothing outside its ``.dist-info``): check-wheel-contents' W008.

From a project with Python sources it is a broken build (setuptools told ``packages = []``):
``hwb build`` refuses it, places nothing and caches nothing.  From a meta-package (no
sources) it is legitimate and PyPI accepts it: the build succeeds and ``hwb check`` warns, as
the peer does.  The reference wheel comes from ``python -m build`` in the same run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.network]

PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{name}"
version = "1.0"
description = "a project whose wheel holds nothing"

[tool.setuptools]
packages = []
"""


def _project(tmp_path: Path, name: str, *, sources: bool) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "pyproject.toml").write_text(PYPROJECT.format(name=name))
    if sources:
        (folder / "src" / "demo").mkdir(parents=True)
        (folder / "src" / "demo" / "__init__.py").write_text("ANSWER = 42\n")
    return folder


def _reference_wheel(project: Path, out: Path) -> Path:
    proc = subprocess.run([sys.executable, "-m", "build", "--wheel", "-o", str(out), str(project)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        tops = {n.split("/", 1)[0] for n in archive.namelist()}
    assert tops == {wheel.name.split("-py3")[0] + ".dist-info"}
    return wheel


def _cwc(wheel: Path) -> str:
    cwc = Path(sys.executable).parent / "check-wheel-contents"
    return subprocess.run([str(cwc), "--no-config", str(wheel)], capture_output=True, text=True,
                          check=False).stdout  # fmt: skip


def test_empty_wheel_of_a_project_with_sources_fails_the_build(hwb, tmp_path):
    project = _project(tmp_path, "demo-forgot", sources=True)
    reference = _reference_wheel(project, tmp_path / "ref")
    assert "W008: Wheel is empty" in _cwc(reference)  # the peer's verdict on the same build
    out, cache = tmp_path / "dist", tmp_path / "cache"
    result = hwb("build", project, "-o", out, env={"HWB_CACHE": "true", "HWB_CACHE_DIR": str(cache)})
    assert result.code == 50, result.stderr
    assert "W008: the wheel holds no files outside its .dist-info" in result.stderr
    assert "has Python sources" in result.stderr
    assert not out.exists() or list(out.iterdir()) == []
    assert list(cache.rglob("*.whl")) == []  # never a cached copy
    # The same file, checked on its own, is a warning: hwb check cannot know its sources.
    checked = hwb("check", "--json", reference)
    assert checked.code == 0, checked.stderr
    (file,) = json.loads(checked.stdout)["files"]
    assert {(p["code"], p["severity"]) for p in file["problems"]} >= {("W008", "warning")}


def test_meta_package_builds_and_check_warns_as_the_peer(hwb, tmp_path):
    project = _project(tmp_path, "demo-meta", sources=False)
    out = tmp_path / "dist"
    result = hwb("build", project, "-o", out, "--json")
    assert result.code == 0, result.stderr
    (wheel,) = out.glob("*.whl")
    peer = _cwc(wheel)
    checked = hwb("check", "--json", wheel)
    assert checked.code == 0, checked.stderr
    (file,) = json.loads(checked.stdout)["files"]
    ours = {p["code"] for p in file["problems"] if p["code"].startswith("W0")}
    assert ours == {code for code in ("W007", "W008") if f"{code}:" in peer} == {"W007", "W008"}
    assert hwb("check", "--strict", wheel).code == 51
