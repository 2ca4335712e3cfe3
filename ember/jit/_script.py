"""``ember.jit.script``: check the TorchScript subset, then run the original Python.

NOTE [what script means in ember]
torch compiles a Python subset to its own IR.  ember *is* Python, so ``script`` does
the part of compilation a user can observe: it parses the source (``inspect`` +
``ast``), rejects what torch's frontend rejects with torch's error types and messages
(``ember.jit.frontend``), follows the methods and free functions the code calls, and
scripts submodules recursively.  The returned ``RecursiveScriptModule`` mirrors the
module (shared parameters, copied plain attributes) and runs the original methods
with ``is_scripting()`` True: control flow is preserved, unlike ``trace``.  ember's
own modules (``ember.nn``) are trusted like torch's built-in modules and not re-checked.
``.code`` is the normalized source (``ast.unparse``); ``.graph`` is a structural graph
(statements and control-flow blocks), not a dataflow IR.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import inspect
import threading

from .. import nn
from . import frontend
from ._module import _MODULE_KEYS, ScriptFunction, ScriptModule, qualified_type

__all__ = ["script", "ignore", "unused", "export", "is_scripting", "RecursiveScriptModule",
           "structural_graph"]

_tls = threading.local()


def is_scripting() -> bool:
    """True inside code run by a scripted module or function (``torch.jit.is_scripting``)."""
    return getattr(_tls, "scripting", False)


@contextlib.contextmanager
def _scripting(flag: bool):
    prev = getattr(_tls, "scripting", False)
    _tls.scripting = flag
    try:
        yield
    finally:
        _tls.scripting = prev


# --- modifiers ---------------------------------------------------------------------------

def _modifier(fn) -> str | None:
    return getattr(fn, "_torchscript_modifier", None)


def ignore(drop=False, **kwargs):
    """``@ember.jit.ignore``: leave a function as Python; scripted code calls it as is."""
    if callable(drop):
        drop._torchscript_modifier = "ignore"
        return drop
    if not isinstance(drop, bool):
        raise RuntimeError("Argument to @torch.jit.ignore must be a bool or a function but "
                           f"got {drop}")
    kind = "unused" if drop or kwargs.get("drop_on_export") else "ignore"

    def decorator(fn):
        fn._torchscript_modifier = kind
        return fn
    return decorator


def unused(fn):
    """``@ember.jit.unused``: not compiled; calling it from a scripted module raises."""
    if isinstance(fn, property):
        fn.fget._torchscript_modifier = "unused"
        return fn
    fn._torchscript_modifier = "unused"
    return fn


def export(fn):
    """``@ember.jit.export``: compile this method too, even if ``forward`` does not call it."""
    fn._torchscript_modifier = "export"
    return fn


# --- following the code --------------------------------------------------------------------

def _is_user(obj) -> bool:
    mod = getattr(obj, "__module__", None) or ""
    return not (mod == "ember" or mod.startswith("ember.") or mod == "torch"
                or mod.startswith("torch.") or mod in ("builtins", "math", "typing"))


def _self_refs(fdef: ast.FunctionDef) -> set[str]:
    names = set()
    for node in ast.walk(fdef):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == "self"):
            names.add(node.attr)
    return names


def _called_names(fdef: ast.FunctionDef) -> set[str]:
    return {n.func.id for n in ast.walk(fdef)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def _resolve(fn, name: str):
    g = getattr(fn, "__globals__", {})
    if name in g:
        return g[name]
    code = getattr(fn, "__code__", None)
    if code is not None and fn.__closure__:
        for var, cell in zip(code.co_freevars, fn.__closure__):
            if var == name:
                try:
                    return cell.cell_contents
                except ValueError:
                    return None
    return getattr(builtins, name, None)


def _check_fn(fn, memo: set) -> ast.FunctionDef:
    """Check ``fn`` and, recursively, the user functions it calls by name."""
    fdef = frontend.check_function(fn)
    memo.add(fn)
    for name in _called_names(fdef):
        target = _resolve(fn, name)
        if (inspect.isfunction(target) and target not in memo and _is_user(target)
                and _modifier(target) not in ("ignore", "unused")):
            _check_fn(target, memo)
    return fdef


def _class_functions(cls) -> dict:
    out = {}
    for klass in reversed(cls.__mro__):
        if klass in (object, nn.Module) or not _is_user(klass):
            continue
        for k, v in vars(klass).items():
            out[k] = v
    return out


# --- the scripted module --------------------------------------------------------------------

class RecursiveScriptModule(ScriptModule):
    """A scripted module (``torch.jit.RecursiveScriptModule``): runs the original methods
    on a mirror of the module; only compiled, exported, ignored and unused methods exist."""

    def forward(self, *args, **kwargs):
        cls = self.__dict__["_jit_cls"]
        fn = cls.forward
        if _modifier(fn) in ("ignore", "unused") and cls.forward is not nn.Module.forward:
            return _wrap_method(self, fn)(*args, **kwargs)
        with _scripting(True):
            return fn(self, *args, **kwargs)

    def __getattr__(self, name: str):
        try:
            return nn.Module.__getattr__(self, name)
        except AttributeError:
            pass
        d = self.__dict__
        cls = d.get("_jit_cls")
        allowed = d.get("_jit_methods")
        if cls is not None and (allowed is None or name in allowed):
            try:
                attr = inspect.getattr_static(cls, name)
            except AttributeError:
                attr = None
            if isinstance(attr, property):
                if _modifier(attr.fget) == "unused":
                    raise RuntimeError(f"Cannot call @unused methods ({name})")
                with _scripting(True):
                    return attr.fget(self)
            if inspect.isfunction(attr):
                return _wrap_method(self, attr)
            if isinstance(attr, (staticmethod, classmethod)):
                return getattr(cls, name)
            if attr is not None and not name.startswith("__"):
                return attr
        raise AttributeError(f"'RecursiveScriptModule' object has no attribute '{name}'")

    @property
    def graph(self):
        return structural_graph(self.__dict__["_jit_cls"].forward,
                                qualified_type(self.__dict__["_jit_cls"]))

    @property
    def code(self) -> str:
        cls = self.__dict__["_jit_cls"]
        names = self.__dict__.get("_jit_compiled") or ["forward"]
        parts = []
        for n in names:
            fn = getattr(cls, n)
            try:
                fdef, _ = frontend.get_def(fn)
            except OSError:
                continue
            fdef.decorator_list = []
            parts.append(ast.unparse(fdef))
        return "\n\n".join(parts) + "\n"

    def save(self, f, _extra_files=None) -> None:
        from ._serialize import save
        save(self, f, _extra_files=_extra_files)


def _wrap_method(owner, fn):
    kind = _modifier(fn)
    if kind == "unused":
        def unused_fn(*args, **kwargs):
            # from scripted code it is a stub that raises; from Python the method runs
            if is_scripting():
                raise RuntimeError("Cannot call @unused methods")
            return fn(owner, *args, **kwargs)
        return unused_fn
    if kind == "ignore":
        def ignored(*args, **kwargs):
            with _scripting(False):
                return fn(owner, *args, **kwargs)
        return ignored

    def compiled(*args, **kwargs):
        with _scripting(True):
            return fn(owner, *args, **kwargs)
    compiled.__name__ = fn.__name__
    return compiled


_SHELL_TYPES: dict[type, type] = {}
_DUNDERS = ("__iter__", "__len__", "__getitem__", "__contains__", "__bool__")
_KEEP_OURS = {"forward", "__init__", "__dict__", "__weakref__", "__module__", "__doc__",
              "__qualname__", "extra_repr", "__repr__", "_get_name", "__getattr__",
              "__setattr__", "__delattr__", "__setstate__", "__getstate__", "__annotations__",
              "__constants__", "graph", "code", "save", "__slotnames__"}


class _Method:
    """A compiled/ignored/unused user method on a shell type (so that a user method named
    like an ``nn.Module`` method, e.g. ``double``, wins as it does in torch)."""

    def __init__(self, fn) -> None:
        self.fn = fn

    def __get__(self, obj, owner=None):
        if obj is None:
            return self.fn
        return _wrap_method(obj, self.fn)


def _shell_type(cls, exposed=None) -> type:
    """The ``RecursiveScriptModule`` subclass for scripted ``cls`` modules.

    Python looks special methods (``__iter__``, ``__len__``...) up on the type, so
    ``__getattr__`` cannot supply them: the container dunders of ``cls`` are copied onto
    a subclass.  For ember's own modules every class attribute is (their ``forward``
    may use ``type(self)._fn``); user classes expose only what ``script`` compiled."""
    t = _SHELL_TYPES.get(cls)
    if t is None:
        ns: dict = {}
        user = _is_user(cls)
        for klass in reversed(cls.__mro__):
            if klass is nn.Module or klass is object or klass is ScriptModule:
                continue
            for name, v in vars(klass).items():
                if name in _DUNDERS or (not user and name not in _KEEP_OURS):
                    ns[name] = v
                elif user and exposed and name in exposed and name != "forward" \
                        and inspect.isfunction(v):
                    ns[name] = _Method(v)
        t = type("RecursiveScriptModule", (RecursiveScriptModule,), ns) if ns else \
            RecursiveScriptModule
        _SHELL_TYPES[cls] = t
    return t


def _compile_plan(cls) -> tuple[set, list]:
    """(methods the scripted module exposes, compiled method names) for a user class."""
    funcs = _class_functions(cls)
    work = ["forward"] + [k for k, v in funcs.items()
                          if inspect.isfunction(v) and _modifier(v) == "export"]
    exposed: set = set()
    compiled: list = []
    memo: set = set()
    while work:
        name = work.pop(0)
        if name in exposed:
            continue
        exposed.add(name)
        fn = funcs.get(name)
        if isinstance(fn, property):
            if _modifier(fn.fget) in ("ignore", "unused"):
                continue
            fn = fn.fget
        if not inspect.isfunction(fn) or _modifier(fn) in ("ignore", "unused"):
            continue
        fdef = _check_fn(fn, memo)
        compiled.append(name)
        for ref in _self_refs(fdef):
            if ref in funcs and ref not in exposed:
                work.append(ref)
    return exposed, compiled


def _script_module(mod: nn.Module, memo: dict):
    if id(mod) in memo:
        return memo[id(mod)]
    if isinstance(mod, ScriptModule):
        return mod
    cls = type(mod)
    if _is_user(cls):
        if cls.forward is nn.Module.forward and not any(
                _modifier(v) == "export" for v in _class_functions(cls).values()
                if inspect.isfunction(v)):
            raise RuntimeError(f"No forward method was defined on {cls.__name__}")
        exposed, compiled = _compile_plan(cls)
    else:
        exposed, compiled = None, ["forward"]
    shell = object.__new__(_shell_type(cls, exposed))
    nn.Module.__init__(shell)
    memo[id(mod)] = shell
    d = shell.__dict__
    for k, v in mod.__dict__.items():
        if k not in _MODULE_KEYS:
            d[k] = v
    d["training"] = mod.training
    d["_parameters"] = dict(mod._parameters)
    d["_buffers"] = dict(mod._buffers)
    d["_non_persistent_buffers_set"] = set(mod._non_persistent_buffers_set)
    d["original_name"] = cls.__name__
    d["_jit_cls"] = cls
    d["_jit_methods"] = exposed
    d["_jit_compiled"] = compiled
    d["_jit_orig"] = mod
    for name, child in mod._modules.items():
        d["_modules"][name] = None if child is None else _script_module(child, memo)
    return shell


def script(obj, optimize=None, _frames_up: int = 0, _rcb=None, example_inputs=None):
    """Script a module or function (``torch.jit.script``).

    Checks the source against the TorchScript subset (raising torch's
    ``NotSupportedError`` / ``UnsupportedNodeError`` for what torch rejects) and returns a
    ``RecursiveScriptModule`` / ``ScriptFunction`` that runs the original Python with
    control flow intact (NOTE [what script means in ember]).

    Example::

        >>> scripted = ember.jit.script(model)
        >>> print(scripted.code)
    """
    if isinstance(obj, (ScriptModule, ScriptFunction)):
        return obj
    if isinstance(obj, nn.Module):
        return _script_module(obj, {})
    if inspect.isclass(obj):
        raise RuntimeError(f"ember.jit.script: scripting a class ({obj.__name__}) is not "
                           "supported; script an nn.Module instance or a function")
    if inspect.isfunction(obj) or inspect.ismethod(obj):
        if _modifier(obj) in ("ignore", "unused"):
            return obj
        fdef = _check_fn(obj, set())
        fdef.decorator_list = []
        return ScriptFunction(obj, None, obj.__name__, code=ast.unparse(fdef) + "\n",
                              scripted=True)
    if isinstance(obj, (dict, list, tuple)):
        return obj
    raise RuntimeError(f"ember.jit.script: cannot script an object of type "
                       f"{type(obj).__name__}")


# --- the structural graph ------------------------------------------------------------------

class StructuralGraph:
    """``.graph`` of scripted code: the function's statements as nodes, control flow as
    nested blocks (ember runs the Python, so there is no dataflow IR to show)."""

    def __init__(self, header: str, lines: list[str], kinds: list[str]) -> None:
        self._header, self._lines, self._kinds = header, lines, kinds

    def nodes(self) -> list[str]:
        return list(self._kinds)

    def __str__(self) -> str:
        return self._header + "\n" + "\n".join(self._lines) + "\n"

    __repr__ = __str__


def _lower(stmts, depth: int, lines: list, kinds: list) -> None:
    pad = "  " * depth
    for s in stmts:
        if isinstance(s, ast.If):
            kinds.append("prim::If")
            lines.append(f"{pad}prim::If({ast.unparse(s.test)})")
            lines.append(f"{pad}  block0():")
            _lower(s.body, depth + 2, lines, kinds)
            lines.append(f"{pad}  block1():")
            _lower(s.orelse, depth + 2, lines, kinds)
        elif isinstance(s, (ast.For, ast.While)):
            kinds.append("prim::Loop")
            head = (f"for {ast.unparse(s.target)} in {ast.unparse(s.iter)}"
                    if isinstance(s, ast.For) else f"while {ast.unparse(s.test)}")
            lines.append(f"{pad}prim::Loop({head})")
            lines.append(f"{pad}  block0():")
            _lower(s.body, depth + 2, lines, kinds)
        elif isinstance(s, ast.Return):
            kinds.append("prim::Return")
            lines.append(f"{pad}return ({ast.unparse(s.value) if s.value else ''})")
        elif isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant):
            continue
        else:
            kinds.append("prim::Stmt")
            lines.append(f"{pad}{ast.unparse(s)}")


def structural_graph(fn, self_type: str | None) -> StructuralGraph:
    fdef, _ = frontend.get_def(fn)
    params = []
    for i, a in enumerate(fdef.args.args):
        if i == 0 and self_type is not None:
            params.append(f"%{a.arg} : {self_type}")
        else:
            ann = ast.unparse(a.annotation) if a.annotation is not None else "Tensor"
            params.append(f"%{a.arg} : {ann}")
    header = "graph(" + ",\n      ".join(params) + "):"
    lines: list = []
    kinds: list = []
    _lower(fdef.body, 1, lines, kinds)
    return StructuralGraph(header, lines, kinds)
