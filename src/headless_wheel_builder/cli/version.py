"""Versions from Conventional Commits.

  hwb version show                 the current version, where it is written, the last release tag
  hwb version next [LEVEL]         the next version and why (exit 72: nothing to release)
  hwb version bump [LEVEL]         write it (--commit, --tag: an annotated tag; --dry-run)
  hwb version lint                 check commit messages (--message-file FILE for a commit-msg
                                   hook, --range A..B for a branch)

LEVEL is auto (default: from the commits), major, minor or patch.  --pre [TOKEN] makes a
pre-release (rc, b, a, dev; default from [tool.hwb.version] prerelease-token).  Settings live
in [tool.hwb.version]; docs/VERSIONING.md has them all.

commit-msg hook (.git/hooks/commit-msg):  exec hwb version lint --message-file "$1"
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from headless_wheel_builder.cli._output import CliProgress, Style
    from headless_wheel_builder.version.manager import VersionPlan

LEVELS = ("auto", "major", "minor", "patch")


def add_version_selection(parser: argparse.ArgumentParser) -> None:
    """--project, --package and --pre: shared by version and release."""
    parser.add_argument(
        "--project",
        type=Path,
        default=Path(),
        metavar="DIR",
        help="the project (or monorepo) folder (default: .)",
    )
    parser.add_argument(
        "--package",
        metavar="NAME",
        help="a monorepo member from [tool.hwb.version.packages] (default: the one at --project, else all)",
    )
    parser.add_argument(
        "--pre",
        nargs="?",
        const="",
        default=None,
        metavar="TOKEN",
        help="make a pre-release: rc, b, a or dev (default token: prerelease-token)",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("show", "next", "bump", "lint"), help="what to do")
    parser.add_argument(
        "level",
        nargs="?",
        choices=LEVELS,
        default="auto",
        help="the bump: auto (from commits, default), major, minor or patch",
    )
    add_version_selection(parser)
    bump = parser.add_argument_group("bump")
    bump.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    bump.add_argument("--commit", action="store_true", help="commit the changed files")
    bump.add_argument(
        "--tag", action="store_true", help="make an annotated tag (needs --commit when files change)"
    )
    bump.add_argument("--changelog", action="store_true", help="also update the changelog file")
    lint = parser.add_argument_group("lint")
    lint.add_argument(
        "--message-file", type=Path, metavar="FILE", help="lint the message in FILE (commit-msg hook)"
    )
    lint.add_argument("--message", metavar="TEXT", help="lint TEXT")
    lint.add_argument("--range", dest="rev_range", metavar="A..B", help="lint every commit in A..B")


def pre_token(args: argparse.Namespace, project: Path) -> str | None:
    if args.pre is None or args.pre:
        return str(args.pre) if args.pre is not None else None
    from headless_wheel_builder.version.config import load_config

    return load_config(project).prerelease_token


def _check_flags(args: argparse.Namespace) -> None:
    from headless_wheel_builder.errors import UsageError

    misplaced = {
        "bump": [
            ("--dry-run", args.dry_run),
            ("--commit", args.commit),
            ("--tag", args.tag),
            ("--changelog", args.changelog),
        ],
        "lint": [
            ("--message-file", args.message_file),
            ("--message", args.message),
            ("--range", args.rev_range),
        ],
    }
    for action, flags in misplaced.items():
        used = [name for name, value in flags if value]
        if used and args.action != action:
            raise UsageError(
                f"{', '.join(used)} belongs to hwb version {action}, not {args.action}",
                hint=f"hwb version {action} {' '.join(used)}",
            )
    if args.level != "auto" and args.action not in ("next", "bump"):
        raise UsageError(f"a level ({args.level}) makes sense only for next and bump")


def _single_or_many(plans: list[VersionPlan], one: Any) -> Any:
    return one(plans[0]) if len(plans) == 1 else {"packages": [one(p) for p in plans]}


def run(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    _check_flags(args)
    if args.action == "lint":
        return _lint(args, style)
    if args.action == "bump":
        return _bump(args, style, progress)
    from headless_wheel_builder import api

    progress.step("Reading the history")
    plans = api.version_plan(args.project, package=args.package, level=args.level,
                             pre=pre_token(args, args.project))  # fmt: skip
    if args.action == "show":
        return _show(plans, style)
    return _next(plans, style)


def _lint(args: argparse.Namespace, style: Style) -> int:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, out

    report = api.lint_commits(
        args.project, message=args.message, message_file=args.message_file, rev_range=args.rev_range
    )
    if style.json:
        emit_json(report.to_dict())
        return 0 if report.ok else 71
    report.raise_for_failures()
    if not style.quiet:
        out(f"{len(report.messages)} commit message(s) follow Conventional Commits")
    return 0


def _bump(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, out

    progress.step("Bumping the version")
    result = api.version_bump(
        args.project,
        package=args.package,
        level=args.level,
        pre=pre_token(args, args.project),
        commit=args.commit,
        tag=args.tag,
        changelog=args.changelog,
        dry_run=args.dry_run,
    )
    if style.json:
        emit_json(result.to_dict())
    else:
        for step in result.steps:
            out(f"{'would ' if step.status == 'planned' else ''}{step.name}: {step.detail}")
    return 0


def _show(plans: list[VersionPlan], style: Style) -> int:
    from headless_wheel_builder.cli._output import emit_json, out

    if style.json:
        emit_json(_single_or_many(plans, _show_dict))
        return 0
    for plan in plans:
        name = f"{plan.name} " if plan.name else ""
        out(f"{name}{plan.current_display or '(no release yet)'}")
        if not style.quiet:
            out(f"  written in: {plan.source.describe(plan.target.repo)}")
            out(f"  last release tag: {plan.current_tag or '(none)'}")
    return 0


def _next(plans: list[VersionPlan], style: Style) -> int:
    from headless_wheel_builder.cli._output import emit_json, err, out
    from headless_wheel_builder.errors import NothingToRelease

    if style.json:
        emit_json(_single_or_many(plans, lambda p: p.to_dict()))
    else:
        for plan in plans:
            name = f"{plan.name}: " if plan.name else ""
            if plan.next is None:
                out(f"{name}nothing to release ({plan.reason}); current {plan.current_display}")
            else:
                now = plan.current_display or "(none)"
                out(f"{name}{now} -> {plan.next_display} ({plan.bump}: {plan.reason})")
            if plan.nonconforming and not style.quiet:
                err(
                    f"warning: {len(plan.nonconforming)} commit(s) do not follow Conventional Commits and "
                    "were ignored (hwb version lint --range … lists them)"
                )
    return 0 if any(p.next is not None for p in plans) else NothingToRelease.exit_code


def _show_dict(plan: VersionPlan) -> dict[str, Any]:
    data = plan.to_dict()
    keep = ("package", "path", "scheme", "current", "current_tag", "source")
    return {k: data[k] for k in keep} | {"current_display": plan.current_display}
