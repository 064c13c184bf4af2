"""hwb's runtime folders follow one rule (``_dirs``): the named folder, XDG, the home, a temporary
folder with a warning; a named folder that cannot be used is error 4 naming its variable."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from headless_wheel_builder import _dirs
from headless_wheel_builder.errors import FolderError


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_dirs, "_resolved", {})
    monkeypatch.setattr(_dirs, "_warned", set())
    monkeypatch.setattr(_dirs, "_installer_caches", {})


def test_a_named_folder_wins_and_is_created(tmp_path: Path) -> None:
    env = {
        "HWB_CACHE_DIR": str(tmp_path / "named"),
        "XDG_CACHE_HOME": str(tmp_path / "xdg"),
        "HOME": str(tmp_path / "home"),
    }
    assert _dirs.cache_dir(environ=env) == tmp_path / "named"
    assert (tmp_path / "named").is_dir()
    assert _dirs.cache_dir(tmp_path / "option", environ=env) == tmp_path / "option"
    assert _dirs.log_dir(env) == tmp_path / "named" / "logs"
    assert _dirs.log_dir({**env, "HWB_LOG_DIR": str(tmp_path / "logs")}) == tmp_path / "logs"


def test_then_xdg_then_the_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert _dirs.cache_dir(environ={"XDG_CACHE_HOME": str(tmp_path / "xdg"), "HOME": str(home)}) == (
        tmp_path / "xdg" / "hwb"
    )
    # a relative XDG_CACHE_HOME is ignored, as the XDG specification says
    got = _dirs.cache_dir(environ={"XDG_CACHE_HOME": "relative", "HOME": str(home)})
    assert got.parent.parent == home
    assert got.name == "hwb"


@pytest.mark.parametrize("variable", ["HWB_CACHE_DIR", "HWB_LOG_DIR"])
def test_a_named_folder_that_cannot_be_used_is_error_4_naming_the_variable(
    tmp_path: Path, variable: str
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = {"HOME": str(tmp_path), variable: str(blocker / "cache")}
    with pytest.raises(FolderError) as caught:
        _dirs.log_dir(env) if variable == "HWB_LOG_DIR" else _dirs.cache_dir(environ=env)
    assert caught.value.exit_code == 4
    assert variable in (caught.value.hint or "")
    assert str(blocker / "cache") in caught.value.what


def test_no_usable_home_falls_back_to_a_private_temporary_folder_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr("tempfile.tempdir", None)
    env = {"HOME": str(blocker), "XDG_CACHE_HOME": str(blocker / "xdg")}
    with caplog.at_level(logging.WARNING, logger="headless_wheel_builder"):
        first = _dirs.cache_dir(environ=env)
        _dirs._resolved.clear()
        second = _dirs.cache_dir(environ=env)
    assert first == second == tmp_path / "tmp" / f"hwb-{os.getuid()}"
    assert first.stat().st_mode & 0o777 == 0o700
    warnings = [r for r in caplog.records if "temporary folder" in r.getMessage()]
    assert len(warnings) == 1
    assert "HWB_CACHE_DIR" in warnings[0].getMessage()
    # a relative or missing home counts as none
    _dirs._resolved.clear()
    assert _dirs.cache_dir(environ={"HOME": "relative", "USERPROFILE": ""}) in {
        first,
        Path(os.path.expanduser("~")) / ".cache" / "hwb",
    }


def test_a_temporary_folder_open_to_others_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    planted = tmp_path / f"hwb-{os.getuid()}"
    planted.mkdir()
    planted.chmod(0o777)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(FolderError, match="cannot use the folder") as caught:
        _dirs.cache_dir(environ={"HOME": str(blocker)})
    assert "others can write" in (caught.value.why or "")


def test_installer_caches_follow_hwb_only_when_their_own_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    named = {"HWB_CACHE_DIR": str(tmp_path / "hwb")}
    assert _dirs.installer_caches({**named, "HOME": str(tmp_path / "home")}) == {}
    assert _dirs.installer_caches({**named, "HOME": str(blocker)}) == {
        "UV_CACHE_DIR": str(tmp_path / "hwb" / "uv"),
        "PIP_CACHE_DIR": str(tmp_path / "hwb" / "pip"),
    }
    # the user's own choice is never replaced
    assert _dirs.installer_caches({**named, "HOME": str(blocker), "UV_CACHE_DIR": "/x"}) == {
        "PIP_CACHE_DIR": str(tmp_path / "hwb" / "pip")
    }


def test_the_option_set_from_hwb_cache_dir_names_the_variable(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    target = str(blocker / "cache")
    with pytest.raises(FolderError) as caught:
        _dirs.cache_dir(target, environ={"HWB_CACHE_DIR": target})
    assert (caught.value.hint or "").startswith("point HWB_CACHE_DIR")
    with pytest.raises(FolderError) as caught:
        _dirs.cache_dir(target, environ={})
    assert "the cache-dir option" in (caught.value.hint or "")
