"""The tracer works through the core's extension points (NOTE [hook API] in
ember/ops/registry.py), not by monkeypatching: in-place writes to views are recorded and
replayed as torch's traces replay them, dropout is one op, and every hook is removed after
a trace, also when the traced function raises."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch as real_torch

import ember
import ember.nn.functional as F
from ember._tensor import TensorHooks
from ember.ops import registry
from ember.ops.shape import ShapeHooks

from .helpers import close, inputs


def _trace_both(fn, *shape):
    ex, tx = inputs(*shape)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ember.jit.TracerWarning)
        e_tr = ember.jit.trace(lambda x: fn(ember, x), ex)
    t_tr = real_torch.jit.trace(lambda x: fn(real_torch, x), tx)
    return e_tr, t_tr


def _views_written(lib, x):
    y = x * 2
    y[0].add_(1)                       # select view
    y.view(-1)[1:3].mul_(3)            # a view of a view
    y[:, 1:].transpose(0, 1).sub_(x[:, 1:].transpose(0, 1))
    return y + 1


def test_inplace_on_views_recorded_and_replayed_like_torch():
    e_tr, t_tr = _trace_both(_views_written, 3, 4)
    assert any(n.kind() == "aten::copy_" for n in e_tr.graph.nodes())
    for seed in (1, 2):
        ex, tx = inputs(3, 4, seed=seed)
        close(e_tr(ex), t_tr(tx))
        close(e_tr(ex), _views_written(ember, ex))


def _input_view_written(lib, x):
    x[1:].mul_(2)                      # writes the caller's tensor, in eager and traced
    return x.sum(0)


def test_inplace_on_a_view_of_an_input_mutates_it_like_torch():
    e_tr, t_tr = _trace_both(_input_view_written, 3, 2)
    ex, tx = inputs(3, 2, seed=4)
    close(e_tr(ex), t_tr(tx))
    close(ex, tx)


def _constant_view_written(lib, x):
    buf = lib.zeros(2, 5)
    buf[:, 1:4].add_(x)
    buf[0].fill_(7.0)
    acc = lib.ones(3)
    acc.mul_(x[0])                     # the captured constant keeps its traced-time value
    return buf * 1, acc


def test_inplace_on_a_view_of_a_created_tensor_replays_fresh():
    e_tr, t_tr = _trace_both(_constant_view_written, 2, 3)
    ex, tx = inputs(2, 3, seed=3)
    for _ in range(3):                 # replays do not accumulate into the constant
        for a, b in zip(e_tr(ex), t_tr(tx)):
            close(a, b)
    from ember.jit._passes import constant_propagation
    constant_propagation(e_tr.graph)   # the fresh copy is not folded into a constant
    for _ in range(2):
        for a, b in zip(e_tr(ex), t_tr(tx)):
            close(a, b)


def test_inplace_on_a_view_gradients_match_torch():
    def f(lib, x):
        y = x * 1
        y[1:].mul_(x[:-1])
        return y

    ex, tx = inputs(4, 2)
    e_tr = ember.jit.trace(lambda x: f(ember, x), ex)
    t_tr = real_torch.jit.trace(lambda x: f(real_torch, x), tx)
    ex2, tx2 = inputs(4, 2, seed=5)
    ex2.requires_grad_(True)
    tx2.requires_grad_(True)
    e_tr(ex2).pow(2).sum().backward()
    t_tr(tx2).pow(2).sum().backward()
    close(ex2.grad, tx2.grad, 1e-5)


def test_reshape_minus_one_stays_dynamic():
    e_tr, t_tr = _trace_both(lambda lib, x: x.reshape(-1, 2).flatten() * 2, 2, 4)
    ex, tx = inputs(5, 4, seed=1)
    close(e_tr(ex), t_tr(tx))


def test_dropout_is_one_op_with_torch_grad_fn_names():
    x = ember.ones(8, 8, requires_grad=True)
    assert F.dropout(x, 0.5).grad_fn.name() == "MulBackward0"
    assert F.alpha_dropout(x, 0.5, training=True).grad_fn.name() == "AddBackward0"

    def f(x):
        y = x * 1
        F.dropout(y, 0.5, inplace=True)
        return y
    tr = ember.jit.trace(f, ember.ones(64, 8), check_trace=False)
    assert [n.kind() for n in tr.graph.nodes()].count("aten::dropout") == 1
    a, b = tr(ember.ones(64, 8)), tr(ember.ones(64, 8))
    assert set(np.unique(a.numpy())) <= {0.0, 2.0}
    assert not np.array_equal(a.numpy(), b.numpy())


def test_conversion_warns_once_per_conversion():
    with pytest.warns(ember.jit.TracerWarning) as rec:
        ember.jit.trace(lambda x: x * int(x.sum()), ember.ones(3), check_trace=False)
    assert len([w for w in rec if issubclass(w.category, ember.jit.TracerWarning)]) == 1


def _slots():
    return (registry._Dispatch.hook, registry._Dispatch.write_hook, TensorHooks.size,
            TensorHooks.convert, ShapeHooks.size_args, ShapeHooks.reshape,
            {n: ember.Tensor.__dict__[n] for n in ("size", "shape", "item", "numpy",
                                                   "reshape", "flatten")},
            registry._write)


def test_no_hook_survives_a_trace_even_when_it_raises():
    before = _slots()
    assert before[:6] == (None,) * 6

    def boom(x):
        assert x.size(0) == 3
        x.view(-1).add_(1)
        raise ValueError("boom")
    with pytest.raises(ValueError, match="boom"):
        ember.jit.trace(boom, ember.ones(3))
    ember.jit.trace(lambda x: x.flatten() + x.shape[0], ember.ones(3, 2))
    assert _slots() == before
    assert type(ember.ones(2, 3).size(0)) is int
