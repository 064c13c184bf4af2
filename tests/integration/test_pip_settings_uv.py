"""The user's pip settings reach uv in uv's syntax (issue 23, family 3; docs/ISOLATION.md).

Each test builds a project whose build requirement (a tiny backend wheel made here) exists only
where one pip setting points — a local folder, a loopback index, an HTTPS index with a private
CA, an index reachable only through a proxy — with ``--installer pip`` (the reference: pip reads
its own settings) and ``--installer uv`` (hwb translates them).  PyPI is never reachable: every
test sets no-index or an index URL of its own, and the machine's pip.conf is switched off."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import ssl
import threading
import urllib.request
import zipfile
from collections.abc import Iterator
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import PACKAGES

#: tiny-backend's backend, installed from a wheel: the project is the working folder, not its parent.
BACKEND = (
    (PACKAGES / "tiny-backend" / "_backend" / "tinybackend.py")
    .read_text(encoding="utf-8")
    .replace("os.path.dirname(os.path.dirname(os.path.abspath(__file__)))", "os.getcwd()")
)
INSTALLERS = ["pip", "uv"]


def _wheel(folder: Path, name: str, version: str, module: str | None = None, requires: str = "") -> Path:
    """A minimal pure-Python wheel of ``name`` ``version`` (optionally with one module)."""
    dist = f"{name.replace('-', '_')}-{version}"
    files = {
        f"{dist}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        + (f"Requires-Dist: {requires}\n" if requires else ""),
        f"{dist}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: hwb-tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    if module is not None:
        files["hwbprobe_backend.py"] = module
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{dist}.dist-info/RECORD,,")
    files[f"{dist}.dist-info/RECORD"] = "\n".join(record) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(out, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return out


def _backend(folder: Path, version: str = "1.0", *, broken: bool = False, requires: str = "") -> Path:
    module = 'raise RuntimeError("the wrong hwb-probe-backend")\n' if broken else BACKEND
    return _wheel(folder, "hwb-probe-backend", version, module, requires)


def _project(tmp: Path) -> Path:
    """tiny-backend, but its backend comes from the index: ``requires = ["hwb-probe-backend"]``."""
    src = tmp / "project"
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(PACKAGES / "tiny-backend", src)
    shutil.rmtree(src / "_backend")
    text = (src / "pyproject.toml").read_text(encoding="utf-8")
    text = text.replace("requires = []", 'requires = ["hwb-probe-backend"]')
    text = text.replace('build-backend = "tinybackend"', 'build-backend = "hwbprobe_backend"')
    text = text.replace('backend-path = ["_backend"]\n', "")
    (src / "pyproject.toml").write_text(text, encoding="utf-8")
    return src


def _simple_index(root: Path, wheels: list[Path]) -> Path:
    """A PEP 503 index folder: ``root/simple/<project>/index.html`` linking the wheels."""
    projects: dict[str, list[Path]] = {}
    for wheel in wheels:
        projects.setdefault(wheel.name.split("-")[0].replace("_", "-"), []).append(wheel)
    (root / "simple").mkdir(parents=True)
    for project, files in projects.items():
        folder = root / "simple" / project
        folder.mkdir()
        links = "".join(f'<a href="{f.name}">{f.name}</a>\n' for f in files)
        (folder / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{links}</body></html>\n")
        for f in files:
            shutil.copy2(f, folder / f.name)
    return root


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve(root: Path, context: ssl.SSLContext | None = None) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    if context is not None:
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if context else 'http'}://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _env(tmp: Path, **settings: str) -> dict[str, str | None]:
    """No pip or uv setting of the machine's, private caches, then ``settings``."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith(("PIP_", "UV_"))}
    for name in (
        "SSL_CERT_FILE",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ):
        env[name] = None
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_CACHE_DIR="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        UV_NO_CONFIG="1",
        UV_CACHE_DIR=str(tmp / "uv-cache"),
        UV_PYTHON_DOWNLOADS="never",
    )
    env.update(settings)
    return env


def _build(hwb: Any, tmp: Path, installer: str, env: dict[str, str | None]) -> None:
    out = tmp / f"out-{installer}"
    result = hwb("build", _project(tmp), "--wheel", "--installer", installer, "-o", out, env=env)
    assert result.code == 0, result.stderr
    assert [p.name for p in out.iterdir()] == ["tiny_pkg-0.3.0-py3-none-any.whl"]


@pytest.mark.parametrize("installer", INSTALLERS)
def test_find_links_two_folders_pip_style_with_no_index(hwb, tmp_path: Path, installer: str) -> None:
    # The backend is in /b, the dependency it needs in /a: both folders must be searched.
    a, b = tmp_path / "wheels-a", tmp_path / "wheels-b"
    _wheel(a, "hwb-probe-dep", "1.0")
    _backend(b, requires="hwb-probe-dep")
    _build(hwb, tmp_path, installer, _env(tmp_path, PIP_FIND_LINKS=f"{a} {b}", PIP_NO_INDEX="1"))


@pytest.mark.parametrize("installer", INSTALLERS)
def test_pip_conf_find_links_and_no_index(hwb, tmp_path: Path, installer: str) -> None:
    a, b = tmp_path / "wheels-a", tmp_path / "wheels-b"
    _wheel(a, "hwb-probe-dep", "1.0")
    _backend(b, requires="hwb-probe-dep")
    conf = tmp_path / "pip.conf"
    conf.write_text(f"[global]\nno-index = true\nfind-links =\n    {a}\n    {b}\n", encoding="utf-8")
    _build(hwb, tmp_path, installer, _env(tmp_path, PIP_CONFIG_FILE=str(conf)))


