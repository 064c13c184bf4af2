"""One job of the matrix: build a wheel for one identifier, repair it, check it, test it.

Each job has its own folder: its own copy of the unpacked sdist (so no ``build/`` or
``*.egg-info`` is shared), its own build environment, its own test environment and its own
log file.  Failures become a :class:`JobResult` with the error; they never stop other jobs.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol

from headless_wheel_builder._log import logger, new_log_file, phase
from headless_wheel_builder._proc import HookRunner
from headless_wheel_builder.artifacts.output import ArtifactInfo, describe, validate
from headless_wheel_builder.build.pep517 import HookSession
from headless_wheel_builder.build.pipeline import BuildOptions
from headless_wheel_builder.build.tester import WheelTestResult, run_wheel_test
from headless_wheel_builder.errors import BuildError, HwbError, RepairError, ValidationError, WheelTestError
from headless_wheel_builder.isolation.python import Interpreter
from headless_wheel_builder.platforms import Identifier, host_platform, parse_policy
from headless_wheel_builder.repair.platform import (
    AuditwheelRepairer,
    RepairContext,
    Repairer,
    RepairMode,
    abi3_audit,
    check_final_tags,
    needs_repair,
)
from headless_wheel_builder.repair.tools import ToolEnv, ensure_tool

JobState = Literal["queued", "building", "repairing", "testing", "ok", "failed", "cancelled"]
Status = Literal["ok", "failed", "cancelled"]


@dataclass(frozen=True, kw_only=True)
class JobSettings:
    """What may differ per identifier (``[[tool.hwb.overrides]]`` apply here)."""

    build: BuildOptions = field(default_factory=BuildOptions)
    repair: RepairMode = "auto"
    manylinux: str | None = None
    test_command: str | None = None
    test_requires: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RepairInfo:
    tool: str
    original: str
    repaired: str

    def to_dict(self) -> dict[str, str]:
        return {"tool": self.tool, "from": self.original, "to": self.repaired}


@dataclass(frozen=True, kw_only=True)
class JobResult:
    identifier: str
    python: str
    status: Status
    built: bool = True
    """False when another identifier's wheel serves this one (pure or abi3)."""
    covered_by: str | None = None
    wheel: ArtifactInfo | None = None
    repair: RepairInfo | None = None
    test: WheelTestResult | None = None
    error: HwbError | None = None
    warnings: tuple[str, ...] = ()
    timings: Mapping[str, float] = field(default_factory=dict)
    log_path: Path | None = None

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


class _RowProgress:
    """The library's Progress protocol, forwarded to one row of the observer."""

    def __init__(self, observer: MatrixObserver, identifier: str, state: JobState) -> None:
        self.observer, self.identifier, self.state = observer, identifier, state

    def step(self, message: str) -> None:
        self.observer.update(self.identifier, self.state, message)

    def done(self, message: str) -> None:
        self.observer.update(self.identifier, self.state, message)


class Tools:
    """Repair tools, installed on first use (one at a time, shared by all jobs)."""

    def __init__(self, factory: Callable[[str], ToolEnv] = ensure_tool) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._made: dict[str, ToolEnv] = {}

    def get(self, name: str) -> ToolEnv:
        with self._lock:
            if name not in self._made:
                self._made[name] = self._factory(name)
            return self._made[name]


@dataclass(frozen=True, kw_only=True)
class JobContext:
    """Shared by every job of one matrix run."""

    workdir: Path
    tree: Path
    """The unpacked sdist (or the source tree): copied, never built in place."""
    project_dir: Path
    """What ``{project}`` means in the test command."""
    project_name: str
    project_pure: bool | None
    observer: MatrixObserver
    cancel: threading.Event
    tools: Tools
    verbose: bool = False


def repairer_for(ident: Identifier, settings: JobSettings, tools: Tools) -> Repairer:
    if ident.platform == "linux":
        policy = parse_policy(settings.manylinux, libc=ident.libc) if settings.manylinux else None
        return AuditwheelRepairer(tools.get("auditwheel"), policy=policy, arch=ident.arch, libc=ident.libc)
    from headless_wheel_builder.repair._apple_windows import DelocateRepairer, DelvewheelRepairer

    if ident.platform == "macos":
        return DelocateRepairer(tools.get("delocate"), arch=ident.arch)
    return DelvewheelRepairer(tools.get("delvewheel"))


def with_environ(runner: HookRunner, environ: Mapping[str, str]) -> HookRunner:
    """A hook runner that adds ``environ`` to every backend process (the caller's wins)."""

    def _runner(
        cmd: Sequence[str], cwd: str | None = None, extra_environ: Mapping[str, str] | None = None
    ) -> None:
        runner(cmd, cwd, {**environ, **(extra_environ or {})})

    return _runner


