"""``ember.func.vmap`` compared with ``torch.func.vmap``: in/out dims, nesting,
per-sample gradients, randomness modes and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.func  # noqa: F401

import ember
import ember.func  # noqa: F401

from .helpers import both, mlp, raises_same, to_np

RNG = np.random.default_rng(2)
A = RNG.standard_normal((4, 3))
B = RNG.standard_normal((3, 4))
C = RNG.standard_normal((4, 2, 3))
V = RNG.standard_normal(3)


def test_in_dims_and_out_dims():
    both(lambda lib: lib.func.vmap(lambda x: x.sin() * x.sum())(lib.tensor(A)))
    both(lambda lib: lib.func.vmap(lambda x, y: x * y, in_dims=(0, 1))(lib.tensor(A),
                                                                       lib.tensor(B)))
    both(lambda lib: lib.func.vmap(lambda x, v: x @ v, in_dims=(0, None))(lib.tensor(C),
                                                                          lib.tensor(V)))
    both(lambda lib: lib.func.vmap(lambda x: x * 2, in_dims=-1, out_dims=1)(lib.tensor(C)))
    both(lambda lib: lib.func.vmap(lambda x: (x, x.sum(0)), out_dims=(1, 0))(lib.tensor(C)))
    both(lambda lib: lib.func.vmap(lambda x: x.t(), out_dims=-1)(lib.tensor(C)))


def test_pytrees_kwargs_and_unbatched_outputs():
    def run(lib):
        def f(d, scale, *, shift):
            return {"s": d["a"] * scale + shift, "p": (d["b"].sum(), lib.tensor(1.0))}
        return lib.func.vmap(f, in_dims=({"a": 0, "b": 1}, None), out_dims={"s": 0,
                                                                            "p": (0, None)})(
            {"a": lib.tensor(A), "b": lib.tensor(B)}, 2.0, shift=lib.tensor(V))
    both(run)
    both(lambda lib: lib.func.vmap(lambda x, n: x * n, in_dims=(0, None))(lib.tensor(A), 3))


def test_nested_vmap():
    both(lambda lib: lib.func.vmap(lib.func.vmap(lambda x: x * x.sum()))(lib.tensor(C)))
    # outer product by nesting with complementary in_dims
    both(lambda lib: lib.func.vmap(lib.func.vmap(lambda a, b: a * b, in_dims=(None, 0)),
                                   in_dims=(0, None))(lib.tensor(V), lib.tensor(A[:, 0])))
    both(lambda lib: lib.func.vmap(lib.func.vmap(lambda x: x.exp(), in_dims=1), in_dims=2,
                                   out_dims=1)(lib.tensor(C)))


def test_per_sample_gradients_match_torch_and_loop():
    xb = RNG.standard_normal((5, 4))
    yb = RNG.standard_normal((5, 3))

    def run(lib):
        m = mlp(lib)
        params = {k: v.detach() for k, v in m.named_parameters()}

        def loss(p, x, y):
            out = lib.func.functional_call(m, p, (x.unsqueeze(0),))
            return ((out - y.unsqueeze(0)) ** 2).mean()
        return lib.func.vmap(lib.func.grad(loss), in_dims=(None, 0, 0))(
            params, lib.tensor(xb), lib.tensor(yb))
    e, t = both(run)
    # and against one ordinary backward per sample in ember
    m = mlp(ember)
    for i in range(5):
        m.zero_grad()
        out = m(ember.tensor(xb[i:i + 1]))
        ((out - ember.tensor(yb[i:i + 1])) ** 2).mean().backward()
        for k, p in m.named_parameters():
            np.testing.assert_allclose(to_np(e[k][i]), to_np(p.grad), rtol=1e-12, atol=1e-14)


def test_vmap_of_jacrev_and_grad_of_vmap():
    both(lambda lib: lib.func.vmap(lib.func.jacrev(lambda x: x.sin() * x.sum()))(
        lib.tensor(A)))
    both(lambda lib: lib.func.grad(lambda x: lib.func.vmap(lambda r: (r ** 3).sum())(x).sum())(
        lib.tensor(A)))

    def attached(lib):
        x = lib.tensor(A, requires_grad=True)
        out = lib.func.vmap(lambda r: r.exp() * r[0])(x)
        return out, lib.autograd.grad(out.sum(), x)
    both(attached)


def test_chunk_size_gives_same_result():
    both(lambda lib: lib.func.vmap(lambda x: x.cos(), chunk_size=3)(lib.tensor(C)))
    both(lambda lib: lib.func.vmap(lambda x: x.cos(), chunk_size=1)(lib.tensor(C)))


def _rand_fn(lib):
    return lambda x: x + lib.rand(3, dtype=lib.float64)


def test_randomness_error():
    raises_same(lambda lib: lib.func.vmap(_rand_fn(lib))(lib.tensor(A)))
    raises_same(lambda lib: lib.func.vmap(
        lambda x: lib.nn.functional.dropout(x, 0.5, training=True))(lib.tensor(A)))


@pytest.mark.parametrize("mode", ["same", "different"])
def test_randomness_same_and_different(mode):
    for lib in (ember, torch):
        lib.manual_seed(0)
        out = lib.func.vmap(_rand_fn(lib), randomness=mode)(lib.zeros(4, 3, dtype=lib.float64))
        rows = out.detach().numpy()
        equal = all(np.array_equal(rows[0], r) for r in rows[1:])
        assert equal == (mode == "same"), (lib.__name__, mode)


def test_errors():
    raises_same(lambda lib: lib.func.vmap(lambda x: x, randomness="bogus"))
    raises_same(lambda lib: lib.func.vmap(lambda x: x, chunk_size=0))
    raises_same(lambda lib: lib.func.vmap(lambda x: x)())
    raises_same(lambda lib: lib.func.vmap(lambda x, y: x + y.t())(lib.tensor(A),
                                                                   lib.tensor(B)))
    raises_same(lambda lib: lib.func.vmap(lambda x: x, in_dims=2)(lib.tensor(A)))
    raises_same(lambda lib: lib.func.vmap(lambda x, n: x, in_dims=(0, 0))(lib.tensor(A), 3))
    raises_same(lambda lib: lib.func.vmap(lambda x: x, in_dims=None)(lib.tensor(A)))
    raises_same(lambda lib: lib.func.vmap(lambda x: x, in_dims=[0])(lib.tensor(A)))
    raises_same(lambda lib: lib.func.vmap(lambda x: x, in_dims=(0.5,))(lib.tensor(A)))
    raises_same(lambda lib: lib.func.vmap(lambda x: 3.0)(lib.tensor(A)))
    raises_same(lambda lib: lib.func.vmap(lambda x: x, out_dims="a")(lib.tensor(A)))
    # out_dims=None is only for outputs that do not depend on the mapped inputs
    raises_same(lambda lib: lib.func.vmap(lambda x: x * 2, out_dims=None)(lib.tensor(A)))
    raises_same(lambda lib: lib.func.vmap(lambda x: (x, x.detach()[0]), out_dims=(0, None))(
        lib.tensor(A)))
    for bad in (lambda lib: lib.func.vmap(lambda x: x, in_dims=(0, 0))(lib.tensor(A)),
                lambda lib: lib.func.vmap(lambda x: (x, x), out_dims=(0, 0, 0))(
                    lib.tensor(A))):
        e, t = raises_same(bad, match_message=False)
        assert str(e).split("structure")[0] == str(t).split("structure")[0]
