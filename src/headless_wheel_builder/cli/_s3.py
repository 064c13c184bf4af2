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
