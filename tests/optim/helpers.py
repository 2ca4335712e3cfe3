"""Shared fixtures for the optimizer tests: the same tiny MLP in ember and torch."""

from __future__ import annotations

import copy

import numpy as np
import torch

import ember

RNG = np.random.default_rng(1234)
SHAPES = [(6, 4), (6,), (3, 6), (3,)]
INIT = [RNG.standard_normal(s).astype(np.float32) * 0.5 for s in SHAPES]
X = RNG.standard_normal((64, 4)).astype(np.float32)
# targets from a teacher network plus noise: a smooth, well-conditioned problem
_T1 = RNG.standard_normal((6, 4)) * 0.5
_T2 = RNG.standard_normal((3, 6)) * 0.5
Y = (np.tanh(X @ _T1.T) @ _T2.T + 0.1 * RNG.standard_normal((64, 3))).astype(np.float32)


def make_params(lib, dtype=np.float32):
    return [lib.tensor(a.astype(dtype), requires_grad=True) for a in INIT]


def loss_fn(lib, params, x=None, y=None):
    w1, b1, w2, b2 = params
    dt = w1.dtype
    x = lib.tensor(X if x is None else x).to(dt)
    y = lib.tensor(Y if y is None else y).to(dt)
    h = lib.tanh(x @ w1.t() + b1)
    out = h @ w2.t() + b2
    return ((out - y) ** 2).mean()


def train(lib, params, opt, steps, closure_style=False):
    # maximize=True optimizers ascend the negated loss: the same (stable) trajectory
    sign = -1.0 if opt.param_groups[0].get("maximize") else 1.0
    for _ in range(steps):
        if closure_style:
            def closure():
                opt.zero_grad()
                loss = loss_fn(lib, params) * sign
                loss.backward()
                return loss
            opt.step(closure)
        else:
            opt.zero_grad()
            loss = loss_fn(lib, params) * sign
            loss.backward()
            opt.step()


def to_np(t):
    if isinstance(t, torch.Tensor):
        return t.detach().cpu().numpy()
    return np.asarray(t.detach().numpy())


def assert_params_close(ep, tp, rtol=1e-5, atol=1e-6):
    for e, t in zip(ep, tp):
        np.testing.assert_allclose(to_np(e), to_np(t), rtol=rtol, atol=atol)


def structure(obj):
    """A comparable skeleton of a state dict: tensors become (shape, dtype name)."""
    if isinstance(obj, torch.Tensor):
        return ("T", tuple(obj.shape), str(obj.dtype).replace("torch.", ""))
    if isinstance(obj, ember.Tensor):
        return ("T", tuple(obj.shape), str(obj.dtype).replace("ember.", ""))
    if isinstance(obj, dict):
        return {k: structure(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(structure(v) for v in obj)
    if isinstance(obj, float):
        return ("float",)
    return obj


def values(obj):
    """State dict with tensors as NumPy arrays (for value comparison)."""
    if isinstance(obj, (torch.Tensor, ember.Tensor)):
        return to_np(obj).astype(np.float64)
    if isinstance(obj, dict):
        return {k: values(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [values(v) for v in obj]
    return obj


def deepcopy(x):
    return copy.deepcopy(x)
