"""The build matrix: many interpreters (and platforms) from one sdist, in parallel.

``identifiers`` names and selects builds (``cp312-manylinux_x86_64``); ``builder`` plans and
runs them; ``platform`` repairs and checks wheels (auditwheel, delocate, delvewheel);
``tester`` installs each wheel in a fresh environment and runs the test command;
``artifacts`` writes ``hwb-manifest.json`` and ``SHA256SUMS``.
"""
