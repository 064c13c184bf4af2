"""A single-module legacy project."""

from __future__ import annotations

__version__ = "1.17.0"
