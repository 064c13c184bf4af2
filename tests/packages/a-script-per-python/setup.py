"""A console script named after the interpreter that builds the wheel (``hello3.12``), as
some real projects do: each interpreter's pure wheel has a different entry_points.txt."""
from __future__ import annotations

import sys

from setuptools import setup

script = "hello{}.{}".format(*sys.version_info[:2])
setup(
    name="script-per-python",
    version="1.0",
    packages=["script_per_python"],
    package_dir={"": "src"},
    entry_points={"console_scripts": [f"{script} = script_per_python:main"]},
)
