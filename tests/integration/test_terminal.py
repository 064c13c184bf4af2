"""What a person sees: a progress display on a real terminal (a pty), none when piped."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import HwbResult
from tests.integration._pty import run_on_pty


def test_progress_on_a_terminal_and_none_when_piped(project_copy, tmp_path):
    src = project_copy("tiny-backend")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "CI",
                                                             "GITHUB_ACTIONS", "GITLAB_CI")}
    env.update({"TERM": "xterm-256color", "HWB_LOG_DIR": str(tmp_path / "logs"), "COLUMNS": "100",
                "HWB_CACHE": "false"})
    code, screen = run_on_pty(["build", str(src), "-C", "mode=slow", "-o", str(tmp_path / "tty")], env)
    assert code == 0, screen
    assert "Building sdist with tinybackend" in screen  # the spinner's live step text
    assert "\x1b[" in screen  # drawn with terminal control sequences
    assert "✓" in screen
    assert "Built tiny_pkg-0.3.0-py3-none-any.whl" in screen

    piped = subprocess.run([sys.executable, "-m", "headless_wheel_builder", "build", str(src),
                            "-C", "mode=slow", "-o", str(tmp_path / "pipe")],
                           capture_output=True, text=True, env=env, check=False)
    result = HwbResult(piped.returncode, piped.stdout, piped.stderr)
    assert result.code == 0, result.stderr
    assert "\x1b" not in result.stdout + result.stderr
    assert "\r" not in result.stdout + result.stderr
    assert "Building sdist with tinybackend" not in result.stderr  # no live progress when piped
    assert "* Built tiny_pkg-0.3.0-py3-none-any.whl" in result.stderr


def test_github_actions_fold_groups_and_step_summary(hwb, project_copy, tmp_path):
    summary = tmp_path / "summary.md"
    result = hwb("build", project_copy("tiny-backend"), "-o", tmp_path / "o",
                 env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert result.code == 0, result.stderr
    assert "::group::Building sdist with tinybackend" in result.stderr
    assert result.stderr.count("::group::") == result.stderr.count("::endgroup::")
    text = summary.read_text()
    assert "| `tiny_pkg-0.3.0-py3-none-any.whl` |" in text
    assert "| `tiny_pkg-0.3.0.tar.gz` |" in text


def test_json_log_lines(hwb, project_copy, tmp_path):
    import json

    result = hwb("build", project_copy("tiny-backend"), "-o", tmp_path / "o", "--log-format", "json")
    assert result.code == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    assert lines
    for entry in lines:
        assert set(entry) >= {"timestamp", "level", "event"}
    assert any(e["event"] == "Building sdist with tinybackend" and e["kind"] == "step" for e in lines)
