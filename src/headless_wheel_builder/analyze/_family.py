"""The closed set of build-backend families, shared by :mod:`.analyzer` (which decides a
project's family) and :mod:`._detect` (whose detectors depend on it)."""

from __future__ import annotations

from typing import Literal

__all__ = ["BackendFamily"]

BackendFamily = Literal[
    "setuptools",
    "hatchling",
    "flit",
    "pdm",
    "poetry",
    "maturin",
    "scikit-build-core",
    "meson-python",
    "other",
]
