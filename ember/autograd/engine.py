"""The backward engine: ``Tensor.backward`` and ``autograd.grad``.

It walks the graph from the roots, counts each node's pending inputs, and runs nodes
whose gradients are complete, highest sequence number first (the order torch uses,
so hooks fire in the same order).  Gradients flowing into one node from several
consumers are summed with ember ops, so ``create_graph=True`` records that sum too.
"""

from __future__ import annotations

import heapq

from .grad_mode import _Mode
from .graph import AccumulateGrad, DeferredSaved, Node

# one flag per running graph task: True for a backward() without ``inputs`` (the only
# kind a reentrant checkpoint can run in); see ``is_checkpoint_valid``
_task_valid: list = []


def is_checkpoint_valid() -> bool:
    """False while the innermost running backward pass is an ``autograd.grad`` or a
    ``backward(inputs=...)`` (torch's ``torch.autograd._is_checkpoint_valid``)."""
    return _task_valid[-1] if _task_valid else True


# the nodes each running graph task must reach (None: all), innermost last; see
# ``should_compute_output``
_task_needed: list = []


def should_compute_output(node, i: int) -> bool:
    """Whether ``node``'s backward must produce the gradient of its input ``i``: that
    input has a node and the innermost running backward pass needs it (an
    ``autograd.grad(y, x)`` needs only what leads to ``x``), torch's
    ``task_should_compute_output``."""
    nxt = node.next_functions[i][0]
    if nxt is None:
        return False
    needed = _task_needed[-1] if _task_needed else None
    return needed is None or nxt in needed


class _Anomaly:
    enabled = False
    check_nan = True


def _root_edge(t):
    fn = t._grad_fn
    if fn is not None:
        return fn, t._output_nr
    if t._requires_grad:
        return t._accumulator(), 0
    return None


def _check_grad(node: Node, i: int, g, meta):
    """Validate one gradient a node returned against its input's shape and dtype."""
    shape, dt = meta
    if g._data.shape != shape:
        from ..ops.shape import sum_to_size
        try:
            g = sum_to_size(g, shape)
        except RuntimeError:
            raise RuntimeError(
                f"Function {node._bw_name} returned an invalid gradient at index {i} - got "
                f"{list(g.shape)} but expected shape compatible with {list(shape)}") from None
    if g._dtype is not dt:
        g = g.to(dt)
    return g


def _call_pre_hooks(node, grads):
    hooks = node._pre_hooks
    if hooks:
        grads = list(grads)
        for nr, fn in list(hooks.values()):
            if nr == -1:
                res = fn(tuple(grads))
                if res is not None:
                    grads = list(res)
            elif grads[nr] is not None:
                res = fn(grads[nr])
                if res is not None:
                    grads[nr] = res
    retain = node._retain
    if retain:
        for nr, ref in list(retain.items()):
            t = ref()
            if t is not None and grads[nr] is not None:
                g = grads[nr]
                if t.grad is None:
                    t.grad = g.detach().clone() if not _Mode.grad_enabled else g
                else:
                    t.grad = t.grad + g
    return grads


def _discover(roots, targets):
    """Dependency counts over the part of the graph that must run.

    With ``targets`` (autograd.grad / backward(inputs=)), only nodes from which a
    target is reachable are kept; others are pruned."""
    order = []
    seen = set()
    stack = [n for n in dict.fromkeys(roots) if n is not None]
    seen.update(stack)
    while stack:
        n = stack.pop()
        order.append(n)
        for nxt, _ in n.next_functions:
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    needed = None
    if targets is not None:
        needed = set(targets)
        changed = True
        # propagate "leads to a target" backwards until stable (graphs are DAGs)
        while changed:
            changed = False
            for n in order:
                if n in needed:
                    continue
                for nxt, _ in n.next_functions:
                    if nxt in needed:
                        needed.add(n)
                        changed = True
                        break
    deps: dict = {}
    for n in order:
        if needed is not None and n not in needed:
            continue
        for nxt, _ in n.next_functions:
            if nxt is not None and (needed is None or nxt in needed):
                deps[nxt] = deps.get(nxt, 0) + 1
    return deps, needed


