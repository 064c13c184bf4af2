"""hwb's public Python API: one typed function per command.  The CLI is a thin layer over
these; ``docs/API.md`` documents them and they stay stable.

>>> from headless_wheel_builder import api
>>> report = api.build("path/to/project", api.BuildOptions(outdir=Path("dist")))  # doctest: +SKIP
>>> [a.info.filename for a in report.artifacts]  # doctest: +SKIP
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from headless_wheel_builder._log import Progress, redact
from headless_wheel_builder.cache.manage import CacheInfo, PruneReport
from headless_wheel_builder.ci.detect import CiEnvironment
from headless_wheel_builder.ci.generate import CiOptions, CiReport
from headless_wheel_builder.ci.trusted_publisher import TrustedPublisher
from headless_wheel_builder.config.resolve import Settings
from headless_wheel_builder.core.analyzer import ProjectInfo, analyze
from headless_wheel_builder.core.builder import (
    BuildOptions,
    BuildReport,
    BuiltArtifact,
    Distribution,
    build_project,
)
from headless_wheel_builder.core.check import CheckReport, check_files
from headless_wheel_builder.core.container_build import ContainerBuildReport, ContainerOptions
from headless_wheel_builder.core.init import InitOptions, InitReport
from headless_wheel_builder.core.source import ResolvedSource, resolve_source
from headless_wheel_builder.isolation.engine import EngineName
from headless_wheel_builder.isolation.strategy import IsolationChoice
from headless_wheel_builder.matrix.builder import MatrixReport
from headless_wheel_builder.matrix.jobs import JobSettings, MatrixObserver
from headless_wheel_builder.matrix.plan import MatrixOptions, MatrixPlan
from headless_wheel_builder.publish.base import PublishReport
from headless_wheel_builder.publish.local_index import LocalIndexReport
from headless_wheel_builder.publish.options import PublishOptions
from headless_wheel_builder.publish.yank import YankReport
from headless_wheel_builder.version.changelog_file import ChangelogReport
from headless_wheel_builder.version.config import ChangelogFormat
from headless_wheel_builder.version.lint import LintReport
from headless_wheel_builder.version.manager import Requested, VersionPlan
from headless_wheel_builder.version.release import ReleaseOptions, ReleaseReport

__all__ = [
    "BuildOptions",
    "BuildReport",
    "BuiltArtifact",
    "CacheInfo",
    "ChangelogReport",
    "CheckReport",
    "CiEnvironment",
    "CiOptions",
    "CiReport",
    "ContainerBuildReport",
    "ContainerOptions",
    "Distribution",
    "InitOptions",
    "InitReport",
    "InspectReport",
    "IsolationChoice",
    "JobSettings",
    "LintReport",
    "LocalIndexReport",
    "MatrixObserver",
    "MatrixOptions",
    "MatrixPlan",
    "MatrixReport",
    "ProjectInfo",
    "PruneReport",
    "PublishOptions",
    "PublishReport",
    "ReleaseOptions",
    "ReleaseReport",
    "Settings",
    "TrustedPublisher",
    "VersionPlan",
    "YankReport",
    "build",
    "build_in_container",
    "build_matrix",
    "build_options",
    "cache_clear",
    "cache_info",
    "cache_prune",
    "changelog",
    "check",
    "choose_isolation",
    "ci_generate",
    "ci_trusted_publisher",
    "container_options",
    "detect_ci",
    "index",
    "init",
    "inspect",
    "lint_commits",
    "matrix_options",
    "plan_matrix",
    "publish",
    "release",
    "resolve_config",
    "version_bump",
    "version_plan",
    "wants_matrix",
    "yank",
]


def resolve_config(
    project_dir: str | os.PathLike[str] | None = ".",
    *,
    cli: Mapping[str, Any] | None = None,
    config_file: str | os.PathLike[str] | None = None,
    identifier: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve every option through hwb's cascade (defaults < ``[tool.hwb]`` < ``hwb.toml`` <
    overrides < ``HWB_*`` < ``cli``); raises ConfigError listing every problem."""
    from headless_wheel_builder.config.resolve import resolve

    return resolve(
        Path(project_dir) if project_dir is not None else None,
        cli=cli,
        environ=environ,
        config_file=Path(config_file) if config_file is not None else None,
        identifier=identifier,
    )


