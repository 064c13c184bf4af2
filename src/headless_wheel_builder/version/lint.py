"""``hwb version lint``: check one message (a commit-msg hook) or a range of commits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from headless_wheel_builder.errors import CommitLintError
from headless_wheel_builder.version import git
from headless_wheel_builder.version.commits import ParsedMessage, lint_message
from headless_wheel_builder.version.config import VersionConfig


@dataclass(frozen=True, kw_only=True)
class LintedMessage:
    ref: str
    """A commit id, or the file the message came from."""
    parsed: ParsedMessage

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "header": self.parsed.header,
            "kind": self.parsed.kind,
            "ok": self.parsed.conforms,
            "problems": list(self.parsed.problems),
        }


@dataclass(frozen=True, kw_only=True)
class LintReport:
    messages: tuple[LintedMessage, ...]
    committed: bool = True
    """False for a message that is not a commit yet (``--message``, ``--message-file``: the
    commit-msg hook), whose fix is editing it, not ``git commit --amend``."""

    @property
    def ok(self) -> bool:
        return all(m.parsed.conforms for m in self.messages)

    @property
    def failures(self) -> tuple[LintedMessage, ...]:
        return tuple(m for m in self.messages if not m.parsed.conforms)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": len(self.messages),
            "failed": len(self.failures),
            "messages": [m.to_dict() for m in self.messages],
        }

    def raise_for_failures(self) -> None:
        if self.ok:
            return
        lines = [f"{m.ref}: {m.parsed.header!r}: {'; '.join(m.parsed.problems)}" for m in self.failures]
        raise CommitLintError(
            f"{len(self.failures)} of {len(self.messages)} commit message(s) break Conventional Commits",
            why="\n  " + "\n  ".join(lines),
            hint="write 'type(scope): description', e.g. 'fix(parser): accept empty scopes' "
            "(https://www.conventionalcommits.org/en/v1.0.0/); "
            + (
                "git commit --amend or rebase to reword"
                if self.committed
                else "edit the message and commit again (nothing was committed)"
            ),
        )


def _allowed(config: VersionConfig) -> tuple[str, ...]:
    return tuple(sorted({*config.types, *config.bump_map}))


def lint_text(text: str, *, ref: str, config: VersionConfig) -> LintReport:
    parsed = lint_message(text, types=_allowed(config))
    return LintReport(messages=(LintedMessage(ref=ref, parsed=parsed),), committed=False)


def lint_file(path: Path, *, config: VersionConfig) -> LintReport:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise CommitLintError(f"cannot read the message file {path}", why=exc.strerror or str(exc)) from exc
    return lint_text(text, ref=str(path), config=config)


def lint_range(repo: Path, rev_range: str, *, config: VersionConfig) -> LintReport:
    """Every commit in ``rev_range`` (``A..B``, or a single ref for its whole history)."""
    commits = git.log(repo, rev_range)
    return LintReport(
        messages=tuple(
            LintedMessage(ref=c.short, parsed=lint_message(c.message, types=_allowed(config), clean=False))
            for c in commits
        )
    )
