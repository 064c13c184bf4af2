"""The types a build is asked for and returns: the one typed plan of the pipeline.

They live below :mod:`~headless_wheel_builder.build.pipeline` so that the stages it calls
(``build/pep517.py``, ``build/wheel_cache.py``) can name them without importing the pipeline.

- :class:`BuildOptions`: how to build (the user's options, resolved; the defaults match
  ``python -m build``).
- :class:`SourceFacts`: what the source stage found, shared by every run from one source
  (a matrix builds many wheels from one resolved source).
- :class:`PipelineRun`: one walk through the pipeline: the source, the options, the
  interpreter, and, for a matrix job, the identifier, its build variables and where to build.
- :class:`BuildReport`: what a run produced.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # types only: a wheel-cache hit imports none of these stages (issue 19)
    from headless_wheel_builder.analyze.analyzer import ProjectInfo
    from headless_wheel_builder.artifacts.output import ArtifactInfo
    from headless_wheel_builder.build.tester import WheelTestResult
    from headless_wheel_builder.errors import WheelTestError
    from headless_wheel_builder.isolation.base import Installer
    from headless_wheel_builder.isolation.python import Interpreter
    from headless_wheel_builder.platforms import Identifier
    from headless_wheel_builder.repair.platform import RepairMode
    from headless_wheel_builder.repair.stage import RepairInfo
    from headless_wheel_builder.source.source import ResolvedSource


def __getattr__(name: str) -> object:
    """``RepairInfo``, re-exported on first use."""
    if name != "RepairInfo":
        raise AttributeError(name)
    from headless_wheel_builder.repair.stage import RepairInfo

    return RepairInfo


Distribution = Literal["sdist", "wheel", "editable"]
ConfigSettings = Mapping[str, "str | list[str]"]

__all__ = [
    "BuildOptions",
    "BuildReport",
    "BuiltArtifact",
    "ConfigSettings",
    "Distribution",
    "PipelineRun",
    "RepairInfo",
    "SourceFacts",
]


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
    """Variables part of the wheel cache key even where hwb's list of variables that cannot
    matter (or ``cache_env_ignore``) leaves them out; every other variable is keyed anyway."""
    cache_env_ignore: tuple[str, ...] = ()
    """More variables (names or ``fnmatch`` patterns) left out of the wheel cache key."""
    env_max_age: float | None = 1.0
    """Days a cached build environment is used before it is resolved again; None: forever."""
    offline: bool = False
    """Never reach an index: cached environments whatever their age, installers offline."""
    # -- repair and test (repair/, build/tester.py) --
    repair: RepairMode | None = None
    """None: keep the backend's wheel as it is (as ``python -m build``); ``auto``: repair
    platform wheels that need it (auditwheel on Linux, delocate on macOS); ``always``;
    ``never``: keep unpublishable tags, with a warning."""
    manylinux: str | None = None
    """The target policy of a repaired Linux wheel (``2_28``); None: the most compatible one."""
    test_command: str | None = None
    """Run in a fresh venv with the built wheel installed ({project}, {wheel})."""
    test_requires: tuple[str, ...] = ()
    test_extras: tuple[str, ...] = ()
    test_sources: tuple[str, ...] = ()
    """Paths of the project copied into the test's folder."""
    before_test: tuple[str, ...] = ()
    repair_command: str | None = None
    """A shell command that repairs the wheel instead of hwb's repair ({wheel}, {dest_dir})."""
    # -- the project's shell steps (build/commands.py) --
    environment: Mapping[str, str] = field(default_factory=dict)
    """Variables for before-build, the backend, the repair and the test, expanded by the shell."""
    before_build: tuple[str, ...] = ()
    """Shell commands run before each wheel build, in the folder it is built from."""


@dataclass(frozen=True, kw_only=True)
class SourceFacts:
    """The source stage's result: where the project is and what it is."""

    source: ResolvedSource
    project: ProjectInfo
    epoch: str | None = None
    """``SOURCE_DATE_EPOCH`` for every build of this source: the last commit that changed the
    project folder (None: not a git checkout, or the user set the variable themselves)."""
    tree: tuple[Path, str] | None = None
    """``(the output folder left out, the project folder's digest)`` when the source stage
    computed it (``keys.tree_digest``, for the remembered analysis): the wheel cache's key
    uses it instead of reading the folder again."""


@dataclass(frozen=True, kw_only=True)
class PipelineRun:
    """One walk through the pipeline (see :func:`~headless_wheel_builder.build.pipeline.run_pipeline`)."""

    facts: SourceFacts
    options: BuildOptions
    interpreter: Interpreter
    workdir: Path
    """A private folder for this run: environments, staged artifacts, logs of the test."""
    tree: Path | None = None
    """Build from this folder (copied first) instead of the source's project folder: a matrix
    job builds its wheel from a copy of the unpacked sdist."""
    tree_is_sdist: bool = False
    identifier: Identifier | None = None
    """The matrix identifier being built (repair targets its platform); None: this machine."""
    environ: Mapping[str, str] = field(default_factory=dict)
    """Build variables for every backend process (macOS ``MACOSX_DEPLOYMENT_TARGET`` …)."""
    place: bool = True
    """Move the artifacts into ``options.outdir``; False leaves them staged in ``workdir``
    for the caller (a matrix places all its wheels together with its manifest)."""
    cancel: threading.Event | None = None
    log_name: str | None = None
    warned: set[str] | None = None
    """Backend warnings already shown, shared by a matrix's runs (shown once, labelled with
    the interpreter); None: this run's own."""


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
    source_date_epoch: str | None = None
    """The ``SOURCE_DATE_EPOCH`` the backend saw (hwb's pin, or the user's own)."""
    repair: RepairInfo | None = None
    test: WheelTestResult | None = None
    test_error: WheelTestError | None = None
    """Set only for a run that was not placed (a matrix job): its wheel failed the test."""
    warnings: tuple[str, ...] = ()

    @property
    def cached(self) -> bool:
        return bool(self.artifacts) and all(a.cached for a in self.artifacts)

    @property
    def files(self) -> tuple[Path, ...]:
        """The artifacts' paths (in the output folder once placed)."""
        return tuple(a.info.path for a in self.artifacts)

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
            "source_date_epoch": self.source_date_epoch,
            "repair": self.repair.to_dict() if self.repair else None,
            "test": self.test.to_dict() if self.test else None,
            "warnings": list(self.warnings),
            "timings": dict(self.timings),
            "log": str(self.log_path) if self.log_path else None,
        }
