"""Platform handling in logic: the ELF reader, the glibc check, policies, final tags, and the
macOS/Windows parts (verified here in logic only: these machines run Linux)."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest

from headless_wheel_builder.errors import RepairError, UsageError
from headless_wheel_builder.platforms import Identifier, Policy, parse_policy
from headless_wheel_builder.repair._apple_windows import (
    DelocateRepairer,
    DelvewheelRepairer,
    detect_msvc,
    macos_build_environ,
)
from headless_wheel_builder.repair.elf import (
    ElfError,
    glibc_version,
    versioned_symbols,
    wheel_versioned_symbols,
)
from headless_wheel_builder.repair.platform import (
    AuditwheelRepairer,
    check_final_tags,
    check_glibc,
    needs_repair,
    too_new_symbols,
)
from headless_wheel_builder.repair.stage import check_repairable
from headless_wheel_builder.repair.tools import ToolEnv

STRINGS = [b"libc.so.6", b"GLIBC_2.2.5", b"GLIBC_2.25", b"getrandom", b"memcpy", b"local_fn", b"GLIBC_2.34"]


def make_elf(*, is64: bool = True, little: bool = True, with_symbols: bool = True) -> bytes:
    """A minimal ELF shared object: .dynstr, .dynsym, .gnu.version and .gnu.version_r.

    It needs getrandom@GLIBC_2.25 and memcpy@GLIBC_2.2.5 from libc.so.6, defines local_fn,
    and requires GLIBC_2.34 without a symbol bound to it."""
    e = "<" if little else ">"
    dynstr = b"\0" + b"".join(s + b"\0" for s in STRINGS)
    off = {s: dynstr.index(b"\0" + s + b"\0") + 1 for s in STRINGS}
    syms = [(0, 0, 0), (off[b"getrandom"], 0, 3), (off[b"memcpy"], 0, 2), (off[b"local_fn"], 1, 2)]
    if not with_symbols:
        syms = syms[:1]
    dynsym = b""
    for name, shndx, _ in syms:
        if is64:
            dynsym += struct.pack(e + "IBBHQQ", name, 0x12, 0, shndx, 0, 0)
        else:
            dynsym += struct.pack(e + "IIIBBH", name, 0, 0, 0x12, 0, shndx)
    versym = b"".join(struct.pack(e + "H", v) for _, _, v in syms)
    needs = [(2, b"GLIBC_2.2.5"), (3, b"GLIBC_2.25"), (4, b"GLIBC_2.34")]
    verneed = struct.pack(e + "HHIII", 1, len(needs), off[b"libc.so.6"], 16, 0)
    for i, (other, name) in enumerate(needs):
        verneed += struct.pack(e + "IHHII", 0, 0, other, off[name], 16 if i < len(needs) - 1 else 0)
    header_size = 64 if is64 else 52
    blobs = [dynstr, dynsym, versym, verneed]
    offsets, cursor = [], header_size
    for blob in blobs:
        offsets.append(cursor)
        cursor += len(blob)
    shoff = cursor
    entsize = 24 if is64 else 16
    # (type, offset, size, link, entsize) for: null, dynstr, dynsym, versym, verneed
    sections = [
        (0, 0, 0, 0, 0),
        (3, offsets[0], len(dynstr), 0, 0),
        (11, offsets[1], len(dynsym), 1, entsize),
        (0x6FFFFFFF, offsets[2], len(versym), 2, 2),
        (0x6FFFFFFE, offsets[3], len(verneed), 1, 0),
    ]
    shdrs = b""
    for kind, offset, size, link, ent in sections:
        if is64:
            shdrs += struct.pack(e + "IIQQQQIIQQ", 0, kind, 0, 0, offset, size, link, 0, 0, ent)
        else:
            shdrs += struct.pack(e + "IIIIIIIIII", 0, kind, 0, 0, offset, size, link, 0, 0, ent)
    shentsize = 64 if is64 else 40
    ident = b"\x7fELF" + bytes([2 if is64 else 1, 1 if little else 2, 1]) + b"\0" * 9
    if is64:
        header = ident + struct.pack(e + "HHIQQQIHHHHHH", 3, 62, 1, 0, 0, shoff, 0, 64, 0, 0, shentsize, 5, 0)
    else:
        header = ident + struct.pack(e + "HHIIIIIHHHHHH", 3, 3, 1, 0, 0, shoff, 0, 52, 0, 0, shentsize, 5, 0)
    assert len(header) == header_size
    return header + b"".join(blobs) + shdrs


def make_wheel(folder: Path, name: str, so: bytes | None) -> Path:
    path = folder / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("pkg/__init__.py", "")
        if so is not None:
            archive.writestr("pkg/_ext.cpython-312-x86_64-linux-gnu.so", so)
    return path


@pytest.mark.parametrize(("is64", "little"), [(True, True), (False, True), (True, False), (False, False)])
def test_elf_reader_finds_undefined_versioned_symbols(is64, little):
    symbols = versioned_symbols(make_elf(is64=is64, little=little))
    named = {str(s) for s in symbols if s.symbol}
    assert named == {"getrandom@GLIBC_2.25", "memcpy@GLIBC_2.2.5"}  # local_fn is defined, not needed
    assert {s.version for s in symbols if not s.symbol} == {"GLIBC_2.34"}
    assert {s.library for s in symbols} == {"libc.so.6"}


def test_elf_reader_rejects_other_files():
    with pytest.raises(ElfError):
        versioned_symbols(b"#!/bin/sh\n")
    with pytest.raises(ElfError):
        versioned_symbols(make_elf()[:200])
    assert glibc_version("GLIBC_2.34") == (2, 34)
    assert glibc_version("GLIBCXX_3.4.29") is None


def test_glibc_check_names_the_offending_symbols(tmp_path):
    wheel = make_wheel(tmp_path, "pkg-1.0-cp312-cp312-linux_x86_64.whl", make_elf())
    with pytest.raises(RepairError) as info:
        check_glibc(wheel, parse_policy("2_17"))
    text = str(info.value)
    assert "needs glibc 2.34" in text
    assert "getrandom@GLIBC_2.25" in text
    assert "GLIBC_2.34" in text
    assert "memcpy" not in text
    assert "--manylinux 2_34" in (info.value.hint or "")
    assert set(too_new_symbols(wheel, parse_policy("2_28"))) == {"pkg/_ext.cpython-312-x86_64-linux-gnu.so"}
    check_glibc(wheel, parse_policy("manylinux_2_34"))  # new enough: no error


def test_programs_count_as_much_as_shared_objects(tmp_path):
    """An ELF program in .data/scripts (maturin bindings = "bin") has no .so suffix; its
    symbols decide the policy as auditwheel sees them.  Scripts that are not ELF do not."""
    wheel = tmp_path / "tool-1.0-py3-none-linux_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("tool-1.0.data/scripts/tool", make_elf())
        archive.writestr("tool-1.0.data/scripts/helper", "#!/bin/sh\necho hi\n")
        archive.writestr("tool-1.0.data/scripts/fake.py", b"\x7fELF but a Python file")
        archive.writestr("tool-1.0.dist-info/METADATA", "Name: tool\n")
    assert set(wheel_versioned_symbols(wheel)) == {"tool-1.0.data/scripts/tool"}
    assert set(too_new_symbols(wheel, parse_policy("2_17"))) == {"tool-1.0.data/scripts/tool"}
    tool = ToolEnv(path=tmp_path, python=tmp_path / "bin" / "python")
    assert AuditwheelRepairer(tool).target(wheel) == "auto"  # not the oldest policy forced on it


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2_28", Policy(libc="manylinux", version=(2, 28))),
        ("2.28", Policy(libc="manylinux", version=(2, 28))),
        ("manylinux_2_17", Policy(libc="manylinux", version=(2, 17))),
        ("manylinux2014", Policy(libc="manylinux", version=(2, 17))),
        ("manylinux1", Policy(libc="manylinux", version=(2, 5))),
        ("musllinux_1_2", Policy(libc="musllinux", version=(1, 2))),
        ("manylinux_2_17_x86_64", Policy(libc="manylinux", version=(2, 17))),  # auditwheel --plat
        ("musllinux_1_2_aarch64", Policy(libc="musllinux", version=(1, 2))),
        ("manylinux2014_x86_64", Policy(libc="manylinux", version=(2, 17))),
    ],
)
def test_policies(text, expected):
    assert parse_policy(text) == expected
    assert expected.tag("x86_64").endswith("_x86_64")


def test_unknown_policy_is_an_error():
    with pytest.raises(UsageError, match="unknown manylinux policy"):
        parse_policy("centos7")
    with pytest.raises(UsageError, match="unknown manylinux policy"):
        parse_policy("manylinux_2_17_sparc")


def test_a_policy_for_one_arch_must_match_the_build():
    ident = Identifier(platform="linux", arch="aarch64", minor=12)
    check_repairable(ident, "auto", "manylinux_2_28_aarch64")
    with pytest.raises(UsageError, match="policy for x86_64, but cp312-manylinux_aarch64 builds for aarch64"):
        check_repairable(ident, "auto", "manylinux_2_28_x86_64")


def test_auditwheel_target_policy(tmp_path):
    tool = ToolEnv(path=tmp_path, python=tmp_path / "bin" / "python")
    with_libc = make_wheel(tmp_path, "a-1.0-cp312-cp312-linux_x86_64.whl", make_elf())
    no_libc = make_wheel(tmp_path, "b-1.0-cp39-cp39-linux_x86_64.whl", None)
    assert AuditwheelRepairer(tool).target(with_libc) == "auto"
    # Nothing to tell glibc from musl: the arch's oldest policy of the host libc.
    assert AuditwheelRepairer(tool).target(no_libc) == "manylinux_2_5_x86_64"
    assert AuditwheelRepairer(tool, arch="aarch64").target(no_libc) == "manylinux_2_17_aarch64"
    repairer = AuditwheelRepairer(tool, policy=parse_policy("2_28"))
    cmd = repairer.command(with_libc, tmp_path / "out")
    assert cmd[:4] == [str(tool.python), "-m", "auditwheel", "repair"]
    assert cmd[cmd.index("--plat") + 1] == "manylinux_2_28_x86_64"
    assert tool.environ()["PATH"].startswith(str(tmp_path / "bin"))


@pytest.mark.parametrize(
    ("name", "platform", "mode", "expected"),
    [
        ("p-1-cp312-cp312-linux_x86_64.whl", "linux", "auto", True),
        ("p-1-cp312-cp312-manylinux_2_17_x86_64.whl", "linux", "auto", False),
        ("p-1-cp312-cp312-manylinux_2_17_x86_64.whl", "linux", "always", True),
        ("p-1-cp312-cp312-linux_x86_64.whl", "linux", "never", False),
        ("p-1-py3-none-any.whl", "linux", "always", False),
        ("p-1-cp312-cp312-macosx_11_0_arm64.whl", "macos", "auto", True),
        ("p-1-cp312-cp312-win_amd64.whl", "windows", "auto", False),
        ("p-1-cp312-cp312-win_amd64.whl", "windows", "always", True),
    ],
)
def test_needs_repair(name, platform, mode, expected):
    assert needs_repair(Path(name), platform, mode) is expected


def test_final_tags_refuse_what_pypi_refuses():
    with pytest.raises(RepairError, match="PyPI refuses"):
        check_final_tags(Path("p-1-cp312-cp312-linux_x86_64.whl"), "linux")
    warnings = check_final_tags(Path("p-1-cp312-cp312-linux_x86_64.whl"), "linux", allow_unrepaired=True)
    assert len(warnings) == 1
    assert "do not publish" in warnings[0]
    assert (
        check_final_tags(Path("p-1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"), "linux")
        == []
    )
    assert check_final_tags(Path("p-1-py3-none-any.whl"), "windows") == []
    with pytest.raises(RepairError, match="newer than the target"):
        check_final_tags(
            Path("p-1-cp312-cp312-manylinux_2_34_x86_64.whl"), "linux", policy=parse_policy("2_28")
        )
    with pytest.raises(RepairError, match="not a linux tag"):
        check_final_tags(Path("p-1-cp312-cp312-win_amd64.whl"), "linux")


# -- macOS and Windows: logic only ------------------------------------------------------


def test_macos_environment_per_arch():
    env = macos_build_environ("universal2", {})
    assert env == {"MACOSX_DEPLOYMENT_TARGET": "10.9", "ARCHFLAGS": "-arch x86_64 -arch arm64",
                   "_PYTHON_HOST_PLATFORM": "macosx-10.9-universal2"}  # fmt: skip
    # arm64 cannot target anything older than macOS 11; a newer user target is kept.
    assert (
        macos_build_environ("arm64", {"MACOSX_DEPLOYMENT_TARGET": "10.13"})["MACOSX_DEPLOYMENT_TARGET"]
        == "11.0"
    )
    assert macos_build_environ("x86_64", {"MACOSX_DEPLOYMENT_TARGET": "12.3"})["ARCHFLAGS"] == "-arch x86_64"
    with pytest.raises(RepairError):
        macos_build_environ("ppc", {})


def test_delocate_and_delvewheel_commands(tmp_path):
    tool = ToolEnv(path=tmp_path, python=tmp_path / "bin" / "python")
    wheel = tmp_path / "p-1-cp312-cp312-macosx_10_9_universal2.whl"
    cmd = DelocateRepairer(tool, arch="universal2").command(wheel, tmp_path / "out")
    assert cmd[0].endswith("delocate-wheel")
    assert cmd[cmd.index("--require-archs") + 1] == "x86_64,arm64"
    assert cmd[-1] == str(wheel)
    with pytest.raises(RepairError):
        DelocateRepairer(tool, arch="AMD64")
    cmd = DelvewheelRepairer(tool, add_paths=(Path("C:/libs"),)).command(wheel, tmp_path / "out")
    assert cmd[2:4] == ["delvewheel", "repair"]
    assert "--add-path" in cmd
    assert cmd[-1] == str(wheel)


def test_msvc_detection():
    assert detect_msvc({"VCINSTALLDIR": r"C:\VS\VC"}).found
    missing = detect_msvc({"ProgramFiles(x86)": r"C:\PF"}, exists=lambda p: False)
    assert not missing.found
    assert "Build Tools" in (missing.hint or "")
    calls: list[list[str]] = []

    def vswhere(cmd: list[str]) -> str:
        calls.append(cmd)
        return "C:\\VS\\2022\\BuildTools\n"

    found = detect_msvc({"ProgramFiles(x86)": r"C:\PF"}, run=vswhere, exists=lambda p: True)
    assert found.found
    assert found.path == "C:\\VS\\2022\\BuildTools"
    assert "Microsoft.VisualStudio.Component.VC.Tools.x86.x64" in calls[0]
    empty = detect_msvc({}, run=lambda cmd: "", exists=lambda p: True)
    assert not empty.found


def test_macos_variables_reach_every_backend_process():
    from headless_wheel_builder.build.pep517 import _with_environ as with_environ
    from headless_wheel_builder.matrix.jobs import platform_environ
    from headless_wheel_builder.platforms import Identifier

    calls = []

    def runner(cmd, cwd=None, extra_environ=None):
        calls.append((list(cmd), cwd, dict(extra_environ or {})))

    mac = Identifier(platform="macos", arch="universal2", minor=12)
    environ = platform_environ(mac, project_pure=False)
    assert environ["ARCHFLAGS"] == "-arch x86_64 -arch arm64"
    wrapped = with_environ(runner, environ)
    wrapped(["python", "_in_process.py"], "/src", {"PATH": "/venv/bin", "ARCHFLAGS": "-arch arm64"})
    (cmd, cwd, env) = calls[0]
    assert cmd == ["python", "_in_process.py"]
    assert cwd == "/src"
    assert env["PATH"] == "/venv/bin"
    assert env["MACOSX_DEPLOYMENT_TARGET"] == "10.9"
    assert env["ARCHFLAGS"] == "-arch arm64"  # the caller's own value wins
    assert platform_environ(Identifier(platform="linux", arch="x86_64", minor=12), project_pure=False) == {}
