"""The matrix places what each interpreter builds (issue 21, family 1).

Real setup.py projects that decide at build time (tests/packages): a C extension only on
Python 3.12+, a requirement only on older Pythons, a console script named after the
interpreter, a setup.py that imports distutils (fails on 3.12+).  Each runs through the real
matrix, and the reference answer is made in the same test: ``python -m build --wheel`` run on
each interpreter of the matrix (pypa/build in a venv of that interpreter).  What hwb places
must be what the reference gives per interpreter; the same run with ``-j 1`` and ``-j 2``
places the same files.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from headless_wheel_builder.isolation.python import available
from tests.conftest import PACKAGES

from .corpus import cache_dir, compare_wheels, inspect_interpreter, reference_python

pytestmark = [pytest.mark.slow, pytest.mark.network]

_FOUND = {i.short_version: i for i in available()}
OLD, NEW = "3.11", "3.13"  # the projects below decide at 3.12


@pytest.fixture(scope="module", autouse=True)
def _pythons() -> None:
    if OLD not in _FOUND or NEW not in _FOUND:
        pytest.fail(f"these tests need CPython {OLD} and {NEW} (pyenv install); found {sorted(_FOUND)}")


def _tag(version: str) -> str:
    return "cp" + version.replace(".", "")


def _leg(version: str) -> str:
    return f"{_tag(version)}-manylinux_x86_64"


def _reference(
    project: Path, version: str, out: Path, env: dict[str, str] | None = None
) -> tuple[Path | None, str]:
    """``python -m build --wheel`` of a fresh copy of ``project`` with that interpreter:
    (the wheel, or None when the build failed; its output)."""
    python = reference_python(cache_dir(), inspect_interpreter(_FOUND[version].executable))
    copy = out / f"src-{version}"
    shutil.copytree(project, copy)
    proc = subprocess.run([python, "-m", "build", "--wheel", "-o", str(out / version), str(copy)],
                          capture_output=True, text=True, check=False, timeout=900,
                          env={**os.environ, **(env or {})})  # fmt: skip
    wheels = sorted((out / version).glob("*.whl")) if proc.returncode == 0 else []
    return (wheels[0] if wheels else None), proc.stdout + proc.stderr


def _manifest(outdir: Path) -> dict:
    return json.loads((outdir / "hwb-manifest.json").read_text())


def _rows(outdir: Path) -> dict[str, dict]:
    return {b["identifier"]: b for b in _manifest(outdir)["builds"]}


def _placed(outdir: Path) -> dict[str, dict[str, str]]:
    """Each placed wheel's members and their sha256 (RECORD aside: it holds the wheel's own
    name; zip timestamps are the build time for a source without SOURCE_DATE_EPOCH)."""
    placed = {}
    for wheel in sorted(outdir.glob("*.whl")):
        with zipfile.ZipFile(wheel) as archive:
            placed[wheel.name] = {
                name: hashlib.sha256(archive.read(name)).hexdigest()
                for name in archive.namelist()
                if not name.endswith(".dist-info/RECORD")
            }
    return placed


def _assert_like_reference(ours: Path, reference: Path) -> None:
    """Same files and metadata as the reference; a plain ``linux_x86_64`` reference wheel is
    hwb's repaired ``manylinux`` one."""
    diffs = compare_wheels(reference, ours)
    if reference.name.endswith("-linux_x86_64.whl"):
        assert "-manylinux" in ours.name, ours.name
        assert ours.name.split("-")[:4] == reference.name.split("-")[:4]
        diffs = [d for d in diffs if not d.startswith(("filename:", "WHEEL tags:"))]
    assert not diffs, f"{ours.name} vs the reference {reference.name}: {diffs}"
    assert _dist_info_text(ours, "entry_points.txt") == _dist_info_text(reference, "entry_points.txt")


def _dist_info_text(wheel: Path, name: str) -> str | None:
    with zipfile.ZipFile(wheel) as archive:
        members = [m for m in archive.namelist() if m.endswith(f".dist-info/{name}")]
        return archive.read(members[0]).decode() if members else None


