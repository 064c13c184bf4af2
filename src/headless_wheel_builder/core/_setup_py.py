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
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

__all__ = ["Attr", "FileAttr", "FileText", "FindPackages", "SetupCall", "Unresolved", "read_setup_py"]


@dataclass(frozen=True, kw_only=True)
class FileText:
    """The text of a file in the project (``open(path).read()``); ``lines`` for ``.splitlines()``."""

    path: str
    lines: bool = False


@dataclass(frozen=True, kw_only=True)
class Attr:
    """An attribute of one of the project's modules (``six.__version__``)."""

    dotted: str


@dataclass(frozen=True, kw_only=True)
class FileAttr:
    """A name assigned at module level in a project file (``exec(open('pkg/v.py').read())``)."""

    path: str
    name: str


@dataclass(frozen=True, kw_only=True)
class FindPackages:
    """``find_packages(...)`` / ``find_namespace_packages(...)`` with literal arguments."""

    where: str = "."
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    namespaces: bool = False


@dataclass(frozen=True, kw_only=True)
class Unresolved:
    """A value hwb cannot know without running ``setup.py``; ``source`` is its code."""

    source: str


@dataclass(frozen=True, kw_only=True)
class SetupCall:
    """What ``setup.py`` passes to ``setup()``: keyword -> value (a literal or a marker)."""

    kwargs: dict[str, object]
    found: bool
    """False when no ``setup(...)`` call was found."""
    notes: tuple[str, ...] = ()


class _Unknown(Exception):
    pass


@dataclass(frozen=True)
class _Here:
    """The folder of setup.py (``os.path.dirname(__file__)``)."""


@dataclass(frozen=True)
class _Open:
    path: str


@dataclass(frozen=True)
class _Module:
    dotted: str


@dataclass(frozen=True)
class _Namespace:
    """A dict filled by ``exec(code_of(path), ns)``."""

    path: str


_HERE = _Here()
_SETUP_MODULES = {"setuptools", "distutils.core"}
_FIND = {"find_packages": False, "find_namespace_packages": True}
_PATH_FUNCS = {"join", "dirname", "abspath", "realpath", "normpath"}


def _join(*parts: object) -> str:
    out = PurePosixPath()
    for part in parts:
        if isinstance(part, _Here):
            out = PurePosixPath()
        elif isinstance(part, str):
            out = out / part
        else:
            raise _Unknown
    return str(out)


