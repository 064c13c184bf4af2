"""Container engines: find docker or podman, check that it works, explain why it does not.

Docker needs its daemon; Podman is daemonless.  :func:`find_engine` asks the engine for
``info`` once (cached), so the errors a user meets are told apart and each gets its next
step: nothing installed, daemon not running, permission denied on the socket.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from functools import cache
from typing import Literal, get_args

from headless_wheel_builder import _proc
from headless_wheel_builder._log import redact, with_stream
from headless_wheel_builder.errors import (
    ContainerEngineNotFoundError,
    ContainerEngineUnavailableError,
    ContainerError,
    ContainerImageError,
    ContainerKilledError,
)

EngineName = Literal["docker", "podman"]
ENGINES: tuple[EngineName, ...] = get_args(EngineName)
#: Label put on every container hwb starts (value: the hwb process id).
LABEL = "io.hwb.owner-pid"


@dataclass(frozen=True, kw_only=True)
class Engine:
    """A working container engine."""

    name: EngineName
    executable: str
    rootless: bool = False

    def command(self, *args: str) -> list[str]:
        return [self.executable, *args]

    def run_flags(self) -> list[str]:
        """Flags every ``run`` needs on this engine: Podman's default rlimits fail on hosts
        whose hard limits are lower than its defaults (``error setting rlimit type 7``)."""
        if self.name != "podman":
            return []
        nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        nofile = 1048576 if nofile == resource.RLIM_INFINITY else nofile
        return ["--ulimit", f"nofile={nofile}:{nofile}", "--ulimit", "nproc=32768:32768"]


def find_engine(preferred: EngineName | None = None) -> Engine:
    """The engine to use: ``preferred``, else the first of docker, podman that works.

    Raises ContainerEngineNotFoundError when none is installed, and
    ContainerEngineUnavailableError (saying why) when it is installed but does not answer.
    """
    names = (preferred,) if preferred else ENGINES
    problems: list[ContainerError] = []
    for name in names:
        try:
            return probe_engine(name)
        except ContainerError as exc:
            problems.append(exc)
    unavailable = [p for p in problems if isinstance(p, ContainerEngineUnavailableError)]
    if unavailable:
        raise unavailable[0]
    asked = preferred or "docker or podman"
    raise ContainerEngineNotFoundError(
        f"no container engine found ({asked})",
        why=f"{' and '.join(names)} {'is' if len(names) == 1 else 'are'} not on PATH",
        hint="install Docker (https://docs.docker.com/engine/install/) or Podman "
        "(apt-get install podman), or build with --isolation venv (the wheel is then only as "
        "portable as this machine's glibc)",
    )


def available_engine(preferred: EngineName | None = None) -> tuple[Engine | None, str]:
    """Like :func:`find_engine`, but returns (None, why) instead of raising."""
    try:
        return find_engine(preferred), ""
    except ContainerError as exc:
        return None, str(exc)


def probe_engine(name: EngineName) -> Engine:
    return _probe(name, os.environ.get("PATH", ""))


@cache
def _probe(name: EngineName, path: str) -> Engine:
    exe = _proc.which(name, path=path)
    if exe is None:
        raise ContainerEngineNotFoundError(f"{name} is not installed", why=f"no {name} on PATH")
    try:
        out = _proc.capture([exe, "info", "--format", "{{json .}}"], timeout=60)
    except _proc.ProcessFailed as exc:
        raise unavailable_error(name, exc.tail, exc.timed_out) from exc
    text = out.output
    rootless = name == "podman" and '"rootless":true' in text.replace(" ", "").lower()
    if name == "docker" and "name=rootless" in text:
        rootless = True
    return Engine(name=name, executable=exe, rootless=rootless)


def unavailable_error(name: EngineName, output: str, timed_out: bool = False) -> ContainerError:
    """The error for an engine whose ``info`` failed, telling the common causes apart."""
    lower = output.lower()
    last = _last_line(output) or f"{name} info failed"
    if timed_out:
        return ContainerEngineUnavailableError(
            f"{name} does not answer", why=f"`{name} info` ran longer than 60 s",
            hint=f"check the {name} service (restart it), then retry",
        )  # fmt: skip
    if "permission denied" in lower and ("docker.sock" in lower or "socket" in lower):
        return ContainerEngineUnavailableError(
            f"{name} refused this user",
            why="permission denied on the Docker socket",
            hint="add yourself to the docker group (`sudo usermod -aG docker $USER`, then log in "
            "again), use rootless Docker, or use --isolation podman",
        )
    if "cannot connect to the docker daemon" in lower or "is the docker daemon running" in lower:
        return ContainerEngineUnavailableError(
            "the Docker daemon is not running",
            why=last,
            hint="start it (`sudo systemctl start docker`, or `sudo dockerd &` where there is no "
            "systemd), or use --isolation podman, which needs no daemon",
        )
    if "rlimit" in lower:
        return ContainerEngineUnavailableError(
            "podman cannot set its resource limits on this host",
            why=last,
            hint="hwb passes --ulimit nofile/nproc itself; set `ulimit -Hn` higher, or use Docker",
        )
    return ContainerEngineUnavailableError(
        f"{name} does not work", why=last, hint=f"run `{name} info` to see what is wrong"
    )


def run_error(
    engine: Engine, action: str, exc: _proc.ProcessFailed, *, image: str | None = None
) -> ContainerError:
    """Translate a failed engine command (run, exec, pull, build) into a ContainerError."""
    lower = exc.tail.lower()
    last = _last_line(exc.tail) or f"{engine.name} exited with {exc.returncode}"
    if exc.returncode == 137 or "oomkilled" in lower:
        return ContainerKilledError(
            f"the build in the container was killed while it {action}",
            why="exit 137 (SIGKILL): usually the out-of-memory killer, or the container was stopped",
            hint="give the container more memory (--container-engine-args=--memory=8g, or raise "
            "Docker Desktop's limit), or build fewer things at once (-j 1)",
            details=_tail(exc.tail),
            log_path=exc.log_path,
        )
    if "cannot connect to the docker daemon" in lower or "permission denied" in lower:
        return unavailable_error(engine.name, exc.tail)
    if "exec format error" in lower:
        from headless_wheel_builder.isolation.emulation import BINFMT_MISC, ENABLE_EMULATION

        return ContainerEngineUnavailableError(
            f"the image's binaries cannot run on this machine ({engine.name} {action})",
            why=f"{last} (an image of another architecture, and no QEMU emulation for it)",
            hint=ENABLE_EMULATION.format(root=BINFMT_MISC),
            details=_tail(exc.tail),
            log_path=exc.log_path,
        )
    if image is not None and _is_pull_failure(lower):
        return ContainerImageError(
            f"the image {image} is not here and could not be pulled",
            why=last,
            hint="pull it where the registry is reachable and move it with `docker save`/`docker "
            "load`, point --image at a local image, or build one from a Dockerfile "
            "(container-dockerfile)",
        )
    return ContainerError(
        f"{engine.name} failed while it {action}",
        why=last,
        hint=with_stream("the log has the engine's full output", "streams it"),
        details=_tail(exc.tail),
        log_path=exc.log_path,
    )


def _is_pull_failure(lower: str) -> bool:
    return any(
        marker in lower
        for marker in (
            "unable to find image",
            "pull access denied",
            "manifest unknown",
            "error pulling image",
            "initializing source",
            "no such image",
            "repository does not exist",
            "trying to pull",
            "failed to resolve reference",
            "no such host",
            "dial tcp",
            "/v2/",
            "i/o timeout",
            "tls handshake",
            "not found",
        )
    )


def _tail(text: str, lines: int = 25) -> str:
    return redact("\n".join(text.rstrip("\n").splitlines()[-lines:]))


def _last_line(text: str) -> str:
    """The last ``error:`` line of ``text`` (hwb's own, or the engine's), else its last line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.lower().startswith(("error:", "error response"))]
    return redact((errors or lines)[-1]) if lines else ""
