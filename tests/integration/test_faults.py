"""Faults (issue 11): real SIGKILL/SIGINT at random points, full disks, read-only folders, a
network that drops mid-response, a hanging and a noisy backend.  Each must end in a clear error
and leave nothing partial in the output folder, the build cache or an index.

Kill rounds are bounded (ROUNDS each, random delays) so the whole file stays fast; the seed is
printed on failure through the assertion messages so a round can be replayed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from headless_wheel_builder.core.output import TEMP_PREFIX, validate
from tests.integration.publish_servers import Server, start_pypiserver
from tests.integration.test_s3 import bucket, moto_server, s3_env  # noqa: F401 - fixtures
from tests.unit._distfactory import FakeWheel

ROUNDS = 10
SEED = int(os.environ.get("HWB_FAULT_SEED", time.time_ns() % 100_000))
ARTIFACT_SUFFIXES = (".whl", ".tar.gz", ".zip")


def _rng(name: str) -> random.Random:
    return random.Random(f"{SEED}-{name}")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("FORCE_COLOR", None)
    env.update({"HWB_LOG_DIR": str(tmp_path / "logs"), "HWB_CACHE": "false", **extra})
    return env


def _start(args: Sequence[str | os.PathLike[str]], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "headless_wheel_builder", *map(os.fspath, args)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _kill_at_random(proc: subprocess.Popen[str], rng: random.Random, max_delay: float) -> str:
    """Wait a random time, then SIGKILL or SIGINT ``proc``; returns what was done."""
    delay = rng.uniform(0.05, max_delay)
    sig = rng.choice((signal.SIGKILL, signal.SIGINT))
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=delay)
    if proc.poll() is None:
        proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    # SIGINT is a clean interrupt (130) unless it came before Python installed its handler.
    if sig == signal.SIGINT and proc.returncode not in (0, 130, -signal.SIGINT):
        raise AssertionError(f"SIGINT after {delay:.2f}s gave exit {proc.returncode}:\n{stderr}")
    return f"seed={SEED} {sig.name} after {delay:.2f}s -> exit {proc.returncode}"


def _run(args: Sequence[str | os.PathLike[str]], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "headless_wheel_builder", *map(os.fspath, args)],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )


def _assert_only_valid_artifacts(outdir: Path, what: str) -> None:
    if not outdir.exists():
        return
    for path in outdir.iterdir():
        if path.name.startswith(TEMP_PREFIX):
            continue  # hidden, never under a final name; removed by a later run once stale
        assert path.name.endswith(ARTIFACT_SUFFIXES), f"{what}: unexpected {path.name}"
        assert validate(path) == [], f"{what}: {path.name} is not a complete artifact"


# --- killed mid-build ------------------------------------------------------------------------------


def test_build_killed_at_random_points_leaves_nothing_partial(project_copy, tmp_path):
    src = project_copy("tiny-backend")
    out, tmp = tmp_path / "dist", tmp_path / "tmp"
    tmp.mkdir()
    env = _env(tmp_path, HWB_CACHE="true", HWB_CACHE_DIR=str(tmp_path / "cache"), TMPDIR=str(tmp))
    rng = _rng("build")
    started = time.monotonic()
    for _ in range(ROUNDS):
        mode = rng.choice(("slow", ""))  # slow: 2 s inside each backend hook; "": a fast build
        args = ["build", src, "-o", out, "--no-cache" if rng.random() < 0.2 else "-q"]
        proc = _start([*args, *(("-C", f"mode={mode}") if mode else ())], env)
        what = _kill_at_random(proc, rng, max_delay=2.5)
        _assert_only_valid_artifacts(out, what)
        # A killed run's artifacts could be served by the cache later: the cache must hold only
        # complete entries, which the next successful build proves below.
        if rng.random() < 0.3:
            for leftover in out.glob("*"):
                leftover.unlink()  # sometimes start the next round from an empty folder
    # Any temporary file left by a hard kill is aged past the stale limit (as if the kill had
    # happened long ago) and one more is planted: the next successful run removes them all.
    planted = out / f"{TEMP_PREFIX}0123456789abcdef-tiny_pkg-0.3.0-py3-none-any.whl.part"
    out.mkdir(exist_ok=True)
    planted.write_bytes(b"partial")
    old = time.time() - 7200
    for leftover in out.glob(f"{TEMP_PREFIX}*"):
        os.utime(leftover, (old, old))
    final = _run(["build", src, "-o", out, "--json"], env)
    assert final.returncode == 0, f"seed={SEED}\n{final.stderr}"
    report = json.loads(final.stdout)
    expected = ["tiny_pkg-0.3.0-py3-none-any.whl", "tiny_pkg-0.3.0.tar.gz"]
    assert sorted(p.name for p in out.iterdir()) == expected  # the stale temporaries are gone
    for artifact in report["artifacts"]:
        path = Path(artifact["path"])
        assert validate(path) == []
        assert hashlib.sha256(path.read_bytes()).hexdigest() == artifact["sha256"]
    # A second build is served from the cache (what the killed runs may have written there).
    out2 = tmp_path / "dist2"
    again = _run(["build", src, "-o", out2, "--json"], env)
    assert again.returncode == 0, f"seed={SEED}\n{again.stderr}"
    assert [validate(Path(a["path"])) for a in json.loads(again.stdout)["artifacts"]] == [[], []]
    assert time.monotonic() - started < 90


# --- killed mid-upload -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pypiserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_pypiserver(tmp_path_factory.mktemp("pypiserver"))


def _big_wheels(folder: Path, name: str, count: int, size: int, rng: random.Random) -> list[Path]:
    """``count`` valid wheels of ``name`` with ``size`` incompressible bytes each (slow to upload)."""
    return [
        FakeWheel(
            name=name,
            version=f"1.{i}",
            files={f"{name}/__init__.py": "", f"{name}/blob.bin": rng.randbytes(size)},
        ).build(folder)
        for i in range(count)
    ]


def test_publish_killed_mid_upload_then_completes(pypiserver, tmp_path):
    rng = _rng("upload")
    wheels = _big_wheels(tmp_path / "w", "fault_upload", 4, 3_000_000, rng)
    env = _env(tmp_path, HWB_PUBLISH_USERNAME=pypiserver.username, HWB_PUBLISH_PASSWORD=pypiserver.password)
    for _ in range(ROUNDS):
        proc = _start(["publish", *wheels, "-r", pypiserver.url], env)
        what = _kill_at_random(proc, rng, max_delay=1.5)
        for held in pypiserver.root.glob("fault_upload-*"):
            assert held.name in {w.name for w in wheels}, f"{what}: {held.name}"
            assert held.read_bytes() == (tmp_path / "w" / held.name).read_bytes(), f"{what}: partial {held}"
    final = _run(["publish", *wheels, "-r", pypiserver.url, "--json"], env)
    assert final.returncode == 0, f"seed={SEED}\n{final.stderr}"
    assert {f["status"] for f in json.loads(final.stdout)["files"]} <= {"uploaded", "skipped"}
    held = sorted(p.name for p in pypiserver.root.iterdir() if p.name.startswith("fault_upload-"))
    assert held == sorted(w.name for w in wheels)  # each exactly once
    for wheel in wheels:
        digest = hashlib.sha256((pypiserver.root / wheel.name).read_bytes()).hexdigest()
        assert digest == hashlib.sha256(wheel.read_bytes()).hexdigest()


# --- killed mid-index-update -----------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(v for k, v in attrs if k == "href" and v)


def _check_pages(read: Any, what: str) -> dict[str, Any]:
    """Root and project pages parse (JSON and HTML) and agree; returns the root JSON page."""
    root = json.loads(read("simple/index.json"))
    for project in root["projects"]:
        page = json.loads(read(f"simple/{project['name']}/index.json"))
        links = _Links()
        links.feed(read(f"simple/{project['name']}/index.html").decode())
        linked = {h.split("#")[0].rsplit("/", 1)[-1] for h in links.hrefs}
        assert {f["filename"] for f in page["files"]} == linked, what
    return dict(root)


def test_static_index_killed_is_old_or_new(hwb, tmp_path):
    rng = _rng("index")
    dists = tmp_path / "dists"
    _big_wheels(dists, "fault_index", 3, 200_000, rng)
    out = tmp_path / "site"
    first = hwb("index", dists, "--out", out)
    assert first.code == 0, first.stderr
    generations = [{"fault-index"}]  # the projects of each complete index, oldest first
    current = 0
    env = _env(tmp_path)

    def projects(what: str) -> set[str]:
        return {p["name"] for p in _check_pages(lambda rel: (out / rel).read_bytes(), what)["projects"]}

    for i in range(ROUNDS):
        FakeWheel(name=f"gen{i}", version="1.0", files={f"gen{i}/__init__.py": ""}).build(dists)
        generations.append(generations[-1] | {f"gen{i}"})
        proc = _start(["index", dists, "--out", out], env)
        what = _kill_at_random(proc, rng, max_delay=0.8)
        found = projects(what)
        # The old complete index (the last one seen) or the new one; nothing in between.
        assert found in (generations[current], generations[-1]), what
        current = generations.index(found)
    final = _run(["index", dists, "--out", out], env)
    assert final.returncode == 0, final.stderr
    assert projects("final") == generations[-1]


@pytest.mark.usefixtures("s3_env")
def test_s3_publish_killed_mid_index_update_then_completes(moto_server, bucket, tmp_path):  # noqa: F811
    rng = _rng("s3")
    env = _env(tmp_path, AWS_ENDPOINT_URL_S3=moto_server.endpoint)
    batches = [_big_wheels(tmp_path / f"b{i}", f"fault_s3_{i}", 2, 500_000, rng) for i in range(ROUNDS)]

    def read(rel: str) -> bytes:
        status, _, body = bucket.get(f"k/{rel}")
        assert status == 200, rel
        return body

    published: list[Path] = []
    for batch in batches:
        proc = _start(["publish", *batch, "--repository", bucket.url("k")], env)
        what = _kill_at_random(proc, rng, max_delay=2.0)
        published += batch
        if bucket.get("k/simple/index.json")[0] == 200:
            _check_pages(read, what)
    final = _run(["publish", *published, "--repository", bucket.url("k"), "--json"], env)
    assert final.returncode == 0, f"seed={SEED}\n{final.stderr}"
    root = _check_pages(read, "final")
    assert {p["name"] for p in root["projects"]} == {f"fault-s3-{i}" for i in range(ROUNDS)}
    for wheel in published:
        project = wheel.name.split("-")[0].replace("_", "-")
        page = json.loads(read(f"simple/{project}/index.json"))
        entry = next(f for f in page["files"] if f["filename"] == wheel.name)
        assert entry["hashes"]["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
        assert read(f"simple/{project}/{entry['url']}") == wheel.read_bytes()


# --- full disk, read-only folder -------------------------------------------------------------------


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Any]:
    """``tmpfs(size)`` mounts a small tmpfs under tmp_path (root only); unmounted afterwards."""
    mounted: list[Path] = []

    def _mount(size: str = "2m", name: str = "fs") -> Path:
        where = tmp_path / name
        where.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(where)
        return where

    yield _mount
    for where in reversed(mounted):
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(folder: Path, leave: int = 0) -> None:
    """Fill the filesystem holding ``folder`` until at most ``leave`` bytes are free."""
    with (folder / "filler").open("wb") as f, contextlib.suppress(OSError):
        while True:
            free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
            if free <= leave:
                break
            f.write(b"\0" * min(65536, max(free - leave, 1)))
            f.flush()


def test_full_disk_as_outdir_is_a_clear_error(hwb, project_copy, tmpfs):
    out = tmpfs("2m")
    _fill(out)
    result = hwb("build", project_copy("tiny-backend"), "-o", out)
    assert result.code == 52, result.stderr
    assert "No space left on device" in result.stderr
    assert f"cannot place the artifacts in {out}" in result.stderr
    assert "hint: " in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["filler"]  # no partial file, no temporary


def test_full_disk_as_tmpdir_is_a_clear_error(hwb, project_copy, tmpfs, tmp_path):
    tmp = tmpfs("2m")
    _fill(tmp, leave=8192)
    out = tmp_path / "dist"
    result = hwb("build", project_copy("tiny-backend"), "-o", out, env={"TMPDIR": str(tmp)})
    assert result.code in (31, 40, 42, 52), result.stderr
    assert "No space left on device" in result.stderr
    hint = result.stderr.split("hint: ")[-1]
    assert "space" in hint, result.stderr  # not "install python3-venv"
    assert "Traceback" not in result.stderr.split("error:")[-1]
    assert not out.exists() or list(out.iterdir()) == []
    assert sorted(p.name for p in tmp.iterdir()) == ["filler"]


def test_read_only_output_folder_is_a_clear_error(hwb, project_copy, tmpfs):
    ro = tmpfs("1m")
    (ro / "dist").mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(ro)], check=True)
    src = project_copy("tiny-backend")
    for out in (ro / "dist", ro / "new" / "dist"):
        result = hwb("build", src, "--wheel", "-o", out)
        assert result.code == 52, result.stderr
        assert str(out) in result.stderr
        assert "hint: " in result.stderr
    assert sorted(p.name for p in ro.iterdir()) == ["dist"]
    assert list((ro / "dist").iterdir()) == []


# --- network drop during dependency install --------------------------------------------------------


HALF_A_PAGE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n"
    b'<!DOCTYPE html><html><body><a href="hatchling-1.27.0-py3-none-any.whl'
)


@pytest.fixture
def dropping_index() -> Iterator[str]:
    """An index URL on loopback whose server promises a page, sends part of it, then hangs up."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn, contextlib.suppress(OSError):
                conn.recv(65536)
                conn.sendall(HALF_A_PAGE)
                conn.shutdown(socket.SHUT_RDWR)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/simple"
    stop.set()
    thread.join(timeout=5)
    server.close()


