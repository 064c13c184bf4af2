"""The matrix rule: which legs build, and what is placed when they give the same file name.

Every leg (identifier) builds its own wheel: a setup.py, a build hook or an in-tree backend
may decide at build time (a C extension only on newer Pythons, a requirement only on older
ones, a console script named after the interpreter, a build that fails on 3.13).  Only a
project *known statically* to give one answer is built once (:func:`single_wheel_reason`).

After every leg has ended, :func:`reconcile` decides, in plan order (so whatever ``-j``),
which wheel of each file name is placed: for a pure wheel the newest interpreter's (the
others are compared with it member by member and every difference is named); for an
``abi3`` wheel the oldest interpreter's (it was built against the oldest limited API);
for any other name the newest's.  Wheels of different names (a pure one from the legs that
do not compile, platform wheels from those that do) are all placed.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import parse_wheel_filename

from headless_wheel_builder._log import logger
from headless_wheel_builder.analyze._metadata_sources import table
from headless_wheel_builder.analyze.analyzer import ProjectInfo, load_pyproject
from headless_wheel_builder.artifacts.wheel_diff import wheel_differences
from headless_wheel_builder.errors import HwbError

if TYPE_CHECKING:
    from headless_wheel_builder.matrix.jobs import JobResult

#: pyproject-only backends whose wheel is the same on every Python when no build code of the
#: project runs: they read pyproject.toml and the package files, nothing else.
_STATIC_BACKENDS = {"flit": "flit_core", "hatchling": "hatchling", "pdm": "pdm-backend",
                    "poetry": "poetry-core"}  # fmt: skip
#: Project files that hold build code these backends run (hooks), so the answer may vary.
_HOOK_FILES = ("setup.py", "hatch_build.py", "pdm_build.py", "build.py")
#: Hatch hooks that do not depend on the interpreter (the version from git).
_STATIC_HATCH_HOOKS = frozenset({"vcs"})


def single_wheel_reason(project: ProjectInfo) -> str | None:
    """Why ``project`` is known, without running anything, to build one identical
    ``py3-none-any`` wheel on every Python; None when it may not (then every leg builds).

    Conservative: a pure project of flit_core, hatchling, pdm-backend or poetry-core, loaded
    from PyPI (no ``backend-path``), with no build-system requirement that has an
    environment marker, a version read statically, no setup.py or hook file
    (``hatch_build.py``, ``pdm_build.py``, ``build.py``) and no build or metadata hook in
    pyproject.toml other than hatch's ``vcs``.  Everything else — setuptools (setup.py can
    decide anything), an in-tree or unknown backend, compiled backends — builds on every leg.
    """
    backend = _STATIC_BACKENDS.get(project.backend_family)
    if project.pure is not True or backend is None or project.backend_path or project.version is None:
        return None
    if any(";" in requirement for requirement in project.build_requires):
        return None
    if any((project.path / name).is_file() for name in _HOOK_FILES):
        return None
    if not project.has_pyproject or _has_hooks(project):
        return None
    return (
        f"{backend} builds the same py3-none-any wheel on every Python from pyproject.toml alone "
        "(no setup.py, no build hooks, no in-tree backend)"
    )


def _has_hooks(project: ProjectInfo) -> bool:
    try:
        pyproject = load_pyproject(project.path / "pyproject.toml")
    except HwbError:
        return True
    hatch = table(pyproject, "tool", "hatch")
    hooks = [
        *table(hatch, "build", "hooks"),
        *table(hatch, "build", "targets", "wheel", "hooks"),
        *table(hatch, "metadata", "hooks"),
    ]
    if any(hook not in _STATIC_HATCH_HOOKS for hook in hooks):
        return True
    pdm_build = table(pyproject, "tool", "pdm", "build")
    if pdm_build.get("run-setuptools") or "setup-script" in pdm_build:
        return True
    version = table(pyproject, "tool", "pdm", "version")
    if version.get("source") == "call":
        return True
    return "build" in table(pyproject, "tool", "poetry")


def reconcile(results: list[JobResult], staged: dict[str, Path]) -> list[JobResult]:
    """Keep one wheel per file name among the legs that built one (``results`` in plan
    order, oldest first); the others are marked ``covered_by`` the kept leg, with the
    differences of a pure wheel named in ``differs`` and logged as a warning.  Pops the wheels that
    are not placed from ``staged``.  Deterministic: the order the legs ended in plays no part."""
    out = list(results)
    groups: dict[str, list[int]] = {}
    for index, result in enumerate(out):
        if result.status == "ok" and result.built and result.wheel and result.identifier in staged:
            groups.setdefault(result.wheel.filename, []).append(index)
    for filename, indexes in groups.items():
        if len(indexes) < 2:
            continue
        kind = _kind(filename)
        keep = indexes[0] if kind == "abi3" else indexes[-1]
        kept = out[keep]
        for index in indexes:
            if index != keep:
                out[index] = _covered(out[index], kept, staged, compare=kind == "pure")
    return out


def _kind(filename: str) -> str:
    _, _, _, tags = parse_wheel_filename(filename)
    if all(tag.platform == "any" and tag.abi == "none" for tag in tags):
        return "pure"
    return "abi3" if any(tag.abi == "abi3" for tag in tags) else "other"


def _covered(result: JobResult, kept: JobResult, staged: dict[str, Path], *, compare: bool) -> JobResult:
    """``result``'s wheel has the file name of ``kept``'s, which is placed instead."""
    path = staged.pop(result.identifier)
    if not compare:
        return replace(result, covered_by=kept.identifier)
    mine, theirs = result.built_on or result.identifier, kept.built_on or kept.identifier
    differs = tuple(wheel_differences(path, staged[kept.identifier], labels=(mine, theirs)))
    if not differs:
        return replace(result, covered_by=kept.identifier)
    warning = (
        f"{mine} and {theirs} built {path.name} with different contents: {'; '.join(differs)}; "
        f"placed {theirs}'s (the newest interpreter's). The project decides at build time what "
        'its wheel holds: use environment markers (`; python_version < "3.12"`) instead, or '
        "publish only one interpreter's wheel knowingly"
    )
    logger.warning("%s", warning)
    return replace(result, covered_by=kept.identifier, differs=differs)
