"""A pdm-backend project with a file version source."""

from __future__ import annotations

__version__ = "0.165.0"
