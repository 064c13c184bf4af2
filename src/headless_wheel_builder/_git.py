"""The one door to git: every git command hwb runs goes through :func:`run` (STYLE.md §1).

A repository hwb reads is untrusted input — a project folder, a ``git+file://`` URL, the
checkout ``hwb version`` works in — and git runs programs named in a repository's own
``.git/config`` (``core.fsmonitor``, hooks, filter drivers, ``diff.external``, ``gpg.program``…).
So every call is hardened the same way (docs/SECURITY.md, "Git"):

- ``-c`` pins on the command line (the highest-priority scope, inherited by the git processes
  git starts): hooks off (``core.hooksPath=/dev/null``), ``core.fsmonitor=false``,
  ``core.pager=cat`` (plus ``--no-pager``), no ``core.askPass``, no ``diff.external``, no
  signature checks in ``log``, no automatic gc/maintenance, and a protocol allow-list
  (``protocol.allow=never``, then https, http, ssh, git and file ``always``): ``ext::`` and every
  other remote helper are refused;
- whatever the repository's own config (local and worktree scope, includes too) sets among
  the keys that name programs — filter drivers, diff/merge drivers, ``credential.helper``,
  ``gpg.*program`` — is replaced by the user's own value (global/system config) or a neutral
  one; a repository ``core.gitProxy`` turns the git:// transport off;
- the environment: no prompts (``GIT_TERMINAL_PROMPT=0``, ``GIT_ASKPASS``/``SSH_ASKPASS`` empty,
  ssh ``BatchMode=yes`` unless the user set ``GIT_SSH_COMMAND``), no editor, no pager, no
  optional index writes, ``LC_ALL=C`` for parsing, and no inherited ``GIT_DIR``-like variables;
- a timeout on every call; credentials travel in the environment, never in the argument list
  (callers pass them with ``env``).

The git a build backend runs itself (setuptools-scm, hatch-vcs) gets the same pins and
overrides through :func:`tool_environment` and :func:`shim` (build/pep517.py applies both).

The user's global and system config stay in effect (``GIT_CONFIG_NOSYSTEM`` is not set): they
are the user's, and hold the credential helpers, proxies and CA settings their clones need.
``safe.directory`` is never widened: git refuses a repository another user owns, and hwb then
treats the folder as not a checkout (:func:`is_dubious_ownership`).
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from headless_wheel_builder import _proc
from headless_wheel_builder._log import logger

__all__ = [
    "ALLOWED_PROTOCOLS",
    "LOCAL_TIMEOUT",
    "NETWORK_TIMEOUT",
    "PINNED_CONFIG",
    "SSH_COMMAND",
    "available",
    "command",
    "environment",
    "is_dubious_ownership",
    "run",
    "shim",
    "tool_environment",
]

#: How long a local query (log, describe, status…) may take, in seconds.
LOCAL_TIMEOUT = 120.0
#: How long a command that talks to a remote (clone, fetch, ls-remote, push) may take.
NETWORK_TIMEOUT = 1800.0
#: The transports git may use; everything else (``ext::``, ``fd::``, other helpers) is refused.
ALLOWED_PROTOCOLS = ("https", "http", "ssh", "git", "file")
#: ssh never stops to ask for a password or a host key: it fails instead.
SSH_COMMAND = "ssh -o BatchMode=yes"

#: Config pinned on every call.
PINNED_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.hooksPath", "/dev/null"),
    ("core.fsmonitor", "false"),
    ("core.pager", "cat"),
    ("core.askPass", ""),
    ("diff.external", ""),
    ("log.showSignature", "false"),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
    ("advice.detachedHead", "false"),
    ("protocol.allow", "never"),
    *((f"protocol.{name}.allow", "always") for name in ALLOWED_PROTOCOLS),
)

#: Environment laid over the inherited one on every call.
_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_ASKPASS": "",
    "SSH_ASKPASS": "",
    "SSH_ASKPASS_REQUIRE": "never",
    "GIT_EDITOR": ":",
    "GIT_SEQUENCE_EDITOR": ":",
    "GIT_PAGER": "cat",
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_ALLOW_PROTOCOL": ":".join(ALLOWED_PROTOCOLS),
    "LC_ALL": "C",
}
#: Inherited variables that would point git at another repository, index or object store.
_UNSET = (
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_PREFIX",
)  # fmt: skip

#: Keys (as ``git config --list`` prints them) whose value is a program git may run.
_EXECUTING_KEY = re.compile(
    r"^(?:filter\..+\.(?:clean|smudge|process|required)|diff\..+\.(?:command|textconv)|merge\..+\.driver"
    r"|gpg(?:\..+)?\.program|credential(?:\..+)?\.helper|core\.(?:sshcommand|editor)|sequence\.editor)$"
)
#: A neutral value where the empty one would make git fail (the default program).
_NEUTRAL = {"gpg.program": "gpg", "gpg.openpgp.program": "gpg", "gpg.ssh.program": "ssh-keygen",
            "gpg.x509.program": "gpgsm"}  # fmt: skip


def _neutral(key: str) -> str:
    """What replaces a repository's value of ``key``: a filter it names is not required (its
    program will not run), gpg is the default program, anything else empty (none, and an
    empty ``credential.helper`` clears the list of helpers)."""
    return "false" if key.endswith(".required") else _NEUTRAL.get(key, "")


_REPOSITORY_SCOPES = ("local", "worktree")
_USER_SCOPES = ("system", "global")


def available() -> bool:
    """Whether the git program is on PATH."""
    return _proc.which("git") is not None


def may_be_in_repository(path: Path) -> bool:
    """Whether git could find a repository for ``path``: it or a parent holds ``.git``, or looks
    like a git directory itself (``HEAD``, ``objects/``, ``refs/``: a bare repository).  False
    means no git command there can find one (hwb unsets ``GIT_DIR``-like variables), so none
    need run: a folder outside git costs no process."""
    try:
        here = path.resolve()
    except OSError:
        return True
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return True
        if (folder / "HEAD").is_file() and (folder / "objects").is_dir() and (folder / "refs").is_dir():
            return True
    return False


def environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a git call: the inherited one without ``GIT_DIR``-like variables,
    then ``env`` (the caller's, e.g. credentials as config variables), then the hardening."""
    merged = {k: v for k, v in os.environ.items() if k not in _UNSET}
    merged.update(env or {})
    merged.update(_ENV)
    merged["GIT_SSH_COMMAND"] = os.environ.get("GIT_SSH_COMMAND") or SSH_COMMAND
    return merged


