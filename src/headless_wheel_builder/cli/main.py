"""The ``hwb`` command: parse, call the library, render.  No business logic here.

Command modules are imported only when their command runs, so ``hwb --version`` and
``hwb --help`` import nothing heavy.
"""

from __future__ import annotations

import sys
import time

#: When hwb's own code started (after the interpreter's start-up): ``--timings`` counts hwb's
#: start-up (imports, arguments, configuration) from here.
STARTED = time.perf_counter()

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Collection, Sequence
    from typing import Any

    from headless_wheel_builder.cli._output import Style
    from headless_wheel_builder.errors import HwbError

#: command name -> (module under headless_wheel_builder.cli, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("build", "build wheels and sdists from a folder, an sdist/zip or a git URL"),
    "inspect": ("inspect", "show what a project is and how hwb would build it"),
    "matrix": ("matrix", "list the build identifiers a matrix would build (--format github for CI fan-out)"),
    "check": ("check", "validate wheels and sdists (metadata, RECORD, README, contents)"),
    "init": ("init", "write a pyproject.toml for plain code, or migrate setup.py/setup.cfg to it"),
    "publish": ("publish", "upload wheels and sdists to PyPI or a private registry (skip-existing, retries)"),
    "config": ("config", "show the effective configuration and where each value comes from"),
    "index": ("index", "write a static pip-installable index (PEP 503/691/658) for a folder of dists"),
    "yank": ("yank", "yank or un-yank a release in an s3:// index that hwb publishes to"),
    "delete": ("delete", "delete a release or a file from an s3:// index (prefer yank: lock files break)"),
    "version": ("version", "show, compute or bump the version from Conventional Commits; lint messages"),
    "changelog": ("changelog", "write the changelog from Conventional Commits (Keep a Changelog, GitHub, …)"),
    "release": ("release", "bump, changelog, commit, build and check it, tag, publish: one resumable step"),
    "vcs-release": ("vcs_release", "make or complete the GitHub/GitLab release of a tag from built files"),
    "ci": ("ci", "write GitHub Actions / GitLab CI pipelines; Trusted Publisher values; CI detection"),
    "mcp": ("mcp", "serve hwb's tools to coding assistants (Model Context Protocol over stdio)"),
    "cache": ("cache", "show, verify, prune or clear the build-environment and wheel caches"),
}

EPILOG = """\
exit codes: 0 ok, 1 internal error, 2 usage, 3 config, 10-14 source, 20-21 project,
30-38 build environment and containers, 40-46 build and matrix, 50-52 artifacts/output,
60-65 publishing, 70-72 versions, 80 CI files, 130 interrupted, 141 output closed early
(docs/ERRORS.md: full table).
"""


