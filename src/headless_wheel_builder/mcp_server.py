"""``hwb mcp``: hwb's tools for coding assistants, over the Model Context Protocol (stdio).

Tools: ``inspect``, ``build``, ``check``, ``matrix`` and ``publish``.  Each calls the public
API (:mod:`headless_wheel_builder.api`) in a worker thread and returns its JSON report; an
hwb error comes back as a tool error carrying hwb's what / why / hint.  ``publish`` is a
dry run unless the server was started with ``allow_publish=True`` (``hwb mcp
--allow-publish``) *and* the call passes ``dry_run=false``: an assistant cannot upload
anything a person did not allow when starting the server.

Relative paths are resolved against ``root`` (the folder the server was started in); a source
may also be an sdist, an archive or a git URL, as for ``hwb build``.  A parameter that is an
option of hwb takes its type, choices, default and description from the option registry
(``config/registry.py``), as ``--help`` shows them, so a bad value is a tool error naming the
valid ones before anything runs.  Each tool carries MCP's annotations: ``inspect``, ``check``
and ``matrix`` only read; ``build`` writes its output folder; ``publish`` is destructive (an
upload cannot be taken back).  Needs the official ``mcp`` SDK
(``pip install 'headless-wheel-builder[mcp]'``), imported only here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from headless_wheel_builder.errors import HwbError, UsageError

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

T = TypeVar("T")

INSTRUCTIONS = """\
hwb (Headless Wheel Builder) builds, checks and publishes Python wheels and sdists.
Start with `inspect` on a project folder; `build` writes validated artifacts to an output
folder; `check` validates wheels/sdists; `matrix` lists the build identifiers for CI;
`publish` uploads (a dry run unless the person who started this server allowed publishing).
"""


def _missing_sdk(exc: ImportError) -> UsageError:
    return UsageError(
        "hwb mcp needs the Model Context Protocol SDK",
        why=str(exc),
        hint="pip install 'headless-wheel-builder[mcp]' (or: uv tool install 'headless-wheel-builder[mcp]')",
    )


def create_server(*, root: Path | None = None, allow_publish: bool = False) -> MCPServer[Any]:
    """The MCP server with hwb's tools (not started)."""
    try:
        from mcp.server.mcpserver import MCPServer
    except ImportError as exc:
        raise _missing_sdk(exc) from exc

    from headless_wheel_builder.__about__ import __version__

    server: MCPServer[Any] = MCPServer(
        name="hwb", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING"
    )
    tools = _Tools(base=(root or Path.cwd()).resolve(), allow_publish=allow_publish)
    for register in (_project_tools, _publish_tool):
        register(server, tools)
    return server


class _Tools:
    """What every tool shares: the folder relative paths start from, and the call wrapper."""

    def __init__(self, *, base: Path, allow_publish: bool) -> None:
        self.base = base
        self.allow_publish = allow_publish

    def here(self, path: str) -> Path:
        candidate = Path(path).expanduser()
        return candidate if candidate.is_absolute() else self.base / candidate

    def source(self, source: str) -> str:
        """A git or archive URL as it is (the source parser of every door decides what it is);
        a path relative to the server's folder."""
        from headless_wheel_builder.source.source import is_remote

        return source if is_remote(source) else str(self.here(source))

    async def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn`` in a worker thread; an HwbError becomes the tool's error, rendered."""
        import anyio
        from mcp.server.mcpserver.exceptions import ToolError

        try:
            return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))
        except HwbError as exc:
            raise ToolError(exc.render()) from exc


def _typed(fn: Callable[..., T], described: dict[str, str], **options: str) -> Callable[..., T]:
    """``fn`` with its parameters annotated for the SDK, which builds the tool's input schema
    from them and validates every call: each one named in ``options`` as that registry option
    (its type, its choices as an enum, its description as ``--help`` has it), each one in
    ``described`` as its own type with that description.  A registry parameter whose default is
    None may also be null."""
    import inspect
    from typing import Annotated, Literal, Optional

    from pydantic import Field

    from headless_wheel_builder.config.registry import BY_NAME

    scalar: dict[str, Any] = {"str": str, "path": str, "bool": bool, "int": int, "float": float}
    signature = inspect.signature(fn, eval_str=True).parameters
    kinds = {parameter: (signature[parameter].annotation, text) for parameter, text in described.items()}
    for parameter, name in options.items():
        option = BY_NAME[name]
        enum: Any = Literal.__getitem__(option.choices) if option.choices else str
        if option.type == "choice":
            kind: Any = enum
        elif option.type in {"choices", "list", "paths"}:
            kind = list[enum]
        else:
            kind = scalar[option.type]
        if signature[parameter].default is None:
            kind = Optional[kind]  # noqa: UP045 - built at run time
        flags = "/".join(f for f in option.flags if f.startswith("--"))
        flag = f" (hwb's {flags})" if flags else ""
        kinds[parameter] = (kind, option.help + flag)
    for parameter, (kind, description) in kinds.items():
        fn.__annotations__[parameter] = Annotated[kind, Field(description=description)]
    return fn


