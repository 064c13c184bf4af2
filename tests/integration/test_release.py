"""hwb release end to end on a real project in a real git repository: version -> changelog ->
build -> check -> (publish) -> commit + annotated tag (+ push)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration._gitrepo import Repo

PACKAGES = Path(__file__).resolve().parents[1] / "packages"


def make_project(tmp_path: Path) -> Repo:
    """tiny-backend (offline in-tree backend, tiny-pkg 0.3.0) in a git repo tagged v0.3.0."""
    home = tmp_path / "home"
    home.mkdir()
    path = tmp_path / "proj"
    shutil.copytree(PACKAGES / "tiny-backend", path)
    backend = path / "_backend" / "tinybackend.py"
    source = backend.read_text()
    fixed = 'NAME, VERSION = "tiny_pkg", "0.3.0"'
    assert fixed in source
    # this copy builds whatever version pyproject.toml says (the original hard-codes 0.3.0)
    source = (
        source.replace(
            fixed,
            (
                "import re as _re\n"
                "NAME = 'tiny_pkg'\n"
                "VERSION = _re.search(r'^version = \"([^\"]+)\"', open('pyproject.toml').read(), _re.M)[1]"
            ),
        )
        .replace('"Metadata-Version: 2.1', 'f"Metadata-Version: 2.1', 1)
        .replace("Version: 0.3.0", "Version: {VERSION}")
    )
    backend.write_text(source)
    repo = Repo(path, home)
    repo.git("init", "-q", "-b", "main")
    repo.write(".gitignore", "dist/\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: start")
    repo.tag("v0.3.0")
    repo.commit("feat: a new knob", path="tiny/knob.txt")
    return repo


@pytest.fixture
def project(tmp_path: Path) -> Repo:
    return make_project(tmp_path)


def test_dry_run_prints_the_plan_and_changes_nothing(hwb: Any, project: Repo) -> None:
    result = hwb("release", "--dry-run", "--push", env=project.env, cwd=project.path)
    assert result.code == 70  # --push needs a remote, refused before anything
    result = hwb("release", "--dry-run", env=project.env, cwd=project.path)
    assert result.code == 0, result.stderr
    out = result.stdout
    for line in (
        "would   version: tiny-pkg 0.3.0 → 0.4.0 (minor); files: pyproject.toml",
        "would   changelog: CHANGELOG.md",
        "would   build: tiny-pkg 0.4.0 into",
        "skipped publish: no repository configured",
        "would   commit: chore(release): 0.4.0",
        "would   tag: v0.4.0 (annotated)",
    ):
        assert line in out, out
    assert project.git("status", "--porcelain") == ""
    assert project.tags() == ["v0.3.0"]
    assert not (project.path / "dist").exists()


def test_release_without_publishing(hwb: Any, project: Repo) -> None:
    result = hwb("release", "--json", env=project.env, cwd=project.path)
    assert result.code == 0, result.stderr
    doc = result.json
    assert [s["step"] for s in doc["steps"]] == [
        "version",
        "changelog",
        "build",
        "check",
        "publish",
        "commit",
        "tag",
    ]
    assert {s["step"]: s["status"] for s in doc["steps"]}["publish"] == "skipped"
    names = sorted(Path(a).name for a in doc["artifacts"])
    assert names == ["tiny_pkg-0.4.0-py3-none-any.whl", "tiny_pkg-0.4.0.tar.gz"]
    assert all((project.path / "dist" / n).is_file() for n in names)
    assert 'version = "0.4.0"' in (project.path / "pyproject.toml").read_text()
    assert "## [0.4.0] - " in (project.path / "CHANGELOG.md").read_text()
    assert project.git("cat-file", "-t", "v0.4.0") == "tag"
    assert project.head_message() == "chore(release): 0.4.0"
    assert project.git("show", "--name-only", "--format=", "HEAD").split() == [
        "CHANGELOG.md",
        "pyproject.toml",
    ]
    assert project.git("status", "--porcelain") == ""
    again = hwb("release", env=project.env, cwd=project.path)
    assert again.code == 72


def test_failed_build_stops_and_restores(project: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    from headless_wheel_builder import api
    from headless_wheel_builder.errors import BuildError

    for key, value in project.env.items():
        monkeypatch.setenv(key, value)
    before = (project.path / "pyproject.toml").read_text()
    head = project.git("rev-parse", "HEAD")
    with pytest.raises(BuildError):
        api.release(
            project.path,
            api.ReleaseOptions(repository="http://127.0.0.1:9/never-used/"),
            build_options=api.BuildOptions(config_settings={"mode": "raise"}),
        )
    assert (project.path / "pyproject.toml").read_text() == before
    assert not (project.path / "CHANGELOG.md").exists()
    assert project.git("rev-parse", "HEAD") == head
    assert project.tags() == ["v0.3.0"]
    assert not list((project.path / "dist").glob("*")) if (project.path / "dist").exists() else True


def test_push_to_a_remote(hwb: Any, project: Repo, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    project.git("init", "-q", "--bare", str(remote))
    project.git("remote", "add", "origin", str(remote))
    project.git("push", "-q", "origin", "main", "v0.3.0")
    result = hwb("release", "--push", "--no-publish", env=project.env, cwd=project.path)
    assert result.code == 0, result.stderr
    assert "done    push: the branch and v0.4.0 to origin" in result.stdout
    remote_repo = Repo(remote, project.home)
    assert remote_repo.git("rev-parse", "main") == project.git("rev-parse", "HEAD")
    assert remote_repo.git("cat-file", "-t", "v0.4.0") == "tag"


@pytest.fixture(scope="module")
def pypiserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tests.integration.publish_servers import start_pypiserver

    yield from start_pypiserver(tmp_path_factory.mktemp("pypiserver"))


def test_release_publishes_to_a_registry(
    project: Repo, pypiserver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from headless_wheel_builder import api

    for key, value in project.env.items():
        monkeypatch.setenv(key, value)
    report = api.release(
        project.path,
        api.ReleaseOptions(repository=pypiserver.url),
        publish_options=api.PublishOptions(
            username=pypiserver.username,
            password=pypiserver.password,
            index_url=pypiserver.index_url,
            project_dir=project.path,
        ),
    )
    steps = {s.name: s for s in report.steps}
    assert steps["publish"].status == "done"
    assert "uploaded" in steps["publish"].detail
    assert sorted(p.name for p in pypiserver.root.iterdir()) == [
        "tiny_pkg-0.4.0-py3-none-any.whl",
        "tiny_pkg-0.4.0.tar.gz",
    ]
    assert report.tags == ("v0.4.0",)
    assert project.git("cat-file", "-t", "v0.4.0") == "tag"
