"""`hwb config show` and config files seen through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.test_config import _project


def test_config_show_json_reports_each_layer(hwb, tmp_path):
    project = _project(tmp_path / "p", '[tool.hwb]\ntimeout = 1.0\n[tool.hwb.linux]\ninstaller = "pip"\n',
                       'outdir = "o"\n')
    result = hwb("config", "show", project, "--python", "3.12", "--json",
                 env={"HWB_CONFIG_SETTINGS": "k=v"})
    assert result.code == 0, result.stderr
    options = json.loads(result.stdout)["options"]
    assert options["timeout"]["source"] == "pyproject"
    assert options["outdir"]["source"] == "hwb.toml"
    assert options["installer"]["source"] == "override"
    assert options["config-settings"] == {"value": {"k": "v"}, "source": "env",
                                          "origin": "HWB_CONFIG_SETTINGS"}
    assert options["python"]["source"] == "cli"
    assert options["isolation"]["source"] == "default"


def test_build_refuses_an_invalid_config(hwb, project_copy, tmp_path):
    src = project_copy("tiny-backend")
    (src / "hwb.toml").write_text('outdri = "x"\n')
    result = hwb("build", src, "-o", tmp_path / "o")
    assert result.code == 3
    assert "did you mean 'outdir'" in result.stderr
    assert not (tmp_path / "o").exists()


def test_build_uses_config_from_the_project(hwb, project_copy, tmp_path):
    src = project_copy("tiny-backend")
    (src / "hwb.toml").write_text('outdir = "wheelhouse"\ndistributions = ["wheel"]\n')
    result = hwb("build", src, "--json")
    assert result.code == 0, result.stderr
    (artifact,) = result.json["artifacts"]
    assert Path(artifact["path"]).parent == (src / "wheelhouse").resolve()
