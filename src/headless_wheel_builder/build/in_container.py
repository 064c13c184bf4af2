"""Build in a container: hwb runs its own pipeline inside a manylinux/musllinux (or custom)
image.

One container per call, for every Python asked for.  The host runs the source stage
(``build.pipeline.prepare_source``: resolve, analyse, pin ``SOURCE_DATE_EPOCH``, which is
passed in), then looks the whole build up in the wheel cache (keyed by the source, the image's
id, the Pythons and the arguments of the build inside): a hit is placed without starting a
container.  On a miss, the host's ``headless_wheel_builder`` package is mounted read-only and
run with the image's newest Python >= 3.10 in a virtual environment holding hwb's build-time
dependencies, so the code in the container is exactly the code on the host.  Inside,
``hwb build --repair …`` runs the same pipeline as on the host (one build or a matrix), and
hands its result back as a versioned JSON result file (``.hwb-result.json``, schema
``hwb-result/1``) in the output folder — never by parsing console output.  The results are
copied out with the engine's ``cp`` (so they belong to the calling user), validated again,
stored in the wheel cache and placed atomically in the output folder.  The container is
removed on every path out.

Another architecture (``--arch aarch64``) runs in that architecture's image under QEMU: the
official image of the architecture is chosen, the container runs with ``--platform``, and
before anything starts the image's own architecture is checked (``image inspect``) and so is
the kernel's ability to run it (binfmt_misc, :mod:`~headless_wheel_builder.isolation.emulation`).
The wheels that come out are checked once more: their platform tag and every ELF file in them
must be of that architecture, or nothing is placed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from headless_wheel_builder import _proc
from headless_wheel_builder._dirs import new_log_file
from headless_wheel_builder._log import NullProgress, Progress, phase
from headless_wheel_builder.artifacts.output import (
    ArtifactInfo,
    check_outdir,
    describe,
    place_artifacts,
    validate,
)
from headless_wheel_builder.build.pipeline import interruptible, prepare_source
from headless_wheel_builder.build.plan import BuildOptions, SourceFacts
from headless_wheel_builder.build.wheel_cache import BuildCache
from headless_wheel_builder.build.workspace import workspace
from headless_wheel_builder.errors import (
    BuildError,
    ContainerError,
    ContainerKilledError,
    HwbError,
    ValidationError,
    all_error_classes,
)
from headless_wheel_builder.isolation.container_setup import (
    CompilerCache,
    container_environment,
    hwb_requirements,
    list_pythons,
    runner_python,
    select_pythons,
)
from headless_wheel_builder.isolation.docker import (
    ContainerConfig,
    ContainerEnv,
    terminate_as_interrupt,
)
from headless_wheel_builder.isolation.emulation import check_emulation
from headless_wheel_builder.isolation.engine import Engine, EngineName, find_engine
from headless_wheel_builder.isolation.images import build_dockerfile, check_image_arch, ensure_image
from headless_wheel_builder.platforms import (
    LinuxArch,
    default_image,
    default_policy,
    linux_arch,
    native_arch,
    needs_emulation,
    parse_linux_tag,
    parse_policy,
)
from headless_wheel_builder.source.source import ResolvedSource

#: The build inside writes its JSON result here (``hwb --result-file``); copied out with
#: the artifacts, read, and never placed in the output folder (its name starts with a dot).
RESULT_NAME = ".hwb-result.json"
#: The result file layouts this host understands (``cli/_output.py`` writes them).
RESULT_SCHEMAS = ("hwb-result/1",)


@dataclass(frozen=True, kw_only=True)
class ContainerOptions:
    """Everything that shapes a container build (docs/ISOLATION.md)."""

    engine: EngineName | None = None
    """None: docker, else podman, whichever works."""
    image: str | None = None
    """Overrides the pinned image of the target."""
    images: Mapping[str, str] = field(default_factory=dict)
    """Target name (``manylinux_2_28``) -> image, from configuration."""
    dockerfile: Path | None = None
    target: str | None = None
    """``manylinux2014``, ``manylinux_2_28`` (default), ``manylinux_2_34``, ``musllinux_1_2``."""
    arch: str | None = None
    """The architecture to build for (``aarch64``, ``ppc64le``, ``s390x``, ``armv7l``,
    ``i686``); None: this machine's.  Another one runs under QEMU."""
    pythons: tuple[str, ...] = ()
    """Versions (``3.12``, ``cp312``), paths inside the image, or ``all``; empty: the image's
    Python of the host's version, else its newest."""
    build_args: tuple[str, ...] = ()
    """Further ``hwb build`` arguments for inside (``--repair auto``, ``-C k=v`` …)."""
    environment: Mapping[str, str] = field(default_factory=dict)
    before_all: tuple[str, ...] = ()
    host_settings: bool = True
    """Pass the host's CA bundle, index and proxy settings in."""
    gpus: str | None = None
    engine_args: tuple[str, ...] = ()
    caches: bool = True
    compiler_cache: CompilerCache = "none"
    outdir: Path = Path("dist")
    subdirectory: str | None = None
    verbose: bool = False
    timeout: float | None = None
    # -- the wheel cache on the host (docs/CACHING.md) --
    cache: bool = True
    refresh: bool = False
    cache_dir: Path | None = None
    cache_env: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ContainerBuildReport:
    engine: str
    image: str
    container: str
    pythons: tuple[str, ...]
    artifacts: tuple[ArtifactInfo, ...]
    inner: Mapping[str, Any]
    """The JSON result of ``hwb build`` in the container (its result file)."""
    timings: Mapping[str, float]
    log_path: Path | None
    cached: bool = False
    """Served from the wheel cache: no container was started."""
    source_date_epoch: str | None = None

    @property
    def files(self) -> tuple[Path, ...]:
        """The placed artifacts."""
        return tuple(a.path for a in self.artifacts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "isolation": {"kind": self.engine, "image": self.image, "container": self.container},
            "pythons": list(self.pythons),
            "artifacts": [a.to_dict() for a in self.artifacts],
            "build": dict(self.inner),
            "cached": self.cached,
            "source_date_epoch": self.source_date_epoch,
            "timings": dict(self.timings),
            "log": str(self.log_path) if self.log_path else None,
        }


