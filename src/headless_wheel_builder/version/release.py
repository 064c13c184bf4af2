"""Writing a release: version files and changelog, then commit, annotated tag and push.

:func:`bump` is ``hwb version bump``.  :func:`run_release` is the whole ``hwb release`` path —
version → changelog → build → check → publish → commit + tag (+ push) — with the build,
check and publish steps passed in by the API layer (this package never uploads).  It stops
before any irreversible step (publish, push) when an earlier one fails, and puts the files
it changed back as they were.  Every step is recorded in the report, done or planned.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from headless_wheel_builder._log import NullProgress, Progress
from headless_wheel_builder.errors import HwbError, NothingToRelease, VersionError
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
    def __call__(self, plan: VersionPlan, outdir: Path, /) -> list[Path]:
        """Build ``plan``'s package into ``outdir``; return the artifacts."""
        ...


class CheckStep(Protocol):
    def __call__(self, plan: VersionPlan, artifacts: Sequence[Path], /) -> str:
        """Raise an HwbError when ``artifacts`` are not fit to publish; else a summary."""
        ...


class PublishStep(Protocol):
    def __call__(self, artifacts: Sequence[Path], /) -> str:
        """Upload ``artifacts``; return a summary."""
        ...


@contextmanager
def _scm_version(plan: VersionPlan) -> Iterator[None]:
    """For versions that come from git tags, the build sees the version about to be tagged."""
    if plan.source.kind != "tag-only" or plan.next is None:
        yield
        return
    saved = {k: os.environ.get(k) for k in _SCM_ENV}
    os.environ.update(dict.fromkeys(_SCM_ENV, str(plan.next)))
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_release(
    plans: Sequence[VersionPlan],
    *,
    build: BuildStep,
    check: CheckStep,
    publish: PublishStep | None,
    publish_target: str | None,
    outdir: Path,
    dry_run: bool = False,
    push: bool = False,
    remote: str = "origin",
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ReleaseReport:
    """version → changelog → build → check → publish → commit + tag (+ push)."""
    progress = progress or NullProgress()
    chosen = releasable(plans)
    version_changes = [c for p in chosen for c in p.changes]
    log_changes = changelog_changes(chosen, today)
    changes = version_changes + log_changes
    _precheck(chosen, changes, commit=True, tag=True)
    repo = chosen[0].target.repo
    if push and git.remote_url(repo, remote) is None:
        raise VersionError(f"no git remote {remote!r} to push to", hint="add it, or leave out --push")
    steps = [_version_step(chosen, version_changes, dry_run)]
    steps.append(
        Step(
            name="changelog",
            status="planned" if dry_run else "done",
            detail=", ".join(_rel(c.path, repo) for c in log_changes),
        )
    )
    outdirs = {p.tag or "": outdir / p.name if len(chosen) > 1 and p.name else outdir for p in chosen}
    if dry_run:
        steps += [
            Step(name="build", status="planned", detail=f"{p.name} {p.next} into {outdirs[p.tag or '']}")
            for p in chosen
        ]
        steps.append(Step(name="check", status="planned", detail="every artifact, as hwb check --strict"))
        steps.append(_publish_step(publish_target, "planned"))
        steps += _planned_git_steps(chosen, commit=True, tag=True, push=push, remote=remote)
        return ReleaseReport(plans=tuple(plans), steps=tuple(steps), dry_run=True, changes=tuple(changes))

    artifacts: list[Path] = []
    write_changes(changes)
    try:
        for plan in chosen:
            progress.step(f"building {plan.name or 'the project'} {plan.next}")
            with _scm_version(plan):
                built = build(plan, outdirs[plan.tag or ""])
            steps.append(Step(name="build", status="done", detail=", ".join(p.name for p in built)))
            steps.append(Step(name="check", status="done", detail=check(plan, built)))
            artifacts += built
    except (HwbError, KeyboardInterrupt):
        restore(changes)
        raise
    if publish is not None:
        progress.step(f"publishing {len(artifacts)} file(s) to {publish_target}")
        try:
            summary = publish(artifacts)
        except HwbError as exc:
            exc.hint = (
                f"{exc.hint + '; ' if exc.hint else ''}the version files are updated but nothing was "
                "committed or tagged: fix the problem, publish the files, then commit and tag"
            )
            raise
        steps.append(Step(name="publish", status="done", detail=summary))
    else:
        steps.append(_publish_step(None, "skipped"))
    sha, tags = _commit_and_tag(chosen, changes, commit=True, tag=True, steps=steps)
    if push:
        progress.step(f"pushing to {remote}")
        git.push(repo, remote, tags)
        steps.append(Step(name="push", status="done", detail=f"the branch and {', '.join(tags)} to {remote}"))
    return ReleaseReport(
        plans=tuple(plans),
        steps=tuple(steps),
        dry_run=False,
        changes=tuple(changes),
        commit=sha,
        tags=tuple(tags),
        artifacts=tuple(artifacts),
    )


def _publish_step(target: str | None, status: StepStatus) -> Step:
    if target is None:
        return Step(
            name="publish",
            status="skipped",
            detail="no repository configured ([tool.hwb.version.release] repository, or --repository)",
        )
    return Step(name="publish", status=status, detail=f"to {target}")
