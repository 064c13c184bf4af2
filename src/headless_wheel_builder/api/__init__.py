"""hwb's public Python API: one typed function per command.  The CLI is a thin layer over
these; ``docs/API.md`` documents them and they stay stable.  Only the names in ``__all__``
are public; everything else in the package is private and may change.

>>> from headless_wheel_builder import api
>>> report = api.build("path/to/project", api.BuildOptions(outdir=Path("dist")))  # doctest: +SKIP
>>> [a.info.filename for a in report.artifacts]  # doctest: +SKIP

Each name is imported on first use (PEP 562), so ``hwb build`` does not pay for the
publishing, versioning, CI or container stages it does not use."""

from __future__ import annotations

import importlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from headless_wheel_builder.analyze.analyzer import ProjectInfo as ProjectInfo
    from headless_wheel_builder.api._build import InspectReport as InspectReport
    from headless_wheel_builder.api._build import build as build
    from headless_wheel_builder.api._build import check as check
    from headless_wheel_builder.api._build import init as init
    from headless_wheel_builder.api._build import init_editor as init_editor
    from headless_wheel_builder.api._build import inspect as inspect
    from headless_wheel_builder.api._cache import cache_clear as cache_clear
    from headless_wheel_builder.api._cache import cache_info as cache_info
    from headless_wheel_builder.api._cache import cache_prune as cache_prune
    from headless_wheel_builder.api._cache import cache_remove as cache_remove
    from headless_wheel_builder.api._cache import cache_verify as cache_verify
    from headless_wheel_builder.api._ci import ci_generate as ci_generate
    from headless_wheel_builder.api._ci import ci_trusted_publisher as ci_trusted_publisher
    from headless_wheel_builder.api._ci import detect_ci as detect_ci
    from headless_wheel_builder.api._config import build_options as build_options
    from headless_wheel_builder.api._config import resolve_config as resolve_config
    from headless_wheel_builder.api._configured import AnyBuildReport as AnyBuildReport
    from headless_wheel_builder.api._configured import build_from_config as build_from_config
    from headless_wheel_builder.api._container import build_in_container as build_in_container
    from headless_wheel_builder.api._container import container_options as container_options
    from headless_wheel_builder.api._matrix import build_matrix as build_matrix
    from headless_wheel_builder.api._matrix import matrix_options as matrix_options
    from headless_wheel_builder.api._matrix import plan_matrix as plan_matrix
    from headless_wheel_builder.api._publish import delete as delete
    from headless_wheel_builder.api._publish import index as index
    from headless_wheel_builder.api._publish import publish as publish
    from headless_wheel_builder.api._publish import yank as yank
    from headless_wheel_builder.api._vcs import vcs_release as vcs_release
    from headless_wheel_builder.api._version import changelog as changelog
    from headless_wheel_builder.api._version import lint_commits as lint_commits
    from headless_wheel_builder.api._version import release as release
    from headless_wheel_builder.api._version import version_bump as version_bump
    from headless_wheel_builder.api._version import version_plan as version_plan
    from headless_wheel_builder.artifacts.check import CheckReport as CheckReport
    from headless_wheel_builder.build.in_container import ContainerBuildReport as ContainerBuildReport
    from headless_wheel_builder.build.in_container import ContainerOptions as ContainerOptions
    from headless_wheel_builder.build.plan import BuildOptions as BuildOptions
    from headless_wheel_builder.build.plan import BuildReport as BuildReport
    from headless_wheel_builder.build.plan import BuiltArtifact as BuiltArtifact
    from headless_wheel_builder.build.plan import Distribution as Distribution
    from headless_wheel_builder.cache.manage import CacheInfo as CacheInfo
    from headless_wheel_builder.cache.manage import PruneReport as PruneReport
    from headless_wheel_builder.cache.verify import VerifyReport as VerifyReport
    from headless_wheel_builder.ci.detect import CiEnvironment as CiEnvironment
    from headless_wheel_builder.ci.generate import CiOptions as CiOptions
    from headless_wheel_builder.ci.generate import CiReport as CiReport
    from headless_wheel_builder.ci.trusted_publisher import TrustedPublisher as TrustedPublisher
    from headless_wheel_builder.config.resolve import Settings as Settings
    from headless_wheel_builder.isolation.strategy import IsolationChoice as IsolationChoice
    from headless_wheel_builder.matrix.jobs import MatrixObserver as MatrixObserver
    from headless_wheel_builder.matrix.plan import MatrixOptions as MatrixOptions
    from headless_wheel_builder.matrix.plan import MatrixPlan as MatrixPlan
    from headless_wheel_builder.matrix.schedule import MatrixReport as MatrixReport
    from headless_wheel_builder.migrate.editors import EditorReport as EditorReport
    from headless_wheel_builder.migrate.init import InitOptions as InitOptions
    from headless_wheel_builder.migrate.init import InitReport as InitReport
    from headless_wheel_builder.publish.base import PublishReport as PublishReport
    from headless_wheel_builder.publish.delete import DeleteReport as DeleteReport
    from headless_wheel_builder.publish.local_index import LocalIndexReport as LocalIndexReport
    from headless_wheel_builder.publish.options import PublishOptions as PublishOptions
    from headless_wheel_builder.publish.vcs_release import VcsReleaseReport as VcsReleaseReport
    from headless_wheel_builder.publish.yank import YankReport as YankReport
    from headless_wheel_builder.version.changelog_file import ChangelogReport as ChangelogReport
    from headless_wheel_builder.version.lint import LintReport as LintReport
    from headless_wheel_builder.version.manager import VersionPlan as VersionPlan
    from headless_wheel_builder.version.release import ReleaseOptions as ReleaseOptions
    from headless_wheel_builder.version.release import ReleaseReport as ReleaseReport

