"""The flags of the commands that write to an ``s3://`` index (publish, yank, delete): the
encryption and page mode of every object they write, from the option registry."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_s3_write_flags(group: argparse._ArgumentGroup, command: str) -> None:
    """``--sse``, ``--sse-kms-key-id``, ``--index-html`` (config/registry.py) into ``group``."""
    from headless_wheel_builder.config.cli_args import add_options

    add_options(group, command)


def s3_write_options(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """The ``PublishOptions`` fields the flags set; what is not given stays None (configured)."""
    from headless_wheel_builder.config.cli_args import values_from_args

    given = values_from_args(args, command)
    return {
        "sse": given.get("s3-sse"),
        "sse_kms_key_id": given.get("s3-sse-kms-key-id"),
        "index_html": given.get("s3-index-html"),
    }


def config_path(args: argparse.Namespace) -> Path | None:
    """``--config FILE`` as a path (``PublishOptions.config_file``), or None."""
    value = getattr(args, "config", None)
    return Path(value) if value else None


def s3_only_flags(args: argparse.Namespace, command: str, repository: str) -> None:
    """A UsageError when ``--sse``/``--sse-kms-key-id``/``--index-html`` are given for a
    repository that is not ``s3://`` (they would be ignored there)."""
    from headless_wheel_builder.config.registry import for_command
    from headless_wheel_builder.errors import UsageError

    if repository.startswith("s3://"):
        return
    options = [o for o in for_command(command) if o.name.startswith("s3-")]
    given = [o.long_flag for o in options if getattr(args, o.attr, None) is not None]
    if given:
        raise UsageError(
            f"{', '.join(str(flag) for flag in given)} apply only to s3:// repositories",
            why="the registry's upload API has no server-side encryption or page keys to choose",
            hint="drop them, or publish to --repository s3://BUCKET/PREFIX",
        )
