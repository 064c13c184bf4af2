"""Writing a release: version files and changelog, then commit, annotated tag and push.

:func:`bump` is ``hwb version bump``.  :func:`run_release` is the whole ``hwb release`` path —
dirty-tree check → version → changelog → release commit → build + check from a checkout of
that commit → tag, branch moved onto it → publish (+ push) → GitHub/GitLab release — with the
build, check, publish and VCS release steps passed in by the API layer (this package never
builds or uploads).  A release is built from what is committed, never from the working tree.
Until the branch moves, a failure puts the files back as they were; after it, the commit and
tag stay and a rerun resumes (publishes what is missing, pushes, completes the VCS release).
Every step is recorded in the report, done or planned."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from packaging.version import Version

from headless_wheel_builder._log import NullProgress, Progress
from headless_wheel_builder.errors import DirtyTreeError, HwbError, NothingToRelease, VersionError
from headless_wheel_builder.version import git
from headless_wheel_builder.version.changelog import collect
from headless_wheel_builder.version.changelog_file import plan_file
from headless_wheel_builder.version.files import FileChange, restore, write_changes
from headless_wheel_builder.version.manager import Requested, VersionPlan

StepStatus = Literal["done", "planned", "skipped", "failed"]
_SCM_ENV = ("SETUPTOOLS_SCM_PRETEND_VERSION", "PDM_BUILD_SCM_VERSION")


@dataclass(frozen=True, kw_only=True)
class Step:
    name: str
    status: StepStatus
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"step": self.name, "status": self.status, "detail": self.detail}


@dataclass(frozen=True, kw_only=True)
class ReleaseOptions:
    """What shapes one ``hwb release`` (``None``: from ``[tool.hwb.version.release]``)."""

    package: str | None = None
    """A monorepo member (default: the one at the project folder, else every member)."""
    level: Requested = "auto"
    pre: str | None = None
    """A pre-release token (``rc``, ``b``, ``a``, ``dev``)."""
    dry_run: bool = False
    publish: bool = True
    """False: never publish, even when a repository is configured."""
    repository: str | None = None
    outdir: Path | None = None
    push: bool | None = None
    remote: str | None = None
    today: dt.date | None = None
    allow_dirty: bool = False
    """Release although the working tree has uncommitted changes or untracked files; the
    release still builds only what is committed."""
    vcs_release: Literal["auto", "github", "gitlab", "none"] | None = None
    """Make a GitHub or GitLab release of each tag with its notes and files (docs/RELEASES.md);
    ``auto``: the host the CI system or the ``origin`` remote names, when its token is set."""
    retries: int | None = None
    """Retries of each request of the publish and VCS release steps (default: 5)."""


@dataclass(frozen=True, kw_only=True)
class ReleaseReport:
    """What ``hwb version bump`` or ``hwb release`` did (or, with ``dry_run``, would do)."""

    plans: tuple[VersionPlan, ...]
    steps: tuple[Step, ...]
    dry_run: bool
    changes: tuple[FileChange, ...] = ()
    commit: str | None = None
    tags: tuple[str, ...] = ()
    artifacts: tuple[Path, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        root = self.plans[0].target.repo if self.plans else Path()
        return {
            "ok": True,
            "dry_run": self.dry_run,
            "packages": [p.to_dict() for p in self.plans],
            "steps": [s.to_dict() for s in self.steps],
            "files": [_rel(c.path, root) for c in self.changes],
            "commit": self.commit,
            "tags": list(self.tags),
            "artifacts": [str(a) for a in self.artifacts],
        }


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def releasable(plans: Sequence[VersionPlan]) -> list[VersionPlan]:
    """The plans with a next version; NothingToRelease when there is none."""
    chosen = [p for p in plans if p.next is not None]
    if not chosen:
        reasons = "; ".join(f"{p.name or 'the project'}: {p.reason}" for p in plans)
        raise NothingToRelease(
            "nothing to release: no commit since the last release warrants a new version",
            why=reasons or "no package selected",
            hint="feat and fix commits (or a breaking change) make a release; or name the level: "
            "hwb version bump patch",
        )
    return chosen


def changelog_changes(plans: Sequence[VersionPlan], today: dt.date | None) -> list[FileChange]:
    changes: list[FileChange] = []
    for plan in plans:
        settings = plan.target.config.changelog
        releases = collect(plan.target, plan, today=today)
        changes.append(
            plan_file(
                plan.target.project_dir / settings.path,
                releases,
                fmt=settings.format,
                sections=settings.sections,
            )
        )
    return changes


def _precheck(
    plans: Sequence[VersionPlan], changes: Sequence[FileChange], *, commit: bool, tag: bool
) -> None:
    repo = plans[0].target.repo
    for plan in plans:
        if tag and plan.tag and git.tag_exists(repo, plan.tag):
            raise VersionError(
                f"tag {plan.tag} already exists",
                why=f"{plan.name or 'the project'} {plan.next} seems to be released already",
                hint=f"check `git show {plan.tag}`; delete the tag if it is wrong",
            )
    if tag and not commit and any(c.before != c.after for c in changes):
        raise VersionError(
            "--tag without --commit would tag a commit without the new version",
            hint="add --commit (or leave out --tag)",
        )
    if commit:
        paths = [_rel(c.path, repo) for c in changes if not c.created]
        dirty = git.dirty(repo, paths) if paths else []
        if dirty:
            raise VersionError(
                "files hwb must rewrite have uncommitted changes",
                why=", ".join(line[3:] for line in dirty),
                hint="commit or stash them first, so the release commit holds only the release",
            )


def _message(template: str, plans: Sequence[VersionPlan], **extra: str) -> str:
    versions = ", ".join(
        f"{p.name} {p.next_display}" if len(plans) > 1 else f"{p.next_display}" for p in plans
    )
    first = plans[0]
    return template.format(
        version=first.next_display, versions=versions, tag=first.tag or "", package=first.name or "", **extra
    )


def _commit_and_tag(
    plans: Sequence[VersionPlan], changes: Sequence[FileChange], *, commit: bool, tag: bool, steps: list[Step]
) -> tuple[str | None, list[str]]:
    repo = plans[0].target.repo
    config = plans[0].target.config
    sha = None
    if commit and changes:
        sha = git.commit_files(
            repo, [_rel(c.path, repo) for c in changes], _message(config.commit_message, plans)
        )
        steps.append(
            Step(name="commit", status="done", detail=f"{sha[:7]} {_message(config.commit_message, plans)}")
        )
    made: list[str] = []
    if tag:
        for plan in plans:
            assert plan.tag is not None
            message = _message(plan.target.config.tag_message, [plan])
            git.create_tag(repo, plan.tag, message)
            made.append(plan.tag)
            steps.append(Step(name="tag", status="done", detail=f"{plan.tag} (annotated: {message!r})"))
    return sha, made


def bump(
    plans: Sequence[VersionPlan],
    *,
    commit: bool = False,
    tag: bool = False,
    changelog: bool = False,
    dry_run: bool = False,
    today: dt.date | None = None,
) -> ReleaseReport:
    """Write the new versions (and the changelog); optionally commit and tag."""
    chosen = releasable(plans)
    changes = [c for p in chosen for c in p.changes]
    if changelog:
        changes += changelog_changes(chosen, today)
    _precheck(chosen, changes, commit=commit, tag=tag)
    steps = [_version_step(chosen, changes, dry_run)]
    if dry_run:
        steps += _planned_git_steps(chosen, commit=commit, tag=tag, push=False)
        return ReleaseReport(plans=tuple(plans), steps=tuple(steps), dry_run=True, changes=tuple(changes))
    write_changes(changes)
    sha, tags = _commit_and_tag(chosen, changes, commit=commit, tag=tag, steps=steps)
    return ReleaseReport(
        plans=tuple(plans),
        steps=tuple(steps),
        dry_run=False,
        changes=tuple(changes),
        commit=sha,
        tags=tuple(tags),
    )


def _version_step(plans: Sequence[VersionPlan], changes: Sequence[FileChange], dry_run: bool) -> Step:
    repo = plans[0].target.repo
    what = "; ".join(
        f"{p.name or 'project'} {p.current_display or '(none)'} → {p.next_display} ({p.bump})" for p in plans
    )
    files = ", ".join(_rel(c.path, repo) for c in changes) or "no files (the version comes from the tag)"
    return Step(name="version", status="planned" if dry_run else "done", detail=f"{what}; files: {files}")


def _planned_git_steps(
    plans: Sequence[VersionPlan], *, commit: bool, tag: bool, push: bool, remote: str = "origin"
) -> list[Step]:
    steps: list[Step] = []
    config = plans[0].target.config
    if commit:
        steps.append(Step(name="commit", status="planned", detail=_message(config.commit_message, plans)))
    if tag:
        steps += [Step(name="tag", status="planned", detail=f"{p.tag} (annotated)") for p in plans]
    if push:
        steps.append(Step(name="push", status="planned", detail=f"the branch and tags to {remote} (atomic)"))
    return steps


class BuildStep(Protocol):
    def __call__(self, plan: VersionPlan, project_dir: Path, outdir: Path, /) -> list[Path]:
        """Build ``plan``'s package from ``project_dir`` (its folder in a checkout of the release
        commit) into ``outdir``; return the artifacts."""
        ...


class CheckStep(Protocol):
    def __call__(self, plan: VersionPlan, version: Version, artifacts: Sequence[Path], /) -> str:
        """Raise an HwbError when ``artifacts`` are not fit to publish as ``version``; else a summary."""
        ...


class PublishStep(Protocol):
    def __call__(self, artifacts: Sequence[Path], /) -> str:
        """Upload ``artifacts`` (skipping those already in the repository); return a summary.
        Raise an HwbError when any file was not published."""
        ...


class VcsReleaseStep(Protocol):
    def __call__(self, tags: Sequence[str], artifacts: Sequence[Path], /) -> str:
        """Make (or complete) the GitHub/GitLab release of each tag with ``artifacts`` attached;
        return a summary.  Raise an HwbError naming what is left undone."""
        ...


@dataclass(frozen=True, kw_only=True)
class Stages:
    """What :func:`run_release` does after the version files: the steps the API layer passes
    in (this package never builds or uploads itself) and where they go."""

    build: BuildStep
    check: CheckStep
    publish: PublishStep | None
    publish_target: str | None
    outdir: Path
    publish_off: str | None = None
    """Why nothing is published when ``publish`` is None and a repository is configured
    (``--no-publish``); None: no repository is configured."""
    workspace: Callable[[str], AbstractContextManager[Path]]
    """A private temporary folder (``build.workspace.workspace``) for the release's checkout."""
    digest: Callable[[Path], str]
    """A file's sha256 (``cache.keys.file_sha256``), for the record a rerun reads."""
    push: bool = False
    remote: str = "origin"
    allow_dirty: bool = False
    progress: Progress = field(default_factory=NullProgress)
    vcs_release: VcsReleaseStep | None = None
    vcs_target: str | None = None
    """The host of ``vcs_release`` (``github``, ``gitlab``)."""
    vcs_off: str | None = None
    """Why no VCS release is made (None: none was asked for or detected)."""


