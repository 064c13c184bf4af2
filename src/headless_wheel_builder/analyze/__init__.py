"""Analyze: read a project without building it (name, version, backend, requirements,
whether it may be pure Python).  Static only: no backend runs and nothing is installed."""
