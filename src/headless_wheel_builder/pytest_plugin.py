"""pytest plugin: test the wheel that ships, not the source tree.

Installed with hwb (entry point ``pytest11``).  ``pytest --hwb-wheel`` builds the project's
wheel once per session with :func:`headless_wheel_builder.api.build` (the sdist, then the wheel
from that sdist, validated) and installs it into a fresh virtual environment; the session-scoped
``hwb_wheel_env`` fixture exposes it::

    def test_cli_from_the_wheel(hwb_wheel_env):
        result = hwb_wheel_env.run("python", "-c", "import spam; print(spam.__file__)")
        assert "site-packages" in result.output

Without ``--hwb-wheel`` tests that use the fixture are skipped (with the reason).  The project
is ``--hwb-project DIR`` (default: pytest's rootdir).  With pytest-xdist each worker builds its
own wheel.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from headless_wheel_builder._proc import ProcResult


@dataclass(frozen=True, kw_only=True)
class WheelEnv:
    """A fresh virtual environment with the project's wheel installed."""

    path: Path
    """The environment's folder."""
    python: Path
    """Its interpreter."""
    wheel: Path
    """The wheel that was built and installed."""
    sdist: Path | None = None

    @property
    def bin_dir(self) -> Path:
        return self.python.parent

    def environ(self) -> dict[str, str]:
        """``os.environ`` with the environment activated (its scripts first on ``PATH``)."""
        env = dict(os.environ)
        env["PATH"] = os.pathsep.join([str(self.bin_dir), env.get("PATH", "")]).rstrip(os.pathsep)
        env["VIRTUAL_ENV"] = str(self.path)
        env.pop("PYTHONHOME", None)
        # The source tree must not shadow the installed wheel: no PYTHONPATH, and (3.11+) no
        # current folder or script folder on sys.path; run() also starts in the venv's folder.
        env.pop("PYTHONPATH", None)
        env["PYTHONSAFEPATH"] = "1"
        return env

    def run(
        self, *args: str | os.PathLike[str], check: bool = True, cwd: str | os.PathLike[str] | None = None
    ) -> ProcResult:
        """Run a command in the environment; ``"python"`` is its interpreter, scripts the
        wheel installed are on ``PATH``; it runs in the environment's folder unless ``cwd`` is
        given.  Returns the exit code and the combined output;
        ``check`` fails the test on a non-zero exit, showing the output."""
        from headless_wheel_builder import _proc

        argv = [
            str(self.python) if str(args[0]) == "python" else os.fspath(args[0]),
            *[os.fspath(a) for a in args[1:]],
        ]
        result = _proc.capture(
            argv, env=self.environ(), cwd=cwd if cwd is not None else self.path, check=False
        )
        if check and result.returncode != 0:
            pytest.fail(f"{' '.join(argv)} exited with {result.returncode}:\n{result.output}", pytrace=False)
        return result

    def install(self, *requirements: str) -> None:
        """Install more requirements (test dependencies) into the environment."""
        from headless_wheel_builder import _proc
        from headless_wheel_builder.isolation.python import uv_binary
        from headless_wheel_builder.isolation.venv import uv_environ

        uv = uv_binary()
        cmd = (
            [uv, "pip", "install", "--python", str(self.python), "--", *requirements]
            if uv
            else [str(self.python), "-m", "pip", "install", "--", *requirements]
        )
        result = _proc.capture(cmd, env=uv_environ(os.environ) if uv else None, check=False)
        if result.returncode != 0:
            pytest.fail(f"installing {' '.join(requirements)} failed:\n{result.output}", pytrace=False)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hwb", "hwb: test against the built wheel")
    group.addoption(
        "--hwb-wheel",
        action="store_true",
        default=False,
        help="build the project's wheel once (hwb) and install it into a fresh venv for the "
        "hwb_wheel_env fixture",
    )
    group.addoption(
        "--hwb-project", metavar="DIR", default=None, help="the project to build (default: the rootdir)"
    )


@pytest.fixture(scope="session")
def hwb_wheel_env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> WheelEnv:
    """The project's wheel, built once per session and installed into a fresh venv."""
    config = request.config
    if not config.getoption("hwb_wheel"):
        pytest.skip("needs the built wheel: run pytest with --hwb-wheel")
    project = Path(config.getoption("hwb_project") or config.rootpath)
    return build_wheel_env(project, tmp_path_factory.mktemp("hwb-wheel"))


def _installable(files: tuple[Path, ...]) -> Path:
    """The built wheel that installs on the running interpreter."""
    from packaging.tags import sys_tags
    from packaging.utils import parse_wheel_filename

    from headless_wheel_builder.errors import BuildError

    supported = set(sys_tags())
    for path in files:
        if path.name.endswith(".whl") and supported & set(parse_wheel_filename(path.name)[3]):
            return path
    raise BuildError(
        "no built wheel installs on this Python",
        why=f"built: {', '.join(p.name for p in files) or 'nothing'}",
        hint="check the project's [tool.hwb] pythons/platform settings",
    )


def build_wheel_env(project: Path, workdir: Path) -> WheelEnv:
    """Build ``project`` as ``hwb build`` would (its ``[tool.hwb]`` / ``hwb.toml`` apply: config
    settings, isolation, repair) for the running Python, into ``workdir``, and install the
    wheel into ``workdir/venv``.  A build failure fails the session's first test that needs it."""
    import sys

    from headless_wheel_builder import api
    from headless_wheel_builder.errors import HwbError
    from headless_wheel_builder.isolation.python import current
    from headless_wheel_builder.isolation.venv import VenvEnv

    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    try:
        report = api.build_from_config(project, cli={"outdir": workdir / "dist", "pythons": [python],
                                                     "python": python})  # fmt: skip
        wheel = _installable(report.files)
        sdist = next((path for path in report.files if path.name.endswith(".tar.gz")), None)
        venv = VenvEnv.create(workdir / "venv", current())
        venv.install([str(wheel)])
    except HwbError as exc:
        pytest.fail(f"hwb could not build and install {project}:\n{exc.render()}", pytrace=False)
    return WheelEnv(path=venv.path, python=Path(venv.python_executable), wheel=wheel, sdist=sdist)