@pytest.fixture
def index(tmp_path: Path) -> Iterator[str]:
    """A loopback index with the backend (1.0 good, 2.0 broken) and its dependency."""
    wheels = tmp_path / "built"
    _wheel(wheels, "hwb-probe-dep", "1.0")
    made = [*wheels.iterdir(), _backend(wheels, requires="hwb-probe-dep")]
    made.append(_backend(wheels / "2", "2.0", broken=True))
    yield from _serve(_simple_index(tmp_path / "index", made))


@pytest.fixture
def empty_index(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "empty"
    (root / "simple").mkdir(parents=True)
    yield from _serve(root)


def _pin_1_0(tmp: Path) -> dict[str, str]:
    """A constraint so the broken 2.0 is never chosen (the index tests are not about versions)."""
    pin = tmp / "pin.txt"
    pin.write_text("hwb-probe-backend==1.0\n", encoding="utf-8")
    return {"PIP_CONSTRAINT": str(pin)}


@pytest.mark.parametrize("installer", INSTALLERS)
def test_index_url(hwb, tmp_path: Path, index: str, installer: str) -> None:
    _build(hwb, tmp_path, installer, _env(tmp_path, PIP_INDEX_URL=f"{index}/simple", **_pin_1_0(tmp_path)))


@pytest.mark.parametrize("installer", INSTALLERS)
def test_extra_index_urls_pip_style(
    hwb, tmp_path: Path, index: str, empty_index: str, installer: str
) -> None:
    env = _env(
        tmp_path,
        PIP_INDEX_URL=f"{empty_index}/simple",
        PIP_EXTRA_INDEX_URL=f"{empty_index}/simple\n {index}/simple",
        **_pin_1_0(tmp_path),
    )
    _build(hwb, tmp_path, installer, env)


@pytest.mark.parametrize("installer", INSTALLERS)
def test_constraints_pip_style(hwb, tmp_path: Path, index: str, installer: str) -> None:
    # Without the pin the broken 2.0 is chosen and the build fails (checked first).
    unpinned = hwb(
        "build",
        _project(tmp_path),
        "--wheel",
        "--installer",
        installer,
        "-o",
        tmp_path / "x",
        env=_env(tmp_path, PIP_INDEX_URL=f"{index}/simple"),
    )
    assert unpinned.code != 0
    assert "the wrong hwb-probe-backend" in unpinned.stderr, unpinned.stderr
    other = tmp_path / "other.txt"
    other.write_text("hwb-probe-dep==1.0\n", encoding="utf-8")
    pins = f"{other} {_pin_1_0(tmp_path)['PIP_CONSTRAINT']}"  # pip's list: whitespace-separated
    env = _env(tmp_path, PIP_INDEX_URL=f"{index}/simple", PIP_CONSTRAINT=pins)
    _build(hwb, tmp_path, installer, env)


@pytest.fixture
def https_index(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    import trustme

    ca = trustme.CA()
    ca_path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    _wheel(tmp_path / "built", "hwb-probe-dep", "1.0")
    made = [*(tmp_path / "built").iterdir(), _backend(tmp_path / "built", requires="hwb-probe-dep")]
    for url in _serve(_simple_index(tmp_path / "tls", made), context):
        yield url, ca_path


@pytest.mark.parametrize("installer", INSTALLERS)
def test_certificate(hwb, tmp_path: Path, https_index: tuple[str, Path], installer: str) -> None:
    url, ca = https_index
    without = hwb(
        "build",
        _project(tmp_path),
        "--wheel",
        "--installer",
        installer,
        "-o",
        tmp_path / "x",
        env=_env(tmp_path, PIP_INDEX_URL=f"{url}/simple", PIP_RETRIES="0"),
    )
    assert without.code != 0  # the private CA is what makes it work
    _build(hwb, tmp_path, installer, _env(tmp_path, PIP_INDEX_URL=f"{url}/simple", PIP_CERT=str(ca)))


class _ForwardProxy(BaseHTTPRequestHandler):
    """An HTTP forward proxy that serves every ``http://`` URL from the loopback index."""

    upstream = ""
    seen: list[str]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:
        self.seen.append(self.path)
        parts = urlsplit(self.path)
        with urllib.request.urlopen(self.upstream + parts.path) as answer:
            body, kind = answer.read(), answer.headers.get("Content-Type", "text/html")
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)


@pytest.mark.parametrize("installer", INSTALLERS)
def test_proxy(hwb, tmp_path: Path, index: str, installer: str) -> None:
    seen: list[str] = []
    handler = type("Proxy", (_ForwardProxy,), {"upstream": index, "seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        # Nothing listens on localhost:9 (pip trusts plain HTTP only for localhost): only the
        # proxy can answer for it.
        env = _env(
            tmp_path,
            PIP_INDEX_URL="http://localhost:9/simple",
            PIP_PROXY=f"http://127.0.0.1:{httpd.server_address[1]}",
            **_pin_1_0(tmp_path),
        )
        _build(hwb, tmp_path, installer, env)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert any(url.startswith("http://localhost:9/simple/hwb-probe-backend") for url in seen), seen
