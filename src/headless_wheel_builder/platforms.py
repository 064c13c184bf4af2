"""The one vocabulary of builds: identifiers in the form users know from cibuildwheel
(``cp312-manylinux_x86_64``), platforms, architectures, Python versions, Linux libc policies
(``manylinux_2_28``, ``manylinux2014``, ``musllinux_1_2``) and the pinned images of a policy,
parsed and formatted here and nowhere else; then the selection of the identifiers to build.

Everything here is pure (the pinned images are package data): Python requests, platforms and
architectures are expanded into identifiers; ``select``/``skip`` fnmatch patterns and the
project's ``requires-python`` then remove some, each with the reason why.  This module sits
below the stages: it imports nothing from hwb but the shared base.
"""

from __future__ import annotations

import fnmatch
import platform as _platform
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

from headless_wheel_builder.errors import UsageError

if TYPE_CHECKING:
    from packaging.tags import Tag

Platform = Literal["linux", "macos", "windows"]
PLATFORMS: tuple[Platform, ...] = ("linux", "macos", "windows")
Libc = Literal["manylinux", "musllinux"]
LIBCS: tuple[Libc, ...] = ("manylinux", "musllinux")

#: CPython minor versions hwb knows how to build for (``all`` means these).
CPYTHON_MINORS: tuple[int, ...] = (8, 9, 10, 11, 12, 13, 14)

# -- architectures -----------------------------------------------------------------------

#: Every spelling of an architecture (lowered) -> its family.
_ARCH_FAMILY = {
    "x86_64": "x86_64", "amd64": "x86_64", "x64": "x86_64",
    "aarch64": "arm64", "arm64": "arm64",
    "i686": "x86", "i386": "x86", "x86": "x86", "win32": "x86",
    "universal2": "universal2", "ppc64le": "ppc64le", "s390x": "s390x", "armv7l": "armv7l",
}  # fmt: skip
#: Family -> the name per platform, in the spelling of the identifiers (and of cibuildwheel).
_ARCH_NAMES: dict[Platform, dict[str, str]] = {
    "linux": {"x86_64": "x86_64", "arm64": "aarch64", "x86": "i686", "ppc64le": "ppc64le",
              "s390x": "s390x", "armv7l": "armv7l"},
    "macos": {"x86_64": "x86_64", "arm64": "arm64", "universal2": "universal2"},
    "windows": {"x86_64": "AMD64", "x86": "x86", "arm64": "ARM64"},
}  # fmt: skip
#: Architectures per platform.
ARCHS: dict[Platform, tuple[str, ...]] = {p: tuple(names.values()) for p, names in _ARCH_NAMES.items()}
#: The architecture a platform is planned for when none is given and it is not this machine.
DEFAULT_ARCH: dict[Platform, str] = {"linux": "x86_64", "macos": "arm64", "windows": "AMD64"}
#: The architectures a macOS universal2 binary holds.
UNIVERSAL2_ARCHS = ("x86_64", "arm64")
_WINDOWS_PLATFORM_TAGS = {"AMD64": "win_amd64", "x86": "win32", "ARM64": "win_arm64"}


def normalize_arch(platform: Platform, value: str) -> str | None:
    """``value`` (any spelling: ``amd64``, ``x64``, ``arm64``, ``aarch64``, ``i386``…) as
    ``platform`` names it (``x86_64``/``AMD64``, ``aarch64``/``arm64``/``ARM64``…), or None
    when that architecture does not exist there (``universal2`` on Linux) or is unknown."""
    family = _ARCH_FAMILY.get(value.strip().lower())
    return _ARCH_NAMES[platform].get(family) if family else None


def native_arch(platform: Platform | None = None) -> str:
    """This machine's architecture in identifier spelling (``x86_64``, ``arm64``, ``AMD64``)."""
    platform = platform or host_platform()
    machine = _platform.machine() or "x86_64"
    return normalize_arch(platform, machine) or machine.lower()