def test_network_drop_during_dependency_install(hwb, project_copy, tmp_path, dropping_index):
    env = {"PIP_INDEX_URL": dropping_index, "UV_INDEX_URL": dropping_index, "UV_DEFAULT_INDEX": None,
           "PIP_FIND_LINKS": None, "UV_FIND_LINKS": None, "UV_OFFLINE": None, "UV_INDEX": "",
           "UV_HTTP_RETRIES": "1"}
    out = tmp_path / "o"
    result = hwb("build", project_copy("pure-hatch"), "--wheel", "--installer", "uv", "--no-cache",
                 "-o", out, env=env, timeout=180)
    assert result.code == 32, result.stderr
    assert "could not install the build requirements" in result.stderr
    assert dropping_index.removeprefix("http://").split("/")[0] in result.stderr
    assert "hint: " in result.stderr
    assert not out.exists() or list(out.iterdir()) == []


# --- a noisy backend: memory and terminal stay bounded, the log keeps everything --------------------


def test_noisy_backend_is_logged_whole_and_stays_small(project_copy, tmp_path):
    env = _env(tmp_path)
    proc = subprocess.Popen(
        ["/usr/bin/time", "-f", "maxrss=%M", sys.executable, "-m", "headless_wheel_builder", "build",
         str(project_copy("tiny-backend")), "--wheel", "-C", "mode=noisy", "-o", str(tmp_path / "o")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) if Path("/usr/bin/time").exists() else _start(
        ["build", project_copy("tiny-backend"), "--wheel", "-C", "mode=noisy", "-o", tmp_path / "o"], env)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr[-2000:]
    assert "noisy line" not in stdout + stderr
    assert len(stderr) < 5000
    logs = list((tmp_path / "logs").glob("*.log"))
    text = "".join(p.read_text(errors="replace") for p in logs)
    assert "noisy line 0 " in text  # 1.3 MB of output, all of it
    assert "noisy line 19999 " in text
    rss = [int(line.split("=")[1]) for line in stderr.splitlines() if line.startswith("maxrss=")]
    if rss:
        assert rss[0] < 200_000, f"hwb held {rss[0]} KiB: is the backend's output kept in memory?"
