"""Custom differentiable functions: ``ember.autograd.Function`` (torch's API).

A subclass defines ``forward(ctx, *args)`` (or ``forward(*args)`` plus
``setup_context(ctx, inputs, output)``) and ``backward(ctx, *grad_outputs)``;
``apply`` runs the forward without recording, then wires one graph node (the ctx)
to every differentiable output.
"""

from __future__ import annotations

import functools

from .grad_mode import _Mode, no_grad
from .graph import Node, _seq


class FunctionCtx:
    """The ``ctx`` passed to ``forward``/``backward``."""

    def save_for_backward(self, *tensors) -> None:
        from .._tensor import Tensor
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        self._to_save = tensors

    def save_for_forward(self, *tensors) -> None:
        self._saved_forward = tensors

    def mark_dirty(self, *args) -> None:
        self._dirty = args

    def mark_non_differentiable(self, *args) -> None:
        self._non_diff = args

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize_grads = value


class BackwardCFunction(Node, FunctionCtx):
    """The graph node (and ctx) of one ``Function.apply`` call."""

    _forward_cls = None
    _materialize_grads = True
    _to_save = None
    _dirty = ()
    _non_diff = ()

    @property
    def saved_tensors(self):
        return self._unpack()

    @property
    def saved_variables(self):
        return self._unpack()

    def backward(self, *grads):
        cls = self._forward_cls
        if self._materialize_grads and any(g is None for g in grads):
            grads = self._materialize(grads)
        res = cls.backward(self, *grads)
        if not isinstance(res, tuple):
            res = (res,)
        n = len(self.next_functions)
        if len(res) < n:
            raise RuntimeError(f"function {self._bw_name} returned an incorrect number of "
                               f"gradients (expected {n}, got {len(res)})")
        if len(res) > n:
            if any(r is not None for r in res[n:]):
                raise RuntimeError(f"function {self._bw_name} returned an incorrect number of "
                                   f"gradients (expected {n}, got {len(res)})")
            res = res[:n]
        out = []
        for (fn, _), r in zip(self.next_functions, res):
            out.append(r if fn is not None else None)
        return tuple(out)

    def apply(self, *grads):
        return self.backward(*grads)


class _FunctionMeta(type):
    def __init__(cls, name, bases, attrs) -> None:
        bw = type(name + "Backward", (BackwardCFunction,),
                  {"_forward_cls": cls, "_bw_name": name + "Backward"})
        cls._backward_cls = bw
        super().__init__(name, bases, attrs)


class Function(FunctionCtx, metaclass=_FunctionMeta):
    """Base class for custom autograd operations (``torch.autograd.Function``)."""

    generate_vmap_rule = False

    def __init__(self, *args, **kwargs) -> None:
        pass

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is "
                           "deprecated. Please use new-style autograd function with static "
                           "forward method.")

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward "
                                  "mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        from .._tensor import Tensor
        node = cls._backward_cls()
        needs = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        node.needs_input_grad = needs
        uses_setup = cls.setup_context is not Function.setup_context
        with no_grad():
            if uses_setup:
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(node, args, outputs)
            else:
                outputs = cls.forward(node, *args, **kwargs)
        record = _Mode.grad_enabled and any(needs)
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        if record:
            outs = _wire(node, args, outs)
        elif node._dirty:
            for t in node._dirty:
                t._bump()
        if node._to_save is not None:
            # outputs saved by their own node form a cycle the GC collects
            node._saved = tuple(None if t is None else (t, t._vc().v) for t in node._to_save)
        else:
            node._saved = None
        return outs[0] if single else outs


def _wire(node, args, outs):
    from .._tensor import Tensor
    nf = []
    meta = []
    for a in args:
        if isinstance(a, Tensor):
            meta.append((a._data.shape, a._dtype))
            if a._requires_grad:
                fn = a._grad_fn
                nf.append((fn, a._output_nr) if fn is not None else (a._accumulator(), 0))
                continue
        else:
            meta.append(None)
        nf.append((None, 0))
    node.next_functions = tuple(nf)
    node._in_meta = tuple(meta)
    node._seq = next(_seq)
    dirty = {id(t) for t in node._dirty}
    non_diff = {id(t) for t in node._non_diff}
    inputs = {id(a) for a in args if isinstance(a, Tensor)}
    result = []
    out_meta = []
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            result.append(o)
            out_meta.append(None)
            continue
        if id(o) in dirty:
            if o._grad_fn is None and o._requires_grad:
                raise RuntimeError("a leaf Variable that requires grad has been used in an "
                                   "in-place operation.")
            o._bump()
        elif id(o) in inputs:
            alias = Tensor._make(o._data, o._device)  # an input returned as-is: alias it
            alias._vcnt = o._vc()
            o = alias
        out_meta.append((o._data.shape, o._dtype, o._device))
        if id(o) not in non_diff and (o._dtype.is_floating_point or o._dtype.is_complex):
            o._grad_fn = node
            o._output_nr = i
            o._requires_grad = True
        result.append(o)
    node.num_outputs = len(outs)
    node._out_meta = tuple(m if m is not None else ((), None, None) for m in out_meta)
    return tuple(result)


def once_differentiable(fn):
    """Runs a custom ``backward`` without recording a graph (no double backward)."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)
    return wrapper
