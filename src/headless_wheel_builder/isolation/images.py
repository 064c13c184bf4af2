"""The images of container builds, as far as an engine is concerned: inspect, pull, build.

Which image serves a policy (``manylinux_2_28`` -> the pinned ``quay.io/pypa/…`` reference) is
vocabulary, in :mod:`headless_wheel_builder.platforms` (``parse_policy``, ``default_image``).
A custom ``Dockerfile`` is built once and tagged by the hash of its content.  Before a build
starts, :func:`check_image_arch` makes sure the image is of the architecture asked for: an image
of another one would build wheels of that one.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from headless_wheel_builder import _proc
from headless_wheel_builder._log import logger
from headless_wheel_builder.errors import ContainerImageError
from headless_wheel_builder.isolation.engine import Engine, run_error
from headless_wheel_builder.platforms import LinuxArch, image_arch


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


def ensure_image(
    engine: Engine, image: str, *, log_file: Path | None = None, platform: str | None = None
) -> None:
    """Pull ``image`` unless it is present (ContainerImageError when that fails); ``platform``
    (``linux/arm64``) picks that architecture of a multi-architecture image."""
    if image_present(engine, image):
        return
    logger.info("pulling %s", image)
    try:
        flags = ["--platform", platform] if platform else []
        _proc.run(engine.command("pull", *flags, image), log_file=log_file, timeout=3600)
    except _proc.ProcessFailed as exc:
        raise run_error(engine, f"pulled {image}", exc, image=image) from exc


def image_platform(engine: Engine, image: str) -> tuple[str, str]:
    """(``Architecture``, ``Variant``) of a present image, as ``image inspect`` reports them
    (``arm64``, ``v8``); empty strings where the engine does not say."""
    try:
        result = _proc.capture(engine.command("image", "inspect", image), timeout=60)
        data = json.loads(result.output)
    except (_proc.ProcessFailed, ValueError):
        return "", ""
    first = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
    return str(first.get("Architecture") or ""), str(first.get("Variant") or "")


def check_image_arch(engine: Engine, image: str, arch: LinuxArch) -> None:
    """ContainerImageError unless ``image`` is an image of ``arch``: a build in an image of
    another architecture would give wheels of that one."""
    oci, variant = image_platform(engine, image)
    found = image_arch(oci, variant) if oci else None
    if found == arch.name:
        return
    described = "/".join(p for p in (oci, variant) if p) or "an unknown architecture"
    raise ContainerImageError(
        f"the image {image} is for {found or described}, not {arch.name}",
        why=f"`{engine.name} image inspect` reports the architecture {described}; a build in it would "
        f"give {found or described} wheels, not {arch.name} ones",
        hint=f"use an {arch.name} image ({arch.platform}): leave --image unset for the official one, "
        f"`{engine.name} pull --platform {arch.platform} IMAGE` for a multi-architecture one, or "
        f"set --arch {found} to build for the image's architecture"
        if found
        else f"use an {arch.name} image ({arch.platform}), or leave --image unset for the official one",
    )
