"""Changelogs from conventional commits: Keep a Changelog, Conventional Changelog, GitHub and
GitLab release notes, or a user's Jinja2 template.

:func:`collect` groups commits into releases (the upcoming one, and with ``history`` every
tagged one before it); :func:`render` turns releases into text.  Writing into an existing
file is :mod:`headless_wheel_builder.version.changelog_file`'s job.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from packaging.version import Version

from headless_wheel_builder.errors import VersionError
from headless_wheel_builder.version import git
from headless_wheel_builder.version.config import ChangelogFormat
from headless_wheel_builder.version.manager import AnalyzedCommit, Target, VersionPlan, analyze_commits

KEEPACHANGELOG_ORDER = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")
KEEPACHANGELOG_SECTIONS: Mapping[str, str] = {
    "feat": "Added",
    "fix": "Fixed",
    "perf": "Changed",
    "refactor": "Changed",
    "revert": "Removed",
    "remove": "Removed",
    "deprecate": "Deprecated",
    "deprecated": "Deprecated",
    "security": "Security",
    "sec": "Security",
}
CONVENTIONAL_SECTIONS: Mapping[str, str] = {
    "feat": "Features",
    "fix": "Bug Fixes",
    "perf": "Performance Improvements",
    "revert": "Reverts",
}
BREAKING_TITLE = "⚠ BREAKING CHANGES"


@dataclass(frozen=True, kw_only=True)
class Entry:
    type: str
    scope: str | None
    description: str
    sha: str
    breaking: bool
    notes: tuple[str, ...]
    url: str | None

    @property
    def short(self) -> str:
        return self.sha[:7]

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "scope": self.scope,
            "description": self.description,
            "sha": self.sha,
            "short": self.short,
            "breaking": self.breaking,
            "notes": list(self.notes),
            "url": self.url,
        }


@dataclass(frozen=True, kw_only=True)
class Release:
    """One changelog section: a tagged release, the upcoming one, or Unreleased."""

    version: str | None
    """As the scheme writes it; None: Unreleased."""
    tag: str | None
    previous_tag: str | None
    date: str | None
    entries: tuple[Entry, ...]
    repository_url: str | None

    @property
    def compare_url(self) -> str | None:
        if not self.repository_url:
            return None
        head = self.tag or "HEAD"
        if self.previous_tag is None:
            return f"{self.repository_url}{_sep(self.repository_url)}/tree/{head}" if self.tag else None
        return f"{self.repository_url}{_sep(self.repository_url)}/compare/{self.previous_tag}...{head}"


def _sep(url: str) -> str:
    return "/-" if "gitlab" in url else ""


def repository_url(target: Target, remote: str = "origin") -> str | None:
    """The web address of the repository (configured, else from the remote), without
    credentials; None for local or unknown remotes."""
    configured = target.config.changelog.repository_url
    raw = configured or git.remote_url(target.repo, remote) or ""
    raw = raw.strip()
    match = re.match(r"^(?:ssh://)?[\w.-]+@(?P<host>[\w.-]+)[:/](?P<path>[^\s]+?)(?:\.git)?/?$", raw)
    if match and "://" not in raw.replace("ssh://", ""):
        return f"https://{match['host']}/{match['path']}"
    match = re.match(r"^(?P<scheme>https?)://(?:[^@/]*@)?(?P<rest>[^\s]+?)(?:\.git)?/?$", raw)
    return f"{match['scheme']}://{match['rest']}" if match else None


def entries_of(commits: Sequence[AnalyzedCommit], url: str | None) -> tuple[Entry, ...]:
    """Conventional, non-cancelled commits as changelog entries, oldest first."""
    out: list[Entry] = []
    for item in reversed(commits):
        parsed = item.parsed
        if item.cancelled or parsed.type is None or parsed.kind not in ("conventional", "revert"):
            continue
        commit_url = f"{url}{_sep(url)}/commit/{item.commit.sha}" if url else None
        description = (
            parsed.description if parsed.kind == "conventional" else f'Revert "{parsed.reverted_header}"'
        )
        out.append(
            Entry(
                type=parsed.type,
                scope=parsed.scope,
                description=description,
                sha=item.commit.sha,
                breaking=parsed.breaking,
                notes=parsed.breaking_notes,
                url=commit_url,
            )
        )
    return tuple(out)


def collect(
    target: Target,
    plan: VersionPlan,
    *,
    since: str | None = None,
    history: bool = False,
    today: dt.date | None = None,
) -> list[Release]:
    """The upcoming release (titled with ``plan.next`` when something warrants a release,
    else Unreleased), then with ``history`` every earlier tagged release; newest first."""
    url = repository_url(target)
    commits = plan.commits
    previous = plan.current_tag
    if since is not None:
        commits = analyze_commits(git.log(target.repo, f"{since}..HEAD", target.paths), target.config)
        previous = since
    day = (today or dt.date.today()).isoformat()
    upcoming = Release(
        version=plan.next_display,
        tag=plan.tag,
        previous_tag=previous,
        date=day if plan.next else None,
        entries=entries_of(commits, url),
        repository_url=url,
    )
    releases = [upcoming]
    if history:
        tags = target.release_tags(merged_into=previous) if previous else []
        releases += [_tagged(target, tags, index, url) for index in range(len(tags))]
    return releases


def _tagged(target: Target, tags: Sequence[tuple[Version, git.Tag]], index: int, url: str | None) -> Release:
    """The release of ``tags[index]`` (``tags``: highest first): its commits since the next older tag."""
    version, tag = tags[index]
    older = tags[index + 1][1].name if index + 1 < len(tags) else None
    rev = f"{older}..{tag.name}" if older else tag.name
    found = analyze_commits(git.log(target.repo, rev, target.paths), target.config)
    return Release(
        version=target.scheme.render(version),
        tag=tag.name,
        previous_tag=older,
        date=git.commit_date(target.repo, tag.name),
        entries=entries_of(found, url),
        repository_url=url,
    )


@dataclass(frozen=True, kw_only=True)
class TagRelease:
    """What a host's release of one tag says: whose it is, its version and its notes."""

    target: Target
    tag: str
    commit: str
    version: Version
    notes: str
    """The changelog entry of that version in the host's release-notes format."""
    latest: bool
    """A final version, and the highest final version of its package among all tags."""


