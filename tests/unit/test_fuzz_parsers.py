"""Fuzz properties: git URLs, pyproject analysis and the simple-index pages.

* ``parse_git_url``: any text gives None, a GitSpec or a GitError; an accepted spec never
  hands git something it would read as an option (a URL, host or ref beginning with '-').
* ``load_pyproject`` / ``analyze``: any TOML (and any bytes) in pyproject.toml, setup.cfg
  and setup.py gives a ProjectInfo or an hwb error.
* ``render_project_html`` / ``render_project_json``: arbitrary file metadata renders to HTML
  that html.parser reads back as one <a> per file, and to JSON that round-trips.
"""

from __future__ import annotations

import json
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import tomli_w
from hypothesis import HealthCheck, example, given
from hypothesis import strategies as st
from packaging.utils import canonicalize_name

from headless_wheel_builder.analyze.analyzer import ProjectInfo, analyze, load_pyproject
from headless_wheel_builder.errors import GitError, HwbError
from headless_wheel_builder.publish.index import (
    IndexFile,
    ProjectPage,
    render_project_html,
    render_project_json,
)
from headless_wheel_builder.source.git import GitSpec, parse_git_url

from ._fuzz import FUZZ, explains, project_names, timed, versions

# --- git URLs ------------------------------------------------------------------------------

_URL_PIECES = st.sampled_from(
    [
        "git+",
        "https://",
        "ssh://",
        "file://",
        "ext::",
        "git@",
        "-",
        "--upload-pack=touch /tmp/x",
        "-c core.sshCommand=evil",
        "host",
        "github.com",
        ":",
        "/",
        "org/repo",
        ".git",
        "@",
        "v1.0",
        "#",
        "subdirectory=",
        "..",
        "&egg=x",
        "\x00",
        "\n",
        " ",
        "~",
        "^",
        "@{",
        ".lock",
        "user:pw@",
    ]
)
_GIT_SPECS = st.one_of(st.text(max_size=60), st.lists(_URL_PIECES, max_size=10).map("".join))


@FUZZ(max_examples=500)
@given(spec=_GIT_SPECS)
@example(spec="git+00://-")  # scp-like to hwb, scheme "00" with host "-" to git
@example(spec="git+00:0#://user:pw@")  # credentials in the fragment were shown
@example(spec="SSH://://user:pw@")  # ... and after a second '://'
@example(spec="SSH://://-")  # a port and no host
@example(spec="git+00:://-")  # scp-like to hwb, scheme "00:" to git
@example(spec="git+00:@-@0")  # path "@-": not an option (the host is "00")
@example(spec="SSH://0://-")  # path "//-": not an option (the host is "0")
def test_git_urls_parse_to_a_spec_none_or_git_error(spec: str) -> None:
    try:
        parsed = timed(parse_git_url, spec)
    except GitError as exc:
        explains(exc, GitError)
        leaked = "://user:pw@" in str(exc)  # a URL's userinfo; "user:pw@://" is none
        assert not leaked, "credentials in the message"
        return
    if parsed is None:
        return
    assert isinstance(parsed, GitSpec)
    assert not parsed.url.startswith("-")
    # The user and host (what ssh gets as arguments) never begin with '-'; a path may
    # ("00:@-", "ssh://0://-": git's host is "0", its path "//-").
    scheme, sep, rest = parsed.url.partition("://")
    authority = rest.partition("/")[0] if sep else scheme.partition(":")[0]
    assert "@-" not in authority
    assert not authority.startswith("-")
    assert not any(c in parsed.url for c in "\x00\n\r")
    if parsed.ref is not None:
        assert parsed.ref
        assert not parsed.ref.startswith("-")
        assert not any(c.isspace() or ord(c) < 32 for c in parsed.ref)
        assert ".." not in parsed.ref
    if parsed.subdirectory is not None:
        parts = parsed.subdirectory.split("/")
        assert ".." not in parts
        assert not parsed.subdirectory.startswith("/")


@FUZZ()
@given(
    ref=st.text(min_size=1, max_size=20).map(lambda s: "-" + s),
    option=st.sampled_from(["--upload-pack=touch /tmp/pwned", "-c core.sshCommand=touch /tmp/pwned"]),
)
def test_option_like_refs_and_urls_are_refused(ref: str, option: str) -> None:
    for spec in (
        f"git+https://example.com/org/repo.git@{ref}",
        f"git+{option}",
        f"{option}.git",
        f"git+ssh://{option}/repo.git",
    ):
        try:
            parsed = parse_git_url(spec)
        except GitError:
            continue
        assert parsed is None, f"{spec!r} was accepted as {parsed}"


# --- pyproject analysis ----------------------------------------------------------------------

