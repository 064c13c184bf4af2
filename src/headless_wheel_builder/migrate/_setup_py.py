"""Read a ``setup.py`` without running it: the keyword arguments of its ``setup(...)`` call.

The module is parsed with :mod:`ast` and walked top to bottom, keeping a small environment of
what is statically known: literals and simple constants, imports of the project's own modules,
``here = os.path.dirname(__file__)``-style anchors, files opened and read (``open(P).read()``,
``Path(P).read_text()``, ``with open(P) as f: x = f.read()``, helper functions such as
``def read(name): return open(...).read()``), ``exec(open(P).read())`` and
``exec(f.read(), about)``.  A keyword whose value cannot be known this way is returned as
:class:`Unresolved` with its source text, so the caller can leave it in ``setup.py``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from headless_wheel_builder.migrate._legacy_values import (
    Attr,
    FileAttr,
    FileText,
    FindPackages,
    Unresolved,
    assigned_names,
    literal_in_file,
)
from headless_wheel_builder.migrate._setup_expr import Evaluator, Here, Module, Namespace, Open, Unknown

_SETUP_MODULES = {"setuptools", "distutils.core"}

__all__ = [
    "Attr",
    "FileAttr",
    "FileText",
    "FindPackages",
    "SetupCall",
    "Unresolved",
    "literal_in_file",
    "read_setup_py",
    "remove_keywords",
]


@dataclass(frozen=True, kw_only=True)
class SetupCall:
    """What ``setup.py`` passes to ``setup()``: keyword -> value (a literal or a marker)."""

    kwargs: dict[str, object]
    found: bool
    """False when no ``setup(...)`` call was found."""
    notes: tuple[str, ...] = ()
    local_imports: tuple[str, ...] = ()
    """The project's own modules setup.py imports (it needs its folder on ``sys.path``)."""
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    """keyword -> the UTF-8 byte range of ``keyword=value,`` in the call (for removal)."""


