"""Private temporary folders for builds, and the sweep of those a killed run left behind.

Every top-level temporary folder hwb makes (``hwb-build-…``, ``hwb-matrix-…``, ``hwb-source-…``,
``hwb-container-…``, ``hwb-plan-…``, ``hwb-inspect-…``) carries its owner in its name: the process
id and, on Linux, the process's start time (``/proc/PID/stat``), so a later run can tell for sure
that the owner is gone — a reused process id has another start time.  A run removed on any way out
(errors, Ctrl-C) cleans up after itself; a SIGKILLed one cannot, so the first workspace a later
run makes removes the folders whose owner is gone, at once.  Where the start time cannot be read
(macOS, Windows) a folder is removed when its process id is no longer running.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from headless_wheel_builder._log import logger

__all__ = ["owner_token", "sweep_abandoned", "workspace"]

#: ``hwb-<kind>-<pid>-<start>-<random>``: the names :func:`workspace` makes.
_NAME_RE = re.compile(r"^hwb-[a-z]+-(?P<pid>\d+)-(?P<start>\d+)-")
_swept: list[bool] = []


def _start_time(pid: int) -> str | None:
    """The start time of process ``pid`` in clock ticks since boot (Linux), else None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ")".
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def owner_token() -> str:
    """``<pid>-<start>`` of this process (start ``0`` where it cannot be read)."""
    return f"{os.getpid()}-{_start_time(os.getpid()) or 0}"


def _owner_gone(pid: int, start: str) -> bool:
    if start != "0" and Path("/proc").is_dir():
        return _start_time(pid) != start
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists, owned by someone else
        return False
    return False


def sweep_abandoned(folder: Path | None = None) -> list[Path]:
    """Remove hwb's temporary folders in ``folder`` (default: the temporary folder) whose
    owning process is gone; return what was removed."""
    root = Path(folder or tempfile.gettempdir())
    removed: list[Path] = []
    try:
        entries = list(root.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _NAME_RE.match(entry.name)
        if match is None or int(match["pid"]) == os.getpid() or not entry.is_dir():
            continue
        if _owner_gone(int(match["pid"]), match["start"]):
            shutil.rmtree(entry, ignore_errors=True)
            if not entry.exists():
                removed.append(entry)
    if removed:
        logger.info("removed %d temporary folder(s) left by killed hwb runs", len(removed))
    return removed


@contextmanager
def workspace(prefix: str) -> Iterator[Path]:
    """A private temporary folder named after its owner (``prefix`` is ``hwb-<kind>-``),
    removed on every way out (Ctrl-C included).  The first one a process makes sweeps the
    folders of killed runs."""
    if not _swept:
        _swept.append(True)
        sweep_abandoned()
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}{owner_token()}-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
