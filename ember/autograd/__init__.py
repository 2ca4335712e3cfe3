"""``ember.autograd``: reverse-mode automatic differentiation."""

from __future__ import annotations

from .anomaly_mode import detect_anomaly, set_detect_anomaly
from .engine import is_checkpoint_valid as _is_checkpoint_valid  # noqa: F401
from .engine import run_backward
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .graph import Node

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled", "is_inference_mode_enabled", "detect_anomaly",
           "set_detect_anomaly", "Node", "Function", "FunctionCtx", "once_differentiable",
           "gradcheck", "gradgradcheck"]


def _seq_of(x):
    from .._tensor import Tensor
    if x is None:
        return None
    if isinstance(x, Tensor):
        return [x]
    return list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None) -> None:
    """Accumulates gradients of ``tensors`` into the ``.grad`` of graph leaves."""
    tensors = _seq_of(tensors)
    grads = _seq_of(grad_tensors) or [None] * len(tensors)
    if len(grads) != len(tensors):
        raise RuntimeError(f"grad can be implicitly created only for scalar outputs; got "
                           f"{len(grads)} gradients for {len(tensors)} tensors")
    if retain_graph is None:
        retain_graph = create_graph
    inputs = _seq_of(inputs)
    if inputs is not None and len(inputs) == 0:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Returns the gradients of ``outputs`` w.r.t. ``inputs`` (nothing is accumulated)."""
    from .._tensor import Tensor
    single = isinstance(inputs, Tensor)
    outputs = _seq_of(outputs)
    inputs = _seq_of(inputs)
    grads = _seq_of(grad_outputs) or [None] * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    res = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs,
                       allow_unused=allow_unused, accumulate=False)
    if materialize_grads:
        from ..ops.creation import zeros_like
        res = [zeros_like(x) if r is None else r for r, x in zip(res, inputs)]
    return tuple(res) if not single else (res[0],)


from .function import Function, FunctionCtx, once_differentiable  # noqa: E402
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402

