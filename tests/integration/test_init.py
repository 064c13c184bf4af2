"""``hwb init`` end to end: scaffold a project and build it; migrate ``six`` from the shared
corpus off setup.py and show its wheel is equivalent to the legacy build."""

from __future__ import annotations

import io
import shutil
import sys
import tarfile
import zipfile
from email.parser import BytesParser
from email.policy import compat32
from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet

from .corpus import cache_dir, compare_wheels, fetch_sdist, load_projects

pytestmark = pytest.mark.network  # the build backends come from PyPI (or uv's cache)


def _wheel(hwb: Any, project: Path, outdir: Path) -> Path:
    result = hwb("build", project, "--wheel", "--outdir", outdir, "--json")
    assert result.code == 0, result.stderr
    (wheel,) = [Path(a["path"]) for a in result.json["artifacts"] if a["kind"] == "wheel"]
    return wheel


def _names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as zf:
        return {n for n in zf.namelist() if ".dist-info/" not in n}


@pytest.mark.parametrize(
    ("layout", "backend"),
    [("flat", "hatchling"), ("src", "hatchling"), ("src", "setuptools"), ("module", "flit"), ("flat", "pdm")],
)
def test_init_then_build(hwb: Any, tmp_path: Path, layout: str, backend: str) -> None:
    project = tmp_path / "proj"
    code = {"flat": project / "tiny_pkg", "src": project / "src" / "tiny_pkg", "module": project}[layout]
    code.mkdir(parents=True)
    if layout == "module":
        (project / "tiny_pkg.py").write_text('"""A tiny module."""\n__version__ = "2.5.0"\n')
        expected = {"tiny_pkg.py"}
    else:
        (code / "__init__.py").write_text('"""A tiny package."""\n__version__ = "2.5.0"\n')
        (code / "core.py").write_text("def answer() -> int:\n    return 42\n")
        (code / "sub").mkdir()
        (code / "sub" / "__init__.py").write_text("")
        expected = {"tiny_pkg/__init__.py", "tiny_pkg/core.py", "tiny_pkg/sub/__init__.py"}
    (project / "tests").mkdir()
    (project / "tests" / "test_it.py").write_text("def test_it() -> None:\n    pass\n")
    (project / "README.md").write_text("# tiny\n")

    init = hwb("init", project, "--backend", backend, "--json")
    assert init.code == 0, init.stderr
    assert init.json["name"] == "tiny-pkg"
    assert init.json["version"] is None, "the version must stay in the code (read at build time)"

    wheel = _wheel(hwb, project, tmp_path / "dist")
    assert wheel.name == "tiny_pkg-2.5.0-py3-none-any.whl"
    assert _names(wheel) == expected  # the code, nothing else (no tests/)


