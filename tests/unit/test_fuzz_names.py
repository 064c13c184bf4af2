"""Fuzz properties: wheel and sdist filenames (core.validate, _wheel_rules, _sdist_rules, describe).

Any file name, with any bytes inside, gives problems or a ValidationError, never another
exception; every valid generated name round-trips through ``describe``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import canonicalize_name
from packaging.version import Version

from headless_wheel_builder.artifacts._sdist_rules import _check_sdist_filename
from headless_wheel_builder.artifacts._validate_common import Collector
from headless_wheel_builder.artifacts._wheel_rules import _check_wheel_filename
from headless_wheel_builder.artifacts.output import describe, validate
from headless_wheel_builder.artifacts.validate import artifact_kind, metadata_member
from headless_wheel_builder.errors import HwbError, ValidationError

from ._fuzz import FUZZ, any_text, explains, project_names, versions, wheel_tags

_suffixes = st.sampled_from(["", ".whl", ".tar.gz", ".zip", ".tar", ".whl.zip"])
_names = st.one_of(
    st.builds(lambda stem, suffix: stem + suffix, any_text.map(lambda s: s[:200]), _suffixes),
    st.builds(lambda parts, suffix: "-".join(parts) + suffix, st.lists(any_text, max_size=6), _suffixes),
).filter(lambda s: s and s not in (".", "..") and len(s.encode()) <= 255 and "/" not in s)
_contents = st.one_of(
    st.binary(max_size=200),
    st.just(b"PK\x05\x06" + b"\x00" * 18),  # an empty zip
    st.just(b"\x1f\x8b\x08\x00" + b"\x00" * 20),  # a truncated gzip
)


def _collector(path: Path) -> Collector:
    return Collector(path)


@FUZZ(max_examples=200)
@given(name=_names, data=_contents)
def test_any_file_name_and_content_fail_only_with_hwb_errors(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        problems = validate(path)  # problems, never an exception
        if artifact_kind(path) is not None:
            assert problems, f"{name!r} with {data!r} passed validation"
        for call in (describe, metadata_member):
            try:
                call(path)
            except HwbError as exc:
                explains(exc, ValidationError)


@FUZZ(max_examples=300)
@given(name=st.text(max_size=80))
def test_filename_rules_only_report_problems(name: str) -> None:
    path = Path("x")
    for check in (_check_wheel_filename, _check_sdist_filename):
        out = _collector(path)
        parsed = check(out, name)
        assert parsed is not None or out.problems


@FUZZ(max_examples=200)
@given(name=project_names, version=versions, tags=wheel_tags, build=st.one_of(st.none(), st.integers(0, 99)))
def test_valid_wheel_names_round_trip(name: str, version: str, tags: str, build: int | None) -> None:
    normal = canonicalize_name(name).replace("-", "_")
    filename = f"{normal}-{Version(version)}{f'-{build}' if build is not None else ''}-{tags}.whl"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / filename
        path.write_bytes(b"not a zip")
        info = describe(path)
    assert info.kind == "wheel"
    assert info.filename == filename
    assert info.name == canonicalize_name(name)
    assert info.version == str(Version(version))
    assert info.tags, "a wheel has at least one tag"
    out = _collector(path)
    parsed = _check_wheel_filename(out, filename)
    assert parsed is not None
    assert out.problems == [], "a normalised name is reported as a problem"
    assert parsed.version == Version(version)
    assert parsed.build == (str(build) if build is not None else None)
    # A non-normalised spelling is parsed to the same project, and reported.
    if name != normal or version != str(Version(version)):
        odd = _collector(path)
        odd_name = f"{name.replace('-', '_')}-{version.replace('-', '.')}-{tags}.whl"
        odd_parsed = _check_wheel_filename(odd, odd_name)
        if odd_parsed is not None:
            assert canonicalize_name(odd_parsed.name) == canonicalize_name(name)


@FUZZ(max_examples=200)
@given(name=project_names, version=versions, suffix=st.sampled_from([".tar.gz", ".zip"]))
def test_valid_sdist_names_round_trip(name: str, version: str, suffix: str) -> None:
    normal = canonicalize_name(name).replace("-", "_")
    filename = f"{normal}-{Version(version)}{suffix}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / filename
        path.write_bytes(b"")
        info = describe(path)
    assert (info.kind, info.filename, info.tags) == ("sdist", filename, ())
    assert info.name == canonicalize_name(name)
    assert info.version == str(Version(version))
    out = _collector(path)
    parsed = _check_sdist_filename(out, filename)
    assert parsed is not None
    assert parsed.stem == filename.removesuffix(suffix)
    errors = [p for p in out.problems if p.severity == "error"]
    assert errors == []
    # Only the .zip warning (PEP 625) remains for a normalised name.
    assert len(out.problems) == (1 if suffix == ".zip" else 0)
