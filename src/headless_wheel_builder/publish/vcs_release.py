"""GitHub and GitLab Releases: the release of a tag with its notes and files, made safe to run
again (docs/RELEASES.md).

:func:`publish_release` finds the tag's release or creates it, then uploads only the files it
lacks; a file of the same name must have the same bytes (else :class:`FileConflictError`
naming both sha256).  On GitHub a new release is created as a draft, filled, then published
(``PATCH draft=false``), so nobody sees it half-done and a rerun finds the draft again.  On
GitLab the files go to the project's generic package registry and the release links them.
A failure part-way names the files left undone (``details``) for the caller's hint."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from headless_wheel_builder._log import logger, printable
from headless_wheel_builder.errors import FileConflictError, HwbError, UploadError
from headless_wheel_builder.publish.http import make_client
from headless_wheel_builder.publish.retry import RetryPolicy
from headless_wheel_builder.publish.vcs_api import Api, HostTarget, encoded, message_of

if TYPE_CHECKING:
    import httpx

__all__ = ["ReleaseAsset", "VcsRelease", "VcsReleaseReport", "publish_release"]


@dataclass(frozen=True, kw_only=True)
class ReleaseAsset:
    """One file of a release: a file on disk, or ``data`` made in memory (``SHA256SUMS``)."""

    name: str
    sha256: str
    path: Path | None = None
    data: bytes | None = field(default=None, repr=False)

    @classmethod
    def of_file(cls, path: Path) -> ReleaseAsset:
        return cls(name=path.name, sha256=hashlib.sha256(path.read_bytes()).hexdigest(), path=path)

    @classmethod
    def of_bytes(cls, name: str, data: bytes) -> ReleaseAsset:
        return cls(name=name, sha256=hashlib.sha256(data).hexdigest(), data=data)

    def content(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path.read_bytes()


@dataclass(frozen=True, kw_only=True)
class VcsRelease:
    """What the release of one tag should be."""

    tag: str
    commit: str | None
    """The commit the tag points at (GitHub/GitLab create the tag there if it is missing)."""
    title: str
    notes: str
    prerelease: bool
    latest: bool
    """Mark it the repository's latest release (GitHub ``make_latest``)."""
    package: str
    """The package name (GitLab's generic package that holds the files)."""
    version: str
    assets: tuple[ReleaseAsset, ...]


@dataclass(frozen=True, kw_only=True)
class VcsReleaseReport:
    """What one tag's release became: made or found, which files went up, which were there."""

    host: str
    project: str
    tag: str
    url: str | None
    created: bool
    published: bool
    """GitHub: a draft (new, or left by an interrupted run) was published now."""
    prerelease: bool
    latest: bool
    """Marked latest by this call (GitHub, when it publishes the release; an existing
    release's flag is left as it is)."""
    uploaded: tuple[str, ...]
    present: tuple[str, ...]
    """Files already on the release, byte-identical (skipped)."""

    @property
    def changed(self) -> bool:
        return self.created or self.published or bool(self.uploaded)

    def to_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "project": self.project,
            "tag": self.tag,
            "url": self.url,
            "created": self.created,
            "published": self.published,
            "prerelease": self.prerelease,
            "latest": self.latest,
            "uploaded": list(self.uploaded),
            "present": list(self.present),
        }

    def summary(self) -> str:
        made = (
            "created" if self.created else ("found as a draft and published" if self.published else "found")
        )
        files = f"{len(self.uploaded)} file(s) uploaded, {len(self.present)} already there"
        flags = " (pre-release)" if self.prerelease else (" (latest)" if self.latest else "")
        return f"{self.host} release {self.tag}{flags} {made}: {files}" + (
            f" — {self.url}" if self.url else ""
        )


def publish_release(
    target: HostTarget,
    release: VcsRelease,
    *,
    retries: int = 5,
    backoff: float = 1.0,
    timeout: float = 300.0,
    ca_bundle: Path | None = None,
) -> VcsReleaseReport:
    """Make ``release`` exist on ``target``'s host, complete and unchanged where it already was."""
    with make_client(ca_bundle=ca_bundle, timeout=timeout) as client:
        api = Api(client=client, target=target, policy=RetryPolicy(retries=retries, base=backoff))
        host = _GitHub(api, release) if target.host == "github" else _GitLab(api, release)
        return host.run()


def _conflict(api: Api, release: VcsRelease, asset: ReleaseAsset, there: str) -> FileConflictError:
    return FileConflictError(
        f"{asset.name} on the {api.target.host} release {release.tag} differs from the local file",
        why=f"there: sha256:{there}; here: sha256:{asset.sha256}",
        hint="a release's file is never replaced: if the one there is wrong, delete it on "
        f"{api.target.host} and run again; otherwise release a new version",
    )


def _left_undone(exc: HwbError, names: Sequence[str]) -> None:
    left = f"not uploaded yet: {', '.join(names)}"
    exc.details = f"{exc.details}\n{left}" if exc.details else left


