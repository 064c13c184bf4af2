"""Versioned by setuptools-scm."""