@contextmanager
def _scm_version(plan: VersionPlan, version: Version) -> Iterator[None]:
    """For versions that come from git tags, the build sees the version of the release."""
    if plan.source.kind != "tag-only":
        yield
        return
    saved = {k: os.environ.get(k) for k in _SCM_ENV}
    os.environ.update(dict.fromkeys(_SCM_ENV, str(version)))
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


#: How many uncommitted paths the dirty-tree error names (the rest are counted).
_LISTED = 20
_STATES = {"??": "untracked", "D": "deleted", "A": "added", "R": "renamed", "M": "modified"}


def _state(code: str) -> str:
    if code == "??":
        return _STATES[code]
    return next((_STATES[c] for c in "DARM" if c in code), "changed")


def refuse_dirty(repo: Path, *, allow: bool, outdir: Path | None = None) -> list[str]:
    """Uncommitted changes and untracked files (``git status --porcelain``, ignored files
    left out; so is ``outdir``, where the release puts its files) stop a release unless
    ``allow``; return them as ``path (state)``."""
    skip = _rel(outdir.resolve(), repo).rstrip("/") + "/" if outdir is not None else None
    found = [
        f"{line[3:]} ({_state(line[:2].strip() or line[:2])})"
        for line in git.uncommitted(repo)
        if skip is None or not line[3:].strip('"').startswith(skip)
    ]
    if found and not allow:
        more = f" and {len(found) - _LISTED} more" if len(found) > _LISTED else ""
        raise DirtyTreeError(
            f"the working tree has {len(found)} uncommitted change(s); a release is built only "
            "from what is committed",
            why=", ".join(found[:_LISTED]) + more,
            hint="commit or stash them (git stash --include-untracked), then run hwb release again; "
            "or pass --allow-dirty: the release still builds only the committed content",
            details="\n".join(found) if more else None,  # the whole list, when the line is cut
        )
    return found


