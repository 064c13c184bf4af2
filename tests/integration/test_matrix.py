"""The build matrix for real: every CPython 3.9-3.13 present, in parallel, each wheel repaired
by auditwheel to a manylinux tag and imported by its own interpreter; a pure project built
once; failures isolated; `hwb matrix --format github` ready for strategy.matrix."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from headless_wheel_builder.isolation.python import available
from headless_wheel_builder.repair.elf import versioned_symbols
from tests.conftest import PACKAGES, ROOT

from .corpus import cache_dir, fetch_sdist, load_projects

pytestmark = [pytest.mark.slow, pytest.mark.network]

PRESENT = [i.short_version for i in available() if (3, 9) <= i.version[:2] <= (3, 13)]
# Imports the extension with the interpreter of the venv it runs in, and proves which one.
SPAM_TEST = (
    'python -c "import spam, sys; assert spam.add(2, 3) == 5; '
    "tag = 'cpython-%d%d' % sys.version_info[:2]; "
    "assert tag in spam._spam.__file__ and 'site-packages' in spam._spam.__file__, spam._spam.__file__\""
)


@pytest.fixture(scope="module", autouse=True)
def _enough_pythons() -> None:
    if len(PRESENT) < 2:
        pytest.fail(f"the matrix tests need at least two of CPython 3.9-3.13; found {PRESENT}")


def _manifest(outdir: Path) -> dict:
    return json.loads((outdir / "hwb-manifest.json").read_text())


def _sha256sum_check(outdir: Path) -> None:
    proc = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=outdir, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count(": OK") == len(list(outdir.glob("*.whl")) + list(outdir.glob("*.tar.gz")))


def _assert_repaired_and_tested(outdir: Path, manifest: dict, name: str) -> None:
    builds = manifest["builds"]
    assert [b["identifier"] for b in builds] == [f"cp{v.replace('.', '')}-manylinux_x86_64" for v in PRESENT]
    for build in builds:
        assert build["status"] == "ok", build
        assert build["built"] is True
        tag = build["identifier"].split("-")[0]
        assert re.fullmatch(rf"{name}-[\d.]+-{tag}-{tag}-manylinux[\w.]*_x86_64\.whl", build["filename"])
        assert build["repair"]["tool"] == "auditwheel"
        assert build["repair"]["from"].endswith("-linux_x86_64.whl")
        assert build["test"]["result"] == "passed"
        assert build["test"]["python"].startswith(build["python"].rsplit(".", 1)[0])
        assert Path(build["log"]).is_file()
        assert (outdir / build["filename"]).is_file()
    assert not list(outdir.glob("*-linux_x86_64.whl")), "unrepaired wheels must not be left for publishing"
    _sha256sum_check(outdir)


def test_c_extension_for_every_python_in_parallel(hwb, tmp_path):
    src = tmp_path / "spam-ext"
    shutil.copytree(ROOT / "examples" / "spam-ext", src)
    out = tmp_path / "out"
    # A plain linux wheel left by an earlier single build is replaced by the repaired one.
    out.mkdir()
    (
        out
        / f"spam_ext-1.0.0-cp{PRESENT[0].replace('.', '')}-cp{PRESENT[0].replace('.', '')}-linux_x86_64.whl"
    ).write_bytes(b"")
    result = hwb("build", src, "--python", ",".join(PRESENT), "-j", "2", "-o", out,
                 "--test-command", SPAM_TEST, "--json")  # fmt: skip
    assert result.code == 0, result.stderr
    manifest = _manifest(out)
    assert result.json["builds"] == manifest["builds"]
    _assert_repaired_and_tested(out, manifest, "spam_ext")
    assert manifest["sdist"]["filename"] == "spam_ext-1.0.0.tar.gz"
    assert manifest["jobs"] == 2
    # Plain lines when piped: one per state change, no terminal control characters.
    assert "\x1b[" not in result.stderr
    assert f"[cp{PRESENT[-1].replace('.', '')}-manylinux_x86_64] ok in" in result.stderr
    # Each wheel is built in its own copy of the unpacked sdist: no build/ in the source folder
    # (setuptools' sdist step writes only its egg-info there, as `python -m build` does).
    assert not (src / "build").exists()


def test_markupsafe_from_the_corpus_sdist(hwb, tmp_path):
    project = next(p for p in load_projects() if p.name == "markupsafe")
    sdist, _ = fetch_sdist(project, cache_dir(), Path(sys.executable))
    out = tmp_path / "out"
    test = ('python -c "import markupsafe, markupsafe._speedups as s, sys; '
            "assert markupsafe.escape('<') == '&lt;'; assert 'site-packages' in s.__file__\"")  # fmt: skip
    result = hwb("build", sdist, "--python", "all", "--skip", "cp314-*", "-j", "2", "-o", out,
                 "--test-command", test, "--json")  # fmt: skip
    assert result.code == 0, result.stderr
    manifest = _manifest(out)
    assert manifest["sdist"] is None  # built from the given sdist, not a new one
    _assert_repaired_and_tested(out, manifest, "markupsafe")
    skipped = {s["identifier"]: s["reason"] for s in manifest["skipped"]}
    if any(i.version[:2] == (3, 8) for i in available()):
        assert skipped["cp38-manylinux_x86_64"].startswith("requires-python '>=3.9' excludes Python 3.8")


def test_pure_project_for_five_pythons_is_built_once(hwb, project_copy, tmp_path):
    src = project_copy("pure-hatch")
    out = tmp_path / "out"
    result = hwb("build", src, "--python", ",".join(PRESENT), "-o", out,
                 "--test-command", 'python -c "import pure_hatch, sys; print(sys.version)"')  # fmt: skip
    assert result.code == 0, result.stderr
    assert "built once" in result.stdout
    assert [p.name for p in out.glob("*.whl")] == ["pure_hatch-2.1.0-py3-none-any.whl"]
    builds = _manifest(out)["builds"]
    # Built once, with the NEWEST interpreter (a newer backend may write newer metadata).
    assert [b["built"] for b in builds] == [False] * (len(PRESENT) - 1) + [True]
    newest = builds[-1]["identifier"]
    assert newest == max((b["identifier"] for b in builds), key=lambda i: int(i.split("-")[0][3:]))
    for build in builds[:-1]:
        assert build["covered_by"] == newest
        assert build["filename"] == "pure_hatch-2.1.0-py3-none-any.whl"
        assert build["test"]["result"] == "passed"  # the one wheel, tested on every Python
        assert build["repair"] is None
    _sha256sum_check(out)


def test_a_failure_does_not_stop_the_others_unless_fail_fast(hwb, project_copy, tmp_path):
    src = project_copy("pure-hatch")
    failing = PRESENT[1]
    command = (
        f'python -c "import sys; sys.exit(sys.version_info[:2] == {tuple(map(int, failing.split(".")))})"'
    )
    out = tmp_path / "out"
    result = hwb("build", src, "--python", ",".join(PRESENT), "-o", out, "--test-command", command)
    assert result.code == 44, result.stderr
    bad = f"cp{failing.replace('.', '')}-manylinux_x86_64"
    assert f"error: 1 of {len(PRESENT)} builds did not succeed: {bad}" in result.stderr
    statuses = {b["identifier"]: b["status"] for b in _manifest(out)["builds"]}
    assert statuses.pop(bad) == "failed"
    assert set(statuses.values()) == {"ok"}
    assert (out / "pure_hatch-2.1.0-py3-none-any.whl").is_file()

    # A pure project's wheel is built (and tested) first with the newest Python: make that fail.
    first = f"cp{PRESENT[-1].replace('.', '')}-manylinux_x86_64"
    command = (
        f'python -c "import sys; sys.exit(sys.version_info[:2] == {tuple(map(int, PRESENT[-1].split(".")))})"'
    )
    out = tmp_path / "fast"
    result = hwb("build", src, "--python", ",".join(PRESENT), "-o", out, "-j", "1", "--fail-fast",
                 "--test-command", command)  # fmt: skip
    assert result.code == 44
    statuses = {b["identifier"]: b["status"] for b in _manifest(out)["builds"]}
    assert statuses.pop(first) == "failed"
    assert set(statuses.values()) == {"cancelled"}


GETRANDOM_C = """\
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <sys/random.h>