class _Host:
    def __init__(self, api: Api, release: VcsRelease) -> None:
        self.api = api
        self.release = release

    def fetch_sha256(self, url: str, *, accept: str = "application/octet-stream") -> str:
        """Download ``url`` (following up to 5 redirects; the token goes only to the API's own
        origin) and hash it."""
        origin = urlsplit(self.api.target.api_url)[:2]
        for _ in range(6):
            same = urlsplit(url)[:2] == origin
            if same:
                response = self.api.call(
                    "GET",
                    url,
                    expect=(200, 301, 302, 303, 307, 308),
                    what=f"downloading {url}",
                    headers_extra={"Accept": accept},
                )
            else:
                response = self.api.client.get(url)
            if response.status_code == 200:
                return hashlib.sha256(response.content).hexdigest()
            url = response.headers.get("location", "")
        raise UploadError(f"cannot download {printable(url)} to compare it", why="too many redirects")

    def upload_all(
        self, present: dict[str, str | None], upload: Callable[[ReleaseAsset], bool]
    ) -> tuple[list[str], list[str]]:
        """Upload the assets missing from ``present`` (name → sha256 there, None: unknown yet)."""
        uploaded: list[str] = []
        skipped: list[str] = []
        todo = list(self.release.assets)
        while todo:
            asset = todo[0]
            try:
                if asset.name in present:
                    self.same(asset, present[asset.name])
                    skipped.append(asset.name)
                elif upload(asset):
                    uploaded.append(asset.name)
                else:
                    skipped.append(asset.name)
            except HwbError as exc:
                _left_undone(exc, [a.name for a in todo])
                raise
            todo.pop(0)
        return uploaded, skipped

    def same(self, asset: ReleaseAsset, there: str | None) -> None:
        raise NotImplementedError


class _GitHub(_Host):
    """GitHub's REST API (``X-GitHub-Api-Version: 2022-11-28``)."""

    def run(self) -> VcsReleaseReport:
        api, release = self.api, self.release
        doc = self._find()
        created = doc is None
        if doc is None:
            doc = self._json(
                api.call(
                    "POST",
                    api.url(f"/repos/{api.target.project}/releases"),
                    expect=(201,),
                    what=f"creating the release {release.tag}",
                    json={
                        "tag_name": release.tag,
                        "name": release.title,
                        "body": release.notes,
                        "draft": True,
                        "prerelease": release.prerelease,
                        **({"target_commitish": release.commit} if release.commit else {}),
                    },
                )
            )
        self.doc = doc
        self.assets = self._assets()
        present: dict[str, str | None] = {name: self._digest(a) for name, a in self.assets.items()}
        uploaded, skipped = self.upload_all(present, self._upload)
        published = bool(doc.get("draft"))
        if published:
            doc = self._json(
                api.call(
                    "PATCH",
                    api.url(f"/repos/{api.target.project}/releases/{doc['id']}"),
                    what=f"publishing the release {release.tag}",
                    expect=(200,),
                    json={
                        "draft": False,
                        "prerelease": release.prerelease,
                        "make_latest": "true" if release.latest and not release.prerelease else "false",
                    },
                )
            )
        return VcsReleaseReport(
            host="github",
            project=api.target.project,
            tag=release.tag,
            url=doc.get("html_url"),
            created=created,
            published=published,
            prerelease=bool(doc.get("prerelease")),
            latest=published and release.latest and not release.prerelease,
            uploaded=tuple(uploaded),
            present=tuple(skipped),
        )

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        doc = response.json()
        if not isinstance(doc, dict):
            raise UploadError(
                "GitHub answered with something that is not a release", why=printable(str(doc)[:200])
            )
        return doc

    def _find(self) -> dict[str, Any] | None:
        """The tag's release: published (by tag), else a draft an earlier run left (drafts are
        found only in the list)."""
        api, tag = self.api, self.release.tag
        base = f"/repos/{api.target.project}/releases"
        found = api.call(
            "GET",
            api.url(f"{base}/tags/{encoded(tag)}"),
            expect=(200, 404),
            what=f"looking up the release {tag}",
        )
        if found.status_code == 200:
            return self._json(found)
        page = 1
        while True:
            listed = api.call(
                "GET",
                api.url(base),
                expect=(200,),
                what="listing releases",
                params={"per_page": 100, "page": page},
            ).json()
            for doc in listed if isinstance(listed, list) else []:
                if isinstance(doc, dict) and doc.get("tag_name") == tag and doc.get("draft"):
                    return doc
            if not isinstance(listed, list) or len(listed) < 100 or page >= 10:
                return None
            page += 1

    def _assets(self) -> dict[str, dict[str, Any]]:
        api = self.api
        url = api.url(f"/repos/{api.target.project}/releases/{self.doc['id']}/assets")
        found: dict[str, dict[str, Any]] = {}
        for page in range(1, 11):
            listed = api.call(
                "GET",
                url,
                expect=(200,),
                what=f"listing the files of {self.release.tag}",
                params={"per_page": 100, "page": page},
            ).json()
            found.update({a["name"]: a for a in listed if isinstance(a, dict) and "name" in a})
            if len(listed) < 100:
                break
        return found

    @staticmethod
    def _digest(asset: dict[str, Any]) -> str | None:
        digest = asset.get("digest")
        return (
            digest.removeprefix("sha256:")
            if isinstance(digest, str) and digest.startswith("sha256:")
            else None
        )

    def same(self, asset: ReleaseAsset, there: str | None) -> None:
        if there is None:
            there = self.fetch_sha256(str(self.assets[asset.name]["url"]))
        if there != asset.sha256:
            raise _conflict(self.api, self.release, asset, there)

    def _upload(self, asset: ReleaseAsset) -> bool:
        """Upload ``asset``; False when GitHub says it is there already (422) and identical."""
        template = str(self.doc.get("upload_url") or "")
        url = re.sub(r"\{[^}]*\}$", "", template)
        response = self.api.call(
            "POST",
            url,
            expect=(201, 422),
            what=f"uploading {asset.name}",
            params={"name": asset.name},
            content=asset.content(),
            headers_extra={"Content-Type": "application/octet-stream"},
        )
        if response.status_code == 201:
            return True
        self.assets = self._assets()  # 422: a file of that name exists (an earlier attempt landed)
        if asset.name not in self.assets:
            raise UploadError(f"GitHub refused {asset.name} (HTTP 422)", why=printable(response.text[:300]))
        self.same(asset, self._digest(self.assets[asset.name]))
        return False


