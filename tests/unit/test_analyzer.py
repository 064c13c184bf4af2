"""Static project analysis: tiny projects under tests/packages/an-* plus variations made in
tmp_path for the rules that need only a pyproject.toml."""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from headless_wheel_builder.analyze import analyzer
from headless_wheel_builder.analyze._detect import MAX_SOURCE_REASONS, find_compiled_sources
from headless_wheel_builder.analyze.analyzer import (
    LEGACY_BACKEND,
    LEGACY_REQUIRES,
    ProjectInfo,
    analyze,
    backend_family,
    load_pyproject,
)
from headless_wheel_builder.errors import NotAProjectError, PyprojectError, SourceNotFoundError

PACKAGES = Path(__file__).resolve().parents[1] / "packages"
EXPECTED_REPAIR = {"linux": "auditwheel", "darwin": "delocate", "win32": "delvewheel"}.get(
    "linux" if sys.platform.startswith("linux") else sys.platform
)


def package(name: str) -> Path:
    path = PACKAGES / name
    assert path.is_dir(), f"missing test package {name}"
    return path


def materialize(case: str, tmp_path: Path) -> Path:
    """Copy a test package whose pyproject.toml is stored as ``pyproject.toml.broken``.

    Tools that read every pyproject.toml in the tree (ruff looks for its settings in them
    and validates build-system.requires) would choke on the real name."""
    root = shutil.copytree(package(case), tmp_path / case)
    (root / "pyproject.toml.broken").rename(root / "pyproject.toml")
    return root


