"""The configuration cascade: each layer against each other, validation, schema and docs."""

from __future__ import annotations

import contextlib
import itertools
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headless_wheel_builder.config.registry import BY_NAME, OPTIONS
from headless_wheel_builder.config.resolve import parse_env, resolve
from headless_wheel_builder.config.schema import SCHEMA_PATH, generate_schema, render_docs, schema_text
from headless_wheel_builder.errors import ConfigError
from tests.conftest import ROOT

# The layers, lowest first, each able to set `timeout` (and `outdir`) to its own value.
LAYERS = ["default", "pyproject", "hwb.toml", "override", "env", "cli"]


def _project(tmp_path: Path, pyproject: str = "", hwb_toml: str | None = None) -> Path:
    (tmp_path / ".git").mkdir(parents=True, exist_ok=True)  # the repository root: discovery stops here
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n' + pyproject)
    if hwb_toml is not None:
        (tmp_path / "hwb.toml").write_text(hwb_toml)
    return tmp_path


def _setup(tmp_path: Path, layers: set[str]):
    pyproject = "[tool.hwb]\ntimeout = 1.0\n" if "pyproject" in layers else ""
    if "override" in layers:
        pyproject += "[tool.hwb.linux]\ntimeout = 3.0\n"
    hwb_toml = "timeout = 2.0\n" if "hwb.toml" in layers else None
    project = _project(tmp_path, pyproject, hwb_toml)
    env = {"HWB_TIMEOUT": "4"} if "env" in layers else {}
    cli = {"timeout": 5.0} if "cli" in layers else {}
    return project, env, cli


@pytest.mark.parametrize(("low", "high"), list(itertools.combinations(range(len(LAYERS)), 2)))
def test_each_layer_beats_the_ones_below(tmp_path, low, high):
    project, env, cli = _setup(tmp_path, {LAYERS[low], LAYERS[high]})
    got = resolve(project, cli=cli, environ=env, platform="linux").values["timeout"]
    assert got.source == LAYERS[high]
    expected = {"default": None, "pyproject": 1.0, "hwb.toml": 2.0, "override": 3.0, "env": 4.0, "cli": 5.0}
    assert got.value == expected[LAYERS[high]]


def test_all_layers_at_once_and_origins(tmp_path):
    project, env, cli = _setup(tmp_path, set(LAYERS))
    settings_ = resolve(project, cli=cli, environ=env, platform="linux")
    assert settings_.options.timeout == 5.0
    without_cli = resolve(project, environ=env, platform="linux").values["timeout"]
    assert (without_cli.source, without_cli.origin) == ("env", "HWB_TIMEOUT")
    only_files = resolve(project, environ={}, platform="linux").values["timeout"]
    assert only_files.source == "override"
    assert only_files.origin == f"{project / 'pyproject.toml'}:5"
    other_platform = resolve(project, environ={}, platform="windows").values["timeout"]
    assert other_platform.source == "hwb.toml"


def test_overrides_apply_to_matching_identifiers_in_order(tmp_path):
    project = _project(tmp_path, '[tool.hwb]\ninstaller = "uv"\n'
                       '[[tool.hwb.overrides]]\nselect = "cp312-*"\ninstaller = "pip"\n'
                       '[[tool.hwb.overrides]]\nselect = ["cp312-manylinux*", "cp313-*"]\ntimeout = 9.0\n')
    hit = resolve(project, environ={}, identifier="cp312-manylinux_x86_64")
    assert hit.options.installer == "pip"
    assert hit.options.timeout == 9.0
    miss = resolve(project, environ={}, identifier="cp311-manylinux_x86_64")
    assert miss.options.installer == "uv"
    assert miss.options.timeout is None
    assert resolve(project, environ={}).options.installer == "uv"  # no identifier: no overrides


def test_discovery_walks_up_to_the_repository_root_only(tmp_path):
    outer = tmp_path / "outer"
    outer.mkdir()
    (outer / "hwb.toml").write_text('installer = "pip"\n')  # above the repo root: never read
    repo = outer / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "hwb.toml").write_text("timeout = 7.0\n")
    pkg = repo / "packages" / "a"
    pkg.mkdir(parents=True)
    (pkg / "pyproject.toml").write_text('[tool.hwb]\noutdir = "wh"\n')
    found = resolve(pkg, environ={})
    assert found.options.timeout == 7.0
    assert found.options.installer == "auto"
    assert found.options.outdir == pkg / "wh"  # relative to the file that set it
    assert found.files == (pkg / "pyproject.toml", repo / "hwb.toml")


def test_explicit_config_file_replaces_discovery(tmp_path):
    project = _project(tmp_path, "[tool.hwb]\ntimeout = 1.0\n")
    other = tmp_path / "ci.toml"
    other.write_text('installer = "pip"\n')
    got = resolve(project, environ={}, config_file=other)
    assert got.options.installer == "pip"
    assert got.options.timeout is None
    assert got.values["installer"].source == "config"
    with pytest.raises(ConfigError, match="not found"):
        resolve(project, environ={}, config_file=tmp_path / "nope.toml")


