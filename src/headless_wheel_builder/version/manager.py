"""From git history to the next version: which package, which commits, which bump.

:func:`plan_versions` reads (never writes): the configuration, the project's current
version, the release tags, the commits since the last release (in a monorepo only those
touching the package's folder), and decides the bump.  The resulting :class:`VersionPlan`
holds the new texts of every version file; ``release.apply_plans`` writes them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from packaging.version import Version

from headless_wheel_builder.errors import VersionError
from headless_wheel_builder.version import files as vfiles
from headless_wheel_builder.version import git
from headless_wheel_builder.version.commits import (
    Level,
    ParsedMessage,
    max_level,
    parse_message,
    split_squash,
)
from headless_wheel_builder.version.config import VersionConfig, load_config
from headless_wheel_builder.version.schemes import VersionScheme, make_scheme, phase_of

Requested = Literal["auto", "major", "minor", "patch"]


@dataclass(frozen=True, kw_only=True)
class AnalyzedCommit:
    commit: git.Commit
    parsed: ParsedMessage
    level: Level | None
    cancelled: bool = False
    """Reverted within the same release (or a revert of such a commit)."""
    squashed: bool = False
    """One of the messages a squash commit lists (``commit`` is the squash commit)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "sha": self.commit.sha,
            "date": self.commit.date,
            "header": self.parsed.header,
            "level": self.level,
            "cancelled": self.cancelled,
            "squashed": self.squashed,
            **{k: v for k, v in self.parsed.to_dict().items() if k != "problems"},
            "conforms": self.parsed.conforms,
            "problems": list(self.parsed.problems),
        }


@dataclass(frozen=True, kw_only=True)
class Target:
    """One versioned package: the whole repository, or a monorepo member."""

    name: str | None
    project_dir: Path
    repo: Path
    paths: tuple[str, ...]
    """Folders (relative to the repository) whose commits count; empty: all."""
    config: VersionConfig

    @property
    def scheme(self) -> VersionScheme:
        return make_scheme(self.config.scheme, calver_format=self.config.calver_format)

    def tag_for(self, version: Version) -> str:
        return self.config.tag_format.format(version=self.scheme.render(version))

    def release_tags(self, merged_into: str | None = "HEAD") -> list[tuple[Version, git.Tag]]:
        """Tags of this package reachable from ``merged_into`` (None: all), highest version first."""
        head, _, tail = self.config.tag_format.partition("{version}")
        pattern = re.compile(f"^{re.escape(head)}(?P<version>.+){re.escape(tail)}$")
        found: list[tuple[Version, git.Tag]] = []
        for tag in git.tags(self.repo, merged_into=merged_into):
            match = pattern.match(tag.name)
            if not match:
                continue
            try:
                found.append((self.scheme.parse(match["version"]), tag))
            except VersionError:
                continue
        return sorted(found, key=lambda item: item[0], reverse=True)


@dataclass(frozen=True, kw_only=True)
class VersionPlan:
    target: Target
    source: vfiles.VersionSource
    project_name: str | None
    current: Version | None
    current_tag: str | None
    """The release tag the commits are counted from (None: the whole history)."""
    next: Version | None
    bump: Level | None
    requested: Requested
    pre: str | None
    reason: str
    commits: tuple[AnalyzedCommit, ...]
    changes: tuple[vfiles.FileChange, ...]

    @property
    def name(self) -> str | None:
        return self.target.name or self.project_name

    @property
    def tag(self) -> str | None:
        return self.target.tag_for(self.next) if self.next is not None else None

    @property
    def next_display(self) -> str | None:
        return self.target.scheme.render(self.next) if self.next is not None else None

    @property
    def current_display(self) -> str | None:
        return self.target.scheme.render(self.current) if self.current is not None else None

    @property
    def nonconforming(self) -> tuple[AnalyzedCommit, ...]:
        return tuple(c for c in self.commits if c.parsed.kind == "nonconforming")

    def to_dict(self) -> dict[str, Any]:
        root = self.target.repo
        return {
            "package": self.name,
            "path": vfiles._rel(self.target.project_dir, root) or ".",
            "scheme": self.target.config.scheme,
            "current": str(self.current) if self.current is not None else None,
            "current_tag": self.current_tag,
            "next": str(self.next) if self.next is not None else None,
            "next_display": self.next_display,
            "tag": self.tag,
            "bump": self.bump,
            "requested": self.requested,
            "prerelease": self.pre,
            "reason": self.reason,
            "source": self.source.describe(root),
            "files": [vfiles._rel(c.path, root) for c in self.changes],
            "commits": [c.to_dict() for c in self.commits],
            "nonconforming": [c.commit.sha for c in self.nonconforming],
        }


