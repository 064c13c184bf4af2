"""hwb version on real git repositories: tags, merges, reverts, breaking footers, 0.x versions,
pre-releases, version files and tags (through the real CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration._gitrepo import PYPROJECT, Repo, make_repo


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path)


def run(hwb: Any, repo: Repo, *args: str) -> Any:
    return hwb(*args, env=repo.env, cwd=repo.path)


def test_feat_and_fix_bump_minor_rewrite_pyproject_and_tag(hwb: Any, repo: Repo) -> None:
    repo.commit("feat(api): add the widget")
    repo.commit("fix: handle empty input")
    repo.commit("docs: explain the widget")
    result = run(hwb, repo, "version", "next", "--json")
    assert result.code == 0, result.stderr
    doc = result.json
    assert (doc["current"], doc["next"], doc["bump"], doc["tag"]) == ("1.2.3", "1.3.0", "minor", "v1.3.0")
    assert [c["header"] for c in doc["commits"]] == [
        "docs: explain the widget",
        "fix: handle empty input",
        "feat(api): add the widget",
    ]
    before = (repo.path / "pyproject.toml").read_text()

    bumped = run(hwb, repo, "version", "bump", "--commit", "--tag")
    assert bumped.code == 0, bumped.stderr
    after = (repo.path / "pyproject.toml").read_text()
    assert after == before.replace('version = "1.2.3"', 'version = "1.3.0"')  # comments and layout kept
    assert repo.git("cat-file", "-t", "v1.3.0") == "tag"  # annotated
    assert repo.git("tag", "-l", "--format=%(contents:subject)", "v1.3.0") == "Release 1.3.0"
    assert repo.git("rev-parse", "v1.3.0^{commit}") == repo.git("rev-parse", "HEAD")
    assert repo.head_message() == "chore(release): 1.3.0"
    assert repo.git("status", "--porcelain") == ""

    again = run(hwb, repo, "version", "next", "--json")
    assert again.code == 72
    assert (again.json["current"], again.json["next"], again.json["bump"]) == ("1.3.0", None, None)


def test_nothing_to_release_writes_nothing(hwb: Any, repo: Repo) -> None:
    repo.commit("docs: typo")
    repo.commit("chore: tidy")
    repo.commit("not a conventional message")
    head, files = repo.git("rev-parse", "HEAD"), (repo.path / "pyproject.toml").read_text()
    result = run(hwb, repo, "version", "bump", "--commit", "--tag", "--changelog")
    assert result.code == 72
    assert "nothing to release" in result.stderr
    assert (repo.path / "pyproject.toml").read_text() == files
    assert not (repo.path / "CHANGELOG.md").exists()
    assert repo.git("rev-parse", "HEAD") == head
    assert repo.tags() == ["v1.2.3"]
    forced = run(hwb, repo, "version", "next", "patch", "--json")
    assert (forced.code, forced.json["next"]) == (0, "1.2.4")


@pytest.mark.parametrize(
    ("settings", "expected"),
    [("", "1.0.0"), ("major-on-zero = false\n", "0.5.0"), ("allow-zero-version = false\n", "1.0.0")],
)
def test_breaking_footer_on_zero_versions(hwb: Any, tmp_path: Path, settings: str, expected: str) -> None:
    repo = make_repo(
        tmp_path, version="0.4.2", tag="v0.4.2", pyproject=PYPROJECT + "\n[tool.hwb.version]\n" + settings
    )
    repo.commit("fix: shorter keys\n\nThe cache is smaller.\n\nBREAKING CHANGE: old caches are invalid")
    result = run(hwb, repo, "version", "next", "--json")
    assert result.json["next"] == expected, result.stderr


def test_zero_version_minor_without_breaking(hwb: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path, version="0.4.2", tag="v0.4.2")
    repo.commit("feat: new option")
    assert run(hwb, repo, "version", "next", "--json").json["next"] == "0.5.0"


def test_merges_and_reverts(hwb: Any, repo: Repo) -> None:
    repo.commit("fix: small thing")
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("feat: from the branch", path="branch.txt")
    repo.git("checkout", "-q", "main")
    repo.commit("docs: meanwhile")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge branch 'topic'", "topic")
    reverted = repo.commit("feat!: regretted breaking change")
    repo.git("revert", "--no-edit", reverted)
    doc = run(hwb, repo, "version", "next", "--json").json
    assert (doc["next"], doc["bump"]) == ("1.3.0", "minor")  # the reverted break does not count
    kinds = {c["header"]: (c["kind"], c["cancelled"]) for c in doc["commits"]}
    assert kinds["Merge branch 'topic'"] == ("merge", False)
    assert kinds["feat!: regretted breaking change"] == ("conventional", True)
    assert kinds['Revert "feat!: regretted breaking change"'] == ("revert", True)
    assert kinds["feat: from the branch"] == ("conventional", False)


def test_revert_of_an_earlier_release_is_listed_not_cancelled(hwb: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path, tag=None)
    old = repo.commit("feat: old feature")
    repo.tag("v1.2.3")
    repo.git("revert", "--no-edit", old)
    doc = run(hwb, repo, "version", "next", "--json")
    assert doc.code == 72  # a revert alone is not a release (bump-map has no 'revert')
    log = run(hwb, repo, "changelog")
    assert 'Revert "feat: old feature"' in log.stdout


def test_prerelease_then_final(hwb: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path, version="1.2.0", tag="v1.2.0")
    repo.commit("feat: shiny")
    first = run(hwb, repo, "version", "bump", "--pre", "rc", "--commit", "--tag")
    assert first.code == 0, first.stderr
    assert 'version = "1.3.0rc1"' in (repo.path / "pyproject.toml").read_text()
    repo.commit("fix: polish")
    second = run(hwb, repo, "version", "bump", "--pre", "--commit", "--tag")  # token from config: rc
    assert second.code == 0, second.stderr
    final = run(hwb, repo, "version", "bump", "--commit", "--tag", "--json")
    assert final.code == 0, final.stderr
    assert final.json["packages"][0]["next"] == "1.3.0"
    assert final.json["packages"][0]["current_tag"] == "v1.2.0"  # counted from the last final release
    assert repo.tags() == ["v1.2.0", "v1.3.0", "v1.3.0rc1", "v1.3.0rc2"]


def test_semver_scheme_tags_and_package_versions(hwb: Any, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path,
        version="1.2.0",
        tag="v1.2.0",
        pyproject=PYPROJECT + '\n[tool.hwb.version]\nscheme = "semver"\n',
    )
    repo.commit("feat: x")
    assert run(hwb, repo, "version", "bump", "--pre", "--commit", "--tag").code == 0
    assert "v1.3.0-rc.1" in repo.tags()
    assert 'version = "1.3.0rc1"' in (repo.path / "pyproject.toml").read_text()
    repo.commit("fix: y")
    doc = run(hwb, repo, "version", "next", "--pre", "rc", "--json").json
    assert (doc["current"], doc["next"], doc["tag"]) == ("1.3.0rc1", "1.3.0rc2", "v1.3.0-rc.2")


def test_calver_padding(hwb: Any, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path,
        version="20.1.0",
        tag="v20.01.0",
        pyproject=PYPROJECT + '\n[tool.hwb.version]\nscheme = "calver"\ncalver-format = "YY.0M.MICRO"\n',
    )
    repo.commit("fix: y")
    doc = run(hwb, repo, "version", "next", "--json").json
    assert doc["current_tag"] == "v20.01.0"  # the padded tag matches the normalized 20.1.0
    assert doc["tag"] == f"v{doc['next_display']}"
    assert doc["next_display"].split(".")[1].startswith("0") or len(doc["next_display"].split(".")[1]) == 2


MODULE_PROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "modver"
dynamic = ["version"]

[tool.hatch.version]
path = "src/modver/__about__.py"

[tool.hwb.version]
files = ["README.md:^Current version", {path = "conf/*.toml", key = "tool.app.version"}]
"""


