"""The wheel cache as one build uses it: compute the key, serve a hit, store a fresh build.

The key covers the source (``keys.tree_digest`` or the archive's bytes), the build plan, the
config settings, the interpreter, the installer, the build requirements and the versions
resolved for them in the cached environment, the constraint files, hwb's version, the git
state of a project whose version comes from git, and the variables that change builds
(``keys.DEFAULT_ENV_VARS`` and the ``cache-env`` option).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from headless_wheel_builder.cache import keys, store
from headless_wheel_builder.cache.envs import EnvCache
from headless_wheel_builder.cache.wheels import WheelCache

if TYPE_CHECKING:
    from collections.abc import Mapping

    from headless_wheel_builder.analyze.analyzer import ProjectInfo
    from headless_wheel_builder.build.plan import BuildOptions, PipelineRun, SourceFacts
    from headless_wheel_builder.source.source import ResolvedSource


class BuildCache:
    """The wheel cache for one build (``None`` from :meth:`for_options` when it is off)."""

    def __init__(self, root: Path, options: BuildOptions) -> None:
        self.root = root
        self.options = options
        self.wheels = WheelCache(root)
        self._source: dict[str, object] | None = None

    @classmethod
    def for_options(cls, options: BuildOptions) -> BuildCache | None:
        """The cache ``options`` ask for; None with ``cache=False`` or without isolation
        (the interpreter's own packages are not part of any key)."""
        if not options.cache or not options.isolation:
            return None
        return cls(store.cache_root(options.cache_dir), options)

    def key(self, facts: SourceFacts, run: PipelineRun, environ: Mapping[str, str]) -> str:
        """The key of ``run``'s artifacts; the source part is computed once, the environment
        part each call (it is known only once the environment exists).  ``environ``: the
        variables the run adds for its processes (``SOURCE_DATE_EPOCH``, platform ones)."""
        options, interpreter, project = self.options, run.interpreter, facts.project
        if self._source is None:
            self._source = self._source_parts(facts.source, project)
        env_path = EnvCache(self.root).path_for(
            interpreter, project.build_requires, options.installer, options.build_constraints
        )
        env_meta = EnvCache(self.root).lookup(env_path)
        from headless_wheel_builder.__about__ import __version__

        return keys.digest(
            {
                "hwb": __version__,
                **self._source,
                "plan": list(options.distributions) or "default",
                "from_sdist": run.tree_is_sdist,
                "identifier": str(run.identifier) if run.identifier else None,
                # An editable wheel points at its source folder: another folder, another wheel.
                "editable_path": str(facts.source.project_dir)
                if "editable" in options.distributions
                else None,
                "config_settings": {k: options.config_settings[k] for k in sorted(options.config_settings)},
                "interpreter": keys.interpreter_identity(
                    interpreter.executable, interpreter.full_version, interpreter.implementation
                ),
                "installer": options.installer or "auto",
                "backend": [project.backend, *project.backend_path],
                "requires": sorted(project.build_requires),
                "resolved": env_meta.get("installed") if env_meta else None,
                "constraints": keys.files_digest(options.build_constraints),
                "repair": [options.repair, options.manylinux],
                "env": keys.env_values(options.cache_env, {**os.environ, **environ}),
            }
        )

    def container_key(self, facts: SourceFacts, build: Mapping[str, object]) -> str:
        """The key of a whole container build: the source, and ``build`` (the image's id,
        the Pythons, the arguments of the build inside, the container's variables)."""
        if self._source is None:
            self._source = self._source_parts(facts.source, facts.project)
        from headless_wheel_builder.__about__ import __version__

        return keys.digest({"hwb": __version__, **self._source, "container": dict(build),
                            "env": keys.env_values(self.options.cache_env)})  # fmt: skip

    def _source_parts(self, resolved: ResolvedSource, project: ProjectInfo) -> dict[str, object]:
        parts: dict[str, object] = {}
        if resolved.archive is not None:
            parts["archive"] = keys.file_sha256(resolved.archive)
            parts["subdirectory"] = self.options.subdirectory
        else:
            outdir = Path(self.options.outdir)
            parts["tree"] = keys.tree_digest(resolved.project_dir, exclude=[outdir])
        if resolved.archive is None and keys.uses_scm_version(
            project.version_source, project.build_requires, project.dynamic
        ):
            parts["scm"] = keys.scm_state(resolved.project_dir)
        return parts

    def fetch(self, key: str, dest: Path) -> list[Path] | None:
        """The cached artifacts of ``key`` copied into ``dest``; None on a miss (always with
        ``refresh``).  Counts the hit or miss."""
        served = None if self.options.refresh else self.wheels.fetch(key, dest)
        store.count(self.root, **({"wheel_hits": 1} if served else {"wheel_misses": 1}))
        return served

    def put(self, key: str, files: Sequence[Path], project: ProjectInfo) -> None:
        self.wheels.put(key, files, summary={"project": project.name, "pid": os.getpid()})
