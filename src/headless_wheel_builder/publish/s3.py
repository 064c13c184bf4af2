"""Publishing to object storage (``s3://BUCKET/PREFIX``) with a static, pip-installable index.

Files go to ``PREFIX/simple/<project>/<file>`` beside their project page, a wheel's METADATA
beside it as ``<file>.metadata`` (PEP 658); the index under ``PREFIX/simple/`` is merged
with what the bucket already holds and kept consistent under concurrent publishers
(:mod:`.s3_state`).  Works with AWS S3 and S3-compatible stores that support conditional
writes (``--endpoint-url``: MinIO, Cloudflare R2, Ceph RGW…).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from headless_wheel_builder._log import NullProgress, Progress
from headless_wheel_builder.errors import FileConflictError, UsageError
from headless_wheel_builder.publish.base import FileResult, FileStatus, PublishReport
from headless_wheel_builder.publish.index import (
    METADATA_CONTENT_TYPE,
    DistEntry,
    IndexFile,
    ProjectPage,
    RootPage,
    dist_entry,
    format_upload_time,
)
from headless_wheel_builder.publish.options import PublishOptions
from headless_wheel_builder.publish.s3_state import CLAIM_SUFFIX, FILE_CACHE_CONTROL, METADATA_SUFFIX, S3Index
from headless_wheel_builder.publish.s3_store import PreconditionFailed, S3Location, S3Settings, S3Store

__all__ = ["S3Publisher", "WriteSettings", "encryption_args", "open_index", "write_settings"]

#: KMS accepts key ids, key ARNs, alias names and alias ARNs of at most 2048 characters.
_MAX_KMS_KEY_ID = 2048
_CONTENT_TYPES = {".whl": "application/zip", ".zip": "application/zip", ".gz": "application/gzip"}


def open_index(options: PublishOptions) -> S3Index:
    """The index at ``options.repository`` (an ``s3://`` URL), reached as ``options`` say.

    What ``options`` leave open (``sse``, ``sse_kms_key_id``, ``index_html`` are None) comes
    from the options ``s3-sse``, ``s3-sse-kms-key-id`` and ``s3-index-html`` (``HWB_*``, the
    user's configuration, ``--config``; the project's own files only for the page mode)."""
    location = S3Location.parse(options.repository)
    writes = write_settings(options)
    store = S3Store(
        location,
        S3Settings(
            endpoint_url=options.endpoint_url,
            region=options.region,
            retries=options.retries,
            timeout=options.timeout,
            environ=options.environ,
        ),
    )
    return S3Index(store, acl=options.acl, encryption=writes.encryption, index_html=writes.index_html)


@dataclass(frozen=True, kw_only=True)
class WriteSettings:
    """How every object is written: its server-side encryption, and where pages go."""

    encryption: Mapping[str, str]
    """PutObject arguments: ``ServerSideEncryption`` (+ ``SSEKMSKeyId``), or none at all."""
    index_html: bool


def write_settings(options: PublishOptions) -> WriteSettings:
    """``options``' encryption and page mode, the configured options filling what they leave open.

    The encryption is taken as a pair: ``sse`` or ``sse_kms_key_id`` given in ``options``
    replace both configured values.  Raises UsageError for a choice that is not one.
    """
    sse, key_id, index_html = options.sse, options.sse_kms_key_id, options.index_html
    if (sse is None and key_id is None) or index_html is None:
        from headless_wheel_builder.config.resolve import resolve

        configured = resolve(
            options.project_dir,
            environ=options.environ,
            config_file=options.config_file,
            cli={"strict": True} if options.strict else None,
        ).options
        if sse is None and key_id is None:
            sse, key_id = configured.s3_sse, configured.s3_sse_kms_key_id
        if index_html is None:
            index_html = configured.s3_index_html
    return WriteSettings(encryption=encryption_args(sse, key_id), index_html=bool(index_html))


def encryption_args(sse: str | None, key_id: str | None) -> dict[str, str]:
    """The PutObject arguments for ``--sse`` / ``--sse-kms-key-id`` (none for bucket-default).

    A KMS key alone means ``aws:kms``; a KMS key with ``AES256`` is a UsageError, as is a
    choice the registry does not list or a key id that cannot be one."""
    from headless_wheel_builder.config.registry import BY_NAME

    choices = BY_NAME["s3-sse"].choices
    mode = sse or choices[0]
    if mode not in choices:
        raise UsageError(
            f"unknown server-side encryption {sse!r}",
            why=f"--sse (s3-sse) is one of: {', '.join(choices)}",
            hint="AES256 for keys S3 manages (SSE-S3), aws:kms for a KMS key (SSE-KMS)",
        )
    if key_id is not None:
        key_id = key_id.strip()
        odd = any(c.isspace() or not c.isprintable() for c in key_id)
        if not key_id or len(key_id) > _MAX_KMS_KEY_ID or odd:
            raise UsageError(
                "invalid --sse-kms-key-id (s3-sse-kms-key-id)",
                why=f"{key_id[:80]!r} is not a KMS key id, key ARN, alias/NAME or alias ARN",
                hint="copy the key's ARN from the KMS console or 'aws kms list-aliases'",
            )
        if mode == "AES256":
            raise UsageError(
                "--sse-kms-key-id (s3-sse-kms-key-id) needs --sse aws:kms, not AES256",
                why="AES256 (SSE-S3) encrypts with keys S3 manages; a KMS key applies only to aws:kms",
                hint="drop --sse AES256 (a KMS key implies aws:kms), or drop the KMS key",
            )
        mode = "aws:kms"
    if mode == choices[0]:
        return {}
    args = {"ServerSideEncryption": mode}
    if key_id:
        args["SSEKMSKeyId"] = key_id
    return args


@dataclass(frozen=True, kw_only=True)
class _Plan:
    dist: DistEntry
    path: Path
    claimed: bool
    """The name is already claimed (by this same content: another hash raises a conflict)."""


class S3Publisher:
    """Uploads distributions into a bucket and keeps the static index there up to date."""

    def __init__(
        self,
        index: S3Index,
        *,
        storage_class: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.index = index
        self.store = index.store
        self.storage_class = storage_class
        self.progress = progress or NullProgress()

    @classmethod
    def from_options(cls, options: PublishOptions, progress: Progress | None = None) -> S3Publisher:
        return cls(open_index(options), storage_class=options.storage_class, progress=progress)

    # --- the Publisher protocol --------------------------------------------------------------

    def publish(self, files: Sequence[Path], *, dry_run: bool = False) -> PublishReport:
        """Upload ``files`` and merge them into the index; identical files are skipped.

        Raises FileConflictError (before anything is written) when a file of the same name
        but different content is already in the bucket.
        """
        identity = self.store.identity()
        self.store.check_bucket()
        dists = self._read(files)
        plans = [self._plan(path, dist) for path, dist in dists]
        if dry_run:
            results = [self._result(p, "would-skip" if p.claimed else "would-upload") for p in plans]
            return PublishReport(
                target=str(self.index.location), identity=identity, dry_run=True, files=tuple(results)
            )
        results = [self._upload(plan) for plan in plans]
        if plans:
            self._update_index([p.dist for p in plans])
        return PublishReport(
            target=str(self.index.location), identity=identity, dry_run=False, files=tuple(results)
        )

    # --- steps -----------------------------------------------------------------------------

    def _read(self, files: Sequence[Path]) -> list[tuple[Path, DistEntry]]:
        seen: dict[str, tuple[Path, DistEntry]] = {}
        for path in files:
            self.progress.step(f"reading {path.name}")
            dist = dist_entry(path)
            previous = seen.get(dist.entry.filename)
            if previous is not None and previous[1].entry.sha256 != dist.entry.sha256:
                raise _conflict(
                    dist.entry.filename,
                    previous[1].entry.sha256,
                    dist.entry.sha256,
                    where=f"{previous[0]} and {path}",
                )
            seen[dist.entry.filename] = (path, dist)
        return list(seen.values())

    def _claim_key(self, dist: DistEntry) -> str:
        return self.index.file_key(dist.project, dist.entry.filename) + CLAIM_SUFFIX

    def _existing_hash(self, dist: DistEntry) -> str | None:
        claim = self.store.get(self._claim_key(dist))
        if claim is not None:
            return claim.body.decode("ascii", "replace").split()[0] if claim.body.strip() else ""
        page = self.index.read_project(dist.project)
        entry = page.file(dist.entry.filename) if page else None
        return entry.sha256 if entry else None

    def _plan(self, path: Path, dist: DistEntry) -> _Plan:
        existing = self._existing_hash(dist)
        if existing is not None and existing != dist.entry.sha256:
            raise _conflict(
                dist.entry.filename,
                existing,
                dist.entry.sha256,
                where=f"s3://{self.store.bucket}/{self.index.file_key(dist.project, dist.entry.filename)}",
            )
        return _Plan(dist=dist, path=path, claimed=existing is not None)

    def _claim(self, plan: _Plan) -> bool:
        """Claim the file name; ``True`` if this publisher made the claim."""
        dist = plan.dist
        body = f"{dist.entry.sha256}  {dist.entry.filename}\n".encode("ascii", "replace")
        try:
            self.store.put(
                self._claim_key(dist),
                body,
                content_type=METADATA_CONTENT_TYPE,
                cache_control=FILE_CACHE_CONTROL,
                if_none_match=True,
                extra=self.index.extra,
            )
        except PreconditionFailed:
            existing = self._existing_hash(dist)
            if existing != dist.entry.sha256:
                raise _conflict(
                    dist.entry.filename,
                    existing or "(unreadable)",
                    dist.entry.sha256,
                    where=f"s3://{self.store.bucket}/{self._claim_key(dist)}",
                ) from None
            return False
        return True

    def _upload(self, plan: _Plan) -> FileResult:
        dist = plan.dist
        key = self.index.file_key(dist.project, dist.entry.filename)
        claimed_now = self._claim(plan)
        present = None if claimed_now else self.store.head(key)
        # A claim without the file (a publisher died mid-way, or is uploading the same
        # bytes right now): send it; the content is the same, so either copy is right.
        uploaded = (
            present is None
            or (present.metadata or {}).get("sha256", dist.entry.sha256) != (dist.entry.sha256)
            or present.size != dist.entry.size
        )
        if uploaded:
            self._send(plan.path, key, dist)
        if dist.metadata is not None and (uploaded or self.store.head(key + METADATA_SUFFIX) is None):
            self.store.put(
                key + METADATA_SUFFIX,
                dist.metadata,
                content_type=METADATA_CONTENT_TYPE,
                cache_control=FILE_CACHE_CONTROL,
                extra=self._object_extra(),
            )
        if uploaded:
            self.progress.done(f"uploaded {dist.entry.filename} ({_size(dist.entry.size)})")
        else:
            self.progress.done(f"skipped {dist.entry.filename} (an identical file is already there)")
        return self._result(
            plan,
            "uploaded" if uploaded else "skipped",
            message=None if uploaded else "an identical file is already in the bucket",
        )

    def _object_extra(self) -> dict[str, Any]:
        extra: dict[str, Any] = dict(self.index.extra)
        if self.storage_class:
            extra["StorageClass"] = self.storage_class
        return extra

    def _send(self, path: Path, key: str, dist: DistEntry) -> None:
        total = max(dist.entry.size, 1)
        sent = [0, 0]  # bytes sent, last percentage shown
        name = dist.entry.filename

        def callback(count: int) -> None:
            sent[0] += count
            percent = min(100, sent[0] * 100 // total)
            if percent != sent[1]:
                sent[1] = percent
                self.progress.step(f"uploading {name}: {percent}%")

        self.progress.step(f"uploading {name}: 0%")
        extra = self._object_extra()
        extra.update(
            ContentType=_CONTENT_TYPES.get(path.suffix, "application/octet-stream"),
            CacheControl=FILE_CACHE_CONTROL,
            Metadata={"sha256": dist.entry.sha256},
        )
        self.store.upload_file(path, key, extra=extra, callback=callback)

    def _update_index(self, dists: list[DistEntry]) -> None:
        now = format_upload_time(datetime.now(timezone.utc))
        projects = sorted({d.project for d in dists})
        for project in projects:
            group = [d for d in dists if d.project == project]
            self.progress.step(f"updating the index page of {project}")
            self.index.update_project(project, functools.partial(_merge, dists=group, now=now))
        self.progress.step("updating the root index page")
        self.index.update_root(lambda root: RootPage(projects=root.projects | set(projects)))
        self.progress.done(f"index updated: {self.index.location}/simple/ ({', '.join(projects)})")

    def _result(self, plan: _Plan, status: FileStatus, *, message: str | None = None) -> FileResult:
        key = self.index.file_key(plan.dist.project, plan.dist.entry.filename)
        return FileResult(
            path=plan.path,
            filename=plan.dist.entry.filename,
            status=status,
            sha256=plan.dist.entry.sha256,
            url=f"s3://{self.store.bucket}/{key}",
            attempts=0 if status.startswith("would") else 1,
            message=message,
        )


def _merge(page: ProjectPage, *, dists: list[DistEntry], now: str) -> ProjectPage:
    """``page`` with ``dists`` added; entries already there keep their upload time and yank."""
    new: list[IndexFile] = []
    for dist in dists:
        existing = page.file(dist.entry.filename)
        if existing is None:
            new.append(replace(dist.entry, upload_time=now))
        elif existing.sha256 != dist.entry.sha256:
            raise _conflict(
                dist.entry.filename,
                existing.sha256,
                dist.entry.sha256,
                where=f"the index page of {page.name}",
            )
        elif existing.core_metadata_sha256 is None and dist.entry.core_metadata_sha256 is not None:
            new.append(replace(existing, core_metadata_sha256=dist.entry.core_metadata_sha256))
    return page.with_files(new) if new else page


def _conflict(filename: str, existing: str, new: str, *, where: str) -> FileConflictError:
    return FileConflictError(
        f"{filename} already exists with different content",
        why=f"{where}: the published file has sha256 {existing}, this one has sha256 {new}",
        hint="a published file never changes: bump the version (or add a build tag) and build again",
    )


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover
