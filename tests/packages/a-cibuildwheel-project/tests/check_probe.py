"""The test command of a-cibuildwheel-project: the installed wheel holds what the build saw.

A pure project's wheel is built once and tested on every Python, so the facts are written to
``$PROBE_REPORT`` for the test to compare per identifier."""

import os
import platform

import cibw_probe

assert "site-packages" in cibw_probe.__file__, cibw_probe.__file__  # the wheel, not the sources
assert cibw_probe.GENERATED.startswith("before-build on 3."), cibw_probe.GENERATED
assert cibw_probe.COMPUTED == "computed", cibw_probe.COMPUTED
with open(os.environ["PROBE_REPORT"], "a") as report:
    fields = (platform.python_version(), cibw_probe.GENERATED, cibw_probe.ENV, os.environ.get("PROBE_ENV"))
    report.write("|".join(str(f) for f in fields) + "\n")
