"""Changelogs from Conventional Commits.

Prints the upcoming release's section — titled with the next version when a commit warrants a
release, else Unreleased — in Keep a Changelog (default), Conventional Changelog, GitHub or
GitLab release-note form, or through your Jinja2 --template.  --write puts it into the
changelog file ([tool.hwb.version.changelog] path, default CHANGELOG.md): the new section goes
in, older entries stay untouched, and a second run changes nothing.  A new file gets the whole
history.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headless_wheel_builder.cli._output import CliProgress, Style


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--project", type=Path, default=Path(), metavar="DIR", help="the project folder (default: .)"
    )
    parser.add_argument(
        "--package", metavar="NAME", help="a monorepo member (default: the one at --project, else all)"
    )
    parser.add_argument(
        "--since", metavar="REF", help="the commits after REF (default: since the last release tag)"
    )
    parser.add_argument(
        "--format",
        dest="fmt",
        choices=("keepachangelog", "conventional", "github", "gitlab"),
        help="the format (default: [tool.hwb.version.changelog] format, else keepachangelog)",
    )
    parser.add_argument("--template", type=Path, metavar="FILE", help="render this Jinja2 template instead")
    parser.add_argument("--all", dest="history", action="store_true", help="every release, not just the next")
    parser.add_argument("--write", action="store_true", help="update the changelog file in place")


def run(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, out

    progress.step("Reading the history")
    reports = api.changelog(
        args.project,
        package=args.package,
        since=args.since,
        fmt=args.fmt,
        template=args.template,
        write=args.write,
        history=args.history,
    )
    if style.json:
        docs = [r.to_dict() for r in reports]
        emit_json(docs[0] if len(docs) == 1 else {"packages": docs})
        return 0
    for report in reports:
        if args.write:
            state = "updated" if report.changed else "is up to date:"
            out(
                f"{report.path} {state}"
                if report.changed
                else f"{state.rstrip(':').capitalize()} {report.path}"
            )
        else:
            out(report.text.rstrip("\n"))
    return 0
