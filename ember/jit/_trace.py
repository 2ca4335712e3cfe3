"""``ember.jit.trace``: record one run through the dispatch point as a graph.

NOTE [how tracing works]
``trace`` installs a dispatch hook (``ember.ops.registry.push_hook``) and runs the
function once.  Each op called at the top level (not from inside another op's hook
chain) becomes a node; its tensor arguments are looked up as graph inputs, earlier
node outputs, module attributes (``prim::GetAttr`` by path) or, failing all three,
constants.  For the length of the trace only, the tracer also fills the core's other
extension points (NOTE [hook API] in ``ember/ops/registry.py``); nothing is
monkeypatched:

- ``TensorHooks.size``: ``Tensor.size()`` / ``.shape`` return ``TracedInt``s (ints that
  remember where they came from), so sizes used as op arguments are recorded as
  ``aten::size`` (torch's dynamic batch dimension in ``x.view(x.size(0), -1)``);
- ``TensorHooks.convert``: ``item() / bool() / int() / float() / tolist() / numpy()``
  warn with ``TracerWarning`` (the value becomes a constant, control flow is frozen), as
  torch;
- ``registry.set_write_hook``: an in-place write (``x.add_(y)``, ``copy_``, setitem)
  rebinds ``x`` to the node's output; writes to inputs or attributes are kept as
  ``aten::copy_``, and so are writes to views, which at replay write through to the
  replayed base (a constant base is first cloned, so replays do not accumulate);
- ``ShapeHooks.size_args`` keeps ``TracedInt``s in ``view``/``reshape``/``expand`` sizes
  and ``ShapeHooks.reshape`` keeps ``-1`` and traced sizes in the recorded shape of
  ``reshape``/``flatten`` instead of resolving them to the traced numbers;
- dropout draws its mask inside the ``dropout`` op, so it is recorded as one
  ``aten::dropout`` node that draws a fresh mask on every run.

The hooks are installed and removed (in a ``finally``) around the traced call; tracing is
global (one trace at a time per process), as the dispatch hooks are.
"""

from __future__ import annotations

import difflib
import inspect
import threading
import warnings

import numpy as np

from .. import nn
from .._tensor import Size, Tensor, _wrap_dim
from ..ops import registry as _reg
from ..random import RandomHooks
from . import _ir
from ._module import ScriptFunction, TracedModule, make_shell, qualified_type
from ._passes import _is_random

__all__ = ["trace", "trace_module", "is_tracing", "TracerWarning", "TracingCheckError"]


class TracerWarning(Warning):
    """A construct that tracing cannot record faithfully (``torch.jit.TracerWarning``)."""

    @staticmethod
    def ignore_lib_warnings() -> None:
        warnings.filterwarnings("ignore", category=TracerWarning, module="ember(?!\\.jit)")


class TracingCheckError(Exception):
    """``check_trace`` found that a second trace differs (``torch.jit.TracingCheckError``)."""

    def __init__(self, graph_diff_error, tensor_compare_error, extra_msg=None) -> None:
        self.message = "Tracing failed sanity checks!\n"
        if extra_msg is not None:
            self.message += extra_msg + "\n"
        if graph_diff_error is not None:
            self.message += "ERROR: Graphs differed across invocations!\n"
            self.message += "\n".join("\t" + ln for ln in graph_diff_error.split("\n")) + "\n"
        if tensor_compare_error is not None:
            self.message += tensor_compare_error
        super().__init__(self.message)


_lock = threading.RLock()


class _Active:
    state = None


def is_tracing() -> bool:
    """True while ``ember.jit.trace`` records (``torch.jit.is_tracing``)."""
    st = _Active.state
    return st is not None and st.depth == 0


# --- traced sizes ------------------------------------------------------------------------