def pending_release(plans: Sequence[VersionPlan]) -> list[tuple[VersionPlan, str]]:
    """The packages whose current version's release tag points at HEAD: a release commit hwb
    (or someone) made and tagged, which a rerun publishes and pushes (docs/VERSIONING.md)."""
    repo = plans[0].target.repo
    at = git.head(repo)
    found: list[tuple[VersionPlan, str]] = []
    for plan in plans:
        if at is None or plan.current is None:
            continue
        tag = plan.target.tag_for(plan.current)
        if git.tag_commit(repo, tag) == at:
            found.append((plan, tag))
    return found


def run_release(
    plans: Sequence[VersionPlan], stages: Stages, *, dry_run: bool = False, today: dt.date | None = None
) -> ReleaseReport:
    """version → changelog → release commit → build + check from it → branch + tag → publish
    (→ push).  A rerun on a release commit that is tagged already resumes it instead."""
    repo = plans[0].target.repo
    dirty = refuse_dirty(repo, allow=stages.allow_dirty, outdir=stages.outdir)
    pending = pending_release(plans)
    record = _needs_resume(repo, pending, stages)
    if record is not None:
        return _resume(plans, pending, record, stages, dry_run=dry_run)
    chosen = releasable(plans)
    version_changes = [c for p in chosen for c in p.changes]
    log_changes = changelog_changes(chosen, today)
    changes = version_changes + log_changes
    _precheck(chosen, changes, commit=True, tag=True)
    if stages.push and git.remote_url(repo, stages.remote) is None:
        raise VersionError(f"no git remote {stages.remote!r} to push to", hint="add it, or leave out --push")
    steps = [_version_step(chosen, version_changes, dry_run)]
    steps.append(
        Step(
            name="changelog",
            status="planned" if dry_run else "done",
            detail=", ".join(_rel(c.path, repo) for c in log_changes),
        )
    )
    if dirty:
        steps.append(_dirty_step(dirty))
    if dry_run:
        steps += _planned_release(chosen, stages)
        return ReleaseReport(plans=tuple(plans), steps=tuple(steps), dry_run=True, changes=tuple(changes))
    sha, artifacts = _commit_build_and_land(chosen, changes, stages, steps)
    tags = [p.tag for p in chosen if p.tag]
    record = _Record(commit=sha, tags=tags, artifacts=_digests(artifacts, stages))
    _publish_and_push(repo, record, artifacts, stages, steps)
    return ReleaseReport(
        plans=tuple(plans),
        steps=tuple(steps),
        dry_run=False,
        changes=tuple(changes),
        commit=sha,
        tags=tuple(tags),
        artifacts=tuple(artifacts),
    )


