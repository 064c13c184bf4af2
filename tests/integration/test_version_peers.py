"""hwb version decides as python-semantic-release does, on real repositories: PSR's own CLI
(``semantic-release --noop version --print``) runs on the same repository in the same test and
gives the reference answer.  Squash commits (GitHub, ``git merge --squash``, Bitbucket),
``BREAKING CHANGE:`` headers and malformed scopes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration._gitrepo import Repo, make_repo
from tests.integration._psr import psr, psr_next

GITHUB_SQUASH = """\
Add the CLI and tidy the core (#12)

* feat(cli): add the export command

* fix(core)!: drop the old cache keys

* docs: explain the export command
"""
BITBUCKET_SQUASH = """\
Merged in feature/export (pull request #5)

feat(cli): add the export command

* fix(core): handle an empty cache

* chore: tidy

Approved-by: Someone Else
"""


def run(hwb: Any, repo: Repo, *args: str) -> Any:
    return hwb(*args, env=repo.env, cwd=repo.path)


def hwb_next(hwb: Any, repo: Repo) -> tuple[str, dict[str, Any]]:
    """hwb's next version (the current one when there is nothing to release), and the plan."""
    result = run(hwb, repo, "version", "next", "--json")
    assert result.code in (0, 72), result.stderr
    return result.json["next"] or result.json["current"], result.json


def topic_branch(repo: Repo, *messages: str) -> None:
    """Commits on a branch ``topic`` made from main; main checked out again."""
    repo.git("checkout", "-q", "-b", "topic")
    for n, message in enumerate(messages):
        repo.commit(message, path=f"topic{n}.txt")
    repo.git("checkout", "-q", "main")


def squash_merge(repo: Repo, message: str | None) -> None:
    """``git merge --squash topic`` and one commit: with ``message`` (as GitHub and Bitbucket
    write it), or git's own ``Squashed commit of the following:`` message (None)."""
    repo.git("merge", "-q", "--squash", "topic")
    if message is None:
        repo.git("commit", "-q", "--no-edit")
    else:
        repo.git("commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path)


def test_github_squash_counts_each_listed_commit(hwb: Any, repo: Repo) -> None:
    topic_branch(repo, "feat(cli): add the export command", "fix(core)!: drop the old cache keys")
    squash_merge(repo, GITHUB_SQUASH)
    assert len(repo.git("log", "--format=%H", "v1.2.3..HEAD").split()) == 1  # one commit on main
    reference = psr_next(repo)
    assert reference == "2.0.0"
    version, plan = hwb_next(hwb, repo)
    assert version == reference
    listed = [(c["header"], c["squashed"], c["level"]) for c in plan["commits"]]
    assert listed == [
        ("docs: explain the export command", True, None),
        ("fix(core)!: drop the old cache keys", True, "major"),
        ("feat(cli): add the export command", True, "minor"),
        ("Add the CLI and tidy the core (#12)", True, None),
    ]
    assert plan["reason"].startswith("breaking change in ")
    log = run(hwb, repo, "changelog")
    assert log.code == 0, log.stderr
    assert "add the export command" in log.stdout
    assert "drop the old cache keys" in log.stdout


def test_parse_squash_commits_false_reads_only_the_header(hwb: Any, tmp_path: Path) -> None:
    from tests.integration._gitrepo import PYPROJECT

    repo = make_repo(tmp_path, pyproject=PYPROJECT + "\n[tool.hwb.version]\nparse-squash-commits = false\n")
    topic_branch(repo, "feat(cli): add the export command")
    squash_merge(repo, "fix: tidy the core (#12)\n\n* feat(cli): add the export command\n")
    reference = psr_next(repo, parser_options="parse_squash_commits = false")
    assert reference == "1.2.4"
    assert hwb_next(hwb, repo)[0] == reference


def test_git_merge_squash_message(hwb: Any, repo: Repo) -> None:
    topic_branch(repo, "fix(core): handle an empty cache", "feat(cli): add the export command\n\nWith docs.")
    squash_merge(repo, None)
    message = repo.head_message()
    assert message.startswith("Squashed commit of the following:")
    assert "\n    feat(cli): add the export command" in message
    reference = psr_next(repo)
    assert reference == "1.3.0"
    version, plan = hwb_next(hwb, repo)
    assert version == reference
    assert [c["header"] for c in plan["commits"]] == [
        "feat(cli): add the export command",
        "fix(core): handle an empty cache",
    ]  # newest first, as git log lists them
    assert all(c["squashed"] for c in plan["commits"])


def test_bitbucket_merged_in_squash(hwb: Any, repo: Repo) -> None:
    topic_branch(repo, "feat(cli): add the export command", "fix(core): handle an empty cache")
    squash_merge(repo, BITBUCKET_SQUASH)
    reference = psr_next(repo)
    assert reference == "1.3.0"
    version, plan = hwb_next(hwb, repo)
    assert version == reference
    kinds = {c["header"]: c["kind"] for c in plan["commits"]}
    assert kinds["Merged in feature/export (pull request #5)"] == "merge"  # neither an error nor a release
    assert kinds["feat(cli): add the export command"] == "conventional"
    assert plan["nonconforming"] == []


@pytest.mark.parametrize("header", ["BREAKING CHANGE: drop Python 3.8", "BREAKING-CHANGE: drop Python 3.8"])
def test_breaking_change_header_is_reported_and_counts_as_psr_decides(
    hwb: Any, repo: Repo, header: str
) -> None:
    sha = repo.commit(header)
    reference = psr_next(repo)
    result = run(hwb, repo, "version", "next")
    assert reference == "1.2.3"  # PSR releases nothing for it
    assert result.code == 72, result.stderr  # neither does hwb, but it says so
    assert f"commit {sha[:7]} starts with {header!r}" in result.stderr
    assert "not counted as a breaking change" in result.stderr
    lint = run(hwb, repo, "version", "lint", "--range", "v1.2.3..HEAD")
    assert lint.code == 71
    assert "is a footer, not a header" in lint.stderr


def test_malformed_scope_is_a_lint_error_and_bumps_as_psr(hwb: Any, repo: Repo) -> None:
    repo.commit("chore((part)): tidy the part")
    repo.commit("feat((cli)): add the export command")
    reference = psr_next(repo)
    assert reference == "1.3.0"  # PSR reads the scope as '(cli)' and releases the feature
    assert hwb_next(hwb, repo)[0] == reference
    lint = run(hwb, repo, "version", "lint", "--range", "v1.2.3..HEAD", "--json")
    assert lint.code == 71
    failed = {m["header"]: m["problems"] for m in lint.json["messages"] if not m["ok"]}
    assert set(failed) == {"chore((part)): tidy the part", "feat((cli)): add the export command"}
    assert "the scope '(part)' is malformed" in failed["chore((part)): tidy the part"][0]


SETUP_PY = """\
from setuptools import setup

setup(
    name="legacy",
    version="1.4.0",
    packages=["legacy"],
    python_requires=">=3.9",
)
"""


def setup_py_repo(tmp_path: Path, files: list[str] | None) -> Repo:
    """A project with only setup.py (no pyproject.toml): its version in setup.py, in
    legacy/__init__.py and in VERSION; hwb.toml lists ``files``."""
    repo = make_repo(tmp_path, tag=None)
    repo.git("rm", "-q", "pyproject.toml")
    repo.write("setup.py", SETUP_PY)
    repo.write("legacy/__init__.py", '"""Legacy."""\n\n__version__ = "1.4.0"\n')
    repo.write("VERSION", "1.4.0\n")
    if files is not None:
        repo.write("hwb.toml", f"[version]\nfiles = {files!r}\n".replace("'", '"'))
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: setup.py project")
    repo.tag("v1.4.0")
    repo.commit("feat: add the export command")
    return repo


@pytest.mark.parametrize("listed", ["setup.py", "legacy/__init__.py", "VERSION"])
def test_setup_py_project_versioned_from_a_listed_file(hwb: Any, tmp_path: Path, listed: str) -> None:
    repo = setup_py_repo(tmp_path, [listed])
    show = run(hwb, repo, "version", "show")
    assert show.code == 0, show.stderr
    assert show.stdout.splitlines()[0] == "legacy 1.4.0"
    assert f"written in: {listed}" in show.stdout
    reference = psr_next(repo)
    assert reference == "1.5.0"
    bumped = run(hwb, repo, "version", "bump", "--commit", "--tag", "--json")
    assert bumped.code == 0, bumped.stderr
    assert bumped.json["files"] == [listed]
    assert bumped.json["packages"][0]["next"] == reference
    texts = {name: (repo.path / name).read_text() for name in ("setup.py", "legacy/__init__.py", "VERSION")}
    assert "1.5.0" in texts[listed]
    assert all("1.4.0" in text for name, text in texts.items() if name != listed)  # only the listed one
    assert 'python_requires=">=3.9"' in texts["setup.py"]
    assert run(hwb, repo, "version", "show").stdout.splitlines()[0] == "legacy 1.5.0"
    assert "v1.5.0" in repo.tags()


def test_setup_py_project_all_files_and_without_files(hwb: Any, tmp_path: Path) -> None:
    repo = setup_py_repo(tmp_path / "all", ["setup.py", "legacy/__init__.py", "VERSION"])
    bumped = run(hwb, repo, "version", "bump", "--json")
    assert bumped.code == 0, bumped.stderr
    assert sorted(bumped.json["files"]) == ["VERSION", "legacy/__init__.py", "setup.py"]
    assert (repo.path / "setup.py").read_text() == SETUP_PY.replace("1.4.0", "1.5.0")
    assert (repo.path / "legacy/__init__.py").read_text() == '"""Legacy."""\n\n__version__ = "1.5.0"\n'
    assert (repo.path / "VERSION").read_text() == "1.5.0\n"

    bare = setup_py_repo(tmp_path / "bare", None)
    refused = run(hwb, bare, "version", "bump")
    assert refused.code == 70
    assert 'files = ["setup.py"]' in refused.stderr
    assert (bare.path / "setup.py").read_text() == SETUP_PY


COMMITIZEN_PROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "demo"
version = "1.2.3"

[tool.commitizen]
name = "cz_conventional_commits"
version = "1.2.3"
tag_format = "rel-$version"
version_scheme = "pep440"
version_files = ["src/demo/__init__.py:__version__", "README.md"]
bump_message = "bump: $current_version → $new_version"
"""

PSR_PROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "demo"
version = "1.2.3"

[tool.semantic_release]
tag_format = "demo-v{version}"
version_toml = ["pyproject.toml:project.version"]
version_variables = ["src/demo/__init__.py:__version__", "VERSION:*"]
"""


def peer_repo(tmp_path: Path, pyproject: str, tag: str) -> Repo:
    repo = make_repo(tmp_path, tag=None)
    repo.write("pyproject.toml", pyproject)  # as written: make_repo would fill in its {version}
    repo.write("src/demo/__init__.py", '"""Demo."""\n\n__version__ = "1.2.3"\nOTHER = "1.2.3"\n')
    repo.write("README.md", "# demo 1.2.3\n\nNeeds 1.2.3 of nothing.\n")
    repo.write("VERSION", "1.2.3\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: version files")
    repo.tag("v1.2.3")  # a tag in hwb's default format: it must not be taken for the release
    repo.tag(tag)
    repo.commit("fix: an old fix", path="old.txt")
    repo.tag("v9.9.9")  # neither
    repo.commit("feat(cli): add the export command")
    return repo


def test_commitizen_settings_are_read(hwb: Any, tmp_path: Path) -> None:
    repo = peer_repo(tmp_path, COMMITIZEN_PROJECT, "rel-1.2.3")
    result = run(hwb, repo, "version", "next", "--json")
    assert result.code == 0, result.stderr
    assert "[tool.commitizen] tag_format → tag-format" in result.stderr
    assert "[tool.commitizen] version_files → files" in result.stderr
    assert "bump_message: not read; set commit-message" in result.stderr
    plan = result.json
    assert (plan["current_tag"], plan["next"], plan["tag"]) == ("rel-1.2.3", "1.3.0", "rel-1.3.0")
    assert psr_next(repo, tag_format="rel-{version}") == plan["next"]  # counted from the same tag

    bumped = run(hwb, repo, "version", "bump", "--commit", "--tag", "--json")
    assert bumped.code == 0, bumped.stderr
    assert sorted(bumped.json["files"]) == ["README.md", "pyproject.toml", "src/demo/__init__.py"]
    pyproject = (repo.path / "pyproject.toml").read_text()
    assert pyproject == COMMITIZEN_PROJECT.replace('version = "1.2.3"', 'version = "1.3.0"')  # both
    assert (repo.path / "src/demo/__init__.py").read_text() == (
        '"""Demo."""\n\n__version__ = "1.3.0"\nOTHER = "1.2.3"\n'
    )  # only on the lines version_files names
    assert (repo.path / "README.md").read_text() == "# demo 1.3.0\n\nNeeds 1.3.0 of nothing.\n"
    assert "rel-1.3.0" in repo.tags()
    assert "v1.3.0" not in repo.tags()


def test_semantic_release_settings_are_read_and_files_written_as_psr_writes_them(
    hwb: Any, tmp_path: Path
) -> None:
    repo = peer_repo(tmp_path / "hwb", PSR_PROJECT, "demo-v1.2.3")
    reference = peer_repo(tmp_path / "psr", PSR_PROJECT, "demo-v1.2.3")
    result = run(hwb, repo, "version", "next", "--json")
    assert result.code == 0, result.stderr
    assert "[tool.semantic_release] tag_format → tag-format" in result.stderr
    assert "[tool.semantic_release] version_variables/version_toml → files" in result.stderr
    assert (result.json["current_tag"], result.json["tag"]) == ("demo-v1.2.3", "demo-v1.3.0")
    assert psr_next(reference, own_config=True) == result.json["next"] == "1.3.0"

    psr(reference, "version", "--no-commit", "--no-tag", "--no-push", "--no-changelog",
        "--no-vcs-release", "--skip-build")  # fmt: skip
    bumped = run(hwb, repo, "version", "bump", "--json")
    assert bumped.code == 0, bumped.stderr
    assert sorted(bumped.json["files"]) == ["VERSION", "pyproject.toml", "src/demo/__init__.py"]
    for name in ("pyproject.toml", "src/demo/__init__.py", "VERSION", "README.md"):
        assert (repo.path / name).read_text() == (reference.path / name).read_text(), name


@pytest.mark.parametrize(
    "settings",
    ["", '\n[tool.semantic_release.changelog.default_templates]\nchangelog_file = "CHANGELOG.rst"\n'],
)
def test_rst_changelog_is_refused_before_anything_is_written(hwb: Any, tmp_path: Path, settings: str) -> None:
    from tests.integration._gitrepo import PYPROJECT

    repo = make_repo(tmp_path, pyproject=PYPROJECT + settings)
    repo.write("CHANGELOG.rst", "Changelog\n=========\n\n1.2.3\n-----\n\n* First.\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "docs: the changelog")
    repo.commit("feat: add the export command")
    head = repo.git("rev-parse", "HEAD")
    result = run(hwb, repo, "version", "bump", "--changelog", "--commit", "--tag")
    assert result.code == 70, result.stderr
    assert "cannot update the changelog CHANGELOG.rst" in result.stderr
    assert repo.git("status", "--porcelain", "--untracked-files=all") == ""  # nothing written
    assert repo.git("rev-parse", "HEAD") == head
    assert repo.tags() == ["v1.2.3"]
    if settings:
        assert "changelog.default_templates.changelog_file → changelog" in result.stderr


def test_setup_py_project_released(hwb: Any, tmp_path: Path) -> None:
    repo = setup_py_repo(tmp_path, ["setup.py", "legacy/__init__.py", "VERSION"])
    repo.write(".gitignore", "dist/\nbuild/\n*.egg-info/\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: ignore build output")
    result = run(hwb, repo, "release", "--json")
    assert result.code == 0, result.stderr
    assert sorted(Path(a).name for a in result.json["artifacts"]) == [
        "legacy-1.5.0-py3-none-any.whl",
        "legacy-1.5.0.tar.gz",
    ]  # built by setuptools from the rewritten setup.py
    assert sorted(result.json["files"]) == ["CHANGELOG.md", "VERSION", "legacy/__init__.py", "setup.py"]
    assert repo.git("rev-parse", "v1.5.0^{commit}") == repo.git("rev-parse", "HEAD")
    assert repo.git("status", "--porcelain") == ""
