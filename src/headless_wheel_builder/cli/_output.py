"""How the CLI talks: results to stdout (text or one JSON document), progress and logs to
stderr; a spinner only on a terminal; no control characters when piped; fold groups and a
step summary on GitHub Actions, collapsible sections on GitLab CI."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from headless_wheel_builder._log import RedactingFilter, logger, printable, redact


@dataclass(frozen=True, kw_only=True)
class Style:
    """Global output settings from the command line and the environment."""

    verbose: int = 0
    quiet: bool = False
    json: bool = False
    debug: bool = False
    color: bool = False
    tty: bool = False
    log_format: str = "text"
    ci: str | None = None
    """``github`` or ``gitlab`` when running there (fold groups, step summaries)."""

    @classmethod
    def detect(
        cls,
        *,
        verbose: int,
        quiet: bool,
        as_json: bool,
        debug: bool,
        no_color: bool,
        log_format: str | None = None,
        environ: dict[str, str] | None = None,
    ) -> Style:
        env = dict(os.environ) if environ is None else environ
        tty = sys.stderr.isatty()
        no_color = no_color or "NO_COLOR" in env
        color = not no_color and (tty or bool(env.get("FORCE_COLOR")))
        ci = None
        if env.get("GITHUB_ACTIONS") == "true":
            ci = "github"
        elif env.get("GITLAB_CI") == "true":
            ci = "gitlab"
        fmt = log_format or env.get("HWB_LOG_FORMAT") or "text"
        return cls(
            verbose=verbose,
            quiet=quiet,
            json=as_json,
            debug=debug,
            color=color,
            tty=tty,
            log_format=fmt if fmt in ("text", "json") else "text",
            ci=ci,
        )


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: timestamp, level, event, and any ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "event": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            data.update(fields)
        return json.dumps(data, default=str)


def configure_logging(style: Style) -> None:
    """Route hwb's logger to stderr at the level the flags ask for."""
    if style.debug or style.verbose > 1:
        level = logging.DEBUG
    elif style.verbose or style.log_format == "json":
        level = logging.INFO
    else:
        level = logging.ERROR if style.quiet else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    if style.log_format == "json":
        handler.setFormatter(JsonLogFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False


#: ``--result-file``: where the command's JSON document is also written (see :func:`emit_json`).
RESULT_FILE: list[Path] = []
#: The version of the result file's layout: ``{"schema": RESULT_SCHEMA, "ok": …, "result": …}``
#: where ``result`` is the document ``--json`` prints (a report, or an error).
RESULT_SCHEMA = "hwb-result/1"


def emit_json(data: Any, stream: IO[str] | None = None) -> None:
    """Print one JSON document to stdout (redacted); with ``--result-file`` also write it to
    that file inside a versioned envelope (:data:`RESULT_SCHEMA`), atomically (a reader sees
    all of it or none)."""
    text = json.dumps(data, indent=2, sort_keys=False, default=str)
    (stream or sys.stdout).write(redact(text) + "\n")
    for path in RESULT_FILE:
        ok = bool(data.get("ok", True)) if isinstance(data, dict) else True
        document = {"schema": RESULT_SCHEMA, "ok": ok, "result": data}
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(redact(json.dumps(document, indent=2, default=str)) + "\n", encoding="utf-8")
        tmp.replace(path)


def out(text: str) -> None:
    """A line of human-readable result on stdout (redacted; control characters shown, not
    acted on: the text may come from outside)."""
    sys.stdout.write(printable(redact(text)) + "\n")


def err(text: str) -> None:
    sys.stderr.write(printable(redact(text)) + "\n")
    sys.stderr.flush()


class CliProgress:
    """Implements the library's ``Progress``.

    On a terminal (and not verbose/quiet/json-logging): a rich spinner, finished steps as
    ticked lines.  On GitHub Actions / GitLab CI: each step is a fold group / collapsible
    section.  Otherwise: finished steps as plain lines (none with ``-q``), progress steps only
    with ``-v``; with ``--log-format json`` every step is a JSON log line.
    """

    def __init__(self, style: Style) -> None:
        self.style = style
        self._status: Any = None
        self._console: Any = None
        self._group: str | None = None

    def __enter__(self) -> CliProgress:
        spinner = self.style.tty and not (self.style.verbose or self.style.quiet or self.style.ci)
        if spinner and self.style.log_format == "text":
            from rich.console import Console

            self._console = Console(stderr=True, no_color=not self.style.color, highlight=False)
            self._status = self._console.status("Starting", spinner="dots")
            self._status.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._close_group()
        if self._status is not None:
            self._status.stop()
            self._status = None

    def pause(self) -> None:
        """Stop the spinner (to ask a question on the terminal); the next ``__enter__`` restarts it."""
        self.__exit__(None, None, None)

    def resume(self) -> None:
        """Start the spinner again after :meth:`pause`."""
        self.__enter__()

    def _close_group(self) -> None:
        if self._group is None:
            return
        if self.style.ci == "github":
            err("::endgroup::")
        elif self.style.ci == "gitlab":
            sys.stderr.write(f"\x1b[0Ksection_end:{int(time.time())}:{self._group}\r\x1b[0K\n")
        self._group = None

    def step(self, message: str) -> None:
        message = printable(redact(message))
        if self.style.log_format == "json":
            logger.info("%s", message, extra={"fields": {"kind": "step"}})
        elif self._status is not None:
            from rich.markup import escape  # a project's name is not rich markup

            self._status.update(escape(message))
        elif self.style.ci is not None and not self.style.quiet:
            self._close_group()
            self._group = f"hwb_{int(time.time() * 1000)}"
            if self.style.ci == "github":
                err(f"::group::{message}")
            else:
                sys.stderr.write(
                    f"\x1b[0Ksection_start:{int(time.time())}:{self._group}[collapsed=true]\r\x1b[0K{message}\n"
                )
        elif self.style.verbose:
            err(f"* {message}")

    def done(self, message: str) -> None:
        message = printable(redact(message))
        if self.style.log_format == "json":
            logger.info("%s", message, extra={"fields": {"kind": "done"}})
        elif self._console is not None:
            from rich.markup import escape

            shown = escape(message)
            self._console.print(f"[green]✓[/green] {shown}" if self.style.color else f"✓ {shown}")
        elif not self.style.quiet:
            err(f"* {message}")


def step_summary(report: Any) -> None:
    """On GitHub Actions, append a Markdown table of the built artifacts to the step summary."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path or os.environ.get("GITHUB_ACTIONS") != "true":
        return
    lines = ["### hwb build", "", "| artifact | size | sha256 |", "|---|---:|---|"]
    for artifact in report.artifacts:
        info = artifact.info
        lines.append(f"| `{info.filename}` | {info.size:,} | `{info.sha256[:16]}…` |")
    timings = ", ".join(f"{k} {v:.2f}s" for k, v in report.timings.items())
    lines += ["", f"Timings: {timings}", ""]
    try:
        with open(path, "a", encoding="utf-8") as summary:
            summary.write(redact("\n".join(lines)) + "\n")
    except OSError as exc:
        logger.warning("could not write the step summary %s: %s", path, exc)