class _Reader(Evaluator):
    def __init__(self, root: Path, tree: ast.Module, text: str) -> None:
        super().__init__(root)
        self.text = text
        self.tree = tree
        self.setup_names = {"setup"}
        self.notes: list[str] = []
        self.local_imports: list[str] = []
        self.result: dict[str, object] | None = None
        self.call = self._find_setup_call(tree)

    # --- locating setup() -------------------------------------------------------------
    def _find_setup_call(self, tree: ast.Module) -> ast.Call | None:
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in _SETUP_MODULES:
                self.setup_names |= {a.asname or a.name for a in node.names if a.name == "setup"}
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and self._is_setup(n.func)]
        if len(calls) > 1:
            self.notes.append(f"setup.py calls setup() {len(calls)} times; the first call was read")
        return min(calls, key=lambda c: (c.lineno, c.col_offset)) if calls else None

    def _is_setup(self, func: ast.expr) -> bool:
        if isinstance(func, ast.Name):
            return func.id in self.setup_names
        return (
            isinstance(func, ast.Attribute)
            and func.attr == "setup"
            and (isinstance(func.value, ast.Name) and func.value.id in {"setuptools", "core"})
        )

    # --- walking statements -----------------------------------------------------------
    def walk(self, body: list[ast.stmt], *, conditional: bool = False) -> None:
        for stmt in body:
            if self.result is not None:
                return
            holds_call = self.call is not None and any(n is self.call for n in ast.walk(stmt))
            if isinstance(stmt, ast.FunctionDef):
                self.functions[stmt.name] = stmt
                if holds_call:
                    self.walk(stmt.body, conditional=conditional)
            elif isinstance(stmt, (ast.If, ast.Try, ast.For, ast.While)):
                # Names bound inside a branch may or may not be set: unknown, unless the
                # branch holds setup() itself (then its own statements are walked in order).
                branches: list[list[ast.stmt]] = [
                    getattr(stmt, "body", []), getattr(stmt, "orelse", []),
                    *[h.body for h in getattr(stmt, "handlers", [])], getattr(stmt, "finalbody", []),
                ]  # fmt: skip
                if holds_call:
                    branch = next(b for b in branches if any(n is self.call for s in b for n in ast.walk(s)))
                    self.walk(branch, conditional=conditional)
                elif isinstance(stmt, ast.Try):
                    self._walk_try(stmt)
                else:
                    self.walk([s for b in branches for s in b], conditional=True)
            elif isinstance(stmt, ast.With):
                self._with(stmt, conditional=conditional)
            elif holds_call:
                self.result = self._setup_kwargs()
            else:
                self._simple(stmt, conditional=conditional)

    def _walk_try(self, stmt: ast.Try) -> None:
        # ``try: from setuptools import setup / except ImportError: from distutils...``
        # and ``try: import x / except: x = None``: the try body is the normal case.
        self.walk(stmt.body)
        for handler in stmt.handlers:
            for inner in handler.body:
                for name in self._bound_names(inner):
                    self.env.setdefault(name, Unknown())

    def _with(self, stmt: ast.With, *, conditional: bool) -> None:
        for item in stmt.items:
            try:
                value = self.eval(item.context_expr)
            except Unknown:
                value = Unknown()
            if isinstance(item.optional_vars, ast.Name):
                self.env[item.optional_vars.id] = value
        self.walk(stmt.body, conditional=conditional)

    @staticmethod
    def _bound_names(stmt: ast.stmt) -> list[str]:
        return [n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]

    def _simple(self, stmt: ast.stmt, *, conditional: bool) -> None:
        if isinstance(stmt, ast.Import):
            self._import(stmt)
        elif isinstance(stmt, ast.ImportFrom) and stmt.module and stmt.level == 0:
            self._import_from(stmt, stmt.module)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            self._assign(stmt, stmt.value, conditional=conditional)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self._exec_call(stmt.value)
        else:
            for name in self._bound_names(stmt):
                self.env[name] = Unknown()

    def _import(self, stmt: ast.Import) -> None:
        for alias in stmt.names:
            if self._local_module(alias.name):
                self.local_imports.append(alias.name)
                self.env[alias.asname or alias.name.split(".")[0]] = Module(
                    alias.name if alias.asname else alias.name.split(".")[0]
                )

    def _import_from(self, stmt: ast.ImportFrom, module: str) -> None:
        local = self._local_module(module)
        if local:
            self.local_imports.append(module)
        for alias in stmt.names:
            bound = alias.asname or alias.name
            if local:
                self.env[bound] = Attr(dotted=f"{module}.{alias.name}")
            elif module == "os" and alias.name == "path":
                self.env[bound] = Module("os.path")

    def _assign(self, stmt: ast.Assign | ast.AnnAssign, value_node: ast.expr, *, conditional: bool) -> None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        try:
            value: object = Unknown() if conditional else self.eval(value_node)
        except Unknown:
            value = Unknown()
        for target in targets:
            if isinstance(target, ast.Name):
                self.env[target.id] = value
            elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                self.env[target.value.id] = Unknown()

    def _exec_call(self, call: ast.Call) -> None:
        """``exec(open(P).read())`` / ``exec(f.read(), ns)``; ``ns.update(...)`` spoils ns."""
        func = call.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            self.env[func.value.id] = (
                Unknown()
                if func.attr in {"update", "setdefault"}
                else (self.env.get(func.value.id, Unknown()))
            )
            return
        if not (isinstance(func, ast.Name) and func.id == "exec" and call.args):
            return
        try:
            code = self.eval(call.args[0])
        except Unknown:
            return
        if not isinstance(code, FileText):
            return
        if len(call.args) > 1 and isinstance(call.args[1], ast.Name):
            self.env[call.args[1].id] = Namespace(code.path)
        else:
            for name in assigned_names(self.root / code.path):
                self.env[name] = FileAttr(path=code.path, name=name)

    def _local_module(self, dotted: str) -> bool:
        first = dotted.split(".", 1)[0]
        return any(
            (self.root / base / first).with_suffix(".py").is_file() or (self.root / base / first).is_dir()
            for base in (".", "src", "lib")
        ) and first not in {"setuptools", "distutils", "os", "sys", "io", "re", "codecs", "pathlib"}

    # --- the call ---------------------------------------------------------------------
    def _setup_kwargs(self) -> dict[str, object]:
        assert self.call is not None
        kwargs: dict[str, object] = {}
        if self.call.args:
            kwargs["<positional arguments>"] = Unresolved(source=self._src(self.call.args[0]))
        for kw in self.call.keywords:
            if kw.arg is None:
                try:
                    extra = self.eval(kw.value)
                except Unknown:
                    extra = None
                if isinstance(extra, dict):
                    kwargs.update(extra)
                else:
                    kwargs[f"**{self._src(kw.value)}"] = Unresolved(source=f"**{self._src(kw.value)}")
                continue
            kwargs[kw.arg] = self._value(kw.arg, kw.value)
        return kwargs

    def _value(self, key: str, node: ast.expr) -> object:
        try:
            value = self.eval(node)
        except Unknown:
            value = None
        if value is None or isinstance(value, (Here, Open, Module, Namespace, Unknown)):
            if key == "version":
                hint = self._version_file(node)
                if hint is not None:
                    return hint
            return Unresolved(source=self._src(node))
        return value

    def _version_file(self, node: ast.expr) -> FileAttr | None:
        """``version=get_version()`` / ``re.search(...__version__..., open(P).read())``: a
        version read from a ``.py`` file's literal ``__version__`` by code that mentions it —
        the expression, the helpers it calls and the module-level statements that bind the
        names it uses (``with open(P) as f: version = re.search(...).group(1)``)."""
        scopes = self._version_scopes(node)
        if "__version__" not in " ".join(self._src(s) for s in scopes) or self._version_is_composed(node):
            return None
        literals = [
            n.value
            for scope in scopes
            for n in ast.walk(scope)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
        ]
        dirs = [s for s in literals if s and "/" not in s and s.isidentifier()]
        for lit in (s for s in literals if s.endswith(".py")):
            for candidate in (lit, *(f"{d}/{lit}" for d in dirs), *(f"src/{d}/{lit}" for d in dirs)):
                path = self.root / candidate
                if path.is_file() and literal_in_file(path, "__version__") is not None:
                    return FileAttr(path=candidate, name="__version__")
        return None

    def _version_is_composed(self, node: ast.expr) -> bool:
        """``version=base + ".dev"`` / ``f"{v}.post1"`` / ``"{}".format(v)``, directly or in
        the assignment of the name passed: more than the file's ``__version__``, so no guess."""
        values: list[ast.AST] = [node]
        if isinstance(node, ast.Name):
            values += [
                sub.value
                for stmt in self.tree.body
                if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                for sub in ast.walk(stmt)
                if isinstance(sub, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == node.id for t in sub.targets)
            ]
        return any(
            isinstance(sub, (ast.BinOp, ast.JoinedStr))
            or (isinstance(sub, ast.Attribute) and sub.attr in {"format", "replace"})
            for value in values
            for sub in ast.walk(value)
        )

    def _version_scopes(self, node: ast.expr) -> list[ast.AST]:
        """``node``, the helper functions it calls and the module-level statements binding the
        names it reads, transitively (not the statement holding ``setup()``)."""
        scopes: list[ast.AST] = [node]
        seen: set[str] = set()
        for scope in scopes:  # grows while iterating
            for sub in ast.walk(scope):
                if not isinstance(sub, ast.Name) or sub.id in seen:
                    continue
                seen.add(sub.id)
                found: list[ast.AST] = [self.functions[sub.id]] if sub.id in self.functions else []
                found += [
                    stmt
                    for stmt in self.tree.body
                    if sub.id in self._bound_names(stmt) and not any(n is self.call for n in ast.walk(stmt))
                ]
                scopes.extend(f for f in found if all(f is not s for s in scopes))
        return scopes

    def _src(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.text, node) or ast.unparse(node)


