"""An in-tree PEP 517 backend."""
