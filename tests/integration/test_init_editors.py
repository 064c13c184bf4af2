"""`hwb init --editor vscode|pycharm` (issue 18, family 6): the files it writes, merging into
files that exist (JSONC with comments, other tasks, a conflicting task), and the VS Code problem
matcher applied to what the real hwb prints about broken projects — with Python's ``re`` and,
where node is installed, with JavaScript's ``RegExp`` as VS Code runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from headless_wheel_builder.migrate.editors import _strip_jsonc, vscode_tasks

TASKS = ".vscode/tasks.json"


def _tasks(folder: Path) -> list[dict[str, Any]]:
    data: dict[str, Any] = json.loads(_strip_jsonc((folder / TASKS).read_text()))
    tasks: list[dict[str, Any]] = data["tasks"]
    return tasks


def test_vscode_tasks_are_written_and_a_second_run_changes_nothing(hwb: Any, tmp_path: Path) -> None:
    first = hwb("init", "--editor", "vscode", tmp_path, "--json")
    assert first.code == 0, first.stderr
    assert first.json["files"] == [
        {
            "path": str(tmp_path / TASKS),
            "status": "created",
            "added": ["hwb: build", "hwb: check", "hwb: publish"],
        }
    ]
    data = json.loads((tmp_path / TASKS).read_text())
    assert data["version"] == "2.0.0"
    by_label = {t["label"]: t for t in data["tasks"]}
    assert by_label["hwb: build"]["args"] == ["build"]
    assert by_label["hwb: build"]["group"] == {"kind": "build", "isDefault": True}
    assert by_label["hwb: check"]["args"] == ["check", "dist/"]
    assert by_label["hwb: publish"]["args"] == ["publish", "dist/"]
    assert all(t["problemMatcher"] for t in data["tasks"])
    before = (tmp_path / TASKS).read_bytes()
    again = hwb("init", "--editor", "vscode", tmp_path, "--json")
    assert again.json["files"][0]["status"] == "unchanged"
    assert (tmp_path / TASKS).read_bytes() == before
    assert not (tmp_path / "pyproject.toml").exists()  # --editor writes only the editor's files


JSONC = """{
    // my own tasks; hwb must keep this comment
    "version": "2.0.0",
    "tasks": [
        {
            "label": "tests",  /* run them all */
            "type": "shell",
            "command": "pytest",
            "group": {"kind": "build", "isDefault": true},
        },
        {
            "label": "hwb: check",
            "type": "shell",
            "command": "hwb check --strict dist/",
        },
    ],
}
"""


def test_an_existing_jsonc_tasks_file_is_merged_and_a_conflict_reported(hwb: Any, tmp_path: Path) -> None:
    path = tmp_path / TASKS
    path.parent.mkdir()
    path.write_text(JSONC)
    result = hwb("init", "--editor", "vscode", tmp_path)
    assert result.code == 0, result.stderr
    assert f"conflict: {path}: task 'hwb: check' exists and differs from hwb's: kept yours" in result.stderr
    text = path.read_text()
    assert "// my own tasks; hwb must keep this comment" in text
    assert "/* run them all */" in text
    assert text.endswith(JSONC.split('"tasks": [', 1)[1])  # the user's tasks, byte for byte
    tasks = _tasks(tmp_path)
    labels = [t["label"] for t in tasks]
    assert labels == ["hwb: build", "hwb: publish", "tests", "hwb: check"]
    by_label = {t["label"]: t for t in tasks}
    assert by_label["hwb: check"]["command"] == "hwb check --strict dist/"  # theirs, kept
    assert by_label["hwb: build"]["group"] == "build"  # theirs stays the default build task
    again = hwb("init", "--editor", "vscode", tmp_path, "--json")
    assert again.json["files"][0]["status"] == "unchanged"
    assert len(again.json["conflicts"]) == 1
    assert path.read_text() == text


def test_a_tasks_file_without_tasks_gets_them_and_a_broken_one_is_refused(hwb: Any, tmp_path: Path) -> None:
    path = tmp_path / TASKS
    path.parent.mkdir()
    path.write_text('{\n  "version": "2.0.0" // no tasks yet\n}\n')
    assert hwb("init", "--editor", "vscode", tmp_path).code == 0
    assert [t["label"] for t in _tasks(tmp_path)] == ["hwb: build", "hwb: check", "hwb: publish"]
    assert "// no tasks yet" in path.read_text()
    path.write_text('{"version": "2.0.0", "tasks": [ {"label": "x"} \n')
    broken = hwb("init", "--editor", "vscode", tmp_path)
    assert broken.code == 20
    assert f"error: cannot merge hwb's tasks into {path}: it is not valid JSON with comments" in broken.stderr
    assert "hint:" in broken.stderr
    assert path.read_text() == '{"version": "2.0.0", "tasks": [ {"label": "x"} \n'


def test_pycharm_run_configurations(hwb: Any, tmp_path: Path) -> None:
    project = tmp_path / "spam"
    project.mkdir()
    mine = project / ".run" / "hwb publish.run.xml"
    mine.parent.mkdir()
    mine.write_text('<component name="ProjectRunConfigurationManager">\n  <configuration name="hwb publish" '
                    'type="ShConfigurationType" />\n</component>\n')  # fmt: skip
    result = hwb("init", "--editor", "pycharm", project, "--json")
    assert result.code == 0, result.stderr
    assert [f["path"] for f in result.json["files"]] == [
        str(project / ".run" / "hwb build.run.xml"),
        str(project / ".run" / "hwb check.run.xml"),
    ]
    assert result.json["conflicts"] == [
        f"{mine}: run configuration 'hwb publish' exists and differs from hwb's: kept yours"
    ]
    assert "ShConfigurationType" in mine.read_text()
    import xml.etree.ElementTree as ET

    root = ET.fromstring((project / ".run" / "hwb build.run.xml").read_text())
    config = root.find("configuration")
    assert config is not None
    assert (config.get("name"), config.get("type")) == ("hwb build", "PythonConfigurationType")
    options = {o.get("name"): o.get("value") for o in config.iter("option")}
    assert options["MODULE_MODE"] == "true"
    assert options["SCRIPT_NAME"] == "headless_wheel_builder"
    assert options["PARAMETERS"] == "build"
    assert options["WORKING_DIRECTORY"] == "$PROJECT_DIR$"
    module = config.find("module")
    assert module is not None
    assert module.get("name") == "spam"


# --- the problem matcher against the real hwb's output ------------------------------------------


def _broken_projects(tmp_path: Path) -> dict[str, Path]:
    config = tmp_path / "bad-config"
    config.mkdir()
    (config / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\n\n[tool.hwb]\noutdri = "x"\ntimeout = -1\n'
    )
    toml = tmp_path / "bad-toml"
    toml.mkdir()
    (toml / "pyproject.toml").write_text('[project]\nname = "x"\nversion = \n')
    return {"config": config, "toml": toml}


def _js_matches(patterns: list[dict[str, Any]], lines: list[str]) -> list[dict[str, Any]] | None:
    """Apply the matchers with node's RegExp, as VS Code does (None without node)."""
    node = shutil.which("node")
    if node is None:
        return None
    script = """
const [patterns, lines] = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const found = [];
for (const line of lines) {
  for (const p of patterns) {
    const m = new RegExp(p.regexp).exec(line);
    if (m) { found.push({file: m[p.file], line: +m[p.line], column: p.column ? +m[p.column] : null,
                         message: m[p.message]}); break; }
  }
}
process.stdout.write(JSON.stringify(found));
"""
    done = subprocess.run(
        [node, "-e", script], input=json.dumps([patterns, lines]), capture_output=True, text=True, check=True
    )
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


