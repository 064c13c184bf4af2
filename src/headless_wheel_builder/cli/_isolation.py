"""``hwb build --isolation …``: the container flags, and running a build in a container.

Kept apart from ``cli/build.py``, which calls :func:`run_isolated`; the container flags are
generated from the option registry with the other build flags.  docs/ISOLATION.md describes the behaviour.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headless_wheel_builder.cli._output import CliProgress, Style
    from headless_wheel_builder.config.resolve import Settings


def run_isolated(
    args: argparse.Namespace, settings: Settings, style: Style, progress: CliProgress
) -> tuple[int | None, Settings]:
    """Build in a container when the isolation mode says so, and return (exit code, settings).

    (None, settings): build as before, in a virtual environment; after an ``auto`` fallback the
    settings ask for repair, so that the wheel still gets the most portable tag it can."""
    from headless_wheel_builder import api
    from headless_wheel_builder._log import logger
    from headless_wheel_builder.cli._output import emit_json, out

    mode = settings["isolation-mode"]
    if mode == "venv":
        return None, settings
    if mode == "auto":
        project = api.inspect(args.source, subdirectory=args.subdirectory).project
        choice = api.choose_isolation(project, settings)
        logger.info("isolation: %s (%s)", choice.kind, choice.reason)
        if choice.warning:
            logger.warning("%s", choice.warning)
        if not choice.container:
            if project.pure is False and settings.values["repair"].source == "default":
                from headless_wheel_builder.cli.build import cli_values as build_values
                from headless_wheel_builder.cli.build import config_dir

                given = {**build_values(args), "repair": settings["repair"]}
                settings = api.resolve_config(config_dir(args), cli=given, config_file=args.config)
            return None, settings
        engine: str | None = choice.kind
    else:
        engine = mode
    options = api.container_options(settings, engine=engine, verbose=bool(style.verbose))
    report = api.build_in_container(args.source, options, progress=progress)
    if style.json:
        emit_json(report.to_dict())
        return 0, settings
    names = [a.filename for a in report.artifacts]
    out(f"Successfully built {' and '.join(names)} in {report.engine} ({report.image})")
    for artifact in report.artifacts:
        out(f"  {artifact.path}")
    return 0, settings
