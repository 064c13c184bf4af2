"""S3 publishing against a real S3 server (moto in server mode) on loopback.

Proves the issue's "Done when": two versions of two projects published, then installed from
``http://127.0.0.1:PORT/BUCKET/PREFIX/simple/`` by pip and by uv in fresh venvs, pip reading
the PEP 658 sidecars; concurrent publishers losing nothing; identical files skipped and
different files under an existing name refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from headless_wheel_builder import api
from headless_wheel_builder.errors import AuthenticationError, FileConflictError, StorageError, UsageError
from headless_wheel_builder.publish.options import PublishOptions
from headless_wheel_builder.publish.s3_store import MULTIPART_THRESHOLD
from headless_wheel_builder.publish.select import make_publisher
from tests.unit._distfactory import FakeWheel

from ._indexdemo import build_demo, free_port, fresh_venv, installed_version, pip, uv_pip

boto3 = pytest.importorskip("boto3")

AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "hwbtestaccesskey",
    "AWS_SECRET_ACCESS_KEY": "hwb-test-secret-access-key",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@dataclass
class MotoServer:
    endpoint: str
    log: Path

    def requests(self, bucket: str) -> list[tuple[str, str, int]]:
        """(method, path, status) of every request to ``bucket`` the server logged."""
        lines = self.log.read_text(errors="replace")
        return [
            (m[1], m[2], int(m[3]))
            for m in re.finditer(r'"([A-Z]+) (/[^ ]*) HTTP/[0-9.]+" (\d+)', lines)
            if m[2].startswith(f"/{bucket}/")
        ]


@pytest.fixture(scope="module")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """``moto_server`` in a child process on a free loopback port, its request log in a file."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    env = {**os.environ, **AWS_ENV}
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"moto_server did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.1)
        yield MotoServer(endpoint=endpoint, log=log)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@dataclass
class Bucket:
    name: str
    endpoint: str
    client: Any

    def url(self, prefix: str) -> str:
        return f"s3://{self.name}/{prefix}"

    def http(self, key: str) -> str:
        return f"{self.endpoint}/{self.name}/{key}"

    def options(self, prefix: str, **kwargs: Any) -> PublishOptions:
        return PublishOptions(repository=self.url(prefix), endpoint_url=self.endpoint, **kwargs)

    def publish(self, prefix: str, files: list[Path], **kwargs: Any) -> api.PublishReport:
        return make_publisher(self.options(prefix, **kwargs)).publish(files)

    def get(self, key: str) -> tuple[int, dict[str, str], bytes]:
        """An anonymous HTTP GET, as pip makes it (header names lowercased)."""
        try:
            with urllib.request.urlopen(self.http(key), timeout=10) as resp:
                return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, {k.lower(): v for k, v in exc.headers.items()}, b""

    def json(self, key: str) -> Any:
        status, _, body = self.get(key)
        assert status == 200, key
        return json.loads(body)


