"""Where ``hwb publish`` sends files: built-in repositories, registry presets, named
repositories from configuration, or a bare upload URL.

A :class:`Repository` says where files go (``upload_url``), where the simple index used for
skip-existing lives (``index_url``, or ``index_candidates`` to probe), and how to authenticate
(``auth`` plus the preset's parameters).  ``docs/PUBLISHING.md`` shows the configuration a user
writes for every preset.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import SplitResult, urlsplit

from headless_wheel_builder.errors import ConfigError

__all__ = ["PRESETS", "AuthFlow", "Repository", "index_candidates", "resolve_repository"]

AuthFlow = Literal["auto", "basic", "keyring", "trusted-publishing", "codeartifact", "google", "none"]
_AUTH_FLOWS: tuple[AuthFlow, ...] = (
    "auto",
    "basic",
    "keyring",
    "trusted-publishing",
    "codeartifact",
    "google",
    "none",
)

PYPI_UPLOAD = "https://upload.pypi.org/legacy/"
TESTPYPI_UPLOAD = "https://test.pypi.org/legacy/"
#: PyPI's upload host -> its simple index (the upload URL has no index beneath it).
_KNOWN_INDEXES = {
    "upload.pypi.org": "https://pypi.org/simple/",
    "test.pypi.org": "https://test.pypi.org/simple/",
}


@dataclass(frozen=True, kw_only=True)
class Repository:
    """One publishing target, fully resolved except for credentials."""

    name: str
    """``pypi``, ``testpypi``, the configured name, or the URL itself."""
    upload_url: str
    index_url: str | None = None
    """The simple index for skip-existing checks, when known (preset, config, ``--index-url``)."""
    preset: str | None = None
    auth: AuthFlow = "auto"
    username: str | None = None
    """A username from configuration (never a secret)."""
    password_env: str | None = None
    """The environment variable that holds this repository's password or token."""
    params: Mapping[str, str] = field(default_factory=dict)
    """Preset parameters (``domain``, ``region``, ``project``…)."""
    config_file: Path | None = None

    @property
    def is_pypi(self) -> bool:
        return urlsplit(self.upload_url).hostname in _KNOWN_INDEXES


