"""Metadata in setup.cfg, no [build-system]."""