def test_module_version_and_extra_files(hwb: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path, version="", tag="v2.0.0", pyproject=MODULE_PROJECT)
    repo.write("src/modver/__about__.py", '# about\n__version__ = "2.0.0"\nOTHER = "2.0.0"\n')
    repo.write("README.md", "Current version: 2.0.0\nInstall 2.0.0 or later.\n")
    repo.write("conf/app.toml", '[tool.app]\nversion = "2.0.0"  # kept\n')
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: files")
    repo.git("tag", "-f", "-a", "-m", "v2.0.0", "v2.0.0")
    repo.commit("fix: z")
    result = run(hwb, repo, "version", "bump", "--json")
    assert result.code == 0, result.stderr
    assert sorted(result.json["files"]) == ["README.md", "conf/app.toml", "src/modver/__about__.py"]
    assert (
        repo.path / "src/modver/__about__.py"
    ).read_text() == '# about\n__version__ = "2.0.1"\nOTHER = "2.0.0"\n'
    assert (repo.path / "README.md").read_text() == "Current version: 2.0.1\nInstall 2.0.0 or later.\n"
    assert (repo.path / "conf/app.toml").read_text() == '[tool.app]\nversion = "2.0.1"  # kept\n'


SCM_PROJECT = """\
[build-system]
requires = ["setuptools>=64", "setuptools-scm>=8"]
build-backend = "setuptools.build_meta"

[project]
name = "scmver"
dynamic = ["version"]

[tool.setuptools_scm]
"""


