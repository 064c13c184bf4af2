"""Small loopback HTTP fronts for the moto server, for what moto itself does not do.

- :class:`PolicyFront` forwards every S3 request to moto, logging it with its headers, and
  refuses — as S3 does for a bucket policy ``Deny s3:PutObject`` when
  ``s3:x-amz-server-side-encryption`` is not the required value — every object write
  (PutObject, CreateMultipartUpload) without that header: HTTP 403 ``AccessDenied``.  moto stores
  bucket policies but does not evaluate their conditions (moto/iam/access_control.py: "TODO add
  support for the Resource and Condition parts").
  With ``deny_delete`` it also refuses DeleteObject.
- :class:`WebsiteFront` serves one bucket prefix read-only as an S3 *website endpoint* does: a
  URL ending in ``/`` is answered with the object ``<path>index.html`` (the index document).
"""

from __future__ import annotations

import http.client
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}
_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied (bucket policy: unencrypted object uploads are denied)</Message></Error>"
)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 0


class _Front:
    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream).netloc
        self.seen: list[Seen] = []
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                front.handle(self)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _any

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> _Front:
        self.thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, request: BaseHTTPRequestHandler) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def forward(self, request: BaseHTTPRequestHandler, path: str, body: bytes | None) -> int:
        conn = http.client.HTTPConnection(self.upstream, timeout=60)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP | {"content-length"}}
        if body is not None:
            headers["Content-Length"] = str(len(body))
        try:
            conn.request(request.command, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            request.send_response(response.status)
            for key, value in response.getheaders():
                if key.lower() not in _HOP | {"content-length"}:
                    request.send_header(key, value)
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            if request.command != "HEAD":
                request.wfile.write(data)
            return response.status
        finally:
            conn.close()


def _body(request: BaseHTTPRequestHandler) -> bytes | None:
    if request.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int(request.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while request.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(request.rfile.read(size))
            request.rfile.readline()
    length = int(request.headers.get("Content-Length") or 0)
    return request.rfile.read(length) if length else (None if request.command in ("GET", "HEAD") else b"")


class PolicyFront(_Front):
    """moto behind a bucket policy that denies object writes without the required encryption."""

    def __init__(self, upstream: str, *, required: str | None, deny_delete: bool = False) -> None:
        super().__init__(upstream)
        self.required = required
        self.deny_delete = deny_delete
        """Also deny DeleteObject (a policy without ``s3:DeleteObject`` for the publisher)."""

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        body = _body(request)
        path = request.path
        headers = {k.lower(): v for k, v in request.headers.items()}
        denied = self.required is not None and self._object_write(request.command, path)
        denied = denied and headers.get("x-amz-server-side-encryption") != self.required
        if denied or (self.deny_delete and request.command == "DELETE"):
            self.seen.append(Seen(request.command, path, headers, 403))
            request.send_response(403)
            request.send_header("Content-Type", "application/xml")
            request.send_header("Content-Length", str(len(_DENIED)))
            request.end_headers()
            request.wfile.write(_DENIED)
            return
        status = self.forward(request, path, body)
        self.seen.append(Seen(request.command, path, headers, status))

    @staticmethod
    def _object_write(method: str, path: str) -> bool:
        """PutObject or CreateMultipartUpload (UploadPart carries no encryption header in S3)."""
        route, _, query = path.partition("?")
        is_object = route.strip("/").count("/") >= 1
        if not is_object:
            return False
        params = {p.split("=", 1)[0] for p in query.split("&") if p}
        if method == "PUT":
            return "partNumber" not in params and "uploadId" not in params
        return method == "POST" and "uploads" in params

    def writes(self) -> list[Seen]:
        """Every object write that reached moto."""
        return [s for s in self.seen if self._object_write(s.method, s.path) and s.status == 200]


class WebsiteFront(_Front):
    """A website endpoint for ``/<bucket>/<prefix>``: ``…/`` serves ``…/index.html``."""

    def __init__(self, upstream: str, root: str) -> None:
        super().__init__(upstream)
        self.root = "/" + root.strip("/")

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        if request.command not in ("GET", "HEAD"):
            request.send_response(405)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        route = request.path.split("?", 1)[0]
        if route.endswith("/"):
            route += "index.html"
        status = self.forward(request, self.root + route, None)
        self.seen.append(Seen(request.command, request.path, {}, status))