static PyObject *rand_byte(PyObject *self, PyObject *args) {
    unsigned char b = 0;
    getrandom(&b, 1, 0);
    return PyLong_FromLong(b);
}
static PyMethodDef methods[] = {{"rand_byte", rand_byte, METH_NOARGS, ""}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_rnd", NULL, -1, methods};
PyMODINIT_FUNC PyInit__rnd(void) { return PyModule_Create(&module); }
"""


def test_symbols_newer_than_the_target_glibc_are_named(hwb, tmp_path):
    src = tmp_path / "rnd"
    (src / "rnd").mkdir(parents=True)
    (src / "rnd" / "__init__.py").write_text("")
    (src / "rnd" / "_rnd.c").write_text(GETRANDOM_C)
    (src / "pyproject.toml").write_text(
        textwrap.dedent("""\
        [build-system]
        requires = ["setuptools>=68"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "rnd"
        version = "0.1"

        [tool.setuptools]
        packages = ["rnd"]
        ext-modules = [{ name = "rnd._rnd", sources = ["rnd/_rnd.c"] }]
        """)
    )
    out = tmp_path / "out"
    result = hwb("build", src, "--python", PRESENT[-1], "--manylinux", "2_17", "-o", out, "--wheel")
    assert result.code == 44, result.stderr
    assert "needs glibc 2.25, newer than the target manylinux_2_17" in result.stderr
    assert "getrandom@GLIBC_2.25" in result.stderr
    (build,) = _manifest(out)["builds"]
    assert build["error"]["error"] == "repair"
    assert not list(out.glob("*.whl"))
    # The same wheel for a policy that allows it: repaired to a tag no newer than the target.
    result = hwb("build", src, "--python", PRESENT[-1], "--manylinux", "2_28", "-o", out, "--wheel")
    assert result.code == 0, result.stderr
    (wheel,) = out.glob("*.whl")
    tags = re.findall(r"manylinux_2_(\d+)_x86_64", wheel.name)
    assert tags
    assert all(25 <= int(t) <= 28 for t in tags)


def test_elf_reader_agrees_with_objdump():
    objdump = shutil.which("objdump")
    if objdump is None:
        pytest.fail("objdump (binutils) is needed to cross-check the ELF reader")
    dynload = (
        Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "lib-dynload"
    )
    checked = 0
    for so in sorted(dynload.glob("*.so"))[:10]:
        ours = {(s.symbol, s.version) for s in versioned_symbols(so.read_bytes()) if s.symbol}
        text = subprocess.run([objdump, "-T", str(so)], capture_output=True, text=True, check=True).stdout
        theirs = set()
        for line in text.splitlines():
            match = re.search(r"\*UND\*\s+\S+\s+(?:\((\S+)\)|(\S+))\s+(\S+)$", line)
            if match and (match[1] or match[2]).startswith("GLIBC"):
                theirs.add((match[3], match[1] or match[2]))
        assert ours >= theirs, so
        checked += 1
    assert checked


def test_hwb_matrix_github_format_is_ready_for_strategy_matrix(hwb, tmp_path):
    src = tmp_path / "spam-ext"
    shutil.copytree(ROOT / "examples" / "spam-ext", src)
    result = hwb(
        "matrix", src, "--python", "3.9,3.12", "--platform", "linux,macos,windows", "--format", "github"
    )
    assert result.code == 0, result.stderr
    assert result.stdout.count("\n") == 1  # one line, for `echo "matrix=..." >> $GITHUB_OUTPUT`
    matrix = json.loads(result.stdout)
    assert list(matrix) == ["include"]
    assert len(matrix["include"]) == 6
    for entry in matrix["include"]:
        assert set(entry) == {"identifier", "python", "platform", "arch", "os", "pythons"}
        assert all(isinstance(v, str) and v for v in entry.values())
    assert {e["os"] for e in matrix["include"]} == {"ubuntu-latest", "macos-14", "windows-latest"}

    pure = hwb("matrix", PACKAGES / "pure-hatch", "--python", ",".join(PRESENT), "--format", "github")
    assert pure.code == 0, pure.stderr
    (entry,) = json.loads(pure.stdout)["include"]
    assert entry["pythons"] == ",".join(PRESENT)

    explained = hwb("matrix", src, "--python", "3.7,3.12", "--json")
    assert explained.code == 0, explained.stderr
    skipped = {s["identifier"]: s["reason"] for s in explained.json["skipped"]}
    assert skipped == {"cp37-manylinux_x86_64": "requires-python '>=3.9' excludes Python 3.7"}

    empty = hwb("matrix", src, "--python", "3.12", "--skip", "*", "--format", "github")
    assert empty.code == 44
    assert "GitHub refuses an empty matrix" in empty.stderr


def test_live_table_on_a_terminal(project_copy, tmp_path):
    from ._pty import run_on_pty

    src = project_copy("pure-hatch")
    env = {**os.environ, "HWB_LOG_DIR": str(tmp_path / "logs"), "TERM": "xterm", "COLUMNS": "150"}
    code, screen = run_on_pty(
        ["build", str(src), "--python", ",".join(PRESENT[:2]), "-o", str(tmp_path / "o")], env
    )
    assert code == 0, screen
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen)
    assert re.search(r"build\s+state\s+time", screen), screen
    # Rows are named after what they built (issue 21, family 1), not cpXY-manylinux_x86_64.
    assert re.search(r"py3-none-any \(built on cp\d+\)\s+ok\s+\d+\.\d+s", screen), screen
    assert re.search(r"py3-none-any \(built on cp\d+, for cp\d+\)\s+ok\s+\d+\.\d+s", screen), screen
    with zipfile.ZipFile(next((tmp_path / "o").glob("*.whl"))) as archive:
        assert "pure_hatch/__init__.py" in archive.namelist()


ABI3_C = """\
#define Py_LIMITED_API 0x03090000
#include <Python.h>
static PyObject *one(PyObject *self, PyObject *args) { return PyLong_FromLong(1); }
static PyMethodDef methods[] = {{"one", one, METH_NOARGS, ""}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_lim", NULL, -1, methods};
PyMODINIT_FUNC PyInit__lim(void) { return PyModule_Create(&module); }
"""


def test_an_abi3_wheel_serves_the_newer_pythons(hwb, tmp_path):
    src = tmp_path / "lim"
    (src / "lim").mkdir(parents=True)
    (src / "lim" / "__init__.py").write_text("")
    (src / "lim" / "_lim.c").write_text(ABI3_C)
    (src / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "lim"\nversion = "0.1"\nrequires-python = ">=3.9"\n'
    )
    (src / "setup.py").write_text(
        "from setuptools import Extension, setup\n"
        "setup(packages=['lim'], ext_modules=[Extension('lim._lim', ['lim/_lim.c'], py_limited_api=True)],\n"
        "      options={'bdist_wheel': {'py_limited_api': 'cp39'}})\n"
    )
    out = tmp_path / "out"
    result = hwb("build", src, "--python", ",".join(PRESENT), "-j", "2", "-o", out,
                 "--test-command", 'python -c "import lim._lim as m; assert m.one() == 1"')  # fmt: skip
    assert result.code == 0, result.stderr
    wheels = [p.name for p in out.glob("*.whl")]
    assert len(wheels) == 1, wheels
    assert re.fullmatch(r"lim-0\.1-cp39-abi3-manylinux[\w.]*_x86_64\.whl", wheels[0])
    builds = _manifest(out)["builds"]
    assert all(b["status"] == "ok" and b["filename"] == wheels[0] for b in builds)
    assert all(b["test"]["result"] == "passed" for b in builds)
    # Every leg builds (a setup.py decides at build time); of the same-named abi3 wheels the
    # oldest interpreter's is placed, whatever -j.
    assert all(b["built"] for b in builds)
    assert builds[0]["covered_by"] is None
    assert {b["covered_by"] for b in builds[1:]} == {builds[0]["identifier"]}
    assert builds[1]["label"].startswith("cp39-abi3-manylinux_")
    assert builds[1]["label"].endswith(f"(built on {builds[1]['identifier'].split('-')[0]})")


def test_a_python_found_alone_is_found_in_a_list_too(tmp_path):
    """`--python 3.7` alone finds pyenv's 3.7; so must `--python 3.7,3.8` (one discovery):
    each identifier is planned with its interpreter, or skipped for requires-python, never
    "not found"."""
    from headless_wheel_builder.analyze.analyzer import analyze
    from headless_wheel_builder.errors import InterpreterNotFoundError
    from headless_wheel_builder.isolation.python import find_python
    from headless_wheel_builder.matrix.plan import MatrixOptions, make_plan

    try:
        alone = find_python("3.7")
    except InterpreterNotFoundError:
        pytest.skip("no Python 3.7 here (pyenv install 3.7)")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "old"\nversion = "1"\n')
    plan = make_plan(analyze(tmp_path), MatrixOptions(pythons=("3.7,3.8",)), local=True)
    found = {str(b.identifier): b.interpreter for b in plan.builds}
    assert found["cp37-manylinux_x86_64"] is not None
    assert found["cp37-manylinux_x86_64"].executable == alone.executable


def test_a_matrix_leg_keeps_the_sdists_egg_info(hwb, project_copy, tmp_path):
    """Each leg builds from a private copy of the unpacked sdist; the copy keeps the sdist's
    ``*.egg-info`` (pbr reads pbr.json and SOURCES.txt from it), so every leg's wheel holds what
    ``python -m build --wheel`` makes from the same sdist (issue 21, family 1)."""
    src = project_copy("a-pbr-project")
    home = tmp_path / "home"
    home.mkdir()
    from tests.conftest import git

    git(src, "init", "-q", "-b", "main", home=home)
    git(src, "add", "-A", home=home)
    git(src, "commit", "-q", "-m", "initial", home=home)
    env = {"PBR_VERSION": "1.0.0", "HOME": str(home)}
    sdist_result = hwb("build", src, "--sdist", "-o", tmp_path / "sdist", env=env)
    assert sdist_result.code == 0, sdist_result.stderr
    (sdist,) = (tmp_path / "sdist").glob("*.tar.gz")

    result = hwb("build", sdist, "--python", ",".join(PRESENT[-2:]), "-o", tmp_path / "m", env=env)
    assert result.code == 0, result.stderr
    (wheel,) = (tmp_path / "m").glob("*.whl")

    unpacked = tmp_path / "ref-src"
    shutil.unpack_archive(sdist, unpacked)
    (tree,) = unpacked.iterdir()
    ref = subprocess.run([sys.executable, "-m", "build", "--wheel", "-o", str(tmp_path / "ref"), str(tree)],
                         capture_output=True, text=True, env={**os.environ, **env}, check=False)  # fmt: skip
    assert ref.returncode == 0, ref.stderr
    (reference,) = (tmp_path / "ref").glob("*.whl")
    with zipfile.ZipFile(wheel) as ours, zipfile.ZipFile(reference) as theirs:
        assert sorted(ours.namelist()) == sorted(theirs.namelist())
        assert "a_pbr_project-1.0.0.dist-info/pbr.json" in ours.namelist()


def test_a_failed_matrix_shows_each_backend_tail_and_prints_one_json_document(hwb, project_copy, tmp_path):
    """(issue 21, family 1) The backend's last lines of every failed leg are shown, as a single
    build shows them, and `--json` prints exactly one document: the manifest with the error."""
    src = project_copy("tiny-backend")
    pythons = PRESENT[-2:]
    out = tmp_path / "out"
    result = hwb(
        "build", src, "--python", ",".join(pythons), "-C", "mode=raise", "--wheel", "-o", out, "--json"
    )
    assert result.code == 44, result.stderr
    document = json.loads(result.stdout)  # one document: "Extra data" would raise here
    assert document["ok"] is False
    assert document["error"] == "matrix-failed"
    assert document["exit_code"] == 44
    assert document["builds"] == _manifest(out)["builds"]
    assert {b["error"]["error"] for b in document["builds"]} == {"backend-failed"}
    for version in pythons:
        label = f"--- cp{version.replace('.', '')}-manylinux_x86_64 ---"
        assert label in result.stderr
        after = result.stderr.split(label, 1)[1]
        assert "RuntimeError: boom from tinybackend" in after, result.stderr
    assert result.stderr.count("RuntimeError: boom from tinybackend") == len(pythons)
    assert "the last lines of each failed build are above" in result.stderr

    # Without --json: the same tails, and the summary on stdout.
    plain = hwb("build", src, "--python", ",".join(pythons), "-C", "mode=raise", "--wheel", "-o", out)
    assert plain.code == 44
    assert plain.stderr.count("RuntimeError: boom from tinybackend") == len(pythons)
    assert plain.stdout.startswith("Finished tiny-pkg 0.3.0: 0 of 2")


def test_a_rerun_says_its_manifest_and_sums_cover_this_run_only(hwb, project_copy, tmp_path):
    src = project_copy("tiny-backend")
    out = tmp_path / "out"
    out.mkdir()
    (out / "older-1.0-py3-none-any.whl").write_bytes(b"from an earlier run")
    result = hwb("build", src, "--python", ",".join(PRESENT[-2:]), "-o", out)
    assert result.code == 0, result.stderr
    manifest = _manifest(out)
    assert manifest["covers"] == "this run"
    assert manifest["other_files"] == ["older-1.0-py3-none-any.whl"]
    sums = (out / "SHA256SUMS").read_text()
    assert "older-1.0-py3-none-any.whl" not in sums
    assert "tiny_pkg-0.3.0-py3-none-any.whl" in sums
    assert "they cover this run only" in result.stdout
    assert "older-1.0-py3-none-any.whl" in result.stdout
    # Checked by the peer: every file SHA256SUMS names is there and intact.
    proc = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count(": OK") == 2  # the sdist and the one wheel of this run


@pytest.mark.parametrize(
    ("selection", "code"),
    [
        pytest.param(["--python", ",".join(PRESENT[-2:]), "--select", "pp*"], 44, id="nothing-selected"),
        pytest.param(["--python", "3.99"], 33, id="unknown-version"),
        pytest.param(["--python", f"{PRESENT[-1]},3.99"], 33, id="unknown-version-in-a-list"),
        pytest.param(["--python", "2.7"], 2, id="python-2"),
    ],
)
def test_hwb_matrix_and_hwb_build_agree_on_exit_codes(hwb, project_copy, tmp_path, selection, code):
    """(issue 21, family 1) The same selection fails the same way in `hwb build` and in every
    format of `hwb matrix`; `--json` is one document either way."""
    src = project_copy("tiny-backend")
    build = hwb("build", src, *selection, "-o", tmp_path / "out")
    planned = hwb("matrix", src, *selection)
    as_json = hwb("matrix", src, *selection, "--json")
    github = hwb("matrix", src, *selection, "--format", "github")
    assert (build.code, planned.code, as_json.code, github.code) == (code,) * 4, build.stderr + planned.stderr
    assert as_json.json["exit_code"] == code  # one document, with the error's fields
    assert as_json.json["ok"] is False
    # The same error (what failed) from both commands.
    what = [line.split(": ")[1] for line in build.stderr.splitlines() if line.startswith("error:")]
    assert what
    assert what == [line.split(": ")[1] for line in planned.stderr.splitlines() if line.startswith("error:")]


def test_a_backend_warning_is_shown_once_per_matrix_labelled_with_its_interpreter(
    hwb, project_copy, tmp_path
):
    """(issue 21, family 1) The backend warns in the sdist run (newest Python) and in the wheel
    run (another Python): one line, naming the interpreter that reported it."""
    src = project_copy("tiny-backend")
    result = hwb("build", src, "--python", ",".join(PRESENT[-2:]), "-C", "mode=warn", "-j", "1",
                 "-o", tmp_path / "out")  # fmt: skip
    assert result.code == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "this option is deprecated" in line]
    assert len(lines) == 1, result.stderr
    newest = next(i for i in available() if i.short_version == PRESENT[-1])
    assert f"build backend (Python {newest.full_version}): " in lines[0], lines[0]
    # The wheel was built (and the warning reported again) by both Pythons: an in-tree backend
    # may decide anything, so every leg builds.
    built = [b["identifier"] for b in _manifest(tmp_path / "out")["builds"] if b["built"]]
    assert built == [f"cp{v.replace('.', '')}-manylinux_x86_64" for v in PRESENT[-2:]]
