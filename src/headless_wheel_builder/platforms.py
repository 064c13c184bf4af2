"""Build identifiers in the form users know from cibuildwheel (``cp312-manylinux_x86_64``),
and the selection of the ones to build.

Everything here is pure: Python requests, platforms and architectures are expanded into
identifiers; ``select``/``skip`` fnmatch patterns and the project's ``requires-python`` then
remove some, each with the reason why.
"""

from __future__ import annotations

import fnmatch
import platform as _platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from headless_wheel_builder.errors import UsageError
from headless_wheel_builder.isolation.python import parse_version_spec

Platform = Literal["linux", "macos", "windows"]
PLATFORMS: tuple[Platform, ...] = ("linux", "macos", "windows")

#: CPython minor versions hwb knows how to build for (``all`` means these).
CPYTHON_MINORS: tuple[int, ...] = (8, 9, 10, 11, 12, 13, 14)

#: Architectures per platform, in the spelling of the identifiers (and of cibuildwheel).
ARCHS: dict[Platform, tuple[str, ...]] = {
    "linux": ("x86_64", "aarch64", "i686", "ppc64le", "s390x", "armv7l"),
    "macos": ("x86_64", "arm64", "universal2"),
    "windows": ("AMD64", "x86", "ARM64"),
}
#: The architecture a platform is planned for when none is given and it is not this machine.
DEFAULT_ARCH: dict[Platform, str] = {"linux": "x86_64", "macos": "arm64", "windows": "AMD64"}
_WINDOWS_PLATFORM_TAGS = {"AMD64": "win_amd64", "x86": "win32", "ARM64": "win_arm64"}
_ARCH_ALIASES = {"amd64": "x86_64", "arm64": "aarch64", "x64": "x86_64", "i386": "i686"}
#: Other spellings of an architecture, per platform.
_PLATFORM_ALIASES: dict[Platform, dict[str, str]] = {
    "linux": {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64", "i386": "i686", "x86": "i686"},
    "macos": {"aarch64": "arm64", "amd64": "x86_64", "x64": "x86_64"},
    "windows": {"x86_64": "amd64", "x64": "amd64", "arm64": "arm64", "aarch64": "arm64", "win32": "x86"},
}


@dataclass(frozen=True, kw_only=True, order=True)
class Identifier:
    """One build: an interpreter version on a platform and architecture."""

    platform: Platform
    arch: str
    minor: int
    major: int = 3
    libc: Literal["manylinux", "musllinux"] = "manylinux"
    """Linux only: glibc (manylinux) or musl (musllinux) wheels."""

    @property
    def python(self) -> str:
        """``3.12``"""
        return f"{self.major}.{self.minor}"

    @property
    def python_tag(self) -> str:
        """``cp312``"""
        return f"cp{self.major}{self.minor}"

    @property
    def platform_part(self) -> str:
        if self.platform == "linux":
            return f"{self.libc}_{self.arch}"
        if self.platform == "macos":
            return f"macosx_{self.arch}"
        return _WINDOWS_PLATFORM_TAGS.get(self.arch, f"win_{self.arch.lower()}")

    def __str__(self) -> str:
        return f"{self.python_tag}-{self.platform_part}"


@dataclass(frozen=True, kw_only=True)
class PythonRequest:
    """One entry of ``pythons``: a version, or a path to an interpreter (resolved later)."""

    version: tuple[int, int] | None
    path: str | None = None
    explicit: bool = True
    """False when it came from ``all`` (a missing one is then skipped, not an error)."""


@dataclass(frozen=True, kw_only=True)
class Skipped:
    identifier: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"identifier": self.identifier, "reason": self.reason}


def host_platform() -> Platform:
    if sys.platform == "darwin":
        return "macos"
    return "windows" if sys.platform == "win32" else "linux"


def native_arch(platform: Platform | None = None) -> str:
    """This machine's architecture in identifier spelling (``x86_64``, ``arm64``, ``AMD64``)."""
    platform = platform or host_platform()
    machine = _platform.machine() or "x86_64"
    if platform == "windows":
        return {"amd64": "AMD64", "arm64": "ARM64", "x86": "x86", "i686": "x86"}.get(machine.lower(), machine)
    if platform == "macos":
        return "arm64" if machine.lower() in ("arm64", "aarch64") else "x86_64"
    return _ARCH_ALIASES.get(machine.lower(), machine.lower())


def host_libc() -> Literal["manylinux", "musllinux"]:
    libc, _ = _platform.libc_ver()
    return "musllinux" if sys.platform.startswith("linux") and libc != "glibc" else "manylinux"


