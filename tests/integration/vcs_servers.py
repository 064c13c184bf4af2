"""Loopback servers that speak GitHub's and GitLab's REST APIs for releases, as far as hwb uses
them, with faults on demand.

GitHub (REST API 2022-11-28): get a release by tag (published only, as GitHub does), list
releases (drafts included), create, update (``PATCH``: draft, prerelease, make_latest), list a
release's assets (with the ``digest`` field ``sha256:…`` unless ``digests=False``, as older
GitHub Enterprise servers), upload to the ``upload_url`` the release carries (URI template
``{?name,label}``; 422 ``already_exists`` for a name that is there), download an asset
(``Accept: application/octet-stream`` → 302 to a download URL that needs no token).

GitLab (API v4): get a release by tag, create one, generic package files (``PUT``/``GET
/projects/:id/packages/generic/:name/:version/:file``), release links (``POST
…/releases/:tag/assets/links``; 400 when the name is taken).  ``JOB-TOKEN`` or ``PRIVATE-TOKEN``.

Faults: :meth:`_Server.fail` makes requests whose method and path (with query) match answer a
status (``times`` times, or until :meth:`_Server.heal`), with headers such as ``Retry-After``.
Every request is recorded (method, path, headers) for the tests to inspect."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

TOKEN = "hwb-test-token-5f2c9e81d7a4"


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int | None
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class _Server:
    token: str = TOKEN
    url: str = ""
    requests: list[Request] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def fail(
        self,
        method: str,
        pattern: str,
        status: int,
        *,
        times: int | None = 1,
        headers: dict[str, str] | None = None,
        message: str = "injected fault",
    ) -> None:
        """Requests ``method`` whose path (with query) matches ``pattern`` answer ``status``
        the next ``times`` times (None: until :meth:`heal`)."""
        self.faults.append(
            Fault(method, re.compile(pattern), status, times, headers or {}, {"message": message})
        )

    def heal(self) -> None:
        self.faults.clear()

    def fault_for(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method == method and fault.pattern.search(path):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.faults.remove(fault)
                    return fault
        return None

    def changes(self) -> list[Request]:
        """The requests that may change something (not GET/HEAD)."""
        return [r for r in self.requests if r.method not in ("GET", "HEAD")]

    def authorized(self, headers: dict[str, str]) -> bool:
        raise NotImplementedError

    def route(self, handler: _Handler, method: str, body: bytes) -> None:
        raise NotImplementedError


class _Handler(BaseHTTPRequestHandler):
    server_state: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send(
        self,
        status: int,
        body: bytes | dict[str, Any] | list[Any],
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        state = self.server_state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        with state.lock:
            state.requests.append(Request(method, self.path, headers))
        fault = state.fault_for(method, self.path)
        if fault is not None:
            self.send(fault.status, fault.body, fault.headers)
            return
        if not self.path.startswith("/download/") and not state.authorized(headers):
            self.send(401, {"message": "Bad credentials"})
            return
        state.route(self, method, body)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_PUT(self) -> None:
        self._handle("PUT")


@contextmanager
def _serving(state: _Server) -> Iterator[str]:
    """Serve ``state`` on a loopback port; yield its URL."""
    handler = type("Handler", (_Handler,), {"server_state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


# --- GitHub ---------------------------------------------------------------------------------


@dataclass
class GitHubServer(_Server):
    repository: str = "octo/demo"
    downloads: str = ""
    """Another origin (a second port) that serves the files, as GitHub's object storage does."""
    digests: bool = True
    """Assets carry ``digest`` (GitHub since 2025); False: hwb must download to compare."""
    lost: set[str] = field(default_factory=set)
    """Asset names whose first upload lands but is answered 502 (the answer lost on the way)."""
    releases: dict[int, dict[str, Any]] = field(default_factory=dict)
    assets: dict[int, dict[str, Any]] = field(default_factory=dict)
    data: dict[int, bytes] = field(default_factory=dict)

    def authorized(self, headers: dict[str, str]) -> bool:
        return headers.get("authorization") == f"Bearer {self.token}"

    def release(self, tag: str) -> dict[str, Any] | None:
        return next((r for r in self.releases.values() if r["tag_name"] == tag), None)

    def files(self, tag: str) -> dict[str, bytes]:
        """The assets of ``tag``'s release: name → bytes."""
        found = self.release(tag)
        assert found is not None, f"no release {tag}"
        return {a["name"]: self.data[a["id"]] for a in self.assets.values() if a["release_id"] == found["id"]}

    def _public(self, asset: dict[str, Any]) -> dict[str, Any]:
        shown = {k: v for k, v in asset.items() if k != "release_id"}
        if not self.digests:
            shown.pop("digest")
        return shown

    def route(self, h: _Handler, method: str, body: bytes) -> None:
        parts = urlsplit(h.path)
        path, query = unquote(parts.path), parse_qs(parts.query)
        base = f"/repos/{self.repository}/releases"
        if method == "GET" and path.startswith(f"{base}/tags/"):
            found = self.release(path[len(f"{base}/tags/") :])
            if found is None or found["draft"]:
                h.send(404, {"message": "Not Found"})
            else:
                h.send(200, found)
        elif method == "GET" and path == base:
            page, per = int(query.get("page", ["1"])[0]), int(query.get("per_page", ["30"])[0])
            listed = sorted(self.releases.values(), key=lambda r: -r["id"])
            h.send(200, listed[(page - 1) * per : page * per])
        elif method == "POST" and path == base:
            self._create(h, json.loads(body))
        elif method == "PATCH" and re.fullmatch(rf"{base}/\d+", path):
            found = self.releases[int(path.rsplit("/", 1)[1])]
            found.update(json.loads(body))
            h.send(200, found)
        elif method == "GET" and re.fullmatch(rf"{base}/\d+/assets", path):
            rid = int(path.split("/")[-2])
            mine = [self._public(a) for a in self.assets.values() if a["release_id"] == rid]
            page, per = int(query.get("page", ["1"])[0]), int(query.get("per_page", ["30"])[0])
            h.send(200, mine[(page - 1) * per : page * per])
        elif method == "POST" and re.fullmatch(rf"/uploads{base}/\d+/assets", path):
            self._upload(h, int(path.split("/")[-2]), query["name"][0], body)
        elif method == "GET" and re.fullmatch(rf"{base}/assets/\d+", path):
            h.send(302, b"", {"Location": f"{self.downloads}/download/{path.rsplit('/', 1)[1]}"})
        elif method == "GET" and path.startswith("/download/"):
            h.send(200, self.data[int(path.rsplit("/", 1)[1])], content_type="application/octet-stream")
        else:
            h.send(404, {"message": "Not Found"})

    def _create(self, h: _Handler, doc: dict[str, Any]) -> None:
        if self.release(doc["tag_name"]) is not None:
            h.send(
                422,
                {"message": "Validation Failed", "errors": [{"code": "already_exists", "field": "tag_name"}]},
            )
            return
        rid = next(self.ids)
        self.releases[rid] = {
            "id": rid,
            "tag_name": doc["tag_name"],
            "target_commitish": doc.get("target_commitish"),
            "name": doc.get("name"),
            "body": doc.get("body"),
            "draft": bool(doc.get("draft")),
            "prerelease": bool(doc.get("prerelease")),
            "make_latest": doc.get("make_latest"),
            "html_url": f"{self.url}/{self.repository}/releases/tag/{doc['tag_name']}",
            "upload_url": f"{self.url}/uploads/repos/{self.repository}/releases/{rid}/assets{{?name,label}}",
        }
        h.send(201, self.releases[rid])

    def _upload(self, h: _Handler, rid: int, name: str, body: bytes) -> None:
        if any(a["release_id"] == rid and a["name"] == name for a in self.assets.values()):
            h.send(
                422, {"message": "Validation Failed", "errors": [{"code": "already_exists", "field": "name"}]}
            )
            return
        aid = next(self.ids)
        self.data[aid] = body
        self.assets[aid] = {
            "id": aid,
            "release_id": rid,
            "name": name,
            "size": len(body),
            "digest": f"sha256:{hashlib.sha256(body).hexdigest()}",
            "url": f"{self.url}/repos/{self.repository}/releases/assets/{aid}",
            "browser_download_url": f"{self.downloads}/download/{aid}",
        }
        if name in self.lost:
            self.lost.discard(name)
            h.send(502, {"message": "Bad Gateway"})
            return
        h.send(201, self._public(self.assets[aid]))


