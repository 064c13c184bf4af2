"""Harness for the corpus tests: real PyPI projects built by hwb and by ``python -m build``.

The corpus is ``shared/corpus/projects.tsv`` beside the repository (or ``$HWB_CORPUS_TSV``).
For each project the harness downloads the pinned sdist, checks its sha256, builds a reference
wheel with pypa/build on the corpus interpreter, and compares hwb's wheels against it with
:func:`compare_wheels`, which is independent of hwb (it reimplements the RECORD check so a bug in
hwb's own validator cannot hide).

Cache (persistent between runs on one machine; ``$HWB_TEST_CACHE`` or
``~/.cache/hwb-tests/corpus``)::

    sdists/<sdist filename>                      verified downloads
    ref-venv-<impl>-<version>/                   a venv of the corpus interpreter with `build`
    reference/<name>-<version>-<sdist sha[:12]>-<impl><pyversion>-<platform>-build<ver>/<wheel>
    locks/<name>.lock                            flock()s so parallel workers do not race

Everything in the cache is written into a temporary sibling first and moved into place with
``os.replace``, so an interrupted run never leaves a half-written entry behind.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import compat32
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TSV = REPO_ROOT.parent / "shared" / "corpus" / "projects.tsv"
#: Per-command limit for one build; contourpy takes ~100 s, so this is generous.
BUILD_TIMEOUT = 1800.0
TSV_COLUMNS = (
    "name", "version", "backend", "kind", "sdist", "sdist_sha256",
    "ref_wheel", "build_seconds", "notes",
)  # fmt: skip


class CorpusError(Exception):
    """The corpus table is missing or malformed, or a download does not match it."""


class CommandFailed(AssertionError):
    """A command of the harness (pip, build, hwb) failed; the message carries its output."""


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Project:
    name: str
    version: str
    backend: str
    kind: str
    sdist: str
    sdist_sha256: str
    ref_wheel: str
    build_seconds: float
    notes: str = ""


def corpus_tsv_path() -> Path:
    env = os.environ.get("HWB_CORPUS_TSV")
    return Path(env).expanduser() if env else DEFAULT_TSV


def load_projects(path: Path | None = None) -> list[Project]:
    """Parse the corpus table; a missing or malformed file raises :class:`CorpusError`."""
    path = path or corpus_tsv_path()
    if not path.is_file():
        raise CorpusError(
            f"corpus table not found: {path} (expected shared/ beside the repository, or set HWB_CORPUS_TSV)"
        )
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    projects: list[Project] = []
    for n, row in enumerate(rows, start=2):
        missing = [c for c in TSV_COLUMNS[:-1] if not (row.get(c) or "").strip()]
        if missing:
            raise CorpusError(f"{path}:{n}: missing column(s) {', '.join(missing)}")
        values: dict[str, Any] = {c: (row.get(c) or "").strip() for c in TSV_COLUMNS}
        values["build_seconds"] = float(values["build_seconds"])
        projects.append(Project(**values))
    if not projects:
        raise CorpusError(f"corpus table {path} lists no project")
    return projects


# --------------------------------------------------------------------------- utilities


def cache_dir() -> Path:
    env = os.environ.get("HWB_TEST_CACHE")
    root = Path(env).expanduser() if env else Path.home() / ".cache" / "hwb-tests" / "corpus"
    root.mkdir(parents=True, exist_ok=True)
    return root


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextlib.contextmanager
def locked(cache: Path, name: str) -> Iterator[None]:
    """An exclusive lock on ``cache/locks/<name>.lock`` (serialises pytest-xdist workers)."""
    locks = cache / "locks"
    locks.mkdir(exist_ok=True)
    with open(locks / f"{name}.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _tail(text: str, limit: int = 6000) -> str:
    return text if len(text) <= limit else "...\n" + text[-limit:]


def run(
    cmd: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    timeout: float = BUILD_TIMEOUT,
    check: bool = True,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` capturing its output; on failure raise :class:`CommandFailed` with the tail."""
    args = [os.fspath(a) for a in cmd]
    try:
        proc = subprocess.run(
            args, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False,
            stdin=subprocess.DEVNULL, env=env,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise CommandFailed(f"timed out after {timeout:.0f}s: {' '.join(args)}") from exc
    if check and proc.returncode != 0:
        raise CommandFailed(
            f"exit {proc.returncode}: {' '.join(args)}\n"
            f"--- stdout (tail) ---\n{_tail(proc.stdout)}\n"
            f"--- stderr (tail) ---\n{_tail(proc.stderr)}"
        )
    return proc


# --------------------------------------------------------------------------- interpreters


@dataclass(frozen=True)
class Interpreter:
    executable: Path
    """The real interpreter (pyenv shims resolved)."""
    version: str
    """Full version, e.g. ``3.12.1``."""
    implementation: str
    """``cpython`` / ``pypy``."""
    platform: str
    """``sysconfig.get_platform()``, e.g. ``linux-x86_64``."""

    @property
    def key(self) -> str:
        return f"{self.implementation}{self.version}-{self.platform}"

    @property
    def version_info(self) -> Version:
        return Version(self.version)


_QUERY = (
    "import json, platform, sys, sysconfig; print(json.dumps({'executable': sys.executable, "
    "'version': platform.python_version(), 'implementation': sys.implementation.name, "
    "'platform': sysconfig.get_platform()}))"
)


def inspect_interpreter(python: str | os.PathLike[str]) -> Interpreter:
    data = json.loads(run([python, "-c", _QUERY], timeout=60).stdout)
    return Interpreter(
        executable=Path(data["executable"]),
        version=data["version"],
        implementation=data["implementation"],
        platform=data["platform"],
    )


def find_corpus_python() -> Interpreter:
    """CPython 3.12 (what the corpus was verified on): ``$HWB_CORPUS_PYTHON``, pyenv's newest
    3.12, ``python3.12`` on PATH, else the running interpreter."""
    env = os.environ.get("HWB_CORPUS_PYTHON")
    if env:
        return inspect_interpreter(env)
    candidates: list[Path] = []
    pyenv = shutil.which("pyenv")
    if pyenv:
        proc = run([pyenv, "root"], timeout=60, check=False)
        root = Path(proc.stdout.strip()) if proc.returncode == 0 else None
        if root:
            found = list(root.glob("versions/3.12*/bin/python3.12"))
            found.sort(key=lambda p: _version_key(p.parents[1].name))
            candidates.extend(reversed(found))
    on_path = shutil.which("python3.12")
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        with contextlib.suppress(CommandFailed, OSError, ValueError):
            return inspect_interpreter(candidate)
    return inspect_interpreter(sys.executable)


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text))


