"""``ember.jit.save`` / ``ember.jit.load``: traced graphs in ember's own archive format.

NOTE [the ember.jit archive]
The file is an ``ember.save`` checkpoint (PyTorch's zip layout, written atomically: a
temporary file ``os.replace``d over the target) whose object is a plain dict::

    {"format": "ember.jit", "version": 1,
     "graph": "<JSON text>",            # modules, values, nodes, inputs, outputs
     "tensors": {key: Tensor, ...},     # parameters, buffers, tensor constants
     "extra": {name: str, ...}}         # _extra_files

The JSON names every op by its registry name (``ember.ops.registry.OPS``) and encodes
op parameters as tagged data (``{"$tuple": [...]}``, ``{"$slice": ...}``, dtypes,
arrays by tensor key).  ``load`` reads it with ``ember.load(weights_only=True)`` and
``json``: nothing in the file is executed, and no Python class of the original model
is needed.  This is not torch's TorchScript archive: torch cannot read it, nor ember
torch's.  A scripted module runs its Python source, which this format does not hold
(loading it would mean executing code from the file), so saving one raises.
"""

from __future__ import annotations

import json

import numpy as np

from .. import dtypes as _dt
from .. import nn
from .._tensor import Tensor
from ..device import device as _device
from . import _ir
from ._module import ScriptFunction, TracedModule

__all__ = ["save", "load"]

_FORMAT = "ember.jit"
_VERSION = 1
_KINDS = {"prim::GetAttr", "prim::Constant", "aten::size", "aten::copy_", "aten::dropout"}


class _Encoder:
    def __init__(self) -> None:
        self.tensors: dict[str, Tensor] = {}

    def tensor(self, t: Tensor, prefix: str) -> str:
        key = f"{prefix}{len(self.tensors)}"
        self.tensors[key] = t
        return key

    def enc(self, obj, where: str):
        c = obj.__class__
        if c is _ir.Value:
            return {"$v": obj.id}
        if c is _ir.ArrayRef:
            return {"$a": obj.value.id}
        if obj is None or c in (bool, int, float, str):
            return obj
        if c is tuple:
            return {"$tuple": [self.enc(o, where) for o in obj]}
        if c is list:
            return [self.enc(o, where) for o in obj]
        if c is dict:
            return {"$dict": [[self.enc(k, where), self.enc(v, where)] for k, v in obj.items()]}
        if c is slice:
            return {"$slice": [self.enc(obj.start, where), self.enc(obj.stop, where),
                               self.enc(obj.step, where)]}
        if obj is Ellipsis:
            return {"$ellipsis": True}
        if c is complex:
            return {"$complex": [obj.real, obj.imag]}
        if isinstance(obj, _dt.dtype):
            return {"$dtype": obj.name}
        if isinstance(obj, _device):
            return {"$device": str(obj)}
        if isinstance(obj, np.ndarray):
            return {"$nd": self.tensor(Tensor._make(np.array(obj), _device("cpu")), "n")}
        if isinstance(obj, np.generic):
            return {"$np": [str(obj.dtype), obj.item()]}
        if isinstance(obj, np.dtype):
            return {"$npdtype": str(obj)}
        if isinstance(obj, Tensor):
            return {"$tensor": self.tensor(obj.detach(), "c")}
        raise RuntimeError(
            f"ember.jit.save: cannot save {where}: a value of type {type(obj).__name__} "
            f"({obj!r:.80}) has no portable form; nothing was written")


def _encode_graph(g: _ir.Graph, enc: _Encoder) -> dict:
    values = {}

    def val(v: _ir.Value):
        if v.id not in values:
            meta = None
            if v.meta is not None:
                shape, dt, rg, dev = v.meta
                meta = [list(shape), dt.name, rg, dev]
            values[v.id] = {"id": v.id, "name": v.name, "type": v.type, "meta": meta}
        return v.id

    nodes = []
    for n in g.node_list:
        k = n.kind_
        where = f"node {k}"
        if n.cls is not None:
            from ..ops.registry import OPS
            if OPS.get(n.cls.op_name) is not n.cls:
                raise RuntimeError(f"ember.jit.save: op class {n.cls.__name__} is not "
                                   "registered under its own name; nothing was written")
            op = n.cls.op_name
        else:
            op = None
        attr = n.attr
        if k == "prim::Constant":
            attr = enc.enc(attr, where)
        for v in n.outputs:
            val(v)
        for v in n.inputs():
            val(v)
        nodes.append({"kind": k, "op": op, "args": [enc.enc(a, where) for a in n.args],
                      "params": {p: enc.enc(x, where) for p, x in n.params.items()},
                      "outs": [v.id for v in n.outputs], "multi": n.multi,
                      "attr": attr if k != "prim::Constant" else attr})
    for v in g.input_values:
        val(v)
    return {"values": sorted(values.values(), key=lambda d: d["id"]),
            "inputs": [v.id for v in g.input_values], "in_spec": _enc_spec(g.in_spec),
            "nodes": nodes, "out": enc.enc(g.out_struct, "the outputs"),
            "self_type": g.self_type, "count": g._count}


