"""The test command of a-cibuildwheel-project: the installed wheel holds what the build saw."""

import os
import platform
import sys

import cibw_probe

assert "site-packages" in cibw_probe.__file__, cibw_probe.__file__  # the wheel, not the sources
expected = "before-build on " + platform.python_version()
assert cibw_probe.GENERATED == expected, (cibw_probe.GENERATED, expected)
assert cibw_probe.COMPUTED == "computed", cibw_probe.COMPUTED
assert os.environ.get("PROBE_ENV") == cibw_probe.ENV, "environment reaches the test too"
print("probe ok:", cibw_probe.ENV, file=sys.stderr)
with open(os.environ["PROBE_REPORT"], "a") as report:
    report.write(f"{platform.python_version()} {cibw_probe.ENV}\n")