def build_in_container(
    source: str | os.PathLike[str] | ResolvedSource,
    options: ContainerOptions,
    progress: Progress | None = None,
) -> ContainerBuildReport:
    """Build ``source`` in a container as ``options`` say; raise an HwbError on failure."""
    progress = progress or NullProgress()
    timings: dict[str, float] = {}
    check_outdir(options.outdir)
    with interruptible("build (its container was removed)"), workspace("hwb-container-") as workdir:
        with phase(timings, "resolve"):
            progress.step(f"Resolving {source.spec if isinstance(source, ResolvedSource) else source}")
            spec = source if isinstance(source, ResolvedSource) else os.fspath(source)
            facts = prepare_source(spec, BuildOptions(subdirectory=options.subdirectory), workdir)
            engine = find_engine(options.engine)
        project = facts.project
        log_file = new_log_file(f"{project.name or facts.source.project_dir.name}-container")
        arch = linux_arch(options.arch or native_arch("linux"))
        with phase(timings, "image"):
            image = _image(engine, options, arch, progress, log_file)
            check_image_arch(engine, image, arch)
            check_emulation(arch)
        build = _Build(engine=engine, image=image, arch=arch, facts=facts, options=options, progress=progress,
                       log_file=log_file, timings=timings, out=workdir / "out")  # fmt: skip
        cache, key = _cache(build)
        served = cache.fetch(key, build.out) if cache and key else None
        if served is None:
            with terminate_as_interrupt():
                container, inner = _run(build)
            if cache is not None and key is not None:
                cache.put(key, sorted(p for p in build.out.iterdir() if p.is_file()), project)
        else:
            progress.done("Found in the cache")
            container, inner = "", _read_result(build.out / RESULT_NAME, log_file)
        with phase(timings, "place"):
            artifacts = _place(build.out, options.outdir, arch)
        return ContainerBuildReport(
            engine=engine.name, image=image, container=container, pythons=tuple(inner.get("pythons", ())),
            artifacts=tuple(artifacts), inner=inner, timings=timings, log_path=log_file,
            cached=served is not None, source_date_epoch=_epoch(facts),
        )  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class _Build:
    """One container build on its way: what the host knows before a container starts."""

    engine: Engine
    image: str
    arch: LinuxArch
    facts: SourceFacts
    options: ContainerOptions
    progress: Progress
    log_file: Path
    timings: dict[str, float]
    out: Path


def _epoch(facts: SourceFacts) -> str | None:
    from headless_wheel_builder.build._reproducible import effective_epoch

    return effective_epoch(facts.epoch)


def _environment(build: _Build) -> dict[str, str]:
    """The container's variables: the user's, and ``SOURCE_DATE_EPOCH`` from the source stage
    (the copy in the container may have no git history to read it from)."""
    epoch = _epoch(build.facts)
    return {**({"SOURCE_DATE_EPOCH": epoch} if epoch else {}), **build.options.environment}


