"""Linear / Bilinear / LazyLinear / Identity / Flatten / Unflatten via check_module."""

import math

import numpy as np
import pytest
import torch

import ember
from tests.nn.helpers import check_module
from tests.ops.opinfo import r


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3), (3,)])
def test_linear(bias, shape):
    check_module(lambda lib: lib.nn.Linear(3, 6, bias=bias), [r(*shape)])


def test_linear_float64_and_eval():
    check_module(lambda lib: lib.nn.Linear(3, 2, dtype=lib.float64),
                 [r(4, 3, dtype=np.float64)], train=False)


def test_linear_half_types():
    for lib_dt in ("float16", "bfloat16"):
        def call(m, x, lib_dt=lib_dt):
            lib = ember if isinstance(x, ember.Tensor) else torch
            dt = getattr(lib, lib_dt)
            return m.to(dt)(x.to(dt)).float()

        check_module(lambda lib: lib.nn.Linear(8, 4), [r(5, 8)], grad=False, call=call)


@pytest.mark.parametrize("bias", [True, False])
def test_bilinear(bias):
    check_module(lambda lib: lib.nn.Bilinear(3, 2, 4, bias=bias), [r(5, 3), r(5, 2)])
    check_module(lambda lib: lib.nn.Bilinear(3, 2, 4, bias=bias), [r(2, 5, 3), r(2, 5, 2)])


def test_identity_flatten_unflatten():
    check_module(lambda lib: lib.nn.Identity(3, unused=True), [r(2, 3)])
    check_module(lambda lib: lib.nn.Flatten(), [r(2, 3, 4, 2)])
    check_module(lambda lib: lib.nn.Flatten(0, 2), [r(2, 3, 4, 2)])
    check_module(lambda lib: lib.nn.Unflatten(1, (2, 3)), [r(4, 6, 2)])
    check_module(lambda lib: lib.nn.Unflatten(-1, [3, -1]), [r(4, 6)])
    for bad in ((1, 2.0), (1, 3)):
        for lib in (ember, torch):
            with pytest.raises(TypeError):
                lib.nn.Unflatten(*bad)


def test_lazy_linear():
    m = ember.nn.LazyLinear(4)
    t = torch.nn.LazyLinear(4)
    assert repr(m) == repr(t)
    assert isinstance(m.weight, ember.nn.UninitializedParameter)
    out = m(ember.randn(2, 7))
    t(torch.randn(2, 7))
    assert type(m) is ember.nn.Linear and repr(m) == repr(t)
    assert out.shape == (2, 4) and m.weight.shape == (4, 7) and m.in_features == 7
    assert type(m.weight) is ember.nn.Parameter
    bound = 1 / math.sqrt(7)
    assert np.abs(m.weight.detach().numpy()).max() <= bound
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    # loading a state dict materialises
    m2 = ember.nn.LazyLinear(4, bias=False)
    m2.load_state_dict({"weight": ember.ones(4, 3)})
    assert m2.weight.shape == (4, 3)


def test_linear_default_init_statistics():
    n_in, n_out = 400, 500
    m = ember.nn.Linear(n_in, n_out)
    w = m.weight.detach().numpy()
    b = m.bias.detach().numpy()
    bound = 1 / math.sqrt(n_in)  # kaiming_uniform_(a=sqrt(5)) == U(-1/sqrt(in), 1/sqrt(in))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.mean()) < 0.01 * bound * 10
    np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.02)
    assert np.abs(b).max() <= bound
    assert m.weight.dtype == ember.float32 and m.weight.requires_grad
    m64 = ember.nn.Linear(3, 2, dtype=ember.float64)
    assert m64.weight.dtype == ember.float64 and m64.bias.dtype == ember.float64
    # reproducible under the same seed
    ember.manual_seed(3)
    a = ember.nn.Linear(5, 5).weight.detach().numpy().copy()
    ember.manual_seed(3)
    np.testing.assert_array_equal(a, ember.nn.Linear(5, 5).weight.detach().numpy())


def test_linear_errors_match_torch_types():
    for lib in (ember, torch):
        with pytest.raises(RuntimeError):
            lib.nn.Linear(3, 2)(lib.zeros(4, 5))
        with pytest.raises(RuntimeError):
            lib.nn.Linear(3, 2)(lib.zeros(4, 3, dtype=lib.float64))
        with pytest.raises(RuntimeError):
            lib.nn.Bilinear(3, 2, 1)(lib.zeros(4, 3), lib.zeros(4, 3))
    with pytest.raises(RuntimeError, match=r"input dtype ember\.float64 does not match the "
                                           r"weight dtype ember\.float32"):
        ember.nn.Linear(3, 2)(ember.zeros(4, 3, dtype=ember.float64))


def test_linear_double_backward():
    x = ember.randn(3, 4, dtype=ember.float64, requires_grad=True)
    w = ember.randn(2, 4, dtype=ember.float64, requires_grad=True)
    y = ember.nn.functional.linear(x, w)
    (g,) = ember.autograd.grad(y.pow(2).sum(), x, create_graph=True)
    g.sum().backward()
    xt = torch.tensor(x.detach().numpy(), requires_grad=True)
    wt = torch.tensor(w.detach().numpy(), requires_grad=True)
    (gt,) = torch.autograd.grad(torch.nn.functional.linear(xt, wt).pow(2).sum(), xt,
                                create_graph=True)
    gt.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-10)
