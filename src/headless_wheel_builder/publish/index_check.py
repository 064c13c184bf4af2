"""Skip-existing that works on every index: look the file up in the repository's simple index.

The project page is read as PEP 691 JSON when the index offers it, else as PEP 503 HTML.  Same
filename and same sha256 as the local file → nothing to upload; same filename with other bytes
→ a conflict naming both hashes.  An entry without a hash is downloaded and hashed.  The index
URL comes from ``--index-url``, a preset, PyPI's upload→index mapping, or is discovered among
the conventional places beside a bare upload URL (``<url>/simple/``, devpi's ``<url>/+simple/``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urljoin, urlsplit

from packaging.utils import canonicalize_name

from headless_wheel_builder._log import logger, redact
from headless_wheel_builder.errors import AuthenticationError, PublishError

if TYPE_CHECKING:
    import httpx

__all__ = ["IndexedFile", "SimpleIndex", "discover_index"]

ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"
_JSON_TYPE = "application/vnd.pypi.simple.v1+json"


@dataclass(frozen=True, kw_only=True)
class IndexedFile:
    filename: str
    url: str
    sha256: str | None


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None


def same_origin(a: str, b: str) -> bool:
    try:
        pa, pb = urlsplit(a), urlsplit(b)
        return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)
    except ValueError:  # a malformed host or port (from a server's redirect) is no origin of ours
        return False


class SimpleIndex:
    """A simple index read over ``client``; ``auth`` is sent only to the index's own host."""

    def __init__(self, url: str, client: httpx.Client, auth: tuple[str, str] | None = None) -> None:
        self.url = url if url.endswith("/") else url + "/"
        self.client = client
        self.auth = auth

    def files(self, project: str) -> dict[str, IndexedFile]:
        """Every file of ``project`` the index lists (empty when the project is unknown)."""
        page = f"{self.url}{canonicalize_name(project)}/"
        response = self._get_page(page)
        if response is None or response.status_code == 404:
            return {}
        if response.status_code in (401, 403):
            raise AuthenticationError(
                f"the index {redact(self.url)} refused to list {project} (HTTP {response.status_code})",
                why="hwb looks files up there before uploading, so a retried or repeated upload can "
                "never overwrite or duplicate a file",
                hint="give a credential that may read the index, set --index-url to a readable one, "
                "or pass --no-skip-existing",
            )
        if response.status_code != 200:
            raise PublishError(
                f"cannot read the index page {redact(page)} (HTTP {response.status_code})",
                hint="set --index-url to the repository's simple index, or pass --no-skip-existing",
            )
        content_type = response.headers.get("content-type", "").split(";")[0].strip()
        if content_type == _JSON_TYPE:
            return _json_files(response)
        return _html_files(response)

    def _get_page(self, page: str) -> httpx.Response | None:
        """The project page, following redirects within this index only (None: sent elsewhere)."""
        import httpx

        url = page
        for _ in range(5):
            try:
                response = self.client.get(url, headers={"Accept": ACCEPT}, auth=self.auth)
            except httpx.HTTPError as exc:
                raise PublishError(
                    f"cannot read the index page {redact(page)}",
                    why=redact(str(exc)) or type(exc).__name__,
                    hint="check the network, or set --index-url (or --no-skip-existing)",
                ) from exc
            if not response.is_redirect:
                break
            target = urljoin(url, response.headers.get("location", ""))
            if not same_origin(target, self.url):
                # e.g. pypiserver sends unknown projects to PyPI: not *this* index's files.
                logger.debug("%s redirects to %s: treated as absent", redact(url), redact(target))
                return None
            url = target
        return response

    def lookup(self, project: str, filename: str) -> str | None:
        """The sha256 of ``filename`` in the index, or ``None`` when it is not there."""
        entry = self.files(project).get(filename)
        if entry is None:
            return None
        if entry.sha256:
            return entry.sha256.lower()
        return self._download_sha256(entry)

    def _download_sha256(self, entry: IndexedFile) -> str:
        import httpx

        digest = hashlib.sha256()
        auth = self.auth if same_origin(entry.url, self.url) else None
        try:
            with self.client.stream("GET", entry.url, auth=auth, follow_redirects=True) as response:
                response.raise_for_status()
                for chunk in response.iter_bytes():
                    digest.update(chunk)
        except httpx.HTTPError as exc:
            raise PublishError(
                f"cannot download {entry.filename} from the index to compare it",
                why=redact(str(exc)),
                hint="set --index-url, or pass --no-skip-existing",
            ) from exc
        return digest.hexdigest()


def discover_index(candidates: list[str], client: httpx.Client, auth: tuple[str, str] | None) -> str | None:
    """The first of ``candidates`` that answers like a simple index (200, HTML or JSON).

    None when none does; AuthenticationError when none does and one refused the credential
    (401/403: a read-protected index and a wrong or missing password is not "no index")."""
    import httpx

    refused: list[tuple[str, int]] = []
    for candidate in candidates:
        try:
            response = client.get(candidate, headers={"Accept": ACCEPT}, auth=auth)
        except httpx.HTTPError as exc:
            if _untrusted_certificate(exc):  # every candidate is on this host: say so now
                raise PublishError(
                    f"the TLS certificate of {redact(candidate)} is not trusted",
                    why=redact(str(exc)),
                    hint="if the registry uses a private CA, pass its certificates with --ca-bundle "
                    "(or SSL_CERT_FILE); hwb never turns certificate checks off",
                ) from exc
            logger.debug("index candidate %s: %s", redact(candidate), exc)
            continue
        content_type = response.headers.get("content-type", "")
        if response.status_code == 200 and ("html" in content_type or "vnd.pypi.simple" in content_type):
            return candidate
        if response.status_code in (401, 403):
            refused.append((candidate, response.status_code))
        logger.debug("index candidate %s: HTTP %s %s", redact(candidate), response.status_code, content_type)
    if refused:
        url, status = refused[0]
        raise AuthenticationError(
            f"the index {redact(url)} refused the credential (HTTP {status})",
            why="the repository's simple index is read-protected and did not accept "
            + ("the credential given" if auth else "a request without a credential"),
            hint="check the username and password (or token) for this repository; hwb reads the "
            "index before uploading so that a file is never uploaded twice",
        )
    return None


def _untrusted_certificate(exc: BaseException) -> bool:
    """Whether a failed request failed on certificate verification (docs/SECURITY.md)."""
    import ssl

    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            break
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _json_files(response: httpx.Response) -> dict[str, IndexedFile]:
    base = str(response.url)
    found: dict[str, IndexedFile] = {}
    for entry in response.json().get("files", []):
        digest = (entry.get("hashes") or {}).get("sha256")
        found[entry["filename"]] = IndexedFile(
            filename=entry["filename"], url=urljoin(base, entry["url"]), sha256=digest
        )
    return found


def _html_files(response: httpx.Response) -> dict[str, IndexedFile]:
    base = str(response.url)
    found: dict[str, IndexedFile] = {}
    parser = _Anchors()
    parser.feed(response.text)
    for href, text in parser.links:
        url, fragment = urldefrag(urljoin(base, href))
        name = text or url.rstrip("/").rsplit("/", 1)[-1]
        digest = fragment[len("sha256=") :] if fragment.startswith("sha256=") else None
        found[name] = IndexedFile(filename=name, url=url, sha256=digest)
    return found
