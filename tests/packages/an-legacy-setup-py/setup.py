from __future__ import annotations

import an_legacy
from setuptools import setup

setup(
    name="an-legacy",
    version=an_legacy.__version__,
    py_modules=["an_legacy"],
    python_requires=">=2.7, !=3.0.*",
)
