"""hwb's runtime folders — the cache and the build logs — found by one rule.

For each folder, the first of these that applies is used:

1. the folder the user named: the ``cache-dir`` option or ``HWB_CACHE_DIR`` for the cache,
   ``HWB_LOG_DIR`` for the logs.  It must be writable (it is created if missing); if it is not,
   that is a :class:`~headless_wheel_builder.errors.FolderError` naming the variable, never a
   silent fallback — the user asked for that folder;
2. ``$XDG_CACHE_HOME/hwb`` when ``XDG_CACHE_HOME`` is an absolute path;
3. the home's cache folder (``platformdirs``: ``~/.cache/hwb`` on Linux, ``~/Library/Caches/hwb``
   on macOS, ``%LOCALAPPDATA%\\hwb\\Cache`` on Windows) when the home is an absolute path;
4. ``hwb-<uid>`` in the temporary folder, with a warning (once per process): a container run as a
   user the image does not know (``docker run --user 1234:1234`` with ``HOME=/``) gets here.

Steps 2 to 4 are tried in that order until one can be created and written.  The logs live in the
``logs`` folder of the cache unless ``HWB_LOG_DIR`` names another, so ``HWB_CACHE_DIR`` alone moves
everything hwb writes outside the project.  A temporary folder of step 4 must belong to this user
and be closed to others (another user of a shared ``/tmp`` could have made it first).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from headless_wheel_builder._log import logger
from headless_wheel_builder.errors import FolderError

__all__ = ["KEEP_LOGS", "cache_dir", "installer_caches", "log_dir", "new_log_file"]

#: How many build logs to keep in the log folder.
KEEP_LOGS = 50

_warned: set[Path] = set()
_resolved: dict[tuple[str, str | None, str | None], Path] = {}
_installer_caches: dict[tuple[str | None, ...], dict[str, str]] = {}


def cache_dir(configured: Path | str | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The cache folder (see the module's rule); created, and writable."""
    environ = os.environ if environ is None else environ
    if configured:
        path = Path(configured).expanduser()
        from_env = environ.get("HWB_CACHE_DIR")
        # The option's value comes from HWB_CACHE_DIR too (the registry's variable of cache-dir).
        named = "HWB_CACHE_DIR" if from_env and Path(from_env).expanduser() == path else "cache-dir"
        return _named(path, f"{named} (the cache-dir option)" if named == "HWB_CACHE_DIR" else
                      "the cache-dir option (or HWB_CACHE_DIR)")
    if environ.get("HWB_CACHE_DIR"):
        return _named(Path(environ["HWB_CACHE_DIR"]).expanduser(), "HWB_CACHE_DIR")
    key = ("cache", environ.get("XDG_CACHE_HOME"), environ.get("HOME"))
    if key not in _resolved:
        _resolved[key] = _first_usable(environ)
    return _resolved[key]


