"""The pipeline probe: its build_info.json says how its wheel was built."""
from __future__ import annotations

import json
import pathlib

BUILD_INFO = json.loads((pathlib.Path(__file__).parent / "build_info.json").read_text())
