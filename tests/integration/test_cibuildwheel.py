"""Projects configured only for cibuildwheel, built by hwb unchanged (docs/CIBUILDWHEEL.md).

- tests/packages/a-cibuildwheel-project: an offline in-tree backend that writes into its wheel
  what the build saw — the file ``before-build`` wrote, the variables of ``environment`` — and
  a test command (copied with ``test-sources``) that checks the installed wheel and reports, per
  Python, what it saw; built in a venv and in a container.
- mapbox-earcut 2.1.0 from PyPI (pinned sdist, sha256-checked; C++ through nanobind and
  scikit-build-core): its ``[tool.cibuildwheel]`` test command ``pytest {package}/tests`` runs.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from headless_wheel_builder.isolation.python import available

from .corpus import CorpusEnv, check_sha256, extract_sdist, load_projects

PROJECT = "a-cibuildwheel-project"
WARNING = "cibuildwheel options hwb does not support"


def _pythons(*versions: str) -> str:
    found = {f"{i.version[0]}.{i.version[1]}" for i in available()}
    missing = [v for v in versions if v not in found]
    if missing:
        pytest.skip(f"Python {', '.join(missing)} not installed here")
    return ",".join(versions)


def _report(path: Path) -> dict[str, list[str]]:
    """python version (X.Y) -> [generated, wheel's PROBE_ENV, the test's PROBE_ENV]."""
    rows = [line.split("|") for line in path.read_text().splitlines()]
    return {".".join(row[0].split(".")[:2]): row[1:] for row in rows}


def _module_of(wheel: Path) -> dict[str, Any]:
    with zipfile.ZipFile(wheel) as zf:
        namespace: dict[str, Any] = {}
        exec(zf.read("cibw_probe/__init__.py").decode(), namespace)  # our own test wheel
    return namespace


def test_a_cibuildwheel_only_project_builds_with_its_options(
    hwb: Any, project_copy: Any, tmp_path: Path
) -> None:
    """build/skip with braces, before-build, environment (table, $VAR, $(…)), the Linux table, an
    override per identifier, test-sources and test-command — from [tool.cibuildwheel] alone."""
    pythons = _pythons("3.11", "3.12", "3.13")
    src = project_copy(PROJECT)
    report = tmp_path / "report.txt"
    result = hwb("build", src, "--python", pythons, "-o", tmp_path / "out", "--json",
                 env={"PROBE_BASE": "base", "PROBE_REPORT": str(report)})  # fmt: skip
    assert result.code == 0, result.stderr
    assert WARNING not in result.stderr  # everything it sets is supported
    data = json.loads(result.stdout)
    skipped = {s["identifier"]: s["reason"] for s in data["skipped"]}
    assert skipped == {"cp313-manylinux_x86_64": "skipped by 'cp313-*'"}
    seen = _report(report)
    assert sorted(seen) == ["3.11", "3.12"]  # each tested on its own Python
    generated, built_env, _ = seen["3.11"]
    assert generated.startswith("before-build on 3.1")  # the file before-build wrote, read by the backend
    assert built_env in ("override-311:base", "linux:base")  # the wheel is built once (pure), by one of them
    assert seen["3.11"][2] == "override-311:base"  # [[tool.cibuildwheel.overrides]] select = "cp311-*"
    assert seen["3.12"][2] == "linux:base"  # [tool.cibuildwheel.linux], $PROBE_BASE expanded
    assert not (src / "generated.txt").exists()  # before-build ran where the wheel was built


def test_cibw_variables_beat_the_file_and_hwb_s_flags_beat_both(
    hwb: Any, project_copy: Any, tmp_path: Path
) -> None:
    pythons = _pythons("3.11", "3.12")
    src = project_copy(PROJECT)
    report = tmp_path / "report.txt"
    env = {"PROBE_BASE": "base", "PROBE_REPORT": str(report), "CIBW_SKIP": "cp312-*",
           "CIBW_ENVIRONMENT_LINUX": "PROBE_ENV=\"env:$PROBE_BASE\" PROBE_COMPUTED=$(echo computed)",
           "CIBW_CONTAINER_ENGINE": "podman"}  # fmt: skip
    result = hwb("build", src, "--python", pythons, "-o", tmp_path / "out", "--json", env=env)
    assert result.code == 0, result.stderr
    assert [s["identifier"] for s in json.loads(result.stdout)["skipped"]] == ["cp312-manylinux_x86_64"]
    seen = _report(report)
    assert list(seen) == ["3.11"]
    assert seen["3.11"][1:] == ["env:base", "env:base"]  # CIBW_ENVIRONMENT_LINUX beat the override
    warnings = [line for line in result.stderr.splitlines() if WARNING in line]
    assert len(warnings) == 1
    assert "CIBW_CONTAINER_ENGINE" in warnings[0]

    report.unlink()
    flagged = hwb("build", src, "--python", pythons, "-o", tmp_path / "out2", "--skip", "cp311-*",
                  "--environment", "PROBE_ENV=flag", "--environment", "PROBE_COMPUTED=computed",
                  env=env)  # fmt: skip
    assert flagged.code == 0, flagged.stderr
    assert [row[1:] for row in _report(report).values()] == [["flag", "flag"]]
    assert list(_report(report)) == ["3.12"]  # --skip replaced CIBW_SKIP


@pytest.mark.slow
def test_options_reach_the_build_inside_a_container(hwb: Any, project_copy: Any, tmp_path: Path) -> None:
    """The same project with --isolation docker: the pipeline inside applies the override of its
    identifier (cp311, the image's Python), evaluates environment in the container (PROBE_BASE
    passed in by CIBW_ENVIRONMENT_PASS_LINUX), runs before-build there and the test command."""
    from .test_container import IMAGE, _engine_problem

    problem = _engine_problem("docker")
    if problem is not None:
        pytest.skip(problem)
    src = project_copy(PROJECT)
    env = {"PROBE_BASE": "passed", "CIBW_ENVIRONMENT_PASS_LINUX": "PROBE_BASE", "CIBW_TEST_REQUIRES": ""}
    result = hwb("build", src, "--isolation", "docker", "--image", IMAGE, "--python", "3.11",
                 "-o", tmp_path / "out", "--json", env=env)  # fmt: skip
    assert result.code == 0, result.stderr
    wheel = next((tmp_path / "out").glob("*.whl"))
    module = _module_of(wheel)
    assert module["ENV"] == "override-311:passed"
    assert module["COMPUTED"] == "computed"
    assert module["GENERATED"].startswith("before-build on 3.11")  # the image's Python 3.11
    build = json.loads(result.stdout)["build"]
    assert [b["test"]["result"] for b in build["builds"]] == ["passed"]


@pytest.mark.slow
@pytest.mark.network
def test_a_real_cibuildwheel_project_builds_unchanged(hwb: Any, tmp_path: Path) -> None:
    """mapbox-earcut 2.1.0: [tool.cibuildwheel] test-requires = ["pytest"], test-command =
    "pytest {package}/tests", [tool.cibuildwheel.linux] archs = ["x86_64"]; no [tool.hwb]."""
    project = next(p for p in load_projects() if p.name == "mapbox-earcut")
    env = CorpusEnv.create()
    sdist, _ = env.sdist(project)
    check_sha256(sdist, project.sdist_sha256, project.sdist)
    src = extract_sdist(sdist, tmp_path / "src")
    text = (src / "pyproject.toml").read_text()
    assert "[tool.cibuildwheel]" in text
    assert "[tool.hwb" not in text
    result = hwb("build", src, "--python", str(env.interp.executable), "-o", tmp_path / "out", "--json",
                 timeout=1800)  # fmt: skip
    assert result.code == 0, result.stderr[-4000:]
    assert WARNING not in result.stderr
    data = json.loads(result.stdout)
    [build] = data["builds"]
    assert build["test"]["command"] == "pytest {package}/tests"
    assert build["test"]["result"] == "passed"
    assert build["cached"] is False
    assert build["repair"]["tool"] == "auditwheel"
    assert all(tag.split("-")[-1].startswith("manylinux_") for tag in build["tags"]), build["tags"]
    wheel = tmp_path / "out" / build["filename"]
    assert zipfile.ZipFile(wheel).testzip() is None
    assert any(n.endswith(".so") for n in zipfile.ZipFile(wheel).namelist())  # the C++ extension


def test_test_extras_before_test_and_test_skip(hwb: Any, project_copy: Any, tmp_path: Path) -> None:
    """CIBW_TEST_EXTRAS installs the extra's requirement (a local wheel) with the wheel;
    CIBW_BEFORE_TEST runs in the test's folder first; CIBW_TEST_SKIP leaves cp312 untested."""
    pythons = _pythons("3.11", "3.12")
    tiny = hwb("build", project_copy("tiny-backend"), "--wheel", "-o", tmp_path / "tiny", "--json")
    assert tiny.code == 0, tiny.stderr
    tiny_wheel = next((tmp_path / "tiny").glob("*.whl"))
    env = {"PROBE_BASE": "base", "PROBE_EXTRA_DEP": f"tiny-pkg @ {tiny_wheel.as_uri()}",
           "CIBW_TEST_EXTRAS": "probe", "CIBW_TEST_SKIP": "cp312-*",
           "CIBW_BEFORE_TEST": "python -c \"import tiny; open('before-test.txt', 'w').write('ok')\"",
           "CIBW_TEST_COMMAND": "python tests/check_probe.py && test -f before-test.txt "
                                "&& python -c 'import tiny'",
           "UV_OFFLINE": "1"}  # fmt: skip
    result = hwb("build", project_copy(PROJECT), "--python", pythons, "-o", tmp_path / "out", "--json",
                 env=env)  # fmt: skip
    assert result.code == 0, result.stderr
    tests = {b["identifier"]: b["test"] for b in result.json["builds"]}
    assert tests["cp311-manylinux_x86_64"]["result"] == "passed"
    assert tests["cp312-manylinux_x86_64"] is None  # built, not tested


