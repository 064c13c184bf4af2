"""The fingerprint index (issue 19): unchanged files are not read again, content hashes still
decide, and git's racy rule holds; and a served cache file is a link only when that cannot
corrupt the entry."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from headless_wheel_builder.cache import keys, store
from headless_wheel_builder.cache.fingerprint import RACY_NS, FingerprintIndex
from headless_wheel_builder.cache.wheels import WheelCache

OLD_NS = 1_600_000_000 * 10**9  # 2020: long before any index write


def _tree(root: Path, files: dict[str, str], *, mtime_ns: int | None = OLD_NS) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if mtime_ns is not None:
            os.utime(path, ns=(mtime_ns, mtime_ns))
    return root


def _digest(cache: Path, src: Path) -> tuple[str, list[str]]:
    """The tree digest of ``src`` with its index in ``cache``, and the files it read."""
    index = FingerprintIndex.for_root(cache, src)
    read: list[str] = []
    index.on_read = read.append
    digest = keys.tree_digest(src, index=index)
    assert index.reads == len(read)
    return digest, sorted(read)


def test_unchanged_files_are_not_read_again(tmp_path: Path) -> None:
    src = _tree(tmp_path / "src", {"pyproject.toml": "[project]\n", "pkg/__init__.py": "x = 1\n",
                                   "pkg/mod.py": "y = 2\n"})  # fmt: skip
    cache = tmp_path / "cache"
    first, read = _digest(cache, src)
    assert read == ["pkg/__init__.py", "pkg/mod.py", "pyproject.toml"]
    assert first == keys.tree_digest(src)  # the same digest as without an index

    second, read = _digest(cache, src)
    assert (second, read) == (first, [])

    (src / "pkg" / "mod.py").write_text("y = 3\n")
    third, read = _digest(cache, src)
    assert read == ["pkg/mod.py"]
    assert third != first
    assert third == keys.tree_digest(src)


def test_a_touched_but_identical_file_is_read_and_hashes_the_same(tmp_path: Path) -> None:
    src = _tree(tmp_path / "src", {"pyproject.toml": "[project]\n", "pkg/__init__.py": "x = 1\n"})
    cache = tmp_path / "cache"
    first, _ = _digest(cache, src)
    os.utime(src / "pkg" / "__init__.py", ns=(OLD_NS + 10**9, OLD_NS + 10**9))  # touched
    second, read = _digest(cache, src)
    assert read == ["pkg/__init__.py"]
    assert second == first


def test_an_edit_with_size_and_mtime_forced_back_is_detected(tmp_path: Path) -> None:
    src = _tree(tmp_path / "src", {"pkg/__init__.py": "x = 1\n"})
    cache = tmp_path / "cache"
    first, _ = _digest(cache, src)
    module = src / "pkg" / "__init__.py"
    module.write_text("x = 2\n")  # same size
    os.utime(module, ns=(OLD_NS, OLD_NS))  # same mtime: the inode's ctime still moved
    second, read = _digest(cache, src)
    assert read == ["pkg/__init__.py"]
    assert second != first


def test_a_racy_entry_is_hashed_again_until_it_is_old_enough(tmp_path: Path) -> None:
    """A file whose mtime is not older than its hashing (by the racy margin) may change again
    within one timestamp tick without its stat changing: it is never trusted, always re-read."""
    future = time.time_ns() + 60 * 10**9
    src = _tree(tmp_path / "src", {"old.py": "a = 1\n"})
    _tree(src, {"racy.py": "b = 1\n"}, mtime_ns=future)
    cache = tmp_path / "cache"
    first, read = _digest(cache, src)
    assert read == ["old.py", "racy.py"]
    for _ in range(2):
        digest, read = _digest(cache, src)
        assert (digest, read) == (first, ["racy.py"])

    # Changed in the same tick (same size, same mtime), as git's racy-git.txt describes: seen.
    racy = src / "racy.py"
    racy.write_text("b = 2\n")
    os.utime(racy, ns=(future, future))
    changed, read = _digest(cache, src)
    assert read == ["racy.py"]
    assert changed != first


def test_the_index_is_rewritten_only_when_it_changed(tmp_path: Path) -> None:
    src = _tree(tmp_path / "src", {"a.py": "a\n", "b.py": "b\n"})
    cache = tmp_path / "cache"
    _digest(cache, src)
    (index_file,) = (cache / "index").iterdir()
    written = index_file.stat().st_mtime_ns
    time.sleep(0.01)
    _digest(cache, src)
    assert index_file.stat().st_mtime_ns == written
    (src / "b.py").unlink()  # gone from the tree: dropped from the index
    _digest(cache, src)
    assert "b.py" not in index_file.read_text()
    assert RACY_NS > 2 * 10**9  # FAT's 2 s timestamps


def test_a_damaged_index_is_ignored(tmp_path: Path) -> None:
    src = _tree(tmp_path / "src", {"a.py": "a\n"})
    cache = tmp_path / "cache"
    first, _ = _digest(cache, src)
    (index_file,) = (cache / "index").iterdir()
    index_file.write_text("{not json")
    second, read = _digest(cache, src)
    assert (second, read) == (first, ["a.py"])


# -- serving a hit ----------------------------------------------------------------------

KEY = "ef" + "1" * 62


def _stored(tmp_path: Path) -> tuple[WheelCache, Path]:
    cache = WheelCache(tmp_path / "c")
    built = tmp_path / "built" / "pkg-1.0-py3-none-any.whl"
    built.parent.mkdir()
    built.write_bytes(b"wheel bytes")
    cache.put(KEY, [built], summary={"project": "pkg"})
    return cache, cache.entry_dir(KEY) / built.name


@pytest.mark.skipif(os.name != "posix", reason="read-only by mode bits")
def test_stored_artifacts_are_read_only(tmp_path: Path) -> None:
    _, stored = _stored(tmp_path)
    assert not stored.stat().st_mode & 0o222


#: Run as an unprivileged user: a hit is a hard link of the entry's read-only file; editing the
#: output in place is refused, deleting it leaves the entry whole.
LINK_SCENARIO = """
import os, sys
from pathlib import Path
from headless_wheel_builder.cache.wheels import WheelCache
tmp = Path(sys.argv[1])
cache = WheelCache(tmp / "c")
built = tmp / "built" / "pkg-1.0-py3-none-any.whl"
built.parent.mkdir()
built.write_bytes(b"wheel bytes")
cache.put(sys.argv[2], [built], summary={"project": "pkg"})
stored = cache.entry_dir(sys.argv[2]) / built.name
(served,) = cache.fetch(sys.argv[2], tmp / "out")
assert served.read_bytes() == b"wheel bytes"
assert os.path.samefile(served, stored), "not a link"
try:
    served.write_bytes(b"edited")
