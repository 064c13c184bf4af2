"""The CLI surface: inspect, check, global flags, JSON documents, redaction."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from headless_wheel_builder.__about__ import __version__


def test_version_and_help(hwb):
    result = hwb("--version")
    assert result.code == 0
    assert result.stdout.strip() == f"hwb {__version__}"
    result = hwb("--help")
    assert result.code == 0
    for command in ("build", "inspect", "check"):
        assert command in result.stdout
    assert hwb().code == 2


def test_unknown_flag_is_a_usage_error(hwb):
    result = hwb("build", "--no-such-flag")
    assert result.code == 2
    assert "unrecognized arguments: --no-such-flag" in result.stderr


def test_inspect_json_has_the_documented_keys(hwb, packages):
    result = hwb("inspect", packages / "pure-hatch", "--json")
    assert result.code == 0, result.stderr
    data = result.json
    for key in ("name", "version", "dynamic", "backend", "backend_family", "build_requires",
                "requires_python", "pure"):
        assert key in data, key
    assert data["name"] == "pure-hatch"
    assert data["version"] == "2.1.0"
    assert data["backend"] == "hatchling.build"
    assert data["backend_family"] == "hatchling"
    assert data["build_requires"] == ["hatchling"]
    assert data["pure"] is True
    assert data["source"]["kind"] == "directory"


def test_inspect_git_and_sdist_sources(hwb, git_repo, tmp_path):
    result = hwb("inspect", f"git+file://{git_repo}@v0.3.0", "--json")
    assert result.code == 0, result.stderr
    assert result.json["name"] == "tiny-pkg"
    assert result.json["source"]["kind"] == "git"
    assert result.json["source"]["git_ref"] == "v0.3.0"
    built = hwb("build", git_repo, "--sdist", "-o", tmp_path / "d")
    assert built.code == 0, built.stderr
    result = hwb("inspect", tmp_path / "d" / "tiny_pkg-0.3.0.tar.gz", "--json")
    assert result.code == 0, result.stderr
    assert result.json["version"] == "0.3.0"
    assert result.json["source"]["kind"] == "sdist"


def test_inspect_text_for_a_platform_project(hwb):
    from tests.conftest import ROOT

    result = hwb("inspect", ROOT / "examples" / "spam-ext")
    assert result.code == 0, result.stderr
    assert "pure Python:      no (platform wheels)" in result.stdout
    assert "setuptools.build_meta [setuptools]" in result.stdout


def test_check_passes_good_files_and_fails_a_broken_wheel(hwb, project_copy, tmp_path):
    out = tmp_path / "dist"
    assert hwb("build", project_copy("tiny-backend"), "-o", out).code == 0
    good = hwb("check", out)
    assert good.code == 0, good.stdout + good.stderr
    assert good.stdout.count("PASSED") == 2

    wheel = out / "tiny_pkg-0.3.0-py3-none-any.whl"
    broken = tmp_path / "broken" / wheel.name
    broken.parent.mkdir()
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "tiny/__init__.py":
                data = b"VALUE = 'tampered'\n"
            dst.writestr(item, data)
    bad = hwb("check", broken)
    assert bad.code == 51
    assert "FAILED" in bad.stdout
    assert "tiny/__init__.py" in bad.stdout
    as_json = hwb("check", broken, "--json")
    assert as_json.code == 51
    data = json.loads(as_json.stdout)
    assert data["ok"] is False
    assert data["files"][0]["problems"]


def test_check_missing_file(hwb, tmp_path):
    result = hwb("check", tmp_path / "nope.whl")
    assert result.code == 51


def test_secrets_in_urls_are_never_printed(hwb, tmp_path):
    url = "git+https://builder:hunter2-secret-xyz@hwb-test.invalid/org/repo.git@main"
    result = hwb("build", url, "-o", tmp_path / "o", "--json", env={"GIT_TERMINAL_PROMPT": "0"})
    assert result.code == 14
    assert "hunter2-secret-xyz" not in result.stdout + result.stderr
    assert json.loads(result.stdout)["ok"] is False


def test_json_error_document(hwb, tmp_path):
    result = hwb("build", tmp_path / "missing", "--json")
    assert result.code == 11
    data = json.loads(result.stdout)
    assert data == {
        "ok": False, "error": "source-not-found", "exit_code": 11, "message": data["message"],
        "why": data["why"], "hint": data["hint"], "log": None,
    }
    assert str(Path(tmp_path / "missing")) in data["message"] + (data["why"] or "")


def test_secrets_in_env_and_backend_output_are_redacted_everywhere(hwb, project_copy, tmp_path):
    token = "pypi-AgEIcHlwaS5vcmcCJGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6MDEyMzQ1Njc4OQ"
    password = "url-pass-9f8e7d6c"
    result = hwb("build", project_copy("tiny-backend"), "-C", "mode=leak", "-o", tmp_path / "o", "--json",
                 env={"HWB_PUBLISH_TOKEN": token, "TINY_URL_PASSWORD": password})
    assert result.code == 42
    log = Path(next(line for line in result.stderr.splitlines() if line.startswith("log: "))[5:])
    everything = result.stdout + result.stderr + log.read_text()
    assert "token from env: ***" in everything
    assert "https://user:***@example.com/simple" in everything
    assert token not in everything
    assert password not in everything
