"""A poetry-core project."""