def command(args: Sequence[str], cwd: Path | None) -> list[str]:
    """The full argument list for ``git args`` in ``cwd``: the pins, then the overrides of
    ``cwd``'s repository config, then ``args``."""
    pairs = [*PINNED_CONFIG, *(repository_overrides(str(cwd)) if cwd is not None else ())]
    return ["git", "--no-pager", *_config_args(pairs), *args]


def run(
    args: Sequence[str],
    *,
    cwd: Path | None,
    check: bool = True,
    timeout: float = LOCAL_TIMEOUT,
    env: Mapping[str, str] | None = None,
) -> _proc.ProcResult:
    """Run ``git args`` hardened (see the module docstring) in ``cwd`` and return its output.

    ``cwd`` None runs outside any repository (for ``ls-remote``/``clone`` of a URL): git then
    starts in the filesystem root and looks no further.  Raises :class:`_proc.ProcessFailed`
    (``not_found`` when git is missing, ``timed_out`` after ``timeout`` seconds)."""
    where = cwd if cwd is not None else Path(os.sep).resolve()
    full_env = environment(env)
    if cwd is None:
        full_env["GIT_CEILING_DIRECTORIES"] = str(where)
    return _proc.capture(command(args, cwd), cwd=where, env=full_env, check=check, timeout=timeout)


def tool_environment(cwd: Path) -> dict[str, str]:
    """Variables that harden the git a build backend runs itself in ``cwd`` (setuptools-scm,
    hatch-vcs, versioneer): the same pins and overrides as config variables
    (``GIT_CONFIG_COUNT``, git >= 2.31; the user's own ``GIT_CONFIG_*`` entries keep their
    numbers), no prompts, no pager or editor.  The locale is left alone."""
    pairs = [*PINNED_CONFIG, *repository_overrides(str(cwd))]
    given = os.environ.get("GIT_CONFIG_COUNT", "")
    start = int(given) if given.isdigit() else 0
    env = {k: v for k, v in _ENV.items() if k != "LC_ALL"}
    env["GIT_SSH_COMMAND"] = os.environ.get("GIT_SSH_COMMAND") or SSH_COMMAND
    for number, (key, value) in enumerate(pairs, start):
        env[f"GIT_CONFIG_KEY_{number}"] = key
        env[f"GIT_CONFIG_VALUE_{number}"] = value
    env["GIT_CONFIG_COUNT"] = str(start + len(pairs))
    return env


