"""``ember.func`` grad/vjp/jvp/jacrev/jacfwd/hessian compared with ``torch.func``."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.func  # noqa: F401

import ember
import ember.func  # noqa: F401

from .helpers import both, mlp, raises_same

RNG = np.random.default_rng(1)
X = RNG.standard_normal(3)
Y = RNG.standard_normal((2, 3))
S = np.array(0.7)
XB = RNG.standard_normal((6, 4))
YB = RNG.standard_normal((6, 3))


def f3(lib):
    return lambda x: (x.sin() * x ** 2).sum()


def f_xy(lib):
    return lambda x, y: ((y @ x).exp() * x[0]).sum()


def test_grad_basic_and_argnums():
    both(lambda lib: lib.func.grad(f3(lib))(lib.tensor(X)))
    both(lambda lib: lib.func.grad(f_xy(lib), argnums=1)(lib.tensor(X), lib.tensor(Y)))
    both(lambda lib: lib.func.grad(f_xy(lib), argnums=(0, 1))(lib.tensor(X), lib.tensor(Y)))
    both(lambda lib: lib.func.grad(f_xy(lib), argnums=-2)(lib.tensor(X), lib.tensor(Y)))
    both(lambda lib: lib.func.grad_and_value(f_xy(lib))(lib.tensor(X), lib.tensor(Y)))


def test_grad_pytree_argument_and_kwargs():
    def f(lib):
        return lambda d, scale=1.0: ((d["a"] * d["b"][0]).sum() + d["b"][1].cos().sum()) * scale
    both(lambda lib: lib.func.grad(f(lib))({"a": lib.tensor(X), "b": (lib.tensor(X[::-1].copy()),
                                                                       lib.tensor(Y))},
                                           scale=2.0))


def test_grad_has_aux():
    def f(lib):
        return lambda x: ((x ** 2).sum(), {"m": x.mean(), "n": (x * 2,)})
    both(lambda lib: lib.func.grad(f(lib), has_aux=True)(lib.tensor(X)))
    both(lambda lib: lib.func.grad_and_value(f(lib), has_aux=True)(lib.tensor(X)))
    raises_same(lambda lib: lib.func.grad(lambda x: (x.sum(), 3), has_aux=True)(lib.tensor(X)))


def test_grad_unused_and_constant():
    both(lambda lib: lib.func.grad(lambda x, y: (y * 2).sum(), argnums=(0, 1))(
        lib.tensor(X), lib.tensor(Y)))
    both(lambda lib: lib.func.grad(lambda x: lib.tensor(1.5, dtype=lib.float64))(lib.tensor(X)))


def test_grad_errors():
    raises_same(lambda lib: lib.func.grad(lambda x: x * 2)(lib.tensor(X)))
    raises_same(lambda lib: lib.func.grad(lambda x: 3.0)(lib.tensor(X)))
    raises_same(lambda lib: lib.func.grad(lambda x: x.sum(), has_aux=True)(lib.tensor(X)))
    raises_same(lambda lib: lib.func.grad(lambda x: x.sum(), argnums=2)(lib.tensor(X)))
    raises_same(lambda lib: lib.func.grad(lambda x: x.sum(), argnums=())(lib.tensor(X)))
    raises_same(lambda lib: lib.func.grad(lambda x, y: x.sum(), argnums=(0, 0))(
        lib.tensor(X), lib.tensor(X)))
    raises_same(lambda lib: lib.func.grad(lambda x: x.sum(), argnums=[0])(lib.tensor(X)))
    raises_same(lambda lib: lib.func.grad(lambda x: x)(3.0))


def test_nested_grad_and_closures():
    both(lambda lib: lib.func.grad(lib.func.grad(lambda x: x.sin() * x ** 3))(
        lib.tensor(S)))
    both(lambda lib: lib.func.grad(lib.func.grad(lib.func.grad(lambda x: x.exp() * x ** 4)))(
        lib.tensor(S)))

    def mixed(lib):
        # d/dy [ d/dx (x*y)^2 ] at scalar points: the inner grad closes over y
        def outer(y):
            return lib.func.grad(lambda x: (x * y) ** 2)(lib.tensor(0.3, dtype=lib.float64))
        return lib.func.grad(outer)(lib.tensor(S))
    both(mixed)


def test_grad_and_regular_autograd():
    """At top level the result is attached to the caller's graph only through inputs
    that require grad; under no_grad the transform still differentiates."""
    def attached(lib):
        x = lib.tensor(X, requires_grad=True)
        g = lib.func.grad(f3(lib))(x)
        (gg,) = lib.autograd.grad(g.sum(), x)
        return g, gg
    both(attached)

    def in_no_grad(lib):
        x = lib.tensor(X, requires_grad=True)
        with lib.no_grad():
            return lib.func.grad(f3(lib))(x)
    both(in_no_grad)

    def inner_no_grad(lib):
        def f(x):
            with lib.no_grad():
                c = x * 3
            return (c * x).sum()
        return lib.func.grad(f)(lib.tensor(X))
    both(inner_no_grad)


def test_vjp():
    def run(lib):
        out, fn = lib.func.vjp(lambda x, y: (y @ x, x.exp()), lib.tensor(X), lib.tensor(Y))
        ct = (lib.ones(2, dtype=lib.float64), lib.tensor(X * 0.5))
        return out, fn(ct)
    both(run)

    def aux(lib):
        out, fn, a = lib.func.vjp(lambda x: (x.sin(), x.sum()), lib.tensor(X), has_aux=True)
        return out, fn(lib.tensor(X)), a
    both(aux)

    def pytree(lib):
        out, fn = lib.func.vjp(lambda d: {"s": d["a"] * d["b"]},
                               {"a": lib.tensor(X), "b": lib.tensor(X[::-1].copy())})
        return out, fn({"s": lib.ones(3, dtype=lib.float64)})
    both(pytree)


def test_vjp_errors():
    def bad_ct(lib):
        _, fn = lib.func.vjp(lambda x: (x.sin(), x), lib.tensor(X))
        return fn(lib.ones(3, dtype=lib.float64))
    e, t = raises_same(bad_ct, match_message=False)
    assert "Expected pytree structure of cotangents" in str(e)
    raises_same(lambda lib: lib.func.vjp(lambda x: x.sum(), lib.tensor(X), has_aux=True))
    raises_same(lambda lib: lib.func.vjp(lambda x: (x > 0), lib.tensor(X)))


def test_jvp():
    def run(lib):
        return lib.func.jvp(lambda x, y: (y @ x.sin(), (x * x).sum()),
                            (lib.tensor(X), lib.tensor(Y)),
                            (lib.tensor(X[::-1].copy()), lib.tensor(Y * 2)))
    both(run)
    both(lambda lib: lib.func.jvp(lambda x: (x.exp(), x.sum()), (lib.tensor(X),),
                                  (lib.ones(3, dtype=lib.float64),), has_aux=True))
    both(lambda lib: lib.func.jvp(lambda x, y: x * 2, (lib.tensor(X), lib.tensor(X)),
                                  (lib.ones(3, dtype=lib.float64),
                                   lib.ones(3, dtype=lib.float64))))

    def attached(lib):
        x = lib.tensor(X, requires_grad=True)
        _, jv = lib.func.jvp(lambda a: a ** 3, (x,), (lib.ones(3, dtype=lib.float64),))
        return jv, lib.autograd.grad(jv.sum(), x)
    both(attached)


def test_jvp_errors():
    raises_same(lambda lib: lib.func.jvp(lambda x: x, lib.tensor(X), (lib.tensor(X),)))
    e, _ = raises_same(lambda lib: lib.func.jvp(lambda x: x, (lib.tensor(X),),
                                                (lib.tensor(X), lib.tensor(X))),
                       match_message=False)
    assert "Expected primals and tangents to have the same python structure" in str(e)
    raises_same(lambda lib: lib.func.jvp(lambda x: x.sum(), (lib.tensor(X),),
                                         (lib.tensor(X),), has_aux=True))
    raises_same(lambda lib: lib.func.jvp(lambda x: x.detach() * 2, (lib.tensor(X),),
                                         (lib.tensor(X),), strict=True))
    raises_same(lambda lib: lib.func.jvp(lambda x: x * 2, (lib.tensor(X),),
                                         (lib.ones(2, dtype=lib.float64),)))


@pytest.mark.parametrize("name", ["jacrev", "jacfwd"])
def test_jacrev_jacfwd(name):
    def J(lib):
        return getattr(lib.func, name)
    both(lambda lib: J(lib)(lambda x: x.sin() * x.sum())(lib.tensor(X)))
    both(lambda lib: J(lib)(f_xy(lib), argnums=(0, 1))(lib.tensor(X), lib.tensor(Y)))
    both(lambda lib: J(lib)(lambda x, y: (y @ x, {"q": x ** 2}), argnums=1)(
        lib.tensor(X), lib.tensor(Y)))
    both(lambda lib: J(lib)(lambda d: d["a"] * d["b"].sum())(
        {"a": lib.tensor(X), "b": lib.tensor(Y)}))
    both(lambda lib: J(lib)(lambda x: (x.exp(), x.sum()), has_aux=True)(lib.tensor(X)))


def test_hessian_and_nested_jacobians():
    both(lambda lib: lib.func.hessian(f3(lib))(lib.tensor(X)))
    both(lambda lib: lib.func.hessian(f_xy(lib), argnums=(0, 1))(lib.tensor(X),
                                                                 lib.tensor(Y)))
    both(lambda lib: lib.func.jacrev(lib.func.jacrev(lambda x: x ** 3))(lib.tensor(X)))
    both(lambda lib: lib.func.jacfwd(lib.func.grad(f3(lib)))(lib.tensor(X)))


def test_jacobian_errors():
    raises_same(lambda lib: lib.func.jacrev(lambda x: x, chunk_size=0))
    raises_same(lambda lib: lib.func.jacfwd(lambda x: x, randomness="bogus")(lib.tensor(X)))


def test_grad_of_functional_call_matches_module_backward():
    def run(lib):
        m = mlp(lib)
        params = {k: v.detach() for k, v in m.named_parameters()}
        x = lib.tensor(XB)
        y = lib.tensor(YB)

        def loss(p, xb, yb):
            return ((lib.func.functional_call(m, p, (xb,)) - yb) ** 2).mean()
        g = lib.func.grad(loss)(params, x, y)
        loss(dict(m.named_parameters()), x, y).backward()
        ref = {k: v.grad for k, v in m.named_parameters()}
        for k in g:
            np.testing.assert_allclose(g[k].numpy(), ref[k].numpy(), rtol=1e-12, atol=1e-14)
        return g
    both(run)


def test_transform_results_are_plain_tensors():
    e = ember.func.grad(f3(ember))(ember.tensor(X))
    assert not e.requires_grad and e.grad_fn is None


XI = RNG.standard_normal((2, 3, 6, 6))
TI = RNG.standard_normal((2, 3, 6, 6))
WC = RNG.standard_normal((4, 3, 3, 3))
NN_CASES = {
    "conv2d": lambda lib: lambda x: lib.nn.functional.conv2d(x, lib.tensor(WC), padding=1),
    "batch_norm": lambda lib: lambda x: lib.nn.functional.batch_norm(x, None, None,
                                                                     training=True),
    "relu_max_pool": lambda lib: lambda x: lib.nn.functional.max_pool2d(lib.relu(x), 2),
    "softmax": lambda lib: lambda x: lib.softmax(x, -1),
    "layer_norm": lambda lib: lambda x: lib.nn.functional.layer_norm(x, (6,)),
    "gelu": lambda lib: lambda x: lib.nn.functional.gelu(x),
}


@pytest.mark.parametrize("case", sorted(NN_CASES))
def test_jvp_and_jacfwd_through_nn_ops(case):
    """The double-backward trick needs every backward to be differentiable in its
    incoming gradient; check it on the common nn kernels against torch's forward AD."""
    f = NN_CASES[case]
    both(lambda lib: lib.func.jvp(f(lib), (lib.tensor(XI),), (lib.tensor(TI),)),
         rtol=1e-10, atol=1e-12)
    both(lambda lib: lib.func.jacfwd(lambda x: f(lib)(x.reshape(2, 3, 6, 6)).sum(0).mean())(
        lib.tensor(XI.reshape(-1))), rtol=1e-10, atol=1e-12)


