"""Which CI system hwb runs in, and what that means for output.

:func:`detect_ci` reads only environment variables (the ones each provider documents), so it
is cheap and testable with a plain dict.  The result tells the output layer whether it may
prompt or animate (never in CI), how to fold log sections (GitHub ``::group::``, GitLab
``section_start``, Azure ``##[group]``, Buildkite ``---``), and where a step summary goes
(GitHub's ``$GITHUB_STEP_SUMMARY``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

CiName = Literal["github", "gitlab", "circleci", "buildkite", "azure", "jenkins", "generic"]
FoldStyle = Literal["github", "gitlab", "azure", "buildkite"]

_TRUTHY = {"1", "true", "yes", "on"}


@dataclass(frozen=True, kw_only=True)
class CiEnvironment:
    """The CI system of the current process (``name`` None: not in CI)."""

    name: CiName | None = None
    label: str = ""
    """A human-readable name, e.g. ``GitHub Actions``."""
    fold: FoldStyle | None = None
    """How to fold log sections, or None where the provider has no such markup."""
    step_summary: Path | None = None
    """A Markdown file shown on the run's page (GitHub Actions), or None."""
    run_url: str | None = None
    """A link to this run, when the provider says it."""

    @property
    def is_ci(self) -> bool:
        return self.name is not None

    @property
    def interactive(self) -> bool:
        """Whether prompts, spinners and other terminal animation are allowed (never in CI)."""
        return self.name is None


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUTHY


def detect_ci(environ: Mapping[str, str] | None = None) -> CiEnvironment:
    """The CI system described by ``environ`` (default: ``os.environ``)."""
    env = os.environ if environ is None else environ
    if env.get("GITHUB_ACTIONS") == "true":
        server, repo, run = (
            env.get("GITHUB_SERVER_URL"),
            env.get("GITHUB_REPOSITORY"),
            env.get("GITHUB_RUN_ID"),
        )
        summary = env.get("GITHUB_STEP_SUMMARY")
        return CiEnvironment(
            name="github",
            label="GitHub Actions",
            fold="github",
            step_summary=Path(summary) if summary else None,
            run_url=f"{server}/{repo}/actions/runs/{run}" if server and repo and run else None,
        )
    if env.get("GITLAB_CI") == "true":
        return CiEnvironment(name="gitlab", label="GitLab CI", fold="gitlab", run_url=env.get("CI_JOB_URL"))
    if _truthy(env.get("CIRCLECI")):
        return CiEnvironment(name="circleci", label="CircleCI", run_url=env.get("CIRCLE_BUILD_URL"))
    if _truthy(env.get("BUILDKITE")):
        return CiEnvironment(
            name="buildkite", label="Buildkite", fold="buildkite", run_url=env.get("BUILDKITE_BUILD_URL")
        )
    if _truthy(env.get("TF_BUILD")):
        return CiEnvironment(name="azure", label="Azure Pipelines", fold="azure")
    if env.get("JENKINS_URL") and (env.get("BUILD_ID") or env.get("BUILD_NUMBER")):
        return CiEnvironment(name="jenkins", label="Jenkins", run_url=env.get("BUILD_URL"))
    if _truthy(env.get("CI")):
        return CiEnvironment(name="generic", label="CI")
    return CiEnvironment()


def fold_start(style: FoldStyle, title: str, *, section: str = "hwb", timestamp: int = 0) -> str:
    """The line that opens a folded log section titled ``title``."""
    match style:
        case "github":
            return f"::group::{title}"
        case "gitlab":
            return f"\x1b[0Ksection_start:{timestamp}:{section}[collapsed=true]\r\x1b[0K{title}"
        case "azure":
            return f"##[group]{title}"
        case "buildkite":
            return f"--- {title}"


def fold_end(style: FoldStyle, *, section: str = "hwb", timestamp: int = 0) -> str | None:
    """The line that closes a folded section (None: the provider closes it at the next one)."""
    match style:
        case "github":
            return "::endgroup::"
        case "gitlab":
            return f"\x1b[0Ksection_end:{timestamp}:{section}\r\x1b[0K"
        case "azure":
            return "##[endgroup]"
        case "buildkite":
            return None
