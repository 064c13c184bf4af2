"""PyPy and free-threaded CPython in the one vocabulary (issue 18, families 1 and 4): specs and
identifiers parse and print as cibuildwheel writes them, ``all`` follows cibuildwheel's
``enable`` groups, the plan keys interpreters by what they are, an abi3 wheel never serves a
PyPy or free-threaded leg, and discovery tells ``python3.13t`` from ``python3.13`` by asking.

No free-threaded CPython is installable on the test machine: the discovery tests use small
stand-in executables that answer hwb's probe as ``python3.13t`` would (docs/MATRIX.md says
what was verified on a real interpreter)."""

from __future__ import annotations

import json
import os
import sys
import sysconfig
from pathlib import Path

import pytest

from headless_wheel_builder.analyze.analyzer import analyze
from headless_wheel_builder.errors import InterpreterNotFoundError, RepairError, UsageError
from headless_wheel_builder.isolation import python as discovery
from headless_wheel_builder.isolation.python import Interpreter, find_python, probe
from headless_wheel_builder.matrix.plan import MatrixOptions, make_plan, newest
from headless_wheel_builder.platforms import (
    CPYTHON_MINORS,
    Identifier,
    PythonTarget,
    apply_select_skip,
    expand,
    parse_enable,
    parse_identifier,
    parse_python_spec,
    parse_pythons,
    parse_version_spec,
    python_mismatch,
)
from headless_wheel_builder.repair.stage import check_python
from tests.conftest import PACKAGES

FT313 = PythonTarget(minor=13, free_threaded=True)
PP39 = PythonTarget(implementation="pypy", minor=9)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.13t", FT313), ("cp313t", FT313), ("python3.13t", FT313), ("313t", FT313),
        ("pp39", PP39), ("pypy3.9", PP39), ("pypy39", PP39), ("pypy@3.9", PP39), ("PyPy-3.9", PP39),
        ("3.14", PythonTarget(minor=14)), ("cp314", PythonTarget(minor=14)),
    ],
)  # fmt: skip
def test_python_specs(text: str, expected: PythonTarget) -> None:
    assert parse_python_spec(text) == expected
    assert parse_python_spec(expected.spec) == expected  # what --python and setup-python take
    assert parse_python_spec(str(expected)) == expected  # the identifier's python part


@pytest.mark.parametrize("text", ["pp39t", "pypy3.13t", "three", "3", "cp3", "gp310"])
def test_not_python_specs(text: str) -> None:
    assert parse_python_spec(text) is None


def test_only_a_cpython_with_the_gil_has_a_plain_version() -> None:
    assert parse_version_spec("cp312") == (3, 12)
    assert parse_version_spec("3.13t") is None
    assert parse_version_spec("pp39") is None


def test_names_of_each_kind() -> None:
    assert (str(FT313), FT313.spec, FT313.executable, FT313.label) == (
        "cp313t", "3.13t", "python3.13t", "CPython 3.13 (free-threaded)")  # fmt: skip
    assert (str(PP39), PP39.spec, PP39.executable, PP39.label) == ("pp39", "pypy3.9", "pypy3.9", "PyPy 3.9")
    ident = parse_identifier("cp313t-manylinux_x86_64")
    shown = (ident.python_tag, ident.python, ident.version, ident.free_threaded)
    assert shown == ("cp313t", "3.13t", "3.13", True)
    assert parse_identifier("pp310-macosx_arm64").python == "pypy3.10"
    assert str(Identifier.of(PP39, platform="windows", arch="AMD64")) == "pp39-win_amd64"


def test_all_follows_cibuildwheels_enable_groups() -> None:
    def every(*enable: str) -> list[str]:
        return [str(r.target) for r in parse_pythons(["all"], enable) if r.target and not r.target.standard]

    cpython = [str(r.target) for r in parse_pythons(["all"]) if r.target and r.target.standard]
    assert cpython == [f"cp3{m}" for m in CPYTHON_MINORS]
    # 3.14t is no longer experimental (PEP 779): in by default; 3.13t, PyPy: only when enabled.
    assert every() == ["cp314t"]
    assert every("cpython-freethreading") == ["cp313t", "cp314t"]
    assert every("pypy") == ["cp314t", "pp311"]
    assert every("pypy-eol") == ["cp314t", "pp38", "pp39", "pp310"]
    assert every("all") == every("pypy,pypy-eol", "cpython-freethreading")
    # Named by itself, a Python is built whatever enable says; it wins over the same from `all`.
    named = parse_pythons(["all", "pp39", "3.13t"])
    explicit = {str(r.target): r.explicit for r in named if r.target in (PP39, FT313)}
    assert explicit == {"pp39": True, "cp313t": True}
    with pytest.raises(UsageError, match="unknown enable group 'graalpy'") as info:
        parse_enable(["pypy graalpy"])
    assert "cpython-freethreading" in (info.value.why or "")


