"""Artifacts: describe, structural validation of wheels and sdists, atomic placement."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest

from headless_wheel_builder.artifacts import output
from headless_wheel_builder.artifacts.output import (
    TEMP_PREFIX,
    describe,
    place_artifacts,
    read_metadata,
    validate,
)
from headless_wheel_builder.artifacts.validate import MAX_PER_CODE
from headless_wheel_builder.errors import OutputError, ValidationError
from tests.unit._distfactory import FakeSdist, FakeWheel, record_hash, symlink

Rows = list[list[str]]


def _codes(path: Path) -> list[str]:
    return sorted({p.code for p in validate(path)})


def _set_row(member: str, column: int, value: str) -> Any:
    def edit(rows: Rows) -> Rows:
        for row in rows:
            if row[0] == member:
                row[column] = value
        return rows

    return edit


# --- describe / read_metadata ----------------------------------------------------------


def test_describe_wheel(tmp_path: Path) -> None:
    wheel = FakeWheel(name="demo_pkg", version="1.0", tag="py2.py3-none-any").build(tmp_path)
    info = describe(wheel)
    assert info.kind == "wheel"
    assert info.name == "demo-pkg"
    assert info.version == "1.0"
    assert info.tags == ("py2-none-any", "py3-none-any")
    assert info.size == wheel.stat().st_size
    assert info.sha256 == hashlib.sha256(wheel.read_bytes()).hexdigest()
    data = info.to_dict()
    assert data["path"] == str(wheel)
    assert data["tags"] == ["py2-none-any", "py3-none-any"]
    assert json.loads(json.dumps(data)) == data


def test_describe_sdist(tmp_path: Path) -> None:
    sdist = FakeSdist(name="demo_pkg", version="2.0.post1").build(tmp_path)
    info = describe(sdist)
    assert (info.kind, info.name, info.version, info.tags) == ("sdist", "demo-pkg", "2.0.post1", ())
    assert info.filename == "demo_pkg-2.0.post1.tar.gz"


@pytest.mark.parametrize("filename", ["demo.whl", "notes.txt", "demo.tar.gz"])
def test_describe_refuses_unparseable_names(tmp_path: Path, filename: str) -> None:
    path = tmp_path / filename
    path.write_bytes(b"x")
    with pytest.raises(ValidationError, match="cannot describe"):
        describe(path)


def test_read_metadata(tmp_path: Path) -> None:
    wheel = FakeWheel(metadata={"Requires-Dist": ["packaging>=24"]}).build(tmp_path / "w")
    sdist = FakeSdist(version="1.5").build(tmp_path / "s")
    assert read_metadata(wheel).name == "demo-pkg"
    assert [str(r) for r in read_metadata(wheel).requires_dist or []] == ["packaging>=24"]
    assert str(read_metadata(sdist).version) == "1.5"


def test_read_metadata_invalid(tmp_path: Path) -> None:
    wheel = FakeWheel(metadata={"Version": None}).build(tmp_path)
    with pytest.raises(ValidationError, match="version"):
        read_metadata(wheel)
    assert read_metadata(wheel, validate=False).name == "demo-pkg"


def test_read_metadata_without_metadata(tmp_path: Path) -> None:
    wheel = FakeWheel(omit=frozenset({"METADATA"})).build(tmp_path)
    with pytest.raises(ValidationError, match="core metadata"):
        read_metadata(wheel)


# --- wheels ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "wheel",
    [
        FakeWheel(),
        FakeWheel(build_tag="1abc"),
        FakeWheel(tag="cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64"),
        FakeWheel(name="my_project_x", version="1.0.0rc1+local.7", root_is_purelib=False),
        FakeWheel(files={"demo_pkg-1.0.data/scripts/demo": "#!python\n", "demo.pth": "x\n"}),
        FakeWheel(extra_members={"demo_pkg-1.0.dist-info/RECORD.jws": "{}"}),
    ],
    ids=["plain", "build-tag", "platform-tags", "platlib-local-version", "data", "signature"],
)
def test_valid_wheel(tmp_path: Path, wheel: FakeWheel) -> None:
    assert validate(wheel.build(tmp_path)) == []


WHEEL_CASES: dict[str, tuple[FakeWheel, str]] = {
    "bad-hash": (
        FakeWheel(edit_record=_set_row("demo_pkg/core.py", 1, record_hash(b"other"))),
        "W-RECORD-HASH",
    ),
    "md5-hash": (
        FakeWheel(edit_record=_set_row("demo_pkg/core.py", 1, "md5=1B2M2Y8AsgTpgAmY7PhCfg")),
        "W-RECORD-HASH",
    ),
    "padded-hash": (
        FakeWheel(edit_record=_set_row("demo_pkg/core.py", 1, record_hash(b"def answer") + "=")),
        "W-RECORD-HASH",
    ),
    "no-hash": (FakeWheel(edit_record=_set_row("demo_pkg/core.py", 1, "")), "W-RECORD-HASH"),
    "wrong-size": (FakeWheel(edit_record=_set_row("demo_pkg/core.py", 2, "3")), "W-RECORD-SIZE"),
    "bad-size": (FakeWheel(edit_record=_set_row("demo_pkg/core.py", 2, "ten")), "W-RECORD-SIZE"),
    "unlisted": (FakeWheel(extra_members={"demo_pkg/extra.py": "x = 1\n"}), "W-RECORD-UNLISTED"),
    "listed-missing": (
        FakeWheel(edit_record=lambda rows: [["demo_pkg/gone.py", record_hash(b""), "0"], *rows]),
        "W-RECORD-MISSING",
    ),
    "record-row-hashed": (
        FakeWheel(edit_record=_set_row("demo_pkg-1.0.dist-info/RECORD", 1, record_hash(b""))),
        "W-RECORD",
    ),
    "record-not-self-listed": (FakeWheel(edit_record=lambda rows: rows[:-1]), "W-RECORD"),
    "record-short-row": (FakeWheel(edit_record=lambda rows: [*rows, ["a.py"]]), "W-RECORD"),
    "missing-record": (FakeWheel(omit=frozenset({"RECORD"})), "W-DIST-INFO"),
    "missing-metadata": (FakeWheel(omit=frozenset({"METADATA"})), "W-DIST-INFO"),
    "missing-wheel": (FakeWheel(omit=frozenset({"WHEEL"})), "W-DIST-INFO"),
    "dist-info-name": (FakeWheel(dist_info="other-1.0.dist-info"), "W-DIST-INFO"),
    "dist-info-version": (FakeWheel(dist_info="demo_pkg-1.1.dist-info"), "W-DIST-INFO"),
    "two-dist-infos": (
        FakeWheel(files={"demo_pkg/__init__.py": "", "other-1.0.dist-info/METADATA": "x"}),
        "W-DIST-INFO",
    ),
    "tags-mismatch": (FakeWheel(wheel_tags=["py2-none-any"]), "W-TAGS"),
    "tags-extra": (FakeWheel(wheel_tags=["py3-none-any", "py2-none-any"]), "W-TAGS"),
    "no-tags": (FakeWheel(wheel_tags=[]), "W-TAGS"),
    "wheel-version": (
        FakeWheel(wheel_text="Wheel-Version: 2.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
        "W-WHEEL",
    ),
    "root-is-purelib": (
        FakeWheel(wheel_text="Wheel-Version: 1.0\nRoot-Is-Purelib: yes\nTag: py3-none-any\n"),
        "W-WHEEL",
    ),
    "build-mismatch": (
        FakeWheel(
            build_tag="1",
            wheel_text="Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\nBuild: 2\n",
        ),
        "W-WHEEL",
    ),
    "invalid-requires-dist": (FakeWheel(metadata={"Requires-Dist": "foo >= "}), "W-METADATA"),
    "missing-version": (FakeWheel(metadata={"Version": None}), "W-METADATA"),
    "unknown-field": (FakeWheel(metadata={"Colour": "blue"}), "W-METADATA"),
    "name-mismatch": (FakeWheel(metadata_name="other-pkg"), "W-METADATA"),
    "version-mismatch": (FakeWheel(metadata={"Version": "1.1"}), "W-METADATA"),
    "non-normalised-name": (FakeWheel(name="Demo_Pkg"), "W-FILENAME"),
    "non-normalised-name-dots": (FakeWheel(name="demo.pkg"), "W-FILENAME"),
    "non-normalised-version": (FakeWheel(version="1.0RC1"), "W-FILENAME"),
    "unparseable-filename": (FakeWheel(filename="demo_pkg-1.0.whl"), "W-FILENAME"),
    "bad-build-tag": (FakeWheel(filename="demo_pkg-1.0-abc-py3-none-any.whl"), "W-FILENAME"),
    "dotdot-member": (
        FakeWheel(files={"demo_pkg/__init__.py": "", "../evil.py": "x = 1\n"}),
        "W-ZIP",
    ),
    "absolute-member": (
        FakeWheel(files={"demo_pkg/__init__.py": "", "/tmp/evil.py": "x = 1\n"}),
        "W-ZIP",
    ),
}


@pytest.mark.parametrize(("wheel", "code"), WHEEL_CASES.values(), ids=WHEEL_CASES.keys())
def test_broken_wheel(tmp_path: Path, wheel: FakeWheel, code: str) -> None:
    problems = validate(wheel.build(tmp_path))
    assert {p.code for p in problems} == {code}, problems
    assert all(p.severity == "error" for p in problems)


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "demo_pkg-1.0-py3-none-any.whl"
    path.write_bytes(b"this is not a zip file")
    assert _codes(path) == ["W-ZIP"]


def test_messages_are_concrete(tmp_path: Path) -> None:
    wheel = FakeWheel(
        edit_record=lambda rows: _set_row("demo_pkg/core.py", 2, "3")(
            _set_row("demo_pkg/__init__.py", 1, record_hash(b"other"))(rows)
        )
    ).build(tmp_path)
    messages = {p.code: p.message for p in validate(wheel)}
    size = len(b"def answer() -> int:\n    return 42\n")
    assert "demo_pkg/core.py" in messages["W-RECORD-SIZE"]
    assert f"RECORD says 3 bytes, the file has {size}" in messages["W-RECORD-SIZE"]
    assert "demo_pkg/__init__.py" in messages["W-RECORD-HASH"]
    assert record_hash(b"other") in messages["W-RECORD-HASH"]
    assert record_hash(b'__version__ = "1.0"\n') in messages["W-RECORD-HASH"]


def test_tag_mismatch_message(tmp_path: Path) -> None:
    wheel = FakeWheel(wheel_tags=["py2-none-any"]).build(tmp_path)
    (problem,) = validate(wheel)
    assert "missing from WHEEL: py3-none-any" in problem.message
    assert "not in the filename: py2-none-any" in problem.message


def test_metadata_problems_one_per_field(tmp_path: Path) -> None:
    wheel = FakeWheel(metadata={"Version": None, "Requires-Dist": "foo >= "}).build(tmp_path)
    messages = [p.message for p in validate(wheel)]
    assert len(messages) == 2
    assert any("'version' is a required field" in m for m in messages)
    assert any("requires-dist" in m and "foo >=" in m for m in messages)


@pytest.mark.parametrize("factory", [FakeWheel, FakeSdist], ids=["wheel", "sdist"])
def test_license_file_before_metadata_2_4_warns(
    tmp_path: Path, factory: type[FakeWheel] | type[FakeSdist]
) -> None:
    """As twine: setuptools long wrote License-File under 2.1; dropped with a warning."""
    fields = {"Metadata-Version": "2.1", "License-File": "LICENSE"}
    (problem,) = validate(factory(metadata=fields).build(tmp_path / "old"))
    assert problem.code.endswith("-METADATA")
    assert problem.severity == "warning"
    assert "Metadata-Version 2.4, not 2.1" in problem.message
    assert read_metadata(factory(metadata=fields).build(tmp_path / "r")).license_files is None
    fields["Metadata-Version"] = "2.4"
    shipped = "demo_pkg-1.0.dist-info/licenses/LICENSE" if factory is FakeWheel else "LICENSE"
    files = {**factory().files, shipped: "MIT License\n"}
    assert validate(factory(metadata=fields, files=files).build(tmp_path / "new")) == []


@pytest.mark.parametrize("factory", [FakeWheel, FakeSdist], ids=["wheel", "sdist"])
def test_license_file_promised_but_missing_is_refused(
    tmp_path: Path, factory: type[FakeWheel] | type[FakeSdist]
) -> None:
    """Metadata-Version 2.4 makes License-File a promise: PyPI refuses an upload without the file."""
    fields = {"Metadata-Version": "2.4", "License-File": ["LICENSE", "LICENSES/MIT.txt"]}
    shipped = "demo_pkg-1.0.dist-info/licenses/LICENSE" if factory is FakeWheel else "LICENSE"
    files = {**factory().files, shipped: "MIT License\n"}
    (problem,) = validate(factory(metadata=fields, files=files).build(tmp_path))
    assert problem.code == ("W-LICENSE-FILE" if factory is FakeWheel else "S-LICENSE-FILE")
    assert problem.severity == "error"
    assert "'LICENSES/MIT.txt' is not in the" in problem.message


def test_metadata_2_0_is_rejected(tmp_path: Path) -> None:
    (problem,) = validate(FakeWheel(metadata={"Metadata-Version": "2.0"}).build(tmp_path))
    assert (problem.code, problem.severity) == ("W-METADATA", "error")
    assert "2.0" in problem.message


def test_many_problems_are_capped(tmp_path: Path) -> None:
    extra = {f"demo_pkg/extra{i}.py": f"x = {i}\n" for i in range(MAX_PER_CODE + 5)}
    problems = validate(FakeWheel(extra_members=extra).build(tmp_path))
    assert len(problems) == MAX_PER_CODE + 1
    assert problems[-1].message == "… and 5 more W-RECORD-UNLISTED problems"


def test_problem_str(tmp_path: Path) -> None:
    wheel = FakeWheel(extra_members={"demo_pkg/extra.py": ""}).build(tmp_path)
    (problem,) = validate(wheel)
    assert str(problem).startswith(f"{wheel.name}: W-RECORD-UNLISTED: 'demo_pkg/extra.py'")


# --- sdists ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sdist",
    [
        FakeSdist(),
        FakeSdist(name="my_project", version="2.0.post1"),
        FakeSdist(extra_members=[symlink("demo_pkg-1.0/link.py", "src/demo_pkg/__init__.py")]),
    ],
    ids=["plain", "other-name", "inner-symlink"],
)
def test_valid_sdist(tmp_path: Path, sdist: FakeSdist) -> None:
    assert validate(sdist.build(tmp_path)) == []


SDIST_CASES: dict[str, tuple[FakeSdist, str]] = {
    "missing-pkg-info": (FakeSdist(omit_pkg_info=True), "S-PKG-INFO"),
    "dotdot-member": (FakeSdist(extra_members=[("demo_pkg-1.0/../evil.py", "x")]), "S-TAR"),
    "symlink-outside": (
        FakeSdist(extra_members=[symlink("demo_pkg-1.0/link", "../../etc/passwd")]),
        "S-TAR",
    ),
    "symlink-to-sibling": (
        FakeSdist(extra_members=[symlink("demo_pkg-1.0/link", "../other")]),
        "S-TAR",
    ),
    "absolute-symlink": (
        FakeSdist(extra_members=[symlink("demo_pkg-1.0/link", "/etc/passwd")]),
        "S-TAR",
    ),
    "invalid-requires-dist": (FakeSdist(metadata={"Requires-Dist": "foo >= "}), "S-METADATA"),
    "missing-version": (FakeSdist(metadata={"Version": None}), "S-METADATA"),
    "version-mismatch": (FakeSdist(metadata={"Version": "2.0"}), "S-METADATA"),
    "name-mismatch": (FakeSdist(metadata_name="other"), "S-METADATA"),
    "unparseable-filename": (FakeSdist(filename="demo.tar.gz"), "S-FILENAME"),
}


@pytest.mark.parametrize(("sdist", "code"), SDIST_CASES.values(), ids=SDIST_CASES.keys())
def test_broken_sdist(tmp_path: Path, sdist: FakeSdist, code: str) -> None:
    problems = validate(sdist.build(tmp_path))
    assert {p.code for p in problems} == {code}, problems
    assert all(p.severity == "error" for p in problems)


@pytest.mark.parametrize(
    "sdist",
    [
        FakeSdist(top_dir="demo_pkg-2.0"),
        FakeSdist(extra_members=[("other/file.txt", "x")]),
        FakeSdist(extra_members=[("setup.py", "x")]),
    ],
    ids=["wrong-top-dir", "two-top-dirs", "top-level-file"],
)
def test_sdist_layout_is_a_warning(tmp_path: Path, sdist: FakeSdist) -> None:
    """PyPI accepts an sdist with more than its {name}-{version}/ folder: hwb warns."""
    problems = validate(sdist.build(tmp_path))
    assert [(p.code, p.severity) for p in problems] == [("S-LAYOUT", "warning")], problems


def test_symlink_with_dotdot_inside_the_sdist_is_fine(tmp_path: Path) -> None:
    """As tarfile's data filter and twine: '..' is fine while the link stays in the sdist."""
    links = [symlink("demo_pkg-1.0/docs/a/link", "../../src/demo_pkg/__init__.py"),
             symlink("demo_pkg-1.0/src/demo_pkg/up", "../..")]  # fmt: skip
    sdist = FakeSdist(extra_members=links).build(tmp_path)
    assert validate(sdist) == []
    with tarfile.open(sdist) as tf:
        tf.extractall(tmp_path / "x", filter="data")  # the reference accepts it too


