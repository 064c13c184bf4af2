"""Private temporary folders for builds, and the sweep of those a killed run left behind.

Every top-level temporary folder hwb makes (``hwb-build-…``, ``hwb-matrix-…``, ``hwb-source-…``,
``hwb-container-…``, ``hwb-plan-…``, ``hwb-inspect-…``) carries its owner in its name: the process
id and, on Linux, the process's start time (``/proc/PID/stat``), so a later run can tell for sure
that the owner is gone — a reused process id has another start time.  A run removed on any way out
(errors, Ctrl-C) cleans up after itself; a SIGKILLed one cannot, so the first workspace a later
run makes removes the folders whose owner is gone, at once: with them the ``hwb-tmp-…`` folders
that its children used as ``TMPDIR`` and the ``tmp*`` folders pyproject-hooks made for its hooks
(which hold a ``.hwb-owner`` file), see :mod:`.._proc`.  Where the start time cannot be read
(macOS) a folder is removed when its process id is no longer running; on Windows it is kept.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from headless_wheel_builder._log import logger
from headless_wheel_builder._proc import owner_token, remove_abandoned, temp_root

__all__ = ["owner_token", "sweep_abandoned", "workspace"]

#: ``hwb-<kind>-<pid>-<start>-<random>``: the names :func:`workspace` makes (and ``hwb-tmp-``,
#: the children's temporary folder of :mod:`.._proc`).
_NAME_PREFIX = r"hwb-[a-z]+-"
_swept: list[bool] = []


def sweep_abandoned(folder: Path | None = None) -> list[Path]:
    """Remove hwb's temporary folders in ``folder`` (default: the temporary folder) whose
    owning process is gone — workspaces, the children's ``hwb-tmp-…`` folders and the
    ``tmp*`` hook folders pyproject-hooks made for a killed run; return what was removed."""
    root = Path(folder or temp_root())
    removed = remove_abandoned(root, _NAME_PREFIX, marked=True)
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
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}{owner_token()}-", dir=temp_root()))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