def _cache(build: _Build) -> tuple[BuildCache | None, str | None]:
    """The host's wheel cache and the key of this container build (None, None when off)."""
    options = build.options
    cache = BuildCache.for_options(
        BuildOptions(outdir=options.outdir, subdirectory=options.subdirectory, cache=options.cache,
                     refresh=options.refresh, cache_dir=options.cache_dir, cache_env=options.cache_env)
    )  # fmt: skip
    if cache is None:
        return None, None
    identity = {
        "image": image_id(build.engine, build.image),
        "arch": build.arch.name,
        "pythons": list(options.pythons),
        "build_args": list(options.build_args),
        "environment": _environment(build),
        "before_all": list(options.before_all),
        "compiler_cache": options.compiler_cache,
    }
    return cache, cache.container_key(build.facts, identity)


def image_id(engine: Engine, image: str) -> str:
    """The content id of ``image`` (``sha256:…``): a re-tagged or re-pulled image is another key."""
    try:
        result = _proc.capture(engine.command("image", "inspect", "--format", "{{.Id}}", image), timeout=60)
    except _proc.ProcessFailed:
        return image
    return result.output.strip() or image


def _image(
    engine: Engine, options: ContainerOptions, arch: LinuxArch, progress: Progress, log_file: Path
) -> str:
    """The image to build in: ``--image``, the Dockerfile's, the configured one of the target,
    else the pinned official one of the target on ``arch``."""
    if options.image:
        image = options.image
    elif options.dockerfile is not None:
        progress.step(f"Building the image from {options.dockerfile}")
        return build_dockerfile(engine, options.dockerfile, log_file=log_file)
    else:
        target = parse_policy(options.target or default_policy(arch.name))
        pinned, name = default_image(target, arch.name)
        image = options.images.get(str(target)) or options.images.get(name) or pinned
    progress.step(f"Looking for the image {image}")
    ensure_image(engine, image, log_file=log_file, platform=_platform(arch))
    return image


def _platform(arch: LinuxArch) -> str | None:
    """The engine's ``--platform`` for ``arch``: only for another architecture than the
    host's (the host's images are run as they always were)."""
    return arch.platform if needs_emulation(arch.name) else None


def _run(build: _Build) -> tuple[str, dict[str, Any]]:
    options, progress = build.options, build.progress
    environment, mounts = container_environment(
        build.facts.source.project_dir,
        host_settings=options.host_settings,
        caches=options.caches,
        compiler_cache=options.compiler_cache,
        environment=_environment(build),
    )
    config = ContainerConfig(
        image=build.image, mounts=tuple(mounts), environment=environment, platform=_platform(build.arch),
        gpus=options.gpus,
        engine_args=options.engine_args, log_file=build.log_file, verbose=options.verbose,
    )  # fmt: skip
    emulated = f" ({build.arch.platform}, under QEMU)" if needs_emulation(build.arch.name) else ""
    progress.step(f"Starting a {build.engine.name} container from {build.image}{emulated}")
    with phase(build.timings, "container"), ContainerEnv.start(build.engine, config) as box:
        box.shell("mkdir -p /hwb/src /hwb/out /hwb/logs /hwb/home && cp -R /hwb/src-ro/. /hwb/src/",
                  action="copied the sources")  # fmt: skip
        found = list_pythons(box)
        pythons = select_pythons(found, options.pythons)
        box.base_python = runner_python(found)
        progress.step(f"Installing hwb's build tools in the container ({box.base_python})")
        box.install(hwb_requirements())
        for command in options.before_all:
            progress.step(f"before-all: {command}")
            box.shell(command, action=f"ran before-all {command!r}")
        progress.step(f"Building in the container ({', '.join(pythons)})")
        _inner_build(box, pythons, options, build.log_file)
        progress.step("Copying the artifacts out")
        box.copy_out("/hwb/out", build.out)
    # The Pythons the image provided, kept with the result (a cache hit starts no container).
    result = {**_read_result(build.out / RESULT_NAME, build.log_file), "pythons": pythons}
    envelope = {"schema": RESULT_SCHEMAS[0], "ok": True, "result": result}
    (build.out / RESULT_NAME).write_text(json.dumps(envelope, indent=2), encoding="utf-8")
    return box.name, result