def tag_release(targets: Sequence[Target], tag: str, fmt: Literal["github", "gitlab"]) -> TagRelease | None:
    """The release ``tag`` is of one of ``targets`` (None: no package's tag format fits it)."""
    for target in targets:
        every = target.release_tags(merged_into=None)
        mine = target.release_tags(merged_into=tag) if any(t.name == tag for _, t in every) else []
        index = next((i for i, (_, t) in enumerate(mine) if t.name == tag), None)
        if index is None:
            continue
        release = _tagged(target, mine, index, repository_url(target))
        sections = target.config.changelog.sections
        notes = render_github(release, sections) if fmt == "github" else render_gitlab(release, sections)
        version, found = mine[index]
        finals = [v for v, _ in every if not v.is_prerelease]
        return TagRelease(
            target=target,
            tag=tag,
            commit=found.commit,
            version=version,
            notes=notes.rstrip("\n") + "\n",
            latest=not version.is_prerelease and version == max(finals, default=version),
        )
    return None


def _grouped(
    entries: Sequence[Entry], mapping: Mapping[str, str], order: Sequence[str], default: str | None
) -> list[tuple[str, list[Entry]]]:
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        name = mapping.get(entry.type, default if entry.breaking else None)
        if name:
            groups.setdefault(name, []).append(entry)
    known = [s for s in order if s in groups]
    return [(s, groups[s]) for s in known + [s for s in groups if s not in known]]


def _scoped(entry: Entry) -> str:
    return f"**{entry.scope}:** {entry.description}" if entry.scope else entry.description


def render_keepachangelog(release: Release, sections: Mapping[str, str]) -> str:
    mapping = {**KEEPACHANGELOG_SECTIONS, **sections}
    title = f"## [{release.version}] - {release.date}" if release.version else "## [Unreleased]"
    lines = [title, ""]
    for name, entries in _grouped(release.entries, mapping, KEEPACHANGELOG_ORDER, "Changed"):
        lines += [f"### {name}", ""]
        for entry in entries:
            lines.append(f"- {'**BREAKING:** ' if entry.breaking else ''}{_scoped(entry)}")
            lines += [f"  {note}".replace("\n", "\n  ") for note in entry.notes]
        lines.append("")
    return "\n".join(lines)


def _link(entry: Entry) -> str:
    return f"([{entry.short}]({entry.url}))" if entry.url else f"({entry.short})"


def render_conventional(release: Release, sections: Mapping[str, str]) -> str:
    name = release.version or "Unreleased"
    heading = f"[{name}]({release.compare_url})" if release.compare_url and release.version else name
    lines = [f"## {heading}" + (f" ({release.date})" if release.date else ""), ""]
    breaking = [e for e in release.entries if e.breaking]
    if breaking:
        lines += [f"### {BREAKING_TITLE}", ""]
        for entry in breaking:
            text = "\n".join(entry.notes) if entry.notes else entry.description
            lines.append(
                f"* {'**' + entry.scope + ':** ' if entry.scope else ''}{text}".replace("\n", "\n  ")
            )
        lines.append("")
    for title, entries in _grouped(
        release.entries, {**CONVENTIONAL_SECTIONS, **sections}, list(CONVENTIONAL_SECTIONS.values()), None
    ):
        lines += [f"### {title}", ""]
        lines += [f"* {_scoped(e)} {_link(e)}" for e in entries]
        lines.append("")
    return "\n".join(lines)