def test_vjp_fn_graph_rules():
    """vjp_fn's result is differentiable w.r.t. a cotangent or primal that requires
    grad, and plain under no_grad."""
    def run(lib):
        ct = lib.tensor(X, requires_grad=True)
        _, fn = lib.func.vjp(lambda x: x.sin() * x, lib.tensor(X * 2))
        (g1,) = fn(ct)
        x = lib.tensor(X, requires_grad=True)
        _, fn2 = lib.func.vjp(lambda a: a ** 3, x)
        (g2,) = fn2(lib.ones(3, dtype=lib.float64))
        with lib.no_grad():
            (g3,) = fn2(lib.ones(3, dtype=lib.float64))
        return (g1, lib.autograd.grad(g1.sum(), ct), g2, lib.autograd.grad(g2.sum(), x), g3)
    both(run)


def test_linearize():
    def run(lib):
        out, fn = lib.func.linearize(lambda x, y: (x.sin() * y).sum(0), lib.tensor(Y),
                                     lib.tensor(Y * 2))
        return out, fn(lib.ones(2, 3, dtype=lib.float64), lib.tensor(Y)), fn(
            lib.tensor(Y), lib.zeros(2, 3, dtype=lib.float64))
    both(run)
    raises_same(lambda lib: lib.func.linearize(lambda x: x.sin(), lib.tensor(X))[1](
        lib.ones(2, dtype=lib.float64)))
    raises_same(lambda lib: lib.func.linearize(lambda x: x.sin(), lib.tensor(X))[1](
        lib.ones(3)))
    e, _ = raises_same(lambda lib: lib.func.linearize(lambda x: x.sin(), lib.tensor(X))[1](
        lib.ones(3, dtype=lib.float64), lib.ones(3, dtype=lib.float64)), match_message=False)
    assert "to have the same argspec as the primals" in str(e)