def _annotations(*, read_only: bool, destructive: bool = False, idempotent: bool = True) -> Any:
    from mcp.types import ToolAnnotations

    # open world: sources may be git URLs, requirements come from an index, publish uploads
    return ToolAnnotations(read_only_hint=read_only, destructive_hint=destructive,
                           idempotent_hint=idempotent, open_world_hint=True)


SOURCE = "A project folder (relative to the server's folder), an sdist or zip, or a git URL."
PATHS = "Wheels, sdists or folders holding them (relative to the server's folder)."


def _project_tools(server: MCPServer[Any], tools: _Tools) -> None:
    from headless_wheel_builder import api
    from headless_wheel_builder.api._configured import config_folder

    async def inspect(source: str = ".") -> dict[str, Any]:
        report = await tools.call(api.inspect, tools.source(source))
        return report.to_dict()

    server.tool(
        description="Analyse a Python project without building it: name, version, backend, "
        "pure or platform wheels, requires-python. `source` is a folder, an sdist or a git URL.",
        annotations=_annotations(read_only=True),
    )(_typed(inspect, {"source": SOURCE}))

    async def build(
        source: str = ".", outdir: str = "dist", distributions: list[str] | None = None
    ) -> dict[str, Any]:
        cli: dict[str, Any] = {"outdir": tools.here(outdir)}
        if distributions:
            cli["distributions"] = list(distributions)
        # As `hwb build` in that folder: its configuration decides venv, container or matrix.
        report = await tools.call(api.build_from_config, tools.source(source), cli=cli)
        return report.to_dict()

    server.tool(
        description="Build the project's sdist and wheel (validated) into `outdir`, as `hwb build` "
        "does with the project's configuration. `distributions`: [] for the sdist then the wheel "
        "from it, or any of sdist, wheel, editable.",
        annotations=_annotations(read_only=False),
    )(_typed(build, {"source": SOURCE}, outdir="outdir", distributions="distributions"))

    async def check(paths: list[str], strict: bool = False) -> dict[str, Any]:
        report = await tools.call(api.check, [tools.here(p) for p in paths], strict=strict)
        return report.to_dict()

    server.tool(
        description="Validate wheels and sdists (files or folders): metadata, RECORD, README "
        "rendering, contents. Returns every finding.",
        annotations=_annotations(read_only=True),
    )(_typed(check, {"paths": PATHS}, strict="strict"))

    async def matrix(
        source: str = ".", pythons: list[str] | None = None, platforms: list[str] | None = None
    ) -> dict[str, Any]:
        where = tools.source(source)
        cli = {name: list(value) for name, value in (("pythons", pythons), ("platforms", platforms)) if value}
        settings = await tools.call(api.resolve_config, config_folder(where), cli=cli)
        plan = await tools.call(api.plan_matrix, where, api.matrix_options(settings))
        return {**plan.to_dict(), "github": plan.github_matrix()}

    server.tool(
        description="List the build identifiers (cp312-manylinux_x86_64, ...) a wheel matrix would "
        "build, and why others are skipped; `github` is the strategy.matrix object for CI.",
        annotations=_annotations(read_only=True),
    )(_typed(matrix, {"source": SOURCE}, pythons="pythons", platforms="platforms"))


def _publish_tool(server: MCPServer[Any], tools: _Tools) -> None:
    from headless_wheel_builder import api

    async def publish(paths: list[str], repository: str = "pypi", dry_run: bool = True) -> dict[str, Any]:
        real = tools.allow_publish and not dry_run
        options = api.PublishOptions(repository=repository, dry_run=not real, project_dir=tools.base)
        report = await tools.call(api.publish, [tools.here(p) for p in paths], options)
        data = report.to_dict()
        if not real and not dry_run:
            data["note"] = "dry run: this server was started without --allow-publish"
        return data

    server.tool(
        description="Publish wheels and sdists to `repository` (pypi, testpypi, a configured name or "
        "an upload URL). A dry run unless the server was started with --allow-publish and "
        "dry_run is false: it then shows what would be uploaded, skipped, and as whom.",
        annotations=_annotations(read_only=False, destructive=True, idempotent=False),
    )(_typed(publish, {"paths": PATHS, "repository": "pypi, testpypi, a repository named in the "
                       "configuration or .pypirc, or an upload URL.",
                       "dry_run": "Only show what would be uploaded (the default)."}))


def serve(*, root: Path | None = None, allow_publish: bool = False) -> None:
    """Run the server on stdin/stdout until the client disconnects."""
    from headless_wheel_builder._log import set_stream_flag

    set_stream_flag(None)  # `hwb mcp` started it: an assistant has no -v to give
    create_server(root=root, allow_publish=allow_publish).run("stdio")


__all__ = ["create_server", "serve"]
