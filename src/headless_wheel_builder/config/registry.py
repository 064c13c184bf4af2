"""Every hwb option, declared once.

An :class:`Option` holds everything hwb knows about one option: its key in ``[tool.hwb]`` /
``hwb.toml``, type, default, choices, help, command-line flags, environment variable, the
commands whose parser takes it, and whether a project's own configuration may set it
(``project``; see docs/SECURITY.md).  Derived from :data:`OPTIONS`: the argparse arguments of
every command (``config/cli_args.py``), validation of files and ``HWB_*`` variables
(``config/resolve.py``), the typed :class:`~headless_wheel_builder.config.options.Options`, the
argv of a build inside a container (``cli_args.to_argv``), the JSON Schema, the table in
docs/CONFIGURATION.md and ``hwb config show``.

Flags that are not options (``--json``, ``--config``, positional arguments …) are listed once in
:data:`NON_OPTION_FLAGS`; a test fails when a parser has a flag that is in neither place.

Tables owned by a stage (``[tool.hwb.publish]``, ``[tool.hwb.version]``) are declared in
:data:`SECTIONS`; the stage validates their contents.  Their keys that only the user may set
are in :data:`USER_ONLY_SECTION_KEYS`.
"""

from __future__ import annotations

from headless_wheel_builder.config.option import ArgKind, Option, OptionType

__all__ = ["OPTIONS", "ArgKind", "Option", "OptionType"]

#: Platforms with override tables (``[tool.hwb.linux]`` …).
PLATFORMS = ("linux", "macos", "windows")
#: The pseudo-command of the flags every command accepts (``--strict``).
GLOBAL = "global"

#: argparse group key -> title, in --help order.
GROUPS: dict[str, str] = {
    "what": "what to build (default: sdist, then wheel from it)",
    "environment": "environment",
    "selection": "which interpreters and platforms",
    "container": "isolation in containers (docs/ISOLATION.md)",
    "matrix": "build matrix (docs/MATRIX.md)",
}


