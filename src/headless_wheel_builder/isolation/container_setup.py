"""What goes into a build container: mounts, variables, hwb's requirements, interpreters.

The host's ``headless_wheel_builder`` package is mounted read-only (so the container runs the
host's exact code), the project read-only, the host's CA bundle, and the named cache volume;
the host's index, proxy and TLS settings are passed as variables (values never on a command
line).  The image's interpreters are found by looking, not assumed.
"""

from __future__ import annotations

import os
import ssl
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from headless_wheel_builder._log import logger
from headless_wheel_builder.errors import InterpreterNotFoundError
from headless_wheel_builder.isolation.docker import ContainerEnv, Mount
from headless_wheel_builder.platforms import parse_python_spec

CompilerCache = Literal["none", "ccache", "sccache"]
#: The ``headless_wheel_builder`` package folder: mounted read-only into build containers.
PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: hwb's runtime dependencies that a build never imports (publishing, changelogs, README checks).
NOT_NEEDED_TO_BUILD = frozenset({"boto3", "httpx", "id", "jinja2", "readme-renderer"})
#: Variables that carry the host's index, proxy and TLS settings into the container.
HOST_SETTINGS = (
    "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_TRUSTED_HOST", "UV_INDEX_URL", "UV_EXTRA_INDEX_URL",
    "UV_DEFAULT_INDEX", "UV_INDEX", "UV_INDEX_STRATEGY", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
    "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy", "all_proxy",
)  # fmt: skip
CA_VARIABLES = ("SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
CACHE_VOLUME = "hwb-cache"
_CA_IN_CONTAINER = "/hwb/ca-bundle.pem"


def container_environment(
    project_dir: Path,
    *,
    host_settings: bool = True,
    caches: bool = True,
    compiler_cache: CompilerCache = "none",
    environment: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], list[Mount]]:
    """The variables and mounts of the container (``environment``: the user's, set last)."""
    package = PACKAGE_DIR
    mounts = [
        Mount(source=str(project_dir.resolve()), target="/hwb/src-ro", readonly=True),
        Mount(source=str(package), target="/hwb/lib/headless_wheel_builder", readonly=True),
    ]
    env: dict[str, str] = {}
    if host_settings:
        env.update({k: v for k in HOST_SETTINGS if (v := os.environ.get(k))})
        bundle = host_ca_bundle()
        if bundle is not None:
            mounts.append(Mount(source=str(bundle), target=_CA_IN_CONTAINER, readonly=True))
            env.update(dict.fromkeys(CA_VARIABLES, _CA_IN_CONTAINER))
    if caches:
        mounts.append(Mount(source=CACHE_VOLUME, target="/hwb/cache", volume=True))
        env.update(
            {"PIP_CACHE_DIR": "/hwb/cache/pip", "UV_CACHE_DIR": "/hwb/cache/uv", "UV_LINK_MODE": "copy"}
        )
        if compiler_cache == "ccache":
            env["CCACHE_DIR"] = "/hwb/cache/ccache"
        elif compiler_cache == "sccache":
            env["SCCACHE_DIR"] = "/hwb/cache/sccache"
    env.update(environment or {})
    return env, mounts


def host_ca_bundle() -> Path | None:
    """The CA bundle the host trusts (a TLS-intercepting proxy's CA is only there)."""
    candidates = [os.environ.get(name) for name in CA_VARIABLES]
    defaults = ssl.get_default_verify_paths()
    candidates += [defaults.cafile, defaults.openssl_cafile, "/etc/ssl/certs/ca-certificates.crt"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate).resolve()
    return None


def hwb_requirements() -> list[str]:
    """What hwb needs to build, as PEP 508 strings (markers are left to pip in the container).

    From the source checkout's pyproject.toml when hwb runs from one (an editable install's
    metadata can be older than the code), else from the installed distribution's metadata."""
    from importlib import metadata

    from packaging.requirements import Requirement

    declared: list[str] = []
    pyproject = PACKAGE_DIR.parents[1] / "pyproject.toml"
    if pyproject.is_file():
        from headless_wheel_builder.config.files import parse_toml

        project = parse_toml(pyproject)[0].get("project", {})
        if project.get("name") == "headless-wheel-builder":
            declared = [str(r) for r in project.get("dependencies", [])]
    if not declared:
        try:
            declared = metadata.requires("headless-wheel-builder") or []
        except metadata.PackageNotFoundError:
            declared = []
    reqs = []
    for text in declared:
        req = Requirement(text)
        if req.marker is not None and "extra" in str(req.marker):
            continue
        if req.name.lower() not in NOT_NEEDED_TO_BUILD:
            reqs.append(text)
    return reqs


