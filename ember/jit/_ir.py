"""The graph IR of ``ember.jit``: values, nodes, a graph, its printers and its interpreter.

NOTE [the traced graph]
A ``Graph`` is a straight-line list of ``Node``s over SSA ``Value``s.  Node kinds:

- ``prim::GetAttr``: a parameter or buffer of the traced module, by dotted path
  (``conv1.weight``); resolved on the live module at every call, so the traced module
  shares the original's parameters and ``load_state_dict`` just works.
- ``prim::Constant``: a tensor or array captured during tracing (a frozen attribute, a
  tensor created inside ``forward`` without an op).
- ``aten::<op>``: one call of a registry op (``ember.ops.registry.OPS``) with its
  arguments and keyword ``params``; Values may appear anywhere inside both (nested in
  tuples, or as ``ArrayRef`` where an op takes a buffer's raw array, as batch norm does
  with its running statistics).
- ``aten::size`` / ``aten::<int op>``: sizes read with ``Tensor.size()`` / ``.shape``
  during tracing and the integer arithmetic on them, so ``x.view(x.size(0), -1)``
  keeps a dynamic batch dimension, as in torch.
- ``aten::copy_``: an in-place write to a graph input or an attribute (``add_``
  on a buffer), or to a view (``x[0].add_(1)``, ``x.view(-1).mul_(2)``), replayed as a
  write so side effects persist; a write to a view writes through to its replayed base.
- ``aten::clone`` marked ``FRESH``: a copy of a constant whose view is written in place,
  so every replay writes into a fresh tensor, as eager code does (never folded).

Running a graph replays each node through ``ember.ops.registry.apply``: autograd,
autocast and the profiler see a traced module exactly as they see eager code.
"""

from __future__ import annotations

import operator

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import _Mode
from ..device import CPU
from ..ops.registry import _broadcast_error, _Dispatch, _link_view, _wrap_multi

_make = Tensor._make
_new = object.__new__
_ndarray = np.ndarray

__all__ = ["Value", "Node", "Graph", "ArrayRef", "run_graph", "run_graph_reference"]

FRESH = "fresh"   # Node.attr of an ``aten::clone`` that constant folding must keep


class Value:
    """An SSA value: ``%name``. ``meta`` is ``(shape, dtype, requires_grad, device)`` of
    the tensor seen while tracing, or None for a non-tensor value."""

    __slots__ = ("id", "name", "type", "meta")

    def __init__(self, vid: int, name: str, type_: str = "Tensor", meta=None) -> None:
        self.id = vid
        self.name = name
        self.type = type_
        self.meta = meta

    def debugName(self) -> str:  # noqa: N802 - torch's name
        return self.name

    def __repr__(self) -> str:
        return f"%{self.name}"


class ArrayRef:
    """A Value used where an op takes a raw backend array (batch norm's running stats)."""

    __slots__ = ("value",)

    def __init__(self, value: Value) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"{self.value!r}.data"


class Node:
    """One node; ``kind()`` is torch's qualified name (``aten::relu``)."""

    __slots__ = ("kind_", "cls", "args", "params", "outputs", "multi", "attr", "has_refs")

    def __init__(self, kind: str, cls=None, args=(), params=None, outputs=(), multi=False,
                 attr=None) -> None:
        self.kind_ = kind
        self.cls = cls
        self.args = list(args)
        self.params = params or {}
        self.outputs = list(outputs)
        self.multi = multi
        self.attr = attr          # path (GetAttr), constant (Constant), dim/op (size ops)
        self.has_refs = _has_refs(self.params)

    def kind(self) -> str:
        return self.kind_

    def inputs(self) -> list[Value]:
        return [v for v in _walk((self.args, self.params))]

    def __repr__(self) -> str:
        return _format_node(self)


