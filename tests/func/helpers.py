"""Shared helpers for the ``ember.func`` differential tests."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember


def to_np(t):
    return t.detach().numpy()


def cmp(e, t, rtol=1e-10, atol=1e-12, check_requires_grad=True):
    """Same pytree structure, shapes, dtypes, values (and requires_grad) on both."""
    if isinstance(t, dict):
        assert isinstance(e, dict) and list(e) == list(t)
        for k in t:
            cmp(e[k], t[k], rtol, atol, check_requires_grad)
    elif isinstance(t, (tuple, list)):
        assert type(e) is type(t), (type(e), type(t))
        assert len(e) == len(t)
        for a, b in zip(e, t):
            cmp(a, b, rtol, atol, check_requires_grad)
    elif isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), type(e)
        assert tuple(e.shape) == tuple(t.shape), (e.shape, t.shape)
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        if check_requires_grad:
            assert e.requires_grad == t.requires_grad, (e.requires_grad, t.requires_grad)
        np.testing.assert_allclose(to_np(e), to_np(t), rtol=rtol, atol=atol)
    else:
        assert e == t


def both(fn, **kw):
    """Run ``fn(lib)`` on ember and torch and compare the results."""
    e, t = fn(ember), fn(torch)
    cmp(e, t, **kw)
    return e, t


def raises_same(fn, match_message=True):
    """``fn(lib)`` raises the same exception type (and message) on both libraries."""
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(type(te.value)) as ee:
        fn(ember)
    if match_message:
        assert str(ee.value).replace("ember", "torch") == str(te.value)
    return ee.value, te.value


def mlp(lib, seed=0, din=4, dh=5, dout=3):
    """The same small MLP on both libraries (weights from one NumPy generator)."""
    rng = np.random.default_rng(seed)
    m = lib.nn.Sequential(lib.nn.Linear(din, dh), lib.nn.Tanh(), lib.nn.Linear(dh, dout))
    m = m.double()
    with lib.no_grad():
        for _, p in m.named_parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape))))
    return m
