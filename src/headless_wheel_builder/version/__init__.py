"""Versions from Conventional Commits, changelogs and releases (docs/VERSIONING.md).

This stage never uploads or builds: ``api.release`` composes it with ``api.build``,
``api.check`` and ``api.publish``.
"""