def _walk(obj):
    if obj.__class__ is Value:
        yield obj
    elif obj.__class__ is ArrayRef:
        yield obj.value
    elif isinstance(obj, (tuple, list)):
        for o in obj:
            yield from _walk(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from _walk(o)


def _has_refs(obj) -> bool:
    return next(_walk(obj), None) is not None


class Graph:
    """A traced graph: ``inputs`` (flattened tensor leaves), ``nodes``, ``outputs``
    (a nested structure of Values).  ``self_name`` is set for a module's graph."""

    def __init__(self) -> None:
        self.input_values: list[Value] = []
        self.in_spec = None
        self.node_list: list[Node] = []
        self.out_struct = None
        self.self_type: str | None = None
        self._count = 0
        self._names: set[str] = set()

    # torch's Graph API
    def nodes(self) -> list[Node]:
        return list(self.node_list)

    def inputs(self) -> list[Value]:
        return list(self.input_values)

    def outputs(self) -> list[Value]:
        return list(_walk(self.out_struct))

    def findAllNodes(self, kind: str) -> list[Node]:  # noqa: N802 - torch's name
        return [n for n in self.node_list if n.kind_ == kind]

    def new_value(self, hint: str | None = None, type_: str = "Tensor", meta=None) -> Value:
        name = self._unique(hint)
        v = Value(self._count, name, type_, meta)
        self._count += 1
        return v

    def _unique(self, hint: str | None) -> str:
        if hint is None:
            name = str(self._count)
        else:
            name = hint
            i = 1
            while name in self._names:
                name = f"{hint}.{i}"
                i += 1
        self._names.add(name)
        return name

    def __str__(self) -> str:
        return format_graph(self)

    __repr__ = __str__

    def copy(self) -> Graph:
        g = Graph()
        g.input_values = list(self.input_values)
        g.in_spec = self.in_spec
        g.node_list = [Node(n.kind_, n.cls, n.args, dict(n.params), n.outputs, n.multi, n.attr)
                       for n in self.node_list]
        g.out_struct = self.out_struct
        g.self_type = self.self_type
        g._count = self._count
        g._names = set(self._names)
        return g


# --- printing ---------------------------------------------------------------------------

_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half",
               "bfloat16": "BFloat16", "int64": "Long", "int32": "Int", "int16": "Short",
               "int8": "Char", "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
               "complex128": "ComplexDouble"}


def _strides(shape) -> list:
    out, acc = [], 1
    for s in reversed(shape):
        out.append(acc)
        acc *= s
    return out[::-1]


def type_str(v: Value, detailed: bool = True) -> str:
    if v.type != "Tensor" or v.meta is None or not detailed:
        return v.type
    shape, dt, rg, dev = v.meta
    dims = ", ".join(str(s) for s in shape)
    sep = ", " if shape else ""
    return (f"{_TYPE_NAMES.get(dt.name, dt.name)}({dims}{sep}strides={_strides(shape)}, "
            f"requires_grad={int(rg)}, device={dev})")


def _render(obj, leaf, key) -> str:
    """``obj`` as source text: tuples/lists/dicts recursively, everything else by
    ``leaf``; ``key(k)`` prefixes a dict entry."""
    if isinstance(obj, tuple):
        return ("(" + ", ".join(_render(o, leaf, key) for o in obj)
                + ("," if len(obj) == 1 else "") + ")")
    if isinstance(obj, list):
        return "[" + ", ".join(_render(o, leaf, key) for o in obj) + "]"
    if isinstance(obj, dict):
        return "{" + ", ".join(key(k) + _render(v, leaf, key) for k, v in obj.items()) + "}"
    return leaf(obj)


def _graph_leaf(obj) -> str:
    if obj.__class__ is Value:
        return f"%{obj.name}"
    if obj.__class__ is ArrayRef:
        return f"%{obj.value.name}"
    if isinstance(obj, np.ndarray):
        return f"<array {obj.dtype}{list(obj.shape)}>"
    return repr(obj)


def _lit(obj) -> str:
    """``obj`` as it appears in ``.graph``."""
    return _render(obj, _graph_leaf, lambda k: f"{k}=")


def _const_repr(c) -> str:
    if isinstance(c, Tensor):
        if c.numel() == 1:
            return "{" + f"{c._data.reshape(()).item()!r}" + "}"
        return "<Tensor>"
    return _lit(c)


def _format_node(n: Node, detailed: bool = True) -> str:
    outs = ", ".join(f"%{o.name} : {type_str(o, detailed)}" for o in n.outputs)
    k = n.kind_
    if k == "prim::GetAttr":
        return f'{outs} = prim::GetAttr[name="{n.attr}"](%self)'
    if k == "prim::Constant":
        return f"{outs} = prim::Constant[value={_const_repr(n.attr)}]()"
    args = ", ".join(_lit(a) for a in n.args)
    extra = ""
    if k == "aten::size":
        extra = f"[dim={n.attr}]"
    if n.params:
        extra = "[" + ", ".join(f"{k2}={_lit(v)}" for k2, v in n.params.items()) + "]"
    return f"{outs} = {k}{extra}({args})"


