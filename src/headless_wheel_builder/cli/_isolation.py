"""``hwb build --isolation …``: the container flags.

Kept apart from ``cli/build.py``, which calls :func:`add_arguments` and :func:`cli_values`
once each; where a build runs is decided by the API (``api.build_from_config``).
docs/ISOLATION.md describes the behaviour.
"""

from __future__ import annotations

import argparse
from typing import Any


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
