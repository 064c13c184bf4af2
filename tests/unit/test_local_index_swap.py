"""`hwb index` replaces its output tree in one step where the kernel allows it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from headless_wheel_builder.publish.local_index import _exchange, _swap


def _tree(path: Path, text: str) -> Path:
    path.mkdir(parents=True)
    (path / "index.html").write_text(text)
    return path


@pytest.mark.skipif(sys.platform != "linux", reason="renameat2 is Linux's")
def test_exchange_swaps_two_trees_atomically(tmp_path):
    a, b = _tree(tmp_path / "a", "new"), _tree(tmp_path / "b", "old")
    assert _exchange(a, b) is True
    assert (b / "index.html").read_text() == "new"
    assert (a / "index.html").read_text() == "old"


def test_swap_replaces_the_target_and_leaves_the_old_tree_in_staging(tmp_path):
    staging = tmp_path / "staging"
    new = _tree(staging / "simple", "new")
    target = _tree(tmp_path / "out" / "simple", "old")
    _swap(new, target, staging)
    assert (target / "index.html").read_text() == "new"
    leftovers = sorted(p.read_text() for p in staging.rglob("index.html"))
    assert leftovers == ["old"]  # deleted with the staging folder by the caller


def test_swap_into_an_empty_place(tmp_path):
    staging = tmp_path / "staging"
    new = _tree(staging / "simple", "new")
    target = tmp_path / "out" / "simple"
    target.parent.mkdir()
    _swap(new, target, staging)
    assert (target / "index.html").read_text() == "new"
