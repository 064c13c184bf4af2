"""Virtual-environment isolation: ``uv venv`` + ``uv pip install``, or stdlib venv + pip.

uv is a dependency of hwb (its wheel carries the binary), so it is the default; when it
cannot run, or with ``installer="pip"``, hwb falls back to ``python -m venv`` and pip.
The user's index settings are honoured with both: ``UV_*`` variables are passed through,
and pip's settings (``PIP_*`` variables and pip.conf: index URLs, find-links, no-index,
constraints, certificates, proxies) are translated to uv's syntax when no ``UV_*`` equivalent
is set (:mod:`headless_wheel_builder.isolation.pip_settings`).
"""

from __future__ import annotations

import errno
import os
import re
import sys
import venv as _stdlib_venv
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from headless_wheel_builder import _proc
from headless_wheel_builder._dirs import installer_caches
from headless_wheel_builder._log import logger, redact, with_stream
from headless_wheel_builder.errors import DependencyError, EnvironmentCreationError
from headless_wheel_builder.isolation.base import Installer
from headless_wheel_builder.isolation.pip_settings import uv_translation
from headless_wheel_builder.isolation.python import Interpreter, uv_binary

_BIN = "Scripts" if os.name == "nt" else "bin"


@dataclass(frozen=True, kw_only=True)
class InstallSettings:
    """Where requirements come from and what constrains them."""

    constraints: tuple[Path, ...] = ()
    """Constraint files (``--build-constraint``); hash-pinned entries are verified."""
    stream: bool = False
    """Echo installer output while it runs (``-v``)."""
    log_file: Path | None = None
    timeout: float | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    refresh: bool = False
    """Fetch again what uv has cached (``--refresh``): an environment made from nothing."""


