"""Safe extraction of sdists (.tar.gz, .tgz, .tar, .tar.bz2, .tar.xz) and .zip archives.

Every member is checked before anything is written, with the semantics of tarfile's
``data`` filter on every Python: no absolute paths, no ``..``, no links that leave the
extraction folder, no device files or FIFOs, and caps on total size and member count.
Where the running Python has :func:`tarfile.data_filter` it is applied as well.
"""

from __future__ import annotations

import copy
import lzma
import os
import stat
import tarfile
import zipfile
import zlib
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from headless_wheel_builder.errors import ArchiveError, SourceNotFoundError

__all__ = [
    "ARCHIVE_SUFFIXES",
    "MAX_MEMBERS",
    "MAX_TOTAL_SIZE",
    "archive_kind",
    "extract_archive",
]

#: Refuse archives whose members add up to more than this many uncompressed bytes.
MAX_TOTAL_SIZE = 4 * 1024**3
#: Refuse archives with more members than this.
MAX_MEMBERS = 100_000

TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")
ZIP_SUFFIXES = (".zip",)
ARCHIVE_SUFFIXES = TAR_SUFFIXES + ZIP_SUFFIXES

# Folders that archivers add beside the real content (ignored when finding the root).
_NOISE_TOP_LEVEL = frozenset({"__MACOSX"})
# Errors a damaged archive raises while being read.
_READ_ERRORS = (
    tarfile.TarError, zipfile.BadZipFile, OSError, EOFError, zlib.error, lzma.LZMAError,
    UnicodeDecodeError,  # a zip member flagged UTF-8 whose name is not (zipfile raises it)
)  # fmt: skip
_MAX_LINK_HOPS = 40
#: A member name or link target longer than this is refused (Linux's PATH_MAX is 4096; real
#: sdists stay far below).  With :data:`MAX_DEPTH` it bounds the work done per member, so every
#: check below is linear in the number of members.
MAX_NAME_LENGTH = 4096
#: A member more folders deep than this is refused.
MAX_DEPTH = 256
#: A GNU long-name/long-link or pax extended header larger than this is refused before tarfile
#: reads it into memory (a compressed archive of a few KB can declare gigabytes of header).
MAX_EXTENDED_HEADER = 1024 * 1024


def archive_kind(path: Path) -> Literal["sdist", "zip"] | None:
    """``"sdist"`` for tar archives, ``"zip"`` for zip files, None for anything else."""
    name = path.name.lower()
    if name.endswith(ZIP_SUFFIXES):
        return "zip"
    if name.endswith(TAR_SUFFIXES):
        return "sdist"
    return None


def extract_archive(
    archive: Path,
    dest: Path,
    *,
    max_total_size: int | None = None,
    max_members: int = MAX_MEMBERS,
) -> Path:
    """Safely extract a .tar.gz / .zip into ``dest``; return the project folder inside.

    That is the single top-level folder when there is one (the sdist layout
    ``{name}-{version}/``), else ``dest`` itself.  ``max_total_size`` None: the
    ``HWB_MAX_ARCHIVE_SIZE`` environment variable (bytes), else :data:`MAX_TOTAL_SIZE`.
    """
    if max_total_size is None:
        max_total_size = _size_cap_from_env()
    kind = archive_kind(archive)
    if kind is None:
        raise ArchiveError(
            f"{archive} is not a supported archive",
            why="its name does not end in " + ", ".join(ARCHIVE_SUFFIXES),
            hint="pass an sdist (.tar.gz) or a .zip, or a folder holding a project",
        )
    if not archive.is_file():
        raise SourceNotFoundError(
            f"archive not found: {archive}", why="no such file", hint="check the path to the archive"
        )
    dest.mkdir(parents=True, exist_ok=True)
    limits = _Limits(archive, max_total_size, max_members)
    extract = _extract_zip if kind == "zip" else _extract_tar
    names = extract(archive, dest, limits)
    return _project_root(dest, names)


