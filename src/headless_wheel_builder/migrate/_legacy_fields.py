"""The translation table: ``setup()`` keywords -> ``[project]`` / ``[tool.setuptools]``.

Input values are literals or the markers of :mod:`._setup_py` / :mod:`._setup_cfg`.  A
keyword whose value hwb cannot know statically is *kept* (it stays in setup.py/setup.cfg)
and, when it is core metadata, its PEP 621 field is declared ``dynamic``.  Keywords that
describe one field together (``author`` + ``author_email``, ``url`` + ``project_urls``…) are
translated together or kept together.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from headless_wheel_builder.migrate._legacy_values import (
    Attr,
    FileAttr,
    FileDirective,
    FileText,
    FindPackages,
    Unresolved,
    as_list,
    dotted_module,
    entry_point_groups,
    installed_name,
    literal_value,
    people,
    readme_content_type,
    spdx_license,
    with_marker,
)

__all__ = ["Translation", "TranslationResult", "dotted_module", "spdx_license"]

#: PEP 621 field -> the setup() keywords that make it up.
FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "version": ("version", "use_scm_version"),
    "description": ("description",),
    "readme": ("long_description", "long_description_content_type"),
    "authors": ("author", "author_email"),
    "maintainers": ("maintainer", "maintainer_email"),
    "license": ("license", "license_files"),
    "urls": ("url", "download_url", "project_urls"),
    "classifiers": ("classifiers",),
    "keywords": ("keywords",),
    "requires-python": ("python_requires",),
    "dependencies": ("install_requires",),
    "optional-dependencies": ("extras_require",),
    "entry-points": ("entry_points",),
}
#: setup() keyword -> [tool.setuptools] key, for values that are copied as they are.
TOOL_KEYS = {
    "py_modules": "py-modules", "package_dir": "package-dir", "package_data": "package-data",
    "exclude_package_data": "exclude-package-data", "include_package_data": "include-package-data",
    "zip_safe": "zip-safe", "scripts": "script-files", "namespace_packages": "namespace-packages",
    "platforms": "platforms", "provides": "provides", "obsoletes": "obsoletes",
    "eager_resources": "eager-resources", "data_files": "data-files",
}  # fmt: skip
DROPPED = {
    "tests_require": "setuptools no longer runs tests; declare a `test` extra or dependency group",
    "test_suite": "setuptools no longer runs tests",
    "test_loader": "setuptools no longer runs tests",
    "dependency_links": "pip ignores dependency links; use an index or a direct URL requirement",
    "use_2to3": "2to3 support was removed from setuptools",
    "requires": "distutils-era metadata that installers ignore; use install_requires",
}


@dataclass
class TranslationResult:
    project: dict[str, Any] = field(default_factory=dict)
    tool: dict[str, dict[str, Any]] = field(default_factory=dict)
    requires: list[str] = field(default_factory=lambda: ["setuptools>=61"])
    translated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    version_source: str = "static"


class Translation:
    """One migration: feed it every keyword, read :attr:`result`."""

    def __init__(self, root: Path, kwargs: dict[str, object]) -> None:
        self.root = root
        self.kw = dict(kwargs)
        self.r = TranslationResult()
        self.dynamic: list[str] = []
        self.setuptools: dict[str, Any] = {}
        self.dyn_tool: dict[str, Any] = {}
        pkg_dir = kwargs.get("package_dir")
        self.package_dir = {str(k): str(v) for k, v in pkg_dir.items()} if isinstance(pkg_dir, dict) else {}
        found = kwargs.get("packages")
        if isinstance(found, FindPackages) and found.where not in {"", "."}:
            self.package_dir.setdefault("", found.where)  # setuptools fills package_dir the same way

    def run(self) -> TranslationResult:
        kw, r = self.kw, self.r
        self._resolve_module_literals()
        if isinstance(kw.get("name"), str):
            r.project["name"] = kw.pop("name")
            r.translated.append("name")
        elif "name" in kw:
            r.kept.append("name")
            kw.pop("name")
        order = ["version", "description", "readme", "license", "requires-python", "authors",
                 "maintainers", "keywords", "classifiers", "urls", "dependencies",
                 "optional-dependencies", "entry-points"]  # fmt: skip
        for group in order:
            keys = [k for k in FIELD_GROUPS[group] if k in kw]
            if not keys:
                continue
            values = {k: kw.pop(k) for k in keys}
            if any(isinstance(v, Unresolved) for v in values.values()) or not self._field(group, values):
                self._keep_dynamic(group, keys)
            else:
                r.translated.extend(keys)
        if self.dynamic:
            r.project["dynamic"] = self.dynamic
            r.project = {"name": r.project["name"], "dynamic": self.dynamic,
                         **{k: v for k, v in r.project.items() if k not in {"name", "dynamic"}}} \
                if "name" in r.project else r.project  # fmt: skip
        self._setuptools_keys()
        if self.setuptools:
            r.tool["setuptools"] = self.setuptools
        if self.dyn_tool:
            r.tool["setuptools.dynamic"] = self.dyn_tool
        return r

    def _resolve_module_literals(self) -> None:
        """``author=asciinema.__author__``: the literal in the module, else kept (never the
        marker's text: it would end up in the metadata)."""
        for key, value in self.kw.items():
            if key != "version" and isinstance(value, (Attr, FileAttr)):
                literal = literal_value(self.root, value, self.package_dir)
                source = value.dotted if isinstance(value, Attr) else f"{value.path}: {value.name}"
                self.kw[key] = literal if literal is not None else Unresolved(source=source)

    def _keep_dynamic(self, group: str, keys: list[str]) -> None:
        self.r.kept.extend(keys)
        fields = ["scripts", "gui-scripts", "entry-points"] if group == "entry-points" else [group]
        if group == "license":
            fields = ["license", "license-files"] if "license_files" in keys else ["license"]
        self.dynamic.extend(f for f in fields if f not in self.dynamic)

    # --- metadata fields ---------------------------------------------------------------
    def _field(self, group: str, v: dict[str, object]) -> bool:
        handlers: dict[str, Callable[[dict[str, object]], bool]] = {
            "version": self._version,
            "description": self._description,
            "readme": lambda v: self._readme(
                v.get("long_description"), v.get("long_description_content_type")
            ),
            "license": lambda v: self._license(v.get("license"), v.get("license_files")),
            "requires-python": self._requires_python,
            "authors": lambda v: self._people_field(group, v, "author", "author_email"),
            "maintainers": lambda v: self._people_field(group, v, "maintainer", "maintainer_email"),
            "keywords": self._keywords,
            "classifiers": lambda v: self._list_or_file("classifiers", v["classifiers"]),
            "urls": self._urls,
            "dependencies": lambda v: self._list_or_file("dependencies", v["install_requires"]),
            "optional-dependencies": lambda v: self._extras(v["extras_require"]),
            "entry-points": lambda v: self._entry_points(v["entry_points"]),
        }
        handler = handlers.get(group)
        return handler(v) if handler is not None else True

    def _description(self, v: dict[str, object]) -> bool:
        value = v["description"]
        if isinstance(value, FileDirective):
            self.dyn_tool["description"] = {"file": list(value.paths)}
            self.dynamic.append("description")
            return True
        self.r.project["description"] = " ".join(str(value).split())
        return True

    def _requires_python(self, v: dict[str, object]) -> bool:
        self.r.project["requires-python"] = str(v["python_requires"])
        return True

    def _people_field(self, group: str, v: dict[str, object], who: str, mail: str) -> bool:
        if v.get(who) or v.get(mail):
            self.r.project[group] = people(v.get(who), v.get(mail))
        return True

    def _keywords(self, v: dict[str, object]) -> bool:
        value = v["keywords"]
        keywords = (
            value
            if isinstance(value, list)
            else [k for k in re.split(r"," if "," in str(value) else r"\s+", str(value)) if k.strip()]
        )
        self.r.project["keywords"] = [str(k).strip() for k in keywords]
        return True

    def _urls(self, v: dict[str, object]) -> bool:
        urls: dict[str, str] = {}
        if v.get("url"):
            urls["Homepage"] = str(v["url"])
        if v.get("download_url"):
            urls["Download"] = str(v["download_url"])
        extra = v.get("project_urls") or {}
        if not isinstance(extra, dict):
            return False
        urls.update({str(k): str(u) for k, u in extra.items()})
        if urls:
            self.r.project["urls"] = urls
        return True

    def _version(self, v: dict[str, object]) -> bool:
        value = v.get("version")
        scm = v.get("use_scm_version")
        if scm:
            self.dynamic.append("version")
            self.r.tool["setuptools_scm"] = scm if isinstance(scm, dict) else {}
            self.r.requires.append("setuptools-scm>=8")
            self.r.version_source = "setuptools-scm"
            return True
        if isinstance(value, str):
            self.r.project["version"] = value
            return True
        if isinstance(value, FileAttr):
            value = Attr(dotted=f"{dotted_module(value.path, self.package_dir)}.{value.name}")
        if isinstance(value, Attr):
            value = installed_name(self.root, value, self.package_dir)
            self.dyn_tool["version"] = {"attr": value.dotted}
            self.r.version_source = f"attr: {value.dotted}"
        elif isinstance(value, (FileText, FileDirective)):
            paths = [value.path] if isinstance(value, FileText) else list(value.paths)
            self.dyn_tool["version"] = {"file": paths[0] if len(paths) == 1 else paths}
            self.r.version_source = f"file: {', '.join(paths)}"
        else:
            return False
        self.dynamic.append("version")
        return True

    def _readme(self, text: object, content_type: object) -> bool:
        if text is None:
            self.r.dropped.append("long_description_content_type (there is no long_description)")
            return True
        ctype = str(content_type) if isinstance(content_type, str) else None
        if isinstance(text, FileText) or (isinstance(text, FileDirective) and len(text.paths) == 1):
            path = text.path if isinstance(text, FileText) else text.paths[0]
            if not (self.root / path).is_file():
                self.r.notes.append(f"readme {path} does not exist yet")
            guessed = readme_content_type(path)
            self.r.project["readme"] = (
                path
                if (ctype or guessed) == guessed and guessed
                else {"file": path, "content-type": ctype or "text/plain"}
            )
        elif isinstance(text, FileDirective):
            self.dyn_tool["readme"] = {"file": list(text.paths), "content-type": ctype or
                                       readme_content_type(text.paths[0]) or "text/plain"}  # fmt: skip
            self.dynamic.append("readme")
        elif isinstance(text, str):
            self.r.project["readme"] = {"text": text, "content-type": ctype or "text/plain"}
        else:
            return False
        return True

    def _license(self, text: object, files: object) -> bool:
        file_list = as_list(files) if isinstance(files, (str, list)) else None
        if files is not None and file_list is None:
            return False
        expression = spdx_license(text) if isinstance(text, str) else None
        p = self.r.project
        if expression:
            p["license"] = expression
            self.r.requires[0] = "setuptools>=77"
            classifiers = self.kw.get("classifiers")
            if isinstance(classifiers, list):
                gone = [c for c in classifiers if str(c).startswith("License ::")]
                self.kw["classifiers"] = [c for c in classifiers if c not in gone]
                self.r.dropped.extend(f"classifier {c!r} (PEP 639: license = {expression!r} replaces it; "
                                      "setuptools refuses both)" for c in gone)  # fmt: skip
            if file_list:
                p["license-files"] = file_list
        else:
            if isinstance(text, str) and text.strip():
                match = next(
                    (
                        f
                        for f in ("LICENSE", "LICENSE.txt", "COPYING")
                        if (self.root / f).is_file()
                        and (self.root / f).read_text(errors="replace").strip() == text.strip()
                    ),
                    None,
                )
                p["license"] = {"file": match} if match else {"text": text}
                self.r.notes.append(
                    f"license {text[:40]!r} is not an SPDX expression: written as a table "
                    '(deprecated by PEP 639; replace it with license = "<SPDX id>")'
                )
            elif text is not None and not isinstance(text, str):
                return False
            if file_list:
                self.setuptools["license-files"] = file_list
        return True

    def _list_or_file(self, key: str, value: object) -> bool:
        if isinstance(value, (FileText, FileDirective)):
            paths = [value.path] if isinstance(value, FileText) else list(value.paths)
            self.dyn_tool[key] = {"file": paths}
            self.dynamic.append(key)
            return True
        try:
            items = as_list(value)
        except TypeError:
            return False
        self.r.project[key] = items
        return True

    def _extras(self, value: object) -> bool:
        if not isinstance(value, dict):
            return False
        extras: dict[str, list[str]] = {}
        conditional: list[str] = []
        for key, reqs in value.items():
            name, _, marker = str(key).partition(":")
            try:
                items = as_list(reqs)
            except TypeError:
                return False
            if marker:
                items = [with_marker(i, marker.strip()) for i in items]
            if name:
                extras.setdefault(name.strip(), []).extend(items)
            else:
                conditional.extend(items)
        if extras:
            self.r.project["optional-dependencies"] = extras
        if conditional:
            self.r.project.setdefault("dependencies", []).extend(conditional)
            self.r.notes.append("extras_require entries keyed ':marker' became dependencies with that marker")
        return True

    def _entry_points(self, value: object) -> bool:
        if isinstance(value, FileDirective):
            self.dyn_tool["entry-points"] = {"file": list(value.paths)}
            self.dynamic.extend(["scripts", "gui-scripts", "entry-points"])
            return True
        groups = entry_point_groups(value)
        if groups is None:
            return False
        for group, key in (("console_scripts", "scripts"), ("gui_scripts", "gui-scripts")):
            if group in groups:
                self.r.project[key] = groups.pop(group)
        if groups:
            self.r.project["entry-points"] = groups
        return True

    # --- [tool.setuptools] ------------------------------------------------------------------
    def _setuptools_keys(self) -> None:
        kw, r = self.kw, self.r
        for key in list(kw):
            value = kw[key]
            if key in DROPPED or key.startswith("use_2to3") or key == "convert_2to3_doctests":
                r.dropped.append(f"{key} ({DROPPED.get(key, DROPPED['use_2to3'])})")
            elif isinstance(value, Unresolved):
                r.kept.append(key)
            elif key == "packages" and self._packages(value):
                r.translated.append(key)
            elif key == "setup_requires" and isinstance(value, list):
                r.requires.extend(str(v) for v in value if not re.match(r"(?i)(setuptools|wheel)\b", str(v)))
                r.translated.append(key)
                r.notes.append("setup_requires became [build-system] requires")
            elif key in TOOL_KEYS and self._tool_value(key, value):
                r.translated.append(key)
            else:
                r.kept.append(key)
        if "include_package_data" not in kw:
            self._include_package_data_default()

    def _packages(self, value: object) -> bool:
        if isinstance(value, FindPackages):
            find: dict[str, Any] = {"where": [value.where]}
            if value.include:
                find["include"] = list(value.include)
            if value.exclude:
                find["exclude"] = list(value.exclude)
            find["namespaces"] = value.namespaces
            self.r.tool["setuptools.packages.find"] = find
        elif isinstance(value, list):
            self.setuptools["packages"] = [str(v) for v in value]
        else:
            return False
        return True

    def _include_package_data_default(self) -> None:
        """setup.py's default is False, pyproject.toml's True: without this, every file
        MANIFEST.in puts inside a package (tqdm's tests/*.py) would land in the wheel."""
        self.setuptools["include-package-data"] = False
        if (self.root / "MANIFEST.in").is_file():
            self.r.notes.append(
                "include-package-data = false, as setup.py had it (pyproject.toml's default is true: "
                "files MANIFEST.in adds inside packages would go into the wheel)"
            )

    def _tool_value(self, key: str, value: object) -> bool:
        if key == "data_files" and isinstance(value, list):
            try:
                value = {str(d): [str(f) for f in files] for d, files in value}
            except (TypeError, ValueError):
                return False
        if isinstance(value, str) and key in {"platforms", "scripts", "py_modules"}:
            value = [value]
        if isinstance(value, dict):
            value = {k: [v] if isinstance(v, str) and key != "package_dir" else v for k, v in value.items()}
        if not isinstance(value, (bool, list, dict)):
            return False
        self.setuptools[TOOL_KEYS[key]] = value
        return True
