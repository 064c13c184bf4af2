"""cibuildwheel's configuration, read as hwb's options: one layer of the cascade.

A project configured for cibuildwheel builds with hwb unchanged: ``[tool.cibuildwheel]`` in
its ``pyproject.toml`` and the ``CIBW_*`` variables of the user's environment are translated,
option by option, through :data:`MAPPING` (the one table; docs/CIBUILDWHEEL.md is checked
against it) into hwb's own options of the registry.  Within the layer cibuildwheel's order
holds, lowest first: ``[tool.cibuildwheel]`` < ``[tool.cibuildwheel.<platform>]`` <
``[[tool.cibuildwheel.overrides]]`` whose ``select`` matches the identifier < ``CIBW_X`` <
``CIBW_X_<PLATFORM>``.  The whole layer sits below hwb's own configuration
(``config/resolve.py``): ``[tool.hwb]``, ``hwb.toml``, ``HWB_*`` and flags win.

``[tool.cibuildwheel]`` is the project's file, so the trust boundary applies to it as to
``[tool.hwb]`` (``environment-pass`` is user-only); ``CIBW_*`` variables are the user's own.
What hwb cannot do is collected in :attr:`CibwLayer.unsupported` and named in one warning.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from headless_wheel_builder.config._cibw_formats import (
    Raw,
    commands,
    expand_braces,
    joined,
    parse_environment,
    settings,
    words,
)
from headless_wheel_builder.config.registry import BY_NAME
from headless_wheel_builder.errors import HwbError
from headless_wheel_builder.platforms import (
    ARCHS,
    ENABLE_GROUPS,
    Platform,
    native_arch,
    normalize_arch,
    parse_policy,
)

Converted = dict[str, object]
"""hwb option name -> value in its TOML form (validated by ``config/validate.py``)."""


#: A converter's key for what it could not translate of a value it otherwise translated.
UNSUPPORTED = "__unsupported__"


class Unsupported(ValueError):
    """A value hwb cannot honour; its text says what and why (named in the one warning)."""


# -- one converter per cibuildwheel option ----------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What a converter may need: the platform the options are read for."""

    platform: Platform


def _select(raw: Raw, _: Context) -> Converted:
    patterns = [p for w in words(raw) for p in expand_braces(w)]
    return {} if not patterns or "*" in patterns else {"select": patterns}


def _skip(raw: Raw, _: Context) -> Converted:
    return {"skip": [p for w in words(raw) for p in expand_braces(w)]}


def _test_skip(raw: Raw, _: Context) -> Converted:
    return {"test-skip": [p for w in words(raw) for p in expand_braces(w)]}


_64_BIT = ("x86_64", "aarch64", "arm64", "AMD64", "ARM64", "ppc64le", "s390x")


def _arch(value: str, ctx: Context) -> list[str]:
    low = value.lower()
    native = native_arch(ctx.platform)
    if low in ("auto", "native"):
        return ["native"]
    if low == "auto64":
        return ["native"] if native in _64_BIT else []
    if low == "auto32":
        return {"x86_64": ["i686"], "AMD64": ["x86"], "aarch64": ["armv7l"]}.get(native, [])
    if low == "all":
        return list(ARCHS[ctx.platform])
    if normalize_arch(ctx.platform, value) is None:
        raise Unsupported(f"archs {value!r} (hwb knows {', '.join(ARCHS[ctx.platform])} on {ctx.platform})")
    return [value]


def _enable(raw: Raw, ctx: Context) -> Converted:
    """cibuildwheel's ``enable`` groups that hwb has (``pypy``, ``pypy-eol``,
    ``cpython-freethreading``, ``all``); others (``cpython-prerelease``, ``graalpy``, …) are named
    in the warning."""
    words = joined(raw, " ").replace(",", " ").split()
    known = [w for w in words if w in ENABLE_GROUPS or w == "all"]
    unknown = [f"enable {w!r}" for w in words if w not in known]
    if unknown and not known:
        raise Unsupported("; ".join(unknown))
    return {"enable": known, UNSUPPORTED: unknown} if unknown else {"enable": known}


