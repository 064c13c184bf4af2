"""Schedule a build matrix: one sdist, built once, then one run of the build pipeline per
identifier, in parallel.

1. The source stage runs once (``build.pipeline.prepare_source``: resolve, analyse, pin
   ``SOURCE_DATE_EPOCH``); :func:`~.plan.make_plan` picks the identifiers.
2. The sdist is built once, by the pipeline (unless the source is an sdist, or only wheels
   were asked for).
3. Jobs run on ``jobs`` worker threads (each job's work is in subprocesses); each job is one
   pipeline run (``matrix/jobs.py``), so it is built, validated, repaired, tested and served
   from or stored in the wheel cache like any build.  Every leg builds (``matrix/rule.py``):
   only a project known statically to give one ``py3-none-any`` wheel is built once, on the
   newest interpreter, and the other legs are only tested with that wheel.  When every leg
   has ended, ``rule.reconcile`` keeps one wheel per file name, in plan order (so the result
   does not depend on ``-j``), naming how same-named pure wheels differ.
4. A failure does not stop the other jobs unless ``fail_fast``; the successful wheels, the
   sdist, ``hwb-manifest.json`` and ``SHA256SUMS`` are placed in the output folder.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from packaging.utils import parse_wheel_filename

from headless_wheel_builder._log import logger, redact
from headless_wheel_builder.artifacts.manifest import (
    MANIFEST_NAME,
    MANIFEST_SCHEMA,
    SUMS_NAME,
    write_manifest,
    write_sha256sums,
)
from headless_wheel_builder.artifacts.output import ArtifactInfo, check_outdir, describe, place_artifacts
from headless_wheel_builder.build._reproducible import effective_epoch
from headless_wheel_builder.build.pep517 import cannot_build_sdist
from headless_wheel_builder.build.pipeline import interruptible, prepare_source, run_pipeline
from headless_wheel_builder.build.plan import BuildOptions, PipelineRun, SourceFacts
from headless_wheel_builder.build.workspace import workspace
from headless_wheel_builder.errors import BackendError, MatrixError, UsageError
from headless_wheel_builder.matrix.jobs import (
    JobContext,
    JobResult,
    MatrixObserver,
    NullObserver,
    RowProgress,
    build_outcome,
    run_build_job,
    run_test_job,
)
from headless_wheel_builder.matrix.plan import (
    MatrixOptions,
    MatrixPlan,
    PlannedBuild,
    make_plan,
    newest,
    newest_key,
)
from headless_wheel_builder.matrix.rule import reconcile
from headless_wheel_builder.repair.stage import check_repairable
from headless_wheel_builder.source.source import ResolvedSource, extract_archive


@dataclass(frozen=True, kw_only=True)
class MatrixReport:
    source: ResolvedSource
    plan: MatrixPlan
    sdist: ArtifactInfo | None
    results: tuple[JobResult, ...]
    outdir: Path
    manifest_path: Path
    sums_path: Path
    jobs: int
    seconds: float
    source_date_epoch: str | None = None
    other_files: tuple[str, ...] = ()
    """Artifacts in ``outdir`` from earlier runs: the manifest and ``SHA256SUMS`` cover this
    run only, so these are not in them."""

    @property
    def ok(self) -> bool:
        return all(r.status == "ok" for r in self.results)

    @property
    def failed(self) -> tuple[JobResult, ...]:
        return tuple(r for r in self.results if r.status != "ok")

    @property
    def wheels(self) -> tuple[ArtifactInfo, ...]:
        seen: dict[str, ArtifactInfo] = {}
        for result in self.results:
            if result.status == "ok" and result.wheel is not None:
                seen.setdefault(result.wheel.filename, result.wheel)
        return tuple(seen.values())

    @property
    def files(self) -> tuple[Path, ...]:
        """The placed sdist and wheels."""
        return tuple(a.path for a in ((self.sdist,) if self.sdist else ()) + self.wheels)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": MANIFEST_SCHEMA,
            "ok": self.ok,
            "project": {"name": self.plan.project.name, "version": self.plan.project.version},
            "source": {"kind": self.source.kind, "spec": redact(self.source.spec)},
            "source_date_epoch": self.source_date_epoch,
            "build_once": self.plan.build_once,
            "jobs": self.jobs,
            "seconds": round(self.seconds, 3),
            "sdist": self.sdist.to_dict() if self.sdist else None,
            "builds": [r.to_dict() for r in self.results],
            "skipped": [s.to_dict() for s in self.plan.skipped],
            "manifest": str(self.manifest_path),
            "sha256sums": str(self.sums_path),
            "covers": "this run",
            "other_files": list(self.other_files),
        }

    def failure(self) -> MatrixError | None:
        """The MatrixError naming every identifier that did not end ``ok`` (None if all did).

        Its details start with each failed identifier's own details (the last lines of the
        backend or of the test command), as a single build shows them."""
        if self.ok:
            return None
        tails, lines = [], []
        for result in self.failed:
            why = str(result.error) if result.error else result.status
            log = f" (log: {result.log_path})" if result.log_path and result.error else ""
            lines.append(f"  {result.identifier}: {why}{log}")
            if result.error is not None and result.error.details:
                tails.append(f"--- {result.identifier} ---\n{result.error.details.rstrip()}")
        bad, total = len(self.failed), len(self.results)
        return MatrixError(
            f"{bad} of {total} build{'s' if total != 1 else ''} did not succeed",
            why=", ".join(r.identifier for r in self.failed),
            hint=("the last lines of each failed build are above; " if tails else "")
            + f"the per-job logs have the details; {MANIFEST_NAME} in {self.outdir} lists every result",
            details="\n".join([*tails, *lines]),
        )

    def raise_for_failures(self) -> None:
        """Raise :meth:`failure`, if any."""
        error = self.failure()
        if error is not None:
            raise error


def _is_pure(wheel: Path) -> bool:
    """A wheel every Python 3 installs: ``py3-none-any`` (or ``py2.py3``)."""
    _, _, _, tags = parse_wheel_filename(wheel.name)
    return all(tag.abi == "none" and tag.platform == "any" and tag.interpreter.startswith("py")
               for tag in tags)  # fmt: skip


def plan_matrix(
    source: str | os.PathLike[str] | ResolvedSource, options: MatrixOptions, *, local: bool = False
) -> MatrixPlan:
    """What :func:`build_matrix` would build (``local``) or what CI runners should build."""
    with workspace("hwb-plan-") as workdir:
        facts = prepare_source(_spec(source), options.job, workdir)
        return make_plan(facts.project, options, local=local)


def _spec(source: str | os.PathLike[str] | ResolvedSource) -> str | ResolvedSource:
    return source if isinstance(source, ResolvedSource) else os.fspath(source)


def build_matrix(
    source: str | os.PathLike[str] | ResolvedSource,
    options: MatrixOptions,
    observer: MatrixObserver | None = None,
) -> MatrixReport:
    """Build every identifier the options select; see the module docstring."""
    observer = observer or NullObserver()
    start = time.perf_counter()
    base = options.job
    if "editable" in base.distributions:
        raise UsageError("a build matrix cannot build editable wheels", hint="drop --editable")
    check_outdir(base.outdir)
    with interruptible("matrix"), workspace("hwb-matrix-") as workdir:
        facts = prepare_source(_spec(source), base, workdir)
        plan = make_plan(facts.project, options, local=True)
        if not plan.builds:
            raise plan.nothing_to_build()
        settings = {str(b.identifier): options.settings_for(str(b.identifier)) for b in plan.builds}
        for build in plan.builds:
            job = settings[str(build.identifier)]
            check_repairable(build.identifier, job.repair or "auto", job.manylinux)
        resolved = facts.source
        with_sdist = not resolved.is_sdist and (not base.distributions or "sdist" in base.distributions)
        observer.planned((["sdist"] if with_sdist else []) + [str(b.identifier) for b in plan.builds])
        warned: set[str] = set()  # backend warnings: shown once per matrix, with their interpreter
        staged_sdist, tree = (
            _sdist(facts, plan, base, observer, workdir, warned)
            if with_sdist
            else (None, resolved.project_dir)
        )
        jobs = max(1, options.jobs or os.cpu_count() or 1)
        ctx = JobContext(
            facts=facts,
            workdir=workdir,
            tree=tree,
            tree_is_sdist=staged_sdist is not None or resolved.is_sdist,
            observer=observer,
            cancel=threading.Event(),
            verbose=base.verbose and jobs == 1,
            warned=warned,
        )
        results, staged = _Scheduler(ctx, plan, settings, jobs, options.fail_fast, observer).run()
        return _finish(facts, plan, results, staged, staged_sdist, base.outdir, jobs, start)


def _sdist(
    facts: SourceFacts,
    plan: MatrixPlan,
    options: BuildOptions,
    observer: MatrixObserver,
    workdir: Path,
    warned: set[str],
) -> tuple[Path | None, Path]:
    """Build the sdist once (a pipeline run); return it and the unpacked tree the wheels are
    built from."""
    interpreter = newest(plan.builds).interpreter  # the newest metadata, as `python -m build`
    assert interpreter is not None
    observer.update("sdist", "building", "")
    run = PipelineRun(
        facts=facts,
        options=replace(options, distributions=("sdist",), repair=None, test_command=None),
        interpreter=interpreter,
        workdir=workdir / "sdist-run",
        place=False,
        log_name=f"{plan.project.name or 'project'}-sdist",
        warned=warned,
    )
    try:
        report = run_pipeline(run, RowProgress(observer, "sdist", "building"))
    except BackendError as exc:
        if not cannot_build_sdist(exc):
            raise
        logger.warning("the backend cannot build an sdist; building the wheels from the source tree")
        observer.update("sdist", "cancelled", "the backend cannot build one")
        return None, facts.source.project_dir
    observer.finished(build_outcome(report))
    sdist = report.artifacts[0].info.path
    return sdist, extract_archive(sdist, workdir / "sdist-tree")


class _Scheduler:
    """The main thread hands jobs to ``jobs`` workers and reacts to each result."""

    def __init__(
        self,
        ctx: JobContext,
        plan: MatrixPlan,
        settings: dict[str, BuildOptions],
        jobs: int,
        fail_fast: bool,
        observer: MatrixObserver,
    ) -> None:
        self.ctx, self.plan, self.settings, self.jobs = ctx, plan, settings, jobs
        self.fail_fast, self.observer = fail_fast, observer
        self.results: dict[str, JobResult] = {}
        self.staged: dict[str, Path] = {}
        # A project known statically to give one wheel is built alone first, with the newest
        # interpreter (a newer backend may write newer metadata); every other leg builds.
        order = list(plan.builds)
        if plan.build_once:
            order.insert(0, order.pop(order.index(newest(plan.builds))))
        self.pending: deque[tuple[PlannedBuild, tuple[Path, str, str] | None]] = deque(
            (b, None) for b in order
        )
        self.probe = len(plan.builds) > 1 and plan.build_once is not None

    def run(self) -> tuple[list[JobResult], dict[str, Path]]:
        for build, _ in self.pending:
            self.observer.update(str(build.identifier), "queued", "")
        running: dict[Future[JobResult], PlannedBuild] = {}
        stopping = False
        with ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="hwb-job") as pool:
            try:
                while self.pending or running:
                    limit = 1 if self.probe else self.jobs
                    while self.pending and len(running) < limit and not stopping:
                        build, covered = self.pending.popleft()
                        running[pool.submit(self._run, build, covered)] = build
                    if not running:
                        break
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        build = running.pop(future)
                        result = future.result()
                        self._record(build, result)
                        if result.status == "failed" and self.fail_fast and not stopping:
                            stopping = True
                            self.ctx.cancel.set()
                    self.probe = False
            except BaseException:
                self.ctx.cancel.set()
                raise
        for build, _ in self.pending:
            self._record(build, JobResult(identifier=str(build.identifier), python=build.identifier.python,
                                          status="cancelled"))  # fmt: skip
        # Plan order, oldest interpreter first by newest()'s measure (CPython with the GIL above
        # PyPy and free-threaded builds), so "the newest" of a file name is newest()'s choice.
        by_age = sorted(self.plan.builds, key=newest_key)
        ordered = [self.results[str(b.identifier)] for b in by_age]
        placed = {r.identifier: r for r in reconcile(ordered, self.staged)}
        return [placed[str(b.identifier)] for b in self.plan.builds], self.staged

    def _run(self, build: PlannedBuild, covered: tuple[Path, str, str] | None) -> JobResult:
        assert build.interpreter is not None
        settings = self.settings[str(build.identifier)]
        if covered is not None:
            return run_test_job(self.ctx, build.identifier, build.interpreter, settings, *covered)
        result, staged = run_build_job(self.ctx, build.identifier, build.interpreter, settings)
        if staged is not None:
            self.staged[str(build.identifier)] = staged
        return result

    def _record(self, build: PlannedBuild, result: JobResult) -> None:
        self.results[result.identifier] = result
        self.observer.finished(result)
        staged = self.staged.get(result.identifier)
        if staged is None or not result.built or not self.plan.build_once:
            return
        if not _is_pure(staged):
            logger.warning("%s: built %s, not a pure wheel: every leg builds", result.identifier, staged.name)
            return
        # The one wheel of a project known to give one: the legs still waiting are only tested with it.
        keep: deque[tuple[PlannedBuild, tuple[Path, str, str] | None]] = deque()
        for other, covered in self.pending:
            if covered is None:
                logger.info("%s: served by %s (%s)", other.identifier, result.identifier, staged.name)
                self.observer.update(str(other.identifier), "queued", f"served by {staged.name}")
                keep.append((other, (staged, result.identifier, build.identifier.python_tag)))
            else:
                keep.append((other, covered))
        self.pending = keep


def _finish(
    facts: SourceFacts,
    plan: MatrixPlan,
    results: list[JobResult],
    staged: dict[str, Path],
    sdist: Path | None,
    outdir: Path,
    jobs: int,
    start: float,
) -> MatrixReport:
    wanted = [staged[r.identifier] for r in results if r.status == "ok" and r.built and not r.covered_by
              and r.identifier in staged]  # fmt: skip
    files = ([sdist] if sdist else []) + sorted(wanted, key=lambda p: p.name)
    finals = dict(zip(files, place_artifacts(files, outdir), strict=True))
    final_info = {path.name: describe(path) for path in finals.values()}
    _remove_unrepaired(results, outdir)
    placed = []
    for result in results:
        if result.wheel is not None and result.status == "ok" and result.wheel.filename in final_info:
            placed.append(replace(result, wheel=final_info[result.wheel.filename]))
        elif result.status != "ok":
            placed.append(replace(result, wheel=None))
        else:
            placed.append(result)
    sdist_info = final_info[sdist.name] if sdist else None
    entries = [(info.filename, info.sha256) for info in final_info.values()]
    others = tuple(
        sorted(
            p.name
            for p in outdir.iterdir()
            if p.is_file() and _is_artifact(p.name) and p.name not in final_info
        )
    )
    report = MatrixReport(
        source=facts.source,
        source_date_epoch=effective_epoch(facts.epoch),
        plan=plan,
        sdist=sdist_info,
        results=tuple(placed),
        outdir=outdir,
        manifest_path=outdir / MANIFEST_NAME,
        sums_path=outdir / SUMS_NAME,
        jobs=jobs,
        seconds=time.perf_counter() - start,
        other_files=others,
    )
    write_sha256sums(outdir, entries)
    write_manifest(outdir, report.to_dict())
    return report


def _is_artifact(name: str) -> bool:
    return not name.startswith(".") and name.endswith((".whl", ".tar.gz", ".zip"))


def _remove_unrepaired(results: list[JobResult], outdir: Path) -> None:
    """A repaired wheel replaces the plain ``linux_*`` wheel of an earlier build in ``outdir``."""
    for result in results:
        if result.status != "ok" or result.repair is None:
            continue
        stale = outdir / result.repair.original
        if stale.name != result.repair.repaired and stale.is_file():
            logger.warning("removing %s: replaced by the repaired %s", stale.name, result.repair.repaired)
            stale.unlink(missing_ok=True)
