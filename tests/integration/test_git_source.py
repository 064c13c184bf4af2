"""Resolving git sources against real repositories made with the real git binary."""

from __future__ import annotations

import gc
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from headless_wheel_builder import _proc
from headless_wheel_builder.errors import GitError, NotAProjectError, SourceNotFoundError
from headless_wheel_builder.source.source import ResolvedSource, resolve_source

pytestmark = [
    pytest.mark.skipif(shutil.which("git") is None, reason="needs the git program"),
]


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Make git independent of the machine's configuration (also for hwb's own git)."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for var in ("GIT_AUTHOR", "GIT_COMMITTER"):
        monkeypatch.setenv(f"{var}_NAME", "Test")
        monkeypatch.setenv(f"{var}_EMAIL", "test@example.invalid")
        monkeypatch.setenv(f"{var}_DATE", "2024-01-01T00:00:00Z")
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    yield
    gc.collect()  # surface any unclosed pipe as a ResourceWarning inside this test


@dataclass(frozen=True)
class Repo:
    path: Path
    url: str
    first: str
    """Commit 1, lightweight tag ``v1.0.0``."""
    tagged: str
    """Commit 2, annotated tag ``v1.2.3``; adds the ``sub`` project."""
    main: str
    """Commit 3, the tip of ``main``."""
    feature: str
    """Commit 4, the tip of ``feature/x`` (branched from commit 3)."""


def _commit(repo: Path, marker: str, files: Sequence[str] = ()) -> str:
    (repo / "marker.txt").write_text(marker)
    for name in files:
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f'[project]\nname = "{target.parent.name}"\nversion = "0"\n')
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", f"commit {marker}", cwd=repo)
    return git("rev-parse", "HEAD", cwd=repo)


@pytest.fixture
def repo(tmp_path: Path, git_identity: None) -> Repo:
    path = tmp_path / "origin" / "demo.git"
    path.mkdir(parents=True)
    git("init", "-q", "-b", "main", cwd=path)
    first = _commit(path, "1", ["pyproject.toml"])
    git("tag", "v1.0.0", cwd=path)
    tagged = _commit(path, "2", ["sub/pyproject.toml"])
    git("tag", "-a", "v1.2.3", "-m", "release 1.2.3", cwd=path)
    main = _commit(path, "3")
    git("checkout", "-q", "-b", "feature/x", cwd=path)
    feature = _commit(path, "4")
    git("checkout", "-q", "main", cwd=path)
    return Repo(path, path.as_uri(), first, tagged, main, feature)


def _resolve(spec: str, tmp_path: Path, **kwargs: str) -> ResolvedSource:
    return resolve_source(spec, workdir=tmp_path / "work", **kwargs)


def _marker(res: ResolvedSource) -> str:
    return (res.root_dir / "marker.txt").read_text()


def test_default_branch(repo: Repo, tmp_path: Path) -> None:
    res = _resolve(f"git+{repo.url}", tmp_path)
    assert res.kind == "git"
    assert res.git_commit == repo.main
    assert res.git_ref == "main"
    assert _marker(res) == "3"
    assert res.project_dir == res.root_dir
    assert res.root_dir.is_relative_to(tmp_path / "work")
    assert not res.is_sdist
    # Full history and tags: version tools can measure the distance to the last tag.
    assert git("describe", "--tags", cwd=res.root_dir).startswith("v1.2.3-1-g")


def test_annotated_tag_is_checked_out_shallow_with_the_tag(repo: Repo, tmp_path: Path) -> None:
    res = _resolve(f"git+{repo.url}@v1.2.3", tmp_path)
    assert res.git_ref == "v1.2.3"
    assert res.git_commit == repo.tagged
    assert _marker(res) == "2"
    assert git("rev-parse", "--is-shallow-repository", cwd=res.root_dir) == "true"
    # The tag itself is present, so setuptools-scm / hatch-vcs compute exactly 1.2.3.
    assert git("describe", "--tags", "--exact-match", cwd=res.root_dir) == "v1.2.3"
    assert git("cat-file", "-t", "refs/tags/v1.2.3", cwd=res.root_dir) == "tag"


def test_lightweight_tag(repo: Repo, tmp_path: Path) -> None:
    res = _resolve(f"git+{repo.url}@v1.0.0", tmp_path)
    assert res.git_commit == repo.first
    assert _marker(res) == "1"
    assert git("describe", "--tags", "--exact-match", cwd=res.root_dir) == "v1.0.0"


def test_branch_with_slash(repo: Repo, tmp_path: Path) -> None:
    res = _resolve(f"git+{repo.url}@feature/x", tmp_path)
    assert res.git_ref == "feature/x"
    assert res.git_commit == repo.feature
    assert _marker(res) == "4"
    assert git("describe", "--tags", cwd=res.root_dir).startswith("v1.2.3-2-g")


def test_full_ref_name(repo: Repo, tmp_path: Path) -> None:
    res = _resolve(f"git+{repo.url}@refs/heads/feature/x", tmp_path)
    assert res.git_commit == repo.feature


