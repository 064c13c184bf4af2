"""Show what a project is and how hwb would build it, without building it.

Reports name, version (or where a dynamic version comes from), requires-python, the
[build-system] (requires, backend, backend-path, backend family), whether the project makes
pure or platform wheels and why, where `hwb build` will run it (isolation) and, when
`--isolation auto` would choose otherwise, that recommendation, and the repair it needs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headless_wheel_builder.api import InspectReport
    from headless_wheel_builder.cli._output import CliProgress, Style


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source", nargs="?", default=".", metavar="SOURCE", help="folder, sdist/zip, or git URL (default: .)"
    )
    from headless_wheel_builder.config.cli_args import add_options

    add_options(parser, "inspect")


def run(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, out
    from headless_wheel_builder.cli.build import config_dir

    progress.step(f"Inspecting {args.source}")
    settings = api.resolve_config(config_dir(args), config_file=args.config)
    report = api.inspect(args.source, subdirectory=args.subdirectory, settings=settings)
    if style.json:
        emit_json(report.to_dict())
        return 0
    project = report.project

    def show(label: str, value: object) -> None:
        out(f"{label + ':':<18}{value}")

    show("name", project.name or "(unknown)")
    version = project.version or "dynamic"
    if project.version_source:
        version += f" (from {project.version_source})"
    show("version", version)
    show("requires-python", project.requires_python or "(any)")
    show("backend", f"{project.backend} [{project.backend_family}]")
    if project.backend_path:
        show("backend-path", ", ".join(project.backend_path))
    show("build requires", ", ".join(project.build_requires) or "(none)")
    pure = {True: "yes (one py3-none-any wheel)", False: "no (platform wheels)", None: "unknown"}
    show("pure Python", pure[project.pure])
    for reason in project.platform_reasons:
        out(f"{'':<18}- {reason}")
    _show_isolation(report, show)
    if project.repair:
        show("repair", project.repair)
    for tip in project.tips:
        out(f"tip: {tip}")
    return 0


def _show_isolation(report: InspectReport, show: Callable[[str, object], None]) -> None:
    """Where ``hwb build`` will run, and what ``--isolation auto`` would choose when it differs."""
    from headless_wheel_builder.cli._output import out

    choice, recommended = report.isolation, report.recommended
    assert choice is not None
    show("isolation", f"{choice.kind} ({choice.reason})")
    if choice.warning:
        out(f"{'':<18}warning: {choice.warning}")
    if recommended is not None and recommended.kind != choice.kind:
        show("recommended", f"{recommended.kind} with --isolation auto ({recommended.reason})")
        if recommended.warning:
            out(f"{'':<18}warning: {recommended.warning}")
