"""Longer fuzzing campaigns: the suite's property tests, with random seeds and many more examples.

    python fuzz/run.py TARGET [--minutes N] [--examples N]
    python fuzz/run.py all --minutes 10
    python fuzz/run.py archive-atheris --minutes 5     # libFuzzer, where atheris is installed

Each campaign runs the same properties as the test suite (tests/security/test_properties.py and
tests/unit/test_fuzz_*.py: return normally or raise an hwb error, within a second), in rounds of
``--examples`` examples with a new random seed each round (``HWB_FUZZ_RANDOM=1``,
``HWB_FUZZ_EXAMPLES``), until ``--minutes`` have passed.  It stops at the first failure and
prints hypothesis' report: the smallest failing input, to add as an ``@example`` beside the fix.
Exit status 0: nothing found; 1: a failure (shown); 2: bad arguments.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROPS = "tests/security/test_properties.py"

#: Target -> the pytest node ids of its properties.
TARGETS: dict[str, list[str]] = {
    "archive": [
        f"{PROPS}::test_archive_checker_returns_or_raises_archive_error_in_time",
        "tests/unit/test_fuzz_archive.py::test_extraction_never_writes_outside_the_destination",
    ],
    "elf": [f"{PROPS}::test_elf_reader_returns_or_raises_elf_error_in_time"],
    "toml": [
        f"{PROPS}::test_toml_readers_return_or_raise_hwb_errors_in_time",
        "tests/unit/test_fuzz_parsers.py::test_any_pyproject_gives_a_project_or_an_hwb_error",
        "tests/unit/test_fuzz_parsers.py::test_any_pyproject_bytes_give_an_hwb_error_or_a_table",
    ],
    "setup": [f"{PROPS}::test_setup_readers_return_or_raise_hwb_errors_in_time"],
    "commits": [f"{PROPS}::test_commit_parser_never_raises_and_is_fast"],
    "git": [
        f"{PROPS}::test_git_url_helpers_return_or_raise_git_error_in_time",
        "tests/unit/test_fuzz_parsers.py::test_git_urls_parse_to_a_spec_none_or_git_error",
        "tests/unit/test_fuzz_parsers.py::test_option_like_refs_and_urls_are_refused",
    ],
    "registry": [f"{PROPS}::test_registry_urls_resolve_or_raise_config_error_in_time"],
    "log": [f"{PROPS}::test_redact_and_printable_are_linear_and_never_raise"],
}


def _pytest(nodes: list[str], examples: int, timeout: float) -> tuple[bool, str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])),
        "HWB_FUZZ_RANDOM": "1",
        "HWB_FUZZ_EXAMPLES": str(examples),
    }
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", "-x", "-q",
               "--hypothesis-show-statistics", *nodes]  # fmt: skip
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout if isinstance(exc.stdout, str) else (exc.stdout or b"").decode(errors="replace")
        return False, f"{out}\nthe round did not finish in {timeout:.0f} s: a hang, or a very slow input"
    return done.returncode == 0, done.stdout + done.stderr


def run_hypothesis(target: str, minutes: float, examples: int) -> int:
    nodes = [n for name in (TARGETS if target == "all" else [target]) for n in TARGETS[name]]
    deadline = time.monotonic() + minutes * 60
    rounds = 0
    while True:
        rounds += 1
        started = time.monotonic()
        # A round may overrun the campaign a little; one that runs on for ten minutes is a hang.
        ok, output = _pytest(nodes, examples, timeout=max(600.0, minutes * 60))
        took = time.monotonic() - started
        if not ok:
            # A failing input can be large: each line is cut, the minimal example stays readable.
            print("\n".join(line if len(line) < 3000 else line[:3000] + " …" for line in output.splitlines()))
            print(f"fuzz {target}: FAILURE in round {rounds} (see above)")
            return 1
        print(
            f"fuzz {target}: round {rounds}: {len(nodes)} properties x {examples} examples "
            f"passed ({took:.0f} s)"
        )
        if time.monotonic() + took > deadline:
            break
    print(f"fuzz {target}: nothing found in {rounds} rounds ({rounds * examples * len(nodes)} examples)")
    return 0


def run_atheris(minutes: float) -> int:
    """fuzz/fuzz_archive.py under libFuzzer, from a corpus of a valid sdist, tar and zip."""
    try:
        import atheris  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        print("atheris is not installed (a binary wheel exists for CPython 3.11 on x86-64 Linux)")
        return 2
    sys.path.insert(0, str(ROOT))
    from tests.integration.test_fuzz_atheris import _seeds

    with tempfile.TemporaryDirectory(prefix="hwb-atheris-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        _seeds(corpus)
        env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
        command = [
            sys.executable,
            str(ROOT / "fuzz" / "fuzz_archive.py"),
            "-max_len=4096",
            "-timeout=20",
            f"-max_total_time={int(minutes * 60)}",
            f"-artifact_prefix={Path.cwd()}/",
            str(corpus),
        ]
        done = subprocess.run(command, cwd=tmp, env=env, check=False)
    if done.returncode != 0:
        print(
            f"fuzz archive-atheris: FAILURE (exit {done.returncode}); "
            f"the input is saved as {Path.cwd()}/crash-*"
        )
        return 1
    print(f"fuzz archive-atheris: nothing found in {minutes:g} minutes")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("target", choices=[*TARGETS, "all", "archive-atheris"])
    parser.add_argument("--minutes", type=float, default=1.0, help="how long to run (default: 1)")
    parser.add_argument("--examples", type=int, default=1000, help="examples per property per round")
    args = parser.parse_args(argv)
    if args.target == "archive-atheris":
        return run_atheris(args.minutes)
    return run_hypothesis(args.target, args.minutes, args.examples)


if __name__ == "__main__":
    sys.exit(main())