def build_options(settings: Settings, *, verbose: bool = False) -> BuildOptions:
    """The :class:`BuildOptions` that resolved ``settings`` describe."""
    installer = settings["installer"]
    return BuildOptions(
        outdir=Path(settings["outdir"]),
        distributions=tuple(settings["distributions"]),
        subdirectory=settings["subdirectory"],
        config_settings=dict(settings["config-settings"]),
        isolation=bool(settings["isolation"]),
        installer=None if installer == "auto" else installer,
        python=settings["python"],
        build_constraints=tuple(Path(p) for p in settings["build-constraints"]),
        verbose=verbose,
        timeout=settings["timeout"],
        cache=bool(settings["cache"]),
        refresh=bool(settings["refresh"]),
        cache_dir=Path(settings["cache-dir"]) if settings["cache-dir"] else None,
        cache_env=tuple(settings["cache-env"]),
    )


# --- caches (cache/manage.py, docs/CACHING.md) -------------------------------------------


def cache_info(cache_dir: str | os.PathLike[str] | None = None) -> CacheInfo:
    """Entries, sizes and hit/miss counts of the cache (default folder: ``HWB_CACHE_DIR``,
    else the user cache folder)."""
    from headless_wheel_builder.cache import manage, store

    return manage.info(store.cache_root(Path(cache_dir) if cache_dir else None))


def cache_prune(
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    max_size: int | str | None = None,
    older_than_days: float | None = None,
) -> PruneReport:
    """Remove cache entries unused for ``older_than_days``, then the least recently used until
    at most ``max_size`` (bytes, or ``"500M"``, ``"2G"``) remain."""
    from headless_wheel_builder.cache import manage, store

    size = manage.parse_size(max_size) if isinstance(max_size, str) else max_size
    root = store.cache_root(Path(cache_dir) if cache_dir else None)
    return manage.prune(root, max_size=size, older_than_days=older_than_days)


def cache_clear(cache_dir: str | os.PathLike[str] | None = None) -> PruneReport:
    """Remove every cached build environment and wheel, and the hit/miss counters."""
    from headless_wheel_builder.cache import manage, store

    return manage.clear(store.cache_root(Path(cache_dir) if cache_dir else None))


def build(
    source: str | os.PathLike[str] = ".",
    options: BuildOptions | None = None,
    *,
    progress: Progress | None = None,
) -> BuildReport:
    """Build ``source`` (a folder, an sdist/zip, or a git URL) into ``options.outdir``.

    Raises a subclass of :class:`~headless_wheel_builder.errors.HwbError` on failure; the
    output folder then holds nothing from this call.
    """
    return build_project(os.fspath(source), options or BuildOptions(), progress)


#: Options that only a build matrix reads; any of them set (not default) selects the matrix.
_MATRIX_ONLY = ("platforms", "archs", "select", "skip", "jobs", "fail-fast", "repair", "manylinux",
                "test-command", "test-requires")  # fmt: skip


def wants_matrix(settings: Settings) -> bool:
    """Whether ``settings`` ask for a build matrix rather than one build: several Pythons (or
    ``all``), ``pythons`` set in a file or variable, or any matrix-only option set."""
    pythons = [p for v in settings["pythons"] for p in str(v).split(",") if p.strip()]
    if len(pythons) > 1 or any(p.strip().lower() == "all" for p in pythons):
        return True
    if pythons and settings.values["pythons"].source != "cli":
        return True
    return any(settings.values[name].source != "default" for name in _MATRIX_ONLY)


