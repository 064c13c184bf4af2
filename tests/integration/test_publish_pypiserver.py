"""hwb publish against a real pypiserver with htpasswd auth: upload, skip, conflict, 401, pip install."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.publish_servers import Server, pip_install, start_pypiserver
from tests.unit._distfactory import FakeWheel

PACKAGES = Path(__file__).resolve().parents[1] / "packages"


@pytest.fixture(scope="module")
def pypiserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_pypiserver(tmp_path_factory.mktemp("pypiserver"))


@pytest.fixture(scope="module")
def tiny_dists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tiny-pkg 0.3.0, sdist and wheel, built by hwb."""
    from headless_wheel_builder import api

    src = tmp_path_factory.mktemp("src") / "tiny-backend"
    shutil.copytree(PACKAGES / "tiny-backend", src)
    out = tmp_path_factory.mktemp("dist")
    report = api.build(src, api.BuildOptions(outdir=out))
    assert len(report.artifacts) == 2
    return out


def test_upload_skip_conflict_auth_and_pip_install(
    hwb, pypiserver: Server, tiny_dists: Path, tmp_path: Path
) -> None:
    creds = {"HWB_PUBLISH_USERNAME": pypiserver.username, "HWB_PUBLISH_PASSWORD": pypiserver.password}

    first = hwb("publish", tiny_dists, "-r", pypiserver.url, "--json", env=creds)
    assert first.code == 0, first.stderr
    doc = first.json
    assert sorted(f["status"] for f in doc["files"]) == ["uploaded", "uploaded"]
    assert doc["index_url"] == pypiserver.index_url  # discovered: <url>/simple/
    assert doc["identity"] == "user 'alice' (from HWB_PUBLISH_USERNAME and HWB_PUBLISH_PASSWORD)"
    assert sorted(p.name for p in pypiserver.root.iterdir()) == sorted(p.name for p in tiny_dists.iterdir())

    again = hwb("publish", tiny_dists, "-r", pypiserver.url, "--json", env=creds)
    assert again.code == 0, again.stderr
    assert [f["status"] for f in again.json["files"]] == ["skipped", "skipped"]

    # Same filename, other bytes: refused, naming both hashes; the server's file is untouched.
    wheel = next(tiny_dists.glob("*.whl"))
    other = tmp_path / "other"
    other.mkdir()
    fake = FakeWheel(name="tiny_pkg", version="0.3.0", files={"tiny/__init__.py": "X = 1\n"}).build(other)
    assert fake.name == wheel.name
    conflict = hwb("publish", fake, "-r", pypiserver.url, env=creds)
    assert conflict.code == 63, conflict.stdout + conflict.stderr
    import hashlib

    theirs = hashlib.sha256(wheel.read_bytes()).hexdigest()
    ours = hashlib.sha256(fake.read_bytes()).hexdigest()
    assert theirs in conflict.stdout
    assert ours in conflict.stdout
    assert (pypiserver.root / wheel.name).read_bytes() == wheel.read_bytes()

    # Wrong password: an explained 401/403 naming the credential and its source, never the secret.
    bad = FakeWheel(name="tiny_pkg", version="0.4.0", files={"tiny/__init__.py": ""}).build(tmp_path / "bad")
    refused = hwb(
        "publish",
        bad,
        "-r",
        pypiserver.url,
        env={"HWB_PUBLISH_USERNAME": "alice", "HWB_PUBLISH_PASSWORD": "wrong-password-42"},
    )
    assert refused.code == 61, refused.stderr
    assert "user 'alice' (from HWB_PUBLISH_USERNAME and HWB_PUBLISH_PASSWORD)" in refused.stderr
    assert "HTTP 401" in refused.stderr or "HTTP 403" in refused.stderr
    assert "wrong-password-42" not in refused.stdout + refused.stderr

    installed = pip_install(pypiserver.index_url, "tiny-pkg==0.3.0", tmp_path / "site")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (tmp_path / "site" / "tiny" / "__init__.py").is_file()