def test_selectors_match_cibuildwheels_spelling() -> None:
    idents = expand([PythonTarget(minor=12), FT313, PP39, PythonTarget(minor=13)], ["linux"], ["x86_64"])
    assert [str(i) for i in idents] == ["cp312-manylinux_x86_64", "cp313-manylinux_x86_64",
                                        "cp313t-manylinux_x86_64", "pp39-manylinux_x86_64"]  # fmt: skip
    kept, skipped = apply_select_skip(idents, [], ["pp*", "*t-*"])
    assert [str(i) for i in kept] == ["cp312-manylinux_x86_64", "cp313-manylinux_x86_64"]
    assert {s.identifier: s.reason for s in skipped}["cp313t-manylinux_x86_64"] == "skipped by '*t-*'"
    kept, _ = apply_select_skip(idents, ["cp313*"], [])
    assert [str(i) for i in kept] == ["cp313-manylinux_x86_64", "cp313t-manylinux_x86_64"]


def _interp(minor: int, *, impl: str = "cpython", ft: bool = False) -> Interpreter:
    name = f"pypy3.{minor}" if impl == "pypy" else f"python3.{minor}{'t' if ft else ''}"
    return Interpreter(executable=Path(f"/opt/{name}/bin/{name}"), version=(3, minor, 1), implementation=impl,
                       free_threaded=ft)  # fmt: skip


def test_the_plan_keys_interpreters_by_what_they_are() -> None:
    project = analyze(PACKAGES / "an-c-extension")
    here = [_interp(13), _interp(13, ft=True), _interp(9, impl="pypy"), _interp(12)]
    options = MatrixOptions(pythons=("3.13,3.13t,pp39,3.12",), archs=("x86_64",), platforms=("linux",))
    plan = make_plan(project, options, local=False, interpreters=lambda: here)
    chosen = {str(b.identifier).split("-")[0]: b.interpreter for b in plan.builds}
    assert set(chosen) == {"cp312", "cp313", "cp313t", "pp39"}
    kinds = {k: (i.implementation, i.free_threaded) if i else None for k, i in chosen.items()}
    assert kinds == {"cp312": ("cpython", False), "cp313": ("cpython", False),
                     "cp313t": ("cpython", True), "pp39": ("pypy", False)}  # fmt: skip
    # The sdist (and a pure project's one wheel) come from the newest CPython with the GIL.
    assert str(newest(plan.builds).identifier).startswith("cp313-")
    entry = next(b.to_dict() for b in plan.builds if b.identifier.implementation == "pypy")
    assert (entry["python"], entry["implementation"], entry["free_threaded"]) == ("pypy3.9", "pypy", False)
    github = {e["identifier"]: e["python"] for e in plan.github_matrix()["include"]}
    assert github["cp313t-manylinux_x86_64"] == "3.13t"  # what actions/setup-python takes


def test_pythons_hwb_does_not_know_are_an_error_for_ci_plans() -> None:
    project = analyze(PACKAGES / "an-c-extension")
    with pytest.raises(InterpreterNotFoundError) as info:
        make_plan(project, MatrixOptions(pythons=("3.99t",)), local=False, interpreters=list)
    assert info.value.what == "Python 3.99t not found"
    assert "uv python install 3.99t" in (info.value.hint or "")
    assert "free-threaded 3.13t-3.14t" in (info.value.why or "")


def _wheel(tags: str) -> Path:
    return Path(f"spam-1.0-{tags}.whl")


