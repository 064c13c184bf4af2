"""The option registry is the one declaration: every parser flag, schema key and documented option
is in it; the typed ``Options`` agree with it; ``to_argv`` round-trips through the generated
parsers; and the trust boundary drops every user-only option a project's own files set."""

from __future__ import annotations

import argparse
import logging
import re
import typing
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headless_wheel_builder.cli.main import build_parser
from headless_wheel_builder.config.cli_args import to_argv, values_from_args
from headless_wheel_builder.config.files import ConfigFile, section
from headless_wheel_builder.config.options import Options, typed
from headless_wheel_builder.config.registry import (
    BY_NAME,
    FILE_OPTIONS,
    OPTIONS,
    Option,
    declared_flags,
    for_command,
)
from headless_wheel_builder.config.resolve import resolve
from headless_wheel_builder.config.schema import generate_schema
from headless_wheel_builder.errors import ConfigError
from tests.conftest import ROOT


def _parsers(parser: argparse.ArgumentParser, path: str = "") -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(path or "hwb", parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += _parsers(child, f"{path} {name}".strip())
    return found


def test_every_flag_of_every_command_is_declared() -> None:
    parsers = _parsers(build_parser())
    assert len(parsers) > 20
    for command, parser in parsers:
        flags = {flag for action in parser._actions for flag in action.option_strings}
        undeclared = flags - declared_flags(command)
        assert not undeclared, f"`hwb {command}` has flags the registry does not declare: {undeclared}"


def test_every_registry_flag_is_on_its_commands() -> None:
    parsers = {
        name: parser
        for name, parser in _parsers(build_parser())
        if not any(isinstance(a, argparse._SubParsersAction) for a in parser._actions) or name == "hwb"
    }
    for option in OPTIONS:
        for command in option.commands:
            targets = [p for name, p in parsers.items() if name == command or name.startswith(f"{command} ")]
            if command == "global":
                targets = list(parsers.values())
            assert targets, (option.name, command)
            for parser in targets:
                flags = {flag for action in parser._actions for flag in action.option_strings}
                assert set(option.flags) <= flags, (option.name, command)


def test_schema_and_documented_options_are_the_registry() -> None:
    schema = generate_schema()["properties"]
    structural = {"linux", "macos", "windows", "overrides", "publish", "version"}
    assert set(schema) - structural == {o.name for o in FILE_OPTIONS}
    committed = (ROOT / "src/headless_wheel_builder/config/hwb.schema.json").read_text()
    assert set(re.findall(r'^    "([a-z0-9-]+)": \{', committed, flags=re.M)) - structural == {
        o.name for o in FILE_OPTIONS
    }
    docs = (ROOT / "docs/CONFIGURATION.md").read_text()
    table = docs.split("<!-- options-table:begin")[1].split("<!-- options-table:end")[0]
    documented = re.findall(r"^\| `([a-z0-9-]+)` \|", table, flags=re.M)
    assert documented == [o.name for o in FILE_OPTIONS]


def test_build_and_release_take_the_same_installer_choices() -> None:
    parsers = dict(_parsers(build_parser()))

    def choices(command: str) -> list[str]:
        action = next(a for a in parsers[command]._actions if "--installer" in a.option_strings)
        return list(action.choices or ())

    assert choices("build") == choices("release") == ["auto", "uv", "pip"]


# --- the typed options agree with the registry -----------------------------------------------------


def test_options_fields_are_the_registry() -> None:
    assert [f.name for f in fields(Options)] == [o.attr for o in OPTIONS]
    defaults = Options()
    hints = typing.get_type_hints(Options)
    for option in OPTIONS:
        expected = typed(option, option.default)
        assert getattr(defaults, option.attr) == (expected if expected is not None else None), option.name
        if option.type == "choice":
            assert typing.get_args(hints[option.attr]) == option.choices, option.name
        if option.type == "choices":
            (item,) = typing.get_args(hints[option.attr])[:1]
            assert typing.get_args(item) == option.choices, option.name


def test_settings_options_is_typed_and_matches_the_values(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[tool.hwb]\noutdir = "out"\nbuild-constraints = ["c.txt"]\ninstaller = "uv"\njobs = 3\n'
    )
    result = resolve(tmp_path, environ={"HWB_SELECT": "cp312-*,cp313-*"}, cli={"timeout": 5.0})
    options = result.options
    assert options.outdir == tmp_path / "out"
    assert options.build_constraints == (tmp_path / "c.txt",)
    assert options.installer == "uv"
    assert options.jobs == 3
    assert options.select == ("cp312-*", "cp313-*")
    assert options.timeout == 5.0
    with pytest.raises(TypeError):  # no untyped lookups: every read goes through .options
        result["installer"]  # type: ignore[index]


# --- to_argv round-trips through the generated parser ----------------------------------------------

SAMPLES: dict[str, object] = {
    "str": "value with spaces",
    "path": "some dir/x",
    "int": 7,
    "float": 2.5,
    "list": ["a b", "--c=d"],
    "paths": ["one.txt", "two dir/two.txt"],
    "settings": {"key": "v", "multi": ["1", "2"], "empty": ""},
    "table": {"key": "v w", "empty": ""},
}


def _sample(option: Option) -> object:
    if option.type == "bool":
        return option.const
    if option.type == "choice":
        return next(c for c in option.choices if c != option.default)
    if option.type == "choices":
        return list(option.choices[:2])
    if option.arg == "split":
        return ["x", "y"]  # comma lists: no commas inside
    return SAMPLES[option.type]


def _round_trip(command: str, values: Mapping[str, object]) -> Options:
    options = Options.from_values(values)
    name = command.split(maxsplit=1)[0]
    argv = to_argv(options, name)
    parser = dict(_parsers(build_parser()))[command]
    args = parser.parse_args(argv)
    return Options.from_values(values_from_args(args, name))


@pytest.mark.parametrize("command", ["build", "matrix", "release", "inspect", "cache info"])
def test_to_argv_round_trips_every_option(command: str) -> None:
    for option in for_command(command.split(maxsplit=1)[0]):
        value = _sample(option)
        expected = Options.from_values({option.name: value})
        assert getattr(_round_trip(command, {option.name: value}), option.attr) == getattr(
            expected, option.attr
        ), option.name


def test_to_argv_all_options_at_once_and_exclude() -> None:
    values = {o.name: _sample(o) for o in for_command("build")}
    expected = Options.from_values(values)
    back = _round_trip("build", values)
    for option in for_command("build"):
        assert getattr(back, option.attr) == getattr(expected, option.attr), option.name
    argv = to_argv(expected, "build", exclude={"container-engine-args", "isolation-mode"})
    assert not any(a.startswith(("--container-engine-args", "--isolation=")) for a in argv)
    assert to_argv(Options()) == []


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20)