except PermissionError:
    pass
else:
    raise AssertionError("the served link was writable")
served.unlink()
(again,) = cache.fetch(sys.argv[2], tmp / "out2")
assert again.read_bytes() == b"wheel bytes"
print("ok", os.geteuid())
"""


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX users")
def test_a_hit_is_served_as_a_link_and_survives_the_user_editing_the_output(tmp_path: Path) -> None:
    """As an unprivileged user (as root: the same run as ``nobody``, uid 65534)."""
    import shutil
    import subprocess
    import sys
    import tempfile

    import headless_wheel_builder

    # pytest's own temporary folders are private to root: a world-writable one beside them.
    folder = Path(tempfile.mkdtemp(prefix="hwb-link-test-"))
    folder.chmod(0o777)
    user = 65534 if os.geteuid() == 0 else None
    src = str(Path(headless_wheel_builder.__file__).parents[1])
    try:
        result = subprocess.run(
            [sys.executable, "-c", LINK_SCENARIO, str(folder), KEY], user=user, capture_output=True,
            text=True, env={**os.environ, "PYTHONPATH": src, "HOME": str(folder)}, check=False,
        )  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="as root")
def test_as_root_a_hit_is_a_copy_so_an_edit_cannot_reach_the_entry(tmp_path: Path) -> None:
    cache, stored = _stored(tmp_path)
    (served,) = cache.fetch(KEY, tmp_path / "out") or []
    assert not os.path.samefile(served, stored)
    served.write_bytes(b"edited by root, who may write read-only files")
    assert stored.read_bytes() == b"wheel bytes"
    (again,) = cache.fetch(KEY, tmp_path / "out2") or []
    assert again.read_bytes() == b"wheel bytes"


def test_serve_file_links_only_read_only_files_as_an_unprivileged_user(tmp_path: Path) -> None:
    writable = tmp_path / "w.whl"
    writable.write_bytes(b"x")
    assert store.serve_file(writable, tmp_path / "w2.whl") in ("reflink", "copy")
    assert not os.path.samefile(writable, tmp_path / "w2.whl")
    read_only = tmp_path / "r.whl"
    read_only.write_bytes(b"y")
    store.make_read_only(read_only)
    how = store.serve_file(read_only, tmp_path / "r2.whl")
    assert (tmp_path / "r2.whl").read_bytes() == b"y"
    unprivileged = hasattr(os, "geteuid") and os.geteuid() != 0
    assert (how == "link") == unprivileged


def test_cache_clear_removes_the_indexes(tmp_path: Path) -> None:
    from headless_wheel_builder.cache import manage

    src = _tree(tmp_path / "src", {"a.py": "a\n"})
    cache = tmp_path / "cache"
    _digest(cache, src)
    assert list((cache / "index").iterdir())
    manage.clear(cache)
    assert not list((cache / "index").iterdir())
    assert _digest(cache, src)[1] == ["a.py"]  # read again, indexed again


def test_the_variables_keyed_are_those_fnmatch_would_keep() -> None:
    """env_fingerprint answers literal names and ``PREFIX*`` without fnmatch: the same answer."""
    from fnmatch import fnmatchcase

    from headless_wheel_builder._log import is_secret_name

    ignore = ("MYCI_*", "X?Z", "[AB]_FLAG", "*_STAMP", "PLAIN")
    names = ["TERM", "TERM_PROGRAM", "TERMINAL", "HWB_CACHE", "HWB", "PIP_INDEX_URL", "PIPX_HOME", "UV_X",
             "GITHUB_ACTIONS", "GITHUB_RUN_ID", "MYCI_RUN", "MYCI", "XYZ", "XYYZ", "A_FLAG", "C_FLAG",
             "BUILD_STAMP", "PLAIN", "PLAINER", "PATH", "HOME", "CC", "CFLAGS", "SSH_AUTH_SOCK", "_",
             "PYPI_TOKEN", "LC_ALL", "VSCODE_PID", "VSCODE", "CI", "CI_JOB_ID"]  # fmt: skip
    environ = {name: f"value of {name}" for name in names}
    patterns = (*keys.IGNORED_ENV, *ignore)
    expected = {
        n for n in names
        if n in (*keys.KEYED_ANYWAY, "CI_JOB_ID")
        or not (is_secret_name(n) or any(fnmatchcase(n, p) for p in patterns))
    }  # fmt: skip
    got = keys.env_fingerprint(environ, keep=("CI_JOB_ID",), ignore=ignore)
    assert set(got) == expected
    assert {"PATH", "HOME", "CC", "TERMINAL", "PIPX_HOME", "HWB", "PLAINER", "C_FLAG"} <= expected


def test_git_is_asked_only_where_it_could_find_a_repository(tmp_path: Path) -> None:
    """A folder with no ``.git`` above it (nor a bare repository) runs no git: a non-git rebuild
    starts no process.  A ``.git`` file (a worktree or submodule) or a bare layout counts."""
    import subprocess

    from headless_wheel_builder import _git

    if any((p / ".git").exists() for p in (tmp_path, *tmp_path.parents)):
        pytest.skip("the temporary folder is inside a git checkout")
    plain = tmp_path / "plain" / "pkg"
    plain.mkdir(parents=True)
    assert not _git.may_be_in_repository(plain)
    assert _git.repository_overrides(str(plain)) == ()

    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "sub").mkdir()
    assert _git.may_be_in_repository(repo / "sub")
    worktree = tmp_path / "wt"
    worktree.mkdir()
    (worktree / ".git").write_text("gitdir: ../repo/.git\n")
    assert _git.may_be_in_repository(worktree)
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    assert _git.may_be_in_repository(bare / "hooks")
