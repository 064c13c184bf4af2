"""Before anything is uploaded: the ``hwb check`` rules whose findings are errors (what PyPI
refuses or cannot read; warnings such as duplicate files never stop an upload, see
``artifacts/codes.py``), plus what PyPI refuses:

* local versions (``1.0+abc``),
* plain ``linux_*`` platform tags (they run only where they were built; refused unless
  ``allow_linux_tags`` for a private registry),
* core metadata versions the index does not accept,
* more than one sdist of a release.

Every problem is one line of the :class:`~headless_wheel_builder.errors.CheckError`; nothing is
uploaded when any is found.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.metadata import parse_email

from headless_wheel_builder._log import logger
from headless_wheel_builder.artifacts.check import check_files
from headless_wheel_builder.artifacts.validate import metadata_member
from headless_wheel_builder.errors import CheckError, PublishError, ValidationError

if TYPE_CHECKING:
    from headless_wheel_builder.artifacts.output import ArtifactInfo
    from headless_wheel_builder.publish.options import PublishOptions

__all__ = ["ACCEPTED_METADATA_VERSIONS", "preflight"]

#: What PyPI (warehouse forklift/metadata.py) accepts; 2.0 was never a released spec.
ACCEPTED_METADATA_VERSIONS = ("1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5")


def preflight(paths: Sequence[Path], options: PublishOptions) -> list[Path]:
    """The dists to publish (folders expanded), or :class:`CheckError` listing every problem."""
    report = check_files(list(paths))
    problems: list[str] = []
    files: list[Path] = []
    sdists: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    names: dict[str, Path] = {}
    for file in report.files:
        problems.extend(f"{file.path}: {p.code}: {p.message}" for p in file.problems if p.severity == "error")
        for warning in (p for p in file.problems if p.severity == "warning"):
            logger.warning(
                "%s: %s: %s (a warning: PyPI accepts it)", file.path.name, warning.code, warning.message
            )
        artifact = file.artifact
        if artifact is None:
            continue
        files.append(file.path)
        if artifact.filename in names and names[artifact.filename].resolve() != file.path.resolve():
            problems.append(
                f"{file.path}: DUPLICATE: another file of this name is also given "
                f"({names[artifact.filename]})"
            )
        names[artifact.filename] = file.path
        if artifact.kind == "sdist":
            sdists[(artifact.name, artifact.version)].append(artifact.filename)
        problems.extend(_index_problems(file.path, artifact, options))
    for (name, version), found in sorted(sdists.items()):
        if len(found) > 1:
            problems.append(
                f"{name} {version}: SDISTS: a release may have only one sdist, got {', '.join(sorted(found))}"
            )
    _raise_for(problems, files)
    return files


def _index_problems(path: Path, artifact: ArtifactInfo, options: PublishOptions) -> list[str]:
    """What package indexes refuse in one file: local versions, linux tags, metadata versions."""
    problems: list[str] = []
    if "+" in artifact.version:
        problems.append(
            f"{path}: LOCAL-VERSION: {artifact.version} is a local version, which "
            "package indexes refuse; publish a version without '+…'"
        )
    linux = sorted({t.split("-")[-1] for t in artifact.tags if t.split("-")[-1].startswith("linux_")})
    if linux and not options.allow_linux_tags:
        problems.append(
            f"{path}: LINUX-TAG: the platform tag {', '.join(linux)} means 'built on this "
            "machine only'; PyPI refuses it. Repair the wheel into a manylinux/musllinux one "
            "(auditwheel repair), or allow it for a private registry (--allow-linux-tags)"
        )
    try:
        metadata_version = parse_email(metadata_member(path)[1])[0].get("metadata_version", "")
    except ValidationError:
        return problems  # reported by the check rules
    if metadata_version not in ACCEPTED_METADATA_VERSIONS:
        problems.append(
            f"{path}: METADATA-VERSION: Metadata-Version {metadata_version} is not accepted by "
            f"PyPI (it takes {', '.join(ACCEPTED_METADATA_VERSIONS)}); use a build backend release "
            "that writes an accepted version"
        )
    return problems


def _raise_for(problems: list[str], files: list[Path]) -> None:
    if problems:
        raise CheckError(
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in the files to publish; "
            "nothing was uploaded",
            details="\n".join(problems),
            hint="fix them and publish again ('hwb check FILES' shows the check rules' findings)",
        )
    if not files:
        raise PublishError(
            "nothing to publish",
            why="no wheel or sdist was given",
            hint="name dist files or a folder holding them (e.g. dist/)",
        )
