"""pip's settings in uv's syntax (issue 23, family 3): separators, pip.conf order, what is
left alone.  tests/integration/test_pip_settings_uv.py proves each with real pip and uv builds."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from headless_wheel_builder.isolation.pip_settings import pip_config_files, uv_translation
from headless_wheel_builder.isolation.venv import uv_environ


def _clean(tmp_path: Path, **env: str) -> dict[str, str]:
    base = {"HOME": str(tmp_path), "XDG_CONFIG_DIRS": str(tmp_path / "xdg"), "PIP_CONFIG_FILE": os.devnull}
    return {**base, **env}


def test_lists_get_uv_separators(tmp_path: Path) -> None:
    env = _clean(
        tmp_path,
        PIP_FIND_LINKS="/a  /b\n/c",
        PIP_EXTRA_INDEX_URL="http://x/s\nhttp://y/s",
        PIP_CONSTRAINT="c1.txt\tc2.txt",
        PIP_NO_INDEX="yes",
        PIP_INDEX_URL=" http://i/s ",
    )
    out = uv_translation(env)
    assert out["UV_FIND_LINKS"] == "/a,/b,/c"
    assert out["UV_EXTRA_INDEX_URL"] == "http://x/s http://y/s"
    assert out["UV_INDEX_STRATEGY"] == "unsafe-best-match"
    assert out["UV_CONSTRAINT"] == "c1.txt c2.txt"
    assert out["UV_NO_INDEX"] == "1"
    assert out["UV_INDEX_URL"] == "http://i/s"


def test_uv_settings_and_false_flags_win(tmp_path: Path) -> None:
    env = _clean(
        tmp_path,
        PIP_FIND_LINKS="/a /b",
        UV_FIND_LINKS="/u",
        PIP_NO_INDEX="0",
        PIP_INDEX_URL="http://i/s",
        UV_DEFAULT_INDEX="http://d/s",
        PIP_PROXY="http://p:3128",
        HTTPS_PROXY="http://mine:8080",
    )
    out = uv_environ(env)
    assert out["UV_FIND_LINKS"] == "/u"
    assert "UV_NO_INDEX" not in out
    assert "UV_INDEX_URL" not in out
    assert out["HTTPS_PROXY"] == "http://mine:8080"
    assert out["HTTP_PROXY"] == "http://p:3128"


def test_pip_conf_files_in_pips_order(tmp_path: Path) -> None:
    (tmp_path / "xdg" / "pip").mkdir(parents=True)
    (tmp_path / "xdg" / "pip" / "pip.conf").write_text("[global]\nfind-links = /global\nno-index = true\n")
    (tmp_path / ".config" / "pip").mkdir(parents=True)
    (tmp_path / ".config" / "pip" / "pip.conf").write_text(
        "[global]\nfind-links = /user-global\n[install]\nfind-links =\n  /user1\n  /user2\n"
    )
    env = _clean(tmp_path)
    del env["PIP_CONFIG_FILE"]
    files = pip_config_files(env)
    user = files.index(tmp_path / ".config" / "pip" / "pip.conf")
    assert files.index(tmp_path / "xdg" / "pip" / "pip.conf") < user
    out = uv_translation(env)
    assert out["UV_FIND_LINKS"] == "/user1,/user2"  # [install] over [global], user over global
    assert out["UV_NO_INDEX"] == "1"
    assert uv_translation({**env, "PIP_FIND_LINKS": "/env"})["UV_FIND_LINKS"] == "/env"  # variables win
    # PIP_CONFIG_FILE naming a file: loaded last, and the user's files are skipped (as pip does).
    own = tmp_path / "own.conf"
    own.write_text("[global]\ncert = /ca.pem\n")
    out = uv_translation({**env, "PIP_CONFIG_FILE": str(own)})
    assert out["UV_FIND_LINKS"] == "/global"
    assert out["SSL_CERT_FILE"] == "/ca.pem"
    assert uv_translation({**env, "PIP_CONFIG_FILE": os.devnull}) == {}


def test_trusted_host_is_not_carried_over_but_named(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        out = uv_environ(_clean(tmp_path, PIP_TRUSTED_HOST="pypi.internal  other.internal"))
    assert "UV_INSECURE_HOST" not in out
    assert "pypi.internal other.internal" in caplog.text
    assert "SECURITY.md" in caplog.text