def matrix_options(
    settings: Settings,
    *,
    verbose: bool = False,
    settings_for: Callable[[str], Settings] | None = None,
) -> MatrixOptions:
    """The :class:`MatrixOptions` that resolved ``settings`` describe.  ``settings_for`` gives
    the settings of one identifier (``[[tool.hwb.overrides]]``), e.g.
    ``lambda ident: resolve_config(folder, cli=..., identifier=ident)``."""

    def job(resolved: Settings) -> JobSettings:
        return JobSettings(
            build=build_options(resolved, verbose=verbose),
            repair=resolved["repair"],
            manylinux=resolved["manylinux"],
            test_command=resolved["test-command"],
            test_requires=tuple(resolved["test-requires"]),
        )

    return MatrixOptions(
        job=job(settings),
        pythons=tuple(settings["pythons"]) or ((settings["python"],) if settings["python"] else ()),
        platforms=tuple(settings["platforms"]),
        archs=tuple(settings["archs"]),
        select=tuple(settings["select"]),
        skip=tuple(settings["skip"]),
        jobs=settings["jobs"],
        fail_fast=bool(settings["fail-fast"]),
        overrides=(lambda ident: job(settings_for(ident))) if settings_for is not None else None,
    )


def plan_matrix(
    source: str | os.PathLike[str] = ".", options: MatrixOptions | None = None, *, local: bool = False
) -> MatrixPlan:
    """The identifiers a matrix would build, and why others are skipped.  ``local=False`` (what
    ``hwb matrix`` shows): every platform asked for, for CI runners; ``local=True``: what this
    machine would build (a named Python that is missing raises InterpreterNotFoundError)."""
    from headless_wheel_builder.matrix.builder import plan_matrix as _plan

    return _plan(source, options or MatrixOptions(), local=local)


def build_matrix(
    source: str | os.PathLike[str] = ".",
    options: MatrixOptions | None = None,
    *,
    observer: MatrixObserver | None = None,
    check: bool = True,
) -> MatrixReport:
    """Build ``source`` for every selected identifier: the sdist once, then the wheels from it
    in parallel, each repaired, checked and tested; ``hwb-manifest.json`` and ``SHA256SUMS``
    are written to the output folder.  With ``check`` a failed identifier raises
    :class:`~headless_wheel_builder.errors.MatrixError` after the others finished and the
    successful wheels were placed; without, inspect ``report.ok`` / ``report.failed``."""
    from headless_wheel_builder.matrix.builder import build_matrix as _build

    report = _build(source, options or MatrixOptions(), observer)
    if check:
        report.raise_for_failures()
    return report


# --- container isolation (isolation/, core/container_build.py, docs/ISOLATION.md) ---------


def choose_isolation(project: ProjectInfo, settings: Settings | None = None) -> IsolationChoice:
    """Where a build of ``project`` runs with ``settings`` (default: ``--isolation auto``) and
    why; a fallback from a container to a venv carries a warning saying what was lost."""
    from headless_wheel_builder.isolation.strategy import choose_isolation as _choose

    if settings is None:
        return _choose("auto", pure=project.pure)
    return _choose(
        settings["isolation-mode"], pure=project.pure, target=settings["manylinux"], repair=settings["repair"]
    )


