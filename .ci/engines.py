# ruff: noqa: T201, TID251
"""Container engines for the test suite (used by ``tasks.py test``; see docs/ISOLATION.md).

On a CI machine of the project's kind (root, apt-get, no systemd) this installs docker.io,
debootstrap, (where it installs) podman, and Debian's PyPy (``pypy3 pypy3-dev``, for
tests/integration/test_pypy.py), starts ``dockerd`` when it is not running, and makes
the local test image ``hwb-test/py:bookworm`` without any registry: debootstrap a minimal
Debian, install Python and a compiler in it, load it as an image.  The image is cached as a
``docker save`` tarball under ``~/.cache/hwb-tests/images`` so later runs only load it.

For the emulated-architecture tests it also registers QEMU with binfmt_misc (apt
``qemu-user-static binfmt-support``, mounting ``/proc/sys/fs/binfmt_misc`` when it is empty) and
makes ``hwb-test/py:bookworm-arm64`` the same way under emulation (``debootstrap --foreign`` and
its second stage run through QEMU: slow, so once, then cached); its image config says
``arm64`` so ``docker image inspect`` reports the architecture hwb checks.
:func:`stop` stops the daemon this module started, by its PID, and nothing else.

Anywhere else (no root, no apt-get) it does nothing: the container tests then skip with a
reason, or fail when ``CI=true``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

IMAGE = "hwb-test/py:bookworm"
IMAGE_ARM64 = "hwb-test/py:bookworm-arm64"
CACHE = Path.home() / ".cache" / "hwb-tests"
TARBALL = CACHE / "images" / "py-bookworm.tar"
TARBALL_ARM64 = CACHE / "images" / "py-bookworm-arm64.tar"
PACKAGES = "python3 python3-venv python3-pip python3-dev gcc g++ make patchelf"
#: Debian's PyPy (7.3, Python 3.9) and its headers: the PyPy builds of the test suite.
PYPY_PACKAGES = ["pypy3", "pypy3-dev"]
BINFMT = Path("/proc/sys/fs/binfmt_misc")


@dataclass(frozen=True)
class TestImage:
    name: str
    tarball: Path
    debian_arch: str
    """debootstrap's --arch (Debian's name)."""
    docker_arch: str
    """The image config's architecture (what ``docker image inspect`` reports)."""
    variant: str = ""


HOST_DEBIAN_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, "amd64")
NATIVE = TestImage(IMAGE, TARBALL, HOST_DEBIAN_ARCH, HOST_DEBIAN_ARCH)
ARM64 = TestImage(IMAGE_ARM64, TARBALL_ARM64, "arm64", "arm64", "v8")


@dataclass
class Engines:
    dockerd: subprocess.Popen[bytes] | None = None
    """The daemon this run started (None: it was already running, or none was started)."""


def say(message: str) -> None:
    print(f"[engines] {message}", flush=True)


def _run(*args: str, check: bool = True, quiet: bool = False, env: dict[str, str] | None = None) -> int:
    if not quiet:
        say("+ " + " ".join(args))
    out = subprocess.DEVNULL if quiet else None
    rc = subprocess.call(list(args), stdout=out, stderr=out, env=env)
    if check and rc != 0:
        raise RuntimeError(f"{' '.join(args)} exited with {rc}")
    return rc


def _ok(*args: str) -> bool:
    try:
        return _run(*args, check=False, quiet=True) == 0
    except OSError:
        return False


def can_provision() -> tuple[bool, str]:
    if os.name != "posix" or os.geteuid() != 0:
        return False, "not running as root"
    if shutil.which("apt-get") is None:
        return False, "apt-get is not available"
    return True, ""


def _apt_install(packages: list[str], updated: list[bool]) -> bool:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    say(f"apt-get install {' '.join(packages)}")
    if not updated:
        _run("apt-get", "update", "-qq", check=False, env=env, quiet=True)
        updated.append(True)
    return _run("apt-get", "install", "-y", "-qq", *packages, check=False, env=env, quiet=True) == 0


