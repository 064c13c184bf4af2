"""Migrate: ``hwb init`` (a new ``pyproject.toml``) and ``--from-setup`` (``setup.py`` /
``setup.cfg`` to PEP 621, read statically, never run)."""
