"""Other architectures through emulation (issue 18, family 2): the official image of each
architecture, the engine's ``--platform``, an image's architecture, the binfmt_misc check and
the last check of a built wheel's machine."""

from __future__ import annotations

import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from headless_wheel_builder.build.in_container import wrong_arch
from headless_wheel_builder.errors import ContainerEngineUnavailableError, UsageError
from headless_wheel_builder.isolation.emulation import (
    BINFMT_MISC,
    check_emulation,
    emulation_problem,
    handlers,
    parse_handler,
)
from headless_wheel_builder.platforms import (
    LINUX_ARCHS,
    container_arch,
    default_image,
    default_policy,
    image_arch,
    linux_arch,
    needs_emulation,
    parse_policy,
    selected_linux_targets,
)
from headless_wheel_builder.repair.elf import elf_machine, wheel_elf_machines

# What Debian's qemu-user-static registers (update-binfmts), as /proc shows it.
DEBIAN_AARCH64 = """enabled
interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
flags: PF
offset 0
magic 7f454c460201010000000000000000000200b700
mask ffffffffffffff00fffffffffffffffffeffffff
"""
DEBIAN_S390X = """enabled
interpreter /usr/libexec/qemu-binfmt/s390x-binfmt-P
flags: PF
offset 0
magic 7f454c4602020100000000000000000000020016
mask ffffffffffffff00fffffffffffffffffffeffff
"""


@pytest.mark.parametrize(
    ("arch", "policy", "image"),
    [
        ("aarch64", None, "quay.io/pypa/manylinux_2_28_aarch64:"),
        ("arm64", None, "quay.io/pypa/manylinux_2_28_aarch64:"),
        ("ppc64le", None, "quay.io/pypa/manylinux_2_28_ppc64le:"),
        ("s390x", None, "quay.io/pypa/manylinux_2_28_s390x:"),
        ("i686", None, "quay.io/pypa/manylinux2014_i686:"),
        ("armv7l", None, "quay.io/pypa/manylinux_2_31_armv7l:"),
        ("x86_64", None, "quay.io/pypa/manylinux_2_28_x86_64:"),
        ("aarch64", "musllinux_1_2", "quay.io/pypa/musllinux_1_2_aarch64:"),
        ("armv7l", "musllinux_1_2", "quay.io/pypa/musllinux_1_2_armv7l:"),
        ("s390x", "manylinux2014", "quay.io/pypa/manylinux2014_s390x:"),
    ],
)
def test_the_default_image_is_the_official_one_of_the_architecture(arch, policy, image):
    name = linux_arch(arch).name
    chosen, _ = default_image(parse_policy(policy or default_policy(name)), name)
    assert chosen.startswith(image), chosen


def test_engine_platforms_and_image_architectures():
    platforms = {name: arch.platform for name, arch in LINUX_ARCHS.items()}
    assert platforms == {
        "x86_64": "linux/amd64", "aarch64": "linux/arm64", "ppc64le": "linux/ppc64le",
        "s390x": "linux/s390x", "armv7l": "linux/arm/v7", "i686": "linux/386",
    }  # fmt: skip
    assert image_arch("arm64", "v8") == "aarch64"
    assert image_arch("amd64") == "x86_64"
    assert image_arch("arm", "v7") == "armv7l"
    assert image_arch("arm", "v6") is None
    assert image_arch("riscv64") is None
    assert {a.elf_machine for a in LINUX_ARCHS.values()} == {62, 183, 21, 22, 40, 3}


def test_emulation_is_needed_only_for_a_foreign_architecture():
    assert not needs_emulation("x86_64", "x86_64")
    assert not needs_emulation("i686", "x86_64")  # an x86_64 kernel runs i686 itself
    assert needs_emulation("aarch64", "x86_64")
    assert needs_emulation("x86_64", "aarch64")
    assert not needs_emulation("aarch64", "arm64")


def test_a_container_build_has_one_architecture():
    assert container_arch([]) is None
    assert container_arch(["arm64"]) == "aarch64"
    assert container_arch(["aarch64,arm64"]) == "aarch64"
    with pytest.raises(UsageError, match="one architecture per container build"):
        container_arch(["x86_64,aarch64"])
    with pytest.raises(UsageError, match="not a Linux architecture"):
        container_arch(["universal2"])
    with pytest.raises(UsageError, match="unknown architecture"):
        container_arch(["sparc"])
    # cibuildwheel's identifiers in --select name the architecture (and libc) when --arch does not
    assert container_arch([], ["cp312-manylinux_aarch64"]) == "aarch64"
    assert container_arch(["s390x"], ["cp312-manylinux_aarch64"]) == "s390x"
    assert container_arch([], ["cp312-*"]) is None
    assert selected_linux_targets(["cp312-musllinux_aarch64 cp313-musllinux_aarch64", "cp39-*_x86_64"]) == [
        ("aarch64", "musllinux")
    ]
    mixed = ["cp312-macosx_arm64", "cp312-manylinux_ppc64le"]
    assert selected_linux_targets(mixed) == [("ppc64le", "manylinux")]
    with pytest.raises(UsageError, match="one architecture per container build"):
        container_arch([], ["cp312-manylinux_aarch64", "cp312-manylinux_x86_64"])


