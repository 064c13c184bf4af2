"""``hwb init --from-setup``: translate ``setup.py`` / ``setup.cfg`` into PEP 621.

Nothing is executed: ``setup.py`` is read with :mod:`ast` (:mod:`._setup_py`) and
``setup.cfg`` with :mod:`configparser` (:mod:`._setup_cfg`).  Static fields become
``[project]`` and ``[tool.setuptools]``; a version read from a module becomes
``dynamic = ["version"]`` with ``attr:``.  What pyproject.toml cannot express (``ext_modules``,
``cmdclass``, computed values…) stays where it was and is listed; a metadata field left in
``setup.py`` is declared ``dynamic`` so setuptools still takes it from there.

Files: ``setup.py`` is deleted when nothing is left in it (``keep_setup`` keeps it), otherwise
left untouched — the report names the keywords that are now duplicated.  Translated options
are removed from ``setup.cfg`` (other sections, e.g. ``[bdist_wheel]``, stay).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from headless_wheel_builder.errors import NotAProjectError, ProjectError
from headless_wheel_builder.migrate import _setup_cfg, _setup_py
from headless_wheel_builder.migrate._legacy_fields import Translation, TranslationResult
from headless_wheel_builder.migrate._toml import compose, load_document, write_atomically
from headless_wheel_builder.migrate.options import InitOptions, InitReport

__all__ = ["migrate_project", "read_legacy"]


def read_legacy(
    root: Path,
) -> tuple[dict[str, object], dict[str, str], _setup_cfg.SetupCfg | None, list[str]]:
    """Every ``setup()`` keyword of the project (setup.cfg wins over setup.py, as in
    setuptools), where each came from (``setup.py`` / ``setup.cfg``), the parsed setup.cfg,
    and notes."""
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
        kwargs.update(cfg.kwargs)
        origin.update(dict.fromkeys(cfg.kwargs, "setup.cfg"))
    return kwargs, origin, cfg, notes


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


def _build_system(existing: Any, requires: list[str], notes: list[str]) -> dict[str, Any]:
    """``setuptools.build_meta`` — unless the project already names another backend (an
    in-tree wrapper around setuptools, say): that one, and its ``backend-path``, are kept."""
    table: dict[str, Any] = {"requires": _merge_requires(existing, requires)}
    table["build-backend"] = "setuptools.build_meta"
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
    origin: dict[str, str],
    options: InitOptions,
    changed: list[str],
    actions: list[Callable[[], None]],
) -> tuple[list[str], list[str]]:
    """Delete setup.py when nothing is left in it; the kept and the now duplicated keywords."""
    kept = list(result.kept)
    duplicated: list[str] = []
    setup_py = root / "setup.py"
    from_py = [k for k in result.translated if origin.get(k) == "setup.py"]
    py_kept = [k for k in kept if origin.get(k) == "setup.py"]
    if not setup_py.is_file():
        return kept, duplicated
    if py_kept or options.keep_setup:
        duplicated = from_py
        if py_kept:
            kept = [f"{k} (kept in setup.py)" if k in py_kept else k for k in kept]
    else:
        changed.append("setup.py (deleted: everything in it is now in pyproject.toml)")
        actions.append(setup_py.unlink)
    return kept, duplicated


def _plan_setup_cfg(
    root: Path,
    result: TranslationResult,
    origin: dict[str, str],
    cfg: _setup_cfg.SetupCfg,
    changed: list[str],
    actions: list[Callable[[], None]],
) -> list[str]:
    """Remove the translated options from setup.cfg (the file when nothing is left); notes."""
    remove = {origin_key for k in result.translated if origin.get(k) == "setup.cfg"
              for origin_key in [cfg.origin[k]]}  # fmt: skip
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
    kwargs, origin, cfg, notes = read_legacy(root)
    kwargs.update(_given(options))
    result = Translation(root, kwargs).run()
    if "name" not in result.project:
        raise ProjectError(
            f"the project name in {root} cannot be read statically",
            why="setup.py computes it" if "name" in kwargs else "neither setup.py nor setup.cfg sets name=",
            hint="pass --name NAME",
        )
    build_system = _build_system(existing, result.requires, notes)
    text = compose(existing, build_system, result.project, result.tool)

    changed: list[str] = ["pyproject.toml"]
    actions: list[Callable[[], None]] = [lambda: write_atomically(root / "pyproject.toml", text)]
    kept, duplicated = _plan_setup_py(root, result, origin, options, changed, actions)
    if cfg is not None:
        notes.extend(_plan_setup_cfg(root, result, origin, cfg, changed, actions))
    if not options.dry_run:
        for action in actions:
            action()
    version = result.project.get("version")
    return InitReport(
        pyproject=root / "pyproject.toml", written=not options.dry_run, text=text, mode="migrate",
        backend="setuptools", name=str(result.project["name"]),
        version=str(version) if version else None, version_source=result.version_source,
        translated=tuple(result.translated), kept=tuple(kept), duplicated=tuple(duplicated),
        dropped=tuple(result.dropped),
        changed_files=tuple(changed),
        notes=(*notes, *result.notes),
    )  # fmt: skip
