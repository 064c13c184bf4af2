"""cibuildwheel's configuration read as hwb's (config/cibuildwheel.py): the mapping table against
the registry and the docs, each value format, the order of the layer, and where it sits in
hwb's cascade.  The builds themselves: tests/integration/test_cibuildwheel.py."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from headless_wheel_builder.build.commands import evaluate_environment, with_path
from headless_wheel_builder.build.tester import _wheel_requirement, render_command
from headless_wheel_builder.config.cibuildwheel import BY_CIBW, MAPPING, read_layer, render_docs
from headless_wheel_builder.config.registry import BY_NAME
from headless_wheel_builder.config.resolve import resolve
from headless_wheel_builder.errors import ConfigError
from tests.conftest import ROOT

NO_USER = {"HWB_USER_CONFIG": ""}


def _project(tmp_path: Path, cibuildwheel: str, hwb: str = "") -> Path:
    (tmp_path / ".git").mkdir(exist_ok=True)
    text = f'[project]\nname = "x"\nversion = "1"\n\n{hwb}\n[tool.cibuildwheel]\n{cibuildwheel}'
    (tmp_path / "pyproject.toml").write_text(text)
    return tmp_path


def _values(tmp_path: Path, cibuildwheel: str, *, env: dict[str, str] | None = None, hwb: str = "",
            identifier: str | None = None, platform: str = "linux") -> dict[str, object]:  # fmt: skip
    project = _project(tmp_path, cibuildwheel, hwb)
    settings = resolve(project, environ={**NO_USER, **(env or {})}, identifier=identifier, platform=platform)
    return {name: v.value for name, v in settings.values.items() if v.source != "default"}


# -- the table ----------------------------------------------------------------------------------


def test_every_mapped_option_is_an_hwb_option() -> None:
    for option in MAPPING:
        for name in option.hwb:
            assert name in BY_NAME, f"{option.name} maps to {name!r}, not in config/registry.py"
        if not option.hwb:
            assert option.convert is None, option.name
            assert option.notes, f"{option.name}: say why it is not supported"


def test_the_docs_table_is_the_mapping_table() -> None:
    docs = (ROOT / "docs" / "CIBUILDWHEEL.md").read_text()
    assert render_docs(docs) == docs, "run: python -m headless_wheel_builder.config.schema --write"
    for option in MAPPING:
        assert f"`{option.name}`" in docs or option.env_only


def test_the_docs_name_every_new_option_and_the_warning() -> None:
    docs = (ROOT / "docs" / "CIBUILDWHEEL.md").read_text()
    for name in ("environment", "before-build", "before-test", "test-extras", "test-sources",
                 "repair-command"):  # fmt: skip
        assert f"`{name}`" in docs
    assert "win over" in docs  # hwb's own settings win over cibuildwheel's


# -- value formats -------------------------------------------------------------------------------


def test_selectors_expand_braces_and_star_selects_all(tmp_path: Path) -> None:
    text = 'build = "cp3{11,12}-* cp313-manylinux*"\nskip = ["*-musllinux_{i686,x86_64}"]'
    values = _values(tmp_path, text)
    assert values["select"] == ["cp311-*", "cp312-*", "cp313-manylinux*"]
    assert values["skip"] == ["*-musllinux_i686", "*-musllinux_x86_64"]
    assert "select" not in _values(tmp_path, 'build = "*"')


def test_commands_lists_and_words(tmp_path: Path) -> None:
    values = _values(tmp_path, 'test-command = ["a", "b {project}"]\ntest-requires = "pytest numpy"\n'
                     'before-build = ["x", "y"]\ntest-extras = "test, cov"\ntest-sources = "tests \'a b\'"\n'
                     'before-test = "echo hi"')  # fmt: skip
    assert values["test-command"] == "a && b {project}"
    assert values["test-requires"] == ["pytest", "numpy"]
    assert values["before-build"] == ["x", "y"]
    assert values["test-extras"] == ["test", "cov"]
    assert values["test-sources"] == ["tests", "a b"]
    assert values["before-test"] == ["echo hi"]


@pytest.mark.parametrize(("text", "expected"), [
    ('A=1 B="x $A y"', {"A": "1", "B": "x $A y"}),
    ("C='literal $HOME'", {"C": "literal \\$HOME"}),
    ("D=$(echo a b) E=a\"b c\"d", {"D": "$(echo a b)", "E": "ab cd"}),
])  # fmt: skip
def test_environment_string_form(tmp_path: Path, text: str, expected: dict[str, str]) -> None:
    assert _values(tmp_path, "", env={"CIBW_ENVIRONMENT": text})["environment"] == expected


def test_environment_is_expanded_by_the_shell_in_order(tmp_path: Path) -> None:
    table = {"A": "1", "B": "x $A ${BASE}", "C": "$(printf '%s' computed)", "D": 'q\\"uote', "E": 'a"b'}
    values = evaluate_environment(table, {"BASE": "base"}, workdir=tmp_path)
    assert values == {"A": "1", "B": "x 1 base", "C": "computed", "D": 'q"uote', "E": 'a"b'}


def test_a_failing_environment_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot evaluate the build's environment"):
        evaluate_environment({"A": "$(exit 3)"}, {}, workdir=tmp_path)


def test_a_path_in_environment_stays_behind_the_environment_s_own_folders() -> None:
    import os

    host = os.environ.get("PATH", "")
    merged = {"PATH": os.pathsep.join(["/venv/bin", host]), "X": "1"}
    assert with_path(merged, {"PATH": f"/cargo/bin{os.pathsep}{host}"})["PATH"] == os.pathsep.join(
        ["/venv/bin", "/cargo/bin", host]
    )
    assert with_path(merged, {"X": "2"}) == merged


def test_placeholders_and_extras() -> None:
    rendered = render_command("pytest {package}/t {project} {wheel}", project=Path("/p q"),
                              wheel=Path("/w.whl"), windows=False)  # fmt: skip
    assert rendered == "pytest '/p q'/t '/p q' /w.whl"
    requirement = _wheel_requirement(Path("/d/pkg_x-1.0-py3-none-any.whl"), ["test", "cov"])
    assert requirement == "pkg-x[test,cov] @ file:///d/pkg_x-1.0-py3-none-any.whl"


@pytest.mark.parametrize(("raw", "expected"), [
    ('""', {"repair": "never"}),
    ('"auditwheel repair -w {dest_dir} {wheel}"', {}),
    ('"auditwheel repair --exclude libfoo.so -w {dest_dir} {wheel}"',
     {"repair-command": "auditwheel repair --exclude libfoo.so -w {dest_dir} {wheel}"}),
])  # fmt: skip
def test_repair_wheel_command(tmp_path: Path, raw: str, expected: dict[str, str]) -> None:
    values = _values(tmp_path, f"repair-wheel-command = {raw}")
    assert {k: v for k, v in values.items() if k.startswith("repair")} == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ('"build[uv]"', "uv"), ('"build"', "pip"), ('"pip"', "pip"), ('"uv"', "uv"),
])  # fmt: skip
def test_build_frontend(tmp_path: Path, raw: str, expected: str) -> None:
    assert _values(tmp_path, f"build-frontend = {raw}")["installer"] == expected


def test_images_for_this_machine(tmp_path: Path) -> None:
    from headless_wheel_builder.platforms import native_arch

    arch = native_arch("linux")
    values = _values(tmp_path, f'manylinux-{arch}-image = "manylinux2014"')
    assert values["manylinux"] == "manylinux2014"
    image = f"quay.io/pypa/manylinux_2_34_{arch}:2025.01.01-1"
    values = _values(tmp_path, f'manylinux-{arch}-image = "{image}"\nmusllinux-{arch}-image = "my/musl:1"')
    assert values["manylinux"] == "manylinux_2_34"
    assert values["container-images"] == {"manylinux_2_34": image, "musllinux_1_2": "my/musl:1"}


def test_archs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    values = _values(tmp_path, 'archs = ["auto64", "aarch64", "riscv64"]')
    assert values["archs"] == ["native", "aarch64"]
    assert "archs 'riscv64'" in caplog.text


def test_dependency_versions_file_is_a_build_constraint(tmp_path: Path) -> None:
    values = _values(tmp_path, 'dependency-versions = "file:constraints.txt"')
    assert values["build-constraints"] == [tmp_path / "constraints.txt"]
    assert "build-constraints" not in _values(tmp_path, 'dependency-versions = "latest"')


# -- the order of the layer, and its place in hwb's cascade ---------------------------------------

CONFIG = """test-command = "top"
[tool.cibuildwheel.linux]
test-command = "linux"
[tool.cibuildwheel.macos]
test-command = "macos"
[[tool.cibuildwheel.overrides]]
select = "cp311-*"
test-command = "override"
"""


@pytest.mark.parametrize(("identifier", "platform", "env", "expected"), [
    (None, "windows", {}, "top"),
    (None, "linux", {}, "linux"),
    ("cp312-manylinux_x86_64", "linux", {}, "linux"),
    ("cp311-manylinux_x86_64", "linux", {}, "override"),
    ("cp311-manylinux_x86_64", "linux", {"CIBW_TEST_COMMAND": "env"}, "env"),
    ("cp311-manylinux_x86_64", "linux",
     {"CIBW_TEST_COMMAND": "env", "CIBW_TEST_COMMAND_LINUX": "env-linux"}, "env-linux"),
    (None, "macos", {"CIBW_TEST_COMMAND_LINUX": "env-linux"}, "macos"),
])  # fmt: skip
def test_cibuildwheel_s_own_order(
    tmp_path: Path, identifier: str | None, platform: str, env: dict[str, str], expected: str
) -> None:
    values = _values(tmp_path, CONFIG, env=env, identifier=identifier, platform=platform)
    assert values["test-command"] == expected


def test_hwb_s_own_settings_win_over_cibuildwheel_s(tmp_path: Path) -> None:
    env = {"CIBW_TEST_COMMAND": "cibw-env", "CIBW_TEST_REQUIRES": "pytest"}
    project = _project(tmp_path, CONFIG, hwb='[tool.hwb]\ntest-command = "hwb"\n')
    settings = resolve(project, environ={**NO_USER, **env}, identifier="cp311-manylinux_x86_64",
                       platform="linux")  # fmt: skip
    assert settings.values["test-command"].value == "hwb"
    assert settings.values["test-command"].source == "pyproject"
    assert settings.values["test-requires"].value == ["pytest"]  # what hwb's files do not set stays
    assert settings.values["test-requires"].source == "cibuildwheel"
    assert settings.values["test-requires"].origin == "CIBW_TEST_REQUIRES"
    with_flag = resolve(project, environ={**NO_USER, **env}, cli={"test-command": "flag"}, platform="linux")
    assert with_flag.values["test-command"].value == "flag"
    with_hwb_env = resolve(project, environ={**NO_USER, **env, "HWB_TEST_REQUIRES": "x"}, platform="linux")
    assert with_hwb_env.values["test-requires"].value == ["x"]


def test_a_project_s_environment_pass_is_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    values = _values(tmp_path, 'environment-pass = ["SECRET_TOKEN"]')
    assert "environment-pass" not in values
    assert "tool.cibuildwheel.environment-pass is ignored" in caplog.text
    from_user = _values(tmp_path, "", env={"CIBW_ENVIRONMENT_PASS_LINUX": "CI GITHUB_SHA"})
    assert from_user["environment-pass"] == ["CI", "GITHUB_SHA"]
    with pytest.raises(ConfigError, match="user-only"):
        resolve(_project(tmp_path, 'environment-pass = ["X"]'), environ=NO_USER, cli={"strict": True})


def test_unsupported_options_are_named_in_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    text = ('enable = ["pypy", "graalpy"]\ncontainer-engine = "podman"\ntest-groups = ["test"]\n'
            'no-such-option = 1\n[[tool.cibuildwheel.overrides]]\nselect = "cp39-*"\n'
            'inherit.environment = "append"\n')  # fmt: skip
    values = _values(tmp_path, text, env={"CIBW_BUILD_VERBOSITY": "1", "CIBW_NOT_AN_OPTION": "1"})
    warnings = [r.getMessage() for r in caplog.records if "cibuildwheel options" in r.getMessage()]
    assert len(warnings) == 1
    assert values["enable"] == ["pypy"]  # the group hwb has is kept; graalpy is named
    for name in ("'graalpy'", "container-engine", "test-groups", "no-such-option", "inherit",
                 "CIBW_BUILD_VERBOSITY", "CIBW_NOT_AN_OPTION"):  # fmt: skip
        assert name in warnings[0]
    caplog.clear()
    _values(tmp_path, text, identifier="cp39-manylinux_x86_64")  # a matrix job's own resolution
    assert "cibuildwheel options" not in caplog.text


def test_an_override_of_a_once_per_build_option_is_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = ('[[tool.cibuildwheel.overrides]]\nselect = "cp311-*"\nbefore-all = "yum install -y x"\n'
            'test-command = "t"\n')
    values = _values(tmp_path, text, identifier="cp311-manylinux_x86_64")
    assert values["test-command"] == "t"
    assert "before-all" not in values
    _values(tmp_path, text)
    assert "hwb sets before-all once per build" in caplog.text


def test_an_empty_repair_variable_means_no_repair(tmp_path: Path) -> None:
    assert _values(tmp_path, "", env={"CIBW_REPAIR_WHEEL_COMMAND": ""})["repair"] == "never"
    assert "test-command" not in _values(tmp_path, "", env={"CIBW_TEST_COMMAND": ""})


def test_invalid_values_are_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        _values(tmp_path, 'environment = "NOT AN ASSIGNMENT"\ntest-requires = 3')
    assert "environment" in str(caught.value.details)
    assert "test-requires" in str(caught.value.details)


def test_no_cibuildwheel_table_reads_nothing(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert read_layer(None, {}, platform="linux", identifier=None).empty
    assert BY_CIBW["build"].hwb == ("select",)


@pytest.mark.parametrize("how", ["env", "hwb"])
def test_the_layer_can_be_turned_off(tmp_path: Path, caplog: pytest.LogCaptureFixture, how: str) -> None:
    """``cibuildwheel = false`` (or HWB_CIBUILDWHEEL, --no-cibuildwheel): nothing of cibuildwheel's
    is read, nothing is warned about; hwb's own values stay."""
    caplog.set_level(logging.WARNING)
    text = 'test-command = "pytest"\ncontainer-engine = "podman"\n'
    (tmp_path / "on").mkdir()
    (tmp_path / "off").mkdir()
    on = _values(tmp_path / "on", text)
    assert on["test-command"] == "pytest"
    caplog.clear()
    hwb = "[tool.hwb]\n" + ("cibuildwheel = false\n" if how == "hwb" else "") + "test-requires = ['x']\n"
    env = {"HWB_CIBUILDWHEEL": "false"} if how == "env" else None
    off = _values(tmp_path / "off", text, env=env, hwb=hwb)
    assert "test-command" not in off
    assert off["test-requires"] == ["x"]
    assert "cibuildwheel options" not in caplog.text
