"""``hwb check``: path expansion, README rendering (twine check) and wheel contents
(check-wheel-contents), on top of structural validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from headless_wheel_builder.artifacts.check import CheckReport, FileReport, check_files
from headless_wheel_builder.artifacts.output import Problem
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


@pytest.mark.parametrize(
    ("files", "code", "severity"),
    [
        ({"demo/__init__.py": "", "demo/__pycache__/x.cpython-312.pyc": b"\x00"}, "W001", "error"),
        ({"demo/__init__.py": "", "demo/old.pyo": b"\x00"}, "W001", "error"),
        ({"demo/a.py": "x = 1\n", "demo/b.py": "x = 1\n"}, "W002", "error"),
        ({"demo/__init__.py": "", "README.txt": "hello"}, "W003", "warning"),
        ({"demo/__init__.py": "", "py.typed": ""}, "W003", "warning"),
        ({"demo/__init__.py": "", "demo-utils/x.py": "x = 1\n"}, "W004", "warning"),
        ({"demo/__init__.py": "", "demo/class.py": "x = 1\n"}, "W004", "warning"),
        ({"demo/__init__.py": "", "tests/test_demo.py": "x = 1\n"}, "W005", "error"),
        ({"demo/__init__.py": "", "src/demo/__init__.py": "x = 1\n"}, "W005", "error"),
        ({"__init__.py": "", "demo.py": "x = 1\n"}, "W006", "error"),
        ({}, "W007", "warning"),
        ({"demo_pkg-1.0.data/scripts/demo": "#!python\n"}, "W007", "warning"),
    ],
    ids=[
        "W001-pyc",
        "W001-pyo",
        "W002",
        "W003-readme",
        "W003-py-typed",
        "W004-dash",
        "W004-keyword",
        "W005-tests",
        "W005-src",
        "W006",
        "W007-empty",
        "W007-scripts-only",
    ],
)
def test_contents_checks(tmp_path: Path, files: dict[str, str | bytes], code: str, severity: str) -> None:
    problems = _contents(tmp_path, files)
    assert [(p.code, p.severity) for p in problems] == [(code, severity)], problems


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
    ],
    ids=[
        "trivial-duplicates",
        "extension",
        "pyd-and-stub",
        "top-level-modules",
        "data-purelib",
        "data-file-in-package",
    ],
)
def test_contents_ok(tmp_path: Path, files: dict[str, str | bytes]) -> None:
    assert _contents(tmp_path, files) == []


def test_contents_platlib_root(tmp_path: Path) -> None:
    problems = _contents(tmp_path, {"demo/__init__.py": "", "tests/t.py": ""}, root_is_purelib=False)
    assert [p.code for p in problems] == ["W005"]


def test_contents_messages_name_files(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"demo/__init__.py": "", "demo/a.py": "x = 1\n", "demo/b.py": "x = 1\n"}
    files.update({f"demo/m{i}.pyc": bytes([i]) for i in range(7)})
    messages = {p.code: p.message for p in _contents(tmp_path, files)}
    assert "demo/a.py, demo/b.py" in messages["W002"]
    assert messages["W001"].endswith("demo/m4.pyc and 2 more")


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
