"""``ember.nn.utils.stateless.functional_call`` (torch's deprecated alias of
``func.functional_call``) compared with torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.utils.stateless  # noqa: F401

import ember
import ember.nn.utils.stateless  # noqa: F401

RNG = np.random.default_rng(4)
X = RNG.standard_normal((2, 3))
W = RNG.standard_normal((2, 3))
B = RNG.standard_normal(2)


def model(lib):
    m = lib.nn.Linear(3, 2).double()
    with lib.no_grad():
        m.weight.zero_()
        m.bias.zero_()
    return m


def call(lib, params, args, **kw):
    return lib.nn.utils.stateless.functional_call(model(lib), params, args, **kw)


def test_values_warning_and_single_arg():
    outs = []
    for lib in (ember, torch):
        with pytest.warns(FutureWarning) as rec:
            out = call(lib, {"weight": lib.tensor(W), "bias": lib.tensor(B)}, lib.tensor(X))
        outs.append(out.detach().numpy())
        msgs = [str(w.message) for w in rec]
        assert any("torch.func.functional_call" in m for m in msgs)
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-12)
    np.testing.assert_allclose(outs[0], X @ W.T + B, rtol=1e-12)


def test_grads_strict_and_errors():
    grads = []
    for lib in (ember, torch):
        w = lib.tensor(W, requires_grad=True)
        with pytest.warns(FutureWarning):
            call(lib, {"weight": w}, (lib.tensor(X),)).sum().backward()
        grads.append(w.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)
    msgs = []
    for lib in (ember, torch):
        with pytest.warns(FutureWarning), pytest.raises(RuntimeError) as e:
            call(lib, {"weight": lib.tensor(W), "nope": lib.tensor(B)}, (lib.tensor(X),),
                 strict=True)
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]
    # the deprecated API takes one dict only; torch fails on the tuple's missing .keys()
    for lib in (ember, torch):
        with pytest.warns(FutureWarning), pytest.raises(AttributeError):
            lib.nn.utils.stateless.functional_call(model(lib), ({"weight": lib.tensor(W)},),
                                                   (lib.tensor(X),))