def shim(folder: Path, cwd: Path) -> Path | None:
    """A folder holding a ``git`` that runs the real one hardened for ``cwd``'s repository, to
    put first on a build backend's PATH: setuptools-scm drops every ``GIT_*`` variable before
    it runs git, so :func:`tool_environment` alone does not reach it.  None on Windows or
    without git."""
    real = _proc.which("git")
    if real is None or os.name != "posix":
        return None
    pairs = [*PINNED_CONFIG, *repository_overrides(str(cwd))]
    env = {k: v for k, v in _ENV.items() if k != "LC_ALL"}
    lines = ["#!/bin/sh", *(f"export {k}={shlex.quote(v)}" for k, v in env.items())]
    lines.append(f'exec {shlex.quote(real)} {" ".join(map(shlex.quote, _config_args(pairs)))} "$@"')
    text = "\n".join(lines) + "\n"
    where = folder / hashlib.sha256(text.encode()).hexdigest()[:16]
    script = where / "git"
    if not script.exists():
        where.mkdir(parents=True, exist_ok=True)
        script.write_text(text, encoding="utf-8")
        script.chmod(0o755)
    return where


def is_dubious_ownership(output: str) -> bool:
    """Whether git refused a repository because another user owns it (``safe.directory``)."""
    return "dubious ownership" in output or "safe.directory" in output


def _config_args(pairs: Iterable[tuple[str, str]]) -> list[str]:
    return [arg for key, value in pairs for arg in ("-c", f"{key}={value}")]


@lru_cache(maxsize=64)
def repository_overrides(cwd: str) -> tuple[tuple[str, str], ...]:
    """``-c`` pairs that replace every program the repository at ``cwd`` names in its own
    config: the user's global/system value when there is one, else a neutral value.

    Read with ``git config --list --show-scope`` (reading config runs nothing).  Cached per
    folder for the life of the process.  Outside any repository there is no repository scope:
    nothing to read, no process."""
    if not may_be_in_repository(Path(cwd)):
        return ()
    try:
        result = _proc.capture(
            ["git", "--no-pager", *_config_args(PINNED_CONFIG), "config", "--list", "--show-scope", "-z"],
            cwd=cwd, env=environment(), check=False, timeout=LOCAL_TIMEOUT,
        )  # fmt: skip
    except _proc.ProcessFailed:
        return ()
    if result.returncode != 0:
        logger.debug("git config --list failed in %s: %s", cwd, result.output.strip()[-200:])
        return ()
    repository, user = _executing_entries(result.output)
    pairs: list[tuple[str, str]] = []
    for key in dict.fromkeys(repository):
        logger.debug("not running %s from the config of the repository at %s", key, cwd)
        pairs.append((key, _neutral(key)))
        pairs += [(key, value) for value in user.get(key, [])]
    if "core.gitproxy" in repository:  # a list git cannot reset: no git:// transport then
        pairs.append(("protocol.git.allow", "never"))
    return tuple(pairs)


def _executing_entries(listing: str) -> tuple[list[str], dict[str, list[str]]]:
    """Keys naming programs set in the repository's scopes, and the user's values of them.

    ``git config --list`` prints section and key lowered, the subsection as written."""
    items = listing.split("\0")
    repository: list[str] = []
    user: dict[str, list[str]] = {}
    for scope, entry in zip(items[::2], items[1::2], strict=False):
        key, _, value = entry.partition("\n")
        if not (_EXECUTING_KEY.match(key) or key == "core.gitproxy"):
            continue
        if scope in _REPOSITORY_SCOPES:
            repository.append(key)
        elif scope in _USER_SCOPES:
            user.setdefault(key, []).append(value)
    return repository, user
