"""``hwb build --isolation …``: the container flags, and running a build in a container.

Kept apart from ``cli/build.py``, which calls :func:`add_arguments`, :func:`cli_values` and
:func:`run_isolated` once each.  docs/ISOLATION.md describes the behaviour.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from headless_wheel_builder.cli._output import CliProgress, Style
    from headless_wheel_builder.config.resolve import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("isolation in containers (docs/ISOLATION.md)")
    group.add_argument(
        "--isolation",
        choices=["auto", "venv", "docker", "podman"],
        help="venv (default); docker or podman: build in a manylinux/musllinux container; "
        "auto: a container for platform wheels when an engine works, else venv",
    )
    group.add_argument(
        "--image", metavar="IMAGE", help="the container image (default: the pinned official one)"
    )
    group.add_argument("--dockerfile", metavar="FILE", help="build the image from this Dockerfile (cached)")
    group.add_argument(
        "--container-engine-args",
        action="append",
        metavar="ARGS",
        help="extra arguments for `docker run` (split like a shell would); repeatable",
    )
    group.add_argument(
        "--container-env", action="append", metavar="KEY=VALUE", help="set a variable in the container"
    )
    group.add_argument("--before-all", action="append", metavar="CMD", help="run once in the container first")
    group.add_argument(
        "--no-host-settings",
        action="store_true",
        default=None,
        help="do not pass the host's CA bundle, index and proxy settings into the container",
    )
    group.add_argument("--gpus", metavar="GPUS", help="GPUs for the container (all, device=0); Docker")
    group.add_argument("--no-container-caches", action="store_true", default=None, help="no hwb-cache volume")
    group.add_argument(
        "--compiler-cache", choices=["none", "ccache", "sccache"], help="keep a compiler cache"
    )


def cli_values(args: argparse.Namespace) -> dict[str, Any]:
    import shlex

    from headless_wheel_builder.config.resolve import parse_settings
    from headless_wheel_builder.errors import UsageError

    given: dict[str, Any] = {}
    simple = (("isolation-mode", "isolation"), ("container-image", "image"), ("container-gpus", "gpus"),
              ("compiler-cache", "compiler_cache"), ("container-dockerfile", "dockerfile"))  # fmt: skip
    for name, attr in simple:
        if getattr(args, attr, None) is not None:
            given[name] = getattr(args, attr)
    if getattr(args, "container_engine_args", None):
        given["container-engine-args"] = [
            part for value in args.container_engine_args for part in shlex.split(value)
        ]
    if getattr(args, "before_all", None):
        given["before-all"] = list(args.before_all)
    if getattr(args, "container_env", None):
        settings, problem = parse_settings(args.container_env)
        if problem:
            raise UsageError(
                f"invalid --container-env value: {problem}", hint="write --container-env KEY=VALUE"
            )
        given["container-environment"] = settings
    if getattr(args, "no_host_settings", None):
        given["container-host-settings"] = False
    if getattr(args, "no_container_caches", None):
        given["container-caches"] = False
    return given


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