def _size_cap_from_env() -> int:
    text = os.environ.get("HWB_MAX_ARCHIVE_SIZE", "").strip()
    if not text:
        return MAX_TOTAL_SIZE
    if not text.isdigit() or int(text) <= 0:
        raise ArchiveError(
            f"invalid HWB_MAX_ARCHIVE_SIZE {text!r}",
            why="it must be a positive whole number of bytes",
            hint=f"unset it to use the default ({MAX_TOTAL_SIZE:,} bytes), or give e.g. 8589934592",
        )
    return int(text)


class _Limits:
    """Counts members and bytes, raising once a cap is passed."""

    def __init__(self, archive: Path, max_total_size: int, max_members: int) -> None:
        self.archive = archive
        self.max_total_size = max_total_size
        self.max_members = max_members
        self.members = 0
        self.total = 0

    def add(self, name: str, size: int) -> None:
        self.members += 1
        self.total += max(size, 0)
        if self.members > self.max_members:
            raise _unsafe(self.archive, name, f"the archive has more than {self.max_members:,} members")
        if self.total > self.max_total_size:
            raise _unsafe(
                self.archive,
                name,
                f"its members add up to more than {self.max_total_size:,} bytes uncompressed",
            )


def _unsafe(archive: Path, member: str, why: str) -> ArchiveError:
    return ArchiveError(
        f"refusing to extract {archive}: unsafe member {member!r}",
        why=why,
        hint="this archive cannot be a normal sdist; check where it came from, or build "
        "from the project's source folder instead",
    )


def _corrupt(archive: Path, exc: BaseException) -> ArchiveError:
    return ArchiveError(
        f"cannot read archive {archive}",
        why=f"it is damaged or not a valid archive ({type(exc).__name__}: {exc})",
        hint="download or build the archive again",
    )


def _member_parts(archive: Path, name: str) -> tuple[str, ...]:
    """The path components of a member name, refusing absolute paths and ``..``."""
    text = name.replace("\\", "/")
    if len(text) > MAX_NAME_LENGTH:
        raise _unsafe(archive, name[:200] + "…", f"its name is longer than {MAX_NAME_LENGTH:,} characters")
    if "\x00" in text:
        raise _unsafe(archive, name, "its name contains a NUL character")
    if text.startswith("/") or (len(text) >= 2 and text[1] == ":" and text[0].isalpha()):
        raise _unsafe(archive, name, "it has an absolute path")
    parts = tuple(p for p in text.split("/") if p not in ("", "."))
    if ".." in parts:
        raise _unsafe(archive, name, "its path contains '..' and would leave the extraction folder")
    if len(parts) > MAX_DEPTH:
        raise _unsafe(archive, name[:200] + "…", f"it is more than {MAX_DEPTH} folders deep")
    return parts


class _LinkChecker:
    """Resolves link targets inside the virtual tree of the archive, following the
    archive's own symlinks, to tell whether a link ends up outside the folder."""

    def __init__(self, archive: Path) -> None:
        self.archive = archive
        self.symlinks: dict[tuple[str, ...], str] = {}
        self.entries: set[tuple[str, ...]] = set()
        # Every folder some entry lies in, so "does a link replace a folder" is one lookup
        # rather than a scan of every entry (which made files x symlinks quadratic).
        self.folders: set[tuple[str, ...]] = set()

    def add(self, name: str, parts: tuple[str, ...], *, symlink_target: str | None) -> None:
        prefixes = [parts[:i] for i in range(1, len(parts))]
        if any(prefix in self.symlinks for prefix in prefixes):
            raise _unsafe(self.archive, name, "it would be written through a symbolic link")
        if parts in self.entries and (symlink_target is not None or parts in self.symlinks):
            raise _unsafe(self.archive, name, "a link with this name appears twice")
        if symlink_target is not None:
            if len(symlink_target) > MAX_NAME_LENGTH:
                raise _unsafe(
                    self.archive, name, f"its link target is longer than {MAX_NAME_LENGTH:,} characters"
                )
            if parts in self.folders:
                raise _unsafe(self.archive, name, "a symbolic link replaces a folder")
            self.symlinks[parts] = symlink_target
        self.entries.add(parts)
        self.folders.update(prefixes)

    def check_symlink(self, name: str, parts: tuple[str, ...], target: str) -> None:
        if self._escapes(parts[:-1], target):
            raise _unsafe(self.archive, name, f"it is a symbolic link to {target!r}, outside the archive")

    def check_hardlink(self, name: str, target: str) -> None:
        if self._escapes((), target):
            raise _unsafe(self.archive, name, f"it is a hard link to {target!r}, outside the archive")

    def _escapes(self, base: tuple[str, ...], target: str) -> bool:
        text = target.replace("\\", "/")
        if not text or text.startswith("/") or (len(text) >= 2 and text[1] == ":"):
            return True
        stack = list(base)
        pending = deque(p for p in text.split("/") if p not in ("", "."))
        hops = 0
        while pending:
            part = pending.popleft()
            if part == "..":
                if not stack:
                    return True
                stack.pop()
                continue
            stack.append(part)
            link = self.symlinks.get(tuple(stack)) if self.symlinks else None
            if link is not None:
                hops += 1
                link_text = link.replace("\\", "/")
                if hops > _MAX_LINK_HOPS or link_text.startswith("/"):
                    return True
                stack.pop()
                pending.extendleft(reversed([p for p in link_text.split("/") if p not in ("", ".")]))
        return False


