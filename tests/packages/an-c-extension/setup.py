from __future__ import annotations

from setuptools import Extension, setup

# ext_modules is the marker; a comment saying cythonize must not count.
setup(ext_modules=[Extension("an_c_extension._speedups", ["src/an_c_extension/_speedups.c"])])