def reference_python(cache: Path, interp: Interpreter) -> Path:
    """A venv of ``interp`` with pypa/build (and a current pip) installed; made once."""
    venv = cache / f"ref-venv-{interp.implementation}-{interp.version}"
    python = venv / "bin" / "python"
    with locked(cache, venv.name):
        if (venv / ".complete").is_file() and python.exists():
            return python
        shutil.rmtree(venv, ignore_errors=True)
        run([interp.executable, "-m", "venv", venv], timeout=300)
        run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip", "build>=1.2"],
            timeout=600)  # fmt: skip
        (venv / ".complete").write_text("ok\n")
    return python


def build_version(python: Path) -> str:
    return run([python, "-c", "import build; print(build.__version__)"], timeout=60).stdout.strip()


# --------------------------------------------------------------------------- sdists


def fetch_sdist(project: Project, cache: Path, pip_python: Path) -> tuple[Path, float | None]:
    """The project's sdist from the cache, else downloaded by pinned version with pip and
    checked against the table's sha256 (a mismatch raises AssertionError with both hashes).

    Returns the sdist and the seconds the download took (None when it came from the cache).
    ``pip download`` prepares the sdist's metadata, so it runs the build backend: for
    meson-python that is a full build (about a minute for contourpy).
    """
    dest = cache / "sdists" / project.sdist
    dest.parent.mkdir(exist_ok=True)
    with locked(cache, f"sdist-{project.name}"):
        if dest.is_file():
            if sha256_file(dest) == project.sdist_sha256.lower():
                return dest, None
            dest.unlink()  # corrupt or stale: fetch it again, and judge the download
        start = time.monotonic()
        with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".dl-") as tmp:
            run([pip_python, "-m", "pip", "download", "--quiet", "--no-deps",
                 "--no-binary", project.name, f"{project.name}=={project.version}",
                 "-d", tmp], timeout=900)  # fmt: skip
            got = [p for p in Path(tmp).iterdir() if p.is_file()]
            if [p.name for p in got] != [project.sdist]:
                raise AssertionError(
                    f"{project.name}: pip downloaded {[p.name for p in got]}, expected [{project.sdist!r}]"
                )
            check_sha256(got[0], project.sdist_sha256, f"downloaded sdist of {project.name}")
            os.replace(got[0], dest)
        return dest, time.monotonic() - start


