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
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import CliProgress, Style


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The build flags.  Every default is None so that only what the user typed overrides
    the configuration files and environment."""
    parser.add_argument(
        "source", nargs="?", default=".", metavar="SOURCE", help="folder, sdist/zip, or git URL (default: .)"
    )
    parser.add_argument("-o", "--outdir", type=Path, help="where finished artifacts go (default: ./dist)")
    parser.add_argument(
        "--subdirectory", metavar="PATH", help="the project lives in this subfolder of SOURCE"
    )
    what = parser.add_argument_group("what to build (default: sdist, then wheel from it)")
    what.add_argument("-s", "--sdist", action="store_true", default=None, help="build an sdist")
    what.add_argument("-w", "--wheel", action="store_true", default=None, help="build a wheel")
    what.add_argument(
        "-e", "--editable", action="store_true", default=None, help="build a PEP 660 editable wheel"
    )
    env = parser.add_argument_group("environment")
    env.add_argument(
        "--installer",
        choices=["auto", "uv", "pip"],
        help="what installs build requirements (default: auto = uv, pip if uv cannot run)",
    )
    env.add_argument(
        "-n",
        "--no-isolation",
        action="store_true",
        default=None,
        help="build in the chosen interpreter itself (requirements must be installed)",
    )
    env.add_argument(
        "-c",
        "--build-constraint",
        action="append",
        type=Path,
        metavar="FILE",
        help="constraints for build requirements (hashes are verified); repeatable",
    )
    env.add_argument(
        "-C",
        "--config-setting",
        action="append",
        metavar="KEY=VALUE",
        help="pass a PEP 517 config setting to the backend; repeatable (a repeated KEY gives a list)",
    )
    env.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="stop any one step that runs longer than this"
    )
    env.add_argument("--no-cache", action="store_true", default=None,
                     help="no cached build environments or wheels (docs/CACHING.md)")
    env.add_argument("--refresh", action="store_true", default=None,
                     help="rebuild and re-cache even when the environment or the build is cached")
    add_selection_arguments(parser)
    _isolation.add_arguments(parser)  # container isolation: cli/_isolation.py
    matrix = parser.add_argument_group("build matrix (docs/MATRIX.md)")
    matrix.add_argument(
        "-j", "--jobs", type=int, metavar="N", help="parallel matrix jobs (default: number of cores)"
    )
    matrix.add_argument(
        "--fail-fast", action="store_true", default=None, help="stop the matrix at the first failure"
    )
    matrix.add_argument(
        "--repair",
        choices=["auto", "always", "never"],
        help="repair platform wheels (auditwheel/delocate/delvewheel); default: auto",
    )
    matrix.add_argument(
        "--manylinux", metavar="POLICY", help="target policy for Linux wheels, e.g. 2_28 or manylinux2014"
    )
    matrix.add_argument(
        "--test-command",
        metavar="CMD",
        help="run after each build in a fresh venv with the wheel installed ({project}, {wheel})",
    )
    matrix.add_argument(
        "--test-requires",
        action="append",
        metavar="REQ",
        help="install these with the wheel before the test command; repeatable, comma lists",
    )


def add_selection_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that select matrix identifiers (shared with `hwb matrix`)."""
    group = parser.add_argument_group("which interpreters and platforms")
    group.add_argument(
        "-p",
        "--python",
        action="append",
        metavar="X.Y|PATH|all",
        help="interpreter(s) to build with (found via pyenv, PATH, uv): repeatable or comma "
        "lists (3.9,3.10); `all` = every CPython found; default: the one running hwb",
    )
    group.add_argument(
        "--platform", action="append", metavar="NAME", help="linux, macos, windows (default: this one)"
    )
    group.add_argument(
        "--arch", action="append", metavar="ARCH", help="native (default), x86_64, aarch64, arm64, ..."
    )
    group.add_argument(
        "--select", action="append", metavar="PATTERN", help="only identifiers matching (cp312-*); repeatable"
    )
    group.add_argument(
        "--skip", action="append", metavar="PATTERN", help="not the identifiers matching (cp38-*); repeatable"
    )


def cli_values(args: argparse.Namespace) -> dict[str, Any]:
    """The options the user gave on the command line, keyed by option name."""
    from headless_wheel_builder.config.resolve import parse_settings
    from headless_wheel_builder.errors import UsageError

    given: dict[str, Any] = {}
    if args.outdir is not None:
        given["outdir"] = args.outdir
    dists = [name for name in ("sdist", "wheel", "editable") if getattr(args, name)]
    if dists:
        given["distributions"] = dists
    for name in ("installer", "timeout", "subdirectory"):
        if getattr(args, name) is not None:
            given[name] = getattr(args, name)
    given.update(selection_values(args))
    given.update(_isolation.cli_values(args))
    for name, flag in (("jobs", "jobs"), ("fail-fast", "fail_fast"), ("repair", "repair"),
                       ("manylinux", "manylinux"), ("test-command", "test_command")):  # fmt: skip
        if getattr(args, flag) is not None:
            given[name] = getattr(args, flag)
    if args.test_requires:
        given["test-requires"] = _split(args.test_requires)
    if args.no_isolation:
        given["isolation"] = False
    if args.no_cache:
        given["cache"] = False
    if args.refresh:
        given["refresh"] = True
    if args.build_constraint:
        given["build-constraints"] = list(args.build_constraint)
    if args.config_setting:
        settings, problem = parse_settings(args.config_setting)
        if problem:
            raise UsageError(f"invalid -C value: {problem}", hint="write -C KEY=VALUE (or -C KEY= for empty)")
        given["config-settings"] = settings
    return given


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def selection_values(args: argparse.Namespace) -> dict[str, Any]:
    """``--python`` / ``--platform`` / ``--arch`` / ``--select`` / ``--skip`` as option values.

    One ``--python`` that is not ``all`` also sets ``python`` (a single build, as before)."""
    given: dict[str, Any] = {}
    if args.python:
        pythons = _split(args.python)
        given["pythons"] = pythons
        if len(pythons) == 1 and pythons[0].lower() != "all":
            given["python"] = pythons[0]
    for name in ("platform", "arch"):
        if getattr(args, name):
            given[f"{name}s"] = _split(getattr(args, name))
    for name in ("select", "skip"):
        if getattr(args, name):
            given[name] = list(getattr(args, name))
    return given


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
    _render(report, style)
    if isinstance(report, api.MatrixReport):
        report.raise_for_failures()
    return 0


def _render(report: api.AnyBuildReport, style: Style) -> None:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._matrix_view import render_report
    from headless_wheel_builder.cli._output import emit_json, out, step_summary

    if isinstance(report, api.BuildReport):
        step_summary(report)
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
    else:
        _render_build(report, style)


def _render_build(report: api.BuildReport, style: Style) -> None:
    from headless_wheel_builder.cli._output import out

    names = [a.info.filename for a in report.artifacts]
    out(f"Successfully built {' and '.join(names)}{' (cached)' if report.cached else ''}")
    for artifact in report.artifacts:
        out(f"  {artifact.info.path}")
    if style.verbose:
        timing = ", ".join(f"{k} {v:.2f}s" for k, v in report.timings.items())
        out(f"Timings: {timing}")
