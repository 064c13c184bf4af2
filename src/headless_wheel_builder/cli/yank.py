"""Yank a release in an S3 index that hwb publishes to, or un-yank it (PEP 592).

Every file of NAME VERSION is marked yanked in s3://BUCKET/PREFIX/simple/ (HTML and JSON
pages).  The files stay downloadable: installers skip them unless a requirement pins exactly
that version.  --unyank removes the mark.  On PyPI, yank on the release's web page instead.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headless_wheel_builder.cli._output import CliProgress, Style


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the project name (any spelling)")
    parser.add_argument("version", metavar="VERSION", help="the release to (un-)yank")
    parser.add_argument("--reason", help="why it is yanked (shown by pip when it installs it anyway)")
    parser.add_argument("--unyank", action="store_true", help="remove the yank mark instead")
    where = parser.add_argument_group("where")
    where.add_argument(
        "-r", "--repository", required=True, metavar="s3://BUCKET/PREFIX", help="the index to change"
    )
    where.add_argument("--endpoint-url", metavar="URL", help="an S3-compatible endpoint (MinIO, R2, Ceph…)")
    where.add_argument("--region", help="the bucket's region (default: boto3's configuration)")
    from headless_wheel_builder.cli._s3 import add_s3_write_flags

    add_s3_write_flags(parser.add_argument_group("how the pages are written"), "yank")


def run(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, out
    from headless_wheel_builder.cli._s3 import config_path, s3_write_options
    from headless_wheel_builder.errors import UsageError

    if args.unyank and args.reason:
        raise UsageError("--reason cannot be used with --unyank", hint="drop --reason")
    options = api.PublishOptions(
        repository=args.repository,
        endpoint_url=args.endpoint_url,
        region=args.region,
        config_file=config_path(args),
        strict=getattr(args, "strict", None),
        **s3_write_options(args, "yank"),
    )
    report = api.yank(
        args.name, args.version, options, reason=args.reason, unyank=args.unyank, progress=progress
    )
    if style.json:
        emit_json(report.to_dict())
        return 0
    verb = "Yanked" if report.yanked else "Un-yanked"
    state = "" if report.changed else " (no change: it already was)"
    out(f"{verb} {report.project} {report.version} in {report.target}{state}")
    for filename in report.files:
        out(f"  {filename}")
    return 0