def _trailing(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _split(url: str, where: str) -> SplitResult:
    """``urlsplit(url)``; a URL Python cannot split (an unbalanced IPv6 bracket, a port that
    is not a number from 0 to 65535) is a ConfigError naming ``where`` it came from."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # reading the port checks it
    except ValueError as exc:
        raise ConfigError(
            f"{where}: {url!r} is not a valid URL", why=str(exc), hint="fix the host and port of the URL"
        ) from None
    return parts


@dataclass(frozen=True, kw_only=True)
class Preset:
    """How one kind of registry is addressed: the parameters it needs and its URLs."""

    params: tuple[str, ...]
    upload: str
    """A format string over ``params`` (and ``url`` when the user gives it)."""
    index: str
    auth: AuthFlow = "basic"
    username: str | None = None
    defaults: Mapping[str, str] = field(default_factory=dict)


PRESETS: dict[str, Preset] = {
    "pypi": Preset(params=(), upload=PYPI_UPLOAD, index="https://pypi.org/simple/", auth="auto"),
    "testpypi": Preset(params=(), upload=TESTPYPI_UPLOAD, index="https://test.pypi.org/simple/", auth="auto"),
    # devpi: https://HOST/USER/INDEX/ ; its simple pages live under +simple/.
    "devpi": Preset(params=("url",), upload="{url}", index="{url}+simple/"),
    # Artifactory: https://HOST/artifactory/api/pypi/REPO ; the index is REPO/simple/.
    "artifactory": Preset(params=("url",), upload="{url}", index="{url}simple/"),
    # CodeArtifact: URL and token come from boto3 (get_repository_endpoint, get_authorization_token).
    "codeartifact": Preset(
        params=("domain", "domain-owner", "repository", "region"),
        upload="{url}",
        index="{url}simple/",
        auth="codeartifact",
        username="aws",
    ),
    # Google Artifact Registry: an access token from google-auth (Application Default Credentials).
    "google": Preset(
        params=("location", "project", "repository"),
        upload="https://{location}-python.pkg.dev/{project}/{repository}/",
        index="https://{location}-python.pkg.dev/{project}/{repository}/simple/",
        auth="google",
        username="oauth2accesstoken",
    ),
    # Azure Artifacts: a PAT as the password (any username), or artifacts-keyring via keyring.
    "azure": Preset(
        params=("organization", "project", "feed"),
        upload="https://pkgs.dev.azure.com/{organization}/{project}/_packaging/{feed}/pypi/upload/",
        index="https://pkgs.dev.azure.com/{organization}/{project}/_packaging/{feed}/pypi/simple/",
        username="azure",
    ),
    # Cloudsmith: an API key as the password; the username is the account name or "token".
    "cloudsmith": Preset(
        params=("owner", "repository"),
        upload="https://python.cloudsmith.io/{owner}/{repository}/",
        index="https://dl.cloudsmith.io/basic/{owner}/{repository}/python/simple/",
        username="token",
    ),
    # GitLab: CI_JOB_TOKEN in CI (username gitlab-ci-token), else a personal or deploy token.
    "gitlab": Preset(
        params=("project-id",),
        upload="https://{host}/api/v4/projects/{project-id}/packages/pypi",
        index="https://{host}/api/v4/projects/{project-id}/packages/pypi/simple/",
        defaults={"host": "gitlab.com"},
    ),
}


def resolve_repository(
    repository: str,
    *,
    index_url: str | None = None,
    config: Mapping[str, Any] | None = None,
    config_file: Path | None = None,
) -> Repository:
    """The :class:`Repository` for ``repository`` (a built-in name, a configured name or a URL).

    ``config`` is the merged ``[tool.hwb.publish]`` table.  Raises :class:`ConfigError` for
    an unknown name or an invalid configured repository.
    """
    configured = dict((config or {}).get("repositories", {}) or {})
    if repository in configured:
        repo = _from_config(repository, configured[repository], config_file)
    elif repository in ("pypi", "testpypi"):
        preset = PRESETS[repository]
        repo = Repository(
            name=repository, upload_url=preset.upload, index_url=preset.index, preset=repository
        )
    elif _split(repository, "the repository").scheme in ("http", "https"):
        host = urlsplit(repository).hostname or ""
        repo = Repository(name=repository, upload_url=repository, index_url=_KNOWN_INDEXES.get(host))
    else:
        names = ["pypi", "testpypi", *configured]
        close = difflib.get_close_matches(repository, names, n=1)
        raise ConfigError(
            f"unknown repository {repository!r}",
            why=f"it is not an http(s) URL nor one of: {', '.join(names)}"
            + (f" (did you mean {close[0]!r}?)" if close else ""),
            hint="give an upload URL, or name one under [tool.hwb.publish.repositories.NAME] "
            "(see docs/PUBLISHING.md)",
        )
    if index_url:
        _split(index_url, "the index URL")
        repo = Repository(**{**_fields(repo), "index_url": _trailing(index_url)})
    return repo


def _fields(repo: Repository) -> dict[str, Any]:
    return {name: getattr(repo, name) for name in repo.__dataclass_fields__}


def _from_config(name: str, table: Any, config_file: Path | None) -> Repository:
    where = f"[tool.hwb.publish.repositories.{name}]" + (f" in {config_file}" if config_file else "")
    values = _string_values(where, table)
    auth = _auth_flow(values.get("auth", "auto"))
    if auth is None:
        raise ConfigError(
            f"{where}: unknown auth {values.get('auth')!r}", hint=f"use one of: {', '.join(_AUTH_FLOWS)}"
        )
    target = _Target(upload=values.get("url"), index=values.get("index-url"), auth=auth,
                     username=values.get("username"))  # fmt: skip
    preset_name = values.get("preset")
    if preset_name is not None:
        target = _with_preset(where, preset_name, values, target)
    upload = target.upload
    if upload is None:
        raise ConfigError(
            f"{where} has no url", hint='add url = "https://…/" (or a preset; see docs/PUBLISHING.md)'
        )
    if target.index:
        _split(target.index, where)
    if upload and _split(upload, where).scheme not in ("http", "https"):
        raise ConfigError(f"{where}: url {upload!r} is not an http(s) URL", hint='write url = "https://…"')
    return Repository(
        name=name,
        upload_url=upload,
        index_url=_trailing(target.index) if target.index else None,
        preset=preset_name,
        auth=target.auth,
        username=target.username,
        password_env=values.get("password-env"),
        params=target.params,
        config_file=config_file,
    )


@dataclass(frozen=True, kw_only=True)
class _Target:
    """Where a configured repository uploads, as its table and preset say so far."""

    upload: str | None
    index: str | None
    auth: AuthFlow
    username: str | None
    params: dict[str, str] = field(default_factory=dict)


def _string_values(where: str, table: Any) -> dict[str, str]:
    """The repository table's keys, checked: known names, string values."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where} is not a table", hint='write url = "https://…" under it')
    known = {"url", "index-url", "preset", "auth", "username", "password-env", *_all_params()}
    unknown = sorted(set(table) - known)
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
        raise ConfigError(
            f"unknown key {unknown[0]!r} in {where}",
            why=f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(known))}",
            hint="fix the key (docs/PUBLISHING.md lists them)",
        )
    bad = sorted(k for k, v in table.items() if not isinstance(v, str))
    if bad:
        raise ConfigError(f"{where}: {bad[0]} must be a string", hint=f'write {bad[0]} = "…"')
    return dict(table)