class _PlatformSession(HookSession):
    """A HookSession whose backend processes also get the platform's build variables
    (macOS: ``MACOSX_DEPLOYMENT_TARGET``, ``ARCHFLAGS``)."""

    def __init__(self, *, environ: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if environ:
            # pyproject-hooks takes the runner when each ProjectBuilder is made.
            self._runner = with_environ(self._runner, environ)


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


def _copy_tree(src: Path, dest: Path) -> Path:
    top_ignored = {"build", ".tox", ".nox", ".venv", "wheelhouse"}

    def ignore(folder: str, names: list[str]) -> set[str]:
        skip = {n for n in names if n == "__pycache__"}
        if Path(folder) == src:
            skip |= {n for n in names if n in top_ignored or n.endswith(".egg-info")}
        return skip

    shutil.copytree(src, dest, symlinks=True, ignore=ignore)
    return dest


def run_build_job(
    ctx: JobContext, ident: Identifier, interpreter: Interpreter, settings: JobSettings
) -> tuple[JobResult, Path | None]:
    """Build, repair, check and test the wheel of ``ident``; returns the result and the
    staged wheel (None on failure)."""
    name = str(ident)
    folder = ctx.workdir / "jobs" / name
    timings: dict[str, float] = {}
    log_file = new_log_file(f"{ctx.project_name}-{name}")
    start = time.perf_counter()
    warnings: list[str] = []
    repair: RepairInfo | None = None
    test: WheelTestResult | None = None
    staged: Path | None = None
    try:
        ctx.observer.update(name, "building", "copying the sources")
        with phase(timings, "copy"):
            source = _copy_tree(ctx.tree, folder / "src")
        options = replace(settings.build, verbose=ctx.verbose)
        session = _PlatformSession(
            environ=platform_environ(ident, project_pure=ctx.project_pure),
            workdir=folder / "envs",
            interpreter=interpreter,
            options=options,
            log_file=log_file,
            progress=_RowProgress(ctx.observer, name, "building"),
            timings=timings,
        )
        wheel = session.build("wheel", source, folder / "wheel")
        problems = [p for p in validate(wheel) if p.severity == "error"]
        if problems:
            raise ValidationError(
                "the backend produced an invalid wheel",
                why="; ".join(str(p) for p in problems[:10]),
                hint=f"`hwb check {wheel.name}` gives the full list",
            )
        _check_cancel(ctx)
        if needs_repair(wheel, ident.platform, settings.repair) and ident.platform == host_platform():
            ctx.observer.update(name, "repairing", "")
            with phase(timings, "repair"):
                repairer = repairer_for(ident, settings, ctx.tools)
                repaired = repairer.repair(wheel, RepairContext(dest=folder / "repaired", log_file=log_file))
            repair = RepairInfo(tool=repairer.name, original=wheel.name, repaired=repaired.name)
            wheel = repaired
        policy = parse_policy(settings.manylinux, libc=ident.libc) if settings.manylinux else None
        warnings += check_final_tags(
            wheel, ident.platform, policy=policy, allow_unrepaired=settings.repair == "never"
        )
        with phase(timings, "repair"):
            abi3_audit(wheel, log_file=log_file)
        staged = wheel
        if settings.test_command:
            _check_cancel(ctx)
            ctx.observer.update(name, "testing", settings.test_command)
            with phase(timings, "test"):
                test = _test(ctx, wheel, interpreter, settings, folder, log_file)
        status: Status = "ok"
        error: HwbError | None = None
    except _Cancelled:
        status, error, staged = "cancelled", None, None
    except HwbError as exc:
        # A wheel whose test failed is still a good wheel for the identifiers it serves.
        status, error = "failed", exc
        staged = staged if isinstance(exc, WheelTestError) else None
        if exc.log_path is None:
            exc.log_path = log_file
    except OSError as exc:
        status, staged = "failed", None
        error = BuildError(f"building {name} failed", why=f"{exc.strerror or exc}: {exc.filename or ''}")
        error.log_path = log_file
    timings["total"] = round(time.perf_counter() - start, 3)
    result = JobResult(
        identifier=name,
        python=interpreter.full_version,
        status=status,
        wheel=describe(staged) if staged else None,
        repair=repair,
        test=test,
        error=error,
        warnings=tuple(warnings),
        timings=timings,
        log_path=log_file,
    )
    return result, staged


def run_test_job(
    ctx: JobContext,
    ident: Identifier,
    interpreter: Interpreter,
    settings: JobSettings,
    wheel: Path,
    covered_by: str,
) -> JobResult:
    """For an identifier served by another identifier's wheel: test that wheel here."""
    name = str(ident)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    log_file = new_log_file(f"{ctx.project_name}-{name}-test")
    test: WheelTestResult | None = None
    error: HwbError | None = None
    status: Status = "ok"
    try:
        if settings.test_command:
            _check_cancel(ctx)
            ctx.observer.update(name, "testing", f"{wheel.name} (built by {covered_by})")
            with phase(timings, "test"):
                test = _test(ctx, wheel, interpreter, settings, ctx.workdir / "jobs" / name, log_file)
    except _Cancelled:
        status = "cancelled"
    except HwbError as exc:
        status, error = "failed", exc
    timings["total"] = round(time.perf_counter() - start, 3)
    return JobResult(
        identifier=name,
        python=interpreter.full_version,
        status=status,
        built=False,
        covered_by=covered_by,
        wheel=describe(wheel),
        test=test,
        error=error,
        timings=timings,
        log_path=log_file if settings.test_command else None,
    )


def _test(
    ctx: JobContext,
    wheel: Path,
    interpreter: Interpreter,
    settings: JobSettings,
    folder: Path,
    log_file: Path,
) -> WheelTestResult:
    return run_wheel_test(
        wheel,
        interpreter=interpreter,
        command=settings.test_command or "",
        requires=settings.test_requires,
        project_dir=ctx.project_dir,
        workdir=folder / "test",
        installer=settings.build.installer,
        log_file=log_file,
        timeout=settings.build.timeout,
    )


class _Cancelled(Exception):
    pass


def _check_cancel(ctx: JobContext) -> None:
    if ctx.cancel.is_set():
        raise _Cancelled


def ensure_repairable(ident: Identifier, settings: JobSettings) -> None:
    """Fail early (before any build) on an unknown policy."""
    if settings.manylinux and ident.platform == "linux":
        parse_policy(settings.manylinux, libc=ident.libc)
    if settings.repair not in ("auto", "always", "never"):
        raise RepairError(f"unknown repair mode {settings.repair!r}", why="expected auto, always or never")
