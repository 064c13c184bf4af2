"""The build pipeline for one project: source -> analysis -> environment -> PEP 517 build ->
validation -> atomic placement in the output folder.

Hook calling is pypa/build's ``ProjectBuilder`` (on pyproject-hooks); hwb supplies the
isolated environment, the subprocess runner (quiet with a log file, or streaming), the error
translation and the output handling.  Everything is built in a private temporary folder;
only validated artifacts are moved, atomically, into ``outdir``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from headless_wheel_builder._log import NullProgress, Progress, logger, new_log_file, phase
from headless_wheel_builder.analyze.analyzer import ProjectInfo, analyze
from headless_wheel_builder.artifacts.output import ArtifactInfo, describe, place_artifacts, validate
from headless_wheel_builder.build._reproducible import pin_source_date_epoch
from headless_wheel_builder.build.pep517 import HookSession
from headless_wheel_builder.cache.session import BuildCache
from headless_wheel_builder.errors import (
    BuildError,
    InterruptedBuild,
    ValidationError,
)
from headless_wheel_builder.isolation.base import Installer
from headless_wheel_builder.isolation.python import Interpreter, find_python
from headless_wheel_builder.source.source import ResolvedSource, extract_archive, resolve_source

Distribution = Literal["sdist", "wheel", "editable"]
ConfigSettings = Mapping[str, "str | list[str]"]


@dataclass(frozen=True, kw_only=True)
class BuildOptions:
    """Everything that shapes one build.  The defaults match ``python -m build``."""

    outdir: Path = Path("dist")
    distributions: tuple[Distribution, ...] = ()
    """Empty: sdist, then the wheel from that sdist (an sdist source: the wheel only).
    Given: each one built directly from the source tree."""
    subdirectory: str | None = None
    config_settings: ConfigSettings = field(default_factory=dict)
    isolation: bool = True
    installer: Installer | None = None
    """None: uv, falling back to pip when uv cannot run."""
    python: str | None = None
    """A version (``3.12``), or a path; None: the interpreter running hwb."""
    build_constraints: tuple[Path, ...] = ()
    verbose: bool = False
    timeout: float | None = None
    """Seconds any one step (environment, install, hook) may take."""
    # -- caches (cache/): reused build environments and built artifacts --
    cache: bool = True
    """Reuse cached build environments and serve unchanged builds from the wheel cache."""
    refresh: bool = False
    """Rebuild (and re-cache) the environments and artifacts even when cached."""
    cache_dir: Path | None = None
    """None: ``HWB_CACHE_DIR``, else the user cache folder."""
    cache_env: tuple[str, ...] = ()
    """Environment variables whose values are part of the wheel cache key."""


@dataclass(frozen=True, kw_only=True)
class BuiltArtifact:
    info: ArtifactInfo
    python: str
    backend: str
    cached: bool = False
    """Served from the wheel cache, not built."""

    def to_dict(self) -> dict[str, Any]:
        return {**self.info.to_dict(), "python": self.python, "backend": self.backend, "cached": self.cached}


@dataclass(frozen=True, kw_only=True)
class BuildReport:
    source: ResolvedSource
    project: ProjectInfo
    interpreter: Interpreter
    installer: str | None
    artifacts: tuple[BuiltArtifact, ...]
    timings: Mapping[str, float]
    log_path: Path | None

    def to_dict(self) -> dict[str, Any]:
        from headless_wheel_builder._log import redact

        return {
            "ok": True,
            "source": {
                "kind": self.source.kind,
                "spec": redact(self.source.spec),
                "project_dir": str(self.source.project_dir),
                "git_ref": self.source.git_ref,
                "git_commit": self.source.git_commit,
            },
            "project": {
                "name": self.project.name,
                "backend": self.project.backend,
                "backend_family": self.project.backend_family,
            },
            "interpreter": self.interpreter.to_dict(),
            "installer": self.installer,
            "artifacts": [a.to_dict() for a in self.artifacts],
            "timings": dict(self.timings),
            "log": str(self.log_path) if self.log_path else None,
        }


def build_project(source: str | Path, options: BuildOptions, progress: Progress | None = None) -> BuildReport:
    """Build ``source`` as ``options`` say; raise an :class:`HwbError` on any failure."""
    progress = progress or NullProgress()
    timings: dict[str, float] = {}
    workdir = Path(tempfile.mkdtemp(prefix="hwb-build-"))
    restore_epoch = None
    try:
        with phase(timings, "resolve"):
            progress.step(f"Resolving {source}")
            resolved = resolve_source(
                str(source), subdirectory=options.subdirectory, workdir=workdir / "source"
            )
            project = analyze(resolved.project_dir)
            interpreter = find_python(options.python)
            _check_requires_python(project, interpreter)
            # Reproducible builds (docs/SECURITY.md): SOURCE_DATE_EPOCH from the last commit.
            restore_epoch = pin_source_date_epoch(resolved.kind, resolved.project_dir)
        log_file = new_log_file(project.name or resolved.project_dir.name)
        staging = workdir / "out"
        session = HookSession(
            workdir=workdir / "envs",
            interpreter=interpreter,
            options=options,
            log_file=log_file,
            progress=progress,
            timings=timings,
        )
        # -- wheel cache (cache/session.py): serve an unchanged build, or store this one --
        cache = BuildCache.for_options(options)
        with phase(timings, "cache"):
            key = cache.key(resolved, project, interpreter) if cache else None
            cached = cache.fetch(key, staging) if cache and key else None
        if cached is not None:
            progress.done("Found in the cache")
            built = cached
        else:
            built = _run_plan(resolved, project, options, session, staging, workdir)
        with phase(timings, "validate"):
            progress.step("Validating artifacts")
            fresh = built if cached is None else []
            problems = [p for path in fresh for p in validate(path) if p.severity == "error"]
            if problems:
                noun = "an invalid artifact" if len(built) == 1 else "invalid artifacts"
                raise ValidationError(
                    f"the backend produced {noun}",
                    why="; ".join(str(p) for p in problems[:10]),
                    hint="this is a bug in the build backend or its configuration; "
                    "`hwb check` on the file gives the full list",
                )
            infos = [describe(path) for path in built]
        if cache is not None and cached is None:
            with phase(timings, "cache"):
                cache.put(cache.key(resolved, project, interpreter), built, project)
        with phase(timings, "place"):
            final = place_artifacts(built, options.outdir)
        artifacts = tuple(
            BuiltArtifact(
                info=_relocated(info, path),
                python=interpreter.full_version,
                backend=project.backend,
                cached=cached is not None,
            )
            for info, path in zip(infos, final, strict=True)
        )
        return BuildReport(
            source=resolved,
            project=project,
            interpreter=interpreter,
            installer=session.installer_used,
            artifacts=artifacts,
            timings=timings,
            log_path=log_file,
        )
    except KeyboardInterrupt as exc:
        raise InterruptedBuild(
            "interrupted",
            why="the build was stopped before it finished",
            hint="nothing was written to the output folder; run the command again",
        ) from exc
    finally:
        if restore_epoch is not None:
            restore_epoch()
        shutil.rmtree(workdir, ignore_errors=True)


def _relocated(info: ArtifactInfo, path: Path) -> ArtifactInfo:
    from dataclasses import replace

    return replace(info, path=path.resolve())


def _check_requires_python(project: ProjectInfo, interpreter: Interpreter) -> None:
    if not project.requires_python:
        return
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        spec = SpecifierSet(project.requires_python)
    except InvalidSpecifier:
        logger.warning("ignoring invalid requires-python %r", project.requires_python)
        return
    if not spec.contains(interpreter.full_version, prereleases=True):
        raise BuildError(
            f"{project.name or 'the project'} does not support Python {interpreter.full_version}",
            why=f"its requires-python is {project.requires_python!r}",
            hint="choose a matching interpreter with --python",
        )


def _run_plan(
    resolved: ResolvedSource,
    project: ProjectInfo,
    options: BuildOptions,
    session: HookSession,
    staging: Path,
    workdir: Path,
) -> list[Path]:
    built: list[Path] = []
    if options.distributions:
        for dist in options.distributions:
            built.append(session.build(dist, resolved.project_dir, staging))
        return built
    if resolved.is_sdist and resolved.kind != "directory":
        # Already an sdist: the wheel is built from it, as it would be from PyPI.
        return [session.build("wheel", resolved.project_dir, staging)]
    sdist = session.build_sdist_or_none(resolved.project_dir, staging)
    if sdist is None:
        logger.warning("the backend cannot build an sdist; building the wheel from the source tree")
        return [session.build("wheel", resolved.project_dir, staging)]
    built.append(sdist)
    unpacked = extract_archive(sdist, workdir / "sdist")
    built.append(session.build("wheel", unpacked, staging))
    return built
