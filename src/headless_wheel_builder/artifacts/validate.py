"""Structural validation of wheels and sdists (the checks behind ``output.validate``).

Every finding is a :class:`Problem` with a stable code (``W-*`` for wheels, ``S-*`` for sdists);
:mod:`.codes` declares each one once, with its meaning, severity and peer (docs/CHECKS.md).

Findings of one code beyond :data:`MAX_PER_CODE` are summarised in one extra problem.
The wheel rules live in :mod:`._wheel_rules`, the sdist rules in :mod:`._sdist_rules`, and
what both share (:class:`Problem`, :func:`parse_metadata`) in :mod:`._validate_common`;
this module is the entry point for all of them.
"""

from __future__ import annotations

import tarfile
import zipfile
import zlib
from pathlib import Path

from headless_wheel_builder.artifacts._kind import ArtifactKind, artifact_kind
from headless_wheel_builder.artifacts._sdist_rules import sdist_members, validate_sdist
from headless_wheel_builder.artifacts._validate_common import (
    MAX_PER_CODE,
    Problem,
    parse_metadata,
    read_member,
)
from headless_wheel_builder.artifacts._wheel_rules import validate_wheel
from headless_wheel_builder.errors import ValidationError

__all__ = [
    "MAX_PER_CODE",
    "ArtifactKind",
    "Problem",
    "artifact_kind",
    "metadata_member",
    "parse_metadata",
    "validate_sdist",
    "validate_wheel",
]

# --- metadata access -------------------------------------------------------------------


def metadata_member(path: Path) -> tuple[str, bytes]:
    """The archive member holding the core metadata of a wheel or sdist, and its bytes.

    Raises :class:`ValidationError` when it cannot be found or read.
    """
    kind = artifact_kind(path)
    try:
        if kind == "wheel":
            with zipfile.ZipFile(path) as zf:
                names = [
                    n
                    for n in zf.namelist()
                    if n.count("/") == 1
                    and n.split("/")[0].endswith(".dist-info")
                    and n.endswith("/METADATA")
                ]
                if len(names) == 1:
                    return names[0], read_member(zf, names[0])
                why = "no .dist-info/METADATA" if not names else f"several: {', '.join(names)}"
        elif kind == "sdist":
            _, pkg_infos = sdist_members(path)
            stem = path.name.removesuffix(".zip").removesuffix(".tar.gz")
            if f"{stem}/PKG-INFO" in pkg_infos:
                return f"{stem}/PKG-INFO", pkg_infos[f"{stem}/PKG-INFO"]
            if len(pkg_infos) == 1:
                return next(iter(pkg_infos.items()))
            why = f"no {stem}/PKG-INFO"
        else:
            why = "not a wheel (.whl) or sdist (.tar.gz, .zip)"
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        why = str(exc)
    raise ValidationError(
        f"cannot read the core metadata of {path}",
        why=why,
        hint=f"run 'hwb check {path}' for every problem of this file",
    )
