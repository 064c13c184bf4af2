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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from headless_wheel_builder import _proc
from headless_wheel_builder.errors import WheelTestError
from headless_wheel_builder.isolation.base import Installer
from headless_wheel_builder.isolation.python import Interpreter
from headless_wheel_builder.isolation.venv import InstallSettings, VenvEnv


@dataclass(frozen=True, kw_only=True)
class TestSteps:
    """What surrounds the test command (cibuildwheel's test-extras, test-sources, before-test)."""

    extras: tuple[str, ...] = ()
    """Extras of the project installed with the wheel."""
    sources: tuple[str, ...] = ()
    """Files and folders of the project (relative paths) copied into the test's folder."""
    before: tuple[str, ...] = ()
    """Shell commands run in the test's folder and venv before the test command."""
    environ: Mapping[str, str] = field(default_factory=dict)
    """The build's variables (``environment``), for every step."""


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


def render_command(
    command: str, *, project: Path, wheel: Path, package: Path | None = None, windows: bool | None = None
) -> str:
    """Replace ``{project}``, ``{package}`` (default: the project) and ``{wheel}``, quoted for
    the shell that will run it."""
    windows = os.name == "nt" if windows is None else windows

    def quote(path: Path) -> str:
        text = str(path)
        return f'"{text}"' if windows else shlex.quote(text)

    rendered = command.replace("{project}", quote(project)).replace("{wheel}", quote(wheel))
    return rendered.replace("{package}", quote(package or project))


def shell_argv(command: str, *, windows: bool | None = None) -> list[str]:
    windows = os.name == "nt" if windows is None else windows
    if windows:
        return [os.environ.get("COMSPEC", "cmd.exe"), "/d", "/c", command]
    return ["/bin/sh", "-c", command]


def _wheel_requirement(wheel: Path, extras: Sequence[str]) -> str:
    """The wheel as an installer requirement, with ``extras`` (``name[a,b] @ file:///…``)."""
    path = wheel.resolve()
    if not extras:
        return str(path)
    from packaging.utils import parse_wheel_filename

    name = parse_wheel_filename(path.name)[0]
    return f"{name}[{','.join(extras)}] @ {path.as_uri()}"


def _copy_sources(sources: Sequence[str], project: Path, cwd: Path, log_file: Path | None) -> None:
    """Copy each of ``sources`` (relative to ``project``) to the same place under ``cwd``."""
    import shutil

    for source in sources:
        origin = (project / source).resolve()
        if not origin.is_relative_to(project.resolve()) or not origin.exists():
            raise WheelTestError(
                f"test-sources: {source!r} is not a file or folder of the project",
                why=f"{origin} does not exist inside {project}",
                hint="list paths relative to the project folder (tests, conftest.py …)",
                log_path=log_file,
            )
        target = cwd / source
        target.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, target, symlinks=True, dirs_exist_ok=True)
        else:
            shutil.copy2(origin, target)


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
    steps: TestSteps | None = None,
) -> WheelTestResult:
    """Install ``wheel`` into a new venv under ``workdir`` and run ``command`` there
    (``steps``: extras, sources, commands before it, variables).

    Raises :class:`WheelTestError` when the command exits non-zero (or the wheel cannot be
    installed); the error carries the tail of the output and the log path.
    """
    start = time.perf_counter()
    steps = steps or TestSteps()
    settings = InstallSettings(log_file=log_file, timeout=timeout)
    env = VenvEnv.create(workdir / "venv", interpreter, installer=installer, settings=settings)
    try:
        env.install([_wheel_requirement(wheel, steps.extras), *requires])
    except Exception as exc:
        raise WheelTestError(
            f"could not install {wheel.name} for testing on Python {interpreter.full_version}",
            why=str(exc),
            hint="the wheel's dependencies or test-requires may not resolve; see the log",
            log_path=log_file,
        ) from exc
    cwd = workdir / "cwd"
    cwd.mkdir(parents=True, exist_ok=True)
    _copy_sources(steps.sources, project_dir, cwd, log_file)
    extra = {**steps.environ, **env.make_extra_environ()}
    extra.pop("PYTHONHOME", None)
    step = command
    try:
        for step in (*steps.before, command):
            rendered = render_command(step, project=project_dir, wheel=wheel.resolve())
            _proc.run(shell_argv(rendered), cwd=cwd, extra_env=extra, log_file=log_file, timeout=timeout)
    except _proc.ProcessFailed as exc:
        lines = [line for line in exc.tail.splitlines() if line.strip()]
        status = "timed out" if exc.timed_out else f"exited with {exc.returncode}"
        raise WheelTestError(
            f"the test command failed for {wheel.name} on Python {interpreter.full_version}",
            why=("before-test " if step != command else "") + f"`{step}` {status}"
            + (f": {lines[-1].strip()}" if lines else ""),
            hint="run the command in a venv with the wheel installed to reproduce; the log has "
            "the whole output",
            details="\n".join(lines[-20:]),
            log_path=exc.log_path,
        ) from exc
    return WheelTestResult(
        command=command, passed=True, seconds=time.perf_counter() - start, python=interpreter.full_version
    )
