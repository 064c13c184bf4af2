"""The one build pipeline: source -> analysis -> environment -> PEP 517 build -> validation ->
repair -> test -> atomic placement.

Every build walks through :func:`run_pipeline`, whatever started it: ``hwb build``, each job
of a matrix (``matrix/schedule.py``), the build inside a container (``build/in_container.py``
runs ``hwb build`` there), ``hwb release``, the pytest plugin, the MCP server and the Python
API.  So reproducibility (``SOURCE_DATE_EPOCH``), the wheel cache, validation, repair and the
test step apply to each of them by construction.

- :func:`prepare_source` is the source stage: it makes the source local, analyses it and
  pins ``SOURCE_DATE_EPOCH`` (:class:`~.plan.SourceFacts`, shared by all runs from it);
- :func:`run_pipeline` takes one :class:`~.plan.PipelineRun` through the other stages;
- :func:`build_project` is both, for one source and one interpreter.

Hook calling is pypa/build's ``ProjectBuilder`` (``build/pep517.py``).  Everything is built
in a private temporary folder; only validated artifacts are moved, atomically, into
``outdir``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from headless_wheel_builder._dirs import new_log_file
from headless_wheel_builder._log import NullProgress, Progress, logger, phase
from headless_wheel_builder.analyze._info import ProjectInfo
from headless_wheel_builder.artifacts.output import (
    ArtifactInfo,
    check_outdir,
    describe,
    place_artifacts,
    validate,
)
from headless_wheel_builder.build._reproducible import effective_epoch, epoch_environ, source_epoch
from headless_wheel_builder.build.plan import (
    BuildOptions,
    BuildReport,
    BuiltArtifact,
    Distribution,
    PipelineRun,
    SourceFacts,
)
from headless_wheel_builder.build.wheel_cache import BuildCache
from headless_wheel_builder.build.workspace import workspace
from headless_wheel_builder.cache.keys import is_root_output
from headless_wheel_builder.errors import (
    BuildError,
    HwbError,
    InterruptedBuild,
    ValidationError,
    WheelTestError,
)
from headless_wheel_builder.isolation.python import Interpreter, find_python
from headless_wheel_builder.platforms import Identifier, host_libc, host_platform, native_arch
from headless_wheel_builder.source.source import ResolvedSource, resolve_source

if TYPE_CHECKING:  # the stages after the wheel cache load on a miss only (issue 19)
    from headless_wheel_builder.build.pep517 import HookSession
    from headless_wheel_builder.build.tester import WheelTestResult
    from headless_wheel_builder.repair.stage import RepairInfo

__all__ = ["Cancelled", "build_project", "prepare_source", "run_pipeline"]


class Cancelled(Exception):
    """A run's ``cancel`` event was set (a matrix stopping at its first failure)."""


@contextmanager
def interruptible(what: str) -> Iterator[None]:
    """Ctrl-C becomes :class:`InterruptedBuild` (nothing was placed; run again)."""
    try:
        yield
    except KeyboardInterrupt as exc:
        raise InterruptedBuild(
            "interrupted",
            why=f"the {what} was stopped before it finished",
            hint="nothing was written to the output folder; run the command again",
        ) from exc


def prepare_source(source: str | Path | ResolvedSource, options: BuildOptions, workdir: Path) -> SourceFacts:
    """The source stage: make ``source`` local under ``workdir``, analyse it, and pin
    ``SOURCE_DATE_EPOCH`` to its last commit (docs/SECURITY.md, reproducible builds)."""
    if isinstance(source, ResolvedSource):
        resolved = source
    else:
        resolved = resolve_source(str(source), subdirectory=options.subdirectory, workdir=workdir / "source")
    project, tree = _analyse(resolved, options)
    return SourceFacts(
        source=resolved, project=project, epoch=source_epoch(resolved.kind, resolved.project_dir), tree=tree
    )


