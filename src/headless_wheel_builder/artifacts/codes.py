"""Every code ``hwb check``, ``hwb publish`` and the build's validation stage report, once:
what it means, how severe it is, and which peer tool (or PyPI) has the same rule.

The rule for severities: an **error** is what PyPI refuses, what cannot be installed or
read, or what makes the file lie about itself (RECORD, WHEEL, names); everything else is a
**warning** — reported, and a failure only with ``--strict``.  Any code can be ignored per
run (``--ignore``) or per project (``check-ignore`` in ``[tool.hwb]``).  docs/CHECKS.md shows
:func:`markdown_table` (a test keeps them equal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["CODES", "CheckCode", "markdown_table", "severity_of", "unknown_codes"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True, kw_only=True)
class CheckCode:
    code: str
    severity: Severity
    meaning: str
    peer: str
    """The tool or service with the same rule (``—``: hwb's own)."""
    mixed: str = ""
    """When some findings of the code have the other severity: which."""


def _c(code: str, severity: Severity, meaning: str, peer: str, mixed: str = "") -> CheckCode:
    return CheckCode(code=code, severity=severity, meaning=meaning, peer=peer, mixed=mixed)


_CWC = "check-wheel-contents"
_TWINE = "twine check"
_CODES = (
    # -- any file
    _c("MISSING", "error", "the path does not exist", "twine check"),
    _c("UNKNOWN-TYPE", "error", "neither `*.whl` nor `*.tar.gz` / `*.zip`",
              _TWINE),
    _c("NO-DISTS", "error", "a folder given holds no wheel or sdist", "—"),
    # -- wheel structure (the wheel spec; PyPI and installers read these)
    _c("W-FILENAME", "error", "the wheel filename does not parse, or its name / "
              "version is not normalised", "PyPI"),
    _c("W-ZIP", "error", "unreadable zip, duplicate or unsafe member (absolute, "
              "`..`)", "PyPI"),
    _c("W-DIST-INFO", "error", "not exactly one `*.dist-info/`, a wrong name, or "
              "METADATA / WHEEL / RECORD missing", "PyPI"),
    _c("W-WHEEL", "error", "WHEEL unreadable, or a bad `Wheel-Version` / "
              "`Root-Is-Purelib` / `Build`", "pip, installer"),
    _c("W-TAGS", "error", "WHEEL `Tag:` lines differ from the filename's tags",
              "wheel spec"),
    _c("W-RECORD", "error", "RECORD unreadable, a malformed or repeated row, "
              "RECORD's own row wrong", "installer"),
    _c("W-RECORD-HASH", "error", "a missing, forbidden (md5/sha1), badly "
              "encoded or wrong hash", "installer"),
    _c("W-RECORD-SIZE", "error", "a missing, malformed or wrong size",
              "installer"),
    _c("W-RECORD-MISSING", "error", "RECORD lists a file the wheel does not hold",
              "installer"),
    _c("W-RECORD-UNLISTED", "error", "the wheel holds a file RECORD does not "
              "list", "installer"),
    _c("W-METADATA", "error", "METADATA invalid, or its Name / Version differ "
              "from the filename", f"{_TWINE}, PyPI",
              "warning: a `License-File` under Metadata-Version < 2.4 (dropped, as twine does)"),
    _c("W-LICENSE-FILE", "error", "a `License-File` with no file under "
              "`.dist-info/licenses/`", "PyPI"),
    # -- sdist structure
    _c("S-FILENAME", "error", "the sdist filename does not parse",
              "PyPI", "warning: a `.zip` sdist, or a name that is not PEP 625"),
    _c("S-TAR", "error", "unreadable archive; a member that is absolute, has "
              "`..`, links outside the sdist, or is a device", "tarfile `data` filter, pip"),
    _c("S-LAYOUT", "warning", "not a single top-level `{name}-{version}/` "
              "folder", "PEP 517 (PyPI accepts it)"),
    _c("S-PKG-INFO", "error", "`{name}-{version}/PKG-INFO` missing, unreadable "
              "or not a regular file", "PyPI"),
    _c("S-METADATA", "error", "PKG-INFO invalid, or its Name / Version differ "
              "from the filename", f"{_TWINE}, PyPI",
              "warning: a `License-File` under Metadata-Version < 2.4 (dropped, as twine does)"),
    _c("S-LICENSE-FILE", "error", "a `License-File` the sdist does not hold",
              "PyPI"),
    # -- the long description
    _c("README", "error", "the long description does not render (reST / "
              "Markdown)", f"{_TWINE}, PyPI"),
    _c("README-CONTENT-TYPE", "warning", "no Description-Content-Type "
              "(`text/x-rst` is assumed)", f"{_TWINE} (`--strict` fails)"),
    _c("README-MISSING", "warning", "no long description",
              f"{_TWINE} (`--strict` fails)"),
    # -- wheel contents
    _c("W001", "warning", "`.pyc` / `.pyo` files", _CWC),
    _c("W002", "warning", "files with identical, non-trivial contents", _CWC),
    _c("W003", "warning", "a non-module file at the top of the library",
              _CWC),
    _c("W004", "warning", "a module at a path that cannot be imported (stub-only "
              "`<name>-stubs/` packages are fine)", _CWC),
    _c("W005", "warning", "a common top-level name in the library (`build`, "
              "`tests`, `src`, `docs`, `.tox` … 19 names, files included)", _CWC),
    _c("W006", "warning", "`__init__.py` at the top of the library", _CWC),
    _c("W007", "warning", "the library is empty (nothing outside `.dist-info` "
              "and `.data/scripts…`)", _CWC),
    _c("W008", "warning", "the wheel is empty (nothing outside `.dist-info`); "
              "the build stage refuses it from a project that has Python sources", _CWC),
    _c("W009", "warning", "several top-level library entries (not `_private`, "
              "`*.pth`, nor the `<name>.libs/` a repair grafts)", _CWC),
    _c("W010", "warning", "a top-level folder without Python modules (not "
              "`*-stubs/`, nor `<name>.libs/`)", _CWC),
    _c("W101", "warning", "files of `--package` / `--src-dir` missing from the "
              "library", _CWC),
    _c("W102", "warning", "library files not in `--package` / `--src-dir` (nor in a grafted `<name>.libs/`)",
              _CWC),
    _c("W201", "warning", "a `--toplevel` entry missing from the library",
              _CWC),
    _c("W202", "warning", "a top-level library entry not in `--toplevel` (not a grafted `<name>.libs/`)",
              _CWC),
)  # fmt: skip

#: Code -> its declaration.
CODES: dict[str, CheckCode] = {c.code: c for c in _CODES}


def severity_of(code: str) -> Severity:
    """The default severity of ``code`` (codes outside the table are errors)."""
    found = CODES.get(code)
    return found.severity if found else "error"


def unknown_codes(codes: frozenset[str] | set[str] | tuple[str, ...]) -> list[str]:
    return sorted(c for c in codes if c not in CODES)


def markdown_table() -> str:
    """The table of docs/CHECKS.md."""
    rows = ["| code | severity | meaning | the peer with this rule |", "|---|---|---|---|"]
    for c in _CODES:
        severity = c.severity + (f" ({c.mixed})" if c.mixed else "")
        rows.append(f"| `{c.code}` | {severity} | {c.meaning} | {c.peer} |")
    return "\n".join(rows)
