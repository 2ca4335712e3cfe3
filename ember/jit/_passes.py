"""``freeze`` / ``optimize_for_inference``: graph passes on traced graphs.

NOTE [the passes]
- *freezing*: every ``prim::GetAttr`` becomes a ``prim::Constant`` holding a detached
  copy of the parameter or buffer; the frozen module has no parameters (torch's frozen
  modules neither).
- *constant propagation*: an op whose inputs are all constants is run once (under
  ``no_grad``) and replaced by its result; ``aten::size`` of a constant and integer ops on
  constants fold to literals.  Random ops and dropout are never folded.
- *Conv/Linear + BatchNorm folding* (eval batch norm, the conv or linear output used
  only by the batch norm): ``W' = W * g / sqrt(v + eps)``, ``b' = (b - m) * g /
  sqrt(v + eps) + beta``, computed in float64 and cast back; the batch norm node goes.
- *dead-code elimination*: nodes whose outputs are unused and that write nothing go.

Each pass keeps the graph's results equal (up to float rounding in the folding) to the
unoptimized module's; tests check that against the eager model.
"""

from __future__ import annotations

import numpy as np

from .. import nn
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from . import _ir
from ._module import ScriptModule, TracedModule

__all__ = ["freeze", "optimize_for_inference", "run_passes"]


def _substitute(obj, mapping: dict):
    """``obj`` with uses of Values (by id) replaced by ``mapping[id]`` (a Value or a
    literal), through nested tuples/lists/dicts and ArrayRefs."""
    c = obj.__class__
    if c is _ir.Value:
        return mapping.get(obj.id, obj)
    if c is _ir.ArrayRef:
        r = mapping.get(obj.value.id, obj.value)
        if r.__class__ is _ir.Value:
            return _ir.ArrayRef(r)
        return r._data if isinstance(r, Tensor) else r
    if c is tuple:
        return tuple(_substitute(o, mapping) for o in obj)
    if c is list:
        return [_substitute(o, mapping) for o in obj]
    if c is dict:
        return {k: _substitute(v, mapping) for k, v in obj.items()}
    return obj


def _sub_node(n: _ir.Node, mapping: dict) -> None:
    n.args = [_substitute(a, mapping) for a in n.args]
    n.params = _substitute(n.params, mapping)
    n.has_refs = _ir._has_refs(n.params)


def _walk_nodes_replace(g: _ir.Graph, mapping: dict) -> None:
    """Replace uses of Values (by id) with ``mapping[id]`` (a Value or a literal)."""
    for n in g.node_list:
        _sub_node(n, mapping)
    g.out_struct = _substitute(g.out_struct, mapping)
    _ir.invalidate(g)


def _is_random(n: _ir.Node) -> bool:
    return n.kind_ == "aten::dropout" or (n.cls is not None and
                                          n.cls.__module__.endswith("random_ops"))


def _const_node(g: _ir.Graph, t: Tensor, like: _ir.Value | None = None) -> _ir.Node:
    v = g.new_value(None, meta=(tuple(t._data.shape), t._dtype, False, str(t._device)))
    return _ir.Node("prim::Constant", outputs=[v], attr=t)


def constant_propagation(g: _ir.Graph) -> None:
    consts: dict[int, object] = {}
    for n in g.node_list:
        if n.kind_ == "prim::Constant":
            consts[n.outputs[0].id] = n.attr
    new_nodes = []
    mapping: dict = {}
    for n in g.node_list:
        if mapping:
            _sub_node(n, mapping)
        ins = n.inputs()
        foldable = (n.kind_ not in ("prim::GetAttr", "prim::Constant", "aten::copy_")
                    and n.attr != _ir.FRESH and not _is_random(n)
                    and all(v.id in consts for v in ins))
        if not foldable:
            new_nodes.append(n)
            continue
        env = dict(consts)
        with no_grad():
            res = _eval_node(n, env)
        if n.kind_ == "aten::size" or (n.cls is None and n.attr in _ir._INT_OPS):
            mapping[n.outputs[0].id] = res
            continue
        outs = res if n.multi else (res,)
        for v, t in zip(n.outputs, outs):
            t = t.detach()
            cn = _ir.Node("prim::Constant", outputs=[v], attr=t)
            consts[v.id] = t
            new_nodes.append(cn)
    g.node_list = new_nodes
    if mapping:
        _walk_nodes_replace(g, mapping)


