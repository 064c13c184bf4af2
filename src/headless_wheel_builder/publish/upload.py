"""Publishing through the legacy upload API (PyPI, TestPyPI, devpi, pypiserver, Artifactory…).

For each file: look it up in the simple index (skip-existing), upload it as a multipart POST
(encoded by httpx, the file streamed from disk), and on a failed or ambiguous answer look again
before retrying, so a retried upload never duplicates or clobbers a file.  See PROTOCOLS.md §2
and docs/PUBLISHING.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from headless_wheel_builder._log import NullProgress, Progress, logger, redact
from headless_wheel_builder.artifacts.output import describe
from headless_wheel_builder.config.files import discover, load_explicit, load_user, section
from headless_wheel_builder.errors import FileConflictError, PublishError, UploadError
from headless_wheel_builder.publish.attest import attestations_field
from headless_wheel_builder.publish.base import FileResult, PublishReport
from headless_wheel_builder.publish.credentials import Credential, resolve_credential
from headless_wheel_builder.publish.form import ProgressFile, digests, form_data, form_fields
from headless_wheel_builder.publish.http import make_client
from headless_wheel_builder.publish.index_check import SimpleIndex, discover_index, same_origin
from headless_wheel_builder.publish.registries import Repository, index_candidates, resolve_repository
from headless_wheel_builder.publish.retry import RetryPolicy, auth_error, is_retryable_status, retry_after

if TYPE_CHECKING:
    import httpx

    from headless_wheel_builder.publish.options import PublishOptions

__all__ = ["UploadPublisher"]

_EXISTS_HINTS = ("already exist", "already been taken", "overwrite", "updating asset", "conflict")


_Make = Callable[..., FileResult]


class _Outcome(Exception):
    """Ends one file's upload loop with a result."""

    def __init__(self, result: FileResult) -> None:
        super().__init__(result.status)
        self.result = result


