"""hwb's public API: config functions (see headless_wheel_builder.api)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from headless_wheel_builder.build.plan import BuildOptions
from headless_wheel_builder.config.resolve import Settings


def resolve_config(
    project_dir: str | os.PathLike[str] | None = ".",
    *,
    cli: Mapping[str, Any] | None = None,
    config_file: str | os.PathLike[str] | None = None,
    identifier: str | None = None,
    environ: Mapping[str, str] | None = None,
    user_config: bool = True,
) -> Settings:
    """Resolve every option through hwb's cascade (defaults < the user's ``hwb/config.toml`` <
    ``[tool.hwb]`` < ``hwb.toml`` < overrides < ``HWB_*`` < ``cli``); raises ConfigError listing
    every problem.  Read ``settings.options`` for the typed values.  A user-only option set by the
    project's own files is ignored with a warning (``cli={"strict": True}``: an error)."""
    from headless_wheel_builder.config.resolve import resolve

    return resolve(
        Path(project_dir) if project_dir is not None else None,
        cli=cli,
        environ=environ,
        config_file=Path(config_file) if config_file is not None else None,
        identifier=identifier,
        user_config=user_config,
    )


def build_options(settings: Settings, *, verbose: bool = False, matrix: bool = False) -> BuildOptions:
    """The :class:`BuildOptions` that resolved ``settings`` describe.  A single build repairs
    its wheel only when ``repair`` was set (a plain build equals ``python -m build``'s); a
    ``matrix`` job always follows ``repair`` (default ``auto``)."""
    options = settings.options
    repair_set = matrix or settings.values["repair"].source != "default"
    return BuildOptions(
        outdir=options.outdir,
        distributions=options.distributions,
        subdirectory=options.subdirectory,
        config_settings=dict(options.config_settings),
        isolation=options.isolation,
        installer=None if options.installer == "auto" else options.installer,
        python=options.python,
        build_constraints=options.build_constraints,
        verbose=verbose,
        timeout=options.timeout,
        cache=options.cache,
        refresh=options.refresh,
        cache_dir=options.cache_dir,
        cache_env=options.cache_env,
        cache_env_ignore=options.cache_env_ignore,
        env_max_age=options.env_max_age,
        offline=options.offline,
        repair=options.repair if repair_set else None,
        manylinux=options.manylinux,
        test_command=options.test_command,
        test_requires=options.test_requires,
        test_extras=options.test_extras,
        test_sources=options.test_sources,
        before_test=options.before_test,
        repair_command=options.repair_command,
        environment=dict(options.environment),
        before_build=options.before_build,
    )


#: Options that only a build matrix reads; any of them set (not default) selects the matrix.
_MATRIX_ONLY = ("platforms", "archs", "select", "skip", "enable", "jobs", "fail-fast", "repair",
                "manylinux", "test-command", "test-requires", "test-extras", "test-sources",
                "before-test", "test-skip", "repair-command")  # fmt: skip


def wants_matrix(settings: Settings) -> bool:
    """Whether ``settings`` ask for a build matrix rather than one build: several Pythons (or
    ``all``), ``pythons`` set in a file or variable, or any matrix-only option set."""
    pythons = [p for v in settings.options.pythons for p in v.split(",") if p.strip()]
    if len(pythons) > 1 or any(p.strip().lower() == "all" for p in pythons):
        return True
    if pythons and settings.values["pythons"].source != "cli":
        return True
    return any(settings.values[name].source != "default" for name in _MATRIX_ONLY)