def _eval_node(n: _ir.Node, env: dict):
    g = _ir.Graph()
    g.node_list = [n]
    g.out_struct = tuple(n.outputs) if n.multi else n.outputs[0]
    # run the single node with the constants bound as inputs
    ins = {v.id: v for v in n.inputs()}
    g.input_values = list(ins.values())
    return _ir.run_graph(g, None, [env[i] for i in ins])


def dead_code_elimination(g: _ir.Graph) -> None:
    live = {v.id for v in _ir._walk(g.out_struct)}
    kept = []
    for n in reversed(g.node_list):
        side_effect = n.kind_ == "aten::copy_"
        if side_effect or any(o.id in live for o in n.outputs):
            kept.append(n)
            live.update(v.id for v in n.inputs())
    g.node_list = kept[::-1]


def _uses(g: _ir.Graph, v: _ir.Value) -> int:
    count = sum(1 for n in g.node_list for x in n.inputs() if x is v)
    return count + sum(1 for x in _ir._walk(g.out_struct) if x is v)


def fold_batch_norm(g: _ir.Graph) -> int:
    """Fold eval batch norm into a preceding convolution or linear; returns the count."""
    producers = {o.id: n for n in g.node_list for o in n.outputs}
    consts = {n.outputs[0].id: n.attr for n in g.node_list if n.kind_ == "prim::Constant"}
    folded = 0
    for bn in list(g.node_list):
        if bn.kind_ != "aten::native_batch_norm" or bn.params.get("training"):
            continue
        src = bn.args[0]
        if src.__class__ is not _ir.Value:
            continue
        prod = producers.get(src.id)
        if prod is None or prod.kind_ not in ("aten::convolution", "aten::linear"):
            continue
        if prod.multi or _uses(g, src) != 1:
            continue
        w_v, b_v = prod.args[1], prod.args[2] if len(prod.args) > 2 else None
        if w_v.__class__ is not _ir.Value or w_v.id not in consts:
            continue
        if b_v is not None and (b_v.__class__ is not _ir.Value or b_v.id not in consts):
            continue
        gamma = _const_arr(bn.args[1], consts)
        beta = _const_arr(bn.args[2], consts)
        rm, rv = bn.params.get("rm"), bn.params.get("rv")
        rm = _const_arr(rm, consts)
        rv = _const_arr(rv, consts)
        if rm is False or rv is False or gamma is False or beta is False or rm is None:
            continue
        w = consts[w_v.id]
        wd = w._np().astype(np.float64)
        c = wd.shape[0]
        scale = (np.ones(c) if gamma is None else gamma.astype(np.float64)) / np.sqrt(
            rv.astype(np.float64) + bn.params.get("eps", 1e-5))
        b0 = np.zeros(c) if b_v is None else consts[b_v.id]._np().astype(np.float64)
        shift = np.zeros(c) if beta is None else beta.astype(np.float64)
        new_w = wd * scale.reshape((-1,) + (1,) * (wd.ndim - 1))
        new_b = (b0 - rm.astype(np.float64)) * scale + shift
        npdt = w._data.dtype
        wt = Tensor._make(new_w.astype(npdt), w._device)
        bt = Tensor._make(new_b.astype(npdt), w._device)
        wn, bnode = _const_node(g, wt), _const_node(g, bt)
        i = g.node_list.index(prod)
        g.node_list[i:i] = [wn, bnode]
        args = list(prod.args)
        args[1] = wn.outputs[0]
        if len(args) > 2:
            args[2] = bnode.outputs[0]
        else:
            args.append(bnode.outputs[0])
        prod.args = args
        g.node_list.remove(bn)
        _walk_nodes_replace(g, {bn.outputs[0].id: prod.outputs[0]})
        folded += 1
    _ir.invalidate(g)
    return folded


def _const_arr(obj, consts):
    """The array behind a constant Value / ArrayRef / literal array; None for None;
    False when it is not a constant."""
    if obj is None:
        return None
    if isinstance(obj, np.ndarray):
        return obj
    if obj.__class__ is _ir.ArrayRef:
        obj = obj.value
    if obj.__class__ is _ir.Value:
        t = consts.get(obj.id)
        return t._np() if isinstance(t, Tensor) else False
    return False


