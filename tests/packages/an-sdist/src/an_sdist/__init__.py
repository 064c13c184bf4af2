"""An unpacked sdist."""
