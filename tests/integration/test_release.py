"""hwb release end to end on a real project in a real git repository: version -> changelog ->
build -> check -> (publish) -> commit + annotated tag (+ push)."""

from __future__ import annotations

import dataclasses
import io
import shutil
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from headless_wheel_builder.errors import NothingToRelease
from tests.integration._gitrepo import Repo

PACKAGES = Path(__file__).resolve().parents[1] / "packages"
PACKAGE_FILES = """

def _package_files(root):
    found = []
    for base, _dirs, names in os.walk(os.path.join(root, "tiny")):
        found += [os.path.relpath(os.path.join(base, n), root).replace(os.sep, "/") for n in names]
    return sorted(found)


def _read(root, rel):
    with open(os.path.join(root, rel), "rb") as f:
        return f.read()
"""


def copy_tiny(path: Path, dist: str = "tiny-pkg") -> None:
    """A copy of tiny-backend at ``path``, named ``dist``, that builds whatever version its
    pyproject.toml says (the original hard-codes 0.3.0) and packs every file under tiny/, as
    real backends do (an untracked module included)."""
    shutil.copytree(PACKAGES / "tiny-backend", path)
    pyproject = path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('name = "tiny-pkg"', f'name = "{dist}"'))
    backend = path / "_backend" / "tinybackend.py"
    source = backend.read_text()
    fixed = 'NAME, VERSION = "tiny_pkg", "0.3.0"'
    assert fixed in source
    source = (
        source.replace(
            fixed,
            (
                "import re as _re\n"
                f"NAME = {dist.replace('-', '_')!r}\n"
                "VERSION = _re.search(r'^version = \"([^\"]+)\"', open('pyproject.toml').read(), _re.M)[1]"
            ),
        )
        .replace('"Metadata-Version: 2.1', 'f"Metadata-Version: 2.1', 1)
        .replace("Version: 0.3.0", "Version: {VERSION}")
        .replace("Name: tiny-pkg", f"Name: {dist}")
        .replace('"tiny/__init__.py": init,', "**{r: _read(root, r) for r in _package_files(root)},")
        .replace('("pyproject.toml", "tiny/__init__.py", "_backend/tinybackend.py")',
                 '["pyproject.toml", "_backend/tinybackend.py", *_package_files(root)]')
    ) + PACKAGE_FILES  # fmt: skip
    assert "for r in _package_files(root)}" in source
    assert "*_package_files(root)]" in source
    backend.write_text(source)


def make_project(tmp_path: Path) -> Repo:
    """tiny-backend (offline in-tree backend, tiny-pkg 0.3.0) in a git repo tagged v0.3.0."""
    home = tmp_path / "home"
    home.mkdir()
    path = tmp_path / "proj"
    copy_tiny(path)
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
        "commit",
        "tag",
        "publish",
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
    # state b -> a: the working tree is clean again, and the checkout of the release commit is gone
    assert project.git("status", "--porcelain") == ""
    assert len(project.git("worktree", "list", "--porcelain").split("\nworktree ")) == 1


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


# --- issue 17, family 2: a release is built from what is committed, and resumes ----------------


@pytest.fixture
def fresh_pypiserver(tmp_path: Path) -> Iterator[Any]:
    from tests.integration.publish_servers import start_pypiserver

    yield from start_pypiserver(tmp_path / "pypiserver")


def _dirty(project: Repo) -> str:
    """An uncommitted edit of a tracked module and an untracked module; returns the committed text."""
    init = project.path / "tiny" / "__init__.py"
    committed = init.read_text()
    init.write_text(committed + "UNCOMMITTED = True\n")
    project.write("tiny/extra.py", "EXTRA = 'untracked'\n")
    return committed


def _status(project: Repo) -> list[str]:
    return [" ".join(line.split()) for line in project.git("status", "--porcelain").splitlines()]


def _publish_options(project: Repo, server: Any, **extra: Any) -> Any:
    from headless_wheel_builder import api

    return api.PublishOptions(
        username=server.username,
        password=server.password,
        index_url=server.index_url,
        project_dir=project.path,
        **extra,
    )


