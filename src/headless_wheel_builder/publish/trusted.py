"""Trusted Publishing: trade the CI job's ambient OIDC identity for a short-lived upload token.

1. ``GET https://{host}/_/oidc/audience`` → ``{"audience": "pypi"}`` (404: the index has no
   Trusted Publishing; 403: it is switched off).
2. The ambient OIDC token for that audience, through the ``id`` package: GitHub Actions
   (``ACTIONS_ID_TOKEN_REQUEST_URL`` / ``ACTIONS_ID_TOKEN_REQUEST_TOKEN``), GitLab CI
   (``<AUD>_ID_TOKEN``, e.g. ``PYPI_ID_TOKEN``), Google Cloud (the metadata server).
3. ``POST https://{host}/_/oidc/mint-token`` with ``{"token": JWT}`` → ``{"token": "pypi-…"}``,
   used as the password of ``__token__``.  Every 422 error code is explained in plain words.

It works with any index that implements the exchange, not only pypi.org.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from headless_wheel_builder._log import logger, redact
from headless_wheel_builder.errors import TrustedPublishingError

if TYPE_CHECKING:
    import httpx

__all__ = ["MintedToken", "ambient_ci", "exchange", "explain_422", "index_root"]

#: What each mint-token error code means, and what to do about it.
_CODES: dict[str, tuple[str, str]] = {
    "invalid-payload": (
        "the index could not read the identity token (bad JSON, a malformed token, or an issuer it "
        "does not accept)",
        "make sure the CI provider is one the index supports (GitHub Actions, GitLab CI, Google Cloud)",
    ),
    "not-enabled": (
        "Trusted Publishing is switched off on this index",
        "use an API token (HWB_PUBLISH_TOKEN) instead, or ask the index administrators",
    ),
    "invalid-token": (
        "the identity token's signature or claims did not verify (wrong audience, expired, or "
        "signed by an unknown key)",
        "request the token for the audience the index names (GET /_/oidc/audience) and use it at once",
    ),
    "invalid-pending-publisher": (
        "the token matches a pending publisher, but a project of that name already exists or the "
        "pending publisher cannot be turned into a project",
        "register the publisher on the existing project instead",
    ),
    "invalid-publisher": (
        "the token is valid, but no Trusted Publisher registered on the index matches it",
        "register a publisher for this project with exactly these claims: {claims}",
    ),
    "invalid-reuse-token": (
        "this identity token was already exchanged once; each token may be used only once",
        "request a fresh identity token (rerun the job step)",
    ),
}


@dataclass(frozen=True, kw_only=True)
class MintedToken:
    token: str = field(repr=False)
    expires: int | None
    provider: str
    audience: str


def index_root(upload_url: str) -> str:
    """``https://{host}``: the exchange endpoints live at the host root, not under the upload path."""
    parts = urlsplit(upload_url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def ambient_ci(environ: Mapping[str, str] | None = None) -> str | None:
    """The CI system whose ambient identity could be used, or ``None`` outside CI."""
    env = os.environ if environ is None else environ
    if env.get("GITHUB_ACTIONS") == "true":
        return "GitHub Actions"
    if env.get("GITLAB_CI"):
        return "GitLab CI"
    if env.get("GOOGLE_SERVICE_ACCOUNT_NAME"):
        return "Google Cloud"
    if env.get("BUILDKITE"):
        return "Buildkite"
    if env.get("CIRCLECI"):
        return "CircleCI"
    try:
        product = Path("/sys/class/dmi/id/product_name").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return "Google Cloud" if product in ("Google", "Google Compute Engine") else None


def audience(client: httpx.Client, root: str) -> str | None:
    """The audience the index wants, or ``None`` when it does not do Trusted Publishing."""
    import httpx

    url = f"{root}/_/oidc/audience"
    try:
        response = client.get(url)
    except httpx.HTTPError as exc:
        raise TrustedPublishingError(
            f"cannot ask {root} for its Trusted Publishing audience",
            why=redact(str(exc)),
            hint="check the network and the CA bundle (SSL_CERT_FILE / --ca-bundle)",
        ) from exc
    if response.status_code == 404:
        return None
    if response.status_code == 403:
        raise TrustedPublishingError(
            f"Trusted Publishing is not enabled on {root}",
            why=_message(response),
            hint="use an API token (HWB_PUBLISH_TOKEN) instead",
        )
    if response.status_code != 200:
        raise TrustedPublishingError(f"{url} answered HTTP {response.status_code}", why=_message(response))
    try:
        value = response.json()["audience"]
    except (ValueError, KeyError, TypeError) as exc:
        raise TrustedPublishingError(f'{url} did not answer {{"audience": …}}') from exc
    return str(value)


_ENV_LOCK = threading.Lock()


@contextmanager
def _trusting(ca_bundle: Path | None) -> Iterator[None]:
    """The ``id`` package reads the CA bundle from ``SSL_CERT_FILE``: give it ours meanwhile."""
    if ca_bundle is None:
        yield
        return
    with _ENV_LOCK:
        saved = os.environ.get("SSL_CERT_FILE")
        os.environ["SSL_CERT_FILE"] = os.fspath(ca_bundle)
        try:
            yield
        finally:
            if saved is None:
                os.environ.pop("SSL_CERT_FILE", None)
            else:
                os.environ["SSL_CERT_FILE"] = saved


def ambient_token(aud: str, *, ca_bundle: Path | None = None) -> tuple[str, str]:
    """The ambient OIDC token for ``aud`` and the provider that gave it."""
    import id as oidc_id

    provider = ambient_ci() or "CI"
    try:
        with _trusting(ca_bundle):
            token = oidc_id.detect_credential(aud)
    except oidc_id.GitHubOidcPermissionCredentialError as exc:
        raise TrustedPublishingError(
            "GitHub Actions gave no OIDC identity token",
            why=redact(str(exc)),
            hint="add 'permissions: id-token: write' to the job (it is never granted to pull "
            "requests from forks)",
        ) from exc
    except oidc_id.IdentityError as exc:
        hint = "check the CI job's OIDC configuration"
        if provider == "GitLab CI":
            var = "".join(c if c.isalnum() or c == "_" else "_" for c in aud.upper()) + "_ID_TOKEN"
            hint = (
                f"{var} is not a valid identity token for audience {aud!r}"
                if os.environ.get(var)
                else f"declare it in .gitlab-ci.yml: id_tokens: {var}: {{aud: {aud}}}"
            )
        raise TrustedPublishingError(
            f"{provider} gave no OIDC identity token for audience {aud!r}",
            why=redact(str(exc)),
            hint=hint,
        ) from exc
    if token is None:
        raise TrustedPublishingError(
            "no ambient OIDC identity was found",
            why="Trusted Publishing needs GitHub Actions, GitLab CI or Google Cloud",
            hint="run in such a CI job, or give an API token (HWB_PUBLISH_TOKEN)",
        )
    return token, provider


def exchange(
    client: httpx.Client, upload_url: str, *, required: bool, ca_bundle: Path | None = None
) -> MintedToken | None:
    """Mint an upload token for ``upload_url``'s index.  ``None`` when the index has no
    Trusted Publishing and ``required`` is false."""
    import httpx

    root = index_root(upload_url)
    aud = audience(client, root)
    if aud is None:
        if required:
            raise TrustedPublishingError(
                f"{root} does not support Trusted Publishing",
                why=f"{root}/_/oidc/audience answered 404",
                hint="use an API token (HWB_PUBLISH_TOKEN), or --trusted-publishing never",
            )
        logger.info("%s has no Trusted Publishing (404 on /_/oidc/audience)", root)
        return None
    jwt, provider = ambient_token(aud, ca_bundle=ca_bundle)
    try:
        response = client.post(f"{root}/_/oidc/mint-token", json={"token": jwt})
    except httpx.HTTPError as exc:
        raise TrustedPublishingError(
            f"cannot reach {root} to exchange the OIDC token",
            why=redact(str(exc), (jwt,)),
        ) from exc
    if response.status_code == 422:
        raise explain_422(response, jwt, root)
    if response.status_code != 200:
        raise TrustedPublishingError(
            f"{root} refused the OIDC token exchange (HTTP {response.status_code})",
            why=redact(_message(response), (jwt,)),
        )
    try:
        body = response.json()
        token = str(body["token"])
    except (ValueError, KeyError, TypeError) as exc:
        raise TrustedPublishingError(f"{root}/_/oidc/mint-token answered without a token") from exc
    expires = body.get("expires")
    return MintedToken(
        token=token,
        expires=int(expires) if isinstance(expires, int) else None,
        provider=provider,
        audience=aud,
    )


def explain_422(response: httpx.Response, jwt: str, root: str) -> TrustedPublishingError:
    """A mint-token 422 in plain words, one line per error code."""
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        errors = []
    lines: list[str] = []
    hints: list[str] = []
    for error in errors:
        code = str(error.get("code", "?"))
        meaning, hint = _CODES.get(code, (str(error.get("description", "")), "see the index's documentation"))
        described = str(error.get("description", "")).strip()
        lines.append(f"{code}: {meaning}" + (f" (index: {described})" if described else ""))
        hints.append(hint.replace("{claims}", _claims(jwt)))
    if not lines:
        lines.append(_message(response))
    return TrustedPublishingError(
        f"{root} would not exchange the OIDC token for an upload token",
        why=redact("; ".join(lines), (jwt,)),
        hint="; ".join(dict.fromkeys(hints)) or None,
    )


def _claims(jwt: str) -> str:
    """The claims a publisher is matched on, read (unverified) from the token's payload."""
    import base64
    import json

    try:
        payload = jwt.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return "(the token could not be read)"
    keys = (
        "iss",
        "repository",
        "repository_owner",
        "workflow_ref",
        "job_workflow_ref",
        "environment",
        "project_path",
        "ci_config_ref_uri",
        "email",
        "sub",
    )
    shown = [f"{k}={claims[k]}" for k in keys if k in claims and isinstance(claims[k], str)]
    return ", ".join(shown) or "(no known claims)"


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
        if isinstance(body, dict) and body.get("message"):
            return str(body["message"])
    except ValueError:
        pass
    return response.reason_phrase or response.text[:200]
