"""``hwb init`` end to end: scaffold a project and build it; migrate real setup.py-only sdists
from PyPI (six from the shared corpus, and one project per shape below) off setup.py and show
that each builds a wheel equivalent to ``python -m build --wheel`` of the original."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from email.parser import BytesParser
from email.policy import compat32
from pathlib import Path
from typing import Any

import pytest
from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression
from packaging.specifiers import SpecifierSet

from .corpus import (
    CorpusEnv,
    Project,
    compare_wheels,
    extract_sdist,
    fetch_sdist,
    load_projects,
    run,
)

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


# ------------------------------------------------------- real setup.py-only projects, by shape

#: Real setup.py-only sdists (no pyproject.toml), pinned by version and sha256 (fetch_sdist
#: downloads them with pip and refuses any other file).  Each is a shape the translation must
#: handle; all build with current setuptools on CPython 3.12.
MIGRATION_PROJECTS = [
    Project("docopt", "0.6.2", "setuptools.build_meta:__legacy__", "py_modules", "docopt-0.6.2.tar.gz",
            "49b3a825280bd66b3aa83585ef59c4a8c82f2c8a522dbe754a8bc8d08c85c491",
            "docopt-0.6.2-py2.py3-none-any.whl", 2.0,
            "one module; `from docopt import __version__`; [wheel] universal = 1 in setup.cfg"),
    Project("click", "7.1.2", "setuptools.build_meta:__legacy__", "src-layout", "click-7.1.2.tar.gz",
            "d2b5255c7c6349bc1bd1e59e08cd12acbbd63ce649f2588755783aa94dfb6b1a",
            "click-7.1.2-py2.py3-none-any.whl", 2.0,
            "package_dir={'': 'src'}, find_packages('src'); version by regex over src/click/__init__.py "
            "in a with block; license_file in setup.cfg; include_package_data + MANIFEST.in"),
    Project("certifi", "2022.12.7", "setuptools.build_meta:__legacy__", "data", "certifi-2022.12.7.tar.gz",
            "35824b4c3a97115964b408844d64aa14db1cc518f6562e8d7261699d1350a9e3",
            "certifi-2022.12.7-py3-none-any.whl", 2.0,
            "package_data cacert.pem + py.typed, include_package_data, MANIFEST.in; version by regex "
            "(pattern in a constant, match under an if)"),
    Project("mmh3", "3.0.0", "setuptools.build_meta:__legacy__", "c-ext", "mmh3-3.0.0.tar.gz",
            "d1ec578c09a07d3518ec9be540b87546397fa3455de73c166fcce51eaa5c41c5",
            "mmh3-3.0.0-cp312-cp312-linux_x86_64.whl", 4.0,
            "ext_modules (C++), computed compile flags: kept in setup.py; a license that is not SPDX"),
    Project("mccabe", "0.6.1", "setuptools.build_meta:__legacy__", "py_modules", "mccabe-0.6.1.tar.gz",
            "dd8d182285a0fe56bace7f45b5e7d1a6ebcbf524e8f3bd87eb0f125271b8831f",
            "mccabe-0.6.1-py2.py3-none-any.whl", 2.0,
            "version from a get_version() helper; long_description joined by a helper (kept in "
            "setup.py); entry_points; setup_requires"),
    Project("asciinema", "2.1.0", "setuptools.build_meta:__legacy__", "data-files", "asciinema-2.1.0.tar.gz",
            "7bdb358c1f6d61b07169c5476b2f9607ce66da12e78e4c17b7c898d72402cddc",
            "asciinema-2.1.0-py3-none-any.whl", 2.0,
            "data_files (docs, man page) + package_data; `import asciinema` for version and author; "
            "download_url computed with % (kept in setup.py, which imports the package: __legacy__)"),
    Project("tqdm", "4.45.0", "setuptools.build_meta:__legacy__", "manifest", "tqdm-4.45.0.tar.gz",
            "00339634a22c10a7a22476ee946bbde2dbe48d042ded784e4d88e0236eca5d81",
            "tqdm-4.45.0-py2.py3-none-any.whl", 3.0,
            "MANIFEST.in adds tqdm/tests/*.py but include_package_data is unset (False); computed "
            "version, packages and extras kept in setup.py; platforms, provides"),
]  # fmt: skip

#: What each migration must report: the version source, what stays in setup.py.
EXPECTED_REPORTS: dict[str, tuple[str, list[str]]] = {
    "six": ("attr: six.__version__", []),
    "docopt": ("attr: docopt.__version__", []),
    "click": ("attr: click.__version__", []),
    "certifi": ("attr: certifi.__version__", []),
    "mmh3": ("static", ["ext_modules (kept in setup.py)"]),
    "mccabe": ("attr: mccabe.__version__", ["long_description (kept in setup.py)"]),
    "asciinema": (
        "attr: asciinema.__version__",
        ["url (kept in setup.py)", "download_url (kept in setup.py)", "description_file"],
    ),
    "tqdm": (
        "setup.py",
        [
            "version (kept in setup.py)",
            "long_description (kept in setup.py)",
            "extras_require (kept in setup.py)",
            "packages (kept in setup.py)",
        ],
    ),
}


def _migration_projects() -> list[Project]:
    return [*(p for p in load_projects() if p.name == "six"), *MIGRATION_PROJECTS]


def _fields(raw: bytes) -> tuple[list[tuple[str, str]], str]:
    msg = BytesParser(policy=compat32).parse(io.BytesIO(raw))
    payload = msg.get_payload()
    return [(k, str(v).strip()) for k, v in msg.items()], payload if isinstance(payload, str) else ""


def _spdx(text: str) -> str | None:
    try:
        return str(canonicalize_license_expression(text))
    except InvalidLicenseExpression:
        return None


def _pep621_view(fields: list[tuple[str, str]], candidate: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The reference's (setup.py-built) METADATA as setuptools writes the same data from
    [project]: each rewrite is one PEP 621/639 rule, nothing else is forgiven.

    - ``Home-page: U`` -> ``Project-URL: Homepage, U`` (PEP 621 has only [project.urls]);
    - ``Author: N`` + ``Author-email: E`` -> ``Author-email: N <E>`` (one PEP 621 author with
      both; the same for Maintainer);
    - ``License: X`` with X an SPDX expression -> ``License-Expression: X`` when the candidate
      uses PEP 639, and then the ``License ::`` classifiers go (setuptools refuses both);
    - no ``Description-Content-Type`` -> ``text/x-rst`` (PyPI's default, so the page renders the
      same; a PEP 621 readme file always carries its type; a readme kept in setup.py has none);
    - ``Keywords`` and ``Requires-Python`` are compared as the same words / the same set;
    - ``Metadata-Version`` and ``Dynamic`` (which fields setup.py computed) are not compared.
    """
    ref = dict(fields)
    out = [(k, v) for k, v in fields if k not in {"Metadata-Version", "Dynamic"}]
    for who in ("Author", "Maintainer"):
        name, email = ref.get(who), ref.get(f"{who}-email")
        if name and email and "," not in name + email:
            out = [kv for kv in out if kv[0] not in {who, f"{who}-email"}]
            out.append((f"{who}-email", f"{name} <{email}>"))
    if "Home-page" in ref and "Home-page" not in dict(candidate):  # else url stayed in setup.py
        out = [kv for kv in out if kv[0] != "Home-page"] + [("Project-URL", f"Homepage, {ref['Home-page']}")]
    expression = _spdx(ref.get("License", ""))
    if expression and any(k == "License-Expression" for k, _ in candidate):
        out = [kv for kv in out if kv[0] != "License" and not kv[1].startswith("License ::")]
        out.append(("License-Expression", expression))
    if "Description-Content-Type" not in ref and ("Description-Content-Type", "text/x-rst") in candidate:
        out.append(("Description-Content-Type", "text/x-rst"))
    return _comparable(out)


