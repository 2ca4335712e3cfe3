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

__all__ = ["Value", "Node", "Graph", "ArrayRef", "run_graph"]

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


def _lit(obj) -> str:
    if obj.__class__ is Value:
        return f"%{obj.name}"
    if obj.__class__ is ArrayRef:
        return f"%{obj.value.name}"
    if isinstance(obj, np.ndarray):
        return f"<array {obj.dtype}{list(obj.shape)}>"
    if isinstance(obj, tuple):
        return "(" + ", ".join(_lit(o) for o in obj) + ("," if len(obj) == 1 else "") + ")"
    if isinstance(obj, list):
        return "[" + ", ".join(_lit(o) for o in obj) + "]"
    if isinstance(obj, dict):
        return "{" + ", ".join(f"{k}={_lit(v)}" for k, v in obj.items()) + "}"
    return repr(obj)


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
    params = {k2: v for k2, v in n.params.items()}
    if k == "aten::size":
        extra = f"[dim={n.attr}]"
    if params:
        extra = "[" + ", ".join(f"{k2}={_lit(v)}" for k2, v in params.items()) + "]"
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


def _code_lit(obj) -> str:
    if obj.__class__ is Value:
        return _py_name(obj.name)
    if obj.__class__ is ArrayRef:
        return _py_name(obj.value.name) + ".data"
    if isinstance(obj, tuple):
        return "(" + ", ".join(_code_lit(o) for o in obj) + ("," if len(obj) == 1 else "") + ")"
    if isinstance(obj, list):
        return "[" + ", ".join(_code_lit(o) for o in obj) + "]"
    if isinstance(obj, dict):
        return "{" + ", ".join(f"{k!r}: {_code_lit(v)}" for k, v in obj.items()) + "}"
    return _lit(obj)


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


def run_graph(g: Graph, root, flat_inputs: list):
    """Replay ``g`` on the flattened input tensors; ``root`` resolves ``GetAttr`` paths."""
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
        elif k == "aten::dropout":
            from ..ops import dropout as _dropout
            p = n.params
            env[n.outputs[0].id] = _dropout._dropout_impl(
                env[n.args[0].id], p["p"], p["train"], False, p["feature"], p["alpha"])
        elif k == "aten::copy_":
            dst, src = env[n.args[0].id], env[n.args[1].id]
            _copy_into(dst, src)
        else:
            fn = _INT_OPS[n.attr][0]
            env[n.outputs[0].id] = fn(*[_sub(a, env) for a in n.args])
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
