"""Pure parts of publishing: preflight rules, repository resolution, the upload form, attestation
pairing, backoff, credential order and the mint-token explanations."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import httpx
import pytest

from headless_wheel_builder.errors import CheckError, ConfigError, PublishError, TrustedPublishingError
from headless_wheel_builder.publish.attest import attestation_files, attestations_field
from headless_wheel_builder.publish.credentials import _explicit, _pypirc
from headless_wheel_builder.publish.form import ProgressFile, digests, form_data, form_fields
from headless_wheel_builder.publish.options import PublishOptions
from headless_wheel_builder.publish.preflight import preflight
from headless_wheel_builder.publish.registries import index_candidates, resolve_repository
from headless_wheel_builder.publish.retry import RetryPolicy, is_retryable_status
from headless_wheel_builder.publish.trusted import explain_422, index_root
from tests.unit._distfactory import FakeSdist, FakeWheel, symlink

# --- preflight -------------------------------------------------------------------------------


def test_preflight_expands_folders_and_accepts_good_files(tmp_path: Path) -> None:
    FakeWheel().build(tmp_path)
    FakeSdist().build(tmp_path)
    assert sorted(p.name for p in preflight([tmp_path], PublishOptions())) == [
        "demo_pkg-1.0-py3-none-any.whl",
        "demo_pkg-1.0.tar.gz",
    ]


def test_preflight_lists_every_pypi_refusal(tmp_path: Path) -> None:
    FakeWheel(version="1.0+local").build(tmp_path)
    FakeWheel(version="2.0", tag="cp311-cp311-linux_x86_64").build(tmp_path)
    FakeWheel(version="3.0", metadata={"Metadata-Version": "2.0"}).build(tmp_path)
    FakeSdist(version="4.0").build(tmp_path)
    FakeSdist(version="4.0", fmt="zip").build(tmp_path)
    with pytest.raises(CheckError) as info:
        preflight([tmp_path], PublishOptions())
    details = info.value.details or ""
    for code in ("LOCAL-VERSION", "LINUX-TAG", "METADATA-VERSION", "SDISTS"):
        assert code in details
    assert "nothing was uploaded" in str(info.value)


def test_linux_tags_can_be_allowed_for_private_registries(tmp_path: Path) -> None:
    wheel = FakeWheel(tag="cp311-cp311-linux_x86_64").build(tmp_path)
    assert preflight([wheel], PublishOptions(allow_linux_tags=True)) == [wheel]


def test_preflight_runs_the_check_rules(tmp_path: Path) -> None:
    wheel = FakeWheel(edit_record=lambda rows: rows[1:]).build(tmp_path)
    with pytest.raises(CheckError, match="1 problem"):
        preflight([wheel], PublishOptions())


def test_preflight_refuses_only_what_pypi_refuses(tmp_path: Path) -> None:
    """Warnings (duplicate files, an sdist with more than its folder, '..' links that stay
    inside) do not stop an upload PyPI would accept; a promised License-File missing does."""
    zone = "zone\n" * 9
    link = symlink("demo_pkg-2.0/docs/l", "../README")
    accepted = [
        FakeWheel(files={"demo/__init__.py": "", "demo/a.dat": zone, "demo/b.dat": zone}),
        FakeSdist(version="2.0", extra_members=[("setup.py", "x"), link]),
    ]
    paths = [dist.build(tmp_path / str(i)) for i, dist in enumerate(accepted)]
    assert preflight(paths, PublishOptions()) == paths
    refused = FakeWheel(version="3.0", metadata={"License-File": "LICENSE"}).build(tmp_path / "r")
    with pytest.raises(CheckError) as info:
        preflight([refused], PublishOptions())
    assert "W-LICENSE-FILE" in (info.value.details or "")


def test_nothing_to_publish(tmp_path: Path) -> None:
    with pytest.raises((PublishError, CheckError)):
        preflight([tmp_path], PublishOptions())


# --- repositories ------------------------------------------------------------------------------


def test_builtin_and_bare_repositories() -> None:
    pypi = resolve_repository("pypi")
    assert (pypi.upload_url, pypi.index_url) == (
        "https://upload.pypi.org/legacy/",
        "https://pypi.org/simple/",
    )
    assert resolve_repository("https://test.pypi.org/legacy/").index_url == "https://test.pypi.org/simple/"
    bare = resolve_repository("https://repo.example/", index_url="https://repo.example/idx")
    assert bare.index_url == "https://repo.example/idx/"
    assert index_candidates("https://h/user/dev/") == [
        "https://h/user/dev/simple/",
        "https://h/user/dev/+simple/",
    ]
    assert "https://h/pypi/simple/" in index_candidates("https://h/pypi/upload/")


@pytest.mark.parametrize(
    ("table", "upload", "index", "username"),
    [
        (
            {"preset": "devpi", "url": "https://d.example/alice/dev"},
            "https://d.example/alice/dev/",
            "https://d.example/alice/dev/+simple/",
            None,
        ),
        (
            {"preset": "artifactory", "url": "https://a.example/artifactory/api/pypi/local"},
            "https://a.example/artifactory/api/pypi/local/",
            "https://a.example/artifactory/api/pypi/local/simple/",
            None,
        ),
        (
            {"preset": "google", "location": "europe-west1", "project": "p", "repository": "r"},
            "https://europe-west1-python.pkg.dev/p/r/",
            "https://europe-west1-python.pkg.dev/p/r/simple/",
            "oauth2accesstoken",
        ),
        (
            {"preset": "azure", "organization": "o", "project": "p", "feed": "f"},
            "https://pkgs.dev.azure.com/o/p/_packaging/f/pypi/upload/",
            "https://pkgs.dev.azure.com/o/p/_packaging/f/pypi/simple/",
            "azure",
        ),
        (
            {"preset": "cloudsmith", "owner": "o", "repository": "r"},
            "https://python.cloudsmith.io/o/r/",
            "https://dl.cloudsmith.io/basic/o/r/python/simple/",
            "token",
        ),
        (
            {"preset": "gitlab", "project-id": "42"},
            "https://gitlab.com/api/v4/projects/42/packages/pypi",
            "https://gitlab.com/api/v4/projects/42/packages/pypi/simple/",
            None,
        ),
    ],
)
def test_presets(table: dict[str, str], upload: str, index: str, username: str | None) -> None:
    repo = resolve_repository("corp", config={"repositories": {"corp": table}})
    assert (repo.upload_url, repo.index_url, repo.username) == (upload, index, username)


def test_codeartifact_preset_waits_for_boto3() -> None:
    repo = resolve_repository(
        "ca",
        config={
            "repositories": {
                "ca": {
                    "preset": "codeartifact",
                    "domain": "d",
                    "domain-owner": "111122223333",
                    "repository": "r",
                    "region": "eu-west-1",
                }
            }
        },
    )
    assert (repo.auth, repo.upload_url, repo.username) == ("codeartifact", "", "aws")


def test_config_errors_are_explained() -> None:
    with pytest.raises(ConfigError, match="did you mean 'password-env'"):
        resolve_repository("x", config={"repositories": {"x": {"url": "https://x/", "pasword-env": "X"}}})
    with pytest.raises(ConfigError, match="did you mean 'testpypi'"):
        resolve_repository("testpipy")
    with pytest.raises(ConfigError, match="needs feed"):
        resolve_repository(
            "x", config={"repositories": {"x": {"preset": "azure", "organization": "o", "project": "p"}}}
        )


# --- the form --------------------------------------------------------------------------------


def test_every_metadata_field_is_mapped(tmp_path: Path) -> None:
    wheel = FakeWheel(
        metadata={
            "Keywords": "a,b",
            "Project-URL": ["Home, https://h.example", "Docs, https://d.example"],
            "Classifier": ["Programming Language :: Python :: 3", "Typing :: Typed"],
            "Requires-Dist": ["x>=1"],
            "Platform": "any",
            "License-Expression": "MIT",
            "Requires-Python": ">=3.10",
        }
    ).build(tmp_path)
    sums = digests(wheel)
    fields = form_fields(wheel, sums)
    multi: dict[str, list[str]] = {}
    for key, value in fields:
        multi.setdefault(key, []).append(value)
    assert multi[":action"] == ["file_upload"]
    assert multi["protocol_version"] == ["1"]
    assert multi["project_urls"] == ["Home, https://h.example", "Docs, https://d.example"]
    assert multi["keywords"] == ["a,b"]
    assert len(multi["classifiers"]) == 2
    assert multi["platform"] == ["any"]
    assert multi["license_expression"] == ["MIT"]
    assert multi["requires_python"] == [">=3.10"]
    assert multi["filetype"] == ["bdist_wheel"]
    assert multi["pyversion"] == ["py3"]
    assert multi["sha256_digest"] == [sums.sha256]
    assert "Demo" in multi["description"][0]
    sdist = FakeSdist().build(tmp_path)
    assert ("pyversion", "source") in form_fields(sdist, digests(sdist))


def test_upload_form_is_encoded_by_httpx_with_length_and_progress(tmp_path: Path) -> None:
    wheel = FakeWheel().build(tmp_path)
    size = wheel.stat().st_size
    seen: list[tuple[int, int]] = []
    fields = [("name", "démo"), ("classifiers", "A"), ("classifiers", "B")]
    with ProgressFile(wheel, on_progress=lambda s, t: seen.append((s, t))) as content:
        request = httpx.Request(
            "POST",
            "https://x/",
            data=form_data(fields),
            files={"content": (wheel.name, content, "application/octet-stream")},
        )
        body = request.read()
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert int(request.headers["Content-Length"]) == len(body)  # exact length, never chunked
    assert "Transfer-Encoding" not in request.headers
    assert wheel.read_bytes() in body
    assert f'name="content"; filename="{wheel.name}"'.encode() in body
    assert body.count(b'name="classifiers"') == 2
    assert "démo".encode() in body
    assert seen[-1] == (size, size)


# --- attestations ------------------------------------------------------------------------------


def _attestation(name: str, sha256: str) -> str:
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": name, "digest": {"sha256": sha256}}],
        "predicateType": "https://docs.pypi.org/attestations/publish/v1",
        "predicate": {},
    }
    return json.dumps(
        {
            "version": 1,
            "verification_material": {"certificate": "", "transparency_entries": []},
            "envelope": {
                "statement": base64.b64encode(json.dumps(statement).encode()).decode(),
                "signature": "",
            },
        }
    )


def test_attestations_are_paired_and_checked(tmp_path: Path) -> None:
    wheel = FakeWheel().build(tmp_path)
    sha = digests(wheel).sha256
    assert attestations_field(wheel, sha) is None
    (tmp_path / f"{wheel.name}.publish.attestation").write_text(_attestation(wheel.name, sha))
    (tmp_path / "other.whl.publish.attestation").write_text("{}")
    assert [p.name for p in attestation_files(wheel)] == [f"{wheel.name}.publish.attestation"]
    field = json.loads(attestations_field(wheel, sha) or "")
    assert len(field) == 1
    assert field[0]["version"] == 1
    (tmp_path / f"{wheel.name}.publish.attestation").write_text(_attestation(wheel.name, "0" * 64))
    with pytest.raises(PublishError, match="attests sha256 0000"):
        attestations_field(wheel, sha)


# --- retries ------------------------------------------------------------------------------------


def test_backoff_grows_with_jitter_and_caps() -> None:
    policy = RetryPolicy(retries=5, base=1.0, cap=8.0)
    for attempt, ceiling in ((1, 1.0), (2, 2.0), (3, 4.0), (6, 8.0)):
        delay = policy.delay(attempt)
        assert ceiling / 2 <= delay <= ceiling
    assert policy.delay(1, server_hint=5.0) == 5.0
    assert [is_retryable_status(s) for s in (429, 500, 503, 501, 400, 401, 404)] == [
        True,
        True,
        True,
        False,
        False,
        False,
        False,
    ]


# --- credentials ---------------------------------------------------------------------------------


def test_credential_order_and_identity_without_secret(tmp_path: Path) -> None:
    repo = resolve_repository("https://r.example/")
    env = {"HWB_PUBLISH_TOKEN": "env-token-secret", "HWB_PUBLISH_PASSWORD": "pw"}
    flag = _explicit(repo, PublishOptions(token="flag-token-secret", credential_source="--token"), env)
    assert flag is not None
    assert flag.identity == "user '__token__' (from --token)"
    from_env = _explicit(repo, PublishOptions(), env)
    assert from_env is not None
    assert from_env.source == "HWB_PUBLISH_TOKEN"
    assert "env-token-secret" not in from_env.identity + repr(from_env)
    with pytest.raises(Exception, match="no username"):
        _explicit(repo, PublishOptions(), {"HWB_PUBLISH_PASSWORD": "pw"})
    in_url = _explicit(resolve_repository("https://bob:url%21secret@r.example/"), PublishOptions(), {})
    assert in_url is not None
    assert (in_url.username, in_url.password, in_url.source) == ("bob", "url!secret", "the repository URL")


def test_pypirc_matches_by_name_or_url_and_warns_when_readable(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    rc = tmp_path / ".pypirc"
    rc.write_text(
        "[distutils]\nindex-servers = corp\n[corp]\nrepository = https://r.example/\n"
        "username = carol\npassword = rc-secret\n"
    )
    os.chmod(rc, 0o644)
    from headless_wheel_builder._log import logger

    monkeypatch.setattr(logger, "propagate", True)
    found = _pypirc(resolve_repository("https://r.example"), {"HOME": str(tmp_path)})
    assert found is not None
    assert (found.username, found.password) == ("carol", "rc-secret")
    assert "chmod 600" in caplog.text
    assert _pypirc(resolve_repository("https://other.example/"), {"HOME": str(tmp_path)}) is None


# --- Trusted Publishing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("invalid-payload", "could not read"),
        ("not-enabled", "switched off"),
        ("invalid-token", "did not verify"),
        ("invalid-pending-publisher", "pending publisher"),
        ("invalid-publisher", "no Trusted Publisher"),
        ("invalid-reuse-token", "only once"),
    ],
)
def test_every_mint_token_error_is_explained(code: str, words: str) -> None:
    claims = base64.urlsafe_b64encode(
        json.dumps({"repository": "o/r", "iss": "https://gl"}).encode()
    ).decode()
    jwt = f"eyJhbGciOiJSUzI1NiJ9.{claims.rstrip('=')}.c2lnbmF0dXJlc2lnbmF0dXJl"
    response = httpx.Response(
        422, json={"message": "Token request failed", "errors": [{"code": code, "description": "x"}]}
    )
    error = explain_422(response, jwt, "https://idx.example")
    assert isinstance(error, TrustedPublishingError)
    assert code in str(error)
    assert words in str(error)
    assert jwt not in error.render()
    if code == "invalid-publisher":
        assert "repository=o/r" in (error.hint or "")


def test_exchange_endpoints_live_at_the_host_root() -> None:
    assert index_root("https://upload.pypi.org/legacy/") == "https://upload.pypi.org"
    assert index_root("https://u:p@h.example:8443/a/b/") == "https://h.example:8443"