def _archs(raw: Raw, ctx: Context) -> Converted:
    result: list[str] = []
    unknown: list[str] = []
    for value in joined(raw, " ").replace(",", " ").split():
        try:
            result += [a for a in _arch(value, ctx) if a not in result]
        except Unsupported as exc:
            unknown.append(str(exc))
    if unknown and result:
        # The known ones are built; the others are named in the warning.
        return {"archs": result, UNSUPPORTED: unknown}
    if unknown:
        raise Unsupported("; ".join(unknown))
    return {"archs": result}


def _platform(raw: Raw, _: Context) -> Converted:
    value = str(raw).strip().lower()
    if value in ("", "auto"):
        return {}
    if value not in ("linux", "macos", "windows"):
        raise Unsupported(f"platform {value!r} (hwb builds linux, macos, windows)")
    return {"platforms": [value]}


def _repair(raw: Raw, ctx: Context) -> Converted:
    command = joined(raw, " && ").strip()
    if not command:
        return {"repair": "never"}
    if " ".join(command.split()) == _DEFAULT_REPAIR.get(ctx.platform):
        return {}  # cibuildwheel's default is hwb's own repair stage (same tool)
    return {"repair-command": command}


_DEFAULT_REPAIR = {
    "linux": "auditwheel repair -w {dest_dir} {wheel}",
    "macos": "delocate-wheel --require-archs {delocate_archs} -w {dest_dir} -v {wheel}",
    "windows": "",
}


def _frontend(raw: Raw, _: Context) -> Converted:
    name, _sep, args = joined(raw, "; ").partition(";")
    name = name.strip()
    if args.strip():
        raise Unsupported(f"build-frontend arguments {args.strip()!r} (hwb passes none to its installer)")
    installers = {"build[uv]": "uv", "uv": "uv", "build": "pip", "pip": "pip"}
    if name in ("", "default"):
        return {}
    if name not in installers:
        raise Unsupported(f"build-frontend {name!r}")
    return {"installer": installers[name]}


def _dependency_versions(raw: Raw, ctx: Context) -> Converted:
    value = joined(raw, " ").strip()
    if value in ("", "latest", "pinned"):
        return {}  # hwb resolves the newest allowed versions of its own tools and requirements
    if value.startswith("packages:"):
        raise Unsupported(f"dependency-versions {value!r} (give a constraints file instead)")
    path = value.removeprefix("file:").strip()
    return {"build-constraints": [path]}


_POLICY_IN_IMAGE = re.compile(r"(manylinux2014|manylinux_\d+_\d+|musllinux_\d+_\d+)")
#: The target an image reference without a policy in its name serves (hwb's and cibuildwheel's).
_DEFAULT_TARGET = {"manylinux": "manylinux_2_28", "musllinux": "musllinux_1_2"}


def _image(libc: str, arch: str) -> Callable[[Raw, Context], Converted]:
    """``manylinux-<arch>-image``: a pinned name sets the target policy (``manylinux``; hwb
    pins the same official images); an image reference replaces the image of its target."""

    def convert(raw: Raw, ctx: Context) -> Converted:
        value = joined(raw, " ").strip()
        if not value:
            return {}
        native = native_arch(ctx.platform)
        if arch != native:
            raise Unsupported(f"{libc}-{arch}-image (hwb builds this machine's architecture, {native})")
        reference = "/" in value or ":" in value
        found = _POLICY_IN_IMAGE.search(value.rsplit("/", 1)[-1]) if reference else None
        policy = found[1] if found else (_DEFAULT_TARGET[libc] if reference else value)
        try:
            parse_policy(policy)
        except HwbError as exc:
            raise ValueError(f"unknown image name {value!r}") from exc
        result: Converted = {"container-images": {policy: value}} if reference else {}
        if libc == "manylinux" and (found or not reference):
            result["manylinux"] = policy
        return result

    return convert


def _simple(hwb: str, read: Callable[[Raw], object]) -> Callable[[Raw, Context], Converted]:
    return lambda raw, _ctx: {hwb: read(raw)}


@dataclass(frozen=True)
class CibwOption:
    """One cibuildwheel option and what hwb makes of it."""

    name: str
    hwb: tuple[str, ...]
    """The hwb options it sets; empty: not supported (named in the warning)."""
    notes: str
    convert: Callable[[Raw, Context], Converted] | None = None
    env_platform: bool = True
    """``CIBW_X_LINUX`` … are read too (cibuildwheel reads none for the selectors)."""
    env_only: bool = False
    empty_is_a_value: bool = False
    """An empty ``CIBW_X`` means something (``CIBW_REPAIR_WHEEL_COMMAND=""``: no repair); for
    the others it is unset, as in cibuildwheel."""


