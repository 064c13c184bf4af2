"""Real container builds: markupsafe (a C extension) built and repaired in Docker and Podman.

The image is the local ``hwb-test/py:bookworm`` that ``tasks.py test`` makes with debootstrap
(.ci/engines.py): no registry is reachable here.  Without an engine or the image the tests
skip with the reason, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

IMAGE = "hwb-test/py:bookworm"
SDIST = "markupsafe-3.0.4.tar.gz"
SDIST_SHA256 = "2e9ad7dd851bf45fab9f75cbff4cb493fee9979e8d8c7c9c3ee119022518edd6"
LABEL = "io.hwb.owner-pid"

pytestmark = [pytest.mark.slow, pytest.mark.network]


def _engine_problem(engine: str) -> str | None:
    exe = shutil.which(engine)
    if exe is None:
        return f"{engine} is not installed (tasks.py installs it as root with apt-get)"
    info = subprocess.run([exe, "info"], capture_output=True, text=True, check=False)
    if info.returncode != 0:
        return f"`{engine} info` failed: {info.stderr.strip().splitlines()[-1:]}"
    image = subprocess.run([exe, "image", "inspect", IMAGE], capture_output=True, check=False)
    if image.returncode != 0:
        return f"the image {IMAGE} is missing (tasks.py builds it with debootstrap)"
    return None


@pytest.fixture(params=["docker", "podman"])
def engine(request: pytest.FixtureRequest) -> str:
    problem = _engine_problem(request.param)
    if problem is not None:
        if os.environ.get("CI", "").lower() == "true" and request.param == "docker":
            pytest.fail(f"CI=true but docker cannot run container builds: {problem}")
        pytest.skip(problem)
    return str(request.param)


@pytest.fixture(scope="module")
def markupsafe_sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cached = Path.home() / ".cache" / "hwb-tests" / "corpus" / "sdists" / SDIST
    if not cached.is_file():
        folder = tmp_path_factory.mktemp("sdist")
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", "markupsafe",
                        "markupsafe==3.0.4", "-d", str(folder)], check=True, capture_output=True)  # fmt: skip
        cached = folder / SDIST
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == SDIST_SHA256
    return cached


def hwb_popen(
    *args: str | os.PathLike[str], tmp: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    full = {**os.environ, "HWB_LOG_DIR": str(tmp / "logs"), **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "headless_wheel_builder", *map(os.fspath, args)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full,
    )  # fmt: skip


def containers_of(engine: str, pid: int) -> list[str]:
    out = subprocess.run([engine, "ps", "-a", "-q", "--filter", f"label={LABEL}={pid}"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    return out.stdout.split()


def test_c_extension_is_built_and_repaired_in_the_container(engine, markupsafe_sdist, tmp_path):
    out = tmp_path / "out"
    proc = hwb_popen("build", markupsafe_sdist, "--isolation", engine, "--image", IMAGE, "--wheel",
                     "-o", out, "--json", tmp=tmp_path)  # fmt: skip
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    report = json.loads(stdout)
    assert report["isolation"]["kind"] == engine
    assert report["isolation"]["image"] == IMAGE
    (artifact,) = report["artifacts"]
    wheel = Path(artifact["path"])
    assert wheel.parent == out.resolve()
    # auditwheel ran in the container: a manylinux tag (which one depends on the image's glibc).
    assert "-manylinux" in wheel.name, wheel.name
    assert all("linux_x86_64" not in tag or "manylinux" in tag for tag in artifact["tags"])
    assert report["build"]["builds"][0]["repair"]["tool"] == "auditwheel"
    with zipfile.ZipFile(wheel) as archive:
        assert any(
            name.startswith("markupsafe/_speedups") and name.endswith(".so") for name in archive.namelist()
        )
    # Copied out with the engine's cp: the files belong to the calling user.
    for path in out.iterdir():
        assert (path.stat().st_uid, path.stat().st_gid) == (os.getuid(), os.getgid()), path
    assert containers_of(engine, proc.pid) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_build_leaves_no_container(markupsafe_sdist, tmp_path, sig):
    problem = _engine_problem("docker")
    if problem is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    out = tmp_path / "out"
    proc = hwb_popen("build", markupsafe_sdist, "--isolation", "docker", "--image", IMAGE, "--wheel",
                     "-o", out, "--before-all", "sleep 120", tmp=tmp_path)  # fmt: skip
    deadline = time.monotonic() + 60
    while not containers_of("docker", proc.pid):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no container was started"
        time.sleep(0.2)
    time.sleep(1.0)  # well inside the build now (the copies, the installs or before-all)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 128 + sig, stderr  # 130 for Ctrl-C, 143 for SIGTERM
    assert "interrupted" in stderr
    assert containers_of("docker", proc.pid) == []
    assert not list(out.glob("*.whl")) if out.exists() else True


def test_a_failed_build_in_the_container_keeps_its_error_class(engine, tmp_path):
    project = tmp_path / "broken"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "broken-ext"\nversion = "1.0"\n'
    )
    (project / "setup.py").write_text(
        "from setuptools import setup, Extension\nsetup(ext_modules=[Extension('broken', ['broken.c'])])\n"
    )
    (project / "broken.c").write_text("this is not C;\n")
    proc = hwb_popen("build", project, "--isolation", engine, "--image", IMAGE, "--wheel",
                     "-o", tmp_path / "out", "--json", tmp=tmp_path)  # fmt: skip
    stdout, stderr = proc.communicate(timeout=600)
    data = json.loads(stdout)
    # The matrix in the container reports the failed identifier; its class and code cross over.
    assert proc.returncode == 44, stderr
    assert data["error"] == "matrix-failed"
    assert data["message"].startswith("in the container:")
    assert containers_of(engine, proc.pid) == []
