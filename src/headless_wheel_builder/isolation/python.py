"""Find Python interpreters: by version (``3.12``, ``cp312``, ``python3.12``), free-threaded
(``3.13t``, ``cp313t``), PyPy (``pp39``, ``pypy3.9``) or by path.

Where hwb looks, in order: pyenv's versions (``$PYENV_ROOT/versions``: ``3.12.1``, ``3.13.0t``,
``pypy3.9-7.3.16``), ``python3.12`` / ``python3.13t`` / ``pypy3.9`` on ``PATH``, the Windows
``py`` launcher, and finally ``uv python find`` (uv-managed and system interpreters; never
downloads).  Each candidate is asked what it is (implementation, version, and
``sysconfig.get_config_var("Py_GIL_DISABLED")``), so a shim, a stale link or a ``python3.13``
that is really free-threaded cannot fool the choice.
"""

from __future__ import annotations

import json
import os
import re
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from headless_wheel_builder import _proc
from headless_wheel_builder.errors import InterpreterNotFoundError, UsageError
from headless_wheel_builder.platforms import (
    CPYTHON_MINORS,
    PythonTarget,
    parse_python_spec,
    unsupported_python,
    unsupported_version,
)

_PROBE = (
    "import json, sys, sysconfig; print(json.dumps({'version': list(sys.version_info[:3]), "
    "'impl': sys.implementation.name, 'executable': sys.executable, "
    "'soabi': sysconfig.get_config_var('SOABI') or '', "
    "'gil_disabled': bool(sysconfig.get_config_var('Py_GIL_DISABLED'))}))"
)


@dataclass(frozen=True, kw_only=True)
class Interpreter:
    """A Python interpreter hwb can build with."""

    executable: Path
    version: tuple[int, int, int]
    implementation: str = "cpython"
    free_threaded: bool = False
    """A free-threaded CPython (PEP 703: ``Py_GIL_DISABLED``, ``python3.13t``)."""

    @property
    def short_version(self) -> str:
        """``3.12``"""
        return f"{self.version[0]}.{self.version[1]}"

    @property
    def full_version(self) -> str:
        return ".".join(map(str, self.version))

    @property
    def tag(self) -> str:
        """The python part of its identifiers, e.g. ``cp312``, ``cp313t``, ``pp310``."""
        if self.implementation in ("cpython", "pypy"):
            return str(self.target)
        return f"{self.implementation[:2]}{self.version[0]}{self.version[1]}"

    @property
    def target(self) -> PythonTarget:
        """What it builds for; a UsageError for an implementation hwb does not build with."""
        major, minor, _ = self.version
        if self.implementation == "pypy":
            return PythonTarget(implementation="pypy", major=major, minor=minor)
        if self.implementation != "cpython":
            raise UsageError(
                f"{self.executable} is {self.implementation} {self.short_version}",
                why="hwb builds matrices of CPython and PyPy wheels",
                hint="pass a CPython or PyPy interpreter with --python (e.g. 3.12, pp310, a path)",
            )
        return PythonTarget(major=major, minor=minor, free_threaded=self.free_threaded)

    @property
    def label(self) -> str:
        """``CPython 3.12.1``, ``CPython 3.13.0 (free-threaded)``, ``PyPy 3.9.16``."""
        if self.implementation not in ("cpython", "pypy"):
            return f"{self.implementation} {self.full_version}"
        return self.target.label.replace(self.short_version, self.full_version, 1)

    def to_dict(self) -> dict[str, str | bool]:
        return {
            "executable": str(self.executable),
            "version": self.full_version,
            "implementation": self.implementation,
            "free_threaded": self.free_threaded,
            "tag": self.tag,
        }


@cache
def probe(executable: str) -> Interpreter | None:
    """Ask ``executable`` what it is; None when it is not a working Python."""
    try:
        result = _proc.capture([executable, "-I", "-c", _PROBE], timeout=30)
        data = json.loads(result.output.strip().splitlines()[-1])
    except (_proc.ProcessFailed, ValueError, IndexError):
        return None
    major, minor, micro = (int(v) for v in data["version"])
    return Interpreter(
        executable=Path(executable),
        version=(major, minor, micro),
        implementation=str(data["impl"]),
        free_threaded=bool(data.get("gil_disabled")),
    )


def current() -> Interpreter:
    """The interpreter running hwb."""
    return Interpreter(
        executable=Path(sys.executable),
        version=(sys.version_info.major, sys.version_info.minor, sys.version_info.micro),
        implementation=sys.implementation.name,
        free_threaded=bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    )


def _running(path: Path) -> Interpreter | None:
    """``path`` as :func:`probe` would describe it, without a process, when it is the very
    executable running hwb (a venv's ``python`` links to it): the same binary, the same answer."""
    try:
        same = path.resolve() == Path(sys.executable).resolve()
    except OSError:
        return None
    return replace(current(), executable=path) if same else None


