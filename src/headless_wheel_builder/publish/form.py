"""The legacy upload API's form: every core-metadata field mapped from the file's METADATA /
PKG-INFO (parsed with ``packaging.metadata``), the digests, and a multipart body streamed from
disk with a progress callback (PROTOCOLS.md §2)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from packaging.metadata import RawMetadata, parse_email

from headless_wheel_builder.artifacts.validate import artifact_kind, metadata_member

__all__ = ["Digests", "MultipartBody", "digests", "form_fields"]

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


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "%0D").replace("\n", "%0A")


class MultipartBody:
    """``multipart/form-data`` with the file part read from disk in chunks as it is sent.

    Its exact length is known up front (``Content-Length``, no chunked encoding, which some
    registries refuse); ``on_progress(sent, total)`` is called as file bytes go out.
    """

    def __init__(
        self,
        fields: list[tuple[str, str]],
        path: Path,
        *,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.boundary = secrets.token_hex(16)
        self.path = path
        self.on_progress = on_progress
        parts = b"".join(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{_quote(k)}"\r\n\r\n'.encode()
            + v.encode("utf-8")
            + b"\r\n"
            for k, v in fields
        )
        self._head = (
            parts
            + (
                f'--{self.boundary}\r\nContent-Disposition: form-data; name="content"; '
                f'filename="{_quote(path.name)}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
        )
        self._tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.file_size = path.stat().st_size

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return len(self._head) + self.file_size + len(self._tail)

    def __iter__(self) -> Iterator[bytes]:
        yield self._head
        sent = 0
        with self.path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                sent += len(chunk)
                yield chunk
                if self.on_progress is not None:
                    self.on_progress(sent, self.file_size)
        yield self._tail
