"""Structural validation of wheels and sdists (the checks behind ``output.validate``).

Every finding is a :class:`Problem` with a stable code:

==================  ===========================================================================
``MISSING``         the path does not exist
``UNKNOWN-TYPE``    neither ``*.whl`` nor ``*.tar.gz`` / ``*.zip``
``W-FILENAME``      wheel filename does not parse, or its name / version is not normalised
``W-ZIP``           unreadable zip, duplicate or unsafe member (absolute path, ``..``)
``W-DIST-INFO``     not exactly one ``*.dist-info/``, wrong name, or METADATA/WHEEL/RECORD missing
``W-WHEEL``         WHEEL unreadable, bad ``Wheel-Version`` / ``Root-Is-Purelib`` / ``Build``
``W-TAGS``          WHEEL ``Tag:`` lines differ from the filename's expanded tags
``W-RECORD``        RECORD unreadable, malformed row, duplicate row, RECORD's own row wrong
``W-RECORD-HASH``   missing, forbidden (md5/sha1), badly encoded or wrong hash
``W-RECORD-SIZE``   missing, malformed or wrong size
``W-RECORD-MISSING``  RECORD lists a file the wheel does not hold
``W-RECORD-UNLISTED`` the wheel holds a file RECORD does not list
``W-METADATA``      METADATA invalid (``packaging.metadata``) or Name/Version differ from filename
``S-FILENAME``      sdist filename does not parse (error) or is not PEP 625 (warning)
``S-TAR``           unreadable archive, unsafe member (absolute, ``..``, link outside, device)
``S-LAYOUT``        not a single top-level ``{name}-{version}/`` directory
``S-PKG-INFO``      ``{name}-{version}/PKG-INFO`` missing or unreadable
``S-METADATA``      PKG-INFO invalid or its Name/Version differ from the filename
==================  ===========================================================================

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
from typing import Literal

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

ArtifactKind = Literal["wheel", "sdist"]


def artifact_kind(path: Path) -> ArtifactKind | None:
    """``"wheel"`` for ``*.whl``, ``"sdist"`` for ``*.tar.gz`` / ``*.zip``, else ``None``."""
    name = path.name
    if name.endswith(".whl"):
        return "wheel"
    if name.endswith((".tar.gz", ".zip")):
        return "sdist"
    return None


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
