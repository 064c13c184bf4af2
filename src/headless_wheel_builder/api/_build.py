"""hwb's public API: build functions (see headless_wheel_builder.api)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from headless_wheel_builder._log import Progress, redact
from headless_wheel_builder.build.plan import BuildOptions, BuildReport
from headless_wheel_builder.source.source import ResolvedSource

if TYPE_CHECKING:
    from headless_wheel_builder.analyze.analyzer import ProjectInfo
    from headless_wheel_builder.artifacts.check import CheckReport
    from headless_wheel_builder.config.resolve import Settings
    from headless_wheel_builder.isolation.strategy import IsolationChoice
    from headless_wheel_builder.migrate.editors import EditorReport
    from headless_wheel_builder.migrate.init import InitOptions, InitReport


def build(
    source: str | os.PathLike[str] | ResolvedSource = ".",
    options: BuildOptions | None = None,
    *,
    progress: Progress | None = None,
) -> BuildReport:
    """Build ``source`` (a folder, an sdist/zip, or a git URL) into ``options.outdir``, through
    the one pipeline: environment, PEP 517 build, validation, repair (``options.repair``),
    test (``options.test_command``), placement.

    Raises a subclass of :class:`~headless_wheel_builder.errors.HwbError` on failure; the
    output folder then holds nothing from this call.
    """
    from headless_wheel_builder.build.pipeline import build_project

    spec = source if isinstance(source, ResolvedSource) else os.fspath(source)
    return build_project(spec, options or BuildOptions(), progress)


@dataclass(frozen=True, kw_only=True)
class InspectReport:
    """What ``hwb inspect`` found: where the project came from, what it is, and where a
    build of it would run with the resolved configuration."""

    source: ResolvedSource
    project: ProjectInfo
    isolation: IsolationChoice | None = None
    """Where ``hwb build`` with the resolved configuration will run (its default: venv)."""
    recommended: IsolationChoice | None = None
    """What ``--isolation auto`` would choose for this project on this machine."""

    def to_dict(self) -> dict[str, Any]:
        data = self.project.to_dict()
        if self.isolation is not None:
            data["isolation_choice"] = self.isolation.to_dict()
        if self.recommended is not None:
            data["isolation_recommended"] = self.recommended.to_dict()
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


def inspect(
    source: str | os.PathLike[str] = ".",
    *,
    subdirectory: str | None = None,
    settings: Settings | None = None,
) -> InspectReport:
    """Analyse ``source`` without building it (archives and git URLs are fetched first).
    ``report.isolation`` says where ``hwb build`` will run with the ``isolation-mode`` that
    ``settings`` (resolved configuration) set, its default (venv) when none is set;
    ``report.recommended`` what ``--isolation auto`` would choose."""
    from headless_wheel_builder.analyze.analyzer import analyze
    from headless_wheel_builder.build.workspace import workspace
    from headless_wheel_builder.config.options import Options
    from headless_wheel_builder.isolation.strategy import choose_isolation
    from headless_wheel_builder.source.source import resolve_source

    with workspace("hwb-inspect-") as workdir:
        resolved = resolve_source(os.fspath(source), subdirectory=subdirectory, workdir=workdir)
        project = analyze(resolved.project_dir)
        options = settings.options if settings is not None else Options()
        recommended = choose_isolation(
            "auto", pure=project.pure, target=options.manylinux, repair=options.repair
        )
        if options.isolation_mode == "auto":
            choice = recommended
        else:
            choice = choose_isolation(options.isolation_mode, pure=project.pure)
            if settings is None or settings.values["isolation-mode"].source == "default":
                choice = replace(choice, reason=f"the default of hwb build: --isolation {choice.kind}")
        return InspectReport(source=resolved, project=project, isolation=choice, recommended=recommended)


def check(
    paths: Sequence[str | os.PathLike[str]],
    *,
    strict: bool = False,
    ignore: Sequence[str] = (),
    toplevel: Sequence[str] | None = None,
    package: Sequence[str | os.PathLike[str]] = (),
    src_dir: Sequence[str | os.PathLike[str]] = (),
) -> CheckReport:
    """Validate wheels and sdists (files or folders of them) as ``hwb check`` does.

    ``ignore``: codes left out (docs/CHECKS.md); ``toplevel``, ``package``, ``src_dir``: what
    the wheel's library must hold (W101/W102, W201/W202, as check-wheel-contents' options)."""
    from headless_wheel_builder.artifacts.check import ContentsOptions, check_files

    contents = ContentsOptions(
        toplevel=tuple(toplevel) if toplevel else None,
        package=tuple(Path(p) for p in package),
        src_dir=tuple(Path(p) for p in src_dir),
    )
    return check_files([Path(p) for p in paths], strict=strict, ignore=ignore, contents=contents)


def init(path: str | os.PathLike[str] = ".", options: InitOptions | None = None) -> InitReport:
    """Write ``path/pyproject.toml``: scaffold one for plain code, or (``from_setup``) migrate
    ``setup.py``/``setup.cfg`` to PEP 621 without running them.  Nothing is written with
    ``dry_run``; the report holds the text and what was translated, kept and dropped."""
    from headless_wheel_builder.migrate.init import InitOptions, init_project

    return init_project(path, options or InitOptions())


def init_editor(
    path: str | os.PathLike[str] = ".", editors: Sequence[str] = ("vscode",), *, dry_run: bool = False
) -> EditorReport:
    """Write the editor integration of ``hwb init --editor``: ``.vscode/tasks.json`` (vscode)
    and ``.run/hwb *.run.xml`` (pycharm).  Existing files are merged, never overwritten: a task
    or configuration of the same name that differs is kept and listed in ``conflicts``."""
    from headless_wheel_builder.migrate.editors import write_editor_files

    return write_editor_files(Path(path), tuple(editors), dry_run=dry_run)
