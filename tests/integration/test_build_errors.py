"""Every documented failure of `hwb build`: its exit code, a message that says what/why/next,
no traceback, and nothing in the output folder."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest


def _assert_clean_failure(result, code: int, *needles: str, outdir: Path) -> None:
    assert result.code == code, f"exit {result.code}, expected {code}\n{result.stderr}"
    for needle in needles:
        assert needle in result.stderr, f"{needle!r} not in:\n{result.stderr}"
    assert "error: " in result.stderr
    assert "hint: " in result.stderr
    # The backend's own traceback may be shown (it is the cause); hwb's never is.
    assert "headless_wheel_builder/" not in result.stderr
    assert not outdir.exists() or list(outdir.iterdir()) == []


def _project(tmp_path: Path, pyproject: str) -> Path:
    src = tmp_path / "proj"
    src.mkdir()
    (src / "pyproject.toml").write_text(pyproject)
    return src


def test_path_missing(hwb, tmp_path):
    out = tmp_path / "dist"
    result = hwb("build", tmp_path / "nope", "-o", out)
    _assert_clean_failure(result, 11, "nope", outdir=out)


def test_not_a_python_project(hwb, tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "README.md").write_text("hello\n")
    out = tmp_path / "dist"
    result = hwb("build", tmp_path / "empty", "-o", out)
    _assert_clean_failure(result, 12, "pyproject.toml", outdir=out)


def test_malformed_pyproject_names_line_and_column(hwb, tmp_path):
    src = _project(tmp_path, '[project]\nname = "x"\nversion = \n')
    out = tmp_path / "dist"
    result = hwb("build", src, "-o", out)
    _assert_clean_failure(result, 21, "pyproject.toml", ":3:", outdir=out)


def test_unknown_backend_module(hwb, tmp_path):
    src = _project(tmp_path, '[build-system]\nrequires = []\nbuild-backend = "no_such_backend_xyz"\n'
                   '[project]\nname = "x"\nversion = "1"\n')
    out = tmp_path / "dist"
    result = hwb("build", src, "-o", out)
    _assert_clean_failure(result, 41, "no_such_backend_xyz", "could not be imported", outdir=out)


def test_backend_raising(hwb, project_copy, tmp_path):
    out = tmp_path / "dist"
    result = hwb("build", project_copy("tiny-backend"), "-C", "mode=raise", "-o", out)
    _assert_clean_failure(result, 42, "boom from tinybackend", outdir=out)


@pytest.mark.network
def test_build_dependency_that_cannot_be_resolved(hwb, tmp_path):
    src = _project(tmp_path, '[build-system]\nrequires = ["hwb-no-such-package-zz9==1.0"]\n'
                   'build-backend = "setuptools.build_meta"\n[project]\nname = "x"\nversion = "1"\n')
    out = tmp_path / "dist"
    result = hwb("build", src, "-o", out)
    _assert_clean_failure(result, 32, "hwb-no-such-package-zz9", "could not install the build requirements",
                          outdir=out)


def test_unsafe_archive(hwb, tmp_path):
    archive = tmp_path / "evil-1.0.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        data = b"[project]\nname='evil'\nversion='1.0'\n"
        for name in ("evil-1.0/pyproject.toml", "evil-1.0/../../escaped.txt"):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    out = tmp_path / "dist"
    result = hwb("build", archive, "-o", out)
    _assert_clean_failure(result, 13, "escaped.txt", outdir=out)
    assert not (tmp_path.parent / "escaped.txt").exists()


@pytest.mark.parametrize("url", [
    "git+file:///nonexistent/hwb/repo.git",
    "git+https://hwb-test.invalid/org/repo.git",
])
def test_unreachable_git_repository(hwb, tmp_path, url):
    out = tmp_path / "dist"
    result = hwb("build", url, "-o", out, env={"GIT_TERMINAL_PROMPT": "0"}, timeout=120)
    _assert_clean_failure(result, 14, outdir=out)


def test_option_injection_in_git_ref_is_refused(hwb, tmp_path):
    out = tmp_path / "dist"
    result = hwb("build", "git+https://example.com/repo.git@--upload-pack=touch /tmp/pwned", "-o", out)
    _assert_clean_failure(result, 14, outdir=out)


def test_unknown_git_ref(hwb, tmp_path, git_repo):
    out = tmp_path / "dist"
    result = hwb("build", f"git+file://{git_repo}@no-such-branch", "-o", out)
    _assert_clean_failure(result, 14, "no-such-branch", outdir=out)


def test_output_folder_that_is_a_file(hwb, project_copy, tmp_path):
    out = tmp_path / "dist"
    out.write_text("I am a file")
    result = hwb("build", project_copy("tiny-backend"), "-o", out)
    assert result.code == 52, result.stderr
    assert out.read_text() == "I am a file"


@pytest.mark.parametrize("pythons", [[], ["-p", "3.11,3.12"]], ids=["single", "matrix"])
def test_an_unusable_output_folder_fails_before_the_backend_runs(hwb, project_copy, tmp_path, pythons):
    # -C mode=raise makes the backend fail: had the build started, that error would come first.
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = hwb("build", project_copy("tiny-backend"), "-o", blocker / "dist", "-C", "mode=raise", *pythons)
    assert result.code == 52, result.stderr
    assert "is a file, not a folder" in result.stderr
    assert "boom from tinybackend" not in result.stderr


def test_bad_config_setting_is_a_usage_error(hwb, project_copy, tmp_path):
    result = hwb("build", project_copy("tiny-backend"), "-C", "=x", "-o", tmp_path / "o")
    assert result.code == 2
    assert "KEY=VALUE" in result.stderr


def test_missing_interpreter(hwb, project_copy, tmp_path):
    result = hwb("build", project_copy("tiny-backend"), "--python", "3.2", "-o", tmp_path / "o")
    assert result.code == 33
    assert "Python 3.2 not found" in result.stderr
    assert "found: " in result.stderr
