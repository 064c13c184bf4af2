"""Version schemes: how a version is written (in tags and messages) and how it is bumped.

Internally every version is a PEP 440 :class:`packaging.version.Version` — that is what the
package gets.  A scheme renders it for tags (``pep440``: as is; ``semver``: ``1.2.0-rc.1``;
``calver``: with the format's zero padding) and parses tags back.  Every version a scheme
produces is validated as PEP 440; errors are :class:`~headless_wheel_builder.errors.VersionError`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal, Protocol

from packaging.version import InvalidVersion, Version

from headless_wheel_builder.errors import VersionError
from headless_wheel_builder.version.commits import Level

SchemeName = Literal["pep440", "semver", "calver"]
SCHEMES: tuple[SchemeName, ...] = ("pep440", "semver", "calver")

#: Pre-release phases in PEP 440 order, and the spellings accepted for each.
PHASES = ("dev", "a", "b", "rc")
_PHASE_ALIASES = {
    "dev": "dev",
    "a": "a",
    "alpha": "a",
    "b": "b",
    "beta": "b",
    "rc": "rc",
    "c": "rc",
    "pre": "rc",
    "preview": "rc",
}
_SEMVER_NAMES = {"a": "alpha", "b": "beta", "rc": "rc", "dev": "dev"}
_SEMVER_RE = re.compile(
    r"^(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)


def phase_of(token: str) -> str:
    """The PEP 440 phase for a pre-release token (``alpha`` → ``a``); VersionError if unknown."""
    phase = _PHASE_ALIASES.get(token.strip().lower())
    if phase is None:
        raise VersionError(
            f"unknown pre-release token {token!r}",
            why="PEP 440 knows only dev, a (alpha), b (beta) and rc (c, pre, preview)",
            hint="use --pre rc, --pre b, --pre a or --pre dev",
        )
    return phase


def pep440(text: str, *, what: str = "version") -> Version:
    """``text`` as a PEP 440 version, or a VersionError that says why not."""
    try:
        return Version(text)
    except InvalidVersion as exc:
        raise VersionError(
            f"{what} {text!r} is not a valid PEP 440 version",
            why="Python packages need versions like 1.2.3, 1.2.3rc1, 1.2.3.post1 or 2024.5.0",
            hint="see https://packaging.python.org/en/latest/specifications/version-specifiers/",
        ) from exc


def release3(version: Version) -> tuple[int, int, int]:
    parts = (*version.release, 0, 0)[:3]
    return parts[0], parts[1], parts[2]


def current_phase(version: Version) -> tuple[str, int] | None:
    """The pre-release phase and number of ``version`` (``.devN`` alone counts as ``dev``)."""
    if version.pre is not None:
        return version.pre[0], version.pre[1]
    if version.dev is not None:
        return "dev", version.dev
    return None


def with_pre(release: tuple[int, ...], phase: str | None, number: int, *, epoch: int = 0) -> Version:
    text = (f"{epoch}!" if epoch else "") + ".".join(map(str, release))
    if phase == "dev":
        text += f".dev{number}"
    elif phase is not None:
        text += f"{phase}{number}"
    return pep440(text)


def bump_semantic(current: Version, level: Level, *, pre: str | None) -> Version:
    """MAJOR.MINOR.PATCH arithmetic shared by pep440 and semver.

    From a pre-release, a bump the pre-release already covers (``1.3.0rc1`` + minor) keeps
    its base: with ``pre`` the pre-release number goes up (the phase never goes down, as in
    commitizen), without it the base is released (``1.3.0``).  New pre-releases start at 1.
    """
    major, minor, patch = release3(current)
    phase_now = current_phase(current)
    is_pre = phase_now is not None and current.post is None and not any(current.release[3:])
    covered = {"major": minor == 0 and patch == 0, "minor": patch == 0, "patch": True}[level]
    if is_pre and covered:
        base = (major, minor, patch)
    elif level == "major":
        base = (major + 1, 0, 0)
    elif level == "minor":
        base = (major, minor + 1, 0)
    else:
        base = (major, minor, patch + 1)
    if pre is None:
        return with_pre(base, None, 0, epoch=current.epoch)
    phase = phase_of(pre)
    if is_pre and covered and phase_now is not None and PHASES.index(phase_now[0]) >= PHASES.index(phase):
        return with_pre(base, phase_now[0], phase_now[1] + 1, epoch=current.epoch)
    return with_pre(base, phase, 1, epoch=current.epoch)


class VersionScheme(Protocol):
    """Renders, parses and bumps versions."""

    @property
    def name(self) -> SchemeName: ...

    def parse(self, text: str) -> Version:
        """A version as written in a tag or file; VersionError if this scheme cannot read it."""
        ...

    def render(self, version: Version) -> str:
        """How ``version`` is written in tags, changelogs and messages."""
        ...

    def bump(self, current: Version, level: Level, *, pre: str | None, today: dt.date) -> Version:
        """The next version after ``current`` for a ``level`` release."""
        ...


@dataclass(frozen=True, kw_only=True)
class Pep440Scheme:
    name: SchemeName = "pep440"

    def parse(self, text: str) -> Version:
        return pep440(text)

    def render(self, version: Version) -> str:
        return str(version)

    def bump(self, current: Version, level: Level, *, pre: str | None, today: dt.date) -> Version:
        return bump_semantic(current, level, pre=pre)


def semver_to_pep440(text: str) -> Version:
    """``1.2.0-rc.1`` → ``1.2.0rc1``, ``1.0.0-1`` → ``1.0.0.post1`` (a post-release!)."""
    match = _SEMVER_RE.match(text.strip())
    if match is None:
        raise VersionError(
            f"{text!r} is not a SemVer 2 version",
            why="SemVer versions look like 1.2.3, 1.2.3-rc.1 or 1.2.3-alpha",
            hint="see https://semver.org",
        )
    if match["build"]:
        raise VersionError(
            f"{text!r} has build metadata (+{match['build']})",
            why="it maps to a PEP 440 local version, which PyPI refuses",
            hint="drop the '+…' part",
        )
    release = f"{match['major']}.{match['minor']}.{match['patch']}"
    pre = match["pre"]
    if pre is None:
        return pep440(release)
    ids = pre.split(".")
    if len(ids) == 1 and ids[0].isdigit():
        return pep440(f"{release}.post{int(ids[0])}")
    head = re.match(r"^([A-Za-z]+)(\d*)$", ids[0])
    phase = _PHASE_ALIASES.get(head[1].lower()) if head else None
    number_parts = ([head[2]] if head and head[2] else []) + ids[1:]
    if phase is None or len(number_parts) > 1 or (number_parts and not number_parts[0].isdigit()):
        raise VersionError(
            f"SemVer pre-release {text!r} has no PEP 440 equivalent",
            why="only -alpha.N, -beta.N, -rc.N (also -pre.N, -dev.N) and -N (a post-release) map to PEP 440",
            hint="use a pre-release like 1.2.0-rc.1",
        )
    number = int(number_parts[0]) if number_parts else 0
    return pep440(f"{release}.dev{number}" if phase == "dev" else f"{release}{phase}{number}")


@dataclass(frozen=True, kw_only=True)
class SemverScheme:
    name: SchemeName = "semver"

    def parse(self, text: str) -> Version:
        if _SEMVER_RE.match(text.strip()):
            return semver_to_pep440(text)
        return pep440(text)  # the package's own (PEP 440) spelling is read too

    def render(self, version: Version) -> str:
        major, minor, patch = release3(version)
        base = f"{major}.{minor}.{patch}"
        if version.epoch or version.local or len(version.release) > 3:
            return str(version)  # no SemVer spelling; shown as PEP 440
        if version.post is not None and version.pre is None and version.dev is None:
            return f"{base}-{version.post}"
        phase = current_phase(version)
        if version.post is not None or (version.pre is not None and version.dev is not None):
            return str(version)
        if phase is None:
            return base
        return f"{base}-{_SEMVER_NAMES[phase[0]]}.{phase[1]}"

    def bump(self, current: Version, level: Level, *, pre: str | None, today: dt.date) -> Version:
        return bump_semantic(current, level, pre=pre)


_CALVER_TOKENS = {
    "YYYY": r"\d{4}",
    "YY": r"[1-9]\d?|0",
    "0Y": r"\d{2}",
    "MM": r"1[0-2]|[1-9]",
    "0M": r"0[1-9]|1[0-2]",
    "WW": r"[1-5]?\d",
    "0W": r"[0-5]\d",
    "DD": r"3[01]|[12]\d|[1-9]",
    "0D": r"0[1-9]|[12]\d|3[01]",
    "MICRO": r"\d+",
}


def _calver_value(token: str, day: dt.date) -> str:
    week = int(day.strftime("%U"))
    return {
        "YYYY": f"{day.year:04d}",
        "YY": str(day.year % 100),
        "0Y": f"{day.year % 100:02d}",
        "MM": str(day.month),
        "0M": f"{day.month:02d}",
        "WW": str(week),
        "0W": f"{week:02d}",
        "DD": str(day.day),
        "0D": f"{day.day:02d}",
    }[token]


@dataclass(frozen=True, kw_only=True)
class CalverScheme:
    """Calendar versions (calver.org): ``YYYY.MM.MICRO``, ``YY.0M.MICRO``, …  The date parts
    come from the release day; ``MICRO`` counts releases within the same date parts.  Tags keep
    the format's zero padding (``24.01.0``); the package gets PEP 440's ``24.1.0``."""

    format: str = "YYYY.MM.MICRO"
    name: SchemeName = "calver"

    def __post_init__(self) -> None:
        tokens = self.format.split(".")
        bad = [t for t in tokens if t not in _CALVER_TOKENS]
        if bad or tokens[-1] != "MICRO" or tokens.count("MICRO") != 1 or len(tokens) < 2:
            raise VersionError(
                f"calver format {self.format!r} is not supported",
                why=(f"unknown part(s): {', '.join(bad)}" if bad else "it must end with .MICRO, once")
                + f"; parts are {', '.join(_CALVER_TOKENS)}, separated by '.'",
                hint="for example YYYY.MM.MICRO or YY.0M.0D.MICRO",
            )

    @property
    def tokens(self) -> list[str]:
        return self.format.split(".")

    def parse(self, text: str) -> Version:
        pattern = r"\.".join(f"(?:{_CALVER_TOKENS[t]})" for t in self.tokens)
        padded = re.fullmatch(pattern + r"(?P<rest>(?:\.?(?:a|b|rc|dev)\d+)?)", text.strip())
        version = pep440(text.strip())
        if padded is None and len(version.release) != len(self.tokens):
            raise VersionError(f"{text!r} does not follow the calver format {self.format}")
        return version

    def render(self, version: Version) -> str:
        parts = list(version.release)
        if len(parts) != len(self.tokens):
            return str(version)
        rendered = []
        for token, value in zip(self.tokens, parts, strict=False):
            rendered.append(f"{value:02d}" if token.startswith("0") else str(value))
        text = ".".join(rendered)
        phase = current_phase(version)
        if phase is not None:
            text += f".dev{phase[1]}" if phase[0] == "dev" else f"{phase[0]}{phase[1]}"
        return text

    def bump(self, current: Version, level: Level, *, pre: str | None, today: dt.date) -> Version:
        date_parts = tuple(int(_calver_value(t, today)) for t in self.tokens[:-1])
        old = tuple(current.release[: len(date_parts)])
        old_micro = current.release[len(date_parts)] if len(current.release) > len(date_parts) else 0
        phase_now = current_phase(current)
        if old > date_parts:
            raise VersionError(
                f"the current version {current} is later than today's calver date {date_parts}",
                why="calendar versions must not go backwards",
                hint="check the system clock or the format",
            )
        same_day = old == date_parts
        if same_day and phase_now is not None:  # a pre-release of today's next version
            release = (*date_parts, old_micro)
            if pre is None:
                return with_pre(release, None, 0)
            phase = phase_of(pre)
            if PHASES.index(phase_now[0]) >= PHASES.index(phase):
                return with_pre(release, phase_now[0], phase_now[1] + 1)
            return with_pre(release, phase, 1)
        release = (*date_parts, old_micro + 1 if same_day else 0)
        return with_pre(release, phase_of(pre) if pre else None, 1)


def make_scheme(name: SchemeName, *, calver_format: str = "YYYY.MM.MICRO") -> VersionScheme:
    match name:
        case "pep440":
            return Pep440Scheme()
        case "semver":
            return SemverScheme()
        case "calver":
            return CalverScheme(format=calver_format)
    raise VersionError(f"unknown version scheme {name!r}", hint=f"use one of {', '.join(SCHEMES)}")