def test_a_c_extension_only_on_newer_pythons_places_both_wheels(hwb, project_copy, tmp_path):
    """3.11 gives a pure wheel, 3.13 a platform wheel: both are placed (the platform wheel was
    thrown away for the pure one), each like `python -m build --wheel` on its interpreter;
    the rows are named after what they built."""
    src = project_copy("an-ext-on-newer")
    refs = {v: _reference(PACKAGES / "an-ext-on-newer", v, tmp_path / "ref") for v in (OLD, NEW)}
    old_ref, new_ref = refs[OLD][0], refs[NEW][0]
    assert old_ref is not None, refs[OLD][1]
    assert new_ref is not None, refs[NEW][1]
    assert old_ref.name == "ext_on_newer-1.0-py3-none-any.whl"
    assert new_ref.name.endswith("-cp313-cp313-linux_x86_64.whl")
    test = 'python -c "import ext_on_newer as m; assert m.add(2, 3) == 5"'

    placed = {}
    for jobs in ("2", "1"):
        out = tmp_path / f"out-j{jobs}"
        result = hwb("build", src, "--wheel", "--python", f"{OLD},{NEW}", "-j", jobs, "-o", out,
                     "--test-command", test)  # fmt: skip
        assert result.code == 0, result.stderr
        rows = _rows(out)
        for version in (OLD, NEW):
            row = rows[_leg(version)]
            assert row["built"] is True, row
            assert row["covered_by"] is None, row
            assert row["test"]["result"] == "passed"
            _assert_like_reference(out / row["filename"], old_ref if version == OLD else new_ref)
        assert rows[_leg(OLD)]["label"] == f"py3-none-any (built on {_tag(OLD)})"
        assert rows[_leg(NEW)]["label"].startswith(f"{_tag(NEW)}-manylinux_")
        assert rows[_leg(NEW)]["repair"]["from"].endswith("-linux_x86_64.whl")
        summary = result.stdout.splitlines()
        pure_row = f"py3-none-any (built on {_tag(OLD)})"
        assert any(line.strip().startswith(pure_row) for line in summary), summary
        assert not any("-manylinux_x86_64 " in line for line in summary), result.stdout
        placed[jobs] = _placed(out)
    assert len(placed["2"]) == 2
    # -j plays no part: the same file names (the pure wheel's members byte for byte; a
    # compiled extension's bytes depend on its build folder).
    assert sorted(placed["1"]) == sorted(placed["2"])
    pure = "ext_on_newer-1.0-py3-none-any.whl"
    assert placed["1"][pure] == placed["2"][pure]

    # The project's own switch compiles the extension on 3.11 too: two platform wheels, no
    # pure one, as the reference gives with the same environment.
    switch = {"EXT_ON_NEWER_FORCE": "1"}
    forced, output = _reference(PACKAGES / "an-ext-on-newer", OLD, tmp_path / "ref-forced", switch)
    assert forced is not None, output
    assert forced.name.endswith(f"-{_tag(OLD)}-{_tag(OLD)}-linux_x86_64.whl")
    out = tmp_path / "out-forced"
    result = hwb("build", src, "--wheel", "--python", f"{OLD},{NEW}", "-o", out, env=switch)
    assert result.code == 0, result.stderr
    rows = _rows(out)
    _assert_like_reference(out / rows[_leg(OLD)]["filename"], forced)
    assert rows[_leg(OLD)]["label"].startswith(f"{_tag(OLD)}-manylinux_")
    assert not list(out.glob("*-py3-none-any.whl"))


