"""Conventional Commits 1.0 (https://www.conventionalcommits.org/en/v1.0.0/), parsed and linted.

``<type>[(scope)][!]: <description>``, a blank line, an optional body of any number of
paragraphs, a blank line, and optional footers (``Token: value`` or ``Token #value``; a token
uses ``-`` for spaces, except ``BREAKING CHANGE``, which must be uppercase; ``BREAKING-CHANGE``
is a synonym).  Types and other tokens are case-insensitive.

Besides conventional commits, git's own merge, revert and ``fixup!``/``squash!``/``amend!``
messages are recognised (and Bitbucket's ``Merged in …``): they are neither errors nor
release-worthy on their own.  Parsing never raises; what does not conform is returned with the
reasons (``problems``).

A squash commit lists the commits it squashed in its body (GitHub: ``* feat(cli): …``
paragraphs; ``git merge --squash``: ``Squashed commit of the following:`` and ``commit <sha>``
blocks; Bitbucket: ``Merged in …`` then the messages).  :func:`split_squash` returns them, one
message each, the way python-semantic-release's conventional parser splits them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Level = Literal["major", "minor", "patch"]
LEVELS: tuple[Level, ...] = ("patch", "minor", "major")
"""Bump levels, lowest first."""

MessageKind = Literal["conventional", "merge", "revert", "fixup", "nonconforming"]

BREAKING_TOKENS = ("BREAKING CHANGE", "BREAKING-CHANGE")
DEFAULT_TYPES = (
    "build",
    "chore",
    "ci",
    "docs",
    "feat",
    "fix",
    "perf",
    "refactor",
    "revert",
    "style",
    "test",
)

_HEADER_RE = re.compile(
    r"^(?P<type>[A-Za-z][A-Za-z0-9_-]*)(?:\((?P<scope>[^\r\n]+?)\))?(?P<bang>!)?: (?P<desc>\S.*)$"
)
_BREAKING_HEADER_RE = re.compile(r"^BREAKING[ -]CHANGE\s*!?:", re.I)
_SCOPE_RE = re.compile(r"^[^()]+$")
_FOOTER_RE = re.compile(
    r"^(?P<token>BREAKING[ -]CHANGE|[A-Za-z0-9][A-Za-z0-9-]*)(?P<sep>: | #)(?P<value>.*)$"
)
_MERGE_RE = re.compile(
    r"^(?:Merge (?:branch|branches|remote-tracking branch|tag|pull request|commit|[0-9a-f]{7,40}\b)"
    r"|Merged in \S)",
    re.I,
)
_GIT_REVERT_RE = re.compile(r'^Revert "(?P<header>.*)"$')
_REVERTS_SHA_RE = re.compile(r"This reverts commit (?P<sha>[0-9a-f]{7,40})")
_FIXUP_RE = re.compile(r"^(?:fixup|squash|amend)! ")
_SCISSORS = "# ------------------------ >8 ------------------------"


@dataclass(frozen=True, kw_only=True)
class Footer:
    token: str
    """As written (``Reviewed-by``, ``BREAKING CHANGE``)."""
    value: str
    separator: Literal[": ", " #"] = ": "

    @property
    def is_breaking(self) -> bool:
        return self.token in BREAKING_TOKENS and self.separator == ": "


@dataclass(frozen=True, kw_only=True)
class ParsedMessage:
    """One commit message, understood."""

    kind: MessageKind
    header: str
    type: str | None = None
    """Lower-cased (``Feat`` and ``feat`` are the same type)."""
    scope: str | None = None
    bang: bool = False
    description: str = ""
    body: str = ""
    footers: tuple[Footer, ...] = ()
    breaking_notes: tuple[str, ...] = ()
    """The text of every ``BREAKING CHANGE:`` footer or paragraph."""
    reverts: str | None = None
    """For a revert: the commit id it names (``This reverts commit …``), when given."""
    reverted_header: str | None = None
    problems: tuple[str, ...] = field(default=())
    """Why the message does not conform (empty when it does)."""
    breaking_header: bool = False
    """The header is a ``BREAKING CHANGE: …`` footer: meant as a breaking change, but not a
    conventional header, so (like python-semantic-release) it asks for no release."""

    @property
    def breaking(self) -> bool:
        return self.bang or bool(self.breaking_notes)

    @property
    def conforms(self) -> bool:
        return not self.problems

    def level(self, bump_map: Mapping[str, Level]) -> Level | None:
        """The release this message asks for under ``bump_map``; breaking is always major."""
        if self.kind != "conventional" and not (self.kind == "revert" and self.type):
            return None
        if self.breaking:
            return "major"
        return bump_map.get(self.type or "")

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "type": self.type,
            "scope": self.scope,
            "breaking": self.breaking,
            "description": self.description,
            "breaking_notes": list(self.breaking_notes),
            "footers": [{"token": f.token, "value": f.value} for f in self.footers],
            "reverts": self.reverts,
            "problems": list(self.problems),
        }


def clean_message(text: str) -> str:
    """What git would record: comment lines and everything below the scissors line removed
    (a commit-msg hook sees the file before that clean-up), trailing space stripped."""
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.startswith(_SCISSORS):
            break
        if line.startswith("#"):
            continue
        lines.append(line.rstrip())
    return "\n".join(lines).strip("\n")


def _paragraphs(lines: list[str]) -> list[list[str]]:
    out: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line)
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def _split_footers(paragraphs: list[list[str]]) -> tuple[list[list[str]], list[Footer]]:
    """Body paragraphs and the footers: the trailing paragraphs that start with a footer."""
    start = len(paragraphs)
    while start > 0 and _FOOTER_RE.match(paragraphs[start - 1][0]):
        start -= 1
    footers: list[Footer] = []
    for paragraph in paragraphs[start:]:
        for line in paragraph:
            match = _FOOTER_RE.match(line)
            if match:
                sep: Literal[": ", " #"] = ": " if match["sep"] == ": " else " #"
                footers.append(Footer(token=match["token"], value=match["value"], separator=sep))
            elif footers:  # a footer value continues on the next line
                last = footers[-1]
                footers[-1] = Footer(
                    token=last.token, value=f"{last.value}\n{line}", separator=last.separator
                )
    return paragraphs[:start], footers


def parse_message(message: str) -> ParsedMessage:
    """Parse one commit message.  Never raises; non-conforming messages carry ``problems``."""
    text = message.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    lines = text.split("\n") if text else [""]
    header = lines[0].strip()
    rest = lines[1:]
    special = _special_message(header, text, rest)
    if special is not None:
        return special

    breaking_header = bool(_BREAKING_HEADER_RE.match(header))
    match = None if breaking_header else _HEADER_RE.match(header)
    problems: list[str] = []
    if breaking_header:
        problems.append(
            f"the header {header!r} is a footer, not a header, so it counts as no change at all: "
            "write 'type!: description' (e.g. 'feat!: …') and put 'BREAKING CHANGE: …' in the footer"
        )
    elif match is None:
        problems.append(_header_problem(header))
    elif match["scope"] is not None and not _SCOPE_RE.match(match["scope"]):
        problems.append(
            f"the scope {match['scope']!r} is malformed: a scope is a noun without parentheses, "
            f"e.g. '{match['type']}(parser): …'"
        )
    if rest and rest[0].strip():
        problems.append("the header must be followed by a blank line")
    paragraphs = _paragraphs(rest)
    body_paragraphs, footers = _split_footers(paragraphs)
    notes = _breaking_notes(body_paragraphs, footers)
    problems.extend(
        f"{footer.token!r} must be written in uppercase: BREAKING CHANGE"
        for footer in footers
        if footer.token.upper() in ("BREAKING CHANGE", "BREAKING-CHANGE")
        and footer.token not in BREAKING_TOKENS
    )
    body = "\n\n".join("\n".join(p) for p in body_paragraphs)
    if match is None:
        return ParsedMessage(
            kind="nonconforming",
            header=header,
            body=body,
            footers=tuple(footers),
            problems=tuple(problems),
            breaking_header=breaking_header,
        )
    ctype = match["type"].lower()
    return ParsedMessage(
        kind="conventional",
        header=header,
        type=ctype,
        scope=match["scope"] or None,
        bang=bool(match["bang"]),
        description=match["desc"].strip(),
        body=body,
        footers=tuple(footers),
        breaking_notes=tuple(n for n in notes if n),
        reverts=_reverted(text, footers) if ctype == "revert" else None,
        problems=tuple(problems),
    )


def _special_message(header: str, text: str, rest: list[str]) -> ParsedMessage | None:
    """Empty messages, merges, fixups and git's own reverts; None for everything else."""
    if not header:
        return ParsedMessage(kind="nonconforming", header="", problems=("the message is empty",))
    if _MERGE_RE.match(header):
        return ParsedMessage(kind="merge", header=header, description=header)
    if _FIXUP_RE.match(header):
        return ParsedMessage(kind="fixup", header=header, description=header)
    git_revert = _GIT_REVERT_RE.match(header)
    if git_revert is None:
        return None
    sha = _REVERTS_SHA_RE.search(text)
    inner = parse_message(git_revert["header"])
    return ParsedMessage(
        kind="revert",
        header=header,
        description=git_revert["header"],
        body="\n".join(rest).strip("\n"),
        reverts=sha["sha"] if sha else None,
        reverted_header=git_revert["header"],
        type="revert",
        scope=inner.scope,
    )


