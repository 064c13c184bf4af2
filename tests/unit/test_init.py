"""``hwb init``: layouts, names, versions, overwriting, and the static reading and translation
of setup.py / setup.cfg.  Everything here works on small files in tmp_path; nothing builds."""

from __future__ import annotations

import datetime
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from headless_wheel_builder.api import InitOptions, init
from headless_wheel_builder.errors import NotAProjectError, ProjectError, UsageError
from headless_wheel_builder.migrate._legacy_fields import dotted_module, spdx_license
from headless_wheel_builder.migrate._setup_cfg import remove_options
from headless_wheel_builder.migrate._setup_py import (
    Attr,
    FileAttr,
    FileText,
    FindPackages,
    Unresolved,
    read_setup_py,
)
from headless_wheel_builder.migrate.init import default_requires_python, detect_layout

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def toml(report: Any) -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads(report.text)
    return data


# --------------------------------------------------------------------------- scaffolding


@pytest.mark.parametrize(
    ("files", "kind", "path"),
    [
        ({"src/foo/__init__.py": ""}, "src", "src/foo"),
        ({"foo/__init__.py": "", "tests/__init__.py": "", "docs/conf.py": "", "setup.py": ""}, "flat", "foo"),
        ({"foo.py": "", "setup.py": "", "conftest.py": "", "test_foo.py": ""}, "module", "foo.py"),
        ({"src/foo/__init__.py": "", "bar/__init__.py": ""}, "src", "src/foo"),  # src/ wins
        ({"foo/__init__.py": "", "helper.py": ""}, "flat", "foo"),  # packages beat modules
    ],
)
def test_layout_detection(tmp_path: Path, files: dict[str, str], kind: str, path: str) -> None:
    layout = detect_layout(write(tmp_path / "proj", files))
    assert (layout.kind, layout.path, layout.import_name) == (kind, path, "foo")


def test_layout_ambiguous_needs_a_name(tmp_path: Path) -> None:
    root = write(tmp_path / "proj", {"a/__init__.py": "", "b/__init__.py": ""})
    with pytest.raises(UsageError, match="several candidates"):
        detect_layout(root)
    assert detect_layout(root, "b").import_name == "b"
    named = write(tmp_path / "b", {"a/__init__.py": "", "b/__init__.py": ""})
    assert detect_layout(named).import_name == "b"  # the folder's name breaks the tie


def test_layout_nothing_found(tmp_path: Path) -> None:
    with pytest.raises(NotAProjectError):
        detect_layout(write(tmp_path, {"tests/test_x.py": "", "setup.py": ""}))


def test_scaffold_hatchling_reads_version_at_build_time(tmp_path: Path) -> None:
    root = write(tmp_path, {"src/my_pkg/__init__.py": '"""Does things.\n\nMore."""\n__version__ = "1.2.3"\n',
                            "README.md": "# hi\n"})  # fmt: skip
    report = init(root, InitOptions())
    data = toml(report)
    assert data["build-system"]["build-backend"] == "hatchling.build"
    assert data["project"]["name"] == "my-pkg"
    assert data["project"]["dynamic"] == ["version"]
    assert "version" not in data["project"]
    assert data["project"]["description"] == "Does things."
    assert data["project"]["readme"] == "README.md"
    assert data["tool"]["hatch"]["version"] == {"path": "src/my_pkg/__init__.py"}
    assert data["tool"]["hatch"]["build"]["targets"]["wheel"] == {"packages": ["src/my_pkg"]}
    assert (report.version, report.version_source, report.layout) == (None, "src/my_pkg/__init__.py", "src")
    assert (root / "pyproject.toml").read_text() == report.text


