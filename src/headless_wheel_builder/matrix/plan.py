"""The matrix plan: which identifiers to build, with which interpreter, and why others are not.

:func:`make_plan` is used both by ``hwb build`` (``local=True``: only what this machine can
build; a named Python that is missing is an error) and by ``hwb matrix`` (``local=False``:
every platform asked for, for CI runners to build).  :meth:`MatrixPlan.github_matrix` is the
object GitHub Actions' ``strategy.matrix`` takes through ``fromJSON``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from headless_wheel_builder.analyze.analyzer import ProjectInfo
from headless_wheel_builder.build.plan import BuildOptions
from headless_wheel_builder.errors import InterpreterNotFoundError, MatrixError
from headless_wheel_builder.isolation.python import Interpreter, available, current, find_python
from headless_wheel_builder.platforms import (
    CPYTHON_MINORS,
    Identifier,
    PythonRequest,
    Skipped,
    apply_select_skip,
    expand,
    host_platform,
    native_arch,
    parse_platforms,
    parse_pythons,
    requires_python_excludes,
)

#: GitHub Actions runs at most 256 jobs per matrix.
GITHUB_MAX_JOBS = 256
#: Runner labels per (platform, arch) for ``--format github``.
GITHUB_RUNNERS = {
    ("linux", "x86_64"): "ubuntu-latest",
    ("linux", "aarch64"): "ubuntu-24.04-arm",
    ("macos", "arm64"): "macos-14",
    ("macos", "universal2"): "macos-14",
    ("macos", "x86_64"): "macos-13",
    ("windows", "AMD64"): "windows-latest",
    ("windows", "x86"): "windows-latest",
    ("windows", "ARM64"): "windows-11-arm",
}


@dataclass(frozen=True, kw_only=True)
class MatrixOptions:
    """What to build (the selection) and how (``job``; per identifier via ``settings_for``)."""

    job: BuildOptions = field(default_factory=lambda: BuildOptions(repair="auto"))
    """How every identifier is built (``repair`` defaults to ``auto`` in a matrix)."""
    pythons: tuple[str, ...] = ()
    """``3.12``, ``cp312``, ``all``, or interpreter paths; empty: ``job.python`` or the
    interpreter running hwb."""
    platforms: tuple[str, ...] = ()
    """linux, macos, windows; empty: this machine's."""
    archs: tuple[str, ...] = ()
    """``native`` or names such as x86_64, aarch64, arm64, universal2, AMD64; empty: native."""
    select: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    jobs: int | None = None
    """Parallel jobs; None: the number of CPU cores."""
    fail_fast: bool = False
    overrides: Callable[[str], BuildOptions] | None = None
    """Settings for one identifier (``[[tool.hwb.overrides]]``); None: ``job`` for all."""

    def settings_for(self, identifier: str) -> BuildOptions:
        return self.overrides(identifier) if self.overrides is not None else self.job


@dataclass(frozen=True, kw_only=True)
class PlannedBuild:
    identifier: Identifier
    interpreter: Interpreter | None
    """None when no matching interpreter is installed here (a CI runner will have one)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "identifier": str(self.identifier),
            "python": self.identifier.python,
            "platform": self.identifier.platform,
            "arch": self.identifier.arch,
            "available": self.interpreter is not None,
            "interpreter": str(self.interpreter.executable) if self.interpreter else None,
        }


@dataclass(frozen=True, kw_only=True)
class MatrixPlan:
    project: ProjectInfo
    builds: tuple[PlannedBuild, ...]
    skipped: tuple[Skipped, ...] = ()
    build_once: str | None = None
    """Why one wheel will serve every identifier (a pure-Python project), or None."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": {
                "name": self.project.name,
                "version": self.project.version,
                "pure": self.project.pure,
            },
            "requires_python": self.project.requires_python,
            "build_once": self.build_once,
            "builds": [b.to_dict() for b in self.builds],
            "skipped": [s.to_dict() for s in self.skipped],
        }

    def nothing_to_build(self, what: str = "nothing to build") -> MatrixError:
        """The error for a plan that selects nothing (exit 44 from ``hwb build`` and ``hwb
        matrix`` alike), naming why each identifier was skipped."""
        reasons = "; ".join(f"{s.identifier}: {s.reason}" for s in self.skipped) or "no Python selected"
        return MatrixError(
            what, why=reasons, hint="check --python, --platform, --select/--skip and requires-python"
        )

    def github_matrix(self) -> dict[str, list[dict[str, str]]]:
        """``{"include": [{...}, ...]}``, every value a string, one entry per CI job.

        A pure project gets a single entry (its wheel is built once).  Use it as
        ``strategy: matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}``.
        """
        builds = list(self.builds[-1:]) if self.build_once else list(self.builds)  # the newest
        include = []
        for build in builds:
            ident = build.identifier
            include.append(
                {
                    "identifier": str(ident),
                    "python": ident.python,
                    "platform": ident.platform,
                    "arch": ident.arch,
                    "os": GITHUB_RUNNERS.get((ident.platform, ident.arch), f"{ident.platform}-latest"),
                    "pythons": ",".join(b.identifier.python for b in self.builds)
                    if self.build_once
                    else ident.python,
                }
            )
        return {"include": include}


