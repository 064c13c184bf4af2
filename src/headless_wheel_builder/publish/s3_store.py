"""A thin, typed layer over a boto3 S3 client: read, write (optionally conditional), upload.

boto3 is imported only here and only when a store is made.  Every botocore failure becomes
an :class:`~headless_wheel_builder.errors.HwbError` at this boundary: refused credentials
(401/403) an AuthenticationError, anything else a StorageError, both naming the bucket and
key.  A failed precondition (HTTP 412, or 409 when S3 saw two conditional writes at once)
is :class:`PreconditionFailed`, which callers turn into a retry.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from headless_wheel_builder.errors import AuthenticationError, StorageError, UsageError

__all__ = ["PreconditionFailed", "S3Location", "S3Object", "S3Settings", "S3Store"]

#: Files larger than this are sent as multipart uploads (parts of the same size).
MULTIPART_THRESHOLD = 16 * 1024 * 1024
_AUTH_CODES = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "AllAccessDisabled",
    "AccountProblem",
}


R = TypeVar("R")


class PreconditionFailed(Exception):
    """A conditional write lost: the object changed (or appeared) since it was read."""


@dataclass(frozen=True, kw_only=True)
class S3Location:
    """``s3://BUCKET/PREFIX``, split; ``key()`` joins paths under the prefix."""

    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> S3Location:
        if not url.startswith("s3://"):
            raise UsageError(f"{url!r} is not an s3:// URL", hint="write s3://BUCKET/PREFIX")
        bucket, _, prefix = url[len("s3://") :].partition("/")
        if not bucket:
            raise UsageError(f"{url!r} names no bucket", hint="write s3://BUCKET/PREFIX")
        return cls(bucket=bucket, prefix=prefix.strip("/"))

    def key(self, *parts: str) -> str:
        return "/".join(p for p in (self.prefix, *parts) if p)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")


@dataclass(frozen=True, kw_only=True)
class S3Object:
    key: str
    etag: str
    body: bytes = b""
    size: int = 0
    metadata: Mapping[str, str] | None = None


@dataclass(frozen=True, kw_only=True)
class S3Settings:
    """How to reach the store (all optional: boto3's own configuration fills the gaps)."""

    endpoint_url: str | None = None
    region: str | None = None
    retries: int = 5
    timeout: float = 300.0
    environ: Mapping[str, str] | None = None
    """Where credentials are read from; ``None``: boto3's normal chain (env, profiles, roles)."""


