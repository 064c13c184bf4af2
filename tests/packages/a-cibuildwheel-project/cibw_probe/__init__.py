"""Replaced in the wheel by what the build saw (see _backend/probebackend.py)."""
