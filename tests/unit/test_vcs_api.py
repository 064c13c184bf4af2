"""Which host a release goes to, where its API is, and the token (publish/vcs_api.py)."""

from __future__ import annotations

import pytest

from headless_wheel_builder.errors import AuthenticationError, ConfigError
from headless_wheel_builder.publish.vcs_api import detect_host, github_target, gitlab_target, parse_remote


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("git@github.com:octo/demo.git", ("github.com", "octo/demo")),
        ("https://github.com/octo/demo", ("github.com", "octo/demo")),
        (
            "https://user:secret@gitlab.example.com/group/sub/demo.git",
            ("gitlab.example.com", "group/sub/demo"),
        ),
        ("ssh://git@gitlab.com:2222/group/demo.git", ("gitlab.com", "group/demo")),
        ("/srv/git/demo.git", None),
        ("../demo", None),
        (None, None),
    ],
)
def test_parse_remote(url: str | None, expected: tuple[str, str] | None) -> None:
    assert parse_remote(url) == expected


def test_the_ci_system_wins_over_the_remote() -> None:
    remote = "git@gitlab.com:group/demo.git"
    assert detect_host({}, remote) == "gitlab"
    assert detect_host({"GITHUB_ACTIONS": "true"}, remote) == "github"
    assert detect_host({"GITLAB_CI": "true"}, "https://github.com/o/r") == "gitlab"
    assert detect_host({}, "https://git.example.com/o/r") is None


def test_github_target_from_the_environment_or_the_remote() -> None:
    env = {"GITHUB_TOKEN": "ghs_0123456789abcdef", "GITHUB_API_URL": "https://ghe.example.com/api/v3/"}
    target = github_target(env, "git@github.com:octo/demo.git")
    assert (target.api_url, target.project, target.token_source) == (
        "https://ghe.example.com/api/v3",
        "octo/demo",
        "GITHUB_TOKEN",
    )
    assert target.headers() == {"Authorization": "Bearer ghs_0123456789abcdef"}
    assert "ghs_0123456789abcdef" not in repr(target)
    other = github_target({"GH_TOKEN": "gho_abcdef123456", "GITHUB_REPOSITORY": "a/b"}, None)
    assert (other.api_url, other.project, other.token_source) == ("https://api.github.com", "a/b", "GH_TOKEN")
    with pytest.raises(AuthenticationError, match="none of GITHUB_TOKEN, GH_TOKEN is set"):
        github_target({"GITHUB_REPOSITORY": "a/b"}, None)
    with pytest.raises(ConfigError, match="which GitHub repository"):
        github_target({"GITHUB_TOKEN": "x" * 10}, "/srv/git/demo")


def test_gitlab_target_prefers_the_job_token() -> None:
    env = {"CI_JOB_TOKEN": "job-0123456789", "GITLAB_TOKEN": "glpat-0123456789"}
    target = gitlab_target(env, "git@gitlab.example.com:group/demo.git")
    assert (target.api_url, target.project) == ("https://gitlab.example.com/api/v4", "group/demo")
    assert target.headers() == {"JOB-TOKEN": "job-0123456789"}
    personal = gitlab_target({"GITLAB_TOKEN": "glpat-0123456789", "CI_API_V4_URL": "https://x/api/v4",
                              "CI_PROJECT_ID": "7"}, None)  # fmt: skip
    assert personal.headers() == {"PRIVATE-TOKEN": "glpat-0123456789"}
    assert personal.project == "7"