@settings(max_examples=60, deadline=None)
@given(
    outdir=_text.filter(lambda s: s.strip() == s and s not in (".",)),
    engine_args=st.lists(_text, max_size=3),
    select=st.lists(_text, max_size=3),
    config_settings=st.dictionaries(_text.filter(lambda s: "=" not in s), _text, max_size=3),
    jobs=st.none() | st.integers(1, 64),
)
def test_to_argv_round_trips_arbitrary_values(
    outdir: str, engine_args: list[str], select: list[str], config_settings: dict[str, str], jobs: int | None
) -> None:
    values: dict[str, object] = {
        "outdir": outdir,
        "container-engine-args": engine_args,
        "select": select,
        "config-settings": config_settings,
        "jobs": jobs,
    }
    expected = Options.from_values(values)
    back = _round_trip("build", values)
    for name in values:
        assert getattr(back, BY_NAME[name].attr) == getattr(expected, BY_NAME[name].attr), name


# --- the trust boundary ----------------------------------------------------------------------------

USER_ONLY = [o for o in FILE_OPTIONS if not o.project]


def _toml_value(option: Option) -> str:
    value = _sample(option)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        items = ", ".join(f'"{k}" = {_toml_scalar(v)}' for k, v in value.items())
        return "{ " + items + " }"
    return _toml_scalar(value)


def _toml_scalar(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_scalar(v) for v in value) + "]"
    if isinstance(value, str):
        return '"' + value + '"'
    return str(value)


def test_the_user_only_options_are_the_ones_that_reach_the_host() -> None:
    assert {o.name for o in USER_ONLY} == {
        "cache-dir",
        "container-dockerfile",
        "container-engine-args",
        "container-environment",
        "environment-pass",
        "container-host-settings",
        "container-gpus",
        "strict",
        "s3-sse",  # the operator's encryption: a project may neither weaken it nor pick a key
        "s3-sse-kms-key-id",
    }


