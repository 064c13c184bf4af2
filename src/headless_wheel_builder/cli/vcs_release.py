"""Make or complete the GitHub or GitLab release of TAG from files built elsewhere.

For CI pipelines that build and release in different jobs: `hwb vcs-release "$TAG" dist/*`.
The release gets the tag as its title, the changelog entry of the tag's version in the host's
release-notes format as its notes, every DIST file (a folder: its wheels, sdists and
attestations) and a SHA256SUMS of the distributions as assets; pre-release versions are marked,
and only the highest final version is marked latest (GitHub).  Safe to run again: an existing
release is completed, only missing files are uploaded, and a file of the same name with other
bytes is an error naming both sha256 (exit 63).

The host: --host, else the CI system (GITHUB_ACTIONS, GITLAB_CI), else the remote's host name.
GitHub: GITHUB_API_URL (default https://api.github.com), GITHUB_REPOSITORY (else the remote),
token GITHUB_TOKEN or GH_TOKEN.  GitLab: CI_API_V4_URL and CI_PROJECT_ID (else the remote),
token CI_JOB_TOKEN or GITLAB_TOKEN; files go to the project's generic package registry.
Tokens are read from the environment only (docs/RELEASES.md).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headless_wheel_builder.cli._output import CliProgress, Style


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("tag", metavar="TAG", help="the tag to release (it must exist in the repository)")
    parser.add_argument(
        "dists", nargs="*", metavar="DIST", help="files to attach, or folders of wheels/sdists (dist/)"
    )
    parser.add_argument(
        "--host",
        choices=("auto", "github", "gitlab"),
        default="auto",
        help="where to release (default: auto, from the CI system or the remote)",
    )
    parser.add_argument("--project", default=".", metavar="DIR", help="the project's folder (default: .)")
    parser.add_argument("--remote", default="origin", metavar="NAME", help="the git remote (default: origin)")
    parser.add_argument(
        "--retries", type=int, default=5, metavar="N", help="retries per request (default: 5)"
    )
    parser.add_argument(
        "--timeout", type=float, default=300.0, metavar="SECONDS", help="network timeout per request"
    )


def run(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, out

    progress.step(f"making the release of {args.tag}")
    report = api.vcs_release(
        args.tag,
        args.dists,
        project_dir=args.project,
        host=args.host,
        remote=args.remote,
        retries=max(args.retries, 0),
        timeout=args.timeout,
    )
    if style.json:
        emit_json(report.to_dict())
        return 0
    out(report.summary())
    for name in report.uploaded:
        out(f"  uploaded  {name}")
    for name in report.present:
        out(f"  present   {name}")
    return 0