def _cmd_join(raw: Raw) -> str:
    return joined(raw, " && ")


#: Every option cibuildwheel reads, in the order of its documentation.
MAPPING: tuple[CibwOption, ...] = (
    CibwOption("platform", ("platforms",), "`CIBW_PLATFORM` only; `auto`: this machine's", _platform,
               env_platform=False, env_only=True),
    CibwOption("build", ("select",), "patterns, `{a,b}` expanded; `*` selects all", _select,
               env_platform=False),
    CibwOption("skip", ("skip",), "patterns, `{a,b}` expanded", _skip, env_platform=False),
    CibwOption("test-skip", ("test-skip",), "built, not tested", _test_skip, env_platform=False),
    CibwOption("archs", ("archs",), "`auto`/`native`, `auto64`, `auto32`, `all`; an arch hwb does not "
               "know is named in the warning; other architectures than this machine's are planned and "
               "skipped locally", _archs),
    CibwOption("output-dir", ("outdir",), "`CIBW_OUTPUT_DIR`", _simple("outdir", str), env_only=True),
    CibwOption("build-frontend", ("installer",), "`build[uv]`/`uv`: uv; `build`/`pip`: pip; "
               "`args:` not supported", _frontend, env_platform=False),
    CibwOption("config-settings", ("config-settings",), "table, or `KEY=VALUE` words",
               _simple("config-settings", settings)),
    CibwOption("dependency-versions", ("build-constraints",), "a file: constraints for the build "
               "requirements; `latest`/`pinned`: hwb's own resolution; `packages:` not supported",
               _dependency_versions),
    CibwOption("environment", ("environment",), "table or `K=V` assignments; `$VAR`, `$(cmd)` expanded "
               "in the build's shell (venv and container)", _simple("environment", parse_environment)),
    CibwOption("environment-pass", ("environment-pass",), "user-only: from `CIBW_ENVIRONMENT_PASS*`, "
               "ignored in the project's file", _simple("environment-pass", words)),
    CibwOption("before-all", ("before-all",), "each command once per container build",
               _simple("before-all", commands)),
    CibwOption("before-build", ("before-build",), "before each wheel, in the folder it is built from",
               _simple("before-build", commands)),
    CibwOption("repair-wheel-command", ("repair", "repair-command"), "`\"\"`: `repair = \"never\"`; "
               "cibuildwheel's default: hwb's repair (same tool); another: `repair-command`", _repair,
               empty_is_a_value=True),
    CibwOption("manylinux-*-image", ("manylinux", "container-images"), "a pinned name (`manylinux_2_28`): "
               "`manylinux`; an image reference: `container-images`; this machine's arch only", None),
    CibwOption("musllinux-*-image", ("manylinux", "container-images"), "as `manylinux-*-image`", None),
    CibwOption("container-engine", (), "choose the engine with `--isolation docker` or `podman`"),
    CibwOption("test-command", ("test-command",), "commands joined with `&&`; `{project}`, `{package}`, "
               "`{wheel}`", _simple("test-command", _cmd_join)),
    CibwOption("before-test", ("before-test",), "in the test venv, before the test command",
               _simple("before-test", commands)),
    CibwOption("test-requires", ("test-requires",), "", _simple("test-requires", words)),
    CibwOption("test-extras", ("test-extras",), "", _simple("test-extras", lambda r: [
        e.strip() for e in joined(r, ",").split(",") if e.strip()])),
    CibwOption("test-sources", ("test-sources",), "copied into the test's working folder",
               _simple("test-sources", lambda r: shlex.split(joined(r, " ")))),
    CibwOption("test-groups", (), "list the group's requirements in `test-requires`"),
    CibwOption("test-environment", (), "set the variables in `environment`"),
    CibwOption("enable", ("enable",), "`pypy`, `pypy-eol`, `cpython-freethreading`, `all`; other groups "
               "are named in the warning", _enable),
    CibwOption("allow-empty", (), "an empty selection is an error (exit 44)", env_platform=False),
    CibwOption("project-requires-python", (), "hwb reads `requires-python` from the project",
               env_platform=False, env_only=True),
    CibwOption("build-verbosity", (), "use `-v`"),
    CibwOption("xbuild-tools", (), "iOS builds are not supported"),
    CibwOption("pyodide-version", (), "Pyodide builds are not supported"),
)
BY_CIBW: dict[str, CibwOption] = {o.name: o for o in MAPPING}
#: Image keys (``manylinux-x86_64-image`` …), read through ``manylinux-*-image``'s row.
_IMAGE_ARCHS = ("x86_64", "i686", "aarch64", "ppc64le", "s390x", "armv7l", "riscv64", "pypy_x86_64",
                "pypy_aarch64", "pypy_i686")  # fmt: skip