def check_sha256(path: Path, expected: str, what: str) -> None:
    actual = sha256_file(path)
    if actual != expected.lower():
        raise AssertionError(
            f"{what} ({path.name}) sha256 mismatch:\n  expected {expected}\n  actual   {actual}"
        )


def extract_sdist(sdist: Path, dest: Path) -> Path:
    """Extract a .tar.gz / .zip sdist into ``dest`` and return its single top-level folder."""
    dest.mkdir(parents=True, exist_ok=True)
    if sdist.name.endswith(".zip"):
        with zipfile.ZipFile(sdist) as zf:
            for name in zf.namelist():
                if name.startswith("/") or ".." in Path(name).parts:
                    raise AssertionError(f"{sdist.name}: unsafe member {name!r}")
            zf.extractall(dest)
    else:
        with tarfile.open(sdist) as tf:
            if hasattr(tarfile, "data_filter"):
                tf.extractall(dest, filter="data")
            else:  # pragma: no cover - Python < 3.10.12 / 3.11.4
                for m in tf.getmembers():
                    if m.name.startswith("/") or ".." in Path(m.name).parts or m.islnk():
                        raise AssertionError(f"{sdist.name}: unsafe member {m.name!r}")
                tf.extractall(dest)
    tops = list(dest.iterdir())
    if len(tops) != 1 or not tops[0].is_dir():
        raise AssertionError(f"{sdist.name}: expected one top-level folder, got {tops}")
    return tops[0]


#: Backends that build an sdist only from a VCS checkout: meson-python runs ``meson dist``,
#: which refuses a plain folder ("Dist currently only works with Git or Mercurial repos").
SDIST_NEEDS_VCS = frozenset({"mesonpy"})


def make_git_checkout(folder: Path) -> None:
    """Turn an unpacked sdist into a git checkout: one commit of every file but PKG-INFO (which
    stays in the folder, untracked, as the backend's sdist adds its own)."""
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "hwb tests",
        "GIT_AUTHOR_EMAIL": "tests@hwb.invalid",
        "GIT_COMMITTER_NAME": "hwb tests",
        "GIT_COMMITTER_EMAIL": "tests@hwb.invalid",
    }
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A", "-f"],
        ["rm", "-q", "--cached", "--ignore-unmatch", "PKG-INFO"],
        ["commit", "-q", "--no-verify", "-m", "checkout"],
    ):
        run(["git", "-C", folder, *args], env=env, timeout=120)


def sdist_metadata(sdist: Path) -> dict[str, list[str]]:
    """Core metadata fields of an sdist's top-level PKG-INFO (multi-use fields as lists)."""
    with tarfile.open(sdist) as tf:
        for m in tf.getmembers():
            if m.isfile() and m.name.count("/") == 1 and m.name.endswith("/PKG-INFO"):
                f = tf.extractfile(m)
                assert f is not None
                return _parse_metadata(f.read())
    raise AssertionError(f"{sdist.name}: no top-level PKG-INFO")


def requires_python_skip_reason(sdist: Path, interp: Interpreter) -> str | None:
    """Why ``interp`` cannot build ``sdist`` per its Requires-Python, or None when it can."""
    for spec in sdist_metadata(sdist).get("requires-python", []):
        if not SpecifierSet(spec).contains(interp.version_info, prereleases=True):
            return f"{sdist.name} requires Python {spec}; corpus interpreter is {interp.version}"
    return None


def pep625_sdist_problems(sdist: Path, name: str, version: str) -> list[str]:
    """Ways ``sdist`` breaks PEP 625: ``{normalized name}-{version}.tar.gz`` whose single
    top-level folder is ``{normalized name}-{version}`` and holds PKG-INFO."""
    stem = f"{canonicalize_name(name).replace('-', '_')}-{Version(version)}"
    problems = []
    if sdist.name != f"{stem}.tar.gz":
        problems.append(f"sdist filename {sdist.name!r} is not {stem + '.tar.gz'!r} (PEP 625)")
    try:
        with tarfile.open(sdist, "r:gz") as tf:
            names = tf.getnames()
    except (tarfile.TarError, OSError) as exc:
        return [*problems, f"{sdist.name}: not a gzip tar: {exc}"]
    tops = {n.split("/", 1)[0] for n in names}
    if tops != {stem}:
        problems.append(f"top-level folder(s) {sorted(tops)}, expected [{stem!r}]")
    elif f"{stem}/PKG-INFO" not in names:
        problems.append(f"no {stem}/PKG-INFO")
    return problems


