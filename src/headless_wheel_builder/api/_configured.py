"""hwb's public API: a build as the configuration says (see headless_wheel_builder.api).

:func:`build_from_config` is what ``hwb build``, ``hwb release``, the pytest plugin and the MCP
server call: it resolves the options (``[tool.hwb]``, ``hwb.toml``, ``HWB_*``, the given
command-line values), makes the source local once, and chooses where and how it is built — in a
container (``isolation-mode``), as a matrix (several Pythons or any matrix option), or as one
build.  Each of those runs the one pipeline (``build/pipeline.py``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from headless_wheel_builder._log import Progress, logger, with_stream
from headless_wheel_builder._proc import deadline
from headless_wheel_builder.build.workspace import workspace
from headless_wheel_builder.errors import CommandTimeout, HwbError, timed_out_after

if TYPE_CHECKING:
    from headless_wheel_builder.build.in_container import ContainerBuildReport
    from headless_wheel_builder.build.plan import BuildReport
    from headless_wheel_builder.config.resolve import Settings
    from headless_wheel_builder.matrix.jobs import MatrixObserver
    from headless_wheel_builder.matrix.schedule import MatrixReport
    from headless_wheel_builder.source.source import ResolvedSource

    #: What a build returns: one build, a matrix, or a container build.
    AnyBuildReport = Union[BuildReport, MatrixReport, ContainerBuildReport]  # noqa: UP007 - a runtime alias


def __getattr__(name: str) -> object:
    """``AnyBuildReport``, made on first use: a single build imports neither the matrix nor the
    container stage (issue 19)."""
    if name != "AnyBuildReport":
        raise AttributeError(name)
    from headless_wheel_builder.build.in_container import ContainerBuildReport
    from headless_wheel_builder.build.plan import BuildReport
    from headless_wheel_builder.matrix.schedule import MatrixReport

    return Union[BuildReport, MatrixReport, ContainerBuildReport]  # noqa: UP007 - a runtime alias


def config_folder(source: str | os.PathLike[str], subdirectory: str | None = None) -> Path:
    """Where configuration files are looked for: a local SOURCE folder (and its
    ``subdirectory``), else the current folder (an archive's or a git URL's own configuration
    is part of the project, read by the build itself)."""
    path = Path(os.fspath(source))
    if path.is_dir():
        return path / subdirectory if subdirectory else path
    return Path.cwd()


def build_from_config(
    source: str | os.PathLike[str] = ".",
    *,
    cli: Mapping[str, Any] | None = None,
    config_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    observer: MatrixObserver | None = None,
    verbose: bool = False,
    check: bool = True,
) -> AnyBuildReport:
    """Build ``source`` as its resolved configuration says (``cli`` maps option names to the
    values given on the command line, which win).  Returns a :class:`BuildReport`, a
    :class:`MatrixReport` (several Pythons or a matrix option; with ``check`` a failed
    identifier raises MatrixError after the good wheels were placed) or a
    :class:`ContainerBuildReport` (``isolation-mode`` docker/podman, or auto choosing one)."""
    from headless_wheel_builder.api._config import resolve_config

    given = dict(cli or {})
    folder = config_folder(source, given.get("subdirectory"))

    def settings_for(identifier: str | None = None) -> Settings:
        return resolve_config(
            folder, cli=given, config_file=config_file, environ=environ, identifier=identifier
        )

    settings = settings_for()
    timeout = settings.options.timeout
    try:
        # --timeout covers the whole build: fetching, extraction, git, analysis, environments,
        # the backend, repair, tests; when it fires everything hwb started is stopped.
        with deadline(timeout), workspace("hwb-source-") as workdir:
            from headless_wheel_builder.source.source import resolve_source

            subdirectory = settings.options.subdirectory
            resolved = resolve_source(os.fspath(source), subdirectory=subdirectory, workdir=workdir)
            return _dispatch(
                resolved, settings, settings_for, progress, observer, verbose=verbose, check=check
            )
    except (KeyboardInterrupt, HwbError) as exc:
        seconds = timed_out_after(exc)
        if seconds is None:
            raise
        raise CommandTimeout(
            f"timed out after {seconds:g} seconds",
            why="the whole build ran longer than --timeout; everything hwb started was stopped and "
            "nothing was written to the output folder",
            hint=with_stream("raise --timeout (or `timeout` in [tool.hwb])", "shows which step was running"),
        ) from exc


def _dispatch(
    resolved: ResolvedSource,
    settings: Settings,
    settings_for: Callable[[str], Settings],
    progress: Progress | None,
    observer: MatrixObserver | None,
    *,
    verbose: bool,
    check: bool,
) -> AnyBuildReport:
    from headless_wheel_builder.api._build import build
    from headless_wheel_builder.api._config import build_options, wants_matrix

    engine, repair = _isolation(resolved, settings)
    if engine is None and settings.options.before_all:
        logger.warning(
            "before-all is not run: it runs once in each build container (--isolation docker or podman), "
            "and this build runs in a virtual environment on this machine (%s)",
            "; ".join(settings.options.before_all),
        )
    if engine is not None:
        from headless_wheel_builder.api._container import build_in_container, container_options

        options = container_options(settings, engine=engine, verbose=verbose)
        return build_in_container(resolved, options, progress=progress)
    if wants_matrix(settings):
        from headless_wheel_builder.api._matrix import build_matrix, matrix_options

        matrix = matrix_options(settings, verbose=verbose, settings_for=settings_for)
        return build_matrix(resolved, matrix, observer=observer, check=check)
    base = build_options(settings, verbose=verbose)
    if repair:
        from dataclasses import replace

        base = replace(base, repair="auto")
    return build(resolved, base, progress=progress)


def _isolation(resolved: ResolvedSource, settings: Settings) -> tuple[str | None, bool]:
    """(container engine or None, whether a venv build must repair): ``isolation-mode`` as
    configured; ``auto`` decides from the project (analysed once, from the resolved source).
    A fallback to a venv for platform wheels repairs them, so they still get the most
    portable tag this machine can give."""
    mode = settings.options.isolation_mode
    if mode in ("docker", "podman"):
        return mode, False
    if mode == "venv":
        return None, False
    from headless_wheel_builder.analyze.analyzer import analyze
    from headless_wheel_builder.isolation.strategy import choose_isolation

    project = analyze(resolved.project_dir)
    choice = choose_isolation(
        mode, pure=project.pure, target=settings.options.manylinux, repair=settings.options.repair
    )
    logger.info("isolation: %s (%s)", choice.kind, choice.reason)
    if choice.warning:
        logger.warning("%s", choice.warning)
    if choice.container:
        return choice.kind, False
    return None, project.pure is False and settings.values["repair"].source == "default"
