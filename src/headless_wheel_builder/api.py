"""hwb's public Python API: one typed function per command.  The CLI is a thin layer over
these; ``docs/API.md`` documents them and they stay stable.

>>> from headless_wheel_builder import api
>>> report = api.build("path/to/project", api.BuildOptions(outdir=Path("dist")))  # doctest: +SKIP
>>> [a.info.filename for a in report.artifacts]  # doctest: +SKIP
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from headless_wheel_builder._log import Progress, redact
from headless_wheel_builder.config.resolve import Settings
from headless_wheel_builder.core.analyzer import ProjectInfo, analyze
from headless_wheel_builder.core.builder import (
    BuildOptions,
    BuildReport,
    BuiltArtifact,
    Distribution,
    build_project,
)
from headless_wheel_builder.core.check import CheckReport, check_files
from headless_wheel_builder.core.init import InitOptions, InitReport
from headless_wheel_builder.core.source import ResolvedSource, resolve_source
from headless_wheel_builder.publish.base import PublishReport
from headless_wheel_builder.publish.options import PublishOptions

__all__ = [
    "BuildOptions",
    "BuildReport",
    "BuiltArtifact",
    "CheckReport",
    "Distribution",
    "InitOptions",
    "InitReport",
    "InspectReport",
    "ProjectInfo",
    "PublishOptions",
    "PublishReport",
    "Settings",
    "build",
    "build_options",
    "check",
    "init",
    "inspect",
    "publish",
    "resolve_config",
]


def resolve_config(
    project_dir: str | os.PathLike[str] | None = ".",
    *,
    cli: Mapping[str, Any] | None = None,
    config_file: str | os.PathLike[str] | None = None,
    identifier: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve every option through hwb's cascade (defaults < ``[tool.hwb]`` < ``hwb.toml`` <
    overrides < ``HWB_*`` < ``cli``); raises ConfigError listing every problem."""
    from headless_wheel_builder.config.resolve import resolve

    return resolve(
        Path(project_dir) if project_dir is not None else None,
        cli=cli,
        environ=environ,
        config_file=Path(config_file) if config_file is not None else None,
        identifier=identifier,
    )


def build_options(settings: Settings, *, verbose: bool = False) -> BuildOptions:
    """The :class:`BuildOptions` that resolved ``settings`` describe."""
    installer = settings["installer"]
    return BuildOptions(
        outdir=Path(settings["outdir"]),
        distributions=tuple(settings["distributions"]),
        subdirectory=settings["subdirectory"],
        config_settings=dict(settings["config-settings"]),
        isolation=bool(settings["isolation"]),
        installer=None if installer == "auto" else installer,
        python=settings["python"],
        build_constraints=tuple(Path(p) for p in settings["build-constraints"]),
        verbose=verbose,
        timeout=settings["timeout"],
    )


def build(
    source: str | os.PathLike[str] = ".",
    options: BuildOptions | None = None,
    *,
    progress: Progress | None = None,
) -> BuildReport:
    """Build ``source`` (a folder, an sdist/zip, or a git URL) into ``options.outdir``.

    Raises a subclass of :class:`~headless_wheel_builder.errors.HwbError` on failure; the
    output folder then holds nothing from this call.
    """
    return build_project(os.fspath(source), options or BuildOptions(), progress)


@dataclass(frozen=True, kw_only=True)
class InspectReport:
    """What ``hwb inspect`` found: where the project came from and what it is."""

    source: ResolvedSource
    project: ProjectInfo

    def to_dict(self) -> dict[str, Any]:
        data = self.project.to_dict()
        data["source"] = {
            "kind": self.source.kind,
            "spec": redact(self.source.spec),
            "git_ref": self.source.git_ref,
            "git_commit": self.source.git_commit,
        }
        if self.source.kind != "directory":
            # The files were in a temporary folder that no longer exists.
            data["path"] = redact(self.source.spec)
        return data


def inspect(source: str | os.PathLike[str] = ".", *, subdirectory: str | None = None) -> InspectReport:
    """Analyse ``source`` without building it (archives and git URLs are fetched first)."""
    workdir = Path(tempfile.mkdtemp(prefix="hwb-inspect-"))
    try:
        resolved = resolve_source(os.fspath(source), subdirectory=subdirectory, workdir=workdir)
        return InspectReport(source=resolved, project=analyze(resolved.project_dir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def check(paths: Sequence[str | os.PathLike[str]], *, strict: bool = False) -> CheckReport:
    """Validate wheels and sdists (files or folders of them) as ``hwb check`` does."""
    return check_files([Path(p) for p in paths], strict=strict)


def publish(
    paths: Sequence[str | os.PathLike[str]],
    options: PublishOptions | None = None,
    *,
    progress: Progress | None = None,
) -> PublishReport:
    """Publish wheels and sdists (files, or folders holding them) to ``options.repository``.

    Every file is checked first (as ``hwb check`` does, plus what PyPI refuses); nothing is
    uploaded when any check fails.  Identical files already in the repository are skipped.
    """
    from headless_wheel_builder.publish.options import make_publisher
    from headless_wheel_builder.publish.preflight import preflight

    options = options or PublishOptions()
    files = preflight([Path(p) for p in paths], options)
    return make_publisher(options, progress=progress).publish(files, dry_run=options.dry_run)


def init(path: str | os.PathLike[str] = ".", options: InitOptions | None = None) -> InitReport:
    """Write ``path/pyproject.toml``: scaffold one for plain code, or (``from_setup``) migrate
    ``setup.py``/``setup.cfg`` to PEP 621 without running them.  Nothing is written with
    ``dry_run``; the report holds the text and what was translated, kept and dropped."""
    from headless_wheel_builder.core.init import init_project

    return init_project(path, options or InitOptions())