def make_project(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


def pyproject_project(tmp_path: Path, pyproject: str, **extra: str) -> Path:
    return make_project(tmp_path, {"pyproject.toml": pyproject, **extra})


# --- one tiny project per backend family ----------------------------------------------


@pytest.mark.parametrize(
    ("case", "name", "version", "version_source", "family", "backend"),
    [
        (
            "an-setuptools-static",
            "an-setuptools-static",
            "1.0.0",
            None,
            "setuptools",
            "setuptools.build_meta",
        ),
        (
            "an-setuptools-scm",
            "an-setuptools-scm",
            None,
            "setuptools-scm",
            "setuptools",
            "setuptools.build_meta",
        ),
        (
            "an-hatchling",
            "an-hatchling",
            "2.0.0rc1",
            "hatch: regex src/an_hatchling/__about__.py",
            "hatchling",
            "hatchling.build",
        ),
        ("an-hatch-vcs", "an-hatch-vcs", None, "hatch-vcs", "hatchling", "hatchling.build"),
        ("an-flit", "an-flit", "0.4", "flit: __version__ in module", "flit", "flit_core.buildapi"),
        ("an-pdm", "an-pdm", "0.165.0", "pdm: file an_pdm/__init__.py", "pdm", "pdm.backend"),
        ("an-poetry", "an-poetry", "0.15.2", None, "poetry", "poetry.core.masonry.api"),
        ("an-maturin", "an-maturin", "0.3.1a1", "maturin: Cargo.toml", "maturin", "maturin"),
        (
            "an-scikit-build",
            "an-scikit-build",
            "2.1.0",
            "scikit-build-core: regex include/version.hpp",
            "scikit-build-core",
            "scikit_build_core.build",
        ),
        ("an-meson", "an-meson", "1.4.0", "meson-python: meson.build", "meson-python", "mesonpy"),
        (
            "an-in-tree-backend",
            "an-in-tree-backend",
            "1.8.0",
            "setuptools: attr an_in_tree.__version__",
            "setuptools",
            "an_backend.hooks",
        ),
        ("an-c-extension", "an-c-extension", "3.0.4", None, "setuptools", "setuptools.build_meta"),
    ],
)
def test_backend_families(
    case: str,
    name: str,
    version: str | None,
    version_source: str | None,
    family: str,
    backend: str,
) -> None:
    info = analyze(package(case))
    assert (info.name, info.version, info.version_source) == (name, version, version_source)
    assert (info.backend_family, info.backend) == (family, backend)
    assert info.has_pyproject
    assert not info.legacy
    assert not info.has_pkg_info


@pytest.mark.parametrize(
    ("case", "pure"),
    [
        ("an-setuptools-static", True),  # its tests/fixtures/sample.c cannot be compiled
        ("an-setuptools-scm", True),
        ("an-hatchling", True),
        ("an-hatch-vcs", True),  # the vcs build hook writes a file, compiles nothing
        ("an-flit", True),  # flit_core only makes pure wheels, whatever .c files lie around
        ("an-pdm", True),
        ("an-poetry", True),
        ("an-legacy-setup-py", True),
        ("an-no-build-system", True),
        ("an-sdist", True),
        ("an-maturin", False),
        ("an-scikit-build", False),
        ("an-meson", False),
        ("an-in-tree-backend", False),
        ("an-c-extension", False),
    ],
)
def test_purity_isolation_and_repair(case: str, pure: bool) -> None:
    info = analyze(package(case))
    assert info.pure is pure
    if pure:
        assert info.platform_reasons == ()
        assert (info.isolation, info.repair) == ("venv", None)
    else:
        assert info.platform_reasons
        assert (info.isolation, info.repair) == ("container", EXPECTED_REPAIR)


@pytest.mark.parametrize(
    ("case", "expected_reasons"),
    [
        ("an-maturin", ["Cargo.toml (Rust via maturin)", "src/lib.rs"]),
        (
            "an-scikit-build",
            [
                "CMakeLists.txt (CMake via scikit-build-core)",
                "src/main.cpp",
                "nanobind in build-system.requires",
            ],
        ),
        (
            "an-meson",
            [
                "meson.build (Meson via meson-python)",
                "src/an_meson/_core.cpp",
                "pybind11 in build-system.requires",
            ],
        ),
        ("an-in-tree-backend", ["src/an_in_tree/_frozen.pyx"]),
        (
            "an-c-extension",
            ["setup.py defines ext_modules", "setup.py uses Extension", "src/an_c_extension/_speedups.c"],
        ),
    ],
)
def test_platform_reasons(case: str, expected_reasons: list[str]) -> None:
    assert list(analyze(package(case)).platform_reasons) == expected_reasons


def test_requires_python_and_dynamic() -> None:
    info = analyze(package("an-hatch-vcs"))
    assert info.dynamic == ("version", "readme")
    assert info.requires_python is None
    assert analyze(package("an-pdm")).requires_python == ">=3.11"
    assert analyze(package("an-setuptools-static")).dynamic == ()


def test_build_requires_are_kept_verbatim() -> None:
    info = analyze(package("an-in-tree-backend"))
    assert info.build_requires == (
        "expandvars",
        "setuptools >= 47",
        "tomli; python_version < '3.11'",
    )
    assert info.backend_path == ("packaging",)


# --- legacy projects and unpacked sdists -----------------------------------------------


def test_legacy_setup_py_only_project() -> None:
    info = analyze(package("an-legacy-setup-py"))
    assert info.legacy
    assert not info.has_pyproject
    assert info.backend == LEGACY_BACKEND == "setuptools.build_meta:__legacy__"
    assert info.build_requires == LEGACY_REQUIRES
    assert info.backend_family == "setuptools"
    assert info.name == "an-legacy"  # read from setup(name="...") without running setup.py
    assert info.version is None  # setup.py computes it: unknown until built
    assert info.version_source == "setup.py"
    assert info.requires_python == ">=2.7, !=3.0.*"
    assert info.dynamic == ()
    assert len(info.tips) == 1
    assert "hwb init --from-setup" in info.tips[0]
    assert LEGACY_BACKEND in info.tips[0]


def test_pyproject_without_build_system_uses_legacy_fallback() -> None:
    info = analyze(package("an-no-build-system"))
    assert info.has_pyproject
    assert info.legacy
    assert (info.backend, info.build_requires) == (LEGACY_BACKEND, LEGACY_REQUIRES)
    assert (info.name, info.version, info.version_source) == ("an-no-build-system", "0.9.1", None)
    assert info.requires_python == ">=3.8"
    assert any("no [build-system] table" in tip and "setuptools.build_meta" in tip for tip in info.tips)


def test_missing_build_system_tip_names_the_tool_in_use(tmp_path: Path) -> None:
    root = pyproject_project(
        tmp_path,
        """\
        [tool.poetry]
        name = "old-poetry"
        version = "1.0"
    """,
    )
    info = analyze(root)
    assert (info.name, info.version, info.legacy) == ("old-poetry", "1.0", True)
    assert info.backend_family == "setuptools"
    assert any("poetry.core.masonry.api" in tip for tip in info.tips)


def test_build_system_without_backend_uses_legacy_backend_with_given_requires(
    tmp_path: Path,
) -> None:
    root = pyproject_project(
        tmp_path,
        """\
        [build-system]
        requires = ["setuptools>=64", "wheel"]
    """,
        **{"setup.py": "from setuptools import setup\nsetup()\n"},
    )
    info = analyze(root)
    assert info.legacy
    assert info.backend == LEGACY_BACKEND
    assert info.build_requires == ("setuptools>=64", "wheel")
    assert any("declares no build-backend" in tip for tip in info.tips)


def test_unpacked_sdist_takes_version_from_pkg_info(tmp_path: Path) -> None:
    # Out of any git checkout, PKG-INFO is what fixes the version: no git tip.
    root = shutil.copytree(package("an-sdist"), tmp_path / "an-sdist")
    info = analyze(root)
    assert info.has_pkg_info
    assert (info.version, info.version_source) == ("3.1.4", "PKG-INFO")  # not the body's 9.9.9
    assert info.dynamic == ("version",)
    assert info.requires_python == ">=3.9"
    assert info.tips == ()


def test_pkg_info_fills_name_and_requires_python_of_a_legacy_sdist(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "setup.py": "from setuptools import setup\nsetup(**METADATA)\n",
            "PKG-INFO": "Metadata-Version: 2.1\nName: six\nVersion: 1.17.0\nRequires-Python: !=3.0.*,>=2.7\n",
        },
    )
    info = analyze(root)
    assert (info.name, info.version, info.version_source) == ("six", "1.17.0", "PKG-INFO")
    assert info.requires_python == "!=3.0.*,>=2.7"
    assert info.legacy