def _dirty_step(dirty: Sequence[str]) -> Step:
    return Step(
        name="working-tree",
        status="skipped",
        detail=f"{len(dirty)} uncommitted change(s) left out (--allow-dirty): "
        + ", ".join(dirty[:_LISTED])
        + (" …" if len(dirty) > _LISTED else ""),
    )


def _outdirs(plans: Sequence[VersionPlan], outdir: Path) -> dict[str, Path]:
    several = len(plans) > 1
    return {p.target.project_dir.as_posix(): outdir / p.name if several and p.name else outdir for p in plans}


def _planned_release(plans: Sequence[VersionPlan], stages: Stages) -> list[Step]:
    outdirs = _outdirs(plans, stages.outdir)
    steps = [
        Step(
            name="build",
            status="planned",
            detail=f"{p.name} {p.next} into {outdirs[p.target.project_dir.as_posix()]} "
            "(from the release commit, not the working tree)",
        )
        for p in plans
    ]
    check = "every artifact, as hwb check does: an error stops the release"
    steps.append(Step(name="check", status="planned", detail=check))
    steps += _planned_git_steps(plans, commit=True, tag=True, push=False)
    steps.append(_publish_step(stages, "planned"))
    if stages.push:
        steps.append(_planned_push(stages.remote))
    steps += [_vcs_step(stages, "planned")] if stages.vcs_release or stages.vcs_off else []
    return steps


def _planned_push(remote: str) -> Step:
    return Step(name="push", status="planned", detail=f"the branch and tags to {remote} (atomic)")