def test_init_refuses_to_overwrite_then_force(hwb: Any, tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    assert hwb("init", tmp_path).code == 0
    again = hwb("init", tmp_path, "--json")
    assert again.code == 20
    assert again.json["error"] == "project"
    assert "--force" in again.stderr
    assert hwb("init", tmp_path, "--force", "--backend", "setuptools").code == 0
    assert "setuptools.build_meta" in (tmp_path / "pyproject.toml").read_text()


# --------------------------------------------------------------------------- six


def _metadata(wheel: Path) -> tuple[dict[str, list[str]], str]:
    with zipfile.ZipFile(wheel) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        msg = BytesParser(policy=compat32).parse(io.BytesIO(zf.read(name)))
    fields: dict[str, list[str]] = {}
    for key, value in msg.items():
        fields.setdefault(key, []).append(str(value).strip())
    payload = msg.get_payload()
    return fields, payload if isinstance(payload, str) else ""


def test_six_migrated_from_setup_py_builds_an_equivalent_wheel(hwb: Any, tmp_path: Path) -> None:
    """THE done-when test of issue 3's ``hwb init --from-setup``."""
    (six,) = [p for p in load_projects() if p.name == "six"]
    assert six.version == "1.17.0"
    sdist, _ = fetch_sdist(six, cache_dir(), Path(sys.executable))  # sha256-checked against the TSV
    with tarfile.open(sdist) as tf:
        tf.extractall(tmp_path / "unpacked", filter="data")
    legacy = tmp_path / "unpacked" / "six-1.17.0"
    assert not (legacy / "pyproject.toml").exists()

    migrated = tmp_path / "migrated"
    shutil.copytree(legacy, migrated)
    # The migration must work from setup.py/setup.cfg alone, as in a git checkout.
    (migrated / "PKG-INFO").unlink()
    shutil.rmtree(migrated / "six.egg-info")

    init = hwb("init", migrated, "--from-setup", "--json")
    assert init.code == 0, init.stderr
    report = init.json
    assert report["version_source"] == "attr: six.__version__"  # read from six.py, as setup.py did
    assert report["kept"] == []
    assert not (migrated / "setup.py").exists(), "nothing was left in setup.py, so it goes"
    assert "[bdist_wheel]" in (migrated / "setup.cfg").read_text(), (
        "universal=1 stays where setuptools reads it"
    )
    assert "[metadata]" not in (migrated / "setup.cfg").read_text(), "license_files moved to pyproject.toml"

    ref = _wheel(hwb, legacy, tmp_path / "dist-legacy")
    new = _wheel(hwb, migrated, tmp_path / "dist-migrated")

    # Same filename (py2.py3 universal tag kept), WHEEL tags, file set (six.py, LICENSE under
    # dist-info/licenses, top_level.txt…), Name, Version, Requires-Dist, Requires-Python,
    # Provides-Extra, and a valid RECORD: the corpus harness's independent comparison.
    assert compare_wheels(ref, new) == []
    assert new.name == "six-1.17.0-py2.py3-none-any.whl"

    old_meta, old_body = _metadata(ref)
    new_meta, new_body = _metadata(new)
    assert new_body == old_body  # the long description, byte for byte
    for key in ("Name", "Version", "Summary", "License-File"):
        assert new_meta.get(key) == old_meta.get(key), key
    # Requires-Python is the same set (compare_wheels compared it normalized); pyproject's
    # validator rewrites it in canonical order: ">=2.7, !=3.0.*" -> "!=3.0.*,…,>=2.7".
    assert SpecifierSet(new_meta["Requires-Python"][0]) == SpecifierSet(old_meta["Requires-Python"][0])
    # Legitimate differences, each a consequence of PEP 621 / PEP 639 rather than a loss:
    # 1. license="MIT" is a known SPDX id: `License: MIT` becomes `License-Expression: MIT`,
    #    and setuptools refuses License :: classifiers beside an expression, so that one
    #    classifier goes (the report says so); every other classifier is kept, in order.
    assert old_meta["License"] == ["MIT"]
    assert new_meta["License-Expression"] == ["MIT"]
    license_classifiers = [c for c in old_meta["Classifier"] if c.startswith("License ::")]
    assert license_classifiers == ["License :: OSI Approved :: MIT License"]
    assert new_meta["Classifier"] == [c for c in old_meta["Classifier"] if c not in license_classifiers]
    assert any("License :: OSI Approved :: MIT License" in d for d in report["dropped"])
    # 2. url= becomes [project.urls] Homepage: `Home-page` -> `Project-URL: Homepage, …`.
    assert new_meta["Project-URL"] == [f"Homepage, {old_meta['Home-page'][0]}"]
    # 3. author + author_email become one PEP 621 author: `Author-email: Name <email>`.
    assert new_meta["Author-email"] == [f"{old_meta['Author'][0]} <{old_meta['Author-email'][0]}>"]
    # 4. a readme file carries its content type (README.rst -> text/x-rst); setup.py set none.
    assert new_meta["Description-Content-Type"] == ["text/x-rst"]
    # 5. Metadata-Version may differ with the fields used; `Dynamic` lists what setup.py
    #    computed (legacy: nearly everything; migrated: only the license file glob).
    explained = {"License", "License-Expression", "Classifier", "Home-page", "Project-URL", "Author",
                 "Author-email", "Description-Content-Type", "Metadata-Version", "Dynamic"}  # fmt: skip
    assert set(old_meta) ^ set(new_meta) <= explained
