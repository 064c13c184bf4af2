"""The Conventional Commits parser and linter (pure; no git)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headless_wheel_builder.version.commits import (
    clean_message,
    lint_message,
    max_level,
    parse_message,
    split_squash,
)

BUMP_MAP = {"feat": "minor", "fix": "patch", "perf": "patch"}


@pytest.mark.parametrize(
    ("message", "ctype", "scope", "breaking", "description"),
    [
        ("feat: add x", "feat", None, False, "add x"),
        ("fix(parser): accept y", "fix", "parser", False, "accept y"),
        ("feat!: drop z", "feat", None, True, "drop z"),
        ("refactor(core)!: rename", "refactor", "core", True, "rename"),
        ("Feat: capital type", "feat", None, False, "capital type"),
        ("build(deps-dev): bump a from 1 to 2", "build", "deps-dev", False, "bump a from 1 to 2"),
    ],
)
def test_header(message: str, ctype: str, scope: str | None, breaking: bool, description: str) -> None:
    parsed = parse_message(message)
    assert parsed.kind == "conventional"
    assert (parsed.type, parsed.scope, parsed.breaking, parsed.description) == (
        ctype,
        scope,
        breaking,
        description,
    )
    assert parsed.conforms


def test_body_paragraphs_and_footers() -> None:
    parsed = parse_message(
        "fix: prevent racing\n\nIntroduce a request id.\n\nDismiss stale responses;\nkeep the latest.\n\n"
        "Reviewed-by: Z\nRefs #123\nBREAKING CHANGE: the cache key changed\n  and is now longer\n"
    )
    assert parsed.body == "Introduce a request id.\n\nDismiss stale responses;\nkeep the latest."
    assert [(f.token, f.separator) for f in parsed.footers] == [
        ("Reviewed-by", ": "),
        ("Refs", " #"),
        ("BREAKING CHANGE", ": "),
    ]
    assert parsed.breaking
    assert parsed.breaking_notes == ("the cache key changed\n  and is now longer",)
    assert parsed.level(BUMP_MAP) == "major"


@pytest.mark.parametrize(
    ("message", "breaking"),
    [
        ("feat: x\n\nBREAKING-CHANGE: synonym", True),
        ("fix: x\n\nBREAKING CHANGE: in a paragraph of its own\n\nmore body\n\nRefs: 1", True),
        ("fix: x\n\nbreaking change: lower case is not a breaking footer", False),
        ("fix: x\n\nBREAKING CHANGE #12", False),
        ("docs: mention BREAKING CHANGE: in the middle of a line", False),
    ],
)
def test_breaking_detection(message: str, breaking: bool) -> None:
    assert parse_message(message).breaking is breaking


def test_lowercase_breaking_token_is_a_lint_problem() -> None:
    parsed = parse_message("fix: x\n\nBreaking-Change: nope")
    assert not parsed.breaking
    assert any("uppercase" in p for p in parsed.problems)


def test_levels() -> None:
    assert parse_message("feat: a").level(BUMP_MAP) == "minor"
    assert parse_message("perf: a").level(BUMP_MAP) == "patch"
    assert parse_message("docs: a").level(BUMP_MAP) is None
    assert parse_message("docs!: a").level(BUMP_MAP) == "major"
    assert parse_message("not conventional").level(BUMP_MAP) is None
    assert max_level(["patch", None, "minor"]) == "minor"
    assert max_level([None]) is None


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("Merge branch 'topic' into main", "merge"),
        ("Merge pull request #12 from org/topic", "merge"),
        ("Merged in feature/x (pull request #5)", "merge"),  # Bitbucket
        ("fixup! feat: add x", "fixup"),
        ("squash! fix: y", "fixup"),
        ('Revert "feat: add x"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.', "revert"),
    ],
)
def test_git_generated_messages(message: str, kind: str) -> None:
    parsed = parse_message(message)
    assert parsed.kind == kind
    assert parsed.conforms
    assert parsed.level(BUMP_MAP) is None


def test_git_revert_names_the_commit() -> None:
    parsed = parse_message('Revert "feat(api): add x"\n\nThis reverts commit 0123456789abcdef.')
    assert parsed.reverts == "0123456789abcdef"
    assert parsed.reverted_header == "feat(api): add x"
    assert parsed.scope == "api"
    assert parsed.level({"revert": "patch"}) == "patch"


def test_conventional_revert_refs_footer() -> None:
    parsed = parse_message(
        "revert: let us never again speak of the noodle incident\n\nRefs: 676104e, a215868"
    )
    assert parsed.kind == "conventional"
    assert parsed.reverts == "676104e, a215868"


@pytest.mark.parametrize(
    ("message", "fragment"),
    [
        ("", "empty"),
        ("add a thing", "no 'type: ' prefix"),
        ("feat:missing space", "followed by a space"),
        ("feat: ", "description after 'type: ' is empty"),
        ("feat(scope!: x", "scope"),
        ("my type: x", "one word"),
        ("feat: x\nno blank line", "blank line"),
    ],
)
def test_nonconforming_says_why(message: str, fragment: str) -> None:
    parsed = parse_message(message)
    assert not parsed.conforms
    assert any(fragment in p for p in parsed.problems), parsed.problems


def test_lint_unknown_type_suggests() -> None:
    parsed = lint_message("feta: x")
    assert any("did you mean 'feat'" in p for p in parsed.problems)
    assert lint_message("feat: x").conforms
    assert not lint_message("x" * 10 + ": y", types=()).problems
    assert lint_message("feat: " + "x" * 120, max_header_length=100).problems


def test_clean_message_drops_comments_and_scissors() -> None:
    scissors = "# ------------------------ >8 ------------------------"
    text = f"feat: x\n\nbody\n# Please enter the commit message\n{scissors}\ndiff"
    assert clean_message(text) == "feat: x\n\nbody"
    assert lint_message(text).conforms


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parser_never_raises(text: str) -> None:
    parsed = parse_message(text)
    lint_message(text)
    assert parsed.kind in ("conventional", "merge", "revert", "fixup", "nonconforming")
    assert parsed.conforms or parsed.kind == "nonconforming" or parsed.problems


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"[a-z]{1,8}", fullmatch=True),
    st.none() | st.from_regex(r"[a-z-]{1,8}", fullmatch=True),
    st.booleans(),
    st.from_regex(r"[a-zA-Z][a-zA-Z ]{0,30}", fullmatch=True),
    st.lists(st.from_regex(r"[a-z][a-z ]{0,20}", fullmatch=True), max_size=3),
)
def test_well_formed_messages_round_trip(
    ctype: str, scope: str | None, bang: bool, description: str, body: list[str]
) -> None:
    header = f"{ctype}{f'({scope})' if scope else ''}{'!' if bang else ''}: {description}"
    message = "\n\n".join([header, *body])
    parsed = parse_message(message)
    assert parsed.kind == "conventional" or ctype in ("merge",)
    if parsed.kind == "conventional":
        assert (parsed.type, parsed.scope, parsed.bang) == (ctype, scope, bang)
        assert parsed.description == description.strip()


@pytest.mark.parametrize(
    "header", ["BREAKING CHANGE: drop 3.8", "BREAKING-CHANGE: drop 3.8", "breaking change: a"]
)
def test_breaking_change_as_header_is_flagged_and_asks_for_nothing(header: str) -> None:
    parsed = parse_message(header)
    assert (parsed.kind, parsed.breaking_header, parsed.level(BUMP_MAP)) == ("nonconforming", True, None)
    assert "is a footer, not a header" in parsed.problems[0]


@pytest.mark.parametrize("message", ["chore((part)): tidy", "feat(a(b)): x", "fix(a)(b): y"])
def test_malformed_scope_is_a_problem_but_still_read(message: str) -> None:
    parsed = parse_message(message)
    assert parsed.kind == "conventional"  # python-semantic-release reads the type (and bumps)
    assert any("malformed" in p for p in parsed.problems), parsed.problems
    assert not lint_message(message).conforms


SQUASHES = [
    (  # GitHub: the pull-request title, then one paragraph per commit
        "Add things (#12)\n\n* feat(cli): add the thing\n\n* fix(core)!: drop keys\n\nBREAKING CHANGE: gone",
        ["Add things (#12)", "feat(cli): add the thing", "fix(core)!: drop keys\n\nBREAKING CHANGE: gone"],
    ),
    (  # git merge --squash: blocks newest first, returned oldest first
        "Squashed commit of the following:\n\ncommit 1123456789abcdef0123456789abcdef01234567\n"
        "Author: A <a@b>\nDate:   Sun Oct 13 12:05:23 2024 -0600\n\n    fix(core)!: drop old keys\n\n"
        "commit 0123456789abcdef0123456789abcdef01234567\nAuthor: A <a@b>\n"
        "Date:   Sun Oct 13 12:04:23 2024 -0600\n\n    feat(cli): add the thing\n\n    more text here\n",
        ["feat(cli): add the thing\n\nmore text here", "fix(core)!: drop old keys"],
    ),
    (  # Bitbucket
        "Merged in feature/x (pull request #5)\n\nfeat(cli): add the thing\n\n* fix(core): drop keys\n\n"
        "Approved-by: Someone",
        [
            "Merged in feature/x (pull request #5)",
            "feat(cli): add the thing",
            "fix(core): drop keys\n\nApproved-by: Someone",
        ],
    ),
    ("feat: plain\n\nbody text\n\nRefs: #1", ["feat: plain\n\nbody text\n\nRefs: #1"]),
    ("fix: a thing\n\nfix: #123", ["fix: a thing\n\nfix: #123"]),  # a one-word subject is a footer
    ("feat: x\n\nnotatype: not a commit either", ["feat: x\n\nnotatype: not a commit either"]),
    ("fix: x\n\nDate: 2024-01-01 is when\nAuthor: me", ["fix: x\n\nDate: 2024-01-01 is when\nAuthor: me"]),
]


@pytest.mark.parametrize(("message", "parts"), SQUASHES)
def test_split_squash(message: str, parts: list[str]) -> None:
    assert list(split_squash(message)) == parts
