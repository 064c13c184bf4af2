"""The test command of a-cibuildwheel-project: the installed wheel holds what the build saw.

A pure project's wheel is built once and tested on every Python, so the facts are written to
``$PROBE_REPORT`` (when set) for the test to compare per identifier."""
from __future__ import annotations

import os
import platform

import cibw_probe

assert "site-packages" in cibw_probe.__file__, cibw_probe.__file__  # the wheel, not the sources
assert cibw_probe.GENERATED.startswith("before-build on 3."), cibw_probe.GENERATED
assert cibw_probe.COMPUTED == "computed", cibw_probe.COMPUTED
assert os.environ.get("PROBE_ENV"), "environment reaches the test command too"
if os.environ.get("PROBE_REPORT"):
    with open(os.environ["PROBE_REPORT"], "a") as report:
        fields = (platform.python_version(), cibw_probe.GENERATED, cibw_probe.ENV, os.environ["PROBE_ENV"])
        report.write("|".join(fields) + "\n")
