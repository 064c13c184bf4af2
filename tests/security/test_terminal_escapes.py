"""Terminal control sequences in text from outside are shown, never acted on (issue 16,
family 5): a backend's output (streamed with -v, and in the error's tail), its exception
message, a commit message.  A real backend (tiny-backend, mode=escapes) and a real git repo."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import git

CONTROL = [chr(c) for c in (*range(0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0))]


def _no_controls(text: str) -> None:
    found = sorted({repr(c) for c in text if c in CONTROL})
    assert not found, f"control characters reached the terminal: {found}"


@pytest.mark.parametrize("verbose", [[], ["-v"]], ids=["quiet", "streamed"])
def test_a_backends_escape_sequences_are_shown_not_sent(hwb, project_copy, tmp_path: Path, verbose) -> None:
    result = hwb("build", project_copy("tiny-backend"), "-C", "mode=escapes", "-o", tmp_path / "o", *verbose)
    assert result.code != 0
    _no_controls(result.stdout + result.stderr)
    assert "\\x1b]0;pwned-title\\x07" in result.stderr  # still visible, as text
    assert "\\x1b]8;;http://evil.invalid\\x07a link" in result.stderr
    assert "HIDDEN" in result.stderr  # a carriage return did not overwrite it


def test_a_commit_messages_escape_sequences_are_shown_not_sent(hwb, git_repo: Path, tmp_path: Path) -> None:
    home = tmp_path / "git-home"
    (git_repo / "note.txt").write_text("x")
    git(git_repo, "add", "-A", home=home)
    git(git_repo, "commit", "-q", "-m", "feat: \x1b]0;pwned\x07 new \x1b[2Jthing", home=home)
    result = hwb("changelog", "--project", git_repo, cwd=git_repo)
    assert result.code == 0, result.stderr
    _no_controls(result.stdout + result.stderr)
    assert "\\x1b]0;pwned\\x07 new" in result.stdout, result.stdout