_scalar = st.one_of(
    st.text(max_size=20), st.integers(-5, 5), st.booleans(), st.floats(allow_nan=False, width=32)
)
_leaf = st.one_of(
    _scalar,
    st.sampled_from(
        [
            "setuptools>=61",
            "hatchling",
            "setuptools.build_meta",
            "hatchling.build",
            "poetry.core.masonry.api",
            "maturin",
            "src",
            "version",
            "1.0",
            ">=3.8",
            "[invalid",
        ]
    ),
)
# Two levels of nesting, written out (st.recursive warns under coverage's tracer).
_nested = st.one_of(
    _leaf, st.lists(_leaf, max_size=3), st.dictionaries(st.text(max_size=8), _leaf, max_size=3)
)
_value = st.one_of(
    _nested, st.lists(_nested, max_size=3), st.dictionaries(st.text(max_size=8), _nested, max_size=3)
)
_KEYS = {
    "build-system": ["requires", "build-backend", "backend-path"],
    "project": [
        "name",
        "version",
        "dynamic",
        "requires-python",
        "readme",
        "license",
        "dependencies",
        "optional-dependencies",
        "scripts",
        "gui-scripts",
        "entry-points",
    ],
    "tool": [
        "setuptools",
        "setuptools_scm",
        "hatch",
        "poetry",
        "flit",
        "pdm",
        "maturin",
        "scikit-build",
        "meson-python",
        "hwb",
    ],
}
_table = st.fixed_dictionaries(
    {},
    optional={
        top: st.dictionaries(st.sampled_from(keys), _value, max_size=len(keys)) for top, keys in _KEYS.items()
    },
)
_text_file = st.one_of(
    st.none(),
    st.text(max_size=120),
    st.sampled_from(
        [
            "[metadata]\nname = demo\nversion = attr: demo.__version__\n",
            "from setuptools import setup\nsetup(name='demo', version='1.0', ext_modules=[1])\n",
            "import setuptools; setuptools.setup(**{'name': 1})\n",
        ]
    ),
)


def _analyze_only_hwb_errors(folder: Path) -> None:
    try:
        info = timed(analyze, folder)
    except HwbError as exc:
        explains(exc)
    else:
        assert isinstance(info, ProjectInfo)
        json.dumps(info.to_dict())  # the --json document can always be written


@FUZZ(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_table, setup_cfg=_text_file, setup_py=_text_file)
def test_any_pyproject_gives_a_project_or_an_hwb_error(
    doc: dict[str, Any], setup_cfg: str | None, setup_py: str | None
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "pyproject.toml").write_text(tomli_w.dumps(doc), encoding="utf-8")
        for name, text in (("setup.cfg", setup_cfg), ("setup.py", setup_py)):
            if text is not None:
                (folder / name).write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            assert isinstance(timed(load_pyproject, folder / "pyproject.toml"), dict)
        except HwbError as exc:
            explains(exc)
        _analyze_only_hwb_errors(folder)


@FUZZ(max_examples=200)
@given(
    data=st.one_of(
        st.binary(max_size=200), st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass"))
    )
)
def test_any_pyproject_bytes_give_an_hwb_error_or_a_table(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pyproject.toml"
        path.write_bytes(data)
        try:
            assert isinstance(timed(load_pyproject, path), dict)
        except HwbError as exc:
            explains(exc)
        _analyze_only_hwb_errors(Path(tmp))


# --- index pages -----------------------------------------------------------------------------


class _Links(HTMLParser):
    """Every <a>: its attributes and its whole text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[dict[str, str | None], str]] = []
        self._attrs: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._attrs, self._text = dict(attrs), []

    def handle_data(self, data: str) -> None:
        if self._attrs is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._attrs is not None:
            self.links.append((self._attrs, "".join(self._text)))
            self._attrs = None


_free_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)
_filenames = st.one_of(
    st.builds(lambda n, v: f"{canonicalize_name(n).replace('-', '_')}-{v}.tar.gz", project_names, versions),
    st.builds(
        lambda n, v: f"{canonicalize_name(n).replace('-', '_')}-{v}-py3-none-any.whl", project_names, versions
    ),
    # Valid for packaging, odd for HTML: the filename is also the link text and the href.
    st.builds(lambda n, v: f"{n}-{v}.zip", st.sampled_from(["a", "A.b", "x_y"]), versions),
)
_files = st.lists(
    st.builds(
        IndexFile,
        filename=_filenames,
        sha256=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
        size=st.integers(0, 2**40),
        url=st.one_of(st.just(""), _free_text.map(lambda s: "https://files.example/" + s)),
        requires_python=st.one_of(st.none(), _free_text),
        core_metadata_sha256=st.one_of(
            st.none(), st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
        ),
        yanked=st.one_of(st.booleans(), _free_text),
        upload_time=st.one_of(st.none(), _free_text),
    ),
    max_size=6,
    unique_by=lambda f: f.filename,
)


@FUZZ(max_examples=200)
@given(name=st.one_of(project_names, _free_text.filter(bool)), files=_files)
def test_index_pages_parse_back(name: str, files: list[IndexFile]) -> None:
    page = ProjectPage(name=canonicalize_name(name), files=tuple(files))
    parser = _Links()
    parser.feed(render_project_html(page).decode("utf-8"))
    parser.close()
    assert len(parser.links) == len(files)
    by_name = {f.filename: f for f in files}
    for attrs, text in parser.links:
        f = by_name.pop(text)
        assert attrs["href"] == f"{f.url or quote(f.filename)}#sha256={f.sha256}"
        assert attrs.get("data-requires-python") == (f.requires_python or None)
        yanked = attrs.get("data-yanked", "missing")
        assert yanked == ("missing" if f.yanked is False else "" if f.yanked is True else f.yanked)
        if f.core_metadata_sha256:
            assert attrs["data-core-metadata"] == f"sha256={f.core_metadata_sha256}"
    assert not by_name

    doc = json.loads(render_project_json(page))
    assert doc["name"] == page.name
    back = ProjectPage.from_json(doc)
    assert back.name == page.name
    assert sorted(back.files, key=lambda f: f.filename) == sorted(files, key=lambda f: f.filename)
