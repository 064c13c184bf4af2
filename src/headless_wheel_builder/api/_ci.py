"""hwb's public API: ci functions (see headless_wheel_builder.api)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from headless_wheel_builder.ci.detect import CiEnvironment
from headless_wheel_builder.ci.generate import CiOptions, CiReport
from headless_wheel_builder.ci.trusted_publisher import TrustedPublisher


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
    index: str | None = None,
) -> TrustedPublisher:
    """The values for PyPI's Trusted Publisher form: owner and repository from the git
    ``remote``, workflow file, environment and index (``index`` None: the one the pipeline
    publishes to, else pypi) from the generated pipeline."""
    from headless_wheel_builder.ci.trusted_publisher import find_trusted_publisher
    from headless_wheel_builder.errors import UsageError

    if provider not in (None, "github", "gitlab") or index not in (None, "pypi", "testpypi"):
        raise UsageError("provider must be github or gitlab, index pypi or testpypi")
    return find_trusted_publisher(
        Path(project_dir),
        provider="gitlab" if provider == "gitlab" else ("github" if provider == "github" else None),
        workflow=Path(workflow) if workflow is not None else None,
        remote=remote,
        index=None if index is None else ("testpypi" if index == "testpypi" else "pypi"),
    )


def detect_ci(environ: Mapping[str, str] | None = None) -> CiEnvironment:
    """The CI system this process runs in (GitHub, GitLab, CircleCI, Buildkite, Azure
    Pipelines, Jenkins, generic ``CI=true``), or one with ``name=None`` outside CI."""
    from headless_wheel_builder.ci.detect import detect_ci as _detect

    return _detect(environ)