class S3Store:
    """One bucket, through one boto3 client."""

    def __init__(self, location: S3Location, settings: S3Settings | None = None) -> None:
        settings = settings or S3Settings()
        self.location = location
        self.bucket = location.bucket
        try:
            import boto3
            from botocore.config import Config
        except ImportError as exc:  # pragma: no cover - boto3 is a dependency
            raise StorageError("boto3 is not installed", hint="pip install boto3") from exc
        session_args: dict[str, Any] = {}
        if settings.environ is not None:
            env = settings.environ
            if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
                session_args.update(
                    aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                    aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                    aws_session_token=env.get("AWS_SESSION_TOKEN") or None,
                )
            elif env.get("AWS_PROFILE"):
                session_args["profile_name"] = env["AWS_PROFILE"]
        from botocore.exceptions import BotoCoreError

        try:
            self._session = boto3.session.Session(region_name=settings.region, **session_args)
            config = Config(
                retries={"max_attempts": max(settings.retries, 1), "mode": "standard"},
                connect_timeout=min(settings.timeout, 60.0),
                read_timeout=settings.timeout,
            )
            self._client: Any = self._session.client(
                "s3", endpoint_url=settings.endpoint_url or None, config=config
            )
        except (BotoCoreError, ValueError) as exc:
            raise StorageError(
                f"cannot configure S3 for {location}",
                why=str(exc),
                hint="check --endpoint-url, --region and the AWS profile",
            ) from exc

    def identity(self) -> str:
        """Where the credentials come from (``env``, ``shared-credentials-file``, …); no secret."""
        credentials = self._session.get_credentials()
        if credentials is None:
            raise AuthenticationError(
                f"no AWS credentials for {self.location}",
                why="boto3 found none in the environment, the shared files, or an instance role",
                hint="set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run 'aws configure'",
            )
        return f"aws credentials ({credentials.method})"

    def get(self, key: str) -> S3Object | None:
        """The object at ``key`` with its body, or ``None`` when there is none."""

        def fetch() -> S3Object:
            response = self._client.get_object(Bucket=self.bucket, Key=key)
            body: bytes = response["Body"].read()
            return S3Object(
                key=key,
                etag=response["ETag"],
                body=body,
                size=len(body),
                metadata=response.get("Metadata") or {},
            )

        return self._call(f"read s3://{self.bucket}/{key}", fetch, missing_ok=True)

    def head(self, key: str) -> S3Object | None:
        """The object's ETag, size and user metadata, or ``None`` when there is none."""

        def fetch() -> S3Object:
            response = self._client.head_object(Bucket=self.bucket, Key=key)
            return S3Object(
                key=key,
                etag=response["ETag"],
                size=int(response.get("ContentLength", 0)),
                metadata=response.get("Metadata") or {},
            )

        return self._call(f"read s3://{self.bucket}/{key}", fetch, missing_ok=True)

    def put(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        cache_control: str | None = None,
        if_match: str | None = None,
        if_none_match: bool = False,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        """Write ``body`` at ``key``; returns the new ETag.

        ``if_match`` (an ETag) or ``if_none_match`` make the write conditional: it raises
        :class:`PreconditionFailed` when the object changed, or exists, meanwhile.
        """
        args: dict[str, Any] = {"Bucket": self.bucket, "Key": key, "Body": body, "ContentType": content_type}
        if cache_control:
            args["CacheControl"] = cache_control
        if if_match is not None:
            args["IfMatch"] = if_match
        if if_none_match:
            args["IfNoneMatch"] = "*"
        args.update(extra or {})

        def write() -> str:
            return str(self._client.put_object(**args)["ETag"])

        etag = self._call(f"write s3://{self.bucket}/{key}", write, conditional=True)
        assert etag is not None
        return etag

    def upload_file(
        self,
        path: Path,
        key: str,
        *,
        extra: Mapping[str, Any],
        callback: Callable[[int], None] | None = None,
    ) -> None:
        """Upload a file; multipart (in parallel parts) above :data:`MULTIPART_THRESHOLD`."""
        from boto3.s3.transfer import TransferConfig

        config = TransferConfig(
            multipart_threshold=MULTIPART_THRESHOLD, multipart_chunksize=MULTIPART_THRESHOLD
        )

        def send() -> bool:
            self._client.upload_file(
                os.fspath(path), self.bucket, key, ExtraArgs=dict(extra), Config=config, Callback=callback
            )
            return True

        self._call(f"upload {path.name} to s3://{self.bucket}/{key}", send)

    def delete(self, key: str) -> None:
        """Remove the object at ``key`` (a missing object is no error: S3 answers 204 either way)."""

        def remove() -> bool:
            self._client.delete_object(Bucket=self.bucket, Key=key)
            return True

        self._call(f"delete s3://{self.bucket}/{key}", remove, missing_ok=True)

    def check_bucket(self) -> None:
        """Fail early, with a clear message, when the bucket is missing or not ours to use."""

        def probe() -> bool:
            self._client.head_bucket(Bucket=self.bucket)
            return True

        if self._call(f"reach bucket {self.bucket}", probe, missing_ok=True) is None:
            raise StorageError(
                f"bucket {self.bucket!r} does not exist",
                why=f"{self.location}: the S3 endpoint answered 404 for the bucket",
                hint="create it first (aws s3 mb s3://BUCKET), or check the name and --endpoint-url",
            )

    def _call(
        self, action: str, fn: Callable[[], R], *, missing_ok: bool = False, conditional: bool = False
    ) -> R | None:
        """Run one boto3 call; translate its failures (``None`` for a missing object)."""
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn()
        except (ClientError, BotoCoreError, Boto3Error) as exc:
            error = _translate(exc, action, self.location, conditional=conditional)
            if error is None and missing_ok:
                return None
            raise (error or _storage_error(action, exc)) from exc


def _storage_error(action: str, exc: Exception) -> StorageError:
    return StorageError(f"cannot {action}", why=str(exc))


def _translate(exc: Exception, action: str, location: S3Location, *, conditional: bool) -> Exception | None:
    """Our exception for a botocore/boto3 one; ``None`` when it means "no such object"."""
    from boto3.exceptions import S3UploadFailedError
    from botocore.exceptions import ClientError, NoCredentialsError, PartialCredentialsError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if code in {"NoSuchKey", "404", "NotFound"} or (status == 404 and code != "NoSuchBucket"):
            return None
        if conditional and (
            code in {"PreconditionFailed", "ConditionalRequestConflict"} or status in {409, 412}
        ):
            return PreconditionFailed(code)
        message = error.get("Message") or code or str(exc)
        if code in _AUTH_CODES or status in {401, 403}:
            return AuthenticationError(
                f"cannot {action}",
                why=f"S3 refused the credentials ({code or status}: {message})",
                hint=f"check the AWS credentials and that they may read and write {location}",
            )
        if code == "NoSuchBucket":
            return StorageError(
                f"cannot {action}",
                why=f"bucket {location.bucket!r} does not exist",
                hint="create it first (aws s3 mb s3://BUCKET), or check the name and --endpoint-url",
            )
        return StorageError(f"cannot {action}", why=f"{code or status}: {message}")
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return AuthenticationError(
            f"cannot {action}",
            why=f"no usable AWS credentials ({exc})",
            hint="set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run 'aws configure'",
        )
    if isinstance(exc, S3UploadFailedError):
        text = str(exc)
        if "AccessDenied" in text or "(403)" in text:
            return AuthenticationError(
                f"cannot {action}", why=text, hint=f"check that the credentials may write {location}"
            )
        return StorageError(f"cannot {action}", why=text)
    return StorageError(
        f"cannot {action}",
        why=str(exc),
        hint="check --endpoint-url / AWS_ENDPOINT_URL, the region and the network",
    )
