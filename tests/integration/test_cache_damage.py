"""A damaged cache is found, repaired or removed (issue 24, family 3): environments are filled
with copies of uv's cached files, so a file edited in one environment damages neither uv's
cache nor another environment; ``--refresh`` remakes an environment from nothing; ``hwb cache
verify`` finds an edited environment file and a corrupt wheel; ``hwb cache remove NAME`` removes
one project's builds; ``hwb cache info`` counts every byte once; a full disk gets a disk hint.

Every test uses a private uv cache (``UV_CACHE_DIR``): an edit that reached uv's cache must never
damage the machine's."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture
def cache_env(tmp_path: Path) -> dict[str, str | None]:
    return {"HWB_CACHE": "true", "HWB_CACHE_DIR": str(tmp_path / "cache"),
            "UV_CACHE_DIR": str(tmp_path / "uv"), "UV_LINK_MODE": None}  # fmt: skip


def _site(cache: Path) -> Path:
    (site,) = cache.glob("envs/*/lib/python*/site-packages")
    return site


def test_an_edited_environment_file_is_found_and_refresh_repairs_it(hwb, project_copy, tmp_path, cache_env):
    src = project_copy("pure-hatch")
    first = hwb("build", src, "--wheel", "-o", tmp_path / "o1", env=cache_env)
    assert first.code == 0, first.stderr
    target = _site(tmp_path / "cache") / "hatchling" / "build.py"
    assert target.stat().st_nlink == 1  # a copy, not a hard link into uv's cache
    with target.open("a", encoding="utf-8") as fh:  # edited in place, as an editor or a patch would
        fh.write("\nraise RuntimeError('edited in place')\n")

    (src / "src" / "pure_hatch" / "extra.py").write_text("X = 1\n")  # not served from the wheel cache
    broken = hwb("build", src, "--wheel", "-o", tmp_path / "o2", env=cache_env)
    assert broken.code in (41, 42), broken.stderr  # the backend fails on import
    assert "edited in place" in broken.stderr

    found = hwb("cache", "verify", env=cache_env)
    assert found.code == 39, found.stderr
    assert "hatchling/build.py: modified" in found.stdout
    assert "hwb cache verify --remove" in found.stderr

    repaired = hwb("build", src, "--wheel", "-o", tmp_path / "o3", "--refresh", env=cache_env)
    assert repaired.code == 0, repaired.stderr
    assert "edited in place" not in target.read_text(encoding="utf-8")
    assert hwb("cache", "verify", env=cache_env).code == 0

    # uv's cache was never touched: a new hwb cache filled from the same uv cache builds.
    other = {**cache_env, "HWB_CACHE_DIR": str(tmp_path / "cache-b")}
    fresh = hwb("build", src, "--wheel", "-o", tmp_path / "o4", env=other)
    assert fresh.code == 0, fresh.stderr


def test_cache_verify_finds_a_corrupt_wheel_and_removes_damaged_entries(
    hwb, project_copy, tmp_path, cache_env
):
    src = project_copy("tiny-backend")
    assert hwb("build", src, "--wheel", "-o", tmp_path / "o", env=cache_env).code == 0
    (wheel,) = (tmp_path / "cache" / "wheels").glob("*/*/*.whl")
    data = bytearray(wheel.read_bytes())
    data[len(data) // 2] ^= 0xFF
    wheel.write_bytes(bytes(data))

    found = hwb("cache", "verify", "--json", env=cache_env)
    assert found.code == 39, found.stderr
    assert found.json["error"] == "cache-damaged"
    assert f"{wheel.name}: sha256" in found.json["why"]

    removed = hwb("cache", "verify", "--remove", "--json", env=cache_env)
    assert removed.code == 0, removed.stderr
    assert [(d["kind"], d["removed"]) for d in removed.json["damaged"]] == [("wheel", True)]
    assert not wheel.parent.exists()
    clean = hwb("cache", "verify", "--json", env=cache_env)
    assert clean.code == 0, clean.stderr
    assert clean.json["damaged"] == []
    assert clean.json["checked"] == 1  # the environment
    assert list((tmp_path / "cache").rglob(".tmp-*")) == []


def test_cache_remove_removes_one_projects_builds(hwb, project_copy, tmp_path, cache_env):
    for name in ("tiny-backend", "pure-hatch"):
        assert hwb("build", project_copy(name), "-o", tmp_path / name, env=cache_env).code == 0
    removed = hwb("cache", "remove", "Tiny_Pkg", "--json", env=cache_env)  # canonicalized: tiny-pkg
    assert removed.code == 0, removed.stderr
    labels = [e["label"] for e in removed.json["removed"]]
    assert labels == ["tiny_pkg-0.3.0.tar.gz, tiny_pkg-0.3.0-py3-none-any.whl"]
    labels = [e["label"] for e in hwb("cache", "info", "--json", env=cache_env).json["entries"]]
    assert any("pure_hatch" in label for label in labels)
    assert not any("tiny_pkg" in label for label in labels)

    none = hwb("cache", "remove", "tiny-pkg", env=cache_env)
    assert none.code == 0
    assert "Nothing to remove: 0 entries" in none.stdout
    assert hwb("cache", "remove", "not a name!", env=cache_env).code == 2


def test_cache_info_counts_every_byte_once(hwb, project_copy, tmp_path, cache_env):
    src = project_copy("tiny-backend")
    for args in ((), ("-C", "mode=noisy")):
        assert hwb("build", src, "-o", tmp_path / "o", *args, env=cache_env).code == 0
    data: dict[str, Any] = hwb("cache", "info", "--json", env=cache_env).json
    files = [p for p in (tmp_path / "cache").rglob("*") if not p.is_dir() or p.is_symlink()]
    on_disk = sum(p.lstat().st_size for p in files)
    assert data["total_size"] == on_disk
    assert data["total_size"] == data["envs"]["size"] + data["wheels"]["size"] + data["other_size"]


@pytest.fixture
def full_disk(tmp_path: Path) -> Any:
    """A 700 kB tmpfs: room for a virtual environment, not for hatchling."""
    mount = tmp_path / "small"
    mount.mkdir()
    if os.name != "posix" or shutil.which("mount") is None:
        pytest.skip("needs mount")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=700k", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {made.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_gets_a_disk_space_hint(hwb, project_copy, tmp_path, cache_env, full_disk):
    env = {**cache_env, "HWB_CACHE_DIR": str(full_disk / "cache")}
    result = hwb("build", project_copy("pure-hatch"), "--wheel", "-o", tmp_path / "o", env=env)
    assert result.code == 31, result.stderr
    assert "disk is full" in result.stderr
    assert "free space" in result.stderr
    assert "PIP_INDEX_URL" not in result.stderr  # not the index/network hint