def _comparable(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, raw in fields:
        if key in {"Metadata-Version", "Dynamic"}:
            continue
        value = raw
        if key == "Keywords":
            value = " ".join(sorted(w for w in re.split(r"[,\s]+", raw) if w))
        elif key == "Requires-Python":
            value = str(SpecifierSet(raw))
        out.append((key, value))
    return sorted(out)


def _contents(wheel: Path) -> dict[str, bytes]:
    """Every file but RECORD, with WHEEL's Generator line cut (the setuptools version)."""
    with zipfile.ZipFile(wheel) as zf:
        files = {n: zf.read(n) for n in zf.namelist() if not n.endswith(".dist-info/RECORD")}
    for name in [n for n in files if n.endswith(".dist-info/WHEEL")]:
        files[name] = re.sub(rb"(?m)^Generator: .*\n", b"", files[name])
    return files


def _reference_wheel(env: CorpusEnv, tree: Path, outdir: Path) -> Path:
    """``python -m build --wheel`` of the original tree: the peer's answer, built in the test
    (from a copy: setuptools leaves build/ and *.egg-info behind, which must not reach the
    migrated tree)."""
    copy = outdir.with_name(f"{outdir.name}-src")
    shutil.copytree(tree, copy)
    run([env.ref_python, "-m", "build", "--wheel", "--outdir", outdir, copy])
    (wheel,) = outdir.glob("*.whl")
    return wheel


def _migrate(hwb: Any, legacy: Path, migrated: Path) -> dict[str, Any]:
    """A copy of ``legacy`` without PKG-INFO/egg-info (as in a git checkout), migrated."""
    shutil.copytree(legacy, migrated)
    for generated in [migrated / "PKG-INFO", *migrated.glob("*.egg-info"), *migrated.glob("src/*.egg-info")]:
        shutil.rmtree(generated) if generated.is_dir() else generated.unlink(missing_ok=True)
    init = hwb("init", migrated, "--from-setup", "--json")
    assert init.code == 0, init.stderr
    report: dict[str, Any] = init.json
    in_setup_py = [k for k in report["kept"] if k.endswith("(kept in setup.py)")]
    assert (migrated / "setup.py").exists() == bool(in_setup_py), "setup.py stays exactly when hwb says so"
    if in_setup_py:  # what hwb translated left the setup() call; the kept part did not
        left = (migrated / "setup.py").read_text()
        assert not re.search(r"\bname\s*=", left)
        assert all(k.split()[0] in left for k in in_setup_py)
    return report


def _assert_same_wheel(hwb: Any, env: CorpusEnv, reference: Path, migrated: Path, outdir: Path) -> None:
    """hwb's wheel of ``migrated`` against the reference: same name, tags, files and bytes
    (RECORD aside, WHEEL's Generator aside, compiled extensions by name only), same
    description, same METADATA up to :func:`_pep621_view`."""
    built = hwb("build", migrated, "--wheel", "--python", env.interp.executable, "--outdir", outdir, "--json")
    assert built.code == 0, built.stderr
    (candidate,) = [Path(a["path"]) for a in built.json["artifacts"] if a["kind"] == "wheel"]
    assert compare_wheels(reference, candidate) == []  # name, tags, file list, requirements, RECORD
    old, new = _contents(reference), _contents(candidate)
    (meta,) = [n for n in old if n.endswith(".dist-info/METADATA")]
    # The same bytes — but for compiled extensions, whose debug info holds the build folder.
    native = re.compile(r"\.(so|pyd|dylib)$|\.so\.")
    assert [n for n in old if old[n] != new.get(n) and n != meta and not native.search(n)] == []
    old_fields, old_body = _fields(old[meta])
    new_fields, new_body = _fields(new[meta])
    assert new_body == old_body  # the long description
    assert _comparable(new_fields) == _pep621_view(old_fields, new_fields)


@pytest.mark.parametrize("project", _migration_projects(), ids=lambda p: f"{p.name}-{p.kind}")
def test_migrated_real_project_builds_the_same_wheel(hwb: Any, tmp_path: Path, project: Project) -> None:
    """Issue 17 (family 5): ``hwb init --from-setup`` on a real setup.py-only sdist gives a
    project whose wheel (built by hwb) is the wheel ``python -m build --wheel`` makes of the
    original tree (see :func:`_assert_same_wheel`)."""
    env = CorpusEnv.create()
    sdist, _ = fetch_sdist(project, env.cache, env.ref_python)  # sha256-checked
    legacy = extract_sdist(sdist, tmp_path / "unpacked")
    assert (legacy / "setup.py").is_file()
    assert not (legacy / "pyproject.toml").exists()
    reference = _reference_wheel(env, legacy, tmp_path / "dist-ref")

    report = _migrate(hwb, legacy, tmp_path / "migrated")
    version_source, kept = EXPECTED_REPORTS[project.name]
    assert (report["version_source"], report["kept"]) == (version_source, kept)
    assert report["duplicated"] == []
    for section in ("[bdist_wheel]", "[wheel]"):  # universal = 1: the py2.py3 tag is read there
        if section in (legacy / "setup.cfg").read_text():
            assert section in (tmp_path / "migrated" / "setup.cfg").read_text()
    _assert_same_wheel(hwb, env, reference, tmp_path / "migrated", tmp_path / "dist-new")


@pytest.mark.parametrize("kept", [False, True], ids=["translated", "extension-kept"])
def test_setup_py_importing_from_src_migrates_and_builds(hwb: Any, tmp_path: Path, kept: bool) -> None:
    """``from src.tinypkg import __version__`` in a src layout (issue 17: the migrated project
    stopped with "No module named 'src'" and a hint to add 'src' to the build requirements).
    Translated, the version is ``attr: tinypkg.__version__``; with a C extension kept in
    setup.py, which still imports src.tinypkg, the backend is the legacy one, which puts the
    project folder on sys.path as the original build had it."""
    legacy = tmp_path / "tinypkg"
    (legacy / "src" / "tinypkg").mkdir(parents=True)
    (legacy / "src" / "tinypkg" / "__init__.py").write_text('"""Tiny."""\n__version__ = "1.4.0"\n')
    ext = ""
    if kept:
        (legacy / "src" / "tinypkg" / "_speed.c").write_text(
            '#include <Python.h>\nstatic struct PyModuleDef m = {PyModuleDef_HEAD_INIT, "_speed"};\n'
            "PyMODINIT_FUNC PyInit__speed(void) { return PyModule_Create(&m); }\n"
        )
        ext = '    ext_modules=[Extension("tinypkg._speed", ["src/tinypkg/_speed.c"])],\n'
    (legacy / "setup.py").write_text(
        "from setuptools import Extension, find_packages, setup\n"
        "from src.tinypkg import __version__\n\n"
        "setup(\n"
        '    name="tinypkg",\n    version=__version__,\n    description="A tiny package",\n'
        '    packages=find_packages("src"),\n    package_dir={"": "src"},\n' + ext + ")\n"
    )
    env = CorpusEnv.create()
    reference = _reference_wheel(env, legacy, tmp_path / "dist-ref")
    report = _migrate(hwb, legacy, tmp_path / "migrated")
    assert report["version_source"] == "attr: tinypkg.__version__"
    assert report["kept"] == (["ext_modules (kept in setup.py)"] if kept else [])
    pyproject = (tmp_path / "migrated" / "pyproject.toml").read_text()
    backend = "setuptools.build_meta:__legacy__" if kept else "setuptools.build_meta"
    assert f'build-backend = "{backend}"' in pyproject
    _assert_same_wheel(hwb, env, reference, tmp_path / "migrated", tmp_path / "dist-new")


def test_setup_py_over_setup_cfg_builds_the_same_wheel(hwb: Any, tmp_path: Path) -> None:
    """Where setup.py and setup.cfg both set a keyword, setuptools uses setup.py's; the
    migrated project must carry the version and summary the original wheel had."""
    legacy = tmp_path / "prec"
    legacy.mkdir()
    (legacy / "prec.py").write_text('"""prec."""\n')
    (legacy / "setup.py").write_text(
        "from setuptools import setup\n"
        "setup(name='prec', version='2.0', description='from setup.py', py_modules=['prec'])\n"
    )
    (legacy / "setup.cfg").write_text(
        "[metadata]\nversion = 1.0\ndescription = from cfg\nauthor = cfg author\n"
    )
    env = CorpusEnv.create()
    reference = _reference_wheel(env, legacy, tmp_path / "dist-ref")
    assert reference.name == "prec-2.0-py3-none-any.whl"
    report = _migrate(hwb, legacy, tmp_path / "migrated")
    assert report["version"] == "2.0"
    _assert_same_wheel(hwb, env, reference, tmp_path / "migrated", tmp_path / "dist-new")
