"""Options for ``hwb publish`` (the publisher they select is chosen in :mod:`.select`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

TrustedPublishing = Literal["auto", "always", "never"]


@dataclass(frozen=True, kw_only=True)
class PublishOptions:
    """Everything that shapes one ``hwb publish``.  Secrets live only in memory."""

    repository: str = "pypi"
    """``pypi``, ``testpypi``, a name from ``[tool.hwb.publish.repositories]``, an upload URL,
    or ``s3://BUCKET/PREFIX``."""
    index_url: str | None = None
    """The simple index used for skip-existing checks (default: derived from the repository)."""
    dry_run: bool = False
    skip_existing: bool = True
    token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    trusted_publishing: TrustedPublishing = "auto"
    attest: bool = False
    retries: int = 5
    timeout: float = 300.0
    ca_bundle: Path | None = None
    # object storage (s3://)
    endpoint_url: str | None = None
    region: str | None = None
    acl: str | None = None
    storage_class: str | None = None
    sse: str | None = None
    """Server-side encryption of every object: ``AES256``, ``aws:kms`` or ``bucket-default`` (no
    header).  None: the ``s3-sse`` option (``HWB_S3_SSE``, configuration files)."""
    sse_kms_key_id: str | None = None
    """The KMS key of ``aws:kms`` (implies it).  None: the ``s3-sse-kms-key-id`` option, unless
    ``sse`` is given."""
    index_html: bool | None = None
    """Write pages only at ``…/index.html`` keys.  None: the ``s3-index-html`` option."""
    project_dir: Path = field(default_factory=Path.cwd)
    """Where ``[tool.hwb.publish]`` configuration is looked up."""
    environ: Mapping[str, str] | None = None
    """The environment to read credentials from (default: ``os.environ``)."""
    credential_source: str | None = None
    """How ``token``/``password`` were given (``--token``, ``--password-stdin``), for messages."""
    allow_linux_tags: bool = False
    """Publish wheels with plain ``linux_*`` platform tags (private registries only: PyPI
    refuses them and they install only where they were built)."""
    retry_backoff: float = 1.0
    """Seconds before the first retry; each further retry waits about twice as long."""
    config_file: Path | None = None
    """An explicit configuration file (``--config``) instead of discovery from ``project_dir``."""
    strict: bool | None = None
    """A project's own ``[tool.hwb.publish] repositories`` is an error, not a warning
    (``--strict``); None: ``HWB_STRICT`` decides (docs/SECURITY.md)."""

    def is_strict(self) -> bool:
        if self.strict is not None:
            return self.strict
        from headless_wheel_builder.config.trust import strict_from_env

        return strict_from_env(self.environ)