@contextmanager
def github_server(**kwargs: Any) -> Iterator[GitHubServer]:
    state = GitHubServer(**kwargs)
    with _serving(state) as url, _serving(state) as downloads:
        state.url, state.downloads = url, downloads
        yield state


# --- GitLab ---------------------------------------------------------------------------------


@dataclass
class GitLabServer(_Server):
    project_id: str = "42"
    releases: dict[str, dict[str, Any]] = field(default_factory=dict)
    packages: dict[tuple[str, str, str], bytes] = field(default_factory=dict)
    lost: set[str] = field(default_factory=set)
    """Link names whose first link request lands but is answered 502."""

    def authorized(self, headers: dict[str, str]) -> bool:
        return self.token in (headers.get("job-token"), headers.get("private-token"))

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/v4"

    def files(self, tag: str) -> dict[str, bytes]:
        """The files the release of ``tag`` links: name → the bytes behind the link."""
        links = self.releases[tag]["assets"]["links"]
        out = {}
        for link in links:
            match = re.search(r"/packages/generic/([^/]+)/([^/]+)/([^/?]+)$", unquote(link["url"]))
            assert match, link["url"]
            out[link["name"]] = self.packages[(match[1], match[2], match[3])]
        return out

    def route(self, h: _Handler, method: str, body: bytes) -> None:
        path = unquote(urlsplit(h.path).path)
        base = f"/api/v4/projects/{self.project_id}"
        generic = re.fullmatch(rf"{base}/packages/generic/([^/]+)/([^/]+)/([^/]+)", path)
        links = re.fullmatch(rf"{base}/releases/(.+)/assets/links", path)
        if method == "GET" and path.startswith(f"{base}/releases/") and not links:
            found = self.releases.get(path[len(f"{base}/releases/") :])
            h.send(200, found) if found else h.send(404, {"message": "404 Not Found"})
        elif method == "POST" and path == f"{base}/releases":
            self._create(h, json.loads(body))
        elif generic and method == "PUT":
            self.packages[(generic[1], generic[2], generic[3])] = body
            h.send(201, {"message": "201 Created"})
        elif generic and method == "GET":
            data = self.packages.get((generic[1], generic[2], generic[3]))
            h.send(200, data, content_type="application/octet-stream") if data is not None else h.send(
                404, {"message": "404 Not Found"}
            )
        elif links and method == "POST":
            self._link(h, links[1], json.loads(body))
        else:
            h.send(404, {"message": "404 Not Found"})

    def _create(self, h: _Handler, doc: dict[str, Any]) -> None:
        tag = doc["tag_name"]
        if tag in self.releases:
            h.send(409, {"message": "Release already exists"})
            return
        self.releases[tag] = {
            "tag_name": tag,
            "name": doc.get("name"),
            "description": doc.get("description"),
            "ref": doc.get("ref"),
            "assets": {"links": []},
            "_links": {"self": f"{self.url}/group/demo/-/releases/{tag}"},
        }
        h.send(201, self.releases[tag])

    def _link(self, h: _Handler, tag: str, doc: dict[str, Any]) -> None:
        release = self.releases.get(tag)
        if release is None:
            h.send(404, {"message": "404 Not Found"})
            return
        if any(link["name"] == doc["name"] for link in release["assets"]["links"]):
            h.send(400, {"message": {"name": ["has already been taken"]}})
            return
        link = {
            "id": next(self.ids),
            "name": doc["name"],
            "url": doc["url"],
            "link_type": doc.get("link_type"),
        }
        release["assets"]["links"].append(link)
        if doc["name"] in self.lost:
            self.lost.discard(doc["name"])
            h.send(502, {"message": "502 Bad Gateway"})
            return
        h.send(201, link)


@contextmanager
def gitlab_server(**kwargs: Any) -> Iterator[GitLabServer]:
    state = GitLabServer(**kwargs)
    with _serving(state) as url:
        state.url = url
        yield state
