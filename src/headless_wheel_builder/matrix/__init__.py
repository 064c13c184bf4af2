"""The build matrix: many interpreters (and platforms) from one sdist, in parallel.

``identifiers`` names and selects builds (``cp312-manylinux_x86_64``); ``plan`` picks them;
``builder`` schedules one run of the build pipeline per identifier (repair, validation and
the test step are the pipeline's, see ``build/``).
"""