@dataclass(frozen=True, kw_only=True)
class LinuxArch:
    """A Linux architecture as containers, QEMU and ELF files name it."""

    name: str
    """The identifier spelling: ``aarch64``."""
    oci: str
    """The image config's ``Architecture`` (``arm64``) and ``Variant`` (``v7``), the OCI names."""
    variant: str = ""
    elf_machine: int
    """``e_machine`` of its ELF files (AArch64: 183)."""
    elf_64: bool = True
    little_endian: bool = True
    qemu: str
    """QEMU's name for it (``qemu-aarch64``, the binfmt_misc handler Debian registers)."""

    @property
    def platform(self) -> str:
        """The engine's ``--platform``: ``linux/arm64``, ``linux/arm/v7``."""
        return "/".join(p for p in ("linux", self.oci, self.variant) if p)


#: The Linux architectures hwb builds for in containers (natively or under QEMU).
LINUX_ARCHS: dict[str, LinuxArch] = {
    a.name: a
    for a in (
        LinuxArch(name="x86_64", oci="amd64", elf_machine=62, qemu="x86_64"),
        LinuxArch(name="aarch64", oci="arm64", elf_machine=183, qemu="aarch64"),
        LinuxArch(name="ppc64le", oci="ppc64le", elf_machine=21, qemu="ppc64le"),
        LinuxArch(name="s390x", oci="s390x", elf_machine=22, little_endian=False, qemu="s390x"),
        LinuxArch(name="armv7l", oci="arm", variant="v7", elf_machine=40, elf_64=False, qemu="arm"),
        LinuxArch(name="i686", oci="386", elf_machine=3, elf_64=False, qemu="i386"),
    )
}
#: A host that runs another architecture's binaries itself (x86_64 runs i686; aarch64 kernels
#: built with compat run armv7l).
_RUNS_NATIVELY = {"x86_64": ("i686",), "aarch64": ("armv7l",)}


def linux_arch(value: str) -> LinuxArch:
    """``aarch64``/``arm64``/``amd64``/``x86_64``/``i386``… as a :class:`LinuxArch`."""
    name = normalize_arch("linux", value)
    if name is None or name not in LINUX_ARCHS:
        raise UsageError(
            f"not a Linux architecture: {value!r}",
            why=f"Linux wheels are built for {', '.join(LINUX_ARCHS)}",
            hint="set --arch to one of those (or native)",
        )
    return LINUX_ARCHS[name]


def image_arch(oci: str, variant: str = "") -> str | None:
    """The identifier spelling of an image's ``Architecture``/``Variant`` (``arm64`` ->
    ``aarch64``; ``arm`` only with variant v7 or none -> ``armv7l``), None for any other."""
    for arch in LINUX_ARCHS.values():
        if arch.oci == oci.lower() and (not variant or not arch.variant or variant.lower() == arch.variant):
            return arch.name
    return None


def selected_linux_targets(select: Sequence[str]) -> list[tuple[str, Libc]]:
    """(arch, libc) of each ``--select`` pattern that is a whole Linux identifier
    (``cp312-manylinux_aarch64`` -> (``aarch64``, ``manylinux``)); wildcards name none."""
    found: list[tuple[str, Libc]] = []
    for pattern in _patterns(select):
        _, _, part = pattern.partition("-")
        parsed = _platform_part(part) if part and not any(c in part for c in "*?[") else None
        if parsed is not None and parsed[0] == "linux" and (parsed[1], parsed[2]) not in found:
            found.append((parsed[1], parsed[2]))
    return found


def needs_emulation(arch: str, host: str | None = None) -> bool:
    """Whether a Linux container of ``arch`` needs QEMU on a ``host`` (default: this machine)."""
    host = normalize_arch("linux", host or native_arch("linux")) or host
    return arch != host and arch not in _RUNS_NATIVELY.get(host or "", ())


def container_arch(values: Sequence[str], select: Sequence[str] = ()) -> str | None:
    """The one Linux architecture of a container build from ``--arch`` (None: native), else
    from ``--select`` identifiers that name one (``cp312-manylinux_aarch64``).  Several
    architectures need one container each: a UsageError says so."""
    validate_archs(values)
    names: list[str] = []
    for value in split_list(values) or [a for a, _ in selected_linux_targets(select)]:
        name = native_arch("linux") if value.lower() in ("native", "auto") else linux_arch(value).name
        if name not in names:
            names.append(name)
    if len(names) > 1:
        raise UsageError(
            f"one architecture per container build, not {', '.join(names)}",
            why="a container runs one architecture (its image's)",
            hint="run hwb build once per --arch (as CI does, one job per architecture)",
        )
    return names[0] if names else None


