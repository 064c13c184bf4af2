"""Where publishing starts: the publisher for a repository (S3 for ``s3://`` URLs, else the
legacy upload API).  Kept apart from the options so that the options stay plain data that
every publisher reads, and no publisher module imports another."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headless_wheel_builder._log import Progress
    from headless_wheel_builder.publish.base import Publisher
    from headless_wheel_builder.publish.options import PublishOptions

__all__ = ["make_publisher"]


def make_publisher(options: PublishOptions, progress: Progress | None = None) -> Publisher:
    """The publisher for ``options.repository``: S3 for ``s3://`` URLs, else the upload API."""
    if options.repository.startswith("s3://"):
        from headless_wheel_builder.publish.s3 import S3Publisher

        return S3Publisher.from_options(options, progress=progress)
    from headless_wheel_builder.publish.upload import UploadPublisher

    return UploadPublisher.from_options(options, progress=progress)