def targets(project_dir: Path, *, package: str | None = None) -> list[Target]:
    """The package(s) a command at ``project_dir`` is about."""
    project_dir = project_dir.resolve()
    repo = git.repo_root(project_dir).resolve()
    config = load_config(project_dir)
    if not config.packages:
        if package is not None:
            raise VersionError(
                f"no package {package!r}: this repository has no [tool.hwb.version.packages]",
                hint="drop --package, or declare the monorepo's packages (docs/VERSIONING.md)",
            )
        rel = project_dir.relative_to(repo).as_posix() if project_dir != repo else ""
        return [
            Target(name=None, project_dir=project_dir, repo=repo, paths=(rel,) if rel else (), config=config)
        ]
    members = dict(config.packages.items())
    if package is not None:
        if package not in members:
            close = difflib.get_close_matches(package, list(members), n=1)
            raise VersionError(
                f"no package {package!r} in [tool.hwb.version.packages]",
                why=f"the packages are {', '.join(members)}",
                hint=f"did you mean {close[0]!r}?" if close else "check the name",
            )
        chosen = [members[package]]
    else:
        inside = [
            p for p in members.values() if (repo / p.path).resolve() in (project_dir, *project_dir.parents)
        ]
        chosen = inside[-1:] if inside else list(members.values())
    return [
        Target(
            name=p.name,
            project_dir=(repo / p.path).resolve(),
            repo=repo,
            paths=(p.path,) if p.path != "." else (),
            config=p.config,
        )
        for p in chosen
    ]


def _messages(commit: git.Commit, config: VersionConfig) -> list[tuple[ParsedMessage, bool]]:
    """The message(s) of one commit, newest first: a squash commit's listed commits (with
    ``parse-squash-commits``; merge commits are never split), else the commit's own."""
    if not config.parse_squash_commits or commit.is_merge:
        return [(parse_message(commit.message), False)]
    parts = split_squash(commit.message, {*config.types, *config.bump_map})
    if len(parts) == 1 and parts[0] == commit.message:
        return [(parse_message(commit.message), False)]
    return [(parse_message(part), True) for part in reversed(parts)]


def analyze_commits(commits: list[git.Commit], config: VersionConfig) -> tuple[AnalyzedCommit, ...]:
    """Parse every commit (each commit a squash commit lists, too); a revert and the commit it
    reverts, both in range, cancel out."""
    parsed = [(c, m, squashed) for c in commits for m, squashed in _messages(c, config)]
    reverted = {p.reverts for _, p, _ in parsed if p.reverts}
    cancelled: set[str] = set()
    for commit, _message, _ in parsed:
        if any(r and commit.sha.startswith(r) for r in reverted):
            cancelled.add(commit.sha)
    out: list[AnalyzedCommit] = []
    for commit, message, squashed in parsed:
        is_cancelled = commit.sha in cancelled or any(
            message.reverts and other.startswith(message.reverts) for other in cancelled
        )
        level = None if is_cancelled else message.level(config.bump_map)
        out.append(
            AnalyzedCommit(
                commit=commit, parsed=message, level=level, cancelled=is_cancelled, squashed=squashed
            )
        )
    return tuple(out)


def plan_version(
    target: Target,
    *,
    requested: Requested = "auto",
    pre: str | None = None,
    today: dt.date | None = None,
) -> VersionPlan:
    """Decide ``target``'s next version.  Writes nothing."""
    config, scheme = target.config, target.scheme
    if pre is not None:
        phase_of(pre)  # an unknown token fails here, before anything else
    source, info = vfiles.primary_source(target.project_dir, config.files)
    tags = target.release_tags()
    written = vfiles.read_version(source)
    if source.kind == "tag-only":
        current = tags[0][0] if tags else None
    elif written is None:
        raise VersionError(
            f"no version found in {source.describe(target.repo)}",
            hint="write the current version there (for example 0.1.0)",
        )
    else:
        current = scheme.parse(written)
    base = _base_tag(tags, current, finalizing=pre is None)
    rev_range = f"{base}..HEAD" if base else None
    commits = analyze_commits(git.log(target.repo, rev_range, target.paths), config)
    _warn_breaking_headers(commits)
    decided = max_level(c.level for c in commits)
    reason = _reason(commits, decided)
    level, next_version, note = decide(
        current, decided, config, scheme=scheme, requested=requested, pre=pre, today=today
    )
    reason = f"{requested} asked for" if requested != "auto" else reason + note
    changes: tuple[vfiles.FileChange, ...] = ()
    if next_version is not None:
        changes = _changes(target, source, current, written, next_version)
    return VersionPlan(
        target=target,
        source=source,
        project_name=info.name,
        current=current,
        current_tag=base,
        next=next_version,
        bump=level,
        requested=requested,
        pre=pre,
        reason=reason,
        commits=commits,
        changes=changes,
    )