class TracedInt(int):
    """An int read from a tensor's shape while tracing; arithmetic on it is recorded."""

    def __new__(cls, value: int, src):
        obj = int.__new__(cls, value)
        obj.src = src
        return obj

    def _op(self, name, fn, other, swap=False):
        if other.__class__ is bool or not isinstance(other, int):
            return fn(int(self), other) if not swap else fn(other, int(self))
        a, b = (other, self) if swap else (self, other)
        return TracedInt(fn(int(a), int(b)), ("op", name, a, b))

    def __add__(self, o):
        return self._op("add", int.__add__, o)

    def __radd__(self, o):
        return self._op("add", int.__add__, o, True)

    def __sub__(self, o):
        return self._op("sub", int.__sub__, o)

    def __rsub__(self, o):
        return self._op("sub", int.__sub__, o, True)

    def __mul__(self, o):
        return self._op("mul", int.__mul__, o)

    def __rmul__(self, o):
        return self._op("mul", int.__mul__, o, True)

    def __floordiv__(self, o):
        return self._op("floordiv", int.__floordiv__, o)

    def __rfloordiv__(self, o):
        return self._op("floordiv", int.__floordiv__, o, True)

    def __mod__(self, o):
        return self._op("mod", int.__mod__, o)

    def __neg__(self):
        return TracedInt(-int(self), ("op", "neg", self))

    def __reduce__(self):
        return (int, (int(self),))


def _strip(obj):
    c = obj.__class__
    if c is TracedInt:
        return int(obj)
    if c is tuple or c is Size:
        return c(_strip(o) for o in obj)
    if c is list:
        return [_strip(o) for o in obj]
    if c is dict:
        return {k: _strip(v) for k, v in obj.items()}
    return obj


# --- the recorder ------------------------------------------------------------------------

def _meta(t: Tensor):
    return (tuple(t._data.shape), t._dtype, bool(t._requires_grad), str(t._device))