class _Reader:
    def __init__(self, root: Path, tree: ast.Module, text: str) -> None:
        self.root = root
        self.text = text
        self.env: dict[str, object] = {}
        self.functions: dict[str, ast.FunctionDef] = {}
        self.setup_names = {"setup"}
        self.notes: list[str] = []
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
                    self.env.setdefault(name, _Unknown())

    def _with(self, stmt: ast.With, *, conditional: bool) -> None:
        for item in stmt.items:
            try:
                value = self.eval(item.context_expr)
            except _Unknown:
                value = _Unknown()
            if isinstance(item.optional_vars, ast.Name):
                self.env[item.optional_vars.id] = value
        self.walk(stmt.body, conditional=conditional)

    @staticmethod
    def _bound_names(stmt: ast.stmt) -> list[str]:
        return [n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]

    def _simple(self, stmt: ast.stmt, *, conditional: bool) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if self._local_module(alias.name):
                    self.env[alias.asname or alias.name.split(".")[0]] = _Module(
                        alias.name if alias.asname else alias.name.split(".")[0]
                    )
        elif isinstance(stmt, ast.ImportFrom) and stmt.module and stmt.level == 0:
            local = self._local_module(stmt.module)
            for alias in stmt.names:
                bound = alias.asname or alias.name
                if local:
                    self.env[bound] = Attr(dotted=f"{stmt.module}.{alias.name}")
                elif stmt.module == "os" and alias.name == "path":
                    self.env[bound] = _Module("os.path")
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            try:
                value: object = _Unknown() if conditional else self.eval(stmt.value)
            except _Unknown:
                value = _Unknown()
            for target in targets:
                if isinstance(target, ast.Name):
                    self.env[target.id] = value
                elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                    self.env[target.value.id] = _Unknown()
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self._exec_call(stmt.value)
        else:
            for name in self._bound_names(stmt):
                self.env[name] = _Unknown()

    def _exec_call(self, call: ast.Call) -> None:
        """``exec(open(P).read())`` / ``exec(f.read(), ns)``; ``ns.update(...)`` spoils ns."""
        func = call.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            self.env[func.value.id] = (
                _Unknown()
                if func.attr in {"update", "setdefault"}
                else (self.env.get(func.value.id, _Unknown()))
            )
            return
        if not (isinstance(func, ast.Name) and func.id == "exec" and call.args):
            return
        try:
            code = self.eval(call.args[0])
        except _Unknown:
            return
        if not isinstance(code, FileText):
            return
        if len(call.args) > 1 and isinstance(call.args[1], ast.Name):
            self.env[call.args[1].id] = _Namespace(code.path)
        else:
            for name in _assigned_names(self.root / code.path):
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
                except _Unknown:
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
        except _Unknown:
            value = None
        if value is None or isinstance(value, (_Here, _Open, _Module, _Namespace, _Unknown)):
            if key == "version":
                hint = self._version_file(node)
                if hint is not None:
                    return hint
            return Unresolved(source=self._src(node))
        return value

    def _version_file(self, node: ast.expr) -> FileAttr | None:
        """``version=get_version()`` / ``re.search(...__version__..., open(P).read())``: a
        version read from a ``.py`` file's ``__version__`` by code that mentions it."""
        scopes: list[ast.AST] = [node]
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id in self.functions:
                scopes.append(self.functions[sub.func.id])
        text = " ".join(self._src(s) for s in scopes)
        if "__version__" not in text:
            return None
        candidates: list[str] = []
        for scope in scopes:
            literals = [
                n.value for n in ast.walk(scope) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            ]
            for sub in ast.walk(node):
                if isinstance(sub, ast.Call):
                    literals += [
                        a.value for a in sub.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
                    ]
            path_literals = [s for s in literals if s.endswith(".py")]
            for lit in path_literals:
                dirs = [s for s in literals if s and "/" not in s and s.isidentifier()]
                for candidate in (lit, *(f"{d}/{lit}" for d in dirs), *(f"src/{d}/{lit}" for d in dirs)):
                    if (self.root / candidate).is_file() and "__version__" in _assigned_names(
                        self.root / candidate
                    ):
                        candidates.append(candidate)
        return FileAttr(path=candidates[0], name="__version__") if candidates else None

    def _src(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.text, node) or ast.unparse(node)

    # --- expressions ------------------------------------------------------------------
    def eval(self, node: ast.expr) -> object:
        match node:
            case ast.Constant(value=value):
                return value
            case ast.List(elts=elts) | ast.Tuple(elts=elts) | ast.Set(elts=elts):
                return [self.eval(e) for e in elts]
            case ast.Dict(keys=keys, values=values):
                out: dict[str, object] = {}
                for k, v in zip(keys, values, strict=True):
                    key = self.eval(k) if k is not None else None
                    if not isinstance(key, str):
                        raise _Unknown
                    out[key] = self.eval(v)
                return out
            case ast.Name(id="__file__"):
                return "__file__"
            case ast.Name(id=name):
                found = self.env.get(name, _Unknown())
                if isinstance(found, _Unknown):
                    raise _Unknown
                return found
            case ast.JoinedStr(values=parts):
                return "".join(self._fstring_part(p) for p in parts)
            case ast.BinOp(left=left, op=ast.Add(), right=right):
                a, b = self.eval(left), self.eval(right)
                if isinstance(a, str) and isinstance(b, str):
                    return a + b
                if isinstance(a, list) and isinstance(b, list):
                    return a + b
                raise _Unknown
            case ast.BinOp(left=left, op=ast.Div(), right=right):
                return _join(self._path(self.eval(left)), self.eval(right))
            case ast.Subscript(value=value, slice=index):
                container, key = self.eval(value), self.eval(index)
                if isinstance(container, _Namespace) and isinstance(key, str):
                    return FileAttr(path=container.path, name=key)
                if isinstance(container, dict) and isinstance(key, str) and key in container:
                    return container[key]
                raise _Unknown
            case ast.Attribute(value=value, attr=attr):
                return self._attribute(value, attr)
            case ast.Call():
                return self._call(node)
        raise _Unknown

    def _fstring_part(self, part: ast.expr) -> str:
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            return part.value
        if isinstance(part, ast.FormattedValue) and part.conversion == -1 and part.format_spec is None:
            value = self.eval(part.value)
            if isinstance(value, str):
                return value
        raise _Unknown

    @staticmethod
    def _path(value: object) -> object:
        return _HERE if value == "__file__" else value

    def _attribute(self, value_node: ast.expr, attr: str) -> object:
        if isinstance(value_node, ast.Name) and value_node.id in {"os", "path"} and attr == "path":
            return _Module("os.path")
        base = self.eval(value_node)
        if isinstance(base, _Module) and base.dotted != "os.path":
            return Attr(dotted=f"{base.dotted}.{attr}")
        if isinstance(base, Attr):
            return Attr(dotted=f"{base.dotted}.{attr}")
        if attr == "parent" and base in ("__file__", _HERE):
            return _HERE
        raise _Unknown

    def _call(self, node: ast.Call) -> object:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if isinstance(func, ast.Attribute) and name in {
            "read",
            "read_text",
            "splitlines",
            "strip",
            "split",
            "resolve",
            "absolute",
            "lower",
        }:
            return self._method(self.eval(func.value), name, node)
        args = [self.eval(a) for a in node.args]
        if name in {"open"} and args and isinstance(args[0], str):
            return _Open(args[0])
        if name in {"Path", "PurePath"}:
            return self._path(args[0]) if args else _HERE
        is_path_func = isinstance(func, ast.Name) or (
            isinstance(func, ast.Attribute) and self._is_os_path(func)
        )
        if name in _PATH_FUNCS and is_path_func:
            if name == "join":
                return _join(*args)
            if args and args[0] in ("__file__", _HERE):
                return _HERE
            raise _Unknown
        if name in _FIND:
            kw = {k.arg: self.eval(k.value) for k in node.keywords if k.arg}
            where = args[0] if args else kw.get("where", ".")
            exclude = kw.get("exclude", args[1] if len(args) > 1 else [])
            include = kw.get("include", args[2] if len(args) > 2 else [])
            if not (isinstance(where, str) and isinstance(exclude, list) and isinstance(include, list)):
                raise _Unknown
            return FindPackages(where=where, include=tuple(map(str, include)),
                                exclude=tuple(map(str, exclude)), namespaces=_FIND[name])  # fmt: skip
        if name == "dict" and isinstance(func, ast.Name) and not args:
            return {k.arg: self.eval(k.value) for k in node.keywords if k.arg}
        if isinstance(func, ast.Name) and name in self.functions:
            return self._helper(self.functions[name], args)
        raise _Unknown

    def _is_os_path(self, func: ast.Attribute) -> bool:
        try:
            return self.eval(func.value) == _Module("os.path")
        except _Unknown:
            return False

    def _method(self, receiver: object, name: str, node: ast.Call) -> object:
        if isinstance(receiver, _Open) and name == "read":
            return FileText(path=receiver.path)
        if isinstance(receiver, str) and name == "read_text":
            return FileText(path=receiver)
        if isinstance(receiver, _Here) and name in {"resolve", "absolute"}:
            return _HERE
        if isinstance(receiver, FileText) and name in {"splitlines", "split", "strip"}:
            return FileText(path=receiver.path, lines=receiver.lines or name != "strip")
        if isinstance(receiver, str) and name in {"split", "strip", "splitlines", "lower"}:
            args = [self.eval(a) for a in node.args]
            if all(isinstance(a, str) for a in args):
                result: object = getattr(receiver, name)(*args)
                return result
        raise _Unknown

    def _helper(self, func: ast.FunctionDef, args: list[object]) -> object:
        """``def read(*parts): return open(join(here, *parts)).read()`` called with literals."""
        body = ast.unparse(func)
        if not args or not all(isinstance(a, str) for a in args):
            raise _Unknown
        if "open(" not in body and "read_text" not in body:
            raise _Unknown
        path = _join(*args)
        if "__version__" in body and path.endswith(".py"):
            return FileAttr(path=path, name="__version__")
        lines = "splitlines" in body or "readlines" in body
        return FileText(path=path, lines=lines)


def _assigned_names(path: Path) -> list[str]:
    """Names assigned at module level in a Python file (statically; [] if unreadable)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return []
    names: list[str] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            names += [t.id for t in stmt.targets if isinstance(t, ast.Name)]
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            names.append(stmt.target.id)
    return names


def literal_in_file(path: Path, name: str) -> str | None:
    """The string literal assigned to ``name`` at module level in ``path``, if there is one."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    for stmt in tree.body:
        if (
            isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)
            and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str)
        ):
            return stmt.value.value
    return None


def read_setup_py(path: Path) -> SetupCall:
    """The ``setup()`` keywords of ``path`` (never executed).  A syntax error raises it."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text, filename=str(path))
    reader = _Reader(path.parent, tree, text)
    if reader.call is None:
        return SetupCall(kwargs={}, found=False, notes=tuple(reader.notes))
    reader.walk(tree.body)
    return SetupCall(kwargs=reader.result or {}, found=True, notes=tuple(reader.notes))
