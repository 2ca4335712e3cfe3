"""Autograd semantics compared with PyTorch: the same program runs on both libraries."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember

LIBS = [ember, torch]


def _np(t):
    return t.detach().numpy() if t is not None else None


def both(fn):
    """Run ``fn(lib)`` on ember and torch; compare the returned tensors/values."""
    e, t = fn(ember), fn(torch)
    _cmp(e, t)
    return e, t


def _cmp(e, t):
    if isinstance(t, (tuple, list)):
        assert len(e) == len(t)
        for a, b in zip(e, t):
            _cmp(a, b)
    elif isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor)
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_allclose(_np(e), _np(t), rtol=1e-5, atol=1e-6)
    elif t is None:
        assert e is None
    else:
        assert e == t


A = np.array([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]], dtype=np.float32)
B = np.array([[1.1, 0.4], [-0.6, 0.9], [0.2, -1.3]], dtype=np.float32)


def test_backward_and_accumulate():
    def f(lib):
        x = lib.tensor(A, requires_grad=True)
        w = lib.tensor(B, requires_grad=True)
        loss = ((x @ w).exp() * 2.0 - x.sum(dim=1, keepdim=True)).sum()
        loss.backward(retain_graph=True)
        loss.backward()  # accumulates
        return x.grad, w.grad, loss
    both(f)


def test_backward_twice_without_retain_raises():
    for lib in LIBS:
        x = lib.tensor(A, requires_grad=True)
        y = (x * x).sum()
        y.backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.backward()


def test_inplace_on_saved_tensor_raises():
    for lib in LIBS:
        x = lib.tensor(A, requires_grad=True)
        h = x * 1.0
        y = h.exp()  # saves its output
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
        x2 = lib.tensor(A, requires_grad=True)
        a = x2 * 2.0
        b = a * a  # saves a
        a.mul_(3)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            b.sum().backward()


def test_inplace_on_leaf_raises_and_no_grad_allows():
    for lib in LIBS:
        x = lib.tensor(A, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            x.add_(1)
        with lib.no_grad():
            x.add_(1)
        np.testing.assert_allclose(_np(x), A + 1)


def test_inplace_rebases_history():
    def f(lib):
        x = lib.tensor(A, requires_grad=True)
        y = x * 2.0
        y.mul_(3.0)  # saves nothing of y, so later in-place changes are fine (as torch)
        y.add_(x)
        y.exp_()
        y.sum().backward()
        return x.grad, y, y._version if hasattr(y, "_version") and lib is torch else None
    e, t = fn_pair(f)
    _cmp(e[:2], t[:2])


def fn_pair(f):
    return f(ember), f(torch)


def test_version_counter_matches_torch():
    def f(lib):
        x = lib.zeros(3)
        v0 = x._version
        x.add_(1)
        x.mul_(2)
        return v0, x._version
    e, t = fn_pair(f)
    assert (e[0], e[1]) == (t[0], t[1])


def test_grad_modes():
    for lib in LIBS:
        x = lib.tensor(A, requires_grad=True)
        with lib.no_grad():
            assert not (x * 2).requires_grad
            with lib.enable_grad():
                assert (x * 2).requires_grad
        assert lib.is_grad_enabled()
        with lib.set_grad_enabled(False):
            assert not lib.is_grad_enabled()
        assert lib.is_grad_enabled()
        lib.set_grad_enabled(False)
        assert not (x * 2).requires_grad
        lib.set_grad_enabled(True)
        with lib.inference_mode():
            assert not (x * 2).requires_grad

        @lib.no_grad()
        def g(t):
            return t * 2
        assert not g(x).requires_grad

        @lib.inference_mode()
        def h(t):
            return t * 2
        assert not h(x).requires_grad


def test_retain_grad_and_nonleaf_grad():
    def f(lib):
        x = lib.tensor(A, requires_grad=True)
        y = x * 3.0
        y.retain_grad()
        z = y * y
        z.sum().backward()
        return x.grad, y.grad, y.is_leaf, x.is_leaf
    both(f)


def test_hooks_leaf_and_nonleaf():
    def f(lib):
        x = lib.tensor(A, requires_grad=True)
        seen = []
        h1 = x.register_hook(lambda g: g * 2)
        y = x * 3.0
        y.register_hook(lambda g: seen.append(g.sum().item()))
        h2 = y.register_hook(lambda g: g + 1)
        (y * y).sum().backward()
        g1 = x.grad.clone()
        h1.remove()
        h2.remove()
        x.grad = None
        (x * 3.0).sum().backward()
        return g1, x.grad, lib.tensor(seen)
    both(f)


def test_grad_create_graph_higher_order():
    def f(lib):
        x = lib.tensor(np.array([0.5, -1.0, 2.0], dtype=np.float64), requires_grad=True)
        y = (x * x * x).sum()
        (g1,) = lib.autograd.grad(y, x, create_graph=True)
        (g2,) = lib.autograd.grad(g1.sum(), x, create_graph=True)
        (g3,) = lib.autograd.grad(g2.sum(), x)
        return g1, g2, g3
    both(f)


def test_grad_allow_unused_and_errors():
    for lib in LIBS:
        x = lib.tensor(A, requires_grad=True)
        z = lib.tensor(A, requires_grad=True)
        y = (x * 2.0).sum()
        gx, gz = lib.autograd.grad(y, [x, z], allow_unused=True, retain_graph=True)
        assert gz is None
        with pytest.raises(RuntimeError, match="not have been used in the graph"):
            lib.autograd.grad(y, [x, z], retain_graph=True)
        with pytest.raises(RuntimeError, match="does not require grad"):
            lib.tensor(A).sum().backward()
        with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
            (x * 2.0).backward()


def test_backward_inputs_restricts_accumulation():
    def f(lib):
        x = lib.tensor(A, requires_grad=True)
        w = lib.tensor(B, requires_grad=True)
        (x @ w).sum().backward(inputs=[w])
        return x.grad, w.grad
    both(f)


def test_backward_with_gradient_argument():
    def f(lib):
        x = lib.tensor(A, requires_grad=True)
        y = x * x
        y.backward(lib.tensor(np.ones_like(A) * 0.5))
        return x.grad
    both(f)
    for lib in LIBS:
        x = lib.tensor(A, requires_grad=True)
        with pytest.raises(RuntimeError, match="Mismatch in shape"):
            (x * 2.0).backward(lib.ones(3))


def test_grad_fn_names_and_next_functions():
    for lib in LIBS:
        x = lib.tensor(A, requires_grad=True)
        y = x * 2.0
        assert y.grad_fn.name() == "MulBackward0"
        acc = y.grad_fn.next_functions[0][0]
        assert type(acc).__name__ == "AccumulateGrad" and acc.variable is x
        z = y + y
        assert z.grad_fn.name() == "AddBackward0"
        assert (z.sum()).grad_fn.name() == "SumBackward0"
        assert x.grad_fn is None and z.grad_fn.next_functions[0][0] is y.grad_fn


def test_create_graph_grad_has_graph():
    def f(lib):
        x = lib.tensor(A.astype(np.float64), requires_grad=True)
        (x * x).sum().backward(create_graph=True)
        g = x.grad
        assert g.requires_grad
        (g * g).sum().backward()
        return x.grad
    both(f)


def test_detach_shares_memory_and_version():
    for lib in LIBS:
        x = lib.tensor(A, requires_grad=True)
        d = x.detach()
        assert not d.requires_grad
        with lib.no_grad():
            d.add_(1)
        np.testing.assert_allclose(_np(x), A + 1)
        assert x._version == d._version


def _make_square(lib):
    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, k):
            ctx.save_for_backward(a)
            ctx.k = k
            return a * a * k

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False)
            return 2 * a * g * ctx.k, None
    return Square


def test_custom_function():
    def f(lib):
        sq = _make_square(lib)
        x = lib.tensor(A, requires_grad=True)
        y = sq.apply(x, 3.0)
        assert "Backward" in type(y.grad_fn).__name__
        y.sum().backward()
        return y, x.grad
    both(f)


def test_custom_function_double_backward_and_gradcheck():
    sq = _make_square(ember)
    x = ember.tensor(A.astype(np.float64), requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: sq.apply(t, 2.0), (x,))
    assert ember.autograd.gradgradcheck(lambda t: sq.apply(t, 2.0), (x,))


def test_custom_function_mark_dirty_and_non_differentiable():
    def f(lib):
        class AddOneInplace(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                a.add_(1)
                ctx.mark_dirty(a)
                return a

            @staticmethod
            def backward(ctx, g):
                return g

        class SortLike(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                idx = lib.zeros(a.shape, dtype=lib.int64)
                ctx.mark_non_differentiable(idx)
                return a * 2, idx

            @staticmethod
            def backward(ctx, g, gi):
                return g * 2

        x = lib.tensor(A, requires_grad=True)
        y = x * 1.0
        z = AddOneInplace.apply(y)
        v, i = SortLike.apply(z)
        assert not i.requires_grad
        v.sum().backward()
        return z, x.grad
    both(f)


def test_custom_function_materialize_grads():
    def f(lib):
        class Two(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2, a * 3

            @staticmethod
            def backward(ctx, g1, g2):
                return g1 * 2 + g2 * 3

        x = lib.tensor(A, requires_grad=True)
        a, _ = Two.apply(x)
        a.sum().backward()
        return x.grad
    both(f)


def test_custom_function_saved_tensor_version_check():
    for lib in LIBS:
        sq = _make_square(lib)
        x = lib.tensor(A, requires_grad=True)
        h = x * 1.0
        y = sq.apply(h, 1.0)
        h.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_detect_anomaly_names_node():
    for lib in LIBS:
        class NanGrad(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 1

            @staticmethod
            def backward(ctx, g):
                return g * float("nan")

        x = lib.tensor(A, requires_grad=True)
        with pytest.warns(UserWarning), lib.autograd.detect_anomaly():
            y = NanGrad.apply(x)
            with pytest.raises(RuntimeError, match="returned nan values in its 0th output"):
                y.sum().backward()


def test_gradcheck_detects_wrong_gradient():
    class Wrong(ember.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * a

        @staticmethod
        def backward(ctx, g):
            return g  # wrong: should be 2*a*g

    x = ember.tensor(A.astype(np.float64), requires_grad=True)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        ember.autograd.gradcheck(Wrong.apply, (x,))
    assert not ember.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False)


def test_requires_grad_rules():
    for lib in LIBS:
        with pytest.raises(RuntimeError, match="floating point"):
            lib.tensor([1, 2]).requires_grad_()
        x = lib.tensor(A, requires_grad=True)
        y = x * 2
        with pytest.raises(RuntimeError, match="leaf variables"):
            y.requires_grad_(False)
        assert (x.detach() * 2).requires_grad is False


def test_grad_dtype_follows_input_dtype():
    def f(lib):
        x = lib.tensor(A, requires_grad=True)            # float32
        w = lib.tensor(B.astype(np.float64), requires_grad=True)  # float64
        (x @ w.float()).sum().backward() if lib is torch else (x @ w.float()).sum().backward()
        return x.grad, w.grad
    both(f)
    def g(lib):
        x = lib.tensor(A, requires_grad=True)
        d = lib.tensor(A.astype(np.float64), requires_grad=True)
        (x * d).sum().backward()  # promoted to float64; grads cast back
        return x.grad, d.grad
    both(g)