@pytest.mark.parametrize(
    ("package", "what_differs"),
    [
        pytest.param("a-requirement-on-older", "METADATA Requires-Dist", id="requirement-on-older"),
        pytest.param("a-script-per-python", "entry_points.txt [console_scripts]", id="script-per-python"),
    ],
)
def test_same_named_pure_wheels_that_differ_are_named_and_the_newest_placed(
    hwb, project_copy, tmp_path, package, what_differs
):
    src = project_copy(package)
    refs = {v: _reference(PACKAGES / package, v, tmp_path / "ref") for v in (OLD, NEW)}
    old_ref, new_ref = refs[OLD][0], refs[NEW][0]
    assert old_ref is not None, refs[OLD][1]
    assert new_ref is not None, refs[NEW][1]
    assert old_ref.name == new_ref.name  # the same file name ...
    member = what_differs.split()[0]  # ... different contents, in that member
    assert _dist_info_text(old_ref, member) != _dist_info_text(new_ref, member)

    placed = {}
    for jobs in ("2", "1"):
        out = tmp_path / f"out-j{jobs}"
        result = hwb("build", src, "--wheel", "--python", f"{OLD},{NEW}", "-j", jobs, "-o", out)
        assert result.code == 0, result.stderr
        (wheel,) = out.glob("*.whl")
        _assert_like_reference(wheel, new_ref)  # the newest interpreter's wheel is placed
        rows = _rows(out)
        old, new = rows[_leg(OLD)], rows[_leg(NEW)]
        assert (old["built"], new["built"]) == (True, True)  # every leg built
        assert old["covered_by"] == _leg(NEW)
        assert new["covered_by"] is None
        assert old["differs"], old
        assert any(d.startswith(what_differs) for d in old["differs"]), old["differs"]
        # Only that member differs (setuptools also lists Requires-Dist under Dynamic).
        assert all(d.startswith(what_differs.split()[0]) for d in old["differs"]), old["differs"]
        assert f"{_tag(OLD)} and {_tag(NEW)} built {wheel.name} with different contents" in result.stderr
        assert what_differs in result.stderr
        assert f"differs: {what_differs}" in result.stdout
        placed[jobs] = _placed(out)
    assert placed["1"] == placed["2"]  # member by member, whatever -j


def test_a_leg_whose_build_fails_is_reported_failed_and_the_others_placed(hwb, project_copy, tmp_path):
    """setup.py imports distutils (through setuptools < 60): 3.13's build fails, as
    `python -m build` on 3.13 does; 3.11's wheel is placed, like 3.11's reference."""
    src = project_copy("a-distutils-setup")
    refs = {v: _reference(PACKAGES / "a-distutils-setup", v, tmp_path / "ref") for v in (OLD, NEW)}
    assert refs[OLD][0] is not None, refs[OLD][1]
    assert refs[NEW][0] is None
    assert "No module named 'distutils'" in refs[NEW][1]
    for jobs in ("2", "1"):
        out = tmp_path / f"out-j{jobs}"
        result = hwb("build", src, "--wheel", "--python", f"{OLD},{NEW}", "-j", jobs, "-o", out, "--json")
        assert result.code == 44, result.stderr
        assert result.json["ok"] is False
        rows = _rows(out)
        assert rows[_leg(NEW)]["status"] == "failed"
        assert rows[_leg(NEW)]["filename"] is None
        assert rows[_leg(NEW)]["error"]["error"] == "backend-unavailable"  # setuptools cannot be imported
        assert f"{_leg(NEW)}: the build backend" in result.stderr
        assert "No module named 'distutils'" in result.stderr
        assert rows[_leg(OLD)]["status"] == "ok"
        assert rows[_leg(OLD)]["label"] == f"py3-none-any (built on {_tag(OLD)})"
        (wheel,) = out.glob("*.whl")
        _assert_like_reference(wheel, refs[OLD][0])


def test_a_project_known_to_give_one_wheel_is_built_once_and_says_why(hwb, project_copy, tmp_path):
    src = project_copy("pure-hatch")
    out = tmp_path / "out"
    result = hwb("build", src, "--wheel", "--python", f"{OLD},{NEW}", "-o", out)
    assert result.code == 0, result.stderr
    note = f"built once, on {_tag(NEW)} (the newest): hatchling builds the same py3-none-any wheel"
    assert note in result.stdout
    assert f"{_tag(OLD)} is served by that wheel, not built" in result.stdout
    rows = _rows(out)
    assert rows[_leg(OLD)]["built"] is False
    assert rows[_leg(OLD)]["covered_by"] == _leg(NEW)
    assert rows[_leg(OLD)]["label"] == f"py3-none-any (built on {_tag(NEW)}, for {_tag(OLD)})"
    ref, _ = _reference(PACKAGES / "pure-hatch", NEW, tmp_path / "ref")
    assert ref is not None
    (wheel,) = out.glob("*.whl")
    _assert_like_reference(wheel, ref)
