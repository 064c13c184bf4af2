from __future__ import annotations

import os
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py


class BuildPyWithFlavor(build_py):
    """Writes ENV_SWITCH_FLAVOR into the built package (never into the source tree)."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib, "env_switch", "_flavor.py")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"FLAVOR = {os.environ.get('ENV_SWITCH_FLAVOR', 'plain')!r}\n")


with_c = os.environ.get("ENV_SWITCH_WITH_C") == "1"
setup(
    ext_modules=[Extension("env_switch._speedups", ["src/env_switch/_speedups.c"])] if with_c else [],
    cmdclass={"build_py": BuildPyWithFlavor},
)
