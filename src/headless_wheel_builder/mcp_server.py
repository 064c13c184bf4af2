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
        import anyio
        from mcp.server.mcpserver import MCPServer
        from mcp.server.mcpserver.exceptions import ToolError
    except ImportError as exc:
        raise _missing_sdk(exc) from exc

    from headless_wheel_builder import api
    from headless_wheel_builder.__about__ import __version__

    base = (root or Path.cwd()).resolve()
    server: MCPServer[Any] = MCPServer(
        name="hwb", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING"
    )

    def here(path: str) -> Path:
        candidate = Path(path).expanduser()
        return candidate if candidate.is_absolute() else base / candidate

    async def call(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        try:
            return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))
        except HwbError as exc:
            raise ToolError(exc.render()) from exc

    @server.tool(
        description="Analyse a Python project without building it: name, version, backend, "
        "pure or platform wheels, requires-python. `source` is a folder, an sdist or a git URL."
    )
    async def inspect(source: str = ".") -> dict[str, Any]:
        spec = source if "://" in source or source.startswith("git@") else str(here(source))
        report = await call(api.inspect, spec)
        return report.to_dict()

    @server.tool(
        description="Build the project's sdist and wheel (validated) into `outdir`. "
        "`distributions`: [] for the sdist then the wheel from it, or any of sdist, wheel."
    )
    async def build(
        source: str = ".", outdir: str = "dist", distributions: list[str] | None = None
    ) -> dict[str, Any]:
        folder = here(source)
        cli: dict[str, Any] = {"outdir": here(outdir)}
        if distributions:
            cli["distributions"] = list(distributions)
        # As `hwb build` in that folder: its configuration decides venv, container or matrix.
        report = await call(api.build_from_config, folder, cli=cli)
        return report.to_dict()

    @server.tool(
        description="Validate wheels and sdists (files or folders): metadata, RECORD, README "
        "rendering, contents. Returns every finding."
    )
    async def check(paths: list[str], strict: bool = False) -> dict[str, Any]:
        report = await call(api.check, [here(p) for p in paths], strict=strict)
        return report.to_dict()

    @server.tool(
        description="List the build identifiers (cp312-manylinux_x86_64, ...) a wheel matrix would "
        "build, and why others are skipped; `github` is the strategy.matrix object for CI."
    )
    async def matrix(
        source: str = ".", pythons: list[str] | None = None, platforms: list[str] | None = None
    ) -> dict[str, Any]:
        folder = here(source)
        cli: dict[str, Any] = {}
        if pythons:
            cli["pythons"] = list(pythons)
        if platforms:
            cli["platforms"] = list(platforms)
        settings = await call(api.resolve_config, folder, cli=cli)
        plan = await call(api.plan_matrix, folder, api.matrix_options(settings))
        return {**plan.to_dict(), "github": plan.github_matrix()}

    @server.tool(
        description="Publish wheels and sdists to `repository` (pypi, testpypi, a configured name or "
        "an upload URL). A dry run unless the server was started with --allow-publish and "
        "dry_run is false: it then shows what would be uploaded, skipped, and as whom."
    )
    async def publish(paths: list[str], repository: str = "pypi", dry_run: bool = True) -> dict[str, Any]:
        real = allow_publish and not dry_run
        options = api.PublishOptions(repository=repository, dry_run=not real, project_dir=base)
        report = await call(api.publish, [here(p) for p in paths], options)
        data = report.to_dict()
        if not real and not dry_run:
            data["note"] = "dry run: this server was started without --allow-publish"
        return data

    return server


def serve(*, root: Path | None = None, allow_publish: bool = False) -> None:
    """Run the server on stdin/stdout until the client disconnects."""
    create_server(root=root, allow_publish=allow_publish).run("stdio")


__all__ = ["create_server", "serve"]