@pytest.mark.parametrize(
    ("backend", "check"),
    [
        (
            "setuptools",
            lambda d: d["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "pkg.__about__.__version__"},
        ),
        ("pdm", lambda d: d["tool"]["pdm"]["version"] == {"source": "file", "path": "pkg/__about__.py"}),
        ("hatchling", lambda d: d["tool"]["hatch"]["version"] == {"path": "pkg/__about__.py"}),
        # flit reads __version__ only from the package itself: the value is copied instead.
        ("flit", lambda d: d["project"]["version"] == "4.0" and "dynamic" not in d["project"]),
    ],
)
def test_version_in_about_file(tmp_path: Path, backend: str, check: Any) -> None:
    root = write(tmp_path, {"pkg/__init__.py": "from .__about__ import __version__\n",
                            "pkg/__about__.py": "__version__ = '4.0'\n"})  # fmt: skip
    data = toml(init(root, InitOptions(backend=backend, dry_run=True)))  # type: ignore[arg-type]
    assert check(data), data


def test_static_versions(tmp_path: Path) -> None:
    root = write(tmp_path, {"tool.py": "x = 1\n"})
    report = init(root, InitOptions(dry_run=True))
    assert toml(report)["project"]["version"] == "0.1.0"
    assert any("0.1.0" in n for n in report.notes)
    assert (
        toml(init(root, InitOptions(dry_run=True, version="3.1", name="the-tool")))["project"]["version"]
        == "3.1"
    )
    assert toml(init(root, InitOptions(dry_run=True)))["tool"]["hatch"]["build"]["targets"]["wheel"] == {
        "only-include": ["tool.py"]
    }
    with pytest.raises(UsageError, match="not a valid project name"):
        init(root, InitOptions(dry_run=True, name="-bad-"))


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    root = write(tmp_path, {"pkg/__init__.py": ""})
    report = init(root, InitOptions(dry_run=True))
    assert not report.written
    assert not (root / "pyproject.toml").exists()


def test_existing_pyproject_is_kept_and_project_is_not_overwritten(tmp_path: Path) -> None:
    root = write(
        tmp_path, {"pkg/__init__.py": "", "pyproject.toml": "# my tools\n[tool.ruff]\nline-length = 99\n"}
    )
    first = init(root, InitOptions())
    assert "# my tools" in first.text
    assert toml(first)["tool"]["ruff"] == {"line-length": 99}
    before = (root / "pyproject.toml").read_text()
    with pytest.raises(ProjectError, match=r"already has a \[project\] table") as exc:
        init(root, InitOptions(backend="setuptools"))
    assert exc.value.hint is not None
    assert "--force" in exc.value.hint
    assert (root / "pyproject.toml").read_text() == before
    forced = toml(init(root, InitOptions(backend="setuptools", force=True)))
    assert forced["build-system"]["build-backend"] == "setuptools.build_meta"
    assert forced["tool"]["ruff"] == {"line-length": 99}
    assert not list(root.glob("*.hwb-tmp")), "no temporary file left behind"


def test_default_requires_python() -> None:
    assert default_requires_python(datetime.date(2026, 11, 24), running=13) == ">=3.11"
    assert default_requires_python(datetime.date(2025, 6, 1), running=13) == ">=3.9"
    assert default_requires_python(datetime.date(2026, 11, 24), running=10) == ">=3.10"  # capped


# --------------------------------------------------------------------------- setup.py (AST)


def kwargs_of(tmp_path: Path, source: str, extra: dict[str, str] | None = None) -> dict[str, object]:
    write(tmp_path, {"setup.py": source, **(extra or {})})
    call = read_setup_py(tmp_path / "setup.py")
    assert call.found
    return call.kwargs


SETUP_STYLES = [
    pytest.param(
        """
        from setuptools import setup
        setup(name="a", version="1.0", install_requires=["x>=1"], zip_safe=False)
        """,
        {},
        {"name": "a", "version": "1.0", "install_requires": ["x>=1"], "zip_safe": False},
        id="literals",
    ),
    pytest.param(
        """
        import setuptools
        NAME = "a"
        DEPS = ["x"] + ["y"]
        with open("README.md", encoding="utf-8") as fh:
            long_description = fh.read()
        setuptools.setup(name=NAME, install_requires=DEPS, long_description=long_description,
                         keywords="a b".split())
        """,
        {},
        {
            "name": "a",
            "install_requires": ["x", "y"],
            "long_description": FileText(path="README.md"),
            "keywords": ["a", "b"],
        },
        id="constants-and-with-open",
    ),
    pytest.param(
        """
        import io, os
        from setuptools import setup, find_packages
        here = os.path.abspath(os.path.dirname(__file__))
        setup(name="a", long_description=io.open(os.path.join(here, "docs", "README.rst")).read(),
              packages=find_packages(exclude=["tests", "tests.*"]))
        """,
        {},
        {
            "name": "a",
            "long_description": FileText(path="docs/README.rst"),
            "packages": FindPackages(exclude=("tests", "tests.*")),
        },
        id="os-path-join-here",
    ),
    pytest.param(
        """
        from pathlib import Path
        from setuptools import setup, find_namespace_packages
        this_directory = Path(__file__).parent
        setup(name="a", long_description=(this_directory / "README.md").read_text(),
              packages=find_namespace_packages("src"), package_dir={"": "src"})
        """,
        {},
        {
            "name": "a",
            "long_description": FileText(path="README.md"),
            "packages": FindPackages(where="src", namespaces=True),
            "package_dir": {"": "src"},
        },
        id="pathlib",
    ),
    pytest.param(
        """
        import os
        from setuptools import setup
        def read(fname):
            return open(os.path.join(os.path.dirname(__file__), fname)).read()
        setup(name="a", long_description=read("README"), install_requires=read("reqs.txt").splitlines())
        """,
        {},
        {
            "name": "a",
            "long_description": FileText(path="README"),
            "install_requires": FileText(path="reqs.txt", lines=True),
        },
        id="read-helper",
    ),
    pytest.param(
        """
        import re
        from setuptools import setup
        def find_version(*parts):
            with open(os.path.join(*parts)) as f:
                return re.search(r"^__version__ = ['\\"]([^'\\"]*)['\\"]", f.read(), re.M).group(1)
        setup(name="a", version=find_version("a", "__init__.py"))
        """,
        {"a/__init__.py": "__version__ = '2.0'\n"},
        {"name": "a", "version": FileAttr(path="a/__init__.py", name="__version__")},
        id="find-version-regex-helper",
    ),
    pytest.param(
        """
        from setuptools import setup
        exec(open("a/version.py").read())
        setup(name="a", version=__version__)
        """,
        {"a/__init__.py": "", "a/version.py": "__version__ = '3'\n"},
        {"name": "a", "version": FileAttr(path="a/version.py", name="__version__")},
        id="exec-open",
    ),
    pytest.param(
        """
        import os
        from setuptools import setup
        about = {}
        here = os.path.abspath(os.path.dirname(__file__))
        with open(os.path.join(here, "a", "__version__.py"), "r", encoding="utf-8") as f:
            exec(f.read(), about)
        setup(name=about["__title__"], version=about["__version__"])
        """,
        {"a/__init__.py": "", "a/__version__.py": "__title__ = 'a'\n__version__ = '3'\n"},
        {
            "name": FileAttr(path="a/__version__.py", name="__title__"),
            "version": FileAttr(path="a/__version__.py", name="__version__"),
        },
        id="requests-about-dict",
    ),
    pytest.param(
        """
        from setuptools import setup
        from a import __version__
        import a.sub as s
        setup(name="a", version=__version__, description=s.DESCRIPTION)
        """,
        {"a/__init__.py": "__version__ = '1'\n", "a/sub.py": "DESCRIPTION = 'x'\n"},
        {
            "name": "a",
            "version": Attr(dotted="a.__version__"),
            "description": Attr(dotted="a.sub.DESCRIPTION"),
        },
        id="import-from-project",
    ),
    pytest.param(
        """
        import sys
        from setuptools import setup, Extension
        from mybuild import BuildExt
        deps = ["x"]
        if sys.platform == "win32":
            deps = ["x", "pywin32"]
        V = "1"
        kw = dict(name="a", version=f"{V}.0")
        setup(install_requires=deps, ext_modules=[Extension("a._c", ["c.c"])],
              cmdclass={"build_ext": BuildExt},
              description="line one " "line two", url=f"{sys.prefix}", **kw)
        """,
        {},
        {
            "install_requires": Unresolved(source="deps"),
            "ext_modules": Unresolved(source='[Extension("a._c", ["c.c"])]'),
            "cmdclass": Unresolved(source='{"build_ext": BuildExt}'),
            "description": "line one line two",
            "url": Unresolved(source='f"{sys.prefix}"'),
            "name": "a",
            "version": "1.0",
        },
        id="unresolvable-things",
    ),
    pytest.param(
        """
        from distutils.core import setup as _setup
        def main():
            _setup(name="a", py_modules=["a"])
        if __name__ == "__main__":
            main()
        """,
        {},
        {"name": "a", "py_modules": ["a"]},
        id="inside-a-function",
    ),
]


@pytest.mark.parametrize(("source", "extra", "expected"), SETUP_STYLES)
def test_setup_py_styles(
    tmp_path: Path, source: str, extra: dict[str, str], expected: dict[str, object]
) -> None:
    assert kwargs_of(tmp_path, source, extra) == expected


def test_setup_py_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    kwargs = kwargs_of(
        tmp_path, f"open({str(marker)!r}, 'w').write('x')\nfrom setuptools import setup\nsetup(name='a')\n"
    )
    assert kwargs == {"name": "a"}
    assert not marker.exists()


def test_setup_py_without_setup_call(tmp_path: Path) -> None:
    write(tmp_path, {"setup.py": "print('hello')\n"})
    assert not read_setup_py(tmp_path / "setup.py").found


# --------------------------------------------------------------------------- translation


def migrate(tmp_path: Path, files: dict[str, str], **options: Any) -> Any:
    write(tmp_path, files)
    return init(tmp_path, InitOptions(from_setup=True, **options))


def test_migrate_full_setup_py(tmp_path: Path) -> None:
    report = migrate(tmp_path, {
        "setup.py": """
            from setuptools import setup, find_packages
            setup(
                name="demo", version="1.0", description="Demo", url="https://x.invalid",
                project_urls={"Source": "https://x.invalid/src"}, download_url="https://x.invalid/dl",
                author="A One, B Two", author_email="a@x.invalid, b@x.invalid",
                maintainer="M", license="Apache 2.0", keywords="one, two",
                long_description=open("README.md").read(), long_description_content_type="text/markdown",
                classifiers=["License :: OSI Approved :: Apache Software License", "Topic :: Utilities"],
                python_requires=">=3.9", install_requires=["requests>=2"],
                extras_require={"cli": ["click"], ":python_version<'3.11'": ["tomli"],
                                "win:sys_platform=='win32'": ["pywin32; python_version>'3'"]},
                entry_points={"console_scripts": ["demo = demo.cli:main"],
                              "gui_scripts": ["demog = demo.gui:main"],
                              "demo.plugins": ["x = demo.x"]},
                packages=find_packages(exclude=["tests"]), include_package_data=True,
                package_data={"demo": ["*.json"]}, zip_safe=False, tests_require=["pytest"],
                setup_requires=["setuptools>=40", "cffi"], platforms="any",
            )
        """,
        "README.md": "# demo\n",
    })  # fmt: skip
    data = toml(report)
    p = data["project"]
    assert p["name"] == "demo"
    assert p["version"] == "1.0"
    assert p["readme"] == "README.md"
    assert p["license"] == "Apache-2.0"
    assert p["classifiers"] == ["Topic :: Utilities"]
    assert p["authors"] == [
        {"name": "A One", "email": "a@x.invalid"},
        {"name": "B Two", "email": "b@x.invalid"},
    ]
    assert p["maintainers"] == [{"name": "M"}]
    assert p["keywords"] == ["one", "two"]
    assert p["urls"] == {"Homepage": "https://x.invalid", "Download": "https://x.invalid/dl",
                         "Source": "https://x.invalid/src"}  # fmt: skip
    assert p["dependencies"] == ["requests>=2", "tomli; python_version<'3.11'"]
    assert p["optional-dependencies"] == {
        "cli": ["click"], "win": ["pywin32; (python_version>'3') and (sys_platform=='win32')"]}  # fmt: skip
    assert p["scripts"] == {"demo": "demo.cli:main"}
    assert p["gui-scripts"] == {"demog": "demo.gui:main"}
    assert p["entry-points"] == {"demo.plugins": {"x": "demo.x"}}
    assert p["requires-python"] == ">=3.9"
    st = data["tool"]["setuptools"]
    assert st["packages"]["find"] == {"where": ["."], "exclude": ["tests"], "namespaces": False}
    assert st["include-package-data"] is True
    assert st["zip-safe"] is False
    assert st["package-data"] == {"demo": ["*.json"]}
    assert st["platforms"] == ["any"]
    assert data["build-system"]["requires"] == ["setuptools>=77", "cffi"]
    assert report.kept == ()
    assert any(d.startswith("tests_require") for d in report.dropped)
    assert any("Apache Software License" in d for d in report.dropped)
    assert not (tmp_path / "setup.py").exists()


def test_migrate_keeps_what_pyproject_cannot_express(tmp_path: Path) -> None:
    setup_py = """
        import os
        from setuptools import setup, Extension
        setup(name="c", version="0.1", description=os.environ.get("DESC", "d"), license="Custom",
              ext_modules=[Extension("c._x", ["x.c"])], py_modules=["c"], cmdclass={})
    """
    report = migrate(tmp_path, {"setup.py": setup_py, "LICENSE": "Custom\n"})
    data = toml(report)
    assert data["project"]["dynamic"] == ["description"]
    assert "description" not in data["project"]
    assert data["project"]["license"] == {"file": "LICENSE"}  # not SPDX; same text as the file
    assert data["build-system"]["requires"] == ["setuptools>=61"]
    kept = {"description", "ext_modules", "cmdclass"}
    assert set(report.kept) == {f"{k} (kept in setup.py)" for k in kept}
    assert report.duplicated == ()
    # Only the translated keywords leave the setup() call; every other byte stays.
    assert (tmp_path / "setup.py").read_text() == textwrap.dedent("""
        import os
        from setuptools import setup, Extension
        setup(description=os.environ.get("DESC", "d"),
              ext_modules=[Extension("c._x", ["x.c"])], cmdclass={})
    """)
    assert data["build-system"]["build-backend"] == "setuptools.build_meta"  # imports nothing local


def test_migrate_setup_cfg(tmp_path: Path) -> None:
    cfg = """
        [metadata]
        name = cfgdemo
        version = attr: cfgdemo.__version__
        description = A demo
        long_description = file: README.rst, CHANGES.rst
        license = MIT
        license_files = LICENSE
        classifiers =
            License :: OSI Approved :: MIT License
            Programming Language :: Python :: 3
        project_urls =
            Docs = https://docs.invalid

        [options]
        # where the code is
        package_dir =
            = src
        packages = find:
        install_requires =
            attrs>=20
            # a comment
            idna; python_version < "3.12"
        python_requires = >=3.9
        zip_safe = false

        [options.packages.find]
        where = src

        [options.extras_require]
        test = pytest; coverage

        [options.entry_points]
        console_scripts =
            cfgdemo = cfgdemo:main

        [bdist_wheel]
        universal = 1

        [flake8]
        max-line-length = 100
    """
    report = migrate(tmp_path, {"setup.cfg": cfg, "src/cfgdemo/__init__.py": "__version__ = '5'\n"})
    data = toml(report)
    p = data["project"]
    assert p["dynamic"] == ["version", "readme"]
    assert data["tool"]["setuptools"]["dynamic"] == {
        "version": {"attr": "cfgdemo.__version__"},
        "readme": {"file": ["README.rst", "CHANGES.rst"], "content-type": "text/x-rst"},
    }
    assert p["license"] == "MIT"
    assert p["license-files"] == ["LICENSE"]
    assert p["classifiers"] == ["Programming Language :: Python :: 3"]
    assert p["dependencies"] == ["attrs>=20", 'idna; python_version < "3.12"']
    assert p["optional-dependencies"] == {"test": ["pytest", "coverage"]}
    assert p["scripts"] == {"cfgdemo": "cfgdemo:main"}
    assert p["urls"] == {"Docs": "https://docs.invalid"}
    assert data["tool"]["setuptools"]["package-dir"] == {"": "src"}
    assert data["tool"]["setuptools"]["packages"]["find"] == {"where": ["src"], "namespaces": False}
    left = (tmp_path / "setup.cfg").read_text()
    assert "[metadata]" not in left
    assert "[options" not in left
    assert "[bdist_wheel]\nuniversal = 1\n" in left
    assert "[flake8]" in left
    assert report.version_source == "attr: cfgdemo.__version__"


def test_migrate_refusals_and_dry_run(tmp_path: Path) -> None:
    with pytest.raises(NotAProjectError):
        init(tmp_path, InitOptions(from_setup=True))
    write(tmp_path, {"setup.py": "from setuptools import setup\nimport n\nsetup(name=n.NAME + 'x')\n"})
    with pytest.raises(ProjectError, match="name"):
        init(tmp_path, InitOptions(from_setup=True))
    report = init(tmp_path, InitOptions(from_setup=True, name="given", dry_run=True))
    assert toml(report)["project"]["name"] == "given"
    assert not report.written
    assert not (tmp_path / "pyproject.toml").exists()
    assert (tmp_path / "setup.py").exists()
    write(tmp_path, {"setup.py": "setup(name='a'\n"})
    with pytest.raises(ProjectError, match="cannot read"):
        init(tmp_path, InitOptions(from_setup=True))


def test_keep_setup(tmp_path: Path) -> None:
    report = migrate(tmp_path, {"setup.py": "from setuptools import setup\nsetup(name='a', version='1')\n"},
                     keep_setup=True)  # fmt: skip
    assert (tmp_path / "setup.py").read_text() == "from setuptools import setup\nsetup()\n"
    assert report.duplicated == ()
    assert "setup.py (removed from setup(), now in pyproject.toml: name, version)" in report.changed_files


def test_kept_setup_py_loses_only_translated_keywords(tmp_path: Path) -> None:
    """Multi-line calls lose whole lines; comments, helpers and kept keywords stay; keywords
    that came through ``**kwargs`` cannot be cut and are reported as duplicated."""
    setup_py = """
        from setuptools import setup, Extension
        extra = dict(zip_safe=False)
        setup(
            name="c",
            version="1.0",  # the release
            # the C part
            ext_modules=[Extension("c", ["c.c"])],
            license="MIT",
            **extra
        )
    """
    report = migrate(tmp_path, {"setup.py": setup_py})
    assert (tmp_path / "setup.py").read_text() == textwrap.dedent("""
        from setuptools import setup, Extension
        extra = dict(zip_safe=False)
        setup(
            # the C part
            ext_modules=[Extension("c", ["c.c"])],
            **extra
        )
    """)
    assert report.duplicated == ("zip_safe",)


def test_kept_setup_py_importing_the_project_gets_the_legacy_backend(tmp_path: Path) -> None:
    """setuptools.build_meta does not put the project folder on sys.path: a kept setup.py that
    imports the project's own code would stop with "No module named 'docopt'"."""
    report = migrate(tmp_path, {
        "setup.py": """
            from setuptools import setup, Extension
            from docopt import __version__
            setup(name="docopt", version=__version__, py_modules=["docopt"],
                  ext_modules=[Extension("_speedups", ["s.c"])])
        """,
        "docopt.py": "__version__ = '0.6.2'\n",
    })  # fmt: skip
    data = toml(report)
    assert data["build-system"]["build-backend"] == "setuptools.build_meta:__legacy__"
    assert data["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "docopt.__version__"}
    assert any("__legacy__" in n and "docopt" in n for n in report.notes)
    # Fully translated (no ext_modules): setup.py goes, and so does the need for the legacy backend.
    other = migrate(tmp_path / "pure", {
        "setup.py": "from setuptools import setup\nfrom docopt import __version__\n"
                    "setup(name='docopt', version=__version__, py_modules=['docopt'])\n",
        "docopt.py": "__version__ = '0.6.2'\n",
    })  # fmt: skip
    assert toml(other)["build-system"]["build-backend"] == "setuptools.build_meta"


@pytest.mark.parametrize(
    ("setup_py", "files", "attr"),
    [
        pytest.param(  # the import names the folder: attr: must name the installed package
            "from setuptools import setup, find_packages\nfrom src.pkg import __version__\n"
            "setup(name='pkg', version=__version__, packages=find_packages('src'),\n"
            "      package_dir={'': 'src'})\n",
            {"src/pkg/__init__.py": "__version__ = '1.2'\n"},
            "pkg.__version__",
            id="from-src-import",
        ),
        pytest.param(  # click 7.1.2: a regex over the file inside a with block
            "import io, re\nfrom setuptools import setup, find_packages\n"
            "with io.open('src/click/__init__.py', 'rt', encoding='utf8') as f:\n"
            "    version = re.search(r'__version__ = \"(.*?)\"', f.read()).group(1)\n"
            "setup(name='click', version=version, packages=find_packages('src'), package_dir={'': 'src'})\n",
            {"src/click/__init__.py": "__version__ = '7.1.2'\n"},
            "click.__version__",
            id="with-open-regex",
        ),
        pytest.param(  # certifi 2022.12.7: the pattern in a constant, the match under an if
            "import re\nfrom setuptools import setup\n"
            "version_regex = r'__version__ = [\"\\']([^\"\\']*)[\"\\']'\n"
            "with open('certifi/__init__.py') as f:\n    text = f.read()\n"
            "    match = re.search(version_regex, text)\n    if match:\n        VERSION = match.group(1)\n"
            "    else:\n        raise RuntimeError('no version')\n"
            "setup(name='certifi', version=VERSION, packages=['certifi'])\n",
            {"certifi/__init__.py": "__version__ = '2022.12.07'\n"},
            "certifi.__version__",
            id="regex-under-if",
        ),
        pytest.param(  # find_packages(where="src") without package_dir: setuptools fills it
            "from setuptools import setup, find_packages\nexec(open('src/pkg/_v.py').read())\n"
            "setup(name='pkg', version=__version__, packages=find_packages(where='src'))\n",
            {"src/pkg/__init__.py": "", "src/pkg/_v.py": "__version__ = '3'\n"},
            "pkg._v.__version__",
            id="find-where-src",
        ),
    ],
)
def test_version_read_from_a_module_becomes_attr(
    tmp_path: Path, setup_py: str, files: dict[str, str], attr: str
) -> None:
    report = migrate(tmp_path, {"setup.py": setup_py, **files})
    assert toml(report)["tool"]["setuptools"]["dynamic"]["version"] == {"attr": attr}
    assert report.kept == ()
    assert not (tmp_path / "setup.py").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("MIT", "MIT"), ("mit", "MIT"), ("Apache 2.0", "Apache-2.0"), ("BSD-3-Clause", "BSD-3-Clause"),
     ("MIT OR Apache-2.0", "MIT OR Apache-2.0"), ("BSD", None), ("GPL", None), ("Public Domain", None),
     ("Copyright (c) me\nAll rights reserved", None)],
)  # fmt: skip
def test_spdx(text: str, expected: str | None) -> None:
    assert spdx_license(text) == expected


