"""Source resolution without git: URL parsing, local folders, and archive safety."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from headless_wheel_builder.errors import (
    ArchiveError,
    GitError,
    NotAProjectError,
    SourceError,
    SourceNotFoundError,
    UsageError,
)
from headless_wheel_builder.source import source
from headless_wheel_builder.source.archive import extract_archive
from headless_wheel_builder.source.source import GitSpec, parse_git_url, resolve_source

PYPROJECT = b'[project]\nname = "demo"\nversion = "1.0"\n'

# --- parse_git_url ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "url", "ref", "sub"),
    [
        ("git+https://github.com/o/r.git", "https://github.com/o/r.git", None, None),
        ("git+https://github.com/o/r.git@v1.2.3", "https://github.com/o/r.git", "v1.2.3", None),
        ("git+https://github.com/o/r@main", "https://github.com/o/r", "main", None),
        ("https://github.com/o/r.git", "https://github.com/o/r.git", None, None),
        ("https://github.com/o/r.git@feature/x", "https://github.com/o/r.git", "feature/x", None),
        ("git+https://h/o/r.git@feature/x/y", "https://h/o/r.git", "feature/x/y", None),
        ("git+https://h/r.git@v1#subdirectory=pkg", "https://h/r.git", "v1", "pkg"),
        ("git+https://h/r.git#subdirectory=a/b/", "https://h/r.git", None, "a/b"),
        ("git+https://h/r.git#egg=demo&subdirectory=./a", "https://h/r.git", None, "a"),
        ("git+https://user@h/o/r.git", "https://user@h/o/r.git", None, None),
        ("https://user:pw@h/o/r.git@dev", "https://user:pw@h/o/r.git", "dev", None),
        ("git@github.com:o/r.git", "git@github.com:o/r.git", None, None),
        ("git@github.com:o/r.git@feature/x", "git@github.com:o/r.git", "feature/x", None),
        ("git+git@github.com:o/r@v2#subdirectory=s", "git@github.com:o/r", "v2", "s"),
        ("git@github.com:o/r@main", "git@github.com:o/r", "main", None),
        ("github.com:o/r.git", "github.com:o/r.git", None, None),
        ("ssh://git@h/o/r", "ssh://git@h/o/r", None, None),
        ("git+ssh://git@h:2222/o/r.git@abc1234", "ssh://git@h:2222/o/r.git", "abc1234", None),
        ("git+file:///srv/repo", "file:///srv/repo", None, None),
        ("git+file:///srv/repo@v1", "file:///srv/repo", "v1", None),
        ("file:///srv/repo.git@main", "file:///srv/repo.git", "main", None),
        ("git+http://h/r", "http://h/r", None, None),
        ("git://h/r", "git://h/r", None, None),
        ("git+https://h/r.git@refs/tags/v1", "https://h/r.git", "refs/tags/v1", None),
    ],
)
def test_parse_git_url_forms(spec: str, url: str, ref: str | None, sub: str | None) -> None:
    assert parse_git_url(spec) == GitSpec(url=url, ref=ref, subdirectory=sub)


@pytest.mark.parametrize(
    "spec",
    [
        ".",
        "/srv/project",
        "../project",
        "dist/demo-1.0.tar.gz",
        "https://example.org/demo",  # not .git: not a git URL
        "https://example.org/demo-1.0.tar.gz",
        "file:///srv/repo",  # file:// needs git+ or .git
        "foo:bar",  # a local name with a colon
        "C:/work/repo.git",  # a drive letter, not a host
        "--upload-pack=touch",  # not URL-like: treated as a (missing) path
    ],
)
def test_parse_git_url_not_git(spec: str) -> None:
    assert parse_git_url(spec) is None


@pytest.mark.parametrize(
    ("spec", "because"),
    [
        ("-oProxyCommand=evil:repo.git", "begins with '-'"),
        ("--git+https://h/r.git", "begins with '-'"),
        ("ssh://-oProxyCommand=evil/repo", "host begins with '-'"),
        ("git+ssh://-evil@h/r.git", "begins with '-'"),
        ("git+-oProxyCommand=x:r.git", "begins with '-'"),
        ("ext::sh -c touch% /tmp/pwned", "ext::"),
        ("git+ext::sh -c id", "ext::"),
        ("fd::17/repo", "::"),
        ("git+ftp://h/r.git", "ftp:// transport is not supported"),
        ("svn://h/r.git", "svn:// transport is not supported"),
        ("git+https:///r.git", "no host"),
        ("git+https://h", "no repository path"),
        ("git+nonsense", "neither scheme://host/path"),
        ("git+https://h/r.git@-oEvil", "begins with '-'"),
        ("git+https://h/r.git@", "empty"),
        ("git+https://h/r.git@a..b", "'..'"),
        ("git+https://h/r.git@a b", "whitespace"),
        ("git+https://h/r.git@a\tb", "whitespace"),
        ("git+https://h/r.git@a\x01b", "control"),
        ("git+https://h/r.git@a~1", "~"),
        ("git+https://h/r.git@a:b", "~ ^ :"),
        ("git+https://h/r.git@x.lock", ".lock"),
        ("git+https://h/r.git@a//b", "//"),
        ("git+https://h/r.git@a/", "'/'"),
        ("git+https://h/r.git@HEAD@{1}", "'@{'"),
        ("git+https://h/r.git#subdirectory=../up", "'..'"),
        ("git+https://h/r.git#subdirectory=a/../../up", "'..'"),
        ("git+https://h/r.git#subdirectory=/etc", "absolute"),
        ("git+https://h/r.git#subdir=pkg", "unknown key 'subdir'"),
    ],
)
def test_parse_git_url_refused(spec: str, because: str) -> None:
    with pytest.raises(GitError) as info:
        parse_git_url(spec)
    assert info.value.exit_code == 14
    assert because in f"{info.value} {info.value.hint}"
    assert info.value.hint


@pytest.mark.parametrize(
    "spec",
    [
        "git+https://alice:hunter2-secret@h/r.git@a..b",
        "https://alice:hunter2-secret@h/r.git@bad ref",
        "git+https://hunter2-secret@h/r.git#subdirectory=/abs",
    ],
)
def test_credentials_never_in_messages(spec: str) -> None:
    with pytest.raises(GitError) as info:
        parse_git_url(spec)
    rendered = info.value.render() + str(info.value) + repr(info.value.to_dict())
    assert "hunter2-secret" not in rendered
    assert "h/r.git" in rendered


def test_subdirectory_argument_and_fragment_must_agree(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="two different subdirectories") as info:
        resolve_source(
            "git+file:///nowhere/repo.git#subdirectory=a", subdirectory="b", workdir=tmp_path
        )
    assert "#subdirectory=a" in (info.value.why or "")


# --- local folders ---------------------------------------------------------------------


def _project(path: Path, *, pkg_info: bool = False, setup_py: bool = False) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    if setup_py:
        (path / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    else:
        (path / "pyproject.toml").write_bytes(PYPROJECT)
    if pkg_info:
        (path / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
    return path


def test_directory_used_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proj = _project(tmp_path / "proj")
    monkeypatch.chdir(tmp_path)
    work = tmp_path / "work"
    res = resolve_source("proj", workdir=work)
    assert res.kind == "directory"
    assert res.root_dir == res.project_dir == proj.resolve()
    assert res.root_dir.is_absolute()
    assert res.spec == "proj"
    assert not res.is_sdist
    assert res.archive is None
    assert res.git_commit is None
    assert not work.exists() or not any(work.iterdir())  # nothing copied


def test_directory_accepts_pathlike_and_setup_py(tmp_path: Path) -> None:
    proj = _project(tmp_path / "legacy", setup_py=True)
    res = resolve_source(proj, workdir=tmp_path / "w")
    assert res.project_dir == proj.resolve()


def test_unpacked_sdist_directory(tmp_path: Path) -> None:
    proj = _project(tmp_path / "demo-1.0", pkg_info=True)
    assert resolve_source(str(proj), workdir=tmp_path / "w").is_sdist


def test_directory_subdirectory(tmp_path: Path) -> None:
    root = tmp_path / "mono"
    _project(root / "packages" / "core")
    res = resolve_source(str(root), subdirectory="packages/core/", workdir=tmp_path / "w")
    assert res.root_dir == root.resolve()
    assert res.project_dir == root.resolve() / "packages" / "core"


def test_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir"
    with pytest.raises(SourceNotFoundError) as info:
        resolve_source(str(missing), workdir=tmp_path / "w")
    assert info.value.exit_code == 11
    assert str(missing) in str(info.value)
    assert info.value.why
    assert info.value.hint


def test_missing_path_that_looks_like_a_url(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError) as info:
        resolve_source("https://example.org/demo-1.0.tar.gz", workdir=tmp_path)
    assert "git+https://" in (info.value.hint or "")


def test_not_a_project_lists_candidates(tmp_path: Path) -> None:
    root = tmp_path / "mono"
    for name in ("pkg_b", "pkg_a", ".hidden"):
        _project(root / name)
    (root / "docs").mkdir()
    with pytest.raises(NotAProjectError) as info:
        resolve_source(str(root), workdir=tmp_path / "w")
    err = info.value
    assert err.exit_code == 12
    assert str(root) in err.what
    assert err.why == "looked for pyproject.toml and setup.py, found neither"
    assert err.hint == "use --subdirectory pkg_a (other projects: pkg_b)"


def test_not_a_project_without_candidates(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(NotAProjectError) as info:
        resolve_source(str(tmp_path / "empty"), workdir=tmp_path / "w")
    assert "pyproject.toml" in (info.value.hint or "")


def test_missing_subdirectory_is_named(tmp_path: Path) -> None:
    root = tmp_path / "mono"
    _project(root / "real")
    with pytest.raises(SourceNotFoundError) as info:
        resolve_source(str(root), subdirectory="nope", workdir=tmp_path / "w")
    assert "'nope'" in str(info.value)
    assert info.value.hint == "use --subdirectory real"


def test_subdirectory_that_is_a_file(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    with pytest.raises(SourceNotFoundError, match="not a folder"):
        resolve_source(str(root), subdirectory="pyproject.toml", workdir=tmp_path / "w")


@pytest.mark.parametrize("sub", ["../other", "a/../../b", "/abs/path"])
def test_subdirectory_must_stay_inside(tmp_path: Path, sub: str) -> None:
    root = _project(tmp_path / "p")
    with pytest.raises(UsageError) as info:
        resolve_source(str(root), subdirectory=sub, workdir=tmp_path / "w")
    assert repr(sub) in str(info.value)


def test_file_that_is_not_an_archive(tmp_path: Path) -> None:
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    wheel.write_bytes(b"PK")
    with pytest.raises(SourceError) as info:
        resolve_source(str(wheel), workdir=tmp_path / "w")
    assert info.value.exit_code == 10
    assert "wheel" in (info.value.hint or "")


# --- archives --------------------------------------------------------------------------

_Member = tuple[tarfile.TarInfo, bytes | None]


def _file(name: str, data: bytes = b"x", mode: int = 0o644) -> _Member:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), mode
    return info, data


def _dir(name: str) -> _Member:
    info = tarfile.TarInfo(name)
    info.type, info.mode = tarfile.DIRTYPE, 0o755
    return info, None


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> _Member:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, None


def _special(name: str, kind: bytes) -> _Member:
    info = tarfile.TarInfo(name)
    info.type = kind
    return info, None


def _tar(path: Path, members: list[_Member], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as tf:  # type: ignore[call-overload]
        for info, data in members:
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _zip(path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return path


def _sdist_members(top: str = "demo-1.0") -> list[_Member]:
    return [
        _dir(top),
        _file(f"{top}/PKG-INFO", b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"),
        _file(f"{top}/pyproject.toml", PYPROJECT),
        _file(f"{top}/src/demo/__init__.py", b"", mode=0o664),
        _file(f"{top}/bin/tool", b"#!/bin/sh\n", mode=0o4775),
        _link(f"{top}/src/demo/readme.txt", "../../PKG-INFO"),
        _link(f"{top}/copy.toml", f"{top}/pyproject.toml", tarfile.LNKTYPE),
    ]


@pytest.mark.parametrize(
    ("suffix", "mode"),
    [(".tar.gz", "w:gz"), (".tgz", "w:gz"), (".tar", "w"), (".tar.bz2", "w:bz2"), (".tar.xz", "w:xz")],
)
def test_good_sdist(tmp_path: Path, suffix: str, mode: str) -> None:
    archive = _tar(tmp_path / f"demo-1.0{suffix}", _sdist_members(), mode)
    res = resolve_source(str(archive), workdir=tmp_path / "w")
    assert res.kind == "sdist"
    assert res.archive == archive.resolve()
    assert res.is_sdist
    assert res.root_dir == res.project_dir
    assert res.root_dir.name == "demo-1.0"
    assert res.root_dir.is_relative_to(tmp_path / "w")
    assert (res.root_dir / "pyproject.toml").read_bytes() == PYPROJECT
    assert (res.root_dir / "src/demo/readme.txt").read_text().startswith("Metadata-Version")
    assert (res.root_dir / "copy.toml").read_bytes() == PYPROJECT
    tool_mode = stat.S_IMODE((res.root_dir / "bin/tool").stat().st_mode)
    assert tool_mode == 0o755  # setuid and group write dropped, as tarfile's data filter does
    assert not stat.S_IMODE((res.root_dir / "src/demo/__init__.py").stat().st_mode) & 0o022


@pytest.mark.filterwarnings("ignore:Python 3.14 will, by default, filter:DeprecationWarning")
def test_good_sdist_without_data_filter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(tarfile, "data_filter", raising=False)
    archive = _tar(tmp_path / "demo-1.0.tar.gz", _sdist_members())
    root = extract_archive(archive, tmp_path / "w")
    assert (root / "copy.toml").read_bytes() == PYPROJECT
    assert stat.S_IMODE((root / "bin/tool").stat().st_mode) == 0o755  # our own mode cleaning


@pytest.mark.skipif(not hasattr(tarfile, "data_filter"), reason="needs tarfile.data_filter")
def test_data_filter_backs_up_own_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from headless_wheel_builder.source import archive as archive_mod

    monkeypatch.setattr(archive_mod._LinkChecker, "_escapes", lambda self, base, target: False)
    archive = _tar(tmp_path / "evil.tar.gz", [_link("demo/passwd", "/etc/passwd")])
    with pytest.raises(ArchiveError) as info:
        extract_archive(archive, tmp_path / "w")
    assert "unsafe member 'demo/passwd'" in info.value.what
    assert isinstance(info.value.__cause__, tarfile.TarError)


def test_good_zip(tmp_path: Path) -> None:
    script = zipfile.ZipInfo("demo-1.0/run.sh")
    script.external_attr = (stat.S_IFREG | 0o755) << 16
    archive = _zip(
        tmp_path / "demo-1.0.zip",
        [
            ("demo-1.0/pyproject.toml", PYPROJECT),
            ("demo-1.0/PKG-INFO", b"Name: demo\n"),
            (script, b"#!/bin/sh\n"),
            ("__MACOSX/demo-1.0/._x", b""),
        ],
    )
    res = resolve_source(str(archive), workdir=tmp_path / "w")
    assert res.kind == "zip"
    assert res.is_sdist
    assert res.root_dir.name == "demo-1.0"
    assert (res.root_dir / "run.sh").stat().st_mode & stat.S_IXUSR


def test_archive_with_several_top_levels_and_subdirectory(tmp_path: Path) -> None:
    archive = _tar(
        tmp_path / "mono.tar.gz",
        [_file("README", b"hi"), _file("pkgs/core/pyproject.toml", PYPROJECT)],
    )
    res = resolve_source(str(archive), subdirectory="pkgs/core", workdir=tmp_path / "w")
    assert res.project_dir == res.root_dir / "pkgs" / "core"
    assert (res.root_dir / "README").is_file()
    assert not res.is_sdist


def test_archive_without_project(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "x.tar.gz", [_file("x-1/README", b"hi"), _file("x-1/lib/setup.py")])
    with pytest.raises(NotAProjectError) as info:
        resolve_source(str(archive), workdir=tmp_path / "w")
    assert info.value.hint == "use --subdirectory lib"


def test_archive_subdirectory_through_symlink_is_refused(tmp_path: Path) -> None:
    archive = _tar(
        tmp_path / "x.tar.gz",
        [
            _file("x-1/pyproject.toml", PYPROJECT),
            _file("x-1/real/pyproject.toml", PYPROJECT),
            _link("x-1/alias", "real"),
        ],
    )
    res = resolve_source(str(archive), subdirectory="alias", workdir=tmp_path / "w")
    assert res.project_dir == res.root_dir / "alias"  # a link inside the archive is fine
    outside = _project(tmp_path / "outside")
    (tmp_path / "w2").mkdir()
    root = extract_archive(archive, tmp_path / "w2" / "x")
    (root / "escape").symlink_to(outside)
    with pytest.raises(SourceError, match="leads outside"):
        source._project_dir(root, "escape", confine=True, git=False)


# case -> (members added to a good sdist, the member to be named, why)
_EVIL_TARS: dict[str, tuple[list[_Member], str, str]] = {
    "dotdot": ([_file("demo/../../evil")], "demo/../../evil", "'..'"),
    "dotdot-top": ([_file("../evil")], "../evil", "'..'"),
    "absolute": ([_file("/etc/x")], "/etc/x", "absolute"),
    "symlink-absolute": ([_link("demo/passwd", "/etc/passwd")], "demo/passwd", "outside"),
    "symlink-dotdot": ([_link("demo/up", "../../x")], "demo/up", "outside"),
    "symlink-sneaky": ([_dir("demo/a"), _link("link", "a/../../x")], "link", "outside"),
    # textually sub/../up/.. stays inside; following the archive's own link 'up' it leaves
    "symlink-chain": (
        [_link("up", "sub/.."), _dir("sub"), _link("sub/l", "../up/..")],
        "sub/l",
        "outside",
    ),
    "symlink-forward-chain": ([_link("x", "y/.."), _link("y", ".")], "x", "outside"),
    "write-through-symlink": (
        [_link("d", "inside"), _file("d/f")],
        "d/f",
        "through a symbolic link",
    ),
    "symlink-twice": ([_link("l", "a"), _link("l", "/etc")], "l", "twice"),
    "hardlink-dotdot": (
        [_link("demo/h", "../../etc/passwd", tarfile.LNKTYPE)],
        "demo/h",
        "hard link to '../../etc/passwd', outside",
    ),
    "hardlink-absolute": ([_link("demo/h", "/etc/passwd", tarfile.LNKTYPE)], "demo/h", "outside"),
    "hardlink-via-symlink": (
        [_link("s", "a/.."), _link("h", "s/../passwd", tarfile.LNKTYPE)],
        "h",
        "hard link",
    ),
    "char-device": ([_special("demo/null", tarfile.CHRTYPE)], "demo/null", "device"),
    "block-device": ([_special("demo/sda", tarfile.BLKTYPE)], "demo/sda", "device"),
    "fifo": ([_special("demo/pipe", tarfile.FIFOTYPE)], "demo/pipe", "FIFO"),
}


@pytest.fixture(params=["data-filter", "own-checks-only"])
def tar_filter(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with tarfile's data filter, and again as on a Python without it."""
    if request.param == "data-filter" and not hasattr(tarfile, "data_filter"):
        pytest.skip("this Python has no tarfile.data_filter")
    if request.param == "own-checks-only":
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    return str(request.param)


