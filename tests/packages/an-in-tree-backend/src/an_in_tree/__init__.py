"""A package with a Cython module."""

from __future__ import annotations

__version__: str = "1.8.0"
