"""fuzz/run.py, the longer campaigns: every target names properties that exist, and a short
campaign runs them with random inputs and reports the result."""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _runner() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hwb_fuzz_run", ROOT / "fuzz" / "run.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_campaign_target_names_existing_properties() -> None:
    targets: dict[str, list[str]] = _runner().TARGETS
    assert set(targets) == {"archive", "elf", "toml", "setup", "commits", "git", "registry", "log"}
    for nodes in targets.values():
        for node in nodes:
            path, _, name = node.partition("::")
            module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
            test = getattr(module, name)
            assert hasattr(test, "hypothesis"), f"{node} is not a hypothesis property"


def test_a_short_campaign_runs_and_reports() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "fuzz" / "run.py"), "log", "--minutes", "0", "--examples", "20"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fuzz log: nothing found in 1 rounds (20 examples)" in done.stdout


def test_a_bad_target_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "fuzz" / "run.py"), "nothing"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "invalid choice" in done.stderr
