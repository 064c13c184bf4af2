"""The legacy upload API's form: every core-metadata field mapped from the file's METADATA /
PKG-INFO (parsed with ``packaging.metadata``), the digests, and the file itself, opened so that
httpx streams it from disk (httpx encodes the ``multipart/form-data`` body) while reporting
progress (PROTOCOLS.md §2)."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from packaging.metadata import RawMetadata, parse_email

from headless_wheel_builder.artifacts.validate import artifact_kind, metadata_member

__all__ = ["Digests", "ProgressFile", "digests", "form_data", "form_fields"]

#: RawMetadata keys whose form field name differs from the key (multi-use fields are singular).
_RENAMED = {
    "platforms": "platform",
    "supported_platforms": "supported_platform",
    "license_files": "license_file",
    "import_names": "import_name",
    "import_namespaces": "import_namespace",
}
_CHUNK = 256 * 1024


@dataclass(frozen=True, kw_only=True)
class Digests:
    sha256: str
    blake2_256: str
    size: int


def digests(path: Path) -> Digests:
    sha, blake = hashlib.sha256(), hashlib.blake2b(digest_size=32)
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            sha.update(chunk)
            blake.update(chunk)
            size += len(chunk)
    return Digests(sha256=sha.hexdigest(), blake2_256=blake.hexdigest(), size=size)


def metadata_fields(raw: RawMetadata) -> list[tuple[str, str]]:
    """Form fields for every metadata field: lowercase, ``-``→``_``, multi-use fields repeated,
    ``project_urls`` as ``"Label, URL"``, ``keywords`` comma-joined, ``description`` the body."""
    fields: list[tuple[str, str]] = []
    for key, value in raw.items():
        name = _RENAMED.get(key, key)
        if isinstance(value, dict):  # project_urls
            fields.extend((name, f"{label}, {url}") for label, url in value.items())
        elif isinstance(value, list):
            if key == "keywords":
                fields.append((name, ",".join(value)))
            else:
                fields.extend((name, str(item)) for item in value)
        else:
            fields.append((name, str(value)))
    return fields


def form_fields(path: Path, sums: Digests) -> list[tuple[str, str]]:
    """Everything but the file: action, protocol, metadata, file type, python version, digests."""
    _, data = metadata_member(path)
    raw, _unparsed = parse_email(data)
    if artifact_kind(path) == "wheel":
        filetype, pyversion = "bdist_wheel", path.name[: -len(".whl")].split("-")[-3]
    else:
        filetype, pyversion = "sdist", "source"
    return [
        (":action", "file_upload"),
        ("protocol_version", "1"),
        *metadata_fields(raw),
        ("filetype", filetype),
        ("pyversion", pyversion),
        ("sha256_digest", sums.sha256),
        ("blake2_256_digest", sums.blake2_256),
    ]


def form_data(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    """``fields`` as httpx's ``data=`` takes them: each name once, with all of its values (a
    multi-use field is sent as one form part per value, in order)."""
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


class ProgressFile(io.BufferedReader):
    """The distribution file, opened for httpx to stream as the ``content`` part.

    httpx reads it in chunks as the request goes out, and learns its size from the open file,
    so the request has an exact ``Content-Length`` (no chunked encoding, which some registries
    refuse).  ``on_progress(sent, total)`` is called as file bytes are read for sending.
    """

    def __init__(self, path: Path, *, on_progress: Callable[[int, int], None] | None = None) -> None:
        super().__init__(io.FileIO(path, "rb"), buffer_size=_CHUNK)
        self.total = os.fstat(self.fileno()).st_size
        self.on_progress = on_progress

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        if chunk and self.on_progress is not None:
            self.on_progress(self.tell(), self.total)
        return chunk