# --------------------------------------------------------------------------- the environment


@dataclass(frozen=True)
class CorpusEnv:
    """What the corpus tests share: the cache, the interpreter, and its reference venv."""

    cache: Path
    interp: Interpreter
    ref_python: Path
    build_version: str

    @classmethod
    def create(cls, cache: Path | None = None, interp: Interpreter | None = None) -> CorpusEnv:
        cache = cache or cache_dir()
        interp = interp or find_corpus_python()
        ref_python = reference_python(cache, interp)
        return cls(cache, interp, ref_python, build_version(ref_python))

    def sdist(self, project: Project) -> tuple[Path, float | None]:
        return fetch_sdist(project, self.cache, self.ref_python)

    def reference_wheel(self, project: Project, sdist: Path) -> tuple[Path, float | None]:
        """The wheel ``python -m build --wheel`` makes from the unpacked sdist.

        Cached by (project, version, sdist sha256, interpreter, build version).  Returns the
        wheel and the seconds its build took (None when it came from the cache).
        """
        key = (
            f"{project.name}-{project.version}-{sha256_file(sdist)[:12]}-"
            f"{self.interp.key}-build{self.build_version}"
        )
        final = self.cache / "reference" / key
        final.parent.mkdir(exist_ok=True)
        seconds: float | None = None
        with locked(self.cache, f"ref-{project.name}"):
            wheels = sorted(final.glob("*.whl")) if final.is_dir() else []
            if len(wheels) == 1:
                return wheels[0], None
            shutil.rmtree(final, ignore_errors=True)
            with tempfile.TemporaryDirectory(prefix="hwb-ref-") as work:
                src = extract_sdist(sdist, Path(work) / "src")
                staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=".tmp-"))
                try:
                    start = time.monotonic()
                    run([self.ref_python, "-m", "build", "--wheel", "--outdir", staging, src])
                    seconds = time.monotonic() - start
                    os.replace(staging, final)
                except BaseException:
                    shutil.rmtree(staging, ignore_errors=True)
                    raise
        wheels = sorted(final.glob("*.whl"))
        if len(wheels) != 1:
            raise AssertionError(f"reference build of {project.name} made {wheels}")
        return wheels[0], seconds


# --------------------------------------------------------------------------- running hwb


def hwb_command() -> list[str]:
    """``hwb`` next to the running interpreter, else ``python -m headless_wheel_builder``."""
    script = Path(sys.executable).with_name("hwb")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "headless_wheel_builder"]


@dataclass
class HwbRun:
    report: dict[str, Any]
    seconds: float
    artifacts: list[dict[str, Any]] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Path]:
        return [Path(a["path"]) for a in self.artifacts if a.get("kind") == kind]


def run_hwb_build(
    source: Path, *, outdir: Path, python: Path, mode: str | None = None, cache_dir: Path | None = None
) -> HwbRun:
    """``hwb build SOURCE --python PY --outdir OUT --json --no-cibuildwheel [--wheel|--sdist]``;
    checks exit code, the JSON shape, and that every reported artifact exists with the reported
    size/sha256 and was built, not served from hwb's wheel cache.  ``--no-cibuildwheel``: the
    reference is ``python -m build``, which reads no ``[tool.cibuildwheel]`` (its tests and repair
    would make hwb's a tested, repaired matrix build: test_cibuildwheel.py covers that).

    hwb runs in a clean environment: no ``HWB_*`` variable of the caller's; its logs go beside
    ``outdir``; its caches (build environments, wheels) in ``cache_dir`` when given, so a run
    never reuses what an earlier session built.
    """
    cmd = [*hwb_command(), "build", str(source), "--python", str(python),
           "--outdir", str(outdir), "--json", "--no-cibuildwheel"]  # fmt: skip
    if mode:
        cmd.append(f"--{mode}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWB_") and k != "FORCE_COLOR"}
    env["HWB_LOG_DIR"] = str(outdir.parent / "hwb-logs")
    if cache_dir is not None:
        env["HWB_CACHE_DIR"] = str(cache_dir)
    start = time.monotonic()
    proc = run(cmd, env=env, cwd=outdir.parent)
    seconds = time.monotonic() - start
    report, artifacts = _json_report(proc.stdout)
    problems = [problem for art in artifacts for problem in _artifact_problems(art, outdir)]
    if problems:
        raise AssertionError("hwb --json report is wrong:\n  " + "\n  ".join(problems))
    return HwbRun(report=report, seconds=seconds, artifacts=artifacts)