def _analyse(resolved: ResolvedSource, options: BuildOptions) -> tuple[ProjectInfo, tuple[Path, str] | None]:
    """The analysis stage: a user's folder, with the wheel cache on, through the cache (an
    unchanged folder is not analysed again: ``BuildCache.analysis``); anything else afresh."""
    cache = BuildCache.for_options(options)
    if cache is not None and resolved.kind == "directory" and resolved.archive is None:
        return cache.analysis(resolved.project_dir)
    from headless_wheel_builder.analyze.analyzer import analyze

    return analyze(resolved.project_dir), None


def build_project(
    source: str | Path | ResolvedSource, options: BuildOptions, progress: Progress | None = None
) -> BuildReport:
    """Build ``source`` as ``options`` say, into ``options.outdir``; raise an
    :class:`HwbError` on any failure (the output folder then holds nothing from this call)."""
    progress = progress or NullProgress()
    check_outdir(options.outdir)  # before any work: an unusable output folder fails now
    with interruptible("build"), workspace("hwb-build-") as workdir:
        timings: dict[str, float] = {}
        with phase(timings, "resolve"):
            progress.step(f"Resolving {source.spec if isinstance(source, ResolvedSource) else source}")
            facts = prepare_source(source, options, workdir)
            interpreter = find_python(options.python)
        run = PipelineRun(facts=facts, options=options, interpreter=interpreter, workdir=workdir)
        return run_pipeline(run, progress, timings=timings)


def run_pipeline(
    run: PipelineRun, progress: Progress | None = None, *, timings: dict[str, float] | None = None
) -> BuildReport:
    """Take ``run`` through environment, PEP 517 build, validation, repair, test and (with
    ``run.place``) placement; see the module docstring.  ``timings`` (seconds per stage) is
    added to, and reported."""
    facts = run.facts
    environ = {**epoch_environ(facts.epoch), **run.environ}
    if run.options.environment:  # cibuildwheel's `environment`: expanded where the build runs
        from headless_wheel_builder.build.commands import evaluate_environment

        environ.update(evaluate_environment(run.options.environment, environ, workdir=run.workdir,
                                            timeout=run.options.timeout))  # fmt: skip
    walk = _Walk(
        run=run,
        log_file=new_log_file(run.log_name or facts.project.name or facts.source.project_dir.name),
        environ=environ,
        progress=progress or NullProgress(),
        timings={} if timings is None else timings,
    )
    try:
        with walk.exits:
            return _stages(walk)
    except HwbError as exc:
        if exc.log_path is None and walk.log_file.is_file():  # the backend's output is there
            exc.log_path = walk.log_file
        raise


@dataclass(kw_only=True)
class _Walk:
    """One run on its way through the stages: where it logs, what its processes get."""

    run: PipelineRun
    log_file: Path
    environ: dict[str, str]
    progress: Progress
    timings: dict[str, float] = field(default_factory=dict)
    #: Clean-ups when the run ends (the cache-side folder a hit is served through).
    exits: ExitStack = field(default_factory=ExitStack)
    _session: HookSession | None = None

    def session(self) -> HookSession:
        """The run's hook session (its environments and backend processes), made on first
        use: a wheel-cache hit needs none."""
        if self._session is None:
            from headless_wheel_builder.build.pep517 import HookSession

            run = self.run
            self._session = HookSession(workdir=run.workdir / "envs", interpreter=run.interpreter,
                                        options=run.options, log_file=self.log_file, progress=self.progress,
                                        timings=self.timings, project=run.facts.project,
                                        environ=self.environ, warned=run.warned)  # fmt: skip
        return self._session


@dataclass(kw_only=True)
class _Built:
    files: list[Path]
    cached: bool = False
    repair: RepairInfo | None = None
    warnings: tuple[str, ...] = ()


def _stages(walk: _Walk) -> BuildReport:
    run, timings = walk.run, walk.timings
    facts, options = run.facts, run.options
    built = _cached_or_built(walk)
    test, test_error = _test(walk, built.files)
    if test_error is not None and run.place:
        raise test_error
    infos = [describe(path) for path in built.files]
    files = built.files
    if run.place:
        with phase(timings, "place"):
            files = place_artifacts(files, options.outdir)
    pairs = zip(infos, files, strict=True)
    artifacts = [_artifact(info, path, run, cached=built.cached) for info, path in pairs]
    return BuildReport(
        source=facts.source,
        project=facts.project,
        interpreter=run.interpreter,
        installer=walk._session.installer_used if walk._session is not None else None,
        artifacts=tuple(artifacts),
        timings=timings,
        log_path=walk.log_file,
        source_date_epoch=effective_epoch(facts.epoch),
        repair=built.repair,
        test=test,
        test_error=test_error,
        warnings=built.warnings,
    )


