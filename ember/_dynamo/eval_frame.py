"""``ember.compile``: capture a function or module once per input signature, replay it.

NOTE [how compile works]
``compile(fn)`` returns a function that, per call, builds a *guard key* from everything
the captured graph depends on: each tensor argument's shape, dtype, device and
``requires_grad`` (and which arguments are the same tensor), every non-tensor argument's
value (ints, floats, strings, ...), grad mode, the globals and closure variables the
function's code names (scalars by value, other objects by identity), and for a module
every submodule's attributes (``training`` included) and every parameter's and buffer's
shape and dtype.  The first call
with a new key *captures*: it runs the function eagerly (that run's result is returned)
under ``ember.jit``'s tracer (NOTE [how tracing works]), which records every dispatched op
into a graph.  Later calls with the same key replay the graph (NOTE [fast replay]): no
Module calls, hooks or Python ``forward`` code, and under ``no_grad`` each op's array
kernel directly; with grad on, the replay goes through the dispatcher, so autograd
records it as eager code.  Parameters and buffers are read from the live module at every
replay; tensors that existed before the capture (globals, closures) are kept by
reference, so in-place updates to them (optimizer steps, running statistics) are seen and
writes into them are replayed; tensors made inside the function (``ember.zeros``) are
constants of the graph.

A capture that the graph cannot represent is a *graph break*: the key is then marked
eager and every call with it runs the Python function (``fullgraph=True`` raises
``Unsupported`` instead).  A capture breaks when the function
- converts a tensor to a Python value (``.item()``, ``bool(t)``, ``.tolist()``, ``.numpy()``):
  data-dependent control flow;
- draws random numbers outside a recorded op (``ember.randn``, ``ember.randperm``, ...);
  random ops that are recorded (dropout, ``uniform_``/``normal_`` & co.) draw anew at each
  replay;
- writes to ``sys.stdout``/``sys.stderr`` (``print``), rebinds a global or closure variable
  the function names, changes a module attribute (or the length of a list/dict attribute);
- returns something other than (nested tuples/lists/dicts of) tensors;
- calls a function wrapped in ``ember.compiler.disable``.
Calls run eagerly without capturing when a module in the tree has forward/backward hooks
(their Python side effects would be lost at replay), when autocast is enabled, when an
argument is not a tensor, container or immutable scalar, or while ``ember.jit.trace`` is
recording (the outer trace records the real ops).  After ``config.recompile_limit`` keys
(default 8, as torch) new keys run eagerly.

What this cannot see, unlike torch's bytecode-level capture: side effects other than the
ones listed above (mutating a global container in place, logging through a handler that
holds its own stream) happen only during the capture run.
"""

from __future__ import annotations

import functools
import gc
import logging
import sys
import weakref

from .. import nn
from .._tensor import Tensor
from ..amp.autocast_mode import _State as _AutocastState
from ..autograd.grad_mode import _Mode
from ..device import device as _device
from ..dtypes import dtype as _dtype
from ..jit import _ir
from ..jit import _trace as _jt
from ..nn.modules import module as _M
from . import config, exc

__all__ = ["compile", "OptimizedModule", "reset", "list_backends", "disable", "is_compiling"]

log = logging.getLogger("ember._dynamo")

_CAPTURE_BACKENDS = ("inductor",)
_EAGER_BACKENDS = ("eager", "aot_eager")
_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")
_compiled: weakref.WeakSet = weakref.WeakSet()
_SCALARS = (int, float, bool, str, complex, type(None), type(Ellipsis))


def list_backends(exclude_tags=("debug", "experimental")) -> list:
    """The backend names ``ember.compile`` accepts (``exclude_tags=None``: the debug ones
    ``eager`` and ``aot_eager`` too)."""
    return sorted(_CAPTURE_BACKENDS + (() if exclude_tags else _EAGER_BACKENDS))


class _Capturing:
    state = None   # the _CompileState of the capture in progress


def is_compiling() -> bool:
    """True while ``ember.compile`` captures a graph (the code runs to be recorded)."""
    return _Capturing.state is not None


def _break(reason: str) -> None:
    st = _Capturing.state
    if st is not None:
        st.breaks.append(reason)


def disable(fn=None, recursive=True, *, reason=None):
    """``fn`` always runs as Python: a compiled function that calls it is not captured."""
    if fn is None:
        return functools.partial(disable, recursive=recursive, reason=reason)

    @functools.wraps(fn)
    def run(*args, **kwargs):
        _break(f"call to {getattr(fn, '__qualname__', fn)!s}, marked "
               "ember.compiler.disable" + (f" ({reason})" if reason else ""))
        return fn(*args, **kwargs)
    run._ember_compile_disabled = True
    return run


