"""Which credential an upload uses, and where it came from.

Order: explicit options (``--token``, ``--username`` + ``--password-stdin``) → environment
(``HWB_PUBLISH_TOKEN``; ``HWB_PUBLISH_USERNAME`` + ``HWB_PUBLISH_PASSWORD``; the repository's
``password-env``; ``CI_JOB_TOKEN`` for GitLab) → the registry's own flow (CodeArtifact through
boto3, Google Artifact Registry through google-auth) → keyring → Trusted Publishing → ``.pypirc``.
A :class:`Credential` describes itself without its secret.
"""

from __future__ import annotations

import configparser
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from headless_wheel_builder._log import logger, remember_secret
from headless_wheel_builder.errors import AuthenticationError
from headless_wheel_builder.publish.registries import PRESETS, Repository
from headless_wheel_builder.publish.trusted import ambient_ci, exchange

if TYPE_CHECKING:
    import httpx

    from headless_wheel_builder.publish.options import PublishOptions

__all__ = ["Credential", "resolve_credential"]

TOKEN_USERNAME = "__token__"  # noqa: S105 - the username of token auth, not a secret


@dataclass(frozen=True, kw_only=True)
class Credential:
    username: str
    password: str = field(repr=False)
    source: str
    """Where it came from: ``--token``, ``HWB_PUBLISH_TOKEN``, ``keyring``, ``~/.pypirc [pypi]``…"""

    def __post_init__(self) -> None:
        # Whatever its source, the secret is hidden from every message, log and report.
        remember_secret(self.password)

    @property
    def identity(self) -> str:
        """``user 'x' (from SOURCE)``: what the user is told; never the secret."""
        return f"user {self.username!r} (from {self.source})"

    @property
    def auth(self) -> tuple[str, str]:
        return (self.username, self.password)


def resolve_credential(
    repo: Repository,
    options: PublishOptions,
    client: httpx.Client,
    *,
    dry_run: bool,
) -> tuple[Repository, Credential | None]:
    """The repository (CodeArtifact fills in its URL) and the credential to upload with.

    In a dry run Trusted Publishing is described but not exchanged.
    """
    env = os.environ if options.environ is None else options.environ
    mode = "always" if repo.auth == "trusted-publishing" else options.trusted_publishing
    if repo.auth == "none":
        return repo, None
    if mode != "always":
        found = _explicit(repo, options, env)
        if found is not None:
            return repo, found
        if repo.auth == "codeartifact":
            return _codeartifact(repo, env)
        if repo.auth == "google":
            return repo, _google(repo)
        found = _keyring(repo)
        if found is not None:
            return repo, found
    if mode == "always" or (mode == "auto" and ambient_ci(env) is not None):
        if dry_run:
            where = ambient_ci(env) or "no CI identity found"
            return repo, Credential(
                username=TOKEN_USERNAME,
                password="",
                source=f"Trusted Publishing ({where}), not exchanged in a dry run",
            )
        minted = exchange(client, repo.upload_url, required=mode == "always", ca_bundle=options.ca_bundle)
        if minted is not None:
            return repo, Credential(
                username=TOKEN_USERNAME,
                password=minted.token,
                source=f"Trusted Publishing ({minted.provider}, audience {minted.audience!r})",
            )
    return repo, _pypirc(repo, env)


def _explicit(repo: Repository, options: PublishOptions, env: Mapping[str, str]) -> Credential | None:
    given = options.credential_source or "the publish options"
    if options.token:
        return Credential(username=repo.username or TOKEN_USERNAME, password=options.token, source=given)
    if options.password:
        return Credential(
            username=options.username or repo.username or TOKEN_USERNAME,
            password=options.password,
            source=given,
        )
    parts = urlsplit(repo.upload_url)
    if parts.password:
        return Credential(
            username=unquote(parts.username or TOKEN_USERNAME),
            password=unquote(parts.password),
            source="the repository URL",
        )
    if env.get("HWB_PUBLISH_TOKEN"):
        return Credential(
            username=repo.username or TOKEN_USERNAME,
            password=env["HWB_PUBLISH_TOKEN"],
            source="HWB_PUBLISH_TOKEN",
        )
    if env.get("HWB_PUBLISH_PASSWORD"):
        named = options.username or env.get("HWB_PUBLISH_USERNAME") or repo.username
        if named:
            where = (
                "--username"
                if options.username
                else ("HWB_PUBLISH_USERNAME" if env.get("HWB_PUBLISH_USERNAME") else "configuration")
            )
            return Credential(
                username=named,
                password=env["HWB_PUBLISH_PASSWORD"],
                source=f"{where} and HWB_PUBLISH_PASSWORD",
            )
        raise AuthenticationError(
            "HWB_PUBLISH_PASSWORD is set but no username is",
            hint="set HWB_PUBLISH_USERNAME (or --username), or use HWB_PUBLISH_TOKEN for a token",
        )
    if repo.password_env:
        value = env.get(repo.password_env)
        if value:
            return Credential(
                username=repo.username or TOKEN_USERNAME,
                password=value,
                source=f"{repo.password_env} (password-env of repository {repo.name!r})",
            )
        logger.warning("%s (password-env of repository %s) is not set", repo.password_env, repo.name)
    if repo.preset == "gitlab" and env.get("CI_JOB_TOKEN"):
        return Credential(username="gitlab-ci-token", password=env["CI_JOB_TOKEN"], source="CI_JOB_TOKEN")
    return None


