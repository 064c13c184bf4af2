"""hwb's public API: GitHub and GitLab Releases (see headless_wheel_builder.api).

The release of a tag is composed here: the notes and version from git (``version``), the
host and its client from ``publish``; ``hwb release`` calls :func:`release_step`, and
``hwb vcs-release`` calls :func:`vcs_release` with files built elsewhere."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from headless_wheel_builder.publish.vcs_release import VcsReleaseReport

if TYPE_CHECKING:
    from headless_wheel_builder.publish.vcs_api import HostTarget
    from headless_wheel_builder.publish.vcs_release import VcsRelease
    from headless_wheel_builder.version.release import VcsReleaseStep

VcsChoice = Literal["auto", "github", "gitlab", "none"]
#: The files of a folder given to ``hwb vcs-release``: distributions, attestations, checksums.
_DIST_SUFFIXES = (".whl", ".tar.gz", ".zip", ".attestation", ".sigstore.json")
_DISTRIBUTIONS = (".whl", ".tar.gz", ".zip")


def vcs_release(
    tag: str,
    dists: Sequence[str | os.PathLike[str]] = (),
    *,
    project_dir: str | os.PathLike[str] = ".",
    host: VcsChoice = "auto",
    remote: str = "origin",
    retries: int = 5,
    timeout: float = 300.0,
    environ: Mapping[str, str] | None = None,
) -> VcsReleaseReport:
    """Make (or complete) the GitHub or GitLab release of ``tag`` with ``dists`` (files, or
    folders of wheels/sdists/attestations) and a ``SHA256SUMS`` of them attached.

    The notes are the changelog entry of the tag's version in the host's release-notes format
    (``Release TAG`` when the tag is no package's release tag); pre-release versions are
    marked, and only the highest final version is marked latest.  Safe to call again: files
    already there are skipped when identical (FileConflictError naming both sha256 when not).
    ``host="auto"``: the CI system's (``GITHUB_ACTIONS``, ``GITLAB_CI``) or the remote's host.
    The token comes from the environment only (GITHUB_TOKEN/GH_TOKEN, CI_JOB_TOKEN/GITLAB_TOKEN).
    """
    from headless_wheel_builder.errors import ConfigError, UsageError
    from headless_wheel_builder.publish.vcs_release import publish_release
    from headless_wheel_builder.version import git

    env = os.environ if environ is None else environ
    repo = git.repo_root(Path(project_dir).resolve())
    target, off = resolve_host(host, repo, remote, env, required=True)
    if target is None:
        raise ConfigError(
            "no host to make the release on",
            why=off
            or "not in GitHub Actions or GitLab CI, and the remote's host is neither GitHub nor GitLab",
            hint="pass --host github or --host gitlab",
        )
    if git.tag_commit(repo, tag) is None:
        raise UsageError(
            f"no tag {tag!r} in {repo}", hint="fetch the tags (git fetch --tags) or check the name"
        )
    files = _expand([Path(d) for d in dists])
    release = _release_of(Path(project_dir).resolve(), tag, files, target.host)
    return publish_release(target, release, retries=retries, timeout=timeout)


def release_step(
    project_dir: Path,
    choice: str,
    remote: str,
    *,
    retries: int,
    timeout: float = 300.0,
    ca_bundle: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[VcsReleaseStep | None, str | None, str | None]:
    """``hwb release``'s VCS release step: (the step, its host, why there is none)."""
    from headless_wheel_builder.errors import HwbError
    from headless_wheel_builder.publish.vcs_release import publish_release
    from headless_wheel_builder.version import git

    env = os.environ if environ is None else environ
    target, off = resolve_host(choice, git.repo_root(project_dir), remote, env, required=False)
    if target is None:
        return None, None, off

    def step(tags: Sequence[str], artifacts: Sequence[Path]) -> str:
        assert target is not None
        done = []
        for tag in tags:
            release = _release_of(project_dir, tag, artifacts, target.host, pick=len(tags) > 1)
            try:
                report = publish_release(
                    target, release, retries=retries, timeout=timeout, ca_bundle=ca_bundle
                )
                done.append(report.summary())
            except HwbError as exc:
                files = " ".join(_shown(a.path) for a in release.assets if a.path is not None)
                exc.hint = (
                    f"{exc.hint + '; ' if exc.hint else ''}to finish only the {target.host} release: "
                    f"hwb vcs-release {tag} {files}".rstrip()
                )
                raise
        return "; ".join(done)

    return step, target.host, None


def _shown(path: Path) -> str:
    """``path`` relative to the current folder when it is inside it (for a command to copy)."""
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def _expand(paths: Sequence[Path]) -> list[Path]:
    from headless_wheel_builder.errors import UsageError

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.is_file() and p.name.endswith(_DIST_SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"no file {path}", hint="name the built files (dist/*) or their folder")
    return files


def resolve_host(
    choice: str, repo: Path, remote: str, environ: Mapping[str, str], *, required: bool
) -> tuple[HostTarget | None, str | None]:
    """The host target (``publish.vcs_api.HostTarget``) for ``choice``, or None and why not.

    ``auto`` that detects a host whose token is missing is skipped with a reason (a release
    on a laptop without a token still works); a named host without one is an error."""
    from headless_wheel_builder.errors import HwbError
    from headless_wheel_builder.publish.vcs_api import detect_host, github_target, gitlab_target
    from headless_wheel_builder.version import git

    if choice == "none":
        return None, None
    remote_url = git.remote_url(repo, remote)
    name = detect_host(environ, remote_url) if choice == "auto" else choice
    if name is None:
        return None, None
    try:
        make = github_target if name == "github" else gitlab_target
        return make(environ, remote_url), None
    except HwbError as exc:
        if choice != "auto" or required:
            raise
        return None, f"the project is on {name}, but {exc.what} ({exc.why}); set it, or --vcs-release none"


def _release_of(
    project_dir: Path, tag: str, files: Sequence[Path], host: str, *, pick: bool = False
) -> VcsRelease:
    """The ``VcsRelease`` of ``tag`` with ``files`` and their ``SHA256SUMS`` (``pick``: only
    the files in the folder of the tag's monorepo member, ``dist/NAME/``)."""
    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version

    from headless_wheel_builder.artifacts.manifest import SUMS_NAME, sha256sums_text
    from headless_wheel_builder.publish.vcs_release import ReleaseAsset, VcsRelease
    from headless_wheel_builder.version import git
    from headless_wheel_builder.version.changelog import tag_release
    from headless_wheel_builder.version.manager import targets

    found = tag_release(targets(project_dir), tag, "github" if host == "github" else "gitlab")
    if pick and found is not None and found.target.name:
        files = [p for p in files if p.parent.name == found.target.name]
    assets = [ReleaseAsset.of_file(p) for p in files]
    if not any(a.name == SUMS_NAME for a in assets):
        dists = [(a.name, a.sha256) for a in assets if a.name.endswith(_DISTRIBUTIONS)]
        if dists:
            assets.append(ReleaseAsset.of_bytes(SUMS_NAME, sha256sums_text(dists).encode()))
    names = [n for n in (_dist_name(a.name) for a in assets) if n]
    version: Version | None = None
    commit: str | None
    if found is not None:
        version, notes, latest, commit = found.version, found.notes, found.latest, found.commit
    else:
        try:
            version = Version(tag.lstrip("vV"))
        except InvalidVersion:
            version = None
        notes, latest, commit = f"Release {tag}\n", False, git.tag_commit(git.repo_root(project_dir), tag)
    package = names[0] if names else (found.target.name if found and found.target.name else "release")
    return VcsRelease(
        tag=tag,
        commit=commit,
        title=tag,
        notes=notes,
        prerelease=bool(version and version.is_prerelease),
        latest=latest,
        package=str(canonicalize_name(package)),
        version=str(version) if version else tag,
        assets=tuple(assets),
    )


def _dist_name(filename: str) -> str | None:
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    try:
        if filename.endswith(".whl"):
            return str(parse_wheel_filename(filename)[0])
        if filename.endswith((".tar.gz", ".zip")):
            return str(parse_sdist_filename(filename)[0])
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return None
