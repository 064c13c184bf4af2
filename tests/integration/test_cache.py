"""The build caches through the real CLI: environments reused offline, wheels served when
nothing changed (identical bytes, reported as cached), misses on every change that matters,
corrupted entries rebuilt, one environment shared by concurrent builds, ``hwb cache``."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PACKAGES, git

#: Every way uv or pip could reach an index, pointed at a closed loopback port.
OFFLINE = {"UV_OFFLINE": "1", "PIP_INDEX_URL": "http://127.0.0.1:9/simple", "UV_INDEX_URL": None,
           "UV_DEFAULT_INDEX": "http://127.0.0.1:9/simple", "UV_INDEX": None, "PIP_FIND_LINKS": None,
           "UV_FIND_LINKS": None, "PIP_NO_INDEX": "1", "PIP_CONFIG_FILE": os.devnull}  # fmt: skip


@pytest.fixture
def cache_env(tmp_path: Path) -> dict[str, str | None]:
    return {"HWB_CACHE": "true", "HWB_CACHE_DIR": str(tmp_path / "cache")}


def _sha(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _envs(tmp_path: Path) -> list[str]:
    folder = tmp_path / "cache" / "envs"
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def _build(hwb: Any, src: Path, out: Path, env: dict[str, str | None], *args: str) -> dict[str, Any]:
    result = hwb("build", src, "--wheel", "-o", out, "--json", *args, env=env)
    assert result.code == 0, result.stderr
    return dict(result.json)


def test_warm_environment_is_reused_offline_and_an_unchanged_build_is_served(hwb, project_copy, tmp_path,
                                                                           cache_env):  # fmt: skip
    src = project_copy("pure-hatch")
    first = _build(hwb, src, tmp_path / "o1", cache_env)
    assert [a["cached"] for a in first["artifacts"]] == [False]
    assert len(_envs(tmp_path)) == 1

    # Source changed, no network: the cached environment builds it without any installer run.
    (src / "src" / "pure_hatch" / "extra.py").write_text("VALUE = 2\n")
    warm = _build(hwb, src, tmp_path / "o2", {**cache_env, **OFFLINE})
    assert [a["cached"] for a in warm["artifacts"]] == [False]
    assert _envs(tmp_path) == _envs(tmp_path)[:1]
    assert warm["artifacts"][0]["sha256"] != first["artifacts"][0]["sha256"]

    # Nothing changed: served from the wheel cache, byte for byte, and said so.
    result = hwb("build", src, "--wheel", "-o", tmp_path / "o3", env={**cache_env, **OFFLINE})
    assert result.code == 0, result.stderr
    assert "(cached)" in result.stdout
    hit = _build(hwb, src, tmp_path / "o4", {**cache_env, **OFFLINE})
    assert [a["cached"] for a in hit["artifacts"]] == [True]
    assert _sha(hit["artifacts"][0]["path"]) == warm["artifacts"][0]["sha256"]
    assert "cache" in hit["timings"]
    assert "build" not in hit["timings"]
    stats = hwb("cache", "info", "--json", env=cache_env).json["stats"]
    assert stats == {"env_hits": 1, "env_misses": 1, "wheel_corrupt": 0, "wheel_hits": 2, "wheel_misses": 2}


def test_no_cache_and_refresh_skip_the_wheel_cache(hwb, project_copy, tmp_path, cache_env):
    src = project_copy("tiny-backend")
    _build(hwb, src, tmp_path / "o1", cache_env)
    assert [a["cached"] for a in _build(hwb, src, tmp_path / "o2", cache_env, "--no-cache")["artifacts"]] == [
        False
    ]
    assert [a["cached"] for a in _build(hwb, src, tmp_path / "o3", cache_env, "--refresh")["artifacts"]] == [
        False
    ]
    assert [a["cached"] for a in _build(hwb, src, tmp_path / "o4", cache_env)["artifacts"]] == [True]


def test_default_plan_caches_the_sdist_and_the_wheel(hwb, project_copy, tmp_path, cache_env):
    src = project_copy("tiny-backend")
    first = hwb("build", src, "-o", tmp_path / "o1", "--json", env=cache_env).json
    second = hwb("build", src, "-o", tmp_path / "o2", "--json", env=cache_env).json
    assert [a["filename"] for a in second["artifacts"]] == [a["filename"] for a in first["artifacts"]]
    assert [a["kind"] for a in second["artifacts"]] == ["sdist", "wheel"]
    assert [a["cached"] for a in second["artifacts"]] == [True, True]
    assert [a["sha256"] for a in second["artifacts"]] == [a["sha256"] for a in first["artifacts"]]
    wheel_only = hwb("build", src, "--wheel", "-o", tmp_path / "o3", "--json", env=cache_env).json
    assert [a["cached"] for a in wheel_only["artifacts"]] == [False]


def test_source_config_settings_env_and_interpreter_changes_miss(hwb, project_copy, tmp_path, cache_env):
    src = project_copy("tiny-backend")
    _build(hwb, src, tmp_path / "o", cache_env)

    def cached(*args: str, env: dict[str, str | None] | None = None) -> bool:
        report = _build(hwb, src, tmp_path / "o", {**cache_env, **(env or {})}, *args)
        return bool(report["artifacts"][0]["cached"])

    assert cached() is True
    assert cached("-C", "mode=noisy") is False  # config settings
    assert cached("-C", "mode=noisy") is True
    assert cached(env={"SOURCE_DATE_EPOCH": "1700000000"}) is False  # the environment is keyed
    assert cached(env={"MY_FEATURE": "on"}) is False  # any variable the backend may read
    assert cached(env={"MY_FEATURE": "on", "TERM": "dumb", "COLUMNS": "7"}) is True  # not these
    assert cached(env={"MY_FEATURE": "off", "HWB_CACHE_ENV_IGNORE": "MY_*"}) is True  # declared irrelevant
    (src / "tiny" / "__init__.py").write_text("CHANGED = True\n")  # source
    assert cached() is False
    assert cached() is True
    # Another interpreter (a venv's python is another executable): another environment too.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    other = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    before = _envs(tmp_path)
    assert cached("--python", str(other)) is False
    assert cached("--python", str(other)) is True
    assert len(_envs(tmp_path)) == len(before) + 1


def _scm_repo(tmp_path: Path) -> Path:
    """tiny-backend in a git repository, its version declared dynamic from setuptools-scm."""
    repo = tmp_path / "scm-repo"
    shutil.copytree(PACKAGES / "tiny-backend", repo)
    text = (repo / "pyproject.toml").read_text().replace('version = "0.3.0"', 'dynamic = ["version"]')
    (repo / "pyproject.toml").write_text(text + "\n[tool.setuptools_scm]\n")
    home = tmp_path / "git-home"
    home.mkdir(exist_ok=True)
    git(repo, "init", "-q", "-b", "main", home=home)
    git(repo, "add", "-A", home=home)
    git(repo, "commit", "-q", "-m", "initial", home=home)
    return repo


def test_a_new_commit_invalidates_an_scm_versioned_project_only(hwb, tmp_path, git_repo, cache_env):
    scm = _scm_repo(tmp_path)
    home = tmp_path / "git-home"
    for repo, expect_after_commit in ((scm, False), (git_repo, True)):
        _build(hwb, repo, tmp_path / "o", cache_env)
        assert _build(hwb, repo, tmp_path / "o", cache_env)["artifacts"][0]["cached"] is True
        git(repo, "commit", "-q", "--allow-empty", "-m", "another commit", home=home)
        assert _build(hwb, repo, tmp_path / "o", cache_env)["artifacts"][0]["cached"] is expect_after_commit


def test_a_corrupted_entry_is_rebuilt_never_served(hwb, project_copy, tmp_path, cache_env):
    src = project_copy("tiny-backend")
    good = _build(hwb, src, tmp_path / "o1", cache_env)["artifacts"][0]
    [stored] = (tmp_path / "cache" / "wheels").glob("*/*/*.whl")
    stored.write_bytes(b"not the wheel that was built")
    result = hwb("build", src, "--wheel", "-o", tmp_path / "o2", "--json", env=cache_env)
    assert result.code == 0, result.stderr
    artifact = result.json["artifacts"][0]
    assert artifact["cached"] is False
    assert artifact["filename"] == good["filename"]
    assert zipfile.is_zipfile(artifact["path"])  # built again, not the damaged bytes
    assert "corrupted cache entry" in result.stderr
    assert hwb("cache", "info", "--json", env=cache_env).json["stats"]["wheel_corrupt"] == 1
    assert _build(hwb, src, tmp_path / "o3", cache_env)["artifacts"][0]["cached"] is True


def test_concurrent_builds_share_one_environment(project_copy, tmp_path, cache_env):
    src = project_copy("pure-hatch")
    env = {**os.environ, "HWB_LOG_DIR": str(tmp_path / "logs"), **cache_env}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "headless_wheel_builder",
                "build",
                str(src),
                "--wheel",
                "-o",
                str(tmp_path / f"o{i}"),
                "--json",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    outputs = [proc.communicate(timeout=600) for proc in procs]
    for proc, (stdout, stderr) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, stderr
        assert json.loads(stdout)["artifacts"][0]["filename"].startswith("pure_hatch-2.1.0")
    assert len(_envs(tmp_path)) == 1
    stats = json.loads((tmp_path / "cache" / "stats.json").read_text())
    assert (stats["env_misses"], stats["env_hits"]) == (1, 1)


def test_cache_info_prune_clear(hwb, project_copy, tmp_path, cache_env):
    src = project_copy("tiny-backend")
    _build(hwb, src, tmp_path / "o", cache_env)
    _build(hwb, src, tmp_path / "o", cache_env, "-C", "mode=noisy")
    info = hwb("cache", "info", "--json", env=cache_env)
    assert info.code == 0, info.stderr
    data = info.json
    assert data["root"] == str(tmp_path / "cache")
    assert data["envs"]["count"] == 1
    assert data["wheels"]["count"] == 2
    assert data["total_size"] >= data["wheels"]["size"] > 0
    text = hwb("cache", "info", env=cache_env)
    assert "wheels:       2" in text.stdout

    assert hwb("cache", "prune", env=cache_env).code == 2  # needs a limit
    kept = hwb("cache", "prune", "--older-than", "1", "--json", env=cache_env).json
    assert kept["removed"] == []
    pruned = hwb("cache", "prune", "--max-size", "1", "--json", env=cache_env).json
    assert len(pruned["removed"]) == 3
    assert pruned["remaining"] == 0

    _build(hwb, src, tmp_path / "o", cache_env)
    other = tmp_path / "elsewhere"
    assert hwb("cache", "clear", "--cache-dir", other, "--json", env=cache_env).json["removed"] == []
    cleared = hwb("cache", "clear", "--json", env=cache_env)
    assert cleared.code == 0, cleared.stderr
    assert {e["kind"] for e in cleared.json["removed"]} == {"env", "wheel"}
    assert hwb("cache", "info", "--json", env=cache_env).json["entries"] == []


def test_an_editable_wheel_is_never_served_to_another_folder(hwb, tmp_path, cache_env):
    first, second = tmp_path / "a" / "pure-hatch", tmp_path / "b" / "pure-hatch"
    for folder in (first, second):
        shutil.copytree(PACKAGES / "pure-hatch", folder)
    report = hwb("build", first, "--editable", "-o", tmp_path / "o1", "--json", env=cache_env).json
    assert [a["cached"] for a in report["artifacts"]] == [False]
    again = hwb("build", first, "--editable", "-o", tmp_path / "o2", "--json", env=cache_env).json
    assert [a["cached"] for a in again["artifacts"]] == [True]
    other = hwb("build", second, "--editable", "-o", tmp_path / "o3", "--json", env=cache_env).json
    assert [a["cached"] for a in other["artifacts"]] == [False]


def _hook_calls(log_dir: Path) -> list[str]:
    """The hooks run by the newest build, from its log file."""
    newest = max(log_dir.glob("*.log"), key=lambda p: p.stat().st_mtime_ns)
    return [h for h in ("get_requires_for_build_wheel", "build_wheel") if f" {h} " in newest.read_text()]


def test_a_cached_environment_remembers_the_get_requires_answer(hwb, project_copy, tmp_path, cache_env):
    src = project_copy("pure-hatch")
    logs = tmp_path / "hwb-logs"
    _build(hwb, src, tmp_path / "o", cache_env)
    assert _hook_calls(logs) == ["get_requires_for_build_wheel", "build_wheel"]
    (src / "src" / "pure_hatch" / "extra.py").write_text("VALUE = 2\n")
    _build(hwb, src, tmp_path / "o", cache_env)
    assert _hook_calls(logs) == ["build_wheel"]  # the answer was remembered
    pyproject = src / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("2.1.0", "2.1.1"))
    _build(hwb, src, tmp_path / "o", cache_env)
    assert _hook_calls(logs) == ["get_requires_for_build_wheel", "build_wheel"]  # build files changed
    (src / "src" / "pure_hatch" / "extra.py").write_text("VALUE = 3\n")
    _build(hwb, src, tmp_path / "o", cache_env, "--refresh")
    assert _hook_calls(logs) == ["get_requires_for_build_wheel", "build_wheel"]