def test_vcs_versions_get_only_the_tag(hwb: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path, tag="v0.9.0", pyproject=SCM_PROJECT)
    repo.commit("feat: a")
    before = (repo.path / "pyproject.toml").read_text()
    result = run(hwb, repo, "version", "bump", "--tag", "--json")
    assert result.code == 0, result.stderr
    assert result.json["files"] == []
    assert result.json["packages"][0]["source"] == "git tags (setuptools-scm)"
    assert "v0.10.0" in repo.tags()
    assert (repo.path / "pyproject.toml").read_text() == before


def test_tag_without_commit_is_refused_when_files_change(hwb: Any, repo: Repo) -> None:
    repo.commit("fix: a")
    result = run(hwb, repo, "version", "bump", "--tag")
    assert result.code == 70
    assert "--commit" in result.stderr
    assert repo.tags() == ["v1.2.3"]


def test_existing_tag_is_refused_before_writing(hwb: Any, repo: Repo) -> None:
    repo.commit("fix: a")
    repo.tag("v1.2.4")
    repo.git("tag", "-d", "v1.2.3")
    repo.tag("v1.2.3")  # re-tag so 1.2.3 is still the latest below the file's version
    (repo.path / "pyproject.toml").write_text((repo.path / "pyproject.toml").read_text())
    result = run(hwb, repo, "version", "bump", "patch", "--commit", "--tag")
    assert result.code == 70
    assert "already exists" in result.stderr
    assert 'version = "1.2.3"' in (repo.path / "pyproject.toml").read_text()


def test_dry_run_writes_nothing(hwb: Any, repo: Repo) -> None:
    repo.commit("feat: a")
    result = run(hwb, repo, "version", "bump", "--dry-run", "--commit", "--tag", "--changelog")
    assert result.code == 0, result.stderr
    assert "would version: demo 1.2.3 → 1.3.0" in result.stdout
    assert "would commit: chore(release): 1.3.0" in result.stdout
    assert repo.git("status", "--porcelain") == ""
    assert repo.tags() == ["v1.2.3"]


def test_lint_message_file_and_range(hwb: Any, repo: Repo, tmp_path: Path) -> None:
    good = tmp_path / "COMMIT_EDITMSG"
    good.write_text("feat(cli): add lint\n\n# Please enter the commit message for your changes.\n")
    assert run(hwb, repo, "version", "lint", "--message-file", str(good)).code == 0
    bad = tmp_path / "BAD_MSG"
    bad.write_text("Added some stuff\n")
    result = run(hwb, repo, "version", "lint", "--message-file", str(bad))
    assert result.code == 71
    assert "no 'type: ' prefix" in result.stderr
    start = repo.git("rev-parse", "HEAD")
    repo.commit("fix: fine")
    sloppy = repo.commit("WIP")
    result = run(hwb, repo, "version", "lint", "--range", f"{start}..HEAD", "--json")
    assert result.code == 71
    assert result.json["failed"] == 1
    assert [m["ref"] for m in result.json["messages"] if not m["ok"]] == [sloppy[:7]]
    assert run(hwb, repo, "version", "lint", "--range", f"{start}..HEAD~1").code == 0


def test_misplaced_flags_and_bad_config(hwb: Any, repo: Repo) -> None:
    assert run(hwb, repo, "version", "show", "--commit").code == 2
    (repo.path / "pyproject.toml").write_text(
        PYPROJECT.replace("{version}", "1.2.3") + "\n[tool.hwb.version]\ntag-fromat = 'v{version}'\n"
    )
    result = run(hwb, repo, "version", "show")
    assert result.code == 3
    assert "did you mean 'tag-format'" in result.stderr