class _TraceState:
    def __init__(self, module, strict: bool) -> None:
        self.graph = _ir.Graph()
        self.module = module
        self.strict = strict
        self.producer: dict[int, _ir.Value] = {}
        self.by_array: dict[int, _ir.Value] = {}
        self.keep: list = []
        self.depth = 0
        self.saw_int = False
        self.int_memo: dict[int, _ir.Value] = {}
        self.visible: set[int] = set()       # value ids of inputs and attributes
        self.nondet: list[_ir.Node] = []
        self.warned_draw = False
        self.attrs: dict[int, str] = {}
        self.arr_attrs: dict[int, Tensor] = {}
        if module is not None:
            for path, t in list(module.named_parameters()) + list(module.named_buffers()):
                if t is None:
                    continue
                self.attrs.setdefault(id(t), path)
                self.arr_attrs.setdefault(id(t._data), t)

    def bind(self, t: Tensor, v: _ir.Value) -> None:
        self.producer[id(t)] = v
        self.by_array[id(t._data)] = v
        self.keep.append(t)

    def add(self, node: _ir.Node) -> _ir.Node:
        self.graph.node_list.append(node)
        return node

    def ref(self, t: Tensor) -> _ir.Value:
        v = self.producer.get(id(t))
        if v is not None:
            return v
        v = self.by_array.get(id(t._data))
        if v is not None:          # detach(), an alias sharing the traced value's array
            self.producer[id(t)] = v
            self.keep.append(t)
            return v
        g = self.graph
        path = self.attrs.get(id(t))
        if path is not None:
            v = g.new_value(path, meta=_meta(t))
            self.add(_ir.Node("prim::GetAttr", outputs=[v], attr=path))
            self.visible.add(v.id)
        else:
            if t._requires_grad:
                raise RuntimeError(
                    "Cannot insert a Tensor that requires grad as a constant. Consider "
                    "making it a parameter or input, or detaching the gradient\n"
                    f"Tensor:\n{t!r}")
            v = g.new_value(None, meta=_meta(t))
            self.add(_ir.Node("prim::Constant", outputs=[v], attr=t.detach()))
        self.bind(t, v)
        return v

    def arr_ref(self, a: np.ndarray):
        v = self.by_array.get(id(a))
        if v is not None:
            return _ir.ArrayRef(v)
        t = self.arr_attrs.get(id(a))
        if t is not None:
            return _ir.ArrayRef(self.ref(t))
        return a

    def int_ref(self, ti: TracedInt) -> _ir.Value:
        v = self.int_memo.get(id(ti))
        if v is not None:
            return v
        g = self.graph
        src = ti.src
        v = g.new_value(None, "int")
        if src[0] == "size":
            node = _ir.Node("aten::size", args=[self.ref(src[1])], outputs=[v], attr=src[2])
        else:
            ops = [self.conv(o) for o in src[2:]]
            node = _ir.Node(f"aten::{src[1]}", args=ops, outputs=[v], attr=src[1])
        self.add(node)
        self.int_memo[id(ti)] = v
        self.keep.append(ti)
        return v

    def conv(self, obj):
        c = obj.__class__
        if c is TracedInt:
            self.saw_int = True
            return self.int_ref(obj)
        if isinstance(obj, Tensor):
            return self.ref(obj)
        if c is np.ndarray:
            return self.arr_ref(obj)
        if c is tuple or c is Size:
            return tuple(self.conv(o) for o in obj)
        if c is list:
            return [self.conv(o) for o in obj]
        if c is dict:
            return {k: self.conv(v) for k, v in obj.items()}
        return obj

    def record(self, kind, cls, args, params, out, attr=None) -> _ir.Node:
        g = self.graph
        if isinstance(out, tuple):
            outs = [g.new_value(None, meta=_meta(o)) for o in out]
            multi = True
        else:
            outs = [g.new_value(None, meta=_meta(out))]
            multi = False
        node = self.add(_ir.Node(kind, cls, args, params, outs, multi, attr))
        for o, v in zip(out if multi else (out,), outs):
            self.bind(o, v)
        return node

    # the dispatch hook
    def hook(self, cls, args, params, call_next):
        if self.depth:
            return call_next(cls, args, params)
        self.saw_int = False
        a_refs = [self.conv(a) for a in args]
        p_refs = {k: self.conv(v) for k, v in params.items()}
        if self.saw_int:
            args = tuple(_strip(a) for a in args)
            params = {k: _strip(v) for k, v in params.items()}
        self.depth += 1
        try:
            out = call_next(cls, args, params)
        finally:
            self.depth -= 1
        name = cls.op_name or cls.__name__
        node = self.record("aten::" + name, cls, a_refs, p_refs, out)
        if _is_random(node):
            self.nondet.append(node)
        return out

    def inplace_write(self, dst: Tensor, arr) -> None:
        """The registry's write hook: ``arr`` (an op's out-of-place result) was written
        into ``dst``.  ``dst`` is rebound to the node's output; a write to an input or
        attribute is kept as ``aten::copy_``, and a write to a view as ``aten::copy_`` into
        the view, which at replay writes through to the (replayed) base as in eager."""
        if self.depth:
            return
        v = self.by_array.get(id(arr))
        if v is None or self.producer.get(id(dst)) is v:
            return
        self._snapshot_const(dst)
        base = dst._base
        old = self.producer.get(id(dst))
        if base is not None and (id(base) in self.producer or id(base._data) in self.by_array
                                 or id(base) in self.attrs):
            if old is None:
                warnings.warn(
                    "An in-place operation on a view of a traced tensor was not recorded for "
                    "its base (the view was not made by a traced op); the trace might be "
                    "incorrect", TracerWarning, stacklevel=4)
                return
            self._fresh_root(base)
            old = self.producer.get(id(dst))
            self._keep_saved_self(old, v)
            self.add(_ir.Node("aten::copy_", args=[old, v], attr="copy_"))
            self.producer[id(dst)] = v
            self.by_array[id(dst._data)] = v
            self.keep.append(dst)
            return
        self.producer[id(dst)] = v
        self.by_array[id(dst._data)] = v
        if old is not None and old.id in self.visible:
            self.add(_ir.Node("aten::copy_", args=[old, v], attr="copy_"))

    def _snapshot_const(self, dst: Tensor) -> None:
        """``dst`` (or the base it views) is about to be written: a constant captured from
        it must keep the values it had when captured, not the written ones."""
        root = dst if dst._base is None else dst._base
        val = self.producer.get(id(root)) or self.by_array.get(id(root._data))
        if val is None:
            return
        for n in self.graph.node_list:
            if n.kind_ == "prim::Constant" and n.outputs[0] is val:
                if isinstance(n.attr, Tensor) and np.shares_memory(n.attr._data, root._data):
                    n.attr = Tensor._make(n.attr._data.copy(), n.attr._device)
                return

    def _keep_saved_self(self, old: _ir.Value, v: _ir.Value) -> None:
        """The op that computed ``v`` from the view ``old`` saves its first input for
        backward, and the replayed ``copy_`` will overwrite ``old``: as eager
        ``apply_inplace`` does, the op reads a clone of the view instead."""
        nodes = self.graph.node_list
        i = next((i for i in range(len(nodes) - 1, -1, -1) if v in nodes[i].outputs), None)
        if i is None:
            return
        n = nodes[i]
        if n.cls is None or not n.cls._saves_self or not n.args or n.args[0] is not old:
            return
        from ..ops.creation import Clone
        c = self.graph.new_value(None, meta=old.meta)
        nodes.insert(i, _ir.Node("aten::clone", Clone, [old], {}, [c]))
        n.args[0] = c

    def _fresh_root(self, base: Tensor) -> None:
        """A view of ``base`` is written in place: if ``base`` is a traced constant (a
        tensor made by a creation function, which does not go through the dispatcher),
        replay must write into a fresh copy, so its uses are moved to an ``aten::clone``
        of the constant (kept out of constant folding)."""
        val = self.ref(base)
        nodes = self.graph.node_list
        i = next((i for i, n in enumerate(nodes)
                  if n.kind_ == "prim::Constant" and n.outputs[0] is val), None)
        if i is None:
            return
        from ..ops.creation import Clone
        from ._passes import _walk_nodes_replace
        new = self.graph.new_value(None, meta=val.meta)
        _walk_nodes_replace(self.graph, {val.id: new})
        nodes.insert(i + 1, _ir.Node("aten::clone", Clone, [val], {}, [new], False,
                                     _ir.FRESH))
        for d in (self.producer, self.by_array):
            for k, x in list(d.items()):
                if x is val:
                    d[k] = new

    # --- the Tensor / shape hooks (NOTE [how tracing works]) ---------------------------

    def size_hook(self, t: Tensor, dim):
        shp = t._data.shape
        if self.depth:
            return Size(shp) if dim is None else shp[_wrap_dim(dim, len(shp))]
        if dim is None:
            return Size(TracedInt(s, ("size", t, i)) for i, s in enumerate(shp))
        d = _wrap_dim(dim, len(shp))
        return TracedInt(shp[d], ("size", t, d))

    def convert_hook(self, t: Tensor, name: str) -> None:
        if self.depth:
            return
        warnings.warn(
            f"Converting a tensor to {_CONV_WHAT[name]} might cause the trace to be "
            "incorrect. We can't record the data flow of Python values, so this value will "
            "be treated as a constant in the future. This means that the trace might not "
            "generalize to other inputs!", TracerWarning, stacklevel=3)

    def draw(self) -> None:
        """``random.RandomHooks.draw``: a random draw.  Inside a recorded op (dropout,
        ``normal_``, ...) it is redrawn at replay; outside one (``ember.randn`` builds its
        array directly) the values become a constant of the graph."""
        if self.depth or self.warned_draw:
            return
        self.warned_draw = True
        warnings.warn("A random tensor was created outside a recorded op (e.g. ember.randn "
                      "inside the traced function); its values are recorded as a constant, "
                      "so the trace will not draw new ones when it is called",
                      TracerWarning, stacklevel=4)

    @staticmethod
    def size_args_hook(size) -> tuple:
        if len(size) == 1 and isinstance(size[0], (tuple, list)):
            return tuple(size[0])
        return tuple(s if s.__class__ is TracedInt else int(s) for s in size)

    def reshape_hook(self, input: Tensor, sizes: tuple):
        """``reshape`` keeping ``TracedInt``s and ``-1`` in the recorded shape (resolving
        ``-1`` from the traced numel would freeze the batch size)."""
        if self.depth or not any(s.__class__ is TracedInt or s == -1 for s in sizes):
            return None
        from ..ops.shape import Reshape, View, _infer_size
        static = _infer_size(tuple(int(s) for s in sizes), input._data.size)
        if static == input._data.shape:
            return _reg.apply(View, input, shape=sizes)
        try:
            input._data.reshape(static, copy=False)
        except ValueError:
            return _reg.apply(Reshape, input, shape=sizes)
        return _reg.apply(View, input, shape=sizes)


_CONV_WHAT = {"item": "a Python number", "__bool__": "a Python boolean",
              "__int__": "a Python integer", "__float__": "a Python float",
              "__index__": "a Python index", "tolist": "a Python list",
              "numpy": "a NumPy array"}


class _Installed:
    """Install / remove the tracer's hooks (see NOTE [how tracing works]): the dispatch
    hook and the registry's, ``Tensor``'s and the shape ops' extension points.  Nothing is
    monkeypatched; every slot is restored on exit, exception or not."""

    def __init__(self, st: _TraceState) -> None:
        self.st = st

    def __enter__(self):
        from .._tensor import TensorHooks
        from ..ops.shape import ShapeHooks
        st = self.st
        self.prev = (TensorHooks.size, TensorHooks.convert, ShapeHooks.size_args,
                     ShapeHooks.reshape, RandomHooks.draw)
        _reg.push_hook(st.hook)
        try:
            self.prev_write = _reg.set_write_hook(st.inplace_write)
            TensorHooks.size, TensorHooks.convert = st.size_hook, st.convert_hook
            ShapeHooks.size_args, ShapeHooks.reshape = st.size_args_hook, st.reshape_hook
            RandomHooks.draw = st.draw
            _Active.state = st
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        from .._tensor import TensorHooks
        from ..ops.shape import ShapeHooks
        _Active.state = None
        (TensorHooks.size, TensorHooks.convert, ShapeHooks.size_args,
         ShapeHooks.reshape, RandomHooks.draw) = self.prev
        _reg.set_write_hook(getattr(self, "prev_write", None))
        if self.st.hook in _reg._Dispatch.hooks:
            _reg.pop_hook(self.st.hook)


# --- inputs and outputs ----------------------------------------------------------------

def _type_name(obj) -> str:
    if isinstance(obj, Tensor):
        return "Tensor"
    if isinstance(obj, tuple):
        return "Tuple[" + ", ".join(_type_name(o) for o in obj) + "]"
    if isinstance(obj, list):
        return f"List[{_type_name(obj[0]) if obj else 'Tensor'}]"
    if isinstance(obj, dict):
        if not obj:
            return "Dict[str, Tensor]"
        k, v = next(iter(obj.items()))
        return f"Dict[{_type_name(k)}, {_type_name(v)}]"
    if obj is None:
        return "NoneType"
    return type(obj).__name__


class _Untraceable(Exception):
    pass


def _spec(obj, leaves: list):
    if isinstance(obj, Tensor):
        leaves.append(obj)
        return "T"
    if isinstance(obj, tuple):
        return ("tuple", tuple(_spec(o, leaves) for o in obj))
    if isinstance(obj, list):
        return ("list", tuple(_spec(o, leaves) for o in obj))
    if isinstance(obj, dict):
        keys = tuple(obj)
        return ("dict", keys, tuple(_spec(obj[k], leaves) for k in keys))
    raise _Untraceable


def _fill(obj, spec, leaves: list, where: str) -> None:
    if spec == "T":
        if not isinstance(obj, Tensor):
            raise RuntimeError(f"{where}: expected a Tensor input but got {_type_name(obj)}")
        leaves.append(obj)
        return
    kind = spec[0]
    if kind == "dict":
        if not isinstance(obj, dict) or set(obj) != set(spec[1]):
            raise RuntimeError(f"{where}: expected a dict input with keys {list(spec[1])}")
        for k, s in zip(spec[1], spec[2]):
            _fill(obj[k], s, leaves, where)
        return
    want = tuple if kind == "tuple" else list
    if not isinstance(obj, want) or len(obj) != len(spec[1]):
        raise RuntimeError(
            f"{where}: expected a {want.__name__} of {len(spec[1])} element(s) as traced, "
            f"but got {_type_name(obj)}")
    for o, s in zip(obj, spec[1]):
        _fill(o, s, leaves, where)


def flatten_inputs(args: tuple, spec, name: str) -> list:
    """The tensor leaves of a traced function's call arguments (structure as traced)."""
    n = len(spec[1])
    if len(args) != n:
        raise RuntimeError(f"{name}() expected {n} argument(s) as traced but received "
                           f"{len(args)} argument(s)")
    leaves: list = []
    _fill(tuple(args), spec, leaves, name)
    return leaves


_CONTAINER_MSG = (
    "Encountering a {} at the output of the tracer might cause the trace to be incorrect, "
    "this is only valid if the container structure does not change based on the module's "
    "inputs. Consider using a constant container instead (e.g. for `list`, use a `tuple` "
    "instead. for `dict`, use a `NamedTuple` instead). If you absolutely need this and know "
    "the side effects, pass strict=False to trace() to allow this behavior.")


def _out_struct(st: _TraceState, obj):
    if isinstance(obj, Tensor):
        return st.ref(obj)
    if isinstance(obj, tuple) and not hasattr(obj, "_fields"):
        return tuple(_out_struct(st, o) for o in obj)
    if isinstance(obj, list):
        if st.strict:
            warnings.warn(_CONTAINER_MSG.format("list"), TracerWarning, stacklevel=4)
        return [_out_struct(st, o) for o in obj]
    if isinstance(obj, dict):
        if st.strict:
            raise RuntimeError(_CONTAINER_MSG.format("dict"))
        return {k: _out_struct(st, v) for k, v in obj.items()}
    raise RuntimeError("Only tensors, lists, tuples of tensors, or dictionary of tensors can "
                       "be output from traced functions")


def _normalize_inputs(example_inputs) -> tuple:
    if isinstance(example_inputs, tuple):
        return example_inputs
    return (example_inputs,)


def _arg_names(fn, n: int) -> list:
    try:
        ps = [p for p in inspect.signature(fn).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        names = [p.name for p in ps]
    except (TypeError, ValueError):
        names = []
    return (names + [f"input.{i}" for i in range(len(names), n)])[:n]


def _trace_graph(fn, args: tuple, module, strict: bool, sig_fn) -> tuple:
    """Run ``fn(*args)`` under the tracer: (graph, nondeterministic nodes, python output)."""
    leaves: list = []
    try:
        spec = _spec(args, leaves)
    except _Untraceable:
        raise RuntimeError(
            f"Type '{_type_name(args)}' cannot be traced. Only Tensors and (possibly nested) "
            "Lists, Dicts, and Tuples of Tensors can be traced") from None
    st = _TraceState(module, strict)
    g = st.graph
    if module is not None:
        g.self_type = qualified_type(type(module))
    names = _arg_names(sig_fn, len(args))
    for i, a in enumerate(args):
        sub: list = []
        _spec(a, sub)
        for t in sub:
            v = g.new_value(names[i], meta=_meta(t))
            g.input_values.append(v)
            st.bind(t, v)
            st.visible.add(v.id)
    g.in_spec = spec
    with _lock:
        if _Active.state is not None:
            raise RuntimeError("ember.jit.trace: a trace is already running in this process "
                               "(nested tracing is not supported)")
        with _Installed(st):
            out = fn(*args)
            g.out_struct = _out_struct(st, out)
    return g, st.nondet, out


# --- check_trace ---------------------------------------------------------------------------

def _clone_struct(obj):
    if isinstance(obj, Tensor):
        c = obj.detach().clone()
        c.requires_grad_(obj.requires_grad)
        return c
    if isinstance(obj, tuple):
        return tuple(_clone_struct(o) for o in obj)
    if isinstance(obj, list):
        return [_clone_struct(o) for o in obj]
    if isinstance(obj, dict):
        return {k: _clone_struct(v) for k, v in obj.items()}
    return obj


def _leaves(obj) -> list:
    out: list = []
    if isinstance(obj, Tensor):
        out.append(obj)
    elif isinstance(obj, (tuple, list)):
        for o in obj:
            out += _leaves(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            out += _leaves(o)
    return out


def _const_diffs(g1: _ir.Graph, g2: _ir.Graph) -> str | None:
    c1 = [n for n in g1.node_list if n.kind_ == "prim::Constant"]
    c2 = [n for n in g2.node_list if n.kind_ == "prim::Constant"]
    for a, b in zip(c1, c2):
        x, y = a.attr, b.attr
        if isinstance(x, Tensor) and isinstance(y, Tensor) and (
                x.shape != y.shape or not np.array_equal(x._np(), y._np())):
            return ("ERROR: Tensor-valued Constant nodes differed in value across invocations. "
                    "This often indicates that the tracer has encountered untraceable code.\n"
                    f"\tNode:\n\t\t{a!r}\n")
    return None


def _check(fn, g: _ir.Graph, root, check_inputs, module, strict, sig_fn, nondet,
           rtol, atol) -> None:
    from ..autograd.grad_mode import no_grad
    for ci in check_inputs:
        ci = _normalize_inputs(ci)
        g2, _, _ = _trace_graph(fn, _clone_struct(ci), module, strict, sig_fn)
        s1, s2 = _ir.format_graph(g, False), _ir.format_graph(g2, False)
        if s1 != s2:
            diff = "\n".join("\t" + ln for ln in difflib.ndiff(s1.splitlines(),
                                                                 s2.splitlines()))
            raise TracingCheckError("Graph diff:\n" + diff, _const_diffs(g, g2))
        cerr = _const_diffs(g, g2)
        if cerr is not None:
            raise TracingCheckError(None, cerr)
        with no_grad():
            flat = []
            _fill(_clone_struct(ci), g.in_spec, flat, "check_trace")
            traced = _leaves(_ir.run_graph(g, root, flat))
            python = _leaves(fn(*_clone_struct(ci)))
        for i, (a, b) in enumerate(zip(traced, python)):
            x, y = a._np(), b._np()
            if x.shape == y.shape and np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=True):
                continue
            if nondet:
                nodes = "\n".join("\t" + repr(n) for n in nondet)
                warnings.warn("Trace had nondeterministic nodes. Did you forget call .eval() on "
                              "your model? Nodes:\n" + nodes + "\nThis may cause errors in "
                              "trace checking. To disable trace checking, pass "
                              "check_trace=False to torch.jit.trace()", TracerWarning,
                              stacklevel=4)
            err = (f"shapes {list(x.shape)} vs {list(y.shape)}" if x.shape != y.shape else
                   f"Tensor-likes are not close!\nGreatest absolute difference: "
                   f"{float(np.max(np.abs(x.astype(np.float64) - y))):g}")
            warnings.warn(f"Output nr {i + 1}. of the traced function does not match the "
                          "corresponding output of the Python function. Detailed error:\n"
                          + err, TracerWarning, stacklevel=4)


# --- public entry points -------------------------------------------------------------------

def trace(func, example_inputs=None, optimize=None, check_trace: bool = True,
          check_inputs=None, check_tolerance: float = 1e-5, strict: bool = True,
          _force_outplace: bool = False, _module_class=None, _compilation_unit=None,
          example_kwarg_inputs=None, _store_inputs: bool = True):
    """Trace a function or module: run it once on ``example_inputs`` and record the ops.

    Args:
        func: a Python function or an ``nn.Module`` (its ``forward`` is traced).
        example_inputs: a tensor or a tuple of (nested tuple/list/dict of) tensors.
        check_trace: re-trace on ``check_inputs`` (default: the example) and compare the
            graphs (``TracingCheckError`` if they differ) and outputs (``TracerWarning``).
        strict: reject (dict) or warn about (list) mutable containers as outputs.

    Returns:
        a ``TracedModule`` for a module, a ``ScriptFunction`` for a function.  Calling it
        replays the recorded graph through the dispatcher (control flow stays as traced).

    Example::

        >>> traced = ember.jit.trace(model, ember.randn(1, 3, 28, 28))
        >>> print(traced.graph)
    """
    from ._module import ScriptModule
    if isinstance(func, ScriptModule) or isinstance(func, ScriptFunction):
        warnings.warn("The input to trace is already a ScriptModule, tracing it is a no-op. "
                      "Returning the object as is.", stacklevel=2)
        return func
    if example_inputs is None:
        if example_kwarg_inputs is not None:
            raise RuntimeError("ember.jit.trace: example_kwarg_inputs is not supported; pass "
                               "the inputs positionally in example_inputs")
        raise RuntimeError("ember.jit.trace needs example_inputs")
    if isinstance(func, nn.Module):
        return trace_module(func, {"forward": example_inputs}, None, check_trace,
                            _wrap_check_inputs(check_inputs), check_tolerance, strict)
    owner = getattr(func, "__self__", None)
    if isinstance(owner, nn.Module) and getattr(func, "__name__", "") == "forward":
        return trace_module(owner, {"forward": example_inputs}, None, check_trace,
                            _wrap_check_inputs(check_inputs), check_tolerance, strict)
    args = _normalize_inputs(example_inputs)
    g, nondet, _ = _trace_graph(func, args, None, strict, func)
    name = getattr(func, "__name__", "traced_fn")
    if check_trace:
        _check(func, g, None, check_inputs or [args], None, strict, func, nondet,
               check_tolerance, check_tolerance)
    return ScriptFunction(func, g, name)


def _wrap_check_inputs(check_inputs):
    if check_inputs is None:
        return None
    return [{"forward": c} for c in check_inputs]


def trace_module(mod, inputs: dict, optimize=None, check_trace: bool = True,
                 check_inputs=None, check_tolerance: float = 1e-5, strict: bool = True,
                 _force_outplace: bool = False, _module_class=None,
                 _compilation_unit=None, example_inputs_is_kwarg: bool = False,
                 _store_inputs: bool = True):
    """Trace the methods of ``mod`` named in ``inputs`` (``{"forward": example_inputs}``)."""
    if not isinstance(mod, nn.Module):
        raise AttributeError("expected torch.nn.Module as the first argument")
    if not isinstance(inputs, dict):
        raise AttributeError("expected a dictionary of (method_name, input) pairs")
    shell = make_shell(mod, TracedModule)
    for method, example in inputs.items():
        args = _normalize_inputs(example)
        fn = mod if method == "forward" else getattr(mod, method)
        sig = getattr(mod, method)
        g, nondet, _ = _trace_graph(fn, args, mod, strict, sig)
        if check_trace:
            checks = [c[method] for c in check_inputs] if check_inputs else [args]
            _check(fn, g, mod, checks, mod, strict, sig, nondet, check_tolerance,
                   check_tolerance)
        if method == "forward":
            shell.__dict__["_jit_graph"] = g
        else:
            shell.__dict__[method] = _MethodReplay(shell, g, method)
    return shell


class _MethodReplay:
    """A traced method other than ``forward`` (``trace_module`` with several methods)."""

    def __init__(self, owner, graph: _ir.Graph, name: str) -> None:
        self.owner, self.graph, self.name = owner, graph, name

    def __call__(self, *args):
        return _ir.run_graph(self.graph, self.owner,
                             flatten_inputs(args, self.graph.in_spec, self.name))

    @property
    def code(self) -> str:
        return _ir.format_code(self.graph, self.name)
