"""hwb's public API: container functions (see headless_wheel_builder.api)."""

from __future__ import annotations

import os
from pathlib import Path

from headless_wheel_builder._log import Progress
from headless_wheel_builder.build.in_container import ContainerBuildReport, ContainerOptions
from headless_wheel_builder.config.resolve import Settings
from headless_wheel_builder.isolation.engine import EngineName
from headless_wheel_builder.source.source import ResolvedSource


def container_options(
    settings: Settings, *, engine: str | None = None, verbose: bool = False
) -> ContainerOptions:
    """The :class:`ContainerOptions` that resolved ``settings`` describe; ``engine`` (docker,
    podman) overrides ``isolation-mode``.  Build options become ``hwb build`` arguments for the
    build inside the container."""
    args = ["--repair", settings["repair"]]
    for name, flag in (("manylinux", "--manylinux"), ("test-command", "--test-command"),
                       ("timeout", "--timeout"), ("jobs", "--jobs")):  # fmt: skip
        if settings[name] is not None:
            args += [flag, str(settings[name])]
    if settings["installer"] != "auto":
        args += ["--installer", settings["installer"]]
    if settings["fail-fast"]:
        args.append("--fail-fast")
    args += [f"--{dist}" for dist in settings["distributions"]]
    args += [f"--test-requires={req}" for req in settings["test-requires"]]
    args += [f"--select={pattern}" for pattern in settings["select"]]
    args += [f"--skip={pattern}" for pattern in settings["skip"]]
    for key, value in settings["config-settings"].items():
        args += [f"-C{key}={item}" for item in (value if isinstance(value, list) else [value])]
    mode = engine or settings["isolation-mode"]
    chosen: EngineName | None = "docker" if mode == "docker" else "podman" if mode == "podman" else None
    raw_env = settings["container-environment"].items()
    environment = {k: " ".join(v) if isinstance(v, list) else v for k, v in raw_env}
    return ContainerOptions(
        engine=chosen,
        image=settings["container-image"],
        images=dict(settings["container-images"]),
        dockerfile=Path(settings["container-dockerfile"]) if settings["container-dockerfile"] else None,
        target=settings["manylinux"],
        pythons=tuple(p for v in settings["pythons"] for p in str(v).split(",") if p.strip()),
        build_args=tuple(args),
        environment=environment,
        before_all=tuple(settings["before-all"]),
        host_settings=bool(settings["container-host-settings"]),
        gpus=settings["container-gpus"],
        engine_args=tuple(settings["container-engine-args"]),
        caches=bool(settings["container-caches"]),
        compiler_cache=settings["compiler-cache"],
        outdir=Path(settings["outdir"]),
        subdirectory=settings["subdirectory"],
        verbose=verbose,
        cache=bool(settings["cache"]),
        refresh=bool(settings["refresh"]),
        cache_dir=Path(settings["cache-dir"]) if settings["cache-dir"] else None,
        cache_env=tuple(settings["cache-env"]),
    )


def build_in_container(
    source: str | os.PathLike[str] | ResolvedSource = ".",
    options: ContainerOptions | None = None,
    *,
    progress: Progress | None = None,
) -> ContainerBuildReport:
    """Build ``source`` in a Docker or Podman container (a manylinux/musllinux image by
    default): every Python asked for, in one container, each wheel repaired with auditwheel
    inside; the artifacts are placed in ``options.outdir`` owned by the calling user.  The
    container is removed on every path out, also on Ctrl-C.  Raises an HwbError on failure
    (ContainerError subclasses for the engine's own problems)."""
    from headless_wheel_builder.build.in_container import build_in_container as _build

    return _build(source, options or ContainerOptions(), progress)