#: What each interpreter is, in ``--python``'s spelling: ``3.12``, ``3.13t``, ``pypy3.10``.
_SPEC = (
    "import sys, sysconfig; v = sys.version_info; "
    'print(("pypy" if sys.implementation.name == "pypy" else "") + "%d.%d" % (v[0], v[1]) '
    '+ ("t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""))'
)
_LIST_PYTHONS = (
    "for p in /opt/python/cp3*/bin/python /opt/python/pp3*/bin/python $(command -v python3); do "
    f'[ -x "$p" ] && echo "$p $($p -c \'{_SPEC}\')"; done; true'
)


def list_pythons(box: ContainerEnv) -> dict[str, str]:
    """Interpreters in the image: path -> ``3.12`` / ``3.13t`` / ``pypy3.10`` (``/opt/python/*``
    of the manylinux and musllinux images, CPython and PyPy, and python3)."""
    output = box.exec(["sh", "-c", _LIST_PYTHONS], action="listed its Pythons", quiet=True).output
    found = parse_listing(output)
    if not found:
        raise InterpreterNotFoundError(
            "no Python in the container image",
            why="neither /opt/python/cp3*/bin/python nor python3 exists there",
            hint="use a manylinux/musllinux image, or install python3 in your Dockerfile",
        )
    return found


def parse_listing(output: str) -> dict[str, str]:
    """The output of :data:`_LIST_PYTHONS` (``<path> <spec>`` lines) -> path -> spec."""
    found: dict[str, str] = {}
    for line in output.splitlines():
        path, _, spec = line.strip().partition(" ")
        if path and parse_python_spec(spec) is not None:
            found.setdefault(path, spec)
    return found


def _key(spec: str) -> tuple[int, int, int]:
    """CPython with the GIL first, then free-threaded, then PyPy; each by version."""
    target = parse_python_spec(spec)
    if target is None:
        return (9, 0, 0)
    kind = 0 if target.standard else 1 if target.implementation == "cpython" else 2
    return (kind, target.major, target.minor)


def _standard(found: Mapping[str, str]) -> dict[str, str]:
    """path -> version of the CPythons with the GIL (what ``all`` means in an image)."""
    return {path: spec for path, spec in found.items() if _key(spec)[0] == 0}


def select_pythons(found: Mapping[str, str], wanted: tuple[str, ...]) -> list[str]:
    """Paths in the container for the ``wanted`` specs (see ContainerOptions.pythons): ``3.12``,
    ``3.13t``, ``pp310``, a path, or ``all`` (the image's CPythons with the GIL)."""
    by_spec: dict[str, str] = {}
    for path, spec in found.items():
        by_spec.setdefault(spec, path)
    standard = {spec: path for path, spec in _standard(found).items()} or by_spec
    if not wanted:
        here = f"{sys.version_info[0]}.{sys.version_info[1]}"
        return [standard.get(here) or standard[max(standard, key=_key)]]
    chosen: list[str] = []
    for spec in wanted:
        if spec.lower() == "all":
            chosen += [standard[v] for v in sorted(standard, key=_key)]
        elif spec.startswith("/"):
            chosen.append(spec)
        else:
            target = parse_python_spec(spec)
            match = by_spec.get(target.spec) if target else None
            if match is None:
                raise InterpreterNotFoundError(
                    f"Python {spec} is not in the container image",
                    why=f"the image has {', '.join(sorted(by_spec, key=_key))}",
                    hint="choose one of those with --python, or another image with --image",
                )
            chosen.append(match)
    return list(dict.fromkeys(chosen))


def runner_python(found: Mapping[str, str]) -> str:
    """The newest CPython >= 3.10 (with the GIL) in the image: it runs hwb itself."""
    usable = {path: v for path, v in _standard(found).items() if _key(v) >= (0, 3, 10)}
    if not usable:
        raise InterpreterNotFoundError(
            "the container image has no Python >= 3.10 to run hwb",
            why=f"it has {', '.join(sorted(set(found.values()), key=_key))}",
            hint="use a current manylinux/musllinux image (they ship 3.10 to 3.14)",
        )
    path = max(usable, key=lambda p: _key(usable[p]))
    logger.debug("hwb runs in the container with %s", path)
    return path
