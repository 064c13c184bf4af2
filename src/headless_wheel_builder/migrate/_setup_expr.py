"""Static evaluation of the expressions setup.py files build their ``setup()`` arguments
from (see :mod:`._setup_py`).  Anything it cannot know raises :class:`Unknown`."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from headless_wheel_builder.migrate._legacy_values import Attr, FileAttr, FileText, FindPackages

__all__ = ["HERE", "Evaluator", "Here", "Module", "Namespace", "Open", "Unknown"]


class Unknown(Exception):
    pass


@dataclass(frozen=True)
class Here:
    """The folder of setup.py (``os.path.dirname(__file__)``)."""


@dataclass(frozen=True)
class Open:
    path: str


@dataclass(frozen=True)
class Module:
    dotted: str


@dataclass(frozen=True)
class Namespace:
    """A dict filled by ``exec(code_of(path), ns)``."""

    path: str


HERE = Here()
_FIND = {"find_packages": False, "find_namespace_packages": True}
_PATH_FUNCS = {"join", "dirname", "abspath", "realpath", "normpath"}


def _join(*parts: object) -> str:
    out = PurePosixPath()
    for part in parts:
        if isinstance(part, Here):
            out = PurePosixPath()
        elif isinstance(part, str):
            out = out / part
        else:
            raise Unknown
    return str(out)


class Evaluator:
    """Evaluates expressions against ``env`` (names known so far) and ``functions``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env: dict[str, object] = {}
        self.functions: dict[str, ast.FunctionDef] = {}

    # --- expressions ------------------------------------------------------------------
    def eval(self, node: ast.expr) -> object:
        handler = _EXPRESSIONS.get(type(node))
        if handler is None:
            raise Unknown
        try:
            return handler(self, node)
        except RecursionError:  # nested deeper than Python's stack (``a + a + … + a``)
            raise Unknown from None

    def _constant(self, node: ast.Constant) -> object:
        return node.value

    def _sequence(self, node: ast.List | ast.Tuple | ast.Set) -> object:
        return [self.eval(e) for e in node.elts]

    def _dict(self, node: ast.Dict) -> object:
        out: dict[str, object] = {}
        for k, v in zip(node.keys, node.values, strict=True):
            key = self.eval(k) if k is not None else None
            if not isinstance(key, str):
                raise Unknown
            out[key] = self.eval(v)
        return out

    def _name(self, node: ast.Name) -> object:
        if node.id == "__file__":
            return "__file__"
        found = self.env.get(node.id, Unknown())
        if isinstance(found, Unknown):
            raise Unknown
        return found

    def _joined(self, node: ast.JoinedStr) -> object:
        return "".join(self._fstring_part(p) for p in node.values)

    def _binop(self, node: ast.BinOp) -> object:
        if isinstance(node.op, ast.Div):
            return _join(self._path(self.eval(node.left)), self.eval(node.right))
        if not isinstance(node.op, ast.Add):
            raise Unknown
        a, b = self.eval(node.left), self.eval(node.right)
        if isinstance(a, str) and isinstance(b, str):
            return a + b
        if isinstance(a, list) and isinstance(b, list):
            return a + b
        raise Unknown

    def _subscript(self, node: ast.Subscript) -> object:
        container, key = self.eval(node.value), self.eval(node.slice)
        if isinstance(container, Namespace) and isinstance(key, str):
            return FileAttr(path=container.path, name=key)
        if isinstance(container, dict) and isinstance(key, str) and key in container:
            return container[key]
        raise Unknown

    def _attribute_node(self, node: ast.Attribute) -> object:
        return self._attribute(node.value, node.attr)

    def _fstring_part(self, part: ast.expr) -> str:
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            return part.value
        if isinstance(part, ast.FormattedValue) and part.conversion == -1 and part.format_spec is None:
            value = self.eval(part.value)
            if isinstance(value, str):
                return value
        raise Unknown

    @staticmethod
    def _path(value: object) -> object:
        return HERE if value == "__file__" else value

    def _attribute(self, value_node: ast.expr, attr: str) -> object:
        if isinstance(value_node, ast.Name) and value_node.id in {"os", "path"} and attr == "path":
            return Module("os.path")
        base = self.eval(value_node)
        if isinstance(base, Module) and base.dotted != "os.path":
            return Attr(dotted=f"{base.dotted}.{attr}")
        if isinstance(base, Attr):
            return Attr(dotted=f"{base.dotted}.{attr}")
        if attr == "parent" and base in ("__file__", HERE):
            return HERE
        raise Unknown

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
            return Open(args[0])
        if name in {"Path", "PurePath"}:
            return self._path(args[0]) if args else HERE
        is_path_func = isinstance(func, ast.Name) or (
            isinstance(func, ast.Attribute) and self._is_os_path(func)
        )
        if name in _PATH_FUNCS and is_path_func:
            return _path_call(name, args)
        if name in _FIND:
            return self._find_packages(name, args, node)
        if name == "dict" and isinstance(func, ast.Name) and not args:
            return {k.arg: self.eval(k.value) for k in node.keywords if k.arg}
        if isinstance(func, ast.Name) and name in self.functions:
            return self._helper(self.functions[name], args)
        raise Unknown

    def _find_packages(self, name: str, args: list[object], node: ast.Call) -> FindPackages:
        kw = {k.arg: self.eval(k.value) for k in node.keywords if k.arg}
        where = args[0] if args else kw.get("where", ".")
        exclude = kw.get("exclude", args[1] if len(args) > 1 else [])
        include = kw.get("include", args[2] if len(args) > 2 else [])
        if not (isinstance(where, str) and isinstance(exclude, list) and isinstance(include, list)):
            raise Unknown
        return FindPackages(where=where, include=tuple(map(str, include)),
                            exclude=tuple(map(str, exclude)), namespaces=_FIND[name])  # fmt: skip

    def _is_os_path(self, func: ast.Attribute) -> bool:
        try:
            return self.eval(func.value) == Module("os.path")
        except Unknown:
            return False

    def _method(self, receiver: object, name: str, node: ast.Call) -> object:
        if isinstance(receiver, Open) and name == "read":
            return FileText(path=receiver.path)
        if isinstance(receiver, str) and name == "read_text":
            return FileText(path=receiver)
        if isinstance(receiver, Here) and name in {"resolve", "absolute"}:
            return HERE
        if isinstance(receiver, FileText) and name in {"splitlines", "split", "strip"}:
            return FileText(path=receiver.path, lines=receiver.lines or name != "strip")
        if isinstance(receiver, str) and name in {"split", "strip", "splitlines", "lower"}:
            args = [self.eval(a) for a in node.args]
            if all(isinstance(a, str) for a in args):
                result: object = getattr(receiver, name)(*args)
                return result
        raise Unknown

    def _helper(self, func: ast.FunctionDef, args: list[object]) -> object:
        """``def read(*parts): return open(join(here, *parts)).read()`` called with literals."""
        body = ast.unparse(func)
        if not args or not all(isinstance(a, str) for a in args):
            raise Unknown
        if "open(" not in body and "read_text" not in body:
            raise Unknown
        path = _join(*args)
        if "__version__" in body and path.endswith(".py"):
            return FileAttr(path=path, name="__version__")
        lines = "splitlines" in body or "readlines" in body
        return FileText(path=path, lines=lines)


def _path_call(name: str, args: list[object]) -> object:
    """``os.path.join`` and the functions that keep a path to setup.py's folder."""
    if name == "join":
        return _join(*args)
    if args and args[0] in ("__file__", HERE):
        return HERE
    raise Unknown


#: Expression node type -> how the evaluator reads it (everything else is Unknown).
_EXPRESSIONS: dict[type[ast.expr], Callable[[Evaluator, Any], object]] = {
    ast.Constant: Evaluator._constant,
    ast.List: Evaluator._sequence,
    ast.Tuple: Evaluator._sequence,
    ast.Set: Evaluator._sequence,
    ast.Dict: Evaluator._dict,
    ast.Name: Evaluator._name,
    ast.JoinedStr: Evaluator._joined,
    ast.BinOp: Evaluator._binop,
    ast.Subscript: Evaluator._subscript,
    ast.Attribute: Evaluator._attribute_node,
    ast.Call: Evaluator._call,
}
