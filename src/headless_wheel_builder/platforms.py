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
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from headless_wheel_builder.errors import UsageError

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


def host_platform() -> Platform:
    if sys.platform == "darwin":
        return "macos"
    return "windows" if sys.platform == "win32" else "linux"


def host_libc() -> Libc:
    libc, _ = _platform.libc_ver()
    return "musllinux" if sys.platform.startswith("linux") and libc != "glibc" else "manylinux"


# -- Python versions ---------------------------------------------------------------------

_PYTHON_RE = re.compile(r"^(?:python|cp|py|cpython-?)?(?P<major>3)\.?(?P<minor>\d{1,2})$")


_OTHER_MAJOR_RE = re.compile(r"^(?:python|cp|py|cpython-?)?(?P<major>[0-24-9])\.?(?P<minor>\d{1,2})$")


def unsupported_version(spec: str) -> str | None:
    """``2.7`` -> ``2.7``: a version that looks like a Python version hwb cannot build for."""
    match = _OTHER_MAJOR_RE.match(spec.strip().lower())
    return f"{match['major']}.{match['minor']}" if match else None


def unsupported_python(version: str) -> UsageError:
    """The error for ``--python 2.7`` (exit 2, from a single build and a matrix alike)."""
    return UsageError(
        f"Python {version} is not supported",
        why="hwb builds wheels for CPython 3 (3.8 and newer are found by version; an older 3.x by its path)",
        hint="choose Python 3 versions, e.g. --python 3.9,3.13",
    )


def parse_version_spec(spec: str) -> tuple[int, int] | None:
    """``3.12`` / ``cp312`` / ``python3.12`` / ``312``-like specs -> (3, 12); else None."""
    match = _PYTHON_RE.match(spec.strip().lower())
    if match is None:
        return None
    return int(match["major"]), int(match["minor"])


# -- identifiers -------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, order=True)
class Identifier:
    """One build: an interpreter version on a platform and architecture."""

    platform: Platform
    arch: str
    minor: int
    major: int = 3
    libc: Libc = "manylinux"
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


_IDENTIFIER_RE = re.compile(r"^cp(?P<major>3)(?P<minor>\d{1,2})-(?P<platform>[a-z0-9_]+)$")
_IDENTIFIER_HINT = (
    "write it as cibuildwheel does: cp312-manylinux_x86_64, cp312-macosx_arm64, cp312-win_amd64"
)


def parse_identifier(text: str) -> Identifier:
    """``cp312-manylinux_x86_64``, ``cp39-musllinux_aarch64``, ``cp313-macosx_universal2``,
    ``cp311-win_amd64``, ``cp311-win32`` -> Identifier (``str()`` gives the text back)."""
    match = _IDENTIFIER_RE.match(text.strip())
    parsed = _platform_part(match["platform"]) if match else None
    if match is None or parsed is None:
        raise UsageError(
            f"not a build identifier: {text!r}",
            why="expected cpXY-<platform>_<arch> with a platform of linux (manylinux, musllinux), "
            "macOS (macosx) or Windows (win)",
            hint=_IDENTIFIER_HINT,
        )
    platform, arch, libc = parsed
    major, minor = int(match["major"]), int(match["minor"])
    return Identifier(platform=platform, arch=arch, major=major, minor=minor, libc=libc)


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
        elif (other := unsupported_version(spec)) is not None:
            raise unsupported_python(other)
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
