"""Faults (issue 11): real SIGKILL/SIGINT at random points, full disks, read-only folders, a
network that drops mid-response, a hanging and a noisy backend.  Each must end in a clear error
and leave nothing partial in the output folder, the build cache or an index.

Kill rounds are bounded (ROUNDS per scenario).  Each scenario first times one uninterrupted run
and then kills at a random point inside that time, so the kills land all along the operation;
a scenario fails if too few rounds were really cut short (it would prove nothing).  Messages
carry the seed: ``HWB_FAULT_SEED=<seed>`` replays the same delays and signals.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shutil
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

from headless_wheel_builder.artifacts.output import TEMP_PREFIX, validate
from tests.integration.publish_servers import Server, start_pypiserver
from tests.integration.test_s3 import bucket, moto_server, s3_env  # noqa: F401 - fixtures
from tests.unit._distfactory import FakeWheel

ROUNDS = 10
SEED = int(os.environ.get("HWB_FAULT_SEED", time.time_ns() % 100_000))
ARTIFACT_SUFFIXES = (".whl", ".tar.gz", ".zip")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("FORCE_COLOR", None)
    env.update({"HWB_LOG_DIR": str(tmp_path / "logs"), "HWB_CACHE": "false", **extra})
    return env


def _argv(args: Sequence[str | os.PathLike[str]]) -> list[str]:
    return [sys.executable, "-m", "headless_wheel_builder", *map(os.fspath, args)]


def _run(args: Sequence[str | os.PathLike[str]], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_argv(args), env=env, capture_output=True, text=True, timeout=300, check=False)


class Killer:
    """Runs hwb and SIGKILLs or SIGINTs it after a random delay; counts the runs cut short."""

    def __init__(self, name: str) -> None:
        self.rng = random.Random(f"{SEED}-{name}")
        self.span = 1.0
        self.cut_short = 0

    def calibrate(self, args: Sequence[str | os.PathLike[str]], env: dict[str, str]) -> None:
        """Time one uninterrupted run: later kills fall at random points inside that time."""
        start = time.monotonic()
        done = _run(args, env)
        assert done.returncode == 0, done.stderr
        self.span = time.monotonic() - start

    def run(self, args: Sequence[str | os.PathLike[str]], env: dict[str, str], span: float = 0) -> str:
        delay = self.rng.uniform(0.05, 0.9 * (span or self.span))
        sig = self.rng.choice((signal.SIGKILL, signal.SIGINT))
        started = time.monotonic()
        # A process killed this way cannot save coverage data, and a SIGINT that lands while
        # coverage is still starting up turns into "Fatal Python error": leave it unmeasured.
        env = {k: v for k, v in env.items() if not k.startswith("COVERAGE_")}
        proc = subprocess.Popen(
            _argv(args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=delay)
        if proc.poll() is None:
            proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
        if proc.returncode == 0 and not span:  # it finished first: aim earlier from now on
            self.span = min(self.span, time.monotonic() - started)
        what = f"seed={SEED} {sig.name} after {delay:.2f}s -> exit {proc.returncode}"
        # SIGINT is a clean interrupt: exit 130 (or -2 before Python's handler is installed).
        if sig == signal.SIGINT and proc.returncode not in (0, 130, -signal.SIGINT):
            raise AssertionError(f"{what}:\n{stderr}")
        if sig == signal.SIGINT and proc.returncode == 130:
            assert "Traceback" not in stderr, f"{what}:\n{stderr}"
        self.cut_short += proc.returncode != 0
        return what

    def check_cut_short(self, rounds: int) -> None:
        assert self.cut_short >= min(2, rounds), (
            f"seed={SEED}: only {self.cut_short} of {rounds} runs were cut short"
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
    out, tmp, cache = tmp_path / "dist", tmp_path / "tmp", tmp_path / "cache"
    tmp.mkdir()
    env = _env(tmp_path, HWB_CACHE="true", HWB_CACHE_DIR=str(cache), TMPDIR=str(tmp))
    killer = Killer("build")
    killer.calibrate(["build", src, "-o", tmp_path / "warm", "--no-cache"], env)  # a fast build
    for _ in range(ROUNDS):
        # slow: 2 s inside each backend hook, so kills land in the backend as well.
        slow = killer.rng.random() < 0.5
        args = ["build", src, "-o", out, *(("-C", "mode=slow") if slow else ())]
        if killer.rng.random() < 0.5:
            shutil.rmtree(cache / "wheels", ignore_errors=True)  # make the run write the cache
        before = set(tmp.iterdir())
        what = killer.run(args, env, span=killer.span + (4.5 if slow else 0))
        _assert_only_valid_artifacts(out, what)
        if "SIGINT" in what:  # an interrupted run cleans up its temporary folder (a SIGKILL cannot)
            assert set(tmp.iterdir()) <= before, what
        if killer.rng.random() < 0.3:
            shutil.rmtree(out, ignore_errors=True)  # sometimes start the next round afresh
    killer.check_cut_short(ROUNDS)
    # Temporary files left by hard kills are aged past the stale limit (as if the kill had been
    # long ago) and one more is planted: the next successful run removes them all.
    out.mkdir(exist_ok=True)
    (out / f"{TEMP_PREFIX}0123456789abcdef-tiny_pkg-0.3.0-py3-none-any.whl.part").write_bytes(b"part")
    old = time.time() - 7200
    for leftover in out.glob(f"{TEMP_PREFIX}*"):
        os.utime(leftover, (old, old))
    # Whatever the killed runs left in the cache: the builds it serves are complete and valid.
    for mode in ("mode=slow", "mode="):
        final = _run(["build", src, "-o", out, "-C", mode, "--json"], env)
        assert final.returncode == 0, f"seed={SEED}\n{final.stderr}"
        expected = ["tiny_pkg-0.3.0-py3-none-any.whl", "tiny_pkg-0.3.0.tar.gz"]
        assert sorted(p.name for p in out.iterdir()) == expected  # the stale temporaries are gone
        for artifact in json.loads(final.stdout)["artifacts"]:
            path = Path(artifact["path"])
            assert validate(path) == []
            assert hashlib.sha256(path.read_bytes()).hexdigest() == artifact["sha256"]


# --- killed mid-upload -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pypiserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_pypiserver(tmp_path_factory.mktemp("pypiserver"))


def _big_wheels(
    folder: Path, name: str, versions: Sequence[str], size: int, rng: random.Random
) -> list[Path]:
    """Valid wheels of ``name`` with ``size`` incompressible bytes each (slow to upload)."""
    return [
        FakeWheel(
            name=name,
            version=version,
            files={f"{name}/__init__.py": "", f"{name}/blob.bin": rng.randbytes(size)},
        ).build(folder)
        for version in versions
    ]


def test_publish_killed_mid_upload_then_completes(pypiserver, tmp_path):
    killer = Killer("upload")
    env = _env(tmp_path, HWB_PUBLISH_USERNAME=pypiserver.username, HWB_PUBLISH_PASSWORD=pypiserver.password)
    mine = {}

    def batch(i: int) -> list[Path]:
        wheels = _big_wheels(
            tmp_path / "w", "fault_upload", [f"{i}.{j}" for j in range(3)], 2_000_000, killer.rng
        )
        mine.update({w.name: w for w in wheels})
        return wheels

    killer.calibrate(["publish", *batch(0), "-r", pypiserver.url], env)
    for i in range(1, ROUNDS + 1):
        what = killer.run(["publish", *batch(i), "-r", pypiserver.url], env)
        for held in pypiserver.root.glob("fault_upload-*"):
            assert held.read_bytes() == mine[held.name].read_bytes(), f"{what}: partial {held.name}"
    killer.check_cut_short(ROUNDS)
    final = _run(["publish", *mine.values(), "-r", pypiserver.url, "--json"], env)
    assert final.returncode == 0, f"seed={SEED}\n{final.stderr}"
    assert {f["status"] for f in json.loads(final.stdout)["files"]} == {"uploaded", "skipped"}
    held = sorted(p.name for p in pypiserver.root.iterdir() if p.name.startswith("fault_upload-"))
    assert held == sorted(mine)  # each file exactly once
    for name, wheel in mine.items():
        digest = hashlib.sha256((pypiserver.root / name).read_bytes()).hexdigest()
        assert digest == hashlib.sha256(wheel.read_bytes()).hexdigest()


# --- killed mid-index-update -----------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(v for k, v in attrs if k == "href" and v)


def _check_pages(read: Any, what: str, *, html_may_lag: bool = False) -> dict[str, Any]:
    """Root and project pages parse (JSON and HTML) and agree; returns the root JSON page.

    ``html_may_lag``: on S3 the JSON pages are the state (conditional writes) and the HTML pages
    are derived from them right after, so a publisher killed in between leaves HTML that lists
    a subset — never a file that is not there; the next publish rewrites it (docs/PUBLISHING-S3.md).
    """
    root = json.loads(read("simple/index.json"))
    root_links = _Links()
    root_links.feed(read("simple/index.html").decode())
    names = {f"{p['name']}/" for p in root["projects"]}
    if html_may_lag:
        assert set(root_links.hrefs) <= names, what
    else:
        assert set(root_links.hrefs) == names, what
    for project in root["projects"]:
        page = json.loads(read(f"simple/{project['name']}/index.json"))
        files = {f["filename"] for f in page["files"]}
        if html_may_lag and f"{project['name']}/" not in root_links.hrefs:
            continue  # its HTML page may not exist yet
        links = _Links()
        links.feed(read(f"simple/{project['name']}/index.html").decode())
        linked = {h.split("#")[0].rsplit("/", 1)[-1] for h in links.hrefs}
        if html_may_lag:
            assert linked <= files, what
        else:
            assert files == linked, what
    return dict(root)


def test_static_index_killed_is_old_or_new(tmp_path):
    killer = Killer("index")
    dists, out = tmp_path / "dists", tmp_path / "site"
    _big_wheels(dists, "fault_index", ["1.0", "1.1", "1.2"], 300_000, killer.rng)
    env = _env(tmp_path)
    killer.calibrate(["index", dists, "--out", out], env)
    generations = [{"fault-index"}]  # the projects of each complete index, oldest first
    current = 0

    def projects(what: str) -> set[str]:
        return {p["name"] for p in _check_pages(lambda rel: (out / rel).read_bytes(), what)["projects"]}

    for i in range(ROUNDS):
        FakeWheel(name=f"gen{i}", version="1.0", files={f"gen{i}/__init__.py": ""}).build(dists)
        generations.append(generations[-1] | {f"gen{i}"})
        what = killer.run(["index", dists, "--out", out], env)
        found = projects(what)
        # The old complete index (the last one seen) or the new one; nothing in between.
        assert found in (generations[current], generations[-1]), what
        current = generations.index(found)
    killer.check_cut_short(ROUNDS)
    final = _run(["index", dists, "--out", out], env)
    assert final.returncode == 0, final.stderr
    assert projects("final") == generations[-1]


@pytest.mark.usefixtures("s3_env")
def test_s3_publish_killed_mid_index_update_then_completes(moto_server, bucket, tmp_path):  # noqa: F811
    killer = Killer("s3")
    env = _env(tmp_path, AWS_ENDPOINT_URL_S3=moto_server.endpoint)

    def read(rel: str) -> bytes:
        status, _, body = bucket.get(f"k/{rel}")
        assert status == 200, rel
        return body

    def batch(i: int) -> list[Path]:
        return _big_wheels(tmp_path / f"b{i}", f"fault_s3_{i}", ["1.0", "1.1"], 300_000, killer.rng)

    published = batch(0)
    killer.calibrate(["publish", *published, "--repository", bucket.url("k")], env)
    for i in range(1, ROUNDS + 1):
        files = batch(i)
        what = killer.run(["publish", *files, "--repository", bucket.url("k")], env)
        published += files
        _check_pages(read, what, html_may_lag=True)
    killer.check_cut_short(ROUNDS)
    final = _run(["publish", *published, "--repository", bucket.url("k"), "--json"], env)
    assert final.returncode == 0, f"seed={SEED}\n{final.stderr}"
    root = _check_pages(read, "final")
    assert {p["name"] for p in root["projects"]} == {f"fault-s3-{i}" for i in range(ROUNDS + 1)}
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
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
            capture_output=True,
            text=True,
            check=False,
        )
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
def dropping_index() -> Iterator[tuple[str, list[bytes]]]:
    """An index URL on loopback whose server promises a page, sends part of it, then hangs up;
    with the list of the requests it received."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    stop = threading.Event()
    requests: list[bytes] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn, contextlib.suppress(OSError):
                requests.append(conn.recv(65536))
                conn.sendall(HALF_A_PAGE)
                conn.shutdown(socket.SHUT_RDWR)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/simple", requests
    stop.set()
    thread.join(timeout=5)
    server.close()


