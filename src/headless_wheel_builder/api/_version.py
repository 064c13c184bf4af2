"""hwb's public API: version functions (see headless_wheel_builder.api)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from packaging.version import Version

from headless_wheel_builder._log import NullProgress, Progress, redact
from headless_wheel_builder.build.plan import BuildOptions
from headless_wheel_builder.publish.options import PublishOptions
from headless_wheel_builder.version.changelog_file import ChangelogReport
from headless_wheel_builder.version.config import ChangelogFormat
from headless_wheel_builder.version.lint import LintReport
from headless_wheel_builder.version.manager import Requested, VersionPlan
from headless_wheel_builder.version.release import ReleaseOptions, ReleaseReport


def version_plan(
    project_dir: str | os.PathLike[str] = ".",
    *,
    package: str | None = None,
    level: Requested = "auto",
    pre: str | None = None,
    today: date | None = None,
) -> list[VersionPlan]:
    """The next version of each selected package, from its commits since the last release.
    Writes nothing; a plan's ``next`` is None when nothing warrants a release."""
    from headless_wheel_builder.version.manager import plan_versions

    return plan_versions(Path(project_dir), package=package, requested=level, pre=pre, today=today)


def version_bump(
    project_dir: str | os.PathLike[str] = ".",
    *,
    package: str | None = None,
    level: Requested = "auto",
    pre: str | None = None,
    commit: bool = False,
    tag: bool = False,
    changelog: bool = False,
    dry_run: bool = False,
    today: date | None = None,
) -> ReleaseReport:
    """Write the next version into the project's files (and changelog); optionally commit and
    make an annotated tag.  Raises NothingToRelease (writing nothing) when no commit warrants it."""
    from headless_wheel_builder.version.release import bump

    plans = version_plan(project_dir, package=package, level=level, pre=pre, today=today)
    return bump(plans, commit=commit, tag=tag, changelog=changelog, dry_run=dry_run, today=today)


def changelog(
    project_dir: str | os.PathLike[str] = ".",
    *,
    package: str | None = None,
    since: str | None = None,
    fmt: ChangelogFormat | None = None,
    template: str | os.PathLike[str] | None = None,
    write: bool = False,
    history: bool = False,
    today: date | None = None,
) -> list[ChangelogReport]:
    """The upcoming release's changelog section (with ``history`` every release's), in a format
    or a Jinja2 ``template``; ``write`` puts it into the changelog file, older entries untouched."""
    from headless_wheel_builder.version.changelog_file import make_changelog

    return make_changelog(
        Path(project_dir),
        package=package,
        since=since,
        fmt=fmt,
        write=write,
        history=history,
        template=Path(template) if template is not None else None,
        today=today,
    )


def lint_commits(
    project_dir: str | os.PathLike[str] = ".",
    *,
    message: str | None = None,
    message_file: str | os.PathLike[str] | None = None,
    rev_range: str | None = None,
) -> LintReport:
    """Check commit messages against Conventional Commits: one ``message``, a ``message_file``
    (what a commit-msg hook gets) or every commit in ``rev_range`` (``A..B``)."""
    from headless_wheel_builder.version import lint
    from headless_wheel_builder.version.config import load_config
    from headless_wheel_builder.version.git import repo_root

    config = load_config(Path(project_dir))
    if message_file is not None:
        return lint.lint_file(Path(message_file), config=config)
    if message is not None:
        return lint.lint_text(message, ref="message", config=config)
    return lint.lint_range(repo_root(Path(project_dir)), rev_range or "HEAD", config=config)