def reset() -> None:
    """Drop every captured graph (each compiled function captures again on its next call)."""
    for c in list(_compiled):
        c.cache.clear()
        c.warned = False


# --- capture ---------------------------------------------------------------------------

def _tensor_classes() -> set:
    out, todo = set(), [Tensor]
    while todo:
        c = todo.pop()
        if c not in out:
            out.add(c)
            todo.extend(c.__subclasses__())
    return out


class _CompileState(_jt._TraceState):
    """The tracer's state, with compile's rules: graph breaks are collected instead of
    warned about, and tensors that existed before the capture are referenced live."""

    def __init__(self, module) -> None:
        super().__init__(module, strict=False)
        self.breaks: list[str] = []
        classes = _tensor_classes()
        # every tensor alive now; holding them keeps their ids unique during the capture
        self.existing = {id(o): o for o in gc.get_objects() if type(o) in classes}

    def convert_hook(self, t: Tensor, name: str) -> None:
        if not self.depth:
            self.breaks.append(f"Tensor.{name.strip('_')}(): a tensor converted to "
                               f"{_jt._CONV_WHAT[name]}")

    def draw(self) -> None:
        if not self.depth:
            self.breaks.append("a random draw outside a recorded op (e.g. ember.randn)")

    def ref(self, t: Tensor) -> _ir.Value:
        i = id(t)
        if (i in self.producer or id(t._data) in self.by_array or i in self.attrs
                or i not in self.existing):
            if t._requires_grad and i not in self.existing and i not in self.producer \
                    and id(t._data) not in self.by_array and i not in self.attrs:
                self.breaks.append("a tensor that requires grad made inside the function "
                                   "by a creation function")
                return self._live(t)
            return super().ref(t)
        return self._live(t)

    def _live(self, t: Tensor) -> _ir.Value:
        v = self.graph.new_value(None, meta=_jt._meta(t))
        self.add(_ir.Node("prim::Constant", outputs=[v], attr=t))
        self.visible.add(v.id)       # writes into it are replayed (as aten::copy_)
        self.bind(t, v)
        return v

    def _snapshot_const(self, dst: Tensor) -> None:
        root = dst if dst._base is None else dst._base
        if id(root) not in self.existing:
            super()._snapshot_const(dst)

    def _fresh_root(self, base: Tensor) -> None:
        if id(base) in self.existing:
            self.ref(base)
        else:
            super()._fresh_root(base)


class _Tee:
    """``sys.stdout``/``sys.stderr`` during a capture: writes pass through and break it."""

    def __init__(self, stream, st: _CompileState) -> None:
        self._stream, self._st = stream, st

    def write(self, s):
        if s:
            self._st.breaks.append("output written to sys.stdout/sys.stderr (print)")
        return self._stream.write(s)

    def __getattr__(self, name):
        return getattr(self._stream, name)


_MODULE_SLOTS = frozenset({"_parameters", "_buffers", "_modules", "_non_persistent_buffers_set"})


def _val(v):
    if v.__class__ in _SCALARS:
        return v
    if isinstance(v, (list, dict, set)):
        return (id(v), len(v))
    return id(v)


def _module_attrs(mods) -> list:
    items = []
    for m in mods:
        for k, v in m.__dict__.items():
            if k not in _MODULE_SLOTS and not k.endswith("hooks"):
                items.append((id(m), k, _val(v)))
    return items


def _code_of(fn, module):
    """(globals, names the code reads, closure cells) of ``fn`` (a module: its forward)."""
    f = type(module).forward if module is not None and fn is module else \
        getattr(fn, "__func__", fn)
    code = getattr(f, "__code__", None)
    if code is None:
        return {}, (), ()
    g = getattr(f, "__globals__", {})
    return g, tuple(n for n in code.co_names if n in g), getattr(f, "__closure__", None) or ()


def _fn_state(code_info) -> tuple:
    g, names, cells = code_info
    out = [_val(g.get(n)) for n in names]
    for c in cells:
        try:
            out.append(_val(c.cell_contents))
        except ValueError:       # an empty cell
            out.append(None)
    return tuple(out)


def _snapshot(module, fn) -> tuple:
    """What a capture must not change: module attributes, and the globals and closure
    variables the function's code names."""
    mods = () if module is None else list(module.modules())
    return tuple(_module_attrs(mods)), _fn_state(_code_of(fn, module))