def _with_preset(where: str, preset_name: str, values: dict[str, str], target: _Target) -> _Target:
    """``target`` completed by the preset's URLs, parameters, auth flow and username."""
    preset = PRESETS.get(preset_name)
    if preset is None:
        raise ConfigError(
            f"{where}: unknown preset {preset_name!r}", hint=f"use one of: {', '.join(sorted(PRESETS))}"
        )
    upload = target.upload
    params = {**preset.defaults, **{k: v for k, v in values.items() if k in _all_params()}}
    missing = [p for p in preset.params if p not in params and not (p == "url" and upload)]
    if missing:
        raise ConfigError(
            f"{where}: preset {preset_name!r} needs {', '.join(missing)}",
            hint="add them (docs/PUBLISHING.md shows an example)",
        )
    if upload:
        params["url"] = _trailing(upload)
    if preset.auth == "codeartifact" and not upload:
        upload = ""  # filled in by the CodeArtifact flow (boto3) when credentials are resolved
    else:
        upload = preset.upload.format_map(params) if "{" in preset.upload else preset.upload
    index = target.index
    if index is None and upload:
        index = preset.index.format_map({**params, "url": _trailing(upload)})
    return _Target(upload=upload, index=index, auth=preset.auth if target.auth == "auto" else target.auth,
                   username=target.username or preset.username, params=params)  # fmt: skip


def _auth_flow(value: str) -> AuthFlow | None:
    for flow in _AUTH_FLOWS:
        if flow == value:
            return flow
    return None


def _all_params() -> set[str]:
    return {p for preset in PRESETS.values() for p in (*preset.params, *preset.defaults)} - {"url"}


def index_candidates(upload_url: str) -> list[str]:
    """Where a bare upload URL's simple index conventionally lives, most likely first."""
    parts = urlsplit(upload_url)
    if parts.hostname in _KNOWN_INDEXES:
        return [_KNOWN_INDEXES[parts.hostname]]
    base = _trailing(upload_url.split("?", 1)[0].split("#", 1)[0])
    candidates = [base + "simple/", base + "+simple/"]
    # An upload path such as .../legacy/ or .../pypi/upload/ has its index beside it.
    stripped = base.rstrip("/")
    for suffix in ("/legacy", "/upload"):
        if stripped.endswith(suffix):
            candidates.append(stripped[: -len(suffix)] + "/simple/")
    return list(dict.fromkeys(candidates))
