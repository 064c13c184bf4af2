"""A wheel-cache hit is decided first (issue 19), through the real CLI and a real hatchling
build: an unchanged rebuild loads neither the analysis nor anything that calls a backend and
reads no source file again; a touched-but-identical file is still a hit; an edit is seen even
with its size and mtime forced back; the JSON report and ``--timings`` say where the time went."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

#: Modules a hit must not load: the analysis, the hook calling, pypa/build, pyproject-hooks,
#: the repair and test stages, the matrix and containers.
NOT_ON_A_HIT = (
    "headless_wheel_builder.analyze.analyzer",
    "headless_wheel_builder.analyze._detect",
    "headless_wheel_builder.build.pep517",
    "headless_wheel_builder.build.tester",
    "headless_wheel_builder.repair.stage",
    "headless_wheel_builder.matrix.schedule",
    "headless_wheel_builder.build.in_container",
    "headless_wheel_builder.isolation.venv",
    "build",
    "pyproject_hooks",
    "packaging.requirements",
    "packaging.metadata",
)


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    env.update(HWB_CACHE="true", HWB_CACHE_DIR=str(tmp_path / "cache"), HWB_LOG_DIR=str(tmp_path / "logs"),
               HWB_USER_CONFIG="")  # fmt: skip
    return env


def _hwb(tmp_path: Path, src: Path, out: Path, *args: str) -> tuple[dict[str, Any], str]:
    """``hwb build --wheel --json`` in a subprocess; the JSON report and the modules it imported
    (``-X importtime``)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "headless_wheel_builder", "build", str(src), "--wheel",
         "-o", str(out), "--json", *args],
        capture_output=True, text=True, env=_env(tmp_path), check=False, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout), proc.stderr


def _imported(stderr: str) -> set[str]:
    return {line.rsplit("|", 1)[1].strip() for line in stderr.splitlines() if line.startswith("import time:")}


def _index_reads(tmp_path: Path) -> dict[str, list[object]]:
    (index,) = (tmp_path / "cache" / "index").iterdir()
    files: dict[str, list[object]] = json.loads(index.read_text())["files"]
    return files


def test_an_unchanged_rebuild_loads_no_analysis_and_no_backend(hwb, project_copy, tmp_path):
    src = project_copy("pure-hatch")
    first, imported = _hwb(tmp_path, src, tmp_path / "o1")
    assert first["artifacts"][0]["cached"] is False
    miss = {"headless_wheel_builder.analyze.analyzer", "headless_wheel_builder.build.pep517"}
    assert miss <= _imported(imported)  # the check can fail: a miss loads them

    hit, imported = _hwb(tmp_path, src, tmp_path / "o2")
    assert hit["artifacts"][0]["cached"] is True
    assert hit["artifacts"][0]["sha256"] == first["artifacts"][0]["sha256"]
    loaded = sorted(m for m in NOT_ON_A_HIT if m in _imported(imported))
    assert loaded == [], f"a wheel-cache hit loaded {loaded}"
    # The remembered analysis is the analysis: the report's project is the same.
    assert hit["project"] == first["project"]
    # Where the time went: hwb's start-up, the phases, the total.
    timings = hit["timings"]
    assert next(iter(timings)) == "startup"
    assert list(timings)[-1] == "total"
    assert {"resolve", "cache", "place"} <= set(timings)
    assert "build" not in timings
    assert timings["total"] >= sum(v for k, v in timings.items() if k != "total") - 0.01


def test_touched_files_hit_and_edits_with_the_stat_forced_back_miss(hwb, project_copy, tmp_path):
    src = project_copy("pure-hatch")
    module = next(src.glob("src/*/__init__.py"))
    old = 1_600_000_000 * 10**9
    for path in src.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(old, old))  # long before any index write: not racy
    first, _ = _hwb(tmp_path, src, tmp_path / "o1")
    indexed = _index_reads(tmp_path)

    # Touched, bytes unchanged: read again (its stat changed), same digest, a hit.
    os.utime(module, ns=(old + 10**9, old + 10**9))
    touched, imported = _hwb(tmp_path, src, tmp_path / "o2")
    assert touched["artifacts"][0]["cached"] is True
    assert "headless_wheel_builder.build.pep517" not in _imported(imported)
    rel = module.relative_to(src).as_posix()
    assert _index_reads(tmp_path)[rel] != indexed[rel]  # its entry was refreshed
    assert {k: v for k, v in _index_reads(tmp_path).items() if k != rel} == {
        k: v for k, v in indexed.items() if k != rel
    }  # every other file kept its entry: not read again

    # Edited, same size, mtime forced back: the inode's ctime moved, so it is read; a miss.
    text = module.read_text()
    module.write_text(text.replace("1", "2", 1) if "1" in text else text[:-1] + "#")
    os.utime(module, ns=(old + 10**9, old + 10**9))
    assert module.stat().st_size == len(text.encode())
    edited, _ = _hwb(tmp_path, src, tmp_path / "o3")
    assert edited["artifacts"][0]["cached"] is False
    assert edited["artifacts"][0]["sha256"] != first["artifacts"][0]["sha256"]


def test_timings_flag_prints_the_phases(hwb, project_copy, tmp_path):
    src = project_copy("pure-hatch")
    env = {"HWB_CACHE": "true", "HWB_CACHE_DIR": str(tmp_path / "cache")}
    assert hwb("build", src, "--wheel", "-o", tmp_path / "o1", env=env).code == 0
    result = hwb("build", src, "--wheel", "-o", tmp_path / "o2", "--timings", env=env)
    assert result.code == 0, result.stderr
    lines = result.stdout.split("Timings:", 1)[1].split()
    assert lines[0] == "startup"
    assert "cache" in lines
    assert "total" in lines
    plain = hwb("build", src, "--wheel", "-o", tmp_path / "o3", env=env)
    assert "Timings:" not in plain.stdout
    by_env = hwb("build", src, "--wheel", "-o", tmp_path / "o4", env={**env, "HWB_TIMINGS": "1"})
    assert "Timings:" in by_env.stdout