def format_graph(g: Graph, detailed: bool = True) -> str:
    heads = []
    if g.self_type is not None:
        heads.append(f"%self : {g.self_type}")
    heads += [f"%{v.name} : {type_str(v, detailed)}" for v in g.input_values]
    lines = ["graph(" + ",\n      ".join(heads) + "):"]
    for n in g.node_list:
        lines.append("  " + _format_node(n, detailed))
    outs = list(_walk(g.out_struct))
    lines.append("  return (" + ", ".join(f"%{o.name}" for o in outs) + ")")
    return "\n".join(lines) + "\n"


def _py_name(name: str) -> str:
    s = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return s if not s[:1].isdigit() else "_" + s


def _code_leaf(obj) -> str:
    if obj.__class__ is Value:
        return _py_name(obj.name)
    if obj.__class__ is ArrayRef:
        return _py_name(obj.value.name) + ".data"
    return _graph_leaf(obj)


def _code_lit(obj) -> str:
    """``obj`` as it appears in ``.code``."""
    return _render(obj, _code_leaf, lambda k: f"{k!r}: ")


def _code_struct(obj) -> str:
    if obj.__class__ is Value:
        return _py_name(obj.name)
    return _code_lit(obj)


def format_code(g: Graph, name: str = "forward") -> str:
    """Python-like source for the graph (``TracedModule.code``)."""
    params = (["self"] if g.self_type is not None else []) + \
        [f"{_py_name(v.name)}: Tensor" for v in g.input_values]
    lines = [f"def {name}(" + ",\n    ".join(params) + ") -> Tensor:"]
    for n in g.node_list:
        outs = ", ".join(_py_name(o.name) for o in n.outputs)
        k = n.kind_
        if k == "prim::GetAttr":
            rhs = f"self.{n.attr}"
        elif k == "prim::Constant":
            rhs = f"CONSTANTS.c{n.outputs[0].id}"
        elif k == "aten::size":
            rhs = f"{_code_lit(n.args[0])}.size({n.attr})"
        elif k == "aten::copy_":
            rhs = f"{_code_lit(n.args[0])}.copy_({_code_lit(n.args[1])})"
        elif k.startswith("aten::") and n.cls is None and n.attr in _INT_OPS:
            sym = _INT_OPS[n.attr][1]
            rhs = (f"{sym}{_code_lit(n.args[0])}" if len(n.args) == 1 else
                   f"{_code_lit(n.args[0])} {sym} {_code_lit(n.args[1])}")
        else:
            args = [_code_lit(a) for a in n.args]
            args += [f"{k2}={_code_lit(v)}" for k2, v in n.params.items()]
            rhs = f"torch.ops.aten.{k[6:]}(" + ", ".join(args) + ")"
        lines.append(f"  {outs} = {rhs}" if outs else f"  {rhs}")
    lines.append(f"  return {_code_struct(g.out_struct)}")
    return "\n".join(lines) + "\n"


# --- int ops on traced sizes ---------------------------------------------------------------

_INT_OPS = {
    "add": (operator.add, "+"), "sub": (operator.sub, "-"), "mul": (operator.mul, "*"),
    "floordiv": (operator.floordiv, "//"), "mod": (operator.mod, "%"),
    "neg": (operator.neg, "-"), "copy_": (None, "copy_"),
}


# --- the interpreter ----------------------------------------------------------------------

def _sub(obj, env):
    c = obj.__class__
    if c is Value:
        return env[obj.id]
    if c is ArrayRef:
        return env[obj.value.id]._data
    if c is tuple:
        return tuple(_sub(o, env) for o in obj)
    if c is list:
        return [_sub(o, env) for o in obj]
    if c is dict:
        return {k: _sub(v, env) for k, v in obj.items()}
    return obj