class UploadPublisher:
    """Publishes to one repository that speaks the legacy upload API."""

    def __init__(
        self,
        *,
        repository: Repository,
        options: PublishOptions,
        progress: Progress | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.repository = repository
        self.options = options
        self.progress: Progress = progress or NullProgress()
        self.client = client or make_client(
            ca_bundle=options.ca_bundle, timeout=options.timeout, environ=options.environ
        )
        self.policy = RetryPolicy(retries=options.retries, base=options.retry_backoff)
        self._dry_run = options.dry_run

    @classmethod
    def from_options(cls, options: PublishOptions, progress: Progress | None = None) -> UploadPublisher:
        # The user's file, then --config or the project's files; a project's own repository
        # definitions are dropped here, before anything reads them (config/trust.py).
        files = load_user(options.environ)
        files += [load_explicit(options.config_file)] if options.config_file else discover(
            options.project_dir, user=False
        )
        config, origin = section(files, "publish", strict=options.is_strict())
        config_file = origin["repositories"].path if "repositories" in origin else None
        repo = resolve_repository(
            options.repository, index_url=options.index_url, config=config, config_file=config_file
        )
        return cls(repository=repo, options=options, progress=progress)

    def publish(self, files: Sequence[Path], *, dry_run: bool = False) -> PublishReport:
        self._dry_run = dry_run
        try:
            repo, cred = resolve_credential(self.repository, self.options, self.client, dry_run=dry_run)
            index = self._index(repo, cred) if self.options.skip_existing else None
            if self.options.attest and not dry_run:
                from headless_wheel_builder.publish.attest import generate

                for written in generate(files):
                    self.progress.done(f"attested: {written.name}")
            results = [self._one(path, repo, cred, index, dry_run) for path in files]
        finally:
            self.client.close()
        return PublishReport(
            target=redact(repo.upload_url),
            identity=cred.identity if cred else None,
            dry_run=dry_run,
            files=tuple(results),
            index_url=redact(index.url) if index else None,
        )

    # --- the index -------------------------------------------------------------------------

    def _index(self, repo: Repository, cred: Credential | None) -> SimpleIndex:
        def auth_for(url: str) -> tuple[str, str] | None:
            return cred.auth if cred and cred.password and same_origin(url, repo.upload_url) else None

        if repo.index_url:
            return SimpleIndex(repo.index_url, self.client, auth_for(repo.index_url))
        candidates = index_candidates(repo.upload_url)
        found = discover_index(candidates, self.client, auth_for(repo.upload_url))
        if found is None:
            raise PublishError(
                f"cannot find the simple index of {redact(repo.upload_url)}",
                why="hwb checks it for files that already exist, and tried "
                + ", ".join(map(redact, candidates)),
                hint="set --index-url to the repository's simple index (or index-url in its "
                "configuration), or pass --no-skip-existing",
            )
        self.progress.done(f"checking for existing files in the index {redact(found)}")
        return SimpleIndex(found, self.client, auth_for(found))

    def _existing(self, index: SimpleIndex | None, project: str, filename: str) -> str | None:
        return index.lookup(project, filename) if index is not None else None

    # --- one file ----------------------------------------------------------------------------

    def _one(
        self, path: Path, repo: Repository, cred: Credential | None, index: SimpleIndex | None, dry_run: bool
    ) -> FileResult:
        info = describe(path)
        sums = digests(path)
        make = partial(FileResult, path=path, filename=path.name, sha256=sums.sha256)
        try:
            self._compare(index, info.name, path.name, sums.sha256, make, attempts=0, before=True)
            if dry_run:
                return make(status="would-upload", url=redact(repo.upload_url))
            fields = form_fields(path, sums)
            attestations = attestations_field(path, sums.sha256)
            if attestations is not None:
                fields.append(("attestations", attestations))
            self._upload(path, fields, repo, cred, index, info.name, sums.sha256, make)
        except _Outcome as outcome:
            if outcome.result.status == "failed":
                logger.error("%s: %s", path.name, outcome.result.message)
            else:
                self.progress.done(f"{path.name}: {outcome.result.status}")
            return outcome.result
        raise AssertionError("unreachable: _upload always ends with an outcome")  # pragma: no cover

    def _compare(
        self,
        index: SimpleIndex | None,
        project: str,
        filename: str,
        sha256: str,
        make: _Make,
        *,
        attempts: int,
        before: bool,
        landed: str = "skipped",
    ) -> None:
        """Raise an outcome when the index already holds ``filename``; return when it does not."""
        existing = self._existing(index, project, filename)
        if existing is None or index is None:
            return
        if existing == sha256:
            status = "would-skip" if before and self._dry_run else landed
            why = (
                "already in the index with the same sha256"
                if status != "uploaded"
                else ("the server's answer was lost, but the file is in the index with the same sha256")
            )
            raise _Outcome(make(status=status, attempts=attempts, url=redact(index.url), message=why))
        error = FileConflictError(
            f"{filename} already exists in {redact(index.url)} with different contents",
            why=f"the index has sha256 {existing}, the local file has sha256 {sha256}",
            hint="a published file can never be replaced: build a new version (or a new build tag)",
        )
        raise _Outcome(
            make(
                status="failed",
                attempts=attempts,
                url=redact(index.url),
                message=str(error),
                error=error.kind,
            )
        )

    def _upload(
        self,
        path: Path,
        fields: list[tuple[str, str]],
        repo: Repository,
        cred: Credential | None,
        index: SimpleIndex | None,
        project: str,
        sha256: str,
        make: _Make,
    ) -> None:
        import httpx

        last = ""
        for attempt in range(1, self.policy.attempts + 1):
            hint: float | None = None
            try:
                with ProgressFile(path, on_progress=self._progress_for(path.name)) as content:
                    response = self.client.post(
                        repo.upload_url,
                        data=form_data(fields),
                        files={"content": (path.name, content, "application/octet-stream")},
                        headers={"Accept": "application/json"},
                        auth=httpx.BasicAuth(*cred.auth)
                        if cred is not None and cred.password
                        else httpx.USE_CLIENT_DEFAULT,
                    )
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {redact(str(exc)) or 'connection lost'}"
            else:
                status, message = response.status_code, _message(response)
                if 200 <= status < 300:
                    raise _Outcome(make(status="uploaded", attempts=attempt, url=redact(repo.upload_url)))
                if 300 <= status < 400:
                    error = UploadError(
                        f"{redact(repo.upload_url)} redirected the upload to "
                        f"{redact(response.headers.get('location', '?'))} (HTTP {status})",
                        hint="use the URL it redirects to as --repository (uploads are never redirected, "
                        "they would lose their body)",
                    )
                    raise _Outcome(
                        make(status="failed", attempts=attempt, message=str(error), error=error.kind)
                    )
                if is_retryable_status(status):
                    last, hint = f"HTTP {status} {message}".strip(), retry_after(response.headers)
                else:
                    # A refusal may mean "exists" in a registry's own words: the index decides.
                    self._compare(index, project, path.name, sha256, make, attempts=attempt, before=False)
                    if status in (401, 403):
                        raise auth_error(
                            status,
                            identity=cred.identity if cred else None,
                            target=redact(repo.upload_url),
                            message=message or None,
                        )
                    error = UploadError(
                        f"{redact(repo.upload_url)} rejected {path.name} (HTTP {status})",
                        why=message or None,
                        hint="fix what the server names and publish again"
                        if not any(h in message.lower() for h in _EXISTS_HINTS)
                        else "the file exists there; pass the repository's simple index as --index-url "
                        "so hwb can tell identical files from conflicts",
                    )
                    raise _Outcome(
                        make(status="failed", attempts=attempt, message=str(error), error=error.kind)
                    )
            # A transient failure: the file may have arrived anyway; never upload it twice.
            self._compare(
                index, project, path.name, sha256, make, attempts=attempt, before=False, landed="uploaded"
            )
            if attempt < self.policy.attempts:
                wait = self.policy.delay(attempt, server_hint=hint)
                logger.warning(
                    "%s: attempt %d of %d failed (%s); retrying in %.1fs",
                    path.name,
                    attempt,
                    self.policy.attempts,
                    last,
                    wait,
                )
                time.sleep(wait)
        error = UploadError(
            f"uploading {path.name} failed after {self.policy.attempts} attempts",
            why=last,
            hint="check the repository's status and publish again (files already uploaded will be skipped)",
        )
        raise _Outcome(
            make(status="failed", attempts=self.policy.attempts, message=str(error), error=error.kind)
        )

    def _progress_for(self, filename: str) -> Callable[[int, int], None]:
        shown = [-1]

        def report(sent: int, total: int) -> None:
            percent = 100 * sent // max(total, 1)
            if percent // 10 != shown[0] // 10 or sent == total:
                shown[0] = percent
                self.progress.step(f"uploading {filename}: {percent}% of {total:,} bytes")

        return report


def _message(response: httpx.Response) -> str:
    """The server's explanation: JSON ``message`` (with ``Accept: application/json``), else the
    reason phrase (PyPI puts the message there), else the start of the body."""
    text = ""
    try:
        body = response.json()
        if isinstance(body, dict):
            text = str(body.get("message") or body.get("detail") or body.get("error") or "")
    except ValueError:
        pass
    phrase = response.reason_phrase or ""
    if not text and phrase and phrase.lower() not in _STANDARD_PHRASES:
        text = phrase
    if not text:
        import re

        text = re.sub(r"<[^>]+>", " ", response.text[:500])
        text = " ".join(text.split())[:300]
    return redact(text)


_STANDARD_PHRASES = {
    "bad request",
    "unauthorized",
    "forbidden",
    "not found",
    "conflict",
    "ok",
    "internal server error",
    "service unavailable",
    "bad gateway",
    "too many requests",
    "method not allowed",
    "gateway timeout",
}