def container_options(
    settings: Settings, *, engine: str | None = None, verbose: bool = False
) -> ContainerOptions:
    """The :class:`ContainerOptions` that resolved ``settings`` describe; ``engine`` (docker,
    podman) overrides ``isolation-mode``.  Build options become ``hwb build`` arguments for the
    build inside the container."""
    args = ["--repair", settings["repair"]]
    for name, flag in (("manylinux", "--manylinux"), ("test-command", "--test-command"),
                       ("timeout", "--timeout"), ("jobs", "--jobs")):  # fmt: skip
        if settings[name] is not None:
            args += [flag, str(settings[name])]
    if settings["installer"] != "auto":
        args += ["--installer", settings["installer"]]
    if settings["fail-fast"]:
        args.append("--fail-fast")
    args += [f"--{dist}" for dist in settings["distributions"]]
    args += [f"--test-requires={req}" for req in settings["test-requires"]]
    args += [f"--select={pattern}" for pattern in settings["select"]]
    args += [f"--skip={pattern}" for pattern in settings["skip"]]
    for key, value in settings["config-settings"].items():
        args += [f"-C{key}={item}" for item in (value if isinstance(value, list) else [value])]
    mode = engine or settings["isolation-mode"]
    chosen: EngineName | None = "docker" if mode == "docker" else "podman" if mode == "podman" else None
    raw_env = settings["container-environment"].items()
    environment = {k: " ".join(v) if isinstance(v, list) else v for k, v in raw_env}
    return ContainerOptions(
        engine=chosen,
        image=settings["container-image"],
        images=dict(settings["container-images"]),
        dockerfile=Path(settings["container-dockerfile"]) if settings["container-dockerfile"] else None,
        target=settings["manylinux"],
        pythons=tuple(p for v in settings["pythons"] for p in str(v).split(",") if p.strip()),
        build_args=tuple(args),
        environment=environment,
        before_all=tuple(settings["before-all"]),
        host_settings=bool(settings["container-host-settings"]),
        gpus=settings["container-gpus"],
        engine_args=tuple(settings["container-engine-args"]),
        caches=bool(settings["container-caches"]),
        compiler_cache=settings["compiler-cache"],
        outdir=Path(settings["outdir"]),
        subdirectory=settings["subdirectory"],
        verbose=verbose,
    )


def build_in_container(
    source: str | os.PathLike[str] = ".",
    options: ContainerOptions | None = None,
    *,
    progress: Progress | None = None,
) -> ContainerBuildReport:
    """Build ``source`` in a Docker or Podman container (a manylinux/musllinux image by
    default): every Python asked for, in one container, each wheel repaired with auditwheel
    inside; the artifacts are placed in ``options.outdir`` owned by the calling user.  The
    container is removed on every path out, also on Ctrl-C.  Raises an HwbError on failure
    (ContainerError subclasses for the engine's own problems)."""
    from headless_wheel_builder.core.container_build import build_in_container as _build

    return _build(source, options or ContainerOptions(), progress)


@dataclass(frozen=True, kw_only=True)
class InspectReport:
    """What ``hwb inspect`` found: where the project came from and what it is."""

    source: ResolvedSource
    project: ProjectInfo

    def to_dict(self) -> dict[str, Any]:
        data = self.project.to_dict()
        data["source"] = {
            "kind": self.source.kind,
            "spec": redact(self.source.spec),
            "git_ref": self.source.git_ref,
            "git_commit": self.source.git_commit,
        }
        if self.source.kind != "directory":
            # The files were in a temporary folder that no longer exists.
            data["path"] = redact(self.source.spec)
        return data


