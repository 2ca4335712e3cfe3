"""Differential helpers for nn modules: build the same module in torch and ember, copy
torch's parameters into ember through ``load_state_dict``, run the same inputs and
compare outputs, input gradients, parameter gradients, buffers and ``repr``.

Tolerances follow the core op suite (tests/ops/opinfo.py); widen only with a reason.
"""

from __future__ import annotations

import numpy as np
import torch

import ember
from tests.ops.opinfo import Tol, _flatten, _np, assert_close


def to_ember_state(tmod) -> dict:
    return {k: ember.tensor(v.detach().numpy()) for k, v in tmod.state_dict().items()}


def copy_params(emod, tmod) -> None:
    """torch -> ember through ember's load_state_dict (strict)."""
    emod.load_state_dict(to_ember_state(tmod))


def make_inputs(lib, arrays, requires_grad=True):
    out = []
    for a in arrays:
        if isinstance(a, np.ndarray):
            t = lib.tensor(a)
            if requires_grad and a.dtype.kind == "f":
                t.requires_grad_(True)
            out.append(t)
        else:
            out.append(a)
    return out


def check_module(make, arrays, *, train: bool = True, tol: Tol | None = None,
                 kwargs: dict | None = None, check_repr: bool = True, seed: int = 0,
                 grad: bool = True, call=None):
    """``make(lib)`` builds the module with ``lib.nn``; ``arrays`` are the forward inputs.

    ``call(module, *inputs, **kwargs)`` customises the forward (default: module(*inputs)).
    Returns (ember_module, torch_module)."""
    kwargs = kwargs or {}
    torch.manual_seed(seed)
    tmod = make(torch)
    emod = make(ember)
    copy_params(emod, tmod)
    tmod.train(train)
    emod.train(train)
    if check_repr:
        assert repr(emod) == repr(tmod), f"repr differs:\n{emod!r}\n!=\n{tmod!r}"
    outs, ins = {}, {}
    for lib, mod in ((ember, emod), (torch, tmod)):
        ins[lib] = make_inputs(lib, arrays, requires_grad=grad)
        fn = call or (lambda m, *a, **k: m(*a, **k))
        outs[lib] = fn(mod, *ins[lib], **kwargs)
    e_flat = [o for o in _flatten(outs[ember]) if o is not None]
    t_flat = [o for o in _flatten(outs[torch]) if o is not None]
    assert len(e_flat) == len(t_flat)
    for i, (e, t) in enumerate(zip(e_flat, t_flat)):
        assert_close(e, t, tol, what=f"output {i}")
    # buffers (e.g. running statistics) after the forward
    t_bufs = dict(tmod.named_buffers())
    for name, b in emod.named_buffers():
        assert name in t_bufs, f"unexpected buffer {name}"
        assert_close(b, t_bufs[name], tol, what=f"buffer {name}")
    if not grad:
        return emod, tmod
    diff = [(e, t) for e, t in zip(e_flat, t_flat)
            if isinstance(t, torch.Tensor) and t.requires_grad]
    if not diff:
        return emod, tmod
    rng = np.random.default_rng(1)
    gouts = [rng.standard_normal(tuple(t.shape)).astype(_np(t).dtype) for _, t in diff]
    for lib, idx in ((ember, 0), (torch, 1)):
        tensors = [p[idx] for p in diff]
        grads = [lib.tensor(g).to(t.dtype) for g, t in zip(gouts, tensors)]
        lib.autograd.backward(tensors, grads)
    for i, (ei, ti) in enumerate(zip(ins[ember], ins[torch])):
        if isinstance(ti, torch.Tensor) and ti.requires_grad:
            assert_close(ei.grad, ti.grad, tol, grad=True, what=f"input {i} grad")
    t_params = dict(tmod.named_parameters())
    for name, p in emod.named_parameters():
        tp = t_params[name]
        if tp.grad is None:
            assert p.grad is None or not np.any(_np(p.grad)), f"param {name}: grad expected None"
        else:
            assert p.grad is not None, f"param {name}: no gradient"
            assert_close(p.grad, tp.grad, tol, grad=True, what=f"param {name} grad")
    return emod, tmod