def host_platform() -> Platform:
    if sys.platform == "darwin":
        return "macos"
    return "windows" if sys.platform == "win32" else "linux"


def host_libc() -> Libc:
    libc, _ = _platform.libc_ver()
    return "musllinux" if sys.platform.startswith("linux") and libc != "glibc" else "manylinux"


# -- Python versions ---------------------------------------------------------------------

Implementation = Literal["cpython", "pypy"]
#: PyPy's Python versions hwb knows (``pp38`` … ``pp311``).
PYPY_MINORS: tuple[int, ...] = (8, 9, 10, 11)
#: CPython versions with a free-threaded build (PEP 703, ``python3.13t``): ``cp313t``, ``cp314t``.
FREE_THREADED_MINORS: tuple[int, ...] = (13, 14)
EnableGroup = Literal["pypy", "pypy-eol", "cpython-freethreading"]
#: The Pythons that ``all`` leaves out unless ``enable`` names their group (cibuildwheel's
#: groups): PyPy 3.11+ (``pypy``), PyPy 3.8-3.10, past their end of life (``pypy-eol``), and the
#: experimental free-threaded 3.13 (``cpython-freethreading``; 3.14t needs no group, PEP 779).
ENABLE_GROUPS: tuple[EnableGroup, ...] = ("pypy", "pypy-eol", "cpython-freethreading")
_PYPY_EOL_MINORS = (8, 9, 10)

_PYTHON_RE = re.compile(
    r"^(?:(?P<pypy>pp|pypy[-@]?)|python|cp|py|cpython[-@]?)?(?P<major>3)\.?(?P<minor>\d{1,2})(?P<t>t)?$"
)


_OTHER_MAJOR_RE = re.compile(r"^(?:python|cp|py|cpython-?)?(?P<major>[0-24-9])\.?(?P<minor>\d{1,2})$")


@dataclass(frozen=True, kw_only=True, order=True)
class PythonTarget:
    """The Python a wheel is built for: the implementation, its Python version, and whether it
    is a free-threaded CPython (``cp312``, ``cp313t``, ``pp39``)."""

    implementation: Implementation = "cpython"
    major: int = 3
    minor: int
    free_threaded: bool = False

    def __str__(self) -> str:
        """The python part of an identifier: ``cp312``, ``cp313t``, ``pp39``."""
        prefix = "pp" if self.implementation == "pypy" else "cp"
        return f"{prefix}{self.major}{self.minor}{'t' if self.free_threaded else ''}"

    @property
    def version(self) -> str:
        """The Python language version: ``3.12``."""
        return f"{self.major}.{self.minor}"

    @property
    def spec(self) -> str:
        """How ``--python`` (and actions/setup-python, and uv) name it: ``3.12``, ``3.13t``, ``pypy3.9``."""
        if self.implementation == "pypy":
            return f"pypy{self.version}"
        return f"{self.version}{'t' if self.free_threaded else ''}"

    @property
    def executable(self) -> str:
        """Its executable's name on ``PATH``: ``python3.12``, ``python3.13t``, ``pypy3.9``."""
        return self.spec if self.implementation == "pypy" else f"python{self.spec}"

    @property
    def label(self) -> str:
        """For people: ``CPython 3.12``, ``CPython 3.13 (free-threaded)``, ``PyPy 3.9``."""
        name = "PyPy" if self.implementation == "pypy" else "CPython"
        return f"{name} {self.version}{' (free-threaded)' if self.free_threaded else ''}"

    @property
    def standard(self) -> bool:
        """A CPython with the GIL: what ``all`` always means."""
        return self.implementation == "cpython" and not self.free_threaded

    @property
    def enable_group(self) -> EnableGroup | None:
        """The group that must be enabled for ``all`` to include it (None: always included)."""
        if self.implementation == "pypy":
            return "pypy-eol" if self.minor in _PYPY_EOL_MINORS else "pypy"
        return "cpython-freethreading" if self.free_threaded and self.minor == 13 else None