def _inner_build(box: ContainerEnv, pythons: list[str], options: ContainerOptions, log_file: Path) -> None:
    """Run the pipeline in the container; an error there becomes the same error here."""
    cmd = [box.python_executable, "-m", "headless_wheel_builder", "build", "/hwb/src", "-o", "/hwb/out",
           "--result-file", f"/hwb/out/{RESULT_NAME}", "--python", ",".join(pythons),
           *options.build_args]  # fmt: skip
    if options.verbose:
        cmd.append("-v")
    prelude = ""
    if options.compiler_cache == "ccache":
        prelude = "export PATH=/usr/lib/ccache:/usr/lib64/ccache:$PATH; "
    elif options.compiler_cache == "sccache":
        prelude = "command -v sccache >/dev/null && export RUSTC_WRAPPER=sccache; "
    env = {"PYTHONPATH": "/hwb/lib", "PYTHONDONTWRITEBYTECODE": "1", "HWB_LOG_DIR": "/hwb/logs",
           "HWB_CACHE_DIR": "/hwb/tool-cache", "HOME": "/hwb/home"}  # fmt: skip
    try:
        box.exec(["sh", "-c", prelude + 'exec "$@"', "sh", *cmd], action="built the project", env=env)
    except ContainerKilledError:
        raise
    except ContainerError as exc:
        error = _result_in_box(box)
        if error is None or "error" not in error:
            raise
        raise inner_error(error, log_file=log_file, details=exc.details) from exc


def _result_in_box(box: ContainerEnv) -> dict[str, Any] | None:
    """The result file of a build that failed (it is still in the container)."""
    try:
        text = box.exec(["cat", f"/hwb/out/{RESULT_NAME}"], action="read the result", quiet=True).output
    except ContainerError:
        return None
    return _parse_result(text)


def _parse_result(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("schema") not in RESULT_SCHEMAS:
        return None
    result = data.get("result")
    return result if isinstance(result, dict) else None


def _read_result(path: Path, log_file: Path | None) -> dict[str, Any]:
    """The result file the build inside wrote; BuildError when it is missing or unreadable."""
    try:
        data = _parse_result(path.read_text(encoding="utf-8"))
    except OSError:
        data = None
    if data is None:
        raise BuildError(
            "the build in the container wrote no readable result file",
            why=f"{RESULT_NAME} is missing, not JSON, or not of a known schema ({', '.join(RESULT_SCHEMAS)})",
            hint="the log shows the build's output; hwb on the host and in the container must be the same",
            log_path=log_file,
        )
    return data


def inner_error(data: Mapping[str, Any], *, log_file: Path | None, details: str | None = None) -> HwbError:
    """The error of the build in the container, as the same class (and exit code) on the host."""
    classes = {cls.kind: cls for cls in all_error_classes()}
    cls = classes.get(str(data.get("error")), BuildError)
    hint = data.get("hint")
    return cls(
        f"in the container: {data.get('message') or 'the build failed'}",
        why=data.get("why"),
        hint=f"{hint} (log: {log_file})" if hint and log_file else hint,
        details=details,
        log_path=log_file,
    )


def _place(staging: Path, outdir: Path, arch: LinuxArch) -> list[ArtifactInfo]:
    files = sorted(p for p in staging.glob("*") if p.name.endswith((".whl", ".tar.gz")))
    for path in files:
        problems = [str(p) for p in validate(path) if p.severity == "error"]
        if path.name.endswith(".whl"):
            problems += wrong_arch(path, arch)
        if problems:
            raise ValidationError(
                f"the container build produced an invalid artifact {path.name}",
                why="; ".join(problems[:10]),
            )
    final = place_artifacts(files, outdir)
    for extra in sorted(staging.glob("*")):
        if extra.is_file() and extra not in files and not extra.name.startswith("."):
            text = extra.read_text(encoding="utf-8", errors="replace")
            (outdir / extra.name).write_text(
                text.replace("/hwb/out/", f"{outdir.resolve()}/"), encoding="utf-8"
            )
    return [describe(path) for path in final]


def wrong_arch(wheel: Path, arch: LinuxArch) -> list[str]:
    """Why ``wheel`` is not a wheel of ``arch``: a Linux platform tag of another architecture,
    or an ELF file inside for another machine (the last line of defence against an image
    that said one architecture and built another)."""
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    from headless_wheel_builder.repair.elf import wheel_elf_machines

    problems: list[str] = []
    try:
        tags = parse_wheel_filename(wheel.name)[3]
    except InvalidWheelFilename:
        return problems
    for platform_tag in sorted({t.platform for t in tags}):
        tagged = parse_linux_tag(platform_tag)
        plain = platform_tag.startswith("linux_")
        tag_arch = tagged[1] if tagged else platform_tag.removeprefix("linux_") if plain else None
        if tag_arch is not None and tag_arch != arch.name:
            problems.append(f"its platform tag {platform_tag} is for {tag_arch}, not {arch.name}")
    for member, machine in wheel_elf_machines(wheel).items():
        if machine != arch.elf_machine:
            problems.append(
                f"{member} is an ELF file for machine {machine}, not {arch.name} "
                f"(e_machine {arch.elf_machine})"
            )
    return problems
