"""hwb's public API: matrix functions (see headless_wheel_builder.api)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace

from headless_wheel_builder.api._config import build_options
from headless_wheel_builder.build.plan import BuildOptions
from headless_wheel_builder.config.resolve import Settings
from headless_wheel_builder.matrix.jobs import MatrixObserver
from headless_wheel_builder.matrix.plan import MatrixOptions, MatrixPlan
from headless_wheel_builder.matrix.schedule import MatrixReport
from headless_wheel_builder.platforms import matches
from headless_wheel_builder.source.source import ResolvedSource


def matrix_options(
    settings: Settings,
    *,
    verbose: bool = False,
    settings_for: Callable[[str], Settings] | None = None,
) -> MatrixOptions:
    """The :class:`MatrixOptions` that resolved ``settings`` describe.  ``settings_for`` gives
    the settings of one identifier (``[[tool.hwb.overrides]]``), e.g.
    ``lambda ident: resolve_config(folder, cli=..., identifier=ident)``."""

    def job(resolved: Settings) -> BuildOptions:
        return build_options(resolved, verbose=verbose, matrix=True)

    def for_identifier(ident: str) -> BuildOptions:
        chosen = job(settings_for(ident)) if settings_for is not None else job(settings)
        if matches(ident, settings.options.test_skip):  # test-skip: built and checked, not tested
            return replace(chosen, test_command=None)
        return chosen

    options = settings.options
    return MatrixOptions(
        job=job(settings),
        pythons=options.pythons or ((options.python,) if options.python else ()),
        platforms=options.platforms,
        archs=options.archs,
        select=options.select,
        skip=options.skip,
        enable=options.enable,
        jobs=options.jobs,
        fail_fast=options.fail_fast,
        overrides=for_identifier if settings_for is not None or options.test_skip else None,
    )


def plan_matrix(
    source: str | os.PathLike[str] | ResolvedSource = ".",
    options: MatrixOptions | None = None,
    *,
    local: bool = False,
) -> MatrixPlan:
    """The identifiers a matrix would build, and why others are skipped.  ``local=False`` (what
    ``hwb matrix`` shows): every platform asked for, for CI runners; ``local=True``: what this
    machine would build (a named Python that is missing raises InterpreterNotFoundError)."""
    from headless_wheel_builder.matrix.schedule import plan_matrix as _plan

    return _plan(source, options or MatrixOptions(), local=local)


def build_matrix(
    source: str | os.PathLike[str] | ResolvedSource = ".",
    options: MatrixOptions | None = None,
    *,
    observer: MatrixObserver | None = None,
    check: bool = True,
) -> MatrixReport:
    """Build ``source`` for every selected identifier: the sdist once, then the wheels from it
    in parallel, each repaired, checked and tested; ``hwb-manifest.json`` and ``SHA256SUMS``
    are written to the output folder.  With ``check`` a failed identifier raises
    :class:`~headless_wheel_builder.errors.MatrixError` after the others finished and the
    successful wheels were placed; without, inspect ``report.ok`` / ``report.failed``."""
    from headless_wheel_builder.matrix.schedule import build_matrix as _build

    report = _build(source, options or MatrixOptions(), observer)
    if check:
        report.raise_for_failures()
    return report