def test_a_dirty_tree_stops_the_release_and_names_the_files(hwb: Any, project: Repo) -> None:
    _dirty(project)
    head = project.git("rev-parse", "HEAD")
    for args in (("release", "--no-publish"), ("release", "--dry-run")):
        result = hwb(*args, env=project.env, cwd=project.path)
        assert result.code == 73, result.stderr
        assert "the working tree has 2 uncommitted change(s)" in result.stderr
        assert "tiny/__init__.py (modified)" in result.stderr
        assert "tiny/extra.py (untracked)" in result.stderr
        assert "--allow-dirty" in result.stderr
    assert project.git("rev-parse", "HEAD") == head
    assert project.tags() == ["v0.3.0"]
    assert 'version = "0.3.0"' in (project.path / "pyproject.toml").read_text()
    assert not (project.path / "CHANGELOG.md").exists()
    assert _status(project) == ["M tiny/__init__.py", "?? tiny/extra.py"]


def test_allow_dirty_publishes_only_the_committed_content(
    project: Repo, fresh_pypiserver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    from headless_wheel_builder import api

    for key, value in project.env.items():
        monkeypatch.setenv(key, value)
    committed = _dirty(project)
    report = api.release(
        project.path,
        api.ReleaseOptions(repository=fresh_pypiserver.url, allow_dirty=True),
        publish_options=_publish_options(project, fresh_pypiserver),
    )
    steps = {s.name: s for s in report.steps}
    assert steps["working-tree"].status == "skipped"
    assert "tiny/extra.py (untracked)" in steps["working-tree"].detail
    # what the registry serves was built from the release commit, not from the working tree
    wheel = httpx.get(f"{fresh_pypiserver.url}packages/tiny_pkg-0.4.0-py3-none-any.whl", timeout=30)
    assert wheel.status_code == 200
    with zipfile.ZipFile(io.BytesIO(wheel.content)) as zf:
        assert "tiny/extra.py" not in zf.namelist()
        assert zf.read("tiny/__init__.py").decode() == committed
    sdist = httpx.get(f"{fresh_pypiserver.url}packages/tiny_pkg-0.4.0.tar.gz", timeout=30)
    assert sdist.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(sdist.content)) as tf:
        names = tf.getnames()
        assert "tiny_pkg-0.4.0/tiny/__init__.py" in names
        assert "tiny_pkg-0.4.0/tiny/extra.py" not in names
        member = tf.extractfile("tiny_pkg-0.4.0/tiny/__init__.py")
        assert member is not None
        assert member.read().decode() == committed
    # the release commit holds only the release; the user's changes are still there, uncommitted
    assert project.git("show", "--name-only", "--format=", "HEAD").split() == [
        "CHANGELOG.md",
        "pyproject.toml",
    ]
    assert project.git("rev-parse", "v0.4.0^{commit}") == project.git("rev-parse", "HEAD")
    assert _status(project) == ["M tiny/__init__.py", "?? tiny/extra.py"]
    assert "UNCOMMITTED" in (project.path / "tiny" / "__init__.py").read_text()
    # the control: the same backend on the working tree does pack the untracked module
    result = api.build(project.path, api.BuildOptions(outdir=project.path.parent / "control"))
    control = next(p for p in result.files if p.name.endswith(".whl"))
    with zipfile.ZipFile(control) as zf:
        assert "tiny/extra.py" in zf.namelist()


