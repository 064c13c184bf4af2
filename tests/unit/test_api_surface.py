"""The public API is exactly what docs/API.md documents (STYLE.md: a small, stable surface)."""

from __future__ import annotations

import re
from pathlib import Path

from headless_wheel_builder import api

DOC = (Path(__file__).parents[2] / "docs" / "API.md").read_text(encoding="utf-8")


def test_every_exported_name_is_documented() -> None:
    missing = [name for name in api.__all__ if not re.search(rf"\b{name}\b", DOC)]
    assert not missing, f"exported by headless_wheel_builder.api but not in docs/API.md: {missing}"


def test_every_documented_function_is_exported_and_importable() -> None:
    documented = re.findall(r"^## `(\w+)\(", DOC, flags=re.M)
    assert documented, "docs/API.md lists no functions"
    assert sorted(set(documented) - set(api.__all__)) == []
    for name in api.__all__:
        assert getattr(api, name) is not None


def test_plumbing_is_not_exported() -> None:
    # What the CLI used to decide by itself is decided inside build_from_config now.
    for name in ("wants_matrix", "choose_isolation", "JobSettings"):
        assert name not in api.__all__
        assert not hasattr(api, name)
