"""Cache keys: a sha256 over everything that can change what a build produces.

The source is hashed as the backend would see it: an sdist or zip by its bytes; a folder by
the files in it (in a git checkout the files ``git ls-files`` lists, tracked and untracked but
not ignored; elsewhere a walk that skips VCS folders, virtual environments, build output and
caches).  Environment variable values are hashed, never stored.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from headless_wheel_builder import _git, _proc

#: Variables that change what a backend builds, always part of a wheel key.
DEFAULT_ENV_VARS = (
    "SOURCE_DATE_EPOCH",
    "CC",
    "CXX",
    "CFLAGS",
    "CXXFLAGS",
    "CPPFLAGS",
    "LDFLAGS",
    "ARCHFLAGS",
    "MACOSX_DEPLOYMENT_TARGET",
    "_PYTHON_HOST_PLATFORM",
    "SETUPTOOLS_SCM_PRETEND_VERSION",
    "PDM_BUILD_SCM_VERSION",
    "HATCH_BUILD_HOOKS_ENABLE",
)
#: Prefixes of variables that are part of every wheel key (package-specific pretend versions).
DEFAULT_ENV_PREFIXES = ("SETUPTOOLS_SCM_PRETEND_VERSION_FOR_",)
#: Folder names never part of a source tree walk (outside git).
SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", ".bzr", "__pycache__", ".tox", ".nox", ".venv", "build", "dist",
     ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs", "node_modules", ".hwb-cache"}
)  # fmt: skip
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


def file_sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


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


def env_values(names: Sequence[str], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``name -> sha256(value)`` for the variables that are set (values never kept)."""
    environ = os.environ if environ is None else environ
    wanted = set(DEFAULT_ENV_VARS) | set(names)
    wanted |= {k for k in environ if k.startswith(DEFAULT_ENV_PREFIXES)}
    return {
        name: hashlib.sha256(environ[name].encode()).hexdigest()[:32]
        for name in sorted(wanted)
        if name in environ
    }


# --- source trees ----------------------------------------------------------------------


def tree_digest(project_dir: Path, *, exclude: Sequence[Path] = ()) -> str:
    """The sha256 of a source folder: every file's relative path, executable bit and bytes
    (a symlink by its target).  ``exclude``: folders left out (the output folder)."""
    root = project_dir.resolve()
    excluded = [p.resolve() for p in exclude]
    files = _git_files(root)
    if files is None:
        files = sorted(_walk(root))
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
                _add_file(sha, f"{rel}/{sub}", path / sub)
            continue
        _add_file(sha, rel, path)
    return sha.hexdigest()


def _add_file(sha: hashlib._Hash, rel: str, path: Path) -> None:
    try:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            content = b"link:" + str(path.readlink()).encode()
        else:
            content = file_sha256(path).encode()
    except OSError:
        return
    executable = b"x" if st.st_mode & 0o111 else b"-"
    sha.update(rel.replace(os.sep, "/").encode() + b"\0" + executable + content + b"\n")


def _git_files(root: Path) -> list[str] | None:
    """Files under ``root`` that git would hand to a backend, or None outside a checkout."""
    if not _git.available():
        return None
    try:
        result = _git.run(["ls-files", "-z", "-t", "--cached", "--others", "--exclude-standard"], cwd=root)
    except _proc.ProcessFailed:
        return None
    names: set[str] = set()
    for entry in result.output.split("\0"):
        status, _, name = entry.partition(" ")
        # Untracked files in output folders (dist/*.whl when dist/ is not ignored) are not source.
        if name and (status != "?" or not _is_build_output(name)):
            names.add(name)
    return sorted(names)


def _is_build_output(rel: str) -> bool:
    parts = rel.split("/")
    return rel.endswith((".pyc", ".pyo")) or any(
        p in SKIP_DIRS or p.endswith(".egg-info") for p in parts[:-1]
    )


def _walk(root: Path) -> Iterable[str]:
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = [
            d for d in dirnames
            if d not in SKIP_DIRS and not d.endswith(".egg-info") and not (here / d / "pyvenv.cfg").exists()
        ]  # fmt: skip
        for name in filenames:
            if name.endswith((".pyc", ".pyo")):
                continue
            yield (here / name).relative_to(root).as_posix()


def scm_state(project_dir: Path) -> str | None:
    """``git describe --tags --long --dirty --always`` (plus today's date when dirty, as
    setuptools-scm puts it in the version); None outside a git checkout."""
    if not _git.available():
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
