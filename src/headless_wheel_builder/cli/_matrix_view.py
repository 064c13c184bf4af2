"""How a running matrix looks: a live table on a terminal (one row per identifier with its
state and time), plain lines when piped, and the summary at the end.

A row is named after its identifier (the target) while it runs and after what it really
built once it ends (``JobResult.label``: ``py3-none-any (built on cp312)``,
``cp312-linux_x86_64``; docs/MATRIX.md, "Row names")."""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

from headless_wheel_builder.cli._output import err, out

if TYPE_CHECKING:
    from headless_wheel_builder.api import MatrixPlan, MatrixReport
    from headless_wheel_builder.cli._output import CliProgress, Style
    from headless_wheel_builder.matrix.jobs import JobResult, JobState

_COLORS = {
    "queued": "dim",
    "building": "yellow",
    "repairing": "cyan",
    "testing": "blue",
    "ok": "green",
    "failed": "bold red",
    "cancelled": "dim",
}


class _Row:
    def __init__(self) -> None:
        self.state = "queued"
        self.label: str | None = None
        self.message = ""
        self.started: float | None = None
        self.seconds: float | None = None


class MatrixView:
    """Implements the library's ``MatrixObserver``; thread-safe (jobs report from workers).

    The live table starts when a matrix starts (``planned``), ending ``progress`` (the
    spinner of a single build) first: a build that turns out not to be a matrix never shows it."""

    def __init__(self, style: Style, progress: CliProgress | None = None) -> None:
        self.style = style
        self.progress = progress
        self.live_mode = (
            style.tty and not (style.verbose or style.quiet or style.ci) and style.log_format == "text"
        )
        self._rows: dict[str, _Row] = {}
        self._lock = threading.Lock()
        self._live: Any = None

    def __enter__(self) -> MatrixView:
        return self

    def _start(self) -> None:
        if self.progress is not None:
            self.progress.__exit__(None, None, None)
        if self.live_mode and self._live is None:
            from rich.console import Console
            from rich.live import Live

            console = Console(stderr=True, no_color=not self.style.color, highlight=False)
            self._live = Live(
                console=console, refresh_per_second=4, get_renderable=self._table, redirect_stdout=False
            )
            self._live.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._live is not None:
            self._live.refresh()
            self._live.stop()
            self._live = None

    # -- MatrixObserver -----------------------------------------------------------------

    def planned(self, rows: list[str]) -> None:
        self._start()
        with self._lock:
            for name in rows:
                self._rows.setdefault(name, _Row())
        if not self.live_mode and not self.style.quiet:
            err(f"hwb: building {len(rows)} row(s): {', '.join(rows)}")

    def update(self, identifier: str, state: JobState, message: str = "") -> None:
        with self._lock:
            row = self._rows.setdefault(identifier, _Row())
            changed = row.state != state
            row.state, row.message = state, message
            if state not in ("queued", "ok", "failed", "cancelled") and row.started is None:
                row.started = time.monotonic()
        if changed and not self.live_mode and not self.style.quiet and state != "queued":
            err(f"[{identifier}] {state}" + (f": {message}" if message and state == "testing" else ""))

    def finished(self, result: JobResult) -> None:
        with self._lock:
            row = self._rows.setdefault(result.identifier, _Row())
            row.state = result.status
            row.label = result.label
            row.seconds = result.seconds
            row.message = _detail(result)
        if not self.live_mode and (not self.style.quiet or result.status == "failed"):
            built = f"{result.label}: " if result.label != result.identifier else ""
            err(f"[{result.identifier}] {result.status} in {result.seconds:.1f}s: {built}{row.message}")

    # -- rendering ----------------------------------------------------------------------

    def _table(self) -> Any:
        from rich.table import Table

        table = Table(box=None, header_style="bold", pad_edge=False)
        table.add_column("build")
        table.add_column("state")
        table.add_column("time", justify="right")
        table.add_column("", overflow="ellipsis", no_wrap=True, max_width=80)
        now = time.monotonic()
        with self._lock:
            rows = list(self._rows.items())
        for name, row in rows:
            seconds = row.seconds if row.seconds is not None else (now - row.started if row.started else None)
            color = _COLORS.get(row.state, "")
            table.add_row(
                row.label or name,
                f"[{color}]{row.state}[/]" if color else row.state,
                f"{seconds:.1f}s" if seconds is not None else "",
                row.message,
            )
        return table


def _detail(result: JobResult) -> str:
    if result.error is not None:
        return str(result.error)
    parts = list(result.made)
    if result.wheel is not None:
        parts.append(result.wheel.filename)
    if result.covered_by and not result.built:
        parts.append(f"served by {result.covered_by}'s wheel")
    elif result.covered_by:
        same = "different contents" if result.differs else "the same contents"
        parts.append(f"{result.covered_by}'s wheel of this name placed ({same})")
    if result.repair is not None:
        parts.append(f"repaired by {result.repair.tool}")
    if result.test is not None:
        parts.append(f"test {'passed' if result.test.passed else 'failed'}")
    return ", ".join(parts)


def render_report(report: MatrixReport) -> None:
    """The summary on stdout."""
    project = report.plan.project
    done = sum(1 for r in report.results if r.status == "ok")
    out(
        f"{'Built' if report.ok else 'Finished'} {project.name} {project.version or ''}: {done} of "
        f"{len(report.results)} identifier(s) ok in {report.seconds:.1f}s (-j {report.jobs})"
    )
    if report.plan.build_once:
        out(f"  note: {report.plan.build_once}")
    width = max(len(r.label) for r in report.results)
    for result in report.results:
        out(f"  {result.label:<{width}}  {result.status:<9} {result.seconds:6.1f}s  {_detail(result)}")
        for difference in result.differs:
            out(f"  {'':<{width}}  differs: {difference}")
        for warning in result.warnings:
            out(f"  {'':<{width}}  warning: {warning}")
    for skipped in report.plan.skipped:
        out(f"  {skipped.identifier:<{width}}  skipped   {'':>7}  {skipped.reason}")
    if report.sdist is not None:
        out(f"  sdist: {report.sdist.filename}")
    out(f"Manifest: {report.manifest_path}")
    out(f"Checksums: {report.sums_path}")
    if report.other_files:
        out(
            f"  note: they cover this run only, not the {len(report.other_files)} other artifact(s) "
            f"already in {report.outdir}: {', '.join(report.other_files)}"
        )


def render_plan(plan: MatrixPlan) -> None:
    project = plan.project
    count = len(plan.builds)
    if plan.build_once:
        out(f"{project.name} {project.version or ''}: one build serves {count} identifier(s)")
    else:
        out(f"{project.name} {project.version or ''}: {count} identifier(s) to build")
    if plan.build_once:
        out(f"  note: {plan.build_once}")
    width = max(
        [len(str(b.identifier)) for b in plan.builds] + [len(s.identifier) for s in plan.skipped] + [10]
    )
    for build in plan.builds:
        interp, label = build.interpreter, build.identifier.target.label
        where = f"{interp.label}: {interp.executable}" if interp else f"{label}, not installed here"
        out(f"  {build.identifier!s:<{width}}  build    {where}")
    for skipped in plan.skipped:
        out(f"  {skipped.identifier:<{width}}  skip     {skipped.reason}")
