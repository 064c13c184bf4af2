"""spam: adds two integers in C."""

from spam._spam import add

__all__ = ["add", "main"]


def main() -> None:
    """The ``spam`` command: prints its version."""
    from importlib.metadata import version

    print(f"spam {version('spam-ext')}")
