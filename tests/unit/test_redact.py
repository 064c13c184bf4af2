"""Secret redaction (`_log.redact`): what it hides, and that it takes linear time on any input.

Redaction runs over untrusted text — backend output, archive member names, registry bodies — so a
pattern that backtracks quadratically is a denial of service (issue 16, family 3).  The hostile
inputs below are 200 KB; with the quadratic patterns hwb had before, each took tens of seconds
(a 20 KB one took 0.4-0.7 s), with linear ones each takes milliseconds.
"""

from __future__ import annotations

import time

import pytest

from headless_wheel_builder._log import REDACTED, Redactor, redact

GH = "ghp_" + "A" * 36
JWT = "eyJhbGciOiJI.eyJzdWIiOiIx.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("text", "secret", "kept"),
    [
        ("fetching https://alice:hunter2@example.com/simple/", "hunter2", "https://alice:"),
        ("git+ssh://git:s3cr3t@host/repo.git", "s3cr3t", "git+ssh://git:"),
        ("pip.conf: index-url = https://abcdefghijklmnopqrst@host/", "abcdefghijklmnopqrst", "https://"),
        ("password pypi-AgEIcHlwaS5vcmcCJDAwMDAw here", "pypi-AgEIcHlwaS5vcmcCJDAwMDAw", "password "),
        (f"token {GH}.", GH, "token "),
        ("key AKIAABCDEFGHIJKLMNOP used", "AKIAABCDEFGHIJKLMNOP", "key "),
        (f"Authorization: Bearer {JWT}", JWT, "Bearer "),
        (f"id-token={JWT}", JWT, "id-token="),
    ],
)
def test_known_secret_shapes_are_hidden(text: str, secret: str, kept: str) -> None:
    out = redact(text)
    assert secret not in out
    assert REDACTED in out
    assert kept in out


def test_values_of_secret_variables_and_extra_secrets_are_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_REGISTRY_PASSWORD", "correct-horse")
    out = Redactor(("battery-staple",))("correct-horse and battery-staple and plain")
    assert out == f"{REDACTED} and {REDACTED} and plain"


def test_text_without_secrets_is_unchanged() -> None:
    text = "a://b and eyJnot-a-jwt and pypi-short https://host/path user@example.com"
    assert redact(text) == text


HOSTILE = {
    "a long run of URL-scheme characters": "a" * 200_000,
    "scheme characters with dots and pluses": "a.b+c-" * 35_000,
    "a scheme then a long user part": "a://" + "b" * 200_000,
    "a scheme then colons": "a://x:" + "y:" * 100_000,
    "repeated JWT prefixes": "eyJ" * 70_000,
    "JWT-like segments that never complete": ("eyJ" + "a" * 10 + ".") * 20_000,
    "repeated token prefixes": "pypi-" * 40_000,
    "an https URL that never reaches @": "https://" + "a" * 200_000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_redaction_is_linear_on_hostile_text(name: str) -> None:
    text = HOSTILE[name]
    start = time.perf_counter()
    redact(text)
    elapsed = time.perf_counter() - start
    # Linear patterns take milliseconds here; the quadratic ones took tens of seconds.  The bound
    # is loose so a busy CI machine cannot fail it, and tight enough that quadratic time would.
    assert elapsed < 3.0, f"redacting {name} ({len(text)} chars) took {elapsed:.1f}s"


def test_hints_name_the_stream_flag_only_where_the_front_end_has_one() -> None:
    from headless_wheel_builder import _log

    saved = _log._stream_flag[0]
    try:
        _log.set_stream_flag(None)  # the library, the pytest plugin, the MCP server
        assert _log.with_stream("see the log", "streams it") == "see the log"
        _log.set_stream_flag("-v")  # the CLI
        assert _log.with_stream("see the log", "streams it") == "see the log; `-v` streams it"
    finally:
        _log.set_stream_flag(saved)
