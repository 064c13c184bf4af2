"""A setup.py that imports distutils: builds on Python <= 3.11, fails on 3.12+."""
from __future__ import annotations

from distutils.core import setup

setup(name="distutils-demo", version="1.0", packages=["distutils_demo"])
