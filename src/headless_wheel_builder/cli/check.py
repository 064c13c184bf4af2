"""Validate wheels and sdists before you publish them.

Checks each file's name, WHEEL, RECORD (every file listed, hashes and sizes right), core
metadata (parsed and validated with packaging), the README as PyPI would render it (like
`twine check`), and wheel contents (like check-wheel-contents).  Prints one line per problem
and exits non-zero when any error is found (with --strict, also on warnings).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headless_wheel_builder.cli._output import CliProgress, Style


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dists", nargs="+", type=Path, metavar="DIST", help="wheel or sdist files, or folders holding them"
    )


def run(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, err, out
    from headless_wheel_builder.errors import CheckError

    progress.step("Checking distributions")
    report = api.check(args.dists, strict=args.strict)
    if style.json:
        emit_json(report.to_dict())
    else:
        for file in report.files:
            status = "PASSED" if file.ok and not (args.strict and file.problems) else "FAILED"
            out(f"{file.path}: {status}")
            for problem in file.problems:
                out(f"  {problem.severity}: {problem.code}: {problem.message}")
    if report.ok:
        return 0
    failed = sum(1 for f in report.files if not f.ok or (args.strict and f.problems))
    if not style.json:
        err(f"error: {failed} of {len(report.files)} file(s) failed the checks")
    return CheckError.exit_code
