"""hwb changelog on real histories: every format, --write in place and idempotent, templates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.integration._gitrepo import Repo, make_repo

TODAY = dt.date.today().isoformat()


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = make_repo(tmp_path)
    repo.git("remote", "add", "origin", "https://someone:s3cr3t-t0ken@github.com/org/demo.git")
    repo.commit("feat(api): add widgets")
    repo.commit("fix: off by one")
    repo.commit("perf: faster parse")
    repo.commit("docs: not in the changelog")
    repo.commit("refactor!: rename module\n\nBREAKING CHANGE: import demo.new instead")
    return repo


def run(hwb: Any, repo: Repo, *args: str) -> Any:
    return hwb(*args, env=repo.env, cwd=repo.path)


def test_keepachangelog(hwb: Any, repo: Repo) -> None:
    out = run(hwb, repo, "changelog").stdout
    assert out.startswith(f"## [2.0.0] - {TODAY}\n")
    assert "### Added\n\n- **api:** add widgets\n" in out
    assert "### Changed\n\n- faster parse\n- **BREAKING:** rename module\n  import demo.new instead\n" in out
    assert "### Fixed\n\n- off by one\n" in out
    assert "not in the changelog" not in out
    assert out.index("### Added") < out.index("### Changed") < out.index("### Fixed")


def test_conventional(hwb: Any, repo: Repo) -> None:
    out = run(hwb, repo, "changelog", "--format", "conventional").stdout
    assert out.startswith(f"## [2.0.0](https://github.com/org/demo/compare/v1.2.3...v2.0.0) ({TODAY})")
    assert "### ⚠ BREAKING CHANGES\n\n* import demo.new instead\n" in out
    assert "### Features\n\n* **api:** add widgets ([" in out
    assert "](https://github.com/org/demo/commit/" in out
    assert "### Bug Fixes" in out
    assert "### Performance Improvements" in out
    assert "s3cr3t" not in out


def test_github_and_gitlab(hwb: Any, repo: Repo) -> None:
    github = run(hwb, repo, "changelog", "--format", "github").stdout
    assert "### ⚠️ Breaking changes" in github
    assert "**Full Changelog**: https://github.com/org/demo/compare/v1.2.3...v2.0.0" in github
    gitlab = run(hwb, repo, "changelog", "--format", "gitlab").stdout
    assert gitlab.startswith(f"## 2.0.0 ({TODAY})")
    assert "### Features (1 change)" in gitlab
    assert "### Breaking changes (1 change)" in gitlab


def test_unreleased_when_nothing_warrants_a_release(hwb: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    repo.commit("docs: words")
    assert run(hwb, repo, "changelog").stdout.startswith("## [Unreleased]\n")


def test_write_inserts_keeps_older_and_is_idempotent(hwb: Any, repo: Repo) -> None:
    older = (
        "# Changelog\n\nHand-written intro.\n\n## [Unreleased]\n\n## [1.2.3] - 2020-01-01\n\n### Fixed\n\n"
        "- something *hand written*   \n\n[unreleased]: https://github.com/org/demo/compare/v1.2.3...HEAD\n"
        "[1.2.3]: https://github.com/org/demo/releases/tag/v1.2.3\n"
    )
    path = repo.path / "CHANGELOG.md"
    path.write_text(older)
    first = run(hwb, repo, "changelog", "--write")
    assert first.code == 0, first.stderr
    text = path.read_text()
    assert text.startswith("# Changelog\n\nHand-written intro.\n\n## [Unreleased]\n\n## [2.0.0] - ")
    assert "## [1.2.3] - 2020-01-01\n\n### Fixed\n\n- something *hand written*   \n" in text
    assert "[unreleased]: https://github.com/org/demo/compare/v2.0.0...HEAD\n" in text
    assert "[2.0.0]: https://github.com/org/demo/compare/v1.2.3...v2.0.0\n" in text
    assert "[1.2.3]: https://github.com/org/demo/releases/tag/v1.2.3\n" in text
    second = run(hwb, repo, "changelog", "--write")
    assert "up to date" in second.stdout
    assert path.read_text() == text
    repo.commit("fix: one more")
    run(hwb, repo, "changelog", "--write")
    updated = path.read_text()
    assert updated.count("## [2.0.0]") == 1
    assert "- one more" in updated
    assert "- something *hand written*   \n" in updated


@pytest.mark.parametrize("fmt", ["conventional", "github", "gitlab"])
def test_write_other_formats_idempotent(hwb: Any, repo: Repo, fmt: str) -> None:
    run(hwb, repo, "changelog", "--write", "--format", fmt)
    text = (repo.path / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog\n\n## ")
    run(hwb, repo, "changelog", "--write", "--format", fmt)
    assert (repo.path / "CHANGELOG.md").read_text() == text


def test_new_file_gets_history(hwb: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path, version="1.0.0", tag="v1.0.0")
    repo.commit("feat: second")
    pyproject = repo.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"1.0.0"', '"1.1.0"'))
    repo.commit("chore(release): 1.1.0")
    repo.tag("v1.1.0")
    repo.commit("fix: third")
    run(hwb, repo, "changelog", "--write")
    text = (repo.path / "CHANGELOG.md").read_text()
    assert text.index("## [1.1.1]") < text.index("## [1.1.0]") < text.index("## [1.0.0]")
    assert "- second" in text
    assert "- third" in text
    everything = run(hwb, repo, "changelog", "--all").stdout
    assert "## [1.1.0]" in everything
    assert "## [1.0.0]" in everything
    since = run(hwb, repo, "changelog", "--since", "v1.0.0").stdout
    assert "- second" in since
    assert "- third" in since


def test_template(hwb: Any, repo: Repo, tmp_path: Path) -> None:
    template = tmp_path / "notes.md.j2"
    template.write_text(
        "## {{ release.version }} ({{ release.date }})\n"
        "{% for name, items in release.sections.items() %}{{ name }}:"
        "{% for e in items %} {{ e.description }};{% endfor %}\n{% endfor %}"
    )
    out = run(hwb, repo, "changelog", "--template", str(template)).stdout
    assert out.startswith(f"## 2.0.0 ({TODAY})\nAdded: add widgets;\nChanged: faster parse; rename module;\n")
    broken = tmp_path / "broken.j2"
    broken.write_text("{{ release.nope }}")
    result = run(hwb, repo, "changelog", "--template", str(broken))
    assert result.code == 70
    assert "template" in result.stderr
