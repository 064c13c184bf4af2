"""Versioned by hatch-vcs."""