class _GitLab(_Host):
    """GitLab's Releases API; files in the generic package registry, linked from the release."""

    def run(self) -> VcsReleaseReport:
        api, release = self.api, self.release
        self.base = api.url(f"/projects/{encoded(api.target.project)}")
        tag_url = f"{self.base}/releases/{encoded(release.tag)}"
        found = api.call("GET", tag_url, expect=(200, 404), what=f"looking up the release {release.tag}")
        created = found.status_code == 404
        if created:
            title = release.title + (" (pre-release)" if release.prerelease else "")
            body = {
                "tag_name": release.tag,
                "name": title,
                "description": release.notes,
                **({"ref": release.commit} if release.commit else {}),
            }
            found = api.call(
                "POST",
                f"{self.base}/releases",
                expect=(201,),
                json=body,
                what=f"creating the release {release.tag}",
            )
        doc = found.json()
        links = (doc.get("assets") or {}).get("links") or [] if isinstance(doc, dict) else []
        self.links = {str(link["name"]): str(link["url"]) for link in links if isinstance(link, dict)}
        uploaded, skipped = self.upload_all(dict.fromkeys(self.links), self._upload)
        url = ((doc.get("_links") or {}).get("self")) if isinstance(doc, dict) else None
        return VcsReleaseReport(
            host="gitlab",
            project=api.target.project,
            tag=release.tag,
            url=url,
            created=created,
            published=False,
            prerelease=release.prerelease,
            latest=False,
            uploaded=tuple(uploaded),
            present=tuple(skipped),
        )

    def same(self, asset: ReleaseAsset, there: str | None) -> None:
        there = there or self.fetch_sha256(self.links[asset.name], accept="*/*")
        if there != asset.sha256:
            raise _conflict(self.api, self.release, asset, there)

    def _upload(self, asset: ReleaseAsset) -> bool:
        """Put the file into the generic package (unless it is there, identical), then link it."""
        release = self.release
        file_url = (
            f"{self.base}/packages/generic/{encoded(release.package)}/{encoded(release.version)}/"
            f"{encoded(asset.name)}"
        )
        exists = self.api.call("GET", file_url, expect=(200, 404), what=f"looking up {asset.name}")
        if exists.status_code == 200:
            there = hashlib.sha256(exists.content).hexdigest()
            if there != asset.sha256:
                raise _conflict(self.api, release, asset, there)
        else:
            self.api.call(
                "PUT", file_url, expect=(200, 201), what=f"uploading {asset.name}", content=asset.content()
            )
        linked = self.api.call(
            "POST",
            f"{self.base}/releases/{encoded(release.tag)}/assets/links",
            expect=(200, 201, 400, 409, 422),
            what=f"linking {asset.name}",
            json={"name": asset.name, "url": file_url, "link_type": "package"},
        )
        if linked.status_code >= 400:
            self._linked_already(asset, linked)
        logger.debug("linked %s to the GitLab release %s", asset.name, release.tag)
        return True

    def _linked_already(self, asset: ReleaseAsset, refused: httpx.Response) -> None:
        """A refused link: fine when a link of that name is there (an earlier attempt landed)
        and its file is the same."""
        tag = self.release.tag
        doc = self.api.call(
            "GET", f"{self.base}/releases/{encoded(tag)}", expect=(200,), what=f"reading {tag}"
        )
        links = ((doc.json() or {}).get("assets") or {}).get("links") or []
        self.links = {str(link["name"]): str(link["url"]) for link in links if isinstance(link, dict)}
        if asset.name not in self.links:
            raise UploadError(
                f"GitLab refused to link {asset.name} to the release {tag} (HTTP {refused.status_code})",
                why=message_of(refused) or None,
            )
        self.same(asset, None)