def parse_python_spec(spec: str) -> PythonTarget | None:
    """``3.12`` / ``cp312`` / ``python3.12`` / ``312``; ``3.13t`` / ``cp313t`` / ``python3.13t``;
    ``pp39`` / ``pypy3.9`` / ``pypy@3.9`` -> PythonTarget; None for anything else."""
    match = _PYTHON_RE.match(spec.strip().lower())
    if match is None or (match["pypy"] and match["t"]):
        return None
    return PythonTarget(
        implementation="pypy" if match["pypy"] else "cpython",
        major=int(match["major"]),
        minor=int(match["minor"]),
        free_threaded=bool(match["t"]),
    )


def parse_version_spec(spec: str) -> tuple[int, int] | None:
    """The version of a spec of a CPython with the GIL (``3.12``, ``cp312``) -> (3, 12); None for
    others (``pp39``, ``3.13t``, ``three``)."""
    target = parse_python_spec(spec)
    return (target.major, target.minor) if target is not None and target.standard else None


def parse_enable(values: Sequence[str]) -> frozenset[EnableGroup]:
    """``enable`` (``pypy``, ``pypy-eol``, ``cpython-freethreading`` or ``all``; comma or space
    lists) -> the groups; an unknown group is a UsageError naming the known ones."""
    groups: set[EnableGroup] = set()
    for value in _patterns(values):
        name = value.lower()
        if name == "all":
            return frozenset(ENABLE_GROUPS)
        known = next((g for g in ENABLE_GROUPS if g == name), None)
        if known is None:
            raise UsageError(
                f"unknown enable group {value!r}",
                why=f"hwb knows {', '.join(ENABLE_GROUPS)} and all",
                hint="set enable (or --enable) to some of those, e.g. --enable pypy-eol",
            )
        groups.add(known)
    return frozenset(groups)


def unsupported_version(spec: str) -> str | None:
    """``2.7`` -> ``2.7``: a version that looks like a Python version hwb cannot build for."""
    match = _OTHER_MAJOR_RE.match(spec.strip().lower())
    return f"{match['major']}.{match['minor']}" if match else None


def unsupported_python(version: str) -> UsageError:
    """The error for ``--python 2.7`` (exit 2, from a single build and a matrix alike)."""
    return UsageError(
        f"Python {version} is not supported",
        why="hwb builds wheels for CPython 3 and PyPy 3 (3.8 and newer are found by version; an older "
        "3.x by its path)",
        hint="choose Python 3 versions, e.g. --python 3.9,3.13",
    )


# -- identifiers -------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, order=True)
class Identifier:
    """One build: a Python (CPython, free-threaded CPython or PyPy) on a platform and architecture."""

    platform: Platform
    arch: str
    minor: int
    major: int = 3
    libc: Libc = "manylinux"
    """Linux only: glibc (manylinux) or musl (musllinux) wheels."""
    implementation: Implementation = "cpython"
    free_threaded: bool = False

    @classmethod
    def of(
        cls, target: PythonTarget, *, platform: Platform, arch: str, libc: Libc = "manylinux"
    ) -> Identifier:
        return cls(platform=platform, arch=arch, major=target.major, minor=target.minor, libc=libc,
                   implementation=target.implementation, free_threaded=target.free_threaded)  # fmt: skip

    @property
    def target(self) -> PythonTarget:
        return PythonTarget(implementation=self.implementation, major=self.major, minor=self.minor,
                            free_threaded=self.free_threaded)  # fmt: skip

    @property
    def python(self) -> str:
        """``3.12``, ``3.13t``, ``pypy3.9``: the spec ``--python`` and actions/setup-python take."""
        return self.target.spec

    @property
    def version(self) -> str:
        """The Python language version: ``3.12`` (for ``requires-python``)."""
        return self.target.version

    @property
    def python_tag(self) -> str:
        """``cp312``, ``cp313t``, ``pp39``"""
        return str(self.target)

    @property
    def platform_part(self) -> str:
        if self.platform == "linux":
            return f"{self.libc}_{self.arch}"
        if self.platform == "macos":
            return f"macosx_{self.arch}"
        return _WINDOWS_PLATFORM_TAGS.get(self.arch, f"win_{self.arch.lower()}")

    def __str__(self) -> str:
        return f"{self.python_tag}-{self.platform_part}"


