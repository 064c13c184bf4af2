"""A requirement only on older Pythons, decided when setup.py runs (no environment marker):
each interpreter's wheel has the same file name but a different Requires-Dist."""
from __future__ import annotations

import sys

from setuptools import setup

setup(
    name="req-on-older",
    version="1.0",
    packages=["req_on_older"],
    package_dir={"": "src"},
    install_requires=["typing-extensions>=4"] if sys.version_info < (3, 12) else [],
)