def resolve_attr(root, path: str):
    obj = root
    for part in path.split("."):
        d = obj.__dict__
        if part in d.get("_modules", ()):
            obj = d["_modules"][part]
        elif part in d.get("_parameters", ()):
            obj = d["_parameters"][part]
        elif part in d.get("_buffers", ()):
            obj = d["_buffers"][part]
        else:
            obj = getattr(obj, part)
    return obj


# NOTE [fast replay]
# ``run_graph`` compiles a graph once into a ``_Plan`` (cached on the graph; the passes
# drop it when they rewrite the graph): an env list indexed by Value id, and per node a
# tuple with the op class, a flat argument template and the slots to fill from the env,
# so replay is one tight loop with no Module calls, hooks or ``forward`` Python per layer.
#
# Two ways through an op node:
#
# - the *dispatch* way, ``registry.apply(cls, *args, **params)``: always correct; taken
#   whenever a dispatch hook is installed (autocast, the profiler, a tracer) or grad mode
#   is on, so autograd, autocast and the profiler see a traced module as eager code;
# - the *direct* way (NOTE [what the direct way skips]): under ``no_grad`` with no hook,
#   the op's array-level ``forward`` is called as ``_apply_core`` would call it, minus the
#   per-call work that is provably redundant here.
#
# NOTE [what the direct way skips]
# ``_apply_core`` (i) checks that all tensor arguments share a device, (ii) promotes dtypes
# (``cls.promote``), (iii) records an autograd node when an input requires grad and grad
# mode is on, (iv) wraps the result and links views.  The direct way keeps (ii) and (iv)
# exactly (same ``promote`` call, same half-precision cast back, same ``_make`` and
# ``_link_view``/``_wrap_multi``), skips (iii) because grad mode is off (nothing would be
# recorded), and replaces (i) by one check per call: every graph input, every attribute
# read (``prim::GetAttr``, resolved on the live module) and every constant is a tensor on
# one and the same device object (ops produce their results on their first tensor
# argument's device, so every intermediate is on that device too; a node with no tensor
# argument produces on the CPU, so such a graph needs that device to be the CPU).  It is
# also only taken when each input and attribute has the dtype and rank seen while
# tracing; otherwise the dispatch way runs.  Results are bit-identical either way: the
# same ``forward`` runs on the same arrays.


_OP, _GETATTR, _CONST, _SIZE, _OTHER, _OP1 = range(6)


class _Plan:
    __slots__ = ("key", "steps", "dsteps", "n_env", "inputs", "getattrs", "const_dev", "direct_ok",
                 "needs_cpu", "in_meta")

    def __init__(self, g: Graph) -> None:
        self.key = (g.node_list, len(g.node_list), g.out_struct, len(g.input_values))
        ids = [v.id for v in g.input_values]
        steps = []
        dsteps = []      # the direct way's steps: unary ops specialized
        getattrs = []
        const_devs = set()
        const_dev = None
        direct_ok = True
        needs_cpu = False
        for n in g.node_list:
            ids.extend(o.id for o in n.outputs)
            k = n.kind_
            out = n.outputs[0].id if n.outputs else None
            if n.cls is not None:
                tmpl = list(n.args)
                slots = []
                simple = True
                has_tensor = False
                for i, a in enumerate(tmpl):
                    if a.__class__ is Value:
                        slots.append((i, a.id))
                        tmpl[i] = None
                        if a.type == "Tensor":
                            has_tensor = True
                    elif _has_refs(a):
                        simple = False
                    ids.extend(v.id for v in _walk(a))
                if not simple:
                    has_tensor = any(v.type == "Tensor" for v in _walk(n.args))
                if not has_tensor:
                    needs_cpu = True
                outs = tuple(o.id for o in n.outputs) if n.multi else out
                steps.append((_OP, n.cls, tuple(tmpl), tuple(slots), simple, n, n.has_refs,
                              n.multi, outs))
                cls = n.cls
                if (simple and len(tmpl) == 1 and slots and n.args[0].type == "Tensor"
                        and not n.has_refs and not n.multi and cls.promote is None
                        and not cls.is_view):
                    dsteps.append((_OP1, cls.forward, cls, slots[0][1], n.params, out))
                else:
                    dsteps.append(steps[-1])
                continue
            elif k == "prim::GetAttr":
                getattrs.append((n.attr, out, n.outputs[0].meta))
                steps.append((_GETATTR, out, n.attr))
                dsteps.append(steps[-1])
            elif k == "prim::Constant":
                c = n.attr
                if isinstance(c, Tensor):
                    const_devs.add(id(c._device))
                    const_dev = c._device
                steps.append((_CONST, out, c))
                dsteps.append(steps[-1])
            elif k == "aten::size":
                steps.append((_SIZE, out, n.args[0].id, n.attr))
                dsteps.append(steps[-1])
            else:
                steps.append((_OTHER, n))
                dsteps.append(steps[-1])
        if len(const_devs) > 1:
            direct_ok = False
        self.const_dev = const_dev if len(const_devs) == 1 else None
        self.steps = steps
        self.dsteps = dsteps
        self.getattrs = getattrs
        self.inputs = [v.id for v in g.input_values]
        self.in_meta = [v.meta for v in g.input_values]
        self.direct_ok = direct_ok and all(m is not None for m in self.in_meta)
        self.needs_cpu = needs_cpu
        self.n_env = (max(ids) + 1) if ids else 0