def test_a_release_whose_upload_fails_halfway_resumes(
    project: Repo, fresh_pypiserver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from headless_wheel_builder import api
    from headless_wheel_builder.errors import UploadError
    from tests.integration.publish_servers import start_refusing_proxy

    for key, value in project.env.items():
        monkeypatch.setenv(key, value)
    # dist/ is not ignored here: the release's own output folder does not make the tree dirty
    project.write(".gitignore", "")
    project.git("commit", "-q", "-am", "chore: track everything")
    proxy_run = start_refusing_proxy(fresh_pypiserver.url)
    proxy = next(proxy_run)
    try:
        proxy.refuse = {".whl"}
        options = api.ReleaseOptions(repository=proxy.url)
        publish = _publish_options(project, fresh_pypiserver, retries=0)
        with pytest.raises(UploadError) as failed:
            api.release(project.path, options, publish_options=publish)
        assert "tiny_pkg-0.4.0-py3-none-any.whl" in (failed.value.why or "")
        assert "run the same hwb release again" in (failed.value.hint or "")
        # state d: committed, tagged, the sdist uploaded, the wheel not
        head = project.git("rev-parse", "HEAD")
        assert project.head_message() == "chore(release): 0.4.0"
        assert project.git("rev-parse", "v0.4.0^{commit}") == head
        assert _status(project) == ["?? dist/"]
        assert sorted(p.name for p in fresh_pypiserver.root.iterdir()) == ["tiny_pkg-0.4.0.tar.gz"]
        assert proxy.refused == ["tiny_pkg-0.4.0-py3-none-any.whl"]

        proxy.refuse.clear()
        report = api.release(project.path, options, publish_options=publish)
        steps = {s.name: s for s in report.steps}
        assert [s.name for s in report.steps] == ["resume", "build", "publish"]
        assert steps["resume"].status == "done"
        assert "v0.4.0" in steps["resume"].detail
        assert "tiny_pkg-0.4.0.tar.gz skipped" in steps["publish"].detail
        assert "tiny_pkg-0.4.0-py3-none-any.whl uploaded" in steps["publish"].detail
        # same version, same tag, no second bump; only the missing file went up
        assert project.git("rev-parse", "HEAD") == head
        assert project.tags() == ["v0.3.0", "v0.4.0"]
        assert project.git("log", "--format=%s").splitlines().count("chore(release): 0.4.0") == 1
        assert 'version = "0.4.0"' in (project.path / "pyproject.toml").read_text()
        assert proxy.passed == ["tiny_pkg-0.4.0.tar.gz", "tiny_pkg-0.4.0-py3-none-any.whl"]
        assert sorted(p.name for p in fresh_pypiserver.root.iterdir()) == [
            "tiny_pkg-0.4.0-py3-none-any.whl",
            "tiny_pkg-0.4.0.tar.gz",
        ]
        # state e: a third run has nothing left to do
        with pytest.raises(NothingToRelease):
            api.release(project.path, options, publish_options=publish)
        assert project.git("rev-parse", "HEAD") == head
    finally:
        proxy_run.close()


def test_a_release_tagged_but_not_uploaded_is_built_again_from_its_tag(
    project: Repo, fresh_pypiserver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """State c without the first run's files (a CI rerun on a fresh clone): the rerun builds
    from the tag — not from the working tree — and publishes everything."""
    from headless_wheel_builder import api
    from headless_wheel_builder.errors import AuthenticationError

    for key, value in project.env.items():
        monkeypatch.setenv(key, value)
    options = api.ReleaseOptions(repository=fresh_pypiserver.url)
    wrong = dataclasses.replace(_publish_options(project, fresh_pypiserver), password="wrong")
    with pytest.raises(AuthenticationError):
        api.release(project.path, options, publish_options=wrong)
    head = project.git("rev-parse", "HEAD")
    assert project.git("rev-parse", "v0.4.0^{commit}") == head
    assert list(fresh_pypiserver.root.iterdir()) == []
    shutil.rmtree(project.path / "dist")
    (project.path / ".git" / "hwb-release.json").unlink()
    project.write("tiny/later.py", "LATER = 1\n")  # untracked: not part of the release
    report = api.release(
        project.path,
        dataclasses.replace(options, allow_dirty=True),
        publish_options=_publish_options(project, fresh_pypiserver),
    )
    steps = [(s.name, s.status) for s in report.steps]
    assert steps == [("resume", "done"), ("build", "done"), ("check", "done"), ("publish", "done")]
    assert project.git("rev-parse", "HEAD") == head
    assert project.tags() == ["v0.3.0", "v0.4.0"]
    assert sorted(p.name for p in fresh_pypiserver.root.iterdir()) == [
        "tiny_pkg-0.4.0-py3-none-any.whl",
        "tiny_pkg-0.4.0.tar.gz",
    ]
    with zipfile.ZipFile(fresh_pypiserver.root / "tiny_pkg-0.4.0-py3-none-any.whl") as zf:
        assert "tiny/later.py" not in zf.namelist()


VCS_PYPROJECT = """\
[build-system]
requires = ["hatchling", "hatch-vcs"]
build-backend = "hatchling.build"

[project]
name = "scm-demo"
dynamic = ["version"]
description = "version from git tags"
requires-python = ">=3.8"

[tool.hatch.version]
source = "vcs"

[tool.hatch.build.targets.wheel]
packages = ["scm_demo"]
"""


@pytest.mark.network
def test_a_vcs_versioned_project_is_released_from_its_commit(hwb: Any, tmp_path: Path) -> None:
    """hatch-vcs reads the version from git: the checkout of the release commit keeps ``.git``,
    and hatchling (which packs every file of the package, untracked ones too, when it builds
    the working tree) gets only what is committed."""
    home = tmp_path / "home"
    home.mkdir()
    repo = Repo(tmp_path / "scm", home)
    repo.path.mkdir()
    repo.git("init", "-q", "-b", "main")
    repo.write("pyproject.toml", VCS_PYPROJECT)
    repo.write("scm_demo/__init__.py", "X = 1\n")
    repo.write(".gitignore", "dist/\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "feat: first")
    repo.tag("v1.2.3")
    repo.commit("feat: more", path="scm_demo/more.txt")
    repo.write("scm_demo/untracked.py", "U = 1\n")
    result = hwb("release", "--allow-dirty", "--json", env=repo.env, cwd=repo.path)
    assert result.code == 0, result.stderr
    names = sorted(Path(a).name for a in result.json["artifacts"])
    assert names == ["scm_demo-1.3.0-py3-none-any.whl", "scm_demo-1.3.0.tar.gz"]
    with zipfile.ZipFile(repo.path / "dist" / names[0]) as zf:
        assert "scm_demo/more.txt" in zf.namelist()
        assert "scm_demo/untracked.py" not in zf.namelist()
    assert repo.git("rev-parse", "v1.3.0^{commit}") == repo.git("rev-parse", "HEAD")
    assert repo.git("status", "--porcelain") == "?? scm_demo/untracked.py"


def test_a_release_whose_push_fails_resumes_with_the_push(hwb: Any, project: Repo, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"  # not there yet: the push fails
    project.git("remote", "add", "origin", str(remote))
    result = hwb("release", "--push", "--no-publish", env=project.env, cwd=project.path)
    assert result.code == 14, result.stderr
    assert "run the same hwb release again" in result.stderr
    head = project.git("rev-parse", "HEAD")
    assert project.head_message() == "chore(release): 0.4.0"
    assert project.git("rev-parse", "v0.4.0^{commit}") == head

    project.git("init", "-q", "--bare", str(remote))
    again = hwb("release", "--push", "--no-publish", env=project.env, cwd=project.path)
    assert again.code == 0, again.stderr
    assert "done    resume: HEAD" in again.stdout
    assert "done    push: the branch and v0.4.0 to origin" in again.stdout
    assert "build" not in again.stdout  # nothing to publish: nothing built
    assert project.git("rev-parse", "HEAD") == head
    remote_repo = Repo(remote, project.home)
    assert remote_repo.git("rev-parse", "main") == head
    assert remote_repo.git("cat-file", "-t", "v0.4.0") == "tag"
    done = hwb("release", "--push", "--no-publish", env=project.env, cwd=project.path)
    assert done.code == 72, done.stderr


def test_the_dirty_tree_list_is_bounded(project: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    from headless_wheel_builder import api
    from headless_wheel_builder.errors import DirtyTreeError

    for key, value in project.env.items():
        monkeypatch.setenv(key, value)
    for n in range(25):
        project.write(f"scratch/file{n:02}.txt", "x\n")
    with pytest.raises(DirtyTreeError) as refused:
        api.release(project.path, api.ReleaseOptions(publish=False))
    error = refused.value
    assert error.exit_code == 73
    assert "the working tree has 25 uncommitted change(s)" in str(error)
    assert (error.why or "").count("(untracked)") == 20
    assert (error.why or "").endswith(" and 5 more")
    assert (error.details or "").count("(untracked)") == 25
    assert project.tags() == ["v0.3.0"]


MONOREPO = """\
[tool.hwb.version.packages.pkg-a]
path = "packages/a"

[tool.hwb.version.packages.pkg-b]
path = "packages/b"
"""


def test_a_monorepo_release_builds_each_member_from_the_release_commit(hwb: Any, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    repo = Repo(tmp_path / "mono", home)
    for name, folder, version in (("pkg-a", "a", "1.0.0"), ("pkg-b", "b", "0.2.0")):
        member = repo.path / "packages" / folder
        copy_tiny(member, name)
        pyproject = member / "pyproject.toml"
        pyproject.write_text(pyproject.read_text().replace('version = "0.3.0"', f'version = "{version}"'))
    repo.write("pyproject.toml", MONOREPO)
    repo.write(".gitignore", "dist/\n")
    repo.git("init", "-q", "-b", "main")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: two packages")
    repo.tag("pkg-a-v1.0.0")
    repo.tag("pkg-b-v0.2.0")
    repo.commit("feat(a): a thing", path="packages/a/tiny/a.txt")
    repo.commit("fix(b): b thing", path="packages/b/tiny/b.txt")
    repo.write("packages/a/tiny/untracked.py", "U = 1\n")
    result = hwb("release", "--allow-dirty", "--json", env=repo.env, cwd=repo.path)
    assert result.code == 0, result.stderr
    built = sorted(Path(a).relative_to(repo.path).as_posix() for a in result.json["artifacts"])
    assert built == [
        "dist/pkg-a/pkg_a-1.1.0-py3-none-any.whl",
        "dist/pkg-a/pkg_a-1.1.0.tar.gz",
        "dist/pkg-b/pkg_b-0.2.1-py3-none-any.whl",
        "dist/pkg-b/pkg_b-0.2.1.tar.gz",
    ]
    with zipfile.ZipFile(repo.path / built[0]) as zf:
        assert "tiny/a.txt" in zf.namelist()
        assert "tiny/untracked.py" not in zf.namelist()
    head = repo.git("rev-parse", "HEAD")
    assert repo.head_message() == "chore(release): pkg-a 1.1.0, pkg-b 0.2.1"
    assert repo.git("rev-parse", "pkg-a-v1.1.0^{commit}") == head
    assert repo.git("rev-parse", "pkg-b-v0.2.1^{commit}") == head
    assert repo.git("status", "--porcelain") == "?? packages/a/tiny/untracked.py"


def test_no_publish_says_so_when_a_repository_is_configured(hwb: Any, project: Repo) -> None:
    """--no-publish with a repository given is "not published", not "no repository configured"."""
    args = ("release", "--dry-run", "--json", "--no-publish")
    given = hwb(
        *args, "--repository", "https://upload.example.invalid/legacy/", env=project.env, cwd=project.path
    )
    assert given.code == 0, given.stderr
    (step,) = [s for s in given.json["steps"] if s["step"] == "publish"]
    assert step["status"] == "skipped"
    assert step["detail"] == "--no-publish: not published"
    plain = hwb(*args, env=project.env, cwd=project.path)
    (step,) = [s for s in plain.json["steps"] if s["step"] == "publish"]
    assert step["detail"].startswith("no repository configured")
