"""hwb where users already work: the pytest plugin (pytester, a real small project), the MCP
server (the SDK's own client over stdio), the pre-commit hooks (a real git repository and real
commits), the composite action, the Dockerfile (built where Docker runs) and the packaging
recipes (parsed; `ruby -c` where Ruby exists)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PACKAGES, ROOT, git, git_env

pytest_plugins = ("pytester",)
BIN = Path(sys.executable).parent


# --- the pytest plugin --------------------------------------------------------------------

PLUGIN_TESTS = """
import sys

def test_runs_against_the_installed_wheel(hwb_wheel_env):
    result = hwb_wheel_env.run("python", "-c", "import tiny; print(tiny.__file__, tiny.VALUE)")
    assert "site-packages" in result.output
    assert result.output.strip().endswith("42")
    assert hwb_wheel_env.wheel.name.startswith("tiny_pkg-0.3.0-")
    assert hwb_wheel_env.python != sys.executable

def test_same_environment_for_the_whole_session(hwb_wheel_env):
    assert len(list(hwb_wheel_env.wheel.parent.glob("*.whl"))) == 1
    assert hwb_wheel_env.run("python", "-c", "raise SystemExit(3)", check=False).returncode == 3
"""


@pytest.fixture
def plugin_project(pytester: pytest.Pytester) -> Path:
    shutil.copytree(PACKAGES / "tiny-backend", pytester.path, dirs_exist_ok=True)
    pytester.makepyfile(test_wheel=PLUGIN_TESTS)
    return pytester.path


def test_pytest_plugin_builds_once_and_installs_the_wheel(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    result = pytester.runpytest_subprocess("--hwb-wheel", "-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=2)


def test_pytest_plugin_skips_without_the_flag(pytester: pytest.Pytester, plugin_project: Path) -> None:
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["*run pytest with --hwb-wheel*"])


def test_pytest_plugin_reports_a_build_failure(pytester: pytest.Pytester, plugin_project: Path) -> None:
    pyproject = plugin_project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"tinybackend"', '"nosuchbackend"'))
    result = pytester.runpytest_subprocess("--hwb-wheel", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*hwb could not build and install*", "*nosuchbackend*"])


def test_a_failed_build_under_pytest_names_no_flag_of_the_cli(
    pytester: pytest.Pytester, plugin_project: Path
) -> None:
    """pytest's -v is not hwb's: the hint of a failing backend says where the output is, without
    telling the reader to pass -v (the CLI's hint does: tests/golden/errors/backend-raised.txt)."""
    pyproject = plugin_project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.hwb]\nconfig-settings = {mode = "raise"}\n')
    result = pytester.runpytest_subprocess("--hwb-wheel", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*the output above shows the backend's error*"])
    assert "`-v`" not in result.stdout.str()


# --- the MCP server -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def pypiserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tests.integration.publish_servers import start_pypiserver

    yield from start_pypiserver(tmp_path_factory.mktemp("pypiserver"))


@pytest.fixture(scope="module")
def tiny_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from headless_wheel_builder import api

    src = tmp_path_factory.mktemp("src") / "tiny"
    shutil.copytree(PACKAGES / "tiny-backend", src)
    out = tmp_path_factory.mktemp("dist")
    api.build(src, api.BuildOptions(outdir=out))
    return out


def _mcp(root: Path, env: dict[str, str], calls: list[tuple[str, dict[str, Any]]], *extra: str) -> Any:
    """Start `hwb mcp` as a subprocess, list its tools and make ``calls`` with the SDK's client."""
    import anyio
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "headless_wheel_builder", "mcp", "--root", str(root), *extra],
        env=env,
        cwd=str(root),
    )

    async def main() -> Any:
        async with Client(params, read_timeout_seconds=120) as client:
            tools = await client.list_tools()
            results = [await client.call_tool(name, args) for name, args in calls]
            return tools, results

    return anyio.run(main)


