"""Release: version bump -> changelog -> release commit -> build -> check -> tag -> publish (+ push).

Refuses a working tree with uncommitted changes or untracked files (exit 73) unless
--allow-dirty.  Writes the new version and the changelog, makes the release commit, and builds
every package that has something to release from a checkout of that commit, never from the
working tree (the sdist, then the wheel from it).  Checks the artifacts (valid, and of the new
version), then tags the commit, moves the branch onto it, and publishes when a repository is
given (--repository, or [tool.hwb.version.release] repository).  If building or checking
fails, the files are put back and nothing is committed, tagged or uploaded.  If publishing or
pushing fails, the commit and tag stay: run the same command again and it resumes (same
version, only the missing files uploaded).  Last, it makes the GitHub or GitLab release of each
tag (--vcs-release; default: the host the CI system or the origin remote names, when its token
GITHUB_TOKEN/GH_TOKEN or CI_JOB_TOKEN/GITLAB_TOKEN is set): the notes, the files and
SHA256SUMS, completed on a rerun.  --dry-run prints the plan and writes nothing.
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
    parser.add_argument(
        "--vcs-release",
        choices=("auto", "github", "gitlab", "none"),
        help="make a GitHub/GitLab release of each tag with its notes and files (default: "
        "[tool.hwb.version.release] vcs-release, else auto: the CI system's or origin's host, when its "
        "token is set; docs/RELEASES.md)",
    )
    parser.add_argument(
        "--retries", type=int, metavar="N", help="retries of each publish/release request (default: 5)"
    )
    parser.add_argument(
        "--allow-dirty",
        action="store_true",
        help="release although files are uncommitted or untracked; only committed content is built",
    )
    from headless_wheel_builder.config.cli_args import add_options

    add_options(parser, "release")  # --outdir, --python, --installer: the registry's


def run(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    from pathlib import Path

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
        allow_dirty=args.allow_dirty,
        vcs_release=args.vcs_release,
        retries=args.retries,
    )
    strict = getattr(args, "strict", None)
    given = (("python", args.python), ("installer", args.installer), ("strict", strict))
    build_cli = {name: value for name, value in given if value is not None}
    # --strict reaches every stage: the build's configuration and the publish step's.
    publish = api.PublishOptions(project_dir=Path(args.project).resolve(), strict=strict)
    report = api.release(
        args.project, options, build_cli=build_cli, publish_options=publish, progress=progress
    )
    if style.json:
        emit_json(report.to_dict())
        return 0
    if report.dry_run:
        out("Dry run: nothing was changed. hwb release would:")
    for step in report.steps:
        mark = {"done": "done", "planned": "would", "skipped": "skipped", "failed": "FAILED"}[step.status]
        out(f"  {mark:7} {step.name}: {step.detail}")
    return 0
