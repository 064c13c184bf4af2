"""``--isolation auto``: which environment a build gets, and why.

- a pure-Python project: a virtual environment (one ``py3-none-any`` wheel runs anywhere);
- platform wheels for a manylinux/musllinux target on Linux, with a working engine: a container
  (the wheel is compiled against the target's old glibc, so it runs on every system it claims);
- otherwise a virtual environment and auditwheel repair, with a warning saying what
  portability was lost and how to get it back.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from headless_wheel_builder.isolation.engine import Engine, EngineName, available_engine
from headless_wheel_builder.platforms import DEFAULT_POLICY

Mode = Literal["auto", "venv", "docker", "podman"]
Kind = Literal["venv", "docker", "podman"]
MODES: tuple[Mode, ...] = ("auto", "venv", "docker", "podman")


@dataclass(frozen=True, kw_only=True)
class IsolationChoice:
    """The environment a build gets, the reason, and (for a fallback) what was lost."""

    kind: Kind
    reason: str
    warning: str | None = None
    mode: Mode = "auto"

    @property
    def container(self) -> bool:
        return self.kind != "venv"

    def to_dict(self) -> dict[str, str | None]:
        return {"mode": self.mode, "kind": self.kind, "reason": self.reason, "warning": self.warning}


def choose_isolation(
    mode: Mode,
    *,
    pure: bool | None,
    target: str | None = None,
    repair: str = "auto",
    system: str | None = None,
    find: Callable[[EngineName | None], tuple[Engine | None, str]] = available_engine,
) -> IsolationChoice:
    """The environment for a build in ``mode`` of a project that is ``pure`` (None: unknown).

    ``target`` is the manylinux/musllinux policy asked for (None: the default one);
    ``system`` defaults to this machine's (``Linux``, ``Darwin``, ``Windows``)."""
    if mode == "venv":
        return IsolationChoice(kind="venv", reason="asked for (--isolation venv)", mode=mode)
    if mode in ("docker", "podman"):
        return IsolationChoice(kind=mode, reason=f"asked for (--isolation {mode})", mode=mode)
    system = system or platform.system()
    if pure:
        return IsolationChoice(
            kind="venv", reason="pure-Python project: one py3-none-any wheel, no container needed"
        )
    if system != "Linux":
        return IsolationChoice(
            kind="venv", reason=f"containers build Linux wheels; this is {system}: a virtual environment"
        )
    if repair == "never":
        return IsolationChoice(
            kind="venv", reason="--repair never: the wheel keeps its linux_* tag, so no container is needed"
        )
    wanted = target or DEFAULT_POLICY
    engine, why = find(None)
    if engine is not None:
        return IsolationChoice(
            kind=engine.name,
            reason=f"platform wheels for {wanted}: built in its image with {engine.name}",
        )
    return IsolationChoice(
        kind="venv",
        reason=f"platform wheels, but no working container engine ({why})",
        warning=fallback_warning(wanted),
    )


def fallback_warning(target: str) -> str:
    """What a platform wheel loses when it is built on the host instead of in ``target``'s image."""
    libc = host_glibc()
    built_on = f"this machine's glibc {libc}" if libc else "this machine's C library"
    return (
        f"building platform wheels in a virtual environment, not in a {target} container: they are "
        f"compiled against {built_on}, so auditwheel can only tag them for that version or newer "
        f"and they will not install on older systems that {target} covers; install Docker or "
        "Podman (or start the Docker daemon) and build with --isolation auto or docker for "
        "portable wheels"
    )


def host_glibc() -> str | None:
    """The running C library's glibc version (``2.36``), None elsewhere."""
    import os

    try:
        name, _, version = (os.confstr("CS_GNU_LIBC_VERSION") or "").partition(" ")
    except (AttributeError, ValueError, OSError):
        return None
    return version if name == "glibc" and version else None
