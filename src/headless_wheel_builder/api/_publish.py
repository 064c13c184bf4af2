"""hwb's public API: publish functions (see headless_wheel_builder.api)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from headless_wheel_builder._log import Progress, redact
from headless_wheel_builder.publish.base import PublishReport
from headless_wheel_builder.publish.delete import DeleteReport
from headless_wheel_builder.publish.local_index import LocalIndexReport
from headless_wheel_builder.publish.options import PublishOptions
from headless_wheel_builder.publish.yank import YankReport


def publish(
    paths: Sequence[str | os.PathLike[str]],
    options: PublishOptions | None = None,
    *,
    progress: Progress | None = None,
) -> PublishReport:
    """Publish wheels and sdists (files, or folders holding them) to ``options.repository``.

    Every file is checked first (as ``hwb check`` does, plus what PyPI refuses); nothing is
    uploaded when any check fails.  Identical files already in the repository are skipped.
    """
    from headless_wheel_builder.publish.preflight import preflight
    from headless_wheel_builder.publish.select import make_publisher

    options = options or PublishOptions()
    files = preflight([Path(p) for p in paths], options)
    return make_publisher(options, progress=progress).publish(files, dry_run=options.dry_run)


def index(
    dist_dir: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str] | None = None,
    base_url: str | None = None,
) -> LocalIndexReport:
    """Write a static PEP 503/691/658 index of the wheels and sdists in ``dist_dir``.

    The tree goes to ``<out>/simple/`` (``out`` defaults to ``dist_dir``), regenerated whole
    and deterministically; with ``base_url`` the links point to ``<base_url>/<file>``.
    """
    from headless_wheel_builder.publish.local_index import build_local_index

    return build_local_index(Path(dist_dir), out=Path(out) if out is not None else None, base_url=base_url)


def yank(
    name: str,
    version: str,
    options: PublishOptions | None = None,
    *,
    reason: str | None = None,
    unyank: bool = False,
    progress: Progress | None = None,
) -> YankReport:
    """Yank (PEP 592) or un-yank every file of ``name`` ``version`` in an ``s3://`` index.

    ``options.repository`` names the index; ``endpoint_url``, ``region`` and ``acl`` apply
    as for :func:`publish`.
    """
    from headless_wheel_builder.publish.s3 import open_index
    from headless_wheel_builder.publish.yank import yank_release

    options = options or PublishOptions()
    _s3_only(options, "yank in", "on PyPI, yank on the release's web page (Manage > Options > Yank)")
    return yank_release(open_index(options), name, version, reason=reason, unyank=unyank, progress=progress)


def delete(
    name: str,
    version: str,
    options: PublishOptions | None = None,
    *,
    filename: str | None = None,
    progress: Progress | None = None,
) -> DeleteReport:
    """Delete every file of ``name`` ``version`` (or only ``filename``) from an ``s3://`` index.

    The entries leave the HTML and JSON pages (the root page too when the project has no files
    left) with the conditional writes of :func:`publish`, then the files and their sidecars are
    deleted.  ``options.dry_run``: only report what would go.  Yanking (:func:`yank`) is usually
    the better choice: lock files that pin a deleted file break.  No confirmation is asked here.
    """
    from headless_wheel_builder.publish.delete import delete_release
    from headless_wheel_builder.publish.s3 import open_index

    options = options or PublishOptions()
    _s3_only(
        options,
        "delete from",
        "PyPI and other registries have no API to delete files: delete on the project's web page "
        "(PyPI: Manage > Releases > Options > Delete), or better, yank",
    )
    return delete_release(
        open_index(options), name, version, filename=filename, dry_run=options.dry_run, progress=progress
    )


def _s3_only(options: PublishOptions, action: str, hint: str) -> None:
    from headless_wheel_builder.errors import UsageError

    if not options.repository.startswith("s3://"):
        verb = action.partition(" ")[0]
        raise UsageError(
            f"cannot {action} {redact(options.repository)}",
            why=f"hwb can {verb} only in indexes it keeps itself (s3://BUCKET/PREFIX)",
            hint=hint,
        )
