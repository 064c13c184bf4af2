"""The simple-index renderer: PEP 503 HTML, PEP 691 JSON, PEP 658/714/592 attributes."""

from __future__ import annotations

import hashlib
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import canonicalize_name

from headless_wheel_builder.errors import StorageError
from headless_wheel_builder.publish.index import (
    IndexFile,
    ProjectPage,
    RootPage,
    dist_entry,
    format_upload_time,
    render_project_html,
    render_project_json,
    render_root_html,
    render_root_json,
)

from ._distfactory import FakeSdist, FakeWheel

SHA = "a" * 64
META = "b" * 64


class Anchors(HTMLParser):
    """Collects ``(attributes, text)`` of every ``<a>``, as pip's parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self.meta: dict[str, str | None] = {}
        self._open: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open = dict(attrs)
        if tag == "meta" and dict(attrs).get("name") == "pypi:repository-version":
            self.meta = dict(attrs)

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.anchors.append((self._open, data))
            self._open = None


def parse(html: bytes) -> Anchors:
    parser = Anchors()
    parser.feed(html.decode("utf-8"))
    return parser


def page(*files: IndexFile) -> ProjectPage:
    return ProjectPage(name=canonicalize_name("Demo.Pkg"), files=files)


def test_project_html_has_every_attribute_escaped() -> None:
    wheel = IndexFile(
        filename="demo_pkg-1.0+local-py3-none-any.whl",
        sha256=SHA,
        size=10,
        requires_python=">=3.8,<4",
        core_metadata_sha256=META,
        yanked='bad "quote" & <tag>',
    )
    html = render_project_html(page(wheel))
    assert b'data-requires-python="&gt;=3.8,&lt;4"' in html
    assert b"%2B" in html  # '+' in the filename is percent-encoded in the link
    parsed = parse(html)
    assert parsed.meta["content"] == "1.1"
    [(attrs, text)] = parsed.anchors
    assert text == wheel.filename  # the anchor text is the file name
    assert attrs["href"] == f"demo_pkg-1.0%2Blocal-py3-none-any.whl#sha256={SHA}"
    assert attrs["data-requires-python"] == ">=3.8,<4"
    assert attrs["data-core-metadata"] == f"sha256={META}"
    assert attrs["data-dist-info-metadata"] == attrs["data-core-metadata"]  # PEP 714
    assert attrs["data-yanked"] == 'bad "quote" & <tag>'


def test_optional_attributes_are_left_out() -> None:
    sdist = IndexFile(filename="demo_pkg-1.0.tar.gz", sha256=SHA, size=10)
    [(attrs, _)] = parse(render_project_html(page(sdist))).anchors
    assert set(attrs) == {"href"}


def test_yanked_without_reason_is_an_empty_attribute() -> None:
    sdist = IndexFile(filename="demo_pkg-1.0.tar.gz", sha256=SHA, size=10, yanked=True)
    assert b'data-yanked=""' in render_project_html(page(sdist))
    assert json.loads(render_project_json(page(sdist)))["files"][0]["yanked"] is True


def test_files_sort_by_version_then_name() -> None:
    files = [
        IndexFile(filename=f, sha256=SHA, size=1)
        for f in (
            "demo_pkg-1.10.tar.gz",
            "demo_pkg-1.9-py3-none-any.whl",
            "demo_pkg-1.9.tar.gz",
            "demo_pkg-1.0rc1.tar.gz",
        )
    ]
    texts = [text for _, text in parse(render_project_html(page(*files))).anchors]
    assert texts == [
        "demo_pkg-1.0rc1.tar.gz",
        "demo_pkg-1.9-py3-none-any.whl",
        "demo_pkg-1.9.tar.gz",
        "demo_pkg-1.10.tar.gz",
    ]
    assert json.loads(render_project_json(page(*reversed(files))))["versions"] == ["1.0rc1", "1.9", "1.10"]


def test_project_json_is_pep_691_v1_1() -> None:
    wheel = IndexFile(
        filename="demo_pkg-1.0-py3-none-any.whl",
        sha256=SHA,
        size=1234,
        requires_python=">=3.9",
        core_metadata_sha256=META,
        upload_time="2024-05-01T10:20:30.000000Z",
    )
    doc = json.loads(render_project_json(page(wheel)))
    assert doc["meta"] == {"api-version": "1.1"}
    assert doc["name"] == "demo-pkg"
    assert doc["versions"] == ["1.0"]
    assert doc["files"] == [
        {
            "filename": "demo_pkg-1.0-py3-none-any.whl",
            "url": "demo_pkg-1.0-py3-none-any.whl",
            "hashes": {"sha256": SHA},
            "requires-python": ">=3.9",
            "core-metadata": {"sha256": META},
            "dist-info-metadata": {"sha256": META},
            "size": 1234,
            "upload-time": "2024-05-01T10:20:30.000000Z",
            "yanked": False,
        }
    ]


def test_json_state_round_trips() -> None:
    original = page(
        IndexFile(filename="demo_pkg-1.0.tar.gz", sha256=SHA, size=3, yanked="why", upload_time="t"),
        IndexFile(
            filename="demo_pkg-2.0-py3-none-any.whl",
            sha256=SHA,
            size=4,
            url="https://files.example/demo_pkg-2.0-py3-none-any.whl",
            core_metadata_sha256=META,
            requires_python=">=3.10",
        ),
    )
    again = ProjectPage.from_json(json.loads(render_project_json(original)))
    assert set(again.files) == set(original.files)
    assert render_project_json(again) == render_project_json(original)
    assert render_project_html(again) == render_project_html(original)


@pytest.mark.parametrize(
    "doc", [{"files": []}, {"name": "x", "files": [{"filename": "x-1.0.tar.gz"}]}, {"name": "x", "files": 3}]
)
def test_a_broken_state_is_a_storage_error(doc: dict[str, object]) -> None:
    with pytest.raises(StorageError) as info:
        ProjectPage.from_json(doc, where="simple/x/index.json")
    assert "simple/x/index.json" in str(info.value)


def test_root_pages() -> None:
    root = RootPage(projects=frozenset({canonicalize_name("Zeta"), canonicalize_name("alpha.beta")}))
    parsed = parse(render_root_html(root))
    assert [(a["href"], text) for a, text in parsed.anchors] == [
        ("alpha-beta/", "alpha-beta"),
        ("zeta/", "zeta"),
    ]
    doc = json.loads(render_root_json(root))
    assert doc == {"meta": {"api-version": "1.1"}, "projects": [{"name": "alpha-beta"}, {"name": "zeta"}]}
    assert RootPage.from_json(doc) == root


def test_yank_matches_equal_versions_only() -> None:
    files = (
        IndexFile(filename="demo_pkg-1.1-py3-none-any.whl", sha256=SHA, size=1),
        IndexFile(filename="demo_pkg-1.1.tar.gz", sha256=SHA, size=1),
        IndexFile(filename="demo_pkg-1.10.tar.gz", sha256=SHA, size=1),
    )
    yanked, matched = page(*files).with_yanked("1.1.0", "reason")
    assert matched == ["demo_pkg-1.1-py3-none-any.whl", "demo_pkg-1.1.tar.gz"]
    assert [f.yanked for f in yanked.sorted_files()] == ["reason", "reason", False]
    restored, _ = yanked.with_yanked("1.1", False)
    assert restored.sorted_files() == page(*files).sorted_files()
    assert page(*files).with_yanked("2.0", True)[1] == []


def test_upload_time_format() -> None:
    from datetime import datetime, timezone

    moment = datetime(2024, 1, 2, 3, 4, 5, 6789, tzinfo=timezone.utc)
    assert format_upload_time(moment) == "2024-01-02T03:04:05.006789Z"


def test_dist_entry_reads_wheel_metadata_and_sidecar(tmp_path: Path) -> None:
    wheel = FakeWheel(name="Demo_Pkg", metadata={"Requires-Python": ">=3.9, <4"}).build(tmp_path)
    entry = dist_entry(wheel)
    assert entry.project == "demo-pkg"
    assert entry.entry.requires_python == ">=3.9, <4"
    assert entry.entry.sha256 == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert entry.entry.size == wheel.stat().st_size
    assert entry.metadata is not None
    assert b"Requires-Python: >=3.9, <4" in entry.metadata
    assert entry.entry.core_metadata_sha256 == hashlib.sha256(entry.metadata).hexdigest()
    assert dist_entry(wheel, sidecar=False).entry.core_metadata_sha256 is None


def test_dist_entry_of_an_sdist_has_no_sidecar(tmp_path: Path) -> None:
    sdist = FakeSdist().build(tmp_path)
    entry = dist_entry(sdist)
    assert entry.metadata is None
    assert entry.entry.core_metadata_sha256 is None


@given(
    reason=st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=40),
    requires=st.text(alphabet="<>=!~,. 0123456789*&\"'", max_size=20),
)
def test_any_attribute_value_survives_html_escaping(reason: str, requires: str) -> None:
    f = IndexFile(
        filename="demo_pkg-1.0.tar.gz",
        sha256=SHA,
        size=1,
        requires_python=requires or None,
        yanked=reason or True,
    )
    [(attrs, text)] = parse(render_project_html(page(f))).anchors
    assert text == "demo_pkg-1.0.tar.gz"
    assert attrs["data-yanked"] == (reason or "")
    assert attrs.get("data-requires-python") == (requires or None)