@pytest.mark.parametrize("case", sorted(_EVIL_TARS))
def test_malicious_tar_refused(tmp_path: Path, case: str, tar_filter: str) -> None:
    members, bad_name, because = _EVIL_TARS[case]
    archive = _tar(tmp_path / "evil.tar.gz", [*_sdist_members(), *members])
    dest = tmp_path / "work" / "x"
    with pytest.raises(ArchiveError) as info:
        extract_archive(archive, dest)
    err = info.value
    assert err.exit_code == 13
    assert err.what == f"refusing to extract {archive}: unsafe member {bad_name!r}"
    assert because in (err.why or "")
    assert err.hint
    assert not any(dest.rglob("*"))  # checked before anything was written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.tar.gz", "work"]


@pytest.mark.parametrize(
    ("entries", "because"),
    [
        ([("../evil", b"x")], "'..'"),
        ([("demo/../../evil", b"x")], "'..'"),
        ([("/abs/evil", b"x")], "absolute"),
        ([("..\\evil", b"x")], "'..'"),
    ],
)
def test_malicious_zip_refused(
    tmp_path: Path, entries: list[tuple[str, bytes]], because: str
) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("demo/pyproject.toml", PYPROJECT)
        for name, data in entries:
            # ZipFile.writestr keeps these names as given (its sanitising happens on extract).
            zf.writestr(zipfile.ZipInfo(name), data)
    dest = tmp_path / "work"
    with pytest.raises(ArchiveError) as info:
        extract_archive(archive, dest)
    assert repr(entries[0][0]) in info.value.what
    assert because in (info.value.why or "")
    assert not any(dest.rglob("*"))


def _zip_special(name: str, mode: int, data: bytes = b"") -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.external_attr = mode << 16
    return info, data


@pytest.mark.parametrize(
    ("entry", "because"),
    [
        (_zip_special("demo/l", stat.S_IFLNK | 0o777, b"../../etc/passwd"), "outside"),
        (_zip_special("demo/l", stat.S_IFLNK | 0o777, b"/etc/passwd"), "outside"),
        (_zip_special("demo/dev", stat.S_IFCHR | 0o644), "device"),
        (_zip_special("demo/fifo", stat.S_IFIFO | 0o644), "FIFO"),
    ],
)
def test_zip_links_and_devices_refused(
    tmp_path: Path, entry: tuple[zipfile.ZipInfo, bytes], because: str
) -> None:
    archive = _zip(tmp_path / "evil.zip", [("demo/pyproject.toml", PYPROJECT), entry])
    with pytest.raises(ArchiveError) as info:
        extract_archive(archive, tmp_path / "work")
    assert "'demo/" in info.value.what
    assert because in (info.value.why or "")


def test_encrypted_zip_member_refused(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "enc.zip", [("demo/secret", b"data")])
    raw = bytearray(archive.read_bytes())
    central = raw.index(b"PK\x01\x02")
    raw[central + 8] |= 0x1  # the "encrypted" flag in the central directory
    archive.write_bytes(bytes(raw))
    with pytest.raises(ArchiveError, match="demo/secret") as err:
        extract_archive(archive, tmp_path / "work")
    assert "encrypted" in (err.value.why or "")


