"""The index in a bucket, kept consistent when several publishers write at the same time.

The design (docs/PUBLISHING-S3.md explains why it is this and not a lock object):

* **The JSON pages are the state.**  ``simple/<name>/index.json`` (PEP 691) lists a project's
  files with hashes, sizes, upload times and yank marks; ``simple/index.json`` lists the
  projects.  Every change is a read-modify-write of one of them, made with an S3
  conditional write: ``If-Match: <ETag read>`` (or ``If-None-Match: *`` when creating).  A
  write that loses the race gets HTTP 412, re-reads, merges again and retries, with a
  jittered back-off.  Nothing is lost and nothing can be left locked.
* **The HTML pages are derived.**  After a JSON write the publisher renders the HTML from
  what it wrote, writes it (at ``<name>/`` and ``<name>/index.html``), then reads the JSON's
  ETag again: if another publisher changed it meanwhile, it renders and writes again.  The
  last HTML write is therefore always made from the last JSON state.
* **File names are claimed** before a file is uploaded: ``<file>.sha256`` is created with
  ``If-None-Match: *`` and holds the file's sha256.  Two different files can never both
  claim one name, so a large (multipart) upload is safe without a conditional write of its
  own; an existing claim with the same hash means "already there" (a no-op), with another
  hash a :class:`~headless_wheel_builder.errors.FileConflictError`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from headless_wheel_builder._log import logger
from headless_wheel_builder.errors import StorageError
from headless_wheel_builder.publish.index import (
    HTML_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    NormalizedName,
    ProjectPage,
    RootPage,
    render_project_html,
    render_project_json,
    render_root_html,
    render_root_json,
)
from headless_wheel_builder.publish.s3_store import PreconditionFailed, S3Store

__all__ = ["CLAIM_SUFFIX", "FILE_CACHE_CONTROL", "METADATA_SUFFIX", "PAGE_CACHE_CONTROL", "S3Index"]

#: Pages change on every publish: caches may keep them a minute, then must ask again.
PAGE_CACHE_CONTROL = "max-age=60, must-revalidate"
#: Distribution files and their sidecars never change once published.
FILE_CACHE_CONTROL = "max-age=31536000, immutable"
#: A distribution's sidecars: its PEP 658 METADATA, and the claim on its name (its sha256).
METADATA_SUFFIX = ".metadata"
CLAIM_SUFFIX = ".sha256"
#: How many times one read-modify-write is tried before giving up.
MAX_ATTEMPTS = 40

T = TypeVar("T")
_jitter = random.Random()  # noqa: S311 - back-off jitter, not cryptography


def _backoff(attempt: int) -> None:
    time.sleep(_jitter.uniform(0.0, min(1.0, 0.02 * 2**attempt)))


class S3Index:
    """The ``simple/`` tree under one bucket prefix."""

    def __init__(
        self,
        store: S3Store,
        *,
        acl: str | None = None,
        encryption: Mapping[str, str] | None = None,
        index_html: bool = False,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.store = store
        self.location = store.location
        self.acl = acl
        self.encryption: Mapping[str, str] = dict(encryption or {})
        """PutObject's ``ServerSideEncryption`` / ``SSEKMSKeyId`` for every object (none: the
        bucket's default encryption applies)."""
        self.index_html = index_html
        """Pages only at ``…/index.html`` (no keys ending in ``/``)."""
        self.max_attempts = max_attempts
        #: How many conditional writes lost a race and were retried (for reports and tests).
        self.retries = 0

    # --- keys -----------------------------------------------------------------------------

    def project_dir(self, name: NormalizedName) -> str:
        return self.location.key("simple", name) + "/"

    def file_key(self, name: NormalizedName, filename: str) -> str:
        return self.project_dir(name) + filename

    def page_keys(self, folder: str) -> tuple[str, ...]:
        """The keys of the HTML page of ``folder`` (which ends in ``/``)."""
        return (folder + "index.html",) if self.index_html else (folder, folder + "index.html")

    @property
    def extra(self) -> Mapping[str, Any]:
        """PutObject arguments every object hwb writes carries: the ACL and the encryption."""
        return {**({"ACL": self.acl} if self.acl else {}), **self.encryption}

    # --- reading --------------------------------------------------------------------------

    def read_project(self, name: NormalizedName) -> ProjectPage | None:
        key = self.project_dir(name) + "index.json"
        obj = self.store.get(key)
        return None if obj is None else _load_project(obj.body, key)

    def read_root(self) -> RootPage:
        key = self.location.key("simple", "index.json")
        obj = self.store.get(key)
        return RootPage() if obj is None else _load_root(obj.body, key)

    # --- updating -------------------------------------------------------------------------

    def update_project(
        self, name: NormalizedName, mutate: Callable[[ProjectPage], ProjectPage]
    ) -> ProjectPage:
        """Apply ``mutate`` to the project's state and publish its pages (retrying races)."""
        base = self.project_dir(name)
        json_key = base + "index.json"
        return self._update(
            json_key=json_key,
            html_keys=self.page_keys(base),
            load=lambda body: _load_project(body, json_key),
            empty=ProjectPage(name=name),
            mutate=mutate,
            render_json=render_project_json,
            render_html=render_project_html,
        )

    def update_root(self, mutate: Callable[[RootPage], RootPage]) -> RootPage:
        base = self.location.key("simple") + "/"
        json_key = base + "index.json"
        return self._update(
            json_key=json_key,
            html_keys=self.page_keys(base),
            load=lambda body: _load_root(body, json_key),
            empty=RootPage(),
            mutate=mutate,
            render_json=render_root_json,
            render_html=render_root_html,
        )

    def _update(
        self,
        *,
        json_key: str,
        html_keys: tuple[str, ...],
        load: Callable[[bytes], T],
        empty: T,
        mutate: Callable[[T], T],
        render_json: Callable[[T], bytes],
        render_html: Callable[[T], bytes],
    ) -> T:
        state, etag = self._write_json(json_key, load, empty, mutate, render_json)
        self._write_html(json_key, html_keys, load, state, etag, render_html)
        return state

    def _write_json(
        self,
        key: str,
        load: Callable[[bytes], T],
        empty: T,
        mutate: Callable[[T], T],
        render: Callable[[T], bytes],
    ) -> tuple[T, str]:
        for attempt in range(self.max_attempts):
            current = self.store.get(key)
            state = mutate(empty if current is None else load(current.body))
            body = render(state)
            if current is not None and body == current.body:
                return state, current.etag
            try:
                etag = self.store.put(
                    key,
                    body,
                    content_type=JSON_CONTENT_TYPE,
                    cache_control=PAGE_CACHE_CONTROL,
                    if_match=None if current is None else current.etag,
                    if_none_match=current is None,
                    extra=self.extra,
                )
            except PreconditionFailed:
                self.retries += 1
                logger.debug("%s changed while it was updated; retrying (attempt %d)", key, attempt + 1)
                _backoff(attempt)
                continue
            return state, etag
        raise _too_busy(self.store, key, self.max_attempts)

    def _write_html(
        self,
        json_key: str,
        html_keys: tuple[str, ...],
        load: Callable[[bytes], T],
        state: T,
        etag: str,
        render: Callable[[T], bytes],
    ) -> None:
        for _ in range(self.max_attempts):
            body = render(state)
            for key in html_keys:
                self.store.put(
                    key,
                    body,
                    content_type=HTML_CONTENT_TYPE,
                    cache_control=PAGE_CACHE_CONTROL,
                    extra=self.extra,
                )
            latest = self.store.get(json_key)
            if latest is None or latest.etag == etag:
                return
            # Another publisher changed the state after we read it: our HTML may be stale.
            self.retries += 1
            state, etag = load(latest.body), latest.etag
        raise _too_busy(self.store, json_key, self.max_attempts)


def _load_project(body: bytes, key: str) -> ProjectPage:
    return ProjectPage.from_json(_json(body, key), where=key)


def _load_root(body: bytes, key: str) -> RootPage:
    return RootPage.from_json(_json(body, key), where=key)


def _json(body: bytes, key: str) -> dict[str, Any]:
    import json

    try:
        data = json.loads(body)
    except ValueError as exc:
        raise StorageError(
            f"cannot read {key}",
            why=f"it is not JSON ({exc})",
            hint="restore it from a backup, or delete it and publish the files again",
        ) from exc
    if not isinstance(data, dict):
        raise StorageError(
            f"cannot read {key}",
            why="it is not a JSON object",
            hint="restore it from a backup, or delete it and publish the files again",
        )
    return data


def _too_busy(store: S3Store, key: str, attempts: int) -> StorageError:
    return StorageError(
        f"cannot update s3://{store.bucket}/{key}",
        why=f"it kept changing under concurrent publishers ({attempts} attempts)",
        hint="run the publish again; nothing already published is lost",
    )