def _breaking_notes(body_paragraphs: list[list[str]], footers: list[Footer]) -> list[str]:
    """BREAKING CHANGE footers, and "BREAKING CHANGE: …" paragraphs inside the body."""
    notes = [f.value.strip() for f in footers if f.is_breaking]
    for paragraph in body_paragraphs:
        first = paragraph[0]
        for token in BREAKING_TOKENS:
            if first.startswith(f"{token}: "):
                notes.append("\n".join([first[len(token) + 2 :], *paragraph[1:]]).strip())
    return notes


def _reverted(text: str, footers: list[Footer]) -> str | None:
    """What a ``revert:`` commit reverts: a sha in the text, else its Refs/Reverts footer."""
    refs = [f.value for f in footers if f.token.lower() in ("refs", "reverts")]
    sha = _REVERTS_SHA_RE.search(text)
    return sha["sha"] if sha else (refs[0].strip() if refs else None)


def _header_problem(header: str) -> str:
    """Say, as precisely as possible, why ``header`` is not ``type(scope)!: description``."""
    if ":" not in header:
        return f"the header {header!r} has no 'type: ' prefix (e.g. 'fix: {header[:40]}')"
    prefix, _, after = header.partition(":")
    if not after.strip():
        return "the description after 'type: ' is empty"
    if not after.startswith(" "):
        return "the ':' after the type must be followed by a space"
    if prefix.endswith("!") and "(" in prefix and not prefix.endswith(")!"):
        return "'!' goes after the scope: 'type(scope)!: description'"
    if " " in prefix.strip() or not re.match(r"^[A-Za-z]", prefix):
        return f"the type {prefix!r} must be one word (letters, digits, '-' or '_'), e.g. 'feat'"
    if prefix.count("(") != prefix.count(")") or "()" in prefix:
        return f"the scope in {prefix!r} is malformed: write 'type(scope): description'"
    return f"the header {header!r} is not 'type(scope): description'"


_SQUASH_COMMIT_LINE = re.compile(r"^[\t ]*commit [0-9a-f]{7,40}[\t ]*$\n?", re.M)
_SQUASH_HEADING = re.compile(r"^[\t ]*Squashed commit of the following:", re.M)
_SQUASH_NOISE = re.compile(r"^[\t ]*(?:Author: .+|Date: .+|Squashed commit of the following:.*)$\n?", re.M)


def split_squash(message: str, types: Iterable[str] = DEFAULT_TYPES) -> tuple[str, ...]:
    """The commit messages a squash commit lists, oldest first, its own header first when that
    is not one of them (GitHub's pull-request title, Bitbucket's ``Merged in …``).

    As python-semantic-release's conventional parser splits them: ``commit <sha>`` lines
    start a new message; a paragraph that starts (after a ``*``/``-`` bullet or indentation)
    with ``type(scope)!: subject`` of a known type and a subject of more than one word starts a
    new message; any other paragraph belongs to the message before it.  ``git merge --squash``'s
    heading and ``Author:``/``Date:`` lines are dropped.  A message that lists no other commit
    comes back as it is (one item)."""
    allowed = sorted({re.escape(t) for t in types if t}, key=len, reverse=True)
    if not allowed:
        return (message,)
    kinds = "|".join(allowed)
    bullet = re.compile(rf"^(?:[\t ]*[*-][\t ]+|[\t ]+)?(?=(?:{kinds})\b)", re.M | re.I)
    subject = re.compile(rf"^(?:{kinds})(?:\([^\n]+\))?!?:\s+(?P<subject>[^\n]+)", re.I)
    text = message.replace("\r", "").strip()
    blocks = _SQUASH_COMMIT_LINE.split(text)
    if len(blocks) > 1:  # git lists the squashed commits newest first, after its heading
        blocks = [blocks[0], *reversed(blocks[1:])]
    found: list[str] = []
    for block in blocks:
        found.extend(_split_block(block, bullet, subject))
    parts = tuple(part for part in found if part)
    squashed = len(parts) > 1 or _SQUASH_HEADING.search(text) or len(blocks) > 1
    return parts if squashed and parts else (message,)


