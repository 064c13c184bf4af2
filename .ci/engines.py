# ruff: noqa: T201, TID251
"""Container engines for the test suite (used by ``tasks.py test``; see docs/ISOLATION.md).

On a CI machine of the project's kind (root, apt-get, no systemd) this installs docker.io,
debootstrap, (where it installs) podman, and Debian's PyPy (``pypy3 pypy3-dev``, for
tests/integration/test_pypy.py), starts ``dockerd`` when it is not running, and makes
the local test image ``hwb-test/py:bookworm`` without any registry: debootstrap a minimal
Debian, install Python and a compiler in it, ``docker import`` it.  The image is cached as a
``docker save`` tarball under ``~/.cache/hwb-tests/images`` so later runs only load it.
:func:`stop` stops the daemon this module started, by its PID, and nothing else.

Anywhere else (no root, no apt-get) it does nothing: the container tests then skip with a
reason, or fail when ``CI=true``.
"""

from __future__ import annotations

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
CACHE = Path.home() / ".cache" / "hwb-tests"
TARBALL = CACHE / "images" / "py-bookworm.tar"
PACKAGES = "python3 python3-venv python3-pip python3-dev gcc g++ make patchelf"
#: Debian's PyPy (7.3, Python 3.9) and its headers: the PyPy builds of the test suite.
PYPY_PACKAGES = ["pypy3", "pypy3-dev"]


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


def start(*, podman: bool = True) -> Engines:
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
        _ensure_image()
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


def _ensure_image() -> None:
    if _ok("docker", "image", "inspect", IMAGE):
        return
    if TARBALL.is_file() and _run("docker", "load", "-q", "-i", str(TARBALL), check=False) == 0:
        return
    build_image()


def build_image() -> None:
    """debootstrap + chroot apt-get + docker import, then save the tarball to the cache."""
    say(f"building {IMAGE} with debootstrap (about 2 minutes, once)")
    work = Path(tempfile.mkdtemp(prefix="hwb-rootfs-"))
    rootfs = work / "rootfs"
    proc_mounted = False
    try:
        _run("debootstrap", "--variant=minbase", "bookworm", str(rootfs), debian_mirror(), quiet=True)
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
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        rc = subprocess.call(["docker", "import", "-", IMAGE], stdin=tar.stdout, stdout=subprocess.DEVNULL)
        assert tar.stdout is not None
        tar.stdout.close()
        if tar.wait() != 0 or rc != 0:
            raise RuntimeError("docker import failed")
        TARBALL.parent.mkdir(parents=True, exist_ok=True)
        partial = TARBALL.with_suffix(".tar.partial")
        _run("docker", "save", "-o", str(partial), IMAGE)
        partial.replace(TARBALL)
        say(f"{IMAGE} built; cached in {TARBALL}")
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