def test_same_named_wheels_of_pypy_and_cpython_legs_keep_the_newest_cpythons(tmp_path: Path) -> None:
    """Every leg builds (docs/MATRIX.md, the matrix rule); among legs that made the same pure
    wheel the one placed is newest()'s: a CPython with the GIL above PyPy and free-threaded legs,
    whatever order the plan lists them in (the scheduler hands reconcile the legs by newest_key)."""
    import shutil

    from headless_wheel_builder.artifacts.output import describe
    from headless_wheel_builder.matrix.jobs import JobResult
    from headless_wheel_builder.matrix.plan import PlannedBuild, newest_key
    from headless_wheel_builder.matrix.rule import reconcile
    from tests.unit._distfactory import FakeWheel

    wheel = FakeWheel().build(tmp_path)
    names = ("pp310", "cp313", "cp313t", "cp39")
    ids = [parse_identifier(f"{n}-manylinux_x86_64") for n in names]
    builds = [PlannedBuild(identifier=i, interpreter=None) for i in ids]
    staged: dict[str, Path] = {}
    results = []
    for build in builds:
        copy = tmp_path / str(build.identifier) / wheel.name
        copy.parent.mkdir()
        shutil.copy2(wheel, copy)
        staged[str(build.identifier)] = copy
        results.append(JobResult(identifier=str(build.identifier), python="x", status="ok",
                                 wheel=describe(copy)))
    by_age = sorted(builds, key=newest_key)
    placed = reconcile([results[builds.index(b)] for b in by_age], staged)
    assert [r.identifier for r in placed if not r.covered_by] == ["cp313-manylinux_x86_64"]
    assert list(staged) == ["cp313-manylinux_x86_64"]


def test_interpreter_tags() -> None:
    assert _interp(13, ft=True).tag == "cp313t"
    assert _interp(10, impl="pypy").tag == "pp310"
    assert _interp(13, ft=True).to_dict()["free_threaded"] is True
    graal = Interpreter(executable=Path("/opt/graalpy"), version=(3, 11, 7), implementation="graalpy")
    assert graal.tag == "gr311"
    with pytest.raises(UsageError, match=r"graalpy 3\.11"):
        _ = graal.target


def test_the_probe_reads_py_gil_disabled_from_a_real_interpreter() -> None:
    found = probe(sys.executable)
    assert found is not None
    assert found.free_threaded is bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    assert found.target.free_threaded is found.free_threaded


def _stand_in(folder: Path, name: str, *, version: str, impl: str = "cpython", gil_disabled: bool) -> Path:
    """An executable that answers hwb's probe as the named interpreter would."""
    numbers = [int(v) for v in version.split(".")]
    answer = json.dumps({"version": numbers, "impl": impl, "executable": str(folder / name), "soabi": "",
                         "gil_disabled": gil_disabled})  # fmt: skip
    exe = folder / name
    exe.write_text(f"#!/bin/sh\necho '{answer}'\n")
    exe.chmod(0o755)
    return exe


