"""Find Python interpreters: by version (``3.12``, ``cp312``, ``python3.12``) or by path.

Where hwb looks, in order: pyenv's versions (``$PYENV_ROOT/versions``), ``pythonX.Y`` on
``PATH``, the Windows ``py`` launcher, and finally ``uv python find`` (uv-managed and
system interpreters; never downloads).  Each candidate is asked for its real version, so a
shim or a stale link cannot fool the choice.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from headless_wheel_builder import _proc
from headless_wheel_builder.errors import InterpreterNotFoundError
from headless_wheel_builder.platforms import parse_version_spec, unsupported_python, unsupported_version

_PROBE = (
    "import json, sys, sysconfig; print(json.dumps({'version': list(sys.version_info[:3]), "
    "'impl': sys.implementation.name, 'executable': sys.executable, "
    "'soabi': sysconfig.get_config_var('SOABI') or ''}))"
)


@dataclass(frozen=True, kw_only=True)
class Interpreter:
    """A Python interpreter hwb can build with."""

    executable: Path
    version: tuple[int, int, int]
    implementation: str = "cpython"

    @property
    def short_version(self) -> str:
        """``3.12``"""
        return f"{self.version[0]}.{self.version[1]}"

    @property
    def full_version(self) -> str:
        return ".".join(map(str, self.version))

    @property
    def tag(self) -> str:
        """The interpreter tag, e.g. ``cp312`` (``pp310`` for PyPy)."""
        prefix = {"cpython": "cp", "pypy": "pp"}.get(self.implementation, self.implementation[:2])
        return f"{prefix}{self.version[0]}{self.version[1]}"

    def to_dict(self) -> dict[str, str]:
        return {
            "executable": str(self.executable),
            "version": self.full_version,
            "implementation": self.implementation,
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
    )


def current() -> Interpreter:
    """The interpreter running hwb."""
    return Interpreter(
        executable=Path(sys.executable),
        version=(sys.version_info.major, sys.version_info.minor, sys.version_info.micro),
        implementation=sys.implementation.name,
    )


def _running(path: Path) -> Interpreter | None:
    """``path`` as :func:`probe` would describe it, without a process, when it is the very
    executable running hwb (a venv's ``python`` links to it): the same binary, the same answer."""
    try:
        same = path.resolve() == Path(sys.executable).resolve()
    except OSError:
        return None
    return replace(current(), executable=path) if same else None


def _pyenv_candidates(major: int, minor: int) -> Iterator[Path]:
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    versions = root / "versions"
    if not versions.is_dir():
        return
    pattern = re.compile(rf"^{major}\.{minor}\.\d+$")
    found = sorted(
        (d for d in versions.iterdir() if pattern.match(d.name)),
        key=lambda d: tuple(int(x) for x in d.name.split(".")),
        reverse=True,
    )
    for d in found:
        exe = d / ("python.exe" if os.name == "nt" else f"bin/python{major}.{minor}")
        if exe.exists():
            yield exe


def _candidates(major: int, minor: int) -> Iterator[str]:
    yield from (str(p) for p in _pyenv_candidates(major, minor))
    on_path = _proc.which(f"python{major}.{minor}")
    if on_path:
        yield on_path
    if os.name == "nt" and _proc.which("py"):
        try:
            out = _proc.capture(
                ["py", f"-{major}.{minor}", "-c", "import sys; print(sys.executable)"], timeout=30
            )
            yield out.output.strip().splitlines()[-1]
        except (_proc.ProcessFailed, IndexError):
            pass
    uv = uv_binary()
    if uv:
        try:
            out = _proc.capture(
                [uv, "python", "find", "--no-python-downloads", f"{major}.{minor}"], timeout=30
            )
            yield out.output.strip().splitlines()[-1]
        except (_proc.ProcessFailed, IndexError):
            pass


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
    """Every CPython 3.8+ interpreter hwb can find (one per minor version)."""
    found: dict[tuple[int, int], Interpreter] = {}
    for minor in range(8, 16):
        for candidate in _candidates(3, minor):
            interp = probe(candidate)
            if interp and interp.version[:2] == (3, minor):
                found[(3, minor)] = interp
                break
    return [found[k] for k in sorted(found)]


def find_python(spec: str | None) -> Interpreter:
    """Resolve ``spec`` to an interpreter: None -> the one running hwb; a version like
    ``3.12`` or ``cp312``; or a path to an executable."""
    if spec is None or spec == "":
        return current()
    version = parse_version_spec(spec)
    if version is None:
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
                why="it is neither a version like 3.12 / cp312 nor an existing executable",
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
    major, minor = version
    if (sys.version_info.major, sys.version_info.minor) == version:
        return current()
    for candidate in _candidates(major, minor):
        interp = probe(candidate)
        if interp is not None and interp.version[:2] == version:
            return interp
    have = ", ".join(i.short_version for i in available()) or "none"
    raise InterpreterNotFoundError(
        f"Python {major}.{minor} not found",
        why=f"looked in pyenv, PATH (python{major}.{minor}) and uv's interpreters; found: {have}",
        hint=f"install it (`uv python install {major}.{minor}` or `pyenv install {major}.{minor}`)"
        " or pass its path with --python",
    )
