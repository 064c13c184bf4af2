"""``hwb init --from-setup``: translate ``setup.py`` / ``setup.cfg`` into PEP 621.

Nothing is executed: ``setup.py`` is read with :mod:`ast` (:mod:`._setup_py`) and
``setup.cfg`` with :mod:`configparser` (:mod:`._setup_cfg`).  Static fields become
``[project]`` and ``[tool.setuptools]``; a version read from a module becomes
``dynamic = ["version"]`` with ``attr:``.  What pyproject.toml cannot express (``ext_modules``,
``cmdclass``, computed values…) stays where it was and is listed; a metadata field left in
``setup.py`` is declared ``dynamic`` so setuptools still takes it from there.

Files: ``setup.py`` is deleted when nothing is left in it (``keep_setup`` keeps it); otherwise
only the translated keywords are cut out of its ``setup()`` call (the rest of the file stays
byte for byte), and when it imports the project's own modules the backend is
``setuptools.build_meta:__legacy__``, which keeps the project folder on ``sys.path``.
Translated options are removed from ``setup.cfg`` (other sections, e.g. ``[bdist_wheel]``, stay).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from headless_wheel_builder.errors import NotAProjectError, ProjectError
from headless_wheel_builder.migrate import _setup_cfg, _setup_py
from headless_wheel_builder.migrate._legacy_fields import Translation, TranslationResult
from headless_wheel_builder.migrate._toml import compose, load_document, write_atomically
from headless_wheel_builder.migrate.options import InitOptions, InitReport

__all__ = ["Legacy", "migrate_project", "read_legacy"]


@dataclass(frozen=True)
class Legacy:
    """What a setuptools project declares in setup.py and setup.cfg."""

    kwargs: dict[str, object]
    """Every ``setup()`` keyword: setup.py's, and setup.cfg's where setup.py gives none."""
    origin: dict[str, str]
    """keyword -> ``setup.py`` / ``setup.cfg``."""
    cfg: _setup_cfg.SetupCfg | None
    call: _setup_py.SetupCall | None
    notes: list[str]
    shadowed: frozenset[str] = frozenset()
    """setup.cfg options setuptools never read, because setup.py sets the keyword too."""


def read_legacy(root: Path) -> Legacy:
    """Read ``root``'s setup.py (statically) and setup.cfg."""
    setup_py, setup_cfg = root / "setup.py", root / "setup.cfg"
    if not setup_py.is_file() and not setup_cfg.is_file():
        raise NotAProjectError(
            f"no setup.py or setup.cfg in {root}",
            why="--from-setup migrates a setuptools project",
            hint="run hwb init without --from-setup to write a new pyproject.toml",
        )
    kwargs: dict[str, object] = {}
    origin: dict[str, str] = {}
    notes: list[str] = []
    call = None
    if setup_py.is_file():
        try:
            call = _setup_py.read_setup_py(setup_py)
        except (SyntaxError, ValueError, UnicodeDecodeError) as exc:
            raise ProjectError(f"cannot read {setup_py}", why=str(exc),
                               hint="fix setup.py so that Python can parse it") from exc  # fmt: skip
        if not call.found:
            notes.append("setup.py has no setup(...) call hwb could find; it was left as it is")
        kwargs.update(call.kwargs)
        origin.update(dict.fromkeys(call.kwargs, "setup.py"))
        notes.extend(call.notes)
    cfg = None
    if setup_cfg.is_file():
        import configparser

        try:
            cfg = _setup_cfg.read_setup_cfg(setup_cfg)
        except (configparser.Error, UnicodeDecodeError) as exc:
            raise ProjectError(f"cannot read {setup_cfg}", why=str(exc),
                               hint="fix the INI syntax of setup.cfg") from exc  # fmt: skip
        shadowed = _merge_setup_cfg(kwargs, origin, cfg, notes)
        return Legacy(kwargs, origin, cfg, call, notes, shadowed)
    return Legacy(kwargs, origin, cfg, call, notes)


