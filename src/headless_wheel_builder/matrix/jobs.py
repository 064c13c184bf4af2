"""One job of the matrix: one run of the build pipeline for one identifier.

Each job has its own folder: its own copy of the unpacked sdist (so no ``build/`` or
``*.egg-info`` is shared), its own build environment, its own test environment and its own
log file.  The pipeline (``build/pipeline.py``) builds, validates, repairs and tests the
wheel, with the wheel cache and ``SOURCE_DATE_EPOCH`` as for any build; the job only turns
its outcome into a :class:`JobResult`.  Failures never stop other jobs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol

from headless_wheel_builder._dirs import new_log_file
from headless_wheel_builder._log import logger, phase
from headless_wheel_builder.artifacts.output import ArtifactInfo, describe
from headless_wheel_builder.build.pipeline import Cancelled, run_pipeline, test_wheel
from headless_wheel_builder.build.plan import BuildOptions, BuildReport, PipelineRun, SourceFacts
from headless_wheel_builder.build.tester import WheelTestResult
from headless_wheel_builder.errors import BuildError, HwbError
from headless_wheel_builder.isolation.python import Interpreter
from headless_wheel_builder.platforms import Identifier
from headless_wheel_builder.repair.stage import RepairInfo

JobState = Literal["queued", "building", "repairing", "testing", "ok", "failed", "cancelled"]
Status = Literal["ok", "failed", "cancelled"]


@dataclass(frozen=True, kw_only=True)
class JobResult:
    identifier: str
    python: str
    status: Status
    built: bool = True
    """False when this leg did not build: the project is known statically to give one wheel,
    built on another leg (``covered_by``)."""
    covered_by: str | None = None
    """The leg whose wheel is placed for this one: it was not built here, or it was and had
    the same file name as that leg's (see ``matrix/rule.py``)."""
    built_on: str | None = None
    """The interpreter (``cp312``) that built this row's wheel: its own leg's, or, when this
    leg did not build, the leg's that did."""
    differs: tuple[str, ...] = ()
    """How this leg's pure wheel differs from the placed one of the same name (field, entry
    or file), when it does."""
    wheel: ArtifactInfo | None = None
    repair: RepairInfo | None = None
    test: WheelTestResult | None = None
    error: HwbError | None = None
    warnings: tuple[str, ...] = ()
    cached: bool = False
    """The wheel was served from the wheel cache."""
    timings: Mapping[str, float] = field(default_factory=dict)
    log_path: Path | None = None
    made: tuple[str, ...] = ()
    """The file names a row that builds no wheel made (the sdist row: its sdist)."""

    @property
    def label(self) -> str:
        """What this row really is, named after its wheel (docs/MATRIX.md, "Row names"):
        ``py3-none-any (built on cp312)``, ``cp312-linux_x86_64`` (not repaired),
        ``cp312-manylinux_2_17_x86_64``, ``cp39-abi3-manylinux_2_17_x86_64``; a leg served by
        another's wheel adds ``for cp39``; a row without a wheel is its identifier."""
        if self.wheel is None:
            return self.identifier
        python, abi, platforms = self.wheel.filename.removesuffix(".whl").split("-")[-3:]
        # Of a compressed tag set (manylinux1_x86_64.manylinux_2_5_x86_64), the PEP 600 name.
        platform = min(platforms.split("."), key=lambda p: not p.startswith(("manylinux_", "musllinux_")))
        name = f"{python}-{platform}" if abi == python else f"{python}-{abi}-{platform}"
        own = self.identifier.split("-", 1)[0]
        notes = []
        if self.built_on and self.built_on != python:
            notes.append(f"built on {self.built_on}")
        if not self.built:
            notes.append(f"for {own}")
        return f"{name} ({', '.join(notes)})" if notes else name

    @property
    def seconds(self) -> float:
        return float(self.timings.get("total", 0.0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "identifier": self.identifier,
            "python": self.python,
            "status": self.status,
            "built": self.built,
            "covered_by": self.covered_by,
            "built_on": self.built_on,
            "label": self.label,
            "differs": list(self.differs),
            "cached": self.cached,
            "filename": self.wheel.filename if self.wheel else None,
            "sha256": self.wheel.sha256 if self.wheel else None,
            "size": self.wheel.size if self.wheel else None,
            "tags": list(self.wheel.tags) if self.wheel else [],
            "repair": self.repair.to_dict() if self.repair else None,
            "test": self.test.to_dict() if self.test else None,
            "error": self.error.to_dict() if self.error else None,
            "warnings": list(self.warnings),
            "timings": dict(self.timings),
            "log": str(self.log_path) if self.log_path else None,
        }


class MatrixObserver(Protocol):
    """What the matrix reports while it runs (the CLI renders it as a live table)."""

    def planned(self, rows: list[str]) -> None:
        """The rows that will be shown, in order (``sdist`` first when one is built)."""

    def update(self, identifier: str, state: JobState, message: str = "") -> None:
        """A row changed state."""

    def finished(self, result: JobResult) -> None:
        """A job ended (ok, failed or cancelled)."""


class NullObserver:
    def planned(self, rows: list[str]) -> None:
        logger.debug("matrix: %s", ", ".join(rows))

    def update(self, identifier: str, state: JobState, message: str = "") -> None:
        logger.debug("%s: %s %s", identifier, state, message)

    def finished(self, result: JobResult) -> None:
        logger.info("%s: %s", result.identifier, result.status)


class RowProgress:
    """The library's Progress protocol, forwarded to one row of the observer."""

    def __init__(self, observer: MatrixObserver, identifier: str, state: JobState) -> None:
        self.observer, self.identifier, self.state = observer, identifier, state

    def step(self, message: str) -> None:
        self.observer.update(self.identifier, self._state(message), message)

    def done(self, message: str) -> None:
        self.observer.update(self.identifier, self._state(message), message)

    def _state(self, message: str) -> JobState:
        if message.startswith(("Checking", "Repaired")):
            return "repairing"
        return "testing" if message.startswith("Testing") else self.state


@dataclass(frozen=True, kw_only=True)
class JobContext:
    """Shared by every job of one matrix run."""

    facts: SourceFacts
    workdir: Path
    tree: Path
    """The unpacked sdist (or the source tree): copied, never built in place."""
    tree_is_sdist: bool
    observer: MatrixObserver
    cancel: threading.Event
    verbose: bool = False
    warned: set[str] = field(default_factory=set)
    """Backend warnings already shown: each is shown once per matrix, labelled with its interpreter."""


def platform_environ(ident: Identifier, *, project_pure: bool | None) -> dict[str, str]:
    """Build variables for ``ident`` (logic only on macOS and Windows, see _apple_windows)."""
    if ident.platform == "macos":
        from headless_wheel_builder.repair._apple_windows import macos_build_environ

        return macos_build_environ(ident.arch)
    if ident.platform == "windows" and project_pure is not True:
        from headless_wheel_builder.repair._apple_windows import detect_msvc

        msvc = detect_msvc()
        if not msvc.found:
            logger.warning(
                "%s: no MSVC found (%s); C extensions will not compile: %s", ident, msvc.how, msvc.hint
            )
    return {}


def _run(ctx: JobContext, ident: Identifier, interpreter: Interpreter, options: BuildOptions) -> PipelineRun:
    name = str(ident)
    return PipelineRun(
        facts=ctx.facts,
        options=replace(options, distributions=("wheel",), verbose=ctx.verbose),
        interpreter=interpreter,
        workdir=ctx.workdir / "jobs" / name,
        tree=ctx.tree,
        tree_is_sdist=ctx.tree_is_sdist,
        identifier=ident,
        environ=platform_environ(ident, project_pure=ctx.facts.project.pure),
        place=False,
        cancel=ctx.cancel,
        log_name=f"{ctx.facts.project.name or 'project'}-{name}",
        warned=ctx.warned,
    )


def run_build_job(
    ctx: JobContext, ident: Identifier, interpreter: Interpreter, options: BuildOptions
) -> tuple[JobResult, Path | None]:
    """One pipeline run for ``ident``; returns the result and the staged wheel (None on
    failure; a wheel whose test failed still serves the identifiers it covers)."""
    name = str(ident)
    start = time.perf_counter()
    ctx.observer.update(name, "building", "")
    try:
        run = _run(ctx, ident, interpreter, options)
        report = run_pipeline(run, RowProgress(ctx.observer, name, "building"))
    except Cancelled:
        return _ended(name, interpreter, "cancelled", start), None
    except (HwbError, OSError) as exc:
        return _ended(name, interpreter, "failed", start, error=_as_error(exc, name)), None
    wheel = report.artifacts[0].info
    result = JobResult(
        identifier=name,
        python=interpreter.full_version,
        status="failed" if report.test_error else "ok",
        wheel=wheel,
        repair=report.repair,
        test=report.test,
        error=report.test_error,
        warnings=report.warnings,
        cached=report.cached,
        built_on=ident.python_tag,
        timings={**report.timings, "total": round(time.perf_counter() - start, 3)},
        log_path=report.log_path,
    )
    return result, wheel.path


def _ended(name: str, interpreter: Interpreter, status: Status, start: float, *,
           error: HwbError | None = None) -> JobResult:  # fmt: skip
    return JobResult(identifier=name, python=interpreter.full_version, status=status, error=error,
                     log_path=error.log_path if error else None,
                     timings={"total": round(time.perf_counter() - start, 3)})  # fmt: skip


def _as_error(exc: HwbError | OSError, name: str) -> HwbError:
    if isinstance(exc, HwbError):
        return exc
    return BuildError(f"building {name} failed", why=f"{exc.strerror or exc}: {exc.filename or ''}")


def run_test_job(
    ctx: JobContext,
    ident: Identifier,
    interpreter: Interpreter,
    options: BuildOptions,
    wheel: Path,
    covered_by: str,
    built_on: str,
) -> JobResult:
    """For an identifier served by another identifier's wheel: the test stage alone, here."""
    name = str(ident)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    test: WheelTestResult | None = None
    error: HwbError | None = None
    status: Status = "ok"
    label = f"{ctx.facts.project.name or 'project'}-{name}-test"
    log_file = new_log_file(label) if options.test_command else None
    try:
        if options.test_command:
            if ctx.cancel.is_set():
                raise Cancelled
            ctx.observer.update(name, "testing", f"{wheel.name} (built by {covered_by})")
            with phase(timings, "test"):
                test = test_wheel(_run(ctx, ident, interpreter, options), wheel, log_file)
    except Cancelled:
        status = "cancelled"
    except HwbError as exc:
        status, error = "failed", exc
    timings["total"] = round(time.perf_counter() - start, 3)
    return JobResult(identifier=name, python=interpreter.full_version, status=status, built=False,
                     covered_by=covered_by, built_on=built_on, wheel=describe(wheel), test=test, error=error,
                     timings=timings, log_path=log_file)  # fmt: skip


def build_outcome(report: BuildReport) -> JobResult:
    """The sdist row of the matrix table for the run that built the sdist."""
    return JobResult(
        identifier="sdist",
        python=report.interpreter.full_version,
        status="ok",
        wheel=None,
        cached=report.cached,
        timings={"total": round(sum(report.timings.values()), 3)},
        log_path=report.log_path,
        made=tuple(a.info.filename for a in report.artifacts),
    )
