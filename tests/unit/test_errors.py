"""The exit-code table in docs/ERRORS.md matches the error classes, and codes are unique."""

from __future__ import annotations

import re

from headless_wheel_builder.errors import BackendError, HwbError, all_error_classes
from tests.conftest import ROOT


def _doc_rows() -> dict[str, tuple[int, str]]:
    text = (ROOT / "docs" / "ERRORS.md").read_text()
    rows = re.findall(r"^\| (\d+) \| `(\w+)` \| `([\w-]+)` \|", text, re.M)
    return {name: (int(code), kind) for code, name, kind in rows}


def test_docs_table_matches_classes():
    documented = _doc_rows()
    actual = {cls.__name__: (cls.exit_code, cls.kind) for cls in all_error_classes()}
    assert documented == actual


def test_exit_codes_and_kinds_are_unique():
    classes = all_error_classes()
    assert len({c.exit_code for c in classes}) == len(classes)
    assert len({c.kind for c in classes}) == len(classes)


def test_render_has_what_why_hint_and_redacts(monkeypatch):
    monkeypatch.setenv("HWB_PUBLISH_TOKEN", "s3cr3t-value-123")
    exc = BackendError("building failed for https://user:hunter22@example.com/x",
                       why="token s3cr3t-value-123 leaked", hint="do the thing")
    text = exc.render()
    assert "error: building failed for https://user:***@example.com/x: token *** leaked" in text
    assert text.endswith("hint: do the thing")
    assert "hunter22" not in text
    assert "s3cr3t" not in text
    data = exc.to_dict()
    assert data["exit_code"] == 42
    assert data["error"] == "backend-failed"
    assert "s3cr3t" not in str(data)
    assert isinstance(exc, HwbError)


def test_diagnose_names_known_causes():
    from headless_wheel_builder.build.diagnose import diagnose

    cases = {
        "meson-python: error: Dist currently only works with Git or Mercurial repos": "meson-python",
        "error: failed to get `pyo3` as a dependency ... index.crates.io": "crates.io",
        "fatal error: Python.h: No such file or directory": "Python development headers",
        "ModuleNotFoundError: No module named 'numpy'": "'numpy'",
        "hwb: stopped: timed out after 3 seconds": "3-second --timeout",
        "curl: (6) Could not resolve host: example.org": "example.org",
    }
    for output, needle in cases.items():
        found = diagnose(output)
        assert found is not None, output
        assert needle in found.why, (output, found.why)
    assert diagnose("all good, nothing to see") is None
    # A source folder imported as a package (issue 17): not "add src to [build-system] requires".
    src = diagnose("ModuleNotFoundError: No module named 'src'")
    assert src is not None
    assert "source folder" in src.why
    assert "requires" not in src.hint.split(";")[0]
    assert "package-dir" in src.hint
    numpy = diagnose("ModuleNotFoundError: No module named 'numpy'")
    assert numpy is not None
    assert "[build-system] requires" in numpy.hint
    assert "setuptools.build_meta:__legacy__" in numpy.hint  # the project's own module imported by setup.py