def _build_all(
    plans: Sequence[tuple[VersionPlan, Version]], tree: Path, origin: str, stages: Stages, steps: list[Step]
) -> list[Path]:
    """Build and check every package from ``tree`` (a checkout of the release commit, named
    by ``origin``)."""
    outdirs = _outdirs([p for p, _ in plans], stages.outdir)
    artifacts: list[Path] = []
    for plan, version in plans:
        stages.progress.step(f"building {plan.name or 'the project'} {version}")
        folder = tree / plan.target.project_dir.relative_to(plan.target.repo)
        with _scm_version(plan, version):
            built = stages.build(plan, folder, outdirs[plan.target.project_dir.as_posix()])
        names = ", ".join(p.name for p in built)
        steps.append(Step(name="build", status="done", detail=f"{names} (from {origin})"))
        steps.append(Step(name="check", status="done", detail=stages.check(plan, version, built)))
        artifacts += built
    return artifacts


def _commit_build_and_land(
    plans: Sequence[VersionPlan], changes: Sequence[FileChange], stages: Stages, steps: list[Step]
) -> tuple[str, list[Path]]:
    """Write the files, make the release commit (as an object only), build and check from a
    checkout of it, then tag it and move the branch onto it.  Until the branch moves, any
    failure puts the files back and leaves no commit, tag or upload (state b → a)."""
    repo = plans[0].target.repo
    config = plans[0].target.config
    message = _message(config.commit_message, plans)
    paths = [_rel(c.path, repo) for c in changes]
    parent = git.head(repo)
    write_changes(changes)
    try:
        with stages.workspace("hwb-release-") as scratch:
            sha = git.make_commit(repo, paths, message, scratch) if changes else parent
            assert sha is not None
            with git.checkout_of(repo, sha, scratch / "src") as tree:
                chosen = [(p, p.next) for p in plans if p.next]
                artifacts = _build_all(chosen, tree, f"the release commit {sha[:7]}", stages, steps)
        _land(plans, sha, parent, paths, message, steps)
    except (HwbError, KeyboardInterrupt):
        restore(changes)
        raise
    return sha, artifacts


def _land(
    plans: Sequence[VersionPlan],
    sha: str,
    parent: str | None,
    paths: Sequence[str],
    message: str,
    steps: list[Step],
) -> None:
    """Tag the release commit and move the branch onto it; on a failure remove the tags."""
    repo = plans[0].target.repo
    made: list[str] = []
    try:
        for plan in plans:
            assert plan.tag is not None
            tag_message = _message(plan.target.config.tag_message, [plan])
            git.create_tag_at(repo, plan.tag, tag_message, sha)
            made.append(plan.tag)
        if parent is not None and sha != parent:
            git.advance(repo, sha, parent, f"hwb release: {message}")
    except (HwbError, KeyboardInterrupt):
        for tag in made:
            git.delete_tag(repo, tag)
        raise
    git.stage(repo, paths)
    if sha != parent:
        steps.append(Step(name="commit", status="done", detail=f"{sha[:7]} {message}"))
    for plan in plans:
        tag_message = _message(plan.target.config.tag_message, [plan])
        steps.append(Step(name="tag", status="done", detail=f"{plan.tag} (annotated: {tag_message!r})"))


# --- the rest of a release: publish and push, resumable -------------------------------------
#
# After the branch moves onto the release commit, what is left (publish, push) is recorded in
# ``<git dir>/hwb-release.json``, written atomically: the commit, its tags, each artifact's
# sha256, the repositories published to and whether it was pushed.  A rerun reads it to upload
# the very files this run built and to know when nothing is left to do.  Without it (another
# clone, a CI rerun) the release is derived from git and the registry: the tag at HEAD is the
# release, it is built again from the tag, and files already uploaded are skipped.

_RECORD = "hwb-release.json"


@dataclass(kw_only=True)
class _Record:
    commit: str
    tags: list[str]
    artifacts: list[tuple[str, str]]
    """(absolute path, sha256) of each file built."""
    published: list[str] = field(default_factory=list)
    pushed: bool = False
    vcs_released: list[str] = field(default_factory=list)
    """The hosts whose releases of the tags are complete."""

    def save(self, repo: Path) -> None:
        from headless_wheel_builder.artifacts.manifest import write_atomic

        doc = {
            "commit": self.commit,
            "tags": self.tags,
            "artifacts": [{"path": p, "sha256": d} for p, d in self.artifacts],
            "published": self.published,
            "pushed": self.pushed,
            "vcs_released": self.vcs_released,
        }
        write_atomic(_record_path(repo), json.dumps(doc, indent=2) + "\n")

    def intact(self, digest: Callable[[Path], str]) -> list[Path] | None:
        """The recorded files, when every one is still there unchanged."""
        paths = [Path(p) for p, _ in self.artifacts]
        ok = all(p.is_file() and digest(p) == d for p, (_, d) in zip(paths, self.artifacts, strict=True))
        return paths if ok and paths else None