_IDENTIFIER_RE = re.compile(r"^(?P<python>(?:cp|pp)3\d{1,2}t?)-(?P<platform>[a-z0-9_]+)$")
_IDENTIFIER_HINT = (
    "write it as cibuildwheel does: cp312-manylinux_x86_64, cp313t-macosx_arm64, "
    "pp310-manylinux_x86_64, cp312-win_amd64"
)


def parse_identifier(text: str) -> Identifier:
    """``cp312-manylinux_x86_64``, ``cp39-musllinux_aarch64``, ``cp313-macosx_universal2``,
    ``cp311-win_amd64``, ``cp311-win32``, ``cp313t-manylinux_x86_64`` (free-threaded),
    ``pp310-manylinux_x86_64`` (PyPy) -> Identifier (``str()`` gives the text back)."""
    match = _IDENTIFIER_RE.match(text.strip())
    target = parse_python_spec(match["python"]) if match else None
    parsed = _platform_part(match["platform"]) if match else None
    if target is None or parsed is None:
        raise UsageError(
            f"not a build identifier: {text!r}",
            why="expected cpXY, cpXYt or ppXY, then -<platform>_<arch> with a platform of linux "
            "(manylinux, musllinux), macOS (macosx) or Windows (win)",
            hint=_IDENTIFIER_HINT,
        )
    platform, arch, libc = parsed
    return Identifier.of(target, platform=platform, arch=arch, libc=libc)


#: Where PyPy is built (as in cibuildwheel: no musllinux, universal2, win32 or other Linux archs).
PYPY_ARCHS: dict[Platform, tuple[str, ...]] = {
    "linux": ("x86_64", "aarch64", "i686"), "macos": ("x86_64", "arm64"), "windows": ("AMD64",),
}  # fmt: skip


def not_built_there(identifier: Identifier) -> str | None:
    """Why ``identifier``'s Python does not exist on its platform (PyPy on musllinux), or None."""
    if identifier.implementation != "pypy":
        return None
    if identifier.arch not in PYPY_ARCHS[identifier.platform]:
        return f"PyPy is not built for {identifier.platform_part}"
    if identifier.platform == "linux" and identifier.libc == "musllinux":
        return "PyPy is not built for musllinux"
    return None


def python_mismatch(identifier: Identifier, tags: Iterable[Tag]) -> str | None:
    """Why a wheel with ``tags`` does not run on ``identifier``'s Python (None: one tag does).

    A tag with no ABI (``py3-none-…``) runs anywhere; ``abi3`` on a CPython with the GIL only;
    otherwise the ABI must be the interpreter's own: ``cp313`` (``cp37m`` and debug builds'
    ``cp312d`` too), ``cp313t`` for a free-threaded CPython, ``pypy39_pp73`` for PyPy 3.9."""
    target = identifier.target
    digits = f"{target.major}{target.minor}"
    abis = sorted({tag.abi for tag in tags})
    for abi in abis:
        if abi == "none" or (abi == "abi3" and target.standard):
            return None
        if target.implementation == "pypy" and abi.startswith(f"pypy{digits}_"):
            return None
        own = re.fullmatch(rf"cp{digits}(?P<t>t?)d?m?", abi)
        if target.implementation == "cpython" and own and bool(own["t"]) == target.free_threaded:
            return None
    expected = f"pypy{digits}_ppXY" if target.implementation == "pypy" else str(target)
    return f"its ABI tag is {', '.join(abis)}, but {identifier} is for {target.label} and needs {expected}"


#: The first word of an identifier's platform part -> (platform, libc).
_PLATFORM_PREFIXES: dict[str, tuple[Platform, Libc]] = {
    "manylinux": ("linux", "manylinux"), "musllinux": ("linux", "musllinux"),
    "macosx": ("macos", "manylinux"), "win": ("windows", "manylinux"),
}  # fmt: skip


