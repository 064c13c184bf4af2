"""``ContainerEnv``: one running Docker or Podman container that builds run in.

The container is started once (``run -d``, an idle main process) and used through ``exec``
for every step, then removed: by :meth:`ContainerEnv.remove`, by leaving the ``with`` block
(also on an error or Ctrl-C), and on SIGTERM/SIGHUP, which are turned into the same unwinding
while a container is alive.  Containers are named ``hwb-<pid>-<random>`` and labelled
``io.hwb.owner-pid=<pid>`` so that nothing can be left behind unnoticed; a SIGKILLed hwb's
watchdog removes its container (``_proc.on_death``).

Values of environment variables are never put on a command line (they may hold index
credentials): they are passed as ``-e NAME`` with the value in the engine client's environment.
The class also implements :class:`~headless_wheel_builder.isolation.base.IsolatedEnv`
(``install`` fills a virtual environment inside the container with pip).
"""

from __future__ import annotations

import os
import secrets
import signal
import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType

from headless_wheel_builder import _proc
from headless_wheel_builder._log import logger, with_stream
from headless_wheel_builder.errors import ContainerError, DependencyError
from headless_wheel_builder.isolation.base import Installer
from headless_wheel_builder.isolation.engine import LABEL, Engine, run_error


@dataclass(frozen=True, kw_only=True)
class Mount:
    """A bind mount (``source`` is a host path) or a named volume (``volume=True``)."""

    source: str
    target: str
    readonly: bool = False
    volume: bool = False

    def flag(self) -> str:
        kind = "volume" if self.volume else "bind"
        readonly = ",readonly" if self.readonly else ""
        return f"type={kind},source={self.source},target={self.target}{readonly}"