def _enc_spec(spec):
    if spec == "T":
        return "T"
    if spec[0] == "dict":
        return ["dict", list(spec[1]), [_enc_spec(s) for s in spec[2]]]
    return [spec[0], [_enc_spec(s) for s in spec[1]]]


def _dec_spec(obj):
    if obj == "T":
        return "T"
    if obj[0] == "dict":
        return ("dict", tuple(obj[1]), tuple(_dec_spec(s) for s in obj[2]))
    if obj[0] not in ("tuple", "list"):
        raise RuntimeError(f"ember.jit.load: bad input spec {obj[0]!r}")
    return (obj[0], tuple(_dec_spec(s) for s in obj[1]))


def save(m, f, _extra_files=None) -> None:
    """Save a traced module or function to ``f`` (a path or binary file object).

    The archive is ember's own (NOTE [the ember.jit archive]); ``ember.jit.load`` reads it
    back without the model's Python class."""
    from .. import serialization
    from ._script import RecursiveScriptModule
    if isinstance(m, RecursiveScriptModule):
        raise RuntimeError(
            "ember.jit.save: a scripted module runs its Python source, and ember's archive "
            "does not hold code (loading it would mean executing code from the file). Trace "
            "the module with ember.jit.trace to save a graph, or save its state_dict.")
    enc = _Encoder()
    if isinstance(m, ScriptFunction):
        if m._graph is None:
            raise RuntimeError("ember.jit.save: a scripted function runs its Python source "
                               "and cannot be saved; trace it with ember.jit.trace instead")
        graph, modules, params, buffers, name = m._graph, [], {}, {}, m.name
    elif isinstance(m, TracedModule):
        graph = m.__dict__.get("_jit_graph")
        if graph is None:
            raise RuntimeError("ember.jit.save: this traced submodule has no graph; save the "
                               "module that was traced")
        modules, params, buffers = [], {}, {}
        for path, sub in m.named_modules():
            modules.append({"path": path, "name": getattr(sub, "original_name",
                                                          type(sub).__name__),
                            "training": sub.training})
            pre = path + "." if path else ""
            for pn, p in sub._parameters.items():
                params[pre + pn] = None if p is None else enc.tensor(p, "p")
            for bn, b in sub._buffers.items():
                buffers[pre + bn] = [None if b is None else enc.tensor(b, "b"),
                                     bn not in sub._non_persistent_buffers_set]
        name = "forward"
    else:
        raise RuntimeError(f"ember.jit.save: expected a traced module or function, got "
                           f"{type(m).__name__} (trace it with ember.jit.trace first)")
    doc = {"kind": "function" if isinstance(m, ScriptFunction) else "module", "name": name,
           "modules": modules, "params": params, "buffers": buffers,
           "graph": _encode_graph(graph, enc)}
    extra = {}
    for k, v in (_extra_files or {}).items():
        extra[str(k)] = v.decode("latin1") if isinstance(v, bytes) else str(v)
    payload = {"format": _FORMAT, "version": _VERSION, "graph": json.dumps(doc),
               "tensors": enc.tensors, "extra": extra}
    serialization.save(payload, f)


# --- load -----------------------------------------------------------------------------------

class _Decoder:
    def __init__(self, tensors: dict, values: dict) -> None:
        self.tensors, self.values = tensors, values

    def tensor(self, key: str) -> Tensor:
        t = self.tensors.get(key)
        if not isinstance(t, Tensor):
            raise RuntimeError(f"ember.jit.load: missing tensor {key!r} in the archive")
        return t

    def dec(self, obj):
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return obj
        if isinstance(obj, list):
            return [self.dec(o) for o in obj]
        if not isinstance(obj, dict) or len(obj) != 1:
            raise RuntimeError(f"ember.jit.load: malformed graph value {obj!r:.80}")
        (tag, x), = obj.items()
        if tag == "$v":
            return self.values[x]
        if tag == "$a":
            return _ir.ArrayRef(self.values[x])
        if tag == "$tuple":
            return tuple(self.dec(o) for o in x)
        if tag == "$dict":
            return {self.dec(k): self.dec(v) for k, v in x}
        if tag == "$slice":
            return slice(*(self.dec(o) for o in x))
        if tag == "$ellipsis":
            return Ellipsis
        if tag == "$complex":
            return complex(x[0], x[1])
        if tag == "$dtype":
            dt = getattr(_dt, x, None)
            if not isinstance(dt, _dt.dtype):
                raise RuntimeError(f"ember.jit.load: unknown dtype {x!r}")
            return dt
        if tag == "$device":
            return _device(x)
        if tag == "$nd":
            return self.tensor(x)._np()
        if tag == "$np":
            return np.dtype(x[0]).type(x[1])
        if tag == "$npdtype":
            return np.dtype(x)
        if tag == "$tensor":
            return self.tensor(x)
        raise RuntimeError(f"ember.jit.load: unknown tag {tag!r} in the graph")


