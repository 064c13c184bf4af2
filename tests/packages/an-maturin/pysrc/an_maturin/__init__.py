"""The Python half of a maturin project."""
