"""Build wheels and sdists.

SOURCE is a folder (default: .), an sdist (.tar.gz) or .zip, or a git URL such as
git+https://github.com/org/repo.git@v1.2.3#subdirectory=pkg (also https://….git,
git@host:org/repo.git, ssh://…, git+file:///…).

Without --sdist/--wheel/--editable hwb builds the sdist, then the wheel from that sdist
(like `python -m build`); from an sdist source it builds the wheel.  Every artifact is
validated before it is moved, atomically, into --outdir.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headless_wheel_builder.cli._output import CliProgress, Style


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source", nargs="?", default=".", metavar="SOURCE", help="folder, sdist/zip, or git URL (default: .)"
    )
    parser.add_argument(
        "-o", "--outdir", default="dist", type=Path, help="where finished artifacts go (default: dist)"
    )
    parser.add_argument(
        "--subdirectory", metavar="PATH", help="the project lives in this subfolder of SOURCE"
    )
    what = parser.add_argument_group("what to build (default: sdist, then wheel from it)")
    what.add_argument("-s", "--sdist", action="store_true", help="build an sdist")
    what.add_argument("-w", "--wheel", action="store_true", help="build a wheel")
    what.add_argument("-e", "--editable", action="store_true", help="build a PEP 660 editable wheel")
    env = parser.add_argument_group("environment")
    env.add_argument(
        "-p",
        "--python",
        metavar="X.Y|PATH",
        help="interpreter to build with (found via pyenv, PATH, uv); default: the one running hwb",
    )
    env.add_argument(
        "--installer",
        choices=["uv", "pip"],
        help="what installs build requirements (default: uv, pip if uv cannot run)",
    )
    env.add_argument(
        "-n",
        "--no-isolation",
        action="store_true",
        help="build in the chosen interpreter itself (requirements must be installed)",
    )
    env.add_argument(
        "-c",
        "--build-constraint",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="constraints for build requirements (hashes are verified); repeatable",
    )
    env.add_argument(
        "-C",
        "--config-setting",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="pass a PEP 517 config setting to the backend; repeatable (a repeated KEY gives a list)",
    )
    env.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="stop any one step that runs longer than this"
    )


def parse_config_settings(items: list[str]) -> dict[str, str | list[str]]:
    from headless_wheel_builder.errors import UsageError

    settings: dict[str, str | list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not key:
            raise UsageError(
                f"invalid -C value {item!r}",
                why="it has no KEY",
                hint="write -C KEY=VALUE (or -C KEY for an empty value)",
            )
        if not sep:
            value = ""
        if key in settings:
            previous = settings[key]
            settings[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            settings[key] = value
    return settings


def run(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, out
    from headless_wheel_builder.core.builder import Distribution

    dists: list[Distribution] = []
    if args.sdist:
        dists.append("sdist")
    if args.wheel:
        dists.append("wheel")
    if args.editable:
        dists.append("editable")
    options = api.BuildOptions(
        outdir=args.outdir,
        distributions=tuple(dists),
        subdirectory=args.subdirectory,
        config_settings=parse_config_settings(args.config_setting),
        isolation=not args.no_isolation,
        installer=args.installer,
        python=args.python,
        build_constraints=tuple(args.build_constraint),
        verbose=bool(style.verbose),
        timeout=args.timeout,
    )
    report = api.build(args.source, options, progress=progress)
    if style.json:
        emit_json(report.to_dict())
        return 0
    names = [a.info.filename for a in report.artifacts]
    out(f"Successfully built {' and '.join(names)}")
    for artifact in report.artifacts:
        out(f"  {artifact.info.path}")
    if style.verbose:
        timing = ", ".join(f"{k} {v:.2f}s" for k, v in report.timings.items())
        out(f"Timings: {timing}")
    return 0