@pytest.mark.parametrize("option", USER_ONLY, ids=lambda o: o.name)
@pytest.mark.parametrize("kind", ["pyproject", "hwb.toml"])
def test_a_project_file_cannot_set_a_user_only_option(
    option: Option, kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / ".git").mkdir()
    line = f"{option.name} = {_toml_value(option)}\n"
    if kind == "pyproject":
        (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n\n[tool.hwb]\n" + line)
        where = f"{tmp_path / 'pyproject.toml'}:5"
    else:
        (tmp_path / "hwb.toml").write_text("# hwb\n" + line)
        where = f"{tmp_path / 'hwb.toml'}:2"
    env = {"HWB_USER_CONFIG": ""}
    with caplog.at_level(logging.WARNING, logger="headless_wheel_builder"):
        result = resolve(tmp_path, environ=env)
    assert result.values[option.name].source == "default"
    assert getattr(result.options, option.attr) == getattr(Options(), option.attr)
    warning = caplog.text
    assert option.name in warning
    assert where in warning
    assert "no effect" in warning
    with pytest.raises(ConfigError) as info:
        resolve(tmp_path, environ=env, cli={"strict": True})
    assert info.value.exit_code == 3
    assert where in (info.value.details or "")
    with pytest.raises(ConfigError):
        resolve(tmp_path, environ={**env, "HWB_STRICT": "1"})


@pytest.mark.parametrize("option", USER_ONLY, ids=lambda o: o.name)
def test_the_user_side_may_set_a_user_only_option(option: Option, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    line = f"{option.name} = {_toml_value(option)}\n"
    user = tmp_path / "user.toml"
    user.write_text(line)
    expected = Options.from_values({option.name: _sample(option)})
    from_user = resolve(tmp_path, environ={"HWB_USER_CONFIG": str(user)})
    assert from_user.values[option.name].source == "user"
    assert getattr(from_user.options, option.attr) == _resolved(expected, option, tmp_path)
    explicit = tmp_path / "chosen.toml"
    explicit.write_text(line)
    from_config = resolve(tmp_path, environ={"HWB_USER_CONFIG": ""}, config_file=explicit)
    assert from_config.values[option.name].source == "config"


def _resolved(options: Options, option: Option, base: Path) -> object:
    value = getattr(options, option.attr)
    return base / value if isinstance(value, Path) else value


def test_user_config_is_below_the_project_for_other_options(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.hwb]\ninstaller = "pip"\n')
    user = tmp_path / "user.toml"
    user.write_text('installer = "uv"\njobs = 2\n')
    result = resolve(tmp_path, environ={"HWB_USER_CONFIG": str(user)})
    assert (result.options.installer, result.values["installer"].source) == ("pip", "pyproject")
    assert (result.options.jobs, result.values["jobs"].source) == (2, "user")


def _file(tmp_path: Path, kind: str, text: str) -> ConfigFile:
    import tomllib

    path = tmp_path / ("pyproject.toml" if kind == "pyproject" else f"{kind}.toml")
    path.write_text(text)
    data = tomllib.loads(text)
    table = data["tool"]["hwb"] if "tool" in data else data
    return ConfigFile(path=path, kind=kind, table=table, text=text)


PYPI_IN_PROJECT = (
    "[project]\nname = 'x'\n\n"
    "[tool.hwb.publish]\nskip-existing = false\n\n"
    "[tool.hwb.publish.repositories.pypi]\nurl = 'http://127.0.0.1:9/'\npassword-env = 'HOME'\n"
)


def test_a_project_cannot_define_publish_repositories(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    project = _file(tmp_path, "pyproject", PYPI_IN_PROJECT)
    user = _file(tmp_path, "user", "[publish.repositories.corp]\nurl = 'https://corp.example/'\n")
    with caplog.at_level(logging.WARNING, logger="headless_wheel_builder"):
        merged, origin = section([user, project], "publish")
    assert merged == {"repositories": {"corp": {"url": "https://corp.example/"}}, "skip-existing": False}
    assert origin["repositories"] is user
    assert f"{project.path}:7" in caplog.text
    assert "tool.hwb.publish.repositories.pypi" in caplog.text
    with pytest.raises(ConfigError) as info:
        section([user, project], "publish", strict=True)
    assert info.value.exit_code == 3
    explicit = _file(tmp_path, "config", PYPI_IN_PROJECT)
    assert "repositories" in section([explicit], "publish", strict=True)[0]


def test_command_line_values_go_through_the_same_validator(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        resolve(tmp_path, environ={"HWB_USER_CONFIG": ""}, cli={"timeout": 0.0, "jobs": 2})
    assert "--timeout: expected a number, got 0.0" in (info.value.details or "")
    given = resolve(tmp_path, environ={"HWB_USER_CONFIG": ""}, cli={"build-constraints": [Path("c.txt")]})
    assert given.options.build_constraints == (Path("c.txt"),)
    assert given.values["build-constraints"].origin == "-c/--build-constraint"


def test_option_tables_elsewhere_in_the_docs_name_registry_options_and_flags() -> None:
    text = (ROOT / "docs/ISOLATION.md").read_text()
    table = text.split("| option (`[tool.hwb]`) | flag | default |")[1].split("\n\n")[0]
    rows = re.findall(r"^\| `([a-z-]+)` \| ([^|]+) \|", table, flags=re.M)
    assert len(rows) > 5
    for name, flag in rows:
        assert name in BY_NAME, f"docs/ISOLATION.md documents {name}, which the registry does not declare"
        shown = flag.strip().strip("`").split()[0]
        assert shown == "—" or shown in BY_NAME[name].flags, (name, shown)
