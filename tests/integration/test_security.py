"""Attacks on hwb through the real CLI: hostile archives, git URLs carrying options, shell
injection through config values, and secrets that must never reach another process's argv.

See docs/SECURITY.md for the threat model these tests check.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import PACKAGES
from tests.integration.publish_servers import OidcIndex, Server, start_oidc_index, start_pypiserver

# --- hostile archives, through `hwb build` ---------------------------------------------

_PYPROJECT = b'[project]\nname = "evil"\nversion = "1"\n'


def _tar(path: Path, add: Callable[[tarfile.TarFile], None]) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        info = tarfile.TarInfo("evil-1/pyproject.toml")
        info.size = len(_PYPROJECT)
        tf.addfile(info, io.BytesIO(_PYPROJECT))
        add(tf)
    return path


def _tar_member(name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "", data: bytes = b"x") -> Callable:
    def add(tf: tarfile.TarFile) -> None:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.linkname = linkname
        info.size = len(data) if kind == tarfile.REGTYPE else 0
        tf.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)

    return add


def _zip(path: Path, name: str, data: bytes = b"x", mode: int | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("evil-1/pyproject.toml", _PYPROJECT)
        info = zipfile.ZipInfo(name)
        if mode is not None:
            info.external_attr = mode << 16
        zf.writestr(info, data)
    return path


def _hostile(tmp: Path, case: str) -> Path:
    """An archive whose extraction would write ``tmp/victim/pwned`` (or a device node)."""
    victim = tmp / "victim"
    tgz, zp = tmp / "evil-1.tar.gz", tmp / "evil-1.zip"
    return {
        "tar-dotdot": lambda: _tar(tgz, _tar_member("evil-1/../../victim/pwned")),
        "tar-absolute": lambda: _tar(tgz, _tar_member(str(victim / "pwned"))),
        "tar-symlink-out": lambda: _tar(
            tgz,
            lambda tf: (
                _tar_member("evil-1/link", tarfile.SYMTYPE, str(victim))(tf),
                _tar_member("evil-1/link/pwned")(tf),
            ),
        ),
        "tar-relative-symlink-out": lambda: _tar(
            tgz, _tar_member("evil-1/up", tarfile.SYMTYPE, "../../../../../../../../.." + str(victim))
        ),
        "tar-hardlink-out": lambda: _tar(
            tgz, _tar_member("evil-1/h", tarfile.LNKTYPE, str(victim / "target"))
        ),
        "tar-chardev": lambda: _tar(tgz, _tar_member("evil-1/null", tarfile.CHRTYPE)),
        "tar-fifo": lambda: _tar(tgz, _tar_member("evil-1/fifo", tarfile.FIFOTYPE)),
        "zip-dotdot": lambda: _zip(zp, "evil-1/../../victim/pwned"),
        "zip-absolute": lambda: _zip(zp, str(victim / "pwned")),
        "zip-symlink-out": lambda: _zip(zp, "evil-1/link", str(victim).encode(), stat.S_IFLNK | 0o777),
    }[case]()


@pytest.mark.parametrize(
    "case",
    ["tar-dotdot", "tar-absolute", "tar-symlink-out", "tar-relative-symlink-out", "tar-hardlink-out",
     "tar-chardev", "tar-fifo", "zip-dotdot", "zip-absolute", "zip-symlink-out"],
)  # fmt: skip
def test_hostile_archive_is_refused_by_the_cli_and_writes_nothing(hwb, tmp_path: Path, case: str) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "target").write_text("secret file of the user\n")
    archive = _hostile(tmp_path, case)
    out = tmp_path / "out"
    result = hwb("build", archive, "--outdir", out, "--json", cwd=tmp_path)
    assert result.code == 13, result.stdout + result.stderr
    assert result.json["error"] == "archive"
    assert "refusing to extract" in result.stderr
    assert sorted(p.name for p in victim.iterdir()) == ["target"]
    assert not out.exists() or not any(out.iterdir())


def _zeros_zip(path: Path, size: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        # A backend that does not exist: past extraction the build fails fast.
        zf.writestr(
            "evil-1/pyproject.toml", _PYPROJECT + b'[build-system]\nrequires = []\nbuild-backend = "nope"\n'
        )
        with zf.open("evil-1/zeros.bin", "w", force_zip64=True) as member:
            chunk = bytes(1 << 20)
            for _ in range(size >> 20):
                member.write(chunk)
    return path


def test_zip_bomb_over_the_cap_is_a_clear_archive_error(hwb, tmp_path: Path) -> None:
    bomb = _zeros_zip(tmp_path / "evil-1.zip", 64 << 20)
    assert bomb.stat().st_size < 200_000  # ~1000:1, the shape of a real bomb
    out = tmp_path / "out"
    result = hwb("build", bomb, "--outdir", out, "--json", env={"HWB_MAX_ARCHIVE_SIZE": str(8 << 20)})
    assert result.code == 13, result.stderr
    assert "bytes uncompressed" in result.stderr
    assert "8,388,608" in result.stderr
    assert "ignoring HWB_MAX_ARCHIVE_SIZE" not in result.stderr  # a known variable, not a typo
    assert not out.exists()
    # Under the cap the same archive is extracted (the cap, not something else, refused it);
    # it then fails later for an unrelated reason (a backend that does not exist).
    ok = hwb("build", bomb, "--outdir", out, "--json", env={"HWB_MAX_ARCHIVE_SIZE": str(128 << 20)})
    assert ok.code not in (0, 13), ok.stderr
    assert "nope" in ok.stderr


def test_invalid_size_cap_is_explained(hwb, tmp_path: Path) -> None:
    bomb = _zip(tmp_path / "evil-1.zip", "evil-1/a.txt")
    result = hwb("build", bomb, "--outdir", tmp_path / "out", env={"HWB_MAX_ARCHIVE_SIZE": "lots"})
    assert result.code == 13
    assert "HWB_MAX_ARCHIVE_SIZE" in result.stderr
    assert "positive whole number" in result.stderr


# --- git URLs and refs carrying options ------------------------------------------------


@pytest.fixture
def fake_git(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A `git` first on PATH that records every argv (one line per call) and fails."""
    bindir = tmp_path / "fakebin"
    bindir.mkdir()
    calls = tmp_path / "git-calls.txt"
    script = bindir / "git"
    script.write_text(
        f"#!{sys.executable}\nimport sys\n"
        f"open({str(calls)!r}, 'a').write(repr(sys.argv[1:]) + '\\n')\nsys.exit(128)\n"
    )
    script.chmod(0o755)
    return {"PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}, calls


_PWNED = "/tmp/hwb-security-pwned"

INJECTIONS = [
    f"git+https://example.com/repo.git@--upload-pack=touch{_PWNED}",
    f"git+https://example.com/repo.git@-c core.sshCommand=touch {_PWNED}",
    f"git+https://example.com/repo.git@-ccore.sshCommand=touch{_PWNED}",
    f"git+ssh://-oProxyCommand=touch {_PWNED}/repo.git",
    f"git+ssh://-oProxyCommand=touch{_PWNED}@host/repo.git",
    f"ext::sh -c touch% {_PWNED}",
    f"git+ext::sh -c touch% {_PWNED}",
    f"--upload-pack=touch {_PWNED}@host:repo.git",
    f"-c core.sshCommand=touch{_PWNED} git@host:repo.git",
    f"git+-oProxyCommand=touch{_PWNED}@host:repo.git",
    "git+fd::17/repo.git",
]


@pytest.mark.parametrize("spec", INJECTIONS)
def test_git_option_injection_is_refused_before_git_runs(
    hwb, tmp_path: Path, fake_git: tuple[dict[str, str], Path], spec: str
) -> None:
    env, calls = fake_git
    result = hwb("build", "--outdir", tmp_path / "out", "--json", "--", spec, env=env, cwd=tmp_path)
    assert result.code == 14, result.stdout + result.stderr
    assert result.json["error"] == "git"
    assert not calls.exists(), calls.read_text()  # no git process at all
    assert not Path(_PWNED).exists()


def test_git_url_credentials_never_in_git_argv(
    hwb, tmp_path: Path, fake_git: tuple[dict[str, str], Path]
) -> None:
    """A token in a git URL's userinfo reaches git through its environment (readable only by the
    user) as a credential helper scoped to the URL's origin, never in its argument list
    (readable by everyone).  tests/security/test_git_credentials.py: where it may go."""
    env, calls = fake_git
    script = Path(env["PATH"].split(os.pathsep)[0]) / "git"
    script.write_text(
        script.read_text().replace(
            "sys.exit(128)",
            "import os\nopen(sys.argv[0] + '.env', 'a').write(repr(dict(os.environ)))\nsys.exit(128)",
        )
    )
    token = "ghp_SecurityTestToken0123456789abcdef"
    result = hwb(
        "build", "--outdir", tmp_path / "out", f"git+https://x-access:{token}@example.com/r.git@v1", env=env
    )
    assert result.code == 14, result.stderr
    argv = calls.read_text()
    assert "ls-remote" in argv
    assert "https://example.com/r.git" in argv
    assert token not in argv
    assert token not in result.stdout + result.stderr
    seen_env = (script.parent / "git.env").read_text()
    assert "'credential.https://example.com.helper'" in seen_env
    assert f"'_HWB_GIT_PASSWORD': '{token}'" in seen_env
    assert "'_HWB_GIT_USERNAME': 'x-access'" in seen_env


def test_the_fake_git_is_the_one_hwb_would_run(
    hwb, tmp_path: Path, fake_git: tuple[dict[str, str], Path]
) -> None:
    """Control for the test above: a safe URL does reach the fake git."""
    env, calls = fake_git
    result = hwb("build", "--outdir", tmp_path / "out", "git+https://example.com/repo.git@v1", env=env)
    assert result.code == 14, result.stderr
    argv = calls.read_text()
    assert "ls-remote" in argv
    assert "protocol.allow=never" in argv  # the allow-list: ext:: and other helpers refused
    assert "core.hooksPath=/dev/null" in argv


# --- shell injection through config values that are not commands -----------------------


def test_config_values_never_reach_a_shell(hwb, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payloads = [f"; touch {marker}", f"$(touch {marker})", f"`touch {marker}`", f"| touch {marker}"]
    for i, payload in enumerate(payloads):
        project = tmp_path / f"p{i}"
        shutil.copytree(PACKAGES / "tiny-backend", project)
        with (project / "pyproject.toml").open("a") as f:
            f.write(f"\n[tool.hwb]\noutdir = {('out' + payload)!r}\ncache-dir = {('c' + payload)!r}\n")
        built = hwb("build", project, "--wheel", "--json", cwd=project)
        assert built.code == 0, built.stderr
        # The value is a folder name, taken literally.
        assert (project / ("out" + payload)).is_dir()
        for option in ("--python", "--build-constraint", "--image"):
            hwb("build", project, "--wheel", option, "3.12" + payload, cwd=project)
    assert not marker.exists()


# --- secrets never in another process's argv, output, logs or reports -------------------


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()
                parents[int(entry)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == pid]
        found += kids
        frontier += kids
    return found


def _run_watched(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, list[str]]:
    """Run hwb, reading the argv of every descendant process until it exits."""
    out_file = cwd / f"hwb-output-{time.monotonic_ns()}.txt"
    with out_file.open("wb") as out, subprocess.Popen(
        [sys.executable, "-m", "headless_wheel_builder", *args],
        env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
    ) as proc:  # fmt: skip
        seen: dict[int, str] = {proc.pid: ""}
        while proc.poll() is None:
            for pid in [proc.pid, *_descendants(proc.pid)]:
                try:
                    raw = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                seen[pid] = seen.get(pid, "") + "\n" + raw.replace(b"\0", b" ").decode(errors="replace")
            time.sleep(0.02)
    output = out_file.read_text(errors="replace")
    out_file.unlink()
    return proc.returncode, output, list(seen.values())


def _files_text(folder: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())


SECRET = "pypi-AgEIcHlwaS5vcmcSecurityTest0123456789"


def test_secrets_never_reach_backend_argv_output_or_logs(tmp_path: Path) -> None:
    project = tmp_path / "tiny"
    shutil.copytree(PACKAGES / "tiny-backend", project)
    logs = tmp_path / "logs"
    env = {
        **os.environ,
        "HWB_LOG_DIR": str(logs),
        "HWB_CACHE": "false",
        "HWB_PUBLISH_TOKEN": SECRET,
        "PIP_INDEX_URL": f"https://__token__:{SECRET}@127.0.0.1:9/simple",
    }
    code, output, argvs = _run_watched(
        ["build", str(project), "--outdir", str(tmp_path / "out"), "-C", "mode=slow", "--json", "-v"],
        env, tmp_path,
    )  # fmt: skip
    assert code == 0, output
    # The backend hooks ran as children while we watched (the scan saw them).
    assert any("_in_process" in a or "pyproject_hooks" in a for a in argvs), argvs
    assert all(SECRET not in a for a in argvs)
    assert SECRET not in output
    assert SECRET not in _files_text(logs)


def test_leaked_secret_in_backend_output_is_redacted(hwb, tmp_path: Path) -> None:
    project = tmp_path / "tiny"
    shutil.copytree(PACKAGES / "tiny-backend", project)
    result = hwb(
        "build", project, "--outdir", tmp_path / "out", "-C", "mode=leak", "--json",
        env={"HWB_PUBLISH_TOKEN": SECRET, "TINY_URL_PASSWORD": "url-pass-0123456789"},
    )  # fmt: skip
    assert result.code == 42
    assert "leaking on purpose" in result.stderr  # the backend's output is shown…
    text = result.stdout + result.stderr + _files_text(tmp_path / "hwb-logs")
    assert SECRET not in text
    assert "url-pass-0123456789" not in text


@pytest.fixture(scope="module")
def pypiserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_pypiserver(tmp_path_factory.mktemp("pypiserver"))


def _fake_wheel(folder: Path, version: str) -> Path:
    from tests.unit._distfactory import FakeWheel

    return FakeWheel(name="sec_pkg", version=version, files={"sec_pkg/__init__.py": ""}).build(folder)


def test_publish_password_from_env_pypirc_or_url_never_shown(pypiserver: Server, tmp_path: Path) -> None:
    secret = pypiserver.password
    base = {**os.environ, "HWB_LOG_DIR": str(tmp_path / "logs"), "HOME": str(tmp_path)}
    for var in ("HWB_PUBLISH_TOKEN", "HWB_PUBLISH_USERNAME", "HWB_PUBLISH_PASSWORD", "TWINE_PASSWORD"):
        base.pop(var, None)
    pypirc = tmp_path / ".pypirc"
    pypirc.write_text(
        f"[distutils]\nindex-servers = local\n[local]\nrepository = {pypiserver.url}\n"
        f"username = {pypiserver.username}\npassword = {secret}\n"
    )
    pypirc.chmod(0o644)  # readable by others: hwb warns
    host = pypiserver.url.partition("://")[2]
    ways = {
        "env": ({"HWB_PUBLISH_USERNAME": "alice", "HWB_PUBLISH_PASSWORD": secret}, pypiserver.url),
        "pypirc": ({}, pypiserver.url),
        "url": ({}, f"http://alice:{secret}@{host}"),
        "url-unreachable": ({}, f"http://alice:{secret}@127.0.0.1:9/"),
    }
    for i, (way, (extra, repo)) in enumerate(ways.items()):
        dist = tmp_path / way
        dist.mkdir()
        _fake_wheel(dist, f"1.{i}")
        code, output, argvs = _run_watched(
            ["publish", str(dist), "-r", repo, "--json", "-v"], {**base, **extra}, tmp_path
        )
        assert (code == 0) == (way != "url-unreachable"), output
        assert secret not in output, (way, output)
        # hwb's own argv holds the URL the user typed; no process hwb starts may see it.
        assert all(secret not in a for a in argvs[1:]), way
        if way == "pypirc":
            assert "others can read it" in output
    assert secret not in _files_text(tmp_path / "logs") if (tmp_path / "logs").exists() else True


# --- TLS: verification cannot be switched off from the environment ---------------------


@pytest.fixture(scope="module")
def https_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcIndex]:
    yield from start_oidc_index(tmp_path_factory.mktemp("tls"))


def test_untrusted_certificate_fails_even_with_verify_off_switches(
    hwb, https_index: OidcIndex, tmp_path: Path
) -> None:
    wheel = _fake_wheel(tmp_path, "3.0")
    # Variables that turn verification off in some tools (or did, in old requests / Python).
    env: dict[str, str | None] = {
        "SSL_CERT_FILE": None, "REQUESTS_CA_BUNDLE": "", "CURL_CA_BUNDLE": "", "PYTHONHTTPSVERIFY": "0",
        "PIP_TRUSTED_HOST": "127.0.0.1", "HWB_PUBLISH_TOKEN": SECRET, "GITHUB_ACTIONS": None,
    }  # fmt: skip
    result = hwb("publish", wheel, "-r", f"{https_index.base}/legacy/", "--retries", "0", env=env)
    assert result.code != 0
    assert "certificate" in result.stderr.lower(), result.stderr
    assert wheel.name not in https_index.files  # nothing was sent
    assert SECRET not in result.stdout + result.stderr
    assert "--ca-bundle" in result.stderr
    # With the CA bundle given, TLS passes and the server itself answers (it wants an OIDC-minted
    # token, so it refuses ours): the failure above was the certificate and nothing else.
    trusted = hwb(
        "publish", wheel, "-r", f"{https_index.base}/legacy/", "--ca-bundle", https_index.ca_path, env=env
    )  # fmt: skip
    assert trusted.code == 61, trusted.stderr
    assert "certificate" not in trusted.stderr.lower()
    assert "HTTP 403" in trusted.stderr
    assert SECRET not in trusted.stdout + trusted.stderr


def test_git_url_credentials_reach_the_server_as_a_header(hwb, tmp_path: Path) -> None:
    """With the real git: the token moved out of argv still authenticates when the server asks
    (401); tests/security/test_git_credentials.py shows it goes to that origin only."""
    import base64
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[tuple[str, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get("Authorization")))
            if self.headers.get("Authorization") is None:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="r"')
            else:
                self.send_response(404)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        token = "glpat-SecurityTest0123456789"
        port = server.server_address[1]
        result = hwb(
            "build", "--outdir", tmp_path / "out", f"git+http://oauth2:{token}@127.0.0.1:{port}/r.git@v1"
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.code == 14, result.stderr
    assert token not in result.stdout + result.stderr
    expected = "Basic " + base64.b64encode(f"oauth2:{token}".encode()).decode()
    assert seen, "git never reached the server"
    assert {auth for _, auth in seen} == {None, expected}, seen  # asked, then answered
    assert all(token not in path for path, _ in seen)
