"""The matrix plan: which identifiers to build, with which interpreter, and why others are not.

:func:`make_plan` is used both by ``hwb build`` (``local=True``: only what this machine can
build; a named Python that is missing is an error) and by ``hwb matrix`` (``local=False``:
every platform asked for, for CI runners to build).  :meth:`MatrixPlan.github_matrix` is the
object GitHub Actions' ``strategy.matrix`` takes through ``fromJSON``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from headless_wheel_builder.analyze.analyzer import ProjectInfo
from headless_wheel_builder.build.plan import BuildOptions
from headless_wheel_builder.errors import InterpreterNotFoundError, MatrixError
from headless_wheel_builder.isolation.python import (
    Interpreter,
    available,
    current,
    find_python,
    find_target,
    install_hint,
)
from headless_wheel_builder.matrix.rule import single_wheel_reason
from headless_wheel_builder.platforms import (
    CPYTHON_MINORS,
    ENABLE_GROUPS,
    FREE_THREADED_MINORS,
    PYPY_MINORS,
    Identifier,
    PythonRequest,
    PythonTarget,
    Skipped,
    apply_select_skip,
    every_python,
    expand,
    host_platform,
    matches,
    native_arch,
    not_built_there,
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
    """``3.12``, ``cp312``, ``3.13t``, ``pp39``, ``pypy3.10``, ``all``, or interpreter paths;
    empty: ``job.python`` or the interpreter running hwb."""
    platforms: tuple[str, ...] = ()
    """linux, macos, windows; empty: this machine's."""
    archs: tuple[str, ...] = ()
    """``native`` or names such as x86_64, aarch64, arm64, universal2, AMD64; empty: native."""
    select: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()
    """Groups ``all`` includes beyond CPython (``pypy``, ``pypy-eol``, ``cpython-freethreading``)."""
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
            "implementation": self.identifier.implementation,
            "free_threaded": self.identifier.free_threaded,
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
    """Which leg builds the one wheel that serves every identifier and why the others do
    not build (a project known statically to give one wheel, ``matrix/rule.py``), or None:
    every leg builds."""

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
            what,
            why=reasons,
            hint="check --python, --platform, --select/--skip, --enable and requires-python",
        )

    def github_matrix(self) -> dict[str, list[dict[str, str]]]:
        """``{"include": [{...}, ...]}``, every value a string, one entry per CI job.

        A pure project gets a single entry (its wheel is built once).  Use it as
        ``strategy: matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}``.
        """
        builds = [newest(self.builds)] if self.build_once else list(self.builds)
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
    requests = parse_pythons(
        options.pythons or [options.job.python or current().short_version], options.enable
    )
    pool = _Interpreters.find(requests, interpreters, local=local)
    identifiers = expand(sorted(set(pool.targets)), parse_platforms(options.platforms), options.archs)
    kept, skipped = apply_select_skip(identifiers, options.select, options.skip)
    skipped += _not_enabled(requests, options)
    builds: list[PlannedBuild] = []
    missing: list[PythonTarget] = []
    for ident in kept:
        interp, reason = _verdict(ident, project, pool, local=local)
        if reason is None:
            builds.append(PlannedBuild(identifier=ident, interpreter=interp))
        elif reason == _MISSING:
            missing.append(ident.target)
        else:
            skipped.append(Skipped(identifier=str(ident), reason=reason))
    if missing:
        raise _not_found(missing, pool.installed)
    build_once = None
    if builds and (why := single_wheel_reason(project)):
        first = newest(builds)
        others = [b.identifier.python_tag for b in builds if b is not first]
        verb = "is" if len(others) == 1 else "are"
        served = f"; {', '.join(others)} {verb} served by that wheel, not built" if others else ""
        build_once = f"built once, on {first.identifier.python_tag} (the newest): {why}{served}"
    return MatrixPlan(project=project, builds=tuple(builds), skipped=tuple(skipped), build_once=build_once)


def newest_key(build: PlannedBuild) -> tuple[bool, int, int]:
    """How new ``build``'s interpreter counts: any CPython with the GIL above PyPy and
    free-threaded builds, then by version."""
    return (build.identifier.target.standard, build.identifier.major, build.identifier.minor)


def newest(builds: Sequence[PlannedBuild]) -> PlannedBuild:
    """The build with the newest CPython with the GIL (else the newest other): it builds the sdist
    and a pure project's one wheel, as ``python -m build`` with the newest Python would."""
    return max(builds, key=newest_key)