def run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs=None,
                 allow_unused=True, accumulate=True):
    """Shared core of ``backward`` (accumulate=True) and ``grad`` (accumulate=False)."""
    from .._tensor import Tensor

    roots = []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        edge = _root_edge(t)
        if edge is None:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if t.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not t._dtype.is_floating_point:  # complex too, as torch
                raise RuntimeError(
                    "grad can be implicitly created only for real scalar outputs but got "
                    f"{t._dtype}")
            from ..ops.creation import ones_like
            g = ones_like(t)
        elif not isinstance(g, Tensor):
            raise TypeError(f"gradient must be a Tensor or None, got {type(g).__name__}")
        elif g.shape != t.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                f"has a shape of {t.shape}.")
        roots.append((edge, g))

    # capture points for grad()/backward(inputs=)
    captures = None
    targets = None
    if inputs is not None:
        captures = {}
        targets = []
        for idx, x in enumerate(inputs):
            if x._grad_fn is not None:
                key = (x._grad_fn, x._output_nr)
            elif x._requires_grad:
                key = (x._accumulator(), 0)
            else:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            captures.setdefault(key, []).append(idx)
            targets.append(key[0])

    deps, needed = _discover([e[0] for e, _ in roots], targets)
    buffers: dict = {}
    for (node, nr), g in roots:
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node.num_outputs
        buf[nr] = g if buf[nr] is None else buf[nr] + g

    results = [None] * len(inputs) if inputs is not None else None
    handed: set = set(id(g) for _, g in roots)  # tensors the caller still holds
    keep_alive = [g for _, g in roots]
    heap = [(-n._seq, id(n), n) for n in buffers if deps.get(n, 0) == 0]
    heapq.heapify(heap)
    prev_mode = _Mode.grad_enabled
    _Mode.grad_enabled = create_graph
    _task_valid.append(accumulate and inputs is None)
    _task_needed.append(needed)
    try:
        while heap:
            _, _, node = heapq.heappop(heap)
            grads = buffers.pop(node)
            if node._pre_hooks or node._retain:
                grads = _call_pre_hooks(node, grads)
            if captures is not None:
                for nr in range(len(grads)):
                    idxs = captures.get((node, nr))
                    if idxs is not None:
                        for idx in idxs:
                            results[idx] = grads[nr]
            if isinstance(node, AccumulateGrad):
                if accumulate and (captures is None or (node, 0) in captures):
                    g = grads[0]
                    if g is not None:
                        node.accumulate(g, id(g) not in handed)
                        handed.add(id(g))
                        keep_alive.append(g)
                continue
            if needed is not None and \
                    not any(nxt in needed for nxt, _ in node.next_functions):
                continue  # a capture point with nothing needed beneath it
            in_grads = _run_node(node, grads, retain_graph)
            for i, ((nxt, nr), g) in enumerate(zip(node.next_functions, in_grads)):
                if nxt is None or (needed is not None and nxt not in needed):
                    continue
                if g is not None:
                    g = _check_grad(node, i, g, node._in_meta[i])
                    buf = buffers.get(nxt)
                    if buf is None:
                        buf = buffers[nxt] = [None] * nxt.num_outputs
                    if buf[nr] is None:
                        buf[nr] = g
                    else:
                        buf[nr] = buf[nr] + g
                elif nxt not in buffers:
                    buffers[nxt] = [None] * nxt.num_outputs
                d = deps[nxt] - 1
                deps[nxt] = d
                if d == 0:
                    heapq.heappush(heap, (-nxt._seq, id(nxt), nxt))
    finally:
        _task_valid.pop()
        _task_needed.pop()
        _Mode.grad_enabled = prev_mode

    if accumulate and inputs is not None:
        for x, r in zip(inputs, results):
            if x._grad_fn is not None and r is not None:  # backward(inputs=[non-leaf])
                x.grad = r.detach().clone() if x.grad is None else x.grad + r
    if results is not None and not allow_unused:
        for r in results:
            if r is None:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.")
    return results


def _run_node(node: Node, grads, retain_graph):
    n_out = node.num_outputs
    if n_out > 1 and any(g is None for g in grads):
        grads = node._materialize(grads)
    if n_out == 1 and grads[0] is None:
        return (None,) * len(node.next_functions)
    deferred = node._saved
    if deferred.__class__ is DeferredSaved:  # NOTE [deferred saved state]
        DeferredSaved.materialize(node)
    else:
        deferred = None
    out = node.backward(*grads)
    if not isinstance(out, tuple):
        out = (out,)
    if _Anomaly.enabled:
        _check_anomaly(node, out)
    if node._post_hooks:
        for fn in list(node._post_hooks.values()):
            res = fn(out, tuple(grads))
            if res is not None:
                out = tuple(res)
    if not retain_graph:
        node._free()
    elif deferred is not None:  # recompute again on the next backward
        node._saved = deferred
        node._release()
    return out


def _check_anomaly(node, out):
    import numpy as np
    for i, g in enumerate(out):
        if g is not None and g._dtype.is_floating_point and np.isnan(g._data).any():
            trace = getattr(node, "_trace", None)
            msg = f"Function '{node._bw_name}' returned nan values in its {i}th output."
            if trace:
                import warnings
                warnings.warn(
                    "Error detected in " + node._bw_name + ". Traceback of forward call that "
                    "caused the error:\n" + "".join(trace), stacklevel=2)
            raise RuntimeError(msg)