def split_list(values: Sequence[str]) -> list[str]:
    """Flatten ``["3.9,3.10", "3.11"]`` into ``["3.9", "3.10", "3.11"]``."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def parse_pythons(specs: Sequence[str]) -> list[PythonRequest]:
    """``3.12``, ``cp312``, ``python3.12``, ``all`` (every CPython hwb knows) or a path."""
    requests: list[PythonRequest] = []
    for spec in split_list(specs):
        if spec.lower() == "all":
            requests += [PythonRequest(version=(3, m), explicit=False) for m in CPYTHON_MINORS]
            continue
        version = parse_version_spec(spec)
        if version is not None:
            requests.append(PythonRequest(version=version))
        elif "/" in spec or "\\" in spec or spec.startswith(("python", ".")):
            requests.append(PythonRequest(version=None, path=spec))
        else:
            raise UsageError(
                f"not a Python version: {spec!r}",
                why="expected a version such as 3.12 or cp312, `all`, or the path to an interpreter",
                hint="write --python 3.9,3.10,3.11 (or repeat --python), or --python all",
            )
    # Keep the first request per version (an explicit one wins over `all`).
    seen: dict[tuple[int, int] | str, PythonRequest] = {}
    for request in requests:
        key = request.version if request.version is not None else str(request.path)
        previous = seen.get(key)
        if previous is None or (request.explicit and not previous.explicit):
            seen[key] = request
    return list(seen.values())


def parse_platforms(values: Sequence[str]) -> list[Platform]:
    result: list[Platform] = []
    for value in split_list(values) or [host_platform()]:
        name = {"darwin": "macos", "macosx": "macos", "win32": "windows", "win": "windows"}.get(
            value.lower(), value.lower()
        )
        if name == "native":
            name = host_platform()
        if name not in PLATFORMS:
            raise UsageError(
                f"unknown platform {value!r}",
                why=f"hwb builds for {', '.join(PLATFORMS)}",
                hint="set platforms (or --platform) to some of linux, macos, windows",
            )
        result += [p for p in PLATFORMS if p == name and p not in result]
    return result


def archs_for(platform: Platform, values: Sequence[str]) -> list[str]:
    """The architectures to plan on ``platform``: the given ones that exist there (``native``
    is this machine's when ``platform`` is this machine's), else the platform's default."""
    wanted = split_list(values) or ["native"]
    known = ARCHS[platform]
    result: list[str] = []
    for value in wanted:
        if value.lower() in ("native", "auto"):
            arch = native_arch(platform) if platform == host_platform() else DEFAULT_ARCH[platform]
        else:
            name = _PLATFORM_ALIASES[platform].get(value.lower(), value.lower())
            arch = next((a for a in known if a.lower() == name), "")
            if not arch:
                continue  # an arch of another platform (e.g. AMD64 when planning linux)
        if arch not in result:
            result.append(arch)
    return result


def validate_archs(values: Sequence[str]) -> None:
    every = {a.lower() for archs in ARCHS.values() for a in archs} | {"native", "auto"}
    unknown = [v for v in split_list(values) if v.lower() not in every]
    if unknown:
        raise UsageError(
            f"unknown architecture {unknown[0]!r}",
            why="known: " + "; ".join(f"{p}: {', '.join(a)}" for p, a in ARCHS.items()),
            hint="set archs (or --arch) to native, or to names from that list",
        )


def expand(
    versions: Sequence[tuple[int, int]], platforms: Sequence[Platform], archs: Sequence[str]
) -> list[Identifier]:
    """Every (version, platform, arch) combination as an identifier, sorted."""
    validate_archs(archs)
    result: set[Identifier] = set()
    for plat in platforms:
        libc = host_libc() if plat == "linux" and host_platform() == "linux" else "manylinux"
        for arch in archs_for(plat, archs):
            for major, minor in versions:
                result.add(Identifier(platform=plat, arch=arch, major=major, minor=minor, libc=libc))
    return sorted(result, key=lambda i: (PLATFORMS.index(i.platform), i.arch, i.major, i.minor))


def matches(identifier: Identifier | str, patterns: Sequence[str]) -> bool:
    """Does any fnmatch pattern (space- or comma-separated lists allowed) match?"""
    text = str(identifier)
    return any(fnmatch.fnmatchcase(text, p) for p in _patterns(patterns))


def _patterns(patterns: Sequence[str]) -> list[str]:
    return [p for value in patterns for p in value.replace(",", " ").split()]


def apply_select_skip(
    identifiers: Sequence[Identifier], select: Sequence[str], skip: Sequence[str]
) -> tuple[list[Identifier], list[Skipped]]:
    kept: list[Identifier] = []
    skipped: list[Skipped] = []
    for ident in identifiers:
        if _patterns(select) and not matches(ident, select):
            skipped.append(Skipped(identifier=str(ident), reason=f"not selected by {' '.join(select)!r}"))
        elif matches(ident, skip):
            pattern = next(p for p in _patterns(skip) if fnmatch.fnmatchcase(str(ident), p))
            skipped.append(Skipped(identifier=str(ident), reason=f"skipped by {pattern!r}"))
        else:
            kept.append(ident)
    return kept, skipped


def requires_python_excludes(requires_python: str | None, version: str) -> str | None:
    """Why ``requires-python`` rules out Python ``version`` (``3.8`` or ``3.8.18``), or None.

    A bare ``X.Y`` is checked as ``X.Y.99``, so ``>=3.9.1`` keeps 3.9 (as cibuildwheel does).
    """
    if not requires_python:
        return None
    try:
        spec = SpecifierSet(requires_python)
    except InvalidSpecifier:
        return None
    full = version if version.count(".") >= 2 else f"{version}.99"
    if spec.contains(full, prereleases=True):
        return None
    return f"requires-python {requires_python!r} excludes Python {version}"
