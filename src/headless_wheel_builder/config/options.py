"""The resolved options as one frozen, typed object: :class:`Options`.

One field per option of the registry (``config/registry.py``), named like the option in
snake_case, with the option's default; ``tests/unit/test_config_registry.py`` fails when the
fields and the registry disagree (a name, a default, a ``Literal``'s choices).  Read it as
``settings.options`` (:class:`~headless_wheel_builder.config.resolve.Settings`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from headless_wheel_builder.config.registry import BY_NAME, Option

Installer = Literal["auto", "uv", "pip"]
Distribution = Literal["sdist", "wheel", "editable"]
Repair = Literal["auto", "always", "never"]
IsolationMode = Literal["auto", "venv", "docker", "podman"]
CompilerCache = Literal["none", "ccache", "sccache"]
ServerSideEncryption = Literal["bucket-default", "AES256", "aws:kms"]
Table = Mapping[str, "str | list[str]"]
"""A table of strings or lists of strings (``config-settings``, ``container-environment`` …)."""


@dataclass(frozen=True, kw_only=True)
class Options:
    """Every option's effective value; the defaults are the registry's."""

    outdir: Path = Path("dist")
    subdirectory: str | None = None
    distributions: tuple[Distribution, ...] = ()
    python: str | None = None
    installer: Installer = "auto"
    isolation: bool = True
    build_constraints: tuple[Path, ...] = ()
    config_settings: Table = field(default_factory=dict)
    environment: Mapping[str, str] = field(default_factory=dict)
    before_build: tuple[str, ...] = ()
    timeout: float | None = None
    cache: bool = True
    refresh: bool = False
    timings: bool = False
    cache_dir: Path | None = None
    cache_env: tuple[str, ...] = ()
    cache_env_ignore: tuple[str, ...] = ()
    env_max_age: float = 1.0
    offline: bool = False
    pythons: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    archs: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    cibuildwheel: bool = True
    enable: tuple[str, ...] = ()
    jobs: int | None = None
    fail_fast: bool = False
    repair: Repair = "auto"
    manylinux: str | None = None
    test_command: str | None = None
    test_requires: tuple[str, ...] = ()
    test_extras: tuple[str, ...] = ()
    test_sources: tuple[str, ...] = ()
    before_test: tuple[str, ...] = ()
    test_skip: tuple[str, ...] = ()
    repair_command: str | None = None
    isolation_mode: IsolationMode = "venv"
    container_image: str | None = None
    container_images: Mapping[str, str] = field(default_factory=dict)
    container_dockerfile: Path | None = None
    container_engine_args: tuple[str, ...] = ()
    container_environment: Table = field(default_factory=dict)
    environment_pass: tuple[str, ...] = ()
    before_all: tuple[str, ...] = ()
    container_host_settings: bool = True
    container_gpus: str | None = None
    container_caches: bool = True
    compiler_cache: CompilerCache = "none"
    check_ignore: tuple[str, ...] = ()
    check_toplevel: tuple[str, ...] = ()
    check_package: tuple[Path, ...] = ()
    check_src_dir: tuple[Path, ...] = ()
    s3_sse: ServerSideEncryption = "bucket-default"
    s3_sse_kms_key_id: str | None = None
    s3_index_html: bool = False
    ci_hwb_requirement: str | None = None
    strict: bool = False

    @classmethod
    def from_values(cls, values: Mapping[str, object]) -> Options:
        """From validated values keyed by option name (``config/resolve.py`` checked them)."""
        given: dict[str, Any] = {}
        for item in fields(cls):
            option = BY_NAME[item.name.replace("_", "-")]
            if option.name in values:
                given[item.name] = typed(option, values[option.name])
        return cls(**given)


def typed(option: Option, value: object) -> object:
    """A validated value in the type of its :class:`Options` field (lists become tuples)."""
    if value is None:
        return None
    match option.type:
        case "path":
            return Path(str(value))
        case "paths":
            return tuple(Path(str(v)) for v in _items(value))
        case "list" | "choices":
            return tuple(str(v) for v in _items(value))
        case "settings" | "table":
            assert isinstance(value, Mapping)
            return {str(k): list(v) if isinstance(v, (list, tuple)) else v for k, v in value.items()}
        case _:
            return value


def _items(value: object) -> list[object]:
    assert isinstance(value, (list, tuple))
    return list(value)