def log_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where hwb keeps build logs: ``HWB_LOG_DIR``, else ``logs`` in the cache folder."""
    environ = os.environ if environ is None else environ
    if environ.get("HWB_LOG_DIR"):
        return _named(Path(environ["HWB_LOG_DIR"]).expanduser(), "HWB_LOG_DIR")
    return _named(cache_dir(environ=environ) / "logs", "HWB_LOG_DIR (or HWB_CACHE_DIR)")


def new_log_file(label: str) -> Path:
    """A fresh log file path for one build; old logs beyond :data:`KEEP_LOGS` are pruned."""
    import time

    folder = log_dir()
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", label).strip("-")[:60] or "build"
    path = folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{safe}.log"
    try:
        logs = sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime)
        for old in logs[: max(len(logs) - KEEP_LOGS, 0)]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
    return path


def installer_caches(environ: Mapping[str, str]) -> dict[str, str]:
    """``UV_CACHE_DIR``/``PIP_CACHE_DIR`` for uv and pip when neither the variable nor their
    default folder under the home is usable: their caches then go in hwb's (``uv``, ``pip``),
    so a user without a home (``HOME=/``) gets installs that work — uv stops when it cannot
    create its cache, pip only warns and downloads everything each time."""
    names = ("UV_CACHE_DIR", "PIP_CACHE_DIR", "XDG_CACHE_HOME", "HOME", "USERPROFILE", "HWB_CACHE_DIR")
    key = tuple(environ.get(name) for name in names)
    if key not in _installer_caches:  # asked on every install: the folders are looked at once
        _installer_caches[key] = _installer_caches_of(environ)
    return dict(_installer_caches[key])


def _installer_caches_of(environ: Mapping[str, str]) -> dict[str, str]:
    extra: dict[str, str] = {}
    xdg = environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else None
    if base is None and (home := _home(environ)) is not None:
        base = home / ".cache"  # uv's default; pip's on Linux (elsewhere a home that works is enough)
    for variable, name in (("UV_CACHE_DIR", "uv"), ("PIP_CACHE_DIR", "pip")):
        if environ.get(variable):
            continue
        default = base / name if base is not None else None
        if default is None or _unusable(default) is not None:
            extra[variable] = str(cache_dir(environ=environ) / name)
    return extra


def _named(path: Path, variable: str) -> Path:
    """``path``, which the user chose through ``variable``: created, or a clear error."""
    why = _unusable(path)
    if why is not None:
        raise FolderError(
            f"cannot use the folder {path}",
            why=why,
            hint=f"point {variable} at a folder this user ({_user()}) can write, or fix its permissions",
        )
    return path


def _first_usable(environ: Mapping[str, str]) -> Path:
    candidates: list[Path] = []
    xdg = environ.get("XDG_CACHE_HOME", "")
    if xdg and Path(xdg).is_absolute():
        candidates.append(Path(xdg) / "hwb")
    home = _home_cache(environ)
    if home is not None:
        candidates.append(home)
    tried: list[str] = []
    for candidate in candidates:
        why = _unusable(candidate)
        if why is None:
            return candidate
        tried.append(f"{candidate} ({why})")
    fallback = _temporary()
    if fallback not in _warned:
        _warned.add(fallback)
        where = "; ".join(tried) if tried else "no home folder is set"
        logger.warning(
            "hwb's cache is in the temporary folder %s and will not outlive it: %s. "
            "Set HWB_CACHE_DIR (or HOME, or XDG_CACHE_HOME) to a writable folder to keep it",
            fallback, where,
        )
    return fallback


def _home_cache(environ: Mapping[str, str]) -> Path | None:
    """The platform's user cache folder of the home, or None when there is no absolute home."""
    home = _home(environ)
    if home is None:
        return None
    if sys.platform == "win32":
        local = environ.get("LOCALAPPDATA")
        return (Path(local) if local else home / "AppData" / "Local") / "hwb" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "hwb"
    return home / ".cache" / "hwb"


def _home(environ: Mapping[str, str]) -> Path | None:
    home = Path(environ.get("HOME") or environ.get("USERPROFILE") or Path("~").expanduser())
    return home if home.is_absolute() else None


def _temporary() -> Path:
    """``hwb-<uid>`` in the user's temporary folder, private to this user."""
    from headless_wheel_builder._proc import temp_root

    uid = os.getuid() if hasattr(os, "getuid") else os.getpid()
    folder = temp_root() / f"hwb-{uid}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError as exc:
        raise FolderError(
            f"cannot use the folder {folder}", why=exc.strerror or str(exc),
            hint="set HWB_CACHE_DIR to a folder this user can write",
        ) from exc
    if hasattr(os, "getuid") and (
        not folder.is_dir() or folder.is_symlink() or info.st_uid != os.getuid() or info.st_mode & 0o022
    ):
        raise FolderError(
            f"cannot use the folder {folder}",
            why="it belongs to another user or others can write to it",
            hint="set HWB_CACHE_DIR to a folder this user can write",
        )
    return folder


def _unusable(path: Path) -> str | None:
    """None when ``path`` is (now) a writable folder, else why not."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return "it exists and is not a folder"
    except OSError as exc:
        return f"it cannot be created: {exc.strerror or exc}"
    if not path.is_dir():
        return "it is not a folder"
    if not os.access(path, os.W_OK | os.X_OK):
        return "this user cannot write to it"
    return None


def _user() -> str:
    if hasattr(os, "getuid"):
        return f"uid {os.getuid()}"
    return os.environ.get("USERNAME", "this user")
