"""Write a static, pip-installable package index for a folder of wheels and sdists.

The index goes to OUT/simple/ (OUT defaults to DIR): PEP 503 HTML pages, PEP 691 JSON pages
(index.json beside each), and each wheel's METADATA as a PEP 658 .metadata sidecar.  Serve
OUT with any static host (GitHub Pages, nginx, `python -m http.server`) and install with
`pip install --index-url https://HOST/PATH/simple/ NAME`.

It is regenerated whole on every run, deterministically: the same files give the same bytes.
Without --base-url the distributions are placed beside their pages (hard links when
possible); with it, the pages link to BASE_URL/<file> and nothing is copied.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headless_wheel_builder.cli._output import CliProgress, Style


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, metavar="DIR", help="the folder holding the wheels and sdists")
    parser.add_argument(
        "-o", "--out", type=Path, metavar="OUT", help="where OUT/simple/ is written (default: DIR)"
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="link the files at URL/<file> instead of placing them beside the pages",
    )


def run(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, out

    progress.step(f"indexing {args.dir}")
    report = api.index(args.dir, out=args.out, base_url=args.base_url)
    if style.json:
        emit_json(report.to_dict())
        return 0
    files = sum(len(names) for names in report.projects.values())
    out(f"Wrote {report.root}/ ({len(report.projects)} project(s), {files} file(s))")
    for name, names in report.projects.items():
        out(f"  {name}: {', '.join(names)}")
    return 0