@pytest.mark.parametrize(
    ("member", "what"),
    [
        (lambda: _hardlink("demo_pkg-1.0/PKG-INFO", "demo_pkg-1.0/pyproject.toml"), "a hard link"),
        (lambda: _dir("demo_pkg-1.0/PKG-INFO"), "a directory"),
    ],
    ids=["hardlink", "directory"],
)
def test_pkg_info_that_is_not_a_regular_file(tmp_path: Path, member, what: str) -> None:
    (problem,) = validate(FakeSdist(omit_pkg_info=True, extra_members=[member()]).build(tmp_path))
    assert problem.code == "S-PKG-INFO"
    assert "'demo_pkg-1.0/PKG-INFO' is not a regular file" in problem.message
    assert what in problem.message
    assert "missing" not in problem.message


def _hardlink(name: str, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.LNKTYPE
    info.linkname = target
    return info


def _dir(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    return info


@pytest.mark.parametrize(
    ("sdist", "text"),
    [
        (FakeSdist(name="Demo-Pkg"), "PyPI requires PEP 625 names"),
        (FakeSdist(name="demo.pkg"), "expected 'demo_pkg-1.0'"),
        (FakeSdist(fmt="zip"), "PEP 625 requires .tar.gz"),
    ],
    ids=["dashes-and-capitals", "dots", "zip"],
)
def test_sdist_filename_warnings(tmp_path: Path, sdist: FakeSdist, text: str) -> None:
    (problem,) = validate(sdist.build(tmp_path))
    assert (problem.code, problem.severity) == ("S-FILENAME", "warning")
    assert text in problem.message


def test_zip_sdist_is_read(tmp_path: Path) -> None:
    sdist = FakeSdist(fmt="zip", metadata={"Version": None}).build(tmp_path)
    assert _codes(sdist) == ["S-FILENAME", "S-METADATA"]


def test_not_a_tarball(tmp_path: Path) -> None:
    path = tmp_path / "demo_pkg-1.0.tar.gz"
    path.write_bytes(b"not gzip at all")
    assert _codes(path) == ["S-TAR"]


def test_layout_message_names_expected_dir(tmp_path: Path) -> None:
    (problem,) = validate(FakeSdist(top_dir="demo-pkg-1.0").build(tmp_path))
    assert "'demo-pkg-1.0/'" in problem.message
    assert "expected 'demo_pkg-1.0/'" in problem.message


def test_validate_missing_and_unknown(tmp_path: Path) -> None:
    assert _codes(tmp_path / "gone-1.0-py3-none-any.whl") == ["MISSING"]
    other = tmp_path / "demo-1.0.tar.bz2"
    other.write_bytes(b"")
    assert _codes(other) == ["UNKNOWN-TYPE"]


# --- place_artifacts -------------------------------------------------------------------


def _dists(tmp_path: Path) -> list[Path]:
    build = tmp_path / "build"
    return [FakeWheel().build(build), FakeSdist().build(build)]


def _temps(directory: Path) -> list[Path]:
    return sorted(directory.glob(f"{TEMP_PREFIX}*"))


def test_place_artifacts(tmp_path: Path) -> None:
    files = _dists(tmp_path)
    contents = [f.read_bytes() for f in files]
    outdir = tmp_path / "dist" / "nested"
    placed = place_artifacts(files, outdir)
    assert placed == [outdir / f.name for f in files]
    assert [p.read_bytes() for p in placed] == contents
    assert not any(f.exists() for f in files)
    assert sorted(p.name for p in outdir.iterdir()) == sorted(f.name for f in files)


def test_place_artifacts_replaces_existing(tmp_path: Path) -> None:
    files = _dists(tmp_path)
    outdir = tmp_path / "dist"
    outdir.mkdir()
    (outdir / files[0].name).write_bytes(b"old")
    expected = files[0].read_bytes()
    place_artifacts(files, outdir)
    assert (outdir / files[0].name).read_bytes() == expected
    assert _temps(outdir) == []


def test_place_artifacts_file_already_there(tmp_path: Path) -> None:
    wheel = FakeWheel().build(tmp_path)
    assert place_artifacts([wheel], tmp_path) == [wheel]
    assert wheel.exists()


def test_temp_names_are_hidden_and_not_dists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real_replace = os.replace

    def spy(src: Any, dst: Any) -> None:
        seen.append(Path(dst).name)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    files = _dists(tmp_path)
    place_artifacts(files, tmp_path / "dist")
    temps = [name for name in seen if name.startswith(TEMP_PREFIX)]
    assert len(temps) == 2
    assert not any(t.endswith((".whl", ".tar.gz", ".zip")) for t in temps)


@pytest.mark.parametrize(
    ("exc", "raised"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), OutputError),
        (KeyboardInterrupt(), KeyboardInterrupt),
    ],
    ids=["oserror", "interrupt"],
)
def test_failure_mid_placement_undoes_everything(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    exc: BaseException,
    raised: type[BaseException],
) -> None:
    """A failure on the 2nd file's final rename: nothing placed, sources back, no temp left."""
    files = _dists(tmp_path)
    contents = [f.read_bytes() for f in files]
    outdir = tmp_path / "dist"
    real_replace = os.replace

    def flaky(src: Any, dst: Any) -> None:
        if Path(dst) == outdir / files[1].name:
            raise exc
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(raised):
        place_artifacts(files, outdir)
    assert list(outdir.iterdir()) == []
    assert [f.read_bytes() for f in files] == contents


