"""hwb, the Headless Wheel Builder: build correct, portable wheels and sdists from any source.

The public API lives in :mod:`headless_wheel_builder.api` and is re-exported here lazily,
so that ``import headless_wheel_builder`` (and ``hwb --version``) stays cheap.
"""

from __future__ import annotations

from headless_wheel_builder.__about__ import __version__

# typing is not imported at run time: `hwb --version` must stay cheap.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any

    from headless_wheel_builder.api import (
        BuildOptions,
        BuildReport,
        build,
        check,
        inspect,
    )

__all__ = ["BuildOptions", "BuildReport", "__version__", "build", "check", "inspect"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from headless_wheel_builder import api

        return getattr(api, name)
    raise AttributeError(f"module 'headless_wheel_builder' has no attribute {name!r}")
