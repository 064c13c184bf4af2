"""``hwb check``: path expansion, README rendering (twine check) and wheel contents
(check-wheel-contents), on top of structural validation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from headless_wheel_builder.artifacts.check import CheckReport, ContentsOptions, FileReport, check_files
from headless_wheel_builder.artifacts.codes import CODES, markdown_table
from headless_wheel_builder.artifacts.output import Problem
from headless_wheel_builder.errors import UsageError
from tests.unit._distfactory import FakeSdist, FakeWheel


def _codes(report: CheckReport) -> list[str]:
    return sorted(p.code for f in report.files for p in f.problems)


def _only(report: CheckReport) -> Problem:
    (file_report,) = report.files
    (problem,) = file_report.problems
    return problem


# --- paths -----------------------------------------------------------------------------


def test_valid_dists(tmp_path: Path) -> None:
    wheel, sdist = FakeWheel().build(tmp_path), FakeSdist().build(tmp_path)
    report = check_files([wheel, sdist])
    assert report.ok
    assert [f.path for f in report.files] == [wheel, sdist]
    assert all(f.problems == () for f in report.files)
    assert [f.artifact.kind for f in report.files if f.artifact] == ["wheel", "sdist"]


def test_to_dict(tmp_path: Path) -> None:
    wheel = FakeWheel().build(tmp_path)
    broken = FakeSdist(metadata={"Version": None}).build(tmp_path)
    data = check_files([wheel, broken]).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["ok"] is False
    assert data["strict"] is False
    good, bad = data["files"]
    assert good == {
        "path": str(wheel),
        "ok": True,
        "artifact": good["artifact"],
        "problems": [],
    }
    assert good["artifact"]["name"] == "demo-pkg"
    assert bad["ok"] is False
    assert bad["problems"] == [
        {
            "code": "S-METADATA",
            "severity": "error",
            "message": "demo_pkg-1.0/PKG-INFO: 'version' is a required field",
        }
    ]


def test_folder_is_searched(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    wheel, sdist = FakeWheel().build(dist), FakeSdist(fmt="zip").build(dist)
    (dist / "notes.txt").write_text("not a dist")
    FakeWheel(name="nested").build(dist / "sub")
    report = check_files([dist])
    assert [f.path for f in report.files] == sorted([wheel, sdist])
    assert _codes(report) == ["S-FILENAME"]  # the .zip sdist: a warning
    assert report.ok
    assert not check_files([dist], strict=True).ok


def test_empty_folder(tmp_path: Path) -> None:
    problem = _only(check_files([tmp_path]))
    assert (problem.code, problem.severity) == ("NO-DISTS", "error")


def test_missing_and_unknown(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    report = check_files([tmp_path / "gone-1.0-py3-none-any.whl", notes])
    assert [p.code for f in report.files for p in f.problems] == ["MISSING", "UNKNOWN-TYPE"]
    assert all(f.artifact is None for f in report.files)
    assert not report.ok


def test_same_file_twice_checked_once(tmp_path: Path) -> None:
    wheel = FakeWheel().build(tmp_path)
    assert len(check_files([wheel, tmp_path, wheel]).files) == 1


def test_unparseable_name_has_no_artifact(tmp_path: Path) -> None:
    wheel = FakeWheel(filename="demo_pkg-1.0.whl").build(tmp_path)
    (file_report,) = check_files([wheel]).files
    assert file_report.artifact is None
    assert [p.code for p in file_report.problems] == ["W-FILENAME"]


def test_invalid_metadata_is_not_rendered(tmp_path: Path) -> None:
    wheel = FakeWheel(metadata={"Version": None}, description=".. broken::").build(tmp_path)
    assert _codes(check_files([wheel])) == ["W-METADATA"]


# --- README ----------------------------------------------------------------------------

BAD_RST = "Title\n=====\n\n.. no-such-directive::\n"


@pytest.mark.parametrize("factory", [FakeWheel, FakeSdist], ids=["wheel", "sdist"])
def test_bad_rst_fails(tmp_path: Path, factory: type[FakeWheel] | type[FakeSdist]) -> None:
    dist = factory(description=BAD_RST, description_content_type="text/x-rst").build(tmp_path)
    report = check_files([dist])
    problem = _only(report)
    assert (problem.code, problem.severity) == ("README", "error")
    assert 'Unknown directive type "no-such-directive"' in problem.message
    assert not report.ok


def test_bad_rst_without_content_type(tmp_path: Path) -> None:
    wheel = FakeWheel(description=BAD_RST, description_content_type=None).build(tmp_path)
    assert _codes(check_files([wheel])) == ["README", "README-CONTENT-TYPE"]


@pytest.mark.parametrize(
    "content_type",
    ["text/markdown", "text/markdown; variant=CommonMark", "text/markdown; charset=UTF-8"],
)
def test_markdown_ok(tmp_path: Path, content_type: str) -> None:
    text = "# Title\n\nSome *text* and `code`.\n\n.. not a directive here\n"
    wheel = FakeWheel(description=text, description_content_type=content_type).build(tmp_path)
    report = check_files([wheel], strict=True)
    assert report.files[0].problems == ()
    assert report.ok


def test_plain_text_ok(tmp_path: Path) -> None:
    wheel = FakeWheel(description=BAD_RST, description_content_type="text/plain").build(tmp_path)
    assert check_files([wheel], strict=True).ok


def test_missing_content_type_warns(tmp_path: Path) -> None:
    wheel = FakeWheel(description_content_type=None).build(tmp_path)
    report = check_files([wheel])
    problem = _only(report)
    assert (problem.code, problem.severity) == ("README-CONTENT-TYPE", "warning")
    assert "text/x-rst" in problem.message
    assert report.ok
    strict = check_files([wheel], strict=True)
    assert not strict.ok
    assert strict.to_dict()["files"][0]["ok"] is False
    assert strict.files[0].ok  # no errors; only strictness fails it


@pytest.mark.parametrize(
    ("files", "names", "not_named"),
    [
        ({"pyproject.toml": '[project]\nname = "demo-pkg"\n'}, ["pyproject.toml"], "setup.py"),
        ({"setup.py": "from setuptools import setup\nsetup()\n"}, ["setup.py", "setup.cfg"], "pyproject"),
        # pyproject.toml for the build system only: the metadata lives in setup.py / setup.cfg
        ({"pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n', "setup.cfg": "[metadata]\n"},
         ["setup.py", "setup.cfg"], "pyproject"),
    ],
    ids=["pyproject", "setup-py", "setup-cfg-with-build-system"],
)  # fmt: skip
def test_readme_hints_name_the_file_that_declares_metadata(
    tmp_path: Path, files: dict[str, str], names: list[str], not_named: str
) -> None:
    sdist = FakeSdist(files=files, description=None, description_content_type=None).build(tmp_path)
    messages = {p.code: p.message for p in check_files([sdist]).files[0].problems}
    assert set(messages) == {"README-CONTENT-TYPE", "README-MISSING"}
    for message in messages.values():
        assert all(name in message for name in names), message
        assert not_named not in message, message
    # A wheel does not say where its metadata came from: both are named.
    wheel = FakeWheel(description=None).build(tmp_path / "w")
    (missing,) = check_files([wheel]).files[0].problems
    assert "pyproject.toml" in missing.message
    assert "setup.cfg" in missing.message


@pytest.mark.parametrize("description", [None, "", "UNKNOWN\n"])
def test_missing_description_warns(tmp_path: Path, description: str | None) -> None:
    wheel = FakeWheel(description=description).build(tmp_path)
    problem = _only(check_files([wheel]))
    assert (problem.code, problem.severity) == ("README-MISSING", "warning")


# --- wheel contents --------------------------------------------------------------------


def _contents(
    tmp_path: Path, files: dict[str, str | bytes], *, root_is_purelib: bool = True
) -> list[Problem]:
    wheel = FakeWheel(files=files, root_is_purelib=root_is_purelib).build(tmp_path)
    (file_report,) = check_files([wheel]).files
    return list(file_report.problems)


#: Wheels (library files) -> the codes check-wheel-contents reports, hwb's too; every one a
#: warning (PyPI accepts all of them).  tests/integration/test_check_peers.py runs the peer.
CONTENTS_CASES: dict[str, tuple[dict[str, str | bytes], list[str]]] = {
    "W001-pyc": ({"demo/__init__.py": "", "demo/__pycache__/x.cpython-312.pyc": b"\x00"}, ["W001"]),
    "W001-pyo": ({"demo/__init__.py": "", "demo/old.pyo": b"\x00"}, ["W001"]),
    "W002": ({"demo/a.py": "x = 1\n", "demo/b.py": "x = 1\n"}, ["W002"]),
    "W003-readme": ({"demo/__init__.py": "", "README.txt": "hello"}, ["W003", "W009"]),
    "W003-py-typed": ({"demo/__init__.py": "", "py.typed": ""}, ["W003", "W009"]),
    "W003-top-stub": ({"demo.py": "x = 1\n", "demo.pyi": "x: int\n"}, ["W003", "W009"]),
    "W004-keyword": ({"demo/__init__.py": "", "demo/class.py": "x = 1\n"}, ["W004"]),
    "W004-dash": ({"demo/__init__.py": "", "demo-utils/x.py": "x = 1\n"}, ["W004", "W009"]),
    "W005-tests-dir": ({"demo/__init__.py": "", "tests/test_demo.py": "x = 1\n"}, ["W005", "W009"]),
    "W005-build-dir": ({"demo/__init__.py": "", "build/lib/demo/x.py": "x = 2\n"}, ["W005", "W009"]),
    "W005-file": ({"demo/__init__.py": "", "tests": "#!/bin/sh\n"}, ["W003", "W005", "W009"]),
    "W005-dot-tox": ({"demo/__init__.py": "", ".tox/log.txt": "x"}, ["W005", "W009", "W010"]),
    "W006": ({"__init__.py": "", "_demo.py": "x = 1\n"}, ["W006"]),
    "W007-scripts-only": ({"demo_pkg-1.0.data/scripts/demo": "#!python\n"}, ["W007"]),
    "W007-W008-empty": ({}, ["W007", "W008"]),
    "W009": ({"demo/__init__.py": "", "other/__init__.py": "x = 1\n"}, ["W009"]),
    "W010": ({"demo/__init__.py": "", "_assets/logo.svg": "<svg/>"}, ["W010"]),
}


@pytest.mark.parametrize(("files", "codes"), CONTENTS_CASES.values(), ids=CONTENTS_CASES.keys())
def test_contents_checks(tmp_path: Path, files: dict[str, str | bytes], codes: list[str]) -> None:
    problems = _contents(tmp_path, files)
    assert [(p.code, p.severity) for p in problems] == [(c, "warning") for c in codes], problems


@pytest.mark.parametrize(
    "files",
    [
        # empty and trivially identical files are allowed duplicates
        {"demo/__init__.py": "", "demo/sub/__init__.py": "", "demo/x/__init__.py": "\n"},
        {"demo/__init__.py": "", "demo/_speed.cpython-312-x86_64-linux-gnu.so": b"\x7fELF"},
        {"demo/__init__.py": "", "demo/_speed.pyd": b"MZ", "demo/__init__.pyi": "x: int\n"},
        {"demo.py": "x = 1\n", "demo-stubs.pth": "/somewhere\n", "_demo_helper.py": "y = 2\n"},
        {"demo_pkg-1.0.data/purelib/demo/__init__.py": "", "demo_pkg-1.0.data/scripts/x": "x"},
        {"demo/__init__.py": "", "demo/data/not-a-module.json": "{}"},
        {"demo-stubs/__init__.pyi": "x: int\n", "demo-stubs/sub/mod.pyi": "y: str\n"},
        {"demo/__init__.py": "", "demo.libs/libffi-0123abcd.so.8.1.2": b"\x7fELF\x02"},
        {"demo/__init__.py": "", "demo.libs/libz-0123abcd.so.1": b"\x7fELF\x03",
         "demo.scripts/demo": b"\x7fELF\x04", "demo_pkg-1.0.data/scripts/demo": "#!python\n"},
    ],
    ids=[
        "trivial-duplicates",
        "extension",
        "pyd-and-stub",
        "top-level-modules",
        "data-purelib",
        "data-file-in-package",
        "stub-only-package",
        "grafted-libs",
        "grafted-libs-and-scripts",
    ],
)  # fmt: skip
def test_contents_ok(tmp_path: Path, files: dict[str, str | bytes]) -> None:
    assert _contents(tmp_path, files) == []


def test_contents_platlib_root(tmp_path: Path) -> None:
    problems = _contents(tmp_path, {"demo/__init__.py": "", "tests/t.py": ""}, root_is_purelib=False)
    assert [p.code for p in problems] == ["W005", "W009"]


def test_contents_messages_name_files(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"demo/__init__.py": "", "demo/a.py": "x = 1\n", "demo/b.py": "x = 1\n"}
    files.update({f"demo/m{i}.pyc": bytes([i]) for i in range(7)})
    messages = {p.code: p.message for p in _contents(tmp_path, files)}
    assert "demo/a.py, demo/b.py" in messages["W002"]
    assert messages["W001"].endswith("demo/m4.pyc and 2 more")


def test_declared_toplevel(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"demo/__init__.py": "", "extra/__init__.py": "x = 1\n", "x.pth": "."}
    wheel = FakeWheel(files=files).build(tmp_path)
    report = check_files([wheel], contents=ContentsOptions(toplevel=("demo", "missing.py")))
    codes = {p.code: p.message for p in report.files[0].problems}
    assert set(codes) == {"W201", "W202"}  # W009 is off once the top level is declared
    assert codes["W201"].endswith("missing.py")
    assert codes["W202"].endswith("extra/")
    # A declared common name is allowed (W005 skips it).
    wheel = FakeWheel(files={"tests/__init__.py": ""}).build(tmp_path / "t")
    assert check_files([wheel], contents=ContentsOptions(toplevel=("tests",))).files[0].problems == ()


def test_grafted_folders_are_neither_undeclared_nor_outside_the_tree(tmp_path: Path) -> None:
    src = tmp_path / "src" / "demo"
    src.mkdir(parents=True)
    (src / "__init__.py").write_text("")
    files: dict[str, str | bytes] = {"demo/__init__.py": "", "demo.libs/libz-0123abcd.so.1": b"\x7fELF"}
    wheel = FakeWheel(files=files).build(tmp_path / "w")
    for options in (ContentsOptions(toplevel=("demo",)), ContentsOptions(package=(src,))):
        assert check_files([wheel], contents=options, strict=True).ok


def test_package_tree(tmp_path: Path) -> None:
    src = tmp_path / "src" / "demo"
    (src / "sub").mkdir(parents=True)
    for rel in ("__init__.py", "sub/__init__.py", "forgotten.py", ".hidden", "old.pyc"):
        (src / rel).write_text("x = 1\n" if rel == "forgotten.py" else "")
    wheel = FakeWheel(files={"demo/__init__.py": "", "demo/sub/__init__.py": "", "demo/stray.py": "y = 2\n"})
    path = wheel.build(tmp_path / "w")
    for options in (ContentsOptions(package=(src,)), ContentsOptions(src_dir=(src.parent,))):
        codes = {p.code: p.message for p in check_files([path], contents=options).files[0].problems}
        assert set(codes) == {"W101", "W102"}, codes
        assert codes["W101"].endswith("demo/forgotten.py")
        assert codes["W102"].endswith("demo/stray.py")
    with pytest.raises(UsageError, match="--src-dir"):
        check_files([path], contents=ContentsOptions(src_dir=(tmp_path / "nope",)))


def test_ignore_and_strict(tmp_path: Path) -> None:
    wheel = FakeWheel(files={"demo/a.py": "x = 1\n", "demo/b.py": "x = 1\n"}).build(tmp_path)
    report = check_files([wheel])
    assert report.ok
    assert [p.code for p in report.files[0].problems] == ["W002"]
    assert not check_files([wheel], strict=True).ok
    ignored = check_files([wheel], strict=True, ignore=["W002"])
    assert ignored.ok
    assert ignored.files[0].problems == ()
    with pytest.raises(UsageError, match="unknown check code: W999"):
        check_files([wheel], ignore=["W002", "W999"])


def test_codes_table_covers_every_code(tmp_path: Path) -> None:
    """Every code a check can report is declared, with its severity, in artifacts/codes.py."""
    import re

    folder = Path(__file__).parents[2] / "src" / "headless_wheel_builder" / "artifacts"
    pattern = re.compile(r'"((?:W|S)-[A-Z-]+|W\d{3}|README(?:-[A-Z-]+)?|MISSING|UNKNOWN-TYPE|NO-DISTS)"')
    used = {
        m
        for path in folder.glob("*.py")
        if path.name != "codes.py"
        for m in pattern.findall(path.read_text())
    }
    assert used >= {"W-LICENSE-FILE", "S-LAYOUT", "README-MISSING", "W008"}
    assert used - set(CODES) == set()
    assert {"W008", "W009", "W010", "W101", "W102", "W201", "W202", "S-LICENSE-FILE"} <= set(CODES)
    assert CODES["W002"].severity == CODES["S-LAYOUT"].severity == "warning"
    assert CODES["W-LICENSE-FILE"].severity == "error"
    docs = (Path(__file__).parents[2] / "docs" / "CHECKS.md").read_text(encoding="utf-8")
    assert markdown_table() in docs, "docs/CHECKS.md: paste artifacts.codes.markdown_table()"


def test_contents_skipped_for_sdists(tmp_path: Path) -> None:
    sdist = FakeSdist(files={"tests/test_x.py": "", "x.pyc": b"\x00"}).build(tmp_path)
    assert check_files([sdist]).files[0].problems == ()


def test_file_report_ok() -> None:
    path = Path("x-1.0-py3-none-any.whl")
    warning = Problem(path=path, code="W003", message="m", severity="warning")
    error = Problem(path=path, code="W001", message="m")
    assert FileReport(path=path, artifact=None, problems=(warning,)).ok
    assert not FileReport(path=path, artifact=None, problems=(warning,)).passes(strict=True)
    assert not FileReport(path=path, artifact=None, problems=(error,)).ok
    assert CheckReport(files=(), strict=True).ok


@pytest.mark.parametrize(("rendered", "codes"), [("<p>ok</p>", []), (None, ["README"])])
def test_markdown_renderer_wiring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rendered: str | None, codes: list[str]
) -> None:
    """Markdown is rendered when a renderer (readme-renderer[md]) is installed; simulate one."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Markdown renderers are not available"
        import readme_renderer.markdown
    calls: list[tuple[str, str]] = []

    def render(raw: str, variant: str = "GFM", **kwargs: object) -> str | None:
        calls.append((raw, variant))
        return rendered

    monkeypatch.setattr(readme_renderer.markdown, "variants", {"GFM": str, "CommonMark": str})
    monkeypatch.setattr(readme_renderer.markdown, "render", render)
    ct = "text/markdown; variant=CommonMark"
    wheel = FakeWheel(description="# Hi\n", description_content_type=ct).build(tmp_path)
    assert _codes(check_files([wheel])) == codes
    assert calls == [("# Hi\n", "CommonMark")]