def _platform_part(part: str) -> tuple[Platform, str, Libc] | None:
    """(platform, arch, libc) of ``manylinux_x86_64``, ``macosx_arm64``, ``win_amd64``, ``win32``."""
    prefix, _, arch = part.partition("_")
    if part == "win32":
        return "windows", "x86", "manylinux"
    found = _PLATFORM_PREFIXES.get(prefix)
    if found is None or not arch:
        return None
    name = normalize_arch(found[0], arch)
    if name is None or (found[0] == "windows" and part != _WINDOWS_PLATFORM_TAGS.get(name)):
        return None
    return found[0], name, found[1]


# -- Linux libc policies and their images --------------------------------------------------

#: The policy of container builds when none is given (what cibuildwheel defaults to as well).
DEFAULT_POLICY = "manylinux_2_28"
#: Architectures whose oldest official manylinux image is newer than DEFAULT_POLICY.
_DEFAULT_POLICY_OF_ARCH = {"armv7l": "manylinux_2_31"}


#: The policy of musllinux container builds when none is given.
DEFAULT_MUSL_POLICY = "musllinux_1_2"


def default_policy(arch: str | None = None, libc: Libc = "manylinux") -> str:
    """The policy of a container build on ``arch`` when none is given: DEFAULT_POLICY, or the
    oldest one that has an official image there (``manylinux_2_31`` on armv7l); for musl
    DEFAULT_MUSL_POLICY."""
    if libc == "musllinux":
        return DEFAULT_MUSL_POLICY
    return _DEFAULT_POLICY_OF_ARCH.get(normalize_arch("linux", arch or "") or "", DEFAULT_POLICY)


#: The legacy manylinux names (PEP 513, 571, 599) -> the glibc version they stand for (PEP 600).
POLICY_ALIASES: dict[str, tuple[int, int]] = {
    "manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17),
}  # fmt: skip
#: The oldest policy auditwheel knows per libc and arch.
OLDEST_POLICY: dict[Libc, dict[str, tuple[int, int]]] = {
    "manylinux": {"x86_64": (2, 5), "i686": (2, 5)},
    "musllinux": {"x86_64": (1, 1), "i686": (1, 1), "aarch64": (1, 1), "ppc64le": (1, 1), "s390x": (1, 1)},
}
_LIBC_PREFIXES: dict[str, Libc] = {"many": "manylinux", "musl": "musllinux"}
_POLICY_RE = re.compile(r"^(?:(?P<libc>many|musl)linux_?)?(?P<major>\d+)[._](?P<minor>\d+)$")
_LINUX_TAG_RE = re.compile(r"^(?P<libc>many|musl)linux_(?P<major>\d+)_(?P<minor>\d+)_(?P<arch>.+)$")


@dataclass(frozen=True, kw_only=True, order=True)
class Policy:
    """A Linux target: ``manylinux_2_28`` (glibc 2.28) or ``musllinux_1_2`` (musl 1.2)."""

    libc: Libc
    version: tuple[int, int]

    def tag(self, arch: str) -> str:
        """The wheel platform tag on ``arch``: ``manylinux_2_28_x86_64``."""
        return f"{self}_{normalize_arch('linux', arch) or arch}"

    def __str__(self) -> str:
        return f"{self.libc}_{self.version[0]}_{self.version[1]}"


def parse_policy(text: str | None, *, libc: Libc = "manylinux") -> Policy:
    """``2_28``, ``2.28``, ``manylinux_2_28``, ``manylinux2014``, ``musllinux_1_2`` -> Policy;
    None is :data:`DEFAULT_POLICY`; a bare version is of ``libc``.  auditwheel's ``--plat``
    spelling, a whole platform tag (``manylinux_2_17_x86_64``), is accepted too: its arch is
    :func:`policy_arch`'s."""
    value = (text or DEFAULT_POLICY).strip().lower()
    if value in POLICY_ALIASES:
        return Policy(libc="manylinux", version=POLICY_ALIASES[value])
    if policy_arch(value) is not None:
        tagged = parse_linux_tag(value)
        assert tagged is not None
        return tagged[0]
    match = _POLICY_RE.match(value)
    if match is None:
        raise UsageError(
            f"unknown manylinux policy {text!r}",
            why="expected a glibc version such as 2_28, manylinux_2_28, manylinux2014 (= manylinux_2_17), "
            "musllinux_1_2, or auditwheel's spelling manylinux_2_28_x86_64",
            hint='set --manylinux 2_28 (or manylinux = "2_28" in [tool.hwb]), or give an image with --image',
        )
    kind = _LIBC_PREFIXES.get(match["libc"] or "", libc)
    return Policy(libc=kind, version=(int(match["major"]), int(match["minor"])))