def make_plan(
    project: ProjectInfo,
    options: MatrixOptions,
    *,
    local: bool,
    interpreters: Callable[[], Sequence[Interpreter]] = available,
) -> MatrixPlan:
    """Expand and filter the identifiers for ``project``.

    ``local``: keep only what this machine can build, each with its interpreter; a Python
    named explicitly but not installed raises InterpreterNotFoundError (from ``all``: skipped).
    """
    requests = parse_pythons(options.pythons or [options.job.python or current().short_version])
    pool = _Interpreters.find(requests, interpreters, local=local)
    identifiers = expand(sorted(set(pool.versions)), parse_platforms(options.platforms), options.archs)
    kept, skipped = apply_select_skip(identifiers, options.select, options.skip)
    builds: list[PlannedBuild] = []
    missing: list[str] = []
    for ident in kept:
        interp, reason = _verdict(ident, project, pool, local=local)
        if reason is None:
            builds.append(PlannedBuild(identifier=ident, interpreter=interp))
        elif reason == _MISSING:
            missing.append(ident.python)
        else:
            skipped.append(Skipped(identifier=str(ident), reason=reason))
    if missing:
        raise _not_found(missing, pool.installed)
    build_once = None
    if project.pure is True and builds:
        build_once = (
            "a pure-Python project: one py3-none-any wheel serves every Python, so it is built once"
            f" (with the newest, {builds[-1].identifier.python})"
        )
    return MatrixPlan(project=project, builds=tuple(builds), skipped=tuple(skipped), build_once=build_once)


#: The verdict of an explicitly named Python that is not installed here (an error, not a skip).
_MISSING = "missing"


@dataclass(frozen=True, kw_only=True)
class _Interpreters:
    """The interpreters a plan can use: asked for by path, installed, and the running one."""

    found: dict[tuple[int, int], Interpreter]
    installed: dict[tuple[int, int], Interpreter]
    explicit: set[tuple[int, int]]
    versions: list[tuple[int, int]]

    @classmethod
    def find(
        cls,
        requests: Sequence[PythonRequest],
        interpreters: Callable[[], Sequence[Interpreter]],
        *,
        local: bool,
    ) -> _Interpreters:
        found: dict[tuple[int, int], Interpreter] = {}
        for request in requests:
            if request.path is not None:
                probed = find_python(request.path)
                found[(probed.version[0], probed.version[1])] = probed
        by_path = set(found)
        versions = [r.version for r in requests if r.version is not None] + list(found)
        installed = {(i.version[0], i.version[1]): i for i in interpreters()}
        running = current()
        installed.setdefault((running.version[0], running.version[1]), running)
        explicit = {r.version for r in requests if r.explicit and r.version is not None}
        for version in sorted(explicit - set(installed)) if local else ():
            # Asked for by version but not listed (e.g. 3.7): the one discovery `--python X.Y` uses.
            with contextlib.suppress(InterpreterNotFoundError):
                installed[version] = find_python(f"{version[0]}.{version[1]}")
        for key, value in installed.items():
            found.setdefault(key, value)
        return cls(found=found, installed=installed, explicit=explicit | by_path, versions=versions)


def _verdict(
    ident: Identifier, project: ProjectInfo, pool: _Interpreters, *, local: bool
) -> tuple[Interpreter | None, str | None]:
    """(the interpreter, None) to build ``ident``; else (None, why it is skipped, or _MISSING)."""
    host = host_platform()
    version = (ident.major, ident.minor)
    interp = pool.found.get(version) if ident.platform == host else None
    full = interp.full_version if interp is not None else ident.python
    if not local and ident.minor > CPYTHON_MINORS[-1] and version not in pool.found:
        # Newer than any CPython hwb knows (3.99) and not here: an error, as `hwb build` says (exit 33).
        return None, _MISSING
    reason = requires_python_excludes(project.requires_python, full)
    if reason or not local:
        return (None, reason) if reason else (interp, None)
    if ident.platform != host:
        return None, f"needs a {ident.platform} runner"
    if ident.arch != native_arch() and not (host == "macos" and ident.platform == "macos"):
        emulated = " (or a container build under QEMU: --isolation docker)" if host == "linux" else ""
        return None, f"needs an {ident.arch} machine{emulated}"
    if interp is None:
        return None, _MISSING if version in pool.explicit else f"Python {ident.python} is not installed here"
    return interp, None


def _not_found(missing: list[str], installed: dict[tuple[int, int], Interpreter]) -> InterpreterNotFoundError:
    have = ", ".join(f"{k[0]}.{k[1]}" for k in sorted(installed)) or "none"  # numeric order
    first = missing[0]
    known = f"3.{CPYTHON_MINORS[0]}-3.{CPYTHON_MINORS[-1]}"
    return InterpreterNotFoundError(
        f"Python {', '.join(sorted(set(missing)))} not found",
        why=f"looked in pyenv, PATH (python3.X), the py launcher and uv's interpreters; found: {have}"
        f"; hwb knows CPython {known}",
        hint=f"install it (`uv python install {first}` or `pyenv install {first}`), pass its path "
        "with --python, or ask for `--python all` to build what is installed",
    )