def _warn_breaking_headers(commits: tuple[AnalyzedCommit, ...]) -> None:
    """A ``BREAKING CHANGE: …`` header meant a breaking change, but counts as none (as in
    python-semantic-release): say so, naming the commit."""
    from headless_wheel_builder._log import logger

    for item in commits:
        if item.parsed.breaking_header:
            logger.warning(
                "commit %s starts with %r: that is a footer, not a Conventional Commits header, so it "
                "was not counted as a breaking change (python-semantic-release ignores it too); "
                "reword it as 'type!: description' with the BREAKING CHANGE: footer below "
                "(hwb version lint --range … reports it)",
                item.commit.short,
                item.parsed.header,
            )


def decide(
    current: Version | None,
    decided: Level | None,
    config: VersionConfig,
    *,
    scheme: VersionScheme | None = None,
    requested: Requested = "auto",
    pre: str | None = None,
    today: dt.date | None = None,
) -> tuple[Level | None, Version | None, str]:
    """The bump rules, without git: ``decided`` is the highest level the commits ask for.
    Returns the level applied, the next version (None: nothing to release) and a note on
    the 0.x rules when one applied."""
    scheme = scheme or make_scheme(config.scheme, calver_format=config.calver_format)
    level: Level | None = decided if requested == "auto" else requested
    note = ""
    start = current or Version("0.0.0")
    if requested == "auto" and level is not None and start.major == 0:
        if not config.allow_zero_version:
            level, note = "major", "; allow-zero-version = false makes the first release 1.0.0"
        elif not config.major_on_zero and level == "major":
            level, note = "minor", "; major-on-zero = false keeps breaking changes on 0.x minor"
    if level is None:
        return None, None, note
    next_version = scheme.bump(start, level, pre=pre, today=today or dt.date.today())
    if current is not None and next_version <= current:
        raise VersionError(
            f"the next version {next_version} would not be greater than {current}",
            hint="check the current version and the requested bump",
        )
    return level, next_version, note


def _base_tag(
    tags: list[tuple[Version, git.Tag]], current: Version | None, *, finalizing: bool
) -> str | None:
    """The release tag to count commits from: the current version's, else the latest below
    it; when a pre-release becomes final, the last final release before it."""
    for version, tag in tags:
        if current is not None and version > current:
            continue
        if finalizing and current is not None and current.is_prerelease and version.is_prerelease:
            continue
        if finalizing and current is not None and current.is_prerelease and version == current:
            continue
        return tag.name
    return None


def _reason(commits: tuple[AnalyzedCommit, ...], level: Level | None) -> str:
    if level is None:
        counted = [c for c in commits if c.parsed.kind == "conventional" and not c.cancelled]
        return (
            f"{len(counted)} conventional commit(s), none of a type that is released"
            if counted
            else "no release-worthy commits"
        )
    first = next(c for c in reversed(commits) if c.level == level)
    why = "breaking change" if first.parsed.breaking else first.parsed.type
    return f"{why} in {first.commit.short} ({first.parsed.header})"


def _changes(
    target: Target, source: vfiles.VersionSource, current: Version | None, written: str | None, new: Version
) -> tuple[vfiles.FileChange, ...]:
    old = vfiles.spellings(current, target.scheme.render(current) if current else None, written)
    listed = vfiles.extra_sources(target.project_dir, target.config.files)
    sources = [source, *(s for s in listed if vfiles.readable_source(s) != source)]  # it may be listed
    changes: dict[Path, vfiles.FileChange] = {}
    for item in sources:
        earlier = changes.get(item.path) if item.path else None
        try:
            change = vfiles.rewrite(
                item,
                old,
                str(new) if item is source else target.scheme.render(new),
                text=earlier.after if earlier else None,
            )
        except VersionError:
            if earlier is None:
                raise
            continue  # an earlier source in the same file rewrote this version already
        if change is not None and earlier is not None:
            change = vfiles.FileChange(path=change.path, before=earlier.before, after=change.after)
        if change is not None and change.after != change.before:
            changes[change.path] = change
    return tuple(changes.values())


def plan_versions(
    project_dir: Path,
    *,
    package: str | None = None,
    requested: Requested = "auto",
    pre: str | None = None,
    today: dt.date | None = None,
) -> list[VersionPlan]:
    """One plan per package :func:`targets` selects."""
    return [
        plan_version(t, requested=requested, pre=pre, today=today)
        for t in targets(project_dir, package=package)
    ]