def policy_arch(text: str | None) -> str | None:
    """The architecture of a ``--manylinux`` value written as a platform tag
    (``manylinux_2_17_x86_64`` -> ``x86_64``), None for a policy without one."""
    tagged = parse_linux_tag((text or "").strip().lower())
    return normalize_arch("linux", tagged[1]) if tagged is not None else None


def parse_linux_tag(tag: str) -> tuple[Policy, str] | None:
    """``manylinux_2_17_x86_64`` -> (manylinux_2_17, ``x86_64``); legacy ``manylinux2014_x86_64``
    too; None for any other platform tag (``linux_x86_64``, ``macosx_…``)."""
    legacy = next((a for a in POLICY_ALIASES if tag.startswith(f"{a}_")), None)
    if legacy is not None:
        return Policy(libc="manylinux", version=POLICY_ALIASES[legacy]), tag[len(legacy) + 1 :]
    match = _LINUX_TAG_RE.match(tag)
    if match is None:
        return None
    return Policy(
        libc=_LIBC_PREFIXES[match["libc"]], version=(int(match["major"]), int(match["minor"]))
    ), match["arch"]


def oldest_policy(libc: Libc, arch: str) -> Policy:
    """The oldest policy of ``libc`` that auditwheel knows on ``arch`` (manylinux_2_17 when it
    knows none older)."""
    return Policy(libc=libc, version=OLDEST_POLICY[libc].get(arch, (2, 17)))