class _BoundedTarInfo(tarfile.TarInfo):
    """A TarInfo that refuses an oversized GNU long-name/long-link or pax header before tarfile
    reads its whole declared size into memory, and a header tarfile fails on with a bare
    ValueError (a tar error like the others)."""

    def _proc_member(self, tf: tarfile.TarFile) -> tarfile.TarInfo:
        if self.type in _EXTENDED_HEADER_TYPES and self.size > MAX_EXTENDED_HEADER:
            raise _HeaderTooLarge(self.size)
        try:
            return super()._proc_member(tf)  # type: ignore[misc, no-any-return]
        except ValueError as exc:  # tarfile's own: a pax GNU.sparse.map that is not numbers
            raise tarfile.HeaderError(f"unreadable header: {exc}") from exc


_EXTENDED_HEADER_TYPES = frozenset(
    {
        tarfile.GNUTYPE_LONGNAME,
        tarfile.GNUTYPE_LONGLINK,
        tarfile.XHDTYPE,
        tarfile.XGLTYPE,
        tarfile.SOLARIS_XHDTYPE,
    }
)


class _HeaderTooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def _extract_tar(archive: Path, dest: Path, limits: _Limits) -> list[tuple[str, ...]]:
    try:
        with tarfile.open(archive, "r:*", tarinfo=_BoundedTarInfo) as tf:
            checked = _check_tar_members(archive, tf, limits)
            if hasattr(tarfile, "data_filter"):
                tf.extractall(dest, members=checked, filter="data")
            else:  # pragma: no cover - Pythons before the extraction filters
                tf.extractall(dest, members=checked)  # noqa: S202 - checked above
    except _HeaderTooLarge as exc:
        raise _unsafe(
            archive,
            "(extended header)",
            f"it declares a {exc.size:,}-byte long-name or pax header "
            f"(at most {MAX_EXTENDED_HEADER:,} are read)",
        ) from None
    except _READ_ERRORS as exc:
        filter_error = getattr(tarfile, "FilterError", ())
        if isinstance(exc, filter_error):  # our own checks should have caught it first
            member = getattr(getattr(exc, "tarinfo", None), "name", "?")
            raise _unsafe(archive, member, str(exc)) from exc
        raise _corrupt(archive, exc) from exc
    return [_member_parts(archive, m.name) for m in checked]


def _check_tar_members(archive: Path, tf: tarfile.TarFile, limits: _Limits) -> list[tarfile.TarInfo]:
    links = _LinkChecker(archive)
    checked: list[tarfile.TarInfo] = []
    for member in tf:
        limits.add(member.name, member.size if member.isreg() else 0)
        parts = _member_parts(archive, member.name)
        if not parts and not member.isdir():
            raise _unsafe(archive, member.name, "it has no file name")
        if member.ischr() or member.isblk() or member.isfifo():
            raise _unsafe(archive, member.name, "it is a device file or FIFO")
        if member.issym():
            links.add(member.name, parts, symlink_target=member.linkname)
        else:
            links.add(member.name, parts, symlink_target=None)
        checked.append(member)
    _check_tar_links(archive, checked, links)
    return [_sanitised(m) for m in checked]