def test_dotted_module() -> None:
    assert dotted_module("src/pkg/_version.py", {"": "src"}) == "pkg._version"
    assert dotted_module("pkg/__init__.py", {}) == "pkg"
    assert dotted_module("lib/x.py", {"pkg": "lib"}) == "pkg.x"


def test_remove_options_keeps_everything_else() -> None:
    text = "# top\n[metadata]\nname = a\nclassifiers =\n    X\n    Y\n# keep me\nother = 1\n\n[x]\ny = 2\n"
    out = remove_options(text, {("metadata", "name"), ("metadata", "classifiers")})
    assert out == "# top\n[metadata]\n# keep me\nother = 1\n\n[x]\ny = 2\n"
    assert remove_options(text, {("metadata", None)}) == "# top\n[x]\ny = 2\n"


def test_migrate_keeps_an_in_tree_backend_and_other_tables(tmp_path: Path) -> None:
    report = migrate(tmp_path, {
        "pyproject.toml": """
            [build-system]
            requires = ["setuptools >= 47", "wheel", "expandvars"]
            backend-path = ["packaging"]  # in-tree
            build-backend = "pep517_backend.hooks"

            [tool.local]
            x = 1
        """,
        "setup.cfg": "[metadata]\nname = t\nversion = 1\nauthor = The Team <team@x.invalid>\n"
                     "author_email = team@x.invalid\n",
    })  # fmt: skip
    data = toml(report)
    assert data["build-system"] == {
        "requires": ["setuptools>=61", "expandvars"],
        "build-backend": "pep517_backend.hooks",
        "backend-path": ["packaging"],
    }
    assert data["tool"]["local"] == {"x": 1}
    assert data["project"]["authors"] == [{"name": "The Team", "email": "team@x.invalid"}]
    assert any("pep517_backend.hooks" in n for n in report.notes)
    assert not (tmp_path / "setup.cfg").exists()  # nothing was left in it


