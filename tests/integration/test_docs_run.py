"""The documentation runs as written: every command and code example of README.md, docs/guide.md,
docs/API.md and docs/INTEGRATIONS.md, in order, with its output compared where the page shows it
(the rules and directives: tests/integration/_docrun.py).  Publishing goes to a pypiserver on
loopback; a block that cannot run here says why on the page, in a directive."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PACKAGES, ROOT, git, git_env
from tests.integration._docrun import Block, Session, parse, run_block
from tests.integration.test_self import hwb_wheel  # noqa: F401 - a fixture: hwb's wheel from this checkout

PAGES = ["README.md", "docs/guide.md", "docs/API.md", "docs/INTEGRATIONS.md"]


@pytest.fixture(scope="module")
def pypiserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tests.integration.publish_servers import start_pypiserver

    yield from start_pypiserver(tmp_path_factory.mktemp("pypiserver"))


def _session(tmp_path: Path, pypiserver: Any) -> Session:
    folder = tmp_path / "work"
    folder.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    tiny = tmp_path / "tiny"
    shutil.copytree(PACKAGES / "tiny-backend", tiny)
    legacy = tmp_path / "legacy"
    shutil.copytree(PACKAGES / "an-legacy-setup-py", legacy)
    repo = tmp_path / "tiny-repo"
    shutil.copytree(PACKAGES / "tiny-backend", repo)
    git(repo, "init", "-q", "-b", "main", home=home)
    git(repo, "add", "-A", home=home)
    git(repo, "commit", "-q", "-m", "feat: tiny", home=home)
    git(repo, "tag", "v0.3.0", home=home)
    env = {
        **git_env(home),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(ROOT / "src"),
        "HWB_LOG_DIR": str(tmp_path / "logs"),
        "HWB_USER_CONFIG": "",
        "COLUMNS": "200",
        "NO_COLOR": "1",
    }
    for name in (
        "FORCE_COLOR",
        "HWB_PUBLISH_TOKEN",
        "HWB_PUBLISH_USERNAME",
        "HWB_PUBLISH_PASSWORD",
        "TWINE_USERNAME",
        "TWINE_PASSWORD",
        "GITHUB_ACTIONS",
        "GITLAB_CI",
        "CI",
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "CI_JOB_TOKEN",
        "GITLAB_TOKEN",
    ):
        env.pop(name, None)
    values = {
        "repo": str(ROOT),
        "python": sys.executable,
        "pypi": pypiserver.url,
        "pypi_user": pypiserver.username,
        "pypi_password": pypiserver.password,
        "tiny": str(tiny),
        "git_url": f"git+file://{repo}@v0.3.0",
        "tiny_repo": str(repo),
        "legacy": str(legacy),
        "folder": str(folder),
    }
    return Session(folder=folder, env=env, values=values)


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_the_page_runs_as_written(
    page: str, tmp_path: Path, pypiserver: Any, request: pytest.FixtureRequest
) -> None:
    steps, file_wide = parse(ROOT / page)
    session = _session(tmp_path, pypiserver)
    if "{hwb_wheel}" in (ROOT / page).read_text(encoding="utf-8"):  # the nox and tox recipes install it
        session.values["hwb_wheel"] = str(request.getfixturevalue("hwb_wheel"))
    session.shown_folder = file_wide.get("folder")
    done: list[str] = []
    for step in steps:
        if isinstance(step, Block):
            done.append(f"{step.where}: {run_block(step, session, ROOT)}")
        else:
            session.shell(session.expand(step.command), where=f"{step.path.name}:{step.line} (run)")
    ran = [line for line in done if not line.split(": ", 1)[1].startswith("skipped")]
    assert ran, f"{page}: nothing ran"


def test_a_wrong_output_in_the_docs_is_caught(tmp_path: Path) -> None:
    """The comparison can fail: a page whose shown output differs from the real one."""
    page = tmp_path / "page.md"
    page.write_text(
        "```console\n$ echo hello from 1.5s on 2026-01-02\nhello from 9.9s on 2031-12-30\n"
        "$ echo two\nthree\n```\n"
    )
    steps, _ = parse(page)
    session = Session(folder=tmp_path, env=dict(os.environ), values={})
    block = steps[0]
    assert isinstance(block, Block)
    with pytest.raises(AssertionError, match="the docs show\n  three"):
        run_block(block, session, ROOT)


def test_a_block_that_cannot_run_needs_a_directive(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```toml\n[tool.hwb]\n```\n\n<!-- docs-test: skip: covered by tests/x.py::test_nothing -->\n"
        "```toml\n[x]\n```\n"
    )
    steps, _ = parse(page)
    session = Session(folder=tmp_path, env=dict(os.environ), values={})
    first, second = steps
    assert isinstance(first, Block)
    assert isinstance(second, Block)
    with pytest.raises(AssertionError, match="cannot run by itself"):
        run_block(first, session, ROOT)
    with pytest.raises((AssertionError, FileNotFoundError)):
        run_block(second, session, ROOT)  # the named test does not exist