def _merge_setup_cfg(
    kwargs: dict[str, object], origin: dict[str, str], cfg: _setup_cfg.SetupCfg, notes: list[str]
) -> frozenset[str]:
    """setup.cfg's keywords into ``kwargs``, as setuptools applies them: only where setup.py's
    ``setup()`` left the keyword unset or empty (setup.py wins, even over ``attr:``)."""
    shadowed = {key for key in cfg.kwargs if _set_in_setup_py(kwargs.get(key))}
    for key, value in cfg.kwargs.items():
        if key not in shadowed:
            kwargs[key] = value
            origin[key] = "setup.cfg"
    if shadowed:
        notes.append(
            f"setup.py and setup.cfg both set {', '.join(sorted(shadowed))}: setup.py's value is the one "
            "setuptools used (it reads setup.cfg only for what setup() leaves empty), so that is translated"
        )
    return frozenset(shadowed)


def _set_in_setup_py(value: object) -> bool:
    """True for a value setuptools would keep over setup.cfg's: anything but a falsy literal
    (a computed value is taken to be set)."""
    return value is not None and (isinstance(value, _setup_py.Unresolved) or bool(value))


def _merge_requires(existing: Any, ours: list[str]) -> list[str]:
    """Our ``[build-system] requires`` plus the existing file's, minus setuptools/wheel."""
    if existing is None or "build-system" not in existing:
        return ours
    theirs = existing["build-system"].get("requires", [])
    names = {_requirement_name(r) for r in ours}
    extra = [str(r) for r in theirs if _requirement_name(str(r)) not in names | {"wheel"}]
    return [*ours, *extra]


def _requirement_name(text: str) -> str:
    """The canonical project name of a requirement (of its first word when it does not parse)."""
    try:
        return canonicalize_name(Requirement(text).name)
    except InvalidRequirement:
        return canonicalize_name(re.split(r"[<>=!~;\[ ]", text.strip(), maxsplit=1)[0])


def _build_system(existing: Any, requires: list[str], imports: list[str], notes: list[str]) -> dict[str, Any]:
    """``setuptools.build_meta`` — ``:__legacy__`` when a kept setup.py ``imports`` the
    project's own modules — unless the project already names another backend (an in-tree
    wrapper around setuptools, say): that one, and its ``backend-path``, are kept."""
    table: dict[str, Any] = {"requires": _merge_requires(existing, requires)}
    table["build-backend"] = "setuptools.build_meta"
    if imports:
        table["build-backend"] = "setuptools.build_meta:__legacy__"
        notes.append(
            f"build-backend is setuptools.build_meta:__legacy__ because the kept setup.py imports the "
            f"project's own {', '.join(imports)}: that backend puts the project folder on sys.path "
            f"as setup.py-only builds did (setuptools.build_meta does not, and the build would stop "
            f"with \"No module named '{imports[0].split('.')[0]}'\")"
        )
    old = existing.get("build-system", {}) if existing is not None else {}
    backend = str(old.get("build-backend", ""))
    if backend and not backend.startswith("setuptools.build_meta"):
        table["build-backend"] = backend
        if "backend-path" in old:
            table["backend-path"] = [str(p) for p in old["backend-path"]]
        notes.append(f"[build-system] keeps build-backend {backend!r}: check that it reads [project]")
    return table


def _given(options: InitOptions) -> dict[str, object]:
    """The ``setup()`` keywords that options override."""
    given = {"name": options.name, "version": options.version, "python_requires": options.requires_python}
    return {key: value for key, value in given.items() if value}


def _plan_setup_py(
    root: Path,
    result: TranslationResult,
    legacy: Legacy,
    options: InitOptions,
    changed: list[str],
    actions: list[Callable[[], None]],
) -> tuple[list[str], list[str], bool]:
    """Delete setup.py when nothing is left in it, else remove the translated keywords from
    its ``setup()`` call; the kept keywords, those still duplicated there, and whether a
    setup.py stays."""
    kept = list(result.kept)
    setup_py = root / "setup.py"
    if not setup_py.is_file():
        return kept, [], False
    from_py = [k for k in result.translated if legacy.origin.get(k) == "setup.py"]
    py_kept = [k for k in kept if legacy.origin.get(k) == "setup.py"]
    if not (py_kept or options.keep_setup):
        changed.append("setup.py (deleted: everything in it is now in pyproject.toml)")
        actions.append(setup_py.unlink)
        return kept, [], False
    kept = [f"{k} (kept in setup.py)" if k in py_kept else k for k in kept]
    call = legacy.call
    text = setup_py.read_bytes().decode("utf-8")
    new = _setup_py.remove_keywords(text, call, set(from_py)) if call is not None else None
    if new is None or new == text:
        return kept, from_py, True
    removed = [k for k in from_py if call is not None and k in call.spans]
    changed.append(f"setup.py (removed from setup(), now in pyproject.toml: {', '.join(removed)})")
    actions.append(lambda: write_atomically(setup_py, new))
    return kept, [k for k in from_py if k not in removed], True


