"""A C extension only on Python 3.12 and newer (or when EXT_ON_NEWER_FORCE=1): older
Pythons get the pure-Python fallback, as many real projects decide at build time."""
from __future__ import annotations

import os
import sys

from setuptools import Extension, setup

compile_it = sys.version_info >= (3, 12) or os.environ.get("EXT_ON_NEWER_FORCE") == "1"
setup(
    packages=["ext_on_newer"],
    package_dir={"": "src"},
    ext_modules=[Extension("ext_on_newer._fast", ["src/ext_on_newer/_fast.c"])] if compile_it else [],
)
