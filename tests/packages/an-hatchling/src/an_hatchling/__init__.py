"""A hatchling project whose version lives in __about__.py."""
