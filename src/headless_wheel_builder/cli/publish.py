"""Publish wheels and sdists to PyPI, TestPyPI, a private registry or a URL.

DIST is a wheel, an sdist, or a folder holding them (default: dist/).  Every file is checked
first (the 'hwb check' rules plus what PyPI refuses); nothing is uploaded if one fails.  Files
already in the repository with the same sha256 are skipped; a file of the same name with other
contents is refused, naming both hashes.  Failed uploads are retried with backoff, and the
index is checked again first, so a retry never duplicates a file.

Credentials, first found wins: --token / --username + --password-stdin; HWB_PUBLISH_TOKEN or
HWB_PUBLISH_USERNAME + HWB_PUBLISH_PASSWORD; the repository's password-env; keyring; Trusted
Publishing (in CI); ~/.pypirc.  Prefer the environment variables to --token: command-line
arguments are visible to other users of the machine.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headless_wheel_builder.cli._output import CliProgress, Style


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dists",
        nargs="*",
        type=Path,
        metavar="DIST",
        help="wheels, sdists or folders of them (default: dist/)",
    )
    where = parser.add_argument_group("where")
    where.add_argument(
        "-r",
        "--repository",
        metavar="NAME|URL",
        help="pypi (default), testpypi, a name from [tool.hwb.publish.repositories], "
        "or an upload URL (env: HWB_PUBLISH_REPOSITORY)",
    )
    where.add_argument(
        "--index-url", metavar="URL", help="the simple index used to find files that already exist"
    )
    where.add_argument(
        "--ca-bundle",
        type=Path,
        metavar="PEM",
        help="trust these CA certificates (default: SSL_CERT_FILE, REQUESTS_CA_BUNDLE)",
    )
    s3 = parser.add_argument_group("object storage (--repository s3://BUCKET/PREFIX)")
    s3.add_argument(
        "--endpoint-url",
        metavar="URL",
        help="S3-compatible endpoint (MinIO, R2, Ceph…); default: AWS, or AWS_ENDPOINT_URL_S3",
    )
    s3.add_argument("--region", help="bucket region (default: boto3's configuration)")
    s3.add_argument("--acl", help="canned ACL for uploaded objects, e.g. public-read")
    s3.add_argument("--storage-class", metavar="CLASS", help="storage class for dist files, e.g. STANDARD_IA")
    from headless_wheel_builder.cli._s3 import add_s3_write_flags

    add_s3_write_flags(s3, "publish")
    auth = parser.add_argument_group("credentials (secrets: prefer the environment variables)")
    auth.add_argument("--token", help="an API token (visible in the process list: prefer HWB_PUBLISH_TOKEN)")
    auth.add_argument("-u", "--username", help="username for password auth (env: HWB_PUBLISH_USERNAME)")
    auth.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password (or token) from standard input (env: HWB_PUBLISH_PASSWORD)",
    )
    auth.add_argument(
        "--trusted-publishing",
        choices=["auto", "always", "never"],
        default="auto",
        help="exchange the CI's OIDC identity for an upload token (auto: in CI when no "
        "other credential is given)",
    )
    how = parser.add_argument_group("behaviour")
    how.add_argument(
        "-n",
        "--dry-run",
        action="store_true",
        help="show what would go where, with which identity, and what would be skipped",
    )
    how.add_argument(
        "--no-skip-existing",
        dest="skip_existing",
        action="store_false",
        help="do not look files up in the index first",
    )
    how.add_argument(
        "--attest",
        action="store_true",
        help="sign PEP 740 attestations with Sigstore first (needs pypi-attestations and a CI identity)",
    )
    how.add_argument(
        "--allow-linux-tags",
        action="store_true",
        help="publish wheels tagged linux_* (private registries only; PyPI refuses them)",
    )
    how.add_argument("--retries", type=int, default=5, metavar="N", help="retries per file (default: 5)")
    how.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="network timeout per request (default: 300)",
    )


def run(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    import os
    import sys

    from headless_wheel_builder import api
    from headless_wheel_builder._log import logger
    from headless_wheel_builder.cli._output import emit_json, out
    from headless_wheel_builder.cli._s3 import config_path, s3_only_flags, s3_write_options
    from headless_wheel_builder.errors import UsageError, all_error_classes

    password = None
    source = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageError(
                "--password-stdin read nothing", hint="pipe the secret in: … | hwb publish --password-stdin"
            )
        source = "--password-stdin"
    if args.token:
        logger.warning("--token is visible to other users in the process list; prefer HWB_PUBLISH_TOKEN")
        source = "--token"
    options = api.PublishOptions(
        repository=args.repository or os.environ.get("HWB_PUBLISH_REPOSITORY") or "pypi",
        index_url=args.index_url,
        dry_run=args.dry_run,
        skip_existing=args.skip_existing,
        token=args.token,
        username=args.username or (os.environ.get("HWB_PUBLISH_USERNAME") if password else None),
        password=password,
        credential_source=source,
        trusted_publishing=args.trusted_publishing,
        attest=args.attest,
        retries=max(args.retries, 0),
        timeout=args.timeout,
        ca_bundle=args.ca_bundle,
        allow_linux_tags=args.allow_linux_tags,
        config_file=config_path(args),
        strict=getattr(args, "strict", None),
        endpoint_url=args.endpoint_url,
        region=args.region,
        acl=args.acl,
        storage_class=args.storage_class,
        **s3_write_options(args, "publish"),
    )
    s3_only_flags(args, "publish", options.repository)
    report = api.publish(args.dists or [Path("dist")], options, progress=progress)
    if style.json:
        emit_json(report.to_dict())
    else:
        verb = "Would publish to" if report.dry_run else "Published to"
        out(f"{verb} {report.target} as {report.identity or 'anonymous (no credential found)'}")
        if report.index_url:
            out(f"Existing files looked up in {report.index_url}")
        for f in report.files:
            tries = f" ({f.attempts} attempts)" if f.attempts > 1 else ""
            out(f"  {f.status:<12} {f.filename}{tries}" + (f": {f.message}" if f.status == "failed" else ""))
    if report.ok:
        return 0
    codes = {cls.kind: cls.exit_code for cls in all_error_classes()}
    kinds = {f.error for f in report.files if f.status == "failed"}
    return max((codes.get(k or "upload", 62) for k in kinds), default=62)