def _check_tar_links(archive: Path, checked: list[tarfile.TarInfo], links: _LinkChecker) -> None:
    """Every symlink stays inside; every hard link names a regular file stored before it."""
    first_file: dict[tuple[str, ...], int] = {}
    for index, member in enumerate(checked):
        if member.isreg():
            first_file.setdefault(_member_parts(archive, member.name), index)
    for index, member in enumerate(checked):
        parts = _member_parts(archive, member.name)
        if member.issym():
            links.check_symlink(member.name, parts, member.linkname)
        elif member.islnk():
            links.check_hardlink(member.name, member.linkname)
            # tarfile can only link to a regular file stored *before* the link.
            target = first_file.get(
                tuple(p for p in member.linkname.replace("\\", "/").split("/") if p not in ("", "."))
            )
            if target is None or target >= index:
                raise _unsafe(
                    archive,
                    member.name,
                    f"it is a hard link to {member.linkname!r}, "
                    "which is not a file stored before it in the archive",
                )


def _sanitised(member: tarfile.TarInfo) -> tarfile.TarInfo:
    """A copy with the ``data`` filter's modes and no owner, for Pythons without it."""
    clean = copy.copy(member)
    if member.isreg() or member.islnk():
        mode = (member.mode | 0o600) & 0o755
        if not mode & stat.S_IXUSR:
            mode &= ~(stat.S_IXGRP | stat.S_IXOTH)
        clean.mode = mode
    elif member.isdir():
        clean.mode = (member.mode | 0o700) & 0o755
    clean.uid, clean.gid = os.getuid(), os.getgid()
    clean.uname = clean.gname = ""
    return clean


def _extract_zip(archive: Path, dest: Path, limits: _Limits) -> list[tuple[str, ...]]:
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            links = _LinkChecker(archive)
            for info in infos:
                limits.add(info.filename, info.file_size)
                parts = _member_parts(archive, info.filename)
                if not parts and not info.filename.endswith("/"):
                    raise _unsafe(archive, info.filename, "it has no file name")
                if info.flag_bits & 0x1:
                    raise _unsafe(archive, info.filename, "it is encrypted")
                kind = stat.S_IFMT(info.external_attr >> 16)
                if kind in (stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO, stat.S_IFSOCK):
                    raise _unsafe(archive, info.filename, "it is a device file, FIFO or socket")
                if kind == stat.S_IFLNK and info.file_size > MAX_NAME_LENGTH:
                    raise _unsafe(
                        archive, info.filename, f"its link target is longer than {MAX_NAME_LENGTH:,} bytes"
                    )
                target = zf.read(info).decode("utf-8", "replace") if kind == stat.S_IFLNK else None
                links.add(info.filename, parts, symlink_target=target)
            for info in infos:
                target = links.symlinks.get(_member_parts(archive, info.filename))
                if target is not None:
                    links.check_symlink(info.filename, _member_parts(archive, info.filename), target)
            zf.extractall(dest)  # noqa: S202 - every member checked above
            _restore_exec_bits(dest, infos)
    except (*_READ_ERRORS, NotImplementedError, RuntimeError) as exc:
        raise _corrupt(archive, exc) from exc
    return [_member_parts(archive, i.filename) for i in infos]


def _restore_exec_bits(dest: Path, infos: Iterable[zipfile.ZipInfo]) -> None:
    for info in infos:
        mode = info.external_attr >> 16
        if not info.is_dir() and stat.S_ISREG(mode) and mode & stat.S_IXUSR:
            path = dest / info.filename
            path.chmod(path.stat().st_mode | 0o111)


def _project_root(dest: Path, names: list[tuple[str, ...]]) -> Path:
    tops = {parts[0] for parts in names if parts} - _NOISE_TOP_LEVEL
    if len(tops) == 1:
        candidate = dest / tops.pop()
        if candidate.is_dir() and not candidate.is_symlink():
            return candidate
    return dest
