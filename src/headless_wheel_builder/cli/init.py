"""Write a pyproject.toml for a folder of Python code.

Without options hwb finds the code (src/<pkg>/, <pkg>/ or one <module>.py), names the
project after it, reads __version__ statically and writes a hatchling project; the version
then stays in your code (the backend reads it at build time).

--from-setup migrates a setup.py/setup.cfg project to PEP 621 instead, without running
setup.py: static fields move to [project] and [tool.setuptools]; what pyproject.toml cannot
express (ext_modules, cmdclass, computed values) stays in setup.py and is listed.  setup.py is
deleted when nothing is left in it (--keep-setup keeps it), else only the translated keywords
are cut from its setup() call; translated options are removed from setup.cfg.  --dry-run
shows everything first.

--editor vscode writes .vscode/tasks.json (tasks hwb: build, hwb: check, hwb: publish, with
problem matchers for the file locations hwb reports); --editor pycharm writes run
configurations under .run/ (python -m headless_wheel_builder ...).  With --editor, init writes
only the editor files.  Existing files are merged, never overwritten: tasks.json may have
comments, which are kept; a task or configuration of the same name that differs is kept and
reported as a conflict (exit 0; --json lists them).  docs/INIT.md has the details.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headless_wheel_builder.cli._output import CliProgress, Style


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path", nargs="?", default=".", metavar="PATH", help="the project folder (default: .)"
    )
    parser.add_argument(
        "--from-setup", action="store_true", help="migrate setup.py / setup.cfg to PEP 621 (setuptools)"
    )
    parser.add_argument(
        "--backend",
        choices=["hatchling", "setuptools", "flit", "pdm"],
        default="hatchling",
        help="build backend of a new project (default: hatchling; --from-setup keeps setuptools)",
    )
    parser.add_argument("--name", help="project name (default: the package's name)")
    parser.add_argument(
        "--version", dest="project_version", metavar="VERSION", help="a static version (default: __version__)"
    )
    parser.add_argument(
        "--requires-python", metavar="SPEC", help="default: >=3.X, the oldest CPython still supported"
    )
    parser.add_argument(
        "--force", action="store_true", help="replace an existing [project] table (other tables are kept)"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the result, change no file")
    parser.add_argument(
        "--editor",
        action="append",
        choices=["vscode", "pycharm"],
        metavar="vscode|pycharm",
        help="write the editor's tasks / run configurations instead (merged into existing files); repeatable",
    )
    parser.add_argument(
        "--keep-setup",
        action="store_true",
        help="--from-setup: keep setup.py even when nothing is left in it",
    )


def run(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, out

    if args.editor:
        return _editor(args, style)
    options = api.InitOptions(
        from_setup=args.from_setup,
        backend=args.backend,
        name=args.name,
        version=args.project_version,
        requires_python=args.requires_python,
        force=args.force,
        dry_run=args.dry_run,
        keep_setup=args.keep_setup,
    )
    progress.step("Reading setup.py / setup.cfg" if args.from_setup else "Looking for the project's code")
    report = api.init(args.path, options)
    if style.json:
        emit_json(report.to_dict())
        return 0
    if report.written:
        out(f"Wrote {report.pyproject} ({report.mode}, {report.backend}, {report.name} "
            f"{report.version or 'version from ' + report.version_source})")  # fmt: skip
    else:
        out(f"# {report.pyproject} (dry run: nothing written)")
        out(report.text.rstrip("\n"))
    sections = [
        ("translated", report.translated),
        ("kept in setup.py / setup.cfg (pyproject.toml cannot express it)", report.kept),
        ("still passed by setup.py but now set in pyproject.toml (delete them there)", report.duplicated),
        ("not carried over", report.dropped),
        ("files changed" if report.written else "files that would change", report.changed_files),
        ("notes", report.notes),
    ]
    for title, items in sections:
        if items and not (style.quiet and title in {"translated", "notes"}):
            out(f"{title}:")
            for item in items:
                out(f"  - {item}")
    return 0


def _editor(args: argparse.Namespace, style: Style) -> int:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, err, out

    report = api.init_editor(args.path, args.editor, dry_run=args.dry_run)
    if style.json:
        emit_json(report.to_dict())
        return 0
    for item in report.files:
        added = f": added {', '.join(item.added)}" if item.added else ""
        status = f"would be {item.status}" if args.dry_run and item.status != "unchanged" else item.status
        out(f"{item.path}: {status}{added}")
        if args.dry_run and item.status != "unchanged":
            out(item.text.rstrip("\n"))
    for conflict in report.conflicts:
        err(f"conflict: {conflict}")
    return 0
