"""How the CLI talks: results to stdout (text or one JSON document), progress and logs to
stderr, a spinner only on a terminal, no control characters when piped."""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass
from types import TracebackType
from typing import IO, Any

from headless_wheel_builder._log import RedactingFilter, logger, redact


@dataclass(frozen=True, kw_only=True)
class Style:
    """Global output settings from the command line and the environment."""

    verbose: int = 0
    quiet: bool = False
    json: bool = False
    debug: bool = False
    color: bool = False
    tty: bool = False

    @classmethod
    def detect(cls, *, verbose: int, quiet: bool, as_json: bool, debug: bool, no_color: bool) -> Style:
        tty = sys.stderr.isatty()
        color = tty and not no_color and "NO_COLOR" not in os.environ
        if os.environ.get("FORCE_COLOR") and not no_color and "NO_COLOR" not in os.environ:
            color = True
        return cls(verbose=verbose, quiet=quiet, json=as_json, debug=debug, color=color, tty=tty)


def configure_logging(style: Style) -> None:
    """Route hwb's logger to stderr at the level the flags ask for."""
    level = (
        logging.DEBUG
        if style.debug or style.verbose > 1
        else (logging.INFO if style.verbose else (logging.ERROR if style.quiet else logging.WARNING))
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False


def emit_json(data: Any, stream: IO[str] | None = None) -> None:
    """Print one JSON document to stdout (redacted)."""
    text = json.dumps(data, indent=2, sort_keys=False, default=str)
    (stream or sys.stdout).write(redact(text) + "\n")


def out(text: str) -> None:
    """A line of human-readable result on stdout."""
    sys.stdout.write(redact(text) + "\n")


def err(text: str) -> None:
    sys.stderr.write(redact(text) + "\n")
    sys.stderr.flush()


class CliProgress:
    """Implements the library's ``Progress``: a rich spinner on a terminal, plain lines in
    verbose mode, the finished steps as plain lines otherwise (none with ``-q``)."""

    def __init__(self, style: Style) -> None:
        self.style = style
        self._status: Any = None
        self._console: Any = None

    def __enter__(self) -> CliProgress:
        if self.style.tty and not self.style.verbose and not self.style.quiet:
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
        if self._status is not None:
            self._status.stop()
            self._status = None

    def step(self, message: str) -> None:
        message = redact(message)
        if self._status is not None:
            self._status.update(message)
        elif self.style.verbose:
            err(f"* {message}")

    def done(self, message: str) -> None:
        message = redact(message)
        if self._console is not None:
            self._console.print(f"[green]✓[/green] {message}" if self.style.color else f"✓ {message}")
        elif not self.style.quiet:
            err(f"* {message}")
