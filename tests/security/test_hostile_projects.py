"""A hostile project's own files get a classified error, never "internal error" (issue 16,
family 5): deep nesting in pyproject.toml (RecursionError in the TOML reader), a backend-path that
leaves the project (pyproject-hooks' ValueError), bytes that are not UTF-8."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT = '[project]\nname = "x"\nversion = "1"\n'


def _project(tmp_path: Path, text: str | bytes) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    data = text.encode() if isinstance(text, str) else text
    (root / "pyproject.toml").write_bytes(data)
    return root


CASES = {
    "nested arrays": PROJECT + "x = " + "[" * 50_000 + "]" * 50_000 + "\n",
    "nested inline tables": PROJECT + "x = " + "{a = " * 30_000 + "1" + "}" * 30_000 + "\n",
    "backend-path outside": '[build-system]\nrequires = []\nbuild-backend = "b"\nbackend-path = ["../.."]\n'
    + PROJECT,
    "absolute backend-path": '[build-system]\nrequires = []\nbuild-backend = "b"\nbackend-path = ["/usr"]\n'
    + PROJECT,
    "not UTF-8": PROJECT.encode() + b'description = "\xff\xfe"\n',
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("command", ["inspect", "build"])
def test_a_hostile_pyproject_is_a_project_error(hwb, tmp_path: Path, case: str, command: str) -> None:
    root = _project(tmp_path, CASES[case])
    args = [command, root] + (["-o", tmp_path / "out"] if command == "build" else [])
    result = hwb(*args, timeout=120)
    assert result.code == 21, result.stderr  # PyprojectError
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.stderr
    assert "hint:" in result.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
