"""Backend warnings are logged, never turned into build failures (even under -W error)."""

from __future__ import annotations

import warnings

import pytest
from pyproject_hooks import BuildBackendWarning

from headless_wheel_builder.build.pep517 import relay_backend_warnings


def test_backend_warnings_are_logged_not_raised(caplog):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with relay_backend_warnings():
            warnings.warn("Unknown distribution option: 'tests_require'", BuildBackendWarning, stacklevel=1)
    assert "build backend: Unknown distribution option: 'tests_require'" in caplog.text


def test_other_warnings_pass_through():
    with pytest.warns(DeprecationWarning, match="ours"), relay_backend_warnings():
        warnings.warn("ours", DeprecationWarning, stacklevel=1)


def test_a_repeated_backend_warning_is_shown_once_per_build(caplog):
    shown: set[str] = set()
    for _ in range(3):
        with relay_backend_warnings(shown):
            warnings.warn("said in every hook", BuildBackendWarning, stacklevel=1)
    assert caplog.text.count("said in every hook") == 1
