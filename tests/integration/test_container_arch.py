"""Other architectures in containers (issue 18, family 2): a real aarch64 build under QEMU, and
images of the wrong architecture refused before anything is built.

The images are the local ``hwb-test/py:bookworm`` (x86_64) and ``hwb-test/py:bookworm-arm64``
that .ci/engines.py makes with debootstrap (the second under QEMU) — no registry is reachable
here.  QEMU is Debian's ``qemu-user-static``, registered in binfmt_misc with the F flag by
.ci/engines.py.  The tests skip only where that cannot be set up (no root, no binfmt_misc);
with ``CI=true`` they fail where the setup should have worked (root with apt-get).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, HwbResult

NATIVE_IMAGE = "hwb-test/py:bookworm"
ARM64_IMAGE = "hwb-test/py:bookworm-arm64"
PROJECT = ROOT / "tests" / "packages" / "an-c-extension"
BINFMT = Path("/proc/sys/fs/binfmt_misc")
EM_AARCH64 = 183

pytestmark = [pytest.mark.slow]


def _setup_should_work() -> bool:
    """Where .ci/engines.py provisions (root with apt-get) and the kernel has binfmt_misc."""
    return os.geteuid() == 0 and shutil.which("apt-get") is not None and BINFMT.is_dir()


def _need(problem: str | None) -> None:
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true" and _setup_should_work():
        pytest.fail(f"CI=true and this machine can emulate aarch64, but: {problem}")
    pytest.skip(problem)


def _docker_problem(*images: str) -> str | None:
    if shutil.which("docker") is None:
        return "docker is not installed (tasks.py installs it as root with apt-get)"
    if subprocess.run(["docker", "info"], capture_output=True, check=False).returncode != 0:
        return "`docker info` failed: the daemon is not running"
    for image in images:
        if subprocess.run(["docker", "image", "inspect", image], capture_output=True, check=False).returncode:
            return f"the image {image} is missing (.ci/engines.py builds it with debootstrap)"
    return None


def _binfmt_problem() -> str | None:
    """Whether the kernel runs aarch64 binaries in containers, read here independently of hwb."""
    entry = BINFMT / "qemu-aarch64"
    if not (BINFMT / "register").exists():
        return f"the kernel cannot register binfmt handlers here ({BINFMT} is not mounted)"
    if not entry.is_file():
        return f"no qemu-aarch64 binfmt handler ({entry}; .ci/engines.py registers qemu-user-static's)"
    text = entry.read_text()
    flags = next((line for line in text.splitlines() if line.startswith("flags:")), "")
    if not text.startswith("enabled") or "F" not in flags:
        return f"{entry} is not enabled with the F flag: {text!r}"
    return None


def _refused(proc: HwbResult, out: Path) -> dict[str, object]:
    assert proc.code == 37, proc.stderr
    error = json.loads(proc.stdout)
    assert error["error"] == "container-image"
    assert not out.exists() or not any(out.iterdir())  # nothing built, nothing placed
    return dict(error)


def test_an_x86_64_image_is_refused_for_aarch64(hwb, tmp_path):
    _need(_docker_problem(NATIVE_IMAGE))
    out = tmp_path / "out"
    proc = hwb("build", PROJECT, "--isolation", "docker", "--image", NATIVE_IMAGE, "--arch", "aarch64",
               "--wheel", "-o", out, "--json", timeout=120)  # fmt: skip
    error = _refused(proc, out)
    assert "is for x86_64, not aarch64" in str(error["message"])
    assert "amd64" in str(error["why"])
    assert "--platform linux/arm64" in str(error["hint"])


def test_an_arm64_image_is_refused_for_x86_64(hwb, tmp_path):
    _need(_docker_problem(ARM64_IMAGE))
    for arch in (["--arch", "x86_64"], []):  # asked for, and this machine's by default
        out = tmp_path / f"out{len(arch)}"
        proc = hwb("build", PROJECT, "--isolation", "docker", "--image", ARM64_IMAGE, *arch,
                   "--wheel", "-o", out, "--json", timeout=120)  # fmt: skip
        error = _refused(proc, out)
        assert "is for aarch64, not x86_64" in str(error["message"])
        assert "--arch aarch64" in str(error["hint"])


def test_without_an_image_the_official_aarch64_one_is_asked_for(hwb, tmp_path):
    """No registry here: the pull of the official aarch64 image fails, naming it."""
    try:
        socket.getaddrinfo("quay.io", 443)
    except OSError:
        pass
    else:
        pytest.skip("quay.io is reachable: pulling the real image is not this test's business")
    _need(_docker_problem())
    out = tmp_path / "out"
    proc = hwb("build", PROJECT, "--isolation", "docker", "--arch", "aarch64", "--wheel", "-o", out,
               "--json", timeout=300)  # fmt: skip
    assert proc.code == 37, proc.stderr
    assert "quay.io/pypa/manylinux_2_28_aarch64:" in json.loads(proc.stdout)["message"]
    proc = hwb("build", PROJECT, "--isolation", "docker", "--arch", "aarch64", "--manylinux", "musllinux_1_2",
               "--wheel", "-o", out, "--json", timeout=300)  # fmt: skip
    assert proc.code == 37, proc.stderr
    assert "quay.io/pypa/musllinux_1_2_aarch64:" in json.loads(proc.stdout)["message"]


def _so_machines(wheel: Path) -> dict[str, int]:
    with zipfile.ZipFile(wheel) as archive:
        return {
            name: int.from_bytes(archive.read(name)[18:20], "little")
            for name in archive.namelist()
            if name.endswith(".so")
        }


@pytest.mark.emulated
@pytest.mark.network
def test_a_c_extension_is_built_for_aarch64_under_qemu_and_imports_there(hwb, tmp_path):
    _need(_binfmt_problem() or _docker_problem(ARM64_IMAGE))
    out = tmp_path / "out"
    # --no-cache: a wheel cached by an earlier run would prove nothing about this one.
    proc = hwb("build", PROJECT, "--isolation", "docker", "--image", ARM64_IMAGE, "--arch", "aarch64",
               "--wheel", "--no-cache", "-o", out, "--json", timeout=3000)  # fmt: skip
    assert proc.code == 0, proc.stderr
    report = json.loads(proc.stdout)
    (artifact,) = report["artifacts"]
    wheel = Path(artifact["path"])
    # Repaired by auditwheel in the container to a manylinux tag of aarch64 (which glibc version
    # depends on bookworm's symbols the extension uses).
    assert wheel.name.startswith("an_c_extension-3.0.4-cp311-cp311-manylinux"), wheel.name
    assert wheel.name.endswith("_aarch64.whl"), wheel.name
    assert report["build"]["builds"][0]["repair"]["tool"] == "auditwheel"
    machines = _so_machines(wheel)
    assert machines, wheel
    assert set(machines.values()) == {EM_AARCH64}, machines
    # The peer's verdict: auditwheel (on the host, reading the ELF files) agrees with the tag.
    shown = subprocess.run([sys.executable, "-m", "auditwheel", "show", str(wheel)],
                           capture_output=True, text=True, check=False)  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    tags = wheel.name.removesuffix(".whl").split("-")[-1].split(".")
    assert any(f'"{tag}"' in shown.stdout for tag in tags), shown.stdout
    # Installed and imported in the arm64 container, under QEMU.
    script = (
        "python3 -m venv /v && /v/bin/pip install -q --no-index /w/*.whl && /v/bin/python -c "
        "'import platform, an_c_extension._speedups as s; print(platform.machine(), s.built_for())'"
    )
    mount = f"type=bind,source={out},target=/w,readonly"
    run = subprocess.run(
        ["docker", "run", "--rm", "--platform", "linux/arm64", "--mount", mount, ARM64_IMAGE,
         "sh", "-c", script],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    # the interpreter runs as aarch64 and the extension says it was compiled for aarch64
    assert run.stdout.split() == ["aarch64", "aarch64"], run.stdout
