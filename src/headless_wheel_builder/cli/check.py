"""Validate wheels and sdists before you publish them.

Checks each file's name, WHEEL, RECORD (every file listed, hashes and sizes right), core
metadata (parsed and validated with packaging), License-File promises, the README as PyPI
would render it (like `twine check`), and wheel contents (check-wheel-contents' W001-W202).
Errors are what PyPI refuses or what makes a file unreadable; the rest are warnings.  Prints
one line per problem and exits non-zero when any error is found (with --strict, also on
warnings).  --ignore leaves codes out (per project: check-ignore in [tool.hwb]); every code
is in docs/CHECKS.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headless_wheel_builder.cli._output import CliProgress, Style


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from headless_wheel_builder.config.cli_args import add_options

    parser.add_argument(
        "dists", nargs="+", type=Path, metavar="DIST", help="wheel or sdist files, or folders holding them"
    )
    add_options(parser, "check")


def run(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, err, out
    from headless_wheel_builder.config.cli_args import values_from_args
    from headless_wheel_builder.errors import CheckError

    # The options' cascade of the current folder: [tool.hwb] check-ignore … < HWB_* < flags.
    settings = api.resolve_config(Path.cwd(), cli=values_from_args(args, "check"), config_file=args.config)
    options = settings.options
    progress.step("Checking distributions")
    report = api.check(args.dists, strict=options.strict, ignore=options.check_ignore,
                       toplevel=options.check_toplevel or None, package=options.check_package,
                       src_dir=options.check_src_dir)  # fmt: skip
    if style.json:
        emit_json(report.to_dict())
    else:
        for file in report.files:
            status = "PASSED" if file.passes(strict=report.strict) else "FAILED"
            out(f"{file.path}: {status}")
            for problem in file.problems:
                out(f"  {problem.severity}: {problem.code}: {problem.message}")
    if report.ok:
        return 0
    failed = sum(1 for f in report.files if not f.passes(strict=report.strict))
    if not style.json:
        err(f"error: {failed} of {len(report.files)} file(s) failed the checks")
    return CheckError.exit_code