def uv_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment for uv: ``environ`` with pip's settings (variables and pip.conf)
    translated to uv's syntax where uv's own are unset (:mod:`.pip_settings`), and empty
    ``UV_*`` variables dropped (uv rejects an empty value)."""
    env = {k: v for k, v in environ.items() if not (k.startswith("UV_") and v == "")}
    env.update(uv_translation(env))
    env.update(installer_caches(env))
    env.setdefault("UV_NO_PROGRESS", "1")
    return env


class VenvEnv:
    """A virtual environment at ``path``, created for ``interpreter`` and filled by
    ``installer``.  Implements :class:`~headless_wheel_builder.isolation.base.IsolatedEnv`."""

    def __init__(
        self, path: Path, interpreter: Interpreter, installer: Installer, settings: InstallSettings
    ) -> None:
        self.path = path
        self.interpreter = interpreter
        self._installer: Installer = installer
        self.settings = settings

    # -- creation ---------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: Path,
        interpreter: Interpreter,
        *,
        installer: Installer | None = None,
        settings: InstallSettings | None = None,
    ) -> VenvEnv:
        """Create the environment; ``installer=None`` means uv, falling back to pip."""
        settings = settings or InstallSettings()
        uv = uv_binary() if installer in (None, "uv") else None
        if uv is not None:
            try:
                _proc.run(
                    [
                        uv,
                        "venv",
                        "--quiet",
                        "--no-project",
                        "--python",
                        interpreter.executable,
                        "--no-python-downloads",
                        path,
                    ],
                    env=uv_environ(settings.environ),
                    log_file=settings.log_file,
                    timeout=settings.timeout,
                )
                return cls(path, interpreter, "uv", settings)
            except _proc.ProcessFailed as exc:
                if installer == "uv":
                    raise EnvironmentCreationError(
                        "could not create the build environment with uv",
                        why=_last_line(exc.tail) or f"uv exited with {exc.returncode}",
                        hint=_disk_hint(exc.tail, path)
                        or "retry with `--installer pip`, or check that uv runs on this system",
                        details=exc.tail,
                        log_path=exc.log_path,
                    ) from exc
                logger.warning(
                    "uv could not create the environment (%s); falling back to venv + pip",
                    _last_line(exc.tail) or f"exit {exc.returncode}",
                )
        elif installer == "uv":
            raise EnvironmentCreationError(
                "uv is not available",
                why="neither hwb's bundled uv nor a `uv` on PATH was found",
                hint="reinstall hwb (it depends on uv), or use `--installer pip`",
            )
        return cls._create_with_pip(path, interpreter, settings)

    @classmethod
    def _create_with_pip(cls, path: Path, interpreter: Interpreter, settings: InstallSettings) -> VenvEnv:
        if Path(interpreter.executable) == Path(sys.executable):
            try:
                _stdlib_venv.EnvBuilder(with_pip=True, symlinks=os.name != "nt").create(path)
            except Exception as exc:
                no_space = isinstance(exc, OSError) and exc.errno == errno.ENOSPC  # a full disk
                raise EnvironmentCreationError(
                    "could not create the build environment",
                    why=f"python -m venv failed: {exc}",
                    hint=f"free space in {path.parent} (or point TMPDIR at a larger disk)" if no_space
                    else "install your distribution's venv package (e.g. python3-venv)",
                ) from exc
        else:
            try:
                _proc.run(
                    [interpreter.executable, "-m", "venv", path],
                    env={**settings.environ, **installer_caches(settings.environ)},
                    log_file=settings.log_file,
                    timeout=settings.timeout,
                )
            except _proc.ProcessFailed as exc:
                raise EnvironmentCreationError(
                    f"could not create a build environment for Python {interpreter.short_version}",
                    why=_last_line(exc.tail) or "python -m venv failed",
                    hint=_disk_hint(exc.tail, path)
                    or "install that Python's venv module (e.g. python3-venv) or use uv",
                    details=exc.tail,
                    log_path=exc.log_path,
                ) from exc
        return cls(path, interpreter, "pip", settings)

    # -- IsolatedEnv ------------------------------------------------------------------

    @property
    def python_executable(self) -> str:
        exe = "python.exe" if os.name == "nt" else "python"
        return str(self.path / _BIN / exe)

    @property
    def installer(self) -> Installer:
        return self._installer

    @property
    def scripts_dir(self) -> Path:
        return self.path / _BIN

    def make_extra_environ(self) -> dict[str, str]:
        path = os.environ.get("PATH")
        scripts = str(self.scripts_dir)
        return {
            "PATH": scripts if not path else f"{scripts}{os.pathsep}{path}",
            "VIRTUAL_ENV": str(self.path),
        }

    def install(self, requirements: Collection[str]) -> None:
        reqs = sorted(set(requirements))
        if not reqs:
            return
        constraint_args: list[str] = []
        for constraint in self.settings.constraints:
            constraint_args += ["--constraint" if self._installer == "uv" else "-c", str(constraint)]
        if self._installer == "uv":
            uv = uv_binary()
            assert uv is not None
            env = uv_install_environ(self.settings.environ)
            if constraint_args:  # uv reads UV_CONSTRAINT only without --constraint: keep both
                for user_constraint in env.get("UV_CONSTRAINT", "").split():
                    constraint_args += ["--constraint", user_constraint]
            cmd: list[str] = [
                uv,
                "pip",
                "install",
                *(["--refresh"] if self.settings.refresh else []),
                "--python",
                self.python_executable,
                *constraint_args,
                "--",
                *reqs,
            ]
        else:
            cmd = [
                self.python_executable,
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                *constraint_args,
                "--",
                *reqs,
            ]
            env = {**self.settings.environ, **installer_caches(self.settings.environ)}
        logger.debug("installing build requirements: %s", ", ".join(reqs))
        try:
            _proc.run(
                cmd,
                env=env,
                stream=self.settings.stream,
                log_file=self.settings.log_file,
                timeout=self.settings.timeout,
            )
        except _proc.ProcessFailed as exc:
            reason = _install_failure_reason(exc.tail)
            if no_space_left(exc.tail):
                raise EnvironmentCreationError(
                    "could not install the build requirements: the disk is full",
                    why=reason,
                    hint=f"free space on the disk of {self.path} (the cache folder: `hwb cache prune "
                    "--max-size 2G`) and of uv's or pip's cache, or point HWB_CACHE_DIR at a larger disk",
                    details=_tail(exc.tail, 25),
                    log_path=exc.log_path,
                ) from exc
            raise DependencyError(
                "could not install the build requirements",
                why=f"{reason} (requirements: {', '.join(reqs)})",
                hint=with_stream("check the names and versions in [build-system] requires, your index "
                                 "settings (PIP_INDEX_URL / UV_INDEX_URL) and network access",
                                 "shows the installer's output"),
                details=_tail(exc.tail, 25),
                log_path=exc.log_path,
            ) from exc


def uv_install_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """:func:`uv_environ` for filling a build environment: files are copied from uv's cache
    (``UV_LINK_MODE=copy`` unless set), not hard-linked, so a file edited in one environment
    damages neither uv's cache nor every other environment made from it.  ``clone`` would be
    cheaper, but uv falls back to hard links where the filesystem cannot clone (ext4)."""
    env = uv_environ(environ)
    env.setdefault("UV_LINK_MODE", "copy")
    return env


#: What uv (``os error 28``) and pip (``[Errno 28]``) print when the disk is full.
_NO_SPACE = re.compile(r"No space left on device|os error 28\b|\[Errno 28\]|ENOSPC|Disk quota exceeded")


def no_space_left(output: str) -> bool:
    """True when an installer's ``output`` says the disk is full."""
    return _NO_SPACE.search(output) is not None


def _disk_hint(output: str, path: Path) -> str | None:
    """A disk-space hint when ``output`` says the disk is full, else None."""
    if not no_space_left(output):
        return None
    return f"the disk is full: free space on the disk of {path} (or point HWB_CACHE_DIR at a larger disk)"


def _tail(text: str, lines: int) -> str:
    return "\n".join(text.rstrip("\n").splitlines()[-lines:])


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return redact(lines[-1]) if lines else ""


def _install_failure_reason(output: str) -> str:
    """The most telling line of uv's or pip's failure output."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for marker in (
        "was not found in the package registry",
        "No solution found",
        "No matching distribution",
        "Could not find a version",
        "Failed to fetch",
        "error sending request",
        "certificate",
    ):
        for line in lines:
            if marker in line:
                return redact(line.lstrip("\u00d7\u2570\u2500\u25b6 ").rstrip(":"))
    return _last_line(output) or "the installer failed"
