"""Update a Markdown changelog in place: the new release's section goes in, older sections stay
byte for byte, and running it twice changes nothing the second time.

A file is read as a preamble (everything before the first ``## `` heading), sections (a
``## `` heading and what follows), and, for Keep a Changelog, the link definitions at the
bottom (``[1.2.0]: https://…``).  A section is known by the version in its heading.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from headless_wheel_builder.errors import VersionError
from headless_wheel_builder.version.changelog import Release, render
from headless_wheel_builder.version.config import ChangelogFormat
from headless_wheel_builder.version.files import FileChange

KEEPACHANGELOG_HEADER = """\
# Changelog

All notable changes to this project will be documented in this file.

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),
and the entries come from [Conventional Commits](https://www.conventionalcommits.org/en/v1.0.0/).
"""
PLAIN_HEADER = "# Changelog\n"
_LINK_RE = re.compile(r"^\[(?P<key>[^\]]+)\]:\s*\S+")
UNRELEASED = "unreleased"


@dataclass
class _Section:
    heading: str
    body: list[str]

    @property
    def key(self) -> str:
        return section_key(self.heading)

    def text(self) -> list[str]:
        return [self.heading, *self.body]


def section_key(heading: str) -> str:
    """``## [1.2.0](…) (date)`` → ``1.2.0``; ``## [Unreleased]`` → ``unreleased``."""
    text = heading.lstrip("#").strip().lstrip("[")
    return re.split(r"[\]\s(]", text, maxsplit=1)[0].lower()


def _parse(text: str) -> tuple[list[str], list[_Section], list[str]]:
    lines = text.splitlines()
    links: list[str] = []
    while lines and (not lines[-1].strip() or _LINK_RE.match(lines[-1])):
        line = lines.pop()
        if line.strip():
            links.insert(0, line)
    preamble: list[str] = []
    sections: list[_Section] = []
    for line in lines:
        if line.startswith("## "):
            sections.append(_Section(heading=line, body=[]))
        elif sections:
            sections[-1].body.append(line)
        else:
            preamble.append(line)
    return preamble, sections, links


def _blocks(block_text: str) -> list[_Section]:
    return _parse(block_text)[1]


def update_text(
    old: str | None,
    new_blocks: str,
    *,
    fmt: ChangelogFormat | None,
    releases: Sequence[Release],
) -> str:
    """``old`` (None: no file yet) with the sections of ``new_blocks`` put in."""
    keep_a_changelog = fmt == "keepachangelog"
    if old is None or not old.strip():
        old = KEEPACHANGELOG_HEADER if keep_a_changelog else PLAIN_HEADER
    preamble, sections, links = _parse(old)
    incoming = _blocks(new_blocks)
    if not incoming:
        raise VersionError(
            "the rendered changelog has no '## ' section heading",
            hint="a template must render a Markdown section starting with '## '",
        )
    for block in reversed(incoming):  # oldest first, so each newer one lands above it
        _trim(block)
        _put(sections, block, releases, keep_a_changelog=keep_a_changelog)
    if keep_a_changelog and not any(s.key == UNRELEASED for s in sections):
        sections.insert(0, _Section(heading="## [Unreleased]", body=[""]))
    if keep_a_changelog:
        links = _links(links, sections, releases)
    return _render(preamble, sections, links)


def _put(
    sections: list[_Section], block: _Section, releases: Sequence[Release], *, keep_a_changelog: bool
) -> None:
    """Replace the section of ``block``'s version, or put it in (a release takes Unreleased's place)."""
    existing = next((i for i, s in enumerate(sections) if s.key == block.key), None)
    if existing is not None:
        sections[existing] = block
        return
    if block.key != UNRELEASED:
        unreleased = next((i for i, s in enumerate(sections) if s.key == UNRELEASED), None)
        if unreleased is not None and keep_a_changelog:
            sections[unreleased] = _Section(heading=sections[unreleased].heading, body=[""])
            sections.insert(unreleased + 1, block)
            return
        if unreleased is not None:
            sections[unreleased] = block
            return
    sections.insert(_insert_at(sections, block, releases), block)


def _render(preamble: list[str], sections: list[_Section], links: list[str]) -> str:
    out: list[str] = [*preamble]
    while out and not out[-1].strip():
        out.pop()
    out.append("")
    for section in sections:
        out += section.text()
        while out and not out[-1].strip():
            out.pop()
        out.append("")
    if links:
        out += links
    return "\n".join(out).rstrip("\n") + "\n"


def _trim(section: _Section) -> None:
    while section.body and not section.body[-1].strip():
        section.body.pop()
    section.body.append("")


def _insert_at(sections: list[_Section], block: _Section, releases: Sequence[Release]) -> int:
    """New sections go after Unreleased and before every older release."""
    for index, section in enumerate(sections):
        if section.key != UNRELEASED:
            return index
    return len(sections)


def _links(existing: list[str], sections: list[_Section], releases: Sequence[Release]) -> list[str]:
    defs = {m["key"].lower(): line for line in existing if (m := _LINK_RE.match(line))}
    newest = releases[0] if releases else None
    url = newest.repository_url if newest else None
    if url is not None and newest is not None:
        sep = "/-" if "gitlab" in url else ""
        latest = newest.tag or newest.previous_tag
        if latest:
            defs[UNRELEASED] = f"[unreleased]: {url}{sep}/compare/{latest}...HEAD"
        for release in releases:
            if release.version and release.compare_url and release.version.lower() not in defs:
                defs[release.version.lower()] = f"[{release.version}]: {release.compare_url}"
    order = [s.key for s in sections if s.key in defs]
    return [defs[k] for k in order] + [line for k, line in defs.items() if k not in order]


def plan_file(
    path: Path,
    releases: Sequence[Release],
    *,
    fmt: ChangelogFormat | None,
    rendered: str | None = None,
    sections: Mapping[str, str] | None = None,
) -> FileChange:
    """The change that puts ``releases`` (or the already ``rendered`` text) into ``path``.
    VersionError, before anything is written, for a changelog hwb cannot update (not Markdown)."""
    check_updatable(path)
    try:
        before = path.read_text(encoding="utf-8") if path.is_file() else None
    except OSError as exc:
        raise VersionError(f"cannot read {path}", why=exc.strerror or str(exc)) from exc
    blocks = (
        rendered
        if rendered is not None
        else render(releases, fmt or "keepachangelog", sections=sections, heading=True)
    )
    after = update_text(before, blocks, fmt=fmt, releases=releases)
    return FileChange(path=path, before=before or "", after=after, created=before is None)


_MARKDOWN_SUFFIXES = (".md", ".markdown", "")
_OTHER_FORMATS = (".rst", ".txt", ".adoc", ".asciidoc", ".org", ".textile")


def check_updatable(path: Path) -> None:
    """VersionError when ``path`` is not a Markdown file, or does not exist while the project
    keeps its changelog in another format next to it (``CHANGELOG.rst``): hwb writes Markdown
    and would otherwise start a second changelog beside the real one."""
    if path.suffix.lower() not in _MARKDOWN_SUFFIXES:
        found = path
    elif path.exists():
        return
    else:
        others = (path.with_suffix(suffix) for suffix in _OTHER_FORMATS)
        found = next((other for other in others if other.is_file()), path)
        if found == path:
            return
    raise VersionError(
        f"hwb cannot update the changelog {found.name}: it is not Markdown",
        why=f"hwb writes Markdown changelogs; {found.name} is kept as {found.suffix[1:] or 'plain text'}",
        hint=f"convert it (pandoc {found.name} -t gfm -o {found.stem}.md) and remove {found.name}, point "
        "[tool.hwb.version] changelog at another Markdown file, or leave out --changelog",
    )


@dataclass(frozen=True, kw_only=True)
class ChangelogReport:
    package: str | None
    format: str
    text: str
    """The rendered section(s)."""
    path: Path | None = None
    """The file written (with ``write``)."""
    changed: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "package": self.package,
            "format": self.format,
            "text": self.text,
            "path": str(self.path) if self.path else None,
            "changed": self.changed,
        }


