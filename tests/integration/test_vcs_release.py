"""GitHub and GitLab Releases from the real ``hwb release`` (and ``hwb vcs-release``) in a real
git repository, against loopback servers speaking both hosts' APIs (vcs_servers.py): notes,
byte-identical files, pre-release and latest flags, no token anywhere, a second run that changes
nothing, rate limits and 5xx retried, and an interrupted release finished by the next run."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration._gitrepo import Repo
from tests.integration.test_release import make_project
from tests.integration.vcs_servers import TOKEN, GitHubServer, GitLabServer, github_server, gitlab_server

WHEEL, SDIST = "tiny_pkg-{v}-py3-none-any.whl", "tiny_pkg-{v}.tar.gz"


def github_env(project: Repo, server: GitHubServer, **extra: str) -> dict[str, str]:
    return {
        **project.env,
        "GITHUB_API_URL": server.url,
        "GITHUB_REPOSITORY": server.repository,
        "GITHUB_TOKEN": TOKEN,
        **extra,
    }


def gitlab_env(project: Repo, server: GitLabServer) -> dict[str, str]:
    return {
        **project.env,
        "CI_API_V4_URL": server.api_url,
        "CI_PROJECT_ID": server.project_id,
        "CI_JOB_TOKEN": TOKEN,
    }


def assert_no_token(project: Repo, tmp_path: Path, *results: Any) -> None:
    """The token is in no output, log, report or file hwb wrote."""
    for result in results:
        assert TOKEN not in result.stdout
        assert TOKEN not in result.stderr
    written = [*(tmp_path / "hwb-logs").rglob("*"), *project.path.joinpath(".git").glob("hwb-*.json")]
    written += list((project.path / "dist").rglob("*")) if (project.path / "dist").exists() else []
    for path in written:
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def assert_files_match(project: Repo, files: dict[str, bytes], version: str) -> None:
    dist = project.path / "dist"
    names = [WHEEL.format(v=version), SDIST.format(v=version)]
    assert sorted(files) == sorted([*names, "SHA256SUMS"])
    for name in names:
        assert files[name] == (dist / name).read_bytes(), name
    sums = "".join(f"{hashlib.sha256((dist / n).read_bytes()).hexdigest()}  {n}\n" for n in sorted(names))
    assert files["SHA256SUMS"].decode() == sums


@pytest.fixture
def project(tmp_path: Path) -> Repo:
    return make_project(tmp_path)


def test_release_makes_the_github_release(hwb: Any, project: Repo, tmp_path: Path) -> None:
    with github_server() as server:
        # a rate limit on creating the release, a 502 on one upload: both retried
        server.fail(
            "POST",
            r"/releases$",
            403,
            headers={"Retry-After": "1", "x-ratelimit-remaining": "0"},
            message="API rate limit exceeded",
        )
        server.fail("POST", r"/assets\?name=tiny_pkg-0\.4\.0\.tar\.gz", 502)
        server.lost.add("tiny_pkg-0.4.0-py3-none-any.whl")  # lands, answered 502: the retry gets 422
        env = github_env(project, server, GITHUB_ACTIONS="true")  # auto: the CI system says GitHub
        notes = hwb("changelog", "--format", "github", env=env, cwd=project.path)  # what hwb renders
        assert notes.code == 0, notes.stderr
        result = hwb("release", "--retries", "2", "--json", env=env, cwd=project.path)
        assert result.code == 0, result.stderr
        steps = {s["step"]: s for s in result.json["steps"]}
        assert steps["vcs-release"]["status"] == "done", steps
        assert (
            "github release v0.4.0 (latest) created: 2 file(s) uploaded, 1 already there"
            in (steps["vcs-release"]["detail"])
        )
        release = server.release("v0.4.0")
        assert release is not None
        assert release["draft"] is False
        assert release["prerelease"] is False
        assert release["make_latest"] == "true"
        assert release["name"] == "v0.4.0"
        assert release["target_commitish"] == project.git("rev-parse", "v0.4.0^{commit}")
        assert "### Features" in release["body"]
        assert "- a new knob (" in release["body"]
        assert release["body"] == notes.stdout  # the changelog entry, as `hwb changelog` renders it
        assert_files_match(project, server.files("v0.4.0"), "0.4.0")
        assert "attempt 1 of 3 failed (HTTP 403 API rate limit exceeded)" in result.stderr

        before = len(server.changes())
        again = hwb("release", "--retries", "2", env=env, cwd=project.path)
        assert again.code == 72, again.stderr  # nothing to release, nothing to finish
        dist = project.path / "dist"
        alone = hwb("vcs-release", "v0.4.0", dist, "--json", env=env, cwd=project.path)
        assert alone.code == 0, alone.stderr
        assert alone.json["created"] is False
        assert alone.json["uploaded"] == []
        assert sorted(alone.json["present"]) == sorted(server.files("v0.4.0"))
        assert server.changes()[before:] == []  # the second runs changed nothing
        for request in server.requests:
            assert TOKEN not in request.path
        assert_no_token(project, tmp_path, result, again, alone)


def test_release_makes_the_gitlab_release_of_a_prerelease(hwb: Any, project: Repo, tmp_path: Path) -> None:
    with gitlab_server() as server:
        server.fail(
            "PUT", r"/packages/generic/tiny-pkg/0\.4\.0rc1/tiny_pkg", 429, headers={"Retry-After": "1"}
        )
        server.fail("POST", r"/assets/links$", 503)
        server.lost.add("SHA256SUMS")  # linked, answered 502: the retry gets 400 "already taken"
        env = gitlab_env(project, server)
        result = hwb(
            "release", "--pre", "rc", "--vcs-release", "gitlab", "--retries", "2", env=env, cwd=project.path
        )
        assert result.code == 0, result.stderr
        assert "gitlab release v0.4.0rc1 (pre-release) created: 3 file(s) uploaded" in result.stdout
        release = server.releases["v0.4.0rc1"]
        assert release["name"] == "v0.4.0rc1 (pre-release)"
        assert release["ref"] == project.git("rev-parse", "v0.4.0rc1^{commit}")
        assert release["description"].startswith("## 0.4.0rc1 (")
        assert "### Features (1 change)" in release["description"]
        history = hwb("changelog", "--format", "gitlab", "--all", env=env, cwd=project.path)
        assert history.code == 0, history.stderr
        # its entry as `hwb changelog` renders it (after 0.4.0rc1 the upcoming 0.4.0 has the same commits)
        assert release["description"].replace("0.4.0rc1", "0.4.0") in history.stdout
        assert_files_match(project, server.files("v0.4.0rc1"), "0.4.0rc1")
        assert {r.headers.get("job-token") for r in server.requests} == {TOKEN}
        assert not any("private-token" in r.headers for r in server.requests)

        before = len(server.changes())
        alone = hwb(
            "vcs-release",
            "v0.4.0rc1",
            project.path / "dist",
            env={**env, "GITLAB_CI": "true"},
            cwd=project.path,
        )
        assert alone.code == 0, alone.stderr
        assert "found: 0 file(s) uploaded, 3 already there" in alone.stdout
        assert server.changes()[before:] == []
        assert_no_token(project, tmp_path, result, alone)


def test_an_interrupted_release_finishes_on_the_next_run(hwb: Any, project: Repo, tmp_path: Path) -> None:
    with github_server(digests=False) as server:  # no digest field: hwb downloads to compare
        server.fail("POST", r"/assets\?name=tiny_pkg-0\.4\.0rc1-py3", 500, times=None)
        env = github_env(project, server)
        first = hwb(  # --debug -vv: the debug log has no token either
            "--debug", "-vv", "release", "--pre", "rc", "--vcs-release", "github", "--retries", "1",
            env=env, cwd=project.path,
        )  # fmt: skip
        assert first.code == 62, first.stderr
        assert "not uploaded yet: tiny_pkg-0.4.0rc1-py3-none-any.whl, SHA256SUMS" in first.stderr
        assert "hwb vcs-release v0.4.0rc1 " in first.stderr  # the command that finishes it
        assert "run the same hwb release again" in first.stderr
        draft = server.release("v0.4.0rc1")
        assert draft is not None
        assert draft["draft"] is True
        assert sorted(server.files("v0.4.0rc1")) == ["tiny_pkg-0.4.0rc1.tar.gz"]
        record = json.loads((project.path / ".git" / "hwb-release.json").read_text())
        assert record["vcs_released"] == []

        server.heal()
        second = hwb(
            "release", "--vcs-release", "github", "--retries", "1", "--json", env=env, cwd=project.path
        )
        assert second.code == 0, second.stderr
        steps = {s["step"]: s for s in second.json["steps"]}
        assert steps["resume"]["status"] == "done"
        assert steps["build"]["status"] == "skipped"  # the files the first run built
        assert "2 file(s) uploaded, 1 already there" in steps["vcs-release"]["detail"]
        release = server.release("v0.4.0rc1")
        assert release is not None
        assert release["draft"] is False
        assert release["prerelease"] is True
        assert release["make_latest"] == "false"
        assert_files_match(project, server.files("v0.4.0rc1"), "0.4.0rc1")
        uploads = [
            r.path
            for r in server.requests
            if r.method == "POST" and "name=tiny_pkg-0.4.0rc1.tar.gz" in r.path
        ]
        assert len(uploads) == 1  # the sdist went up once
        assert any(r.path.startswith("/download/") for r in server.requests)  # compared by download
        assert not any(
            "authorization" in r.headers for r in server.requests if r.path.startswith("/download/")
        )
        assert json.loads((project.path / ".git" / "hwb-release.json").read_text())["vcs_released"] == [
            "github"
        ]
        assert_no_token(project, tmp_path, first, second)


def test_vcs_release_refuses_a_different_file_of_the_same_name(hwb: Any, project: Repo) -> None:
    built = hwb("release", "--vcs-release", "none", env=project.env, cwd=project.path)
    assert built.code == 0, built.stderr
    assert "vcs-release" not in built.stdout
    dist = project.path / "dist"
    with gitlab_server() as server:
        env = gitlab_env(project, server)
        first = hwb("vcs-release", "v0.4.0", dist, "--host", "gitlab", env=env, cwd=project.path)
        assert first.code == 0, first.stderr
        wheel = dist / WHEEL.format(v="0.4.0")
        there = hashlib.sha256(wheel.read_bytes()).hexdigest()
        wheel.write_bytes(wheel.read_bytes() + b"\0")
        here = hashlib.sha256(wheel.read_bytes()).hexdigest()
        before = len(server.changes())
        second = hwb("vcs-release", "v0.4.0", wheel, "--host", "gitlab", env=env, cwd=project.path)
        assert second.code == 63, second.stderr
        assert f"there: sha256:{there}; here: sha256:{here}" in second.stderr
        assert server.changes()[before:] == []


def test_auto_without_a_token_skips_and_a_named_host_without_one_fails(hwb: Any, project: Repo) -> None:
    project.git("remote", "add", "origin", "git@github.com:octo/demo.git")
    env = {**project.env, "GITHUB_TOKEN": None, "GH_TOKEN": None, "GITHUB_ACTIONS": None, "GITLAB_CI": None}
    plan = hwb("release", "--dry-run", env=env, cwd=project.path)
    assert plan.code == 0, plan.stderr
    assert "skipped vcs-release: the project is on github, but no token" in plan.stdout
    named = hwb("release", "--dry-run", "--vcs-release", "github", env=env, cwd=project.path)
    assert named.code == 61, named.stderr
    assert "GITHUB_TOKEN or GH_TOKEN" in named.stderr
    with_token = hwb("release", "--dry-run", env={**env, "GH_TOKEN": TOKEN}, cwd=project.path)
    assert with_token.code == 0, with_token.stderr
    assert "would   vcs-release: a github release of each tag" in with_token.stdout
    assert TOKEN not in with_token.stdout + with_token.stderr


def test_a_monorepo_release_makes_one_release_per_package_tag(hwb: Any, tmp_path: Path) -> None:
    from tests.integration.test_release import MONOREPO, copy_tiny

    repo = Repo(tmp_path / "mono", tmp_path / "home")
    repo.home.mkdir()
    for name, folder in (("pkg-a", "a"), ("pkg-b", "b")):
        copy_tiny(repo.path / "packages" / folder, name)
    repo.write("pyproject.toml", MONOREPO)
    repo.write(".gitignore", "dist/\n")
    repo.git("init", "-q", "-b", "main")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: two packages")
    repo.tag("pkg-a-v0.3.0")
    repo.tag("pkg-b-v0.3.0")
    repo.commit("feat(a): a thing", path="packages/a/tiny/a.txt")
    repo.commit("fix(b): b thing", path="packages/b/tiny/b.txt")
    with github_server() as server:
        result = hwb("release", "--vcs-release", "github", env=github_env(repo, server), cwd=repo.path)
        assert result.code == 0, result.stderr
        a, b = server.release("pkg-a-v0.4.0"), server.release("pkg-b-v0.3.1")
        assert a is not None
        assert b is not None
        assert "a thing" in a["body"]
        assert "b thing" not in a["body"]
        assert "b thing" in b["body"]
        assert "a thing" not in b["body"]
        for tag, dist, version in (("pkg-a-v0.4.0", "pkg_a", "0.4.0"), ("pkg-b-v0.3.1", "pkg_b", "0.3.1")):
            files = server.files(tag)
            assert sorted(files) == sorted(
                [f"{dist}-{version}-py3-none-any.whl", f"{dist}-{version}.tar.gz", "SHA256SUMS"]
            )
            folder = repo.path / "dist" / dist.replace("_", "-")
            for name, data in files.items():
                if name != "SHA256SUMS":
                    assert data == (folder / name).read_bytes()


def test_github_rate_limits_are_waited_for_until_their_reset(hwb: Any, project: Repo) -> None:
    built = hwb("release", "--vcs-release", "none", env=project.env, cwd=project.path)
    assert built.code == 0, built.stderr
    with github_server() as server:
        env = github_env(project, server)
        # far in the future: no waiting an hour, an error that says when; nothing changed
        reset = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 3600)}
        server.fail("GET", r"/releases/tags/v0\.4\.0$", 403, headers=reset, message="API rate limit exceeded")
        later = hwb("vcs-release", "v0.4.0", "dist", "--host", "github", env=env, cwd=project.path)
        assert later.code == 60, later.stderr
        assert "github rate limit reached" in later.stderr
        assert "resets in 3" in later.stderr
        assert server.changes() == []
        # two seconds ahead, no Retry-After: hwb waits for the reset, then goes on
        soon = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 2)}
        server.fail("GET", r"/releases/tags/v0\.4\.0$", 403, headers=soon, message="API rate limit exceeded")
        started = time.monotonic()
        done = hwb(
            "vcs-release", "v0.4.0", "dist", "--host", "github", "--retries", "1", env=env, cwd=project.path
        )
        assert done.code == 0, done.stderr
        assert time.monotonic() - started >= 1.0
        assert "attempt 1 of 2 failed (HTTP 403 API rate limit exceeded)" in done.stderr
        assert_files_match(project, server.files("v0.4.0"), "0.4.0")
        # a host that echoes the token back in its error does not get it printed
        server.fail("GET", r"/releases/tags/v0\.4\.0$", 400, message=f"bad request from {TOKEN}")
        echoed = hwb("vcs-release", "v0.4.0", "dist", "--host", "github", env=env, cwd=project.path)
        assert echoed.code == 62, echoed.stderr
        assert "answered HTTP 400" in echoed.stderr
        assert TOKEN not in echoed.stderr + echoed.stdout


def test_the_api_function_makes_the_release(hwb: Any, project: Repo) -> None:
    """``api.vcs_release`` as docs/API.md shows it, the token given in ``environ`` only."""
    from headless_wheel_builder import api

    built = hwb("release", "--vcs-release", "none", env=project.env, cwd=project.path)
    assert built.code == 0, built.stderr
    with github_server() as server:
        env = {"GITHUB_API_URL": server.url, "GITHUB_REPOSITORY": server.repository, "GITHUB_TOKEN": TOKEN}
        report = api.vcs_release("v0.4.0", [project.path / "dist"], project_dir=project.path, host="github",
                                 environ=env)  # fmt: skip
        assert isinstance(report, api.VcsReleaseReport)
        assert report.created
        assert report.published
        assert report.latest
        assert sorted(report.uploaded) == sorted(server.files("v0.4.0"))
        assert report.url == f"{server.url}/octo/demo/releases/tag/v0.4.0"
        assert TOKEN not in repr(report.to_dict())
        again = api.vcs_release("v0.4.0", [project.path / "dist"], project_dir=project.path, host="github",
                                environ=env)  # fmt: skip
        assert not again.changed
