"""A pbr project."""
