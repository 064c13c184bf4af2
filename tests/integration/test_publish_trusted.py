"""Trusted Publishing end to end against a loopback HTTPS index with a throwaway CA, plus retries
after a dropped connection or a 503, and secrets kept out of every output."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.publish_servers import OidcIndex, start_oidc_index
from tests.unit._distfactory import FakeWheel

_CI_VARS = (
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "PYPI_ID_TOKEN",
    "HWB_PUBLISH_TOKEN",
    "HWB_PUBLISH_USERNAME",
    "HWB_PUBLISH_PASSWORD",
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "BUILDKITE",
    "CIRCLECI",
    "GOOGLE_SERVICE_ACCOUNT_NAME",
)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcIndex]:
    yield from start_oidc_index(tmp_path_factory.mktemp("oidc"))


def _wheel(tmp_path: Path, name: str) -> Path:
    return FakeWheel(name=name, version="1.0", files={f"{name}/__init__.py": ""}).build(tmp_path)


def _env(index: OidcIndex, **extra: str | None) -> dict[str, str | None]:
    env: dict[str, str | None] = dict.fromkeys(_CI_VARS)
    env["SSL_CERT_FILE"] = str(index.ca_path)
    env.update(extra)
    return env


def _github(index: OidcIndex, **extra: str | None) -> dict[str, str | None]:
    return _env(
        index,
        GITHUB_ACTIONS="true",
        ACTIONS_ID_TOKEN_REQUEST_URL=f"{index.base}/github-oidc?api-version=2.0",
        ACTIONS_ID_TOKEN_REQUEST_TOKEN=index.request_token,
        **extra,
    )


def _no_secrets(index: OidcIndex, text: str) -> None:
    assert index.request_token not in text
    assert "eyJ" not in text  # no JWT
    for token in index.minted:
        assert token not in text


def test_github_actions_identity_is_exchanged_and_used(hwb, index: OidcIndex, tmp_path: Path) -> None:
    wheel = _wheel(tmp_path, "gh_pkg")
    result = hwb("publish", wheel, "-r", f"{index.base}/legacy/", "--json", env=_github(index))
    assert result.code == 0, result.stderr
    doc = result.json
    assert doc["files"][0]["status"] == "uploaded"
    assert doc["identity"] == "user '__token__' (from Trusted Publishing (GitHub Actions, audience 'pypi'))"
    assert doc["index_url"] == f"{index.base}/simple/"
    assert index.files[wheel.name] == wheel.read_bytes()
    _no_secrets(index, result.stdout + result.stderr)
    # The form carried the metadata and both digests.
    fields = index.last_fields  # type: ignore[attr-defined]
    assert fields["name"] == ["gh-pkg"]
    assert fields["filetype"] == ["bdist_wheel"]
    assert fields["pyversion"] == ["py3"]
    assert len(fields["blake2_256_digest"][0]) == 64

    # Published again: the identical file is skipped (and no token is needed to see that).
    again = hwb("publish", wheel, "-r", f"{index.base}/legacy/", "--json", env=_github(index))
    assert again.code == 0, again.stderr
    assert again.json["files"][0]["status"] == "skipped"


def test_gitlab_id_token_and_its_reuse(hwb, index: OidcIndex, tmp_path: Path) -> None:
    jwt = index.jwt()
    env = _env(index, GITLAB_CI="true", PYPI_ID_TOKEN=jwt)
    first = hwb("publish", _wheel(tmp_path, "gl_pkg"), "-r", f"{index.base}/legacy/", env=env)
    assert first.code == 0, first.stderr
    assert "Trusted Publishing (GitLab CI" in first.stdout

    reused = hwb("publish", _wheel(tmp_path, "gl_pkg2"), "-r", f"{index.base}/legacy/", env=env)
    assert reused.code == 64, reused.stderr
    assert "invalid-reuse-token" in reused.stderr
    assert "already exchanged once" in reused.stderr
    assert jwt not in reused.stdout + reused.stderr


@pytest.mark.parametrize(
    ("kind", "code", "words"),
    [
        ("publisher", "invalid-publisher", "repository=someone/else"),
        ("audience", "audience", "mismatch (expected pypi, got testpypi)"),  # caught before the exchange
        ("expired", "invalid-token", "did not verify"),
        ("signature", "invalid-token", "did not verify"),
        ("garbage", "Malformed token", "is not a valid identity token"),  # caught before the exchange
        ("issuer", "invalid-payload", "could not read the identity token"),
    ],
)
def test_mint_token_errors_are_explained(
    hwb, index: OidcIndex, tmp_path: Path, kind: str, code: str, words: str
) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    jwt = {
        "publisher": lambda: index.jwt(repository="someone/else"),
        "audience": lambda: index.jwt(audience="testpypi"),
        "expired": lambda: index.jwt(age=3600),
        "signature": lambda: index.jwt(key=rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        "garbage": lambda: "not-a-jwt",
        "issuer": lambda: index.jwt(issuer="https://issuer.invalid"),
    }[kind]()
    result = hwb(
        "publish",
        _wheel(tmp_path, f"err_{kind}"),
        "-r",
        f"{index.base}/legacy/",
        "--trusted-publishing",
        "always",
        env=_env(index, GITLAB_CI="true", PYPI_ID_TOKEN=jwt),
    )
    assert result.code == 64, result.stderr
    assert code in result.stderr
    assert words in result.stderr
    assert f"err_{kind}-1.0-py3-none-any.whl" not in index.files


def test_every_https_call_honours_the_ca_bundle(hwb, index: OidcIndex, tmp_path: Path) -> None:
    wheel = _wheel(tmp_path, "ca_pkg")
    untrusted = hwb("publish", wheel, "-r", f"{index.base}/legacy/", env=_github(index, SSL_CERT_FILE=None))
    assert untrusted.code != 0
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.stderr or "certificate" in untrusted.stderr.lower()
    # --ca-bundle alone: hwb's own calls and the ambient-token request (made by the id package).
    trusted = hwb(
        "publish",
        wheel,
        "-r",
        f"{index.base}/legacy/",
        "--ca-bundle",
        str(index.ca_path),
        env=_github(index, SSL_CERT_FILE=None),
    )
    assert trusted.code == 0, trusted.stderr
    assert wheel.name in index.files


@pytest.mark.parametrize("faults", [["drop-after-store"], ["503", "drop-before-store"]])
def test_retries_never_duplicate(index: OidcIndex, tmp_path: Path, faults: list[str]) -> None:
    from headless_wheel_builder import api

    index.static_token = "pypi-static-token-for-retries-0001"
    wheel = _wheel(tmp_path, "retry_" + "_".join(f.replace("-", "_") for f in faults))
    posts_before = index.upload_posts
    index.faults[:] = faults
    report = api.publish(
        [wheel],
        api.PublishOptions(
            repository=f"{index.base}/legacy/",
            token=index.static_token,
            ca_bundle=index.ca_path,
            retry_backoff=0.01,
            environ={},
        ),
    )
    (result,) = report.files
    assert result.status == "uploaded", result.message
    # A file stored before the connection dropped is found by the re-check: never posted twice.
    assert result.attempts == (1 if faults == ["drop-after-store"] else 3)
    assert index.upload_posts - posts_before == result.attempts
    assert list(index.files).count(wheel.name) == 1
    assert index.files[wheel.name] == wheel.read_bytes()


def test_token_in_env_or_url_never_shown(hwb, index: OidcIndex, tmp_path: Path) -> None:
    secret = "pypi-WRONGtokenWRONGtoken0123456789"
    wheel = _wheel(tmp_path, "secret_pkg")
    for env, url in (
        (_env(index, HWB_PUBLISH_TOKEN=secret), f"{index.base}/legacy/"),
        (_env(index), f"https://__token__:{secret}@{index.base.removeprefix('https://')}/legacy/"),
    ):
        for json_flag in ((), ("--json",)):
            result = hwb("publish", wheel, "-r", url, *json_flag, "-v", env=env)
            assert result.code == 61, result.stderr
            assert secret not in result.stdout + result.stderr
            assert "refused the upload" in result.stderr
    assert os.environ.get("HWB_PUBLISH_TOKEN") != secret


def test_attestations_beside_a_dist_are_uploaded_with_it(index: OidcIndex, tmp_path: Path) -> None:
    import base64
    import hashlib
    import json

    from headless_wheel_builder import api

    index.static_token = "pypi-static-token-for-retries-0001"
    wheel = _wheel(tmp_path, "attested_pkg")
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    statement = {
        "subject": [{"name": wheel.name, "digest": {"sha256": sha}}],
        "predicateType": "https://docs.pypi.org/attestations/publish/v1",
    }
    attestation = {
        "version": 1,
        "verification_material": {"certificate": "", "transparency_entries": []},
        "envelope": {"statement": base64.b64encode(json.dumps(statement).encode()).decode(), "signature": ""},
    }
    (tmp_path / f"{wheel.name}.publish.attestation").write_text(json.dumps(attestation))
    report = api.publish(
        [tmp_path],
        api.PublishOptions(
            repository=f"{index.base}/legacy/", token=index.static_token, ca_bundle=index.ca_path, environ={}
        ),
    )
    assert [f.status for f in report.files] == ["uploaded"]
    sent = json.loads(index.last_fields["attestations"][0])  # type: ignore[attr-defined]
    assert sent == [attestation]
