"""python-semantic-release, the reference for "which version comes next": run its real CLI
(``semantic-release --noop version --print``) on a repository a test made, with its default
conventional-commits parser, and read the version it prints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.integration._gitrepo import Repo

#: PSR's defaults, written out: the conventional parser (squash commits parsed, merges ignored).
PSR_CONFIG = """\
[semantic_release]
commit_parser = "conventional"
tag_format = "{tag_format}"

[semantic_release.commit_parser_options]
{parser_options}
"""


def psr(repo: Repo, *args: str, config: str | None = None) -> str:
    """Run ``semantic-release ARGS`` in ``repo`` (with ``config`` as its ``-c`` file; None: the
    project's own pyproject.toml) and return its standard output."""
    options: list[str] = []
    if config is not None:
        path = repo.home / "psr.toml"
        path.write_text(config)
        options = ["-c", str(path)]
    if not repo.git("remote", check=False):
        repo.git("remote", "add", "origin", "https://github.com/example/demo.git")  # PSR needs one
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "semantic-release"), *options, *args],
        cwd=repo.path, env=repo.env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, f"semantic-release failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def psr_next(
    repo: Repo, *, tag_format: str = "v{version}", parser_options: str = "", own_config: bool = False
) -> str:
    """The version python-semantic-release would release next (the current one when it would
    release nothing).  PSR reads only its defaults (and ``tag_format``, ``parser_options``),
    or with ``own_config`` the project's ``[tool.semantic_release]``."""
    config = None if own_config else PSR_CONFIG.format(tag_format=tag_format, parser_options=parser_options)
    return psr(repo, "--noop", "version", "--print", config=config).strip().splitlines()[-1]
