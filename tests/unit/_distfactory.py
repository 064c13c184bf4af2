"""Synthetic wheels and sdists for tests, correct by default and breakable on purpose.

    wheel = FakeWheel().build(tmp_path)                          # a valid wheel
    FakeWheel(metadata={"Version": None}).build(tmp_path)        # METADATA without Version
    FakeWheel(edit_record=lambda rows: rows[1:]).build(tmp_path) # a file left out of RECORD
    sdist = FakeSdist().build(tmp_path)                          # a valid .tar.gz sdist

Every field has a default that makes a valid artifact; the ``edit_*`` hooks, ``extra_members``
and the overrides (``filename``, ``dist_info``, ``top_dir``…) break one thing at a time.
"""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.tags import parse_tag

__all__ = ["FakeSdist", "FakeWheel", "MetadataFields", "record_hash", "symlink"]

#: Header name -> value, a list of values (repeated header) or None (leave the header out).
MetadataFields = Mapping[str, "str | Sequence[str] | None"]

_ZIP_DATE = (2020, 1, 1, 0, 0, 0)
_README = "Demo\n====\n\nA demo project used in tests.\n"


def record_hash(data: bytes) -> str:
    """A RECORD hash field: ``sha256=<urlsafe base64 without padding>``."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


def _metadata_text(
    name: str,
    version: str,
    overrides: MetadataFields,
    description: str | None,
    description_content_type: str | None,
) -> str:
    fields: dict[str, str | Sequence[str] | None] = {
        "Metadata-Version": "2.4",
        "Name": name,
        "Version": version,
        "Summary": "A demo project",
        "Description-Content-Type": description_content_type,
    }
    fields.update(overrides)
    lines: list[str] = []
    for key, value in fields.items():
        if value is None:
            continue
        values = [value] if isinstance(value, str) else list(value)
        lines.extend(f"{key}: {v}" for v in values)
    text = "\n".join(lines) + "\n"
    if description is not None:
        text += "\n" + description
    return text


def _as_bytes(content: bytes | str) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


@dataclass
class FakeWheel:
    """A wheel ``{name}-{version}[-{build}]-{tag}.whl`` with a correct dist-info."""

    name: str = "demo_pkg"
    """The name as it appears in the filename and dist-info directory."""
    version: str = "1.0"
    tag: str = "py3-none-any"
    build_tag: str | None = None
    files: Mapping[str, bytes | str] = field(
        default_factory=lambda: {
            "demo_pkg/__init__.py": '__version__ = "1.0"\n',
            "demo_pkg/core.py": "def answer() -> int:\n    return 42\n",
        }
    )
    metadata: MetadataFields = field(default_factory=dict)
    """Header overrides merged over the defaults (``None`` removes a header)."""
    metadata_name: str | None = None
    """``Name:`` in METADATA; by default ``name`` with ``_`` as ``-``."""
    description: str | None = _README
    description_content_type: str | None = "text/x-rst"
    metadata_text: str | None = None
    """The whole METADATA file, replacing everything above."""
    root_is_purelib: bool = True
    wheel_tags: Sequence[str] | None = None
    """``Tag:`` lines of WHEEL; by default the expanded tags of ``tag``."""
    wheel_text: str | None = None
    """The whole WHEEL file."""
    dist_info: str | None = None
    """The .dist-info directory name; by default ``{name}-{version}.dist-info``."""
    omit: frozenset[str] = frozenset()
    """dist-info files (``METADATA``, ``WHEEL``, ``RECORD``) to leave out."""
    edit_record: Callable[[list[list[str]]], list[list[str]]] | None = None
    """Change RECORD's rows (``[path, hash, size]``, RECORD's own row last) before writing."""
    extra_members: Mapping[str, bytes | str] = field(default_factory=dict)
    """Members added to the zip after RECORD was computed (so unlisted)."""
    filename: str | None = None

    def wheel_file(self) -> str:
        if self.wheel_text is not None:
            return self.wheel_text
        tags = self.wheel_tags
        if tags is None:
            tags = sorted(str(t) for t in parse_tag(self.tag))
        lines = [
            "Wheel-Version: 1.0",
            "Generator: hwb-tests (0)",
            f"Root-Is-Purelib: {'true' if self.root_is_purelib else 'false'}",
            *(f"Tag: {t}" for t in tags),
        ]
        if self.build_tag is not None:
            lines.append(f"Build: {self.build_tag}")
        return "\n".join(lines) + "\n"

    def metadata_file(self) -> str:
        if self.metadata_text is not None:
            return self.metadata_text
        name = self.metadata_name or self.name.replace("_", "-")
        return _metadata_text(
            name, self.version, self.metadata, self.description, self.description_content_type
        )

    def default_filename(self) -> str:
        build = f"-{self.build_tag}" if self.build_tag is not None else ""
        return f"{self.name}-{self.version}{build}-{self.tag}.whl"

    def members(self) -> dict[str, bytes]:
        """Every member of the zip, in order, RECORD included (unless omitted)."""
        dist_info = self.dist_info or f"{self.name}-{self.version}.dist-info"
        members = {path: _as_bytes(content) for path, content in self.files.items()}
        generated = {"METADATA": self.metadata_file(), "WHEEL": self.wheel_file()}
        for fname, text in generated.items():
            if fname not in self.omit:
                members[f"{dist_info}/{fname}"] = text.encode("utf-8")
        record = f"{dist_info}/RECORD"
        rows = [[path, record_hash(data), str(len(data))] for path, data in members.items()]
        rows.append([record, "", ""])
        if self.edit_record is not None:
            rows = self.edit_record(rows)
        if "RECORD" not in self.omit:
            buf = io.StringIO()
            for row in rows:
                buf.write(",".join(row) + "\n")
            members[record] = buf.getvalue().encode("utf-8")
        for path, content in self.extra_members.items():
            members[path] = _as_bytes(content)
        return members

    def build(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / (self.filename or self.default_filename())
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in self.members().items():
                zf.writestr(zipfile.ZipInfo(name, _ZIP_DATE), data)
        return path


@dataclass
class FakeSdist:
    """An sdist ``{name}-{version}.tar.gz`` with one ``{name}-{version}/`` directory."""

    name: str = "demo_pkg"
    """The name as it appears in the filename and the top-level directory."""
    version: str = "1.0"
    files: Mapping[str, bytes | str] = field(
        default_factory=lambda: {
            "pyproject.toml": '[project]\nname = "demo-pkg"\nversion = "1.0"\n',
            "src/demo_pkg/__init__.py": '__version__ = "1.0"\n',
        }
    )
    """Files relative to the top-level directory."""
    metadata: MetadataFields = field(default_factory=dict)
    metadata_name: str | None = None
    description: str | None = _README
    description_content_type: str | None = "text/x-rst"
    pkg_info_text: str | None = None
    omit_pkg_info: bool = False
    top_dir: str | None = None
    """The top-level directory; by default the filename without its extension."""
    extra_members: Sequence[tarfile.TarInfo | tuple[str, bytes | str]] = ()
    """Raw members added as they are (full archive paths, no top-level prefix)."""
    fmt: str = "tar.gz"
    """``tar.gz`` or ``zip``."""
    filename: str | None = None

    def pkg_info(self) -> str:
        if self.pkg_info_text is not None:
            return self.pkg_info_text
        name = self.metadata_name or self.name.replace("_", "-")
        return _metadata_text(
            name, self.version, self.metadata, self.description, self.description_content_type
        )

    def build(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        filename = self.filename or f"{self.name}-{self.version}.{self.fmt}"
        path = directory / filename
        top = self.top_dir or filename.removesuffix(".tar.gz").removesuffix(".zip")
        members = {f"{top}/{rel}": _as_bytes(data) for rel, data in self.files.items()}
        if not self.omit_pkg_info:
            members[f"{top}/PKG-INFO"] = self.pkg_info().encode("utf-8")
        if self.fmt == "zip":
            with zipfile.ZipFile(path, "w") as zf:
                for name, data in members.items():
                    zf.writestr(zipfile.ZipInfo(name, _ZIP_DATE), data)
                for extra in self.extra_members:
                    if isinstance(extra, tarfile.TarInfo):
                        raise TypeError("TarInfo members need fmt='tar.gz'")
                    zf.writestr(zipfile.ZipInfo(extra[0], _ZIP_DATE), _as_bytes(extra[1]))
            return path
        with tarfile.open(path, "w:gz") as tf:
            tf.addfile(_dir_info(top))
            for name, data in members.items():
                tf.addfile(_file_info(name, len(data)), io.BytesIO(data))
            for extra in self.extra_members:
                if isinstance(extra, tarfile.TarInfo):
                    tf.addfile(extra)
                else:
                    data = _as_bytes(extra[1])
                    tf.addfile(_file_info(extra[0], len(data)), io.BytesIO(data))
        return path


def _file_info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o644
    info.mtime = int(time.mktime((2020, 1, 1, 0, 0, 0, 0, 1, -1)))
    return info


def _dir_info(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    return info


def symlink(name: str, target: str) -> tarfile.TarInfo:
    """A symlink member for :attr:`FakeSdist.extra_members`."""
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    return info
