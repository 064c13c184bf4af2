"""Retries for publishing: exponential backoff with jitter on connection errors, 429 and 5xx;
no retry on other 4xx, which are explained instead (401/403 name the credential used and where
it came from, never the secret)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from headless_wheel_builder.errors import AuthenticationError

__all__ = ["RetryPolicy", "auth_error", "is_retryable_status", "retry_after"]


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """``retries`` extra attempts after the first; the n-th wait is drawn from
    ``[d/2, d]`` with ``d = min(cap, base * 2**(n-1))`` (so parallel clients spread out)."""

    retries: int = 5
    base: float = 1.0
    cap: float = 30.0

    @property
    def attempts(self) -> int:
        return self.retries + 1

    def delay(self, attempt: int, *, server_hint: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.cap, self.base * 2 ** max(attempt - 1, 0))
        wait = random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not cryptography
        if server_hint is not None:
            wait = max(wait, min(server_hint, self.cap))
        return wait


def is_retryable_status(status: int) -> bool:
    """429 (rate limited) and server errors are worth another try; 501/505 are not."""
    return status == 429 or (500 <= status <= 599 and status not in (501, 505))


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The ``Retry-After`` header in seconds, when it is a number."""
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None


def auth_error(status: int, *, identity: str | None, target: str, message: str | None) -> AuthenticationError:
    """A 401/403 explained: which credential was used, where it came from, what to do."""
    said = f" (the server said: {message})" if message else ""
    if identity is None:
        return AuthenticationError(
            f"{target} refused the upload without credentials (HTTP {status}){said}",
            why="no credential was found: no --token/--username, no HWB_PUBLISH_TOKEN or "
            "HWB_PUBLISH_USERNAME/HWB_PUBLISH_PASSWORD, nothing in keyring or ~/.pypirc, "
            "and no Trusted Publishing identity",
            hint="set HWB_PUBLISH_TOKEN (or HWB_PUBLISH_USERNAME and HWB_PUBLISH_PASSWORD); "
            "see docs/PUBLISHING.md",
        )
    if status == 401:
        return AuthenticationError(
            f"{target} did not accept the credential {identity} (HTTP 401){said}",
            why="the username, password or token is wrong, expired or revoked",
            hint="check that credential; on PyPI use an API token with username __token__ "
            "(account passwords are refused)",
        )
    return AuthenticationError(
        f"{target} refused the upload with the credential {identity} (HTTP {status}){said}",
        why="the credential was recognised but may not upload this file: a token scoped to "
        "another project, a user without upload rights on this index, or password login "
        "where the index wants a token",
        hint="use a credential allowed to upload this project to this repository",
    )