def test_module_constants_become_their_literal_or_stay(tmp_path: Path) -> None:
    """asciinema 2.1.0: ``author=asciinema.__author__`` is the literal in the module (never the
    marker's text, which once reached the metadata); a computed one stays in setup.py."""
    report = migrate(tmp_path, {
        "setup.py": """
            import asciinema
            from setuptools import setup, Extension
            setup(name="asciinema", version=asciinema.__version__, author=asciinema.__author__,
                  author_email="m@ku1ik.com", maintainer=asciinema.TEAM, packages=["asciinema"],
                  ext_modules=[Extension("x", ["x.c"])])
        """,
        "asciinema/__init__.py": "__author__ = 'Marcin Kulik'\n__version__ = '2.1.0'\nTEAM = ', '.join([])\n",
    })  # fmt: skip
    data = toml(report)
    assert data["project"]["authors"] == [{"name": "Marcin Kulik", "email": "m@ku1ik.com"}]
    assert "maintainer (kept in setup.py)" in report.kept
    assert data["project"]["dynamic"] == ["version", "maintainers"]
    assert "Attr(" not in report.text


def test_include_package_data_keeps_the_setup_py_default(tmp_path: Path) -> None:
    """pyproject.toml's default is true, setup.py's false: tqdm 4.45.0's MANIFEST.in adds
    tqdm/tests/*.py, which its wheel does not have and must not get."""
    report = migrate(tmp_path, {
        "setup.py": "from setuptools import setup\nsetup(name='a', version='1', packages=['a'])\n",
        "MANIFEST.in": "recursive-include a/tests *.py\n",
    })  # fmt: skip
    assert toml(report)["tool"]["setuptools"]["include-package-data"] is False
    assert any("include-package-data = false" in n for n in report.notes)
    given = migrate(tmp_path / "given", {
        "setup.py": "from setuptools import setup\n"
                    "setup(name='a', version='1', packages=['a'], include_package_data=True)\n",
    })  # fmt: skip
    assert toml(given)["tool"]["setuptools"]["include-package-data"] is True


