"""Every command ends quietly when the reader of its standard output goes away
(``hwb check dist | head -1``): exit 141, as a process ended by SIGPIPE, and nothing on
stderr — no "internal error: BrokenPipeError"."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import PACKAGES
from tests.unit._distfactory import FakeSdist, FakeWheel


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("dists")
    FakeWheel().build(folder)
    FakeSdist().build(folder)
    return folder


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["check", "{dists}"],
        ["check", "--json", "{dists}"],
        ["inspect", str(PACKAGES / "pure-hatch")],
        ["matrix", str(PACKAGES / "an-c-extension")],
        ["config", "show"],
    ],
    ids=["version", "check", "check-json", "inspect", "matrix", "config-show"],
)
def test_closed_stdout_ends_quietly(dists, args):
    cmd = [sys.executable, "-m", "headless_wheel_builder", *(a.format(dists=dists) for a in args)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.close()  # the reader is gone before hwb writes anything
    _, stderr = proc.communicate(timeout=120)
    assert stderr.decode() == ""
    assert proc.returncode == 141
    # The same command with a reader succeeds (the test can tell the two apart).
    done = subprocess.run(cmd, capture_output=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout
