"""Property tests of hwb's readers of outside input (issue 16, family 6).

Each target gets both valid-looking and hostile input, generated and mutated from real
examples; the property is always the same: the call returns normally or raises an hwb error
(:class:`HwbError`, or the module's own documented error where the caller translates it), and
it returns within a second (:func:`timed`) on these small inputs.  Any other exception, and any
slow case, is a bug to fix in the reader, with the failing input added as an ``@example``.

Targets: the archive checker (beyond tests/unit/test_fuzz_archive.py: long names, deep paths,
pax headers, mutated real archives), the ELF reader, the TOML readers, the setup.py/setup.cfg
static readers (through ``hwb init --from-setup``'s migrate_project, dry run), the commit
parser and squash splitter, the git URL helpers, the registry URL handling, and
``_log.redact``/``_log.printable``.  The same properties run longer, with random seeds, from
``fuzz/run.py`` (see fuzz/README.md).
"""

from __future__ import annotations

import contextlib
import glob
import io
import os
import struct
import sys
import tarfile
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import strategies as st

from headless_wheel_builder import _log
from headless_wheel_builder._log import printable, redact
from headless_wheel_builder.analyze.analyzer import load_pyproject
from headless_wheel_builder.config.files import parse_toml
from headless_wheel_builder.errors import ArchiveError, ConfigError, GitError, HwbError, UsageError
from headless_wheel_builder.migrate.from_setup import migrate_project
from headless_wheel_builder.migrate.options import InitOptions
from headless_wheel_builder.publish.index_check import same_origin
from headless_wheel_builder.publish.registries import index_candidates, resolve_repository
from headless_wheel_builder.publish.s3_store import S3Location
from headless_wheel_builder.publish.trusted import index_root
from headless_wheel_builder.repair.elf import ElfError, versioned_symbols, wheel_versioned_symbols
from headless_wheel_builder.source.archive import extract_archive
from headless_wheel_builder.source.git import _credentials_to_env, parse_git_url, shown_spec
from headless_wheel_builder.version.commits import clean_message, lint_message, parse_message, split_squash
from tests.unit._fuzz import FUZZ, explains, timed

PACKAGES = Path(__file__).resolve().parents[1] / "packages"
# Some generated inputs are tens of KB; hypothesis warns before printing one that fails.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"
)


def _real_files(name: str) -> list[str]:
    return sorted(p.read_text(encoding="utf-8") for p in PACKAGES.glob(f"*/{name}"))


def _mutated(seeds: list[str], pieces: list[str]) -> st.SearchStrategy[str]:
    """A real file with a few edits: a slice deleted, duplicated, or a hostile piece inserted."""

    def edit(text: str, ops: list[tuple[int, int, int, str]]) -> str:
        for kind, a, b, piece in ops:
            i, j = sorted((a % (len(text) + 1), b % (len(text) + 1)))
            if kind == 0:
                text = text[:i] + text[j:]
            elif kind == 1:
                text = text[:j] + text[i:j] + text[j:]
            else:
                text = text[:i] + piece + text[i:]
        return text

    op = st.tuples(st.integers(0, 2), st.integers(0, 10**6), st.integers(0, 10**6), st.sampled_from(pieces))
    return st.builds(edit, st.sampled_from(seeds), st.lists(op, max_size=4))


def _pieces(pieces: list[str], max_size: int = 40) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces), max_size=max_size).map("".join)


def _hostile_text(pieces: list[str], seeds: list[str] | None = None) -> st.SearchStrategy[str]:
    options = [st.text(max_size=200), _pieces(pieces), _pieces(pieces).map(lambda s: s * 50)]
    if seeds:
        options.append(_mutated(seeds, pieces))
    return st.one_of(*options)


# --- archives ----------------------------------------------------------------------------------


def _sdist_bytes() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name, data in (("demo-1.0/pyproject.toml", b"[project]\nname='demo'\n"), ("demo-1.0/a.py", b"")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


_SDIST = _sdist_bytes()
_LONG_PARTS = st.sampled_from(["a", "demo-1.0", "x" * 255, "..", ".", "ü" * 40, "a" * 5000, ""])
_LONG_NAMES = st.one_of(
    st.lists(_LONG_PARTS, min_size=1, max_size=6).map("/".join),
    st.integers(1, 400).map(lambda n: "demo-1.0/" + "d/" * n + "f"),
)
_PAX = st.dictionaries(
    st.sampled_from(["path", "linkpath", "size", "uid", "mtime", "hdrcharset", "comment", "GNU.sparse.map"]),
    st.one_of(st.text(max_size=30), st.sampled_from(["-1", "1e9", "99999999999999999999", "a" * 3000])),
    max_size=3,
)


def _tar_with(names: list[str], pax: dict[str, str], kind: bytes, gnu: bool) -> bytes:
    buf = io.BytesIO()
    fmt = tarfile.GNU_FORMAT if gnu else tarfile.PAX_FORMAT
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        for name in names:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = name if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE) else ""
            info.pax_headers = {} if gnu else dict(pax)
            try:
                tf.addfile(info, io.BytesIO(b"") if kind == tarfile.REGTYPE else None)
            except (ValueError, UnicodeError):  # tarfile refuses to write some of these
                continue
    return buf.getvalue()


def _flip(data: bytes, flips: list[tuple[int, int]], cut: int | None) -> bytes:
    out = bytearray(data)
    for pos, value in flips:
        if out:
            out[pos % len(out)] = value
    return bytes(out[:cut] if cut is not None else out)


_ARCHIVE_BYTES = st.one_of(
    st.binary(max_size=2048),
    st.builds(
        _tar_with,
        st.lists(_LONG_NAMES, min_size=1, max_size=4),
        _PAX,
        st.sampled_from(
            [tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.CHRTYPE]
        ),
        st.booleans(),
    ),
    st.builds(
        _flip,
        st.just(_SDIST),
        st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
        st.one_of(st.none(), st.integers(0, len(_SDIST))),
    ),
)


@FUZZ(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(data=_ARCHIVE_BYTES, suffix=st.sampled_from([".tar", ".tar.gz", ".zip"]))
@example(data=_tar_with(["demo-1.0/d/f"], {"GNU.sparse.map": ""}, tarfile.REGTYPE, False), suffix=".tar")
def test_archive_checker_returns_or_raises_archive_error_in_time(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        archive = root / f"demo-1.0{suffix}"
        if suffix == ".tar.gz":
            import gzip

            data = gzip.compress(data, mtime=0)
        elif suffix == ".zip":
            data = _zip_of(data)
        archive.write_bytes(data)
        try:
            project = timed(extract_archive, archive, root / "dest")
        except ArchiveError as exc:
            explains(exc, ArchiveError)
        else:
            assert project.is_relative_to(root / "dest")
        assert {p.name for p in root.iterdir()} <= {archive.name, "dest"}


def _zip_of(tar: bytes) -> bytes:
    """A tar's member names as a zip (so zip gets the same long and hostile names); other
    bytes as they are."""
    try:
        with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
            members = tf.getnames()
    except (tarfile.TarError, OSError, EOFError, ValueError, UnicodeError):
        return tar
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in members:
            with warnings.catch_warnings():  # duplicate names are part of the attack surface
                warnings.simplefilter("ignore", UserWarning)
                zf.writestr(name or "x", b"")
    return buf.getvalue()


# --- ELF ---------------------------------------------------------------------------------------


def _small_shared_object() -> bytes:
    candidates = [
        *glob.glob("/usr/lib/x86_64-linux-gnu/libffi.so.*"),
        *glob.glob(os.path.join(sys.base_prefix, "lib", "python3*", "lib-dynload", "*.so")),
    ]
    files = sorted((Path(p) for p in candidates if Path(p).is_file()), key=lambda p: p.stat().st_size)
    if not files:
        pytest.skip("no ELF shared object on this machine")
    return files[0].read_bytes()


_ELF = _small_shared_object() if sys.platform == "linux" else b"\x7fELF\x02\x01\x01" + b"\x00" * 57


def _section_table_span(data: bytes) -> tuple[int, int]:
    try:
        shoff = struct.unpack_from("<Q", data, 0x28)[0]
        shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    except struct.error:
        return 0, len(data)
    return min(shoff, len(data)), min(shoff + shentsize * shnum, len(data))


_START, _STOP = _section_table_span(_ELF)
# Flips land in the ELF header, the section header table, or anywhere (where the tables are).
_POSITIONS = st.one_of(
    st.integers(0, 63), st.integers(_START, max(_START, _STOP - 1)), st.integers(0, len(_ELF) - 1)
)
_VALUES = st.one_of(st.integers(0, 255), st.sampled_from([0, 1, 2, 0x7F, 0xFF]))
_MUTATED_ELF = st.builds(
    _flip,
    st.just(_ELF),
    st.lists(st.tuples(_POSITIONS, _VALUES), max_size=12),
    st.one_of(st.none(), st.none(), st.integers(0, len(_ELF))),
)


def _synthetic_elf(is64: bool, little: bool, fields: tuple[int, int, int], body: bytes) -> bytes:
    """An ELF header with chosen section table fields, then arbitrary bytes."""
    end = "<" if little else ">"
    shoff, shentsize, shnum = fields
    head = bytearray(b"\x7fELF" + bytes([2 if is64 else 1, 1 if little else 2, 1]) + b"\x00" * 57)
    if is64:
        struct.pack_into(end + "Q", head, 0x28, shoff % 2**64)
        struct.pack_into(end + "HH", head, 0x3A, shentsize % 2**16, shnum % 2**16)
    else:
        struct.pack_into(end + "I", head, 0x20, shoff % 2**32)
        struct.pack_into(end + "HH", head, 0x2E, shentsize % 2**16, shnum % 2**16)
    return bytes(head) + body


# One .gnu.version_r section (its own string table) whose entry names a library at offset 10**6.
_VERNEED_STRING_PAST_THE_END = _synthetic_elf(
    True,
    True,
    (64, 64, 1),
    struct.pack("<IIQQQQIIQQ", 0, 0x6FFFFFFE, 0, 0, 128, 16, 0, 0, 0, 0)
    + struct.pack("<HHIII", 1, 0, 10**6, 0, 0),
)


def _verneed_loop(records: int, copies: int) -> bytes:
    """One .gnu.version_r table listed ``copies`` times (section headers 0 bytes apart), whose
    16-byte records each read as a need of 65,535 versions and as a version chained to the next."""
    header = struct.pack("<IIQQQQIIQQ", 0, 0x6FFFFFFE, 0, 0, 128, 16 * records, 0, 0, 0, 0)
    chained = struct.pack("<HHIII", 1, 65535, 0, 0, 16) * (records - 1)
    return _synthetic_elf(
        True, True, (64, 0, copies), header + chained + struct.pack("<HHIII", 1, 65535, 0, 0, 0) + b"\0"
    )


_ELF_BYTES = st.one_of(
    _MUTATED_ELF,
    st.builds(
        _synthetic_elf,
        st.booleans(),
        st.booleans(),
        st.tuples(
            st.one_of(st.integers(0, 300), st.integers(0, 2**64 - 1)),
            st.integers(0, 80),
            st.integers(0, 70000),
        ),
        st.binary(max_size=512),
    ),
    st.binary(max_size=64).map(lambda b: b"\x7fELF" + b),
)


@FUZZ(max_examples=200)
@given(data=_ELF_BYTES)
@example(data=b"\x7fELF")  # too short for the class and byte-order bytes
@example(data=_VERNEED_STRING_PAST_THE_END)  # its library name: no NUL, past the end
@example(data=_synthetic_elf(True, True, (2**63, 64, 1), b""))  # a section table past 2**63
@example(data=_verneed_loop(64, 65535))  # 1 KB that took minutes: quadratic, 65,535 times
def test_elf_reader_returns_or_raises_elf_error_in_time(data: bytes) -> None:
    try:
        symbols = timed(versioned_symbols, data)
    except ElfError:
        pass  # its caller (wheel_versioned_symbols) skips such a file
    else:
        assert all(s.library and s.version for s in symbols)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = Path(tmp) / "demo-1.0-cp311-cp311-linux_x86_64.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr("demo/_ext.so", data)
        assert set(timed(wheel_versioned_symbols, wheel)) <= {"demo/_ext.so"}


# --- TOML --------------------------------------------------------------------------------------

_TOML_PIECES = [
    "[project]\n",
    "[tool.hwb]\n",
    "[[tool.hwb.overrides]]\n",
    "[build-system]\n",
    'name = "demo"\n',
    "a = ",
    "[",
    "]",
    "{",
    "}",
    '"',
    "'''",
    '"""',
    "\\u0000",
    "\\",
    "=",
    ",",
    "\n",
    "#",
    "a.b.c",
    "1979-05-27",
    "inf",
    "nan",
    "0x",
    "1_000",
    "true",
    "\r\n",
    "\x00",
    "\ufeff",
    " ",
]
_TOML_TEXT = st.one_of(
    _hostile_text(_TOML_PIECES, _real_files("pyproject.toml")),
    st.integers(1, 3000).map(lambda n: "a = " + "[" * n + "]" * n + "\n"),
    st.integers(1, 3000).map(lambda n: "a = " + "{b = " * n + "1" + "}" * n + "\n"),
)


@FUZZ(max_examples=200)
@given(text=_TOML_TEXT, raw=st.one_of(st.none(), st.binary(max_size=100)))
@example(text="a = " + "[" * 3000 + "]" * 3000 + "\n", raw=None)
def test_toml_readers_return_or_raise_hwb_errors_in_time(text: str, raw: bytes | None) -> None:
    data = raw if raw is not None else text.encode("utf-8", "surrogatepass")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pyproject.toml"
        path.write_bytes(data)
        for reader in (parse_toml, load_pyproject):
            try:
                timed(reader, path)
            except HwbError as exc:
                explains(exc)


# --- setup.py and setup.cfg (read statically, never executed) ---------------------------------

_PY_PIECES = [
    "from setuptools import setup, find_packages\n",
    "import os\n",
    "setup(",
    ")",
    "\n",
    "name=",
    "version=",
    "'demo'",
    '"1.0"',
    "open(",
    "os.path.join(",
    "os.path.dirname(__file__)",
    "__file__",
    "exec(",
    "**",
    "*",
    "+",
    "%",
    "f'{x}'",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "lambda: 0",
    "def f():\n    return 1\n",
    "if x:\n    ",
    "try:\n    pass\nexcept Exception:\n    pass\n",
    "with open('VERSION') as f:\n    v = f.read()\n",
    "install_requires=",
    "ext_modules=",
    "packages=find_packages()",
    "'../../etc/passwd'",
    "'/etc/passwd'",
    "x = ",
    "x",
    ".read()",
    ".strip()",
    ".split()",
    "[0]",
    "\\",
    "#",
    "\x00",
    "\ufeff",
    "\t",
    "  ",
    "(",
]
_CFG_PIECES = [
    "[metadata]\n",
    "[options]\n",
    "[options.extras_require]\n",
    "[options.packages.find]\n",
    "[options.entry_points]\n",
    "name = demo\n",
    "version = attr: demo.__version__\n",
    "version = file: VERSION\n",
    "long_description = file: README.md, ../../etc/passwd\n",
    "packages = find:\n",
    "install_requires =\n",
    "    x>=1\n",
    "    [\n",
    "=",
    ":",
    "\n",
    " ",
    "%(",
    ")s",
    "[",
    "]",
    ";",
    "#",
    "\x00",
    "\r",
    "\t",
]


@FUZZ(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    setup_py=st.one_of(st.none(), _hostile_text(_PY_PIECES, _real_files("setup.py"))),
    setup_cfg=st.one_of(st.none(), _hostile_text(_CFG_PIECES, _real_files("setup.cfg"))),
)
@example(setup_py="x = " + "a + " * 5000 + "a\nsetup(name=x)\n", setup_cfg=None)  # deeper than the evaluator
@example(setup_py="x = " + "-" * 5000 + "1\nsetup(name='d')\n", setup_cfg=None)  # deeper than ast.parse goes
def test_setup_readers_return_or_raise_hwb_errors_in_time(
    setup_py: str | None, setup_cfg: str | None
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        root.mkdir()
        for name, text in (("setup.py", setup_py), ("setup.cfg", setup_cfg)):
            if text is not None:
                (root / name).write_bytes(text.encode("utf-8", "surrogatepass"))
        before = sorted(p.name for p in root.iterdir())
        try:
            timed(migrate_project, root, InitOptions(from_setup=True, dry_run=True))
        except HwbError as exc:
            explains(exc)
        assert sorted(p.name for p in root.iterdir()) == before, "a dry run wrote something"
        assert not (Path(tmp) / "etc").exists()


# --- commit messages ---------------------------------------------------------------------------

_COMMIT_PIECES = [
    "feat",
    "fix",
    "chore",
    "docs",
    "(",
    ")",
    "(scope)",
    "!",
    ":",
    ": ",
    " ",
    "add a thing",
    "\n",
    "\n\n",
    "* ",
    "- ",
    "  ",
    "\t",
    "BREAKING CHANGE: ",
    "BREAKING-CHANGE: ",
    "Refs: #1",
    "Co-authored-by: A <a@b>",
    "commit 0123456789abcdef0123456789abcdef01234567\n",
    "Squashed commit of the following:\n",
    "Author: A <a@b>\n",
    "Date: Mon Jan 1 2024\n",
    'Revert "',
    '"',
    "This reverts commit abcdef0.",
    "Merge branch 'x'",
    "fixup! ",
    "squash! ",
    "# comment\n",
    "# ------------------------ >8 ------------------------\n",
    "\r",
    "\r\n",
    "\x1b[31m",
    "\x00",
    "feat(" * 3,
    ")" * 3,
]


@FUZZ(max_examples=200)
@given(
    message=_hostile_text(_COMMIT_PIECES),
    types=st.one_of(st.none(), st.lists(st.text(max_size=6), max_size=4)),
)
def test_commit_parser_never_raises_and_is_fast(message: str, types: list[str] | None) -> None:
    parsed = timed(parse_message, message)
    assert parsed.kind in ("conventional", "merge", "revert", "fixup", "nonconforming")
    timed(lint_message, message)
    timed(clean_message, message)
    parts = timed(split_squash, message) if types is None else timed(split_squash, message, types)
    assert parts, "a squash commit splits into at least one message"
    assert all(isinstance(p, str) for p in parts)
    for part in parts[:20]:
        timed(parse_message, part)


# --- git URLs ----------------------------------------------------------------------------------

_GIT_PIECES = [
    "git+",
    "https://",
    "http://",
    "ssh://",
    "file://",
    "ext::",
    "git@",
    "user",
    ":",
    "pw",
    "@",
    "%0a",
    "%00",
    "%",
    "host",
    "github.com",
    "[::1]",
    "[",
    "]",
    ":99999",
    ":x",
    "/",
    "org/repo",
    ".git",
    "#",
    "egg=x",
    "subdirectory=",
    "..",
    "-",
    "--upload-pack=x",
    "\n",
    "\x00",
    " ",
    "~",
    "^",
    "@{",
    "?",
]


@FUZZ(max_examples=200)
@given(spec=_hostile_text(_GIT_PIECES))
@example(spec="git+https://user:pw@[::1/org/repo.git")
@example(spec="https://" + "a:" * 3000 + "@host/x.git")
def test_git_url_helpers_return_or_raise_git_error_in_time(spec: str) -> None:
    shown = timed(shown_spec, spec)
    assert isinstance(shown, str)
    assert "://user:pw@" not in shown
    try:
        parsed = timed(parse_git_url, spec)
    except GitError as exc:
        explains(exc, GitError)
        return
    for url in {spec, parsed.url if parsed is not None else spec}:
        with _forgetting_secrets():
            try:
                bare, env = timed(_credentials_to_env, url)
            except GitError as exc:
                explains(exc, GitError)
            else:
                assert isinstance(bare, str)
                assert all(isinstance(v, str) for v in env.values())


@contextlib.contextmanager
def _forgetting_secrets() -> Iterator[None]:
    """Where _log remembers the passwords hwb has handled (so that redact hides them from then
    on), forget those of generated URLs: they are not to hide text in later tests."""
    known = getattr(_log, "_KNOWN_SECRETS", None)
    before = set(known) if isinstance(known, set) else None
    try:
        yield
    finally:
        if isinstance(known, set) and before is not None:
            known.intersection_update(before)


# --- registry URLs -----------------------------------------------------------------------------

_URL_PIECES = [
    "https://",
    "http://",
    "s3://",
    "file://",
    "upload.pypi.org",
    "test.pypi.org",
    "host",
    "[::1]",
    "[",
    "]",
    "[::1",
    ":",
    ":443",
    ":99999",
    ":x",
    "@",
    "user:pw@",
    "/",
    "legacy/",
    "simple",
    "?",
    "#",
    "%",
    "\n",
    " ",
    "\x00",
    "..",
    "pypi",
    "testpypi",
    "{",
    "}",
]
_REPO_TABLES = st.dictionaries(
    st.sampled_from(
        ["url", "index-url", "preset", "auth", "username", "password-env", "domain", "host", "x"]
    ),
    st.one_of(_pieces(_URL_PIECES, 8), st.sampled_from(["gitlab", "codeartifact", "artifactory", "token"])),
    max_size=4,
)


@FUZZ(max_examples=200)
@given(
    repository=st.one_of(_pieces(_URL_PIECES, 12), st.sampled_from(["pypi", "mine"])),
    other=_pieces(_URL_PIECES, 8),
    table=st.one_of(st.none(), _REPO_TABLES),
    index=st.one_of(st.none(), _pieces(_URL_PIECES, 6)),
)
@example(repository="https://[::1/legacy/", other="https://host/", table=None, index=None)
@example(repository="https://host:x/legacy/", other="https://host:99999/", table=None, index=None)
@example(repository="mine", other="", table={"url": "http://[::1"}, index=None)
def test_registry_urls_resolve_or_raise_config_error_in_time(
    repository: str, other: str, table: dict[str, Any] | None, index: str | None
) -> None:
    config = {"repositories": {"mine": table}} if table is not None else None
    try:
        location = timed(S3Location.parse, repository)
    except UsageError as exc:
        explains(exc, UsageError)
    else:
        assert str(location).startswith("s3://")
        assert location.key("x.whl").endswith("x.whl")
    try:
        repo = timed(resolve_repository, repository, index_url=index, config=config)
    except ConfigError as exc:
        explains(exc, ConfigError)
        return
    assert isinstance(repo.is_pypi, bool)
    assert all(c.endswith("/") for c in timed(index_candidates, repo.upload_url))
    assert isinstance(timed(same_origin, repo.upload_url, other), bool)
    assert isinstance(timed(index_root, repo.upload_url), str)


# --- redact and printable ----------------------------------------------------------------------

_LOG_PIECES = [
    "https://",
    "a://",
    "user",
    ":",
    "pw",
    "@",
    "/",
    " ",
    "\n",
    "pypi-",
    "ghp_",
    "glpat-",
    "AKIA",
    "eyJ",
    ".",
    "A" * 20,
    "a",
    "-",
    "_",
    "\x1b[2J",
    "\x1b]0;title\x07",
    "\r",
    "\x9b",
    "\x7f",
    "é",
]


@FUZZ(max_examples=200)
@given(text=_hostile_text(_LOG_PIECES), secrets=st.lists(st.text(max_size=12), max_size=3))
@example(text="a" * 5000 + "://" + ":" * 5000, secrets=[])
@example(text="https://" + "a" * 5000, secrets=[])
@example(text="eyJ" + "a" * 5000 + "." + "b" * 10, secrets=[])
def test_redact_and_printable_are_linear_and_never_raise(text: str, secrets: list[str]) -> None:
    hidden = timed(redact, text, tuple(secrets))
    assert isinstance(hidden, str)
    shown = timed(printable, hidden)
    assert not any((ord(c) < 0x20 and c not in "\t\n") or 0x7F <= ord(c) < 0xA0 for c in shown)
