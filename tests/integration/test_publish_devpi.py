"""hwb publish against a real devpi-server: a user, an index, uploads, skip, conflict, 401, pip install."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.publish_servers import Server, pip_install, start_devpi
from tests.unit._distfactory import FakeSdist, FakeWheel

PACKAGES = Path(__file__).resolve().parents[1] / "packages"


@pytest.fixture(scope="module")
def devpi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_devpi(tmp_path_factory.mktemp("devpi"))


def test_devpi_round_trip(hwb, devpi: Server, tmp_path: Path) -> None:
    from headless_wheel_builder import api

    src = tmp_path / "tiny-backend"
    shutil.copytree(PACKAGES / "tiny-backend", src)
    dist = tmp_path / "dist"
    api.build(src, api.BuildOptions(outdir=dist))
    creds = {"HWB_PUBLISH_USERNAME": devpi.username, "HWB_PUBLISH_PASSWORD": devpi.password}

    first = hwb("publish", dist, "-r", devpi.url, "--json", env=creds)
    assert first.code == 0, first.stderr
    assert sorted(f["status"] for f in first.json["files"]) == ["uploaded", "uploaded"]
    assert first.json["index_url"] == devpi.index_url  # discovered: devpi's <url>/+simple/

    again = hwb("publish", dist, "-r", devpi.url, "--json", env=creds)
    assert again.code == 0, again.stderr
    assert [f["status"] for f in again.json["files"]] == ["skipped", "skipped"]

    sdist = next(dist.glob("*.tar.gz"))
    fake = FakeSdist(name="tiny_pkg", version="0.3.0").build(tmp_path / "other")
    assert fake.name == sdist.name
    conflict = hwb("publish", fake, "-r", devpi.url, "--json", env=creds)
    assert conflict.code == 63, conflict.stderr
    message = conflict.json["files"][0]["message"]
    assert hashlib.sha256(sdist.read_bytes()).hexdigest() in message
    assert hashlib.sha256(fake.read_bytes()).hexdigest() in message

    wheel = FakeWheel(name="tiny_pkg", version="0.5.0", files={"tiny/__init__.py": ""}).build(tmp_path / "w")
    refused = hwb(
        "publish",
        wheel,
        "-r",
        devpi.url,
        env={"HWB_PUBLISH_USERNAME": "alice", "HWB_PUBLISH_PASSWORD": "not-the-password-77"},
    )
    assert refused.code == 61, refused.stderr
    assert "user 'alice' (from HWB_PUBLISH_USERNAME and HWB_PUBLISH_PASSWORD)" in refused.stderr
    assert "not-the-password-77" not in refused.stdout + refused.stderr

    installed = pip_install(devpi.index_url, "tiny-pkg==0.3.0", tmp_path / "site")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (tmp_path / "site" / "tiny" / "__init__.py").is_file()