def render_github(release: Release, sections: Mapping[str, str], *, heading: bool = False) -> str:
    lines: list[str] = []
    if heading:
        lines += [
            f"## {release.version or 'Unreleased'}" + (f" - {release.date}" if release.date else ""),
            "",
        ]
    breaking = [e for e in release.entries if e.breaking]
    if breaking:
        lines += ["### ⚠️ Breaking changes", ""]
        lines += [f"- {_scoped(e)} ({e.short})" + "".join(f"\n  {n}" for n in e.notes) for e in breaking]
        lines.append("")
    for title, entries in _grouped(
        release.entries, {**CONVENTIONAL_SECTIONS, **sections}, list(CONVENTIONAL_SECTIONS.values()), None
    ):
        lines += [f"### {title}", ""] + [f"- {_scoped(e)} ({e.short})" for e in entries] + [""]
    if release.compare_url and release.previous_tag:
        lines += [f"**Full Changelog**: {release.compare_url}", ""]
    return "\n".join(lines)


def render_gitlab(release: Release, sections: Mapping[str, str]) -> str:
    lines = [f"## {release.version or 'Unreleased'}" + (f" ({release.date})" if release.date else ""), ""]
    mapping = {**CONVENTIONAL_SECTIONS, **sections}
    groups = _grouped(release.entries, mapping, list(CONVENTIONAL_SECTIONS.values()), None)
    breaking = [e for e in release.entries if e.breaking]
    if breaking:
        groups.insert(0, ("Breaking changes", breaking))
    for title, entries in groups:
        count = f"{len(entries)} change{'s' if len(entries) != 1 else ''}"
        lines += [f"### {title} ({count})", ""]
        lines += [f"- {_scoped(e)} {_link(e)}" for e in entries] + [""]
    return "\n".join(lines)


def render(
    releases: Sequence[Release],
    fmt: ChangelogFormat,
    *,
    sections: Mapping[str, str] | None = None,
    heading: bool = False,
) -> str:
    """Every release in ``fmt``, newest first (no file header or link definitions)."""
    sections = sections or {}
    parts: list[str] = []
    for release in releases:
        match fmt:
            case "keepachangelog":
                parts.append(render_keepachangelog(release, sections))
            case "conventional":
                parts.append(render_conventional(release, sections))
            case "github":
                parts.append(render_github(release, sections, heading=heading or len(releases) > 1))
            case "gitlab":
                parts.append(render_gitlab(release, sections))
    return "\n".join(p.rstrip("\n") + "\n" for p in parts)


def render_template(template: Path, releases: Sequence[Release]) -> str:
    """``template`` (Jinja2) rendered with ``release`` (the newest), ``releases`` and for
    each release: ``version``, ``tag``, ``previous_tag``, ``date``, ``compare_url``,
    ``entries`` and ``sections`` (Keep a Changelog names → entries)."""
    try:
        import jinja2
        from jinja2.sandbox import SandboxedEnvironment
    except ImportError as exc:  # pragma: no cover - jinja2 is a dependency
        raise VersionError("--template needs jinja2", hint="pip install jinja2") from exc
    try:
        source = template.read_text(encoding="utf-8")
    except OSError as exc:
        raise VersionError(f"cannot read the template {template}", why=exc.strerror or str(exc)) from exc
    context = [_template_context(r) for r in releases]
    try:
        env = SandboxedEnvironment(
            undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False
        )
        return env.from_string(source).render(release=context[0], releases=context)
    except jinja2.TemplateError as exc:
        line = getattr(exc, "lineno", None)
        raise VersionError(
            f"the changelog template {template} failed",
            why=f"line {line}: {exc}" if line else str(exc),
            hint="variables: release.version, .tag, .date, .entries, .sections, .compare_url; releases",
        ) from exc


def _template_context(release: Release) -> dict[str, Any]:
    return {
        "version": release.version,
        "tag": release.tag,
        "previous_tag": release.previous_tag,
        "date": release.date,
        "compare_url": release.compare_url,
        "repository_url": release.repository_url,
        "entries": [e.to_dict() for e in release.entries],
        "breaking": [e.to_dict() for e in release.entries if e.breaking],
        "sections": {
            name: [e.to_dict() for e in items]
            for name, items in _grouped(
                release.entries, KEEPACHANGELOG_SECTIONS, KEEPACHANGELOG_ORDER, "Changed"
            )
        },
    }
