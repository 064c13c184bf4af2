"""The import gates: the layers of ``[tool.importlinter]`` cover every module of hwb, the
package has no import cycle between its modules, and ``lint-imports`` with hwb's own contracts
fails on a cycle or an upward import added by hand (issue 15: one once stayed KEPT)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import grimp
import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "headless_wheel_builder"
SRC = ROOT / "src" / PACKAGE
LINT_IMPORTS = Path(sys.executable).with_name(
    "lint-imports.exe" if sys.platform == "win32" else "lint-imports"
)


def _config() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        config: dict[str, Any] = tomllib.load(f)["tool"]["importlinter"]
    return config


def _contract(kind: str) -> dict[str, Any]:
    (contract,) = [c for c in _config()["contracts"] if c["type"] == kind]
    return contract


def _ignored(contract: dict[str, Any]) -> set[tuple[str, str]]:
    pairs = (line.split(" -> ") for line in contract.get("ignore_imports", []))
    return {(importer.strip(), imported.strip()) for importer, imported in pairs}


def test_every_module_is_in_a_layer() -> None:
    layered = {
        name.strip() for layer in _contract("layers")["layers"] for name in layer.replace("|", ":").split(":")
    }
    graph = grimp.build_graph(PACKAGE, cache_dir=None)
    children = graph.find_children(PACKAGE)
    assert children, "grimp found no modules"
    assert children - layered == set(), "add these to a layer in [tool.importlinter] (pyproject.toml)"
    assert layered - children == set(), "these layers name modules that no longer exist"


def test_no_import_cycle_between_modules() -> None:
    """Runtime imports (TYPE_CHECKING ones excluded) form no cycle in any package, except the
    debts listed in the acyclic contract's ``ignore_imports``."""
    graph = grimp.build_graph(PACKAGE, exclude_type_checking_imports=True, cache_dir=None)
    for importer, imported in _ignored(_contract("acyclic_siblings")):
        if graph.direct_import_exists(importer=importer, imported=imported):
            graph.remove_import(importer=importer, imported=imported)
    cycles: dict[str, set[tuple[str, str]]] = {}
    packages = [PACKAGE, *(m for m in graph.find_descendants(PACKAGE) if graph.find_children(m))]
    for package in packages:
        if breakers := graph.nominate_cycle_breakers(package):
            cycles[package] = breakers
    assert cycles == {}


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of hwb's source tree and contracts, for breaking on purpose."""
    if not LINT_IMPORTS.exists():
        pytest.fail(f"lint-imports is not installed next to {sys.executable} (the test extra has it)")
    root = tmp_path_factory.mktemp("layers")
    shutil.copytree(SRC, root / PACKAGE, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    unmodified = _lint_imports(root)
    assert unmodified.returncode == 0, unmodified.stdout + unmodified.stderr
    return root


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(root / "pyproject.toml")],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "", "COLUMNS": "400", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        check=False,
    )


def _add_import(root: Path, module: str, imported: str) -> None:
    path = root / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text(encoding="utf-8") + f"\nimport {imported}  # added by test_layers\n")


@pytest.mark.parametrize(
    ("importer", "imported", "contract"),
    [
        # a cycle inside one package: base <- upload already; base -> upload closes it
        (
            "headless_wheel_builder.publish.base",
            "headless_wheel_builder.publish.upload",
            "No import cycles between the modules of any package",
        ),
        # a cycle between two packages: build -> analyze already
        ("headless_wheel_builder.analyze.analyzer", "headless_wheel_builder.build.pipeline", "Layers"),
        # the shared base reaching up
        ("headless_wheel_builder.errors", "headless_wheel_builder.cli.main", "Layers"),
        # two stages side by side in one layer are independent
        ("headless_wheel_builder.source.source", "headless_wheel_builder.artifacts.output", "Layers"),
        ("headless_wheel_builder.publish.upload", "headless_wheel_builder.isolation.venv", "publish needs"),
        ("headless_wheel_builder.version.release", "headless_wheel_builder.publish.upload", "Layers"),
    ],
)
def test_lint_imports_fails_on_a_hand_added_import(
    source_copy: Path, importer: str, imported: str, contract: str
) -> None:
    work = source_copy.parent / f"{source_copy.name}-{importer}-{imported}"
    shutil.copytree(source_copy, work)
    _add_import(work, importer, imported)
    result = _lint_imports(work)
    assert result.returncode != 0, result.stdout
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout
    # (the acyclic contract names modules relative to their package)
    assert importer.rsplit(".", 1)[-1] in broken, result.stdout
