"""macOS and Windows: delocate, delvewheel, deployment targets, ARCHFLAGS, MSVC detection.

VERIFIED IN LOGIC ONLY: hwb's own machines run Linux, so this module is covered by unit
tests of its commands, environments and parsing, not by real builds, until CI runs on macOS
and Windows (docs/MATRIX.md says so too).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from headless_wheel_builder.errors import RepairError
from headless_wheel_builder.platforms import ARCHS, UNIVERSAL2_ARCHS
from headless_wheel_builder.repair.platform import RepairContext, _run_repair
from headless_wheel_builder.repair.tools import ToolEnv

#: The oldest macOS each architecture's CPython.org installers support (cibuildwheel's defaults).
DEFAULT_DEPLOYMENT_TARGET = {"x86_64": "10.9", "arm64": "11.0", "universal2": "10.9"}
#: macOS arch -> the architectures its binaries hold (delocate's ``--require-archs``).
_DELOCATE_ARCHS = {a: ",".join(UNIVERSAL2_ARCHS) if a == "universal2" else a for a in ARCHS["macos"]}


def macos_build_environ(arch: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Variables for a macOS build of ``arch`` (x86_64, arm64, universal2).

    ``MACOSX_DEPLOYMENT_TARGET`` is the user's when set, else the oldest the arch allows
    (raised to 11.0 for arm64); ``ARCHFLAGS`` tells setuptools and friends which ``-arch``
    flags to compile with; ``_PYTHON_HOST_PLATFORM`` makes the wheel tag match.
    """
    env = os.environ if environ is None else environ
    if arch not in _DELOCATE_ARCHS:
        raise RepairError(
            f"cannot build for macOS architecture {arch!r}", why="expected x86_64, arm64 or universal2"
        )
    target = env.get("MACOSX_DEPLOYMENT_TARGET") or DEFAULT_DEPLOYMENT_TARGET[arch]
    if arch == "arm64" and _version(target) < (11, 0):
        target = "11.0"
    flags = " ".join(f"-arch {a}" for a in _DELOCATE_ARCHS[arch].split(","))
    return {
        "MACOSX_DEPLOYMENT_TARGET": target,
        "ARCHFLAGS": flags,
        "_PYTHON_HOST_PLATFORM": f"macosx-{target}-{arch}",
    }


def _version(text: str) -> tuple[int, int]:
    parts = [int(p) for p in text.split(".")[:2] if p.isdigit()]
    padded = [*parts, 0, 0]
    return padded[0], padded[1]


class DelocateRepairer:
    """``delocate-wheel`` (delocate from PyPI): copies dylibs in, checks architectures."""

    name = "delocate"

    def __init__(self, tool: ToolEnv, *, arch: str) -> None:
        if arch not in _DELOCATE_ARCHS:
            raise RepairError(
                f"delocate cannot check macOS architecture {arch!r}",
                why="expected x86_64, arm64 or universal2",
            )
        self.tool = tool
        self.arch = arch

    def command(self, wheel: Path, dest: Path) -> list[str]:
        return [
            str(self.tool.scripts / "delocate-wheel"),
            "--require-archs",
            _DELOCATE_ARCHS[self.arch],
            "-w",
            str(dest),
            "-v",
            str(wheel),
        ]

    def repair(self, wheel: Path, context: RepairContext) -> Path:
        return _run_repair(self.name, self.command(wheel, context.dest), wheel, context, self.tool.environ())


class DelvewheelRepairer:
    """``delvewheel repair`` (delvewheel from PyPI): copies DLLs in, mangles their names."""

    name = "delvewheel"

    def __init__(self, tool: ToolEnv, *, add_paths: tuple[Path, ...] = ()) -> None:
        self.tool = tool
        self.add_paths = add_paths

    def command(self, wheel: Path, dest: Path) -> list[str]:
        cmd = self.tool.command("delvewheel", "repair", "-w", dest)
        if self.add_paths:
            cmd += ["--add-path", os.pathsep.join(str(p) for p in self.add_paths)]
        return [*cmd, str(wheel)]

    def repair(self, wheel: Path, context: RepairContext) -> Path:
        return _run_repair(self.name, self.command(wheel, context.dest), wheel, context, self.tool.environ())


@dataclass(frozen=True, kw_only=True)
class MsvcStatus:
    found: bool
    path: str | None
    how: str
    hint: str | None = None


def _vswhere_path(environ: Mapping[str, str]) -> Path:
    root = environ.get("ProgramFiles(x86)") or environ.get("ProgramFiles") or r"C:\Program Files (x86)"
    return Path(root) / "Microsoft Visual Studio" / "Installer" / "vswhere.exe"


def detect_msvc(
    environ: Mapping[str, str] | None = None,
    run: Callable[[list[str]], str | None] | None = None,
    exists: Callable[[Path], bool] = Path.exists,
) -> MsvcStatus:
    """Find the MSVC C/C++ build tools on Windows.

    An activated developer prompt (``VCINSTALLDIR``) wins; otherwise ``vswhere`` is asked for
    an installation with the x86/x64 C++ tools.  ``run`` runs a command and returns its
    output (None on failure); it is injectable so the logic can be tested anywhere.
    """
    env = os.environ if environ is None else environ
    if env.get("VCINSTALLDIR"):
        return MsvcStatus(found=True, path=env["VCINSTALLDIR"], how="VCINSTALLDIR (developer prompt)")
    vswhere = _vswhere_path(env)
    hint = (
        "install the Visual Studio Build Tools with the 'Desktop development with C++' workload "
        "(https://visualstudio.microsoft.com/visual-cpp-build-tools/)"
    )
    if not exists(vswhere):
        return MsvcStatus(found=False, path=None, how="vswhere.exe not found", hint=hint)
    runner = run or _run_quiet
    output = runner(
        [
            str(vswhere),
            "-latest",
            "-products",
            "*",
            "-requires",
            "Microsoft.VisualStudio.Component.VC.Tools.x86.x64",
            "-property",
            "installationPath",
        ]
    )
    lines = [line.strip() for line in (output or "").splitlines() if line.strip()]
    if not lines:
        return MsvcStatus(found=False, path=None, how="vswhere found no C++ build tools", hint=hint)
    return MsvcStatus(found=True, path=lines[0], how="vswhere")


def _run_quiet(cmd: list[str]) -> str | None:
    from headless_wheel_builder import _proc

    try:
        return _proc.capture(cmd, timeout=60).output
    except _proc.ProcessFailed:
        return None