def _structured(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    if result.structured_content:
        return dict(result.structured_content.get("result", result.structured_content))
    return dict(json.loads(result.content[0].text))


def test_mcp_server_over_stdio(tmp_path: Path, pypiserver: Any, tiny_dist: Path) -> None:
    project = tmp_path / "tiny"
    shutil.copytree(PACKAGES / "tiny-backend", project)
    env = {
        **os.environ,
        "HWB_LOG_DIR": str(tmp_path / "logs"),
        "HWB_PUBLISH_USERNAME": pypiserver.username,
        "HWB_PUBLISH_PASSWORD": pypiserver.password,
    }
    files = [str(p) for p in sorted(tiny_dist.iterdir())]
    tools, (inspected, dry, refused, missing) = _mcp(
        project,
        env,
        [
            ("inspect", {"source": "."}),
            ("publish", {"paths": files, "repository": pypiserver.url}),
            ("publish", {"paths": files, "repository": pypiserver.url, "dry_run": False}),
            ("inspect", {"source": "no-such-folder"}),
        ],
    )
    assert {t.name for t in tools.tools} >= {"inspect", "build", "check", "matrix", "publish"}
    info = _structured(inspected)
    assert (info["name"], info["version"], info["backend"]) == ("tiny-pkg", "0.3.0", "tinybackend")
    report = _structured(dry)
    assert report["dry_run"] is True
    assert sorted(f["status"] for f in report["files"]) == ["would-upload", "would-upload"]
    # dry_run=false is refused without --allow-publish: still a dry run, and nothing was uploaded.
    not_allowed = _structured(refused)
    assert not_allowed["dry_run"] is True
    assert "--allow-publish" in not_allowed["note"]
    import httpx

    assert httpx.get(f"{pypiserver.url.rstrip('/')}/simple/tiny-pkg/", timeout=10).status_code == 404
    assert missing.is_error
    assert "does not exist" in missing.content[0].text or "not found" in missing.content[0].text.lower()


def test_mcp_tools_take_the_same_sources_and_option_values_as_the_cli(tmp_path: Path, git_repo: Path) -> None:
    """Every tool with good and bad arguments, through the SDK's client: git URLs reach build,
    matrix and inspect as sources (not as paths); a value outside an option's choices is a tool
    error naming the valid ones before anything runs; schemas and annotations come from the
    registry."""
    from headless_wheel_builder.config.registry import BY_NAME

    url = f"git+file://{git_repo}@v0.3.0"
    env = {**os.environ, "HWB_LOG_DIR": str(tmp_path / "logs")}
    wheel_dir = tmp_path / "from-git"
    tools, results = _mcp(
        tmp_path,
        env,
        [
            ("inspect", {"source": url}),
            ("build", {"source": url, "outdir": str(wheel_dir), "distributions": ["wheel"]}),
            ("matrix", {"source": url}),
            ("check", {"paths": [str(wheel_dir)], "strict": False}),
            ("build", {"source": url, "outdir": "never", "distributions": ["bogus"]}),
            ("check", {"paths": "not-a-list"}),
            ("build", {"source": "git+file:///no/such/repo.git", "outdir": "never"}),
        ],
    )
    inspected, built, planned, checked, bogus, not_a_list, no_repo = results
    assert _structured(inspected)["name"] == "tiny-pkg"
    assert [a["filename"] for a in _structured(built)["artifacts"]] == ["tiny_pkg-0.3.0-py3-none-any.whl"]
    assert (wheel_dir / "tiny_pkg-0.3.0-py3-none-any.whl").is_file()
    assert _structured(planned)["builds"], "the plan of a git source lists what it builds"
    assert _structured(checked)["ok"] is True
    assert bogus.is_error
    text = bogus.content[0].text
    assert all(choice in text for choice in BY_NAME["distributions"].choices), text
    assert "build_bogus" not in text
    assert "AttributeError" not in text
    assert not (tmp_path / "never").exists()
    assert not_a_list.is_error
    assert "paths" in not_a_list.content[0].text
    assert no_repo.is_error
    assert "<root>" not in no_repo.content[0].text
    assert "source not found: " + str(tmp_path) not in no_repo.content[0].text

    by_name = {t.name: t for t in tools.tools}
    schema = by_name["build"].input_schema
    dist = schema["properties"]["distributions"]
    assert dist["anyOf"][0]["items"]["enum"] == list(BY_NAME["distributions"].choices)
    assert dist["description"].startswith(BY_NAME["distributions"].help)
    assert schema["properties"]["outdir"]["default"] == BY_NAME["outdir"].default
    assert by_name["check"].input_schema["properties"]["strict"]["description"].startswith(
        BY_NAME["strict"].help)
    hints = {name: tool.annotations for name, tool in by_name.items()}
    assert all(hints[name].read_only_hint for name in ("inspect", "check", "matrix"))
    assert hints["publish"].destructive_hint
    assert not hints["publish"].read_only_hint
    assert not hints["build"].read_only_hint
    assert not hints["build"].destructive_hint


@pytest.fixture(scope="session")
def mcp_inspector() -> str:
    """The MCP Inspector's CLI (npm package, installed once into the test cache).  Skipped only
    where node or npm is missing; an install failure is a failure."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("the MCP Inspector runs under node: node and npm are not installed")
    cache = Path(os.environ.get("HWB_TEST_CACHE") or Path.home() / ".cache" / "hwb-tests") / "mcp-inspector"
    binary = cache / "node_modules" / ".bin" / "mcp-inspector"
    if not binary.exists():
        cache.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(cache),
                               "@modelcontextprotocol/inspector"], capture_output=True, text=True,
                              check=False, timeout=600)
        assert done.returncode == 0, f"npm install failed:\n{done.stdout}{done.stderr}"
    return str(binary)


def test_mcp_inspector_cli_lists_and_calls_the_tools(mcp_inspector: str, tmp_path: Path) -> None:
    project = tmp_path / "tiny"
    shutil.copytree(PACKAGES / "tiny-backend", project)
    env = {**os.environ, "HWB_LOG_DIR": str(tmp_path / "logs")}

    def inspector(*args: str) -> dict[str, Any]:
        done = subprocess.run([mcp_inspector, "--cli", sys.executable, "-m", "headless_wheel_builder", "mcp",
                               "--root", str(project), *args], capture_output=True, text=True, check=False,
                              env=env, timeout=300)
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout))

    listed = inspector("--method", "tools/list")
    assert {t["name"] for t in listed["tools"]} == {"inspect", "build", "check", "matrix", "publish"}
    publish = next(t for t in listed["tools"] if t["name"] == "publish")
    assert publish["annotations"]["destructiveHint"] is True
    called = inspector("--method", "tools/call", "--tool-name", "build", "--tool-arg", "outdir=out",
                       "--tool-arg", 'distributions=["wheel"]')
    assert not called.get("isError"), called
    assert [p.name for p in (project / "out").iterdir()] == ["tiny_pkg-0.3.0-py3-none-any.whl"]
    refused = inspector("--method", "tools/call", "--tool-name", "build", "--tool-arg",
                        'distributions=["bogus"]')
    assert refused["isError"] is True
    assert "'sdist', 'wheel' or 'editable'" in refused["content"][0]["text"]


def test_mcp_server_uploads_only_when_allowed(tmp_path: Path, pypiserver: Any, tiny_dist: Path) -> None:
    env = {
        **os.environ,
        "HWB_LOG_DIR": str(tmp_path / "logs"),
        "HWB_PUBLISH_USERNAME": pypiserver.username,
        "HWB_PUBLISH_PASSWORD": pypiserver.password,
    }
    wheel = next(str(p) for p in tiny_dist.glob("*.whl"))
    _, (done,) = _mcp(
        tmp_path,
        env,
        [("publish", {"paths": [wheel], "repository": pypiserver.url, "dry_run": False})],
        "--allow-publish",
    )
    report = _structured(done)
    assert report["dry_run"] is False
    assert [f["status"] for f in report["files"]] == ["uploaded"]


# --- pre-commit hooks ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A one-commit snapshot of this working tree (what pip installs, plus the hook manifest):
    pre-commit installs the hook environment from it, once per run."""
    snap = tmp_path_factory.mktemp("hwb-snapshot")
    for name in ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml"):
        shutil.copy2(ROOT / name, snap / name)
    shutil.copytree(ROOT / "src", snap / "src", ignore=shutil.ignore_patterns("__pycache__"))
    home = tmp_path_factory.mktemp("home")
    git(snap, "init", "-q", "-b", "main", home=home)
    git(snap, "add", "-A", home=home)
    git(snap, "commit", "-q", "-m", "snapshot", home=home)
    return snap, git(snap, "rev-parse", "HEAD", home=home)


def test_pre_commit_hooks_in_a_real_repository(hooks_repo: tuple[Path, str], tmp_path: Path) -> None:
    snap, rev = hooks_repo
    repo, home = tmp_path / "user-project", tmp_path / "home"
    repo.mkdir()
    home.mkdir()
    env = {**git_env(home), "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    git(repo, "init", "-q", "-b", "main", home=home)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {snap}\n    rev: {rev}\n    hooks:\n"
        "      - id: hwb-check-config\n      - id: hwb-commit-msg\n"
    )
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "1.0"\n\n[tool.hwb]\noutdir = "out"\n'
    )
    precommit = str(BIN / "pre-commit")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, cwd=repo, env=env, capture_output=True, text=True, timeout=300, check=False
        )

    installed = run(precommit, "install", "--hook-type", "pre-commit", "--hook-type", "commit-msg")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    run("git", "add", "-A")
    good = run("git", "commit", "-q", "-m", "feat: start the demo project")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "hwb config check" in good.stdout + good.stderr
    # At pre-commit only: the manifest gives hwb-check-config its stages (not commit-msg too).
    assert (good.stdout + good.stderr).count("hwb config check") == 1, good.stdout + good.stderr

    bad_message = run("git", "commit", "-q", "--allow-empty", "-m", "added some stuff")
    assert bad_message.returncode != 0
    assert "hwb version lint" in bad_message.stdout + bad_message.stderr
    assert "Conventional Commits" in bad_message.stdout + bad_message.stderr or "type" in bad_message.stdout
    # The commit was not made: the hint says to edit the message, not to amend a commit.
    assert "edit the message and commit again" in bad_message.stdout + bad_message.stderr
    assert "--amend" not in bad_message.stdout + bad_message.stderr

    (repo / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "1.0"\n\n[tool.hwb]\noutdri = "out"\n'
    )
    run("git", "add", "-A")
    bad_config = run("git", "commit", "-q", "-m", "fix: change the output folder")
    assert bad_config.returncode != 0
    assert "did you mean 'outdir'" in bad_config.stdout + bad_config.stderr
    assert "exit code: 3" in bad_config.stdout + bad_config.stderr


