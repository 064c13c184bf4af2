"""``hwb check`` against its references on the same files in the same run:
check-wheel-contents for the W001-W202 codes, ``twine check --strict`` for metadata and the
README.  The synthetic wheels are tests/unit/test_check.py's; the real ones are the corpus'
reference wheels and sdists (built by ``python -m build``, cached).

Deliberate differences (docs/CHECKS.md): the ``<name>.libs/`` and ``<name>.scripts/`` folders
a repair grafts are not W009/W010; hwb also checks what only PyPI checks (License-File).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import PACKAGES
from tests.unit._distfactory import FakeSdist, FakeWheel
from tests.unit.test_check import CONTENTS_CASES

pytestmark = [pytest.mark.slow]

VENV_BIN = Path(sys.executable).parent
_CWC_LINE = re.compile(r"^(?P<path>\S.*?): (?P<code>W\d{3}): ", re.MULTILINE)
#: Cases where hwb deliberately differs from check-wheel-contents: case -> codes only the peer gives.
PEER_ONLY = {"grafted-libs": {"W009", "W010"}, "grafted-libs-and-scripts": {"W009", "W010"}}
GRAFTED = {
    "grafted-libs": {"demo/__init__.py": "", "demo.libs/libffi-0123abcd.so.8.1.2": b"\x7fELF\x02"},
    "grafted-libs-and-scripts": {
        "demo/__init__.py": "",
        "demo.libs/libz-0123abcd.so.1": b"\x7fELF\x03",
        "demo.scripts/demo": b"\x7fELF\x04",
        "demo_pkg-1.0.data/scripts/demo": "#!python\n",
    },
    "stub-only": {"demo-stubs/__init__.pyi": "x: int\n", "demo-stubs/sub/mod.pyi": "y: str\n"},
    "clean": {"demo/__init__.py": "", "demo/core.py": "x = 1\n"},
}


def _peer(tool: str, *args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VENV_BIN / tool), *map(os.fspath, args)], capture_output=True, text=True,
                          check=False)  # fmt: skip


def _cwc_codes(paths: list[Path], *options: str) -> dict[str, set[str]]:
    proc = _peer("check-wheel-contents", "--no-config", *options, *paths)
    assert proc.returncode in (0, 1), proc.stderr
    found: defaultdict[str, set[str]] = defaultdict(set)
    for match in _CWC_LINE.finditer(proc.stdout):
        found[match["path"]].add(match["code"])
    return {str(p): found.get(str(p), set()) for p in paths}


def _hwb_check(hwb, *args: str | os.PathLike[str]) -> dict[str, list[dict[str, str]]]:
    result = hwb("check", "--json", *args)
    assert result.code in (0, 51), result.stderr
    return {f["path"]: f["problems"] for f in json.loads(result.stdout)["files"]}


def _contents_codes(problems: list[dict[str, str]]) -> set[str]:
    return {p["code"] for p in problems if re.fullmatch(r"W\d{3}", p["code"])}


def test_contents_codes_equal_check_wheel_contents(hwb, tmp_path):
    cases = {name: files for name, (files, _) in CONTENTS_CASES.items()} | GRAFTED
    wheels = {name: FakeWheel(files=files).build(tmp_path / name) for name, files in cases.items()}
    reference = _cwc_codes(list(wheels.values()))
    ours = _hwb_check(hwb, *wheels.values())
    for name, wheel in wheels.items():
        expected = reference[str(wheel)] - PEER_ONLY.get(name, set())
        assert _contents_codes(ours[str(wheel)]) == expected, name
        assert all(p["severity"] == "warning" for p in ours[str(wheel)]), name  # PyPI accepts them all
    assert reference[str(wheels["grafted-libs"])] >= {"W009", "W010"}  # the documented difference


def test_declared_tree_and_toplevel_equal_check_wheel_contents(hwb, tmp_path):
    src = tmp_path / "src"
    (src / "demo" / "sub").mkdir(parents=True)
    for rel, text in {"demo/__init__.py": "", "demo/sub/__init__.py": "", "demo/forgotten.py": "x = 1\n",
                      "demo/.hidden": "", "helper.py": "y = 2\n"}.items():  # fmt: skip
        (src / rel).write_text(text)
    wheel = FakeWheel(files={"demo/__init__.py": "", "demo/sub/__init__.py": "", "demo/stray.py": "z = 3\n",
                             "other/__init__.py": "w = 4\n"}).build(tmp_path / "w")  # fmt: skip
    runs = [
        ("--package", src / "demo"),
        ("--src-dir", src),
        ("--toplevel", "demo,helper.py"),
        ("--toplevel", "demo"),
    ]
    for flag, value in runs:
        (reference,) = _cwc_codes([wheel], flag, str(value)).values()
        ours = _hwb_check(hwb, wheel, flag, value)[str(wheel)]
        assert _contents_codes(ours) == reference, (flag, value)
        assert reference, (flag, value)  # each run finds something: the test can fail


def _twine_verdicts(paths: list[Path]) -> dict[str, bool]:
    """twine check --strict, one file at a time: path -> passed."""
    verdicts = {}
    for path in paths:
        proc = _peer("twine", "check", "--strict", path)
        verdicts[str(path)] = proc.returncode == 0
    return verdicts


#: Metadata and README cases: (factory, arguments).
TWINE_CASES = {
    "valid-wheel": (FakeWheel, {}),
    "valid-sdist": (FakeSdist, {}),
    "no-content-type": (FakeWheel, {"description_content_type": None}),
    "no-description": (FakeSdist, {"description": None}),
    "bad-rst": (FakeWheel, {"description": "Title\n===\n\n.. bad-directive::\n\n`unclosed\n"}),
    "markdown": (FakeSdist, {"description": "# T\n\n*fine*\n", "description_content_type": "text/markdown"}),
    "invalid-requires-dist": (FakeWheel, {"metadata": {"Requires-Dist": "foo >= "}}),
}


def test_metadata_and_readme_verdicts_equal_twine_check_strict(hwb, tmp_path):
    files = {name: make(**kwargs).build(tmp_path / name) for name, (make, kwargs) in TWINE_CASES.items()}
    reference = _twine_verdicts(list(files.values()))
    result = hwb("check", "--strict", "--json", *files.values())
    ours = {f["path"]: f["ok"] for f in json.loads(result.stdout)["files"]}
    assert ours == reference
    assert set(reference.values()) == {True, False}


@pytest.mark.network  # the corpus sdists and the reference build's requirements (cached after)
def test_real_dists_agree_with_both_peers(hwb, corpus_env, corpus_project, corpus_sdist):
    """The corpus: each project's reference wheel and its sdist."""
    wheel, _ = corpus_env.reference_wheel(corpus_project, corpus_sdist)
    (reference,) = _cwc_codes([wheel]).values()
    ours = _hwb_check(hwb, wheel, corpus_sdist)
    assert _contents_codes(ours[str(wheel)]) == reference
    # PyPI accepted these files: nothing hwb reports for them is an error.
    errors = [p for problems in ours.values() for p in problems if p["severity"] == "error"]
    assert errors == []
    twine = _twine_verdicts([wheel, corpus_sdist])
    strict = json.loads(hwb("check", "--strict", "--json", "--ignore", _non_twine_codes(ours), wheel,
                            corpus_sdist).stdout)  # fmt: skip
    assert {f["path"]: f["ok"] for f in strict["files"]} == twine