def _capture(fn, module, args, kwargs, flat):
    """Run ``fn(*args, **kwargs)`` eagerly under the tracer: (graph, breaks, result)."""
    st = _CompileState(module)
    g = st.graph
    for i, t in enumerate(flat):
        v = g.new_value(f"arg{i}", meta=_jt._meta(t))
        g.input_values.append(v)
        st.bind(t, v)
        st.visible.add(v.id)
    before = _snapshot(module, fn)
    with _jt._lock:
        prev_out, prev_err = sys.stdout, sys.stderr
        try:
            sys.stdout, sys.stderr = _Tee(prev_out, st), _Tee(prev_err, st)
            _Capturing.state = st
            with _jt._Installed(st):
                out = fn(*args, **kwargs)
                try:
                    g.out_struct = _jt._out_struct(st, out)
                except RuntimeError:
                    st.breaks.append("an output that is not a tensor or a (nested) "
                                     "tuple/list/dict of tensors")
        finally:
            _Capturing.state = None
            sys.stdout, sys.stderr = prev_out, prev_err
    if _snapshot(module, fn) != before:
        st.breaks.append("a change to a module attribute or to a global/closure variable")
    st.existing = None
    return g, st.breaks, out


# --- guards ----------------------------------------------------------------------------

class _Unguardable(Exception):
    pass


def _flatten(obj, flat: list, seen: dict):
    """A hashable description of ``obj`` for the guard key; tensors go to ``flat``."""
    if isinstance(obj, Tensor):
        first = seen.setdefault(id(obj), len(flat))
        flat.append(obj)
        return (obj._data.shape, obj._dtype, obj._requires_grad, obj._device,
                first if first != len(flat) - 1 else -1)
    c = obj.__class__
    if c in _SCALARS:
        return (c, obj)
    if c is tuple or c is list:
        return (c, tuple(_flatten(o, flat, seen) for o in obj))
    if c is dict:
        return (c, tuple((k, _flatten(v, flat, seen)) for k, v in obj.items()))
    if isinstance(obj, tuple):                      # a namedtuple
        return (c, tuple(_flatten(o, flat, seen) for o in obj))
    if c is _dtype or c is _device:
        return (c, obj)
    raise _Unguardable


class _ModuleState:
    """The part of the guard key a module tree contributes.  The tree, its attributes and
    the list of its parameters and buffers are re-read only when some Module attribute was
    assigned since (``module.attr_changes``); hooks and the tensors' shapes and dtypes are
    checked at every call."""

    def __init__(self, module) -> None:
        self.module, self.version = module, -1

    def key(self):
        if _M.attr_changes[0] != self.version:
            self.version = _M.attr_changes[0]
            self.mods = list(self.module.modules())
            self.tensors = [t for m in self.mods for d in (m._parameters, m._buffers)
                            for t in d.values()]
            self.attrs = tuple(_module_attrs(self.mods))
        for m in self.mods:
            if m._forward_hooks or m._forward_pre_hooks or m._backward_hooks \
                    or m._backward_pre_hooks:
                return None
        return self.attrs, tuple(None if t is None else (t._data.shape, t._dtype)
                                 for t in self.tensors)


def _global_hooks() -> bool:
    return bool(_M._global_forward_hooks or _M._global_forward_pre_hooks
                or _M._global_backward_hooks or _M._global_backward_pre_hooks)


# --- the compiled callable -------------------------------------------------------------

_EAGER = "eager"


class _Compiled:
    """The per-function state: the graph cache keyed by guard key."""

    def __init__(self, fn, module, fullgraph: bool, capture: bool) -> None:
        self.fn, self.module, self.fullgraph, self.capture = fn, module, fullgraph, capture
        self.cache: dict = {}
        self.warned = False
        self.limit = None           # compile(recompile_limit=...); None: the config's
        self.mstate = None if module is None else _ModuleState(module)
        self.code = _code_of(fn, module)
        _compiled.add(self)

    def __call__(self, *args, **kwargs):
        fn = self.fn
        if not self.capture or _Capturing.state is not None \
                or _jt._Active.state is not None or any(_AutocastState.enabled.values()):
            return fn(*args, **kwargs)
        module = self.module
        flat: list = []
        try:
            key = (_flatten(args, flat, {}), _flatten(kwargs, flat, {}) if kwargs else None,
                   _Mode.grad_enabled, _Mode.inference)
        except _Unguardable:
            return self._eager("an argument that is not a tensor, a container or an "
                               "immutable scalar", args, kwargs)
        if module is not None:
            mk = self.mstate.key()
            if mk is None or _global_hooks():
                return self._eager("a module with hooks", args, kwargs)
            key = key + mk
        key = key + _fn_state(self.code)
        entry = self.cache.get(key)
        if entry is None:
            if len(self.cache) >= self._max():
                return self._limit(args, kwargs)
            g, breaks, out = _capture(fn, module, args, kwargs, flat)
            if breaks:
                self.cache[key] = _EAGER
                if self.fullgraph:
                    raise exc.Unsupported(
                        f"ember.compile(fullgraph=True): {self._name()} cannot be captured "
                        f"as one graph: {breaks[0]}")
                log.debug("graph break in %s: %s", self._name(), breaks[0])
            else:
                self.cache[key] = g
            return out
        if entry is _EAGER:
            return fn(*args, **kwargs)
        return _ir.run_graph(entry, module, flat)

    def _max(self) -> int:
        if self.limit is not None:
            return self.limit
        # torch's older name, cache_size_limit, counts when it is the one changed
        return (config.cache_size_limit if config.recompile_limit == 8
                else config.recompile_limit)

    def _name(self) -> str:
        f = self.module if self.module is not None and self.fn is self.module else self.fn
        return getattr(f, "__qualname__", None) or type(f).__name__

    def _eager(self, reason, args, kwargs):
        if self.fullgraph:
            raise exc.Unsupported(f"ember.compile(fullgraph=True): {self._name()} cannot be "
                                  f"captured: {reason}")
        return self.fn(*args, **kwargs)

    def _limit(self, args, kwargs):
        if self.fullgraph:
            raise exc.FailOnRecompileLimitHit(
                f"ember.compile(fullgraph=True): {self._name()} hit config.recompile_limit "
                f"({self._max()})")
        if not self.warned:
            self.warned = True
            log.warning("ember._dynamo hit config.recompile_limit (%s)\n   function: %s\n"
                        "New input signatures run eagerly.", self._max(),
                        self._name())
        return self.fn(*args, **kwargs)


