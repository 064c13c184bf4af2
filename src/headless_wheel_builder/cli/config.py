"""Show the effective configuration.

`hwb config show [BUILD FLAGS…]` resolves every option through the cascade — defaults,
[tool.hwb] in pyproject.toml, hwb.toml (or --config FILE), platform and [[tool.hwb.overrides]]
tables, HWB_* variables, then the flags given — and prints each value with the source that set
it.  Give it the same flags as `hwb build` to see what that command line resolves to.  Options
marked user-only are never taken from the project's own pyproject.toml or hwb.toml (they come
from flags, HWB_* variables, your user configuration or --config FILE; docs/SECURITY.md).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headless_wheel_builder.cli._output import CliProgress, Style


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from headless_wheel_builder.cli import build

    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = sub.add_parser(
        "show",
        help="print the effective configuration and where each value comes from",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_arguments(show)
    from headless_wheel_builder.cli.main import add_common_flags

    add_common_flags(show, suppress=True)
    show.add_argument(
        "--identifier",
        metavar="ID",
        help="apply [[tool.hwb.overrides]] for this build identifier, e.g. cp312-manylinux_x86_64",
    )
    from headless_wheel_builder.cli._config_check import add_check_parser

    add_check_parser(sub)


def run(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    if args.action == "check":
        from headless_wheel_builder.cli._config_check import run_check

        return run_check(args, style)
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, out
    from headless_wheel_builder.cli.build import cli_values, config_dir

    settings = api.resolve_config(
        config_dir(args), cli=cli_values(args), config_file=args.config, identifier=args.identifier
    )
    if style.json:
        emit_json(settings.to_dict())
        return 0
    from headless_wheel_builder.config.registry import BY_NAME

    data = settings.to_dict()
    out("files: " + (", ".join(data["files"]) or "(none found)"))
    for name, entry in data["options"].items():
        origin = f" ({entry['origin']})" if entry["origin"] else ""
        user_only = "" if BY_NAME[name].project else "  [user-only: not from the project's files]"
        out(f"{name} = {entry['value']!r}    # {entry['source']}{origin}{user_only}")
    return 0
