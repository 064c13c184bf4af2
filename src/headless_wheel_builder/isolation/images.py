"""The images of container builds, as far as an engine is concerned: inspect, pull, build.

Which image serves a policy (``manylinux_2_28`` -> the pinned ``quay.io/pypa/…`` reference) is
vocabulary, in :mod:`headless_wheel_builder.platforms` (``parse_policy``, ``default_image``).
A custom ``Dockerfile`` is built once and tagged by the hash of its content.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from headless_wheel_builder import _proc
from headless_wheel_builder._log import logger
from headless_wheel_builder.errors import ContainerImageError
from headless_wheel_builder.isolation.engine import Engine, run_error


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
