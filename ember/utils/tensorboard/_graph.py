"""``add_graph`` for ember modules: one forward pass with module hooks and a dispatch hook.

Every op run at the top level of the dispatcher during the forward becomes a ``NodeDef``
named ``<scope>/<op>.<n>``, where ``<scope>`` is the module path built from
``named_modules`` in torch's style (``Net/Sequential[body]/Linear[0]``), so TensorBoard
draws each module as a group holding its ops.  Parameters and buffers are
``prim::GetAttr`` nodes in their owning module's scope, the inputs and outputs are
``IO Node``s under ``input/`` and ``output/``; every node carries ``_output_shapes``."""

from __future__ import annotations

from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.config_pb2 import RunMetadata
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.node_def_pb2 import NodeDef
from tensorboard.compat.proto.step_stats_pb2 import DeviceStepStats, StepStats
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.compat.proto.versions_pb2 import VersionDef


def _shape_attr(shapes, s=None) -> dict:
    attr = {}
    if s is not None:
        attr["attr"] = AttrValue(s=s.encode("utf-8"))
    if shapes:
        attr["_output_shapes"] = AttrValue(list=AttrValue.ListValue(shape=[
            TensorShapeProto(dim=[TensorShapeProto.Dim(size=int(d)) for d in shp])
            for shp in shapes]))
    return attr


def _node(name, op, inputs=(), shapes=(), s=None) -> NodeDef:
    return NodeDef(name=name, op=op, input=list(inputs), attr=_shape_attr(shapes, s),
                   device="/device:CPU:0")


def _dtype_str(t) -> str:
    return str(t.dtype).replace("ember.", "")


def _flatten(obj):
    from ..._tensor import Tensor
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [t for o in obj for t in _flatten(o)]
    if isinstance(obj, dict):
        return [t for o in obj.values() for t in _flatten(o)]
    return []


def graph(model, args, verbose=False):
    """``(GraphDef, RunMetadata)`` for ``model`` run once on ``args``."""
    from ..._tensor import Tensor
    from ...autograd.grad_mode import no_grad
    from ...ops.registry import pop_hook, push_hook

    if args is None:
        raise ValueError("add_graph needs input_to_model: the graph is recorded from one "
                         "forward pass")
    if isinstance(args, Tensor):
        args = (args,)
    elif isinstance(args, list):
        args = tuple(args)
    elif not isinstance(args, tuple):
        args = (args,)

    root = type(model).__name__
    scopes: dict[int, str] = {}
    by_name: dict[str, str] = {}
    for name, m in model.named_modules():
        if name == "":
            by_name[name] = root
        else:
            parent, _, last = name.rpartition(".")
            by_name[name] = f"{by_name[parent]}/{type(m).__name__}[{last}]"
        scopes.setdefault(id(m), by_name[name])
    owners: dict[int, tuple] = {}
    for name, p in list(model.named_parameters()) + list(model.named_buffers()):
        mod, _, leaf = name.rpartition(".")
        owners[id(p)] = (by_name.get(mod, root), leaf, p)

    nodes: list[NodeDef] = []
    producer: dict[int, str] = {}
    keep: list = []            # keep traced tensors alive so their ids stay unique
    stack = [root]
    counter = [0]
    depth = [0]

    def fresh(scope, op):
        counter[0] += 1
        return f"{scope}/{op}.{counter[0]}"

    for i, a in enumerate(_flatten(args)):
        nm = f"input/input.{i}"
        nodes.append(_node(nm, "IO Node", shapes=[a.shape], s=_dtype_str(a)))
        producer[id(a)] = nm
        keep.append(a)

    def source(t) -> str:
        key = id(t)
        if key in producer:
            return producer[key]
        if key in owners:
            scope, leaf, _ = owners[key]
            nm = f"{scope}/{leaf}"
            nodes.append(_node(nm, "prim::GetAttr", shapes=[t.shape], s=_dtype_str(t)))
        else:
            nm = fresh(stack[-1], "constant")
            nodes.append(_node(nm, "prim::Constant", shapes=[t.shape], s=_dtype_str(t)))
        producer[key] = nm
        keep.append(t)
        return nm

    def hook(cls, op_args, params, call_next):
        if depth[0]:
            return call_next(cls, op_args, params)
        inputs = [source(a) for a in op_args if isinstance(a, Tensor)]
        depth[0] += 1
        try:
            out = call_next(cls, op_args, params)
        finally:
            depth[0] -= 1
        outs = _flatten(out)
        nm = fresh(stack[-1], cls.op_name)
        attrs = ", ".join(f"{k}={v!r}" for k, v in params.items())
        nodes.append(_node(nm, f"aten::{cls.op_name}", inputs, [o.shape for o in outs],
                           s="{" + attrs + "}"))
        for o in outs:
            producer[id(o)] = nm
            keep.append(o)
        return out

    def pre(mod, _inp):
        stack.append(scopes.get(id(mod), f"{stack[-1]}/{type(mod).__name__}"))

    def post(mod, _inp, _out):
        stack.pop()

    handles = []
    for _, m in model.named_modules():
        if m is model:
            continue
        handles.append(m.register_forward_pre_hook(pre))
        handles.append(m.register_forward_hook(post))
    was_training = model.training
    model.train(False)
    push_hook(hook)
    try:
        with no_grad():
            result = model(*args)
    finally:
        pop_hook(hook)
        for h in handles:
            h.remove()
        model.train(was_training)
    for i, o in enumerate(_flatten(result)):
        nodes.append(_node(f"output/output.{i}", "IO Node", [source(o)], [o.shape],
                           s=_dtype_str(o)))
    if verbose:
        for n in nodes:
            print(n.name, n.op, list(n.input))
    stepstats = RunMetadata(step_stats=StepStats(
        dev_stats=[DeviceStepStats(device="/device:CPU:0")]))
    return GraphDef(node=nodes, versions=VersionDef(producer=22)), stepstats
