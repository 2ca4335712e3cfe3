"""``functional_call`` and ``stack_module_state`` (``torch.func``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["functional_call", "stack_module_state"]


def functional_call(module, parameter_and_buffer_dicts, args: Any = None,
                    kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False):
    """Call ``module`` with its parameters and buffers replaced by the given tensors.

    Args:
        module: the module to call.
        parameter_and_buffer_dicts: a ``{name: tensor}`` dict, or a sequence of dicts
            with disjoint keys (e.g. ``(params, buffers)``).
        args: positional arguments (one non-tuple value is one argument).
        kwargs: keyword arguments.
        tie_weights: a value given for one name of a tied tensor applies to all its names.
        strict: raise if the names do not exactly match the module's.

    Example::

        >>> params = {k: v.detach() for k, v in model.named_parameters()}
        >>> out = ember.func.functional_call(model, params, (x,))
    """
    from ..nn.utils.stateless import _functional_call
    if isinstance(parameter_and_buffer_dicts, dict):
        merged = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, Sequence):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be "
                             "dictionaries")
        seen: dict[str, int] = {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                seen[k] = seen.get(k, 0) + 1
        repeated = [k for k, n in seen.items() if n > 1]
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of "
                             "functional call is ambiguous")
        merged = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of "
                         f"dicts, but got {type(parameter_and_buffer_dicts)}")
    return _functional_call(module, merged, args, kwargs, tie_weights=tie_weights,
                            strict=strict)


def stack_module_state(models) -> tuple[dict, dict]:
    """Stack the parameters and buffers of identically built ``models`` along a new
    first dimension: ``(params, buffers)`` for ``vmap`` over ``functional_call``."""
    from ..ops.indexing import stack
    if len(models) == 0:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same "
                           "training/eval mode.")
    if not all(type(m) is type(models[0]) for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def stacked(tensors, name):
        all_req = all(t.requires_grad for t in tensors)
        if not all_req and any(t.requires_grad for t in tensors):
            raise RuntimeError(f"Expected {name} from each model to have the same "
                               ".requires_grad")
        out = stack(list(tensors))
        return out.detach().requires_grad_() if all_req else out

    all_params = [dict(m.named_parameters()) for m in models]
    params = {k: stacked([p[k] for p in all_params], k) for k in all_params[0]}
    all_buffers = [dict(m.named_buffers()) for m in models]
    buffers = {k: stacked([b[k] for b in all_buffers], k) for k in all_buffers[0]}
    return params, buffers