def test_a_computed_version_is_reported_where_it_stays(tmp_path: Path) -> None:
    report = migrate(tmp_path, {
        "setup.py": "import subprocess\nfrom setuptools import setup\n"
                    "setup(name='a', version=subprocess.getoutput('git describe'), py_modules=['a'])\n",
    })  # fmt: skip
    assert report.version is None
    assert report.version_source == "setup.py"
    assert "version (kept in setup.py)" in report.kept
    assert (tmp_path / "setup.py").read_text().count("version=") == 1


def test_setup_py_wins_over_setup_cfg_as_in_setuptools(tmp_path: Path) -> None:
    """setuptools applies setup.cfg only to what ``setup()`` left unset or empty (checked with
    python -m build: version 2.0, summary from setup.py, author from setup.cfg).  Taking
    setup.cfg's placeholder version instead lost the real one."""
    report = migrate(tmp_path, {
        "setup.py": "from setuptools import setup\n"
                    "setup(name='prec', version='2.0', description='from setup.py', py_modules=['prec'],\n"
                    "      install_requires=[])\n",
        "setup.cfg": "[metadata]\nversion = 1.0\ndescription = from cfg\nauthor = cfg author\n\n"
                     "[options]\ninstall_requires =\n    attrs\n\n[bdist_wheel]\nuniversal = 1\n",
    })  # fmt: skip
    p = toml(report)["project"]
    assert (p["version"], p["description"]) == ("2.0", "from setup.py")
    assert p["authors"] == [{"name": "cfg author"}]
    assert p["dependencies"] == ["attrs"]  # setup.py's [] is empty: setup.cfg's list counts
    assert any("setup.py and setup.cfg both set description, version" in n for n in report.notes)
    assert (tmp_path / "setup.cfg").read_text() == "[bdist_wheel]\nuniversal = 1\n"  # dead options go too


