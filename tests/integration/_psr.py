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


def psr_next(repo: Repo, *, tag_format: str = "v{version}", parser_options: str = "") -> str:
    """The version python-semantic-release would release next (the current one when it would
    release nothing).  PSR reads only its ``-c`` file here, never the project's settings."""
    config = repo.home / "psr.toml"
    config.write_text(PSR_CONFIG.format(tag_format=tag_format, parser_options=parser_options))
    if not repo.git("remote", check=False):
        repo.git("remote", "add", "origin", "https://github.com/example/demo.git")  # PSR needs one
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "semantic-release"), "-c", str(config), "--noop",
         "version", "--print"],
        cwd=repo.path, env=repo.env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, f"semantic-release failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout.strip().splitlines()[-1]