#: public name -> the module that defines it
_WHERE: dict[str, str] = {
    "AnyBuildReport": "headless_wheel_builder.api._configured",
    "BuildOptions": "headless_wheel_builder.build.plan",
    "BuildReport": "headless_wheel_builder.build.plan",
    "BuiltArtifact": "headless_wheel_builder.build.plan",
    "CacheInfo": "headless_wheel_builder.cache.manage",
    "ChangelogReport": "headless_wheel_builder.version.changelog_file",
    "CheckReport": "headless_wheel_builder.artifacts.check",
    "CiEnvironment": "headless_wheel_builder.ci.detect",
    "CiOptions": "headless_wheel_builder.ci.generate",
    "CiReport": "headless_wheel_builder.ci.generate",
    "ContainerBuildReport": "headless_wheel_builder.build.in_container",
    "ContainerOptions": "headless_wheel_builder.build.in_container",
    "DeleteReport": "headless_wheel_builder.publish.delete",
    "Distribution": "headless_wheel_builder.build.plan",
    "EditorReport": "headless_wheel_builder.migrate.editors",
    "InitOptions": "headless_wheel_builder.migrate.init",
    "InitReport": "headless_wheel_builder.migrate.init",
    "InspectReport": "headless_wheel_builder.api._build",
    "IsolationChoice": "headless_wheel_builder.isolation.strategy",
    "LintReport": "headless_wheel_builder.version.lint",
    "LocalIndexReport": "headless_wheel_builder.publish.local_index",
    "MatrixObserver": "headless_wheel_builder.matrix.jobs",
    "MatrixOptions": "headless_wheel_builder.matrix.plan",
    "MatrixPlan": "headless_wheel_builder.matrix.plan",
    "MatrixReport": "headless_wheel_builder.matrix.schedule",
    "ProjectInfo": "headless_wheel_builder.analyze.analyzer",
    "PruneReport": "headless_wheel_builder.cache.manage",
    "PublishOptions": "headless_wheel_builder.publish.options",
    "PublishReport": "headless_wheel_builder.publish.base",
    "ReleaseOptions": "headless_wheel_builder.version.release",
    "ReleaseReport": "headless_wheel_builder.version.release",
    "Settings": "headless_wheel_builder.config.resolve",
    "TrustedPublisher": "headless_wheel_builder.ci.trusted_publisher",
    "VcsReleaseReport": "headless_wheel_builder.publish.vcs_release",
    "VerifyReport": "headless_wheel_builder.cache.verify",
    "VersionPlan": "headless_wheel_builder.version.manager",
    "YankReport": "headless_wheel_builder.publish.yank",
    "build": "headless_wheel_builder.api._build",
    "build_from_config": "headless_wheel_builder.api._configured",
    "build_in_container": "headless_wheel_builder.api._container",
    "build_matrix": "headless_wheel_builder.api._matrix",
    "build_options": "headless_wheel_builder.api._config",
    "cache_clear": "headless_wheel_builder.api._cache",
    "cache_info": "headless_wheel_builder.api._cache",
    "cache_prune": "headless_wheel_builder.api._cache",
    "cache_remove": "headless_wheel_builder.api._cache",
    "cache_verify": "headless_wheel_builder.api._cache",
    "changelog": "headless_wheel_builder.api._version",
    "check": "headless_wheel_builder.api._build",
    "ci_generate": "headless_wheel_builder.api._ci",
    "ci_trusted_publisher": "headless_wheel_builder.api._ci",
    "container_options": "headless_wheel_builder.api._container",
    "delete": "headless_wheel_builder.api._publish",
    "detect_ci": "headless_wheel_builder.api._ci",
    "index": "headless_wheel_builder.api._publish",
    "init": "headless_wheel_builder.api._build",
    "init_editor": "headless_wheel_builder.api._build",
    "inspect": "headless_wheel_builder.api._build",
    "lint_commits": "headless_wheel_builder.api._version",
    "matrix_options": "headless_wheel_builder.api._matrix",
    "plan_matrix": "headless_wheel_builder.api._matrix",
    "publish": "headless_wheel_builder.api._publish",
    "release": "headless_wheel_builder.api._version",
    "resolve_config": "headless_wheel_builder.api._config",
    "vcs_release": "headless_wheel_builder.api._vcs",
    "version_bump": "headless_wheel_builder.api._version",
    "version_plan": "headless_wheel_builder.api._version",
    "yank": "headless_wheel_builder.api._publish",
}

__all__ = [
    "AnyBuildReport",
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
    "DeleteReport",
    "Distribution",
    "EditorReport",
    "InitOptions",
    "InitReport",
    "InspectReport",
    "IsolationChoice",
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
    "VcsReleaseReport",
    "VerifyReport",
    "VersionPlan",
    "YankReport",
    "build",
    "build_from_config",
    "build_in_container",
    "build_matrix",
    "build_options",
    "cache_clear",
    "cache_info",
    "cache_prune",
    "cache_remove",
    "cache_verify",
    "changelog",
    "check",
    "ci_generate",
    "ci_trusted_publisher",
    "container_options",
    "delete",
    "detect_ci",
    "index",
    "init",
    "init_editor",
    "inspect",
    "lint_commits",
    "matrix_options",
    "plan_matrix",
    "publish",
    "release",
    "resolve_config",
    "vcs_release",
    "version_bump",
    "version_plan",
    "yank",
]


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'headless_wheel_builder.api' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