OPTIONS: tuple[Option, ...] = (
    Option(
        name="outdir",
        type="path",
        default="dist",
        commands=("build", "release"),
        flags=("-o", "--outdir"),
        cli_help="where finished artifacts go (default: ./dist)",
        help="Folder that receives the finished, validated artifacts.",
    ),
    Option(
        name="subdirectory",
        type="str",
        default=None,
        commands=("build", "matrix", "inspect"),
        flags=("--subdirectory",),
        metavar="PATH",
        cli_help="the project lives in this subfolder of SOURCE",
        overridable=False,
        help="The project's folder inside the source.",
    ),
    Option(
        name="distributions",
        type="choices",
        default=[],
        choices=("sdist", "wheel", "editable"),
        flags=("-s", "--sdist", "-w", "--wheel", "-e", "--editable"),
        arg="choice-flags",
        choice_help=("build an sdist", "build a wheel", "build a PEP 660 editable wheel"),
        group="what",
        help="What to build. Empty: the sdist, then the wheel from that sdist "
        "(from an sdist source: the wheel).",
    ),
    Option(
        name="python",
        type="str",
        default=None,
        commands=("release",),
        flags=("-p", "--python"),
        metavar="X.Y|PATH",
        cli_help="interpreter to build with",
        help="Interpreter to build with: a version (3.12, cp312) or a path. "
        "Default: the interpreter running hwb. hwb build: one --python that is not all sets it.",
    ),
    Option(
        name="installer",
        type="choice",
        default="auto",
        choices=("auto", "uv", "pip"),
        commands=("build", "release"),
        flags=("--installer",),
        group="environment",
        cli_help="what installs build requirements (default: auto = uv, pip if uv cannot run)",
        help="What installs build requirements: uv, pip, or auto (uv, pip when uv cannot run).",
    ),
    Option(
        name="isolation",
        type="bool",
        default=True,
        flags=("-n", "--no-isolation"),
        arg="const",
        const=False,
        group="environment",
        cli_help="build in the chosen interpreter itself (requirements must be installed)",
        help="Build in a fresh virtual environment. false: in the interpreter itself.",
    ),
    Option(
        name="build-constraints",
        type="paths",
        default=[],
        flags=("-c", "--build-constraint"),
        arg="append",
        metavar="FILE",
        group="environment",
        cli_help="constraints for build requirements (hashes are verified); repeatable",
        help="Constraint files for build requirements; hash-pinned entries are verified. "
        "Relative paths are relative to the file that sets them.",
    ),
    Option(
        name="config-settings",
        type="settings",
        default={},
        flags=("-C", "--config-setting"),
        arg="pairs",
        metavar="KEY=VALUE",
        group="environment",
        cli_help="pass a PEP 517 config setting to the backend; repeatable (a repeated KEY gives a list)",
        help="PEP 517 config settings passed to the backend (a table of strings or lists).",
    ),
    Option(
        name="environment",
        type="table",
        default={},
        flags=("--environment",),
        arg="pairs",
        metavar="KEY=VALUE",
        group="environment",
        cli_help="a variable for before-build, the backend, the repair and the test, expanded by "
        "the shell ($VAR, $(cmd)); repeatable",
        help="Variables for before-build, the backend, repair-command and the test. Each value "
        "is expanded as a double-quoted shell string ($VAR, ${VAR}, $(command); later ones see "
        "earlier ones) where the build runs: on this machine, or inside the container.",
    ),
    Option(
        name="before-build",
        type="list",
        default=[],
        flags=("--before-build",),
        arg="append",
        metavar="CMD",
        group="environment",
        cli_help="run before each wheel build, in the folder it is built from; repeatable",
        help="Shell commands run before each wheel build, in the folder the wheel is built from "
        "({project}, {package}), with a fresh venv of the build's Python first on PATH.",
    ),
    Option(
        name="timeout",
        type="float",
        default=None,
        flags=("--timeout",),
        metavar="SECONDS",
        group="environment",
        cli_help="stop the whole build (every step and process it started) after this many seconds; exit 124",
        help="Seconds the whole build may take — fetching, git, environments, the backend, repair, "
        "tests; then everything it started is stopped and hwb exits 124. None when unset.",
    ),
    # -- caches (cache/, docs/CACHING.md) --
    Option(
        name="cache",
        type="bool",
        default=True,
        flags=("--no-cache",),
        arg="const",
        const=False,
        group="environment",
        cli_help="no cached build environments or wheels (docs/CACHING.md)",
        help="Reuse cached build environments and serve an unchanged build from the wheel cache "
        "(reported as cached). false: fresh environments, always build.",
    ),
    Option(
        name="refresh",
        type="bool",
        default=False,
        flags=("--refresh",),
        arg="const",
        const=True,
        group="environment",
        cli_help="rebuild and re-cache even when the environment or the build is cached",
        overridable=False,
        help="Rebuild even when cached: recreate the build environments (re-resolving their "
        "requirements) and replace the cached artifacts.",
    ),
    Option(
        name="timings",
        type="bool",
        default=False,
        flags=("--timings",),
        arg="const",
        const=True,
        config=False,
        cli_help="print where the time went, phase by phase, hwb's start-up and imports included",
        help="Print where the time of the build went, phase by phase (hwb's start-up, imports and "
        "configuration; resolve, cache, env, build, validate, place...), after the result; "
        "`--json` always has them under `timings`.",
    ),
    Option(
        name="cache-dir",
        type="path",
        default=None,
        commands=("cache",),
        flags=("--cache-dir",),
        metavar="DIR",
        cli_help="the cache folder to act on",
        overridable=False,
        project=False,
        help="Where the caches live (build environments, wheels). Default: the user cache folder "
        "(~/.cache/hwb on Linux).",
    ),
    Option(
        name="cache-env",
        type="list",
        default=[],
        help="Environment variables that are part of the wheel cache key even though hwb's list "
        "of variables that cannot matter (or cache-env-ignore) leaves them out, e.g. "
        "GITHUB_RUN_NUMBER for a version that embeds it. Every other variable the backend sees "
        "is part of the key anyway (docs/CACHING.md).",
    ),
    Option(
        name="cache-env-ignore",
        type="list",
        default=[],
        help="More environment variables (names or fnmatch patterns, MYCI_*) that cannot change "
        "the build: left out of the wheel cache key, on top of hwb's own list (docs/CACHING.md).",
    ),
    Option(
        name="env-max-age",
        type="float",
        default=1.0,
        flags=("--env-max-age",),
        metavar="DAYS",
        group="environment",
        cli_help="re-resolve a cached build environment older than this (default: 1 day)",
        overridable=False,
        help="Days a cached build environment is used before its requirements are resolved again "
        "(a new release of an unpinned backend is then picked up); --offline keeps using it.",
    ),
    Option(
        name="offline",
        type="bool",
        default=False,
        flags=("--offline",),
        arg="const",
        const=True,
        group="environment",
        cli_help="no index: reuse cached build environments whatever their age, installers offline",
        overridable=False,
        help="Never reach a package index: cached build environments are used whatever their age "
        "(env-max-age), and uv and pip run offline (UV_OFFLINE, PIP_NO_INDEX).",
    ),
    # -- the matrix (matrix/, docs/MATRIX.md) --
    Option(
        name="pythons",
        type="list",
        default=[],
        commands=("build", "matrix"),
        flags=("-p", "--python"),
        arg="split",
        metavar="X.Y|PATH|all",
        group="selection",
        cli_help="interpreter(s) to build with (found via pyenv, PATH, uv): repeatable or comma "
        "lists (3.9,3.10,pp310,3.13t); `all` = every CPython found (see --enable); default: the "
        "one running hwb",
        overridable=False,
        help="The build matrix: Pythons to build wheels for (3.12, cp312, free-threaded 3.13t, PyPy "
        "pp310 or pypy3.10, a path, or all = every CPython found, plus what enable adds). More "
        "than one, or all, builds them in parallel from one sdist.",
    ),
    Option(
        name="platforms",
        type="list",
        default=[],
        commands=("build", "matrix"),
        flags=("--platform",),
        arg="split",
        metavar="NAME",
        group="selection",
        cli_help="linux, macos, windows (default: this one)",
        overridable=False,
        help="Platforms of the matrix (linux, macos, windows); default: this one. Others are "
        "planned for CI runners (hwb matrix --format github), not built here.",
    ),
    Option(
        name="archs",
        type="list",
        default=[],
        commands=("build", "matrix"),
        flags=("--arch",),
        arg="split",
        metavar="ARCH",
        group="selection",
        cli_help="native (default), x86_64, aarch64, arm64, ...",
        overridable=False,
        help="Architectures of the matrix: native (default), or x86_64, aarch64, arm64, "
        "universal2, AMD64, ... A container build takes one Linux architecture (aarch64, ppc64le, "
        "s390x, armv7l, i686) and builds in its official image, under QEMU when it is not this "
        "machine's.",
    ),
    Option(
        name="select",
        type="list",
        default=[],
        commands=("build", "matrix"),
        flags=("--select",),
        arg="append",
        metavar="PATTERN",
        group="selection",
        cli_help="only identifiers matching (cp312-*); repeatable",
        overridable=False,
        help="Build only identifiers matching these fnmatch patterns (cp312-*, *-manylinux_x86_64).",
    ),
    Option(
        name="skip",
        type="list",
        default=[],
        commands=("build", "matrix"),
        flags=("--skip",),
        arg="append",
        metavar="PATTERN",
        group="selection",
        cli_help="not the identifiers matching (cp38-*); repeatable",
        overridable=False,
        help="Do not build identifiers matching these fnmatch patterns (cp38-*).",
    ),
    Option(
        name="cibuildwheel",
        type="bool",
        default=True,
        commands=("build", "matrix"),
        flags=("--no-cibuildwheel",),
        arg="const",
        const=False,
        group="matrix",
        cli_help="ignore [tool.cibuildwheel] and CIBW_* (build as `python -m build` would)",
        overridable=False,
        help="Read cibuildwheel's configuration ([tool.cibuildwheel], CIBW_*) as a layer below "
        "hwb's own (docs/CIBUILDWHEEL.md). false: ignore it, e.g. to build exactly what `python -m "
        "build` builds in a project whose cibuildwheel settings add tests and repair.",
    ),
    Option(
        name="enable",
        type="list",
        default=[],
        commands=("build", "matrix"),
        flags=("--enable",),
        arg="split",
        metavar="GROUP",
        group="selection",
        cli_help="also build these with `all`: pypy (3.11+), pypy-eol (3.8-3.10), "
        "cpython-freethreading (3.13t), or all",
        overridable=False,
        help="Pythons that `pythons = all` includes beyond CPython, as cibuildwheel's enable: pypy "
        "(PyPy 3.11+), pypy-eol (PyPy 3.8-3.10), cpython-freethreading (3.13t; 3.14t needs none), or "
        "all. A Python named in pythons (pp39, 3.13t) is built without it.",
    ),
    Option(
        name="jobs",
        type="int",
        default=None,
        flags=("-j", "--jobs"),
        metavar="N",
        group="matrix",
        cli_help="parallel matrix jobs (default: number of cores)",
        overridable=False,
        help="Matrix builds run in parallel; default: the number of CPU cores.",
    ),
    Option(
        name="fail-fast",
        type="bool",
        default=False,
        flags=("--fail-fast",),
        arg="const",
        const=True,
        group="matrix",
        cli_help="stop the matrix at the first failure",
        overridable=False,
        help="Stop the matrix at the first failed identifier (default: build all, report all).",
    ),
    Option(
        name="repair",
        type="choice",
        default="auto",
        choices=("auto", "always", "never"),
        flags=("--repair",),
        group="matrix",
        cli_help="repair platform wheels (auditwheel/delocate/delvewheel); default: auto",
        help="Repair platform wheels (auditwheel on Linux, delocate on macOS, delvewheel on "
        "Windows with always). auto: Linux linux_* and macOS wheels. never keeps unpublishable tags.",
    ),
    Option(
        name="manylinux",
        type="str",
        default=None,
        flags=("--manylinux",),
        metavar="POLICY",
        group="matrix",
        cli_help="target policy for Linux wheels, e.g. 2_28, manylinux2014 or manylinux_2_17_x86_64",
        help="Target policy for Linux wheels (2_28, manylinux_2_17, manylinux2014, or auditwheel's "
        "manylinux_2_17_x86_64 for one arch); a symbol that needs a newer glibc is an error. "
        "Default: the most compatible policy the wheel meets.",
    ),
    Option(
        name="test-command",
        type="str",
        default=None,
        flags=("--test-command",),
        metavar="CMD",
        group="matrix",
        cli_help="run after each build in a fresh venv with the wheel installed ({project}, {wheel})",
        help="Run after each matrix build in a fresh venv with the wheel installed; {project} and "
        "{wheel} are replaced by the project folder and the wheel path.",
    ),
    Option(
        name="test-requires",
        type="list",
        default=[],
        flags=("--test-requires",),
        arg="split",
        metavar="REQ",
        group="matrix",
        cli_help="install these with the wheel before the test command; repeatable, comma lists",
        help="Requirements installed with the wheel before the test command (pytest, ...).",
    ),
    Option(
        name="test-extras",
        type="list",
        default=[],
        flags=("--test-extras",),
        arg="split",
        metavar="EXTRA",
        group="matrix",
        cli_help="install the wheel with these extras for the test; repeatable, comma lists",
        help="Extras of the project installed with the wheel before the test command (test, ...).",
    ),
    Option(
        name="test-sources",
        type="list",
        default=[],
        flags=("--test-sources",),
        arg="append",
        metavar="PATH",
        group="matrix",
        cli_help="copy this file or folder of the project into the test's folder; repeatable",
        help="Files and folders of the project (relative paths) copied into the test's working "
        "folder before the test command (tests, conftest.py, ...).",
    ),
    Option(
        name="before-test",
        type="list",
        default=[],
        flags=("--before-test",),
        arg="append",
        metavar="CMD",
        group="matrix",
        cli_help="run in the test's venv before the test command; repeatable",
        help="Shell commands run in the test's venv and folder before the test command "
        "({project}, {package}, {wheel}).",
    ),
    Option(
        name="test-skip",
        type="list",
        default=[],
        flags=("--test-skip",),
        arg="append",
        metavar="PATTERN",
        group="matrix",
        cli_help="build but do not test the identifiers matching (cp38-*); repeatable",
        overridable=False,
        help="Identifiers (fnmatch patterns) whose wheels are built and checked but not tested.",
    ),
    Option(
        name="repair-command",
        type="str",
        default=None,
        flags=("--repair-command",),
        metavar="CMD",
        group="matrix",
        cli_help="repair with this shell command ({wheel}, {dest_dir}) instead of hwb's repair",
        help="A shell command that repairs each platform wheel instead of hwb's repair stage: "
        "{wheel} is the wheel, {dest_dir} the folder it must write one wheel into; the platform's "
        "repair tool (auditwheel, delocate, delvewheel) is on PATH. repair = \"never\" skips it.",
    ),
    # -- container isolation (isolation/docker.py, docs/ISOLATION.md) --
    Option(
        name="isolation-mode",
        type="choice",
        default="venv",
        choices=("auto", "venv", "docker", "podman"),
        flags=("--isolation",),
        group="container",
        cli_help="venv (default); docker or podman: build in a manylinux/musllinux container; "
        "auto: a container for platform wheels when an engine works, else venv",
        overridable=False,
        help="Where builds run: venv (a virtual environment), docker or podman (a manylinux/"
        "musllinux container), auto (a container for platform wheels when an engine works, else venv).",
    ),
    Option(
        name="container-image",
        type="str",
        default=None,
        flags=("--image",),
        metavar="IMAGE",
        group="container",
        cli_help="the container image (default: the pinned official one)",
        overridable=False,
        help="The image container builds run in. Default: the pinned official image of the "
        "--manylinux target (manylinux_2_28 when unset).",
    ),
    Option(
        name="container-images",
        type="table",
        default={},
        overridable=False,
        help="Images per target, replacing the pinned ones: {manylinux_2_28 = \"…\", musllinux_1_2 = \"…\"}.",
    ),
    Option(
        name="container-dockerfile",
        type="path",
        default=None,
        flags=("--dockerfile",),
        metavar="FILE",
        group="container",
        cli_help="build the image from this Dockerfile (cached)",
        overridable=False,
        project=False,
        help="Build the container image from this Dockerfile (once; cached by the hash of its content).",
    ),
    Option(
        name="container-engine-args",
        type="list",
        default=[],
        flags=("--container-engine-args",),
        arg="shlex",
        metavar="ARGS",
        group="container",
        cli_help="extra arguments for `docker run` (split like a shell would); repeatable",
        overridable=False,
        project=False,
        help="Extra arguments for the engine's run command (--memory=8g, --network=host, ...).",
    ),
    Option(
        name="container-environment",
        type="settings",
        default={},
        flags=("--container-env",),
        arg="pairs",
        metavar="KEY=VALUE",
        group="container",
        cli_help="set a variable in the container",
        overridable=False,
        project=False,
        help="Variables set in the build container.",
    ),
    Option(
        name="environment-pass",
        type="list",
        default=[],
        flags=("--environment-pass",),
        arg="split",
        metavar="NAME",
        group="container",
        cli_help="pass these variables of your environment into the container; repeatable, comma lists",
        overridable=False,
        project=False,
        help="Variables of your environment passed by name into build containers (a venv build "
        "sees your environment anyway).",
    ),
    Option(
        name="before-all",
        type="list",
        default=[],
        flags=("--before-all",),
        arg="append",
        metavar="CMD",
        group="container",
        cli_help="run once in the container first",
        overridable=False,
        help="Shell commands run once in each build container before the builds (install system libraries).",
    ),
    Option(
        name="container-host-settings",
        type="bool",
        default=True,
        flags=("--no-host-settings",),
        arg="const",
        const=False,
        group="container",
        cli_help="do not pass the host's CA bundle, index and proxy settings into the container",
        overridable=False,
        project=False,
        help="Pass the host's CA bundle, index (PIP_INDEX_URL, UV_INDEX_URL …) and proxy settings "
        "into build containers.",
    ),
    Option(
        name="container-gpus",
        type="str",
        default=None,
        flags=("--gpus",),
        metavar="GPUS",
        group="container",
        cli_help="GPUs for the container (all, device=0); Docker",
        overridable=False,
        project=False,
        help="GPUs for the build container (Docker --gpus: all, device=0), for CUDA builds.",
    ),
    Option(
        name="container-caches",
        type="bool",
        default=True,
        flags=("--no-container-caches",),
        arg="const",
        const=False,
        group="container",
        cli_help="no hwb-cache volume",
        overridable=False,
        help="Mount the named volume hwb-cache (pip, uv and compiler caches) into build containers.",
    ),
    Option(
        name="compiler-cache",
        type="choice",
        default="none",
        choices=("none", "ccache", "sccache"),
        flags=("--compiler-cache",),
        group="container",
        cli_help="keep a compiler cache",
        overridable=False,
        help="Keep a ccache or sccache cache in the hwb-cache volume (the image must have the tool).",
    ),
    # -- hwb check (artifacts/check.py, docs/CHECKS.md) --
    Option(
        name="check-ignore",
        type="list",
        default=[],
        commands=("check",),
        flags=("--ignore",),
        arg="split",
        metavar="CODES",
        cli_help="leave these codes out of the report (W002,S-LAYOUT …; docs/CHECKS.md); repeatable",
        overridable=False,
        help='Check codes `hwb check` leaves out of its report, e.g. `["W002"]` for a wheel that ships '
        "identical files on purpose (docs/CHECKS.md lists every code).",
    ),
    Option(
        name="check-toplevel",
        type="list",
        default=[],
        commands=("check",),
        flags=("--toplevel",),
        arg="split",
        metavar="NAMES",
        cli_help="the wheel library's top-level entries (pkg,module.py): W201/W202",
        overridable=False,
        help="The top-level entries of the wheel's library (`pkg`, `module.py`): one missing is W201, "
        "an undeclared one W202 (check-wheel-contents' --toplevel).",
    ),
    Option(
        name="check-package",
        type="paths",
        default=[],
        commands=("check",),
        flags=("--package",),
        arg="append",
        metavar="PATH",
        cli_help="a package folder the wheel must hold, file for file: W101/W102; repeatable",
        overridable=False,
        help="Package folders (or module files) the wheel's library must hold file for file: W101/W102 "
        "(check-wheel-contents' --package). Relative paths are relative to the file that sets them.",
    ),
    Option(
        name="check-src-dir",
        type="paths",
        default=[],
        commands=("check",),
        flags=("--src-dir",),
        arg="append",
        metavar="DIR",
        cli_help="a folder whose contents the wheel must hold, file for file: W101/W102; repeatable",
        overridable=False,
        help="Folders whose contents the wheel's library must hold file for file: W101/W102 "
        "(check-wheel-contents' --src-dir). Relative paths are relative to the file that sets them.",
    ),
    # -- s3:// indexes: hwb publish, yank, delete (publish/s3.py, docs/PUBLISHING-S3.md) --
    Option(
        name="s3-sse",
        type="choice",
        default="bucket-default",
        choices=("bucket-default", "AES256", "aws:kms"),
        commands=("publish", "yank", "delete"),
        flags=("--sse",),
        cli_help="server-side encryption of every object hwb writes to s3:// (default: bucket-default, "
        "no header: the bucket's default encryption applies)",
        overridable=False,
        project=False,
        help="Server-side encryption of every object hwb writes to an s3:// index (distributions, "
        "sidecars, pages, claims): AES256 (SSE-S3) or aws:kms (SSE-KMS). bucket-default sends no "
        "encryption header, so the bucket's default encryption applies.",
    ),
    Option(
        name="s3-sse-kms-key-id",
        type="str",
        default=None,
        commands=("publish", "yank", "delete"),
        flags=("--sse-kms-key-id",),
        metavar="KEY",
        cli_help="the KMS key for --sse aws:kms (key id, key ARN, alias/NAME or alias ARN; "
        "default: the account's aws/s3 key); implies --sse aws:kms",
        overridable=False,
        project=False,
        help="The KMS key of SSE-KMS (a key id, key ARN, `alias/NAME` or alias ARN); implies "
        "`s3-sse = \"aws:kms\"`. None: S3 uses the AWS managed key `aws/s3`. For a bucket in another account "
        "give the key's ARN (an alias resolves in the publisher's account).",
    ),
    Option(
        name="s3-index-html",
        type="bool",
        default=False,
        commands=("publish", "yank", "delete"),
        flags=("--index-html",),
        arg="const",
        const=True,
        cli_help="write the s3:// index pages only as …/index.html keys (no keys ending in /), "
        "for website endpoints and CDNs",
        overridable=False,
        help="Write the pages of an s3:// index only at `…/index.html` (no keys ending in `/`), for "
        "stores that refuse such keys and hosts that serve a folder URL from its index document "
        "(S3 website endpoints, a CDN that rewrites `…/` to `…/index.html`). false: at both keys "
        "(docs/PUBLISHING-S3.md says which host needs which).",
    ),
    # -- hwb ci generate (ci/generate.py, docs/CI.md) --
    Option(
        name="ci-hwb-requirement",
        type="str",
        default=None,
        commands=("ci generate",),
        flags=("--hwb-requirement",),
        metavar="REQ",
        cli_help="what the CI jobs install to get hwb: any pip requirement or URL (default: what "
        "this hwb was installed from, when a runner can install it too)",
        overridable=False,
        help="What the jobs of `hwb ci generate` install to run hwb (`uv tool install`): any pip "
        "requirement or URL, e.g. `headless-wheel-builder @ git+https://…@v0.1.0`. Default: what "
        "the running hwb was installed from (a version from an index, a git URL at its commit, a "
        "wheel URL); an error when that is a local folder or file.",
    ),
    # -- every command --
    Option(
        name="strict",
        type="bool",
        default=False,
        commands=(GLOBAL,),
        flags=("--strict",),
        arg="const",
        const=True,
        cli_help="warnings become errors: a setting a project may not make (exit 3), "
        "`hwb check` warnings",
        overridable=False,
        project=False,
        help="Turn warnings into errors: a user-only option set by a project's own configuration "
        "(docs/SECURITY.md) is a configuration error instead of being ignored.",
    ),
)

