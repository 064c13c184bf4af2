"""``hwb mcp``: hwb's tools for coding assistants, over the Model Context Protocol (stdio).

Tools: ``inspect``, ``build``, ``check``, ``matrix`` and ``publish``.  Each calls the public
API (:mod:`headless_wheel_builder.api`) in a worker thread and returns its JSON report; an
hwb error comes back as a tool error carrying hwb's what / why / hint.  ``publish`` is a
dry run unless the server was started with ``allow_publish=True`` (``hwb mcp
--allow-publish``) *and* the call passes ``dry_run=false``: an assistant cannot upload
anything a person did not allow when starting the server.

Relative paths are resolved against ``root`` (the folder the server was started in).  Needs the
official ``mcp`` SDK (``pip install 'headless-wheel-builder[mcp]'``), imported only here.
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
        """A git URL as it is; a path relative to the server's folder."""
        return source if "://" in source or source.startswith("git@") else str(self.here(source))

    async def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn`` in a worker thread; an HwbError becomes the tool's error, rendered."""
        import anyio
        from mcp.server.mcpserver.exceptions import ToolError

        try:
            return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))
        except HwbError as exc:
            raise ToolError(exc.render()) from exc


def _project_tools(server: MCPServer[Any], tools: _Tools) -> None:
    from headless_wheel_builder import api

    @server.tool(
        description="Analyse a Python project without building it: name, version, backend, "
        "pure or platform wheels, requires-python. `source` is a folder, an sdist or a git URL."
    )
    async def inspect(source: str = ".") -> dict[str, Any]:
        report = await tools.call(api.inspect, tools.source(source))
        return report.to_dict()

    @server.tool(
        description="Build the project's sdist and wheel (validated) into `outdir`. "
        "`distributions`: [] for the sdist then the wheel from it, or any of sdist, wheel."
    )
    async def build(
        source: str = ".", outdir: str = "dist", distributions: list[str] | None = None
    ) -> dict[str, Any]:
        cli: dict[str, Any] = {"outdir": tools.here(outdir)}
        if distributions:
            cli["distributions"] = list(distributions)
        # As `hwb build` in that folder: its configuration decides venv, container or matrix.
        report = await tools.call(api.build_from_config, tools.here(source), cli=cli)
        return report.to_dict()

    @server.tool(
        description="Validate wheels and sdists (files or folders): metadata, RECORD, README "
        "rendering, contents. Returns every finding."
    )
    async def check(paths: list[str], strict: bool = False) -> dict[str, Any]:
        report = await tools.call(api.check, [tools.here(p) for p in paths], strict=strict)
        return report.to_dict()

    @server.tool(
        description="List the build identifiers (cp312-manylinux_x86_64, ...) a wheel matrix would "
        "build, and why others are skipped; `github` is the strategy.matrix object for CI."
    )
    async def matrix(
        source: str = ".", pythons: list[str] | None = None, platforms: list[str] | None = None
    ) -> dict[str, Any]:
        folder = tools.here(source)
        cli = {name: list(value) for name, value in (("pythons", pythons), ("platforms", platforms)) if value}
        settings = await tools.call(api.resolve_config, folder, cli=cli)
        plan = await tools.call(api.plan_matrix, folder, api.matrix_options(settings))
        return {**plan.to_dict(), "github": plan.github_matrix()}


def _publish_tool(server: MCPServer[Any], tools: _Tools) -> None:
    from headless_wheel_builder import api

    @server.tool(
        description="Publish wheels and sdists to `repository` (pypi, testpypi, a configured name or "
        "an upload URL). A dry run unless the server was started with --allow-publish and "
        "dry_run is false: it then shows what would be uploaded, skipped, and as whom."
    )
    async def publish(paths: list[str], repository: str = "pypi", dry_run: bool = True) -> dict[str, Any]:
        real = tools.allow_publish and not dry_run
        options = api.PublishOptions(repository=repository, dry_run=not real, project_dir=tools.base)
        report = await tools.call(api.publish, [tools.here(p) for p in paths], options)
        data = report.to_dict()
        if not real and not dry_run:
            data["note"] = "dry run: this server was started without --allow-publish"
        return data


def serve(*, root: Path | None = None, allow_publish: bool = False) -> None:
    """Run the server on stdin/stdout until the client disconnects."""
    create_server(root=root, allow_publish=allow_publish).run("stdio")


__all__ = ["create_server", "serve"]