def _plan(g: Graph) -> _Plan:
    p = g.__dict__.get("_plan")
    if p is None or p.key[0] is not g.node_list or p.key[1] != len(g.node_list) \
            or p.key[2] is not g.out_struct or p.key[3] != len(g.input_values):
        p = _Plan(g)
        g.__dict__["_plan"] = p
    return p


def invalidate(g: Graph) -> None:
    """Drop the cached replay plan of ``g`` (the passes call this after rewriting it)."""
    g.__dict__.pop("_plan", None)


def _direct_device(p: _Plan, env: list, root):
    """The one device of every tensor the graph starts from, or None when the direct
    way is not provably equivalent (NOTE [what the direct way skips])."""
    dev = p.const_dev
    for vid, meta in zip(p.inputs, p.in_meta):
        t = env[vid]
        if not isinstance(t, Tensor) or t._dtype is not meta[1] or \
                t._data.ndim != len(meta[0]):
            return None
        d = t._device
        if dev is None:
            dev = d
        elif d is not dev:
            return None
    for path, out, meta in p.getattrs:
        t = resolve_attr(root, path)
        env[out] = t
        if not isinstance(t, Tensor) or meta is None or t._dtype is not meta[1] or \
                t._data.ndim != len(meta[0]):
            return None
        d = t._device
        if dev is None:
            dev = d
        elif d is not dev:
            return None
    if dev is None:
        dev = CPU
    if p.needs_cpu and dev is not CPU:
        return None
    return dev


def run_graph(g: Graph, root, flat_inputs: list, direct: bool | None = None):
    """Replay ``g`` on the flattened input tensors; ``root`` resolves ``GetAttr`` paths.

    ``direct`` forces (False) the dispatch way or allows (None, default) the direct way
    where it applies (NOTE [fast replay])."""
    p = _plan(g)
    env = [None] * p.n_env
    for vid, t in zip(p.inputs, flat_inputs):
        env[vid] = t
    dev = None
    if direct is not False and p.direct_ok and _Dispatch.hook is None \
            and not _Mode.grad_enabled:
        dev = _direct_device(p, env, root)
    if dev is None:
        _run_dispatch(p, env, root)
    else:
        _run_direct(p, env, dev)
    return _sub(g.out_struct, env)


def _run_dispatch(p: _Plan, env: list, root) -> None:
    from ..ops.registry import apply
    for st in p.steps:
        code = st[0]
        if code == _OP:
            _, cls, tmpl, slots, simple, n, has_refs, multi, outs = st
            if simple:
                args = list(tmpl)
                for i, vid in slots:
                    args[i] = env[vid]
            else:
                args = [env[a.id] if a.__class__ is Value else _sub(a, env) for a in n.args]
            out = apply(cls, *args, **(_sub(n.params, env) if has_refs else n.params))
            if multi:
                for o, t in zip(outs, out):
                    env[o] = t
            else:
                env[outs] = out
        elif code == _CONST:
            env[st[1]] = st[2]
        elif code == _GETATTR:
            env[st[1]] = resolve_attr(root, st[2])
        elif code == _SIZE:
            env[st[1]] = env[st[2]]._data.shape[st[3]]
        else:
            _run_other(st[1], env)