def test_a_repair_wheel_command_replaces_hwb_s_repair(
    hwb: Any, project_copy: Any, tmp_path: Path
) -> None:
    """CIBW_REPAIR_WHEEL_COMMAND (not cibuildwheel's default): run with auditwheel on PATH; the
    wheel it writes into {dest_dir} is the one placed."""
    shown = tmp_path / "show.txt"
    command = f'auditwheel show {{wheel}} > "{shown}" && auditwheel repair -w {{dest_dir}} {{wheel}}'
    src = project_copy("an-c-extension")
    result = hwb("build", src, "-o", tmp_path / "out", "--json",
                 env={"CIBW_REPAIR_WHEEL_COMMAND": command})  # fmt: skip
    assert result.code == 0, result.stderr
    [build] = result.json["builds"]
    assert build["repair"]["tool"] == "repair-command"
    assert "manylinux" in shown.read_text()  # auditwheel ran on the backend's wheel
    assert all(tag.split("-")[-1].startswith("manylinux") for tag in build["tags"]), build["tags"]
    failing = hwb("build", src, "-o", tmp_path / "out2",
                  env={"CIBW_REPAIR_WHEEL_COMMAND": "true"})  # fmt: skip
    assert failing.code != 0
    assert "the repair command wrote 0 wheels" in failing.stderr
    assert not (tmp_path / "out2").exists() or not list((tmp_path / "out2").glob("*.whl"))
