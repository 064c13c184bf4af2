"""Builds that share a source folder (issue 24, family 1): setuptools writes ``build/`` and
``*.egg-info`` into the folder it builds, so concurrent in-place builds of one folder collide.
hwb takes a lock per source folder and says that it waits; every run gets the same valid wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.network]


def test_concurrent_builds_of_one_setuptools_folder_all_succeed(project_copy, tmp_path: Path) -> None:
    src = project_copy("an-setuptools-static")
    env = {**os.environ, "HWB_CACHE_DIR": str(tmp_path / "cache"), "HWB_LOG_DIR": str(tmp_path / "logs"),
           "HWB_USER_CONFIG": ""}  # fmt: skip
    runs = []
    for index in range(4):
        out = tmp_path / f"out{index}"
        cmd = [sys.executable, "-m", "headless_wheel_builder", "build", str(src), "--wheel", "--no-cache",
               "-o", str(out), "-v"]  # fmt: skip
        runs.append((out, subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                           text=True)))  # fmt: skip
    logs, contents = [], set()
    for out, proc in runs:
        _, stderr = proc.communicate(timeout=600)
        assert proc.returncode == 0, stderr
        logs.append(stderr)
        wheels = list(out.glob("*.whl"))
        assert [w.name for w in wheels] == ["an_setuptools_static-1.0.0-py3-none-any.whl"]
        with zipfile.ZipFile(wheels[0]) as zf:
            names = tuple(sorted(zf.namelist()))
        modules = [n for n in names if n.endswith(".py") and ".dist-info/" not in n]
        assert modules, names  # a module, not only the metadata
        contents.add(names)
    assert len(contents) == 1, contents  # the same files in every wheel
    assert any("Waiting for another hwb build of" in log for log in logs), "no run waited"
