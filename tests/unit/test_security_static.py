"""Static security checks on hwb's own source (docs/SECURITY.md): TLS verification is never
turned off in code, and only _proc.py starts processes (never through a shell)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "headless_wheel_builder"

#: Ways Python code turns certificate or hostname checks off.
TLS_OFF = [
    re.compile(r"verify\s*=\s*False"),
    re.compile(r"_create_unverified_context"),
    re.compile(r"CERT_NONE"),
    re.compile(r"check_hostname\s*=\s*False"),
    re.compile(r"PYTHONHTTPSVERIFY"),
    re.compile(r"ssl_verify\s*=\s*False|verify_ssl\s*=\s*False|insecure\s*=\s*True"),
    re.compile(r"disable_warnings\("),
    re.compile(r"--trusted-host|--insecure|sslVerify=false|http\.sslVerify", re.I),
]
SHELL = [re.compile(r"shell\s*=\s*True"), re.compile(r"os\.system\(|os\.popen\(|\bpty\.spawn\(")]


def _sources() -> list[Path]:
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 50  # the walk found the package
    return files


def _hits(patterns: list[re.Pattern[str]]) -> list[str]:
    found = []
    for path in _sources():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if any(p.search(line) for p in patterns):
                found.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    return found


def test_tls_verification_is_never_disabled_in_src() -> None:
    assert _hits(TLS_OFF) == []


def test_nothing_runs_through_a_shell() -> None:
    assert _hits(SHELL) == []


@pytest.mark.parametrize(
    "line",
    ["requests.post(url, verify=False)", "ctx = ssl._create_unverified_context()",
     "ctx.check_hostname = False", "os.system('x')", "subprocess.run(cmd, shell=True)"],
)  # fmt: skip
def test_the_patterns_catch_what_they_are_for(line: str) -> None:
    assert any(p.search(line) for p in TLS_OFF + SHELL)


def test_only_proc_imports_subprocess() -> None:
    users = [
        str(path.relative_to(SRC))
        for path in _sources()
        if re.search(
            r"^\s*(import subprocess|from subprocess import)", path.read_text(encoding="utf-8"), re.M
        )
    ]
    assert users == ["_proc.py"]


# -- one door to git -----------------------------------------------------------------------

#: The module that runs git (docs/SECURITY.md, "Git").
GIT_DOOR = "_git.py"


def _git_launches(text: str) -> list[int]:
    """Lines of ``text`` that start git themselves: an argument list beginning with the git
    program (``["git", …]``, ``("git", …)``, ``[git, …]`` from ``which("git")``), or a lookup
    of the git program."""
    import ast

    tree = ast.parse(text)
    compared = {id(c) for n in ast.walk(tree) if isinstance(n, ast.Compare) for c in n.comparators}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.List | ast.Tuple) and node.elts and id(node) not in compared:
            first = node.elts[0]
            if (isinstance(first, ast.Constant) and first.value in ("git", "git.exe")) or (
                isinstance(first, ast.Name) and first.id in ("git", "git_exe", "git_path")
            ):
                found.append(node.lineno)
        elif isinstance(node, ast.Call) and any(
            isinstance(a, ast.Constant) and a.value == "git" for a in node.args
        ):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ("which", "capture", "run", "Popen"):
                found.append(node.lineno)
    return found


def test_only_the_git_module_runs_git() -> None:
    launches = [
        f"{path.relative_to(SRC)}:{line}"
        for path in _sources()
        if path.name != GIT_DOOR or path.parent != SRC
        for line in _git_launches(path.read_text(encoding="utf-8"))
    ]
    assert launches == [], "run git through headless_wheel_builder._git.run"
    assert _git_launches((SRC / GIT_DOOR).read_text(encoding="utf-8"))  # the check sees the door


@pytest.mark.parametrize(
    "code",
    ['_proc.capture(["git", "log"], cwd=root)', 'git = _proc.which("git")\n_proc.run([git, "tag"])',
     'args = ("git", "-C", repo)', '_proc.which("git")', 'subprocess.Popen("git")'],
)  # fmt: skip
def test_the_git_check_catches_what_it_is_for(code: str) -> None:
    assert _git_launches(code)


def test_the_git_check_lets_other_uses_of_the_word_pass() -> None:
    assert _git_launches('if kind in ("git", "directory"):\n    name = "git"') == []


def test_repository_config_keys_that_run_programs_are_recognised() -> None:
    """The keys of a repository's config that name programs, read from ``git config --list
    --show-scope -z``; the user's values of them are kept to replace them."""
    from headless_wheel_builder._git import _executing_entries

    listing = "\0".join([
        "system", "credential.helper\ngcloud.sh",
        "global", "filter.lfs.smudge\ngit-lfs smudge -- %f",
        "local", "filter.Evil.clean\nsh -c pwn",
        "local", "credential.https://h.example.helper\n!pwn",
        "local", "gpg.ssh.program\npwn",
        "local", "core.gitproxy\npwn",
        "worktree", "diff.x.textconv\npwn",
        "local", "user.name\nnot a program",
        "local", "core.bare",
    ]) + "\0"  # fmt: skip
    repository, user = _executing_entries(listing)
    assert repository == [
        "filter.Evil.clean", "credential.https://h.example.helper", "gpg.ssh.program", "core.gitproxy",
        "diff.x.textconv",
    ]  # fmt: skip
    assert user == {"credential.helper": ["gcloud.sh"], "filter.lfs.smudge": ["git-lfs smudge -- %f"]}
