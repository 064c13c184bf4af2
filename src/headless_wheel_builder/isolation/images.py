"""Which image a container build runs in.

The defaults are the official manylinux / musllinux images pinned in ``resources/images.toml``
(``scripts/refresh_images.py`` refreshes them).  A target is named as the matrix names policies:
``manylinux2014``, ``2_28``, ``manylinux_2_34``, ``musllinux_1_2``; a glibc version without an
image of its own (``2_31``) gets the newest image not newer than it, so the wheel still meets it.
A custom ``Dockerfile`` is built once and tagged by the hash of its content.
"""

from __future__ import annotations

import hashlib
import platform
import re
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from headless_wheel_builder import _proc
from headless_wheel_builder._log import logger
from headless_wheel_builder.errors import ContainerImageError, UsageError
from headless_wheel_builder.isolation.engine import Engine, run_error

#: The target when none is given (what cibuildwheel defaults to as well).
DEFAULT_TARGET = "manylinux_2_28"
_TARGET_RE = re.compile(r"^(?:(?P<libc>many|musl)linux_?)?(?P<major>\d+)[._](?P<minor>\d+)$")
_LEGACY = {"manylinux2014": "manylinux_2_17"}


@dataclass(frozen=True, kw_only=True)
class Target:
    """``manylinux_2_28`` or ``musllinux_1_2``."""

    libc: str
    version: tuple[int, int]

    def __str__(self) -> str:
        return f"{self.libc}_{self.version[0]}_{self.version[1]}"


def parse_target(text: str | None) -> Target:
    value = (text or DEFAULT_TARGET).strip().lower()
    value = _LEGACY.get(value, value)
    match = _TARGET_RE.match(value)
    if match is None:
        raise UsageError(
            f"unknown container target {text!r}",
            why="expected manylinux2014, manylinux_2_28, manylinux_2_34, musllinux_1_2 (or 2_28 …)",
            hint="set --manylinux to one of them, or give an image with --image",
        )
    libc = {"many": "manylinux", "musl": "musllinux"}.get(match["libc"] or "many", "manylinux")
    return Target(libc=libc, version=(int(match["major"]), int(match["minor"])))


@cache
def pinned_images() -> dict[str, dict[str, str]]:
    """``resources/images.toml``: target name -> {arch: image, "glibc"/"musl": version}."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    text = resources.files("headless_wheel_builder").joinpath("resources/images.toml").read_text("utf-8")
    data: dict[str, Any] = tomllib.loads(text)
    return {name: {k: str(v) for k, v in table.items()} for name, table in data["targets"].items()}


def host_arch() -> str:
    machine = platform.machine().lower()
    return {"amd64": "x86_64", "arm64": "aarch64", "x64": "x86_64"}.get(machine, machine)


def default_image(target: Target, arch: str | None = None) -> tuple[str, str]:
    """(image, the pinned target it serves) for ``target`` on ``arch`` (default: this machine's).

    The newest pinned image of the same libc whose version is not newer than ``target``."""
    arch = arch or host_arch()
    candidates: list[tuple[tuple[int, int], str, str]] = []
    for name, table in pinned_images().items():
        pinned = parse_target(name)
        if pinned.libc == target.libc and pinned.version <= target.version and arch in table:
            candidates.append((pinned.version, name, table[arch]))
    if not candidates:
        known = ", ".join(sorted(pinned_images()))
        raise UsageError(
            f"no pinned image for {target} on {arch}",
            why=f"hwb pins images for {known} (resources/images.toml)",
            hint="choose one of those with --manylinux, or give an image with --image",
        )
    _, name, image = max(candidates)
    return image, name


def dockerfile_tag(dockerfile: Path) -> str:
    """``hwb-custom:<hash>``: the tag of the image built from ``dockerfile``'s content."""
    try:
        content = dockerfile.read_bytes()
    except OSError as exc:
        raise ContainerImageError(
            f"cannot read the Dockerfile {dockerfile}",
            why=exc.strerror or str(exc),
            hint="fix container-dockerfile (a path relative to the file that sets it)",
        ) from exc
    return f"hwb-custom:{hashlib.sha256(content).hexdigest()[:16]}"


def image_present(engine: Engine, image: str) -> bool:
    try:
        _proc.capture(engine.command("image", "inspect", image), timeout=60)
    except _proc.ProcessFailed:
        return False
    return True


def build_dockerfile(engine: Engine, dockerfile: Path, *, log_file: Path | None = None) -> str:
    """Build ``dockerfile`` (context: its folder) unless an image of that content exists."""
    tag = dockerfile_tag(dockerfile)
    if image_present(engine, tag):
        logger.info("using %s, built before from %s", tag, dockerfile)
        return tag
    logger.info("building %s from %s", tag, dockerfile)
    cmd = engine.command("build", "-t", tag, "-f", str(dockerfile), str(dockerfile.parent))
    try:
        # BuildKit may be absent (no buildx): the classic builder works everywhere.
        _proc.run(cmd, extra_env={"DOCKER_BUILDKIT": "0"}, log_file=log_file)
    except _proc.ProcessFailed as exc:
        error = run_error(engine, f"built {dockerfile}", exc)
        raise ContainerImageError(
            f"the Dockerfile {dockerfile} did not build", why=error.why, hint=error.hint,
            details=error.details, log_path=exc.log_path,
        ) from exc  # fmt: skip
    return tag


def ensure_image(engine: Engine, image: str, *, log_file: Path | None = None) -> None:
    """Pull ``image`` unless it is present (ContainerImageError when that fails)."""
    if image_present(engine, image):
        return
    logger.info("pulling %s", image)
    try:
        _proc.run(engine.command("pull", image), log_file=log_file, timeout=3600)
    except _proc.ProcessFailed as exc:
        raise run_error(engine, f"pulled {image}", exc, image=image) from exc
