"""The documentation agrees with the code: the CLI reference is what `--help` says, the site builds
with ``mkdocs build --strict`` (every link and every API name resolves), and every ``[tool.hwb]``
example in the migration guides is accepted by hwb's own configuration parsers."""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from headless_wheel_builder import api
from headless_wheel_builder.cli.main import add_common_flags, build_parser
from headless_wheel_builder.errors import ConfigError
from headless_wheel_builder.publish.registries import _from_config
from headless_wheel_builder.version.config import parse_config

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def _gen_cli() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli", DOCS / "gen_cli.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_regenerated() -> None:
    committed = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert _gen_cli().render() == committed, "docs/cli.md is stale: run `python docs/gen_cli.py`"


def _commands(
    parser: argparse.ArgumentParser, path: str = "hwb"
) -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += _commands(child, f"{path} {name}")
    return found


def _section(text: str, path: str) -> str:
    start = re.search(rf"^#+ `{re.escape(path)}`$", text, flags=re.MULTILINE)
    assert start is not None, f"docs/cli.md has no section for `{path}`"
    following = re.search(r"^#+ `", text[start.end() :], flags=re.MULTILINE)
    return text[start.end() : start.end() + following.start()] if following else text[start.end() :]


FLAG = re.compile(r"(?<![\w-])--?[a-zA-Z][\w-]*")


def _common_help() -> str:
    """The output options every command accepts; docs/cli.md lists them once, under `hwb`."""
    parser = argparse.ArgumentParser()
    add_common_flags(parser, suppress=False)
    return parser.format_help()


def test_every_flag_in_help_is_in_the_cli_reference() -> None:
    """Independent of the generator: what `hwb … --help` prints is in the command's section."""
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    commands = _commands(build_parser())
    assert len(commands) > 15
    for path, parser in commands:
        section = _section(text, path)
        shown = set(FLAG.findall(parser.format_help()))
        common = FLAG.findall(_common_help())
        for flag in sorted(shown - set(common)):
            if f"`{flag}" in section:
                continue
            assert flag in section, f"`{path} --help` shows {flag} but docs/cli.md does not"


def test_a_stale_cli_reference_is_detected(tmp_path: Path) -> None:
    gen = _gen_cli()
    gen.OUT = tmp_path / "cli.md"
    gen.OUT.write_text((DOCS / "cli.md").read_text(encoding="utf-8").replace("--outdir", "--out-dir"))
    assert gen.main(["--check"]) == 1
    assert gen.main([]) == 0
    assert gen.main(["--check"]) == 0


def test_mkdocs_builds_strictly(tmp_path: Path) -> None:
    pytest.importorskip("mkdocstrings_handlers.python", reason="the test extra installs mkdocs")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log
    assert "WARNING" not in log, log
    reference = (tmp_path / "site" / "reference" / "index.html").read_text(encoding="utf-8")
    for name in ("build", "publish", "release", "version_bump", "resolve_config", "build_matrix"):
        assert 'id="headless_wheel_builder.api._' in reference
        assert re.search(rf'id="headless_wheel_builder\.api\._\w+\.{name}"', reference), name


def _hwb_tables(markdown: str) -> list[dict[str, Any]]:
    tables = []
    for block in re.findall(r"```toml\n(.*?)```", markdown, flags=re.DOTALL):
        data = tomllib.loads(block)
        hwb = data.get("tool", {}).get("hwb")
        if hwb is not None:
            tables.append(hwb)
    return tables


GUIDES = [*sorted((DOCS / "migrate").glob("*.md")), DOCS / "guide.md"]


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_every_hwb_key_in_the_guides_exists(guide: Path, tmp_path: Path) -> None:
    """Each `[tool.hwb]` example goes through hwb's own parsers, which reject unknown keys."""
    for table in _hwb_tables(guide.read_text(encoding="utf-8")):
        hwb = dict(table)
        version = hwb.pop("version", None)
        publish = hwb.pop("publish", None)
        if version is not None:
            parse_config(version)
        if publish is not None:
            assert set(publish) <= {"repositories"}, f"{guide.name}: [tool.hwb.publish] {publish}"
            for name, repo in publish["repositories"].items():
                _from_config(name, repo, None)
        (tmp_path / "pyproject.toml").write_text(_to_toml(hwb), encoding="utf-8")
        api.resolve_config(tmp_path, environ={})


def test_the_key_check_rejects_an_invented_key(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(_to_toml({"build-dir": "x"}), encoding="utf-8")
    with pytest.raises(ConfigError):
        api.resolve_config(tmp_path, environ={})
    with pytest.raises(ConfigError):
        parse_config({"tag_format": "v$version"})
    with pytest.raises(ConfigError):
        _from_config("x", {"url": "https://x.example/", "token": "t"}, None)


def _to_toml(hwb: dict[str, Any]) -> str:
    import tomli_w

    return tomli_w.dumps({"project": {"name": "x", "version": "1"}, "tool": {"hwb": hwb}})


@pytest.mark.parametrize(
    "golden", sorted((ROOT / "tests" / "golden" / "errors").glob("*.txt")), ids=lambda p: p.name
)
def test_troubleshooting_quotes_the_golden_error_texts(golden: Path) -> None:
    """TROUBLESHOOTING.md shows each golden error's exact `error:` and `hint:` lines."""
    page = (DOCS / "TROUBLESHOOTING.md").read_text(encoding="utf-8")
    for line in golden.read_text(encoding="utf-8").splitlines():
        if not line.startswith(("error:", "hint:")):
            continue
        pattern = re.sub(r"<[A-Z]+>", lambda _: ".+?", re.escape(line))
        assert re.search(f"^{pattern}$", page, flags=re.MULTILINE), f"{golden.name}: {line}"