def inspect(source: str | os.PathLike[str] = ".", *, subdirectory: str | None = None) -> InspectReport:
    """Analyse ``source`` without building it (archives and git URLs are fetched first)."""
    workdir = Path(tempfile.mkdtemp(prefix="hwb-inspect-"))
    try:
        resolved = resolve_source(os.fspath(source), subdirectory=subdirectory, workdir=workdir)
        return InspectReport(source=resolved, project=analyze(resolved.project_dir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def check(paths: Sequence[str | os.PathLike[str]], *, strict: bool = False) -> CheckReport:
    """Validate wheels and sdists (files or folders of them) as ``hwb check`` does."""
    return check_files([Path(p) for p in paths], strict=strict)


def publish(
    paths: Sequence[str | os.PathLike[str]],
    options: PublishOptions | None = None,
    *,
    progress: Progress | None = None,
) -> PublishReport:
    """Publish wheels and sdists (files, or folders holding them) to ``options.repository``.

    Every file is checked first (as ``hwb check`` does, plus what PyPI refuses); nothing is
    uploaded when any check fails.  Identical files already in the repository are skipped.
    """
    from headless_wheel_builder.publish.options import make_publisher
    from headless_wheel_builder.publish.preflight import preflight

    options = options or PublishOptions()
    files = preflight([Path(p) for p in paths], options)
    return make_publisher(options, progress=progress).publish(files, dry_run=options.dry_run)


def index(
    dist_dir: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str] | None = None,
    base_url: str | None = None,
) -> LocalIndexReport:
    """Write a static PEP 503/691/658 index of the wheels and sdists in ``dist_dir``.

    The tree goes to ``<out>/simple/`` (``out`` defaults to ``dist_dir``), regenerated whole
    and deterministically; with ``base_url`` the links point to ``<base_url>/<file>``.
    """
    from headless_wheel_builder.publish.local_index import build_local_index

    return build_local_index(
        Path(dist_dir), out=Path(out) if out is not None else None, base_url=base_url
    )


def yank(
    name: str,
    version: str,
    options: PublishOptions | None = None,
    *,
    reason: str | None = None,
    unyank: bool = False,
    progress: Progress | None = None,
) -> YankReport:
    """Yank (PEP 592) or un-yank every file of ``name`` ``version`` in an ``s3://`` index.

    ``options.repository`` names the index; ``endpoint_url``, ``region`` and ``acl`` apply
    as for :func:`publish`.
    """
    from headless_wheel_builder.errors import UsageError
    from headless_wheel_builder.publish.s3 import open_index
    from headless_wheel_builder.publish.yank import yank_release

    options = options or PublishOptions()
    if not options.repository.startswith("s3://"):
        raise UsageError(
            f"cannot yank in {redact(options.repository)}",
            why="hwb yanks only in indexes it keeps itself (s3://BUCKET/PREFIX)",
            hint="on PyPI, yank on the release's web page (Manage > Options > Yank)",
        )
    return yank_release(
        open_index(options), name, version, reason=reason, unyank=unyank, progress=progress
    )


def init(path: str | os.PathLike[str] = ".", options: InitOptions | None = None) -> InitReport:
    """Write ``path/pyproject.toml``: scaffold one for plain code, or (``from_setup``) migrate
    ``setup.py``/``setup.cfg`` to PEP 621 without running them.  Nothing is written with
    ``dry_run``; the report holds the text and what was translated, kept and dropped."""
    from headless_wheel_builder.core.init import init_project

    return init_project(path, options or InitOptions())


# --- versions, changelogs and releases (version/; docs/VERSIONING.md) -------------------


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
        Path(project_dir), package=package, since=since, fmt=fmt, write=write, history=history,
        template=Path(template) if template is not None else None, today=today,
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
    publish_options: PublishOptions | None = None,
    progress: Progress | None = None,
) -> ReleaseReport:
    """version → changelog → build → check → publish → commit + annotated tag (+ push).

    Publishes only when a repository is given (``options.repository`` or
    ``[tool.hwb.version.release] repository``).  Stops before publishing or pushing when an
    earlier step fails, and restores the files it changed; ``dry_run`` only plans.
    """
    import dataclasses

    from packaging.version import Version

    from headless_wheel_builder.errors import CheckError
    from headless_wheel_builder.version.release import run_release

    opts = options or ReleaseOptions()
    root = Path(project_dir).resolve()
    plans = version_plan(root, package=opts.package, level=opts.level, pre=opts.pre, today=opts.today)
    settings = plans[0].target.config.release
    repository = (opts.repository or settings.repository) if opts.publish else None

    def _build(plan: VersionPlan, outdir: Path) -> list[Path]:
        base = build_options or BuildOptions()
        report = build(plan.target.project_dir, dataclasses.replace(base, outdir=outdir), progress=progress)
        return [a.info.path for a in report.artifacts]

    def _check(plan: VersionPlan, paths: Sequence[Path]) -> str:
        report = check(paths)
        wrong = [f.path.name for f in report.files if f.artifact and Version(f.artifact.version) != plan.next]
        if not report.ok or wrong:
            raise CheckError(
                f"the release artifacts of {plan.name or 'the project'} {plan.next} are not fit to publish",
                why=f"version is not {plan.next}: {', '.join(wrong)}" if wrong else "hwb check found errors",
                hint=f"run hwb check {' '.join(str(p) for p in paths)}; nothing was published or tagged",
            )
        return f"{len(paths)} file(s) valid, version {plan.next}"

    def _publish(paths: Sequence[Path]) -> str:
        assert repository is not None
        base = publish_options or PublishOptions(project_dir=root)
        report = publish(paths, dataclasses.replace(base, repository=repository), progress=progress)
        done = [f"{f.filename} {f.status}" for f in report.files]
        return f"to {report.target}: {', '.join(done)}"

    return run_release(
        plans,
        build=_build,
        check=_check,
        publish=_publish if repository else None,
        publish_target=redact(repository) if repository else None,
        outdir=opts.outdir or root / settings.outdir,
        dry_run=opts.dry_run,
        push=settings.push if opts.push is None else opts.push,
        remote=opts.remote or settings.remote,
        today=opts.today,
        progress=progress,
    )


