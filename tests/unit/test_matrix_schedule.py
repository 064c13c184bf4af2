"""Matrix logic without builds: which wheel serves which identifier, when a command line asks
for a matrix, the test command's placeholders, and the manifest/SHA256SUMS files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from headless_wheel_builder import api
from headless_wheel_builder.artifacts.manifest import (
    sha256sums_text,
    verify_sha256sums,
    write_manifest,
    write_sha256sums,
)
from headless_wheel_builder.build.tester import render_command, shell_argv
from headless_wheel_builder.errors import MatrixError, OutputError, WheelTestError
from headless_wheel_builder.matrix.jobs import JobResult


def _result(identifier: str, filename: str | None, *, built: bool = True, built_on: str | None = None,
            covered_by: str | None = None, status: str = "ok") -> JobResult:  # fmt: skip
    from headless_wheel_builder.artifacts.output import ArtifactInfo

    wheel = None
    if filename is not None:
        wheel = ArtifactInfo(path=Path(filename), filename=filename, kind="wheel", size=1, sha256="0" * 64,
                             name="p", version="1", tags=())  # fmt: skip
    built_on = built_on or identifier.split("-", maxsplit=1)[0]
    return JobResult(identifier=identifier, python="3", status=status, built=built,  # type: ignore[arg-type]
                     built_on=built_on, covered_by=covered_by, wheel=wheel)  # fmt: skip


@pytest.mark.parametrize(
    ("result", "label"),
    [
        (_result("cp312-manylinux_x86_64", "p-1-py3-none-any.whl"), "py3-none-any (built on cp312)"),
        (_result("cp312-manylinux_x86_64", "p-1-cp312-cp312-linux_x86_64.whl"), "cp312-linux_x86_64"),
        (
            _result(
                "cp312-manylinux_x86_64", "p-1-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"
            ),
            "cp312-manylinux_2_17_x86_64",
        ),
        (
            _result("cp39-manylinux_x86_64", "p-1-cp39-abi3-manylinux_2_17_x86_64.whl"),
            "cp39-abi3-manylinux_2_17_x86_64",
        ),
        (
            _result("cp312-manylinux_x86_64", "p-1-cp39-abi3-manylinux_2_17_x86_64.whl"),
            "cp39-abi3-manylinux_2_17_x86_64 (built on cp312)",
        ),
        (
            _result(
                "cp39-manylinux_x86_64",
                "p-1-py3-none-any.whl",
                built=False,
                built_on="cp313",
                covered_by="cp313-manylinux_x86_64",
            ),
            "py3-none-any (built on cp313, for cp39)",
        ),
        (_result("cp313-manylinux_x86_64", None, status="failed"), "cp313-manylinux_x86_64"),
    ],
)
def test_a_row_is_named_after_what_it_built(result, label):
    """(issue 21, family 1) Pure and unrepaired rows are not named cpXY-manylinux_x86_64."""
    assert result.label == label
    assert result.to_dict()["label"] == label


@pytest.mark.parametrize(
    ("package", "single"),
    [
        ("pure-hatch", True),
        ("an-flit", True),
        ("an-pdm", True),
        ("an-poetry", True),
        ("an-hatch-vcs", False),  # the version is not known without git
        ("an-setuptools-static", False),  # setuptools: setup.py may decide anything
        ("an-legacy-setup-py", False),
        ("a-requirement-on-older", False),
        ("tiny-backend", False),  # an in-tree backend
        ("an-in-tree-backend", False),
        ("an-c-extension", False),
    ],
)
def test_only_a_project_known_statically_to_give_one_wheel_is_built_once(package, single):
    from headless_wheel_builder.analyze.analyzer import analyze
    from headless_wheel_builder.matrix.rule import single_wheel_reason
    from tests.conftest import PACKAGES

    assert (single_wheel_reason(analyze(PACKAGES / package)) is not None) is single


def test_a_hatch_hook_or_a_marker_in_build_requires_builds_every_leg(tmp_path):
    from headless_wheel_builder.analyze.analyzer import analyze
    from headless_wheel_builder.matrix.rule import single_wheel_reason

    base = '[project]\nname = "p"\nversion = "1"\n'
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n' + base
    )
    assert single_wheel_reason(analyze(tmp_path)) is not None
    (tmp_path / "hatch_build.py").write_text("")
    assert single_wheel_reason(analyze(tmp_path)) is None
    (tmp_path / "hatch_build.py").unlink()
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
        + base
        + "[tool.hatch.metadata.hooks.custom]\npath = 'meta.py'\n"
    )
    assert single_wheel_reason(analyze(tmp_path)) is None
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling; python_version >= \'3.8\'"]\n'
        'build-backend = "hatchling.build"\n' + base
    )
    assert single_wheel_reason(analyze(tmp_path)) is None


def _wheel(path: Path, requires: list[str], script: str) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("p/__init__.py", "")
        meta = "Metadata-Version: 2.1\nName: p\nVersion: 1\n" + "".join(
            f"Requires-Dist: {r}\n" for r in requires
        )
        archive.writestr("p-1.dist-info/METADATA", meta)
        archive.writestr("p-1.dist-info/entry_points.txt", f"[console_scripts]\n{script} = p:main\n")
        archive.writestr("p-1.dist-info/RECORD", f"p/__init__.py,,\n{path.name}\n")
    return path


def test_same_named_pure_wheels_keep_the_newest_and_name_what_differs(tmp_path):
    from headless_wheel_builder.matrix.rule import reconcile

    staged = {}
    for leg, requires, script in (("cp39", ["typing-extensions"], "hello3.9"), ("cp312", [], "hello3.12"),
                                  ("cp313", [], "hello3.13")):  # fmt: skip
        (tmp_path / leg).mkdir()
        staged[f"{leg}-manylinux_x86_64"] = _wheel(tmp_path / leg / "p-1-py3-none-any.whl", requires, script)
    results = [_result(i, "p-1-py3-none-any.whl") for i in staged]
    out = reconcile(results, dict(staged))
    assert [r.covered_by for r in out] == ["cp313-manylinux_x86_64", "cp313-manylinux_x86_64", None]
    assert out[0].differs == (
        "METADATA Requires-Dist: cp39 has 'typing-extensions', cp313 has none",
        "entry_points.txt [console_scripts]: cp39 has 'hello3.9 = p:main', cp313 has 'hello3.13 = p:main'",
    )
    assert all(r.built for r in out)


def test_same_named_abi3_wheels_keep_the_oldest(tmp_path):
    from headless_wheel_builder.matrix.rule import reconcile

    name = "p-1-cp39-abi3-manylinux_2_17_x86_64.whl"
    staged = {}
    for leg in ("cp39", "cp312"):
        (tmp_path / leg).mkdir()
        staged[f"{leg}-manylinux_x86_64"] = _wheel(tmp_path / leg / name, [], "x")
    remaining = dict(staged)
    out = reconcile([_result(i, name) for i in staged], remaining)
    assert [r.covered_by for r in out] == [None, "cp39-manylinux_x86_64"]
    assert list(remaining) == ["cp39-manylinux_x86_64"]


def test_matrix_mode_is_chosen_by_the_options(tmp_path):
    from headless_wheel_builder.api._config import wants_matrix

    def settings(**cli):
        return api.resolve_config(tmp_path, cli=cli, environ={})

    assert not wants_matrix(settings())
    assert not wants_matrix(settings(python="3.12", pythons=["3.12"]))
    assert wants_matrix(settings(pythons=["3.9", "3.10"]))
    assert wants_matrix(settings(pythons=["all"]))
    assert wants_matrix(settings(repair="auto"))
    assert wants_matrix(settings(**{"test-command": "pytest"}))
    (tmp_path / "hwb.toml").write_text('pythons = ["3.12"]\n')
    assert wants_matrix(settings())  # pythons from a file: the matrix, even for one


def test_overrides_reach_each_identifier(tmp_path):
    (tmp_path / "hwb.toml").write_text(
        'pythons = ["3.9", "3.12"]\ntest-command = "pytest"\n\n'
        '[[overrides]]\nselect = "cp39-*"\ntest-command = "python -c pass"\nmanylinux = "2_28"\n'
    )
    base = api.resolve_config(tmp_path, environ={})
    options = api.matrix_options(
        base, settings_for=lambda i: api.resolve_config(tmp_path, environ={}, identifier=i)
    )
    assert options.pythons == ("3.9", "3.12")
    assert options.settings_for("cp39-manylinux_x86_64").test_command == "python -c pass"
    assert options.settings_for("cp39-manylinux_x86_64").manylinux == "2_28"
    assert options.settings_for("cp312-manylinux_x86_64").test_command == "pytest"
    assert options.settings_for("cp312-manylinux_x86_64").manylinux is None


def test_test_command_placeholders_are_quoted_for_the_shell():
    project, wheel = Path("/src/my project"), Path("/out/p-1-py3-none-any.whl")
    text = render_command(
        "pytest {project}/tests && pip show {wheel}", project=project, wheel=wheel, windows=False
    )
    assert text == "pytest '/src/my project'/tests && pip show /out/p-1-py3-none-any.whl"
    text = render_command('python -c "d = {}"', project=project, wheel=wheel, windows=False)
    assert text == 'python -c "d = {}"'  # other braces are left alone
    assert (
        render_command("x {wheel}", project=project, wheel=Path("C:/a b/w.whl"), windows=True)
        == 'x "C:/a b/w.whl"'
    )
    assert shell_argv("echo hi", windows=False) == ["/bin/sh", "-c", "echo hi"]
    assert shell_argv("echo hi", windows=True)[-2:] == ["/c", "echo hi"]


def test_sha256sums_and_manifest_are_written_whole(tmp_path):
    files = {"b-1.0-py3-none-any.whl": b"wheel", "b-1.0.tar.gz": b"sdist"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    entries = [(n, hashlib.sha256(d).hexdigest()) for n, d in files.items()]
    path = write_sha256sums(tmp_path, [*entries, entries[0]])
    lines = path.read_text().splitlines()
    assert lines == [f"{hashlib.sha256(files[n]).hexdigest()}  {n}" for n in sorted(files)]
    assert verify_sha256sums(tmp_path) == []
    (tmp_path / "b-1.0.tar.gz").write_bytes(b"changed")
    assert verify_sha256sums(tmp_path) == ["b-1.0.tar.gz: checksum differs"]
    with pytest.raises(OutputError):
        sha256sums_text([("two words.whl", "0" * 64)])
    write_manifest(tmp_path, {"schema": 1, "builds": []})
    assert json.loads((tmp_path / "hwb-manifest.json").read_text()) == {"schema": 1, "builds": []}
    assert not list(tmp_path.glob(".hwb-tmp-*"))


def test_failed_identifiers_are_named_in_one_error(tmp_path):
    from headless_wheel_builder.matrix.schedule import MatrixReport

    error = WheelTestError("the test command failed for p.whl", why="`pytest` exited with 1")
    results = (
        JobResult(identifier="cp39-manylinux_x86_64", python="3.9.18", status="ok"),
        JobResult(identifier="cp310-manylinux_x86_64", python="3.10.13", status="failed", error=error,
                  log_path=tmp_path / "x.log"),
        JobResult(identifier="cp311-manylinux_x86_64", python="3.11.7", status="cancelled"),
    )  # fmt: skip
    report = MatrixReport(
        source=None,  # type: ignore[arg-type]
        plan=None,  # type: ignore[arg-type]
        sdist=None,
        results=results,
        outdir=tmp_path,
        manifest_path=tmp_path / "hwb-manifest.json",
        sums_path=tmp_path / "SHA256SUMS",
        jobs=2,
        seconds=1.0,
    )
    assert not report.ok
    with pytest.raises(MatrixError) as info:
        report.raise_for_failures()
    assert info.value.exit_code == 44
    assert info.value.what == "2 of 3 builds did not succeed"
    assert "cp310-manylinux_x86_64: the test command failed" in (info.value.details or "")
    assert "x.log" in (info.value.details or "")
    assert "cp311-manylinux_x86_64: cancelled" in (info.value.details or "")