def _keyring(repo: Repository) -> Credential | None:
    """keyring's credential for the upload URL, when keyring is installed and has one."""
    try:
        import keyring  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    try:
        found = keyring.get_credential(repo.upload_url, repo.username)
    except Exception as exc:  # noqa: BLE001 - any backend failure means "no credential here"
        logger.debug("keyring: %s", type(exc).__name__)
        return None
    if found is None or not found.password:
        return None
    return Credential(
        username=found.username or repo.username or TOKEN_USERNAME,
        password=found.password,
        source=f"keyring ({repo.upload_url})",
    )


def _codeartifact(repo: Repository, env: Mapping[str, str]) -> tuple[Repository, Credential]:
    """The CodeArtifact endpoint and a 12-hour authorization token, through boto3."""
    try:
        import boto3
        import botocore.exceptions
    except ImportError as exc:  # pragma: no cover - boto3 is a dependency
        raise AuthenticationError("the CodeArtifact flow needs boto3", hint="pip install boto3") from exc
    p = repo.params
    try:
        client = boto3.client(
            "codeartifact",
            region_name=p.get("region"),
            endpoint_url=env.get("HWB_CODEARTIFACT_ENDPOINT_URL") or None,
        )
        url: str = (
            repo.upload_url
            or client.get_repository_endpoint(
                domain=p["domain"],
                domainOwner=p["domain-owner"],
                repository=p["repository"],
                format="pypi",
            )["repositoryEndpoint"]
        )
        token = client.get_authorization_token(domain=p["domain"], domainOwner=p["domain-owner"])[
            "authorizationToken"
        ]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise AuthenticationError(
            f"cannot get a CodeArtifact token for domain {p.get('domain')!r}",
            why=str(exc),
            hint="check the AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID…) and that they allow "
            "codeartifact:GetAuthorizationToken and sts:GetServiceBearerToken",
        ) from exc
    url = url if url.endswith("/") else url + "/"
    index = repo.index_url or PRESETS["codeartifact"].index.format(url=url)
    return replace(repo, upload_url=url, index_url=index), Credential(
        username=repo.username or "aws", password=token, source="AWS CodeArtifact (boto3)"
    )


def _google(repo: Repository) -> Credential:
    """An access token from Application Default Credentials (google-auth, optional)."""
    try:
        import google.auth  # type: ignore[import-not-found, unused-ignore]
        import google.auth.transport.requests  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:
        raise AuthenticationError(
            "Google Artifact Registry needs the google-auth package",
            hint="pip install google-auth (or set HWB_PUBLISH_PASSWORD to an access token from "
            "'gcloud auth print-access-token' with username oauth2accesstoken)",
        ) from exc
    try:
        creds, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
        creds.refresh(google.auth.transport.requests.Request())
    except Exception as exc:  # google-auth raises several unrelated types
        raise AuthenticationError(
            "cannot get a Google access token",
            why=str(exc),
            hint="run 'gcloud auth application-default login' or set GOOGLE_APPLICATION_CREDENTIALS",
        ) from exc
    return Credential(
        username="oauth2accesstoken",
        password=str(creds.token),
        source="Google Application Default Credentials",
    )


def _pypirc(repo: Repository, env: Mapping[str, str]) -> Credential | None:
    """A matching section of ``~/.pypirc`` (by repository name or URL)."""
    path = Path(env.get("HWB_PYPIRC") or Path(env.get("HOME") or Path.home()) / ".pypirc")
    if not path.is_file():
        return None
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError) as exc:
        logger.warning("ignoring %s: %s", path, exc)
        return None
    for section in parser.sections():
        url = parser.get(section, "repository", fallback=None)
        default = {"pypi": PRESETS["pypi"].upload, "testpypi": PRESETS["testpypi"].upload}.get(section)
        if section == repo.name or (url or default or "").rstrip("/") == repo.upload_url.rstrip("/"):
            password = parser.get(section, "password", fallback=None)
            if not password:
                continue
            try:
                if path.stat().st_mode & (stat.S_IROTH | stat.S_IRGRP):
                    logger.warning("%s holds a password and others can read it: run chmod 600 %s", path, path)
            except OSError:
                pass
            return Credential(
                username=parser.get(section, "username", fallback=TOKEN_USERNAME),
                password=password,
                source=f"{path} [{section}]",
            )
    return None