# --- CI pipelines (ci/; docs/CI.md) ----------------------------------------------------


def ci_generate(
    project_dir: str | os.PathLike[str] = ".",
    options: CiOptions | None = None,
    *,
    output: str | os.PathLike[str] | None = None,
    write: bool = True,
    force: bool = False,
) -> CiReport:
    """Render a GitHub Actions or GitLab CI pipeline that builds (and publishes) the project,
    and write it to ``output`` (default: ``.github/workflows/release.yml`` or ``.gitlab-ci.yml``
    at the repository root).  A different existing file raises CiError with the diff unless
    ``force``; ``write=False`` only renders."""
    from headless_wheel_builder.ci.generate import DEFAULT_PATHS, generate_pipeline, write_pipeline
    from headless_wheel_builder.config.files import repository_root

    opts = options or CiOptions()
    folder = Path(project_dir)
    root = repository_root(folder.resolve()) or folder
    target = Path(output) if output is not None else root / DEFAULT_PATHS[opts.provider]
    pipeline = generate_pipeline(folder, opts, path=target)
    if not write:
        return CiReport(pipeline=pipeline, path=target, status=None)
    result = write_pipeline(pipeline, target, force=force)
    return CiReport(pipeline=pipeline, path=result.path, status=result.status)


def ci_trusted_publisher(
    project_dir: str | os.PathLike[str] = ".",
    *,
    provider: str | None = None,
    workflow: str | os.PathLike[str] | None = None,
    remote: str = "origin",
    index: str = "pypi",
) -> TrustedPublisher:
    """The values for PyPI's Trusted Publisher form: owner and repository from the git
    ``remote``, workflow file and environment from the generated pipeline."""
    from headless_wheel_builder.ci.trusted_publisher import find_trusted_publisher
    from headless_wheel_builder.errors import UsageError

    if provider not in (None, "github", "gitlab") or index not in ("pypi", "testpypi"):
        raise UsageError("provider must be github or gitlab, index pypi or testpypi")
    return find_trusted_publisher(
        Path(project_dir),
        provider="gitlab" if provider == "gitlab" else ("github" if provider == "github" else None),
        workflow=Path(workflow) if workflow is not None else None,
        remote=remote,
        index="testpypi" if index == "testpypi" else "pypi",
    )


def detect_ci(environ: Mapping[str, str] | None = None) -> CiEnvironment:
    """The CI system this process runs in (GitHub, GitLab, CircleCI, Buildkite, Azure
    Pipelines, Jenkins, generic ``CI=true``), or one with ``name=None`` outside CI."""
    from headless_wheel_builder.ci.detect import detect_ci as _detect

    return _detect(environ)