def read_setup_py(path: Path) -> SetupCall:
    """The ``setup()`` keywords of ``path`` (never executed).  A syntax error raises it."""
    text = path.read_bytes().decode("utf-8")  # line endings as they are
    try:
        tree = ast.parse(text, filename=str(path))
    except (RecursionError, MemoryError):  # what Python's parser raises for deep nesting
        raise SyntaxError(f"{path} is nested too deeply for Python's parser") from None
    reader = _Reader(path.parent, tree, text)
    if reader.call is None:
        return SetupCall(kwargs={}, found=False, notes=tuple(reader.notes))
    reader.walk(tree.body)
    return SetupCall(
        kwargs=reader.result or {}, found=True, notes=tuple(reader.notes),
        local_imports=tuple(dict.fromkeys(reader.local_imports)), spans=_keyword_spans(text, reader.call),
    )  # fmt: skip


def _keyword_spans(text: str, call: ast.Call) -> dict[str, tuple[int, int]]:
    """keyword -> byte range covering ``keyword=value`` with its comma; the whole line(s)
    when the keyword stands alone on them (so removing it leaves no blank line)."""
    data = text.encode("utf-8")
    line_starts = [0]
    for line in data.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))
    spans: dict[str, tuple[int, int]] = {}
    for kw in call.keywords:
        if kw.arg is None or kw.end_lineno is None or kw.end_col_offset is None:
            continue
        start = line_starts[kw.lineno - 1] + kw.col_offset
        end = line_starts[kw.end_lineno - 1] + kw.end_col_offset
        end = _skip(data, end, b" \t")
        if data[end : end + 1] == b",":
            end = _skip(data, end + 1, b" \t")
        line_start = line_starts[kw.lineno - 1]
        alone = not data[line_start:start].strip()
        if alone and data[end : end + 1] == b"#":  # its trailing comment goes with it
            end = data.find(b"\n", end) if b"\n" in data[end:] else len(data)
        if data[end : end + 1] in {b"\n", b"\r"}:
            if alone:  # alone on its line(s): the line goes
                start, end = line_start, end + (2 if data[end : end + 2] == b"\r\n" else 1)
            else:  # last on a line: no trailing blank is left behind
                start = len(data[:start].rstrip(b" \t"))
        spans[kw.arg] = (start, end)
    return spans


def _skip(data: bytes, pos: int, chars: bytes) -> int:
    while pos < len(data) and data[pos] in chars:
        pos += 1
    return pos


def remove_keywords(text: str, call: SetupCall, keys: set[str]) -> str | None:
    """``text`` (the setup.py ``call`` was read from) without the ``setup()`` keywords
    ``keys``; everything else stays byte for byte.  None when the result would not parse."""
    data = text.encode("utf-8")
    merged: list[list[int]] = []
    for start, end in sorted(call.spans[k] for k in keys if k in call.spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        data = data[:start] + data[end:]
    new = data.decode("utf-8")
    try:
        ast.parse(new)
    except (SyntaxError, RecursionError, MemoryError):
        return None
    return new
