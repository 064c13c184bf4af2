"""Real package servers on loopback for the publish tests: pypiserver (htpasswd auth), devpi-server
(a user and an index), and an HTTPS index of our own that implements Trusted Publishing
(PROTOCOLS.md §1), the upload API and a simple index, with faults on demand."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

BIN = Path(os.environ.get("VIRTUAL_ENV") or Path(__file__).resolve().parents[2] / ".venv") / "bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"{url} exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}"
            )
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not up after {timeout}s:\n{log.read_text(errors='replace')[-3000:]}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class Server:
    url: str
    username: str
    password: str
    index_url: str
    root: Path


@dataclass
class _Started:
    proc: subprocess.Popen[bytes]
    server: Server


def start_pypiserver(root: Path, *, authenticate: str = "update") -> Iterator[Server]:
    """``authenticate``: what needs the password (``update,download,list`` protects reading)."""
    packages = root / "packages"
    packages.mkdir(parents=True)
    # htpasswd's {SHA} scheme (read by passlib inside pypiserver).
    digest = base64.b64encode(hashlib.sha1(b"s3cret-pass").digest()).decode()
    (root / "htpasswd").write_text(f"alice:{{SHA}}{digest}\n")
    port = free_port()
    log = root / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                BIN / "pypi-server",
                "run",
                "-p",
                str(port),
                "-i",
                "127.0.0.1",
                "-P",
                root / "htpasswd",
                "-a",
                authenticate,
                "--disable-fallback",
                packages,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url + "simple/", proc, log)
        yield Server(
            url=url, username="alice", password="s3cret-pass", index_url=url + "simple/", root=packages
        )
    finally:
        stop(proc)


def start_devpi(root: Path) -> Iterator[Server]:
    serverdir, clientdir = root / "server", root / "client"
    env = {**os.environ, "DEVPI_SERVERDIR": str(serverdir)}
    subprocess.run(
        [BIN / "devpi-init", "--serverdir", serverdir, "--root-passwd", "rootpw", "--no-root-pypi"],
        check=True,
        capture_output=True,
        env=env,
    )
    port = free_port()
    log = root / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [BIN / "devpi-server", "--serverdir", serverdir, "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/+api", proc, log)

        def devpi(*args: str) -> None:
            subprocess.run(
                [BIN / "devpi", "--clientdir", clientdir, *args],
                check=True,
                capture_output=True,
                env={**os.environ, "PIP_CONFIG_FILE": os.devnull},
            )

        devpi("use", base)
        devpi("login", "root", "--password", "rootpw")
        devpi("user", "-c", "alice", "password=devpi-pass", "email=alice@example.invalid")
        devpi("login", "alice", "--password", "devpi-pass")
        devpi("index", "-c", "dev", "bases=", "volatile=False")
        url = f"{base}/alice/dev/"
        yield Server(
            url=url, username="alice", password="devpi-pass", index_url=url + "+simple/", root=serverdir
        )
    finally:
        stop(proc)


def pip_install(index_url: str, requirement: str, target: Path) -> subprocess.CompletedProcess[str]:
    """``pip install`` from ``index_url`` only: no user config, extra indexes or find-links."""
    import sys

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_INDEX_URL")
    }
    env["PIP_CONFIG_FILE"] = os.devnull
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--index-url",
            index_url,
            "--target",
            str(target),
            requirement,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


# --- the Trusted Publishing index ----------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class OidcIndex:
    """State of the loopback HTTPS index (see :class:`_Handler`)."""

    audience: str = "pypi"
    issuer: str = "https://token.actions.githubusercontent.com"
    publisher_repository: str = "hwb-dev/demo"
    request_token: str = "gh-request-token-0123456789"
    static_token: str | None = None
    key: Any = None
    files: dict[str, bytes] = field(default_factory=dict)
    upload_posts: int = 0
    used_jti: set[str] = field(default_factory=set)
    minted: set[str] = field(default_factory=set)
    faults: list[str] = field(default_factory=list)
    """Consumed one per upload POST: ``drop-after-store``, ``503``, ``drop-before-store``."""
    base: str = ""
    ca_path: Path | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def jwt(
        self,
        *,
        audience: str | None = None,
        repository: str | None = None,
        jti: str | None = None,
        key: Any = None,
        age: int = 0,
        issuer: str | None = None,
    ) -> str:
        import jwt as pyjwt

        now = int(time.time()) - age
        claims = {
            "iss": issuer or self.issuer,
            "aud": audience or self.audience,
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "jti": jti or os.urandom(8).hex(),
            "repository": repository or self.publisher_repository,
            "sub": f"repo:{repository or self.publisher_repository}:ref:refs/heads/main",
        }
        return pyjwt.encode(claims, key or self.key, algorithm="RS256")


def _error(code: str, description: str) -> tuple[int, dict[str, Any]]:
    return 422, {"message": "Token request failed", "errors": [{"code": code, "description": description}]}


class _Handler(BaseHTTPRequestHandler):
    index: OidcIndex
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(
        self, status: int, body: bytes | dict[str, Any], content_type: str = "application/json"
    ) -> None:
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        idx = self.index
        if parts.path == "/_/oidc/audience":
            self._send(200, {"audience": idx.audience})
        elif parts.path == "/github-oidc":
            if self.headers.get("Authorization") != f"bearer {idx.request_token}":
                self._send(403, {"message": "bad request token"})
                return
            query = parse_qs(parts.query)
            self._send(200, {"count": 1, "value": idx.jwt(audience=query["audience"][0])})
        elif parts.path.startswith("/simple/"):
            project = parts.path.split("/")[2]
            if not project:
                self._send(200, b"<!DOCTYPE html><html><body></body></html>", "text/html")
                return
            links = "".join(
                f'<a href="/files/{name}#sha256={hashlib.sha256(data).hexdigest()}">{name}</a>\n'
                for name, data in sorted(idx.files.items())
                if _project_of(name) == canonicalize_name(project)
            )
            if not links:
                self._send(404, b"not found", "text/html")
            else:
                self._send(200, f"<!DOCTYPE html><html><body>{links}</body></html>".encode(), "text/html")
        else:
            self._send(404, {"message": "not found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        path = urlsplit(self.path).path
        if path == "/_/oidc/mint-token":
            status, answer = self._mint(body)
            self._send(status, answer)
        elif path == "/legacy/":
            self._upload(body)
        else:
            self._send(404, {"message": "not found"})

    def _mint(self, body: bytes) -> tuple[int, dict[str, Any]]:
        import jwt as pyjwt

        idx = self.index
        try:
            token = json.loads(body)["token"]
            header = pyjwt.get_unverified_header(token)
            claims = pyjwt.decode(token, options={"verify_signature": False})
        except (ValueError, KeyError, TypeError, pyjwt.PyJWTError):
            return _error("invalid-payload", "malformed token")
        if claims.get("iss") != idx.issuer or header.get("alg") != "RS256":
            return _error("invalid-payload", "unknown issuer")
        try:
            claims = pyjwt.decode(
                token, idx.key.public_key(), algorithms=["RS256"], audience=idx.audience, issuer=idx.issuer
            )
        except pyjwt.PyJWTError as exc:
            return _error("invalid-token", f"Could not verify the token: {type(exc).__name__}")
        with idx.lock:
            if claims["jti"] in idx.used_jti:
                return _error("invalid-reuse-token", "invalid token: already used")
            idx.used_jti.add(claims["jti"])
        if claims.get("repository") != idx.publisher_repository:
            return _error("invalid-publisher", "valid token, but no corresponding publisher")
        minted = "pypi-" + _b64(os.urandom(24))
        idx.minted.add(minted)
        return 200, {"success": True, "token": minted, "expires": int(time.time()) + 900}

    def _upload(self, body: bytes) -> None:
        idx = self.index
        auth = self.headers.get("Authorization", "")
        user, _, password = (
            base64.b64decode(auth[6:] or b"").decode().partition(":")
            if auth.startswith("Basic ")
            else ("", "", "")
        )
        if user != "__token__" or (password not in idx.minted and password != idx.static_token):
            self._send(403, {"message": "Invalid or non-existent authentication information."})
            return
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body
        )
        fields: dict[str, list[str]] = {}
        content: bytes | None = None
        filename = ""
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name == "content":
                content = part.get_payload(decode=True)
                filename = part.get_filename() or ""
            else:
                fields.setdefault(str(name), []).append(part.get_content())
        assert content is not None
        if hashlib.sha256(content).hexdigest() != fields["sha256_digest"][0]:
            self._send(400, {"message": "digest mismatch"})
            return
        with idx.lock:
            idx.upload_posts += 1
            fault = idx.faults.pop(0) if idx.faults else None
            if fault == "503":
                self._send(503, {"message": "try later"})
                return
            if fault == "drop-before-store":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if filename in idx.files and idx.files[filename] != content:
                self._send(400, {"message": f"File already exists ({filename!r})"})
                return
            idx.files[filename] = content
            idx.last_fields = fields  # type: ignore[attr-defined]
        if fault == "drop-after-store":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(200, {"message": "OK"})


def start_oidc_index(root: Path) -> Iterator[OidcIndex]:
    import trustme
    from cryptography.hazmat.primitives.asymmetric import rsa

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ca_path = root / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    idx = OidcIndex(key=rsa.generate_private_key(public_exponent=65537, key_size=2048), ca_path=ca_path)
    handler = type("Handler", (_Handler,), {"index": idx})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    idx.base = f"https://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield idx
    finally:
        httpd.shutdown()
        httpd.server_close()


def _project_of(filename: str) -> str | None:
    """The canonical project name of a wheel or sdist filename (None for anything else)."""
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[0]
        return parse_sdist_filename(filename)[0]
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None


@dataclass
class RefusingProxy:
    """A loopback HTTP proxy in front of a real registry: every request passes through, except
    uploads of files whose name ends with one of ``refuse`` — those get a 400 answer, as a
    registry gives for a file it will not take (not retryable), and are listed in ``refused``."""

    upstream: str
    url: str = ""
    refuse: set[str] = field(default_factory=set)
    refused: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)


_FILENAME = re.compile(rb'name="content"; filename="([^"]+)"')


class _ProxyHandler(BaseHTTPRequestHandler):
    proxy: RefusingProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _relay(self, method: str, body: bytes | None) -> None:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        answer = httpx.request(
            method, self.proxy.upstream.rstrip("/") + self.path, headers=headers, content=body, timeout=60
        )
        self.send_response(answer.status_code)
        for key, value in answer.headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def do_GET(self) -> None:
        self._relay("GET", None)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        match = _FILENAME.search(body)
        name = match[1].decode() if match else ""
        if name and any(name.endswith(suffix) for suffix in self.proxy.refuse):
            self.proxy.refused.append(name)
            data = b"400 Bad Request: refused by the test proxy"
            self.send_response(400, "Refused by the test proxy")
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if name:
            self.proxy.passed.append(name)
        self._relay("POST", body)


def start_refusing_proxy(upstream: str) -> Iterator[RefusingProxy]:
    proxy = RefusingProxy(upstream=upstream)
    handler = type("ProxyHandler", (_ProxyHandler,), {"proxy": proxy})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    proxy.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        httpd.shutdown()
        httpd.server_close()