def _decode_graph(doc: dict, tensors: dict) -> _ir.Graph:
    from ..ops.registry import OPS
    g = _ir.Graph()
    values = {}
    for d in doc["values"]:
        meta = None
        if d["meta"] is not None:
            shape, dtn, rg, dev = d["meta"]
            dt = getattr(_dt, dtn, None)
            meta = (tuple(shape), dt, bool(rg), str(dev)) if isinstance(dt, _dt.dtype) else None
        v = _ir.Value(int(d["id"]), str(d["name"]), str(d["type"]), meta)
        values[v.id] = v
        g._names.add(v.name)
    dec = _Decoder(tensors, values)
    g.input_values = [values[i] for i in doc["inputs"]]
    g.in_spec = _dec_spec(doc["in_spec"])
    for nd in doc["nodes"]:
        k = nd["kind"]
        cls = None
        if nd["op"] is not None:
            cls = OPS.get(nd["op"])
            if cls is None:
                raise RuntimeError(f"ember.jit.load: the archive uses op '{nd['op']}', which "
                                   "this ember does not have")
        elif k not in _KINDS and not (k.startswith("aten::") and nd["attr"] in _ir._INT_OPS):
            raise RuntimeError(f"ember.jit.load: unknown node kind {k!r}")
        attr = nd["attr"]
        if k == "prim::Constant":
            attr = dec.dec(attr)
        g.node_list.append(_ir.Node(k, cls, [dec.dec(a) for a in nd["args"]],
                                    {p: dec.dec(x) for p, x in nd["params"].items()},
                                    [values[i] for i in nd["outs"]], bool(nd["multi"]), attr))
    g.out_struct = dec.dec(doc["out"])
    g.self_type = doc["self_type"]
    g._count = int(doc["count"])
    return g


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    """Load a module or function saved by ``ember.jit.save`` (no Python class needed).

    ``map_location`` moves the tensors as ``ember.load`` does.  Files are read with the
    ``weights_only`` unpickler and ``json``: nothing in them is executed."""
    from .. import serialization
    payload = serialization.load(f, map_location=map_location, weights_only=True)
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
        raise RuntimeError("ember.jit.load: not an ember.jit archive (files written by "
                           "torch.jit.save use torch's TorchScript format, which ember does "
                           "not read; ember.load reads torch.save checkpoints)")
    if payload.get("version") != _VERSION:
        raise RuntimeError(f"ember.jit.load: unsupported archive version "
                           f"{payload.get('version')!r}")
    doc = json.loads(payload["graph"])
    tensors = payload["tensors"]
    if _extra_files is not None:
        for k in list(_extra_files):
            if k in payload.get("extra", {}):
                _extra_files[k] = payload["extra"][k].encode("latin1")
    g = _decode_graph(doc["graph"], tensors)
    if doc["kind"] == "function":
        return ScriptFunction(None, g, doc["name"])
    root = None
    by_path: dict[str, nn.Module] = {}
    for md in doc["modules"]:
        shell = object.__new__(TracedModule)
        nn.Module.__init__(shell)
        shell.__dict__["original_name"] = md["name"]
        shell.__dict__["training"] = bool(md["training"])
        path = md["path"]
        by_path[path] = shell
        if path == "":
            root = shell
        else:
            parent, _, last = path.rpartition(".")
            by_path[parent]._modules[last] = shell
    for path, key in doc["params"].items():
        owner, _, leaf = path.rpartition(".")
        p = None if key is None else dec_param(tensors[key])
        by_path[owner]._parameters[leaf] = p
    for path, (key, persistent) in doc["buffers"].items():
        owner, _, leaf = path.rpartition(".")
        by_path[owner]._buffers[leaf] = None if key is None else tensors[key]
        if not persistent:
            by_path[owner]._non_persistent_buffers_set.add(leaf)
    root.__dict__["_jit_graph"] = g
    return root


def dec_param(t):
    if isinstance(t, nn.Parameter):
        return t
    return nn.Parameter(t, requires_grad=t.requires_grad)
