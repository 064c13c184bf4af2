"""Build in a container: hwb runs itself inside a manylinux/musllinux (or custom) image.

One container per call, for every Python asked for.  The host's ``headless_wheel_builder``
package is mounted read-only and run with the image's newest Python >= 3.10 in a virtual
environment holding hwb's build-time dependencies (pip, from a named cache volume), so the code
in the container is exactly the code on the host.  Inside, ``hwb build --repair …`` builds each
wheel with uv isolation, repairs it with auditwheel and checks it; the results are copied out
with the engine's ``cp`` (so they belong to the calling user), validated again and placed
atomically in the output folder.  The container is removed on every path out.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from headless_wheel_builder._log import NullProgress, Progress, new_log_file, phase
from headless_wheel_builder.analyze.analyzer import analyze
from headless_wheel_builder.artifacts.output import ArtifactInfo, describe, place_artifacts, validate
from headless_wheel_builder.errors import (
    BuildError,
    ContainerError,
    ContainerKilledError,
    HwbError,
    InterruptedBuild,
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
from headless_wheel_builder.isolation.engine import Engine, EngineName, find_engine
from headless_wheel_builder.isolation.images import build_dockerfile, ensure_image
from headless_wheel_builder.platforms import default_image, parse_policy
from headless_wheel_builder.source.source import resolve_source


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


@dataclass(frozen=True, kw_only=True)
class ContainerBuildReport:
    engine: str
    image: str
    container: str
    pythons: tuple[str, ...]
    artifacts: tuple[ArtifactInfo, ...]
    inner: Mapping[str, Any]
    """The JSON report of ``hwb build`` in the container."""
    timings: Mapping[str, float]
    log_path: Path | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "isolation": {"kind": self.engine, "image": self.image, "container": self.container},
            "pythons": list(self.pythons),
            "artifacts": [a.to_dict() for a in self.artifacts],
            "build": dict(self.inner),
            "timings": dict(self.timings),
            "log": str(self.log_path) if self.log_path else None,
        }


def build_in_container(
    source: str | os.PathLike[str], options: ContainerOptions, progress: Progress | None = None
) -> ContainerBuildReport:
    """Build ``source`` in a container as ``options`` say; raise an HwbError on failure."""
    progress = progress or NullProgress()
    timings: dict[str, float] = {}
    workdir = Path(tempfile.mkdtemp(prefix="hwb-container-"))
    try:
        with phase(timings, "resolve"):
            progress.step(f"Resolving {source}")
            resolved = resolve_source(
                os.fspath(source), subdirectory=options.subdirectory, workdir=workdir / "src"
            )
            project = analyze(resolved.project_dir)
            engine = find_engine(options.engine)
        log_file = new_log_file(f"{project.name or resolved.project_dir.name}-container")
        with phase(timings, "image"):
            image = _image(engine, options, progress, log_file)
        with terminate_as_interrupt():
            container, pythons, inner = _run(engine, image, resolved.project_dir, options, progress,
                                             log_file, timings, workdir / "out")  # fmt: skip
        with phase(timings, "place"):
            artifacts = _place(workdir / "out", options.outdir)
        return ContainerBuildReport(
            engine=engine.name, image=image, container=container, pythons=pythons,
            artifacts=tuple(artifacts), inner=inner, timings=timings, log_path=log_file,
        )  # fmt: skip
    except KeyboardInterrupt as exc:
        raise InterruptedBuild(
            "interrupted",
            why="the build was stopped before it finished; its container was removed",
            hint="nothing was written to the output folder; run the command again",
        ) from exc
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _image(engine: Engine, options: ContainerOptions, progress: Progress, log_file: Path) -> str:
    if options.image:
        image = options.image
    elif options.dockerfile is not None:
        progress.step(f"Building the image from {options.dockerfile}")
        return build_dockerfile(engine, options.dockerfile, log_file=log_file)
    else:
        target = parse_policy(options.target)
        pinned, name = default_image(target)
        image = options.images.get(str(target)) or options.images.get(name) or pinned
    progress.step(f"Looking for the image {image}")
    ensure_image(engine, image, log_file=log_file)
    return image


def _run(
    engine: Engine,
    image: str,
    project_dir: Path,
    options: ContainerOptions,
    progress: Progress,
    log_file: Path,
    timings: dict[str, float],
    out: Path,
) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    environment, mounts = container_environment(
        project_dir,
        host_settings=options.host_settings,
        caches=options.caches,
        compiler_cache=options.compiler_cache,
        environment=options.environment,
    )
    config = ContainerConfig(
        image=image, mounts=tuple(mounts), environment=environment, gpus=options.gpus,
        engine_args=options.engine_args, log_file=log_file, verbose=options.verbose,
    )  # fmt: skip
    progress.step(f"Starting a {engine.name} container from {image}")
    with phase(timings, "container"), ContainerEnv.start(engine, config) as box:
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
        inner = _inner_build(box, pythons, options, log_file)
        progress.step("Copying the artifacts out")
        box.copy_out("/hwb/out", out)
        return box.name, tuple(pythons), inner


def _inner_build(
    box: ContainerEnv, pythons: list[str], options: ContainerOptions, log_file: Path
) -> dict[str, Any]:
    cmd = [box.python_executable, "-m", "headless_wheel_builder", "build", "/hwb/src", "-o", "/hwb/out",
           "--json", "--python", ",".join(pythons), *options.build_args]  # fmt: skip
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
        box.exec(["sh", "-c", prelude + 'exec "$@" >/hwb/report.json', "sh", *cmd],
                 action="built the project", env=env)  # fmt: skip
    except ContainerKilledError:
        raise
    except ContainerError as exc:
        docs = _json_docs(_read_report(box))
        error = next((d for d in reversed(docs) if "error" in d and "exit_code" in d), None)
        if error is None:
            raise
        raise inner_error(error, log_file=log_file, details=exc.details) from exc
    docs = _json_docs(_read_report(box))
    if not docs:
        raise BuildError("the build in the container wrote no report", log_path=log_file)
    return docs[0]


def _read_report(box: ContainerEnv) -> str:
    try:
        return box.exec(["cat", "/hwb/report.json"], action="read the report", quiet=True).output
    except ContainerError:
        return ""


def _json_docs(text: str) -> list[dict[str, Any]]:
    """Every JSON object in ``text`` (the CLI may print a report and then an error)."""
    decoder = json.JSONDecoder()
    docs: list[dict[str, Any]] = []
    index = 0
    while True:
        start = text.find("{", index)
        if start < 0:
            return docs
        try:
            value, index = decoder.raw_decode(text, start)
        except ValueError:
            index = start + 1
            continue
        if isinstance(value, dict):
            docs.append(value)


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


def _place(staging: Path, outdir: Path) -> list[ArtifactInfo]:
    files = sorted(p for p in staging.glob("*") if p.name.endswith((".whl", ".tar.gz")))
    for path in files:
        problems = [p for p in validate(path) if p.severity == "error"]
        if problems:
            raise ValidationError(
                f"the container build produced an invalid artifact {path.name}",
                why="; ".join(str(p) for p in problems[:10]),
            )
    final = place_artifacts(files, outdir)
    for extra in sorted(staging.glob("*")):
        if extra.is_file() and extra not in files and not extra.name.startswith("."):
            text = extra.read_text(encoding="utf-8", errors="replace")
            (outdir / extra.name).write_text(
                text.replace("/hwb/out/", f"{outdir.resolve()}/"), encoding="utf-8"
            )
    return [describe(path) for path in final]
