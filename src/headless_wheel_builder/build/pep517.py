"""PEP 517 hook calls through pypa/build's ``ProjectBuilder``, in hwb's environments.

:class:`HookSession` owns the build environments of one build: it creates one per distinct
``[build-system]`` (so the wheel built from a fresh sdist reuses the sdist's environment when
their build systems agree), installs the static and then the dynamic requirements, calls the
hook, and translates every failure into an :class:`HwbError` that names the cause.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from headless_wheel_builder import _git, _proc
from headless_wheel_builder._log import Progress, logger, phase, with_stream
from headless_wheel_builder.build.diagnose import diagnose
from headless_wheel_builder.build.wheel_cache import env_cache_for
from headless_wheel_builder.cache.envs import EnvCache, recall_requires, remember_requires
from headless_wheel_builder.cache.keys import requires_key
from headless_wheel_builder.errors import (
    BackendError,
    BackendUnavailableError,
    BuildError,
    DependencyError,
    HookMissingError,
    HwbError,
    PyprojectError,
)
from headless_wheel_builder.isolation.python import Interpreter
from headless_wheel_builder.isolation.venv import InstallSettings, VenvEnv

if TYPE_CHECKING:
    from build import ProjectBuilder

    from headless_wheel_builder.analyze.analyzer import ProjectInfo
    from headless_wheel_builder.build.plan import BuildOptions, Distribution

#: Lines of backend output shown with a failure (the full output is in the log file).
TAIL = 50
#: The installers' own switches for ``offline``: uv from its cache only, pip from no index.
OFFLINE_ENVIRON = {"UV_OFFLINE": "1", "PIP_NO_INDEX": "1"}


def _git_hardened(runner: _proc.HookRunner, shims: Path) -> _proc.HookRunner:
    """``runner`` with the git hardening of :mod:`.._git` for the git a backend runs itself
    (setuptools-scm, hatch-vcs): in the hooks' environment, and as a ``git`` first on their
    PATH (a shim under ``shims``), so it runs none of the programs the project's own
    ``.git/config`` names either."""

    def _run(
        cmd: Sequence[str], cwd: str | None = None, extra_environ: Mapping[str, str] | None = None
    ) -> None:
        where = Path(cwd or ".")
        env = {**(extra_environ or {}), **_git.tool_environment(where)}
        folder = _git.shim(shims, where)
        if folder is not None:
            env["PATH"] = os.pathsep.join([str(folder), env.get("PATH") or os.environ.get("PATH", "")])
        runner(cmd, cwd, env)

    return _run


class HookSession:
    """Build environments and hook calls for one ``hwb build`` run."""

    def __init__(
        self,
        *,
        workdir: Path,
        interpreter: Interpreter,
        options: BuildOptions,
        log_file: Path,
        progress: Progress,
        timings: dict[str, float],
        project: ProjectInfo,
        environ: Mapping[str, str] | None = None,
        warned: set[str] | None = None,
    ) -> None:
        """``warned``: backend warnings already shown (a matrix shares one set, so a warning
        every leg reports is shown once, labelled with the interpreter that reported it
        first); None: this run's own, unlabelled.
        ``project``: the source stage's analysis (its ``build-backend`` and ``backend-path``
        name the backend here; a wheel built from the project's sdist has the same ones).
        ``environ``: variables every backend process gets on top of hwb's own environment
        (``SOURCE_DATE_EPOCH``, a platform's build variables); the hook's own win."""
        self.workdir = workdir
        self.backend = project.backend
        self.backend_path = project.backend_path
        self._build_requires = tuple(sorted(project.build_requires))
        self.interpreter = interpreter
        self.options = options
        self.log_file = log_file
        self.progress = progress
        self.timings = timings
        self._envs: dict[tuple[str, tuple[str, ...]], tuple[VenvEnv, set[str]]] = {}
        self._warned: set[str] = set() if warned is None else warned  # backend warnings already shown
        self._warn_label = None if warned is None else f"Python {interpreter.full_version}"
        self._runner = _with_environ(
            _git_hardened(
                _proc.hook_runner(stream=options.verbose, log_file=log_file, timeout=options.timeout),
                workdir / "git-shim",
            ),
            dict(environ or {}),
        )
        self._env_cache: EnvCache | None = env_cache_for(options)

    @property
    def installer_used(self) -> str | None:
        envs = [env for env, _ in self._envs.values()]
        return envs[0].installer if envs else None

    # -- public -----------------------------------------------------------------------

    def build(self, dist: Distribution, srcdir: Path, outdir: Path) -> Path:
        """Build ``dist`` from ``srcdir`` into ``outdir``; return the file."""
        builder = self._prepare(dist, srcdir)
        with phase(self.timings, "build"):
            self.progress.step(f"Building {dist} with {self.backend}")
            try:
                with relay_backend_warnings(self._warned, self._warn_label):
                    path = Path(builder.build(dist, outdir, dict(self.options.config_settings)))
            except Exception as exc:  # noqa: BLE001 - translated into an HwbError
                raise self._translate(exc, dist, builder) from None
        self.progress.done(f"Built {path.name}")
        return path

    def build_sdist_or_none(self, srcdir: Path, outdir: Path) -> Path | None:
        """Build the sdist, or return None when the backend says it cannot make one."""
        try:
            return self.build("sdist", srcdir, outdir)
        except BackendError as exc:
            if cannot_build_sdist(exc):
                return None
            raise

    # -- environments -----------------------------------------------------------------

    def renew_stale_environment(self) -> None:
        """Resolve the cached environment of the static build requirements again if it is
        older than ``env-max-age``: called before the wheel cache is asked, so that its key
        sees the versions resolved now (a new backend release is a miss, the same ones a hit)."""
        cache, options = self._env_cache, self.options
        if cache is None:
            return
        path = cache.path_for(
            self.interpreter, self._build_requires, options.installer, options.build_constraints
        )
        meta = cache.lookup(path)
        if meta is not None and not cache.fresh(meta):
            self._env_for(self.backend, self._build_requires)

    def _prepare(self, dist: Distribution, srcdir: Path) -> ProjectBuilder:
        import build

        try:
            probe = build.ProjectBuilder(srcdir, python_executable=str(self.interpreter.executable))
        except build.BuildException as exc:
            raise PyprojectError(
                "invalid [build-system] table in pyproject.toml",
                why=str(exc),
                hint="see https://packaging.python.org/en/latest/specifications/pyproject-toml/",
            ) from exc
        backend = self.backend
        requires = tuple(sorted(probe.build_system_requires))
        if not self.options.isolation:
            return self._prepare_unisolated(dist, srcdir)
        env, installed = self._env_for(backend, requires)
        builder = build.ProjectBuilder.from_isolated_env(env, srcdir, runner=self._runner)
        with phase(self.timings, "env"):
            self.progress.step(f"Getting build requirements for the {dist}")
            memo = self._requires_memo(dist, backend, srcdir)
            recalled = recall_requires(env.path, memo) if memo else None
            if recalled is not None:
                extra: set[str] = set(recalled)
            else:
                try:
                    with relay_backend_warnings(self._warned, self._warn_label):
                        extra = set(builder.get_requires_for_build(dist, dict(self.options.config_settings)))
                except Exception as exc:  # noqa: BLE001 - translated into an HwbError
                    raise self._translate(exc, dist, builder, hook=f"get_requires_for_build_{dist}") from None
                if memo:
                    remember_requires(env.path, memo, extra)
            missing = set(extra) - installed
            if missing and self._env_cache is not None:
                # Cached environments never change: the extra requirements make another one.
                env, installed = self._env_for(backend, tuple(sorted(installed | missing)))
                builder = build.ProjectBuilder.from_isolated_env(env, srcdir, runner=self._runner)
            elif missing:
                self.progress.step(f"Installing {', '.join(sorted(missing))}")
                env.install(missing)
                installed |= missing
        return builder

    def _requires_memo(self, dist: Distribution, backend: str, srcdir: Path) -> str | None:
        """Where a cached environment remembers this hook's answer (see cache/keys.py)."""
        if self._env_cache is None or self.options.refresh:
            return None
        return requires_key(dist, backend, self.backend_path, self.options.config_settings, srcdir)

    def _env_for(self, backend: str, requires: tuple[str, ...]) -> tuple[VenvEnv, set[str]]:
        key = (backend, requires)
        if key in self._envs:
            return self._envs[key]
        with phase(self.timings, "env"):
            settings = InstallSettings(
                constraints=self.options.build_constraints,
                stream=self.options.verbose,
                log_file=self.log_file,
                timeout=self.options.timeout,
                environ={**os.environ, **OFFLINE_ENVIRON} if self.options.offline else dict(os.environ),
            )
            self.progress.step(f"Preparing a build environment (Python {self.interpreter.full_version})")
            if self._env_cache is not None:
                env, _ = self._env_cache.get(
                    self.interpreter, requires, installer=self.options.installer, settings=settings
                )
            else:
                env = VenvEnv.create(
                    self.workdir / f"env-{len(self._envs)}",
                    self.interpreter,
                    installer=self.options.installer,
                    settings=settings,
                )
                self.progress.step(f"Installing {', '.join(requires) or 'nothing'}")
                env.install(requires)
        self._envs[key] = (env, set(requires))
        return self._envs[key]

    def _prepare_unisolated(self, dist: Distribution, srcdir: Path) -> ProjectBuilder:
        import build

        builder = build.ProjectBuilder(
            srcdir, python_executable=str(self.interpreter.executable), runner=self._runner
        )
        try:
            with relay_backend_warnings(self._warned, self._warn_label):
                missing = builder.check_dependencies(dist, dict(self.options.config_settings))
        except Exception as exc:  # noqa: BLE001 - translated into an HwbError
            raise self._translate(exc, dist, builder, hook=f"get_requires_for_build_{dist}") from None
        if missing:
            names = sorted(" -> ".join(chain) for chain in missing)
            raise DependencyError(
                "build requirements are missing (--no-isolation)",
                why=f"not installed for {self.interpreter.executable}: {', '.join(names)}",
                hint="install them into that interpreter, or build without --no-isolation",
            )
        return builder

    # -- errors -----------------------------------------------------------------------

    def _translate(
        self,
        exc: Exception,
        dist: Distribution,
        builder: ProjectBuilder,
        hook: str | None = None,
    ) -> HwbError:
        import pyproject_hooks
        from build import BuildBackendException

        backend = self.backend
        hook = hook or f"build_{dist}"
        if isinstance(exc, HwbError):
            return exc
        if not isinstance(exc, BuildBackendException):
            error: HwbError = BuildError(f"building the {dist} failed", why=f"{type(exc).__name__}: {exc}")
            error.__cause__ = exc
            return error
        inner = exc.exception
        if isinstance(inner, pyproject_hooks.BackendUnavailable):
            last = [line for line in (inner.traceback or "").splitlines() if line.strip()]
            error = BackendUnavailableError(
                f"the build backend {backend!r} could not be imported",
                why=last[-1].strip() if last else "import failed",
                hint="check the spelling of build-backend in pyproject.toml and that "
                "[build-system] requires lists the package that provides it",
            )
        elif isinstance(inner, pyproject_hooks.HookMissing):
            what = "editable builds (PEP 660)" if dist == "editable" else inner.hook_name
            error = HookMissingError(
                f"the build backend {backend!r} does not support {what}",
                why=f"it has no {inner.hook_name} hook",
                hint="upgrade the backend (setuptools>=64, hatchling, flit_core>=3.4, pdm-backend, "
                "poetry-core>=1.0.8 support it) or build a regular wheel",
            )
        elif _proc.is_called_process_error(inner):
            output = str(getattr(inner, "output", "") or "")
            tail = "\n".join(output.rstrip("\n").splitlines()[-TAIL:])
            diagnosis = diagnose(output)
            returncode = getattr(inner, "returncode", "?")
            why = f"{hook} exited with status {returncode}"
            hint = with_stream("the output above shows the backend's error", "streams the whole build")
            if diagnosis is not None:
                why, hint = f"{diagnosis.why} ({why})", diagnosis.hint
            error = BackendError(
                f"the build backend {backend!r} failed to build the {dist}",
                why=why,
                hint=hint,
                details=None if self.options.verbose else tail,
                log_path=self.log_file,
            )
        else:
            error = BackendError(
                f"the build backend {backend!r} failed in {hook}",
                why=f"{type(inner).__name__}: {inner}",
                hint="see the log for the backend's output",
                log_path=self.log_file,
            )
        error.__cause__ = exc
        logger.debug("backend failure", exc_info=exc)
        return error


def cannot_build_sdist(exc: BaseException) -> bool:
    """Is ``exc`` a backend saying it cannot build an sdist (PEP 517 ``UnsupportedOperation``)?"""
    import pyproject_hooks
    from build import BuildBackendException

    cause = exc.__cause__
    return isinstance(cause, BuildBackendException) and isinstance(
        cause.exception, pyproject_hooks.UnsupportedOperation
    )


def _with_environ(runner: _proc.HookRunner, environ: Mapping[str, str]) -> _proc.HookRunner:
    """``runner``, adding ``environ`` to every backend process (the hook's own values win, but
    a ``PATH`` of ``environ`` keeps its place behind the environment's own folders)."""
    if not environ:
        return runner
    from headless_wheel_builder.build.commands import with_path

    def _runner(
        cmd: Sequence[str], cwd: str | None = None, extra_environ: Mapping[str, str] | None = None
    ) -> None:
        runner(cmd, cwd, with_path({**environ, **(extra_environ or {})}, environ))

    return _runner


#: Guards the ``shown`` set a matrix's jobs share (they run on threads).
_SHOWN_LOCK = threading.Lock()


@contextmanager
def relay_backend_warnings(shown: set[str] | None = None, label: str | None = None) -> Iterator[None]:
    """Log the warnings a backend reported (pyproject-hooks re-raises them in this process as
    ``BuildBackendWarning``) instead of letting them escape: under ``-W error`` — or a test
    suite's ``filterwarnings = error`` — a backend's deprecation notice must not fail the build.

    ``shown``: texts already logged (skipped); ``label`` (``Python 3.12.1``) names the
    interpreter in the message when several build at once."""
    import warnings

    from pyproject_hooks import BuildBackendWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", BuildBackendWarning)
        yield
    for item in caught:
        if issubclass(item.category, BuildBackendWarning):
            text = str(item.message)
            if shown is not None:  # a backend repeats itself in every hook (and leg): say it once
                with _SHOWN_LOCK:
                    if text in shown:
                        continue
                    shown.add(text)
            logger.warning("build backend%s: %s", f" ({label})" if label else "", text)
        else:  # not ours to swallow: hand it on as it was raised
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
