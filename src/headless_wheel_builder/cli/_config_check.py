"""``hwb config check [FILES]``: validate hwb's configuration files (the pre-commit hook).

Each FILE is a pyproject.toml (its ``[tool.hwb]``) or an hwb.toml-style file; without FILES
the files discovered from the current folder are checked.  Every problem of every file is
reported together; the exit code is 3 when there is any.  ``HWB_*`` variables and the user's
configuration are ignored: only what is committed is checked.  A user-only option set in the
project's files is a warning (``--strict``: a problem).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headless_wheel_builder.cli._output import Style


def add_check_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from headless_wheel_builder.cli.main import add_common_flags

    check = sub.add_parser(
        "check",
        help="validate [tool.hwb] in pyproject.toml and hwb.toml (exit 3 on problems)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("files", nargs="*", type=Path, metavar="FILE", help="pyproject.toml or hwb.toml files")
    add_common_flags(check, suppress=True)


def run_check(args: argparse.Namespace, style: Style) -> int:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, out
    from headless_wheel_builder.errors import ConfigError

    targets: list[Path | None] = list(args.files) or [None]
    strict = {"strict": True} if args.strict else {}
    problems: list[str] = []
    checked: list[str] = []
    for target in targets:
        try:
            if target is None:
                settings = api.resolve_config(Path.cwd(), environ={}, cli=strict, user_config=False)
                checked += [str(p) for p in settings.files]
            else:
                api.resolve_config(None, config_file=target, environ={}, cli=strict, user_config=False)
                checked.append(str(target))
        except ConfigError as exc:
            problems.append(exc.details or f"  {exc}")
    if problems:
        count = sum(len(block.splitlines()) for block in problems)
        raise ConfigError(
            f"invalid hwb configuration ({count} problem{'s' if count != 1 else ''})",
            details="\n".join(problems),
            hint="fix the keys named above; docs/CONFIGURATION.md lists every option",
        )
    if style.json:
        emit_json({"ok": True, "files": checked})
    elif not style.quiet:
        out(f"hwb configuration ok: {', '.join(checked) or 'no configuration files found'}")
    return 0
