"""migrate/editors.py: JSONC read without losing offsets, strings that look like comments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from headless_wheel_builder.errors import ProjectError
from headless_wheel_builder.migrate.editors import _strip_jsonc, write_editor_files

TRICKY = """{
  // a comment
  "version": "2.0.0", /* another
  over two lines */
  "tasks": [
    {"label": "url", "command": "curl http://x/y // not a comment \\" /* nor this */", },
  ],
}
"""


def test_strip_jsonc_keeps_offsets_and_strings() -> None:
    stripped = _strip_jsonc(TRICKY)
    assert len(stripped) == len(TRICKY)
    assert stripped.count("\n") == TRICKY.count("\n")
    data = json.loads(stripped)
    assert data["tasks"][0]["command"] == 'curl http://x/y // not a comment " /* nor this */'


def test_merge_keeps_a_tricky_file_and_adds_the_tasks(tmp_path: Path) -> None:
    path = tmp_path / ".vscode" / "tasks.json"
    path.parent.mkdir()
    path.write_text(TRICKY)
    report = write_editor_files(tmp_path, ("vscode",))
    assert [f.status for f in report.files] == ["updated"]
    text = path.read_text()
    assert text.startswith(
        '{\n  // a comment\n  "version": "2.0.0", /* another\n  over two lines */\n  "tasks": ['
    )
    labels = [t["label"] for t in json.loads(_strip_jsonc(text))["tasks"]]
    assert labels == ["hwb: build", "hwb: check", "hwb: publish", "url"]


@pytest.mark.parametrize("text", ["[]", '{"tasks": {}}', "{", ""])
def test_what_is_not_a_tasks_file_is_refused_untouched(tmp_path: Path, text: str) -> None:
    path = tmp_path / ".vscode" / "tasks.json"
    path.parent.mkdir()
    path.write_text(text)
    with pytest.raises(ProjectError) as info:
        write_editor_files(tmp_path, ("vscode",))
    assert info.value.exit_code == 20
    assert path.read_text() == text