def _non_twine_codes(ours: dict[str, list[dict[str, str]]]) -> str:
    """The codes of rules twine does not have (contents, layout), found in ``ours``."""
    codes = {p["code"] for problems in ours.values() for p in problems}
    return ",".join(sorted(c for c in codes if re.fullmatch(r"W\d{3}|S-LAYOUT|S-FILENAME", c))) or "W001"


@pytest.mark.network  # builds pure-hatch (hatchling from the index)
def test_sdist_links_with_dotdot_inside_pass_as_twine_and_tarfile_say(hwb, tmp_path):
    """Six '..' links that stay inside the sdist: twine check and tarfile's data filter accept
    them; so do hwb check and hwb build (which once refused them, blaming the backend)."""
    built = hwb("build", PACKAGES / "pure-hatch", "--sdist", "-o", tmp_path / "plain")
    assert built.code == 0, built.stderr
    (plain,) = (tmp_path / "plain").glob("*.tar.gz")
    linked = tmp_path / "linked" / plain.name
    linked.parent.mkdir()
    top = plain.name.removesuffix(".tar.gz")
    with tarfile.open(plain) as source, tarfile.open(linked, "w:gz", format=tarfile.PAX_FORMAT) as out:
        for member in source:
            out.addfile(member, source.extractfile(member) if member.isfile() else None)
        for i, target in enumerate(["../README.md", "../../README.md", "../pure_hatch/__init__.py",
                                    "../../pyproject.toml", "./../README.md", "../../src"]):  # fmt: skip
            link = tarfile.TarInfo(f"{top}/{'docs/' if i % 2 == 0 else 'src/pure_hatch/'}link{i}")
            link.type, link.linkname = tarfile.SYMTYPE, target
            out.addfile(link)
    with tarfile.open(linked) as archive:
        archive.extractall(tmp_path / "unpacked", filter="data")  # the reference accepts them
    assert _peer("twine", "check", "--strict", linked).returncode == 0
    ours = hwb("check", "--strict", linked)
    assert ours.code == 0, ours.stdout + ours.stderr
    wheel = hwb("build", linked, "-o", tmp_path / "dist")
    assert wheel.code == 0, wheel.stderr
    assert list((tmp_path / "dist").glob("*.whl"))


def test_project_configuration_ignores_codes_and_declares_the_tree(hwb, tmp_path):
    """[tool.hwb] check-ignore / check-toplevel / check-src-dir of the current folder, as
    check-wheel-contents reads [tool.check-wheel-contents]; a flag replaces the list."""
    project = tmp_path / "project"
    (project / "src" / "demo").mkdir(parents=True)
    (project / "src" / "demo" / "__init__.py").write_text("")
    (project / "pyproject.toml").write_text(
        '[tool.hwb]\ncheck-ignore = ["W002"]\ncheck-src-dir = ["src"]\n'
        '[tool.check-wheel-contents]\nignore = ["W002"]\nsrc_dir = ["src"]\n'
    )
    files = {"demo/__init__.py": "", "demo/a.dat": "same\n" * 4, "demo/b.dat": "same\n" * 4}
    wheel = FakeWheel(files=files).build(tmp_path / "w")
    peer = subprocess.run([str(VENV_BIN / "check-wheel-contents"), str(wheel)], cwd=project,
                          capture_output=True, text=True, check=False).stdout  # fmt: skip
    result = hwb("check", "--json", wheel, cwd=project)
    ours = _contents_codes(json.loads(result.stdout)["files"][0]["problems"])
    assert ours == set(re.findall(r": (W\d{3}): ", peer)) == {"W102"}
    # A flag replaces the project's list (as every option); an unknown code in the file is refused.
    assert hwb("check", "--strict", "--ignore", "W102", wheel, cwd=project).code == 51
    assert hwb("check", "--strict", "--ignore", "W102,W002", wheel, cwd=project).code == 0
    (project / "pyproject.toml").write_text('[tool.hwb]\ncheck-ignore = ["W2"]\n')
    refused = hwb("check", wheel, cwd=project)
    assert refused.code == 2
    assert "unknown check code: W2" in refused.stderr