def _record_path(repo: Path) -> Path:
    return git.git_dir(repo) / _RECORD


def _digests(artifacts: Sequence[Path], stages: Stages) -> list[tuple[str, str]]:
    return [(str(a.resolve()), stages.digest(a)) for a in artifacts]


def _load_record(repo: Path, sha: str, tags: Sequence[str]) -> _Record | None:
    """The record of the release at ``sha`` with ``tags``; None when there is none (or it is
    about another release, or unreadable)."""
    try:
        doc = json.loads(_record_path(repo).read_text(encoding="utf-8"))
        record = _Record(
            commit=str(doc["commit"]),
            tags=[str(t) for t in doc["tags"]],
            artifacts=[(str(a["path"]), str(a["sha256"])) for a in doc["artifacts"]],
            published=[str(t) for t in doc.get("published", [])],
            pushed=bool(doc.get("pushed", False)),
            vcs_released=[str(h) for h in doc.get("vcs_released", [])],
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return record if record.commit == sha and set(tags) <= set(record.tags) else None


def _publish_and_push(
    repo: Path, record: _Record, artifacts: Sequence[Path], stages: Stages, steps: list[Step]
) -> None:
    """Publish (skipping files already there), push and make the VCS releases, recording each
    as it finishes; a failure leaves the commit and tags for a rerun to resume (states c and d)."""
    if stages.publish is None and not stages.push and stages.vcs_release is None:
        steps.append(_publish_step(stages, "skipped"))
        steps += [_vcs_step(stages, "skipped")] if stages.vcs_off else []
        return
    record.save(repo)
    if stages.publish is not None and stages.publish_target not in record.published:
        stages.progress.step(f"publishing {len(artifacts)} file(s) to {stages.publish_target}")
        with _resumable(record.tags):
            summary = stages.publish(artifacts)
        steps.append(Step(name="publish", status="done", detail=summary))
        record.published.append(stages.publish_target or "")
        record.save(repo)
    elif stages.publish is None:
        steps.append(_publish_step(stages, "skipped"))
    if stages.push and not record.pushed:
        stages.progress.step(f"pushing to {stages.remote}")
        with _resumable(record.tags):
            git.push(repo, stages.remote, record.tags)
        steps.append(
            Step(
                name="push",
                status="done",
                detail=f"the branch and {', '.join(record.tags)} to {stages.remote}",
            )
        )
        record.pushed = True
        record.save(repo)
    _make_vcs_release(repo, record, artifacts, stages, steps)


def _vcs_left(record: _Record, stages: Stages) -> bool:
    return stages.vcs_release is not None and (stages.vcs_target or "") not in record.vcs_released


def _make_vcs_release(
    repo: Path, record: _Record, artifacts: Sequence[Path], stages: Stages, steps: list[Step]
) -> None:
    """The GitHub/GitLab release of each tag (last: it points at the pushed tag)."""
    if stages.vcs_release is None:
        steps += [_vcs_step(stages, "skipped")] if stages.vcs_off else []
        return
    if not _vcs_left(record, stages):
        return
    stages.progress.step(f"making the {stages.vcs_target} release of {', '.join(record.tags)}")
    with _resumable(record.tags):
        summary = stages.vcs_release(record.tags, artifacts)
    steps.append(Step(name="vcs-release", status="done", detail=summary))
    record.vcs_released.append(stages.vcs_target or "")
    record.save(repo)


def _vcs_step(stages: Stages, status: StepStatus) -> Step:
    if stages.vcs_release is None:
        return Step(name="vcs-release", status="skipped", detail=stages.vcs_off or "--vcs-release none")
    return Step(
        name="vcs-release",
        status=status,
        detail=f"a {stages.vcs_target} release of each tag: notes, the files and SHA256SUMS",
    )


@contextmanager
def _resumable(tags: Sequence[str]) -> Iterator[None]:
    """An HwbError raised inside says how to go on: run the same release again."""
    try:
        yield
    except HwbError as exc:
        exc.hint = (
            f"{exc.hint + '; ' if exc.hint else ''}the release commit and {', '.join(tags)} are made and "
            "stay: fix the cause and run the same hwb release again — it resumes with the same version "
            'and uploads only the files that are missing (docs/VERSIONING.md, "When a release stops '
            'halfway")'
        )
        raise


def _needs_resume(repo: Path, pending: Sequence[tuple[VersionPlan, str]], stages: Stages) -> _Record | None:
    """What a release at HEAD still lacks, as its record (a new one from git alone when there is
    none); None when there is nothing left to do for this command's options."""
    sha = git.head(repo)
    nothing = stages.publish is None and not stages.push and stages.vcs_release is None
    if not pending or sha is None or nothing:
        return None
    tags = [tag for _, tag in pending]
    record = _load_record(repo, sha, tags) or _Record(commit=sha, tags=tags, artifacts=[])
    publish = stages.publish is not None and stages.publish_target not in record.published
    push = stages.push and not record.pushed
    return record if publish or push or _vcs_left(record, stages) else None


def _resume(
    plans: Sequence[VersionPlan],
    pending: Sequence[tuple[VersionPlan, str]],
    record: _Record,
    stages: Stages,
    *,
    dry_run: bool,
) -> ReleaseReport:
    """Finish a release whose commit and tags exist (HEAD): publish what is missing, push."""
    repo = plans[0].target.repo
    publishing = stages.publish is not None and stages.publish_target not in record.published
    left = ["publishing what is missing" if publishing else ""]
    left += ["pushing" if stages.push and not record.pushed else ""]
    left += [f"the {stages.vcs_target} release" if _vcs_left(record, stages) else ""]
    steps = [
        Step(
            name="resume",
            status="planned" if dry_run else "done",
            detail=f"HEAD {record.commit[:7]} is the release {', '.join(record.tags)}: no new version; "
            + " and ".join(x for x in left if x),
        )
    ]
    if dry_run:
        steps.append(
            Step(name="build", status="planned", detail=f"from {', '.join(record.tags)}, unless the "
                 "files this release built are still there unchanged")
        )  # fmt: skip
        steps.append(_publish_step(stages, "planned"))
        if stages.push:
            steps.append(_planned_push(stages.remote))
        steps += [_vcs_step(stages, "planned")] if stages.vcs_release or stages.vcs_off else []
        tags = tuple(record.tags)
        return ReleaseReport(
            plans=tuple(plans), steps=tuple(steps), dry_run=True, commit=record.commit, tags=tags
        )
    artifacts: list[Path] = []
    if publishing or _vcs_left(record, stages):
        artifacts = _resume_artifacts(repo, record, pending, stages, steps)
    _publish_and_push(repo, record, artifacts, stages, steps)
    return ReleaseReport(
        plans=tuple(plans), steps=tuple(steps), dry_run=False, commit=record.commit, tags=tuple(record.tags),
        artifacts=tuple(artifacts),
    )  # fmt: skip


def _resume_artifacts(
    repo: Path, record: _Record, pending: Sequence[tuple[VersionPlan, str]], stages: Stages, steps: list[Step]
) -> list[Path]:
    """The files the release built before when they are intact, else a new build from the tag."""
    kept = record.intact(stages.digest)
    if kept is not None:
        steps.append(
            Step(name="build", status="skipped", detail="the files this release built before: "
                 + ", ".join(p.name for p in kept))
        )  # fmt: skip
        return kept
    chosen = [(plan, plan.current) for plan, _ in pending if plan.current is not None]
    with (
        stages.workspace("hwb-release-") as scratch,
        git.checkout_of(repo, record.commit, scratch / "src") as tree,
    ):
        built = _build_all(chosen, tree, " and ".join(record.tags), stages, steps)
    record.artifacts = _digests(built, stages)
    return built


def _publish_step(stages: Stages, status: StepStatus) -> Step:
    if stages.publish is None or stages.publish_target is None:
        return Step(
            name="publish",
            status="skipped",
            detail=stages.publish_off
            or "no repository configured ([tool.hwb.version.release] repository, or --repository)",
        )
    return Step(name="publish", status=status, detail=f"to {stages.publish_target}")