def test_size_cap(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "big.tar.gz", [_file("a/small", b"x" * 10), _file("a/big", b"y" * 100)])
    with pytest.raises(ArchiveError, match="'a/big'") as info:
        extract_archive(archive, tmp_path / "w", max_total_size=50)
    assert "50 bytes" in (info.value.why or "")
    assert extract_archive(archive, tmp_path / "w2", max_total_size=110).name == "a"


def test_zip_size_cap(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "big.zip", [("a/big", b"y" * 100)])
    with pytest.raises(ArchiveError, match="'a/big'"):
        extract_archive(archive, tmp_path / "w", max_total_size=99)


def test_default_caps() -> None:
    from headless_wheel_builder.source import archive

    assert archive.MAX_TOTAL_SIZE == 4 * 1024**3
    assert archive.MAX_MEMBERS == 100_000


def test_member_count_cap(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "many.tar", [_file(f"a/{i}") for i in range(5)], "w")
    with pytest.raises(ArchiveError, match="'a/3'") as info:
        extract_archive(archive, tmp_path / "w", max_members=3)
    assert "more than 3 members" in (info.value.why or "")


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("junk.tar.gz", lambda p: p.write_bytes(b"this is not gzip at all")),
        ("junk.zip", lambda p: p.write_bytes(b"PK\x03\x04 truncated")),
        ("empty.tar.xz", lambda p: p.write_bytes(b"")),
        (
            "truncated.tar.gz",
            lambda p: p.write_bytes(
                _tar(p.with_name("full.tar.gz"), _sdist_members()).read_bytes()[:60]
            ),
        ),
    ],
)
def test_corrupt_archive(tmp_path: Path, name: str, make: Callable[[Path], object]) -> None:
    archive = tmp_path / name
    make(archive)
    with pytest.raises(ArchiveError) as info:
        resolve_source(str(archive), workdir=tmp_path / "w")
    assert info.value.exit_code == 13
    assert f"cannot read archive {archive}" == info.value.what
    assert "damaged" in (info.value.why or "")