#: Tables validated by the stage that owns them: name -> (owning command, description).
SECTIONS: dict[str, tuple[str, str]] = {
    "publish": ("publish", "Publishing: repositories, credentials, skip-existing (docs/PUBLISHING.md)."),
    "version": ("version", "Versions and changelogs from Conventional Commits (docs/VERSIONING.md)."),
}

#: Keys of stage-owned tables that a project's own configuration may not set, and why.
USER_ONLY_SECTION_KEYS: dict[str, dict[str, str]] = {
    "publish": {
        "repositories": "a repository definition chooses where your credentials are sent "
        "(URL, preset, auth flow, password-env), and may redefine pypi or testpypi",
    },
}

#: Flags of a command's parser that are not options: command -> flags (``*``: every command).
#: The commands that do not read the option cascade (publish, version, ci …) take their values
#: as command arguments; the output flags and ``--config`` are not options either.
NON_OPTION_FLAGS: dict[str, frozenset[str]] = {
    "*": frozenset(
        {
            "--config", "--debug", "-h", "--help", "--json", "--log-format", "--no-color", "-q", "--quiet",
            "--result-file", "-v", "--verbose",
        }
    ),
    "hwb": frozenset({"--version"}),
    "matrix": frozenset({"--format"}),
    "config show": frozenset({"--identifier"}),
    "init": frozenset(
        {
            "--backend", "--dry-run", "--editor", "--force", "--from-setup", "--keep-setup", "--name",
            "--requires-python", "--version",
        }
    ),
    "publish": frozenset(
        {
            "--acl", "--allow-linux-tags", "--attest", "--ca-bundle", "--dry-run", "--endpoint-url",
            "--index-url", "-n", "--no-skip-existing", "--password-stdin", "-r", "--region", "--repository",
            "--retries", "--storage-class", "--timeout", "--token", "--trusted-publishing", "-u",
            "--username",
        }
    ),
    "index": frozenset({"--base-url", "-o", "--out"}),
    "yank": frozenset({"--endpoint-url", "-r", "--reason", "--region", "--repository", "--unyank"}),
    "delete": frozenset(
        {"--dry-run", "--endpoint-url", "-n", "-r", "--region", "--repository", "-y", "--yes"}
    ),
    "version": frozenset(
        {
            "--changelog", "--commit", "--dry-run", "--message", "--message-file", "--package", "--pre",
            "--project", "--range", "--tag",
        }
    ),
    "changelog": frozenset(
        {
            "--all", "--format", "--package", "--project", "--since", "--template", "--write",
        }
    ),
    "release": frozenset(
        {
            "--allow-dirty", "--dry-run", "--no-publish", "--package", "--pre", "--project", "--push", "-r",
            "--remote", "--repository", "--retries", "--vcs-release",
        }
    ),
    "vcs-release": frozenset({"--host", "--project", "--remote", "--retries", "--timeout"}),
    "ci generate": frozenset(
        {
            "--aarch64", "--attest", "--environment", "--force", "--no-vcs-release", "-o", "--output",
            "--project", "--publish", "--python-version", "--repository", "--stdout", "--token-secret",
        }
    ),
    "ci trusted-publisher": frozenset({"--index", "--project", "--provider", "--remote", "--workflow"}),
    "mcp": frozenset({"--allow-publish", "--root"}),
    "cache prune": frozenset({"--max-size", "--older-than"}),
    "cache verify": frozenset({"--remove"}),
}

BY_NAME: dict[str, Option] = {option.name: option for option in OPTIONS}
OVERRIDE_KEYS = frozenset({"select", "inherit"})
FILE_OPTIONS: tuple[Option, ...] = tuple(o for o in OPTIONS if o.config)


def for_command(command: str) -> tuple[Option, ...]:
    """The options whose flags ``command``'s parser takes, in declaration order."""
    return tuple(o for o in OPTIONS if command in o.commands and o.flags)


#: Parsers that take another command's options (``hwb config show`` takes ``hwb build``'s).
SAME_OPTIONS_AS: dict[str, str] = {"config show": "build"}


def declared_flags(command: str) -> frozenset[str]:
    """Every flag that the parser of ``command`` (``build``, ``config show``, ``cache prune`` …;
    ``hwb`` for the top level) may have: its options' flags and its non-option flags."""
    options_of = SAME_OPTIONS_AS.get(command, command.split(maxsplit=1)[0])
    options = (*for_command(options_of), *for_command(command), *for_command(GLOBAL))
    extra = NON_OPTION_FLAGS["*"] | NON_OPTION_FLAGS.get(command, frozenset())
    return frozenset(flag for option in options for flag in option.flags) | extra
