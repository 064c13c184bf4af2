"""List the build identifiers a matrix would build, and why others are skipped.

The identifiers come from --python (or `pythons`), --platform, --arch, --select/--skip and
the project's requires-python, as for `hwb build`; other platforms than this one are listed
too (for CI runners).  Each interpreter builds its own wheel, unless the project is known
statically to give one (docs/MATRIX.md).

  --format text     a table (default)
  --format json     the plan as one JSON document (also: --json)
  --format github   one line of JSON for GitHub Actions' strategy.matrix:
                    {"include": [{"identifier": "cp312-manylinux_x86_64", "python": "3.12",
                    "platform": "linux", "arch": "x86_64", "os": "ubuntu-latest",
                    "pythons": "3.12"}, ...]}
                    e.g. echo "matrix=$(hwb matrix --format github)" >> "$GITHUB_OUTPUT"
                    then  strategy: {matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}}

Nothing selected exits 44 and an unknown version 33 in every format, as `hwb build` does
with the same selection.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headless_wheel_builder.cli._output import CliProgress, Style


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from headless_wheel_builder.config.cli_args import add_options

    parser.add_argument(
        "source", nargs="?", default=".", metavar="SOURCE", help="folder, sdist/zip, or git URL (default: .)"
    )
    parser.add_argument(
        "--format", choices=["text", "json", "github"], default=None, help="output format (default: text)"
    )
    add_options(parser, "matrix")


def run(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    import json
    import sys

    from headless_wheel_builder import api
    from headless_wheel_builder.cli._matrix_view import render_plan
    from headless_wheel_builder.cli._output import emit_json, err
    from headless_wheel_builder.cli.build import config_dir, selection_values

    given = selection_values(args)
    settings = api.resolve_config(config_dir(args), cli=given, config_file=args.config)
    progress.step(f"Planning the matrix of {args.source}")
    plan = api.plan_matrix(args.source, api.matrix_options(settings))
    fmt = args.format or ("json" if style.json else "text")
    # Nothing selected is exit 44 in every format, as `hwb build` with the same selection.
    empty = None if plan.builds else plan.nothing_to_build()
    if fmt == "github":
        matrix = plan.github_matrix()
        if not matrix["include"]:
            raise plan.nothing_to_build(
                "nothing to build: the GitHub matrix would be empty (GitHub refuses an empty matrix)"
            )
        # One line: it goes into $GITHUB_OUTPUT as `matrix=<json>`.
        sys.stdout.write(json.dumps(matrix, separators=(",", ":")) + "\n")
        return 0
    if fmt == "json":
        # One JSON document whatever the outcome: the plan, with the error's fields if any.
        document = {**plan.to_dict(), "github": plan.github_matrix()}
        if empty is not None:
            err(empty.render())
            document = {**document, "ok": False, **empty.to_dict()}
        emit_json(document)
        return empty.exit_code if empty is not None else 0
    render_plan(plan)
    if empty is not None:
        raise empty
    return 0
