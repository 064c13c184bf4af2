"""Hypothesis strategies shared by the fuzz properties (tests/unit/test_fuzz_*.py).

Valid names are generated from the grammars (PEP 508 names, PEP 440 versions, wheel tags),
so a property can check that what hwb accepts round-trips; arbitrary text is generated to
check that anything else fails only with hwb's own errors.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import settings
from hypothesis import strategies as st

from headless_wheel_builder.errors import HwbError

__all__ = ["FUZZ", "SLOW", "any_text", "explains", "project_names", "timed", "versions", "wheel_tags"]

T = TypeVar("T")

#: Seconds one call of a parser may take on a small input (a few KB) before it counts as a
#: failure: every parser of outside input is meant to be linear, so a second means a blow-up.
SLOW = 1.0

#: PEP 508 project names: alphanumeric at both ends, ``._-`` runs allowed inside.
project_names = st.from_regex(r"\A[A-Za-z0-9]([A-Za-z0-9._-]{0,20}[A-Za-z0-9])?\Z", fullmatch=True)


def FUZZ(**kwargs: Any) -> settings:
    """Settings of the fuzz properties: derandomized in the test suite, so CI stays
    reproducible; ``HWB_FUZZ_RANDOM=1`` explores new random inputs (and more of them), and
    ``HWB_FUZZ_EXAMPLES=N`` sets how many (the campaigns of fuzz/run.py set both).

    No example database (nothing is written into the tree), and no hypothesis deadline: a
    deadline also times the test's own set-up (temporary folders, building an archive), so the
    properties time the call under test themselves, with :func:`timed`."""
    explore = os.environ.get("HWB_FUZZ_RANDOM") == "1"
    if explore:
        kwargs["max_examples"] = kwargs.get("max_examples", 100) * 10
    examples = os.environ.get("HWB_FUZZ_EXAMPLES", "")
    if examples.isdigit():
        kwargs["max_examples"] = int(examples)
    return settings(derandomize=not explore, deadline=None, database=None, **kwargs)


def timed(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``call(*args, **kwargs)``, failing the example when it takes :data:`SLOW` seconds or
    more, whether it returns or raises."""
    start = time.perf_counter()
    try:
        return call(*args, **kwargs)
    finally:
        elapsed = time.perf_counter() - start
        name = getattr(call, "__qualname__", repr(call))
        assert elapsed < SLOW, f"{name} took {elapsed:.2f} s (the limit is {SLOW} s)"


def explains(exc: BaseException, kind: type[HwbError] = HwbError) -> None:
    """``exc`` is an hwb error of ``kind`` that says what failed."""
    assert isinstance(exc, kind), f"{type(exc).__name__} is not a {kind.__name__}: {exc}"
    assert exc.what, f"{type(exc).__name__} without a message"


_release = st.lists(st.integers(0, 2000), min_size=1, max_size=4).map(lambda xs: ".".join(map(str, xs)))
_pre = st.sampled_from(["", "a", "b", "rc", "alpha", "c", "pre", "preview"]).flatmap(
    lambda tag: st.just("") if not tag else st.integers(0, 99).map(lambda n: f"{tag}{n}")
)
_post = st.sampled_from(["", ".post", "-", ".rev"]).flatmap(
    lambda tag: st.just("") if not tag else st.integers(0, 99).map(lambda n: f"{tag}{n}")
)
_dev = st.one_of(st.just(""), st.integers(0, 99).map(lambda n: f".dev{n}"))
_epoch = st.one_of(st.just(""), st.integers(1, 9).map(lambda n: f"{n}!"))

#: PEP 440 versions (public), in normal and non-normal spellings.
versions = st.builds(lambda e, r, a, p, d: f"{e}{r}{a}{p}{d}", _epoch, _release, _pre, _post, _dev)

#: Compressed wheel tag triples ``py-abi-plat``.
wheel_tags = st.tuples(
    st.sampled_from(["py3", "py2.py3", "cp312", "cp310.cp311", "pp310"]),
    st.sampled_from(["none", "abi3", "cp312", "cp310.abi3"]),
    st.sampled_from(["any", "linux_x86_64", "manylinux_2_17_x86_64.manylinux2014_x86_64", "win_amd64"]),
).map("-".join)

#: Any text that can be a file name on Linux: no NUL, no '/', at most 255 UTF-8 bytes.
any_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00/"),
    min_size=1,
    max_size=60,
).filter(lambda s: s not in (".", "..") and len(s.encode()) <= 255)
