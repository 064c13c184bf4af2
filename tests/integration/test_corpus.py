"""hwb against the real-project corpus, and the comparison that judges it.

The corpus tests (slow, network) build each pinned sdist of shared/corpus/projects.tsv twice
with hwb — the wheel from the sdist file, and sdist-then-wheel from the unpacked folder — and
require each wheel to be equivalent to the one ``python -m build --wheel`` makes on the same
interpreter.  The fast tests below them show that the comparison can fail.
"""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from .corpus import (
    SDIST_NEEDS_VCS,
    CorpusEnv,
    CorpusError,
    Project,
    assert_equivalent,
    check_sha256,
    compare_wheels,
    extract_sdist,
    load_projects,
    make_git_checkout,
    pep625_sdist_problems,
    record_problems,
    run_hwb_build,
)

# --------------------------------------------------------------------------- corpus builds


@pytest.mark.slow
@pytest.mark.network
def test_wheel_from_sdist(
    corpus_env: CorpusEnv,
    hwb_cache_dir: Path,
    corpus_project: Project,
    corpus_sdist: Path,
    reference_wheel: Path,
    record_timing: list[tuple[str, float]],
    tmp_path: Path,
) -> None:
    """``hwb build <sdist> --wheel`` makes the reference wheel, and nothing else."""
    out = tmp_path / "out"
    result = run_hwb_build(
        corpus_sdist, outdir=out, python=corpus_env.interp.executable, mode="wheel", cache_dir=hwb_cache_dir
    )
    record_timing.append(("hwb --wheel from sdist", result.seconds))

    built = [a.get("filename") for a in result.artifacts]
    assert result.of_kind("sdist") == [], f"--wheel built an sdist: {built}"
    wheels = result.of_kind("wheel")
    assert len(wheels) == 1, f"expected one wheel, hwb built {built}"
    assert sorted(p.name for p in out.iterdir()) == [wheels[0].name]
    assert_equivalent(reference_wheel, wheels[0], f"{corpus_project.name} (wheel from sdist)")


@pytest.mark.slow
@pytest.mark.network
def test_sdist_then_wheel_from_folder(
    corpus_env: CorpusEnv,
    hwb_cache_dir: Path,
    corpus_project: Project,
    corpus_sdist: Path,
    reference_wheel: Path,
    record_timing: list[tuple[str, float]],
    tmp_path: Path,
) -> None:
    """``hwb build <folder>`` makes a PEP 625 sdist, then from it the reference wheel.

    The folder is the unpacked sdist (PKG-INFO included, so setuptools-scm and hatch-vcs find
    their version); for meson-python, which makes sdists only from a checkout, it is also made
    a git repository.
    """
    src = extract_sdist(corpus_sdist, tmp_path / "src")
    if corpus_project.backend in SDIST_NEEDS_VCS:
        make_git_checkout(src)
    out = tmp_path / "out"
    result = run_hwb_build(src, outdir=out, python=corpus_env.interp.executable, cache_dir=hwb_cache_dir)
    record_timing.append(("hwb sdist+wheel from folder", result.seconds))

    sdists, wheels = result.of_kind("sdist"), result.of_kind("wheel")
    built = [a.get("filename") for a in result.artifacts]
    assert len(sdists) == 1, f"expected one sdist from the folder, hwb built {built}"
    assert len(wheels) == 1, f"expected one wheel from the folder, hwb built {built}"
    assert sorted(p.name for p in out.iterdir()) == sorted([sdists[0].name, wheels[0].name])
    problems = pep625_sdist_problems(sdists[0], corpus_project.name, corpus_project.version)
    assert not problems, "\n".join(problems)
    assert_equivalent(reference_wheel, wheels[0], f"{corpus_project.name} (sdist then wheel)")


# --------------------------------------------------------------------------- the comparison


