"""NOTE [fast replay] in ember/jit/_ir.py: under ``no_grad`` with no dispatch hook a
traced graph calls the ops' array-level ``forward`` directly.  The direct way must give
bit-identical results to the dispatch way, to the plain reference interpreter and to
eager code, and must step aside (grad mode on, autocast or the profiler active, another
input dtype or rank, a parameter whose dtype changed) so those keep their semantics."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.jit import _ir

from .helpers import inputs, pair
from .models import build_cnn, build_convbn


@pytest.fixture
def direct_calls(monkeypatch):
    calls = []
    real = _ir._run_direct

    def spy(p, env, dev):
        calls.append(dev)
        return real(p, env, dev)
    monkeypatch.setattr(_ir, "_run_direct", spy)
    return calls


def _same(a, b):
    assert a.dtype == b.dtype
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def _traced_cnn(batch=2):
    em, _ = pair(build_cnn, eval_mode=True)
    x, _ = inputs(batch, 3, 28, 28)
    with ember.no_grad():
        tr = ember.jit.trace(em, x)
        fz = ember.jit.optimize_for_inference(ember.jit.freeze(ember.jit.trace(em, x)))
    return em, tr, fz, x


def _fresh(calls):
    calls.clear()       # tracing and the passes replay graphs too
    return calls


@pytest.mark.parametrize("batch", [1, 4])
def test_direct_bit_identical_to_dispatch_reference_and_eager(direct_calls, batch):
    em, tr, fz, _ = _traced_cnn()
    _fresh(direct_calls)
    x, _ = inputs(batch, 3, 28, 28, seed=batch)   # another batch size than traced
    with ember.no_grad():
        eager = em(x)
        for m in (tr, fz):
            g = m.graph
            fast = m(x)
            slow = _ir.run_graph(g, m, [x], direct=False)
            ref = _ir.run_graph_reference(g, m, [x])
            _same(fast, slow)
            _same(fast, ref)
        _same(tr(x), eager)              # unfrozen: the same ops on the same weights
    assert len(direct_calls) == 3
    assert not fz(x).requires_grad


def test_frozen_batchnorm_folding_direct_equals_dispatch(direct_calls):
    em, _ = pair(build_convbn, eval_mode=True)
    x, _ = inputs(3, 3, 8, 8)
    with ember.no_grad():
        fz = ember.jit.optimize_for_inference(ember.jit.freeze(ember.jit.trace(em, x)))
        _fresh(direct_calls)
        _same(fz(x), _ir.run_graph(fz.graph, fz, [x], direct=False))
        _same(fz(x), _ir.run_graph_reference(fz.graph, fz, [x]))
    assert direct_calls


def _views_multi_cat(x):
    a, b = x.chunk(2, dim=1)                 # multi-output view op
    y = ember.cat([a.relu(), b * 2], dim=0)  # nested (list) arguments
    z = y.t().contiguous().view(-1)[1:5]     # views of views
    return z + 1, a.sum(0)


def test_views_multi_outputs_and_nested_args(direct_calls):
    x, _ = inputs(3, 4)
    with ember.no_grad():
        f = ember.jit.trace(_views_multi_cat, x)
        _fresh(direct_calls)
        x2, _ = inputs(3, 4, seed=3)
        fast = f(x2)
        ref = _ir.run_graph_reference(f.graph, None, [x2])
        eager = _views_multi_cat(x2)
    assert direct_calls
    for a, b, c in zip(fast, ref, eager):
        _same(a, b)
        _same(a, c)


def test_grad_mode_on_takes_the_dispatch_way(direct_calls):
    em, tr, _, x = _traced_cnn()
    _fresh(direct_calls)
    out = tr(x)
    assert not direct_calls
    assert out.requires_grad and out.grad_fn is not None
    out.sum().backward()
    assert em.conv1.weight.grad is not None
    with ember.no_grad():
        _same(tr(x), out.detach())
    assert len(direct_calls) == 1


def test_autocast_takes_the_dispatch_way(direct_calls):
    em, tr, fz, x = _traced_cnn()
    _fresh(direct_calls)
    with ember.no_grad(), ember.autocast("cpu", dtype=ember.bfloat16):
        eager = em(x)
        for m in (tr, fz):
            out = m(x)
            assert out.dtype == ember.bfloat16
            _same(out, _ir.run_graph_reference(m.graph, m, [x]))
        _same(tr(x), eager)
    assert not direct_calls


def test_profiler_takes_the_dispatch_way_and_sees_the_ops(direct_calls):
    _, _, fz, x = _traced_cnn()
    _fresh(direct_calls)
    with ember.no_grad(), ember.profiler.profile() as prof:
        fz(x)
    assert not direct_calls
    names = {e.key for e in prof.key_averages()}
    assert any("conv" in n for n in names), names


def test_other_input_dtype_or_rank_takes_the_dispatch_way(direct_calls):
    _, tr, fz, x = _traced_cnn()
    _fresh(direct_calls)
    x64 = x.double()
    with ember.no_grad():
        for m in (tr, fz):
            with pytest.raises(Exception) as slow_err:   # noqa: PT011 - same error as eager
                _ir.run_graph_reference(m.graph, m, [x64])
            with pytest.raises(type(slow_err.value)):
                m(x64)
        # a dtype the ops promote: the dispatch way runs and matches the reference
        f = ember.jit.trace(lambda a: a * 2 + 1, ember.ones(3))
        _fresh(direct_calls)
        xi = ember.arange(3)
        _same(f(xi), _ir.run_graph_reference(f.graph, None, [xi]))
        _same(f(xi), xi * 2 + 1)
        xr = ember.ones(2, 3)                         # another rank
        _same(f(xr), xr * 2 + 1)
    assert not direct_calls
    with ember.no_grad():
        f(ember.ones(5))
    assert len(direct_calls) == 1


def test_parameter_dtype_changed_after_trace_takes_the_dispatch_way(direct_calls):
    em, tr, _, x = _traced_cnn()
    _fresh(direct_calls)
    tr.double()
    with ember.no_grad():
        x64 = x.double()
        _same(tr(x64), _ir.run_graph_reference(tr.graph, tr, [x64]))
        _same(tr(x64), em.double()(x64))
    assert not direct_calls


def test_plan_follows_graph_rewrites(direct_calls):
    em, _ = pair(build_convbn, eval_mode=True)
    x, _ = inputs(2, 3, 8, 8)
    with ember.no_grad():
        fz = ember.jit.freeze(ember.jit.trace(em, x), optimize_numerics=False)
        before = fz(x)
        n_before = len(fz.graph.nodes())
        ember.jit.optimize_for_inference(fz)        # rewrites the frozen graph in place
        assert len(fz.graph.nodes()) < n_before
        after = fz(x)
        _same(after, _ir.run_graph_reference(fz.graph, fz, [x]))
        np.testing.assert_allclose(after.numpy(), before.numpy(), rtol=1e-5, atol=1e-5)
