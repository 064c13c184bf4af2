"""Delete a release, or one file of it, from an s3:// index that hwb publishes to.

Every file of NAME VERSION (or only FILENAME) leaves the HTML and JSON pages of
s3://BUCKET/PREFIX/simple/ (and the root page when the project has no files left), with the
same conditional writes as publishing; then the files, their .metadata sidecars and their name
claims are deleted.  hwb asks before it deletes when it runs on a terminal; elsewhere it needs
--yes.  --dry-run shows what would go.

Prefer 'hwb yank': deleting breaks every lock file that pins these files.  PyPI and other
registries have no delete API: delete there on the project's web page.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headless_wheel_builder.cli._output import CliProgress, Style
    from headless_wheel_builder.publish.delete import DeleteReport


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from headless_wheel_builder.cli._s3 import add_s3_write_flags

    parser.add_argument("name", metavar="NAME", help="the project name (any spelling)")
    parser.add_argument("version", metavar="VERSION", help="the release to delete")
    parser.add_argument(
        "filename", nargs="?", metavar="FILENAME", help="only this file of the release (default: every file)"
    )
    where = parser.add_argument_group("where")
    where.add_argument(
        "-r", "--repository", required=True, metavar="s3://BUCKET/PREFIX", help="the index to change"
    )
    where.add_argument("--endpoint-url", metavar="URL", help="an S3-compatible endpoint (MinIO, R2, Ceph…)")
    where.add_argument("--region", help="the bucket's region (default: boto3's configuration)")
    how = parser.add_argument_group("behaviour")
    how.add_argument(
        "-n", "--dry-run", action="store_true", help="show what would be deleted; delete nothing"
    )
    how.add_argument(
        "-y", "--yes", action="store_true", help="do not ask (needed where standard input is not a terminal)"
    )
    add_s3_write_flags(parser.add_argument_group("how the pages are written"), "delete")


def run(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    import dataclasses

    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, err
    from headless_wheel_builder.cli._s3 import config_path, s3_write_options
    from headless_wheel_builder.publish.delete import YANK_INSTEAD

    options = api.PublishOptions(
        repository=args.repository,
        endpoint_url=args.endpoint_url,
        region=args.region,
        dry_run=True,
        config_file=config_path(args),
        strict=getattr(args, "strict", None),
        **s3_write_options(args, "delete"),
    )
    plan = api.delete(args.name, args.version, options, filename=args.filename, progress=progress)
    if not style.quiet:
        err(f"warning: {YANK_INSTEAD}")
    if args.dry_run:
        _show(plan, style)
        return 0
    if not args.yes:
        _confirm(plan, progress)
    report = api.delete(
        args.name,
        args.version,
        dataclasses.replace(options, dry_run=False),
        filename=args.filename,
        progress=progress,
    )
    if style.json:
        emit_json(report.to_dict())
    else:
        _show(report, style)
    return 0


def _show(report: DeleteReport, style: Style) -> None:
    from headless_wheel_builder.cli._output import emit_json, out

    if style.json:
        emit_json(report.to_dict())
        return
    verb = "Would delete" if report.dry_run else "Deleted"
    out(f"{verb} {report.project} {report.version} from {report.target}:")
    for key in report.keys:
        out(f"  {key}")
    if report.project_emptied:
        state = "would have" if report.dry_run else "has"
        out(f"{report.project} {state} no files left: it leaves the root page")


def _confirm(plan: DeleteReport, progress: CliProgress) -> None:
    import sys

    from headless_wheel_builder.errors import UsageError

    if not sys.stdin.isatty():
        raise UsageError(
            f"not deleting {plan.project} {plan.version} without --yes",
            why="standard input is not a terminal, so hwb cannot ask; nothing was deleted",
            hint="check what goes with --dry-run, then add --yes (or run it in a terminal)",
        )
    progress.pause()
    sys.stderr.write(f"Delete {plan.project} {plan.version} from {plan.target}? These files go:\n")
    for filename in plan.files:
        sys.stderr.write(f"  {filename}\n")
    sys.stderr.write("Type 'yes' to delete: ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    if answer not in ("y", "yes"):
        raise UsageError(
            f"not deleting {plan.project} {plan.version}", why="not confirmed; nothing was deleted"
        )
    progress.resume()