def test_empty_wheel_is_an_error_only_for_a_project_with_sources(tmp_path: Path) -> None:
    """The build stage's W008 (docs/CHECKS.md): a meta-package may ship an empty wheel."""
    from headless_wheel_builder.artifacts.check import empty_wheel_problem

    empty = FakeWheel(files={}).build(tmp_path / "w")
    full = FakeWheel().build(tmp_path / "f")
    meta = tmp_path / "meta"
    for rel in ("setup.py", "tests/test_x.py", "docs/conf.py", "examples/demo.py", ".venv/lib/x.py"):
        (meta / rel).parent.mkdir(parents=True, exist_ok=True)
        (meta / rel).write_text("x = 1\n")
    assert empty_wheel_problem(empty, meta) is None
    for rel in ("src/demo/__init__.py", "demo.py", "rust/src/lib.rs"):
        project = tmp_path / rel.replace("/", "_")
        shutil.copytree(meta, project)
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text("x = 1\n")
        problem = empty_wheel_problem(empty, project)
        assert problem is not None, rel
        assert (problem.code, problem.severity) == ("W008", "error")
        assert empty_wheel_problem(full, project) is None


def test_many_duplicate_groups_are_capped(tmp_path: Path) -> None:
    """Zone data: hundreds of groups of identical files; the report stays readable."""
    from headless_wheel_builder.artifacts.validate import MAX_PER_CODE

    files: dict[str, str | bytes] = {"demo/__init__.py": ""}
    for group in range(MAX_PER_CODE + 5):
        files.update({f"demo/zones/{group}-{copy}": f"zone {group}\n" for copy in range(2)})
    problems = _contents(tmp_path, files)
    assert len(problems) == MAX_PER_CODE + 1
    assert problems[-1].message == "… and 5 more W002 problems"
    assert {p.severity for p in problems} == {"warning"}