@dataclass(frozen=True, kw_only=True)
class ContainerConfig:
    """How the container is started."""

    image: str
    mounts: tuple[Mount, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    """Set in the container; values travel through the client's environment, not argv."""
    platform: str | None = None
    """``--platform`` (``linux/arm64``): the architecture the container runs (under QEMU when
    it is not the host's)."""
    gpus: str | None = None
    """``--gpus`` value (``all``, ``device=0``) for CUDA builds; Docker only."""
    engine_args: tuple[str, ...] = ()
    """Extra arguments for ``run`` (``--memory=8g``, ``--network=host`` …)."""
    log_file: Path | None = None
    verbose: bool = False
    timeout: float | None = None


def container_name() -> str:
    return f"hwb-{os.getpid()}-{secrets.token_hex(4)}"


class ContainerEnv:
    """A running container.  Use as a context manager; :meth:`start` makes one."""

    #: Where the virtual environment made by :meth:`install` lives in the container.
    VENV = "/hwb/venv"

    def __init__(self, engine: Engine, name: str, config: ContainerConfig, *, base_python: str) -> None:
        self.engine = engine
        self.name = name
        self.config = config
        self.base_python = base_python
        self._removed = False
        self._venv_ready = False

    # -- lifecycle --------------------------------------------------------------------

    @classmethod
    def start(cls, engine: Engine, config: ContainerConfig, *, base_python: str = "python3") -> ContainerEnv:
        name = container_name()
        args = ["run", "-d", "--name", name, "--label", f"{LABEL}={os.getpid()}", "--label", "io.hwb=1"]
        args += engine.run_flags()
        for mount in config.mounts:
            args += ["--mount", mount.flag()]
        for key in sorted(config.environment):
            args += ["-e", key]
        if config.platform:
            args += ["--platform", config.platform]
        if config.gpus:
            args += ["--gpus", config.gpus]
        args += [*config.engine_args, "--entrypoint", "tail", config.image, "-f", "/dev/null"]
        env = ContainerEnv(engine, name, config, base_python=base_python)
        _proc.on_death(env._rm_command())  # a SIGKILLed hwb cannot remove it: its watchdog does
        try:
            _proc.run(
                engine.command(*args),
                extra_env=dict(config.environment),
                log_file=config.log_file,
                timeout=config.timeout or 600,
            )
        except _proc.ProcessFailed as exc:
            env.remove()
            action = f"started a container from {config.image}"
            raise run_error(engine, action, exc, image=config.image) from exc
        except BaseException:
            env.remove()
            raise
        logger.info("started container %s from %s", name, config.image)
        return env

    def remove(self) -> None:
        """Remove the container (idempotent; never raises)."""
        if self._removed:
            return
        self._removed = True
        with _signals_deferred():
            try:
                _proc.capture(self._rm_command(), timeout=120, check=False)
            except _proc.ProcessFailed as exc:  # the engine vanished: nothing more to do
                logger.warning("could not remove container %s: %s", self.name, exc.tail.strip())
            _proc.cancel_on_death(self._rm_command())
        logger.info("removed container %s", self.name)

    def _rm_command(self) -> list[str]:
        return self.engine.command("rm", "-f", "-v", self.name)

    def __enter__(self) -> ContainerEnv:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.remove()

    # -- running things ---------------------------------------------------------------

    def exec(
        self,
        args: Sequence[str],
        *,
        action: str,
        env: Mapping[str, str] | None = None,
        workdir: str | None = None,
        stream: bool | None = None,
        timeout: float | None = None,
        quiet: bool = False,
    ) -> _proc.ProcResult:
        """Run ``args`` in the container; ContainerError (ContainerKilledError for exit 137)
        naming ``action`` when it fails.  ``quiet``: capture all output, log nothing."""
        cmd = ["exec"]
        for key in sorted(env or {}):
            cmd += ["-e", key]
        if workdir:
            cmd += ["-w", workdir]
        cmd += [self.name, *args]
        try:
            if quiet:
                return _proc.capture(self.engine.command(*cmd), extra_env=env, timeout=timeout)
            return _proc.run(
                self.engine.command(*cmd),
                extra_env=env,
                stream=self.config.verbose if stream is None else stream,
                log_file=self.config.log_file,
                timeout=timeout or self.config.timeout,
            )
        except _proc.ProcessFailed as exc:
            raise run_error(self.engine, action, exc) from exc

    def shell(self, script: str, *, action: str, env: Mapping[str, str] | None = None) -> _proc.ProcResult:
        """Run a shell command line (``before-all``, copies) in the container."""
        return self.exec(["sh", "-c", script], action=action, env=env)

    def copy_out(self, path: str, dest: Path) -> None:
        """Copy ``path`` (a folder: its contents) out; the files belong to the calling user."""
        dest.mkdir(parents=True, exist_ok=True)
        try:
            _proc.run(
                self.engine.command("cp", f"{self.name}:{path.rstrip('/')}/.", str(dest)),
                log_file=self.config.log_file,
                timeout=600,
            )
        except _proc.ProcessFailed as exc:
            raise run_error(self.engine, f"copied {path} out", exc) from exc

    # -- IsolatedEnv ------------------------------------------------------------------

    @property
    def python_executable(self) -> str:
        return f"{self.VENV}/bin/python"

    @property
    def installer(self) -> Installer:
        return "pip"

    def make_extra_environ(self) -> dict[str, str]:
        return {"VIRTUAL_ENV": self.VENV}

    def install(self, requirements: Collection[str]) -> None:
        """pip-install ``requirements`` into the container's virtual environment (made from
        ``base_python`` on first use)."""
        reqs = sorted(set(requirements))
        if not self._venv_ready:
            self.exec([self.base_python, "-m", "venv", self.VENV], action="created a virtual environment")
            self._venv_ready = True
        if not reqs:
            return
        try:
            self.exec(
                [self.python_executable, "-m", "pip", "install", "--disable-pip-version-check",
                 "--no-input", "-q", "--", *reqs],
                action=f"installed {', '.join(reqs)}",
            )  # fmt: skip
        except ContainerError as exc:
            if type(exc) is not ContainerError:
                raise
            raise DependencyError(
                "could not install requirements in the container",
                why=f"{exc.why} (requirements: {', '.join(reqs)})",
                hint=with_stream("check network access and index settings in the container (the host's "
                                 "CA bundle and PIP_INDEX_URL are passed in unless --no-host-settings)",
                                 "shows pip's output"),
                details=exc.details,
                log_path=exc.log_path,
            ) from exc


# -- signals -----------------------------------------------------------------------------


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise KeyboardInterrupt (main thread only; not when
    someone — the CLI — already handles SIGTERM)."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return

    def _raise(signum: int, frame: FrameType | None) -> None:
        interrupt = KeyboardInterrupt(f"signal {signum}")
        interrupt.signum = signum  # type: ignore[attr-defined]  # read by interrupt_exit_code
        raise interrupt

    previous = {sig: signal.signal(sig, _raise) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Ignore SIGINT/SIGTERM/SIGHUP while a container is being removed (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    sigs = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in sigs}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