def add_common_flags(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Global flags, accepted before and after the command name."""
    import argparse

    default = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("output options")
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default if suppress else 0,
        help="more output: stream build logs (-vv: debug logging)",
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default if suppress else False,
        help="only results and errors",
    )
    group.add_argument(
        "--json",
        action="store_true",
        default=default if suppress else False,
        help="print one JSON document on stdout instead of text",
    )
    group.add_argument(
        "--no-color",
        action="store_true",
        default=default if suppress else False,
        help="no colors (also: NO_COLOR=1)",
    )
    group.add_argument(
        "--debug",
        action="store_true",
        default=default if suppress else False,
        help="show tracebacks for errors",
    )
    group.add_argument(
        "--log-format",
        choices=["text", "json"],
        default=default,
        help="log lines on stderr as text or one JSON object per line (also: HWB_LOG_FORMAT)",
    )
    group.add_argument(
        "--result-file",
        metavar="FILE",
        default=default,
        help="also write the JSON document (a result or an error) to FILE, in an envelope with a "
        "schema version, atomically; implies --json",
    )
    group.add_argument(
        "--config",
        metavar="FILE",
        default=default,
        help="read options from FILE instead of discovering pyproject.toml [tool.hwb] and hwb.toml",
    )
    from headless_wheel_builder.config.cli_args import add_options
    from headless_wheel_builder.config.registry import GLOBAL

    add_options(group, GLOBAL, suppress=suppress)  # --strict


def build_parser(only: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The ``hwb`` parser.  ``only``: the commands whose arguments are needed (those named on
    the command line); the others are listed, with their help line, but their modules are not
    imported nor their flags made: a command pays for itself alone (None: every command)."""
    import argparse
    import importlib

    from headless_wheel_builder.__about__ import __version__

    parser = argparse.ArgumentParser(
        prog="hwb",
        description="hwb, the Headless Wheel Builder: correct wheels and sdists from any source.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"hwb {__version__}")
    add_common_flags(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, (module_name, help_text) in COMMANDS.items():
        if only is not None and name not in only:
            sub.add_parser(name, help=help_text)
            continue
        module = importlib.import_module(f"headless_wheel_builder.cli.{module_name}")
        cmd = sub.add_parser(
            name,
            help=help_text,
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(cmd)
        add_common_flags(cmd, suppress=True)
    return parser


#: The exit status of a command whose standard output was closed early (``hwb … | head -1``):
#: that of a process ended by SIGPIPE, as other command-line tools give.
BROKEN_PIPE_EXIT = 141


def _as_program(argv: Sequence[str] | None) -> None:
    """hwb run as the program (``argv`` from ``sys.argv``): its own temporary files go into its
    owner-named folder too, so a SIGKILLed run leaves only what the next run sweeps."""
    if argv is None:
        from headless_wheel_builder import _proc

        _proc.own_tempfiles()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``hwb`` command; return its exit code.

    SIGINT, SIGTERM and SIGHUP, at any moment from here on (start-up included), stop every
    process tree hwb started, unwind (temporary folders are removed, nothing partial is placed),
    print one line and give 130, 143 or 129.  A reader that stops early
    (``hwb check dist | head -1``) ends the command quietly, with :data:`BROKEN_PIPE_EXIT`."""
    restore = _stop_on_signals()
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        if args_list in (["--version"], ["-V"]):
            from headless_wheel_builder.__about__ import __version__

            sys.stdout.write(f"hwb {__version__}\n")
            sys.stdout.flush()
            return 0
        _as_program(argv)
        return _main(args_list)
    except KeyboardInterrupt as exc:  # before or after the command's own handler
        return _interrupted(exc)
    except BrokenPipeError:
        import os

        # Nothing more can be shown; flushing at exit must not complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return BROKEN_PIPE_EXIT
    finally:
        restore()


def _main(args_list: list[str]) -> int:
    parser = build_parser(only={a for a in args_list if a in COMMANDS})
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    from headless_wheel_builder._log import set_stream_flag

    set_stream_flag("-v")  # hints may name it (not in the pytest plugin, the MCP server, the API)

    import importlib

    from headless_wheel_builder.cli._output import CliProgress, Style, configure_logging, err
    from headless_wheel_builder.errors import HwbError

    if args.result_file:
        from pathlib import Path

        from headless_wheel_builder.cli._output import RESULT_FILE

        RESULT_FILE[:] = [Path(args.result_file).resolve()]
    style = Style.detect(
        verbose=args.verbose,
        quiet=args.quiet,
        as_json=args.json or bool(args.result_file),
        debug=args.debug,
        no_color=args.no_color,
        log_format=args.log_format,
    )
    configure_logging(style)
    module = importlib.import_module(f"headless_wheel_builder.cli.{COMMANDS[args.command][0]}")
    try:
        with CliProgress(style) as progress:
            code: int = module.run(args, style, progress)
        return code
    except HwbError as exc:
        return _failed(exc, style)
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    except BrokenPipeError:
        raise  # the reader went away: main() ends quietly
    except Exception as exc:  # noqa: BLE001 - the one top-level handler
        if _caused_by_interrupt(exc):  # Python wraps an interrupt raised inside some hooks
            return _interrupted(exc)
        import traceback

        if style.debug:
            traceback.print_exception(exc)
        err(f"error: internal error in hwb: {type(exc).__name__}: {exc}")
        err("hint: this is a bug in hwb; rerun with --debug and report the traceback")
        return 1


def _failed(exc: HwbError, style: Style) -> int:
    """Render an hwb error (and its JSON document); an interruption is one line."""
    from headless_wheel_builder.cli._output import emit_json, err
    from headless_wheel_builder.errors import InterruptedBuild

    if style.debug:
        import traceback

        traceback.print_exception(exc)
    if isinstance(exc, InterruptedBuild):
        code = _interrupted(exc)
    else:
        code = exc.exit_code
        err(exc.render())
    if style.json:
        emit_json({"ok": False, **exc.to_dict(), "exit_code": code})
    return code


_SIGNAL_NAMES = {129: "SIGHUP", 130: "Ctrl-C", 143: "SIGTERM"}


def _interrupted(exc: BaseException) -> int:
    """Stop what is still running, say so in one line, and give the signal's exit code."""
    _stop_children()
    from headless_wheel_builder.errors import interrupt_exit_code

    code = interrupt_exit_code(exc)
    import contextlib

    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(
            f"error: interrupted by {_SIGNAL_NAMES.get(code, f'signal {code - 128}')}; "
            "nothing was written to the output folder\n"
        )
        sys.stderr.flush()
    return code


def _caused_by_interrupt(exc: BaseException) -> bool:
    """A signal's KeyboardInterrupt raised inside ``__set_name__`` or a similar hook reaches us
    wrapped in another exception (``RuntimeError: Error calling __set_name__``)."""
    from headless_wheel_builder.errors import exception_chain

    return any(isinstance(e, KeyboardInterrupt) for e in exception_chain(exc))


def _stop_children() -> None:
    # No import here: this runs in a signal handler, possibly in the middle of another import.
    # If the process module was never loaded (or is being loaded now), no child was started.
    stop_all = getattr(sys.modules.get("headless_wheel_builder._proc"), "stop_all", None)
    if stop_all is not None:
        stop_all()


def _stop_on_signals() -> Callable[[], None]:
    """Install the handlers :func:`main` promises; return what puts the previous ones back.

    The first signal stops every child process tree at once (from the handler, so worker
    threads waiting on their builds see them end) and raises ``KeyboardInterrupt`` in the main
    thread (with ``signum`` set for SIGTERM/SIGHUP); further SIGTERM/SIGHUP while unwinding are
    ignored, so cleanup finishes.  The handler imports nothing: it may run inside an import."""
    import signal  # (not threading: start-up stays light; signal.signal refuses other threads)

    def _stop(signum: int, frame: object) -> None:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        _stop_children()
        interrupt = KeyboardInterrupt() if signum == signal.SIGINT else KeyboardInterrupt(f"signal {signum}")
        if signum != signal.SIGINT:
            interrupt.signum = signum  # type: ignore[attr-defined]  # read by interrupt_exit_code
        raise interrupt

    sigs = [signal.SIGINT, signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous: dict[int, Any] = {}
    try:
        for sig in sigs:
            previous[sig] = signal.signal(sig, _stop)
    except ValueError:  # not the main thread: the caller keeps its own handling
        for installed, handler in previous.items():
            signal.signal(installed, handler)
        return lambda: None

    def _restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return _restore
