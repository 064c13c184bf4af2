"""Container errors a user meets, through the real CLI: no engine, daemon not running, image
missing offline; and ``--isolation auto`` falling back to a virtual environment."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ENGINE_NAMES = {"docker", "dockerd", "podman"}


@pytest.fixture
def no_engine_path(tmp_path: Path) -> str:
    """This PATH with every program linked into one folder, except docker and podman."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not directory or not Path(directory).is_dir():
            continue
        for entry in Path(directory).iterdir():
            target = folder / entry.name
            if entry.name not in ENGINE_NAMES and not target.exists() and not target.is_symlink():
                target.symlink_to(entry)
    return str(folder)


def test_no_engine_installed(hwb, packages, tmp_path, no_engine_path):
    result = hwb("build", packages / "an-c-extension", "--isolation", "docker", "-o", tmp_path / "out",
                 env={"PATH": no_engine_path})  # fmt: skip
    assert result.code == 35, result.stderr
    assert "error: no container engine found (docker): docker is not on PATH" in result.stderr
    assert "hint: install Docker" in result.stderr
    assert "--isolation venv" in result.stderr
    assert not (tmp_path / "out").exists()


def test_docker_daemon_not_running(hwb, packages, tmp_path):
    if shutil.which("docker") is None:
        pytest.skip("docker is not installed")
    result = hwb("build", packages / "an-c-extension", "--isolation", "docker", "-o", tmp_path / "out",
                 env={"DOCKER_HOST": f"unix://{tmp_path}/no-daemon.sock"})  # fmt: skip
    assert result.code == 36, result.stderr
    assert "error: the Docker daemon is not running" in result.stderr
    assert "hint: start it" in result.stderr
    assert "--isolation podman" in result.stderr


def test_image_missing_and_registry_unreachable(hwb, packages, tmp_path):
    if shutil.which("docker") is None or hwb("build", "--help").code != 0:
        pytest.skip("docker is not installed")
    import subprocess

    if subprocess.run(["docker", "info"], capture_output=True, check=False).returncode != 0:
        pytest.skip("the docker daemon is not running")
    result = hwb("build", packages / "an-c-extension", "--isolation", "docker", "--image",
                 "registry.invalid/hwb/none:1", "-o", tmp_path / "out")  # fmt: skip
    assert result.code == 37, result.stderr
    assert "error: the image registry.invalid/hwb/none:1 is not here and could not be pulled" in result.stderr
    assert "docker save" in result.stderr


def test_auto_falls_back_to_a_venv_and_repairs_with_a_warning(hwb, packages, tmp_path, no_engine_path):
    out = tmp_path / "out"
    result = hwb("build", packages / "an-c-extension", "--isolation", "auto", "--wheel", "-o", out,
                 env={"PATH": no_engine_path})  # fmt: skip
    assert result.code == 0, result.stderr
    assert "not in a manylinux_2_28 container" in result.stderr
    assert "install Docker or Podman" in result.stderr
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1
    # Repaired on the host: the most portable tag this machine's glibc allows, not linux_*.
    assert "manylinux" in wheels[0].name, wheels[0].name


def test_auto_uses_a_venv_for_a_pure_project(hwb, packages, tmp_path, no_engine_path):
    result = hwb("build", packages / "pure-hatch", "--isolation", "auto", "--wheel", "-o", tmp_path / "out",
                 "-v", env={"PATH": no_engine_path})  # fmt: skip
    assert result.code == 0, result.stderr
    assert "container" not in result.stderr.lower().replace("no container needed", "")
    assert list((tmp_path / "out").glob("*-none-any.whl"))


def test_inspect_shows_the_isolation_choice(hwb, packages, no_engine_path):
    result = hwb("inspect", packages / "an-c-extension", "--json", env={"PATH": no_engine_path})
    assert result.code == 0, result.stderr
    choice = result.json["isolation_recommended"]  # what --isolation auto would do
    assert choice["kind"] == "venv"
    assert "no working container engine" in choice["reason"]
    assert "install Docker or Podman" in choice["warning"]
    # What hwb build will use: its default, venv, named as such.
    assert result.json["isolation_choice"]["reason"] == "the default of hwb build: --isolation venv"
    pure = hwb("inspect", packages / "pure-hatch", env={"PATH": no_engine_path})
    assert "isolation:        venv (the default of hwb build: --isolation venv)" in pure.stdout
    assert "recommended:" not in pure.stdout  # auto would choose the same


def test_inspect_names_the_isolation_the_build_will_use(hwb, packages, tmp_path):
    """A platform project with an engine at hand: auto recommends a container, but hwb build
    runs in a venv unless asked; inspect says both, and with isolation-mode set, that one."""
    result = hwb("inspect", packages / "an-c-extension")
    assert result.code == 0, result.stderr
    assert "isolation:        venv (the default of hwb build: --isolation venv)" in result.stdout
    assert "recommended:      docker with --isolation auto" in result.stdout
    config = tmp_path / "hwb.toml"
    config.write_text('isolation-mode = "docker"\n')
    configured = hwb("inspect", packages / "an-c-extension", "--config", config, "--json")
    assert configured.json["isolation_choice"]["kind"] == "docker"
    assert configured.json["isolation_choice"]["reason"] == "asked for (--isolation docker)"
