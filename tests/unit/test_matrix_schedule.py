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
from headless_wheel_builder.matrix.schedule import covers
from headless_wheel_builder.platforms import Identifier


def ident(minor: int, platform: str = "linux", arch: str = "x86_64") -> Identifier:
    return Identifier(platform=platform, arch=arch, minor=minor)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("wheel", "built", "other", "expected"),
    [
        ("p-1-py3-none-any.whl", ident(9), ident(13), True),
        ("p-1-py2.py3-none-any.whl", ident(9), ident(13, "windows", "AMD64"), True),
        ("p-1-py310-none-any.whl", ident(10), ident(9), False),
        ("p-1-py310-none-any.whl", ident(10), ident(12), True),
        ("p-1-cp39-abi3-manylinux_2_17_x86_64.whl", ident(9), ident(13), True),
        ("p-1-cp310-abi3-manylinux_2_17_x86_64.whl", ident(10), ident(9), False),
        ("p-1-cp39-abi3-manylinux_2_17_x86_64.whl", ident(9), ident(12, arch="aarch64"), False),
        ("p-1-cp312-cp312-manylinux_2_17_x86_64.whl", ident(12), ident(13), False),
        ("p-1-py3-none-manylinux_2_17_x86_64.whl", ident(9), ident(12), True),
        ("p-1-py3-none-manylinux_2_17_x86_64.whl", ident(9), ident(12, "macos", "arm64"), False),
    ],
)
def test_which_wheel_serves_which_identifier(wheel, built, other, expected):
    assert covers(Path(wheel), built, other) is expected


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
