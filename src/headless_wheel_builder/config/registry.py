"""Every hwb option, declared once.

The documentation table (docs/CONFIGURATION.md), the JSON Schema for ``[tool.hwb]`` and
``hwb.toml`` (``config/hwb.schema.json``), environment variable parsing and validation are all
derived from :data:`OPTIONS`.  Adding an option here is the whole of declaring it; a stage
then reads it from :class:`~headless_wheel_builder.config.resolve.Settings`.

Tables owned by a stage (``[tool.hwb.publish]``, ``[tool.hwb.version]``) are declared in
:data:`SECTIONS`; the stage validates their contents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

OptionType = Literal["str", "path", "bool", "int", "float", "list", "paths", "settings", "choice", "choices"]
#: Platforms with override tables (``[tool.hwb.linux]`` …).
PLATFORMS = ("linux", "macos", "windows")


@dataclass(frozen=True, kw_only=True)
class Option:
    """One option: its TOML key, type, default, help, environment variable and commands."""

    name: str
    """The key in ``[tool.hwb]`` / ``hwb.toml`` (kebab-case)."""
    type: OptionType
    default: object
    help: str
    commands: tuple[str, ...] = ("build",)
    choices: tuple[str, ...] = ()
    flag: str | None = None
    """The command-line flag that sets it, for the docs."""
    overridable: bool = True
    """May be set in platform tables and ``[[tool.hwb.overrides]]``."""

    @property
    def env(self) -> str:
        """``HWB_`` + the name in upper case, ``-`` as ``_``."""
        return "HWB_" + self.name.upper().replace("-", "_")

    @property
    def attr(self) -> str:
        """The Python attribute name (snake_case)."""
        return self.name.replace("-", "_")


OPTIONS: tuple[Option, ...] = (
    Option(
        name="outdir",
        type="path",
        default="dist",
        flag="--outdir",
        help="Folder that receives the finished, validated artifacts.",
    ),
    Option(
        name="distributions",
        type="choices",
        default=[],
        choices=("sdist", "wheel", "editable"),
        flag="--sdist/--wheel/--editable",
        help="What to build. Empty: the sdist, then the wheel from that sdist "
        "(from an sdist source: the wheel).",
    ),
    Option(
        name="python",
        type="str",
        default=None,
        flag="--python",
        help="Interpreter to build with: a version (3.12, cp312) or a path. "
        "Default: the interpreter running hwb.",
    ),
    Option(
        name="installer",
        type="choice",
        default="auto",
        choices=("auto", "uv", "pip"),
        flag="--installer",
        help="What installs build requirements: uv, pip, or auto (uv, pip when uv cannot run).",
    ),
    Option(
        name="isolation",
        type="bool",
        default=True,
        flag="--no-isolation",
        help="Build in a fresh virtual environment. false: in the interpreter itself.",
    ),
    Option(
        name="build-constraints",
        type="paths",
        default=[],
        flag="--build-constraint",
        help="Constraint files for build requirements; hash-pinned entries are verified. "
        "Relative paths are relative to the file that sets them.",
    ),
    Option(
        name="config-settings",
        type="settings",
        default={},
        flag="-C KEY=VALUE",
        help="PEP 517 config settings passed to the backend (a table of strings or lists).",
    ),
    Option(
        name="timeout",
        type="float",
        default=None,
        flag="--timeout",
        help="Seconds any one step (environment, install, hook) may take; none when unset.",
    ),
    Option(
        name="pythons",
        type="list",
        default=[],
        commands=("build", "matrix"),
        flag="--python X.Y[,X.Y…] | all",
        overridable=False,
        help="The build matrix: Pythons to build wheels for (3.12, cp312, a path, or all = every "
        "CPython found). More than one, or all, builds them in parallel from one sdist.",
    ),
    Option(
        name="platforms",
        type="list",
        default=[],
        commands=("build", "matrix"),
        flag="--platform",
        overridable=False,
        help="Platforms of the matrix (linux, macos, windows); default: this one. Others are "
        "planned for CI runners (hwb matrix --format github), not built here.",
    ),
    Option(
        name="archs",
        type="list",
        default=[],
        commands=("build", "matrix"),
        flag="--arch",
        overridable=False,
        help="Architectures of the matrix: native (default), or x86_64, aarch64, arm64, "
        "universal2, AMD64, ...",
    ),
    Option(
        name="select",
        type="list",
        default=[],
        commands=("build", "matrix"),
        flag="--select",
        overridable=False,
        help="Build only identifiers matching these fnmatch patterns (cp312-*, *-manylinux_x86_64).",
    ),
    Option(
        name="skip",
        type="list",
        default=[],
        commands=("build", "matrix"),
        flag="--skip",
        overridable=False,
        help="Do not build identifiers matching these fnmatch patterns (cp38-*).",
    ),
    Option(
        name="jobs",
        type="int",
        default=None,
        flag="-j/--jobs",
        overridable=False,
        help="Matrix builds run in parallel; default: the number of CPU cores.",
    ),
    Option(
        name="fail-fast",
        type="bool",
        default=False,
        flag="--fail-fast",
        overridable=False,
        help="Stop the matrix at the first failed identifier (default: build all, report all).",
    ),
    Option(
        name="repair",
        type="choice",
        default="auto",
        choices=("auto", "always", "never"),
        flag="--repair",
        help="Repair platform wheels (auditwheel on Linux, delocate on macOS, delvewheel on "
        "Windows with always). auto: Linux linux_* and macOS wheels. never keeps unpublishable tags.",
    ),
    Option(
        name="manylinux",
        type="str",
        default=None,
        flag="--manylinux",
        help="Target policy for Linux wheels (2_28, manylinux_2_17, manylinux2014); a symbol that "
        "needs a newer glibc is an error. Default: the most compatible policy the wheel meets.",
    ),
    Option(
        name="test-command",
        type="str",
        default=None,
        flag="--test-command",
        help="Run after each matrix build in a fresh venv with the wheel installed; {project} and "
        "{wheel} are replaced by the project folder and the wheel path.",
    ),
    Option(
        name="test-requires",
        type="list",
        default=[],
        flag="--test-requires",
        help="Requirements installed with the wheel before the test command (pytest, ...).",
    ),
    Option(
        name="subdirectory",
        type="str",
        default=None,
        flag="--subdirectory",
        overridable=False,
        help="The project's folder inside the source.",
    ),
    # -- caches (cache/, docs/CACHING.md) --
    Option(
        name="cache",
        type="bool",
        default=True,
        flag="--no-cache",
        help="Reuse cached build environments and serve an unchanged build from the wheel cache "
        "(reported as cached). false: fresh environments, always build.",
    ),
    Option(
        name="refresh",
        type="bool",
        default=False,
        flag="--refresh",
        overridable=False,
        help="Rebuild even when cached: recreate the build environments (re-resolving their "
        "requirements) and replace the cached artifacts.",
    ),
    Option(
        name="cache-dir",
        type="path",
        default=None,
        overridable=False,
        help="Where the caches live (build environments, wheels). Default: the user cache folder "
        "(~/.cache/hwb on Linux).",
    ),
    Option(
        name="cache-env",
        type="list",
        default=[],
        help="Environment variables whose values change the build; a change makes a cache miss. "
        "Always included: SOURCE_DATE_EPOCH, CC, CFLAGS, LDFLAGS and the like (docs/CACHING.md).",
    ),
    # -- container isolation (isolation/docker.py, docs/ISOLATION.md) --
    Option(
        name="isolation-mode",
        type="choice",
        default="venv",
        choices=("auto", "venv", "docker", "podman"),
        flag="--isolation",
        overridable=False,
        help="Where builds run: venv (a virtual environment), docker or podman (a manylinux/"
        "musllinux container), auto (a container for platform wheels when an engine works, else venv).",
    ),
    Option(
        name="container-image",
        type="str",
        default=None,
        flag="--image",
        overridable=False,
        help="The image container builds run in. Default: the pinned official image of the "
        "--manylinux target (manylinux_2_28 when unset).",
    ),
    Option(
        name="container-images",
        type="settings",
        default={},
        overridable=False,
        help="Images per target, replacing the pinned ones: {manylinux_2_28 = \"…\", musllinux_1_2 = \"…\"}.",
    ),
    Option(
        name="container-dockerfile",
        type="path",
        default=None,
        flag="--dockerfile",
        overridable=False,
        help="Build the container image from this Dockerfile (once; cached by the hash of its content).",
    ),
    Option(
        name="container-engine-args",
        type="list",
        default=[],
        flag="--container-engine-args",
        overridable=False,
        help="Extra arguments for the engine's run command (--memory=8g, --network=host, ...).",
    ),
    Option(
        name="container-environment",
        type="settings",
        default={},
        flag="--container-env KEY=VALUE",
        overridable=False,
        help="Variables set in the build container.",
    ),
    Option(
        name="before-all",
        type="list",
        default=[],
        flag="--before-all",
        overridable=False,
        help="Shell commands run once in each build container before the builds (install system libraries).",
    ),
    Option(
        name="container-host-settings",
        type="bool",
        default=True,
        flag="--no-host-settings",
        overridable=False,
        help="Pass the host's CA bundle, index (PIP_INDEX_URL, UV_INDEX_URL …) and proxy settings "
        "into build containers.",
    ),
    Option(
        name="container-gpus",
        type="str",
        default=None,
        flag="--gpus",
        overridable=False,
        help="GPUs for the build container (Docker --gpus: all, device=0), for CUDA builds.",
    ),
    Option(
        name="container-caches",
        type="bool",
        default=True,
        flag="--no-container-caches",
        overridable=False,
        help="Mount the named volume hwb-cache (pip, uv and compiler caches) into build containers.",
    ),
    Option(
        name="compiler-cache",
        type="choice",
        default="none",
        choices=("none", "ccache", "sccache"),
        flag="--compiler-cache",
        overridable=False,
        help="Keep a ccache or sccache cache in the hwb-cache volume (the image must have the tool).",
    ),
)

#: Tables validated by the stage that owns them: name -> (owning command, description).
SECTIONS: dict[str, tuple[str, str]] = {
    "publish": ("publish", "Publishing: repositories, credentials, skip-existing (docs/PUBLISHING.md)."),
    "version": ("version", "Versions and changelogs from Conventional Commits (docs/VERSIONING.md)."),
}

BY_NAME: dict[str, Option] = {option.name: option for option in OPTIONS}
OVERRIDE_KEYS = frozenset({"select", "inherit"})
