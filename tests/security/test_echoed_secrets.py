"""A registry that echoes the password back does not get it printed, whatever the password's
source (issue 16, family 5): ~/.pypirc, the environment, the URL's userinfo.  The passwords here
have no token shape and their variables no secret-sounding name, so only hwb's knowing them can
hide them.  A real loopback server answers every upload 403 with the credential in its body."""

from __future__ import annotations

import base64
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

PACKAGES = Path(__file__).resolve().parents[1] / "packages"
PASSWORD = "correct-horse-battery"


class _Echo(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        auth = self.headers.get("Authorization", "")
        creds = base64.b64decode(auth.split()[-1]).decode() if auth.startswith("Basic ") else "none"
        body = f"<h1>403 Forbidden</h1><p>Invalid or non-existent authentication: {creds}</p>".encode()
        self.send_response(403, f"Invalid credentials {creds}")
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def echo_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/legacy/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def wheel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from headless_wheel_builder import api

    src = tmp_path_factory.mktemp("src") / "tiny-backend"
    shutil.copytree(PACKAGES / "tiny-backend", src)
    out = tmp_path_factory.mktemp("dist")
    api.build(src, api.BuildOptions(outdir=out, distributions=("wheel",)))
    return out


@pytest.mark.parametrize("source", ["pypirc", "environment", "url"])
def test_an_echoed_password_is_hidden(
    hwb, echo_url: str, wheel_dir: Path, tmp_path: Path, source: str
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env: dict[str, str | None] = {"HOME": str(home), "HWB_PYPIRC": None, "HWB_PUBLISH_TOKEN": None}
    target = echo_url
    if source == "pypirc":
        (home / ".pypirc").write_text(
            f"[distutils]\nindex-servers = echo\n\n[echo]\nrepository = {echo_url}\n"
            f"username = alice\npassword = {PASSWORD}\n"
        )
        (home / ".pypirc").chmod(0o600)  # found by its repository URL
    elif source == "environment":
        env.update({"HWB_PUBLISH_USERNAME": "alice", "HWB_PUBLISH_PASSWORD": PASSWORD})
    else:
        target = echo_url.replace("http://", f"http://alice:{PASSWORD}@")
    for output in ("--json", "-v"):
        result = hwb(
            "publish", wheel_dir, "-r", target, "--no-skip-existing", "--retries", "0", output, env=env
        )
        assert result.code == 61, result.stderr  # the registry refused the credential
        assert "Invalid credentials alice:***" in result.stdout + result.stderr  # shown, hidden
        assert PASSWORD not in result.stdout + result.stderr
