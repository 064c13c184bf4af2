from __future__ import annotations

try:
    from env_switch._speedups import SPEEDUPS
except ImportError:
    SPEEDUPS = False
