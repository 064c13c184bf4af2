"""Name the likely cause of a failed build from the backend's output.

A wall of compiler or cargo output rarely says *why* in its last line.  These rules look for
the handful of causes that account for most failures on build machines (an unreachable
download host, crates that are not vendored, a meson subproject that must be fetched, a
missing compiler or header, an import the backend needs but did not declare) and turn them
into a one-line reason and a next step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Diagnosis:
    why: str
    hint: str


_RULES: list[tuple[re.Pattern[str], str, str]] = [
    (
        re.compile(r"hwb: stopped: timed out after (?P<secs>[\d.]+) seconds"),
        "the step ran longer than the {secs}-second --timeout and was stopped",
        "raise --timeout, or find out why the backend hangs (`-v` streams its output)",
    ),
    (
        re.compile(r"Dist currently only works with Git or Mercurial repos"),
        "meson-python builds sdists only from a git or Mercurial checkout, and this folder is neither",
        "build from the project's git checkout (or a git URL), or build only the wheel with --wheel",
    ),
    (
        re.compile(r"(?:index\.crates\.io|crates\.io|static\.crates\.io)", re.I),
        "cargo tried to download crates from crates.io, which cannot be reached",
        "vendor the crates into the sdist (`cargo vendor` + .cargo/config.toml) or allow access to crates.io",
    ),
    (
        re.compile(
            r"Subproject\s+(?P<name>\S+)\s+is buildable: NO|WrapException|"
            r"Downloading (?P<dl>\S+) source from|Cloning into '.*subprojects/(?P<sp>[^'/]+)'"
        ),
        "meson tried to fetch the subproject {name} at build time",
        "ship the subproject in the sdist (`meson subprojects download` before packaging) or "
        "install it on the build machine",
    ),
    (
        re.compile(
            r"Could not resolve host:?\s*(?P<host>[\w.-]+)|"
            r"Temporary failure in name resolution|"
            r"Failed to establish a new connection|"
            r"(?:failed to|could not) (?:connect|download)[^\n]*?(?P<host2>https?://[\w.-]+)",
            re.I,
        ),
        "the build tried to download from {host}, which cannot be reached",
        "builds must not need network access beyond the package index: vendor the files or "
        "fix the network/proxy settings",
    ),
    (
        re.compile(r"fatal error: (?P<header>Python\.h): No such file"),
        "the Python development headers ({header}) are missing",
        "install them (Debian/Ubuntu: python3-dev; Fedora: python3-devel)",
    ),
    (
        re.compile(r"fatal error: (?P<header>[\w/.+-]+\.h(?:pp)?): No such file"),
        "a C/C++ header the project needs is missing: {header}",
        "install the library's development package on the build machine",
    ),
    (
        re.compile(
            r"(?:command '(?P<cc>[\w.+-]+)' failed: No such file|"
            r"(?P<cc2>gcc|cc|g\+\+|clang|c\+\+): (?:command )?not found|"
            r"Microsoft Visual C\+\+ 14\.\d+ or greater is required|"
            r"No CMAKE_(?:C|CXX)_COMPILER could be found|"
            r"Unknown compiler\(s\))"
        ),
        "no working C/C++ compiler was found",
        "install a compiler (Debian/Ubuntu: build-essential; macOS: xcode-select --install; "
        "Windows: Visual Studio Build Tools)",
    ),
    (
        re.compile(
            r"(?:can't find Rust compiler|cargo: (?:command )?not found|"
            r"Cargo, the Rust package manager, is not installed)"
        ),
        "the Rust toolchain (cargo/rustc) is not installed",
        "install Rust (https://rustup.rs) on the build machine",
    ),
    (
        re.compile(r"ModuleNotFoundError: No module named '(?P<module>(?:src|lib)(?:\.[\w.]+)?)'"),
        "the build imports the source folder as a module ({module!r}): setup.py or an `attr:` names a "
        "module by its folder (src.pkg) instead of its package (pkg)",
        'name it as installed (`attr = "pkg.__version__"` with package-dir {"" = "src"}); a setup.py '
        'that imports the project\'s own code needs build-backend = "setuptools.build_meta:__legacy__"',
    ),
    (
        re.compile(r"ModuleNotFoundError: No module named '(?P<module>[\w.]+)'"),
        "the build imports the module {module!r}, which is not installed in the build environment",
        "add the package that provides it to [build-system] requires in pyproject.toml; if it is "
        "the project's own module imported by setup.py, use build-backend = "
        '"setuptools.build_meta:__legacy__", which puts the project folder on sys.path',
    ),
]


def diagnose(output: str) -> Diagnosis | None:
    """The first rule that matches ``output``, with its placeholders filled in."""
    for pattern, why, hint in _RULES:
        match = pattern.search(output)
        if match is None:
            continue
        groups = {k: v for k, v in match.groupdict().items() if v}
        fields = {
            "name": groups.get("name") or groups.get("dl") or groups.get("sp") or "",
            "host": groups.get("host") or groups.get("host2") or "a remote host",
            "header": groups.get("header", ""),
            "module": groups.get("module", ""),
            "secs": groups.get("secs", ""),
        }
        return Diagnosis(why=why.format(**fields).replace("  ", " "), hint=hint)
    return None
