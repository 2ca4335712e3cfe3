"""``ember.autograd.functional`` compared with ``torch.autograd.functional``: the same
program runs on both libraries, values, shapes, requires_grad and errors must agree."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.autograd.functional  # noqa: F401

import ember
import ember.autograd.functional  # noqa: F401

RNG = np.random.default_rng(0)
X3 = RNG.standard_normal(3).astype(np.float64)
Y2 = RNG.standard_normal((2, 2)).astype(np.float64)
W = RNG.standard_normal((3, 2)).astype(np.float64)


def F(lib):
    return lib.autograd.functional


def _cmp(e, t, check_requires_grad=True):
    if isinstance(t, (tuple, list)):
        assert type(e) is type(t), (type(e), type(t))
        assert len(e) == len(t)
        for a, b in zip(e, t):
            _cmp(a, b, check_requires_grad)
    elif isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor)
        assert tuple(e.shape) == tuple(t.shape)
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        assert e.requires_grad == t.requires_grad or not check_requires_grad
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
    else:
        assert e == t


def both(fn, check_requires_grad=True):
    e, t = fn(ember), fn(torch)
    _cmp(e, t, check_requires_grad)
    return e, t


def raises_same(fn):
    """``fn(lib)`` raises the same exception type and message on both libraries."""
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(type(te.value)) as ee:
        fn(ember)
    assert str(ee.value).replace("ember", "torch") == str(te.value)


def f_vec(lib):
    return lambda x: (x ** 3) * x.sin()


def f_scalar(lib):
    return lambda x: (x.exp() * x).sum()


def f_two(lib):
    w = lib.tensor(W)
    return lambda x, y: ((x.unsqueeze(0) @ w).squeeze(0) * y[0]).tanh()


def f_two_out(lib):
    return lambda x, y: (x.cos() * 2.0, (y * y).sum() + x[0])


# --- vjp / jvp -------------------------------------------------------------------------------

@pytest.mark.parametrize("create_graph", [False, True])
def test_vjp_single(create_graph):
    def run(lib):
        x = lib.tensor(X3, requires_grad=create_graph)
        v = lib.tensor(X3[::-1].copy())
        return F(lib).vjp(f_vec(lib), x, v, create_graph=create_graph)
    both(run)


def test_vjp_tuples_and_v_none():
    both(lambda lib: F(lib).vjp(f_two_out(lib), (lib.tensor(X3), lib.tensor(Y2)),
                                (lib.ones(3, dtype=lib.float64), lib.tensor(1.5,
                                                                            dtype=lib.float64))))
    both(lambda lib: F(lib).vjp(f_scalar(lib), lib.tensor(X3)))


def test_vjp_errors():
    raises_same(lambda lib: F(lib).vjp(f_vec(lib), lib.tensor(X3)))
    raises_same(lambda lib: F(lib).vjp(f_vec(lib), lib.tensor(X3), lib.ones(4)))
    raises_same(lambda lib: F(lib).vjp(f_two_out(lib), (lib.tensor(X3), lib.tensor(Y2)),
                                       (lib.ones(3),)))
    raises_same(lambda lib: F(lib).vjp(f_vec(lib), [lib.tensor(X3)], lib.ones(3)))
    raises_same(lambda lib: F(lib).vjp(f_vec(lib), (lib.tensor(X3), 3), lib.ones(3)))
    raises_same(lambda lib: F(lib).vjp(lambda x: lib.ones(3), lib.tensor(X3), lib.ones(3),
                                       strict=True))
    raises_same(lambda lib: F(lib).vjp(lambda x, y: x * 2, (lib.tensor(X3), lib.tensor(X3)),
                                       lib.ones(3, dtype=lib.float64), strict=True))


def test_vjp_unused_input_gives_zeros():
    both(lambda lib: F(lib).vjp(lambda x, y: x * 2, (lib.tensor(X3), lib.tensor(Y2)),
                                lib.ones(3, dtype=lib.float64)))


@pytest.mark.parametrize("create_graph", [False, True])
def test_jvp(create_graph):
    def run(lib):
        x = lib.tensor(X3, requires_grad=create_graph)
        y = lib.tensor(Y2, requires_grad=create_graph)
        v = (lib.tensor(X3[::-1].copy()), lib.tensor(Y2.T.copy()))
        out = F(lib).jvp(f_two(lib), (x, y), v, create_graph=create_graph)
        if create_graph:
            g = lib.autograd.grad(out[1].sum(), (x, y))
            return out, g
        return out
    both(run)
    both(lambda lib: F(lib).jvp(lambda x: x * x, lib.tensor([2.0], dtype=lib.float64)))
    both(lambda lib: F(lib).jvp(f_two_out(lib), (lib.tensor(X3), lib.tensor(Y2)),
                                (lib.ones(3, dtype=lib.float64),
                                 lib.ones(2, 2, dtype=lib.float64))))


def test_jvp_errors():
    raises_same(lambda lib: F(lib).jvp(f_vec(lib), lib.tensor(X3)))
    raises_same(lambda lib: F(lib).jvp(f_vec(lib), lib.tensor(X3), lib.ones(2)))
    raises_same(lambda lib: F(lib).jvp(lambda x: x.detach() * 2, lib.tensor(X3),
                                       lib.ones(3, dtype=lib.float64), strict=True))
    # a linear function passes strict mode (the trick's grad still depends on u)
    both(lambda lib: F(lib).jvp(lambda x: x * 2, lib.tensor(X3),
                                lib.ones(3, dtype=lib.float64), strict=True))


# --- jacobian ---------------------------------------------------------------------------------

@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_shapes(vectorize):
    kw = {"vectorize": vectorize}
    both(lambda lib: F(lib).jacobian(f_vec(lib), lib.tensor(X3), **kw))
    both(lambda lib: F(lib).jacobian(f_scalar(lib), lib.tensor(X3), **kw))
    both(lambda lib: F(lib).jacobian(f_two(lib), (lib.tensor(X3), lib.tensor(Y2)), **kw))
    both(lambda lib: F(lib).jacobian(f_two_out(lib), (lib.tensor(X3), lib.tensor(Y2)), **kw))
    both(lambda lib: F(lib).jacobian(lambda x: (x * 2,), lib.tensor(Y2), **kw))
    both(lambda lib: F(lib).jacobian(lambda x, y: x.exp(), (lib.tensor(X3), lib.tensor(Y2)),
                                     **kw))


def test_jacobian_create_graph():
    def run(lib):
        x = lib.tensor(X3, requires_grad=True)
        j = F(lib).jacobian(f_vec(lib), x, create_graph=True)
        (g,) = lib.autograd.grad(j.sum(), x)
        return j, g
    both(run)
    both(lambda lib: F(lib).jacobian(f_vec(lib), lib.tensor(X3, requires_grad=True)))


def test_jacobian_strategy_and_errors():
    both(lambda lib: F(lib).jacobian(f_two(lib), (lib.tensor(X3), lib.tensor(Y2)),
                                     vectorize=True, strategy="forward-mode"))
    raises_same(lambda lib: F(lib).jacobian(f_vec(lib), lib.tensor(X3),
                                            strategy="forward-mode"))
    raises_same(lambda lib: F(lib).jacobian(f_vec(lib), lib.tensor(X3), create_graph=True,
                                            strategy="forward-mode", vectorize=True))
    raises_same(lambda lib: F(lib).jacobian(f_vec(lib), lib.tensor(X3), strict=True,
                                            strategy="forward-mode", vectorize=True))
    raises_same(lambda lib: F(lib).jacobian(f_vec(lib), lib.tensor(X3), strategy="bogus"))
    raises_same(lambda lib: F(lib).jacobian(f_vec(lib), lib.tensor(X3), strict=True,
                                            vectorize=True))
    raises_same(lambda lib: F(lib).jacobian(lambda x, y: x * 3, (lib.tensor(X3),
                                                                 lib.tensor(Y2)), strict=True))
    raises_same(lambda lib: F(lib).jacobian(lambda x: x * 3, lib.tensor(X3), strict=True,
                                            create_graph=True))
    raises_same(lambda lib: F(lib).jacobian(lambda x: 3.0, lib.tensor(X3)))


# --- hessian / hvp / vhp -----------------------------------------------------------------------

def f_hess_two(lib):
    return lambda x, y: (x.sin() * x).sum() * (y ** 2).sum() + x[0] * y[1, 1] ** 3


@pytest.mark.parametrize("vectorize", [False, True])
def test_hessian(vectorize):
    both(lambda lib: F(lib).hessian(f_scalar(lib), lib.tensor(X3), vectorize=vectorize))
    both(lambda lib: F(lib).hessian(f_hess_two(lib), (lib.tensor(X3), lib.tensor(Y2)),
                                    vectorize=vectorize))


def test_hessian_create_graph_and_forward_strategy():
    def run(lib):
        x = lib.tensor(X3, requires_grad=True)
        h = F(lib).hessian(f_scalar(lib), x, create_graph=True)
        return h, lib.autograd.grad(h.sum(), x)
    both(run)
    # torch's forward-over-reverse result keeps a grad_fn (its dual inputs are set to
    # require grad in place); ember's result is detached: values and types are compared
    both(lambda lib: F(lib).hessian(f_hess_two(lib), (lib.tensor(X3), lib.tensor(Y2)),
                                    vectorize=True, outer_jacobian_strategy="forward-mode"),
         check_requires_grad=False)


def test_hessian_errors():
    raises_same(lambda lib: F(lib).hessian(f_vec(lib), lib.tensor(X3)))
    raises_same(lambda lib: F(lib).hessian(lambda x: (x.sum(), x.sum()), lib.tensor(X3)))
    raises_same(lambda lib: F(lib).hessian(lambda x: (x * 2).sum(), lib.tensor(X3),
                                           strict=True))
    raises_same(lambda lib: F(lib).hessian(f_scalar(lib), lib.tensor(X3),
                                           outer_jacobian_strategy="x"))


@pytest.mark.parametrize("fn_name", ["hvp", "vhp"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_hvp_vhp(fn_name, create_graph):
    def run(lib):
        fn = getattr(F(lib), fn_name)
        x = lib.tensor(X3, requires_grad=create_graph)
        y = lib.tensor(Y2, requires_grad=create_graph)
        v = (lib.tensor(X3 * 0.5), lib.tensor(Y2 - 1.0))
        out = fn(f_hess_two(lib), (x, y), v, create_graph=create_graph)
        single = fn(f_scalar(lib), x, lib.tensor(X3[::-1].copy()), create_graph=create_graph)
        return out, single
    both(run)


@pytest.mark.parametrize("fn_name", ["hvp", "vhp"])
def test_hvp_vhp_errors(fn_name):
    def call(f, *a, **k):
        return lambda lib: getattr(F(lib), fn_name)(f(lib), *a(lib), **k)
    raises_same(call(f_vec, lambda lib: (lib.tensor(X3), lib.ones(3, dtype=lib.float64))))
    raises_same(call(f_scalar, lambda lib: (lib.tensor(X3),)))
    raises_same(call(lambda lib: lambda x: (x.sum(),),
                     lambda lib: (lib.tensor(X3), lib.ones(3, dtype=lib.float64))))
    raises_same(call(lambda lib: lambda x: (x * 2).sum(),
                     lambda lib: (lib.tensor(X3), lib.ones(3, dtype=lib.float64)), strict=True))
    raises_same(call(f_scalar, lambda lib: (lib.tensor(X3), lib.ones(2, dtype=lib.float64))))


def test_grad_mode_respected():
    """Results carry no graph without create_graph, even when the inputs require grad."""
    def run(lib):
        x = lib.tensor(X3, requires_grad=True)
        with lib.no_grad():
            a = F(lib).vjp(f_vec(lib), x, lib.ones(3, dtype=lib.float64))
            b = F(lib).jacobian(f_vec(lib), x)
        return a, b
    both(run)