def test_failure_restores_replaced_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _dists(tmp_path)
    outdir = tmp_path / "dist"
    outdir.mkdir()
    (outdir / files[0].name).write_bytes(b"old wheel")
    (outdir / "unrelated.txt").write_bytes(b"keep")
    real_replace = os.replace

    def flaky(src: Any, dst: Any) -> None:
        if Path(dst) == outdir / files[1].name:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(KeyboardInterrupt):
        place_artifacts(files, outdir)
    assert sorted(p.name for p in outdir.iterdir()) == sorted([files[0].name, "unrelated.txt"])
    assert (outdir / files[0].name).read_bytes() == b"old wheel"
    assert all(f.exists() for f in files)


def test_failure_while_staging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The 2nd source cannot be moved: the 1st, already staged, goes back."""
    files = _dists(tmp_path)
    outdir = tmp_path / "dist"
    real_replace = os.replace

    def flaky(src: Any, dst: Any) -> None:
        if Path(src) == files[1]:
            raise PermissionError(errno.EACCES, "Permission denied", str(src))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(OutputError) as info:
        place_artifacts(files, outdir)
    assert info.value.why == f"Permission denied: {files[1]}"
    assert list(outdir.iterdir()) == []
    assert all(f.exists() for f in files)


def _no_cross_device(monkeypatch: pytest.MonkeyPatch) -> None:
    real_replace = os.replace

    def replace(src: Any, dst: Any) -> None:
        if Path(src).parent != Path(dst).parent:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)


def test_cross_filesystem_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _dists(tmp_path)
    contents = [f.read_bytes() for f in files]
    _no_cross_device(monkeypatch)
    outdir = tmp_path / "dist"
    outdir.mkdir()
    (outdir / files[1].name).write_bytes(b"old sdist")
    placed = place_artifacts(files, outdir)
    assert [p.read_bytes() for p in placed] == contents
    assert not any(f.exists() for f in files)
    assert _temps(outdir) == []


def test_interrupted_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _dists(tmp_path)
    calls = 0
    real_copy = shutil.copyfileobj

    def interrupted_on_second(*args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt
        real_copy(*args, **kwargs)

    _no_cross_device(monkeypatch)
    monkeypatch.setattr(shutil, "copyfileobj", interrupted_on_second)
    outdir = tmp_path / "dist"
    with pytest.raises(KeyboardInterrupt):
        place_artifacts(files, outdir)
    assert list(outdir.iterdir()) == []
    assert all(f.exists() for f in files)


def test_same_name_twice(tmp_path: Path) -> None:
    first, second = FakeWheel().build(tmp_path / "a"), FakeWheel().build(tmp_path / "b")
    with pytest.raises(OutputError, match="cannot place") as info:
        place_artifacts([first, second], tmp_path / "dist")
    assert first.name in str(info.value.why)
    assert first.exists()
    assert second.exists()


def test_stale_temps_removed(tmp_path: Path) -> None:
    outdir = tmp_path / "dist"
    outdir.mkdir()
    old, fresh = outdir / f"{TEMP_PREFIX}old.part", outdir / f"{TEMP_PREFIX}fresh.part"
    old.write_bytes(b"x")
    fresh.write_bytes(b"x")
    two_hours_ago = time.time() - 2 * output.STALE_TEMP_AGE
    os.utime(old, (two_hours_ago, two_hours_ago))
    place_artifacts(_dists(tmp_path), outdir)
    assert not old.exists()
    assert fresh.exists()  # may belong to a run still going


def test_outdir_is_a_file(tmp_path: Path) -> None:
    outdir = tmp_path / "dist"
    outdir.write_text("")
    with pytest.raises(OutputError) as info:
        place_artifacts(_dists(tmp_path), outdir)
    assert info.value.why == "it is a file, not a folder"
    assert info.value.hint


def test_outdir_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError, match="cannot create the output folder") as info:
        place_artifacts(_dists(tmp_path), tmp_path / "file" / "dist")
    assert info.value.why
    assert info.value.hint


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_outdir_not_writable(tmp_path: Path) -> None:
    outdir = tmp_path / "dist"
    outdir.mkdir(mode=0o555)
    try:
        with pytest.raises(OutputError, match="cannot write"):
            place_artifacts(_dists(tmp_path), outdir)
    finally:
        outdir.chmod(0o755)


def test_outdir_not_writable_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root the permission check cannot fail for real; simulate ``access`` saying no."""
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    files = _dists(tmp_path)
    with pytest.raises(OutputError, match="cannot write") as info:
        place_artifacts(files, tmp_path / "dist")
    assert info.value.why == "permission denied"
    assert all(f.exists() for f in files)


def test_missing_source(tmp_path: Path) -> None:
    outdir = tmp_path / "dist"
    with pytest.raises(OutputError, match="cannot place") as info:
        place_artifacts([tmp_path / "gone-1.0-py3-none-any.whl"], outdir)
    assert "gone-1.0-py3-none-any.whl" in str(info.value.why)
    assert _temps(outdir) == []


def test_an_unusable_output_folder_fails_before_any_work(tmp_path: Path) -> None:
    """check_outdir runs before a build starts (build_project, the matrix, containers) and
    creates nothing: a file where the folder should be, or a file on its way."""
    from headless_wheel_builder.artifacts.output import check_outdir

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot use") as info:
        check_outdir(blocker)
    assert info.value.why == "it is a file, not a folder"
    with pytest.raises(OutputError, match="cannot create") as info:
        check_outdir(blocker / "dist")
    assert "is a file, not a folder" in str(info.value.why)
    check_outdir(tmp_path / "new" / "dist")  # creatable: fine, and nothing is made yet
    assert not (tmp_path / "new").exists()