@pytest.mark.skipif(os.name == "nt", reason="stand-in interpreters are shell scripts")
def test_discovery_tells_free_threaded_from_gil_builds_by_asking(tmp_path, monkeypatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    real = _stand_in(bin_dir, "python3.13t", version="3.13.1", gil_disabled=True)
    found = find_python("3.13t")
    assert (found.executable, found.free_threaded, found.tag) == (real, True, "cp313t")
    assert find_python("cp313t") == found
    # A python3.14t that is really a build with the GIL is not taken for a free-threaded one.
    _stand_in(bin_dir, "python3.14t", version="3.14.0", gil_disabled=False)
    assert discovery.find_target(PythonTarget(minor=14, free_threaded=True)) is None


def test_pyenv_folders_of_each_kind(tmp_path, monkeypatch) -> None:
    root = tmp_path / "pyenv"
    layout = {"3.13.1": "python3.13", "3.13.1t": "python3.13t", "3.13.0t": "python3.13t",
              "pypy3.10-7.3.17": "pypy3.10", "pypy3.9-7.3.16": "pypy3.9"}  # fmt: skip
    for folder, exe in layout.items():
        (root / "versions" / folder / "bin").mkdir(parents=True)
        (root / "versions" / folder / "bin" / exe).touch()
    monkeypatch.setenv("PYENV_ROOT", str(root))

    def found(target: PythonTarget) -> list[str]:
        return [p.parents[1].name for p in discovery._pyenv_candidates(target)]

    assert found(PythonTarget(minor=13)) == ["3.13.1"]
    assert found(FT313) == ["3.13.1t", "3.13.0t"]  # the newest first
    assert found(PythonTarget(implementation="pypy", minor=10)) == ["pypy3.10-7.3.17"]
    assert found(PP39) == ["pypy3.9-7.3.16"]


@pytest.mark.parametrize(
    ("identifier", "tags", "fits"),
    [
        ("cp313t-manylinux_x86_64", "cp313-cp313t-manylinux_2_17_x86_64", True),
        ("cp313t-manylinux_x86_64", "cp313-cp313-manylinux_2_17_x86_64", False),
        ("cp313-manylinux_x86_64", "cp313-cp313t-manylinux_2_17_x86_64", False),
        ("cp314t-win_amd64", "cp314-cp314t-win_amd64", True),
        ("cp313t-manylinux_x86_64", "cp39-abi3-manylinux_2_17_x86_64", False),
        ("cp313t-manylinux_x86_64", "py3-none-any", True),
        ("cp312-manylinux_x86_64", "cp39-abi3-manylinux_2_17_x86_64", True),
        ("cp312-manylinux_x86_64", "cp312-cp312d-linux_x86_64", True),
        ("pp39-manylinux_x86_64", "pp39-pypy39_pp73-manylinux_2_17_x86_64", True),
        ("pp39-manylinux_x86_64", "pp310-pypy310_pp73-manylinux_2_17_x86_64", False),
        ("pp39-manylinux_x86_64", "cp39-cp39-manylinux_2_17_x86_64", False),
        ("pp39-manylinux_x86_64", "cp39-abi3-manylinux_2_17_x86_64", False),
        ("pp310-macosx_arm64", "py39-none-macosx_11_0_arm64", True),
    ],
)
def test_a_wheels_abi_must_be_its_identifiers_python(identifier: str, tags: str, fits: bool) -> None:
    ident = parse_identifier(identifier)
    wheel = _wheel(tags)
    from packaging.utils import parse_wheel_filename

    why = python_mismatch(ident, parse_wheel_filename(wheel.name)[3])
    assert (why is None) is fits, why
    if fits:
        check_python(wheel, ident)
    else:
        with pytest.raises(RepairError) as info:
            check_python(wheel, ident)
        assert info.value.what == f"{wheel.name} is not a wheel for {identifier}"
        assert identifier in (info.value.why or "")


def test_a_pattern_that_selects_only_what_is_not_enabled_says_how_to_enable_it() -> None:
    project = analyze(PACKAGES / "an-c-extension")
    options = MatrixOptions(pythons=("all",), select=("pp3*", "cp313t-*"), platforms=("linux",),
                            archs=("x86_64",))  # fmt: skip
    plan = make_plan(project, options, local=False, interpreters=list)
    assert plan.builds == ()
    reasons = {s.identifier: s.reason for s in plan.skipped}
    assert reasons["pp39-manylinux_x86_64"] == (
        "PyPy 3.9 is not enabled: add --enable pypy-eol (or name it: --python pypy3.9)"
    )
    assert "add --enable pypy " in reasons["pp311-manylinux_x86_64"]
    assert "add --enable cpython-freethreading " in reasons["cp313t-manylinux_x86_64"]
    assert "--enable" in (plan.nothing_to_build().hint or "")
    # Enabled, they are planned; named, they need no group.
    enabled = make_plan(project, MatrixOptions(pythons=("all",), select=("pp3*",), enable=("pypy-eol",),
                                               platforms=("linux",), archs=("x86_64",)),
                        local=False, interpreters=list)  # fmt: skip
    assert [str(b.identifier) for b in enabled.builds] == [
        "pp38-manylinux_x86_64", "pp39-manylinux_x86_64", "pp310-manylinux_x86_64"]  # fmt: skip


def test_pypy_is_planned_only_where_it_is_built() -> None:
    project = analyze(PACKAGES / "an-c-extension")
    options = MatrixOptions(pythons=("pp310",), platforms=("linux", "macos", "windows"),
                            archs=("x86_64", "universal2", "ppc64le"))  # fmt: skip
    plan = make_plan(project, options, local=False, interpreters=list)
    built = {str(b.identifier) for b in plan.builds}
    assert {"pp310-macosx_x86_64", "pp310-win_amd64"} <= built
    reasons = {s.identifier: s.reason for s in plan.skipped}
    assert reasons["pp310-macosx_universal2"] == "PyPy is not built for macosx_universal2"
    assert reasons["pp310-manylinux_ppc64le"] == "PyPy is not built for manylinux_ppc64le"
    musl = parse_identifier("pp310-musllinux_x86_64")
    from headless_wheel_builder.platforms import not_built_there

    assert not_built_there(musl) == "PyPy is not built for musllinux"
    assert not_built_there(parse_identifier("cp313t-musllinux_x86_64")) is None
