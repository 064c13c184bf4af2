"""The wheel cache as one build uses it: compute the key, serve a hit, store a fresh build.

The key covers the source (``keys.tree_digest`` or the archive's bytes), the build plan, the
config settings, the interpreter, the installer, the build requirements and the versions
resolved for them in the cached environment, the constraint files, hwb's version, the git
state of a project whose version comes from git, and the environment the backend sees (every
variable but those that cannot matter: ``keys.IGNORED_ENV``, the ``cache-env`` and
``cache-env-ignore`` options).

Each entry records a digest of each part of its key and a hash of each variable's value, so a
miss can say what changed since the closest cached build of the same project (``$NAME`` for a
variable, never its value): logged with ``-v``/``--debug``, kept in the new entry's metadata and
shown by ``hwb cache info -v`` (docs/CACHING.md).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from headless_wheel_builder._log import logger
from headless_wheel_builder.cache import keys, store
from headless_wheel_builder.cache.envs import EnvCache
from headless_wheel_builder.cache.fingerprint import FingerprintIndex
from headless_wheel_builder.cache.wheels import WheelCache

if TYPE_CHECKING:
    from collections.abc import Mapping

    from headless_wheel_builder.analyze.analyzer import ProjectInfo
    from headless_wheel_builder.build.plan import BuildOptions, PipelineRun, SourceFacts
    from headless_wheel_builder.isolation.python import Interpreter


def env_cache_for(options: BuildOptions) -> EnvCache | None:
    """The build-environment cache ``options`` ask for (None: off, or without isolation)."""
    if not options.cache or not options.isolation:
        return None
    max_age = None if options.env_max_age is None else options.env_max_age * 86400
    return EnvCache(store.cache_root(options.cache_dir), refresh=options.refresh, max_age=max_age,
                    offline=options.offline)  # fmt: skip


class BuildCache:
    """The wheel cache for one build (``None`` from :meth:`for_options` when it is off)."""

    def __init__(self, root: Path, options: BuildOptions) -> None:
        self.root = root
        self.options = options
        self.wheels = WheelCache(root)
        self._source: dict[str, object] | None = None
        #: key -> (project, the digest of each part of the key); see :meth:`explain`.
        self._recorded: dict[str, tuple[str, dict[str, object]]] = {}
        self._explained: dict[str, tuple[str, list[str]] | None] = {}
        #: The source folder's fingerprint index, once the key was computed (None for archives).
        self.index: FingerprintIndex | None = None

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
            self._source = self._source_parts(facts)
        env_path = EnvCache(self.root).path_for(
            interpreter, project.build_requires, options.installer, options.build_constraints
        )
        env_meta = EnvCache(self.root).lookup(env_path)
        from headless_wheel_builder.__about__ import __version__

        return self._key(
            project,
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
                # The project's shell steps change the wheel (environment: in the variables).
                **({"before_build": list(options.before_build)} if options.before_build else {}),
                **({"repair_command": options.repair_command} if options.repair_command else {}),
            },
            keys.env_fingerprint(
                {**os.environ, **environ}, keep=options.cache_env, ignore=options.cache_env_ignore
            ),
        )

    def container_key(self, facts: SourceFacts, build: Mapping[str, object]) -> str:
        """The key of a whole container build: the source, and ``build`` (the image's id,
        the Pythons, the arguments of the build inside, the container's variables)."""
        if self._source is None:
            self._source = self._source_parts(facts)
        from headless_wheel_builder.__about__ import __version__

        # The container's backend sees the container's variables (part of ``build``), not the
        # host's: of these only the ones ``cache-env`` names.
        named = {n: os.environ[n] for n in self.options.cache_env if n in os.environ}
        parts = {"hwb": __version__, **self._source, "container": dict(build)}
        return self._key(facts.project, parts, keys.env_fingerprint(named, keep=self.options.cache_env))

    def _key(self, project: ProjectInfo, parts: dict[str, object], env: dict[str, str]) -> str:
        key = keys.digest({**parts, "env": env})
        recorded: dict[str, object] = {name: keys.digest({name: value})[:16] for name, value in parts.items()}
        self._recorded[key] = (project.name or "", {**recorded, "env": env})
        return key

    def analysis(self, project_dir: Path) -> tuple[ProjectInfo, tuple[Path, str]]:
        """The analysis of the project folder ``project_dir`` (a user's folder) and its tree
        digest: remembered in the folder's fingerprint index while the digest (every file the
        backend sees, so every file the analysis reads) and hwb's version are the same, so an
        unchanged folder is neither read nor analysed again."""
        from headless_wheel_builder.__about__ import __version__
        from headless_wheel_builder.analyze._info import ProjectInfo, check_is_project

        check_is_project(project_dir)  # before reading a folder that may be anything (`hwb build ~`)
        outdir = Path(self.options.outdir)
        self.index = FingerprintIndex.for_root(self.root, project_dir)
        digest = keys.tree_digest(project_dir, exclude=[outdir], index=self.index)
        inputs: dict[str, object] = {"tree": digest, "hwb": __version__, "path": str(project_dir)}
        remembered = self.index.recall("analysis", inputs)
        if remembered is not None:
            try:
                return ProjectInfo.from_dict(remembered), (outdir.resolve(), digest)
            except (KeyError, TypeError, ValueError):
                logger.debug("ignoring a damaged remembered analysis of %s", project_dir)
        from headless_wheel_builder.analyze.analyzer import analyze

        project = analyze(project_dir)
        self.index.remember("analysis", inputs, project.to_dict())
        self.index.save()
        return project, (outdir.resolve(), digest)

    def _source_parts(self, facts: SourceFacts) -> dict[str, object]:
        resolved, project = facts.source, facts.project
        parts: dict[str, object] = {}
        if resolved.archive is not None:
            parts["archive"] = keys.file_sha256(resolved.archive)
            parts["subdirectory"] = self.options.subdirectory
        elif facts.tree is not None and facts.tree[0] == Path(self.options.outdir).resolve():
            parts["tree"] = facts.tree[1]  # computed by the source stage, in this run
        else:
            outdir = Path(self.options.outdir)
            # A folder of the user's keeps a fingerprint index (a fresh clone would only fill
            # the cache with indexes of temporary folders).
            index = None
            if resolved.kind == "directory":
                index = FingerprintIndex.for_root(self.root, resolved.project_dir)
            parts["tree"] = keys.tree_digest(resolved.project_dir, exclude=[outdir], index=index)
            self.index = index
        if resolved.archive is None and keys.uses_scm_version(
            project.version_source, project.build_requires, project.dynamic
        ):
            parts["scm"] = keys.scm_state(resolved.project_dir)
        return parts

    def environment_is_stale(self, interpreter: Interpreter, requires: Sequence[str]) -> bool:
        """Whether the cached environment of ``requires`` exists and is older than
        ``env-max-age`` (then it is resolved again before the key is computed)."""
        envs = env_cache_for(self.options)
        if envs is None or envs.max_age is None:
            return False
        path = envs.path_for(interpreter, requires, self.options.installer, self.options.build_constraints)
        meta = envs.lookup(path)
        return meta is not None and not envs.fresh(meta)

    def scratch(self) -> AbstractContextManager[Path]:
        """A folder to serve a hit through, on the cache's filesystem (``store.scratch``)."""
        return store.scratch(self.root)

    def fetch(self, key: str, dest: Path) -> list[Path] | None:
        """The cached artifacts of ``key`` copied into ``dest``; None on a miss (always with
        ``refresh``).  Counts the hit or miss."""
        served = None if self.options.refresh else self.wheels.fetch(key, dest)
        store.count(self.root, **({"wheel_hits": 1} if served else {"wheel_misses": 1}))
        if served is None and not self.options.refresh:
            self._say_why(key)
        return served

    def _say_why(self, key: str) -> None:
        """Log (``-v``, ``--debug``) what makes ``key`` a miss."""
        project = self._recorded.get(key, ("", {}))[0] or "the project"
        closest = self.explain(key)
        if closest is None:
            logger.info("Not in the wheel cache: no cached build of %s to compare with", project)
            return
        differs = ", ".join(closest[1]) or "nothing recorded"
        logger.info("Not in the wheel cache: the closest cached build of %s (%s) differs in %s",
                    project, closest[0][:16], differs)  # fmt: skip

    def explain(self, key: str) -> tuple[str, list[str]] | None:
        """The cached entry of the same project closest to ``key`` (a key this object computed)
        and what differs: the names of key parts (``tree``, ``resolved`` …) and ``$NAME`` for
        each variable changed, set or unset; None when there is none to compare with."""
        if key in self._explained:
            return self._explained[key]
        project, mine = self._recorded.get(key, ("", {}))
        best: tuple[int, float, str, list[str]] | None = None
        for other, meta in self.wheels.entries():
            theirs = meta.get("inputs")
            if other == key or not project or meta.get("project") != project or not isinstance(theirs, dict):
                continue
            differs = keys.differences(mine, theirs)
            created = meta.get("created")
            rank = (len(differs), -(created if isinstance(created, (int, float)) else 0.0), other, differs)
            best = rank if best is None or rank < best else best
        self._explained[key] = None if best is None else (best[2], best[3])
        return self._explained[key]

    def put(self, key: str, files: Sequence[Path], project: ProjectInfo) -> None:
        summary: dict[str, object] = {"project": project.name, "pid": os.getpid()}
        if key in self._recorded:
            summary["inputs"] = self._recorded[key][1]
            closest = None if self.options.refresh else self.explain(key)
            if closest is not None:
                summary["miss"] = {"closest": closest[0], "differs": closest[1]}
        self.wheels.put(key, files, summary=summary)