def _cached_or_built(walk: _Walk) -> _Built:
    """The wheel cache stage around build, validation and repair: serve a hit, or build and
    store the result (the repaired artifacts, so a hit needs no repair either).  Asked first:
    a hit starts no hook session and loads none of the later stages."""
    run, timings = walk.run, walk.timings
    staging = run.workdir / "out"
    cache = BuildCache.for_options(run.options)
    if cache is not None:
        if cache.environment_is_stale(run.interpreter, run.facts.project.build_requires):
            walk.session().renew_stale_environment()  # env-max-age: the key sees what is resolved now
        with phase(timings, "cache"):
            key = cache.key(run.facts, run, walk.environ)
            # Placed at once: served through a folder on the cache's filesystem, so a served
            # file can be a hard link of the entry's and is renamed into ``outdir``.
            served = cache.fetch(key, walk.exits.enter_context(cache.scratch()) if run.place else staging)
        if served is not None:  # built before from the same project by the same interpreter
            walk.progress.done("Found in the cache")
            return _Built(files=served, cached=True)
    _check_requires_python(run.facts.project, run.interpreter)
    with _tree_lock(run, walk.progress):
        files = _build(walk, walk.session(), staging)
    _validate(files, timings, walk.progress, source=run.tree or run.facts.source.project_dir)
    built = _repair(walk, files)
    if cache is not None:
        with phase(timings, "cache"):
            cache.put(cache.key(run.facts, run, walk.environ), built.files, run.facts.project)
    return built


# -- the stages ------------------------------------------------------------------------