def test_every_problem_is_reported_together_with_suggestions(tmp_path):
    project = _project(tmp_path, '[tool.hwb]\noutdri = "x"\ntimeout = "soon"\ninstaller = "conda"\n'
                       '[[tool.hwb.overrides]]\ninstaller = "pip"\n')
    with pytest.raises(ConfigError) as info:
        resolve(project, environ={"HWB_ISOLATION": "maybe"})
    err = info.value
    assert err.exit_code == 3
    assert "4 problems" in err.what or "5 problems" in err.what
    details = err.details or ""
    assert "tool.hwb.outdri is not an hwb option (did you mean 'outdir'?)" in details
    assert f"{project / 'pyproject.toml'}:6: tool.hwb.timeout: expected a number" in details
    assert "expected one of 'auto', 'uv', 'pip', got 'conda'" in details
    assert "overrides[0].select must be a pattern" in details
    assert "HWB_ISOLATION: expected true or false, got 'maybe'" in details


def test_malformed_toml_names_line_and_column(tmp_path):
    (tmp_path / "hwb.toml").write_text("timeout = 1.0\noutdir = \n")
    with pytest.raises(ConfigError) as info:
        resolve(tmp_path, environ={})
    assert f"{tmp_path / 'hwb.toml'}:2:" in str(info.value)


def test_unknown_hwb_env_var_only_warns(tmp_path, caplog):
    resolve(tmp_path, environ={"HWB_OUTDIRR": "x"})
    assert "HWB_OUTDIRR" in caplog.text
    assert "did you mean 'HWB_OUTDIR'" in caplog.text


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("isolation", "off", False),
    ("isolation", "YES", True),
    ("build-constraints", "a.txt, b.txt", [Path("a.txt"), Path("b.txt")]),
    ("distributions", "sdist,wheel", ["sdist", "wheel"]),
    ("config-settings", "a=1 b=2 a=3", {"a": ["1", "3"], "b": "2"}),
    ("timeout", "2.5", 2.5),
])
def test_env_parsing(name, text, expected):
    assert parse_env(BY_NAME[name], text) == (expected, None)


def test_schema_and_docs_are_generated_from_the_registry():
    regenerate = "run: python -m headless_wheel_builder.config.schema --write"
    assert SCHEMA_PATH.read_text() == schema_text(), regenerate
    docs = (ROOT / "docs" / "CONFIGURATION.md").read_text()
    assert render_docs(docs) == docs, regenerate
    schema = generate_schema()
    assert set(schema["properties"]) >= {o.name for o in OPTIONS if o.config}  # flag/env-only: not in files
    for option in OPTIONS:
        assert option.env in docs


def test_schema_accepts_what_resolve_accepts(tmp_path):
    import jsonschema

    good = {"outdir": "x", "timeout": 3, "linux": {"installer": "pip"},
            "overrides": [{"select": "cp3*", "isolation": False}], "version": {"scheme": "semver"}}
    jsonschema.validate(good, generate_schema())
    (tmp_path / "hwb.toml").write_text(
        'outdir = "x"\ntimeout = 3\n[linux]\ninstaller = "pip"\n'
        '[[overrides]]\nselect = "cp3*"\nisolation = false\n'
    )
    resolve(tmp_path, environ={})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"outdri": "x"}, generate_schema())


toml_scalars = st.one_of(st.text(max_size=8), st.integers(), st.floats(allow_nan=False), st.booleans(),
                         st.lists(st.text(max_size=5), max_size=3))
keys = st.one_of(st.sampled_from([o.name for o in OPTIONS] + ["linux", "overrides", "publish"]),
                 st.text(string.ascii_lowercase + "-", min_size=1, max_size=10))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=st.dictionaries(keys, st.one_of(toml_scalars, st.dictionaries(keys, toml_scalars, max_size=3)),
                             max_size=6),
       env=st.dictionaries(st.sampled_from([o.env for o in OPTIONS] + ["HWB_X"]), st.text(max_size=10),
                           max_size=4))
def test_arbitrary_toml_and_env_fail_only_with_config_errors(tmp_path, table, env):
    (tmp_path / "hwb.toml").write_text(_dump(table))
    with contextlib.suppress(ConfigError):
        resolve(tmp_path, environ=env, identifier="cp312-manylinux_x86_64")


def _dump(table: dict) -> str:
    import tomli_w

    return tomli_w.dumps(table)


def test_unknown_user_in_a_path_is_kept_literally(tmp_path):
    got = resolve(tmp_path, environ={"HWB_OUTDIR": "~no-such-user-hwb/x"})
    assert got.options.outdir == Path("~no-such-user-hwb/x")


def test_every_hwb_variable_the_code_reads_is_known():
    """An HWB_* name read anywhere in src/ is an option's variable or a documented extra, so
    setting it never earns an "ignoring HWB_…" warning."""
    import re

    from headless_wheel_builder.config.resolve import _OTHER_ENV

    used = set()
    for path in (ROOT / "src").rglob("*.py"):
        used |= set(re.findall(r"\bHWB_[A-Z][A-Z0-9_]*", path.read_text()))
    known = {o.env for o in OPTIONS} | _OTHER_ENV
    assert used - known == set()
