"""hwb as a user without a home: a uid no passwd file knows, ``HOME=/`` — what ``docker run --user``
gives.  The build works, with its cache in a private temporary folder and one warning; a named
cache folder it cannot write is error 4 naming the variable, never an internal error."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PACKAGES, ROOT

UID = 12345


def _as_stranger(args: list[str], cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {"HOME": "/", "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
           "PYTHONPATH": str(ROOT / "src"), "LANG": "C.UTF-8", **extra}
    return subprocess.run(
        ["setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups",
         sys.executable, "-m", "headless_wheel_builder", *args],
        capture_output=True, text=True, check=False, env=env, cwd=cwd, timeout=600,
    )


def _problem() -> str | None:
    if os.name != "posix" or os.geteuid() != 0 or shutil.which("setpriv") is None:
        return "needs root and setpriv to run hwb as another uid"
    probe = subprocess.run(["setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups",
                            sys.executable, "-c", "import headless_wheel_builder"],
                           env={"PYTHONPATH": str(ROOT / "src")}, capture_output=True, check=False)
    if probe.returncode != 0:
        return f"this checkout or its Python cannot be read by uid {UID}: {probe.stderr.decode()[-200:]}"
    return None


def _python_for_stranger() -> str | None:
    """A Python that uid 12345 can run with its standard library (pyenv's may sit under /root)."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        ok = subprocess.run(["setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups", candidate,
                             "-c", "import venv, sys; assert sys.version_info >= (3, 8)"],
                            capture_output=True, check=False) if Path(candidate).exists() else None
        if ok is not None and ok.returncode == 0:
            return candidate
    return None


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Path]:
    """A folder every uid can use (pytest's tmp_path is private to root), with a project in it."""
    folder = Path(tempfile.mkdtemp(prefix="hwb-stranger-"))
    folder.chmod(0o777)
    shutil.copytree(PACKAGES / "tiny-backend", folder / "project")
    for path in (folder / "project").rglob("*"):
        path.chmod(0o777 if path.is_dir() else 0o666)
    (folder / "project").chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(Path(tempfile.gettempdir()) / f"hwb-{UID}", ignore_errors=True)


@pytest.mark.slow
def test_a_uid_without_a_home_builds_with_its_cache_in_a_private_temporary_folder(shared: Path) -> None:
    problem = _problem()
    python = _python_for_stranger()
    if problem or python is None:
        pytest.skip(problem or f"no Python here that uid {UID} can run")
    shutil.rmtree(Path(tempfile.gettempdir()) / f"hwb-{UID}", ignore_errors=True)
    done = _as_stranger(["build", "project", "-o", "out", "--python", python], cwd=shared)
    assert done.returncode == 0, done.stderr
    assert "internal error" not in done.stderr
    cache = Path(tempfile.gettempdir()) / f"hwb-{UID}"
    assert f"temporary folder {cache}" in done.stderr
    assert "HWB_CACHE_DIR" in done.stderr
    assert sorted(p.name for p in (shared / "out").iterdir()) == [
        "tiny_pkg-0.3.0-py3-none-any.whl", "tiny_pkg-0.3.0.tar.gz"]
    assert cache.stat().st_uid == UID
    assert cache.stat().st_mode & 0o777 == 0o700
    assert list((cache / "logs").glob("*.log")), "the build's log is kept in the same folder"
    assert (cache / "uv").is_dir(), "uv's cache follows hwb's when the home cannot hold it"

    # the documented variable moves everything there; an unwritable one is error 4 naming it
    named = _as_stranger(["build", "project", "-o", "out2", "--python", python], cwd=shared,
                         HWB_CACHE_DIR=str(shared / "cache"))
    assert named.returncode == 0, named.stderr
    assert "temporary folder" not in named.stderr
    assert list((shared / "cache" / "logs").glob("*.log"))
    refused = _as_stranger(["build", "project", "-o", "out3", "--python", python], cwd=shared,
                           HWB_CACHE_DIR="/root/hwb-cache")
    assert refused.returncode == 4, refused.stderr
    assert "HWB_CACHE_DIR" in refused.stderr
    assert "internal error" not in refused.stderr
    assert not (shared / "out3").exists()