for _libc in ("manylinux", "musllinux"):
    for _arch_name in _IMAGE_ARCHS:
        BY_CIBW[f"{_libc}-{_arch_name}-image"] = CibwOption(
            f"{_libc}-{_arch_name}-image", BY_CIBW[f"{_libc}-*-image"].hwb, "", _image(_libc, _arch_name)
        )
#: Keys of ``[tool.cibuildwheel]`` that are tables of their own.
PLATFORM_TABLES = ("linux", "macos", "windows", "ios", "android", "pyodide")


# -- reading the layer -------------------------------------------------------------------------


@dataclass
class CibwLayer:
    """What cibuildwheel's configuration sets, as hwb option values, lowest first."""

    values: list[tuple[str, object, str, bool]] = field(default_factory=list)
    """(hwb option, TOML-form value, origin, from the project's file)."""
    unsupported: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    """(where, message): invalid values, reported with every other configuration error."""

    @property
    def empty(self) -> bool:
        return not (self.values or self.unsupported or self.problems)


def env_name(option: str, platform: str | None = None) -> str:
    return "CIBW_" + option.upper().replace("-", "_") + (f"_{platform.upper()}" if platform else "")


def _add(layer: CibwLayer, option: CibwOption, key: str, raw: Raw, origin: str, ctx: Context, *,
         project: bool) -> None:  # fmt: skip
    if option.convert is None:
        layer.unsupported.append(f"{key} ({option.notes})" if option.notes else key)
        return
    try:
        converted = option.convert(raw, ctx)
    except Unsupported as exc:
        layer.unsupported.append(str(exc))
        return
    except ValueError as exc:
        layer.problems.append((origin, f"{key}: {exc}"))
        return
    partly = converted.pop(UNSUPPORTED, [])
    layer.unsupported += [str(item) for item in partly] if isinstance(partly, list) else []
    for name, value in converted.items():
        layer.values.append((name, _added_up(layer, name, value), origin, project))


def _added_up(layer: CibwLayer, name: str, value: object) -> object:
    """``container-images`` gets one key per image option: they add up; the rest replace."""
    earlier = [v for n, v, _, _ in layer.values if n == name]
    if name != "container-images" or not earlier or not isinstance(value, dict):
        return value
    last = earlier[-1]
    return {**last, **value} if isinstance(last, dict) else value


def _table(layer: CibwLayer, table: Mapping[str, Raw], where: str, ctx: Context, *, top: bool) -> None:
    """The options of one table (``[tool.cibuildwheel]``, a platform's, an override's)."""
    for key, raw in table.items():
        if key in ((*PLATFORM_TABLES, "overrides") if top else ("select",)):
            continue  # tables of their own, read by the caller; an override's select
        option = BY_CIBW.get(key)
        if key == "inherit" and not top:
            layer.unsupported.append(f"{where}.inherit (an override replaces a value, never adds to it)")
        elif option is None or option.env_only or "*" in key:
            layer.unsupported.append(f"{where}.{key} (not a cibuildwheel option hwb knows)")
        else:
            _add(layer, option, key, raw, f"{where}.{key}", ctx, project=True)


def _matches(identifier: str, select: Raw) -> bool:
    import fnmatch

    patterns = [p for w in words(select) for p in expand_braces(w)]
    return any(fnmatch.fnmatchcase(identifier, p) for p in patterns)


