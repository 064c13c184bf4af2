"""Talking to GitHub's and GitLab's REST APIs for releases: which host a project is on, where
its API is, the token (never in argv, output or logs), and one retrying request helper.

Retries follow :mod:`.retry` (backoff with jitter; connection errors, 429 and 5xx), plus the
rate limits of both hosts: a 403 or 429 with ``Retry-After`` or with GitHub's
``x-ratelimit-remaining: 0`` waits as the server says (``Retry-After``, else until
``x-ratelimit-reset``), up to :data:`MAX_RATE_WAIT` seconds.  Error bodies are read only up to
:data:`~.http.MAX_ERROR_BODY` bytes (the client of :mod:`.http`)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from headless_wheel_builder._log import logger, printable, redact, remember_secret
from headless_wheel_builder.errors import AuthenticationError, ConfigError, PublishError, UploadError
from headless_wheel_builder.publish.retry import RetryPolicy, is_retryable_status, retry_after

if TYPE_CHECKING:
    import httpx

__all__ = [
    "MAX_RATE_WAIT",
    "Api",
    "HostName",
    "HostTarget",
    "detect_host",
    "github_target",
    "gitlab_target",
    "parse_remote",
]

HostName = Literal["github", "gitlab"]
#: The longest wait for a rate limit to reset; a longer one fails (run again later).
MAX_RATE_WAIT = 300.0


def parse_remote(url: str | None) -> tuple[str, str] | None:
    """``(host, path)`` of a git remote URL (``git@host:o/r.git``, ``ssh://…``, ``https://…``),
    credentials and ``.git`` dropped; None for local paths and anything else."""
    raw = (url or "").strip()
    scp = re.match(r"^(?:[\w.-]+@)?(?P<host>[\w.-]+):(?!//)(?P<path>[^\s]+?)(?:\.git)?/?$", raw)
    if scp and "/" in scp["path"] and not raw.startswith("/"):
        return scp["host"], scp["path"]
    full = re.match(
        r"^(?:https?|ssh|git)://(?:[^@/]*@)?(?P<host>[^/:\s]+)(?::\d+)?/(?P<path>[^\s]+?)(?:\.git)?/?$", raw
    )
    return (full["host"], full["path"]) if full else None


def detect_host(environ: Mapping[str, str], remote_url: str | None) -> HostName | None:
    """The host a release goes to: the CI system hwb runs in (``GITHUB_ACTIONS``,
    ``GITLAB_CI``), else the ``origin`` remote's host name; None when neither says."""
    if environ.get("GITHUB_ACTIONS") == "true":
        return "github"
    if environ.get("GITLAB_CI"):
        return "gitlab"
    parsed = parse_remote(remote_url)
    host = parsed[0].lower() if parsed else ""
    if "github" in host:
        return "github"
    if "gitlab" in host:
        return "gitlab"
    return None


@dataclass(frozen=True, kw_only=True)
class HostTarget:
    """Where one project's releases are: the API root, the project, and the credential."""

    host: HostName
    api_url: str
    project: str
    """``OWNER/REPO`` on GitHub; the project id or path on GitLab (as given, not encoded)."""
    token: str = field(repr=False)
    auth_header: str
    """``Authorization`` (a Bearer token), ``JOB-TOKEN`` or ``PRIVATE-TOKEN``."""
    token_source: str
    """The variable the token came from (named in messages; the value never is)."""

    def headers(self) -> dict[str, str]:
        if self.auth_header == "Authorization":
            return {"Authorization": f"Bearer {self.token}"}
        return {self.auth_header: self.token}


def _token(environ: Mapping[str, str], names: tuple[str, ...], host: str) -> tuple[str, str]:
    for name in names:
        value = environ.get(name, "").strip()
        if value:
            remember_secret(value)
            return name, value
    raise AuthenticationError(
        f"no token to create the {host} release with",
        why=f"none of {', '.join(names)} is set",
        hint=f"set {' or '.join(names)} in the environment (never on the command line); "
        "or pass --vcs-release none",
    )


def github_target(environ: Mapping[str, str], remote_url: str | None) -> HostTarget:
    """``GITHUB_API_URL`` (default api.github.com; GitHub Enterprise sets it),
    ``GITHUB_REPOSITORY`` (else the remote's path), ``GITHUB_TOKEN`` or ``GH_TOKEN``."""
    project = environ.get("GITHUB_REPOSITORY", "").strip()
    if not project:
        parsed = parse_remote(remote_url)
        project = parsed[1] if parsed else ""
    if project.count("/") != 1:
        raise ConfigError(
            "cannot tell which GitHub repository to release in",
            why=f"GITHUB_REPOSITORY is not set and the remote {redact(remote_url or '(none)')!r} "
            "is not OWNER/REPO on a host",
            hint="set GITHUB_REPOSITORY=OWNER/REPO",
        )
    source, token = _token(environ, ("GITHUB_TOKEN", "GH_TOKEN"), "GitHub")
    api = environ.get("GITHUB_API_URL", "").strip() or "https://api.github.com"
    return HostTarget(
        host="github",
        api_url=api.rstrip("/"),
        project=project,
        token=token,
        auth_header="Authorization",
        token_source=source,
    )


def gitlab_target(environ: Mapping[str, str], remote_url: str | None) -> HostTarget:
    """``CI_API_V4_URL`` (else ``https://HOST/api/v4`` of the remote), ``CI_PROJECT_ID`` (else
    the remote's path), ``CI_JOB_TOKEN`` (``JOB-TOKEN``) or ``GITLAB_TOKEN`` (``PRIVATE-TOKEN``)."""
    parsed = parse_remote(remote_url)
    api = environ.get("CI_API_V4_URL", "").strip() or (f"https://{parsed[0]}/api/v4" if parsed else "")
    project = environ.get("CI_PROJECT_ID", "").strip() or (parsed[1] if parsed else "")
    if not api or not project:
        raise ConfigError(
            "cannot tell which GitLab project to release in",
            why="CI_API_V4_URL / CI_PROJECT_ID are not set and the remote "
            f"{redact(remote_url or '(none)')!r} names no host and path",
            hint="set CI_API_V4_URL and CI_PROJECT_ID (GitLab CI sets both)",
        )
    source, token = _token(environ, ("CI_JOB_TOKEN", "GITLAB_TOKEN"), "GitLab")
    return HostTarget(
        host="gitlab",
        api_url=api.rstrip("/"),
        project=project,
        token=token,
        auth_header="JOB-TOKEN" if source == "CI_JOB_TOKEN" else "PRIVATE-TOKEN",
        token_source=source,
    )


def encoded(value: str) -> str:
    """A path segment (a GitLab project path, a tag) URL-encoded, ``/`` included."""
    return quote(value, safe="")


def _rate_wait(response: httpx.Response, now: Callable[[], float]) -> float | None:
    """Seconds a rate-limited answer (403/429) asks to wait; None when it is no rate limit."""
    headers = response.headers
    hint = retry_after(headers)
    if hint is not None:
        return hint
    if headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset", "").isdigit():
        return max(float(headers["x-ratelimit-reset"]) - now(), 0.0)
    return 0.0 if response.status_code == 429 else None


def message_of(response: httpx.Response) -> str:
    """The server's explanation (JSON ``message``/``error``), shortened and made printable."""
    try:
        doc = response.json()
    except ValueError:
        doc = None
    text = ""
    if isinstance(doc, dict):
        text = str(doc.get("message") or doc.get("error") or "")
        if doc.get("errors"):
            text += f" {doc['errors']}"
    return printable(redact(text or response.text[:300])).strip()


@dataclass(kw_only=True)
class Api:
    """Requests to one host with the token, retried; the answers a caller expects come back,
    every other ends in an HwbError that names the host and what it said."""

    client: httpx.Client
    target: HostTarget
    policy: RetryPolicy
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], float] = time.time

    def url(self, path: str) -> str:
        return f"{self.target.api_url}{path}"

    def call(
        self,
        method: str,
        url: str,
        *,
        expect: tuple[int, ...] = (200, 201),
        what: str,
        headers_extra: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """``method url`` until the status is one of ``expect``; retried on transient failures."""
        import httpx

        last = ""
        for attempt in range(1, self.policy.attempts + 1):
            try:
                headers = {"Accept": "application/json", **self.target.headers(), **(headers_extra or {})}
                if self.target.host == "github":
                    headers["X-GitHub-Api-Version"] = "2022-11-28"
                response = self.client.request(method, url, headers=headers, **kwargs)
            except httpx.TransportError as exc:
                last, hint = f"{type(exc).__name__}: {redact(str(exc)) or 'connection lost'}", None
            else:
                if response.status_code in expect:
                    return response
                hint = self._transient(response, what)
                last = f"HTTP {response.status_code} {message_of(response)}".strip()
            if attempt < self.policy.attempts:
                wait = max(self.policy.delay(attempt), hint or 0.0)
                logger.warning(
                    "%s: attempt %d of %d failed (%s); retrying in %.1fs",
                    what,
                    attempt,
                    self.policy.attempts,
                    last,
                    wait,
                )
                self.sleep(wait)
        raise UploadError(
            f"{what} failed after {self.policy.attempts} attempts ({self.target.host})",
            why=last,
            hint="the host may be down or limiting requests; run the same command again later",
        )

    def _transient(self, response: httpx.Response, what: str) -> float | None:
        """The wait before a retry of a transient failure; raise for a final one."""
        status = response.status_code
        if status in (403, 429):
            wait = _rate_wait(response, self.now)
            if wait is not None:
                if wait > MAX_RATE_WAIT:
                    raise PublishError(
                        f"{what}: {self.target.host} rate limit reached",
                        why=f"it resets in {wait:.0f}s, longer than hwb waits ({MAX_RATE_WAIT:.0f}s)",
                        hint="run the same command again after the reset; what is done stays done",
                    )
                return wait
        if is_retryable_status(status):
            return retry_after(response.headers)
        said = message_of(response)
        if status in (401, 403):
            raise AuthenticationError(
                f"{what}: {self.target.host} refused the token from {self.target.token_source} "
                f"(HTTP {status})" + (f": {said}" if said else ""),
                why=f"the token is wrong, expired, or may not write releases of {self.target.project}",
                hint="use a token with write access to releases (GitHub: contents: write; "
                "GitLab: a job token of a protected ref, or a token with the api scope)",
            )
        raise UploadError(
            f"{what}: {self.target.host} answered HTTP {status}",
            why=said or None,
            hint=f"check the {self.target.host} project {self.target.project} and the tag",
        )
