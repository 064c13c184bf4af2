"""The repair stage of the pipeline: one call that repairs a built wheel if it needs it,
checks the tags it will be published with, and audits abi3 claims.

The repair tools (auditwheel, delocate, delvewheel) are installed on first use, once per
process, whichever build asks first (:data:`TOOLS`)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from headless_wheel_builder.errors import RepairError, UsageError
from headless_wheel_builder.platforms import (
    Identifier,
    host_platform,
    parse_policy,
    policy_arch,
    python_mismatch,
)
from headless_wheel_builder.repair.platform import (
    AuditwheelRepairer,
    RepairContext,
    Repairer,
    RepairMode,
    abi3_audit,
    check_final_tags,
    needs_repair,
)
from headless_wheel_builder.repair.tools import ToolEnv, ensure_tool

__all__ = ["TOOLS", "RepairInfo", "RepairOutcome", "Tools", "check_repairable", "repair_wheel"]


@dataclass(frozen=True, kw_only=True)
class RepairInfo:
    tool: str
    original: str
    repaired: str

    def to_dict(self) -> dict[str, str]:
        return {"tool": self.tool, "from": self.original, "to": self.repaired}


@dataclass(frozen=True, kw_only=True)
class RepairOutcome:
    wheel: Path
    """The wheel to publish: the repaired one, or the built one when none was needed."""
    repair: RepairInfo | None
    warnings: tuple[str, ...]


class Tools:
    """Repair tools, installed on first use (one at a time, shared by all builds)."""

    def __init__(self, factory: Callable[[str], ToolEnv] = ensure_tool) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._made: dict[str, ToolEnv] = {}

    def get(self, name: str) -> ToolEnv:
        with self._lock:
            if name not in self._made:
                self._made[name] = self._factory(name)
            return self._made[name]


#: The tool environments of this process.
TOOLS = Tools()


def check_repairable(identifier: Identifier, mode: RepairMode, manylinux: str | None) -> None:
    """Fail early (before any build) on an unknown repair mode or policy."""
    if mode not in ("auto", "always", "never"):
        raise RepairError(f"unknown repair mode {mode!r}", why="expected auto, always or never")
    if manylinux and identifier.platform == "linux":
        parse_policy(manylinux, libc=identifier.libc)
        arch = policy_arch(manylinux)
        if arch is not None and arch != identifier.arch:
            raise UsageError(
                f"--manylinux {manylinux} is a policy for {arch}, "
                f"but {identifier} builds for {identifier.arch}",
                hint=f"give the policy without the arch (--manylinux {parse_policy(manylinux)}) "
                "to use it on every architecture",
            )


def check_python(wheel: Path, identifier: Identifier) -> None:
    """A wheel whose ABI tag is not ``identifier``'s Python's (a ``cp313`` wheel from the
    ``cp313t`` leg) is an error: it would not install where it is published for."""
    from packaging.utils import parse_wheel_filename

    why = python_mismatch(identifier, parse_wheel_filename(wheel.name)[3])
    if why is not None:
        raise RepairError(
            f"{wheel.name} is not a wheel for {identifier}",
            why=why,
            hint="check that --python names the interpreter the identifier stands for "
            "(3.13t for cp313t-*, pp39 or a PyPy path for pp39-*)",
        )


def repairer_for(ident: Identifier, manylinux: str | None, tools: Tools) -> Repairer:
    if ident.platform == "linux":
        policy = parse_policy(manylinux, libc=ident.libc) if manylinux else None
        return AuditwheelRepairer(tools.get("auditwheel"), policy=policy, arch=ident.arch, libc=ident.libc)
    from headless_wheel_builder.repair._apple_windows import DelocateRepairer, DelvewheelRepairer

    if ident.platform == "macos":
        return DelocateRepairer(tools.get("delocate"), arch=ident.arch)
    return DelvewheelRepairer(tools.get("delvewheel"))


def repair_wheel(
    wheel: Path,
    *,
    identifier: Identifier,
    mode: RepairMode,
    manylinux: str | None,
    dest: Path,
    log_file: Path | None = None,
    timeout: float | None = None,
    environ: Mapping[str, str] | None = None,
    tools: Tools = TOOLS,
) -> RepairOutcome:
    """Repair ``wheel`` as ``mode`` asks for ``identifier`` (only on its own platform: a
    wheel for another one cannot be built here anyway), then check its final tags and its
    abi3 claim.  Raises RepairError when the wheel cannot be published as asked."""
    check_repairable(identifier, mode, manylinux)
    repair: RepairInfo | None = None
    if needs_repair(wheel, identifier.platform, mode) and identifier.platform == host_platform():
        repairer = repairer_for(identifier, manylinux, tools)
        context = RepairContext(dest=dest, log_file=log_file, timeout=timeout, environ=dict(environ or {}))
        repaired = repairer.repair(wheel, context)
        repair = RepairInfo(tool=repairer.name, original=wheel.name, repaired=repaired.name)
        wheel = repaired
    policy = parse_policy(manylinux, libc=identifier.libc) if manylinux else None
    warnings = check_final_tags(wheel, identifier.platform, policy=policy, allow_unrepaired=mode == "never")
    check_python(wheel, identifier)
    abi3_audit(wheel, log_file=log_file, timeout=timeout)
    return RepairOutcome(wheel=wheel, repair=repair, warnings=tuple(warnings))