def test_binfmt_entries_are_matched_by_their_magic():
    aarch64 = parse_handler("qemu-aarch64", DEBIAN_AARCH64)
    s390x = parse_handler("qemu-s390x", DEBIAN_S390X)
    assert aarch64 is not None
    assert s390x is not None
    assert aarch64.enabled
    assert aarch64.flags == "PF"
    assert aarch64.matches(LINUX_ARCHS["aarch64"])
    assert not aarch64.matches(LINUX_ARCHS["ppc64le"])
    assert s390x.matches(LINUX_ARCHS["s390x"])  # big-endian e_machine
    assert not s390x.matches(LINUX_ARCHS["aarch64"])
    by_extension = "enabled\ninterpreter /usr/bin/python3.11\nflags: \nextension .py\n"
    assert parse_handler("python3.11", by_extension) is None


def _binfmt(tmp_path: Path, **entries: str) -> Path:
    root = tmp_path / "binfmt_misc"
    root.mkdir(parents=True)
    (root / "register").write_text("")
    (root / "status").write_text("enabled\n")
    for name, text in entries.items():
        (root / name.replace("_", "-")).write_text(text)
    return root


def test_the_binfmt_check_names_what_is_missing(tmp_path):
    arch = LINUX_ARCHS["aarch64"]
    assert "not mounted" in str(emulation_problem(arch, tmp_path / "empty"))
    assert "no binfmt_misc handler for aarch64" in str(emulation_problem(arch, _binfmt(tmp_path)))
    no_f = _binfmt(tmp_path / "a", qemu_aarch64=DEBIAN_AARCH64.replace("flags: PF", "flags: P"))
    assert "lacks the F flag" in str(emulation_problem(arch, no_f))
    disabled = _binfmt(tmp_path / "b", qemu_aarch64=DEBIAN_AARCH64.replace("enabled", "disabled"))
    assert "is disabled" in str(emulation_problem(arch, disabled))
    ready = _binfmt(tmp_path / "c", qemu_aarch64=DEBIAN_AARCH64)
    assert emulation_problem(arch, ready) is None
    with pytest.raises(ContainerEngineUnavailableError) as info:
        check_emulation(arch, root=no_f, host="x86_64")
    assert info.value.exit_code == 36
    assert "tonistiigi/binfmt --install all" in str(info.value.hint)
    assert "update-binfmts --enable" in str(info.value.hint)
    assert "qemu-aarch64" in str(info.value.hint)
    check_emulation(arch, root=no_f, host="aarch64")  # native: nothing to check


def test_this_machines_binfmt_misc_is_read_as_the_kernel_has_it():
    """The real /proc entries parse (where QEMU is registered, as on the project's CI)."""
    registered = [h for h in handlers(BINFMT_MISC) if h.name == "qemu-aarch64"]
    if not registered:
        pytest.skip(f"no qemu-aarch64 handler in {BINFMT_MISC} on this machine")
    assert registered[0].matches(LINUX_ARCHS["aarch64"])


def test_elf_machine_of_real_binaries(tmp_path):
    python = Path(sys.executable).resolve().read_bytes()[:20]
    assert elf_machine(python) == LINUX_ARCHS[linux_arch(_host()).name].elf_machine
    assert elf_machine(b"#!/bin/sh\n" + b"\0" * 20) is None
    qemu = shutil.which("qemu-aarch64-static")
    if qemu is not None:  # a static x86_64 binary: not an aarch64 one
        assert elf_machine(Path(qemu).read_bytes()[:20]) == 62


def _host() -> str:
    import platform

    return platform.machine()


def test_a_wheel_of_another_machine_is_refused(tmp_path):
    """The last line of defence: the wheel's tag and its ELF files must be of the arch asked for."""
    so = Path(sys.executable).resolve()
    wheel = tmp_path / "demo-1.0-cp311-cp311-manylinux_2_28_aarch64.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("demo/_ext.so", so.read_bytes()[:4096])
        archive.writestr("demo/__init__.py", "")
    assert wheel_elf_machines(wheel) == {"demo/_ext.so": 62}
    problems = wrong_arch(wheel, LINUX_ARCHS["aarch64"])
    assert problems == ["demo/_ext.so is an ELF file for machine 62, not aarch64 (e_machine 183)"]
    problems = wrong_arch(wheel, LINUX_ARCHS["x86_64"])
    assert problems == ["its platform tag manylinux_2_28_aarch64 is for aarch64, not x86_64"]
    pure = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(pure, "w") as archive:
        archive.writestr("demo/__init__.py", "")
    assert wrong_arch(pure, LINUX_ARCHS["s390x"]) == []
