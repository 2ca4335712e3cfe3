"""``ember.func.functional_call`` / ``stack_module_state`` compared with torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.func  # noqa: F401

import ember
import ember.func  # noqa: F401

from .helpers import both, mlp, raises_same, to_np

RNG = np.random.default_rng(3)
XB = RNG.standard_normal((2, 4))


def new_params(lib, m, seed=7):
    rng = np.random.default_rng(seed)
    return {k: lib.tensor(rng.standard_normal(tuple(v.shape))) for k, v in
            m.named_parameters()}


def test_dict_and_tuple_of_dicts_and_module_unchanged():
    def run(lib):
        m = mlp(lib)
        before = {k: v.detach().clone() for k, v in m.named_parameters()}
        p = new_params(lib, m)
        out1 = lib.func.functional_call(m, p, (lib.tensor(XB),))
        first = dict(list(p.items())[:2])
        rest = dict(list(p.items())[2:])
        out2 = lib.func.functional_call(m, (first, rest), lib.tensor(XB))
        out3 = lib.func.functional_call(m, {"0.weight": p["0.weight"]}, args=(),
                                        kwargs={"input": lib.tensor(XB)})
        for k, v in m.named_parameters():
            assert isinstance(v, lib.nn.Parameter)
            np.testing.assert_array_equal(to_np(v), to_np(before[k]))
        return out1, out2, out3, m(lib.tensor(XB))
    both(run)


def test_gradients_reach_supplied_tensors():
    def run(lib):
        m = mlp(lib)
        p = {k: v.requires_grad_() for k, v in new_params(lib, m).items()}
        lib.func.functional_call(m, p, (lib.tensor(XB),)).pow(2).sum().backward()
        return {k: v.grad for k, v in p.items()}, [q.grad for q in m.parameters()]
    both(run)


def test_buffers_and_in_place_buffer_updates():
    def run(lib):
        bn = lib.nn.BatchNorm1d(4).double()
        rm = lib.zeros(4, dtype=lib.float64)
        rv = lib.ones(4, dtype=lib.float64)
        out = lib.func.functional_call(bn, {"running_mean": rm, "running_var": rv},
                                       (lib.tensor(XB),))
        return out, rm, rv, bn.running_mean
    both(run)


def test_strict_and_errors():
    def strict_missing(lib):
        m = mlp(lib)
        return lib.func.functional_call(m, {"0.weight": m[0].weight, "bad": m[0].bias},
                                        (lib.tensor(XB),), strict=True)
    raises_same(strict_missing)
    raises_same(lambda lib: lib.func.functional_call(mlp(lib), ({"a": lib.ones(1)},
                                                                {"a": lib.ones(1)}), ()))
    raises_same(lambda lib: lib.func.functional_call(mlp(lib), ({"a": lib.ones(1)}, 3), ()))
    e, _ = raises_same(lambda lib: lib.func.functional_call(mlp(lib), 3, ()),
                       match_message=False)
    assert "Expected parameter_and_buffer_dicts to be a dict" in str(e)

    def strict_ok(lib):
        m = mlp(lib)
        return lib.func.functional_call(m, new_params(lib, m), (lib.tensor(XB),), strict=True)
    both(strict_ok)


W0 = RNG.standard_normal((3, 3))


def tied_model(lib):
    """``Sequential(a, b)`` whose two Linear layers share one weight."""
    a = lib.nn.Linear(3, 3, bias=False).double()
    b = lib.nn.Linear(3, 3, bias=False).double()
    with lib.no_grad():
        a.weight.copy_(lib.tensor(W0))
    b.weight = a.weight
    return lib.nn.Sequential(a, b)


def test_tie_weights():
    w1 = RNG.standard_normal((3, 3))
    w2 = RNG.standard_normal((3, 3))
    x = RNG.standard_normal((2, 3))
    for tie in (True, False):
        both(lambda lib, tie=tie: lib.func.functional_call(
            tied_model(lib), {"0.weight": lib.tensor(w1)}, (lib.tensor(x),), tie_weights=tie))
    raises_same(lambda lib: lib.func.functional_call(
        tied_model(lib), {"0.weight": lib.tensor(w1), "1.weight": lib.tensor(w2)},
        (lib.tensor(x),)))
    both(lambda lib: lib.func.functional_call(
        tied_model(lib), {"0.weight": lib.tensor(w1), "1.weight": lib.tensor(w2)},
        (lib.tensor(x),), tie_weights=False))

    def same_value_twice(lib):
        t = lib.tensor(w1)
        return lib.func.functional_call(tied_model(lib), {"0.weight": t, "1.weight": t},
                                        (lib.tensor(x),))
    both(same_value_twice)


def test_stack_module_state_and_ensembling_with_vmap():
    def run(lib):
        models = [mlp(lib, seed=s) for s in range(3)]
        params, buffers = lib.func.stack_module_state(models)
        base = mlp(lib, seed=9)

        def call(p, b, x):
            return lib.func.functional_call(base, (p, b), (x,))
        out = lib.func.vmap(call, in_dims=(0, 0, None))(params, buffers, lib.tensor(XB))
        return params, out
    both(run)
    raises_same(lambda lib: lib.func.stack_module_state([]))
    raises_same(lambda lib: lib.func.stack_module_state([mlp(lib), mlp(lib).eval()]))
    raises_same(lambda lib: lib.func.stack_module_state([mlp(lib), lib.nn.Linear(2, 2)]))


@pytest.mark.parametrize("strict", [False, True])
def test_functional_call_in_grad(strict):
    def run(lib):
        m = mlp(lib)
        p = new_params(lib, m)
        return lib.func.grad(lambda q: lib.func.functional_call(
            m, q, (lib.tensor(XB),), strict=strict).sum())(p)
    both(run)
    assert ember.func.functional_call is not None