def test_network_drop_during_dependency_install(hwb, project_copy, tmp_path, dropping_index):
    index, requests = dropping_index
    env = {
        "PIP_INDEX_URL": index,
        "UV_INDEX_URL": index,
        "UV_DEFAULT_INDEX": None,
        "PIP_FIND_LINKS": None,
        "UV_FIND_LINKS": None,
        "UV_OFFLINE": None,
        "UV_INDEX": "",
        "UV_HTTP_RETRIES": "1",
        "PIP_CONFIG_FILE": os.devnull,  # the machine's pip.conf reaches uv too
    }
    out = tmp_path / "o"
    result = hwb(
        "build",
        project_copy("pure-hatch"),
        "--wheel",
        "--installer",
        "uv",
        "--no-cache",
        "-o",
        out,
        env=env,
        timeout=180,
    )
    assert result.code == 32, result.stderr
    assert any(r.startswith(b"GET /simple/hatchling/") for r in requests)  # the drop really happened
    assert "could not install the build requirements" in result.stderr
    assert f"{index}/hatchling/" in result.stderr  # names the index
    assert "hint: " in result.stderr
    assert "PIP_INDEX_URL" in result.stderr.split("hint: ")[-1]
    assert not out.exists() or list(out.iterdir()) == []


# --- a hanging backend: --timeout stops it, and all of its processes ---------------------------------