def _json_report(stdout: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ``--json`` report, and its artifacts, checked for shape."""
    try:
        report = json.loads(stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"hwb --json printed no JSON object: {exc}\n{_tail(stdout)}") from exc
    if not isinstance(report, dict) or report.get("ok") is not True:
        raise AssertionError(f"hwb --json did not report ok: {_tail(stdout)}")
    artifacts = report.get("artifacts")
    missing = [k for k in ("source", "artifacts", "timings") if k not in report]
    if missing:
        raise AssertionError(f"hwb --json lacks {missing}: {_tail(stdout)}")
    if not isinstance(artifacts, list) or not artifacts:
        raise AssertionError(f"hwb --json reported no artifacts: {_tail(stdout)}")
    return report, artifacts


def _artifact_problems(art: dict[str, Any], outdir: Path) -> list[str]:
    """What is wrong with one reported artifact: missing, misplaced, mis-described or cached."""
    path = Path(art["path"])
    if not path.is_file():
        return [f"reported artifact {path} does not exist"]
    checks = [
        (path.parent.resolve() != outdir.resolve(), f"{path.name} is not in --outdir {outdir}"),
        (art.get("filename") != path.name, f"{path.name}: filename field is {art.get('filename')!r}"),
        (
            art.get("size") != path.stat().st_size,
            f"{path.name}: size {art.get('size')} != {path.stat().st_size}",
        ),
        (art.get("sha256") != sha256_file(path), f"{path.name}: sha256 field does not match the file"),
        (bool(art.get("cached")), f"{path.name} came from hwb's wheel cache: nothing was built"),
    ]
    problems = [message for failed, message in checks if failed]
    if art.get("kind") == "wheel":
        _, _, _, tags = parse_wheel_filename(path.name)
        if sorted(art.get("tags") or []) != sorted(str(t) for t in tags):
            problems.append(f"{path.name}: tags {art.get('tags')} != filename's {sorted(map(str, tags))}")
    return problems


# --------------------------------------------------------------------------- equivalence


def _parse_metadata(raw: bytes) -> dict[str, list[str]]:
    msg = BytesParser(policy=compat32).parse(io.BytesIO(raw), headersonly=True)
    fields: dict[str, list[str]] = {}
    for key, value in msg.items():
        fields.setdefault(key.lower(), []).append(str(value).strip())
    return fields


def _normalize_requirement(text: str) -> str:
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return f"<invalid> {text}"
    req.name = canonicalize_name(req.name)
    return str(req)


def _normalize_specifier(text: str) -> str:
    try:
        return str(SpecifierSet(text))
    except InvalidSpecifier:
        return f"<invalid> {text}"


def _dist_info_dirs(names: Sequence[str]) -> list[str]:
    return sorted({n.split("/", 1)[0] for n in names if n.split("/", 1)[0].endswith(".dist-info")})


def record_problems(wheel: Path) -> list[str]:
    """Check a wheel's RECORD independently of hwb: it exists, lists every file exactly once,
    and each hash (sha256 or stronger, urlsafe base64 without padding) and size is right."""
    with zipfile.ZipFile(wheel) as zf:
        files = [i for i in zf.infolist() if not i.is_dir()]
        names = [i.filename for i in files]
        dist_infos = _dist_info_dirs(names)
        if len(dist_infos) != 1:
            return [f"expected one .dist-info folder, found {dist_infos}"]
        record_name = f"{dist_infos[0]}/RECORD"
        if record_name not in names:
            return [f"{record_name} is missing"]
        text = zf.read(record_name).decode("utf-8")
        listed, problems = _record_rows(list(csv.reader(io.StringIO(text))))
        signatures = {f"{dist_infos[0]}/RECORD.jws", f"{dist_infos[0]}/RECORD.p7s"}
        for info in files:
            name = info.filename
            if name not in listed:
                if name not in signatures:
                    problems.append(f"{name}: not listed in RECORD")
            elif name != record_name and name not in signatures:
                problems.extend(_record_row_problems(zf, info, *listed[name]))
        for path in sorted(set(listed) - set(names)):
            problems.append(f"{path}: listed in RECORD but not in the wheel")
    return problems


def _record_rows(rows: list[list[str]]) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """RECORD's rows as {path: (hash, size)}, and the malformed or repeated ones."""
    listed: dict[str, tuple[str, str]] = {}
    problems: list[str] = []
    for row in rows:
        if not row:
            continue
        if len(row) != 3:
            problems.append(f"RECORD row {row!r} does not have 3 fields")
            continue
        path, digest, size = row
        if path in listed:
            problems.append(f"RECORD lists {path} twice")
        listed[path] = (digest, size)
    return listed, problems


def _record_row_problems(zf: zipfile.ZipFile, info: zipfile.ZipInfo, digest: str, size: str) -> list[str]:
    name = info.filename
    algo, _, expected = digest.partition("=")
    if algo not in hashlib.algorithms_guaranteed or algo in {"md5", "sha1", "sha224"} or not expected:
        return [f"{name}: RECORD hash {digest!r} is not sha256 or stronger"]
    problems: list[str] = []
    data = zf.read(info)
    actual = base64.urlsafe_b64encode(hashlib.new(algo, data).digest()).rstrip(b"=").decode()
    if actual != expected:
        problems.append(f"{name}: RECORD hash {expected} != actual {actual}")
    if size != str(len(data)):
        problems.append(f"{name}: RECORD size {size!r} != actual {len(data)}")
    return problems


@dataclass(frozen=True)
class WheelFacts:
    filename: str
    files: frozenset[str]
    dist_info: tuple[str, ...]
    tags: tuple[str, ...]
    """``Tag:`` lines of the WHEEL file, sorted."""
    metadata: dict[str, list[str]]
    """Compared core metadata fields, normalized."""


def wheel_facts(wheel: Path) -> WheelFacts:
    with zipfile.ZipFile(wheel) as zf:
        names = [i.filename for i in zf.infolist() if not i.is_dir()]
        dist_info = tuple(_dist_info_dirs(names))
        meta: dict[str, list[str]] = {}
        tags: tuple[str, ...] = ()
        if len(dist_info) == 1:
            with contextlib.suppress(KeyError):
                raw = _parse_metadata(zf.read(f"{dist_info[0]}/METADATA"))
                meta = {
                    "Name": raw.get("name", []),
                    "Version": raw.get("version", []),
                    "Requires-Dist": sorted(map(_normalize_requirement, raw.get("requires-dist", []))),
                    "Requires-Python": [_normalize_specifier(s) for s in raw.get("requires-python", [])],
                    "Provides-Extra": sorted(canonicalize_name(e) for e in raw.get("provides-extra", [])),
                }
            with contextlib.suppress(KeyError):
                tags = tuple(sorted(_parse_metadata(zf.read(f"{dist_info[0]}/WHEEL")).get("tag", [])))
    return WheelFacts(wheel.name, frozenset(names), dist_info, tags, meta)


def compare_wheels(reference: Path, candidate: Path) -> list[str]:
    """Every way ``candidate`` is not equivalent to ``reference`` (empty: equivalent).

    Same filename and WHEEL tags; same set of files (hence the same dist-info folder); the same
    Name, Version, Requires-Dist, Requires-Python and Provides-Extra; a valid RECORD in the
    candidate.  File contents are not compared: compiled extensions are not reproducible.
    """
    ref, cand = wheel_facts(reference), wheel_facts(candidate)
    diffs: list[str] = []
    if ref.filename != cand.filename:
        diffs.append(f"filename: reference {ref.filename!r} != candidate {cand.filename!r}")
    if ref.tags != cand.tags:
        diffs.append(f"WHEEL tags: reference {list(ref.tags)} != candidate {list(cand.tags)}")
    if ref.dist_info != cand.dist_info:
        diffs.append(f"dist-info: reference {list(ref.dist_info)} != candidate {list(cand.dist_info)}")
    for name in sorted(ref.files - cand.files):
        diffs.append(f"file only in reference: {name}")
    for name in sorted(cand.files - ref.files):
        diffs.append(f"file only in candidate: {name}")
    if not cand.metadata:
        diffs.append("candidate has no readable METADATA")
    for key in ref.metadata:
        if ref.metadata[key] != cand.metadata.get(key, []):
            diffs.append(
                f"metadata {key}: reference {ref.metadata[key]} != candidate {cand.metadata.get(key, [])}"
            )
    diffs.extend(f"candidate RECORD: {p}" for p in record_problems(candidate))
    return diffs


def assert_equivalent(reference: Path, candidate: Path, label: str = "") -> None:
    diffs = compare_wheels(reference, candidate)
    if diffs:
        head = f"{label}: " if label else ""
        raise AssertionError(
            f"{head}{candidate.name} is not equivalent to the reference {reference.name}:\n  "
            + "\n  ".join(diffs)
        )
