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
folder gets hwb-manifest.json and SHA256SUMS.  A pure-Python project is built once.  Any
matrix option (--repair, --manylinux, --test-command, --select, -j ...) also selects the
matrix for a single Python.  docs/MATRIX.md has the details.

Options also come from [tool.hwb] in pyproject.toml, hwb.toml and HWB_* variables
(flags win); `hwb config show` prints what a command line resolves to.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from headless_wheel_builder.cli import _isolation

if TYPE_CHECKING:
    from headless_wheel_builder.cli._output import CliProgress, Style
    from headless_wheel_builder.config.resolve import Settings


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
    """Where configuration files are looked for: a local SOURCE folder, else the current one."""
    source = Path(args.source)
    if source.is_dir():
        return source / args.subdirectory if args.subdirectory else source
    return Path.cwd()


def resolve_settings(args: argparse.Namespace) -> Settings:
    from headless_wheel_builder import api

    return api.resolve_config(config_dir(args), cli=cli_values(args), config_file=args.config)


def run(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, out, step_summary

    settings = resolve_settings(args)
    done, settings = _isolation.run_isolated(args, settings, style, progress)
    if done is not None:
        return done
    if api.wants_matrix(settings):
        return _run_matrix(args, settings, style, progress)
    options = api.build_options(settings, verbose=bool(style.verbose))
    report = api.build(args.source, options, progress=progress)
    step_summary(report)
    if style.json:
        emit_json(report.to_dict())
        return 0
    names = [a.info.filename for a in report.artifacts]
    cached = " (cached)" if report.artifacts and all(a.cached for a in report.artifacts) else ""
    out(f"Successfully built {' and '.join(names)}{cached}")
    for artifact in report.artifacts:
        out(f"  {artifact.info.path}")
    if style.verbose:
        timing = ", ".join(f"{k} {v:.2f}s" for k, v in report.timings.items())
        out(f"Timings: {timing}")
    return 0


def _run_matrix(args: argparse.Namespace, settings: Settings, style: Style, progress: CliProgress) -> int:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._matrix_view import MatrixView, render_report
    from headless_wheel_builder.cli._output import emit_json

    given = cli_values(args)
    folder = config_dir(args)
    options = api.matrix_options(
        settings,
        verbose=bool(style.verbose),
        settings_for=lambda ident: api.resolve_config(
            folder, cli=given, config_file=args.config, identifier=ident
        ),
    )
    # The matrix shows its own live table: end the spinner of the single-build progress.
    progress.__exit__(None, None, None)
    with MatrixView(style) as view:
        report = api.build_matrix(args.source, options, observer=view, check=False)
    if style.json:
        emit_json(report.to_dict())
    else:
        render_report(report)
    report.raise_for_failures()
    return 0
