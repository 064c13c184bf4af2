#!/usr/bin/env python3
"""Refresh the pinned manylinux / musllinux images in src/headless_wheel_builder/resources/images.toml.

For every image in the file, asks quay.io for the repository's newest dated tag (``2025.08.15-1``)
and its manifest digest, and rewrites the entry as ``REPO:TAG@sha256:DIGEST``.  Needs network
access to quay.io (not available on the project's CI machines: run it on a workstation, review
the diff, commit it).  ``--check`` only reports what would change (exit 1 when something would).

    python scripts/refresh_images.py [--check]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.request
from pathlib import Path

FILE = Path(__file__).resolve().parents[1] / "src" / "headless_wheel_builder" / "resources" / "images.toml"
API = "https://quay.io/api/v1/repository/{repo}/tag/?onlyActiveTags=true&limit=100&page={page}"
DATED = re.compile(r"^\d{4}[.-]\d{2}[.-]\d{2}-[0-9a-f]+$")
ENTRY = re.compile(r'^(?P<key>\w+) = "(?P<image>quay\.io/(?P<repo>[^:@"]+)[^"]*)"$', re.M)


def newest(repo: str) -> tuple[str, str]:
    """(tag, digest) of the newest dated tag of quay.io/``repo``."""
    best: tuple[str, str] | None = None
    for page in range(1, 6):
        with urllib.request.urlopen(API.format(repo=repo, page=page), timeout=60) as response:  # noqa: S310
            data = json.load(response)
        for tag in data.get("tags", []):
            name = tag.get("name", "")
            if DATED.match(name) and (best is None or name.replace("-", ".") > best[0].replace("-", ".")):
                best = (name, tag["manifest_digest"])
        if not data.get("has_additional"):
            break
    if best is None:
        raise SystemExit(f"no dated tag found for quay.io/{repo}")
    return best


def main(argv: list[str]) -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--check", action="store_true", help="report changes, do not write")
    args = parser.parse_args(argv)
    text = FILE.read_text(encoding="utf-8")
    changes: list[str] = []

    def refresh(match: re.Match[str]) -> str:
        tag, digest = newest(match["repo"])
        image = f"quay.io/{match['repo']}:{tag}@{digest}"
        if image != match["image"]:
            changes.append(f"{match['image']} -> {image}")
        return f'{match["key"]} = "{image}"'

    updated = ENTRY.sub(refresh, text)
    updated = re.sub(
        r"^# Provenance of the current pins:.*?(?=^\[)",
        "# Provenance of the current pins: scripts/refresh_images.py, from quay.io's API.\n\n",
        updated,
        flags=re.M | re.S,
    )
    for change in changes:
        print(change)
    if args.check:
        return 1 if changes else 0
    FILE.write_text(updated, encoding="utf-8")
    print(f"{len(changes)} image(s) updated in {FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
