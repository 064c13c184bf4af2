"""The C extension; everything else about the project is in pyproject.toml."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("spam._spam", sources=["src/spam/_spam.c"])])