def test_extract_archive_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError, match="archive not found"):
        extract_archive(tmp_path / "gone.tar.gz", tmp_path / "w")


def test_extract_archive_refuses_unknown_suffix(tmp_path: Path) -> None:
    odd = tmp_path / "demo.rar"
    odd.write_bytes(b"Rar!")
    with pytest.raises(ArchiveError, match="not a supported archive"):
        extract_archive(odd, tmp_path / "w")


def test_extract_archive_reexported() -> None:
    from headless_wheel_builder.source import archive

    assert source.extract_archive is archive.extract_archive


def test_zip_member_flagged_utf8_with_a_name_that_is_not(tmp_path: Path) -> None:
    # Found by the atheris target (fuzz/fuzz_archive.py): zipfile raised UnicodeDecodeError,
    # which escaped as an internal error instead of a clear ArchiveError.
    data = bytes.fromhex(
        "504b0304140000000000299b875d9afa40ac00000a0000000a0000001700000064656d6f2d312e302f707970726f6a65"
        "63742e746f6d6c5b70726f6a6563742e746f6d6c504b01021403745d0a504b0304140000000000299b875d8316dc8c01"
        "00000001000000070000002e2e2f6576696c78504b01021403140000000000299b875d9afa40ac0a0000000a00000017"
        "000000000000000000000080010000000064656d6f2d312e302f707970726f6a6563742e746f6d6c504b010214090909"
        "0909090909090909090909090909090909090909090909090909090909090909090909c89692f7d97c6576696c504b05"
        "0600000000020002007a000000650000000000"
    )
    archive = tmp_path / "demo-1.0.zip"
    archive.write_bytes(data)
    with pytest.raises(ArchiveError, match=r"demo-1\.0\.zip"):
        source.extract_archive(archive, tmp_path / "dest")
    assert not (tmp_path / "dest").exists() or not any((tmp_path / "dest").iterdir())
