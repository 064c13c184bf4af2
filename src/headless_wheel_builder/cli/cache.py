"""Show, check, prune or clear hwb's caches (build environments and built wheels).

  hwb cache info                 sizes, entries, hit and miss counts
  hwb cache info -v              each entry too: an environment's age and what it resolved,
                                 what a wheel entry's build changed (the miss it filled)
  hwb cache prune --max-size 2G  remove the least recently used entries until 2 GB remain
  hwb cache prune --older-than 30
                                 remove entries not used for 30 days
  hwb cache clear                remove every environment and wheel
  hwb cache verify [--remove]    check cached wheels (sha256) and environments (RECORD);
                                 exit 39 when damaged, --remove removes what is damaged
  hwb cache remove NAME          remove the cached builds of project NAME

The cache folder is HWB_CACHE_DIR, the cache-dir option, else the user cache folder
(~/.cache/hwb on Linux); --cache-dir overrides it.  docs/CACHING.md describes the keys.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headless_wheel_builder.cache.manage import CacheEntry, PruneReport
    from headless_wheel_builder.cli._output import CliProgress, Style


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from headless_wheel_builder.cli.main import add_common_flags
    from headless_wheel_builder.config.cli_args import add_options

    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    info = sub.add_parser("info", help="sizes, entries, hit and miss counts")
    prune = sub.add_parser("prune", help="remove old or least recently used entries")
    prune.add_argument("--max-size", metavar="SIZE", help="keep at most this much (500M, 2G, bytes)")
    prune.add_argument(
        "--older-than", type=float, metavar="DAYS", help="remove entries not used for this many days"
    )
    clear = sub.add_parser("clear", help="remove every cached environment and wheel")
    verify, remove = _add_verify_remove(sub)
    for action in (info, prune, clear, verify, remove):
        add_options(action, "cache")
        add_common_flags(action, suppress=True)


def run(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, out

    cache_dir = args.cache_dir
    if cache_dir is None:
        settings = api.resolve_config(Path.cwd(), config_file=getattr(args, "config", None))
        cache_dir = settings.options.cache_dir
    if args.action == "verify":
        return _run_verify(cache_dir, args.remove, style)
    if args.action == "info":
        report = api.cache_info(cache_dir)
        if style.json:
            emit_json(report.to_dict())
            return 0
        data = report.to_dict()
        out(f"cache: {report.root}")
        out(f"  environments: {data['envs']['count']} ({_human(data['envs']['size'])})")
        out(f"  wheels:       {data['wheels']['count']} ({_human(data['wheels']['size'])})")
        out(f"  other:        {_human(report.other_size)} (tools, logs)")
        stats = report.stats
        out(f"  wheel cache:  {stats['wheel_hits']} hits, {stats['wheel_misses']} misses, "
            f"{stats['wheel_corrupt']} corrupted entries rebuilt")  # fmt: skip
        out(f"  environments: {stats['env_hits']} reused, {stats['env_misses']} created")
        if style.verbose:
            for entry in report.entries:
                out(f"  {entry.kind:5} {_human(entry.size):>9}  {entry.label}  {entry.path}")
                _entry_details(entry)
        return 0
    result = _removal(args, cache_dir)
    if style.json:
        emit_json(result.to_dict())
        return 0
    verb = "Removed" if result.removed else "Nothing to remove:"
    freed, left = _human(result.freed), _human(result.remaining)
    out(f"{verb} {len(result.removed)} entries, freed {freed}; {left} left in {result.root}")
    return 0


def _removal(args: argparse.Namespace, cache_dir: Path | None) -> PruneReport:
    """What ``prune``, ``remove`` and ``clear`` removed."""
    from headless_wheel_builder import api
    from headless_wheel_builder.errors import UsageError

    if args.action == "prune":
        if args.max_size is None and args.older_than is None:
            raise UsageError("hwb cache prune needs --max-size or --older-than", hint="e.g. --max-size 2G")
        return api.cache_prune(cache_dir, max_size=args.max_size, older_than_days=args.older_than)
    if args.action == "remove":
        return api.cache_remove(args.name, cache_dir)
    return api.cache_clear(cache_dir)


def _add_verify_remove(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> tuple[
    argparse.ArgumentParser, argparse.ArgumentParser
]:
    verify = sub.add_parser(
        "verify",
        help="check cached wheels against their sha256 and environments against their RECORD files",
        description="Check every cached wheel against the sha256 recorded when it was stored, and "
        "every file of every cached build environment against the RECORD of the distribution that "
        "installed it (an edited file, a corrupt wheel). Exits 39 when something is damaged; "
        "--remove removes the damaged entries and exits 0 (the next build makes them again).",
    )
    verify.add_argument("--remove", action="store_true", help="remove the damaged entries")
    remove = sub.add_parser(
        "remove",
        help="remove the cached builds of one project",
        description="Remove every cached build (wheel-cache entry) of project NAME, compared "
        "canonicalized (My_Pkg is my-pkg); like `pip cache remove` and `uv cache clean NAME`.",
    )
    remove.add_argument("name", metavar="NAME", help="the project's name")
    return verify, remove


def _run_verify(cache_dir: Path | None, remove: bool, style: Style) -> int:
    from headless_wheel_builder import api
    from headless_wheel_builder.cli._output import emit_json, out
    from headless_wheel_builder.errors import CacheDamagedError

    report = api.cache_verify(cache_dir, remove=remove)
    left = [d for d in report.damaged if not d.removed]
    if style.json and not left:
        emit_json(report.to_dict())
        return 0
    for damage in [] if style.json else report.damaged:
        verb = "removed" if damage.removed else "damaged"
        out(f"{verb}: {damage.kind} {damage.path}: {damage.problem}")
    if left:
        raise CacheDamagedError(
            f"{len(left)} of {report.checked} cache entries are damaged",
            why="; ".join(f"{d.path.name}: {d.problem}" for d in left[:5]),
            hint="run `hwb cache verify --remove` to remove them (the next build makes them again); "
            "an environment can also be rebuilt with `hwb build --refresh`",
        )
    out(f"{report.checked} cache entries checked in {report.root}: "
        + (f"removed {len(report.damaged)} damaged" if report.damaged else "all intact"))  # fmt: skip
    return 0


def _entry_details(entry: CacheEntry) -> None:
    """An environment's age and what it resolved; what a wheel entry's build changed."""
    import time

    from headless_wheel_builder.cache.envs import describe_age
    from headless_wheel_builder.cli._output import out

    if entry.kind == "env":
        age = describe_age(time.time() - entry.created if entry.created is not None else float("inf"))
        out(f"        resolved {age} ago: {', '.join(entry.resolved) or '(nothing)'}")
    elif entry.differs:
        out(f"        built because it differs from the closest cached build in: {', '.join(entry.differs)}")


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"  # pragma: no cover