def _overrides(layer: CibwLayer, entries: Raw, where: str, identifier: str | None, ctx: Context) -> None:
    if not isinstance(entries, list):
        layer.problems.append((where, "tool.cibuildwheel.overrides must be an array of tables"))
        return
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or "select" not in entry:
            layer.problems.append((where, f"tool.cibuildwheel.overrides[{index}] needs a select"))
            continue
        scratch = CibwLayer()
        _table(scratch, entry, f"{where}[{index}]", ctx, top=False)
        layer.unsupported += scratch.unsupported
        layer.problems += scratch.problems
        # An option hwb sets once per build (before-all, archs …) cannot differ per identifier.
        once = [v for v in scratch.values if not BY_NAME[v[0]].overridable]
        layer.unsupported += [f"{origin} (hwb sets {name} once per build, not per identifier)"
                              for name, _, origin, _ in once]  # fmt: skip
        if identifier is not None and _matches(identifier, entry["select"]):
            layer.values += [v for v in scratch.values if v not in once]


def read_layer(
    pyproject: Mapping[str, Raw] | None,
    environ: Mapping[str, str],
    *,
    platform: Platform,
    identifier: str | None,
    file: str = "pyproject.toml",
) -> CibwLayer:
    """cibuildwheel's configuration for ``identifier`` (None: the build as a whole) on
    ``platform``: ``pyproject``'s ``[tool.cibuildwheel]`` table, then ``CIBW_*``.  The values are in
    their TOML form: the caller validates them (``config/validate.py``; paths relative to the
    project)."""
    layer = CibwLayer()
    ctx = Context(platform=platform)
    if pyproject:
        where = f"{file}: tool.cibuildwheel"
        _table(layer, pyproject, where, ctx, top=True)
        for name in PLATFORM_TABLES:
            table = pyproject.get(name)
            if isinstance(table, dict) and name == platform:
                _table(layer, table, f"{where}.{name}", ctx, top=False)
        if "overrides" in pyproject:
            _overrides(layer, pyproject["overrides"], f"{where}.overrides", identifier, ctx)
    _environment(layer, environ, ctx)
    return layer


def _environment(layer: CibwLayer, environ: Mapping[str, str], ctx: Context) -> None:
    names = {env_name(key): key for key in BY_CIBW if "*" not in key}
    platform_names = {env_name(key, ctx.platform): key for key, o in BY_CIBW.items()
                      if "*" not in key and o.env_platform}  # fmt: skip
    for table in (names, platform_names):
        for var, key in table.items():
            if var in environ and (environ[var] != "" or BY_CIBW[key].empty_is_a_value):
                _add(layer, BY_CIBW[key], var, environ[var], var, ctx, project=False)
    known = set(names) | {env_name(k, p) for k, o in BY_CIBW.items() if o.env_platform
                          for p in PLATFORM_TABLES}  # fmt: skip
    known |= _IGNORED_ENV
    layer.unsupported += [f"{var} (not a cibuildwheel option hwb knows)" for var in sorted(environ)
                          if var.startswith("CIBW_") and var not in known]  # fmt: skip


#: ``CIBW_*`` variables that are about cibuildwheel itself, not the build.
_IGNORED_ENV = frozenset({"CIBW_DEBUG_TRACEBACK", "CIBW_DEBUG_KEEP_CONTAINER", "CIBW_CACHE_PATH"})


# -- the table of docs/CIBUILDWHEEL.md -------------------------------------------------------

DOCS_BEGIN = "<!-- cibuildwheel-table:begin (generated by `python -m headless_wheel_builder.config.schema --write`) -->"  # noqa: E501
DOCS_END = "<!-- cibuildwheel-table:end -->"


def generate_table() -> str:
    """The mapping, one row per cibuildwheel option: docs/CIBUILDWHEEL.md shows it."""
    rows = ["| cibuildwheel | `CIBW_*` | hwb option | notes |", "|---|---|---|---|"]
    for option in MAPPING:
        env = f"`{env_name(option.name)}`" + ("" if option.env_platform else " (no `_LINUX`…)")
        hwb = ", ".join(f"`{name}`" for name in option.hwb) or "**not supported** (named in the warning)"
        key = "—" if option.env_only else f"`{option.name}`"
        rows.append(f"| {key} | {env.replace('*', '{ARCH}')} | {hwb} | {option.notes or '—'} |")
    return "\n".join(rows)


def render_docs(text: str) -> str:
    """``text`` (docs/CIBUILDWHEEL.md) with the generated table between its markers."""
    before, _, rest = text.partition(DOCS_BEGIN)
    _, _, after = rest.partition(DOCS_END)
    return f"{before}{DOCS_BEGIN}\n{generate_table()}\n{DOCS_END}{after}"
