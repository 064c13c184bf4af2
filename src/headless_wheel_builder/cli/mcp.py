"""Serve hwb's tools to coding assistants over the Model Context Protocol (stdio).

Tools: inspect, build, check, matrix, publish.  `publish` is a dry run unless this server is
started with --allow-publish (and the call asks for a real upload).  Register it with an MCP
client, e.g.:

  {"mcpServers": {"hwb": {"command": "hwb", "args": ["mcp"]}}}

Needs the `mcp` extra: pip install 'headless-wheel-builder[mcp]'.  docs/INTEGRATIONS.md has more.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headless_wheel_builder.cli._output import CliProgress, Style


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, metavar="DIR", help="resolve relative paths here (default: .)")
    parser.add_argument(
        "--allow-publish", action="store_true", help="let the publish tool upload (otherwise: dry runs only)"
    )


def run(args: argparse.Namespace, style: Style, progress: CliProgress) -> int:
    from headless_wheel_builder.mcp_server import serve

    # stdout is the protocol channel: no spinner, nothing but JSON-RPC goes there.
    progress.__exit__(None, None, None)
    serve(root=args.root, allow_publish=args.allow_publish)
    return 0
