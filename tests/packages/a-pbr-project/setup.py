from __future__ import annotations

import setuptools

setuptools.setup(setup_requires=["pbr"], pbr=True)
