"""One pipeline (issue 15): one project, configured in its own ``[tool.hwb] config-settings``
inside a git checkout, built through every entry point — ``hwb build``, a two-Python matrix, a
container build (real Docker, the local test image), ``hwb release`` to a loopback registry and
the pytest plugin — carries the same configuration and ``SOURCE_DATE_EPOCH`` in every wheel, and
the wheels of the same version and Python are byte-identical.  A second matrix run and a second
container build are served from the wheel cache, and ``hwb cache info`` counts the hits.

The project is tests/packages/pipeline-probe: an offline in-tree backend whose wheel records the
config settings and the epoch it saw, deterministically, one wheel per CPython (cpXY-none-any).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.integration._gitrepo import Repo
from tests.integration.test_container import IMAGE, _engine_problem

PACKAGES = Path(__file__).resolve().parents[1] / "packages"
CONFIG = {"flavour": "from-the-project"}
#: The commit times of the project's history (the epoch is the last one that touched it).
FIRST, LAST = "2021-03-04T05:06:07+00:00", "2022-05-06T07:08:09+00:00"
LAST_EPOCH = "1651820889"

pytestmark = [pytest.mark.slow]


def _other_python() -> str:
    """A second CPython for the matrix (pyenv holds 3.8-3.13 on the project's machines)."""
    from headless_wheel_builder.isolation.python import available

    mine = sys.version_info[:2]
    for interp in sorted(available(), key=lambda i: i.version, reverse=True):
        if interp.implementation == "cpython" and interp.version[:2] != mine and interp.version >= (3, 9, 0):
            return interp.short_version
    pytest.fail("a second CPython is needed for the two-Python matrix (pyenv install 3.12)")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    home = tmp_path / "home"
    home.mkdir()
    path = tmp_path / "probe"
    shutil.copytree(PACKAGES / "pipeline-probe", path)
    project = Repo(path, home)
    project.git("init", "-q", "-b", "main")
    project.write(".gitignore", "dist/\n")
    project.git("add", "-A")
    project.env.update(GIT_COMMITTER_DATE=FIRST, GIT_AUTHOR_DATE=FIRST)
    project.git("commit", "-q", "-m", "chore: start")
    project.tag("v0.1.0")
    project.env.update(GIT_COMMITTER_DATE=LAST, GIT_AUTHOR_DATE=LAST)
    project.commit("feat: a probe that tells how it was built", path="probe/NOTES.txt")
    assert project.git("log", "-1", "--format=%ct") == LAST_EPOCH
    return project


@pytest.fixture
def cache_env(tmp_path: Path) -> dict[str, str | None]:
    """A fresh wheel cache, turned on; the machine's own SOURCE_DATE_EPOCH removed."""
    return {"HWB_CACHE": "true", "HWB_CACHE_DIR": str(tmp_path / "cache"), "SOURCE_DATE_EPOCH": None}


def _build_info(wheel: Path) -> dict[str, Any]:
    with zipfile.ZipFile(wheel) as zf:
        return json.loads(zf.read("probe/build_info.json"))


def _wheels(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.whl"))}


def _assert_probe(wheels: dict[str, bytes], folder: Path, *, where: str) -> None:
    assert wheels, f"{where}: no wheel in {folder}"
    for name in wheels:
        info = _build_info(folder / name)
        assert info == {"config_settings": CONFIG, "source_date_epoch": LAST_EPOCH}, f"{where}: {name}"


def test_every_entry_point_builds_the_same_wheel(
    hwb: Any, repo: Repo, cache_env: dict[str, str | None], tmp_path: Path
) -> None:
    mine = f"{sys.version_info[0]}.{sys.version_info[1]}"
    tag = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    same = f"pipeline_probe-0.1.0-{tag}-none-any.whl"

    # 1. hwb build, one Python.
    single = tmp_path / "single"
    result = hwb("build", repo.path, "-p", mine, "-o", single, "--json", env=cache_env)
    assert result.code == 0, result.stderr
    assert result.json["source_date_epoch"] == LAST_EPOCH
    built = _wheels(single)
    _assert_probe(built, single, where="hwb build")
    assert list(built) == [same]

    # 2. A two-Python matrix, then the same matrix again: every job from the wheel cache, and
    # every file (both wheels, the sdist) the same, byte for byte.
    other = _other_python()
    rounds: dict[str, dict[str, bytes]] = {}
    for round_ in ("first", "second"):
        out = tmp_path / f"matrix-{round_}"
        result = hwb("build", repo.path, "-p", f"{mine},{other}", "-o", out, "--json", env=cache_env)
        assert result.code == 0, result.stderr
        report = result.json
        assert report["source_date_epoch"] == LAST_EPOCH
        assert [b["status"] for b in report["builds"]] == ["ok", "ok"]
        assert [b["built"] for b in report["builds"]] == [True, True]  # one wheel per Python
        assert all(b["cached"] is (round_ == "second") for b in report["builds"]), report["builds"]
        matrix = _wheels(out)
        _assert_probe(matrix, out, where=f"matrix ({round_})")
        assert len(matrix) == 2
        assert matrix[same] == built[same], "the matrix's wheel differs from hwb build's"
        # The artifacts and their SHA256SUMS (the manifest is the run's report: paths, timings).
        files = [p for p in sorted(out.iterdir()) if p.name != "hwb-manifest.json"]
        rounds[round_] = {p.name: p.read_bytes() for p in files}
    assert sorted(rounds["second"]) == sorted(rounds["first"])
    assert any(name.endswith(".tar.gz") for name in rounds["first"])
    assert rounds["second"] == rounds["first"], "a cached matrix run is not byte for byte the first"
    # Misses: the single build, the matrix's sdist and its two jobs; hits: all three again.
    stats = hwb("cache", "info", "--json", env=cache_env).json["stats"]
    assert (stats["wheel_hits"], stats["wheel_misses"]) == (3, 4), stats

    # 3. The pytest plugin builds with the project's configuration too.
    plugin_wheel = tmp_path / "plugin" / "probe.whl"
    plugin_wheel.parent.mkdir()
    tests = tmp_path / "plugin-tests"
    tests.mkdir()
    (tests / "test_probe.py").write_text(
        "import os, shutil\n"
        "def test_probe(hwb_wheel_env):\n"
        "    shutil.copyfile(hwb_wheel_env.wheel, os.environ['PROBE_WHEEL_OUT'])\n"
        "    hwb_wheel_env.run('python', '-c', 'import probe; print(probe.BUILD_INFO)')\n"
    )
    env = {**os.environ, **{k: v for k, v in cache_env.items() if v}, "PROBE_WHEEL_OUT": str(plugin_wheel)}
    env.pop("SOURCE_DATE_EPOCH", None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hwb-wheel", "--hwb-project",
         str(repo.path), str(tests / "test_probe.py")],
        capture_output=True, text=True, env=env, cwd=tests, timeout=600, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert plugin_wheel.read_bytes() == built[same], "the pytest plugin's wheel differs from hwb build's"

    # 4. hwb release to a loopback registry (a new version, the same configuration and epoch).
    from tests.integration.publish_servers import start_pypiserver

    servers = start_pypiserver(tmp_path / "pypiserver")
    server = next(servers)
    try:
        creds = {"HWB_PUBLISH_USERNAME": server.username, "HWB_PUBLISH_PASSWORD": server.password}
        env = {**repo.env, **cache_env, **creds}
        result = hwb("release", "--repository", server.url, "--json", env=env, cwd=repo.path)
        assert result.code == 0, result.stderr
        assert {s["step"]: s["status"] for s in result.json["steps"]}["publish"] == "done"
        released = _wheels(server.root)
        assert list(released) == [f"pipeline_probe-0.2.0-{tag}-none-any.whl"]
        _assert_probe(released, server.root, where="hwb release")
    finally:
        servers.close()


def test_a_container_build_runs_the_pipeline_and_is_served_from_the_cache(
    hwb: Any, repo: Repo, cache_env: dict[str, str | None], tmp_path: Path
) -> None:
    problem = _engine_problem("docker")
    if problem is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but docker cannot run container builds: {problem}")
        pytest.skip(problem)
    host = tmp_path / "host"
    result = hwb("build", repo.path, "-p", "3.11", "--wheel", "-o", host, env=cache_env)
    assert result.code == 0, result.stderr
    reports = []
    for round_ in ("first", "second"):
        out = tmp_path / f"container-{round_}"
        result = hwb("build", repo.path, "--isolation", "docker", "--image", IMAGE, "-o", out, "--json",
                     env=cache_env, timeout=1200)  # fmt: skip
        assert result.code == 0, result.stderr
        reports.append(result.json)
        wheels = _wheels(out)
        _assert_probe(wheels, out, where=f"container ({round_})")
        assert not (out / ".hwb-result.json").exists(), "the result file is not an artifact"
        # The image's Python is 3.11, as the host's build above: the same bytes.
        assert wheels == _wheels(host), "the container's wheel differs from the host's"
    first, second = reports
    assert first["cached"] is False
    assert first["build"]["ok"] is True  # the result file of the build inside
    assert first["source_date_epoch"] == LAST_EPOCH
    assert second["cached"] is True
    assert second["isolation"]["container"] == ""  # no container was started
    # The host build and the first container build missed; the second container build hit.
    stats = hwb("cache", "info", "--json", env=cache_env).json["stats"]
    assert (stats["wheel_hits"], stats["wheel_misses"]) == (1, 2), stats