@pytest.mark.parametrize(
    "version_code",
    [
        "version = re.search(r'__version__ = \"(.*?)\"', open('a/__init__.py').read()).group(1) + '.dev1'",
        "version = '{}.post1'.format(\n"
        "    re.search(r'__version__ = \"(.*?)\"', open('a/__init__.py').read()).group(1))",
    ],
    ids=["concatenated", "formatted"],
)
def test_a_composed_version_is_not_guessed(tmp_path: Path, version_code: str) -> None:
    """The file's ``__version__`` plus a suffix is not ``attr: a.__version__``: kept."""
    report = migrate(tmp_path, {
        "setup.py": f"import re\nfrom setuptools import setup\n{version_code}\n"
                    "setup(name='a', version=version, packages=['a'])\n",
        "a/__init__.py": '__version__ = "1.0"\n',
    })  # fmt: skip
    assert report.kept == ("version (kept in setup.py)",)
    assert report.version_source == "setup.py"


def test_kept_setup_py_with_crlf_line_endings(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_bytes(
        b"from setuptools import setup, Extension\r\nsetup(\r\n    name='c',\r\n"
        b"    ext_modules=[Extension('c', ['c.c'])],\r\n    version='1',  # release\r\n)\r\n"
    )
    init(tmp_path, InitOptions(from_setup=True))
    assert (tmp_path / "setup.py").read_bytes() == (
        b"from setuptools import setup, Extension\r\nsetup(\r\n"
        b"    ext_modules=[Extension('c', ['c.c'])],\r\n)\r\n"
    )
