"""A pure package built by setuptools from pyproject.toml alone."""