def test_dry_run_says_what_would_happen(hwb, pypiserver: Server, tmp_path: Path) -> None:
    wheel = FakeWheel(name="dry_pkg", version="1.0", files={"dry_pkg/__init__.py": ""}).build(tmp_path)
    dry = hwb(
        "publish",
        wheel,
        "-r",
        pypiserver.url,
        "--dry-run",
        "--json",
        env={"HWB_PUBLISH_TOKEN": "dry-run-secret-token-0001"},
    )
    assert dry.code == 0, dry.stderr
    assert dry.json["dry_run"] is True
    assert [f["status"] for f in dry.json["files"]] == ["would-upload"]
    assert dry.json["identity"] == "user '__token__' (from HWB_PUBLISH_TOKEN)"
    assert "dry-run-secret-token-0001" not in dry.stdout + dry.stderr
    assert not (pypiserver.root / wheel.name).exists()


def test_preflight_refuses_before_uploading(hwb, pypiserver: Server, tmp_path: Path) -> None:
    local = FakeWheel(name="pre_pkg", version="1.0+local", files={"pre_pkg/__init__.py": ""}).build(tmp_path)
    linux = FakeWheel(
        name="pre_pkg", version="1.0", tag="cp311-cp311-linux_x86_64", files={"pre_pkg/__init__.py": ""}
    ).build(tmp_path)
    result = hwb(
        "publish",
        local,
        linux,
        "-r",
        pypiserver.url,
        env={"HWB_PUBLISH_USERNAME": "alice", "HWB_PUBLISH_PASSWORD": pypiserver.password},
    )
    assert result.code == 51, result.stderr
    assert "LOCAL-VERSION" in result.stderr
    assert "LINUX-TAG" in result.stderr
    assert not any(p.name.startswith("pre_pkg") for p in pypiserver.root.iterdir())


def test_named_repository_from_configuration(hwb, pypiserver: Server, tmp_path: Path) -> None:
    """A repository named in the user's configuration (HWB_USER_CONFIG); a project's own
    definition would be ignored (tests/integration/test_trust_boundary.py)."""
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\nversion = '1'\n")
    user_config = tmp_path / "user-config.toml"
    user_config.write_text(
        "[publish.repositories.local]\n"
        f"url = '{pypiserver.url}'\nusername = 'alice'\npassword-env = 'LOCAL_PYPI_PASSWORD'\n"
    )
    wheel = FakeWheel(name="cfg_pkg", version="1.0", files={"cfg_pkg/__init__.py": ""}).build(tmp_path)
    env = {"LOCAL_PYPI_PASSWORD": pypiserver.password, "HWB_USER_CONFIG": str(user_config)}
    result = hwb("publish", wheel, "-r", "local", "--json", cwd=project, env=env)
    assert result.code == 0, result.stderr
    assert (
        result.json["identity"]
        == "user 'alice' (from LOCAL_PYPI_PASSWORD (password-env of repository 'local'))"
    )
    assert result.json["files"][0]["status"] == "uploaded"
    assert (pypiserver.root / wheel.name).is_file()
    unknown = hwb("publish", wheel, "-r", "locl", cwd=project, env=env)
    assert unknown.code == 3
    assert "did you mean 'local'" in unknown.stderr


def test_a_read_protected_index_that_refuses_the_password_is_an_authentication_error(
    hwb, tmp_path: Path
) -> None:
    """Skip-existing reads the index first; a wrong password there is exit 61 naming the
    credential, not "cannot find the simple index" (exit 60)."""
    from tests.integration.publish_servers import start_pypiserver

    servers = start_pypiserver(tmp_path / "protected", authenticate="update,download,list")
    server = next(servers)
    try:
        wheel = FakeWheel(name="prot_pkg", version="1.0", files={"prot_pkg/__init__.py": ""}).build(tmp_path)
        env = {"HWB_PUBLISH_USERNAME": "alice", "HWB_PUBLISH_PASSWORD": "wrong-password-77"}
        result = hwb("publish", wheel, "-r", server.url, env=env)
        assert result.code == 61, result.stderr
        assert "refused the credential" in result.stderr
        assert "wrong-password-77" not in result.stdout + result.stderr
        good = {"HWB_PUBLISH_USERNAME": "alice", "HWB_PUBLISH_PASSWORD": server.password}
        assert hwb("publish", wheel, "-r", server.url, env=good).code == 0
        assert [p.name for p in server.root.iterdir()] == [wheel.name]
    finally:
        servers.close()
