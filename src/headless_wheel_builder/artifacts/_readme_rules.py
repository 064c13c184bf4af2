"""The README rules of ``hwb check`` (as ``twine check``): the long description must render
as PyPI renders it, and should say what it is.  Their hints name the file where the project
declares its metadata: ``pyproject.toml``'s ``[project]``, or ``setup.py`` / ``setup.cfg`` for
a project that has no ``[project]`` table (:func:`metadata_home`, read from the sdist).
"""

from __future__ import annotations

import email.parser
import io
import re
import tarfile
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import Literal

from headless_wheel_builder._log import logger
from headless_wheel_builder.artifacts._validate_common import MAX_METADATA_BYTES, Problem

__all__ = ["MetadataHome", "metadata_home", "readme_problems"]

MetadataHome = Literal["pyproject", "setup"]
#: A ``[project]`` table header (only its presence matters here, not the TOML's validity).
_PROJECT_TABLE = re.compile(rb"^[ \t]*\[[ \t]*project[ \t]*\][ \t]*(?:#.*)?$", re.MULTILINE)
_PYPROJECT_TYPE = 'in pyproject.toml: readme = {file = "README.md", content-type = "text/markdown"}'
_SETUP_TYPE = (
    'in setup.py: long_description_content_type="text/markdown", or in setup.cfg [metadata]: '
    "long_description_content_type = text/markdown"
)
_PYPROJECT_MISSING = "set 'readme' in pyproject.toml's [project]"
_SETUP_MISSING = (
    'in setup.py: long_description=open("README.md").read(), or in setup.cfg [metadata]: '
    "long_description = file: README.md"
)
_HINTS: dict[str, dict[MetadataHome | None, str]] = {
    "type": {"pyproject": _PYPROJECT_TYPE, "setup": _SETUP_TYPE, None: f"{_PYPROJECT_TYPE}; {_SETUP_TYPE}"},
    "missing": {
        "pyproject": _PYPROJECT_MISSING,
        "setup": _SETUP_MISSING,
        None: f"{_PYPROJECT_MISSING}; {_SETUP_MISSING}",
    },
}


def metadata_home(sdist: Path) -> MetadataHome | None:
    """Where the project of ``sdist`` declares its metadata: ``pyproject`` when its
    pyproject.toml has a ``[project]`` table, ``setup`` when it has setup.py or setup.cfg
    otherwise; None when unreadable or neither."""
    try:
        files = _top_files(sdist, ("pyproject.toml", "setup.py", "setup.cfg"))
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError, zlib.error):
        return None
    if "pyproject.toml" in files and _PROJECT_TABLE.search(files["pyproject.toml"]):
        return "pyproject"
    return "setup" if {"setup.py", "setup.cfg"} & set(files) else None


def _top_files(sdist: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    """The ``{name}-{version}/<name>`` files of an sdist among ``names`` (small ones only)."""
    found: dict[str, bytes] = {}
    if sdist.name.endswith(".zip"):
        with zipfile.ZipFile(sdist) as zf:
            for info in zf.infolist():
                parts = info.filename.split("/")
                if len(parts) == 2 and parts[1] in names and info.file_size <= MAX_METADATA_BYTES:
                    found[parts[1]] = zf.read(info)
        return found
    with tarfile.open(sdist, "r:gz") as tf:
        for member in tf:
            parts = member.name.split("/")
            if (
                len(parts) == 2
                and parts[1] in names
                and member.isfile()
                and member.size <= MAX_METADATA_BYTES
            ):
                handle = tf.extractfile(member)
                found[parts[1]] = handle.read() if handle else b""
    return found


def readme_problems(
    path: Path, description: str | None, content_type: str | None, home: MetadataHome | None = None
) -> list[Problem]:
    """What ``twine check`` says about a long description; the hints name the file where the
    project declares its metadata (``home``; None: unknown, both are named)."""
    problems: list[Problem] = []
    if not content_type:
        problems.append(
            Problem(
                path=path,
                code="README-CONTENT-TYPE",
                message=f"no Description-Content-Type, so PyPI assumes text/x-rst ({_HINTS['type'][home]})",
                severity="warning",
            )
        )
        content_type = "text/x-rst"
    if not description or description.rstrip() == "UNKNOWN":
        problems.append(
            Problem(
                path=path,
                code="README-MISSING",
                message=f"no long description ({_HINTS['missing'][home]})",
                severity="warning",
            )
        )
        return problems
    header = email.parser.HeaderParser().parsestr(f"Content-Type: {content_type}\n\n")
    mime, params = header.get_content_type(), dict(header.get_params() or [])
    error = _render_error(mime, description, params)
    if error is not None:
        problems.append(
            Problem(
                path=path,
                code="README",
                message=f"the long description ({mime}) has markup errors and would not be "
                f"rendered on PyPI: {error}",
            )
        )
    return problems


def _render_error(mime: str, text: str, params: dict[str, str]) -> str | None:
    """The renderer's complaint about ``text``, or ``None`` when it renders."""
    stream = io.StringIO()
    with warnings.catch_warnings():
        # readme_renderer warns on import when no Markdown renderer is installed, and
        # docutils emits deprecation warnings: neither is the user's concern.
        warnings.simplefilter("ignore")
        if mime == "text/plain":
            return None
        if mime == "text/markdown":
            import readme_renderer.markdown

            if not getattr(readme_renderer.markdown, "variants", None):
                logger.debug("no Markdown renderer installed; %s not rendered", mime)
                return None
            variant = params.get("variant", "GFM")
            rendered = readme_renderer.markdown.render(text, variant=variant)
        else:
            import readme_renderer.rst

            rendered = readme_renderer.rst.render(text, stream=stream)
    if rendered is None:
        return stream.getvalue().strip() or "no content rendered"
    return None