#: pyenv's folder names: ``3.12.1``, ``3.13.0t``, ``pypy3.9-7.3.16``.
_PYENV_NAME = re.compile(r"^(?:(?P<pypy>pypy)(?P<pyver>\d+\.\d+)-)?(?P<version>\d+\.\d+\.\d+)(?P<t>t?)$")


def _pyenv_candidates(target: PythonTarget) -> Iterator[Path]:
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    versions = root / "versions"
    if not versions.is_dir():
        return
    found: list[tuple[tuple[int, ...], Path]] = []
    for folder in versions.iterdir():
        match = _PYENV_NAME.match(folder.name)
        if match is None or bool(match["pypy"]) != (target.implementation == "pypy"):
            continue
        python = match["pyver"] or match["version"].rpartition(".")[0]
        if python == target.version and bool(match["t"]) == target.free_threaded:
            found.append((tuple(int(x) for x in match["version"].split(".")), folder))
    for _, folder in sorted(found, reverse=True):
        exe = folder / ("python.exe" if os.name == "nt" else f"bin/{target.executable}")
        if exe.exists():
            yield exe


def _candidates(target: PythonTarget) -> Iterator[str]:
    yield from (str(p) for p in _pyenv_candidates(target))
    for name in (target.executable, "pypy3") if target.implementation == "pypy" else (target.executable,):
        on_path = _proc.which(name)
        if on_path:
            yield on_path
    if os.name == "nt" and target.implementation == "cpython" and _proc.which("py"):
        try:
            out = _proc.capture(
                ["py", f"-{target.spec}", "-c", "import sys; print(sys.executable)"], timeout=30
            )
            yield out.output.strip().splitlines()[-1]
        except (_proc.ProcessFailed, IndexError):
            pass
    uv = uv_binary()
    if uv:
        request = f"pypy@{target.version}" if target.implementation == "pypy" else target.spec
        try:
            out = _proc.capture([uv, "python", "find", "--no-python-downloads", request], timeout=30)
            yield out.output.strip().splitlines()[-1]
        except (_proc.ProcessFailed, IndexError):
            pass


def find_target(target: PythonTarget) -> Interpreter | None:
    """The first candidate that really is ``target`` (None: none is installed)."""
    for candidate in _candidates(target):
        interp = probe(candidate)
        if interp is not None and interp.implementation in ("cpython", "pypy") and interp.target == target:
            return interp
    return None


@cache
def uv_binary() -> str | None:
    """The uv executable that ships with hwb's ``uv`` dependency, else ``uv`` on PATH."""
    env_uv = os.environ.get("UV")
    if env_uv and Path(env_uv).exists():
        return env_uv
    try:
        from uv import find_uv_bin

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        return _proc.which("uv")


def available() -> list[Interpreter]:
    """Every CPython 3.8+ interpreter (with the GIL) hwb can find, one per minor version.
    Free-threaded and PyPy interpreters are looked for when asked for (:func:`find_python`)."""
    found = (find_target(PythonTarget(minor=minor)) for minor in range(8, CPYTHON_MINORS[-1] + 2))
    return [interp for interp in found if interp is not None]


def find_python(spec: str | None) -> Interpreter:
    """Resolve ``spec`` to an interpreter: None -> the one running hwb; a version like
    ``3.12``, ``cp312``, ``3.13t``, ``pp39`` or ``pypy3.10``; or a path to an executable."""
    if spec is None or spec == "":
        return current()
    target = parse_python_spec(spec)
    if target is None:
        path = Path(spec).expanduser()
        looks_like_path = os.sep in spec or (os.altsep is not None and os.altsep in spec)
        if not looks_like_path:
            resolved = _proc.which(spec)
            path = Path(resolved) if resolved else path
        if not path.exists():
            if (other := unsupported_version(spec)) is not None:
                raise unsupported_python(other)
            raise InterpreterNotFoundError(
                f"Python interpreter {spec!r} not found",
                why="it is neither a Python like 3.12, cp312, 3.13t or pp310 nor an existing executable",
                hint="pass a version (`--python 3.12`) or the path to a python executable",
            )
        interp = _running(path) or probe(str(path))
        if interp is None:
            raise InterpreterNotFoundError(
                f"{path} is not a working Python interpreter",
                why="running it with `-c` to read its version failed",
                hint="point --python at a python executable, e.g. /usr/bin/python3.12",
            )
        return interp
    running = current()
    if running.implementation == target.implementation and running.target == target:
        return running
    interp = find_target(target)
    if interp is not None:
        return interp
    have = ", ".join(i.short_version for i in available()) or "none"
    raise InterpreterNotFoundError(
        f"Python {target.spec} not found",
        why=f"looked in pyenv, PATH ({target.executable}) and uv's interpreters; found: {have}",
        hint=f"install it ({install_hint(target)}) or pass its path with --python",
    )


def install_hint(target: PythonTarget) -> str:
    """How to install ``target``: ```uv python install 3.12` or `pyenv install 3.12```."""
    how = f"`uv python install {target.spec}` or `pyenv install {target.spec}`"
    return how + (" or your system's pypy3 package" if target.implementation == "pypy" else "")
