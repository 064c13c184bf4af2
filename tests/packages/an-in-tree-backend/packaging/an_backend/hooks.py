"""Re-export setuptools' hooks (a real wrapper would add Cython here)."""

from __future__ import annotations

from setuptools.build_meta import build_sdist, build_wheel

__all__ = ["build_sdist", "build_wheel"]