def _run_direct(p: _Plan, env: list, dev) -> None:
    for st in p.dsteps:
        code = st[0]
        if code == _OP1:          # one tensor argument, no promotion, not a view
            _, fwd, cls, vid, params, outs = st
            a = env[vid]._data
            try:
                out = fwd(_new(cls), a, **params)
            except ValueError as e:
                raise _broadcast_error(e, [a]) from None
            if out.__class__ is not _ndarray:
                if out.__class__ is tuple:
                    res = _wrap_multi(None, cls, (env[vid],), params, out, dev, False)
                    env[outs] = res
                    continue
                if isinstance(out, np.generic):
                    out = np.asarray(out)
            env[outs] = _make(out, dev)
        elif code == _OP:
            _, cls, tmpl, slots, simple, n, has_refs, multi, outs = st
            if simple:
                args = list(tmpl)
                arrays = list(tmpl)
                for i, vid in slots:
                    a = env[vid]
                    args[i] = a
                    arrays[i] = a._data if isinstance(a, Tensor) else a
            else:
                args = [env[a.id] if a.__class__ is Value else _sub(a, env) for a in n.args]
                arrays = [a._data if isinstance(a, Tensor) else a for a in args]
            params = _sub(n.params, env) if has_refs else n.params
            half = None
            promote = cls.promote
            if promote is not None:
                arrays = promote(args, arrays)
                if arrays.__class__ is tuple:
                    arrays, half = arrays
            node = _new(cls)
            try:
                out = node.forward(*arrays, **params)
            except ValueError as e:
                raise _broadcast_error(e, arrays) from None
            if half is not None and out.dtype == np.float32:
                out = out.astype(half)
            if out.__class__ is tuple:
                res = _wrap_multi(node, cls, args, params, out, dev, False)
                for o, t in zip(outs, res):
                    env[o] = t
                continue
            if out.__class__ is not _ndarray and isinstance(out, np.generic):
                out = np.asarray(out)
            t = _make(out, dev)
            if cls.is_view:
                _link_view(t, args[0], cls, params, None)
            env[outs] = t
        elif code == _CONST:
            env[st[1]] = st[2]
        elif code == _GETATTR:
            pass      # resolved (and checked) by ``_direct_device``
        elif code == _SIZE:
            env[st[1]] = env[st[2]]._data.shape[st[3]]
        else:
            _run_other(st[1], env)


def _run_other(n: Node, env: list) -> None:
    k = n.kind_
    if k == "aten::dropout":
        from ..ops import dropout as _dropout
        p = n.params
        env[n.outputs[0].id] = _dropout._dropout_impl(
            env[n.args[0].id], p["p"], p["train"], False, p["feature"], p["alpha"])
    elif k == "aten::copy_":
        _copy_into(env[n.args[0].id], env[n.args[1].id])
    else:
        fn = _INT_OPS[n.attr][0]
        env[n.outputs[0].id] = fn(*[_sub(a, env) for a in n.args])


def run_graph_reference(g: Graph, root, flat_inputs: list):
    """The plain interpreter (every op through ``registry.apply``, a dict env, no plan):
    the reference the fast replay is tested against."""
    from ..ops.registry import apply
    env: dict[int, object] = {}
    for v, t in zip(g.input_values, flat_inputs):
        env[v.id] = t
    for n in g.node_list:
        k = n.kind_
        cls = n.cls
        if cls is not None:
            args = [env[a.id] if a.__class__ is Value else _sub(a, env) for a in n.args]
            params = _sub(n.params, env) if n.has_refs else n.params
            out = apply(cls, *args, **params)
            if n.multi:
                for o, t in zip(n.outputs, out):
                    env[o.id] = t
            else:
                env[n.outputs[0].id] = out
        elif k == "prim::GetAttr":
            env[n.outputs[0].id] = resolve_attr(root, n.attr)
        elif k == "prim::Constant":
            env[n.outputs[0].id] = n.attr
        elif k == "aten::size":
            env[n.outputs[0].id] = env[n.args[0].id]._data.shape[n.attr]
        else:
            _run_other(n, env)
    return _sub(g.out_struct, env)


def _copy_into(dst: Tensor, src: Tensor) -> None:
    from ..autograd.grad_mode import no_grad
    if dst is src:
        return
    if dst._requires_grad:
        dst.copy_(src)
        return
    with no_grad():
        dst.copy_(src)
