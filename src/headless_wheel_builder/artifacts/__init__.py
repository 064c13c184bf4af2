"""Artifacts: validate wheels and sdists (``hwb check``), place them atomically in the output
folder, and write the matrix manifest and ``SHA256SUMS``."""
