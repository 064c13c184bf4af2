"""Fixtures for the corpus tests (see corpus.py for the harness and its cache layout)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .corpus import CorpusEnv, CorpusError, Project, load_projects, requires_python_skip_reason

#: (project, what, seconds) rows collected during the session, shown in the terminal summary.
TIMINGS: list[tuple[str, str, float]] = []


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise ``corpus_project`` by project name.

    A missing or malformed corpus table is a failure, not a skip: CI always has shared/ beside
    the repository, and a silent skip would let the corpus tests run nothing.
    """
    if "corpus_project" not in metafunc.fixturenames:
        return
    try:
        projects: list[Project | CorpusError] = list(load_projects())
    except CorpusError as exc:
        projects = [exc]
    metafunc.parametrize(
        "corpus_project",
        projects,
        ids=[p.name if isinstance(p, Project) else "corpus-table" for p in projects],
        indirect=True,
    )


@pytest.fixture
def corpus_project(request: pytest.FixtureRequest) -> Project:
    param = request.param
    if isinstance(param, CorpusError):
        pytest.fail(str(param), pytrace=False)
    assert isinstance(param, Project)
    return param


@pytest.fixture(scope="session")
def corpus_env() -> CorpusEnv:
    """The cache, the corpus interpreter (CPython 3.12 when found) and its `build` venv."""
    return CorpusEnv.create()


@pytest.fixture(scope="session")
def hwb_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """hwb's cache folder for this session: build environments are shared between the
    session's builds, as on a user's machine, but nothing built in an earlier session is."""
    return tmp_path_factory.mktemp("hwb-cache")


@pytest.fixture
def corpus_sdist(corpus_env: CorpusEnv, corpus_project: Project) -> Path:
    """The verified sdist; skips only when its Requires-Python excludes the interpreter."""
    sdist, seconds = corpus_env.sdist(corpus_project)
    if seconds is not None:
        TIMINGS.append((corpus_project.name, "sdist download (pip)", seconds))
    reason = requires_python_skip_reason(sdist, corpus_env.interp)
    if reason:
        pytest.skip(reason)
    return sdist


@pytest.fixture
def reference_wheel(corpus_env: CorpusEnv, corpus_project: Project, corpus_sdist: Path) -> Path:
    wheel, seconds = corpus_env.reference_wheel(corpus_project, corpus_sdist)
    if seconds is not None:
        TIMINGS.append((corpus_project.name, "reference build", seconds))
    return wheel


@pytest.fixture
def record_timing(corpus_project: Project) -> Iterator[list[tuple[str, float]]]:
    """Append ``(what, seconds)`` to have it shown in the session's timing summary."""
    rows: list[tuple[str, float]] = []
    yield rows
    TIMINGS.extend((corpus_project.name, what, secs) for what, secs in rows)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TIMINGS:
        return
    terminalreporter.section("corpus build timings")
    for name, what, seconds in sorted(TIMINGS):
        terminalreporter.write_line(f"{name:<16} {what:<28} {seconds:7.1f} s")
    total = sum(s for _, _, s in TIMINGS)
    terminalreporter.write_line(f"{'total':<16} {'':<28} {total:7.1f} s")
