"""A flit project: the version is __version__ in the module."""

from __future__ import annotations

__version__ = "0.4"