@contextmanager
def _tree_lock(run: PipelineRun, progress: Progress) -> Iterator[None]:
    """Hold the lock of a source folder that the backend builds in place (setuptools writes
    ``build/`` and ``*.egg-info`` there): concurrent builds of one folder take turns instead of
    colliding.  Copies (a matrix job's tree) and archives need none."""
    source = run.facts.source
    if run.tree is not None or source.kind != "directory":
        yield
        return
    import hashlib

    from filelock import FileLock, Timeout

    from headless_wheel_builder.cache.store import cache_root

    folder = source.project_dir.resolve()
    name = hashlib.sha256(str(folder).encode()).hexdigest()[:24]
    path = cache_root(run.options.cache_dir) / "locks" / f"tree-{name}.lock"
    lock = FileLock(str(path), thread_local=False, is_singleton=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire(timeout=0)
    except Timeout:
        message = f"Waiting for another hwb build of {folder} (backends write into the folder)"
        logger.info("%s", message)
        progress.step(message)
        lock.acquire()
    except OSError as exc:  # an unwritable cache folder: build unlocked, as before
        logger.debug("no lock for %s: %s", folder, exc)
        yield
        return
    try:
        yield
    finally:
        lock.release()


def _check_cancel(run: PipelineRun) -> None:
    if run.cancel is not None and run.cancel.is_set():
        raise Cancelled


def _build(walk: _Walk, session: HookSession, staging: Path) -> list[Path]:
    """The PEP 517 stage: what ``options.distributions`` ask for, from the run's tree
    (``before-build`` runs before each wheel, in the folder it is built from)."""
    run = walk.run
    _check_cancel(run)
    options = run.options
    tree, is_sdist = _tree(run, walk.timings, walk.progress)

    def build(dist: Distribution, folder: Path) -> Path:
        if dist != "sdist" and options.before_build:
            walk.progress.step(f"before-build: {'; '.join(options.before_build)}")
            from headless_wheel_builder.build.commands import run_before_build

            run_before_build(options.before_build, tree=folder, interpreter=run.interpreter,
                             environ=walk.environ, workdir=run.workdir, installer=options.installer,
                             log_file=walk.log_file, timeout=options.timeout)  # fmt: skip
        return session.build(dist, folder, staging)

    if options.distributions:
        return [build(dist, tree) for dist in options.distributions]
    if is_sdist:
        # Already an sdist: the wheel is built from it, as it would be from PyPI.
        return [build("wheel", tree)]
    sdist = session.build_sdist_or_none(tree, staging)
    if sdist is None:
        logger.warning("the backend cannot build an sdist; building the wheel from the source tree")
        return [build("wheel", tree)]
    from headless_wheel_builder.source.archive import extract_archive

    unpacked = extract_archive(sdist, run.workdir / "sdist")
    return [sdist, build("wheel", unpacked)]


def _tree(run: PipelineRun, timings: dict[str, float], progress: Progress) -> tuple[Path, bool]:
    """The folder to build from: the source's, or a private copy of ``run.tree``."""
    source = run.facts.source
    if run.tree is None:
        return source.project_dir, source.is_sdist and source.kind != "directory"
    progress.step("Copying the sources")
    with phase(timings, "copy"):
        return copy_tree(run.tree, run.workdir / "src", sdist=run.tree_is_sdist), run.tree_is_sdist


def copy_tree(src: Path, dest: Path, *, sdist: bool = False) -> Path:
    """Copy a source tree for one build, without what an earlier build left at its root
    (``build/`` and ``wheelhouse/`` unless they are packages, ``*.egg-info`` of a folder) or
    caches.  An unpacked sdist keeps its ``*.egg-info``: it is part of the sdist (pbr reads
    ``pbr.json`` and ``SOURCES.txt`` from it), as ``python -m build`` keeps it."""
    top_ignored = {".tox", ".nox", ".venv"}

    def ignore(folder: str, names: list[str]) -> set[str]:
        skip = {n for n in names if n == "__pycache__"}
        if Path(folder) == src:
            skip |= {n for n in names if n in top_ignored or (n != "dist" and is_root_output(src, n))}
            if not sdist:
                skip |= {n for n in names if n.endswith(".egg-info")}
        return skip

    shutil.copytree(src, dest, symlinks=True, ignore=ignore)
    return dest


def _validate(built: list[Path], timings: dict[str, float], progress: Progress, *, source: Path) -> None:
    """The validation stage: every artifact the backend wrote, before anything else sees it
    (an empty wheel of a project with sources included: W008, never cached)."""
    from headless_wheel_builder.artifacts.check import empty_wheel_problem

    with phase(timings, "validate"):
        progress.step("Validating artifacts")
        problems = [p for path in built for p in validate(path) if p.severity == "error"]
        problems += [p for path in built if (p := empty_wheel_problem(path, source)) is not None]
    if problems:
        noun = "an invalid artifact" if len(built) == 1 else "invalid artifacts"
        raise ValidationError(
            f"the backend produced {noun}",
            why="; ".join(str(p) for p in problems[:10]),
            hint="this is a bug in the build backend or its configuration; "
            "`hwb check` on the file gives the full list",
        )


def _repair(walk: _Walk, built: list[Path]) -> _Built:
    """The repair stage (only when ``options.repair`` is set): the wheel, repaired if it
    needs it, its final tags checked."""
    run = walk.run
    mode = run.options.repair
    wheels = [p for p in built if p.name.endswith(".whl")]
    if mode is None or len(wheels) != 1 or "editable" in run.options.distributions:
        return _Built(files=built)
    _check_cancel(run)
    from headless_wheel_builder.repair.stage import repair_wheel

    identifier = run.identifier or _host_identifier(run.interpreter)
    if run.options.repair_command and mode != "never" and not wheels[0].name.endswith("-any.whl"):
        return _repair_with_command(walk, built, wheels[0], identifier)
    walk.progress.step(f"Checking {wheels[0].name} for repair")
    with phase(walk.timings, "repair"):
        outcome = repair_wheel(wheels[0], identifier=identifier, mode=mode, manylinux=run.options.manylinux,
                               dest=run.workdir / "repaired", log_file=walk.log_file,
                               timeout=run.options.timeout, environ=walk.environ)  # fmt: skip
    if outcome.repair is not None:
        walk.progress.done(f"Repaired {outcome.repair.original} -> {outcome.repair.repaired}")
    for warning in outcome.warnings:
        logger.warning("%s", warning)
    files = [outcome.wheel if p == wheels[0] else p for p in built]
    return _Built(files=files, repair=outcome.repair, warnings=outcome.warnings)


def _repair_with_command(walk: _Walk, built: list[Path], wheel: Path, identifier: Identifier) -> _Built:
    """``repair-command`` instead of hwb's repair: the user's (or cibuildwheel's) command, with
    the platform's repair tool on PATH; the wheel it writes replaces the backend's."""
    from headless_wheel_builder.build.commands import run_repair_command, tool_on_path
    from headless_wheel_builder.repair.stage import RepairInfo
    from headless_wheel_builder.repair.tools import ensure_tool

    run = walk.run
    tool = {"linux": "auditwheel", "macos": "delocate", "windows": "delvewheel"}[identifier.platform]
    walk.progress.step(f"Repairing {wheel.name}: {run.options.repair_command}")
    with phase(walk.timings, "repair"):
        tool_environ = tool_on_path(ensure_tool(tool, log_file=walk.log_file), tool, run.workdir / "tool-bin")
        repaired = run_repair_command(str(run.options.repair_command), wheel, dest=run.workdir / "repaired",
                                      project=run.tree or run.facts.source.project_dir, environ=walk.environ,
                                      tool_environ=tool_environ, log_file=walk.log_file,
                                      timeout=run.options.timeout)  # fmt: skip
    repair = RepairInfo(tool="repair-command", original=wheel.name, repaired=repaired.name)
    return _Built(files=[repaired if p == wheel else p for p in built], repair=repair)


def _test(walk: _Walk, built: list[Path]) -> tuple[WheelTestResult | None, WheelTestError | None]:
    """The test stage (only with a test command): the wheel in a fresh venv."""
    run = walk.run
    command = run.options.test_command
    wheels = [p for p in built if p.name.endswith(".whl")]
    if not command or not wheels:
        return None, None
    _check_cancel(run)
    walk.progress.step(f"Testing {wheels[0].name}: {command}")
    try:
        with phase(walk.timings, "test"):
            result = test_wheel(run, wheels[0], walk.log_file, environ=walk.environ)
    except WheelTestError as exc:
        return None, exc
    return result, None


def test_wheel(
    run: PipelineRun, wheel: Path, log_file: Path | None, *, environ: Mapping[str, str] | None = None  # noqa: PT028
) -> WheelTestResult:
    """Run ``run``'s test command against ``wheel`` (also one another run built);
    ``environ``: the build's variables (``environment``; None: evaluated here)."""
    from headless_wheel_builder.build.commands import evaluate_environment
    from headless_wheel_builder.build.tester import TestSteps, run_wheel_test

    options = run.options
    if environ is None:
        base = {**epoch_environ(run.facts.epoch), **run.environ}
        environ = evaluate_environment(options.environment, base, workdir=run.workdir / "test-env",
                                       timeout=options.timeout)  # fmt: skip
    steps = TestSteps(extras=options.test_extras, sources=options.test_sources, before=options.before_test,
                      environ=dict(environ or {}))  # fmt: skip
    return run_wheel_test(
        wheel,
        interpreter=run.interpreter,
        command=options.test_command or "",
        requires=options.test_requires,
        project_dir=run.facts.source.project_dir,
        workdir=run.workdir / "test",
        installer=options.installer,
        log_file=log_file,
        timeout=options.timeout,
        steps=steps,
    )


def _artifact(info: ArtifactInfo, path: Path, run: PipelineRun, *, cached: bool) -> BuiltArtifact:
    return BuiltArtifact(
        info=replace(info, path=path.resolve()),
        python=run.interpreter.full_version,
        backend=run.facts.project.backend,
        cached=cached,
    )


def _host_identifier(interpreter: Interpreter) -> Identifier:
    """The identifier of a build for ``interpreter`` on this machine."""
    return Identifier.of(interpreter.target, platform=host_platform(), arch=native_arch(), libc=host_libc())


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