def _py_matches(patterns: list[dict[str, Any]], lines: list[str]) -> list[dict[str, Any]]:
    import re

    found = []
    for line in lines:
        for p in patterns:
            m = re.search(p["regexp"], line)
            if m:
                column = int(m[p["column"]]) if "column" in p else None
                found.append({"file": m[p["file"]], "line": int(m[p["line"]]), "column": column,
                              "message": m[p["message"]]})  # fmt: skip
                break
    return found


def test_the_problem_matcher_finds_what_hwb_reports(hwb: Any, tmp_path: Path) -> None:
    projects = _broken_projects(tmp_path)
    patterns = [m["pattern"] for m in vscode_tasks()[0]["problemMatcher"]]
    config = hwb("build", cwd=projects["config"])
    toml = hwb("build", cwd=projects["toml"])
    assert (config.code, toml.code) == (3, 21)
    config_file, toml_file = projects["config"] / "pyproject.toml", projects["toml"] / "pyproject.toml"
    expected = [
        {"file": str(config_file), "line": 6, "column": None,
         "message": "tool.hwb.outdri is not an hwb option (did you mean 'outdir'?)"},
        {"file": str(config_file), "line": 7, "column": None,
         "message": "tool.hwb.timeout: expected a number, got -1"},
        {"file": str(toml_file), "line": 3, "column": 11, "message": "Invalid value"},
    ]  # fmt: skip
    lines = (config.stderr + toml.stderr).splitlines()
    assert _py_matches(patterns, lines) == expected
    js = _js_matches(patterns, lines)
    if js is not None:
        assert js == expected
    # The matcher is not a catch-all: hwb's other lines, and a build that works, give nothing.
    ok = tmp_path / "ok"
    ok.mkdir()
    (ok / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n')
    clean = hwb("config", "show", cwd=ok)
    assert clean.code == 0, clean.stderr
    assert _py_matches(patterns, (clean.stdout + clean.stderr).splitlines()) == []


@pytest.mark.parametrize("editor", ["vscode", "pycharm"])
def test_dry_run_writes_nothing(hwb: Any, tmp_path: Path, editor: str) -> None:
    result = hwb("init", "--editor", editor, tmp_path, "--dry-run")
    assert result.code == 0, result.stderr
    assert "would be created" in result.stdout
    assert list(tmp_path.iterdir()) == []
