"""Test each built wheel: a fresh venv of the job's interpreter, the wheel installed (never the
source tree), ``test-requires`` installed, and ``test-command`` run.

The command is the user's own shell command, run explicitly through the shell
(``sh -c`` / ``cmd /c``), in an empty temporary folder so that ``import pkg`` finds the
installed wheel and not a source folder.  ``{project}`` and ``{wheel}`` are replaced by the
project folder and the wheel path, quoted for that shell.
"""

from __future__ import annotations

import os
import shlex
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from headless_wheel_builder import _proc
from headless_wheel_builder.errors import WheelTestError
from headless_wheel_builder.isolation.base import Installer
from headless_wheel_builder.isolation.python import Interpreter
from headless_wheel_builder.isolation.venv import InstallSettings, VenvEnv


@dataclass(frozen=True, kw_only=True)
class WheelTestResult:
    command: str
    passed: bool
    seconds: float
    python: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "result": "passed" if self.passed else "failed",
            "seconds": round(self.seconds, 3),
            "python": self.python,
        }


def render_command(command: str, *, project: Path, wheel: Path, windows: bool | None = None) -> str:
    """Replace ``{project}`` and ``{wheel}``, quoted for the shell that will run it."""
    windows = os.name == "nt" if windows is None else windows

    def quote(path: Path) -> str:
        text = str(path)
        return f'"{text}"' if windows else shlex.quote(text)

    return command.replace("{project}", quote(project)).replace("{wheel}", quote(wheel))


def shell_argv(command: str, *, windows: bool | None = None) -> list[str]:
    windows = os.name == "nt" if windows is None else windows
    if windows:
        return [os.environ.get("COMSPEC", "cmd.exe"), "/d", "/c", command]
    return ["/bin/sh", "-c", command]


def run_wheel_test(
    wheel: Path,
    *,
    interpreter: Interpreter,
    command: str,
    requires: Sequence[str] = (),
    project_dir: Path,
    workdir: Path,
    installer: Installer | None = None,
    log_file: Path | None = None,
    timeout: float | None = None,
) -> WheelTestResult:
    """Install ``wheel`` into a new venv under ``workdir`` and run ``command`` there.

    Raises :class:`WheelTestError` when the command exits non-zero (or the wheel cannot be
    installed); the error carries the tail of the output and the log path.
    """
    start = time.perf_counter()
    settings = InstallSettings(log_file=log_file, timeout=timeout)
    env = VenvEnv.create(workdir / "venv", interpreter, installer=installer, settings=settings)
    try:
        env.install([str(wheel.resolve()), *requires])
    except Exception as exc:
        raise WheelTestError(
            f"could not install {wheel.name} for testing on Python {interpreter.full_version}",
            why=str(exc),
            hint="the wheel's dependencies or test-requires may not resolve; see the log",
            log_path=log_file,
        ) from exc
    rendered = render_command(command, project=project_dir, wheel=wheel.resolve())
    cwd = workdir / "cwd"
    cwd.mkdir(parents=True, exist_ok=True)
    extra = env.make_extra_environ()
    extra.pop("PYTHONHOME", None)
    try:
        _proc.run(shell_argv(rendered), cwd=cwd, extra_env=extra, log_file=log_file, timeout=timeout)
    except _proc.ProcessFailed as exc:
        lines = [line for line in exc.tail.splitlines() if line.strip()]
        status = "timed out" if exc.timed_out else f"exited with {exc.returncode}"
        raise WheelTestError(
            f"the test command failed for {wheel.name} on Python {interpreter.full_version}",
            why=f"`{command}` {status}" + (f": {lines[-1].strip()}" if lines else ""),
            hint="run the command in a venv with the wheel installed to reproduce; the log has "
            "the whole output",
            details="\n".join(lines[-20:]),
            log_path=exc.log_path,
        ) from exc
    return WheelTestResult(
        command=command, passed=True, seconds=time.perf_counter() - start, python=interpreter.full_version
    )
