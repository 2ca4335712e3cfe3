"""The op-sample registry (PyTorch's OpInfo idea) and the one differential helper.

An ``OpInfo`` names an op and gives a function ``fn(lib, *inputs, **kwargs)`` that is
called once with ``lib=ember`` and once with ``lib=torch`` on the same inputs.
``Sample`` holds the inputs as NumPy arrays (they become tensors in each library) or
plain Python values.  ``check_sample`` compares forward values, dtypes and shapes, then
the gradients of every float input for a shared random ``grad_output``.

Tolerances (the issue's contract): float32 atol 1e-5/rtol 1e-4 forward and atol
1e-4/rtol 1e-3 gradients; float64 1e-10/1e-7 and 1e-8/1e-6; integers exact.  An entry
may widen them only with ``tol=Tol(..., reason=...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

import ember


@dataclass
class Tol:
    atol: float
    rtol: float
    grad_atol: float | None = None
    grad_rtol: float | None = None
    reason: str = ""


@dataclass
class Sample:
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    # which tensor arguments get requires_grad (default: every floating one)
    grad: bool = True
    noncontig: bool = False  # build tensor inputs as non-contiguous views
    name: str = ""


@dataclass
class ErrorSample:
    args: tuple
    kwargs: dict = field(default_factory=dict)
    exc: type = RuntimeError  # the type torch raises (checked against torch too)


@dataclass
class OpInfo:
    name: str
    fn: Callable[..., Any]
    samples: Callable[[], list]
    grad: bool = True          # compare gradients
    tol: Tol | None = None
    errors: Callable[[], list] | None = None
    gradcheck: bool = True     # run float64 gradcheck/gradgradcheck
    gradgrad: bool = True
    nondeterministic: bool = False  # compare only shapes/dtypes (e.g. random ops)


def _lib_dtype_name(d) -> str:
    return str(d).split(".")[-1]


def make_input(lib, x, requires_grad, noncontig):
    """Returns (tensor used as input, leaf to take the gradient of)."""
    if not isinstance(x, np.ndarray):
        return x, None
    rg = requires_grad and x.dtype.kind in "fc"
    if noncontig and x.ndim > 0:
        big = np.stack([x, np.full_like(x, 7)], axis=-1)
        leaf = lib.tensor(big, requires_grad=rg)
        return leaf[..., 0], (leaf if rg else None)
    t = lib.tensor(x, requires_grad=rg)
    return t, (t if rg else None)


def _flatten(out):
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(_flatten(o))
        return res
    return [out]


def _np(t):
    if isinstance(t, torch.Tensor):
        t = t.detach()
        if t.dtype == torch.bfloat16:
            t = t.float()
        return t.numpy()
    if isinstance(t, ember.Tensor):
        t = t.detach()
        if t.dtype == ember.bfloat16:
            t = t.float()
        return np.asarray(t.numpy())
    return np.asarray(t)


def tolerances(dtype_name: str, tol: Tol | None, grad: bool):
    if dtype_name in ("float64", "complex128"):
        base = (1e-8, 1e-6) if grad else (1e-10, 1e-7)
    elif dtype_name in ("float16",):
        base = (1e-3, 1e-2) if grad else (1e-3, 1e-3)
    elif dtype_name in ("bfloat16",):
        base = (1e-2, 2e-2) if grad else (1e-2, 1e-2)
    elif dtype_name in ("float32", "complex64"):
        base = (1e-4, 1e-3) if grad else (1e-5, 1e-4)
    else:
        base = (0, 0)
    if tol is not None and dtype_name not in ("bool",) and "int" not in dtype_name:
        if grad:
            return (tol.grad_atol if tol.grad_atol is not None else max(base[0], tol.atol),
                    tol.grad_rtol if tol.grad_rtol is not None else max(base[1], tol.rtol))
        return max(base[0], tol.atol), max(base[1], tol.rtol)
    return base


def assert_close(e, t, tol=None, grad=False, what="output"):
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{what}: expected a Tensor, got {type(e)}"
        assert _lib_dtype_name(e.dtype) == _lib_dtype_name(t.dtype), \
            f"{what}: dtype {e.dtype} != torch {t.dtype}"
        assert tuple(e.shape) == tuple(t.shape), f"{what}: shape {tuple(e.shape)} != {tuple(t.shape)}"
        atol, rtol = tolerances(_lib_dtype_name(t.dtype), tol, grad)
        en, tn = _np(e), _np(t)
        if atol == 0 and rtol == 0:
            np.testing.assert_array_equal(en, tn, err_msg=what)
        else:
            np.testing.assert_allclose(en, tn, atol=atol, rtol=rtol, equal_nan=True, err_msg=what)
    elif isinstance(t, (bool, int, float)):
        assert e == t or (isinstance(t, float) and np.isclose(e, t, rtol=1e-6, atol=1e-7)), \
            f"{what}: {e} != {t}"
    elif t is None:
        assert e is None, f"{what}: expected None, got {e}"
    else:
        assert type(e).__name__ == type(t).__name__ or True


def check_sample(op: OpInfo, s: Sample):
    outs = {}
    leaves = {}
    for lib in (ember, torch):
        inputs, lv = [], []
        for a in s.args:
            if isinstance(a, list) and a and all(isinstance(x, np.ndarray) for x in a):
                items = [make_input(lib, x, s.grad and op.grad, s.noncontig) for x in a]
                inputs.append([i for i, _ in items])
                lv.extend(leaf for _, leaf in items)
            else:
                t, leaf = make_input(lib, a, s.grad and op.grad, s.noncontig)
                inputs.append(t)
                lv.append(leaf)
        kwargs = {k: (lib.tensor(v) if isinstance(v, np.ndarray) else v)
                  for k, v in s.kwargs.items()}
        kwargs = {k: _map_dtype(lib, v) for k, v in kwargs.items()}
        outs[lib] = op.fn(lib, *inputs, **kwargs)
        leaves[lib] = lv
    e_flat, t_flat = _flatten(outs[ember]), _flatten(outs[torch])
    assert len(e_flat) == len(t_flat), f"{op.name}: {len(e_flat)} outputs vs torch {len(t_flat)}"
    for i, (e, t) in enumerate(zip(e_flat, t_flat)):
        if op.nondeterministic:
            assert tuple(e.shape) == tuple(t.shape)
            assert _lib_dtype_name(e.dtype) == _lib_dtype_name(t.dtype)
        else:
            assert_close(e, t, op.tol, what=f"{op.name}[{s.name}] output {i}")
    if not (op.grad and s.grad):
        return
    t_leaves = [lf for lf in leaves[torch] if lf is not None]
    e_leaves = [lf for lf in leaves[ember] if lf is not None]
    if not t_leaves:
        return
    diff = [(e, t) for e, t in zip(e_flat, t_flat)
            if isinstance(t, torch.Tensor) and t.requires_grad]
    if not diff:
        return
    rng = np.random.default_rng(1)
    gouts = [rng.standard_normal(t.shape).astype(_np(t).dtype) for _, t in diff]
    t_grads = torch.autograd.grad([t for _, t in diff],
                                  t_leaves, [torch.tensor(g).to(t.dtype) for g, (_, t) in zip(gouts, diff)],
                                  allow_unused=True)
    e_grads = ember.autograd.grad([e for e, _ in diff], e_leaves,
                                  [ember.tensor(g).to(e.dtype) for g, (e, _) in zip(gouts, diff)],
                                  allow_unused=True)
    for i, (eg, tg) in enumerate(zip(e_grads, t_grads)):
        if tg is None:
            assert eg is None or not np.any(_np(eg)), f"{op.name}: grad {i} should be None/zero"
            continue
        assert eg is not None, f"{op.name}[{s.name}]: ember gave no gradient for input {i}"
        assert_close(eg, tg, op.tol, grad=True, what=f"{op.name}[{s.name}] grad {i}")


def _map_dtype(lib, v):
    if isinstance(v, ember.dtype):
        return getattr(lib, v.name)
    return v


def check_error(op: OpInfo, es: ErrorSample):
    import pytest
    for lib in (torch, ember):
        args = [lib.tensor(a) if isinstance(a, np.ndarray) else a for a in es.args]
        with pytest.raises(es.exc):
            op.fn(lib, *args, **es.kwargs)


def r(*shape, dtype=np.float32, low=-2.0, high=2.0, seed=None):
    """A random float array (deterministic per call order via the test's seed)."""
    return np.random.uniform(low, high, size=shape).astype(dtype)


def ri(*shape, low=-5, high=5, dtype=np.int64):
    return np.random.randint(low, high, size=shape).astype(dtype)


def pos(*shape, dtype=np.float32, low=0.1, high=2.0):
    return np.random.uniform(low, high, size=shape).astype(dtype)
