"""``python -m headless_wheel_builder`` is ``hwb``."""

from __future__ import annotations

import sys

from headless_wheel_builder.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
