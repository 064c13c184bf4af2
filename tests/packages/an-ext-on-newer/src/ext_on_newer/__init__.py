from __future__ import annotations

try:
    from ext_on_newer._fast import add
except ImportError:  # the pure-Python fallback

    def add(a: int, b: int) -> int:
        return a + b