@pytest.mark.parametrize("length", [40, 7])
def test_commit_id(repo: Repo, tmp_path: Path, length: int) -> None:
    sha = repo.first[:length]
    res = _resolve(f"git+{repo.url}@{sha}", tmp_path)
    assert res.git_commit == repo.first
    assert res.git_ref == sha
    assert _marker(res) == "1"
    assert git("describe", "--tags", cwd=res.root_dir) == "v1.0.0"


def test_url_ending_in_dot_git_needs_no_prefix(repo: Repo, tmp_path: Path) -> None:
    assert repo.url.endswith(".git")
    assert _resolve(f"{repo.url}@v1.2.3", tmp_path).git_commit == repo.tagged


def test_subdirectory_fragment(repo: Repo, tmp_path: Path) -> None:
    res = _resolve(f"git+{repo.url}@v1.2.3#subdirectory=sub", tmp_path)
    assert res.project_dir == res.root_dir / "sub"
    assert (res.project_dir / "pyproject.toml").is_file()


def test_subdirectory_argument(repo: Repo, tmp_path: Path) -> None:
    res = _resolve(f"git+{repo.url}", tmp_path, subdirectory="sub")
    assert res.project_dir == res.root_dir / "sub"


def test_same_subdirectory_twice_is_fine(repo: Repo, tmp_path: Path) -> None:
    res = _resolve(f"git+{repo.url}#subdirectory=sub/", tmp_path, subdirectory="./sub")
    assert res.project_dir == res.root_dir / "sub"


def test_missing_subdirectory(repo: Repo, tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError, match="'nope'"):
        _resolve(f"git+{repo.url}#subdirectory=nope", tmp_path)


def test_not_a_project_suggests_fragment(tmp_path: Path) -> None:
    path = tmp_path / "mono"
    path.mkdir()
    git("init", "-q", "-b", "trunk", cwd=path)
    _commit(path, "1", ["lib/pyproject.toml"])
    with pytest.raises(NotAProjectError) as info:
        _resolve(f"git+{path.as_uri()}", tmp_path)
    assert info.value.hint == "add '#subdirectory=lib' to the URL"


def test_unknown_ref_lists_refs(repo: Repo, tmp_path: Path) -> None:
    with pytest.raises(GitError) as info:
        _resolve(f"git+{repo.url}@no-such-branch", tmp_path)
    err = info.value
    assert err.exit_code == 14
    assert err.what == f"git ref 'no-such-branch' not found in {repo.url}"
    assert err.hint == ("available branches: feature/x, main; tags: v1.2.3, v1.0.0, or give a commit id")


def test_unknown_commit(repo: Repo, tmp_path: Path) -> None:
    with pytest.raises(GitError, match="'deadbeef' not found") as info:
        _resolve(f"git+{repo.url}@deadbeef", tmp_path)
    assert "nor a commit" in (info.value.why or "")


def test_repository_not_found(tmp_path: Path) -> None:
    with pytest.raises(GitError) as info:
        _resolve("git+file:///nonexistent/repo.git", tmp_path)
    err = info.value
    assert err.exit_code == 14
    assert err.what == "git repository file:///nonexistent/repo.git not found"
    assert "does not appear to be a git repository" in (err.why or "")
    assert "check the URL" in (err.hint or "")


def test_unreachable_host_hides_credentials(tmp_path: Path) -> None:
    # Port 1 on loopback refuses at once: a network failure without a network.
    with pytest.raises(GitError) as info:
        _resolve("git+https://alice:s3cret-pass@127.0.0.1:1/org/repo.git", tmp_path)
    err = info.value
    text = err.render() + repr(err.to_dict()) + str(err)
    assert "s3cret-pass" not in text
    assert err.what == "cannot reach the host of https://alice:***@127.0.0.1:1/org/repo.git"
    assert "network" in (err.hint or "")


@pytest.mark.parametrize(
    "spec",
    ["-oProxyCommand=touch evil:repo.git", "--upload-pack=touch evil git+file:///x.git"],
)
def test_option_injection_starts_no_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str
) -> None:
    def no_process(*args: object, **kwargs: object) -> _proc.ProcResult:
        raise AssertionError("a process was started")

    monkeypatch.setattr(_proc, "run", no_process)
    monkeypatch.setattr(_proc, "capture", no_process)
    with pytest.raises(GitError, match="begins with '-'"):
        _resolve(spec, tmp_path)
    assert not (tmp_path / "evil").exists()


def test_ref_injection_starts_no_process(repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_proc, "capture", None)  # any call would fail loudly
    with pytest.raises(GitError, match="invalid git ref '--upload-pack=x'"):
        _resolve(f"git+{repo.url}@--upload-pack=x", tmp_path)


def test_git_not_installed(repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(GitError) as info:
        _resolve(f"git+{repo.url}@v1.2.3", tmp_path)
    err = info.value
    assert err.what == "git is not installed"
    assert "install git" in (err.hint or "")
    assert err.exit_code == 14


def test_git_vanishing_after_the_check(repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_proc, "which", lambda name, path=None: "/usr/bin/git")
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(GitError, match="git is not installed") as info:
        _resolve(f"git+{repo.url}", tmp_path)
    assert isinstance(info.value.__cause__, _proc.ProcessFailed)