@cache
def pinned_images() -> dict[str, dict[str, str]]:
    """``resources/images.toml``: policy name -> {arch: image, "glibc"/"musl": version}."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    text = resources.files("headless_wheel_builder").joinpath("resources/images.toml").read_text("utf-8")
    data: dict[str, Any] = tomllib.loads(text)
    return {name: {k: str(v) for k, v in table.items()} for name, table in data["targets"].items()}


def default_image(policy: Policy, arch: str | None = None) -> tuple[str, str]:
    """(image reference, the pinned policy it serves) for ``policy`` on ``arch`` (default:
    this machine's): the newest pinned image of the same libc not newer than ``policy``, so
    the wheel still meets it (``manylinux_2_31`` gets the ``manylinux_2_28`` image)."""
    arch = normalize_arch("linux", arch or native_arch("linux")) or arch or "x86_64"
    candidates: list[tuple[tuple[int, int], str, str]] = []
    for name, table in pinned_images().items():
        pinned = parse_policy(name)
        if pinned.libc == policy.libc and pinned.version <= policy.version and arch in table:
            candidates.append((pinned.version, name, table[arch]))
    if not candidates:
        known = ", ".join(sorted(pinned_images()))
        raise UsageError(
            f"no pinned image for {policy} on {arch}",
            why=f"hwb pins images for {known} (resources/images.toml)",
            hint="choose one of those with --manylinux, or give an image with --image",
        )
    _, name, image = max(candidates)
    return image, name


# -- selection -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PythonRequest:
    """One entry of ``pythons``: a Python (``3.12``, ``3.13t``, ``pp39``), or a path to an
    interpreter (resolved later)."""

    target: PythonTarget | None
    path: str | None = None
    explicit: bool = True
    """False when it came from ``all`` (a missing one is then skipped, not an error)."""

    @property
    def version(self) -> tuple[int, int] | None:
        return (self.target.major, self.target.minor) if self.target is not None else None


@dataclass(frozen=True, kw_only=True)
class Skipped:
    identifier: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"identifier": self.identifier, "reason": self.reason}


def split_list(values: Sequence[str]) -> list[str]:
    """Flatten ``["3.9,3.10", "3.11"]`` into ``["3.9", "3.10", "3.11"]``."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def parse_pythons(specs: Sequence[str], enable: Sequence[str] = ()) -> list[PythonRequest]:
    """``3.12``, ``cp312``, ``python3.12``, ``3.13t``, ``pp39``, ``pypy3.10``, ``all`` or a path.

    ``all`` is every CPython hwb knows, and the free-threaded and PyPy versions whose group
    ``enable`` names (:data:`ENABLE_GROUPS`; 3.14t needs none); a Python named by itself is
    built whatever ``enable`` says."""
    groups = parse_enable(enable)
    requests: list[PythonRequest] = []
    for spec in split_list(specs):
        if spec.lower() == "all":
            requests += [PythonRequest(target=t, explicit=False) for t in every_python(groups)]
            continue
        target = parse_python_spec(spec)
        if target is not None:
            requests.append(PythonRequest(target=target))
        elif (other := unsupported_version(spec)) is not None:
            raise unsupported_python(other)
        elif "/" in spec or "\\" in spec or spec.startswith(("python", "pypy", ".")):
            requests.append(PythonRequest(target=None, path=spec))
        else:
            raise UsageError(
                f"not a Python version: {spec!r}",
                why="expected a version such as 3.12, cp312, 3.13t (free-threaded), pp39 or pypy3.10 "
                "(PyPy), `all`, or the path to an interpreter",
                hint="write --python 3.9,3.10,pp310 (or repeat --python), or --python all",
            )
    # Keep the first request per Python (an explicit one wins over `all`).
    seen: dict[PythonTarget | str, PythonRequest] = {}
    for request in requests:
        key = request.target if request.target is not None else str(request.path)
        previous = seen.get(key)
        if previous is None or (request.explicit and not previous.explicit):
            seen[key] = request
    return list(seen.values())


def every_python(groups: frozenset[EnableGroup] = frozenset()) -> list[PythonTarget]:
    """What ``all`` means with ``groups`` enabled: every CPython hwb knows, then the
    free-threaded CPythons and the PyPys that need no group or whose group is enabled."""
    others = [PythonTarget(minor=m, free_threaded=True) for m in FREE_THREADED_MINORS]
    others += [PythonTarget(implementation="pypy", minor=m) for m in PYPY_MINORS]
    return [PythonTarget(minor=m) for m in CPYTHON_MINORS] + [
        t for t in others if t.enable_group is None or t.enable_group in groups
    ]


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
    result: list[str] = []
    for value in split_list(values) or ["native"]:
        arch: str | None
        if value.lower() in ("native", "auto"):
            arch = native_arch(platform) if platform == host_platform() else DEFAULT_ARCH[platform]
        else:  # None: an arch of another platform (universal2 on linux)
            arch = normalize_arch(platform, value)
        if arch is not None and arch not in result:
            result.append(arch)
    return result


def validate_archs(values: Sequence[str]) -> None:
    unknown = [v for v in split_list(values) if v.lower() not in (*_ARCH_FAMILY, "native", "auto")]
    if unknown:
        raise UsageError(
            f"unknown architecture {unknown[0]!r}",
            why="known: " + "; ".join(f"{p}: {', '.join(a)}" for p, a in ARCHS.items()),
            hint="set archs (or --arch) to native, or to names from that list",
        )


def expand(
    pythons: Sequence[PythonTarget], platforms: Sequence[Platform], archs: Sequence[str]
) -> list[Identifier]:
    """Every (Python, platform, arch) combination as an identifier, sorted (CPython, then
    free-threaded CPython, then PyPy, each by version, as cibuildwheel lists them)."""
    validate_archs(archs)
    result: set[Identifier] = set()
    for plat in platforms:
        libc = host_libc() if plat == "linux" and host_platform() == "linux" else "manylinux"
        for arch in archs_for(plat, archs):
            result.update(Identifier.of(t, platform=plat, arch=arch, libc=libc) for t in pythons)
    return sorted(result, key=lambda i: (PLATFORMS.index(i.platform), i.arch, *_python_order(i.target)))


def _python_order(target: PythonTarget) -> tuple[int, int, int]:
    return (target.implementation == "pypy", target.free_threaded, target.major * 100 + target.minor)


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
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

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