def release(
    project_dir: str | os.PathLike[str] = ".",
    options: ReleaseOptions | None = None,
    *,
    build_options: BuildOptions | None = None,
    build_cli: Mapping[str, Any] | None = None,
    publish_options: PublishOptions | None = None,
    progress: Progress | None = None,
) -> ReleaseReport:
    """version → changelog → release commit → build + check from it → annotated tag → publish
    (+ push).

    Refuses a working tree with uncommitted changes or untracked files (DirtyTreeError) unless
    ``options.allow_dirty``; either way the build is made from a checkout of the release commit,
    never from the working tree.  The build is :func:`build_from_config` of each released
    package (its committed ``[tool.hwb]`` / ``hwb.toml`` apply, as for ``hwb build``;
    ``build_cli`` are command-line values that win), or, with ``build_options``, exactly those
    options.

    Publishes only when a repository is given (``options.repository`` or
    ``[tool.hwb.version.release] repository``), skipping files already there.  Then makes the
    GitHub/GitLab release of each tag (``options.vcs_release``; see :func:`vcs_release`).  A failure before
    the release commit lands restores the files; a failure after it (publish, push) keeps the
    commit and tag, and calling ``release`` again resumes: same version, only the missing files
    uploaded.  ``dry_run`` only plans.
    """
    from headless_wheel_builder.api._configured import build_from_config
    from headless_wheel_builder.api._vcs import release_step
    from headless_wheel_builder.build.workspace import workspace
    from headless_wheel_builder.cache.keys import file_sha256
    from headless_wheel_builder.version.release import Stages, run_release

    opts = options or ReleaseOptions()
    root = Path(project_dir).resolve()
    plans = version_plan(root, package=opts.package, level=opts.level, pre=opts.pre, today=opts.today)
    settings = plans[0].target.config.release
    repository = (opts.repository or settings.repository) if opts.publish else None

    def _build(plan: VersionPlan, folder: Path, outdir: Path) -> list[Path]:
        if build_options is not None:
            from headless_wheel_builder.api._build import build

            return list(build(folder, replace(build_options, outdir=outdir), progress=progress).files)
        cli = {**(build_cli or {}), "outdir": outdir}
        return list(build_from_config(folder, cli=cli, progress=progress).files)

    base = publish_options or PublishOptions(project_dir=root)
    if opts.retries is not None:
        base = replace(base, retries=max(opts.retries, 0))

    def _publish(paths: Sequence[Path]) -> str:
        assert repository is not None
        return _publish_release(paths, replace(base, repository=repository), progress)

    remote = opts.remote or settings.remote
    vcs, vcs_host, vcs_off = release_step(
        root,
        opts.vcs_release or settings.vcs_release,
        remote,
        retries=base.retries,
        timeout=base.timeout,
        ca_bundle=base.ca_bundle,
        environ=base.environ,
    )

    stages = Stages(
        build=_build,
        check=_check_release,
        publish=_publish if repository else None,
        publish_target=redact(repository) if repository else None,
        publish_off="--no-publish: not published"
        if not opts.publish and (opts.repository or settings.repository)
        else None,
        outdir=opts.outdir or root / settings.outdir,
        workspace=workspace,
        digest=file_sha256,
        push=settings.push if opts.push is None else opts.push,
        remote=remote,
        allow_dirty=opts.allow_dirty,
        progress=progress or NullProgress(),
        vcs_release=vcs,
        vcs_target=vcs_host,
        vcs_off=vcs_off,
    )
    return run_release(plans, stages, dry_run=opts.dry_run, today=opts.today)


def _check_release(plan: VersionPlan, version: Version, paths: Sequence[Path]) -> str:
    """``hwb check`` of the release's artifacts, and that they all carry ``version``."""
    from headless_wheel_builder.api._build import check
    from headless_wheel_builder.errors import CheckError

    report = check(paths)
    wrong = [f.path.name for f in report.files if f.artifact and Version(f.artifact.version) != version]
    if not report.ok or wrong:
        raise CheckError(
            f"the release artifacts of {plan.name or 'the project'} {version} are not fit to publish",
            why=f"version is not {version}: {', '.join(wrong)}" if wrong else "hwb check found errors",
            hint=f"run hwb check {' '.join(str(p) for p in paths)}; nothing was published or tagged",
        )
    return f"{len(paths)} file(s) valid, version {version}"


def _publish_release(paths: Sequence[Path], options: PublishOptions, progress: Progress | None) -> str:
    """Upload the release's files (skipping those already there); raise when any failed."""
    from headless_wheel_builder.api._publish import publish
    from headless_wheel_builder.errors import UploadError, all_error_classes

    report = publish(paths, options, progress=progress)
    done = ", ".join(f"{f.filename} {f.status}" for f in report.files)
    failed = [f for f in report.files if f.status == "failed"]
    if not failed:
        return f"to {report.target}: {done}"
    by_kind = {cls.kind: cls for cls in all_error_classes()}
    error = max((by_kind.get(f.error or "", UploadError) for f in failed), key=lambda cls: cls.exit_code)
    raise error(
        f"{len(failed)} of {len(report.files)} file(s) were not published to {report.target}",
        why="; ".join(f"{f.filename}: {f.message}" for f in failed),
        details=done,
    )
