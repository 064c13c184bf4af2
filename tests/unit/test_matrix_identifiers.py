"""Build identifiers, their selection, and the matrix plan (GitHub's strategy.matrix shape)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from headless_wheel_builder.analyze.analyzer import analyze
from headless_wheel_builder.errors import InterpreterNotFoundError, UsageError
from headless_wheel_builder.isolation.python import Interpreter
from headless_wheel_builder.matrix.plan import MatrixOptions, make_plan
from headless_wheel_builder.platforms import (
    CPYTHON_MINORS,
    Identifier,
    PythonTarget,
    apply_select_skip,
    archs_for,
    expand,
    matches,
    parse_platforms,
    parse_pythons,
    requires_python_excludes,
)
from tests.conftest import PACKAGES


def _fake_interpreters(*minors: int) -> list[Interpreter]:
    return [Interpreter(executable=Path(f"/opt/py3{m}/bin/python3.{m}"), version=(3, m, 4)) for m in minors]


def test_identifier_names_follow_the_cibuildwheel_convention():
    assert str(Identifier(platform="linux", arch="x86_64", minor=12)) == "cp312-manylinux_x86_64"
    assert (
        str(Identifier(platform="linux", arch="aarch64", minor=9, libc="musllinux"))
        == "cp39-musllinux_aarch64"
    )
    assert str(Identifier(platform="macos", arch="universal2", minor=13)) == "cp313-macosx_universal2"
    assert str(Identifier(platform="windows", arch="AMD64", minor=11)) == "cp311-win_amd64"
    assert str(Identifier(platform="windows", arch="x86", minor=11)) == "cp311-win32"
    assert str(Identifier(platform="windows", arch="ARM64", minor=11)) == "cp311-win_arm64"


def test_python_lists_commas_repeats_all_and_paths():
    requests = parse_pythons(["3.9,3.10", "cp311", "python3.12", "3.9"])
    assert [r.version for r in requests] == [(3, 9), (3, 10), (3, 11), (3, 12)]
    assert all(r.explicit for r in requests)
    every = parse_pythons(["all"])
    assert [r.version for r in every if r.target and r.target.standard] == [(3, m) for m in CPYTHON_MINORS]
    assert not any(r.explicit for r in every)
    # An explicit request wins over the same version from `all`.
    mixed = parse_pythons(["all", "3.12"])
    assert next(r for r in mixed if r.version == (3, 12)).explicit
    assert parse_pythons(["/usr/bin/python3"])[0].path == "/usr/bin/python3"
    with pytest.raises(UsageError, match="not a Python version"):
        parse_pythons(["three"])


def test_platforms_and_archs():
    assert parse_platforms(["linux,macos", "darwin", "win32"]) == ["linux", "macos", "windows"]
    with pytest.raises(UsageError, match="unknown platform"):
        parse_platforms(["beos"])
    assert archs_for("linux", ["arm64", "x86_64"]) == ["aarch64", "x86_64"]
    assert archs_for("macos", ["aarch64", "universal2"]) == ["arm64", "universal2"]
    assert archs_for("windows", ["x86_64"]) == ["AMD64"]
    # Another platform's arch is left out, not an error; unknown names are errors.
    assert archs_for("linux", ["universal2", "x86_64"]) == ["x86_64"]
    with pytest.raises(UsageError, match="unknown architecture"):
        expand([PythonTarget(minor=12)], ["linux"], ["sparc"])


def test_select_and_skip_with_reasons():
    idents = expand([PythonTarget(minor=m) for m in (8, 12, 13)], ["linux"], ["x86_64"])
    kept, skipped = apply_select_skip(idents, ["cp31*-*"], ["cp313-*"])
    assert [str(i) for i in kept] == ["cp312-manylinux_x86_64"]
    reasons = {s.identifier: s.reason for s in skipped}
    assert "not selected" in reasons["cp38-manylinux_x86_64"]
    assert reasons["cp313-manylinux_x86_64"] == "skipped by 'cp313-*'"
    assert matches("cp312-win_amd64", ["cp311-* *-win_amd64"])
    assert not matches("cp312-win32", ["*-win_amd64"])


@pytest.mark.parametrize(
    ("spec", "version", "excluded"),
    [
        (">=3.9", "3.8", True),
        (">=3.9", "3.9", False),
        (">=3.9.1", "3.9", False),  # checked as 3.9.99, as cibuildwheel does
        (">=3.9.1", "3.9.0", True),
        ("<3.12", "3.12", True),
        ("!=3.10.*", "3.10", True),
        (None, "3.8", False),
        ("not a spec", "3.8", False),
    ],
)
def test_requires_python_filter(spec, version, excluded):
    reason = requires_python_excludes(spec, version)
    assert (reason is not None) is excluded
    if reason:
        assert spec in reason
        assert version in reason


def test_local_plan_filters_and_explains(tmp_path):
    project = analyze(PACKAGES / "an-c-extension")
    options = MatrixOptions(pythons=("all",), platforms=("linux", "windows"), skip=("cp310-*",))
    plan = make_plan(project, options, local=True, interpreters=lambda: _fake_interpreters(9, 10, 12))
    built = [str(b.identifier) for b in plan.builds]
    assert "cp39-manylinux_x86_64" in built or "cp39-manylinux_aarch64" in built
    assert not any(b.startswith("cp310") for b in built)
    reasons = {s.identifier: s.reason for s in plan.skipped}
    assert any("needs a windows runner" in r for r in reasons.values())
    assert any("is not installed here" in r for r in reasons.values())  # from `all`: skipped
    assert all(b.interpreter is not None for b in plan.builds)


def test_a_named_missing_python_is_an_error_listing_what_was_found():
    project = analyze(PACKAGES / "an-c-extension")
    with pytest.raises(InterpreterNotFoundError) as info:
        make_plan(project, MatrixOptions(pythons=("3.9", "3.99")), local=True,
                  interpreters=lambda: _fake_interpreters(9, 12))  # fmt: skip
    assert "3.99" in info.value.what
    assert "3.9" in (info.value.why or "")
    assert "uv python install 3.99" in (info.value.hint or "")
    # Planned for CI runners instead, a known CPython not installed here is listed as not
    # available here; an unknown one (3.99) is the same error as for a local build (exit 33).
    plan = make_plan(project, MatrixOptions(pythons=("3.9", "3.13")), local=False,
                     interpreters=lambda: _fake_interpreters(9))  # fmt: skip
    assert {b.identifier.python: b.interpreter is not None for b in plan.builds} == {
        "3.9": True,
        "3.13": False,
    }
    with pytest.raises(InterpreterNotFoundError) as info:
        make_plan(project, MatrixOptions(pythons=("3.9", "3.99")), local=False,
                  interpreters=lambda: _fake_interpreters(9))  # fmt: skip
    assert "3.99" in info.value.what
    assert "hwb knows CPython 3.8-3.14" in (info.value.why or "")


def _assert_github_shape(matrix: object) -> None:
    """What GitHub's strategy.matrix accepts from fromJSON: an object whose `include` is a
    non-empty array of flat objects with scalar (here: string) values."""
    assert isinstance(matrix, dict)
    assert set(matrix) == {"include"}
    include = matrix["include"]
    assert isinstance(include, list)
    assert 0 < len(include) <= 256
    for entry in include:
        assert isinstance(entry, dict)
        assert all(isinstance(k, str) and re.fullmatch(r"[a-z_]+", k) for k in entry)
        assert all(isinstance(v, str) and v for v in entry.values())
    json.dumps(matrix)


def test_github_matrix_one_entry_per_identifier_and_one_for_a_pure_project():
    cext = analyze(PACKAGES / "an-c-extension")
    options = MatrixOptions(pythons=("3.9", "3.12"), platforms=("linux", "macos", "windows"))
    plan = make_plan(cext, options, local=False, interpreters=list)
    matrix = plan.github_matrix()
    _assert_github_shape(matrix)
    ids = [e["identifier"] for e in matrix["include"]]
    assert len(ids) == 6
    assert "cp312-win_amd64" in ids
    assert {e["os"] for e in matrix["include"]} >= {"ubuntu-latest", "windows-latest"}

    pure = analyze(PACKAGES / "pure-hatch")
    assert pure.pure is True
    plan = make_plan(
        pure, MatrixOptions(pythons=("3.9,3.10,3.11,3.12,3.13",)), local=False, interpreters=list
    )
    assert plan.build_once is not None
    assert "built once" in plan.build_once
    assert "on cp313 (the newest)" in plan.build_once
    assert "cp39, cp310, cp311, cp312 are served by that wheel" in plan.build_once
    matrix = plan.github_matrix()
    _assert_github_shape(matrix)
    assert len(matrix["include"]) == 1
    assert matrix["include"][0]["pythons"] == "3.9,3.10,3.11,3.12,3.13"
    assert matrix["include"][0]["python"] == "3.13"  # the CI runner builds it with the newest


def test_python_2_is_named_unsupported_not_a_non_version():
    from headless_wheel_builder.errors import UsageError
    from headless_wheel_builder.platforms import parse_pythons

    for spec in ("2.7", "python2.7", "cp27"):
        with pytest.raises(UsageError, match=r"Python 2\.7 is not supported"):
            parse_pythons([spec])
    with pytest.raises(UsageError, match="not a Python version"):
        parse_pythons(["banana"])


def test_the_interpreters_found_are_listed_in_numeric_order():
    from headless_wheel_builder.isolation.python import Interpreter
    from headless_wheel_builder.matrix.plan import _not_found

    def interp(minor: int) -> Interpreter:
        return Interpreter(executable=Path(f"/py3{minor}"), version=(3, minor, 0))

    error = _not_found([PythonTarget(minor=14)], {PythonTarget(minor=m): interp(m) for m in (10, 8, 13, 9)})
    assert "found: 3.8, 3.9, 3.10, 3.13" in str(error.why)
