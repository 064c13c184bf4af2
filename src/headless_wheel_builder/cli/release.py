"""Release: version bump -> changelog -> build -> check -> publish -> commit + tag (+ push).

Builds every package that has something to release (the sdist, then the wheel from it),
checks the artifacts (valid, and of the new version), publishes them when a repository is
given (--repository, or [tool.hwb.version.release] repository), then commits the version files
and changelog and makes an annotated tag.  If a step fails before publishing, the files are put
back and nothing is committed, tagged or uploaded.  --dry-run prints the plan and writes nothing.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headless_wheel_builder.cli._output import CliProgress, Style


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from headless_wheel_builder.cli.version import LEVELS, add_version_selection

    parser.add_argument(
        "level",
        nargs="?",
        choices=LEVELS,
        default="auto",
        help="the bump: auto (from commits, default), major, minor or patch",
    )
    add_version_selection(parser)
    parser.add_argument(
        "--dry-run", action="store_true", help="print every step it would take; change nothing"
    )
    parser.add_argument(
        "-r",
        "--repository",
        metavar="NAME|URL",
        help="publish there (pypi, testpypi, a configured name, an upload URL, s3://…)",
    )
    parser.add_argument(
        "--no-publish", action="store_true", help="do not publish, even if a repository is set"
    )
    parser.add_argument("--push", action="store_true", default=None, help="push the commit and tag(s)")
    parser.add_argument("--remote", metavar="NAME", help="the remote to push to (default: origin)")
    from headless_wheel_builder.config.cli_args import add_options

    add_options(parser, "release")  # --outdir, --python, --installer: the registry's


def run(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, out
    from headless_wheel_builder.cli.version import pre_token

    options = api.ReleaseOptions(
        package=args.package,
        level=args.level,
        pre=pre_token(args, args.project),
        dry_run=args.dry_run,
        publish=not args.no_publish,
        repository=args.repository,
        outdir=args.outdir,
        push=args.push,
        remote=args.remote,
    )
    build_cli = {name: value for name, value in (("python", args.python), ("installer", args.installer))
                 if value is not None}  # fmt: skip
    report = api.release(args.project, options, build_cli=build_cli, progress=progress)
    if style.json:
        emit_json(report.to_dict())
        return 0
    if report.dry_run:
        out("Dry run: nothing was changed. hwb release would:")
    for step in report.steps:
        mark = {"done": "done", "planned": "would", "skipped": "skipped", "failed": "FAILED"}[step.status]
        out(f"  {mark:7} {step.name}: {step.detail}")
    return 0