def _not_enabled(requests: Sequence[PythonRequest], options: MatrixOptions) -> list[Skipped]:
    """With ``all`` and ``--select``: the identifiers a pattern selects that ``all`` left out
    because their group is not enabled (``--select 'pp*'`` without ``--enable pypy``)."""
    if not options.select or all(r.explicit for r in requests):
        return []
    asked = {r.target for r in requests}
    left_out = [t for t in every_python(frozenset(ENABLE_GROUPS)) if t not in asked]
    idents = expand(left_out, parse_platforms(options.platforms), options.archs)
    return [Skipped(identifier=str(i), reason=_enable_hint(i)) for i in idents if matches(i, options.select)]


def _enable_hint(ident: Identifier) -> str:
    label, group = ident.target.label, ident.target.enable_group
    return f"{label} is not enabled: add --enable {group} (or name it: --python {ident.python})"


#: The verdict of an explicitly named Python that is not installed here (an error, not a skip).
_MISSING = "missing"


@dataclass(frozen=True, kw_only=True)
class _Interpreters:
    """The interpreters a plan can use: asked for by path, installed, and the running one."""

    found: dict[PythonTarget, Interpreter]
    installed: dict[PythonTarget, Interpreter]
    explicit: set[PythonTarget]
    targets: list[PythonTarget]

    @classmethod
    def find(
        cls,
        requests: Sequence[PythonRequest],
        interpreters: Callable[[], Sequence[Interpreter]],
        *,
        local: bool,
    ) -> _Interpreters:
        found: dict[PythonTarget, Interpreter] = {}
        for request in requests:
            if request.path is not None:
                probed = find_python(request.path)
                found[probed.target] = probed
        by_path = set(found)
        asked = [r.target for r in requests if r.target is not None]
        installed = {i.target: i for i in interpreters()}
        running = current()
        if running.implementation in ("cpython", "pypy"):
            installed.setdefault(running.target, running)
        explicit = {r.target for r in requests if r.explicit and r.target is not None}
        # Looked for one by one (as `--python X.Y` is): every free-threaded or PyPy one asked for
        # (`available` lists CPython only), and, for a local build, one named but not listed (3.7).
        wanted = [t for t in dict.fromkeys(asked) if t not in installed]
        for target in (t for t in wanted if not t.standard or (local and t in explicit)):
            if (interp := find_target(target)) is not None:
                installed[target] = interp
        for key, value in installed.items():
            found.setdefault(key, value)
        return cls(
            found=found, installed=installed, explicit=explicit | by_path, targets=asked + list(by_path)
        )


def _verdict(
    ident: Identifier, project: ProjectInfo, pool: _Interpreters, *, local: bool
) -> tuple[Interpreter | None, str | None]:
    """(the interpreter, None) to build ``ident``; else (None, why it is skipped, or _MISSING)."""
    host = host_platform()
    target = ident.target
    interp = pool.found.get(target) if ident.platform == host else None
    full = interp.full_version if interp is not None else ident.version
    if (absent := not_built_there(ident)) is not None:
        return None, absent
    if not local and _unknown(target) and target not in pool.found:
        # Newer than any Python hwb knows (3.99) and not here: an error, as `hwb build` says (exit 33).
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
        return None, _MISSING if target in pool.explicit else f"{target.label} is not installed here"
    return interp, None


def _unknown(target: PythonTarget) -> bool:
    """Newer than any version of its kind that hwb knows (3.99, pp399)."""
    known = {"pypy": PYPY_MINORS, "cpython": FREE_THREADED_MINORS if target.free_threaded else CPYTHON_MINORS}
    return target.minor > known[target.implementation][-1]


def _not_found(
    missing: list[PythonTarget], installed: dict[PythonTarget, Interpreter]
) -> InterpreterNotFoundError:
    have = (
        ", ".join(installed[k].target.spec for k in sorted(installed, key=_order)) or "none"
    )  # numeric order
    first = missing[0]
    known = f"3.{CPYTHON_MINORS[0]}-3.{CPYTHON_MINORS[-1]}"
    names = ", ".join(sorted({t.spec for t in missing}))
    return InterpreterNotFoundError(
        f"Python {names} not found",
        why=f"looked in pyenv, PATH (python3.X, python3.Xt, pypy3.X), the py launcher and uv's interpreters; "
        f"found: {have}; hwb knows CPython {known}, free-threaded "
        f"3.{FREE_THREADED_MINORS[0]}t-3.{FREE_THREADED_MINORS[-1]}t and PyPy "
        f"3.{PYPY_MINORS[0]}-3.{PYPY_MINORS[-1]}",
        hint=f"install it ({install_hint(first)}), pass its path with --python, or ask for "
        "`--python all` to build what is installed",
    )


def _order(target: PythonTarget) -> tuple[bool, bool, int, int]:
    return (target.implementation == "pypy", target.free_threaded, target.major, target.minor)
