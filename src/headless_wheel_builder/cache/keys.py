"""Cache keys: a sha256 over everything that can change what a build produces.

The source is hashed as the backend would see it: an sdist or zip by its bytes; a folder by
the files in it (in a git checkout the files ``git ls-files`` lists, tracked and untracked but
not ignored; elsewhere a walk that skips VCS folders, virtual environments, caches and the
project root's output folders, never a package).  The environment a backend sees is part of
the key, less the variables that cannot matter (:data:`IGNORED_ENV`); values are hashed, never
stored.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from headless_wheel_builder import _git, _proc
from headless_wheel_builder.cache.fingerprint import FingerprintIndex, file_sha256

__all__ = [
    "IGNORED_ENV", "KEYED_ANYWAY", "MEMO_BACKENDS", "REQUIRES_FILES", "ROOT_OUTPUT_DIRS", "SCM_TOOLS",
    "SKIP_DIRS", "differences", "digest", "env_fingerprint", "file_sha256", "files_digest",
    "interpreter_identity", "is_root_output", "requires_key", "scm_state", "tree_digest",
    "uses_scm_version", "value_hash",
]  # fmt: skip

#: Variables that cannot change what a backend builds, left out of the wheel key (``fnmatch``
#: patterns; docs/CACHING.md has the list and the reasons).  Every other variable the backend
#: sees is part of the key; ``cache-env`` names variables to key even so, ``cache-env-ignore``
#: more to leave out.  Variables whose names say they hold credentials (``_log.is_secret_name``)
#: are left out too: a token rotates every CI run, and is never stored, not even hashed.
IGNORED_ENV = (
    # the terminal and the shell session
    "TERM", "TERM_*", "COLORTERM", "COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "CLICOLOR",
    "CLICOLOR_FORCE", "LS_COLORS", "LSCOLORS", "SHELL", "SHLVL", "_", "PWD", "OLDPWD", "PS1",
    "PS2", "PROMPT_COMMAND", "HISTFILE", "HISTSIZE", "HISTFILESIZE", "HISTCONTROL", "MAIL",
    "EDITOR", "VISUAL", "PAGER", "LESS", "LESSOPEN", "LESSCLOSE", "TMUX", "TMUX_PANE", "STY",
    "VTE_VERSION", "WT_SESSION", "WT_PROFILE_ID", "INSIDE_EMACS", "VSCODE_*", "TERMINAL_EMULATOR",
    "ITERM_*", "KONSOLE_*", "VIRTUAL_ENV_PROMPT",
    # remote and desktop sessions
    "SSH_*", "DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY", "XDG_SESSION_*", "XDG_RUNTIME_DIR",
    "XDG_SEAT", "XDG_VTNR", "XDG_CURRENT_DESKTOP", "DESKTOP_SESSION", "DBUS_SESSION_BUS_ADDRESS",
    "SESSION_MANAGER", "GPG_AGENT_INFO", "GPG_TTY", "WINDOWID", "INVOCATION_ID", "JOURNAL_STREAM",
    # the network: proxies and certificate bundles decide whether a download works, not what
    # it gets
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy",
    "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
    # temporary and cache folders (every build runs in a fresh temporary folder anyway)
    "TMPDIR", "TEMP", "TMP", "XDG_CACHE_HOME", "CCACHE_DIR", "SCCACHE_DIR",
    # hwb's own settings: the options that change a build are parts of the key themselves
    "HWB_*",
    # installers: the versions they resolved are part of the key, not how they found them
    "PIP_*", "UV_*",
    # test runners around hwb (the pytest plugin)
    "PYTEST_CURRENT_TEST", "PYTEST_XDIST_*",
    # CI: run, job and runner ids, the commit and ref that triggered the run, per-run files
    # (a project's own source and git state are keyed themselves)
    "GITHUB_*", "ACTIONS_*", "RUNNER_*", "CI_*", "BUILDKITE_*", "CIRCLE_*", "TRAVIS_*",
)  # fmt: skip
#: Variables that :data:`IGNORED_ENV` matches but are keyed all the same: "am I in CI" switches a
#: ``setup.py`` may read (``CI``, ``GITLAB_CI`` … are not matched at all).
KEYED_ANYWAY = ("GITHUB_ACTIONS",)
#: Folder names never part of a source fingerprint, at any depth: version control, virtual
#: environments, tool caches (none of them can be an importable package).
SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", ".bzr", "__pycache__", ".tox", ".nox", ".venv", ".mypy_cache",
     ".pytest_cache", ".ruff_cache", ".eggs", "node_modules", ".hwb-cache"}
)  # fmt: skip
#: Output folders of backends and of hwb, left out only at the project's root and only when
#: they are not a package themselves (``src/build/`` is pypa/build's own code).
ROOT_OUTPUT_DIRS = frozenset({"build", "dist", "wheelhouse"})
#: Build requirements (normalised names) whose presence means the version comes from git.
SCM_TOOLS = frozenset(
    {"setuptools-scm", "hatch-vcs", "setuptools-git-versioning", "versioneer", "dunamai",
     "poetry-dynamic-versioning", "flit-scm", "vcs-versioning", "versioningit", "pbr",
     "uv-dynamic-versioning"}
)  # fmt: skip


#: Backends whose ``get_requires_for_build_*`` answer depends only on the project's build files
#: (``REQUIRES_FILES``) and the config settings: the answer is remembered per environment.
MEMO_BACKENDS = frozenset(
    {"hatchling.build", "flit_core.buildapi", "pdm.backend", "poetry.core.masonry.api",
     "setuptools.build_meta", "setuptools.build_meta:__legacy__"}
)  # fmt: skip
REQUIRES_FILES = ("pyproject.toml", "setup.py", "setup.cfg", "hatch_build.py")


def digest(parts: Mapping[str, object]) -> str:
    """A stable sha256 hex digest of a JSON-able mapping."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def interpreter_identity(executable: Path, version: str, implementation: str) -> dict[str, object]:
    """What identifies an interpreter: its path, version, implementation, platform, and the
    size and mtime of the real executable (a rebuilt Python at the same path is another one)."""
    ident: dict[str, object] = {
        "executable": str(executable),
        "version": version,
        "implementation": implementation,
        "platform": sys.platform,
        "machine": os.uname().machine if hasattr(os, "uname") else os.environ.get("PROCESSOR_ARCHITECTURE"),
    }
    try:
        st = Path(executable).resolve().stat()
        ident["stat"] = [st.st_size, int(st.st_mtime)]
    except OSError:
        ident["stat"] = None
    if Path(executable) == Path(sys.executable):
        import sysconfig

        ident["sysconfig_platform"] = sysconfig.get_platform()
        ident["soabi"] = sysconfig.get_config_var("SOABI") or ""
    return ident


def files_digest(paths: Iterable[Path]) -> str:
    """The sha256 of the contents of ``paths`` (constraint files); missing files count too."""
    sha = hashlib.sha256()
    for path in paths:
        sha.update(str(path).encode() + b"\0")
        try:
            sha.update(file_sha256(Path(path)).encode())
        except OSError:
            sha.update(b"missing")
    return sha.hexdigest()


def value_hash(value: str) -> str:
    """The short sha256 under which a variable's value is keyed and stored (never the value)."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def env_fingerprint(
    environ: Mapping[str, str], *, keep: Sequence[str] = (), ignore: Sequence[str] = ()
) -> dict[str, str]:
    """``name -> value_hash(value)`` of every variable in ``environ`` (what a backend sees)
    except :data:`IGNORED_ENV`, ``ignore`` (patterns) and credentials; ``keep`` (names) are
    kept even when ignored."""
    from headless_wheel_builder._log import is_secret_name

    ignored = _EnvPatterns((*IGNORED_ENV, *ignore))
    wanted = {*KEYED_ANYWAY, *keep}
    return {
        name: value_hash(environ[name])
        for name in sorted(environ)
        if name in wanted or not (is_secret_name(name) or ignored.match(name))
    }


class _EnvPatterns:
    """``fnmatchcase`` against many patterns, answered the cheap way where it is the same: a
    pattern without wildcards is a name (a set look-up), ``PREFIX*`` a prefix; only the rest
    go through ``fnmatch`` (each would compile a regular expression on first use)."""

    _SPECIAL = frozenset("*?[")

    def __init__(self, patterns: Iterable[str]) -> None:
        self.names: set[str] = set()
        prefixes: list[str] = []
        self.others: list[str] = []
        for pattern in patterns:
            head, star = pattern[:-1], pattern[-1:] == "*"
            if not self._SPECIAL & set(pattern):
                self.names.add(pattern)
            elif star and not self._SPECIAL & set(head):
                prefixes.append(head)
            else:
                self.others.append(pattern)
        self.prefixes = tuple(prefixes)

    def match(self, name: str) -> bool:
        if name in self.names or name.startswith(self.prefixes):
            return True
        if not self.others:
            return False
        from fnmatch import fnmatchcase

        return any(fnmatchcase(name, p) for p in self.others)


def differences(mine: Mapping[str, object], theirs: Mapping[str, object], env: str = "env") -> list[str]:
    """What differs between two recorded key parts (``name -> digest``, the ``env`` part a
    ``name -> value hash`` mapping): the part names, and ``$NAME`` for each variable that was
    changed, set or unset."""
    changed = [name for name in sorted(set(mine) | set(theirs))
               if name != env and mine.get(name) != theirs.get(name)]  # fmt: skip
    mine_env, their_env = mine.get(env), theirs.get(env)
    if isinstance(mine_env, Mapping) and isinstance(their_env, Mapping):
        names = sorted(set(mine_env) | set(their_env))
        changed += [f"${n}" for n in names if mine_env.get(n) != their_env.get(n)]
    elif mine_env != their_env:
        changed.append(env)
    return changed


# --- source trees ----------------------------------------------------------------------


def tree_digest(
    project_dir: Path, *, exclude: Sequence[Path] = (), index: FingerprintIndex | None = None
) -> str:
    """The sha256 of a source folder: every file's relative path, executable bit and bytes
    (a symlink by its target).  ``exclude``: folders left out (the output folder).  ``index``:
    the folder's fingerprint index (``cache/fingerprint.py``), so files whose stat is unchanged
    are not read again; it is saved when it changed."""
    root = project_dir.resolve()
    excluded = [p.resolve() for p in exclude]
    files = _git_files(root)
    if files is None:
        files = sorted(_walk(root, project_root=True))
    index = index or FingerprintIndex(None)
    sha = hashlib.sha256()
    for rel in files:
        path = root / rel
        if any(path.is_relative_to(ex) for ex in excluded):
            continue
        try:
            st = path.lstat()
        except OSError:
            continue  # deleted in the working tree but still in git's index
        if stat.S_ISDIR(st.st_mode):  # a submodule: its files, walked
            for sub in sorted(_walk(path)):
                _add_file(sha, f"{rel}/{sub}", path / sub, index)
            continue
        _add_file(sha, rel, path, index, st)
    index.save()
    return sha.hexdigest()


def _add_file(
    sha: hashlib._Hash, rel: str, path: Path, index: FingerprintIndex, st: os.stat_result | None = None
) -> None:
    try:
        st = st or path.lstat()
        if stat.S_ISLNK(st.st_mode):
            content = b"link:" + str(path.readlink()).encode()
        else:
            content = index.sha256(rel, path, st).encode()
    except OSError:
        return
    executable = b"x" if st.st_mode & 0o111 else b"-"
    sha.update(rel.replace(os.sep, "/").encode() + b"\0" + executable + content + b"\n")


def _git_files(root: Path) -> list[str] | None:
    """Files under ``root`` that git would hand to a backend, or None outside a checkout."""
    if not _git.may_be_in_repository(root) or not _git.available():
        return None
    try:
        result = _git.run(["ls-files", "-z", "-t", "--cached", "--others", "--exclude-standard"], cwd=root)
    except _proc.ProcessFailed:
        return None
    names: set[str] = set()
    for entry in result.output.split("\0"):
        status, _, name = entry.partition(" ")
        # Untracked files in output folders (dist/*.whl when dist/ is not ignored) are not source.
        if name and (status != "?" or not _is_build_output(root, name)):
            names.add(name)
    return sorted(names)


def _is_build_output(root: Path, rel: str) -> bool:
    """An untracked file that a build wrote: bytecode, or under a skipped folder (a root
    output folder only at the root: ``src/build/`` is a package)."""
    parts = rel.split("/")
    if rel.endswith((".pyc", ".pyo")) or any(p in SKIP_DIRS or p.endswith(".egg-info") for p in parts[:-1]):
        return True
    return len(parts) > 1 and is_root_output(root, parts[0])


def is_root_output(root: Path, name: str) -> bool:
    """``name`` at the project's ``root`` is an output folder of a backend or of hwb (``build``,
    ``dist``, ``wheelhouse``) and not a package of that name (``build/__init__.py``)."""
    return name in ROOT_OUTPUT_DIRS and not (root / name / "__init__.py").exists()


def _walk(root: Path, *, project_root: bool = False) -> Iterable[str]:
    """Files under ``root`` outside git; ``project_root``: ``root`` is the project's folder (its
    output folders are skipped; a submodule's ``build/`` is the submodule's source)."""
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        at_root = project_root and here == root
        dirnames[:] = [
            d for d in dirnames
            if d not in SKIP_DIRS and not d.endswith(".egg-info") and not (here / d / "pyvenv.cfg").exists()
            and not (at_root and is_root_output(root, d))
        ]  # fmt: skip
        for name in filenames:
            if name.endswith((".pyc", ".pyo")):
                continue
            yield (here / name).relative_to(root).as_posix()


def scm_state(project_dir: Path) -> str | None:
    """``git describe --tags --long --dirty --always`` (plus today's date when dirty, as
    setuptools-scm puts it in the version); None outside a git checkout."""
    if not _git.may_be_in_repository(project_dir) or not _git.available():
        return None
    try:
        result = _git.run(["describe", "--tags", "--long", "--dirty", "--always"], cwd=project_dir)
    except _proc.ProcessFailed:
        return None
    state = result.output.strip()
    if state.endswith("-dirty"):
        state += time.strftime("@%Y%m%d", time.gmtime())
    return state


def uses_scm_version(
    version_source: str | None, requires: Iterable[str], dynamic: Iterable[str] = ()
) -> bool:
    """Whether the version (or the file list) may come from git: a git-based version source, a
    git versioning tool among the build requirements, or a dynamic version from we know not where."""
    if version_source is None and "version" in dynamic:
        return True
    if version_source and any(w in version_source for w in ("scm", "vcs", "git", "versioning", "versioneer")):
        return True
    # A requirement names a tool only if the tool's canonical name is in its normalised text:
    # most projects are answered here, without loading packaging's requirement parser.
    if not any(tool in re.sub(r"[-_.]+", "-", text.lower()) for text in requires for tool in SCM_TOOLS):
        return False
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    for text in requires:
        try:
            name = canonicalize_name(Requirement(text).name)
        except InvalidRequirement:
            continue
        if name in SCM_TOOLS:
            return True
    return False


def requires_key(
    dist: str, backend: str, backend_path: object, config_settings: Mapping[str, object], srcdir: Path
) -> str | None:
    """The key under which a ``get_requires_for_build_{dist}`` answer is remembered, or None
    when it must be asked every time (another backend, or an in-tree one)."""
    if backend not in MEMO_BACKENDS or backend_path:
        return None
    files: dict[str, str | None] = {}
    for name in REQUIRES_FILES:
        try:
            files[name] = file_sha256(srcdir / name)
        except OSError:
            files[name] = None
    settings = {k: config_settings[k] for k in sorted(config_settings)}
    return digest({"dist": dist, "backend": backend, "config_settings": settings, "files": files})
