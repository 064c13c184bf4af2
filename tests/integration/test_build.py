"""`hwb build` end to end through the real CLI: real backends, real environments."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_default_builds_sdist_then_wheel_from_it(hwb, project_copy, tmp_path):
    src = project_copy("tiny-backend")
    out = tmp_path / "dist"
    result = hwb("build", src, "--outdir", out, "--json")
    assert result.code == 0, result.stderr
    assert _files(out) == ["tiny_pkg-0.3.0-py3-none-any.whl", "tiny_pkg-0.3.0.tar.gz"]
    report = result.json
    assert report["ok"] is True
    kinds = [a["kind"] for a in report["artifacts"]]
    assert kinds == ["sdist", "wheel"]
    for artifact in report["artifacts"]:
        path = Path(artifact["path"])
        assert path.parent == out.resolve()
        assert artifact["size"] == path.stat().st_size
        assert artifact["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert artifact["backend"] == "tinybackend"
        assert artifact["python"] == ".".join(map(str, sys.version_info[:3]))
    assert report["artifacts"][1]["tags"] == ["py3-none-any"]
    assert {"resolve", "env", "build", "validate"} <= set(report["timings"])
    assert report["installer"] == "uv"


def test_wheel_is_built_from_the_sdist_not_the_tree(hwb, project_copy, tmp_path):
    src = project_copy("tiny-backend")
    # A file that is in the tree but not in the sdist: the default build must not see it.
    (src / "tiny" / "__init__.py").write_text("VALUE = 43\n")
    result = hwb("build", src, "--outdir", tmp_path / "dist")
    assert result.code == 0, result.stderr
    with tarfile.open(tmp_path / "dist" / "tiny_pkg-0.3.0.tar.gz") as tf:
        member = tf.extractfile("tiny_pkg-0.3.0/tiny/__init__.py")
        assert member is not None
        assert member.read() == b"VALUE = 43\n"
    assert "Successfully built tiny_pkg-0.3.0.tar.gz and tiny_pkg-0.3.0-py3-none-any.whl" in result.stdout


@pytest.mark.parametrize(("flag", "expected"), [
    ("--wheel", ["tiny_pkg-0.3.0-py3-none-any.whl"]),
    ("--sdist", ["tiny_pkg-0.3.0.tar.gz"]),
])
def test_single_distribution(hwb, project_copy, tmp_path, flag, expected):
    result = hwb("build", project_copy("tiny-backend"), flag, "-o", tmp_path / "out")
    assert result.code == 0, result.stderr
    assert _files(tmp_path / "out") == expected


def test_sdist_source_builds_the_wheel(hwb, project_copy, tmp_path):
    first = hwb("build", project_copy("tiny-backend"), "--sdist", "-o", tmp_path / "sd")
    assert first.code == 0, first.stderr
    result = hwb("build", tmp_path / "sd" / "tiny_pkg-0.3.0.tar.gz", "-o", tmp_path / "wh", "--json")
    assert result.code == 0, result.stderr
    assert _files(tmp_path / "wh") == ["tiny_pkg-0.3.0-py3-none-any.whl"]
    assert result.json["source"]["kind"] == "sdist"


def test_backend_without_sdist_support_falls_back_to_wheel(hwb, project_copy, tmp_path):
    result = hwb("build", project_copy("tiny-backend"), "-C", "mode=no-sdist", "-o", tmp_path / "o")
    # tinybackend raises NotImplementedError (not UnsupportedOperation): a real failure.
    assert result.code == 42
    assert "NotImplementedError: no sdists here" in result.stderr
    assert _files(tmp_path / "o") == []


def test_backend_failure_shows_output_tail_and_log(hwb, project_copy, tmp_path):
    out = tmp_path / "dist"
    result = hwb("build", project_copy("tiny-backend"), "-C", "mode=raise", "-o", out)
    assert result.code == 42
    assert "RuntimeError: boom from tinybackend" in result.stderr
    assert "error: the build backend 'tinybackend' failed to build the sdist" in result.stderr
    assert "hint: " in result.stderr
    log_line = next(line for line in result.stderr.splitlines() if line.startswith("log: "))
    log = Path(log_line.removeprefix("log: "))
    assert "tinybackend: about to fail" in log.read_text()
    assert "Traceback" not in result.stderr.split("error:")[-1]
    assert _files(out) == []


def test_invalid_wheel_never_reaches_outdir(hwb, project_copy, tmp_path):
    out = tmp_path / "dist"
    result = hwb("build", project_copy("tiny-backend"), "--wheel", "-C", "mode=bad-record", "-o", out)
    assert result.code == 50, result.stderr
    assert "RECORD" in result.stderr
    assert _files(out) == []


def test_editable_without_hook_is_explained(hwb, project_copy, tmp_path):
    result = hwb("build", project_copy("tiny-backend"), "--editable", "-o", tmp_path / "o")
    assert result.code == 43
    assert "does not support editable builds (PEP 660)" in result.stderr
    assert "build_editable" in result.stderr


def test_timeout_stops_a_hanging_backend(hwb, project_copy, tmp_path):
    start = time.monotonic()
    result = hwb("build", project_copy("tiny-backend"), "--wheel", "-C", "mode=hang",
                 "--timeout", "3", "-o", tmp_path / "o")
    assert time.monotonic() - start < 60
    assert result.code == 124, result.stderr  # CommandTimeout: --timeout covers the whole build
    assert "timed out after 3 seconds" in result.stderr
    assert _files(tmp_path / "o") == []


def test_noisy_backend_output_is_trimmed(hwb, project_copy, tmp_path):
    result = hwb("build", project_copy("tiny-backend"), "--wheel", "-C", "mode=noisy",
                 "-o", tmp_path / "o")
    assert result.code == 0, result.stderr[-2000:]
    assert "noisy line" not in result.stderr  # captured into the log, not the terminal
    assert len(result.stderr) < 5000


def test_verbose_streams_backend_output(hwb, project_copy, tmp_path):
    result = hwb("build", project_copy("tiny-backend"), "--wheel", "-v", "-o", tmp_path / "o")
    assert result.code == 0, result.stderr
    assert "tinybackend: get_requires_for_build_wheel" in result.stderr
    assert "Timings:" in result.stdout


def test_interrupt_leaves_nothing_behind(project_copy, tmp_path):
    out = tmp_path / "dist"
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "HWB_LOG_DIR": str(tmp_path / "logs"), "HWB_CACHE": "false"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "headless_wheel_builder", "build", str(project_copy("tiny-backend")),
         "-C", "mode=hang", "-o", str(out)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    # Wait until the backend is running (the build folder exists), then press Ctrl-C.
    while time.monotonic() < deadline and not any(tmp.glob("hwb-build-*/out")):
        time.sleep(0.2)
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr
    assert _files(out) == []
    assert list(tmp.iterdir()) == []


def test_quickstart_example_builds_a_c_extension(hwb, tmp_path):
    example = tmp_path / "spam-ext"
    shutil.copytree(ROOT / "examples" / "spam-ext", example)
    result = hwb("build", example, "-o", tmp_path / "dist", "--json")
    assert result.code == 0, result.stderr
    wheel = next(a for a in result.json["artifacts"] if a["kind"] == "wheel")
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    assert wheel["filename"].startswith(f"spam_ext-1.0.0-{tag}-{tag}-linux_")
    with zipfile.ZipFile(wheel["path"]) as zf:
        assert any(n.startswith("spam/_spam.") and n.endswith(".so") for n in zf.namelist())


@pytest.mark.network
def test_real_hatchling_project_with_uv_and_pip(hwb, project_copy, tmp_path):
    src = project_copy("pure-hatch")
    for installer in ("uv", "pip"):
        out = tmp_path / installer
        result = hwb("build", src, "--installer", installer, "-o", out, "--json")
        assert result.code == 0, result.stderr
        assert result.json["installer"] == installer
        assert _files(out) == ["pure_hatch-2.1.0-py3-none-any.whl", "pure_hatch-2.1.0.tar.gz"]


@pytest.mark.network
def test_editable_wheel_with_hatchling(hwb, project_copy, tmp_path):
    result = hwb("build", project_copy("pure-hatch"), "--editable", "-o", tmp_path / "o", "--json")
    assert result.code == 0, result.stderr
    (wheel,) = result.json["artifacts"]
    with zipfile.ZipFile(wheel["path"]) as zf:
        assert any(n.endswith(".pth") for n in zf.namelist())


@pytest.mark.network
def test_other_python_is_used(hwb, project_copy, tmp_path):
    other = next(v for v in ("3.12", "3.13", "3.10") if v != f"{sys.version_info[0]}.{sys.version_info[1]}")
    example = tmp_path / "spam-ext"
    shutil.copytree(ROOT / "examples" / "spam-ext", example)
    result = hwb("build", example, "--wheel", "--python", other,
                 "-o", tmp_path / "o", "--json")
    if result.code == 33:
        pytest.skip(f"Python {other} is not installed here")
    assert result.code == 0, result.stderr
    tag = "cp" + other.replace(".", "")
    assert result.json["artifacts"][0]["filename"].startswith(f"spam_ext-1.0.0-{tag}-{tag}-")
    assert result.json["interpreter"]["version"].startswith(other)


@pytest.mark.network
def test_build_constraints_pin_and_verify_hashes(hwb, project_copy, tmp_path):
    src = project_copy("pure-hatch")
    pins = tmp_path / "pins.txt"
    pins.write_text("hatchling==1.27.0\n")
    result = hwb("build", src, "--wheel", "-c", pins, "-o", tmp_path / "a", "--json")
    assert result.code == 0, result.stderr
    with zipfile.ZipFile(result.json["artifacts"][0]["path"]) as zf:
        wheel_meta = zf.read("pure_hatch-2.1.0.dist-info/WHEEL").decode()
    assert "Generator: hatchling 1.27.0" in wheel_meta
    bad = tmp_path / "bad.txt"
    bad.write_text("hatchling==1.27.0 --hash=sha256:" + "0" * 64 + "\n")
    result = hwb("build", src, "--wheel", "-c", bad, "-o", tmp_path / "b")
    assert result.code == 32, result.stderr
    assert _files(tmp_path / "b") == []


def test_pip_index_settings_are_honoured_by_uv(hwb, project_copy, tmp_path):
    # An index on a closed loopback port: the failure must name it, proving uv was told.
    env = {"PIP_INDEX_URL": "http://127.0.0.1:9/simple", "UV_INDEX_URL": None, "UV_DEFAULT_INDEX": None,
           "PIP_FIND_LINKS": None, "UV_FIND_LINKS": None, "UV_OFFLINE": None, "UV_INDEX": "",
           "PIP_CONFIG_FILE": os.devnull}  # the machine's pip.conf reaches uv too
    result = hwb("build", project_copy("pure-hatch"), "--wheel", "--installer", "uv",
                 "-o", tmp_path / "o", env=env)
    assert result.code == 32, result.stderr
    assert "127.0.0.1:9" in result.stderr
    assert "could not install the build requirements" in result.stderr
