"""Logging, progress reporting and secret redaction shared by every stage.

Library code logs through :data:`logger` and reports long steps through a
:class:`Progress`; the CLI decides how both are rendered.  Everything that leaves hwb as
text (messages, logs, reports) passes through :func:`redact`.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

logger = logging.getLogger("headless_wheel_builder")

_SECRET_ENV_RE = re.compile(r"(TOKEN|PASSWORD|PASSWD|SECRET|API_KEY|APIKEY|CREDENTIAL)", re.I)
# Every pattern below runs over untrusted text (backend output, archive member names, registry
# bodies), so each must take linear time on any input.  A pattern whose leading run can fail late
# (a URL scheme, a JWT's first segment) starts only where such a run starts — the negative
# lookbehind — so a failed attempt is never repeated from every position inside one long run
# (which made a 20 KB line of letters take half a second and 200 KB about a minute).
# user:password@ in URLs (any scheme); keep the user, hide the password.
_URL_USERINFO_RE = re.compile(
    r"(?<![a-zA-Z0-9+.-])(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^/@:\s]*):(?P<pw>[^/@\s]+)@"
)
# A bare token in a URL's userinfo (https://TOKEN@host).
_URL_TOKEN_RE = re.compile(r"(?P<scheme>https?://)(?P<tok>[^/@:\s]{16,})@")
_TOKEN_PATTERNS = [
    # These start with a literal prefix and have no required suffix, so a failed attempt reads at
    # most the prefix and 16-20 characters.
    re.compile(r"pypi-[A-Za-z0-9_\-]{16,}"),  # PyPI API tokens
    re.compile(r"gh[pousr]_[A-Za-z0-9]{20,}"),  # GitHub tokens
    re.compile(r"glpat-[A-Za-z0-9_\-]{16,}"),  # GitLab personal access tokens
    re.compile(r"AKIA[0-9A-Z]{16}"),  # AWS access key ids
    # JWTs: three dot-separated base64url segments, starting where a base64url run starts.
    re.compile(r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),
]
REDACTED = "***"


def is_secret_name(name: str) -> bool:
    """Does the variable ``name`` say it holds a credential (``*_TOKEN``, ``*PASSWORD*`` …)?"""
    return _SECRET_ENV_RE.search(name) is not None


# Secrets hwb itself holds (a password from ~/.pypirc or keyring, a token from --token, the
# password of a git URL): hidden wherever they show up, whatever their shape — a registry that
# echoes the password back in its error page must not get it printed.
_KNOWN_SECRETS: set[str] = set()


def remember_secret(value: str) -> None:
    """From now on, :func:`redact` hides ``value`` (values shorter than 6 characters are too
    likely to be ordinary words to hide everywhere)."""
    if len(value) >= 6:
        _KNOWN_SECRETS.add(value)


def _secret_env_values() -> list[str]:
    values = []
    for name, value in os.environ.items():
        if is_secret_name(name) and len(value) >= 6:
            values.append(value)
    values.extend(_KNOWN_SECRETS)
    # Longest first so that a secret containing another is hidden whole.
    return sorted(values, key=len, reverse=True)


def redact(text: str, extra_secrets: tuple[str, ...] = ()) -> str:
    """Hide credentials in ``text``: URL passwords, known token shapes, and the values of
    environment variables whose names say they are secret (``*_TOKEN``, ``*PASSWORD*``…)."""
    if not text:
        return text
    return Redactor(extra_secrets)(text)


class Redactor:
    """:func:`redact` with the secret values gathered once (for redacting many lines)."""

    def __init__(self, extra_secrets: tuple[str, ...] = ()) -> None:
        self.secrets = [s for s in (*extra_secrets, *_secret_env_values()) if s]

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        text = _URL_USERINFO_RE.sub(lambda m: f"{m['scheme']}{m['user']}:{REDACTED}@", text)
        text = _URL_TOKEN_RE.sub(lambda m: f"{m['scheme']}{REDACTED}@", text)
        for pattern in _TOKEN_PATTERNS:
            text = pattern.sub(REDACTED, text)
        return text


# C0 controls but tab and newline, DEL, and C1 controls: what a terminal acts on (colours,
# cursor moves, window titles, OSC 8 links, a carriage return that overwrites the line).
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0))}


def printable(text: str) -> str:
    """``text`` with every terminal control character shown as ``\\xNN`` instead of acted on.

    Text from outside — a backend's output, a registry's error, a commit message, a project's
    name — reaches the terminal only through this (and :func:`redact`), so it cannot move the
    cursor, rewrite what hwb printed, set the window title or hide itself.  Linear time."""
    return text.translate(_CONTROLS)


#: The flag of the front end in use that streams a build's output (the CLI sets ``-v``); None for
#: the library, the pytest plugin and the MCP server, where no such flag exists: a hint never
#: names a flag the reader cannot give (pytest's ``-v`` means something else).
_stream_flag: list[str | None] = [None]


def set_stream_flag(flag: str | None) -> None:
    _stream_flag[0] = flag


def with_stream(hint: str, what: str) -> str:
    """``hint``, plus ``; `-v` <what>`` where the front end has a flag that streams the output."""
    flag = _stream_flag[0]
    return f"{hint}; `{flag}` {what}" if flag else hint


class RedactingFilter(logging.Filter):
    """A logging filter that redacts every record's rendered message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = printable(redact(message))
        record.args = None
        return True


class Progress(Protocol):
    """What a long-running library call reports to whoever renders progress."""

    def step(self, message: str) -> None:
        """A new step started (replaces the previous one)."""

    def done(self, message: str) -> None:
        """A step finished with a result worth showing."""


class NullProgress:
    """Progress that goes to the debug log only (the library default)."""

    def step(self, message: str) -> None:
        logger.debug("%s", message)

    def done(self, message: str) -> None:
        logger.info("%s", message)


@contextmanager
def phase(timings: dict[str, float], name: str) -> Iterator[None]:
    """Add the wall time of the ``with`` block to ``timings[name]`` (seconds)."""
    import time

    start = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = round(timings.get(name, 0.0) + time.perf_counter() - start, 4)
