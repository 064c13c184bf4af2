"""spam: adds two integers in C."""

from spam._spam import add

__all__ = ["add"]
