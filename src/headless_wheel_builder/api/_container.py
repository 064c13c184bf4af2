"""hwb's public API: container functions (see headless_wheel_builder.api)."""

from __future__ import annotations

import os

from headless_wheel_builder._log import Progress
from headless_wheel_builder.build.in_container import ContainerBuildReport, ContainerOptions
from headless_wheel_builder.config.resolve import Settings
from headless_wheel_builder.isolation.engine import EngineName
from headless_wheel_builder.source.source import ResolvedSource

#: Options the host's side of a container build handles; the build inside gets the rest as
#: ``hwb build`` flags (``config.cli_args.to_argv``).  Paths of the host (constraint files) do
#: not exist inside; ``pythons`` become ``--python`` with the image's interpreters.
HOST_SIDE = frozenset(
    {
        "outdir", "subdirectory", "pythons", "platforms", "archs", "build-constraints", "cache-dir",
        "repair", "isolation-mode", "container-image", "container-images", "container-dockerfile",
        "container-engine-args", "container-environment", "environment-pass", "before-all",
        "container-host-settings", "container-gpus", "container-caches", "compiler-cache", "strict",
    }
)  # fmt: skip


def container_options(
    settings: Settings, *, engine: str | None = None, verbose: bool = False
) -> ContainerOptions:
    """The :class:`ContainerOptions` that resolved ``settings`` describe; ``engine`` (docker,
    podman) overrides ``isolation-mode``.  The build options become the ``hwb build`` flags of
    the build inside the container, derived from the option registry (``--repair`` always: the
    wheels leave the container repaired).  ``archs`` (or ``select`` identifiers such as
    ``cp312-musllinux_aarch64``) name the one architecture of the container (another than the
    host's runs under QEMU) and its libc."""
    from headless_wheel_builder.config.cli_args import to_argv
    from headless_wheel_builder.platforms import container_arch, default_policy, selected_linux_targets

    options = settings.options
    arch = container_arch(options.archs, options.select)
    # `--select cp312-musllinux_aarch64` alone: the musllinux image of that architecture.
    musl = {libc for _, libc in selected_linux_targets(options.select)} == {"musllinux"}
    # The project's [tool.cibuildwheel] is read again by the build inside (from its copy of the
    # project), per identifier with its overrides: a flag would hide those.  CIBW_* variables
    # stay flags (they are not passed in, and they win over overrides anyway).
    reread = {name for name, value in settings.values.items()
              if value.source == "cibuildwheel" and not (value.origin or "").startswith("CIBW_")}  # fmt: skip
    args = ["--repair", options.repair, *to_argv(options, "build", exclude=HOST_SIDE | reread)]
    mode = engine or options.isolation_mode
    chosen: EngineName | None = "docker" if mode == "docker" else "podman" if mode == "podman" else None
    raw_env = options.container_environment.items()
    environment = {k: " ".join(v) if isinstance(v, (list, tuple)) else v for k, v in raw_env}
    # environment-pass: the user's own variables, by name, under what they set explicitly.
    passed = {name: os.environ[name] for name in options.environment_pass if name in os.environ}
    environment = {**passed, **environment}
    return ContainerOptions(
        engine=chosen,
        image=options.container_image,
        images=dict(options.container_images),
        dockerfile=options.container_dockerfile,
        target=options.manylinux or (default_policy(arch, "musllinux") if musl else None),
        arch=arch,
        pythons=tuple(p for v in options.pythons for p in str(v).split(",") if p.strip()),
        build_args=tuple(args),
        environment=environment,
        before_all=options.before_all,
        host_settings=options.container_host_settings,
        gpus=options.container_gpus,
        engine_args=options.container_engine_args,
        caches=options.container_caches,
        compiler_cache=options.compiler_cache,
        outdir=options.outdir,
        subdirectory=options.subdirectory,
        verbose=verbose,
        cache=options.cache,
        refresh=options.refresh,
        cache_dir=options.cache_dir,
        cache_env=options.cache_env,
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