def run_passes(g: _ir.Graph, fold: bool = True) -> _ir.Graph:
    constant_propagation(g)
    if fold:
        fold_batch_norm(g)
        constant_propagation(g)
    dead_code_elimination(g)
    _ir.invalidate(g)
    return g


def _inline_attrs(g: _ir.Graph, root) -> None:
    for n in g.node_list:
        if n.kind_ == "aten::copy_":
            dst = n.args[0]
            if any(m.kind_ == "prim::GetAttr" and dst in m.outputs for m in g.node_list):
                raise RuntimeError(
                    "ember.jit.freeze: the graph writes to a module attribute (an in-place "
                    "update of a buffer, such as batch norm's running statistics in training "
                    "mode); trace the module in eval mode before freezing")
    for i, n in enumerate(g.node_list):
        if n.kind_ == "prim::GetAttr":
            t = _ir.resolve_attr(root, n.attr)
            v = n.outputs[0]
            v.meta = (tuple(t._data.shape), t._dtype, False, str(t._device))
            g.node_list[i] = _ir.Node("prim::Constant", outputs=[v],
                                      attr=t.detach().clone())
    _ir.invalidate(g)


def freeze(mod, preserved_attrs=None, optimize_numerics: bool = True):
    """Freeze a traced (or scripted) module in eval mode (``torch.jit.freeze``).

    Traced: parameters and buffers become constants of a copied graph, then constant
    propagation, Conv/Linear+BatchNorm folding (``optimize_numerics``) and dead-code
    elimination run (NOTE [the passes]).  Scripted: parameters become constant tensors
    (no grad) of a copied module; its Python runs unchanged."""
    if not isinstance(mod, ScriptModule):
        raise RuntimeError("Freezing expects a ScriptModule as input. Please use "
                           "torch.jit.script or torch.jit.trace to script your 'nn.Module'.")
    if mod.training:
        raise RuntimeError("Freezing is currently only implemented for modules in eval mode. "
                           "Please call .eval() on your module before freezing.")
    if isinstance(mod, TracedModule):
        g = mod.__dict__.get("_jit_graph")
        if g is None:
            raise RuntimeError("ember.jit.freeze: this traced submodule has no graph")
        g2 = g.copy()
        _inline_attrs(g2, mod)
        run_passes(g2, fold=optimize_numerics)
        out = object.__new__(TracedModule)
        nn.Module.__init__(out)
        out.__dict__["training"] = False
        out.__dict__["original_name"] = mod.original_name
        out.__dict__["_jit_graph"] = g2
        out.__dict__["_jit_frozen"] = True
        return out
    return _freeze_scripted(mod, preserved_attrs or [])


def _freeze_scripted(mod, preserved, memo=None):
    memo = {} if memo is None else memo
    if id(mod) in memo:
        return memo[id(mod)]
    out = object.__new__(type(mod))
    nn.Module.__init__(out)
    memo[id(mod)] = out
    d = out.__dict__
    for k, v in mod.__dict__.items():
        if k not in ("_parameters", "_buffers", "_modules"):
            d[k] = v
    d["_parameters"] = {}
    d["_buffers"] = {}
    d["_modules"] = {}
    d["_non_persistent_buffers_set"] = set()
    for name, p in mod._parameters.items():
        d[name] = None if p is None else p.detach().clone()
    for name, b in mod._buffers.items():
        d[name] = None if b is None else b.detach().clone()
    for name, child in mod._modules.items():
        d["_modules"][name] = None if child is None else _freeze_scripted(child, preserved,
                                                                           memo)
    d["_jit_frozen"] = True
    return out


def optimize_for_inference(mod, other_methods=None):
    """Freeze (if needed) and run the inference passes (``torch.jit.optimize_for_inference``)."""
    if not isinstance(mod, ScriptModule):
        raise RuntimeError("optimize_for_inference expects a ScriptModule as input. Please "
                           "use torch.jit.script or torch.jit.trace to script your "
                           "'nn.Module'.")
    if not mod.__dict__.get("_jit_frozen"):
        mod = freeze(mod.eval())
    elif isinstance(mod, TracedModule):
        run_passes(mod.__dict__["_jit_graph"])
    return mod