# --- the composite action, the Dockerfile and the packaging recipes ----------------------------


def test_action_yml_is_a_valid_safe_composite_action() -> None:
    schema = subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.github-actions", ROOT / "action.yml"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
    audit = subprocess.run(
        [BIN / "zizmor", "--offline", "--no-progress", ROOT / "action.yml"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    text = (ROOT / "action.yml").read_text()
    assert (
        "${{ inputs.command }}" not in text.split("HWB_ARGS:")[0].split("run:")[-1]
    )  # inputs reach run: via env


def _docker_problem() -> str | None:
    docker = shutil.which("docker")
    if docker is None:
        return "docker is not installed"
    info = subprocess.run([docker, "info"], capture_output=True, text=True, check=False, timeout=60)
    if info.returncode != 0:
        last = (info.stderr or info.stdout).strip().splitlines()[-1:]
        return f"docker info failed (no daemon running?): {' '.join(last)}"
    return None


def _local_cas() -> str:
    """The CA certificates added to this host (a TLS-intercepting proxy's), for pip in the image."""
    named = os.environ.get("HWB_DOCKER_CA_BUNDLE")
    files = [Path(named)] if named else sorted(Path("/usr/local/share/ca-certificates").glob("*.crt"))
    return "".join(f.read_text() for f in files if f.is_file())


@pytest.mark.slow
def test_dockerfile_builds_an_image_that_runs_hwb(tmp_path: Path) -> None:
    problem = _docker_problem()
    if problem:
        pytest.skip(problem)
    candidates = [os.environ.get("HWB_DOCKER_BASE_IMAGE") or "python:3.12-slim", "hwb-test/py:bookworm"]
    base = next(
        (
            image
            for image in candidates
            if subprocess.run(
                ["docker", "image", "inspect", image], capture_output=True, check=False
            ).returncode
            == 0
        ),
        None,
    )
    if base is None:
        pulled = subprocess.run(
            ["docker", "pull", candidates[0]], capture_output=True, text=True, check=False, timeout=300
        )
        if pulled.returncode != 0:
            pytest.skip(
                f"no base image: {candidates[0]} cannot be pulled and hwb-test/py:bookworm (.ci/engines.py) "
                f"is not built; set HWB_DOCKER_BASE_IMAGE: {pulled.stderr.strip()[-200:]}"
            )
        base = candidates[0]
    tag = f"hwb-test-image:{os.getpid()}"
    cmd = ["docker", "build", "--build-arg", f"BASE={base}", "-t", tag, str(ROOT)]
    if cas := _local_cas():
        cmd[2:2] = ["--build-arg", f"CA_BUNDLE_PEM={cas}"]
    built = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=900)
    try:
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
        ran = subprocess.run(
            ["docker", "run", "--rm", tag, "--version"],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.startswith("hwb ")
        user = subprocess.run(["docker", "image", "inspect", "-f", "{{.Config.User}}", tag],
                              capture_output=True, text=True, check=True).stdout.strip()
        assert user == "hwb", "the image runs as a non-root user by default"
        _image_builds_as_any_user(tag, tmp_path)
    finally:
        subprocess.run(["docker", "image", "rm", "-f", tag], capture_output=True, check=False)


def _image_builds_as_any_user(tag: str, tmp_path: Path) -> None:
    """The image builds a mounted project as its own user, as a uid it does not know (HOME=/),
    and says which variable to fix when HWB_CACHE_DIR cannot be written."""
    project = tmp_path / "project"
    shutil.copytree(PACKAGES / "tiny-backend", project)
    for path in [project, *project.rglob("*")]:
        path.chmod(0o777 if path.is_dir() else 0o666)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["docker", "run", "--rm", "-v", f"{project}:/src", "-w", "/src", *args],
                              capture_output=True, text=True, check=False, timeout=600)

    as_image_user = run(tag, "build", ".", "-o", "out-default")
    assert as_image_user.returncode == 0, as_image_user.stderr
    assert "temporary folder" not in as_image_user.stderr  # the image's user has a home
    unknown = run("--user", "12345:12345", tag, "build", ".", "-o", "out-unknown")
    assert unknown.returncode == 0, unknown.stderr
    assert "internal error" not in unknown.stderr
    assert "/tmp/hwb-12345" in unknown.stderr
    assert "HWB_CACHE_DIR" in unknown.stderr
    for out in ("out-default", "out-unknown"):
        assert sorted(p.name for p in (project / out).iterdir()) == [
            "tiny_pkg-0.3.0-py3-none-any.whl", "tiny_pkg-0.3.0.tar.gz"]
    unwritable = run("--user", "12345:12345", "-e", "HWB_CACHE_DIR=/etc/hwb-cache", tag, "build", ".",
                     "-o", "out-never")
    assert unwritable.returncode == 4, unwritable.stderr
    assert "HWB_CACHE_DIR" in unwritable.stderr
    assert "internal error" not in unwritable.stderr
    assert not (project / "out-never").exists()


def _pyproject_dependencies() -> list[str]:
    import tomllib
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return [canonicalize_name(Requirement(d).name) for d in data["project"]["dependencies"]]


#: PyPI name -> conda-forge name, where they differ.
CONDA_NAMES = {"build": "python-build"}


def test_conda_recipe_renders_to_yaml_with_every_dependency() -> None:
    import jinja2
    import yaml
    from packaging.utils import canonicalize_name

    text = (ROOT / "packaging" / "conda-forge" / "meta.yaml").read_text()
    rendered = (
        jinja2.Environment(undefined=jinja2.StrictUndefined)
        .from_string(text)
        .render(PYTHON="python", python_min="3.10")
    )
    recipe = yaml.safe_load(rendered)
    assert recipe["package"]["name"] == "headless-wheel-builder"
    assert recipe["build"]["entry_points"] == ["hwb = headless_wheel_builder.cli.main:main"]
    assert "hwb --version" in recipe["test"]["commands"]
    run = {canonicalize_name(str(r).split()[0]) for r in recipe["requirements"]["run"]}
    missing = [d for d in _pyproject_dependencies() if canonicalize_name(CONDA_NAMES.get(d, d)) not in run]
    assert not missing, f"add to packaging/conda-forge/meta.yaml requirements.run: {missing}"
    assert recipe["package"]["version"] in recipe["source"]["url"]


def test_homebrew_formula_is_valid_ruby() -> None:
    formula = ROOT / "packaging" / "homebrew" / "hwb.rb"
    ruby = shutil.which("ruby")
    if ruby is not None:
        checked = subprocess.run([ruby, "-c", formula], capture_output=True, text=True, check=False)
        assert checked.returncode == 0, checked.stderr
        assert "Syntax OK" in checked.stdout
    text = formula.read_text()
    # Structure (and, without Ruby, a rough balance check of the blocks).
    assert re.search(r"^class Hwb < Formula$", text, re.M)
    for needle in (
        "include Language::Python::Virtualenv",
        "virtualenv_install_with_resources",
        'license "MIT"',
        'depends_on "python@3.12"',
        "test do",
        "/hwb --version",
    ):
        assert needle in text
    assert re.search(
        r'^  url "https://files\.pythonhosted\.org/.+/headless_wheel_builder-[\d.]+\.tar\.gz"$', text, re.M
    )
    code = [line.split("#", 1)[0] for line in text.splitlines()]
    opens = sum(len(re.findall(r"^\s*(class|def)\b|\bdo\s*(\|.*\|)?\s*$", line)) for line in code)
    ends = sum(1 for line in code if line.strip() == "end")
    assert opens == ends, f"{opens} blocks opened, {ends} closed"
