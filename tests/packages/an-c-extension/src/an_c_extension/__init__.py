"""A package with an optional C speed-up."""