def make_changelog(
    project_dir: Path,
    *,
    package: str | None = None,
    since: str | None = None,
    fmt: ChangelogFormat | None = None,
    template: Path | None = None,
    write: bool = False,
    history: bool = False,
    today: date | None = None,
) -> list[ChangelogReport]:
    """Render (and with ``write`` put into the changelog file) each selected package's upcoming
    release — titled with the next version when one is warranted, else Unreleased.  A file that
    does not exist yet gets the whole history."""
    from headless_wheel_builder.version.changelog import collect, render_template
    from headless_wheel_builder.version.files import write_changes
    from headless_wheel_builder.version.manager import plan_version, targets

    reports: list[ChangelogReport] = []
    for target in targets(project_dir, package=package):
        settings = target.config.changelog
        chosen = fmt or settings.format
        path = target.project_dir / settings.path
        plan = plan_version(target, today=today)
        full = history or (write and not path.is_file())
        releases = collect(target, plan, since=since, history=full, today=today)
        if template is not None:
            text = render_template(template, releases)
        else:
            text = render(releases, chosen, sections=settings.sections, heading=write)
        if not write:
            reports.append(ChangelogReport(package=target.name, format=chosen, text=text))
            continue
        change = plan_file(path, releases, fmt=chosen if template is None else None, rendered=text)
        if change.created or change.after != change.before:
            write_changes([change])
        reports.append(
            ChangelogReport(
                package=target.name,
                format=chosen,
                text=text,
                path=path,
                changed=change.created or change.after != change.before,
            )
        )
    return reports