def _plan_setup_cfg(
    root: Path,
    result: TranslationResult,
    legacy: Legacy,
    cfg: _setup_cfg.SetupCfg,
    changed: list[str],
    actions: list[Callable[[], None]],
) -> list[str]:
    """Remove the translated options from setup.cfg (the file when nothing is left), and those
    setup.py shadowed, which setuptools never read; notes."""
    origin, shadowed = legacy.origin, legacy.shadowed
    remove = {cfg.origin[k] for k in result.translated if origin.get(k) == "setup.cfg" or k in shadowed}
    if "packages" in result.translated and "packages.find" in cfg.origin:
        remove.add(cfg.origin["packages.find"])
    cfg_path = root / "setup.cfg"
    new_cfg = _setup_cfg.remove_options(cfg_path.read_text(encoding="utf-8"), remove)
    if remove and new_cfg.strip():
        changed.append("setup.cfg (translated options removed)")
        actions.append(lambda: write_atomically(cfg_path, new_cfg))
    elif remove:
        changed.append("setup.cfg (deleted: everything in it is now in pyproject.toml)")
        actions.append(cfg_path.unlink)
    if cfg.other_sections and new_cfg.strip():
        return [
            f"setup.cfg keeps [{'], ['.join(cfg.other_sections)}] (command and tool options: "
            "setuptools still reads them there)"
        ]
    return []


def migrate_project(root: Path, options: InitOptions) -> InitReport:
    """Translate ``root``'s setup.py/setup.cfg into ``root/pyproject.toml`` (see module doc)."""
    existing = load_document(root / "pyproject.toml", force=options.force)
    legacy = read_legacy(root)
    notes = legacy.notes
    kwargs = {**legacy.kwargs, **_given(options)}
    result = Translation(root, kwargs).run()
    if "name" not in result.project:
        raise ProjectError(
            f"the project name in {root} cannot be read statically",
            why="setup.py computes it" if "name" in kwargs else "neither setup.py nor setup.cfg sets name=",
            hint="pass --name NAME",
        )
    changed: list[str] = []
    actions: list[Callable[[], None]] = []
    kept, duplicated, setup_py_stays = _plan_setup_py(root, result, legacy, options, changed, actions)
    if legacy.cfg is not None:
        notes.extend(_plan_setup_cfg(root, result, legacy, legacy.cfg, changed, actions))
    imports = list(legacy.call.local_imports) if legacy.call is not None and setup_py_stays else []
    build_system = _build_system(existing, result.requires, imports, notes)
    text = compose(existing, build_system, result.project, result.tool)
    changed.insert(0, "pyproject.toml")
    actions.insert(0, lambda: write_atomically(root / "pyproject.toml", text))
    if not options.dry_run:
        for action in actions:
            action()
    version = result.project.get("version")
    # A version hwb could not read statically is still computed where it was.
    version_source = result.version_source
    if "version" in result.kept:
        version_source = legacy.origin.get("version", "setup.py")
    return InitReport(
        pyproject=root / "pyproject.toml", written=not options.dry_run, text=text, mode="migrate",
        backend="setuptools", name=str(result.project["name"]),
        version=str(version) if version else None, version_source=version_source,
        translated=tuple(result.translated), kept=tuple(kept), duplicated=tuple(duplicated),
        dropped=tuple(result.dropped),
        changed_files=tuple(changed),
        notes=(*notes, *result.notes),
    )  # fmt: skip
