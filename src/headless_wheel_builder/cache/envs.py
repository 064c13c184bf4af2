"""Build environments reused across runs.

One environment per interpreter + build requirements + requested installer + constraint
files, at ``<cache>/envs/<tag>-<key>``: a stable path, so compiler caches (ccache, sccache)
see the same include paths every run.  It is created (and filled) while holding
``<cache>/envs/<tag>-<key>.lock``; ``.hwb-env.json``, written last, marks it complete.  A
complete environment is never changed again, so builds use it without holding the lock, and
reusing it runs no installer: nothing touches the network.  Requirements that differ (a
different pin, an extra dynamic requirement, another constraint file) make another
environment; ``refresh`` recreates one (re-resolving unpinned requirements).  The first use
of an environment resolved more than ``max_age`` seconds ago (the ``env-max-age`` option; never
``offline``) resolves its requirements again in a scratch environment: the same versions renew
its date only, others recreate it, so a new release of an unpinned backend is picked up.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from headless_wheel_builder._log import logger
from headless_wheel_builder.cache import keys, store
from headless_wheel_builder.errors import EnvironmentCreationError, HwbError
from headless_wheel_builder.isolation.base import Installer
from headless_wheel_builder.isolation.python import Interpreter

if TYPE_CHECKING:  # a wheel-cache hit only reads an environment's metadata (issue 19)
    from headless_wheel_builder.isolation.venv import InstallSettings, VenvEnv

META = store.ENV_MARKER
#: Remembered ``get_requires_for_build_*`` answers (``keys.requires_key``), one file each.
REQUIRES = ".hwb-requires"


def env_key(
    interpreter: Interpreter,
    requirements: Collection[str],
    installer: Installer | None,
    constraints: Collection[Path],
) -> str:
    """The key of the environment for these inputs (the resolved set is fixed at creation)."""
    return keys.digest(
        {
            "interpreter": keys.interpreter_identity(
                interpreter.executable, interpreter.full_version, interpreter.implementation
            ),
            "requirements": sorted(set(requirements)),
            "installer": installer or "auto",
            "constraints": keys.files_digest(constraints),
        }
    )


class EnvCache:
    """Build environments under ``root/envs``, shared by concurrent runs."""

    def __init__(
        self, root: Path, *, refresh: bool = False, max_age: float | None = None, offline: bool = False
    ) -> None:
        """``max_age``: seconds after its creation an environment is resolved again (None:
        never); ``offline``: use environments whatever their age."""
        self.root = root
        self.folder = root / "envs"
        self.refresh = refresh
        self.max_age = None if offline else max_age
        self._refreshed: set[str] = set()
        store.sweep_once(root)

    def path_for(
        self,
        interpreter: Interpreter,
        requirements: Collection[str],
        installer: Installer | None,
        constraints: Collection[Path] = (),
    ) -> Path:
        key = env_key(interpreter, requirements, installer, constraints)
        return self.folder / f"{interpreter.tag}-{key[:20]}"

    def lookup(self, path: Path) -> dict[str, object] | None:
        """The metadata of the complete environment at ``path``, or None."""
        meta = store.read_json(path / META)
        if meta is None or not _python_of(path).exists():
            return None
        return meta

    def get(
        self,
        interpreter: Interpreter,
        requirements: Collection[str],
        *,
        installer: Installer | None,
        settings: InstallSettings,
    ) -> tuple[VenvEnv, bool]:
        """The environment with ``requirements`` installed, and whether it was reused."""
        path = self.path_for(interpreter, requirements, installer, settings.constraints)
        wants_refresh = self.refresh and path.name not in self._refreshed
        if not wants_refresh:
            meta = self.lookup(path)
            if meta is not None and self.fresh(meta):
                return self._reuse(path, meta, interpreter, settings), True
        try:
            with store.locked(
                path.with_name(path.name + ".lock"), timeout=settings.timeout or store.LOCK_TIMEOUT
            ):
                meta = None if wants_refresh else self.lookup(path)
                if meta is not None and self.fresh(meta):  # made or renewed while we waited
                    return self._reuse(path, meta, interpreter, settings), True
                if meta is not None and self._still_current(path, meta, interpreter, requirements, installer,
                                                            settings):  # fmt: skip
                    return self._reuse(path, meta, interpreter, settings), True
                if wants_refresh:
                    settings = dataclasses.replace(settings, refresh=True)
                env = self._create(path, interpreter, requirements, installer, settings)
        except TimeoutError as exc:  # filelock.Timeout is a TimeoutError
            raise EnvironmentCreationError(
                "timed out waiting for a cached build environment",
                why=f"another process holds {path}.lock",
                hint="wait for the other build, or build with --no-cache",
            ) from exc
        self._refreshed.add(path.name)
        store.count(self.root, env_misses=1)
        return env, False

    def fresh(self, meta: dict[str, object]) -> bool:
        """Whether an environment with metadata ``meta`` is young enough to use as it is."""
        return self.max_age is None or age(meta) < self.max_age

    def _still_current(
        self,
        path: Path,
        meta: dict[str, object],
        interpreter: Interpreter,
        requirements: Collection[str],
        installer: Installer | None,
        settings: InstallSettings,
    ) -> bool:
        """Resolve an aged environment's requirements again, in a scratch environment beside it.
        The same versions: renew its date and keep it (builds using it right now are not
        disturbed); others: False, and the caller recreates it."""
        logger.info("Resolving the build environment %s again: resolved %s ago (env-max-age)",
                    path.name, describe_age(age(meta)))  # fmt: skip
        scratch = path.with_name(store.tmp_name(path.name))  # the next run sweeps it if we are killed
        try:
            from headless_wheel_builder.isolation.venv import VenvEnv

            VenvEnv.create(scratch, interpreter, installer=installer, settings=settings).install(requirements)
            resolved = installed_distributions(scratch)
        except HwbError as exc:  # no index reachable: what we have beats no build at all
            when = describe_age(age(meta))
            logger.warning("could not resolve the build requirements again (%s); using the environment "
                           "resolved %s ago (--offline does not try)", exc, when)  # fmt: skip
            return True
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        recorded = meta.get("installed")
        before = [str(item) for item in recorded] if isinstance(recorded, list) else None
        if resolved != before:
            newer = sorted(set(resolved) - set(before or ()))
            logger.info("Other versions resolved (%s): recreating %s", ", ".join(newer), path.name)
            return False
        store.write_json_atomic(path / META, {**meta, "created": time.time()})
        return True

    def _reuse(
        self, path: Path, meta: dict[str, object], interpreter: Interpreter, settings: InstallSettings
    ) -> VenvEnv:
        store.touch(path / META)
        store.count(self.root, env_hits=1)
        installer: Installer = "pip" if meta.get("installer") == "pip" else "uv"
        logger.debug("reusing the build environment %s", path)
        from headless_wheel_builder.isolation.venv import VenvEnv

        return VenvEnv(path, interpreter, installer, settings)

    def _create(
        self,
        path: Path,
        interpreter: Interpreter,
        requirements: Collection[str],
        installer: Installer | None,
        settings: InstallSettings,
    ) -> VenvEnv:
        if path.exists():  # a half-made environment of a killed run, or a refresh
            store.discard(path)
        try:
            from headless_wheel_builder.isolation.venv import VenvEnv

            env = VenvEnv.create(path, interpreter, installer=installer, settings=settings)
            env.install(requirements)
            store.write_json_atomic(
                path / META,
                {
                    "requirements": sorted(set(requirements)),
                    "installer": env.installer,
                    "interpreter": interpreter.to_dict(),
                    "installed": installed_distributions(path),
                    "created": time.time(),
                },
            )
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        return env


def age(meta: dict[str, object]) -> float:
    """Seconds since the environment with metadata ``meta`` was resolved (created)."""
    created = meta.get("created")
    return time.time() - float(created) if isinstance(created, (int, float)) else float("inf")


def describe_age(seconds: float) -> str:
    """``3 min``, ``5 h``, ``2.0 days`` (``an unknown time`` for an environment without a date)."""
    if seconds == float("inf"):
        return "an unknown time"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h" if seconds < 86400 else f"{seconds / 86400:.1f} days"


def recall_requires(env_path: Path, key: str) -> list[str] | None:
    """A remembered ``get_requires_for_build_*`` answer in this environment, or None."""
    data = store.read_json(env_path / REQUIRES / f"{key}.json")
    found = data.get("requires") if data else None
    return [str(r) for r in found] if isinstance(found, list) else None


def remember_requires(env_path: Path, key: str, requires: Collection[str]) -> None:
    """Remember a ``get_requires_for_build_*`` answer (never fails a build)."""
    try:
        store.write_json_atomic(env_path / REQUIRES / f"{key}.json", {"requires": sorted(requires)})
    except OSError as exc:
        logger.debug("could not remember the build requirements: %s", exc)


def installed_distributions(path: Path) -> list[str]:
    """``name==version`` of every distribution in the environment (from ``*.dist-info``)."""
    found: list[str] = []
    for site in (*path.glob("lib/python*/site-packages"), *path.glob("lib/pypy*/site-packages"),
                 path / "Lib" / "site-packages"):  # fmt: skip
        for info in site.glob("*.dist-info"):
            name, _, version = info.name[: -len(".dist-info")].partition("-")
            found.append(f"{canonicalize_name(name)}=={version}")
    return sorted(found)


def _python_of(path: Path) -> Path:
    unix = path / "bin" / "python"
    return unix if unix.exists() else path / "Scripts" / "python.exe"