def debian_mirror() -> str:
    """The Debian mirror URI of the host's apt sources (deb822 or one-line format)."""
    texts = []
    for path in [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]:
        if path.is_file():
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    for text in texts:
        for block in re.split(r"\n\s*\n", text):
            uris = re.search(r"^URIs:\s*(\S+)", block, re.M)
            suites = re.search(r"^Suites:\s*(.+)$", block, re.M)
            if uris and suites and "bookworm" in suites.group(1).split():
                return uris.group(1)
        for line in text.splitlines():
            match = re.match(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+bookworm\s", line)
            if match:
                return match.group(1)
    return "http://deb.debian.org/debian"


def start(*, podman: bool = True, emulation: bool = True) -> Engines:
    """Make docker (and podman) usable with the test image; never raises."""
    engines = Engines()
    possible, reason = can_provision()
    if not possible:
        say(f"not provisioning container engines: {reason} (container tests will skip)")
        return engines
    try:
        updated: list[bool] = []
        missing = [pkg for pkg, exe in (("docker.io", "dockerd"), ("debootstrap", "debootstrap"))
                   if shutil.which(exe) is None]  # fmt: skip
        if missing:
            _apt_install(missing, updated)
        if podman and shutil.which("podman") is None and not _apt_install(["podman"], updated):
            say("podman could not be installed; its tests will skip")
        _install_pypy(updated)
        if not _ok("docker", "info"):
            engines.dockerd = _start_dockerd()
        _ensure_image(NATIVE)
        if emulation:
            _ensure_emulated_image(updated)
        if shutil.which("podman") and not _ok("podman", "image", "exists", IMAGE) and TARBALL.is_file():
            _run("podman", "load", "-q", "-i", str(TARBALL), check=False)
    except (OSError, RuntimeError) as exc:
        say(f"container engines are not ready: {exc}")
    return engines


def _install_pypy(updated: list[bool]) -> None:
    """``pypy3`` and its headers (``pypy3-dev``) unless both are there."""
    if shutil.which("pypy3") and list(Path("/usr/include").glob("pypy3*/Python.h")):
        return
    if not _apt_install(PYPY_PACKAGES, updated):
        say("pypy3 could not be installed; the PyPy tests will skip (and fail with CI=true)")


def _start_dockerd() -> subprocess.Popen[bytes] | None:
    dockerd = shutil.which("dockerd")
    if dockerd is None:
        say("dockerd is not installed")
        return None
    log = CACHE / "dockerd.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    say(f"starting dockerd (log: {log})")
    with open(log, "ab") as handle:
        proc = subprocess.Popen([dockerd], stdout=handle, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if _ok("docker", "info"):
            return proc
        if proc.poll() is not None:
            say(f"dockerd exited with {proc.returncode}; see {log}")
            return None
        time.sleep(0.5)
    say("dockerd did not become ready in 60 s")
    _terminate(proc)
    return None


def _ensure_image(image: TestImage) -> None:
    if _ok("docker", "image", "inspect", image.name):
        return
    if image.tarball.is_file() and _run("docker", "load", "-q", "-i", str(image.tarball), check=False) == 0:
        return
    build_image(image)


def binfmt_ready(machine: str = "aarch64") -> tuple[bool, str]:
    """Whether the kernel runs ``machine`` binaries in containers: a QEMU handler that is enabled
    and has the F (fix binary) flag, so it works inside a container's filesystem too."""
    entry = BINFMT / f"qemu-{machine}"
    if not (BINFMT / "register").exists():
        return False, f"binfmt_misc is not mounted at {BINFMT}"
    if not entry.is_file():
        return False, f"no QEMU handler registered for {machine} ({entry} is missing)"
    text = entry.read_text(encoding="utf-8", errors="replace")
    if not text.startswith("enabled"):
        return False, f"{entry} is disabled"
    flags = re.search(r"^flags:\s*(\S*)", text, re.M)
    if flags is None or "F" not in flags.group(1):
        return False, f"{entry} lacks the F flag, so containers cannot use it"
    return True, ""


def ensure_binfmt(updated: list[bool]) -> tuple[bool, str]:
    """Register QEMU's handlers with binfmt_misc (Debian's qemu-user-static uses the F flag)."""
    ready, reason = binfmt_ready()
    if ready:
        return ready, reason
    if shutil.which("update-binfmts") is None or not Path("/usr/bin/qemu-aarch64-static").exists():
        _apt_install(["qemu-user-static", "binfmt-support"], updated)
    if not (BINFMT / "register").exists():
        _run("mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT), check=False)
    if shutil.which("update-binfmts") is not None:
        _run("update-binfmts", "--enable", check=False, quiet=True)
    return binfmt_ready()


def _ensure_emulated_image(updated: list[bool]) -> None:
    if _ok("docker", "image", "inspect", ARM64.name):
        return
    if ARM64.tarball.is_file() and _run("docker", "load", "-q", "-i", str(ARM64.tarball), check=False) == 0:
        return
    ready, reason = ensure_binfmt(updated)
    if not ready:
        say(f"not building {ARM64.name}: {reason} (the emulation tests will skip)")
        return
    build_image(ARM64)


def _debootstrap(image: TestImage, rootfs: Path) -> None:
    """A minimal Debian of the image's architecture; a foreign one's second stage runs under QEMU."""
    base = ["debootstrap", "--variant=minbase", f"--arch={image.debian_arch}"]
    if image.debian_arch == HOST_DEBIAN_ARCH:
        _run(*base, "bookworm", str(rootfs), debian_mirror(), quiet=True)
        return
    _run(*base, "--foreign", "bookworm", str(rootfs), debian_mirror(), quiet=True)
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}
    _run("chroot", str(rootfs), "/debootstrap/debootstrap", "--second-stage", env=env, quiet=True)


def _write_image_tarball(image: TestImage, rootfs: Path, tarball: Path) -> None:
    """A ``docker save`` tarball of one layer whose config names the image's architecture
    (``docker import --platform`` is ignored by daemons that are not multi-platform)."""
    work = Path(tempfile.mkdtemp(prefix="hwb-image-", dir=tarball.parent))
    try:
        (work / "layer").mkdir()
        layer = work / "layer" / "layer.tar"
        _run("tar", "--numeric-owner", "-C", str(rootfs), "-cf", str(layer), ".", quiet=True)
        digest = hashlib.sha256()
        with open(layer, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        config = {
            "architecture": image.docker_arch,
            "os": "linux",
            "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
            "rootfs": {"type": "layers", "diff_ids": [f"sha256:{digest.hexdigest()}"]},
            "history": [{"created_by": "hwb .ci/engines.py: debootstrap bookworm"}],
        }
        if image.variant:
            config["variant"] = image.variant
        raw = json.dumps(config).encode()
        config_name = f"{hashlib.sha256(raw).hexdigest()}.json"
        (work / config_name).write_bytes(raw)
        manifest = [{"Config": config_name, "RepoTags": [image.name], "Layers": ["layer/layer.tar"]}]
        (work / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        partial = tarball.with_suffix(".tar.partial")
        _run("tar", "-C", str(work), "-cf", str(partial), "manifest.json", config_name, "layer", quiet=True)
        partial.replace(tarball)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def build_image(image: TestImage = NATIVE) -> None:
    """debootstrap + chroot apt-get, then a ``docker save`` tarball in the cache that is loaded."""
    emulated = image.debian_arch != HOST_DEBIAN_ARCH
    duration = "under QEMU, about 7 minutes" if emulated else "about 2 minutes"
    say(f"building {image.name} with debootstrap ({duration}, once)")
    work = Path(tempfile.mkdtemp(prefix="hwb-rootfs-"))
    rootfs = work / "rootfs"
    proc_mounted = False
    try:
        _debootstrap(image, rootfs)
        shutil.copy("/etc/resolv.conf", rootfs / "etc" / "resolv.conf")
        _run("mount", "-t", "proc", "proc", str(rootfs / "proc"))
        proc_mounted = True
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"}
        _run("chroot", str(rootfs), "apt-get", "update", "-q", env=env, quiet=True)
        _run("chroot", str(rootfs), "apt-get", "install", "-y", "-q", "--no-install-recommends",
             *PACKAGES.split(), env=env, quiet=True)  # fmt: skip
        _run("chroot", str(rootfs), "apt-get", "clean", env=env, quiet=True)
        _run("umount", str(rootfs / "proc"))
        proc_mounted = False
        for folder in ("var/lib/apt/lists", "var/cache/apt"):
            shutil.rmtree(rootfs / folder, ignore_errors=True)
        image.tarball.parent.mkdir(parents=True, exist_ok=True)
        _write_image_tarball(image, rootfs, image.tarball)
        _run("docker", "load", "-q", "-i", str(image.tarball))
        say(f"{image.name} built; cached in {image.tarball}")
    finally:
        if proc_mounted:
            _run("umount", "-l", str(rootfs / "proc"), check=False)
        shutil.rmtree(work, ignore_errors=True)


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def stop(engines: Engines) -> None:
    """Stop the daemon :func:`start` started (by its PID), if it started one."""
    if engines.dockerd is not None:
        say(f"stopping dockerd (pid {engines.dockerd.pid})")
        _terminate(engines.dockerd)
        engines.dockerd = None


if __name__ == "__main__":
    # `python3 .ci/engines.py` provisions and leaves the daemon running (for development).
    started = start()
    sys.exit(0)
