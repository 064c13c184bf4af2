"""Text read from a registry is bounded (issue 16, family 3): a hostile or broken server's huge
error body is cut at a few KB and the connection closed, so it costs neither memory nor time.

A real loopback HTTP server answers every upload with a 500 whose declared body is 300 MB and
counts what it managed to send before hwb hung up.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from headless_wheel_builder.publish.http import MAX_ERROR_BODY, make_client

PACKAGES = Path(__file__).resolve().parents[1] / "packages"
DECLARED = 300 * 1024 * 1024
CHUNK = 256 * 1024


class _HugeErrorServer(ThreadingHTTPServer):
    daemon_threads = True
    sent: int = 0


class _Handler(BaseHTTPRequestHandler):
    server: _HugeErrorServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _huge_error(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        while length > 0:  # read the upload first, as a real registry would
            length -= len(self.rfile.read(min(length, 1 << 20)))
        self.send_response(500)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(DECLARED))
        self.end_headers()
        chunk = b"<p>Internal error</p>" + b"x" * (CHUNK - 21)
        try:
            for _ in range(DECLARED // CHUNK):
                self.wfile.write(chunk)
                self.server.sent += len(chunk)
        except OSError:  # the client hung up: what we want
            pass

    do_POST = _huge_error
    do_GET = _huge_error


@pytest.fixture
def huge_error_server() -> Iterator[_HugeErrorServer]:
    server = _HugeErrorServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _url(server: _HugeErrorServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/legacy/"


def test_an_error_body_is_cut_and_the_rest_never_downloaded(huge_error_server: _HugeErrorServer) -> None:
    with make_client() as client:
        response = client.post(_url(huge_error_server), content=b"payload")
    assert response.status_code == 500
    assert response.content.startswith(b"<p>Internal error</p>")
    assert len(response.content) == MAX_ERROR_BODY
    # The server could push at most what the socket buffers held before the client closed.
    assert huge_error_server.sent < 32 * 1024 * 1024, huge_error_server.sent


def test_hwb_publish_reports_the_server_error_without_reading_300_mb(
    hwb, huge_error_server: _HugeErrorServer, tmp_path: Path
) -> None:
    from headless_wheel_builder import api

    src = tmp_path / "tiny-backend"
    shutil.copytree(PACKAGES / "tiny-backend", src)
    dist = tmp_path / "dist"
    api.build(src, api.BuildOptions(outdir=dist, distributions=("wheel",)))
    result = hwb(
        "publish", dist, "-r", _url(huge_error_server), "--no-skip-existing", "--retries", "0",
        env={"HWB_PUBLISH_TOKEN": "pypi-" + "A" * 40},
        timeout=120,
    )  # fmt: skip
    assert result.code != 0
    assert "500" in result.stderr
    assert "Internal error" in result.stderr
    assert huge_error_server.sent < 64 * 1024 * 1024, huge_error_server.sent