def _processes_under(folder: Path) -> list[str]:
    """Command lines of the processes whose working directory is inside ``folder``."""
    found = []
    for proc in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if proc.name.isdigit() and Path(os.readlink(proc / "cwd")).is_relative_to(folder):
                found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
    return found


HANG_IN_A_CHILD = """
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    import subprocess
    subprocess.run([sys.executable, "-c", "import time; time.sleep(600)"])  # a hung compiler
"""


@pytest.mark.parametrize("where", ["backend", "child-of-backend"])
def test_hanging_backend_is_stopped_with_its_processes(hwb, project_copy, tmp_path, where):
    src = project_copy("tiny-backend")
    if where == "child-of-backend":  # the hung process holds the output pipe open as well
        with (src / "_backend" / "tinybackend.py").open("a") as backend:
            backend.write(HANG_IN_A_CHILD)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    start = time.monotonic()
    result = hwb(
        "build",
        src,
        "--wheel",
        "-C",
        "mode=hang",
        "--timeout",
        "2",
        "-o",
        tmp_path / "o",
        env={"TMPDIR": str(tmp)},
        timeout=60,  # before the fix, reading the pipe waited for the hung grandchild
    )
    assert time.monotonic() - start < 60
    assert result.code == 124, result.stderr  # CommandTimeout: --timeout covers the whole build
    assert "timed out after 2 seconds" in result.stderr
    assert "hint: " in result.stderr
    time.sleep(0.5)
    assert _processes_under(tmp_path) == []  # the backend (sleeping 600 s) did not outlive hwb
    assert list(tmp.iterdir()) == []
    assert not (tmp_path / "o").exists() or list((tmp_path / "o").iterdir()) == []


# --- a noisy backend: memory and terminal stay bounded, the log keeps everything --------------------


def test_noisy_backend_is_logged_whole_and_stays_small(project_copy, tmp_path):
    argv = _argv(["build", project_copy("tiny-backend"), "--wheel", "-C", "mode=noisy", "-o", tmp_path / "o"])
    if Path("/usr/bin/time").exists():  # GNU time reports the peak memory of hwb
        argv = ["/usr/bin/time", "-f", "maxrss=%M", *argv]
    proc = subprocess.Popen(
        argv, env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
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
