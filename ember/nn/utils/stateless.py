"""Calling a module with other parameters and buffers (``torch.nn.utils.stateless``).

``functional_call`` here is torch's deprecated alias of ``ember.func.functional_call``
(same behaviour, plus torch's ``FutureWarning``).  ``_reparametrize_module`` swaps
the given tensors into the module for the duration of a call and swaps the
originals back afterwards, even when the call raises.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any

from ..._tensor import Tensor

__all__ = ["functional_call"]

_MISSING = object()


def _untie_named_tensors_map(module, parameters_and_buffers: dict) -> dict:
    """Extend the user's map to every name of a tied tensor (one value per tied group)."""
    all_named: dict[str, Tensor] = {}
    all_named.update(module.named_parameters(remove_duplicate=False))
    all_named.update(module.named_buffers(remove_duplicate=False))
    groups: dict[int, set] = {}
    for name, t in all_named.items():
        groups.setdefault(id(t), set()).add(name)
    tied: dict[str, set] = {}
    for names in groups.values():
        if len(names) > 1:
            for n in names:
                tied[n] = names
    given = {n for n in parameters_and_buffers.keys() if n in tied}
    for n in given:
        names = tied[n]
        values = {id(parameters_and_buffers[m]) for m in names if m in given}
        if len(names & given) > 1 and len(values) != 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(names)}, "
                             "which are tied. Consider using tie_weights=False")
    untied = dict(parameters_and_buffers)
    for n in given:
        for m in tied[n]:
            untied[m] = parameters_and_buffers[n]
    return untied


def _owner(module, name: str):
    """The submodule holding ``name`` and the attribute's last component."""
    *path, attr = name.split(".")
    for p in path:
        module = getattr(module, p)
    return module, attr


def _swap_tensor(module, name: str, tensor):
    """Put ``tensor`` at ``name`` (``_MISSING`` removes it); returns what was there."""
    from ..modules.module import Module
    if not isinstance(module, Module):
        raise TypeError(f"{module} is not an instance of torch.nn.Module")
    if tensor is not _MISSING and tensor is not None and not isinstance(tensor, Tensor):
        raise TypeError(f"{tensor} is not an instance of torch.Tensor")
    params, buffers = module._parameters, module._buffers
    if name in params:
        orig = params[name]
        if tensor is _MISSING:
            del params[name]
        else:
            params[name] = tensor
        return orig
    if name in buffers:
        orig = buffers[name]
        if tensor is _MISSING:
            del buffers[name]
        else:
            buffers[name] = tensor
        return orig
    orig = getattr(module, name) if hasattr(module, name) else _MISSING
    if orig is not _MISSING and orig is not None and not isinstance(orig, Tensor):
        raise TypeError(f"attribute `{name}`: {orig} is not an instance of torch.Tensor")
    if tensor is not _MISSING:
        setattr(module, name, tensor)
    elif hasattr(module, name):
        delattr(module, name)
    return orig


def _swap_all(module, tensors: dict) -> dict:
    old = {}
    for name, t in tensors.items():
        owner, attr = _owner(module, name)
        old[name] = _swap_tensor(owner, attr, t)
    return old


@contextlib.contextmanager
def _reparametrize_module(module, parameters_and_buffers: dict, tie_weights: bool = False,
                          strict: bool = False, stack_weights: bool = False):
    values = (_untie_named_tensors_map(module, parameters_and_buffers) if tie_weights
              else parameters_and_buffers)
    if strict:
        valid = {n for n, _ in module.named_parameters(remove_duplicate=False)}
        valid |= {n for n, _ in module.named_buffers(remove_duplicate=False)}
        missing = sorted(valid - set(values))
        unexpected = sorted(set(values) - valid)
        msgs = []
        if unexpected:
            msgs.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            msgs.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if msgs:
            raise RuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(
                module._get_name(), "\n\t".join(msgs)))
    orig: dict = {}
    try:
        orig = _swap_all(module, values)
        yield
    finally:
        if stack_weights:
            orig = dict(reversed(orig.items()))
        new = _swap_all(module, orig)
        # a module that replaced its own tensors in place: hand the new ones back
        parameters_and_buffers.update({k: new[k] for k in parameters_and_buffers if k in new})


def _functional_call(module, parameters_and_buffers: dict, args: Any = None,
                     kwargs: dict | None = None, *, tie_weights: bool = True,
                     strict: bool = False):
    from ...jit import RecursiveScriptModule, ScriptFunction, ScriptModule, is_tracing
    if is_tracing() or isinstance(module, (RecursiveScriptModule, ScriptModule,
                                           ScriptFunction)):
        raise RuntimeError("The stateless API can't be used with Jitted modules")
    if type(module).__name__ == "DataParallel":
        raise RuntimeError("The stateless API can't be used with nn.DataParallel module")
    if kwargs is None:
        kwargs = {}
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrize_module(module, parameters_and_buffers, tie_weights=tie_weights,
                               strict=strict):
        return module(*args, **kwargs)


def functional_call(module, parameters_and_buffers: dict, args: Any = None,
                    kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False):
    """Call ``module`` with its parameters and buffers replaced by
    ``parameters_and_buffers`` (deprecated: use ``ember.func.functional_call``).

    Args:
        module: the module to call.
        parameters_and_buffers: ``{name: tensor}`` used in place of the module's own.
        args: positional arguments (one non-tuple value is one argument).
        kwargs: keyword arguments.
        tie_weights: a value given for one name of a tied tensor applies to all its names.
        strict: raise if the names do not exactly match the module's.
    """
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 "
                  "and will be removed in a future version of PyTorch. Please use "
                  "`torch.func.functional_call` instead which is a drop-in replacement.",
                  FutureWarning, stacklevel=2)
    return _functional_call(module, parameters_and_buffers, args, kwargs,
                            tie_weights=tie_weights, strict=strict)