def _public_bucket(client: Any, name: str, *, policy: bool = True) -> None:
    client.create_bucket(Bucket=name)
    if policy:
        statement = {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{name}/*",
        }
        client.put_bucket_policy(
            Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        )


@pytest.fixture
def s3_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key, value in AWS_ENV.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))


@pytest.fixture
def bucket(moto_server: MotoServer, s3_env: None) -> Bucket:
    """A fresh bucket that anyone may read (a bucket policy), as a public index needs."""
    client = boto3.client("s3", endpoint_url=moto_server.endpoint, region_name="us-east-1")
    name = f"hwb-{uuid.uuid4().hex[:12]}"
    _public_bucket(client, name)
    return Bucket(name=name, endpoint=moto_server.endpoint, client=client)


@pytest.fixture(scope="module")
def demo_dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """Two versions of two projects, sdist and wheel each, built by hwb."""
    work = tmp_path_factory.mktemp("demo")
    return {
        "alpha-1.0": build_demo(work, "hwb-demo.alpha", "1.0", outdir=work / "d1"),
        "alpha-1.1": build_demo(
            work, "hwb-demo.alpha", "1.1", requires_python=">=3.8,<4", outdir=work / "d2"
        ),
        "beta-1.0": build_demo(work, "HWB_Demo_Beta", "1.0", outdir=work / "d3"),
        "beta-2.0": build_demo(
            work, "HWB_Demo_Beta", "2.0", requires=["hwb-demo-alpha>=1.1"], outdir=work / "d4"
        ),
    }


# --- the Done-when path ----------------------------------------------------------------------


def test_publish_two_projects_then_pip_and_uv_install(
    bucket: Bucket, moto_server: MotoServer, demo_dists: dict[str, list[Path]], tmp_path: Path
) -> None:
    prefix = "team/py"
    first = bucket.publish(prefix, demo_dists["alpha-1.0"] + demo_dists["beta-1.0"])
    assert [f.status for f in first.files] == ["uploaded"] * 4
    assert first.identity == "aws credentials (env)"
    # A second publish merges with what the bucket holds.
    second = bucket.publish(prefix, demo_dists["alpha-1.1"] + demo_dists["beta-2.0"])
    assert [f.status for f in second.files] == ["uploaded"] * 4

    root = bucket.json(f"{prefix}/simple/index.json")
    assert [p["name"] for p in root["projects"]] == ["hwb-demo-alpha", "hwb-demo-beta"]
    page = bucket.json(f"{prefix}/simple/hwb-demo-alpha/index.json")
    assert page["versions"] == ["1.0", "1.1"]
    assert {f["filename"] for f in page["files"]} == {
        "hwb_demo_alpha-1.0.tar.gz",
        "hwb_demo_alpha-1.0-py3-none-any.whl",
        "hwb_demo_alpha-1.1.tar.gz",
        "hwb_demo_alpha-1.1-py3-none-any.whl",
    }
    for entry in page["files"]:
        assert entry["upload-time"].endswith("Z")
        assert entry["size"] > 0
        status, _, body = bucket.get(f"{prefix}/simple/hwb-demo-alpha/{entry['url']}")
        assert status == 200
        assert len(body) == entry["size"]

    # Pages answer at <name>/ and <name>/index.html with the right types and a short cache.
    for key in (f"{prefix}/simple/hwb-demo-beta/", f"{prefix}/simple/hwb-demo-beta/index.html"):
        status, headers, body = bucket.get(key)
        assert status == 200
        assert headers["content-type"] == "text/html"
        assert headers["cache-control"] == "max-age=60, must-revalidate"
        assert b'data-core-metadata="sha256=' in body
    status, headers, _ = bucket.get(f"{prefix}/simple/hwb-demo-beta/index.json")
    assert headers["content-type"] == "application/vnd.pypi.simple.v1+json"
    status, headers, _ = bucket.get(f"{prefix}/simple/")
    assert status == 200
    assert headers["content-type"] == "text/html"
    status, _, html = bucket.get(f"{prefix}/simple/hwb-demo-alpha/")
    assert b'data-requires-python="&gt;=3.8,&lt;4"' in html

    index_url = f"{bucket.endpoint}/{bucket.name}/{prefix}/simple/"
    # pip: beta 2.0 pulls alpha >= 1.1 through the index; its metadata comes from the sidecar.
    venv = fresh_venv(tmp_path / "pip-venv")
    result = pip(venv, "install", "-v", "--index-url", index_url, "HWB_Demo_Beta==2.0", tmp=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert installed_version(venv, "hwb_demo_beta") == "2.0"
    assert installed_version(venv, "hwb_demo_alpha") == "1.1"
    wheel_url = f"{index_url}hwb-demo-beta/hwb_demo_beta-2.0-py3-none-any.whl"
    assert f"from {wheel_url}.metadata" in result.stdout, result.stdout
    sidecar = f"/{bucket.name}/{prefix}/simple/hwb-demo-beta/hwb_demo_beta-2.0-py3-none-any.whl.metadata"
    assert ("GET", sidecar, 200) in moto_server.requests(bucket.name)

    # An exact older pin works too.
    venv_old = fresh_venv(tmp_path / "pip-venv-old")
    result = pip(venv_old, "install", "--index-url", index_url, "hwb-demo-alpha==1.0", tmp=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert installed_version(venv_old, "hwb_demo_alpha") == "1.0"

    # uv
    uv_venv = fresh_venv(tmp_path / "uv-venv")
    result = uv_pip(uv_venv, "install", "--index-url", index_url, "hwb-demo-beta==2.0", tmp=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert installed_version(uv_venv, "hwb_demo_beta") == "2.0"
    assert installed_version(uv_venv, "hwb_demo_alpha") == "1.1"
    uv_venv_old = fresh_venv(tmp_path / "uv-venv-old")
    result = uv_pip(uv_venv_old, "install", "--index-url", index_url, "hwb-demo-beta==1.0", tmp=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert installed_version(uv_venv_old, "hwb_demo_beta") == "1.0"


def test_pip_resolves_from_metadata_without_downloading_wheels(
    bucket: Bucket, moto_server: MotoServer, demo_dists: dict[str, list[Path]], tmp_path: Path
) -> None:
    """``pip install --dry-run --report`` resolves from the sidecars alone: no wheel is fetched."""
    files = [p for key in ("alpha-1.1", "beta-2.0") for p in demo_dists[key]]
    bucket.publish("dry", files)
    venv = fresh_venv(tmp_path / "venv")
    index_url = f"{bucket.endpoint}/{bucket.name}/dry/simple/"
    report = tmp_path / "report.json"
    result = pip(
        venv,
        "install",
        "--dry-run",
        "--report",
        str(report),
        "--index-url",
        index_url,
        "hwb-demo-beta",
        tmp=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    resolved = {
        item["metadata"]["name"]: item["metadata"]["version"]
        for item in json.loads(report.read_text())["install"]
    }
    assert resolved == {"HWB_Demo_Beta": "2.0", "hwb-demo.alpha": "1.1"}
    gets = [path for method, path, _ in moto_server.requests(bucket.name) if method == "GET"]
    assert f"/{bucket.name}/dry/simple/hwb-demo-beta/hwb_demo_beta-2.0-py3-none-any.whl.metadata" in gets
    assert f"/{bucket.name}/dry/simple/hwb-demo-alpha/hwb_demo_alpha-1.1-py3-none-any.whl.metadata" in gets
    assert not [g for g in gets if g.endswith(".whl")], "pip downloaded a wheel instead of its metadata"


# --- files: identical, different, large ------------------------------------------------------


def _wheel(directory: Path, content: str, *, size: int = 0) -> Path:
    files: dict[str, bytes | str] = {"hwb_conflict/__init__.py": content}
    if size:
        files["hwb_conflict/blob.bin"] = os.urandom(size)
    return FakeWheel(name="hwb_conflict", version="1.0", files=files).build(directory)


def test_identical_file_is_skipped_and_different_one_refused(bucket: Bucket, tmp_path: Path) -> None:
    original = _wheel(tmp_path / "a", "VALUE = 1\n")
    report = bucket.publish("files", [original])
    assert [f.status for f in report.files] == ["uploaded"]
    before = bucket.json("files/simple/hwb-conflict/index.json")

    again = bucket.publish("files", [original])
    assert [f.status for f in again.files] == ["skipped"]
    assert bucket.json("files/simple/hwb-conflict/index.json") == before  # upload time kept

    rebuilt = _wheel(tmp_path / "b", "VALUE = 2\n")
    assert rebuilt.name == original.name
    with pytest.raises(FileConflictError) as info:
        bucket.publish("files", [rebuilt])
    old_sha = hashlib.sha256(original.read_bytes()).hexdigest()
    new_sha = hashlib.sha256(rebuilt.read_bytes()).hexdigest()
    assert old_sha in str(info.value)
    assert new_sha in str(info.value)
    assert info.value.exit_code == 63
    # Nothing changed: the bucket still serves the original bytes under that name.
    _, _, body = bucket.get(f"files/simple/hwb-conflict/{original.name}")
    assert hashlib.sha256(body).hexdigest() == old_sha
    assert bucket.json("files/simple/hwb-conflict/index.json") == before


def test_dry_run_writes_nothing(bucket: Bucket, tmp_path: Path) -> None:
    wheel = _wheel(tmp_path, "VALUE = 1\n")
    report = make_publisher(bucket.options("dry")).publish([wheel], dry_run=True)
    assert report.dry_run
    assert [f.status for f in report.files] == ["would-upload"]
    assert bucket.client.list_objects_v2(Bucket=bucket.name).get("KeyCount") == 0
    bucket.publish("dry", [wheel])
    report = make_publisher(bucket.options("dry")).publish([wheel], dry_run=True)
    assert [f.status for f in report.files] == ["would-skip"]


def test_large_file_is_sent_in_parts_with_acl_and_storage_class(
    moto_server: MotoServer, s3_env: None, tmp_path: Path
) -> None:
    """Above the multipart threshold the upload is multipart; --acl makes objects public
    without a bucket policy; --storage-class applies to the distribution files."""
    client = boto3.client("s3", endpoint_url=moto_server.endpoint, region_name="us-east-1")
    name = f"hwb-{uuid.uuid4().hex[:12]}"
    _public_bucket(client, name, policy=False)
    bucket = Bucket(name=name, endpoint=moto_server.endpoint, client=client)
    wheel = _wheel(tmp_path, "VALUE = 1\n", size=MULTIPART_THRESHOLD + 1024 * 1024)
    steps: list[str] = []

    class Recorder:
        def step(self, message: str) -> None:
            steps.append(message)

        def done(self, message: str) -> None:
            steps.append(message)

    options = bucket.options("big", acl="public-read", storage_class="STANDARD_IA")
    make_publisher(options, progress=Recorder()).publish([wheel])
    key = f"big/simple/hwb-conflict/{wheel.name}"
    head = client.head_object(Bucket=name, Key=key)
    assert head["ETag"].strip('"').endswith("-2")  # two parts
    assert head["StorageClass"] == "STANDARD_IA"
    assert head["Metadata"]["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert f"uploading {wheel.name}: 100%" in steps
    assert any(s.startswith(f"uploaded {wheel.name} (") for s in steps)
    # Anonymous reads work through the ACL alone.
    status, headers, _ = bucket.get("big/simple/hwb-conflict/")
    assert status == 200
    assert headers["content-type"] == "text/html"
    status, _, body = bucket.get(key)
    assert status == 200
    assert len(body) == wheel.stat().st_size


# --- errors ------------------------------------------------------------------------------------


def test_missing_bucket_is_a_storage_error(moto_server: MotoServer, s3_env: None, tmp_path: Path) -> None:
    wheel = _wheel(tmp_path, "VALUE = 1\n")
    options = PublishOptions(repository="s3://hwb-no-such-bucket/x", endpoint_url=moto_server.endpoint)
    with pytest.raises(StorageError) as info:
        make_publisher(options).publish([wheel])
    assert info.value.exit_code == 65
    assert "hwb-no-such-bucket" in str(info.value)
    assert "aws s3 mb" in (info.value.hint or "")


def test_unreachable_endpoint_is_a_storage_error(s3_env: None, tmp_path: Path) -> None:
    wheel = _wheel(tmp_path, "VALUE = 1\n")
    options = PublishOptions(
        repository="s3://hwb-bucket/x", endpoint_url=f"http://127.0.0.1:{free_port()}", retries=1, timeout=5
    )
    with pytest.raises(StorageError) as info:
        make_publisher(options).publish([wheel])
    assert "endpoint-url" in (info.value.hint or "")


def test_no_credentials_is_an_authentication_error(
    moto_server: MotoServer, s3_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    wheel = _wheel(tmp_path, "VALUE = 1\n")
    options = PublishOptions(repository="s3://hwb-bucket/x", endpoint_url=moto_server.endpoint)
    with pytest.raises(AuthenticationError) as info:
        make_publisher(options).publish([wheel])
    assert info.value.exit_code == 61
    assert "AWS_ACCESS_KEY_ID" in (info.value.hint or "")


# --- yank --------------------------------------------------------------------------------------


def test_yank_and_unyank(bucket: Bucket, hwb: Any, demo_dists: dict[str, list[Path]], tmp_path: Path) -> None:
    bucket.publish("y", demo_dists["alpha-1.0"] + demo_dists["alpha-1.1"])
    index_url = f"{bucket.endpoint}/{bucket.name}/y/simple/"

    report = api.yank("HWB-Demo.Alpha", "1.1", bucket.options("y"), reason="broken <import>")
    assert report.changed
    assert report.files == ("hwb_demo_alpha-1.1-py3-none-any.whl", "hwb_demo_alpha-1.1.tar.gz")
    page = bucket.json("y/simple/hwb-demo-alpha/index.json")
    assert {f["filename"]: f["yanked"] for f in page["files"]} == {
        "hwb_demo_alpha-1.0-py3-none-any.whl": False,
        "hwb_demo_alpha-1.0.tar.gz": False,
        "hwb_demo_alpha-1.1-py3-none-any.whl": "broken <import>",
        "hwb_demo_alpha-1.1.tar.gz": "broken <import>",
    }
    _, _, html = bucket.get("y/simple/hwb-demo-alpha/index.html")
    assert html.count(b'data-yanked="broken &lt;import&gt;"') == 2

    # pip skips the yanked release unless it is pinned exactly.
    venv = fresh_venv(tmp_path / "venv")
    result = pip(venv, "install", "--index-url", index_url, "hwb-demo-alpha", tmp=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert installed_version(venv, "hwb_demo_alpha") == "1.0"
    pinned = fresh_venv(tmp_path / "pinned")
    result = pip(pinned, "install", "--index-url", index_url, "hwb-demo-alpha==1.1", tmp=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken <import>" in result.stdout + result.stderr  # pip's yank warning

    # The CLI: un-yank, then a version that does not exist.
    env = {"AWS_ENDPOINT_URL": None}
    result = hwb(
        "yank",
        "hwb_demo_alpha",
        "1.1",
        "--unyank",
        "--repository",
        bucket.url("y"),
        "--endpoint-url",
        bucket.endpoint,
        "--json",
        env=env,
    )
    assert result.code == 0, result.stderr
    assert result.json["yanked"] is False
    assert result.json["changed"] is True
    page = bucket.json("y/simple/hwb-demo-alpha/index.json")
    assert all(f["yanked"] is False for f in page["files"])
    _, _, html = bucket.get("y/simple/hwb-demo-alpha/")
    assert b"data-yanked" not in html

    result = hwb(
        "yank",
        "hwb-demo-alpha",
        "3.0",
        "--repository",
        bucket.url("y"),
        "--endpoint-url",
        bucket.endpoint,
        env=env,
    )
    assert result.code == 60
    assert "no release 3.0" in result.stderr
    assert "1.0, 1.1" in result.stderr

    with pytest.raises(UsageError):
        api.yank("hwb-demo-alpha", "1.0", PublishOptions(repository="pypi"))


# --- concurrency ---------------------------------------------------------------------------


class Worker:
    """A long-lived publisher process (tests/integration/_s3worker.py)."""

    def __init__(self, env: dict[str, str]) -> None:
        script = Path(__file__).with_name("_s3worker.py")
        self.proc = subprocess.Popen(
            [sys.executable, str(script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )

    def send(self, job: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()

    def line(self) -> str:
        assert self.proc.stdout is not None
        text = self.proc.stdout.readline()
        assert text, f"worker exited with {self.proc.poll()}"
        return text.strip()

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


#: Rounds of two publishers at once; with the conditional writes removed about one round in
#: four loses a project from the root page, so 20 rounds catch that nearly always.
ROUNDS = 20


def test_concurrent_publishers_lose_nothing(
    bucket: Bucket, demo_dists: dict[str, list[Path]], tmp_path: Path
) -> None:
    """Two processes publish at the same moment, ROUNDS times each for different projects and
    for two versions of one project: every file ends up in every page."""
    env = {**os.environ}
    workers = [Worker(env), Worker(env)]
    retries = 0
    try:
        cases = [("alpha-1.0", "beta-1.0")] * ROUNDS + [("alpha-1.0", "alpha-1.1")] * 6
        for round_no, (left, right) in enumerate(cases):
            prefix = f"race/{round_no}"
            go = tmp_path / f"go-{round_no}"
            for worker, key in zip(workers, (left, right), strict=True):
                worker.send(
                    {
                        "endpoint": bucket.endpoint,
                        "repository": bucket.url(prefix),
                        "files": [str(p) for p in demo_dists[key]],
                        "go": str(go),
                    }
                )
            assert [w.line() for w in workers] == ["ready", "ready"]
            go.touch()
            results = [json.loads(w.line()) for w in workers]
            assert all("error" not in r for r in results), results
            retries += sum(r["retries"] for r in results)

            expected = {**_files_by_project(demo_dists[left]), **_files_by_project(demo_dists[right])}
            if left.split("-")[0] == right.split("-")[0]:
                expected = {"hwb-demo-alpha": _names(demo_dists[left]) | _names(demo_dists[right])}
            root = bucket.json(f"{prefix}/simple/index.json")
            assert {p["name"] for p in root["projects"]} == set(expected), (round_no, root)
            for key in (f"{prefix}/simple/", f"{prefix}/simple/index.html"):
                _, _, html = bucket.get(key)
                for name in expected:
                    assert f'href="{name}/"'.encode() in html, (round_no, key, html)
            for name, files in expected.items():
                page = bucket.json(f"{prefix}/simple/{name}/index.json")
                assert {f["filename"] for f in page["files"]} == files, (round_no, name)
                for key in (f"{prefix}/simple/{name}/", f"{prefix}/simple/{name}/index.html"):
                    _, _, html = bucket.get(key)
                    for filename in files:
                        assert f">{filename}</a>".encode() in html, (round_no, key, filename)
    finally:
        for worker in workers:
            worker.close()
    # The publishers really did race: some conditional writes lost and were retried.
    assert retries > 0


def _names(paths: list[Path]) -> set[str]:
    return {p.name for p in paths}


def _files_by_project(paths: list[Path]) -> dict[str, set[str]]:
    name = "hwb-demo-alpha" if paths[0].name.startswith("hwb_demo_alpha") else "hwb-demo-beta"
    return {name: _names(paths)}


# --- the CLI -----------------------------------------------------------------------------------


def test_hwb_publish_to_s3(
    bucket: Bucket, hwb: Any, demo_dists: dict[str, list[Path]], tmp_path: Path
) -> None:
    """``hwb publish --repository s3://…`` (the endpoint from boto3's AWS_ENDPOINT_URL_S3)."""
    env = {"AWS_ENDPOINT_URL_S3": bucket.endpoint}
    files = demo_dists["alpha-1.0"]
    result = hwb("publish", *files, "--repository", bucket.url("cli"), "--json", env=env)
    assert result.code == 0, result.stderr
    assert [f["status"] for f in result.json["files"]] == ["uploaded", "uploaded"]
    assert result.json["identity"] == "aws credentials (env)"
    assert AWS_ENV["AWS_SECRET_ACCESS_KEY"] not in result.stdout + result.stderr
    # The same files again, with the endpoint given as a flag instead of the variable.
    result = hwb("publish", *files, "--repository", bucket.url("cli"), "--endpoint-url", bucket.endpoint,
                 "--region", "us-east-1", env={"AWS_ENDPOINT_URL_S3": None})
    assert result.code == 0, result.stderr
    assert "skipped" in result.stdout
    page = bucket.json("cli/simple/hwb-demo-alpha/index.json")
    assert {f["filename"] for f in page["files"]} == {p.name for p in files}

    conflicting = _wheel(tmp_path, "VALUE = 3\n")
    bucket.publish("cli", [_wheel(tmp_path / "first", "VALUE = 1\n")])
    result = hwb("publish", conflicting, "--repository", bucket.url("cli"), env=env)
    assert result.code == 63
    assert "already exists with different content" in result.stderr


@pytest.mark.network
def test_real_projects_from_the_corpus_install_from_s3(bucket: Bucket, tmp_path: Path) -> None:
    """Two real PyPI projects (six and idna, sha256-checked sdists from the shared corpus): built
    by hwb, published with their sdists, then installed by pip and uv from the bucket's index."""
    from .corpus import cache_dir, fetch_sdist, load_projects

    wanted = {p.name: p for p in load_projects() if p.name in ("six", "idna")}
    files: list[Path] = []
    for _, project in sorted(wanted.items()):
        sdist, _ = fetch_sdist(project, cache_dir(), Path(sys.executable))
        report = api.build(sdist, api.BuildOptions(outdir=tmp_path / "dist", cache=False))
        files += [sdist, *(a.info.path for a in report.artifacts)]
    published = bucket.publish("corpus", files)
    assert [f.status for f in published.files] == ["uploaded"] * 4
    index_url = f"{bucket.endpoint}/{bucket.name}/corpus/simple/"
    pins = [f"{p.name}=={p.version}" for p in wanted.values()]
    venv = fresh_venv(tmp_path / "pip-venv")
    result = pip(venv, "install", "--index-url", index_url, *pins, tmp=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    uv_venv = fresh_venv(tmp_path / "uv-venv")
    result = uv_pip(uv_venv, "install", "--index-url", index_url, *pins, tmp=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    for python in (venv, uv_venv):
        assert installed_version(python, "six") == wanted["six"].version
        assert installed_version(python, "idna") == wanted["idna"].version