def test_vcs_version_outside_git_gets_a_tip(tmp_path: Path) -> None:
    root = shutil.copytree(package("an-setuptools-scm"), tmp_path / "scm")
    info = analyze(root)
    assert info.version is None
    assert any("SETUPTOOLS_SCM_PRETEND_VERSION" in tip for tip in info.tips)


def test_vcs_version_inside_a_git_checkout_needs_no_tip(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    root = shutil.copytree(package("an-setuptools-scm"), tmp_path / "repo" / "python" / "scm")
    assert analyze(root).tips == ()


def test_project_table_without_name_gets_a_tip(tmp_path: Path) -> None:
    root = pyproject_project(
        tmp_path,
        """\
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        version = "1"
        """,
    )
    info = analyze(root)
    assert info.name is None
    assert any("[project] has no name" in tip for tip in info.tips)


# --- errors ---------------------------------------------------------------------------


def test_malformed_pyproject_reports_file_line_and_column(tmp_path: Path) -> None:
    root = materialize("an-malformed", tmp_path)
    path = root / "pyproject.toml"
    with pytest.raises(PyprojectError) as excinfo:
        analyze(root)
    err = excinfo.value
    assert err.exit_code == 21
    # `version = = "1.0"` is line 7; the second "=" is column 11.
    assert f"{path}:7:11: Invalid value" in str(err)
    assert "line 7, column 11" in (err.hint or "")
    assert isinstance(err.__cause__, Exception)
    assert err.to_dict()["error"] == "pyproject"


def test_toml_error_at_end_of_document(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "x"\ndeps = [1,\n', encoding="utf-8")
    with pytest.raises(PyprojectError, match=r"pyproject\.toml:4:1: .*end of file"):
        load_pyproject(path)


def test_toml_error_position_prefers_exception_attributes() -> None:
    from headless_wheel_builder.config.files import toml_error_position

    # Python 3.14's TOMLDecodeError carries msg/lineno/colno; older ones only the text.
    class NewStyleError(ValueError):
        msg = "Unclosed array"
        lineno = 12
        colno = 5

    assert toml_error_position(NewStyleError("whatever"), "") == (12, 5, "Unclosed array")
    old_style = ValueError("Invalid value (at line 3, column 11)")
    assert toml_error_position(old_style, "") == (3, 11, "Invalid value")


def test_pyproject_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b'[project]\nname = "caf\xe9"\n')
    with pytest.raises(PyprojectError, match=r"not valid UTF-8.*pyproject\.toml:2"):
        analyze(tmp_path)


def test_invalid_requirement_names_key_line_and_value(tmp_path: Path) -> None:
    root = materialize("an-bad-requires", tmp_path)
    path = root / "pyproject.toml"
    with pytest.raises(PyprojectError) as excinfo:
        analyze(root)
    message = str(excinfo.value)
    assert excinfo.value.exit_code == 21
    assert "build-system.requires[1]" in message
    assert f"{path}:4:" in message
    assert "'wheel >= = 1' is not a valid PEP 508 requirement" in message


@pytest.mark.parametrize(
    ("pyproject", "key", "line"),
    [
        ('build-system = "setuptools"\n', "`build-system`", 1),
        ('[build-system]\nrequires = "setuptools"\n', "`build-system.requires`", 2),
        ('[build-system]\nrequires = ["setuptools", 3]\n', "`build-system.requires`", 2),
        ('[build-system]\nbuild-backend = "hatchling.build"\n', "`build-system.requires`", 1),
        ("[build-system]\nrequires = []\nbuild-backend = 1\n", "`build-system.build-backend`", 3),
        (
            '[build-system]\nrequires = []\nbuild-backend = "x"\nbackend-path = "."\n',
            "`build-system.backend-path`",
            4,
        ),
        ('[tool.x]\nname = "ok"\n[project]\nversion = "1"\nname = ["x"]\n', "`project.name`", 5),
        ('[project]\nname = "x"\nversion = 1\n', "`project.version`", 3),
        ('[project]\nname = "x"\ndynamic = "version"\n', "`project.dynamic`", 3),
        ('project = "x"\n', "`project`", 1),
    ],
)
def test_structurally_invalid_pyproject(tmp_path: Path, pyproject: str, key: str, line: int) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(pyproject, encoding="utf-8")
    with pytest.raises(PyprojectError) as excinfo:
        load_pyproject(path)
    assert key in str(excinfo.value)
    assert f"{path}:{line}:" in str(excinfo.value)
    assert excinfo.value.hint


def test_unknown_backend_is_not_an_analyzer_error(tmp_path: Path) -> None:
    root = pyproject_project(
        tmp_path,
        """\
        [build-system]
        requires = ["no-such-backend"]
        build-backend = "no_such_backend.api"

        [project]
        name = "x"
        version = "1"
    """,
    )
    info = analyze(root)
    assert (info.backend_family, info.pure) == ("other", None)


def test_not_a_project() -> None:
    with pytest.raises(NotAProjectError) as excinfo:
        analyze(package("an-not-a-project"))
    err = excinfo.value
    assert err.exit_code == 12
    assert "neither pyproject.toml nor setup.py" in str(err)
    assert "setup.cfg alone" in str(err)
    assert err.hint


def test_not_a_project_hints_at_nested_projects(tmp_path: Path) -> None:
    make_project(tmp_path, {"python/pyproject.toml": "[project]\nname = 'x'\n"})
    with pytest.raises(NotAProjectError) as excinfo:
        analyze(tmp_path)
    assert "python" in (excinfo.value.hint or "")


def test_missing_folder_and_file_path(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError):
        analyze(tmp_path / "missing")
    (tmp_path / "setup.py").write_text("", encoding="utf-8")
    with pytest.raises(NotAProjectError, match="is a file"):
        analyze(tmp_path / "setup.py")


# --- backend family rules -------------------------------------------------------------


@pytest.mark.parametrize(
    ("backend", "requires", "backend_path", "family"),
    [
        ("setuptools.build_meta", (), (), "setuptools"),
        ("setuptools.build_meta:__legacy__", (), (), "setuptools"),
        ("hatchling.build", (), (), "hatchling"),
        ("hatchling.ouroboros", (), ("src",), "hatchling"),  # hatchling building itself
        ("flit_core.buildapi", (), (), "flit"),
        ("pdm.backend", (), (), "pdm"),
        ("pdm.pep517.api", (), (), "pdm"),
        ("poetry.core.masonry.api", (), (), "poetry"),
        ("maturin", (), (), "maturin"),
        ("scikit_build_core.build", (), (), "scikit-build-core"),
        ("mesonpy", (), (), "meson-python"),
        ("uv_build", ("uv-build",), (), "other"),
        ("backend", ("Hatchling>=1",), ("_build",), "hatchling"),
        ("backend", ("setuptools",), (), "other"),  # not in-tree: no inference
        ("backend", ("expandvars",), ("_build",), "other"),
    ],
)
def test_backend_family(
    backend: str, requires: tuple[str, ...], backend_path: tuple[str, ...], family: str
) -> None:
    assert backend_family(backend, requires, backend_path) == family


# --- purity rules that need only a pyproject.toml ---------------------------------------

HATCH = """\
    [build-system]
    requires = ["hatchling"]
    build-backend = "hatchling.build"

    [project]
    name = "x"
    version = "1"
"""


@pytest.mark.parametrize(
    ("extra_pyproject", "files", "pure"),
    [
        ("[tool.hatch.build.targets.wheel.hooks.mypyc]\n", {}, False),
        ("[tool.hatch.build.hooks.custom]\n", {}, None),
        ("[tool.hatch.build.hooks.custom]\n", {"src/x/_ext.c": "int x;\n"}, False),
        ("[tool.hatch.build.hooks.custom]\nenable-by-default = false\n", {}, True),
        ("", {"src/x/_ext.c": "int x;\n", "Cargo.toml": ""}, True),  # no hook: nothing compiles
    ],
)
def test_hatch_build_hooks(
    tmp_path: Path, extra_pyproject: str, files: dict[str, str], pure: bool | None
) -> None:
    root = make_project(tmp_path, {"pyproject.toml": HATCH + extra_pyproject, **files})
    info = analyze(root)
    assert info.pure is pure
    if pure is not True:
        assert any("tool.hatch.build" in reason for reason in info.platform_reasons)


@pytest.mark.parametrize(
    ("pyproject", "files", "pure", "reason"),
    [
        (
            """\
            [build-system]
            requires = ["poetry-core"]
            build-backend = "poetry.core.masonry.api"
            [tool.poetry]
            name = "x"
            version = "1"
            build = "build.py"
         """,
            {},
            None,
            "[tool.poetry.build] script build.py",
        ),
        (
            """\
            [build-system]
            requires = ["poetry-core"]
            build-backend = "poetry.core.masonry.api"
            [tool.poetry]
            name = "x"
            version = "1"
            [tool.poetry.build]
            script = "build_ext.py"
         """,
            {"x/_speedups.pyx": ""},
            False,
            "x/_speedups.pyx",
        ),
        (
            """\
            [build-system]
            requires = ["pdm-backend"]
            build-backend = "pdm.backend"
            [project]
            name = "x"
            version = "1"
            [tool.pdm.build]
            run-setuptools = true
         """,
            {},
            None,
            "[tool.pdm.build] runs setuptools",
        ),
        (
            """\
            [build-system]
            requires = ["pdm-backend"]
            build-backend = "pdm.backend"
            [project]
            name = "x"
            version = "1"
            [tool.pdm.build]
            is-purelib = false
         """,
            {},
            False,
            "[tool.pdm.build] is-purelib = false",
        ),
        (
            """\
            [build-system]
            requires = ["setuptools>=74.1"]
            build-backend = "setuptools.build_meta"
            [project]
            name = "x"
            version = "1"
            [[tool.setuptools.ext-modules]]
            name = "x._ext"
            sources = ["x/_ext.c"]
         """,
            {},
            False,
            "[tool.setuptools] ext-modules",
        ),
        (
            """\
            [build-system]
            requires = ["setuptools", "Cython>=3"]
            build-backend = "setuptools.build_meta"
            [project]
            name = "x"
            version = "1"
         """,
            {},
            False,
            "cython in build-system.requires",
        ),
        (
            """\
            [build-system]
            requires = ["setuptools"]
            build-backend = "setuptools.build_meta"
            [project]
            name = "x"
            version = "1"
         """,
            {"setup.py": "from setuptools import setup\nsetup()\n", "lib/fast.cc": ""},
            False,
            "lib/fast.cc",
        ),
    ],
)
def test_purity_rules(
    tmp_path: Path, pyproject: str, files: dict[str, str], pure: bool | None, reason: str
) -> None:
    info = analyze(pyproject_project(tmp_path, pyproject, **files))
    assert info.pure is pure
    assert reason in info.platform_reasons
    assert info.isolation == ("container" if pure is False else "venv")


def test_setup_py_comments_do_not_count(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "setup.py": "from setuptools import setup\n# no ext_modules, no cythonize here\nsetup()\n",
        },
    )
    assert analyze(root).pure is True


@pytest.mark.parametrize(
    ("platform", "tool"),
    [("linux", "auditwheel"), ("darwin", "delocate"), ("win32", "delvewheel"), ("emscripten", None)],
)
def test_repair_tool_follows_the_platform(
    monkeypatch: pytest.MonkeyPatch, platform: str, tool: str | None
) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    assert analyzer._repair_tool() == tool


# --- the source walk ------------------------------------------------------------------


def test_source_walk_skips_hidden_venv_and_build_output(tmp_path: Path) -> None:
    make_project(
        tmp_path,
        {
            ".git/objects/x.c": "",
            ".venv/lib/site.c": "",
            "venv/pyvenv.cfg": "home = /usr/bin\n",
            "venv/lib/mod.c": "",
            "build/temp/_ext.c": "",
            "dist/x.rs": "",
            "pkg.egg-info/x.c": "",
            "src/pkg/__pycache__/x.c": "",
            "src/pkg/mod.py": "",
            "src/build/keep.pyx": "",  # a package called build is not build output
        },
    )
    assert find_compiled_sources(tmp_path) == ["src/build/keep.pyx"]


def test_source_walk_reports_shallowest_first_and_stops(tmp_path: Path) -> None:
    make_project(tmp_path, {f"deep/er/f{i}.c": "" for i in range(5)} | {"top.rs": ""})
    found = find_compiled_sources(tmp_path)
    assert len(found) == MAX_SOURCE_REASONS
    assert found[0] == "top.rs"


# --- output ---------------------------------------------------------------------------


def test_to_dict_is_json_ready() -> None:
    info = analyze(package("an-maturin"))
    data = info.to_dict()
    assert json.loads(json.dumps(data)) == data
    for key in (
        "name",
        "version",
        "dynamic",
        "version_source",
        "backend",
        "backend_path",
        "backend_family",
        "build_requires",
        "requires_python",
        "pure",
        "platform_reasons",
        "legacy",
        "has_pyproject",
        "isolation",
        "repair",
        "tips",
        "path",
    ):
        assert key in data
    assert data["path"] == str(package("an-maturin"))
    assert data["dynamic"] == ["version"]
    assert data["platform_reasons"] == ["Cargo.toml (Rust via maturin)", "src/lib.rs"]
    assert isinstance(info, ProjectInfo)
