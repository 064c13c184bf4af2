"""Build: the one pipeline every build walks through (``pipeline``), its PEP 517 hook sessions
(``pep517``), reproducibility (``_reproducible``), failure diagnosis (``diagnose``), the wheel
test step (``tester``) and the container side of a build (``in_container``)."""