def _split_block(block: str, bullet: re.Pattern[str], subject: re.Pattern[str]) -> list[str]:
    import textwrap

    messages: list[str] = []
    current = ""
    for paragraph in block.strip().split("\n\n"):
        clean = bullet.sub("", _SQUASH_NOISE.sub("", paragraph))
        if not clean.strip():
            continue
        match = subject.match(clean)
        if match and len(match["subject"].split(" ")) > 1:
            if current:
                messages.append(current)
            current = clean
        elif not messages and not current:
            current = textwrap.dedent(clean)
        elif current:
            current += "\n\n" + textwrap.dedent(clean)
    return [*messages, current]


def lint_message(
    message: str,
    *,
    types: Iterable[str] = DEFAULT_TYPES,
    clean: bool = True,
    max_header_length: int | None = None,
) -> ParsedMessage:
    """Parse ``message`` as a commit-msg hook would and add lint problems: an unknown type
    (with a suggestion), an over-long header.  Merge, revert and fixup messages pass."""
    import difflib

    text = clean_message(message) if clean else message
    parsed = parse_message(text)
    problems = list(parsed.problems)
    allowed = {t.lower() for t in types}
    if parsed.kind == "conventional" and allowed and parsed.type not in allowed:
        close = difflib.get_close_matches(parsed.type or "", sorted(allowed), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(f"unknown type {parsed.type!r}{hint}; allowed: {', '.join(sorted(allowed))}")
    if max_header_length and len(parsed.header) > max_header_length:
        problems.append(
            f"the header is {len(parsed.header)} characters long; the limit is {max_header_length}"
        )
    if problems == list(parsed.problems):
        return parsed
    return dataclasses.replace(parsed, problems=tuple(problems))


def max_level(levels: Iterable[Level | None]) -> Level | None:
    """The highest of ``levels`` (None when there is none)."""
    found = [LEVELS.index(level) for level in levels if level is not None]
    return LEVELS[max(found)] if found else None
