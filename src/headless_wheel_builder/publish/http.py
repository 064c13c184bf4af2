"""The one HTTP client factory for publishing: every HTTPS call hwb makes while publishing goes
through a client from here, so a configured CA bundle (``--ca-bundle``), ``SSL_CERT_FILE``,
``SSL_CERT_DIR`` and ``REQUESTS_CA_BUNDLE`` are honoured everywhere, as are proxy variables."""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from headless_wheel_builder.__about__ import __version__
from headless_wheel_builder.errors import ConfigError

if TYPE_CHECKING:
    import httpx

__all__ = ["MAX_ERROR_BODY", "USER_AGENT", "ca_file", "make_client"]

USER_AGENT = f"hwb/{__version__}"
#: At most this much of a response that is not a success (3xx, 4xx, 5xx) is read: enough for
#: any registry's error message, and a hostile server's 300 MB error page costs nothing.
MAX_ERROR_BODY = 64 * 1024


def ca_file(ca_bundle: Path | None, environ: Mapping[str, str] | None = None) -> Path | None:
    """The CA bundle to trust: the configured one, else ``SSL_CERT_FILE``, else
    ``REQUESTS_CA_BUNDLE`` (what twine users behind corporate proxies set)."""
    env = os.environ if environ is None else environ
    if ca_bundle is not None:
        return ca_bundle
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        if env.get(name):
            return Path(env[name])
    return None


def _verify(ca_bundle: Path | None, environ: Mapping[str, str] | None) -> ssl.SSLContext | bool:
    cafile = ca_file(ca_bundle, environ)
    env = os.environ if environ is None else environ
    try:
        if cafile is not None:
            return ssl.create_default_context(cafile=os.fspath(cafile))
        if env.get("SSL_CERT_DIR"):
            return ssl.create_default_context(capath=env["SSL_CERT_DIR"])
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"cannot load the CA bundle {cafile or env.get('SSL_CERT_DIR')}",
            why=str(exc),
            hint="point --ca-bundle / SSL_CERT_FILE at a PEM file of trusted certificates",
        ) from exc
    return True


def make_client(
    *, ca_bundle: Path | None = None, timeout: float = 300.0, environ: Mapping[str, str] | None = None
) -> httpx.Client:
    """An ``httpx.Client`` that never follows redirects (an upload that is redirected would
    lose its body) and trusts the configured CA bundle."""
    import httpx

    return httpx.Client(
        verify=_verify(ca_bundle, environ),
        timeout=httpx.Timeout(timeout, connect=min(timeout, 30.0)),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
        trust_env=True,
        event_hooks={"response": [_bound_error_body]},
    )


def _bound_error_body(response: httpx.Response) -> None:
    """Cut the body of a non-success response at :data:`MAX_ERROR_BODY` bytes (runs before httpx
    reads the body, so the rest is never downloaded: the connection is closed instead)."""
    import httpx

    if response.status_code < 300 or not isinstance(response.stream, httpx.SyncByteStream):
        return
    stream = response.stream

    class Truncated(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            left = MAX_ERROR_BODY
            for chunk in stream:
                if len(chunk) >= left:
                    yield chunk[:left]
                    break
                left -= len(chunk)
                yield chunk
            self.close()

        def close(self) -> None:
            stream.close()

    response.stream = Truncated()