def _b64_sha256(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def make_wheel(
    directory: Path,
    *,
    files: Mapping[str, bytes] | None = None,
    requires: Sequence[str] = ("requests>=2", 'tomli; python_version < "3.11"'),
    tags: Sequence[str] = ("py3-none-any",),
    record_override: Mapping[str, str] | None = None,
    unlisted: Sequence[str] = (),
    extra_record: Sequence[str] = (),
) -> Path:
    """A small wheel ``demo-1.0-<tag>.whl`` with a correct RECORD unless told otherwise.

    ``record_override`` maps a path to the RECORD line to write instead of the right one;
    ``unlisted`` names files left out of RECORD; ``extra_record`` lines are added to it.
    """
    files = dict(files if files is not None else {"demo/__init__.py": b"x = 1\n"})
    dist_info = "demo-1.0.dist-info"
    metadata = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Python: >=3.9\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    files[f"{dist_info}/METADATA"] = metadata.encode()
    wheel_file = "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
    files[f"{dist_info}/WHEEL"] = (wheel_file + "".join(f"Tag: {t}\n" for t in tags)).encode()
    record = io.StringIO()
    for name, data in files.items():
        if name in unlisted:
            continue
        line = f"{name},sha256={_b64_sha256(data)},{len(data)}"
        record.write((record_override or {}).get(name, line) + "\n")
    record.writelines(f"{line}\n" for line in extra_record)
    record.write(f"{dist_info}/RECORD,,\n")
    files[f"{dist_info}/RECORD"] = record.getvalue().encode()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"demo-1.0-{'.'.join(tags)}.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def test_identical_wheels_are_equivalent(tmp_path: Path) -> None:
    ref = make_wheel(tmp_path / "ref")
    cand = make_wheel(tmp_path / "cand")
    assert compare_wheels(ref, cand) == []
    assert_equivalent(ref, cand)


def test_requirements_compare_normalized(tmp_path: Path) -> None:
    ref = make_wheel(tmp_path / "ref", requires=["Foo_Bar >= 1.0 ; python_version<'3.11'", "b"])
    cand = make_wheel(tmp_path / "cand", requires=["b", 'foo-bar>=1.0; python_version < "3.11"'])
    assert compare_wheels(ref, cand) == []


def test_a_differing_file_is_named(tmp_path: Path) -> None:
    ref = make_wheel(tmp_path / "ref")
    cand = make_wheel(tmp_path / "cand", files={"demo/__init__.py": b"x = 1\n", "demo/extra.py": b""})
    assert compare_wheels(ref, cand) == ["file only in candidate: demo/extra.py"]
    with pytest.raises(AssertionError, match=r"demo: demo-1\.0-py3-none-any\.whl is not"):
        assert_equivalent(ref, cand, "demo")


def test_a_differing_requires_dist_is_named(tmp_path: Path) -> None:
    ref = make_wheel(tmp_path / "ref", requires=["requests>=2"])
    cand = make_wheel(tmp_path / "cand", requires=["requests>=2.1"])
    diffs = compare_wheels(ref, cand)
    assert diffs == ["metadata Requires-Dist: reference ['requests>=2'] != candidate ['requests>=2.1']"]


def test_differing_tags_and_filename_are_named(tmp_path: Path) -> None:
    ref = make_wheel(tmp_path / "ref", tags=["py3-none-any"])
    cand = make_wheel(tmp_path / "cand", tags=["py2.py3-none-any"])
    diffs = compare_wheels(ref, cand)
    assert any(d.startswith("filename:") for d in diffs), diffs
    assert any(d.startswith("WHEEL tags:") for d in diffs), diffs


def test_a_bad_record_hash_is_caught(tmp_path: Path) -> None:
    ref = make_wheel(tmp_path / "ref")
    wrong = "demo/__init__.py,sha256=" + _b64_sha256(b"x = 2\n") + ",6"
    cand = make_wheel(tmp_path / "cand", record_override={"demo/__init__.py": wrong})
    diffs = compare_wheels(ref, cand)
    assert len(diffs) == 1, diffs
    assert diffs[0].startswith("candidate RECORD: demo/__init__.py: RECORD hash "), diffs


@pytest.mark.parametrize(
    ("override", "unlisted", "expected"),
    [
        ("demo/__init__.py,sha256=" + _b64_sha256(b"x = 1\n") + ",7", (), "RECORD size '7'"),
        ("demo/__init__.py,md5=abc,6", (), "not sha256 or stronger"),
        (None, ("demo/__init__.py",), "demo/__init__.py: not listed in RECORD"),
    ],
    ids=["size", "weak-hash", "unlisted"],
)
def test_record_problems(
    tmp_path: Path, override: str | None, unlisted: tuple[str, ...], expected: str
) -> None:
    assert record_problems(make_wheel(tmp_path / "good")) == []
    bad = make_wheel(
        tmp_path / "bad",
        record_override={"demo/__init__.py": override} if override else None,
        unlisted=unlisted,
    )
    problems = record_problems(bad)
    assert len(problems) == 1, problems
    assert expected in problems[0]


def test_record_listing_a_missing_file(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, extra_record=["demo/gone.py,sha256=" + _b64_sha256(b"") + ",0"])
    assert record_problems(wheel) == ["demo/gone.py: listed in RECORD but not in the wheel"]


# --------------------------------------------------------------------------- harness helpers


def _make_sdist(path: Path, top: str) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        data = b"Metadata-Version: 2.1\nName: Demo.Pkg\nVersion: 1.0\n"
        info = tarfile.TarInfo(f"{top}/PKG-INFO")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return path


def test_pep625_sdist_names(tmp_path: Path) -> None:
    good = _make_sdist(tmp_path / "demo_pkg-1.0.tar.gz", "demo_pkg-1.0")
    assert pep625_sdist_problems(good, "Demo.Pkg", "1.0") == []
    bad = _make_sdist(tmp_path / "Demo.Pkg-1.0.tar.gz", "Demo.Pkg-1.0")
    problems = pep625_sdist_problems(bad, "Demo.Pkg", "1.0")
    assert len(problems) == 2, problems
    assert "is not 'demo_pkg-1.0.tar.gz'" in problems[0]


def test_a_hash_mismatch_names_both_hashes(tmp_path: Path) -> None:
    sdist = tmp_path / "demo-1.0.tar.gz"
    sdist.write_bytes(b"not the pinned file")
    actual = hashlib.sha256(b"not the pinned file").hexdigest()
    check_sha256(sdist, actual, "sdist")
    with pytest.raises(AssertionError, match=f"expected {'0' * 64}\\n  actual   {actual}"):
        check_sha256(sdist, "0" * 64, "sdist")


def test_missing_corpus_table_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="corpus table not found"):
        load_projects(tmp_path / "projects.tsv")


def test_corpus_table_parses() -> None:
    projects = load_projects()
    assert len({p.name for p in projects}) == len(projects)
    assert all(len(p.sdist_sha256) == 64 for p in projects)
