"""Build wheels and sdists.

SOURCE is a folder (default: .), an sdist (.tar.gz) or .zip, or a git URL such as
git+https://github.com/org/repo.git@v1.2.3#subdirectory=pkg (also https://….git,
git@host:org/repo.git, ssh://…, git+file:///…).

Without --sdist/--wheel/--editable hwb builds the sdist, then the wheel from that sdist
(like `python -m build`); from an sdist source it builds the wheel.  Every artifact is
validated before it is moved, atomically, into --outdir.

Several Pythons (`--python 3.9,3.10,3.11`, repeatable, or `--python all`) build a matrix:
the sdist once, then one wheel per interpreter from it, in parallel (-j), each repaired
(auditwheel on Linux), checked and, with --test-command, tested in a fresh venv; the output
folder gets hwb-manifest.json and SHA256SUMS.  Each interpreter builds its own
wheel, unless the project is known statically to give one (docs/MATRIX.md).  Any
matrix option (--repair, --manylinux, --test-command, --select, -j ...) also selects the
matrix for a single Python.  docs/MATRIX.md has the details.

Options also come from [tool.hwb] in pyproject.toml, hwb.toml and HWB_* variables
(flags win); `hwb config show` prints what a command line resolves to.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import CliProgress, Style


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The build flags, generated from the option registry (``config/registry.py``).  Every
    default is None so that only what the user typed overrides the files and environment."""
    from headless_wheel_builder.config.cli_args import add_options

    parser.add_argument(
        "source", nargs="?", default=".", metavar="SOURCE", help="folder, sdist/zip, or git URL (default: .)"
    )
    add_options(parser, "build")


def cli_values(args: argparse.Namespace) -> dict[str, Any]:
    """The options the user gave on the command line, keyed by option name."""
    from headless_wheel_builder.config.cli_args import values_from_args

    return values_from_args(args, "build")


def selection_values(args: argparse.Namespace) -> dict[str, Any]:
    """``--python`` / ``--platform`` / ``--arch`` / ``--select`` / ``--skip`` (and
    ``--subdirectory``) as option values: the flags of ``hwb matrix``.

    One ``--python`` that is not ``all`` also sets ``python`` (a single build, as before)."""
    from headless_wheel_builder.config.cli_args import values_from_args

    return values_from_args(args, "matrix")


def config_dir(args: argparse.Namespace) -> Path:
    """Where configuration files are looked for (the API's rule: a local SOURCE folder, else
    the current one)."""
    from headless_wheel_builder.api._configured import config_folder

    return config_folder(args.source, args.subdirectory)


def run(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._matrix_view import MatrixView

    with MatrixView(style, progress) as view:
        report = api.build_from_config(
            args.source,
            cli=cli_values(args),
            config_file=args.config,
            progress=progress,
            observer=view,
            verbose=bool(style.verbose),
            check=False,
        )
    # BuildReport first: a single build (a wheel-cache hit) loads no matrix or container code.
    single = isinstance(report, api.BuildReport)
    failure = report.failure() if not single and isinstance(report, api.MatrixReport) else None
    if failure is not None and style.json:
        # One JSON document whatever the outcome: the manifest with the error's fields.
        from headless_wheel_builder.cli._output import emit_json, err

        err(failure.render())
        emit_json({**report.to_dict(), **failure.to_dict()})
        return failure.exit_code
    _render(report, style, show_timings=wants_timings(args))
    if failure is not None:
        raise failure
    return 0


def _render(report: api.AnyBuildReport, style: Style, *, show_timings: bool = False) -> None:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._matrix_view import render_report
    from headless_wheel_builder.cli._output import emit_json, out, step_summary

    if isinstance(report, api.BuildReport):  # first: a single build loads no matrix or container code
        step_summary(report)
        if style.json:
            emit_json({**report.to_dict(), "timings": timings(report)})
        else:
            _render_build(report, style, show_timings=show_timings)
        return
    if style.json:
        emit_json(report.to_dict())
    elif isinstance(report, api.MatrixReport):
        render_report(report)
    elif isinstance(report, api.ContainerBuildReport):
        names = [a.filename for a in report.artifacts]
        cached = " (cached)" if report.cached else ""
        out(f"Successfully built {' and '.join(names)} in {report.engine} ({report.image}){cached}")
        for artifact in report.artifacts:
            out(f"  {artifact.path}")


def _render_build(report: api.BuildReport, style: Style, *, show_timings: bool) -> None:
    from headless_wheel_builder.cli._output import out

    names = [a.info.filename for a in report.artifacts]
    out(f"Successfully built {' and '.join(names)}{' (cached)' if report.cached else ''}")
    for artifact in report.artifacts:
        out(f"  {artifact.info.path}")
    if show_timings or style.verbose:
        spent = timings(report)
        out("Timings:")
        for name, seconds in spent.items():
            out(f"  {name:<10} {seconds:7.3f} s{_PHASE_NOTES.get(name, '')}")


#: What the phases outside the pipeline's own mean (``--timings``).
_PHASE_NOTES = {
    "startup": "  hwb outside the pipeline: imports, arguments, configuration, output",
    "total": "  since hwb's code started (the interpreter's own start-up is before it)",
}


def timings(report: api.BuildReport) -> dict[str, float]:
    """The report's phase timings between hwb's own ``startup`` (everything of this process
    outside the pipeline's phases: imports, arguments, configuration, rendering) and the
    ``total`` since hwb's code started."""
    from headless_wheel_builder.cli.main import STARTED

    total = time.perf_counter() - STARTED
    phases = dict(report.timings)
    startup = max(total - sum(phases.values()), 0.0)
    return {"startup": round(startup, 4), **phases, "total": round(total, 4)}


def wants_timings(args: argparse.Namespace) -> bool:
    """``--timings``, else ``HWB_TIMINGS`` (a flag and environment option: not in files)."""
    if args.timings:
        return True
    import os

    text = os.environ.get("HWB_TIMINGS")
    if not text:
        return False
    from headless_wheel_builder.config.registry import BY_NAME
    from headless_wheel_builder.config.validate import parse_env

    value, _ = parse_env(BY_NAME["timings"], text)
    return bool(value)