class OptimizedModule(nn.Module):
    """What ``ember.compile(module)`` returns: the module (``_orig_mod``, so state-dict keys
    start with ``_orig_mod.``, as torch) with a compiled ``forward``; other attributes are
    read from the original module."""

    def __init__(self, mod: nn.Module, compiled: _Compiled) -> None:
        super().__init__()
        self._orig_mod = mod
        self.__dict__["_compiled_call"] = compiled
        self.training = mod.training

    def forward(self, *args, **kwargs):
        return self.__dict__["_compiled_call"](*args, **kwargs)

    def __getattr__(self, name):
        if name == "_orig_mod":
            return self._modules["_orig_mod"]
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self._modules["_orig_mod"], name)

    def __len__(self) -> int:
        return len(self._orig_mod)


def compile(model=None, *, fullgraph: bool = False, dynamic=None, backend="inductor",
            mode=None, options=None, name=None, disable: bool = False,
            recompile_limit=None, isolate_recompiles: bool = False, shapes_spec=None):
    """``torch.compile``: a module or function that captures its graph per input signature
    and replays it (NOTE [how compile works]).

    Args:
        model: a function or ``nn.Module`` (``None``: returns a decorator).
        fullgraph: raise ``ember._dynamo.exc.Unsupported`` where the function cannot be one
            graph, instead of running it eagerly.
        backend: ``"inductor"`` (default: capture and replay), or ``"eager"`` /
            ``"aot_eager"`` (run the Python function).
        mode, options: validated as torch's and otherwise accepted (ember has no code
            generator to tune); ``dynamic``: accepted (shapes are always guarded exactly).
        disable: return ``model`` unchanged.

    Example::

        >>> model = ember.compile(model)
        >>> loss = criterion(model(x), y)       # first call captures, later calls replay
    """
    if model is None:
        def deco(m):
            if m is None:
                raise RuntimeError("Model can't be None")
            return compile(m, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                           mode=mode, options=options, name=name, disable=disable,
                           recompile_limit=recompile_limit,
                           isolate_recompiles=isolate_recompiles, shapes_spec=shapes_spec)
        return deco
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be "
                           "specified at the same time.")
    if backend is None:
        backend = "inductor"
    if callable(backend) and not isinstance(backend, str):
        raise NotImplementedError(
            "ember.compile: a callable backend gets torch.fx graphs in torch; ember has no "
            f"torch.fx. Use one of {list_backends(None)}")
    if backend not in _CAPTURE_BACKENDS + _EAGER_BACKENDS:
        raise exc.InvalidBackend(backend)
    if backend == "inductor" and mode is not None and mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(_MODES)}")
    if not callable(model):
        raise RuntimeError(f"ember.compile expects a function or an nn.Module, got "
                           f"{type(model).__name__}")
    if disable:
        return model
    capture = backend in _CAPTURE_BACKENDS
    if isinstance(model, nn.Module):
        c = _Compiled(model, model, fullgraph, capture)
        c.limit = recompile_limit
        return OptimizedModule(model, c)
    owner = getattr(model, "__self__", None)
    module = owner if isinstance(owner, nn.Module) else None
    c = _Compiled(model, module, fullgraph, capture)
    c.limit = recompile_limit

    @functools.wraps(model)
    def compiled(*args, **kwargs):
        return c(*args, **kwargs)
    compiled._torchdynamo_orig_callable = model
    compiled._ember_compiled = c
    return compiled
