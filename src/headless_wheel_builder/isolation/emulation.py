"""Can this machine run a container of another architecture?  (QEMU through binfmt_misc.)

A Linux kernel runs foreign ELF binaries when binfmt_misc has an enabled handler whose magic
matches their header (Debian's ``qemu-user-static`` registers ``qemu-aarch64`` and friends;
``tonistiigi/binfmt`` does the same).  In a container the handler's interpreter path does not
exist, so the handler needs the F (fix binary) flag: the kernel opens the interpreter when it
is registered.  :func:`check_emulation` reads ``/proc/sys/fs/binfmt_misc`` and raises, before
any container starts, an error that says exactly how to enable emulation.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from headless_wheel_builder._log import logger
from headless_wheel_builder.errors import ContainerEngineUnavailableError
from headless_wheel_builder.platforms import LinuxArch, host_platform, needs_emulation

BINFMT_MISC = Path("/proc/sys/fs/binfmt_misc")
#: How to register QEMU's handlers (with the F flag), in the order the hint gives them.
ENABLE_EMULATION = (
    "register QEMU with binfmt_misc: `docker run --privileged --rm tonistiigi/binfmt --install all`, "
    "or on Debian/Ubuntu `sudo apt-get install qemu-user-static binfmt-support && sudo update-binfmts "
    "--enable` (mount it first if {root} is empty: `sudo mount -t binfmt_misc binfmt_misc {root}`)"
)


@dataclass(frozen=True, kw_only=True)
class BinfmtHandler:
    """One entry of binfmt_misc (``/proc/sys/fs/binfmt_misc/qemu-aarch64``)."""

    name: str
    enabled: bool
    interpreter: str
    flags: str
    offset: int
    magic: bytes
    mask: bytes

    def matches(self, arch: LinuxArch) -> bool:
        """Whether this handler runs ELF executables of ``arch`` (its magic covers the ELF
        class, byte order and e_machine of that architecture)."""
        machine = arch.elf_machine.to_bytes(2, "little" if arch.little_endian else "big")
        header = b"\x7fELF" + bytes([2 if arch.elf_64 else 1, 1 if arch.little_endian else 2])
        wanted = {0: header[:4], 4: header[4:5], 5: header[5:6], 18: machine}
        if self.offset != 0 or len(self.magic) < 20:
            return False
        mask = self.mask or b"\xff" * len(self.magic)
        for start, value in wanted.items():
            for i, byte in enumerate(value):
                if (byte & mask[start + i]) != (self.magic[start + i] & mask[start + i]):
                    return False
        return True


def parse_handler(name: str, text: str) -> BinfmtHandler | None:
    """A binfmt_misc entry's text (``enabled``, ``interpreter …``, ``flags: PF``, ``offset 0``,
    ``magic 7f45…``, ``mask ff…``), None for an extension-based (not magic) entry."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, _, value = line.strip().partition(" ")
        fields[key.rstrip(":")] = value.strip()
    try:
        magic = bytes.fromhex(fields.get("magic", ""))
        mask = bytes.fromhex(fields.get("mask", ""))
        offset = int(fields.get("offset", "0"))
    except ValueError:
        return None
    if not magic:
        return None
    return BinfmtHandler(
        name=name, enabled="enabled" in fields, interpreter=fields.get("interpreter", ""),
        flags=fields.get("flags", ""), offset=offset, magic=magic, mask=mask,
    )  # fmt: skip


def handlers(root: Path = BINFMT_MISC) -> list[BinfmtHandler]:
    """The magic-based handlers registered under ``root`` (empty when it is not mounted)."""
    found: list[BinfmtHandler] = []
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return found
    for entry in entries:
        if entry.name in ("register", "status"):
            continue
        try:
            parsed = parse_handler(entry.name, entry.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        if parsed is not None:
            found.append(parsed)
    return found


def emulation_problem(arch: LinuxArch, root: Path = BINFMT_MISC) -> str | None:
    """Why containers of ``arch`` cannot run here under QEMU, or None when they can."""
    if not (root / "register").exists():
        return f"binfmt_misc is not mounted at {root}, so the kernel cannot hand {arch.name} binaries to QEMU"
    status = root / "status"
    if status.is_file() and status.read_text(encoding="utf-8", errors="replace").strip() == "disabled":
        return f"binfmt_misc is disabled ({status} says so)"
    serving = [h for h in handlers(root) if h.matches(arch)]
    if not serving:
        return f"no binfmt_misc handler for {arch.name} is registered in {root} (QEMU is not set up)"
    enabled = [h for h in serving if h.enabled]
    if not enabled:
        return f"the {arch.name} handler {serving[0].name} is disabled"
    if not any("F" in h.flags for h in enabled):
        handler = enabled[0]
        return (
            f"the {arch.name} handler {handler.name} lacks the F flag (flags: {handler.flags or 'none'}): "
            f"its interpreter {handler.interpreter} does not exist inside a container"
        )
    return None


def check_emulation(arch: LinuxArch, *, root: Path = BINFMT_MISC, host: str | None = None) -> None:
    """Raise ContainerEngineUnavailableError when a container of ``arch`` cannot run here.

    Nothing to check for the host's own architecture (or one it runs itself), on a machine
    that is not Linux (Docker Desktop's VM has QEMU built in) or with a remote engine
    (``DOCKER_HOST`` not a local socket: its kernel is not this one)."""
    if not needs_emulation(arch.name, host):
        return
    remote = os.environ.get("DOCKER_HOST", "")
    if host_platform() != "linux" or (remote and not remote.startswith("unix://")):
        logger.info("not checking binfmt_misc for %s: the engine's kernel is not this machine's", arch.name)
        return
    problem = emulation_problem(arch, root)
    if problem is None:
        logger.info("%s containers run under QEMU (binfmt_misc)", arch.name)
        return
    raise ContainerEngineUnavailableError(
        f"this machine cannot run {arch.name} containers",
        why=problem,
        hint=ENABLE_EMULATION.format(root=root) + f"; then check `cat {root}/qemu-{arch.qemu}` shows "
        "`enabled` and a flags line with F",
    )
