"""The interface every build environment implements (venv today, containers later).

It is pypa/build's ``IsolatedEnv`` protocol (``python_executable`` and
``make_extra_environ``) plus ``install``, so ``build.ProjectBuilder.from_isolated_env``
drives any of them the same way.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Literal, Protocol

Installer = Literal["uv", "pip"]


class IsolatedEnv(Protocol):
    """An environment in which a PEP 517 backend runs."""

    @property
    def python_executable(self) -> str:
        """The Python executable of the environment."""
        ...

    @property
    def installer(self) -> Installer:
        """Which installer fills the environment."""
        ...

    def make_extra_environ(self) -> Mapping[str, str] | None:
        """Variables to set for processes that run inside the environment."""
        ...

    def install(self, requirements: Collection[str]) -> None:
        """Install PEP 508 ``requirements`` (raises DependencyError when they cannot be)."""
        ...
